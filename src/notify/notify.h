#ifndef BC_NOTIFY_NOTIFY_H
#define BC_NOTIFY_NOTIFY_H

/*
 * breachcheck notify (DESIGN.md §10; docs/notify.md): what the controller
 * does with the notices directory written by ingest --notices DIR. The CLI
 * (src/cli/notify.c) is a thin layer over these functions.
 */

#include <stddef.h>
#include <stdio.h>

#include "util/error.h"

/*
 * Write every notice as one JSON line (the decrypted mail-merge file, for a
 * mailing house that lays out its own letters) to out. *n: lines written.
 * Returns 0, or -1 with err filled ("no_notices", "destroyed", "corrupt", "io").
 */
int bc_notify_export(const char *dir, FILE *out, size_t *n, struct bc_error *err);

struct bc_reissue_options {
	const char *dir;         /* notices directory */
	const char *index_dir;   /* the published index, republished */
	const char *key_path;    /* its key */
	const char *nir;         /* as typed, or NULL */
	const char *last_name, *first_name, *dob;  /* as typed, or NULL */
	const char *ref;         /* the letter's reference, or NULL */
};

/*
 * Reissue one patient's claim code (docs/notify.md "Reissuing a code"),
 * after the DPO's identity check: the notice matched by NIR, by birth name +
 * first name + date of birth, or by reference (exactly one) gets a new code,
 * the state and the index its new claim (bc_ingest_reissue; the old code
 * stops working), notices.jsonl the new code. The code is never printed:
 * ref (32 bytes) receives the letter's reference, to render it with
 * notify --letters --ref. Returns 0, or -1 with err ("usage": no notice or
 * several match; ingest and notices errors).
 */
int bc_notify_reissue(const struct bc_reissue_options *o, char ref[32], struct bc_error *err);

#endif
