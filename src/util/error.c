#include "util/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define BC_ERROR_DEFINE_(name) const char bc_err_##name[] = #name;
BC_ERROR_CODES(BC_ERROR_DEFINE_)
#undef BC_ERROR_DEFINE_

#define BC_ERROR_LIST_(name) bc_err_##name,
const char *const bc_error_codes[] = { BC_ERROR_CODES(BC_ERROR_LIST_) NULL };
#undef BC_ERROR_LIST_

void bc_error_clear(struct bc_error *err)
{
	struct bc_error init = BC_ERROR_INIT;

	if (err)
		*err = init;
}

__attribute__((format(printf, 3, 0)))
static void vset(struct bc_error *err, const char *code, const char *fmt, va_list ap)
{
	err->code = code ? code : "";
	err->retry_after = 0;
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
}

int (bc_error_set)(struct bc_error *err, const char *code, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return -1;
	va_start(ap, fmt);
	vset(err, code, fmt, ap);
	va_end(ap);
	return -1;
}

int (bc_error_set_field)(struct bc_error *err, const char *code, const char *field,
		       const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return -1;
	snprintf(err->field, sizeof(err->field), "%s", field ? field : "");
	va_start(ap, fmt);
	vset(err, code, fmt, ap);
	va_end(ap);
	return -1;
}

const char *bc_error_format(const struct bc_error *err, char *buf, size_t bufsize)
{
	size_t n = 0;
	int w;

	if (!bufsize)
		return buf;
	buf[0] = '\0';
	if (err->file) {
		w = snprintf(buf, bufsize, "%s:", err->file);
		n = w < 0 ? 0 : (size_t)w;
		if (n < bufsize && err->line) {
			w = snprintf(buf + n, bufsize - n, "%lu:", err->line);
			n += w < 0 ? 0 : (size_t)w;
		}
		if (n < bufsize && err->line && err->column) {
			w = snprintf(buf + n, bufsize - n, "%lu:", err->column);
			n += w < 0 ? 0 : (size_t)w;
		}
		if (n < bufsize) {
			w = snprintf(buf + n, bufsize - n, " ");
			n += w < 0 ? 0 : (size_t)w;
		}
	}
	if (n < bufsize)
		snprintf(buf + n, bufsize - n, "%s", err->msg);
	return buf;
}
