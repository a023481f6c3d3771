/*
 * End-to-end driver for `breachcheck check` (issues 5 and 6): runs many checks
 * in one process through the client library, against an index ingested from
 * a generated leak, and compares with the generator's ground truth.
 *
 *   e2e_check --truth FILE (--index DIR --key KEY | --server URL
 *             [--bucket-mode file|fetch] [--cache-dir DIR]) [--stride N]
 *
 * For every synthetic patient (every N-th with --stride): found with all
 * identifiers and the ground-truth data classes, rows, period and labs; found
 * with each identifier alone, typed as people type it (accents, case,
 * hyphens, usage name, date and phone formats); a shared identifier gets the
 * shared flag and only its own class; people not in the file (a twin with the
 * same birth date, a one-letter-different surname, a NIR differing only in
 * the commune code) are not found. Prints counts; exits 1 on any failure.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <sodium.h>

#include "client/client.h"
#include "normalize/normalize.h"

struct ctx {
	struct bc_client_backend be;
	int failures;
	int checks;
	int patients;
	int exact, compared;    /* rows, period and labs equal to the ground truth */
	int soft;               /* differences the truth cannot rule out (see softf) */
	json_t *truth;          /* array of patients */
	json_t *namedob_set;    /* object: "LAST|FIRST|DOB" -> true */
	json_t *nir_set;        /* object: nir13 -> true */
	int today_year;
};

