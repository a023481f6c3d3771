/*
 * libFuzzer target for the leak reader: any bytes as a leak file, through
 * sniffing, decoding, splitting, mapping and normalisation. The first byte's
 * low bit selects strict mode, its second bit a small decoded-text buffer
 * (256 to 4099 bytes from the byte's other bits) so that rows straddle refill
 * boundaries (the byte stays part of the input). An input starting with "#m"
 * carries a mapping file up to its first blank line. Invariants
 * checked: canonical fields have their documented shapes, lines only grow,
 * and errors never exceed their buffers.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "leak/internal.h"
#include "leak/reader.h"
#include "leak/record.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct leak_options opt = { NULL, size > 0 && (data[0] & 1), size > 0 && (data[0] & 4), 0 };
	struct leak_mapping map;
	struct leak_reader r;
	struct bc_error err = BC_ERROR_INIT;
	struct bc_record rec;
	unsigned long last = 0;
	const uint8_t *end;
	char *text;
	int rc, i;

	if (size > 2 && data[0] == '#' && data[1] == 'm') {
		for (end = data; end + 1 < data + size && !(end[0] == '\n' && end[1] == '\n'); end++)
			;
		if (end + 1 >= data + size || (size_t)(end - data) > 4096)
			return 0;
		text = malloc((size_t)(end - data) + 1);
		if (!text)
			return 0;
		memcpy(text, data, (size_t)(end - data));
		text[end - data] = '\0';
		leak_mapping_init(&map);
		rc = leak_mapping_parse(&map, text, "fuzz.map", &err);
		free(text);
		if (rc < 0) {
			if (!err.code[0])
				abort();
			return 0;
		}
		opt.mapping = &map;
		size -= (size_t)(end + 2 - data);
		data = end + 2;
	}
	if (size > 0 && (data[0] & 2))
		rc = leak_reader_init_buffer_cap(&r, data, size, "fuzz", &opt,
						 256 + (size_t)(data[0] >> 2) * 61, &err);
	else
		rc = leak_reader_init_buffer(&r, data, size, "fuzz", &opt, &err);
	if (rc < 0) {
		if (!err.code[0] || strlen(err.msg) >= sizeof(err.msg))
			abort();
		return 0;
	}
	while ((rc = leak_reader_next(&r, &rec, &err)) > 0) {
		if (rec.line < last || (rec.nir[0] && strlen(rec.nir) != 13))
			abort();
		if (rec.dob[0] && strlen(rec.dob) != 10)
			abort();
		if (rec.n_emails < 0 || rec.n_emails > BC_RECORD_MAX_EMAILS ||
		    rec.n_phones < 0 || rec.n_phones > BC_RECORD_MAX_PHONES ||
		    rec.n_last_names < 0 || rec.n_last_names > BC_RECORD_MAX_NAMES)
			abort();
		for (i = 0; i < rec.n_phones; i++)
			if (rec.phones[i][0] != '+')
				abort();
		for (i = 0; i < rec.n_emails; i++)
			if (!strchr(rec.emails[i], '@'))
				abort();
		last = rec.line;
	}
	if (rc < 0 && !err.code[0])
		abort();
	if (r.stats.rows > r.stats.lines + 1)
		abort();
	leak_reader_release(&r);
	return 0;
}
