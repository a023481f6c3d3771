#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "server/internal.h"

/* "2026-12-05T16:39:52.123Z" (UTC, milliseconds) into buf. */
static void iso_time(char *buf, size_t size)
{
	struct timespec ts;
	struct tm tm;
	size_t n;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	n = strftime(buf, size, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + n, size - n, ".%03ldZ", ts.tv_nsec / 1000000);
}

/* One write(2) per line, so that lines of several threads never mix. */
static void log_line(struct bc_server *srv, const char *line, size_t len)
{
	ssize_t w;

	if (srv->opt.log_fd < 0)
		return;
	do
		w = write(srv->opt.log_fd, line, len);
	while (w < 0 && errno == EINTR);
}

void bc_server_log(struct bc_server *srv, const char *event, ...)
{
	const char *k, *v;
	char ts[40], *text;
	json_t *o;
	va_list ap;
	size_t len;

	if (srv->opt.log_fd < 0)
		return;
	iso_time(ts, sizeof(ts));
	o = json_pack("{s:s,s:s}", "time", ts, "event", event);
	if (!o)
		return;
	va_start(ap, event);
	while ((k = va_arg(ap, const char *)) != NULL) {
		v = va_arg(ap, const char *);
		json_object_set_new(o, k, json_string(v ? v : ""));
	}
	va_end(ap);
	text = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	if (!text)
		return;
	len = strlen(text);
	text[len] = '\n'; /* replaces the NUL: written with its length */
	log_line(srv, text, len + 1);
	free(text);
}

const char *bc_server_method_name(const char *m)
{
	static const char *const known[] = { "GET", "HEAD", "POST", "PUT", "DELETE",
					     "OPTIONS", "PATCH", "TRACE", "CONNECT" };
	size_t i;

	for (i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (!strcmp(m, known[i]))
			return known[i];
	return "other";
}

void bc_server_log_request(struct bc_server *srv, const struct bc_server_request *r,
			   double seconds, int aborted)
{
	char line[512], ts[40];
	int n;

	if (srv->opt.log_fd < 0)
		return;
	iso_time(ts, sizeof(ts));
	n = snprintf(line, sizeof(line),
		     "{\"time\":\"%s\",\"route\":\"%s\",\"method\":\"%s\",\"status\":%u,"
		     "\"duration_ms\":%.3f,\"bytes\":%" PRIu64 "%s}\n",
		     ts, bc_server_route_template(r->route), r->method, r->status, seconds * 1e3,
		     r->bytes, aborted ? ",\"aborted\":true" : "");
	if (n > 0 && (size_t)n < sizeof(line))
		log_line(srv, line, (size_t)n);
}
