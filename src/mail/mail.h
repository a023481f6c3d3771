#ifndef BC_MAIL_MAIL_H
#define BC_MAIL_MAIL_H

/*
 * One message out: over SMTP (libcurl; RFC 5321, RFC 8314 for smtps://) or
 * into a Maildir (tmp/ then rename into new/, as maildir(5) says) for
 * development and the demo. Used by the proof tier's one-time codes
 * (DESIGN.md §6, src/server/verify.c) and by the notification campaign
 * (DESIGN.md §10). Plain text, optionally multipart/alternative with HTML;
 * UTF-8, quoted-printable bodies, RFC 2047 subject (RFC 2045, 2046, 5322).
 *
 * Nothing here logs. An error message never holds the recipient's address
 * nor any part of the message: only the stage, the SMTP reply code and
 * libcurl's reason.
 */

#include <stddef.h>

#include "util/error.h"

#define BC_MAIL_MESSAGE_ID_MAX 256 /* bytes, with the NUL */

/* Where and how to send. Exactly one of smtp_url and mail_dir is set. */
struct bc_mail_config {
	const char *smtp_url;         /* "smtp://host[:port]" or "smtps://host[:port]" */
	const char *from;             /* envelope sender and From: address (ASCII) */
	const char *from_name;        /* display name for From:, UTF-8, or NULL */
	const char *credentials_file; /* one line "user:password" (SMTP AUTH), or NULL */
	const char *mail_dir;         /* Maildir (created with tmp/ new/ cur/, 0700), or NULL */
	long timeout_ms;              /* whole delivery; 0 means 30000 */
};

struct bc_mail_message {
	const char *to;         /* recipient, canonical address (UTF-8) */
	const char *subject;    /* UTF-8, one line */
	const char *text;       /* plain-text body, UTF-8, '\n' line ends */
	const char *html;       /* HTML alternative, or NULL for text only */
	const char *message_id; /* "<...@...>" set by the caller, or NULL: drawn at random */
};

/* Outcome details of a delivery, filled by bc_mail_send (caller-owned). */
struct bc_mail_result {
	long smtp_code;                            /* last SMTP reply code, 0 if none (Maildir) */
	char message_id[BC_MAIL_MESSAGE_ID_MAX];   /* the Message-ID used */
};

/*
 * Check cfg before any delivery: one of smtp_url (smtp:// or smtps://) and
 * mail_dir, a from address with one '@' and no white space or angle bracket,
 * a readable credentials file of one "user:password" line. Returns 0 or -1
 * with err (code "bad_mail_config", field the flag name: "smtp_url",
 * "from", "credentials_file", "mail_dir").
 */
int bc_mail_config_check(const struct bc_mail_config *cfg, struct bc_error *err)
	__attribute__((warn_unused_result));

/*
 * Send msg as configured. The message is built in memory (at most 1 MiB).
 * SMTP: MAIL FROM cfg->from, RCPT TO msg->to, DATA; success only when the
 * server accepted the DATA (250). Maildir: written to DIR/tmp/NAME,
 * fsynced, renamed to DIR/new/NAME, DIR/new fsynced.
 * res (may be NULL) receives the SMTP reply code and the Message-ID.
 * Returns 0, or -1 with err: code "mail_refused" (the server answered 4xx or
 * 5xx; the message says which code and at which stage), "mail_failed"
 * (connection, TLS, timeout, login; libcurl's reason), "mail_dir" (a file
 * operation failed; errno's reason), "bad_mail_config", "bad_message"
 * (a header with a line break, an empty body, too large).
 */
int bc_mail_send(const struct bc_mail_config *cfg, const struct bc_mail_message *msg,
		 struct bc_mail_result *res, struct bc_error *err)
	__attribute__((warn_unused_result));

/*
 * Build the RFC 5322 message of msg from cfg->from into a malloc'd,
 * NUL-terminated buffer (*out, *out_len bytes without the NUL; the caller
 * frees). Lines end in CRLF. message_id: the Message-ID header to use
 * (with its angle brackets). date: seconds since the epoch. For tests and
 * for bc_mail_send. Returns 0, or -1 with err as bc_mail_send ("bad_message").
 */
int bc_mail_format(const struct bc_mail_config *cfg, const struct bc_mail_message *msg,
		   const char *message_id, long long date, char **out, size_t *out_len,
		   struct bc_error *err) __attribute__((warn_unused_result));

/*
 * Draw a fresh Message-ID "<32 hex@DOMAIN>" into out (BC_MAIL_MESSAGE_ID_MAX
 * bytes), DOMAIN being that of from (or "breachcheck.invalid").
 */
void bc_mail_new_message_id(const char *from, char out[BC_MAIL_MESSAGE_ID_MAX]);

#endif
