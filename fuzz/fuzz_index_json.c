/*
 * libFuzzer target for the index.json a client downloads (DESIGN.md §5, §8):
 * any bytes as index.json, opened by bc_index_open, the reader the client
 * uses on what a mirror or the server sent (client/remote.c). When the input
 * is JSON with a small geometry, buckets.bin and verified.bin are made the
 * sizes it states, so that an accepted index is also walked: breaches,
 * bucket hashes, verification. Invariants: a refusal has an error code and a
 * message that fits its buffer; an accepted index has n_buckets =
 * 2^bucket_bits hashes, an index_id of 32 hex digits, breach strings that
 * are NUL-terminated.
 * Seeds: fuzz/corpus/index_json (an index.json of the tiny test index of
 * tests/client, and variants: missing fields, wrong types, huge numbers).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "index/index.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[64];

static int write_sized(const char *name, const void *data, size_t len, size_t size)
{
	char path[128];
	FILE *f;
	int ret;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (!f)
		return -1;
	ret = (len && fwrite(data, 1, len, f) != len) ? -1 : 0;
	if (fclose(f) || truncate(path, (off_t)size))
		ret = -1;
	return ret;
}

/* buckets.bin and verified.bin of the sizes the JSON states, when small. */
static void size_files(const uint8_t *data, size_t size)
{
	json_t *j = json_loadb((const char *)data, size, 0, NULL);
	json_int_t bits = json_integer_value(json_object_get(j, "bucket_bits"));
	json_int_t entries = json_integer_value(json_object_get(j, "bucket_entries"));
	json_int_t ventries = json_integer_value(json_object_get(j, "verified_entries"));
	size_t b = 0, v = 0;

	if (bits >= 0 && bits <= 10 && entries >= 0 && entries <= 256)
		b = ((size_t)1 << bits) * (size_t)entries * BC_ENTRY_BYTES;
	if (ventries >= 0 && ventries <= 1024)
		v = (size_t)ventries * BC_ENTRY_BYTES;
	json_decref(j);
	if (write_sized("buckets.bin", NULL, 0, b) || write_sized("verified.bin", NULL, 0, v))
		abort();
}

/* The three files and the directory, at exit (libFuzzer exits through exit()). */
static void cleanup(void)
{
	static const char *const names[] = { "index.json", "buckets.bin", "verified.bin" };
	char path[128];
	size_t i;

	for (i = 0; i < 3; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		unlink(path);
	}
	rmdir(dir);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bc_error err = BC_ERROR_INIT;
	struct bc_index *idx = NULL;
	size_t i, j, n;

	if (!dir[0]) {
		snprintf(dir, sizeof(dir), "/tmp/bc-fuzz-index-%ld", (long)getpid());
		if (mkdir(dir, 0700) != 0 || atexit(cleanup) != 0)
			abort();
	}
	if (size > 1 << 20)
		return 0;
	if (write_sized("index.json", data, size, size))
		abort();
	size_files(data, size);
	if (bc_index_open(dir, &idx, &err) != 0) {
		if (idx || !err.code[0] || strlen(err.msg) >= sizeof(err.msg))
			abort();
		return 0;
	}
	if (strlen(bc_index_id(idx)) != BC_INDEX_ID_HEX ||
	    bc_index_n_buckets(idx) != (uint32_t)1 << bc_index_bucket_bits(idx))
		abort();
	for (i = 0; i < bc_index_n_buckets(idx); i++)
		if (!bc_index_bucket_hash(idx, i))
			abort();
	n = bc_index_n_breaches(idx);
	for (i = 0; i < n; i++) {
		const struct bc_breach *b = bc_index_breach(idx, i);

		if (!b || strlen(b->name) + strlen(b->title) + strlen(b->description) > size ||
		    bc_index_breach_by_id(idx, b->id) == NULL)
			abort();
		for (j = 0; j < b->n_sources; j++)
			if (strlen(b->sources[j]) > size)
				abort();
	}
	(void)bc_index_breach_by_name(idx, "labs");
	if (bc_index_verify(idx, &err) != 0 && !err.code[0])
		abort();
	bc_index_free(idx);
	return 0;
}
