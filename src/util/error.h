#ifndef BC_UTIL_ERROR_H
#define BC_UTIL_ERROR_H

#include <stddef.h>

/*
 * Error report shared by every module: what went wrong and where, never an
 * identifier. Owned by the caller (usually on the stack); functions that fail
 * fill it and return -1.
 *
 * code:   a short stable machine-readable reason, one of the bc_err_* constants
 *         below ("invalid_key", "bad_json", ...) or a reason of the leak
 *         reader's table (leak_reason_name); static, never freed.
 * file:   path of the input file, or NULL (borrowed, must outlive the error).
 * line, column: 1-based position in that file, 0 when not applicable.
 * field:  name of the offending field (column, JSON field, flag), or "".
 * msg:    human sentence, in English, that names what was wrong and how to
 *         fix it, and never quotes the offending value.
 * retry_after: for bc_err_rate_limited, the seconds the server asked to
 *         wait (Retry-After), 0 when unknown; 0 for every other code.
 */
/*
 * The error codes, declared once (h2o's h2o_socket_error_* idea): call sites
 * pass bc_err_io, bc_err_out_of_memory... rather than spelling "io" or "oom"
 * each time; a new code is one line here. The strings are what the CLI's
 * JSON, the server and the tests see. The CLI's messages in French are
 * keyed by these codes (cli/check.c).
 */
#define BC_ERROR_CODES(X) \
	X(bad_cache) \
	X(bad_entry) \
	X(bad_field) \
	X(bad_hash) \
	X(bad_index) \
	X(bad_input) \
	X(bad_json) \
	X(bad_mail_config) \
	X(bad_mapping) \
	X(bad_message) \
	X(bad_payload) \
	X(bad_proof) \
	X(bad_response) \
	X(bad_size) \
	X(binary_file) \
	X(busy) \
	X(cancelled) \
	X(changed) \
	X(code_expired) \
	X(code_invalid) \
	X(corrupt) \
	X(crypto_failed) \
	X(crypto_init) \
	X(destroyed) \
	X(dropped_rows) \
	X(empty) \
	X(empty_file) \
	X(exists) \
	X(finished) \
	X(fonts) \
	X(http) \
	X(incomplete_namedob) \
	X(index_mismatch) \
	X(internal) \
	X(invalid_argument) \
	X(invalid_key) \
	X(io) \
	X(key) \
	X(key_mismatch) \
	X(key_permissions) \
	X(key_pinned) \
	X(listen) \
	X(mail_dir) \
	X(mail_failed) \
	X(mail_refused) \
	X(no_header) \
	X(no_identifier) \
	X(no_notices) \
	X(not_implemented) \
	X(not_writable) \
	X(notices_dir) \
	X(notices_key) \
	X(open_failed) \
	X(out_of_memory) \
	X(rate_limited) \
	X(read_failed) \
	X(refused) \
	X(row_too_long) \
	X(shard_damaged) \
	X(shard_missing) \
	X(shard_stale) \
	X(stale_index) \
	X(state) \
	X(too_many_rows) \
	X(too_many_tries) \
	X(truncated) \
	X(unreachable) \
	X(unterminated_quote) \
	X(usage) \
	/* end */

#define BC_ERROR_DECLARE_(name) extern const char bc_err_##name[];
BC_ERROR_CODES(BC_ERROR_DECLARE_)
#undef BC_ERROR_DECLARE_

/* Every code above, in alphabetical order, then NULL. */
extern const char *const bc_error_codes[];

struct bc_error {
	const char *code;
	const char *file;
	unsigned long line;
	unsigned long column;
	char field[64];
	char msg[256];
	long retry_after;
};

/* On verify and open functions: ignoring their result is a compile error
 * (-Werror), as libsodium marks its own. */
#define BC_MUST_CHECK __attribute__((warn_unused_result))

#define BC_ERROR_INIT { "", NULL, 0, 0, "", "", 0 }

/* Reset to BC_ERROR_INIT. */
void bc_error_clear(struct bc_error *err);

/*
 * Set code and a printf-style message; always returns -1 so callers can write
 * `return bc_error_set(err, bc_err_bad_json, "...")`. err may be NULL (no-op).
 * The message is truncated to fit msg; it must never contain an identifier.
 */
int bc_error_set(struct bc_error *err, const char *code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Same, also recording the offending field name (truncated to 63 bytes). */
int bc_error_set_field(struct bc_error *err, const char *code, const char *field,
		       const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/*
 * The code argument must be a bc_err_* constant (or another const char *,
 * such as the leak reader's reason table), never a string literal: a literal
 * ("io", "oom") does not compile, and the error names this rule. A string
 * literal is a char[] (char * once converted); the constants are const char[].
 */
const char *bc_error_code_literal_(void)
	__attribute__((error("the code of bc_error_set must be a bc_err_* constant of "
			     "util/error.h, not a string literal")));
#define BC_ERROR_CODE_(code) \
	_Generic((code), const char *: (code), char *: bc_error_code_literal_())
#define bc_error_set(err, code, ...) (bc_error_set)((err), BC_ERROR_CODE_(code), __VA_ARGS__)
#define bc_error_set_field(err, code, ...) \
	(bc_error_set_field)((err), BC_ERROR_CODE_(code), __VA_ARGS__)

/*
 * Format "file:line:column: msg" (parts that are unknown are left out) into
 * buf of bufsize bytes, NUL-terminated, truncating if needed. Returns buf.
 */
const char *bc_error_format(const struct bc_error *err, char *buf, size_t bufsize);

#endif
