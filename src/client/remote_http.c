/*
 * The client's HTTP transport (libcurl): one request with its answer in
 * memory or in a file, the server's error turned into a bc_error, and a 429
 * waited out when the caller allows it. See client/remote_internal.h.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>
#include <jansson.h>

#include "client/remote_internal.h"
#include "util/base64url.h"

static size_t sink_write(char *ptr, size_t size, size_t nmemb, void *arg)
{
	struct sink *s = arg;
	size_t n = size * nmemb, max = s->max;
	long status = 200;
	uint8_t *nb;

	if (s->file && s->curl)
		curl_easy_getinfo(s->curl, CURLINFO_RESPONSE_CODE, &status);
	if (s->file && status == 200) {
		if (s->flen + n > s->max) {
			s->overflow = 1;
			return 0;
		}
		if (fwrite(ptr, 1, n, s->file) != n) {
			s->werr = errno ? errno : EIO;
			return 0;
		}
		s->flen += n;
		return n;
	}
	/* in memory: the answer, or with a file, an error body kept for the message */
	if (s->file)
		max = ERROR_BODY_MAX;
	if (s->len + n > max) {
		s->overflow = 1;
		return 0;
	}
	if (s->len + n + 1 > s->cap) {
		s->cap = (s->len + n + 1) * 2;
		if (s->cap > max + 1)
			s->cap = max + 1;
		nb = realloc(s->buf, s->cap);
		if (!nb)
			return 0;
		s->buf = nb;
	}
	memcpy(s->buf + s->len, ptr, n);
	s->len += n;
	s->buf[s->len] = 0;
	return n;
}

/* A server's text in our messages: printable ASCII only (no terminal escapes). */
static void printable(char *dst, size_t size, const char *src)
{
	size_t i;

	for (i = 0; size && i + 1 < size && src[i]; i++)
		dst[i] = src[i] >= 0x20 && src[i] < 0x7f ? src[i] : '?';
	if (size)
		dst[i] = 0;
}

/* The route for messages: never a bucket number or anything of the query. */
static int http_error(struct remote *r, long status, const struct sink *s, const char *what,
		      struct bc_error *err)
{
	json_t *j = NULL, *e;
	const char *code = "", *msg = "";
	char pcode[48], pmsg[168];
	curl_off_t retry = -1;
	int ret;

	if (s->buf)
		j = json_loadb((const char *)s->buf, s->len, 0, NULL);
	e = json_object_get(j, "error");
	if (json_is_string(json_object_get(e, "code")))
		code = json_string_value(json_object_get(e, "code"));
	if (json_is_string(json_object_get(e, "message")))
		msg = json_string_value(json_object_get(e, "message"));
	if (status == 429) {
		curl_easy_getinfo(r->curl, CURLINFO_RETRY_AFTER, &retry);
		if (retry > 0) {
			ret = bc_error_set(err, bc_err_rate_limited,
					   "the server is rate limiting checks (HTTP 429): retry in "
					   "%ld second%s",
					   (long)retry, retry > 1 ? "s" : "");
			if (err)
				err->retry_after = (long)retry;
		} else {
			ret = bc_error_set(err, bc_err_rate_limited,
					   "the server is rate limiting checks (HTTP 429): retry later");
		}
	} else if (status == 404 && !strcmp(code, "stale_index")) {
		ret = bc_error_set(err, bc_err_stale_index,
				   "the server published a new index while checking: run the "
				   "check again");
	} else if (status == 404 && !strcmp(what, "config")) {
		ret = bc_error_set(err, bc_err_http,
				   "config: the server answered HTTP 404 to /v1/config: is --server "
				   "the base URL of a breachcheck server?");
	} else {
		printable(pcode, sizeof(pcode), code);
		printable(pmsg, sizeof(pmsg), msg);
		ret = bc_error_set(err, bc_err_http, "%s: the server answered HTTP %ld%s%.40s%s%.160s",
				   what, status, *code ? " " : "", pcode, *msg ? ": " : "", pmsg);
	}
	json_decref(j);
	return ret;
}

static int xfer_progress(void *arg, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
			 curl_off_t ulnow)
{
	struct remote *r = arg;

	(void)ultotal;
	(void)ulnow;
	if (r->on_progress && r->progress_what && dlnow > 0)
		r->on_progress(r->cb_arg, r->progress_what, (uint64_t)dlnow,
			       dltotal > 0 ? (uint64_t)dltotal : 0);
	return 0;
}

/* The Retry-After of a 429 that we may wait out (1..max_wait_s), else 0. */
static long wait_for(struct remote *r, long status)
{
	curl_off_t retry = -1;

	if (status != 429 || r->max_wait_s <= 0)
		return 0;
	curl_easy_getinfo(r->curl, CURLINFO_RETRY_AFTER, &retry);
	return retry > 0 && retry <= r->max_wait_s ? (long)retry : 0;
}

static void wait_out(struct remote *r, long secs)
{
	for (; secs > 0; secs--) {
		if (r->on_wait)
			r->on_wait(r->cb_arg, secs);
		sleep(1);
	}
	if (r->on_wait)
		r->on_wait(r->cb_arg, 0);
}

