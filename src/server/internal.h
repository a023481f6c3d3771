#ifndef BC_SERVER_INTERNAL_H
#define BC_SERVER_INTERNAL_H

/* Shared between the files of src/server; not a public API. */

#include <stddef.h>
#include <stdint.h>

#include <microhttpd.h>

/*
 * The page's static files under the directory dirfd: url is the request path
 * ("/" -> index.html, "/a/" -> a/index.html). Only names made of
 * [A-Za-z0-9._-] not starting with '.' are served. Returns a response
 * (caller destroys) with Content-Type and Cache-Control set and *bytes the
 * body size, or NULL if there is no such file (or on a refused path).
 */
struct MHD_Response *bc_web_response(int dirfd, const char *url, uint64_t *bytes);

#endif
