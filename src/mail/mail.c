/* One message out, over SMTP (libcurl) or into a Maildir. See mail.h. */

#include "mail/mail.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define MAIL_MAX (1u << 20)

/* A growing buffer; on allocation failure it stops growing and says so. */
struct sbuf {
	char *p;
	size_t len, cap;
	int oom;
};

static void sb_add(struct sbuf *b, const char *s, size_t n)
{
	if (b->oom)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 1024;
		char *q;
		while (cap < b->len + n + 1)
			cap *= 2;
		if (cap > MAIL_MAX * 4 || !(q = realloc(b->p, cap))) {
			b->oom = 1;
			return;
		}
		b->p = q;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void sb_str(struct sbuf *b, const char *s)
{
	sb_add(b, s, strlen(s));
}

static int is_ascii(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s >= 0x80)
			return 0;
	return 1;
}

static int one_line(const char *s)
{
	return s && !strpbrk(s, "\r\n");
}

/* RFC 2047 encoded-words (B, UTF-8), each under 76 characters, split between code points. */
static void sb_header_text(struct sbuf *b, const char *s)
{
	size_t n = strlen(s), i = 0;

	if (is_ascii(s)) {
		sb_str(b, s);
		return;
	}
	while (i < n) {
		size_t take = n - i < 45 ? n - i : 45;
		char enc[80];

		while (i + take < n && ((unsigned char)s[i + take] & 0xC0) == 0x80)
			take--;
		sodium_bin2base64(enc, sizeof enc, (const unsigned char *)s + i, take,
				  sodium_base64_VARIANT_ORIGINAL);
		if (i)
			sb_str(b, "\r\n ");
		sb_str(b, "=?UTF-8?B?");
		sb_str(b, enc);
		sb_str(b, "?=");
		i += take;
	}
}

/* Quoted-printable (RFC 2045 §6.7), '\n' in the input becoming CRLF, lines of at most 76. */
static void sb_qp(struct sbuf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t col = 0;

	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		char enc[4];
		size_t w;

		if (c == '\n') {
			sb_str(b, "\r\n");
			col = 0;
			continue;
		}
		if (c == '\r')
			continue;
		if ((c >= 33 && c <= 126 && c != '=') ||
		    ((c == ' ' || c == '\t') && s[1] != '\n' && s[1] != '\0')) {
			enc[0] = (char)c;
			w = 1;
		} else {
			enc[0] = '=';
			enc[1] = hex[c >> 4];
			enc[2] = hex[c & 15];
			w = 3;
		}
		if (col + w > 75) {
			sb_str(b, "=\r\n");
			col = 0;
		}
		sb_add(b, enc, w);
		col += w;
	}
	sb_str(b, "\r\n");
}

void bc_mail_new_message_id(const char *from, char out[BC_MAIL_MESSAGE_ID_MAX])
{
	unsigned char r[16];
	char hex[33];
	const char *at = from ? strrchr(from, '@') : NULL;
	const char *domain = at && at[1] && is_ascii(at + 1) && strlen(at + 1) < 200 ? at + 1
									      : "breachcheck.invalid";

	randombytes_buf(r, sizeof r);
	sodium_bin2hex(hex, sizeof hex, r, sizeof r);
	snprintf(out, BC_MAIL_MESSAGE_ID_MAX, "<%s@%s>", hex, domain);
}

static int addr_ok(const char *a)
{
	const char *at;

	if (!a || !*a || strlen(a) > 320 || strpbrk(a, " \t\r\n<>,;\""))
		return 0;
	at = strchr(a, '@');
	return at && at != a && at[1] && !strchr(at + 1, '@');
}

