#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "server/internal.h"

#define WEB_MAX_PATH 512

static const struct {
	const char *ext;
	const char *type;
} types[] = {
	{ ".html", "text/html; charset=utf-8" },
	{ ".js", "text/javascript; charset=utf-8" },
	{ ".mjs", "text/javascript; charset=utf-8" },
	{ ".css", "text/css; charset=utf-8" },
	{ ".json", "application/json" },
	{ ".map", "application/json" },
	{ ".svg", "image/svg+xml" },
	{ ".png", "image/png" },
	{ ".ico", "image/x-icon" },
	{ ".webp", "image/webp" },
	{ ".woff2", "font/woff2" },
	{ ".woff", "font/woff" },
	{ ".txt", "text/plain; charset=utf-8" },
	{ ".wasm", "application/wasm" },
	{ ".webmanifest", "application/manifest+json" },
};

static const char *content_type(const char *path)
{
	const char *dot = strrchr(path, '.');
	size_t i;

	if (dot && !strchr(dot, '/'))
		for (i = 0; i < sizeof(types) / sizeof(types[0]); i++)
			if (!strcmp(dot, types[i].ext))
				return types[i].type;
	return "application/octet-stream";
}

/* Copy url (without its leading '/') to rel, refusing anything but plain
 * names; a path ending in '/' (or empty) gets index.html appended. */
static int safe_path(const char *url, char *rel, size_t relsize)
{
	const char *p = url;
	size_t n = 0;
	int at_start = 1;

	if (*p != '/')
		return -1;
	p++;
	for (; *p; p++) {
		char ch = *p;

		if (n + 1 >= relsize)
			return -1;
		if (ch == '/') {
			if (at_start)
				return -1;
			at_start = 1;
		} else {
			int ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
				 (ch >= '0' && ch <= '9') || ch == '-' || ch == '_' || ch == '.';

			if (!ok || (at_start && ch == '.'))
				return -1;
			at_start = 0;
		}
		rel[n++] = ch;
	}
	rel[n] = '\0';
	if (at_start) {
		static const char index[] = "index.html";

		if (n + sizeof(index) > relsize)
			return -1;
		memcpy(rel + n, index, sizeof(index));
	}
	return 0;
}

struct MHD_Response *bc_server_web_response(int dirfd, const char *url, uint64_t *bytes)
{
	struct MHD_Response *resp = NULL;
	char rel[WEB_MAX_PATH];
	struct stat st;
	int fd = -1;

	if (dirfd < 0 || safe_path(url, rel, sizeof(rel)) < 0)
		goto out;
	fd = openat(dirfd, rel, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
		goto out;
	resp = MHD_create_response_from_fd((uint64_t)st.st_size, fd);
	if (!resp)
		goto out;
	fd = -1; /* owned by the response now */
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, content_type(rel));
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-cache");
	*bytes = (uint64_t)st.st_size;
out:
	if (fd >= 0)
		close(fd);
	return resp;
}

enum MHD_Result bc_server_handle_page(struct MHD_Connection *c, struct bc_server_request *r,
				      const char *url, const char *method)
{
	struct MHD_Response *resp;
	enum MHD_Result ret;
	uint64_t bytes = 0;

	resp = bc_server_web_response(r->srv->web_fd, url, &bytes);
	if (!resp)
		return bc_server_not_found(c, r);
	if (strcmp(method, "GET") && strcmp(method, "HEAD")) {
		MHD_destroy_response(resp);
		return bc_server_error(c, r, MHD_HTTP_METHOD_NOT_ALLOWED, "method_not_allowed",
				       "this resource allows GET and HEAD only", "GET, HEAD", 0);
	}
	bc_server_common_headers(r->srv, resp);
	ret = bc_server_queue(c, r, MHD_HTTP_OK, resp, bytes);
	MHD_destroy_response(resp);
	return ret;
}
