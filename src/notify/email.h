#ifndef BC_NOTIFY_EMAIL_H
#define BC_NOTIFY_EMAIL_H

/*
 * notify DIR --email (DESIGN.md §10; docs/notify.md "Emails"): one message
 * per distinct address of the notices, with no code and no per-person link
 * (mailboxes are shared, recycled and scanned by link checkers), French and
 * English, plain text with an HTML alternative, sent with src/mail.
 *
 * At-least-once delivery: DIR/email.journal (0600) gets, per address, an
 * "intent SEQ MESSAGE-ID" line fsynced before the SMTP transaction and an
 * "outcome SEQ sent|failed|refused CODE" line after the reply. A resumed run
 * resends every intent without an outcome with the same Message-ID (a
 * possible duplicate, counted), and goes on with the addresses never tried.
 * SEQ is the address's rank among the notices' sorted distinct addresses
 * and the Message-ID a keyed hash under the notices key: the journal holds
 * no address. Late bounces (--bounces MAILDIR) are matched by Message-ID,
 * journaled as "bounced SEQ", and the references of those people listed in
 * DIR/letter-queue.txt for a letter.
 */

#include <stddef.h>

#include "util/error.h"

struct bc_index;

struct bc_email_options {
	const char *dir;            /* notices directory */
	const char *smtp_url;       /* smtp:// or smtps://, or NULL with mail_dir */
	const char *mail_dir;       /* a Maildir instead of SMTP (development, tests) */
	const char *from;           /* the campaign's sender address */
	const char *credentials;    /* SMTP credentials file or NULL */
	const char *page_url;       /* the check page (the same link for everyone) */
	const char *bounces;        /* Maildir of late bounces, or NULL */
	const char *title;          /* the breach, as named in the message */
	const char *title_en;       /* its English name, or NULL/"": title */
	const char *controller;     /* who writes */
	const struct bc_index *index; /* or NULL; else the breach of the notices (their "breach"
	                               * field) in it gives title, title_en and controller */
	long domain_interval_ms;    /* at least this long between two messages to one domain; 0: 200 */
	long retry_base_ms;         /* first wait after a 4xx; doubled each try, 4 tries; 0: 30000 */
	int progress;               /* progress bar on stderr */
};

struct bc_email_stats {
	size_t addresses;           /* distinct addresses */
	size_t sent;                /* accepted by the server (this run and before) */
	size_t failed_4xx;          /* still refused after the retries (temporary) */
	size_t failed_5xx;          /* refused for good */
	size_t failed_other;        /* connection, TLS, timeout */
	size_t bounced;             /* late bounces read back */
	size_t duplicates;          /* intents resent after an interruption (all runs, from the journal) */
	size_t people;              /* notices */
	size_t unreached;           /* people with no address accepted and no postal address */
	size_t queued_for_letter;   /* people whose every address bounced or failed, with an address */
	double seconds;
};

/* Send (or resume). Returns 0 (stats filled), or -1 with err ("usage", "no_notices", "io", ...). */
int bc_notify_email(const struct bc_email_options *o, struct bc_email_stats *st, struct bc_error *err);

#endif
