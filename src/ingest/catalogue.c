/*
 * bc_ingest_check_catalogue (ingest.h): what a person reads about a breach
 * must be well formed before anything is ingested (issue 17). A complaint
 * URL written "www.biolab-exemple.fr/plainte" was accepted and shown as
 * plain text; a sensitive breach went out with "controller: not given".
 */
#include <stddef.h>
#include <string.h>

#include <jansson.h>

#include "ingest/ingest.h"

#define TEXT_MAX 512   /* bytes; the report keeps BC_REPORT_TEXT_MAX of them */

/* Valid UTF-8 (jansson refuses anything else), no control character. */
static int good_text(const char *s)
{
	json_t *j;
	const unsigned char *p;

	if (strlen(s) > TEXT_MAX)
		return 0;
	for (p = (const unsigned char *)s; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			return 0;
	j = json_string(s);
	json_decref(j);
	return j != NULL;
}

/* An absolute https URL with a host name holding a dot (or localhost), an
 * optional port, then nothing or a path, query or fragment without spaces,
 * quotes or angle brackets. */
int bc_ingest_https_url(const char *s)
{
	const char *p, *host;
	size_t n;

	if (strncmp(s, "https://", 8))
		return 0;
	host = p = s + 8;
	n = strspn(p, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-");
	if (n == 0 || host[0] == '.' || host[0] == '-' || host[n - 1] == '.' || host[n - 1] == '-')
		return 0;
	if (!memchr(host, '.', n) && !(n == 9 && !strncmp(host, "localhost", 9)))
		return 0;
	p += n;
	if (*p == ':') {
		n = strspn(p + 1, "0123456789");
		if (n < 1 || n > 5)
			return 0;
		p += 1 + n;
	}
	if (*p && *p != '/' && *p != '?' && *p != '#')
		return 0;
	for (; *p; p++)
		if ((unsigned char)*p <= 0x20 || strchr("\"<>\\^`{|}", *p))
			return 0;
	return 1;
}

/* An address: a local part, one '@', a domain with a dot, no space; a mailto: prefix is allowed. */
static int email_address(const char *s)
{
	const char *at, *dot;

	if (!strncmp(s, "mailto:", 7))
		s += 7;
	at = strchr(s, '@');
	if (!at || at == s || strchr(at + 1, '@') || strpbrk(s, " \t<>\"(),;:[]\\"))
		return 0;
	dot = strrchr(at + 1, '.');
	return dot && dot > at + 1 && dot[1] != 0;
}

int bc_ingest_check_catalogue(const struct bc_ingest_options *o, struct bc_error *err)
{
	static const struct { const char *opt; size_t off; } texts[] = {
		{ "--title", offsetof(struct bc_ingest_options, title) },
		{ "--title-en", offsetof(struct bc_ingest_options, title_en) },
		{ "--description", offsetof(struct bc_ingest_options, description) },
		{ "--description-en", offsetof(struct bc_ingest_options, description_en) },
		{ "--controller", offsetof(struct bc_ingest_options, controller) },
		{ "--dpo-contact", offsetof(struct bc_ingest_options, dpo_contact) },
		{ "--complaint-url", offsetof(struct bc_ingest_options, complaint_url) },
	};
	const char *v, *missing[3];
	size_t i, n = 0;

	for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		v = *(const char *const *)((const char *)o + texts[i].off);
		if (v && !*v)
			return bc_error_set_field(err, bc_err_usage, texts[i].opt, "%s is empty",
						  texts[i].opt);
		if (v && !good_text(v))
			return bc_error_set_field(err, bc_err_usage, texts[i].opt,
						  "%s: at most %d bytes of UTF-8 text, on one line",
						  texts[i].opt, TEXT_MAX);
	}
	if (o->complaint_url && !bc_ingest_https_url(o->complaint_url))
		return bc_error_set_field(err, bc_err_usage, "--complaint-url",
					  "--complaint-url: give a full https address, e.g. "
					  "https://www.cnil.fr/fr/plaintes (people open it from the page)");
	if (o->dpo_contact && !email_address(o->dpo_contact) && !bc_ingest_https_url(o->dpo_contact))
		return bc_error_set_field(err, bc_err_usage, "--dpo-contact",
					  "--dpo-contact: give an email address (dpo@example.org, or "
					  "mailto:dpo@example.org) or a full https address");
	if (!o->sensitive)
		return 0;
	if (!o->controller)
		missing[n++] = "--controller";
	if (!o->dpo_contact)
		missing[n++] = "--dpo-contact";
	if (!o->complaint_url)
		missing[n++] = "--complaint-url";
	if (n)
		return bc_error_set_field(err, bc_err_usage, missing[0],
					  "a sensitive breach must say who is responsible and whom to ask: "
					  "%s%s%s%s%s missing (GDPR art. 34: the data-protection contact "
					  "and the right to complain)", missing[0],
					  n > 1 ? (n > 2 ? ", " : " and ") : "", n > 1 ? missing[1] : "",
					  n > 2 ? " and " : "", n > 2 ? missing[2] : "");
	return 0;
}
