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

#endif
