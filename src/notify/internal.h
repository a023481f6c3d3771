#ifndef BC_NOTIFY_INTERNAL_H
#define BC_NOTIFY_INTERNAL_H

/* Shared by the notify module's files (export, letters, email); not public. */

#include "notices/notices.h"
#include "util/error.h"

/*
 * Open DIR/notices.jsonl for reading (bc_notices_reader_open). Returns 0 with
 * *out set, or -1: "no_notices" when DIR has none (the message says to run
 * ingest --notices first), or the reader's error.
 */
int bc_notify_open_notices(struct bc_notices_reader **out, const char *dir,
			   struct bc_error *err) BC_MUST_CHECK;

#endif
