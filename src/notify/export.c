/* notify --export: the decrypted notices as JSON lines (docs/notify.md). */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>

#include "notices/notices.h"
#include "notify/internal.h"
#include "notify/notify.h"

int bc_notify_open_notices(struct bc_notices_reader **out, const char *dir, struct bc_error *err)
{
	int rc = bc_notices_reader_open(out, dir, err);

	if (rc > 0)
		return bc_error_set(err, bc_err_no_notices, "%s holds no notices.jsonl: run ingest --notices %s first",
				    dir, dir);
	return rc < 0 ? -1 : 0;
}

int bc_notify_export(const char *dir, FILE *out, size_t *n, struct bc_error *err)
{
	struct bc_notices_reader *rd;
	json_t *line;
	char *s;
	int rc;

	*n = 0;
	/* A first pass authenticates the whole file: a damaged or cut one
	 * exports nothing, not the notices before the damage (docs/notify.md). */
	if (bc_notify_open_notices(&rd, dir, err) != 0)
		return -1;
	while ((rc = bc_notices_reader_next(rd, &line, err)) == 1)
		json_decref(line);
	bc_notices_reader_free(rd);
	if (rc < 0 || bc_notify_open_notices(&rd, dir, err) != 0)
		return -1;
	while ((rc = bc_notices_reader_next(rd, &line, err)) == 1) {
		s = json_dumps(line, JSON_COMPACT | JSON_PRESERVE_ORDER);
		json_decref(line);
		if (s == NULL) {
			rc = bc_error_set(err, bc_err_out_of_memory, "out of memory");
			break;
		}
		if (fputs(s, out) == EOF || fputc('\n', out) == EOF)
			rc = bc_error_set(err, bc_err_io, "cannot write the notices to the output");
		sodium_memzero(s, strlen(s));
		free(s);
		if (rc < 0)
			break;
		(*n)++;
	}
	bc_notices_reader_free(rd);
	if (rc == 0 && fflush(out) != 0)
		rc = bc_error_set(err, bc_err_io, "cannot write the notices to the output");
	return rc < 0 ? -1 : 0;
}
