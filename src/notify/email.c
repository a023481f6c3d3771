/* notify --email (email.h): one message per address, at least once, resumable. */
#include "notify/email.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <sodium.h>

#include "index/index.h"
#include "mail/mail.h"
#include "notices/notices.h"
#include "notify/internal.h"
#include "util/fs.h"

#define MID_HEX 32
#define MAX_TRIES 4

enum { S_NONE = 0, S_INTENT, S_SENT, S_FAIL4, S_FAIL5, S_FAILX, S_BOUNCED };

struct addr {
	char *email;          /* canonical address (wiped at the end) */
	char mid[BC_MAIL_MESSAGE_ID_MAX];
	const char *domain;   /* into email */
	unsigned rank;        /* rank within its domain: the sending order interleaves domains */
	int state, intents;
};

struct person {
	char ref[24];
	int has_postal;
	size_t *seq;          /* its addresses' seqs */
	size_t n;
};

struct dom {
	const char *name;
	double last;          /* monotonic seconds of the last message */
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void sleep_ms(double ms)
{
	struct timespec ts;

	if (ms <= 0)
		return;
	ts.tv_sec = (time_t)(ms / 1000);
	ts.tv_nsec = (long)((ms - (double)ts.tv_sec * 1000) * 1e6);
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(((const struct addr *)a)->email, ((const struct addr *)b)->email);
}

#define TEXT_FR \
	"Bonjour,\n\n" \
	"Votre adresse e-mail figure dans un fichier de patients de laboratoires d'analyses médicales " \
	"qui a été volé puis diffusé sur Internet (%s). %s vous en informe, comme la loi l'y oblige " \
	"(article 34 du RGPD).\n\n" \
	"Ce message ne contient aucune information personnelle ni médicale, et aucun lien personnel : " \
	"une même adresse peut être partagée.\n\n" \
	"Pour savoir quelles données vous concernent :\n" \
	"- allez sur %s et faites vérifier votre adresse e-mail (un code vous sera envoyé) ;\n" \
	"- ou utilisez le code du courrier que vous recevrez par la poste.\n\n" \
	"Méfiez-vous des messages qui citent votre laboratoire ou votre médecin : nous ne vous demanderons " \
	"jamais de payer ni de donner un mot de passe. En cas de chantage, ne payez jamais et portez plainte.\n"

#define TEXT_EN \
	"Hello,\n\n" \
	"Your email address is in a file of medical laboratory patients that was stolen and published " \
	"(%s). %s tells you so, as the law requires (GDPR article 34).\n\n" \
	"This message holds no personal or medical information and no personal link: an address may be " \
	"shared.\n\n" \
	"To see which of your data were exposed:\n" \
	"- go to %s and have your email address verified (a code will be sent to you);\n" \
	"- or use the code in the letter you will receive by post.\n\n" \
	"Beware of messages quoting your lab or doctor: we will never ask you to pay or for a password. " \
	"If anyone blackmails you, never pay and report it to the police.\n"

/* The French or English text into a malloc'd string (NULL on failure). */
static char *text_of(int en, const char *a, const char *b, const char *c)
{
	int n = en ? snprintf(NULL, 0, TEXT_EN, a, b, c) : snprintf(NULL, 0, TEXT_FR, a, b, c);
	char *s = n < 0 ? NULL : malloc((size_t)n + 1);

	if (s && en)
		snprintf(s, (size_t)n + 1, TEXT_EN, a, b, c);
	else if (s)
		snprintf(s, (size_t)n + 1, TEXT_FR, a, b, c);
	return s;
}

/* Append s to the buffer h (capacity known large enough). */
static void put(char *h, size_t *k, const char *s)
{
	size_t n = strlen(s);

	memcpy(h + *k, s, n);
	*k += n;
}

static const char *or_default(const char *s, const char *dflt)
{
	return s && s[0] ? s : dflt;
}

/* The message, the same for every address (no code, no per-person link),
 * naming the breach (title, English title or NULL) and its controller.
 * Caller frees both. */
static void build_message(const char *title, const char *title_en, const char *ctl, const char *page_url,
			  char **text, char **html)
{
	char *fr = text_of(0, or_default(title, "fuite de données"),
			   or_default(ctl, "Le responsable du traitement"), page_url);
	char *en = text_of(1, or_default(title_en, or_default(title, "data breach")),
			   or_default(ctl, "The data controller"), page_url);
	char *t = NULL, *h = NULL;
	size_t n, i, k = 0;

	if (fr && en) {
		n = strlen(fr) + strlen(en) + 32;
		t = malloc(n);
		if (t)
			snprintf(t, n, "%s\n--- English ---\n\n%s", fr, en);
	}
	if (t) {
		n = strlen(t);
		h = malloc(n * 8 + 128);
		if (h) {
			put(h, &k, "<!DOCTYPE html><html><body><p>");
			for (i = 0; i < n; i++) {
				if (t[i] == '\n' && t[i + 1] == '\n') {
					put(h, &k, "</p><p>");
					i++;
				} else if (t[i] == '\n') {
					put(h, &k, "<br>");
				} else if (t[i] == '&') {
					put(h, &k, "&amp;");
				} else if (t[i] == '<') {
					put(h, &k, "&lt;");
				} else if (t[i] == '>') {
					put(h, &k, "&gt;");
				} else {
					h[k++] = t[i];
				}
			}
			put(h, &k, "</p></body></html>");
			h[k] = '\0';
		}
	}
	free(fr);
	free(en);
	*text = t;
	*html = h;
}

/* ---- the notices: addresses and people ---- */

struct run {
	const struct bc_email_options *o;
	char breach[256];             /* the "breach" of the first notice: the message names it */
	const char *title, *title_en, *controller; /* that breach's, in o->index, else o's */
	struct addr *a;
	size_t na, cap_a;
	struct person *p;
	size_t np, cap_p;
	uint8_t *key;
	int jfd;
	struct dom *d;
	size_t nd;
};

static int load(struct run *r, struct bc_error *err)
{
	struct bc_notices_reader *rd;
	json_t *line, *v;
	size_t i, k, w;
	int rc;

	if (bc_notify_open_notices(&rd, r->o->dir, err) != 0)
		return -1;
	while ((rc = bc_notices_reader_next(rd, &line, err)) == 1) {
		json_t *a = json_object_get(line, "address");
		struct person *p;

		if (r->np == r->cap_p) {
			r->cap_p = r->cap_p ? r->cap_p * 2 : 1024;
			r->p = realloc(r->p, r->cap_p * sizeof(*r->p));
		}
		if (!r->p) {
			json_decref(line);
			rc = bc_error_set(err, bc_err_out_of_memory, "out of memory");
			break;
		}
		p = &r->p[r->np++];
		memset(p, 0, sizeof(*p));
		v = json_object_get(line, "ref");
		snprintf(p->ref, sizeof(p->ref), "%s", json_is_string(v) ? json_string_value(v) : "");
		v = json_object_get(line, "breach");
		if (!r->breach[0] && json_is_string(v))
			snprintf(r->breach, sizeof(r->breach), "%s", json_string_value(v));
		p->has_postal = json_is_object(a) && json_is_string(json_object_get(a, "street")) &&
				json_is_string(json_object_get(a, "postcode")) && json_is_string(json_object_get(a, "city"));
		json_array_foreach(json_object_get(line, "emails"), k, v) {
			const char *e = json_string_value(v);

			if (!e || !strchr(e, '@'))
				continue;
			if (r->na == r->cap_a) {
				r->cap_a = r->cap_a ? r->cap_a * 2 : 1024;
				r->a = realloc(r->a, r->cap_a * sizeof(*r->a));
			}
			if (!r->a)
				break;
			memset(&r->a[r->na], 0, sizeof(r->a[r->na]));
			r->a[r->na].email = strdup(e);
			r->a[r->na].rank = (unsigned)(r->np - 1); /* the person, until the addresses are sorted */
			r->na++;
		}
		json_decref(line);
	}
	bc_notices_reader_free(rd);
	if (rc < 0)
		return -1;
	if (!r->a && r->na)
		return bc_error_set(err, bc_err_out_of_memory, "out of memory");
	/* distinct addresses, each with its people */
	qsort(r->a, r->na, sizeof(*r->a), cmp_str);
	for (i = 0, w = 0; i < r->na; i++) {
		struct person *p = &r->p[r->a[i].rank];

		if (!r->a[i].email)
			return bc_error_set(err, bc_err_out_of_memory, "out of memory");
		if (w > 0 && !strcmp(r->a[w - 1].email, r->a[i].email)) {
			sodium_memzero(r->a[i].email, strlen(r->a[i].email));
			free(r->a[i].email);
		} else {
			r->a[w++] = r->a[i];
		}
		p->seq = realloc(p->seq, (p->n + 1) * sizeof(*p->seq));
		if (!p->seq)
			return bc_error_set(err, bc_err_out_of_memory, "out of memory");
		p->seq[p->n++] = w - 1;
	}
	r->na = w;
	return 0;
}

/* Message-ID of an address: keyed BLAKE2b-128 under the notices key, at the sender's domain. */
static void message_ids(struct run *r)
{
	const char *dom = strrchr(r->o->from, '@');
	size_t i;

	for (i = 0; i < r->na; i++) {
		uint8_t h[MID_HEX / 2];
		char hex[MID_HEX + 1];

		crypto_generichash(h, sizeof(h), (const uint8_t *)r->a[i].email, strlen(r->a[i].email), r->key,
				   BC_NOTICES_KEY_BYTES);
		sodium_bin2hex(hex, sizeof(hex), h, sizeof(h));
		snprintf(r->a[i].mid, sizeof(r->a[i].mid), "<bc-%s@%s>", hex, dom ? dom + 1 : "breachcheck.invalid");
		r->a[i].domain = strrchr(r->a[i].email, '@') + 1;
	}
}

/* ---- the journal ---- */

/*
 * The journal of this destination: DIR/email.journal for SMTP (whatever the
 * relay: a campaign moved to another relay does not mail again whom the
 * first reached), DIR/email-maildir-<16 hex>.journal for a Maildir, keyed by
 * the Maildir's canonical path (BLAKE2b; relative, "./", trailing slashes or
 * a symlink name the same Maildir, so the same trial resumes), so that a
 * trial run into a Maildir never marks the real campaign's people as mailed.
 */
static void journal_path(const struct bc_email_options *o, char *p, size_t size)
{
	uint8_t h[8];
	char hex[2 * sizeof(h) + 1], real[PATH_MAX];
	const char *name = real;
	size_t n;

	if (!o->mail_dir) {
		snprintf(p, size, "%s/email.journal", o->dir);
		return;
	}
	if (bc_path_canonical(o->mail_dir, real) != 0)
		name = o->mail_dir; /* its parent does not resolve: delivery will say why */
	n = strlen(name);
	while (n > 1 && name[n - 1] == '/')
		n--;
	crypto_generichash(h, sizeof(h), (const uint8_t *)name, n, NULL, 0);
	sodium_bin2hex(hex, sizeof(hex), h, sizeof(h));
	snprintf(p, size, "%s/email-maildir-%s.journal", o->dir, hex);
}

static int journal_open(struct run *r, struct bc_error *err)
{
	char p[PATH_MAX + 64], line[512];
	FILE *f;

	journal_path(r->o, p, sizeof(p));
	f = fopen(p, "r");
	if (f) {
		while (fgets(line, sizeof(line), f)) {
			char what[16], status[16];
			unsigned long seq;
			long code;

			if (sscanf(line, "%15s %lu", what, &seq) != 2 || seq >= r->na)
				continue; /* a torn last line after a kill: ignored */
			if (!strcmp(what, "intent")) {
				r->a[seq].intents++;
				if (r->a[seq].state == S_NONE)
					r->a[seq].state = S_INTENT;
			} else if (!strcmp(what, "outcome") && sscanf(line, "%*s %*u %15s %ld", status, &code) == 2) {
				r->a[seq].state = !strcmp(status, "sent") ? S_SENT : code >= 500 ? S_FAIL5
						  : code >= 400 ? S_FAIL4 : S_FAILX;
			} else if (!strcmp(what, "bounced")) {
				r->a[seq].state = S_BOUNCED;
			}
		}
		fclose(f);
	}
	r->jfd = open(p, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	if (r->jfd < 0)
		return bc_error_set(err, bc_err_io, "cannot open %s: %s", p, strerror(errno));
	return 0;
}

/* Append a journal line (its text: what, seq, then the rest); fsync it when sync. */
static int journal(struct run *r, int sync, const char *what, size_t seq, const char *rest)
{
	char line[512];
	int n = snprintf(line, sizeof(line), "%s %zu%s%s\n", what, seq, rest[0] ? " " : "", rest);

	if (n < 0 || (size_t)n >= sizeof(line) || write(r->jfd, line, (size_t)n) != n)
		return -1;
	return sync ? fdatasync(r->jfd) : 0;
}

/* ---- bounces ---- */

static void read_bounces(struct run *r, struct bc_email_stats *st)
{
	static const char *const sub[] = { "new", "cur" };
	char p[PATH_MAX + 300];
	size_t i, s;

	for (s = 0; s < 2; s++) {
		DIR *d;
		struct dirent *de;

		snprintf(p, sizeof(p), "%s/%s", r->o->bounces, sub[s]);
		if (!(d = opendir(p)))
			continue;
		while ((de = readdir(d)) != NULL) {
			char *buf, *at;
			FILE *f;
			long len;

			if (de->d_name[0] == '.')
				continue;
			snprintf(p, sizeof(p), "%s/%s/%s", r->o->bounces, sub[s], de->d_name);
			if (!(f = fopen(p, "rb")))
				continue;
			fseek(f, 0, SEEK_END);
			len = ftell(f);
			fseek(f, 0, SEEK_SET);
			buf = len > 0 && len < (1L << 22) ? malloc((size_t)len + 1) : NULL;
			if (buf && fread(buf, 1, (size_t)len, f) == (size_t)len) {
				buf[len] = '\0';
				/* the original Message-ID quoted in the bounce (RFC 3464 or the headers) */
				for (at = strstr(buf, "<bc-"); at; at = strstr(at + 1, "<bc-"))
					for (i = 0; i < r->na; i++)
						if (!strncmp(at, r->a[i].mid, strlen(r->a[i].mid)) && r->a[i].state != S_BOUNCED) {
							r->a[i].state = S_BOUNCED;
							journal(r, 1, "bounced", i, "");
							st->bounced++;
						}
			}
			free(buf);
			fclose(f);
		}
		closedir(d);
	}
}

/* ---- sending ---- */

struct ord {
	const char *domain;
	unsigned rank;
	size_t i;
};

static int cmp_domain(const void *x, const void *y)
{
	const struct ord *a = x, *b = y;
	int c = strcmp(a->domain, b->domain);

	return c ? c : (a->i < b->i ? -1 : a->i > b->i);
}

/* Round robin over the domains: the first address of every domain, then the second... */
static int cmp_rank(const void *x, const void *y)
{
	const struct ord *a = x, *b = y;
	int c;

	if (a->rank != b->rank)
		return a->rank < b->rank ? -1 : 1;
	c = strcmp(a->domain, b->domain);
	return c ? c : (a->i < b->i ? -1 : a->i > b->i);
}

static struct dom *domain_of(struct run *r, const char *name)
{
	size_t i;

	for (i = 0; i < r->nd; i++)
		if (!strcmp(r->d[i].name, name))
			return &r->d[i];
	r->d = realloc(r->d, (r->nd + 1) * sizeof(*r->d));
	if (!r->d)
		return NULL;
	r->d[r->nd].name = name;
	r->d[r->nd].last = 0;
	return &r->d[r->nd++];
}

static void progress(const struct run *r, size_t done, size_t total, double t0, int final)
{
	int i, n = total ? (int)(40.0 * (double)done / (double)total) : 40;
	char bar[41];

	if (!r->o->progress)
		return;
	for (i = 0; i < 40; i++)
		bar[i] = i < n ? '#' : '-';
	bar[40] = '\0';
	fprintf(stderr, "\r\033[K[%s] %zu/%zu emails  %.0f/s%s", bar, done, total,
		now_s() > t0 ? (double)done / (now_s() - t0) : 0.0, final ? "\n" : "");
	fflush(stderr);
}

/* One address: intent (fsynced), the transaction with retries on 4xx, outcome. */
static void send_one(struct run *r, size_t seq, const char *text, const char *html, struct bc_email_stats *st)
{
	const struct bc_email_options *o = r->o;
	struct bc_mail_config cfg = { o->smtp_url, o->from, r->controller, o->credentials, o->mail_dir, 0 };
	struct bc_mail_message msg;
	struct bc_mail_result res;
	struct bc_error err = BC_ERROR_INIT;
	struct addr *a = &r->a[seq];
	struct dom *d = domain_of(r, a->domain);
	long interval = o->domain_interval_ms > 0 ? o->domain_interval_ms : 200;
	long backoff = o->retry_base_ms > 0 ? o->retry_base_ms : 30000;
	char outcome[64];
	int tries, rc = -1;

	memset(&msg, 0, sizeof(msg));
	msg.to = a->email;
	msg.subject = "Fuite de données : votre adresse e-mail est concernée / Data breach: your email address";
	msg.text = text;
	msg.html = html;
	msg.message_id = a->mid;
	/* a->state == S_INTENT: sent before a kill, maybe: again, with the same Message-ID (counted) */
	if (journal(r, 1, "intent", seq, a->mid) != 0) {
		st->failed_other++;
		return;
	}
	a->intents++;
	for (tries = 0; tries < MAX_TRIES; tries++) {
		if (d) {
			sleep_ms((d->last + (double)interval / 1000 - now_s()) * 1000);
			d->last = now_s();
		}
		memset(&res, 0, sizeof(res));
		rc = bc_mail_send(&cfg, &msg, &res, &err);
		if (rc == 0 || res.smtp_code < 400 || res.smtp_code >= 500)
			break;
		sleep_ms((double)backoff * (1 << tries)); /* 4xx: try again later */
	}
	snprintf(outcome, sizeof(outcome), "%s %ld", rc == 0 ? "sent" : "failed",
		 rc == 0 && !res.smtp_code ? 250L : res.smtp_code);
	a->state = rc == 0 ? S_SENT : res.smtp_code >= 500 ? S_FAIL5 : res.smtp_code >= 400 ? S_FAIL4 : S_FAILX;
	journal(r, 0, "outcome", seq, outcome);
}

int bc_notify_email(const struct bc_email_options *o, struct bc_email_stats *st, struct bc_error *err)
{
	struct run r;
	const struct bc_breach *b;
	struct ord *ord = NULL;
	char *text = NULL, *html = NULL, p[PATH_MAX + 32];
	double t0 = now_s();
	size_t i, k, done = 0, todo = 0;
	unsigned rank = 0;
	int ret = -1;
	FILE *q = NULL;

	memset(st, 0, sizeof(*st));
	memset(&r, 0, sizeof(r));
	r.o = o;
	r.jfd = -1;
	if (!o->dir || !o->from || !o->page_url || (!o->smtp_url == !o->mail_dir))
		return bc_error_set(err, bc_err_usage, "emails need DIR, --from, --page-url and one of --smtp-url, --mail-dir");
	if (sodium_init() < 0 || !(r.key = sodium_malloc(BC_NOTICES_KEY_BYTES)))
		return bc_error_set(err, bc_err_out_of_memory, "out of memory");
	if (bc_notices_key_load(o->dir, 0, r.key, err) != 0 || load(&r, err) != 0 || journal_open(&r, err) != 0)
		goto out;
	message_ids(&r);
	if (o->bounces)
		read_bounces(&r, st);
	b = o->index && r.breach[0] ? bc_index_breach_by_name(o->index, r.breach) : NULL;
	r.title = b ? b->title : o->title;
	r.title_en = b ? b->title_en : o->title_en;
	r.controller = b ? b->controller : o->controller;
	build_message(r.title, r.title_en, r.controller, o->page_url, &text, &html);
	ord = malloc((r.na ? r.na : 1) * sizeof(*ord));
	if (!text || !html || !ord) {
		bc_error_set(err, bc_err_out_of_memory, "out of memory");
		goto out;
	}
	for (i = 0; i < r.na; i++)
		ord[i] = (struct ord){ r.a[i].domain, 0, i };
	qsort(ord, r.na, sizeof(*ord), cmp_domain);
	for (i = 0; i < r.na; i++) {
		rank = i > 0 && !strcmp(ord[i].domain, ord[i - 1].domain) ? rank + 1 : 0;
		ord[i].rank = rank;
	}
	qsort(ord, r.na, sizeof(*ord), cmp_rank);
	for (i = 0; i < r.na; i++)
		todo += r.a[i].state == S_NONE || r.a[i].state == S_INTENT;
	for (k = 0; k < r.na; k++) {
		size_t seq = ord[k].i;

		if (r.a[seq].state != S_NONE && r.a[seq].state != S_INTENT)
			continue;
		send_one(&r, seq, text, html, st);
		if ((++done & 15) == 0 || done == todo)
			progress(&r, done, todo, t0, done == todo);
	}
	/* the summary, over this run and the earlier ones */
	st->addresses = r.na;
	st->people = r.np;
	for (i = 0; i < r.na; i++) {
		st->duplicates += r.a[i].intents > 1 ? (size_t)(r.a[i].intents - 1) : 0;
		st->sent += r.a[i].state == S_SENT;
		st->failed_4xx += r.a[i].state == S_FAIL4;
		st->failed_5xx += r.a[i].state == S_FAIL5;
		st->failed_other += r.a[i].state == S_FAILX;
	}
	snprintf(p, sizeof(p), "%s/letter-queue.txt", o->dir);
	for (i = 0; i < r.np; i++) {
		const struct person *pp = &r.p[i];
		int reached = 0;

		for (k = 0; k < pp->n; k++)
			reached |= r.a[pp->seq[k]].state == S_SENT;
		if (reached)
			continue;
		if (!pp->has_postal) {
			st->unreached++;
		} else if (pp->n) {
			/* had an address, none took the message: a letter is their channel */
			if (!q) {
				int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

				q = fd >= 0 ? fdopen(fd, "w") : NULL;
			}
			if (q)
				fprintf(q, "%s\n", pp->ref);
			st->queued_for_letter++;
		}
	}
	ret = 0;
out:
	if (q)
		fclose(q);
	st->seconds = now_s() - t0;
	if (r.jfd >= 0)
		close(r.jfd);
	for (i = 0; i < r.na; i++) {
		sodium_memzero(r.a[i].email, strlen(r.a[i].email));
		free(r.a[i].email);
	}
	free(r.a);
	for (i = 0; i < r.np; i++)
		free(r.p[i].seq);
	free(r.p);
	free(r.d);
	free(ord);
	free(text);
	free(html);
	if (r.key)
		sodium_free(r.key);
	return ret;
}