static void failf(struct ctx *c, long id, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void softf(struct ctx *c, long id, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void failf(struct ctx *c, long id, const char *fmt, ...)
{
	va_list ap;

	c->failures++;
	if (c->failures > 100000)
		return;
	fprintf(stderr, "FAIL patient %ld: ", id);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/*
 * A difference the ground truth cannot settle: the truth lists what a person's
 * rows held, not which rows carried which tokens, so a row whose only
 * identifier has a typo or a wrong NIR key, or a usage name written only on a
 * row without first name, is legitimately unfindable ("a typo in the leaked
 * file can hide a record"); and ingest may call an identifier shared when a
 * row of the same person cannot be told apart from another person
 * (conservative). These must stay rare: at most 2% of the patients.
 */
static void softf(struct ctx *c, long id, const char *fmt, ...)
{
	va_list ap;

	c->soft++;
	if (c->soft > 20)
		return;
	fprintf(stderr, "note patient %ld: ", id);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static const char *str(json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

/* Run one check; returns 0 and fills r, or -1 (a failure is recorded). */
static int run(struct ctx *c, long id, const char *what, const struct bc_query *q,
	       struct bc_report *r)
{
	struct bc_error err = BC_ERROR_INIT;
	struct bc_client_tokens t;

	c->checks++;
	if (bc_client_prepare(q, NULL, "en", &t, &err)) {
		failf(c, id, "%s: input refused: %s", what, err.msg);
		return -1;
	}
	if (bc_client_check(&c->be, &t, r, &err)) {
		failf(c, id, "%s: check failed: %s (%s)", what, err.msg, err.code);
		return -1;
	}
	return 0;
}

static uint32_t truth_classes(json_t *p)
{
	json_t *a = json_object_get(p, "data_classes"), *v;
	uint32_t m = 0;
	unsigned bit;
	size_t i;

	json_array_foreach(a, i, v) {
		for (bit = 0; bit < 12; bit++)
			if (!strcmp(json_string_value(v), bc_class_name(bit)))
				m |= 1u << bit;
	}
	return m;
}

static int in_array(json_t *a, const char *s)
{
	json_t *v;
	size_t i;

	json_array_foreach(a, i, v)
		if (json_is_string(v) && !strcmp(json_string_value(v), s))
			return 1;
	return 0;
}

static uint16_t month_of(const char *date)
{
	int y, m;

	if (!date || sscanf(date, "%4d-%2d", &y, &m) != 2 || y < 2000)
		return 0;
	return (uint16_t)((y - 2000) * 12 + m);
}

/* Expect exactly one breach found, with `kind` matched; returns the hit or NULL. */
static const struct bc_report_hit *expect_found(struct ctx *c, long id, const char *what,
						const struct bc_report *r, int kind)
{
	if (bc_report_found(r) == 0 && kind == BC_TOKEN_NAMEDOB) {
		softf(c, id, "%s: not found", what);
		return NULL;
	}
	if (bc_report_found(r) != 1) {
		failf(c, id, "%s: %zu breaches found, expected 1", what, bc_report_found(r));
		return NULL;
	}
	if (!(r->hits[0].matched & BC_TOKEN_BIT(kind))) {
		failf(c, id, "%s: the identifier did not match", what);
		return NULL;
	}
	return &r->hits[0];
}

/* A token of this person that is shared with someone else: only presence + its class. */
static void expect_shared(struct ctx *c, long id, const char *what, const struct bc_report_hit *h,
			  int kind, uint32_t own_class)
{
	if (!(h->shared & BC_TOKEN_BIT(kind)))
		failf(c, id, "%s: shared identifier without the shared flag", what);
	else if ((h->flags & 0xFFF) != own_class)
		failf(c, id, "%s: shared identifier disclosed classes %#x", what, h->flags);
	else if (h->rows || h->first_month || h->n_sources)
		failf(c, id, "%s: shared identifier disclosed rows, period or labs", what);
}

/* Classes of a non-shared identifier: within the person's own, including its own class. */
static void expect_own(struct ctx *c, long id, const char *what, const struct bc_report_hit *h,
		       uint32_t truth, uint32_t own_class)
{
	if (h->shared)
		softf(c, id, "%s: shared flag on an identifier the truth does not share", what);
	if ((h->flags & 0xFFF & ~truth) || !(h->flags & own_class))
		failf(c, id, "%s: classes %#x, person has %#x", what, h->flags & 0xFFF, truth);
}

/* Spellings people type. */
static void mangle_name(const char *canon, int variant, char *out, size_t size)
{
	size_t i, o = 0;

	for (i = 0; canon[i] && o + 4 < size; i++) {
		char ch = canon[i];

		if (variant == 1 && ch == 'E' && i > 0 && o + 3 < size) {
			out[o++] = (char)0xC3; /* é */
			out[o++] = (char)0xA9;
			continue;
		}
		out[o++] = variant ? (char)tolower((unsigned char)ch) : ch;
		if (variant == 2 && i == 2 && canon[i + 1])
			out[o++] = '-';
	}
	out[o] = 0;
}

static void dob_variant(const char *iso, int variant, int today_year, char *out, size_t size)
{
	int y, m, d;

	sscanf(iso, "%4d-%2d-%2d", &y, &m, &d);
	switch (variant) {
	case 0: snprintf(out, size, "%02d/%02d/%04d", d, m, y); break;
	case 1: snprintf(out, size, "%d.%d.%04d", d, m, y); break;
	case 2: snprintf(out, size, "%04d%02d%02d", y, m, d); break;
	case 3: snprintf(out, size, "%s", iso); break;
	default:
		/* two-digit year only where it cannot be read as a later century */
		if (y > today_year - 99 && y < today_year)
			snprintf(out, size, "%02d-%02d-%02d", d, m, y % 100);
		else
			snprintf(out, size, "%02d%02d%04d", d, m, y);
	}
}

static void phone_variant(const char *e164, int variant, char *out, size_t size)
{
	static const char *const cc[] = { "+33", "+262", "+590", "+594", "+596" };
	const char *rest = NULL;
	size_t i;

	for (i = 0; i < sizeof(cc) / sizeof(cc[0]); i++)
		if (!strncmp(e164, cc[i], strlen(cc[i])) && strlen(e164) == strlen(cc[i]) + 9)
			rest = e164 + strlen(cc[i]);
	if (!rest || variant == 0) {
		snprintf(out, size, "%s", e164);
		return;
	}
	if (variant == 1)
		snprintf(out, size, "0%c %.2s %.2s %.2s %.2s", rest[0], rest + 1, rest + 3, rest + 5,
			 rest + 7);
	else if (variant == 2 && !strncmp(e164, "+33", 3))
		snprintf(out, size, "0033 %s", rest);
	else
		snprintf(out, size, "0%c.%.2s.%.2s.%.2s.%.2s", rest[0], rest + 1, rest + 3, rest + 5,
			 rest + 7);
}

static void email_variant(const char *e, int variant, char *out, size_t size)
{
	size_t i, o = 0;

	if (variant == 1) {
		snprintf(out, size, " <mailto:%s> ", e);
		return;
	}
	for (i = 0; e[i] && o + 1 < size; i++)
		out[o++] = variant == 2 ? (char)toupper((unsigned char)e[i]) : e[i];
	out[o] = 0;
}

static void nir_spaced(const char *nir13, char *out, size_t size)
{
	int key = bc_nir_key(nir13);

	snprintf(out, size, "%.1s %.2s %.2s %.2s %.3s %.3s %02d", nir13, nir13 + 1, nir13 + 3,
		 nir13 + 5, nir13 + 7, nir13 + 10, key);
}

/* Is value (of kind "email" / "phone") also one of the people's in shared_with[kind]? */
static int shared_value(struct ctx *c, json_t *p, const char *kind, const char *value)
{
	json_t *ids = json_object_get(json_object_get(p, "shared_with"), kind), *v, *o;
	const char *field = !strcmp(kind, "email") ? "emails" : "phones";
	size_t i, j;

	json_array_foreach(ids, i, v) {
		json_int_t id = json_integer_value(v);

		json_array_foreach(c->truth, j, o)
			if (json_integer_value(json_object_get(o, "id")) == id &&
			    in_array(json_object_get(o, field), value))
				return 1;
	}
	return 0;
}

static int nir_tokenised(json_t *p)
{
	json_t *ks = json_object_get(p, "nir_key_states");

	return str(p, "nir13") &&
	       json_integer_value(json_object_get(ks, "valid")) +
			       json_integer_value(json_object_get(ks, "missing")) > 0;
}

static void check_patient(struct ctx *c, json_t *p, int variant)
{
	long id = (long)json_integer_value(json_object_get(p, "id"));
	json_t *names = json_object_get(p, "last_names"), *sh = json_object_get(p, "shared_with");
	json_t *emails = json_object_get(p, "emails"), *phones = json_object_get(p, "phones");
	const char *nir = str(p, "nir13"), *birth = str(names, "birth"), *usage = str(names, "usage");
	const char *first = str(p, "first_name"), *dob = str(p, "dob");
	uint32_t truth = truth_classes(p);
	const struct bc_report_hit *h;
	struct bc_report r;
	struct bc_query q;
	char b1[128], b2[128], b3[128], b4[128], b5[400];
	size_t i;
	int any = 0, rc;

	/* 1. everything at once: the ground-truth classes, rows, period, labs */
	memset(&q, 0, sizeof(q));
	if (nir_tokenised(p)) {
		q.nir = nir;
		any = 1;
	}
	if (first && dob && (birth || usage)) {
		q.first_name = first;
		q.dob = dob;
		if (birth)
			q.last_names[q.n_last_names++] = birth;
		if (usage)
			q.last_names[q.n_last_names++] = usage;
		else if (json_array_size(json_object_get(p, "last_name_variants")))
			q.last_names[q.n_last_names++] = json_string_value(
				json_array_get(json_object_get(p, "last_name_variants"), 0));
		any = 1;
	}
	for (i = 0; i < json_array_size(emails) && i < 1; i++, any = 1)
		q.email = json_string_value(json_array_get(emails, i));
	for (i = 0; i < json_array_size(phones) && i < 1; i++, any = 1)
		q.phone = json_string_value(json_array_get(phones, i));
	if (!any)
		return;
	c->patients++;
	if (run(c, id, "all identifiers", &q, &r) == 0) {
		h = expect_found(c, id, "all identifiers", &r,
				 q.nir ? BC_TOKEN_NIR : q.n_last_names ? BC_TOKEN_NAMEDOB
						 : q.email ? BC_TOKEN_EMAIL : BC_TOKEN_PHONE);
		if (h && (h->flags & 0xFFF & ~truth))
			failf(c, id, "all identifiers: classes %#x beyond ground truth %#x",
			      h->flags & 0xFFF, truth);
		else if (h && h->matched != h->shared && (h->flags & 0xFFF) != truth)
			softf(c, id, "all identifiers: classes %#x, ground truth %#x",
			      h->flags & 0xFFF, truth);
		if (h && h->breach->is_sensitive &&
		    (h->rows || h->first_month || h->last_month || h->n_sources))
			failf(c, id, "sensitive breach: the public tier disclosed rows, period or labs");
		if (h && h->matched != h->shared && !h->breach->is_sensitive) {
			json_t *labs = json_object_get(p, "labs");
			size_t k;

			unsigned rows = (unsigned)json_integer_value(json_object_get(p, "rows"));
			uint16_t m0 = month_of(str(p, "first_sample")), m1 = month_of(str(p, "last_sample"));
			int exact;

			/* rows, period and labs are per identifier (the client keeps the maximum
			 * and the widest period): within the person's, and equal for most */
			if (h->rows > rows || h->rows == 0)
				failf(c, id, "rows %u, ground truth %u", h->rows, rows);
			if (h->first_month < m0 || h->last_month > m1 || h->first_month > h->last_month)
				failf(c, id, "period %u..%u outside the ground truth %s..%s",
				      h->first_month, h->last_month, str(p, "first_sample"),
				      str(p, "last_sample"));
			for (k = 0; k < h->n_sources; k++)
				if (!in_array(labs, h->breach->sources[h->sources[k]]))
					failf(c, id, "lab not in the ground truth");
			exact = h->rows == rows && h->first_month == m0 && h->last_month == m1 &&
				h->n_sources == (json_array_size(labs) > 2 ? 2 : json_array_size(labs));
			c->exact += exact;
			c->compared++;
			if ((json_array_size(labs) > 2) != !!(h->flags & (1u << 30)))
				failf(c, id, "more_sources flag wrong");
		}
		bc_report_release(&r);
	}

	/* 2. each identifier alone, typed in a different way per patient */
	if (nir_tokenised(p)) {
		memset(&q, 0, sizeof(q));
		nir_spaced(nir, b1, sizeof(b1));
		q.nir = variant & 1 ? b1 : nir;
		if (run(c, id, "nir", &q, &r) == 0) {
			if ((h = expect_found(c, id, "nir", &r, BC_TOKEN_NIR)))
				expect_own(c, id, "nir", h, truth, 1u << 1);
			bc_report_release(&r);
		}
	}
	if (first && dob && (birth || usage)) {
		const char *last = birth ? birth : usage;
		const char *typo = json_string_value(json_array_get(json_object_get(p, "last_name_variants"), 0));
		int shared = json_array_size(json_object_get(sh, "namedob")) > 0;

		memset(&q, 0, sizeof(q));
		mangle_name(last, variant % 3, b1, sizeof(b1));
		mangle_name(first, (variant + 1) % 2, b2, sizeof(b2));
		if (variant % 4 == 3) /* a second given name is ignored */
			snprintf(b2 + strlen(b2), sizeof(b2) - strlen(b2), "-Marie");
		dob_variant(dob, variant % 5, c->today_year, b3, sizeof(b3));
		q.last_names[q.n_last_names++] = b1;
		q.first_name = b2;
		q.dob = b3;
		rc = run(c, id, "name + dob", &q, &r);
		if (rc == 0 && !bc_report_found(&r) && typo) {
			/* every row wrote the name with a typo: a record hidden as the
			 * not-found text warns; the misspelling finds it */
			bc_report_release(&r);
			q.last_names[0] = typo;
			rc = run(c, id, "name as misspelt in the file", &q, &r);
		}
		if (rc == 0) {
			if ((h = expect_found(c, id, "name + dob", &r, BC_TOKEN_NAMEDOB)) && !shared)
				expect_own(c, id, "name + dob", h, truth, 1u << 0);
			bc_report_release(&r);
		}
		if (usage && birth) {
			/* the usage name alone, and the usage name given first */
			q.last_names[0] = usage;
			if (run(c, id, "usage name + dob", &q, &r) == 0) {
				expect_found(c, id, "usage name + dob", &r, BC_TOKEN_NAMEDOB);
				bc_report_release(&r);
			}
			q.last_names[1] = birth;
			q.n_last_names = 2;
			if (run(c, id, "usage and birth names + dob", &q, &r) == 0) {
				expect_found(c, id, "usage and birth names + dob", &r, BC_TOKEN_NAMEDOB);
				bc_report_release(&r);
			}
		}
		/* a twin with the same birth date: same last name, another first name */
		snprintf(b4, sizeof(b4), "%s", strcmp(first, "ZOE") ? "ZOE" : "ADAM");
		snprintf(b5, sizeof(b5), "%s|%s|%s", last, b4, dob);
		if (!json_object_get(c->namedob_set, b5)) {
			memset(&q, 0, sizeof(q));
			q.last_names[q.n_last_names++] = last;
			q.first_name = b4;
			q.dob = dob;
			if (run(c, id, "twin", &q, &r) == 0) {
				if (bc_report_found(&r))
					failf(c, id, "a twin with the same birth date was found");
				bc_report_release(&r);
			}
		}
		/* a one-letter-different surname */
		snprintf(b4, sizeof(b4), "%s", last);
		b4[strlen(b4) / 2] = b4[strlen(b4) / 2] == 'X' ? 'Y' : 'X';
		snprintf(b5, sizeof(b5), "%s|%s|%s", b4, first, dob);
		if (!json_object_get(c->namedob_set, b5)) {
			memset(&q, 0, sizeof(q));
			q.last_names[q.n_last_names++] = b4;
			q.first_name = first;
			q.dob = dob;
			if (run(c, id, "one letter off", &q, &r) == 0) {
				if (bc_report_found(&r))
					failf(c, id, "a one-letter-different surname was found");
				bc_report_release(&r);
			}
		}
	}
	if (nir && strlen(nir) == 13) {
		/* the same NIR in another commune (positions 8-10), with a valid key */
		snprintf(b4, sizeof(b4), "%s", nir);
		b4[9] = b4[9] == '9' ? '0' : (char)(b4[9] + 1);
		if (!json_object_get(c->nir_set, b4)) {
			nir_spaced(b4, b5, sizeof(b5));
			memset(&q, 0, sizeof(q));
			q.nir = b5;
			if (run(c, id, "nir of another commune", &q, &r) == 0) {
				if (bc_report_found(&r))
					failf(c, id, "a NIR differing in the commune code was found");
				bc_report_release(&r);
			}
		}
	}
	for (i = 0; i < json_array_size(emails); i++) {
		const char *e = json_string_value(json_array_get(emails, i));
		int shared = shared_value(c, p, "email", e);

		memset(&q, 0, sizeof(q));
		email_variant(e, (variant + (int)i) % 3, b1, sizeof(b1));
		q.email = b1;
		if (run(c, id, "email", &q, &r) == 0) {
			if ((h = expect_found(c, id, "email", &r, BC_TOKEN_EMAIL))) {
				if (shared)
					expect_shared(c, id, "email", h, BC_TOKEN_EMAIL, 1u << 5);
				else
					expect_own(c, id, "email", h, truth, 1u << 5);
			}
			bc_report_release(&r);
		}
	}
	for (i = 0; i < json_array_size(phones); i++) {
		const char *ph = json_string_value(json_array_get(phones, i));
		int shared = shared_value(c, p, "phone", ph);

		memset(&q, 0, sizeof(q));
		phone_variant(ph, (variant + (int)i) % 4, b1, sizeof(b1));
		q.phone = b1;
		if (run(c, id, "phone", &q, &r) == 0) {
			if ((h = expect_found(c, id, "phone", &r, BC_TOKEN_PHONE))) {
				if (shared)
					expect_shared(c, id, "phone", h, BC_TOKEN_PHONE, 1u << 6);
				else
					expect_own(c, id, "phone", h, truth, 1u << 6);
			}
			bc_report_release(&r);
		}
	}
}

static int load_truth(struct ctx *c, const char *path)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	FILE *f = fopen(path, "r");
	json_t *p, *names, *v;
	const char *kinds[] = { "birth", "usage" };
	char key[400];
	size_t i, k;

	if (!f)
		return -1;
	c->truth = json_array();
	c->namedob_set = json_object();
	c->nir_set = json_object();
	while ((n = getline(&line, &cap, f)) > 0) {
		p = json_loadb(line, (size_t)n, 0, NULL);
		if (!p)
			continue;
		json_array_append_new(c->truth, p);
		if (str(p, "nir13"))
			json_object_set_new(c->nir_set, str(p, "nir13"), json_true());
		names = json_object_get(p, "last_names");
		if (!str(p, "first_name") || !str(p, "dob"))
			continue;
		for (k = 0; k < 2; k++) {
			if (!str(names, kinds[k]))
				continue;
			snprintf(key, sizeof(key), "%s|%s|%s", str(names, kinds[k]),
				 str(p, "first_name"), str(p, "dob"));
			json_object_set_new(c->namedob_set, key, json_true());
		}
		json_array_foreach(json_object_get(p, "last_name_variants"), i, v) {
			snprintf(key, sizeof(key), "%s|%s|%s", json_string_value(v),
				 str(p, "first_name"), str(p, "dob"));
			json_object_set_new(c->namedob_set, key, json_true());
		}
	}
	free(line);
	fclose(f);
	return 0;
}

int main(int argc, char **argv)
{
	struct ctx c = { 0 };
	struct bc_error err = BC_ERROR_INIT;
	struct bc_remote_options ro = { 0 };
	const char *truth = NULL, *index = NULL, *key = NULL;
	size_t i, stride = 1;
	time_t now = time(NULL);
	struct tm tm;
	clock_t t0 = clock();
	struct timespec w0, w1;
	int a;

	for (a = 1; a + 1 < argc; a += 2) {
		if (!strcmp(argv[a], "--truth"))
			truth = argv[a + 1];
		else if (!strcmp(argv[a], "--index"))
			index = argv[a + 1];
		else if (!strcmp(argv[a], "--key"))
			key = argv[a + 1];
		else if (!strcmp(argv[a], "--server"))
			ro.server = argv[a + 1];
		else if (!strcmp(argv[a], "--cache-dir"))
			ro.cache_dir = argv[a + 1];
		else if (!strcmp(argv[a], "--bucket-mode"))
			ro.mode = strcmp(argv[a + 1], "fetch") ? BC_BUCKETS_FILE : BC_BUCKETS_FETCH;
		else if (!strcmp(argv[a], "--stride"))
			stride = (size_t)strtoul(argv[a + 1], NULL, 10);
	}
	if (!truth || (!ro.server && !(index && key)) || stride == 0) {
		fputs("usage: e2e_check --truth FILE (--index DIR --key KEY | --server URL "
		      "[--bucket-mode file|fetch] [--cache-dir DIR]) [--stride N]\n", stderr);
		return 2;
	}
	gmtime_r(&now, &tm);
	c.today_year = tm.tm_year + 1900;
	if (load_truth(&c, truth)) {
		fprintf(stderr, "cannot read %s\n", truth);
		return 2;
	}
	clock_gettime(CLOCK_MONOTONIC, &w0);
	if (ro.server ? bc_client_open_remote(&c.be, &ro, &err)
		      : bc_client_open_local(&c.be, index, key, &err)) {
		fprintf(stderr, "cannot open: %s (%s)\n", err.msg, err.code);
		return 1;
	}
	for (i = 0; i < json_array_size(c.truth); i += stride)
		check_patient(&c, json_array_get(c.truth, i), (int)i);
	clock_gettime(CLOCK_MONOTONIC, &w1);
	printf("%s: %d patients, %d checks, %d failures, %.2f s (%.0f us/check, cpu %.2f s)\n",
	       ro.server ? (ro.mode == BC_BUCKETS_FETCH ? "remote/fetch" : "remote/file") : "local",
	       c.patients, c.checks, c.failures,
	       (double)(w1.tv_sec - w0.tv_sec) + (double)(w1.tv_nsec - w0.tv_nsec) / 1e9,
	       ((double)(w1.tv_sec - w0.tv_sec) * 1e6 + (double)(w1.tv_nsec - w0.tv_nsec) / 1e3) /
		       (c.checks ? c.checks : 1),
	       (double)(clock() - t0) / CLOCKS_PER_SEC);
	printf("rows, period and labs exactly as the ground truth for %d of %d patients\n", c.exact,
	       c.compared);
	printf("notes (differences the truth cannot settle): %d\n", c.soft);
	if (c.soft > c.patients / 50) {
		fprintf(stderr, "FAIL: more than 2%% of the patients with notes\n");
		c.failures++;
	}
	if (c.compared && c.exact < c.compared * 95 / 100) {
		fprintf(stderr, "FAIL: fewer than 95%% exact rows/period/labs\n");
		c.failures++;
	}
	bc_client_backend_release(&c.be);
	json_decref(c.truth);
	json_decref(c.namedob_set);
	json_decref(c.nir_set);
	return c.failures || c.patients == 0 ? 1 : 0;
}