int bc_mail_config_check(const struct bc_mail_config *cfg, struct bc_error *err)
{
	if (!cfg || (!!cfg->smtp_url == !!cfg->mail_dir))
		return bc_error_set_field(err, bc_err_bad_mail_config, "smtp_url",
					  "give either an SMTP URL (--smtp-url) or a Maildir (--mail-dir), not both");
	if (cfg->smtp_url && strncmp(cfg->smtp_url, "smtp://", 7) && strncmp(cfg->smtp_url, "smtps://", 8))
		return bc_error_set_field(err, bc_err_bad_mail_config, "smtp_url",
					  "the SMTP URL must start with smtp:// or smtps://");
	if (!addr_ok(cfg->from) || !is_ascii(cfg->from))
		return bc_error_set_field(err, bc_err_bad_mail_config, "from",
					  "the sender address must be one ASCII address with one @, e.g. codes@example.org");
	if (cfg->from_name && !one_line(cfg->from_name))
		return bc_error_set_field(err, bc_err_bad_mail_config, "from",
					  "the sender name must be one line");
	if (cfg->credentials_file) {
		FILE *f = fopen(cfg->credentials_file, "r");
		char line[512];
		int ok = f && fgets(line, sizeof line, f) && strchr(line, ':');

		if (f)
			fclose(f);
		sodium_memzero(line, sizeof line);
		if (!ok)
			return bc_error_set_field(err, bc_err_bad_mail_config, "credentials_file",
						  "the SMTP credentials file must be readable and hold one line user:password");
	}
	return 0;
}

int bc_mail_format(const struct bc_mail_config *cfg, const struct bc_mail_message *msg,
		   const char *message_id, long long date, char **out, size_t *out_len,
		   struct bc_error *err)
{
	struct sbuf b = { 0 };
	char line[512], boundary[40];
	struct tm tm;
	time_t t = (time_t)date;
	unsigned char r[12];

	*out = NULL;
	*out_len = 0;
	if (!msg || !addr_ok(msg->to) || !one_line(msg->subject) || !one_line(message_id) ||
	    !msg->text || !*msg->text)
		return bc_error_set(err, bc_err_bad_message,
				    "a mail needs one recipient address, a one-line subject and a body");
	gmtime_r(&t, &tm);
	strftime(line, sizeof line, "Date: %a, %d %b %Y %H:%M:%S +0000\r\n", &tm);
	sb_str(&b, line);
	sb_str(&b, "From: ");
	if (cfg->from_name && *cfg->from_name) {
		sb_header_text(&b, cfg->from_name);
		sb_str(&b, " ");
	}
	sb_str(&b, "<");
	sb_str(&b, cfg->from);
	sb_str(&b, ">\r\nTo: <");
	sb_str(&b, msg->to);
	sb_str(&b, ">\r\nSubject: ");
	sb_header_text(&b, msg->subject);
	sb_str(&b, "\r\nMessage-ID: ");
	sb_str(&b, message_id);
	sb_str(&b, "\r\nMIME-Version: 1.0\r\nAuto-Submitted: auto-generated\r\n");
	if (msg->html) {
		randombytes_buf(r, sizeof r);
		memcpy(boundary, "bc=", 3);
		sodium_bin2hex(boundary + 3, sizeof boundary - 3, r, sizeof r);
		snprintf(line, sizeof line, "Content-Type: multipart/alternative; boundary=\"%s\"\r\n\r\n", boundary);
		sb_str(&b, line);
		snprintf(line, sizeof line, "--%s\r\n", boundary);
		sb_str(&b, line);
	}
	sb_str(&b, "Content-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n");
	sb_qp(&b, msg->text);
	if (msg->html) {
		snprintf(line, sizeof line, "--%s\r\nContent-Type: text/html; charset=UTF-8\r\n"
			 "Content-Transfer-Encoding: quoted-printable\r\n\r\n", boundary);
		sb_str(&b, line);
		sb_qp(&b, msg->html);
		snprintf(line, sizeof line, "--%s--\r\n", boundary);
		sb_str(&b, line);
	}
	if (b.oom || b.len > MAIL_MAX) {
		free(b.p);
		return bc_error_set(err, bc_err_bad_message, "the mail is too large (over 1 MiB) or memory ran out");
	}
	*out = b.p;
	*out_len = b.len;
	return 0;
}

/* ------------------------------------------------------------------ Maildir */

static int mkdir_0700(const char *path)
{
	return mkdir(path, 0700) == 0 || errno == EEXIST ? 0 : -1;
}

