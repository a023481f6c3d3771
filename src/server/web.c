#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "server/internal.h"
#include "util/fs.h"

#define WEB_MAX_PATH 512

/* The extensions the page uses (web/build.mjs: index.html, app.js,
 * style.css) and the images and fonts a page may add; nothing else is
 * served, whatever lies in the directory (docs/server.md). */
static const struct {
	const char *ext;
	const char *type;
} types[] = {
	{ ".html", "text/html; charset=utf-8" },
	{ ".js", "text/javascript; charset=utf-8" },
	{ ".css", "text/css; charset=utf-8" },
	{ ".svg", "image/svg+xml" },
	{ ".png", "image/png" },
	{ ".ico", "image/x-icon" },
	{ ".woff2", "font/woff2" },
};

/* The Content-Type of path by its extension, or NULL if it is not served. */
static const char *content_type(const char *path)
{
	const char *dot = strrchr(path, '.');
	size_t i;

	if (dot && !strchr(dot, '/'))
		for (i = 0; i < sizeof(types) / sizeof(types[0]); i++)
			if (!strcmp(dot, types[i].ext))
				return types[i].type;
	return NULL;
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

/*
 * Open rel (a relative path checked by safe_path) under dirfd following no
 * symlink at any level: every directory is opened with O_NOFOLLOW, then the
 * file. Returns the descriptor, or -1.
 */
static int open_nofollow(int dirfd, char *rel)
{
	char *p = rel, *slash;
	int fd = dirfd, next;

	while ((slash = strchr(p, '/'))) {
		*slash = '\0';
		next = openat(fd, p, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		*slash = '/';
		if (fd != dirfd)
			close(fd);
		if (next < 0)
			return -1;
		fd = next;
		p = slash + 1;
	}
	next = openat(fd, p, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	if (fd != dirfd)
		close(fd);
	return next;
}

struct MHD_Response *bc_server_web_response(int dirfd, const char *url, uint64_t *bytes)
{
	struct MHD_Response *resp = NULL;
	char rel[WEB_MAX_PATH];
	const char *type;
	struct stat st;
	int fd = -1;

	if (dirfd < 0 || safe_path(url, rel, sizeof(rel)) < 0 || !(type = content_type(rel)))
		goto out;
	fd = open_nofollow(dirfd, rel);
	/* a regular file that anyone on the machine may read: the page is
	 * public, so a file kept from others is not part of it */
	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || !(st.st_mode & S_IROTH))
		goto out;
	resp = MHD_create_response_from_fd((uint64_t)st.st_size, fd);
	if (!resp)
		goto out;
	fd = -1; /* owned by the response now */
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-cache");
	*bytes = (uint64_t)st.st_size;
out:
	if (fd >= 0)
		close(fd);
	return resp;
}

/* 1 if the canonical path a is b or holds it. */
static int holds(const char *a, const char *b)
{
	size_t la = strlen(a);

	if (!strcmp(a, "/"))
		return 1;
	return !strncmp(a, b, la) && (b[la] == '\0' || b[la] == '/');
}

int bc_server_web_check(const char *web_dir, const char *key_path, const char *index_dir,
			struct bc_error *err)
{
	struct {
		const char *what;
		int inside_too; /* also refused when the page is inside it */
		char path[PATH_MAX];
	} s[4];
	char web[PATH_MAX], path[PATH_MAX], state[PATH_MAX + 8];
	size_t i, n = 0;

	if (!realpath(web_dir, web))
		return bc_error_set_field(err, bc_err_io, "--web", "--web: cannot open the page directory: %s",
					  strerror(errno));
	if (key_path && bc_path_canonical(key_path, path) == 0) {
		char *slash = strrchr(path, '/');

		snprintf(state, sizeof(state), "%s.state", path);
		*slash = '\0';
		snprintf(s[n].path, PATH_MAX, "%s", path[0] ? path : "/");
		s[n].what = "the key's directory";
		s[n++].inside_too = 1;
		/* beside the key, unless KEYFILE.state is a symlink elsewhere */
		if (bc_path_canonical(state, s[n].path) == 0) {
			s[n].what = "the state directory (KEYFILE.state)";
			s[n++].inside_too = 1;
		}
	}
	if (index_dir && bc_path_canonical(index_dir, s[n].path) == 0) {
		s[n].what = "the index";
		s[n++].inside_too = 1;
	}
	/* where the index symlink and its versions (DIR.<index_id>) lie */
	if (index_dir && bc_path_canonical(index_dir, path) == 0 && strlen(index_dir) < PATH_MAX) {
		char *slash;

		snprintf(path, sizeof(path), "%s", index_dir);
		while (strlen(path) > 1 && path[strlen(path) - 1] == '/')
			path[strlen(path) - 1] = '\0';
		slash = strrchr(path, '/');
		if (slash)
			*slash = '\0';
		if (realpath(slash ? (path[0] ? path : "/") : ".", s[n].path)) {
			s[n].what = "the directory holding the index and its versions";
			s[n++].inside_too = 0;
		}
	}
	for (i = 0; i < n; i++) {
		const char *how = NULL;

		if (!strcmp(web, s[i].path))
			how = "is";
		else if (holds(web, s[i].path))
			how = "contains";
		else if (s[i].inside_too && holds(s[i].path, web))
			how = "is inside";
		if (how)
			return bc_error_set_field(err, bc_err_bad_field, "--web",
						  "--web: the page directory %s %s %s (%s): serve the page "
						  "from a directory of its own, apart from the key, its state "
						  "and the index", web, how, s[i].what, s[i].path);
	}
	return 0;
}

/* 1 if the request's Accept header names text/html (a browser). */
static int wants_html(struct MHD_Connection *c)
{
	const char *accept = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_ACCEPT);

	return accept && strstr(accept, "text/html") != NULL;
}

/* What a browser gets at / when there is no page (issue #16 rough edge 2):
 * the API stays JSON, and a person sees why the page is missing. */
static const char no_page_html[] =
	"<!doctype html>\n"
	"<html lang=\"en\"><head><meta charset=\"utf-8\">"
	"<meta name=\"viewport\" content=\"width=device-width\">"
	"<title>breachcheck: no page to serve</title></head>\n"
	"<body><h1>No check page to serve</h1>\n"
	"<p>This breachcheck server runs, but it has no check page: the build that "
	"started it has none, or it was started with <code>--web none</code>.</p>\n"
	"<p>To build the page: install node and the page's packages with "
	"<code>make deps</code> (it runs <code>npm ci</code> in <code>web/</code>), then "
	"<code>meson setup --reconfigure build &amp;&amp; ninja -C build</code>, and restart "
	"<code>breachcheck serve</code>; or start it with <code>--web DIR</code>, the "
	"page's built files. See docs/server.md.</p>\n"
	"<p>The API answers as usual: <a href=\"/v1/config\">/v1/config</a>.</p>\n"
	"</body></html>\n";

static enum MHD_Result no_page(struct MHD_Connection *c, struct bc_server_request *r)
{
	struct MHD_Response *resp;
	enum MHD_Result ret;
	size_t len = sizeof(no_page_html) - 1;

	resp = bc_server_persistent(r->srv, no_page_html, len, "text/html; charset=utf-8",
				    "no-store", NULL);
	if (!resp)
		return MHD_NO;
	ret = bc_server_queue(c, r, MHD_HTTP_NOT_FOUND, resp, len);
	MHD_destroy_response(resp);
	return ret;
}

enum MHD_Result bc_server_handle_page(struct MHD_Connection *c, struct bc_server_request *r,
				      const char *url, const char *method)
{
	struct MHD_Response *resp;
	enum MHD_Result ret;
	uint64_t bytes = 0;

	resp = bc_server_web_response(r->srv->web_fd, url, &bytes);
	if (!resp && !strcmp(url, "/") && wants_html(c))
		return no_page(c, r);
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