/*
 * GET (body NULL) or POST a JSON body to url; the answer goes to s. A 429
 * whose Retry-After is at most r->max_wait_s is waited out and the request
 * sent once more (issue 16: a person checking several identifiers in a row).
 * Returns 0 on HTTP 200, -1 with err filled otherwise.
 */
int bc_client_http_do(struct remote *r, const char *url, const char *body, struct sink *s,
		   const char *what, struct bc_error *err)
{
	struct curl_slist *hdrs = NULL;
	char cerr[CURL_ERROR_SIZE] = "";
	long status = 0, secs;
	int tries = 0;
	CURLcode rc;
	int ret = -1;

again:
	curl_slist_free_all(hdrs);
	hdrs = NULL;
	cerr[0] = 0;
	curl_easy_reset(r->curl);
	curl_easy_setopt(r->curl, CURLOPT_URL, url);
	curl_easy_setopt(r->curl, CURLOPT_WRITEFUNCTION, sink_write);
	curl_easy_setopt(r->curl, CURLOPT_WRITEDATA, s);
	curl_easy_setopt(r->curl, CURLOPT_ERRORBUFFER, cerr);
	if (s->file) {
		/* a whole-file download may take minutes on a slow link: no total
		 * limit, but give up when fewer than 512 bytes/s arrive for timeout_s */
		curl_easy_setopt(r->curl, CURLOPT_LOW_SPEED_LIMIT, 512L);
		curl_easy_setopt(r->curl, CURLOPT_LOW_SPEED_TIME, r->timeout_s);
	} else {
		curl_easy_setopt(r->curl, CURLOPT_TIMEOUT, r->timeout_s);
	}
	curl_easy_setopt(r->curl, CURLOPT_CONNECTTIMEOUT, r->timeout_s < 10 ? r->timeout_s : 10L);
	curl_easy_setopt(r->curl, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(r->curl, CURLOPT_MAXREDIRS, 3L);
	curl_easy_setopt(r->curl, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(r->curl, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(r->curl, CURLOPT_USERAGENT, "breachcheck-check/1");
	curl_easy_setopt(r->curl, CURLOPT_NOSIGNAL, 1L);
	if (s->file && r->on_progress) {
		curl_easy_setopt(r->curl, CURLOPT_XFERINFOFUNCTION, xfer_progress);
		curl_easy_setopt(r->curl, CURLOPT_XFERINFODATA, r);
		curl_easy_setopt(r->curl, CURLOPT_NOPROGRESS, 0L);
	}
	if (body) {
		hdrs = curl_slist_append(hdrs, "Content-Type: application/json");
		curl_easy_setopt(r->curl, CURLOPT_HTTPHEADER, hdrs);
		curl_easy_setopt(r->curl, CURLOPT_POSTFIELDS, body);
	}
	rc = curl_easy_perform(r->curl);
	curl_easy_getinfo(r->curl, CURLINFO_RESPONSE_CODE, &status);
	if (rc != CURLE_OK && !(rc == CURLE_WRITE_ERROR && status != 200)) {
		if (s->overflow)
			bc_error_set(err, bc_err_bad_response, "%s: the server's answer is too large", what);
		else if (s->werr)
			bc_error_set(err, bc_err_io, "%s: cannot write to the cache directory: %s", what,
				     strerror(s->werr));
		else if (rc == CURLE_PARTIAL_FILE || rc == CURLE_RECV_ERROR)
			bc_error_set(err, bc_err_bad_response,
				     "%s: the download was cut short: run the check again", what);
		else if (rc == CURLE_COULDNT_CONNECT || rc == CURLE_COULDNT_RESOLVE_HOST ||
			 rc == CURLE_OPERATION_TIMEDOUT)
			bc_error_set(err, bc_err_unreachable, "cannot reach the server: %s",
				     cerr[0] ? cerr : curl_easy_strerror(rc));
		else
			bc_error_set(err, bc_err_unreachable, "%s: %s", what,
				     cerr[0] ? cerr : curl_easy_strerror(rc));
		goto out;
	}
	if (status != 200) {
		secs = tries ? 0 : wait_for(r, status);
		if (secs) {
			/* nothing of the 429 reached s->file (only a 200 does) */
			tries++;
			s->len = 0;
			s->overflow = 0;
			wait_out(r, secs);
			goto again;
		}
		http_error(r, status, s, what, err);
		goto out;
	}
	ret = 0;
out:
	curl_slist_free_all(hdrs);
	return ret;
}

void bc_client_sink_free(struct sink *s)
{
	free(s->buf);
	memset(s, 0, sizeof(*s));
}

int bc_client_b64_field(json_t *o, const char *field, uint8_t *out, size_t n,
			 struct bc_error *err)
{
	json_t *v = json_object_get(o, field);

	if (!json_is_string(v) ||
	    bc_b64url_decode(json_string_value(v), json_string_length(v), out, n) != (int)n)
		return bc_error_set_field(err, bc_err_bad_response, field,
					  "the server's answer has no valid %s", field);
	return 0;
}