static int maildir_deliver(const char *dir, const char *data, size_t len, struct bc_error *err)
{
	char tmp[4096], dst[4096], name[128], sub[4096];
	unsigned char r[8];
	char hex[17];
	struct timespec ts;
	int fd = -1, rc = -1;
	size_t off = 0;
	const char *subs[] = { "tmp", "new", "cur" };
	size_t i;

	if (mkdir_0700(dir))
		return bc_error_set_field(err, bc_err_mail_dir, "mail_dir", "cannot create the Maildir: %s", strerror(errno));
	for (i = 0; i < 3; i++) {
		snprintf(sub, sizeof sub, "%s/%s", dir, subs[i]);
		if (mkdir_0700(sub))
			return bc_error_set_field(err, bc_err_mail_dir, "mail_dir",
						  "cannot create the Maildir's %s/: %s", subs[i], strerror(errno));
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	randombytes_buf(r, sizeof r);
	sodium_bin2hex(hex, sizeof hex, r, sizeof r);
	snprintf(name, sizeof name, "%lld.M%ldP%ldR%s.breachcheck", (long long)ts.tv_sec,
		 ts.tv_nsec / 1000, (long)getpid(), hex);
	snprintf(tmp, sizeof tmp, "%s/tmp/%s", dir, name);
	snprintf(dst, sizeof dst, "%s/new/%s", dir, name);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		bc_error_set_field(err, bc_err_mail_dir, "mail_dir", "cannot create a file in the Maildir's tmp/: %s",
				   strerror(errno));
		goto out;
	}
	while (off < len) {
		ssize_t w = write(fd, data + off, len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			bc_error_set_field(err, bc_err_mail_dir, "mail_dir", "cannot write to the Maildir: %s",
					   strerror(errno));
			goto out;
		}
		off += (size_t)w;
	}
	if (fsync(fd) || close(fd)) {
		fd = -1;
		bc_error_set_field(err, bc_err_mail_dir, "mail_dir", "cannot sync the mail to disk: %s", strerror(errno));
		goto out;
	}
	fd = -1;
	if (rename(tmp, dst)) {
		bc_error_set_field(err, bc_err_mail_dir, "mail_dir", "cannot move the mail into new/: %s", strerror(errno));
		goto out;
	}
	snprintf(sub, sizeof sub, "%s/new", dir);
	fd = open(sub, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0)
		fsync(fd);
	rc = 0;
out:
	if (fd >= 0)
		close(fd);
	if (rc)
		unlink(tmp);
	return rc;
}

/* --------------------------------------------------------------------- SMTP */

struct upload {
	const char *p;
	size_t left;
};

static size_t read_cb(char *buf, size_t size, size_t nitems, void *ud)
{
	struct upload *u = ud;
	size_t n = size * nitems;

	if (n > u->left)
		n = u->left;
	memcpy(buf, u->p, n);
	u->p += n;
	u->left -= n;
	return n;
}

static size_t discard_cb(char *buf, size_t size, size_t nitems, void *ud)
{
	(void)buf;
	(void)ud;
	return size * nitems;
}

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_rc;

