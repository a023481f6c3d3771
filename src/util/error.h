#ifndef BC_UTIL_ERROR_H
#define BC_UTIL_ERROR_H

#include <stddef.h>

/*
 * Error report shared by every module: what went wrong and where, never an
 * identifier. Owned by the caller (usually on the stack); functions that fail
 * fill it and return -1.
 *
 * code:   a short stable machine-readable reason ("invalid_key", "bad_json",
 *         "short_row", ...), a string literal, never freed.
 * file:   path of the input file, or NULL (borrowed, must outlive the error).
 * line, column: 1-based position in that file, 0 when not applicable.
 * field:  name of the offending field (column, JSON field, flag), or "".
 * msg:    human sentence, in English, that names what was wrong and how to
 *         fix it, and never quotes the offending value.
 */
struct bc_error {
	const char *code;
	const char *file;
	unsigned long line;
	unsigned long column;
	char field[64];
	char msg[256];
};

/* On verify and open functions: ignoring their result is a compile error
 * (-Werror), as libsodium marks its own. */
#define BC_MUST_CHECK __attribute__((warn_unused_result))

#define BC_ERROR_INIT { "", NULL, 0, 0, "", "" }

/* Reset to BC_ERROR_INIT. */
void bc_error_clear(struct bc_error *err);

/*
 * Set code and a printf-style message; always returns -1 so callers can write
 * `return bc_error_set(err, "bad_json", "...")`. err may be NULL (no-op).
 * The message is truncated to fit msg; it must never contain an identifier.
 */
int bc_error_set(struct bc_error *err, const char *code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Same, also recording the offending field name (truncated to 63 bytes). */
int bc_error_set_field(struct bc_error *err, const char *code, const char *field,
		       const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/*
 * Format "file:line:column: msg" (parts that are unknown are left out) into
 * buf of bufsize bytes, NUL-terminated, truncating if needed. Returns buf.
 */
const char *bc_error_format(const struct bc_error *err, char *buf, size_t bufsize);

#endif