static void curl_init(void)
{
	curl_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

/* Reads "user:password" (first line) into sodium_malloc'd memory; *out to be sodium_free'd. */
static char *read_credentials(const char *path)
{
	char *line = sodium_malloc(512);
	FILE *f;

	if (!line)
		return NULL;
	f = fopen(path, "r");
	if (!f || !fgets(line, 512, f) || !strchr(line, ':')) {
		if (f)
			fclose(f);
		sodium_free(line);
		return NULL;
	}
	fclose(f);
	line[strcspn(line, "\r\n")] = '\0';
	return line;
}

static int smtp_deliver(const struct bc_mail_config *cfg, const char *to, const char *data, size_t len,
			long *code, struct bc_error *err)
{
	CURL *c = NULL;
	struct curl_slist *rcpt = NULL;
	struct upload up = { data, len };
	char from[400], rc_to[400], *cred = NULL;
	CURLcode cc;
	int rc = -1;
	long timeout = cfg->timeout_ms > 0 ? cfg->timeout_ms : 30000;

	*code = 0;
	pthread_once(&curl_once, curl_init);
	if (curl_init_rc != CURLE_OK || !(c = curl_easy_init()))
		return bc_error_set(err, bc_err_mail_failed, "cannot start libcurl");
	snprintf(from, sizeof from, "<%s>", cfg->from);
	snprintf(rc_to, sizeof rc_to, "<%s>", to);
	rcpt = curl_slist_append(NULL, rc_to);
	if (!rcpt) {
		bc_error_set(err, bc_err_mail_failed, "out of memory");
		goto out;
	}
	curl_easy_setopt(c, CURLOPT_URL, cfg->smtp_url);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
	curl_easy_setopt(c, CURLOPT_MAIL_FROM, from);
	curl_easy_setopt(c, CURLOPT_MAIL_RCPT, rcpt);
	curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, (curl_off_t)len);
	curl_easy_setopt(c, CURLOPT_READFUNCTION, read_cb);
	curl_easy_setopt(c, CURLOPT_READDATA, &up);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard_cb);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, timeout);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, timeout < 10000 ? timeout : 10000L);
	if (cfg->credentials_file) {
		char *colon;

		cred = read_credentials(cfg->credentials_file);
		if (!cred) {
			bc_error_set_field(err, bc_err_bad_mail_config, "credentials_file",
					   "the SMTP credentials file must be readable and hold one line user:password");
			goto out;
		}
		colon = strchr(cred, ':');
		*colon = '\0';
		curl_easy_setopt(c, CURLOPT_USERNAME, cred);
		curl_easy_setopt(c, CURLOPT_PASSWORD, colon + 1);
		/* credentials never travel in the clear: STARTTLS is required on smtp:// */
		curl_easy_setopt(c, CURLOPT_USE_SSL, (long)CURLUSESSL_ALL);
	} else if (!strncmp(cfg->smtp_url, "smtp://", 7)) {
		curl_easy_setopt(c, CURLOPT_USE_SSL, (long)CURLUSESSL_TRY);
	}
	cc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, code);
	if (cc == CURLE_OK && *code >= 200 && *code < 300) {
		rc = 0;
	} else if (*code >= 400) {
		bc_error_set(err, bc_err_mail_refused, "the SMTP server refused the mail (reply code %ld): %s",
			     *code, curl_easy_strerror(cc));
	} else {
		bc_error_set(err, bc_err_mail_failed, "the mail could not be delivered to the SMTP server: %s",
			     curl_easy_strerror(cc == CURLE_OK ? CURLE_WEIRD_SERVER_REPLY : cc));
	}
out:
	if (cred)
		sodium_free(cred);
	curl_slist_free_all(rcpt);
	curl_easy_cleanup(c);
	return rc;
}

int bc_mail_send(const struct bc_mail_config *cfg, const struct bc_mail_message *msg,
		 struct bc_mail_result *res, struct bc_error *err)
{
	char mid[BC_MAIL_MESSAGE_ID_MAX];
	char *data = NULL;
	size_t len = 0;
	long code = 0;
	int rc;

	if (bc_mail_config_check(cfg, err))
		return -1;
	if (msg && msg->message_id) {
		if (strlen(msg->message_id) >= sizeof mid || !one_line(msg->message_id) ||
		    msg->message_id[0] != '<')
			return bc_error_set_field(err, bc_err_bad_message, "message_id",
						  "a Message-ID is one line of the form <id@domain>");
		snprintf(mid, sizeof mid, "%s", msg->message_id);
	} else {
		bc_mail_new_message_id(cfg->from, mid);
	}
	if (bc_mail_format(cfg, msg, mid, (long long)time(NULL), &data, &len, err))
		return -1;
	if (cfg->mail_dir)
		rc = maildir_deliver(cfg->mail_dir, data, len, err);
	else
		rc = smtp_deliver(cfg, msg->to, data, len, &code, err);
	sodium_memzero(data, len);
	free(data);
	if (res) {
		res->smtp_code = code;
		snprintf(res->message_id, sizeof res->message_id, "%s", mid);
	}
	return rc;
}
