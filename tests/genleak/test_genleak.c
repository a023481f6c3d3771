/*
 * bc-genleak against issue 2: row statistics, NIR keys, NIR uniqueness,
 * example.* emails, fiction-block phones, determinism, and every row's
 * identifiers (normalised by the project's own normaliser) agreeing with the
 * ground truth of the patient its NIR names.
 *
 * usage: test_genleak BC_GENLEAK_BINARY ROWS
 * (BC_DATA must name the data directory; files go under $TMPDIR or /tmp.)
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "normalize/normalize.h"
#include "normalize/text.h"

#include "testlib.h"

#define N_FIELDS 19
enum {
	F_NAME, F_USAGE, F_FIRST, F_SEX, F_DOB, F_NIR, F_ADDR, F_CP, F_CITY, F_PHONE,
	F_EMAIL, F_BLOOD, F_DOC, F_DOC_ADDR, F_DOC_PHONE, F_INSURER, F_LAB, F_DATE, F_COMMENT
};

/* Targets of docs/genleak.md; the test allows +-2 percentage points. */
static const struct {
	int field;
	double target, lo, hi;   /* lo/hi: the issue's own bounds */
} targets[] = {
	{ F_NAME, 99.6, 97, 100 }, { F_NIR, 98.3, 97, 100 }, { F_DOB, 99.4, 97, 100 },
	{ F_DOC, 98.8, 97, 100 }, { F_EMAIL, 62.0, 55, 70 }, { F_PHONE, 62.0, 55, 70 },
	{ F_BLOOD, 62.0, 55, 70 }, { F_COMMENT, 2.2, 1, 3 },
};
#define SHARE_2018_2019 70.0

static const char *genleak_bin;
static unsigned long n_rows;
static char tmpdir[256];

/* ---- Running the generator. ---- */

static int run_gen(unsigned long seed, const char *dialect, const char *csv, const char *truth)
{
	char seed_s[32], rows_s[32];
	pid_t pid;
	int status;

	snprintf(seed_s, sizeof(seed_s), "%lu", seed);
	snprintf(rows_s, sizeof(rows_s), "%lu", n_rows);
	pid = fork();
	if (pid == 0) {
		execl(genleak_bin, genleak_bin, "--seed", seed_s, "--rows", rows_s, "--dialect", dialect,
		      "--out", csv, "--truth", truth, "--data", getenv("BC_DATA"), "--quiet", (char *)NULL);
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* ---- RFC 4180 reader over a NUL-terminated buffer. ---- */

struct csv {
	const char *p, *end;
	char delim;
	char *fields[N_FIELDS + 1];
	char buf[1 << 16];
	int nf;
};

/* Next record into c->fields; returns 1, 0 at the end, -1 on malformed input. */
static int csv_next(struct csv *c)
{
	size_t n = 0;
	int quoted = 0;

	if (c->p >= c->end)
		return 0;
	c->nf = 0;
	c->fields[c->nf++] = c->buf;
	for (;;) {
		if (n + 4 >= sizeof(c->buf) || c->nf > N_FIELDS)
			return -1;
		if (c->p >= c->end) {
			if (quoted)
				return -1;
			c->buf[n] = '\0';
			return 1;
		}
		char ch = *c->p++;

		if (quoted) {
			if (ch == '"') {
				if (c->p < c->end && *c->p == '"') {
					c->buf[n++] = '"';
					c->p++;
				} else {
					quoted = 0;
				}
			} else {
				c->buf[n++] = ch;
			}
		} else if (ch == '"') {
			quoted = 1;
		} else if (ch == c->delim) {
			c->buf[n++] = '\0';
			c->fields[c->nf++] = c->buf + n;
		} else if (ch == '\r' && c->p < c->end && *c->p == '\n') {
			continue;
		} else if (ch == '\n') {
			c->buf[n] = '\0';
			return 1;
		} else {
			c->buf[n++] = ch;
		}
	}
}

/* ---- Ground truth. ---- */

struct tpatient {
	char nir[14];
	char birth[128], usage[128], variant[128], first[128], dob[11], sex;
	char emails[4][128];
	char phones[4][17];
	int n_emails, n_phones;
	long rows, valid, missing, wrong;
	long seen_rows;
};

struct truth {
	struct tpatient *p;
	size_t n;
	size_t *map;      /* open addressing over nir, index + 1 */
	size_t map_cap;
	long sum_rows, sum_valid, sum_missing, sum_wrong;
	long twins, homonyms, name_in_field, multi_lab, household_email, household_phone, minors, multi_value;
	long shared_pairs;
	int nir_dup, bad_email, bad_phone, bad_nir;
};

static uint64_t hash_str(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 0x100000001b3ULL;
	}
	return h;
}

static struct tpatient *truth_find(struct truth *t, const char *nir)
{
	size_t i = (size_t)hash_str(nir) & (t->map_cap - 1);

	while (t->map[i]) {
		if (strcmp(t->p[t->map[i] - 1].nir, nir) == 0)
			return &t->p[t->map[i] - 1];
		i = (i + 1) & (t->map_cap - 1);
	}
	return NULL;
}

static int email_allowed(const char *e)
{
	const char *at = strrchr(e, '@');
	static const char *const tails[] = { "example.fr", "example.com", "example.net", "example.org" };

	if (!at)
		return 0;
	for (size_t i = 0; i < 4; i++) {
		size_t lt = strlen(tails[i]), ld = strlen(at + 1);

		if (ld >= lt && strcmp(at + 1 + ld - lt, tails[i]) == 0 &&
		    (ld == lt || at[1 + ld - lt - 1] == '.'))
			return 1;
	}
	return 0;
}

/* E.164 in an ARCEP fiction block or the unallocated 070-072 mobile range. */
static int phone_allowed(const char *e)
{
	static const char *const blocks[] = {
		"+26263998", "+3319900", "+3326191", "+3335301", "+3346571", "+3353649",
	};

	for (size_t i = 0; i < 6; i++)
		if (strncmp(e, blocks[i], strlen(blocks[i])) == 0 && strlen(e) == strlen(blocks[i]) + 4)
			return 1;
	return strlen(e) == 12 && strncmp(e, "+337", 4) == 0 && e[4] >= '0' && e[4] <= '2';
}

static void copy_str(char *dst, size_t size, json_t *v)
{
	snprintf(dst, size, "%s", json_is_string(v) ? json_string_value(v) : "");
}

static int has_case(json_t *arr, const char *name)
{
	size_t i;
	json_t *v;

	json_array_foreach(arr, i, v)
		if (json_is_string(v) && strcmp(json_string_value(v), name) == 0)
			return 1;
	return 0;
}

/* data/communes.tsv: canonical names by postcode, and INSEE codes. */
struct commune {
	char insee[6], postcode[6], canon[128];
};
static struct commune *communes;
static size_t n_communes;

static void load_communes(void)
{
	char path[4096], *buf, *line, *nl;
	size_t len, cap = 16384;
	int header = 0;

	snprintf(path, sizeof(path), "%s/communes.tsv", getenv("BC_DATA"));
	buf = bc_test_read_file(path, &len);
	assert_non_null(buf);
	communes = calloc(cap, sizeof(*communes));
	assert_non_null(communes);
	for (line = buf; *line; line = nl + 1) {
		char *insee, *name, *cp;

		nl = strchr(line, '\n');
		assert_non_null(nl);
		*nl = '\0';
		if (line[0] == '#')
			continue;
		if (!header++)
			continue;
		assert_true(n_communes < cap);
		insee = line;
		name = strchr(insee, '\t');
		assert_non_null(name);
		*name++ = '\0';
		cp = strchr(name, '\t');
		assert_non_null(cp);
		*cp++ = '\0';
		snprintf(communes[n_communes].insee, 6, "%s", insee);
		snprintf(communes[n_communes].postcode, 6, "%.5s", cp);
		bc_norm_last_name(name, strlen(name), communes[n_communes].canon, 128);
		n_communes++;
	}
	free(buf);
}

/* 1 if a commune has this postcode and a name that the city field abbreviates. */
static int place_agrees(const char *postcode, const char *city)
{
	char cc[128];

	if (bc_norm_last_name(city, strlen(city), cc, sizeof(cc)) != BC_NORM_OK)
		return 0;
	for (size_t i = 0; i < n_communes; i++)
		if (strcmp(communes[i].postcode, postcode) == 0 &&
		    strncmp(communes[i].canon, cc, strlen(cc)) == 0)
			return 1;
	return 0;
}

static int birthplace_known(const char *nir)
{
	if (strncmp(nir + 5, "99", 2) == 0)
		return 1;
	size_t lo = 0, hi = n_communes;

	while (lo < hi) {   /* communes.tsv is sorted by INSEE code */
		size_t mid = lo + (hi - lo) / 2;
		int d = strncmp(communes[mid].insee, nir + 5, 5);

		if (d == 0)
			return 1;
		if (d < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

static void load_truth(const char *path, struct truth *t)
{
	size_t len, cap = 1024;
	char *buf = bc_test_read_file(path, &len), *line, *nl;

	assert_non_null(buf);
	memset(t, 0, sizeof(*t));
	t->p = calloc(cap, sizeof(*t->p));
	assert_non_null(t->p);
	for (line = buf; *line; line = nl + 1) {
		json_error_t err;
		json_t *o, *v;
		struct tpatient *p;
		size_t i;

		nl = strchr(line, '\n');
		assert_non_null(nl);
		*nl = '\0';
		o = json_loads(line, 0, &err);
		if (!o)
			fail_msg("truth line %zu: %s", t->n + 1, err.text);
		if (t->n == cap) {
			t->p = realloc(t->p, (cap *= 2) * sizeof(*t->p));
			assert_non_null(t->p);
		}
		p = &t->p[t->n++];
		memset(p, 0, sizeof(*p));
		assert_int_equal(json_integer_value(json_object_get(o, "id")), (json_int_t)t->n);
		copy_str(p->nir, sizeof(p->nir), json_object_get(o, "nir13"));
		copy_str(p->birth, sizeof(p->birth), json_object_get(json_object_get(o, "last_names"), "birth"));
		copy_str(p->usage, sizeof(p->usage), json_object_get(json_object_get(o, "last_names"), "usage"));
		copy_str(p->variant, sizeof(p->variant), json_array_get(json_object_get(o, "last_name_variants"), 0));
		copy_str(p->first, sizeof(p->first), json_object_get(o, "first_name"));
		copy_str(p->dob, sizeof(p->dob), json_object_get(o, "dob"));
		p->sex = json_string_value(json_object_get(o, "sex"))[0];
		json_array_foreach(json_object_get(o, "emails"), i, v) {
			if (!email_allowed(json_string_value(v)))
				t->bad_email++;
			if (p->n_emails < 4)
				copy_str(p->emails[p->n_emails++], sizeof(p->emails[0]), v);
		}
		json_array_foreach(json_object_get(o, "phones"), i, v) {
			if (!phone_allowed(json_string_value(v)))
				t->bad_phone++;
			if (p->n_phones < 4)
				copy_str(p->phones[p->n_phones++], sizeof(p->phones[0]), v);
		}
		v = json_object_get(o, "nir_key_states");
		p->valid = (long)json_integer_value(json_object_get(v, "valid"));
		p->missing = (long)json_integer_value(json_object_get(v, "missing"));
		p->wrong = (long)json_integer_value(json_object_get(v, "wrong"));
		p->rows = (long)json_integer_value(json_object_get(o, "rows"));
		t->sum_rows += p->rows;
		t->sum_valid += p->valid;
		t->sum_missing += p->missing;
		t->sum_wrong += p->wrong;
		v = json_object_get(o, "hard_cases");
		t->twins += has_case(v, "twin");
		t->homonyms += has_case(v, "homonym");
		t->name_in_field += has_case(v, "name_in_field");
		t->multi_lab += has_case(v, "multi_lab");
		t->household_email += has_case(v, "household_email");
		t->household_phone += has_case(v, "household_phone");
		t->minors += has_case(v, "minor");
		t->multi_value += has_case(v, "multi_value");
		v = json_object_get(o, "shared_with");
		t->shared_pairs += (long)(json_array_size(json_object_get(v, "email")) +
					  json_array_size(json_object_get(v, "phone")) +
					  json_array_size(json_object_get(v, "namedob")));
		if (p->nir[0] && (strlen(p->nir) != 13 || strncmp(p->nir + 10, "000", 3) != 0 ||
				  p->nir[0] != (p->sex == 'M' ? '1' : '2')))
			t->bad_nir++;
		json_decref(o);
	}
	free(buf);
	t->map_cap = 1;
	while (t->map_cap < 2 * t->n + 2)
		t->map_cap <<= 1;
	t->map = calloc(t->map_cap, sizeof(*t->map));
	assert_non_null(t->map);
	for (size_t k = 0; k < t->n; k++) {
		if (!t->p[k].nir[0])
			continue;
		if (truth_find(t, t->p[k].nir)) {
			t->nir_dup++;
			continue;
		}
		size_t i = (size_t)hash_str(t->p[k].nir) & (t->map_cap - 1);

		while (t->map[i])
			i = (i + 1) & (t->map_cap - 1);
		t->map[i] = k + 1;
	}
}

static void truth_free(struct truth *t)
{
	free(t->p);
	free(t->map);
}

/* ---- Row checks. ---- */

struct check {
	long rows, nonempty[N_FIELDS], y1819, bad_year, labs_seen[64];
	long valid, missing, wrong, bad_nir_field, nir_unknown;
	long mism_name, mism_first, mism_dob, mism_email, mism_phone, mism_sex, mism_nir_dob;
	long bad_row_email, bad_row_phone, bad_doc_phone, checked_rows, bad_place, places_checked;
	char lab_ids[64][16];
	int n_labs;
};

static int is_blank(const char *s)
{
	for (; *s; s++)
		if (*s != ' ')
			return 0;
	return 1;
}

static int in_list(const char *s, const char (*list)[128], int n)
{
	for (int i = 0; i < n; i++)
		if (strcmp(s, list[i]) == 0)
			return 1;
	return 0;
}

static int sample_date(const char *s, struct tm *tm)
{
	int d, m, y;

	memset(tm, 0, sizeof(*tm));
	if (sscanf(s, "%4d-%2d-%2d", &y, &m, &d) == 3 && s[4] == '-')
		;
	else if (sscanf(s, "%2d/%2d/%4d", &d, &m, &y) != 3)
		return -1;
	tm->tm_year = y - 1900;
	tm->tm_mon = m - 1;
	tm->tm_mday = d;
	return y;
}

/* Split a multi-value field on separators that never occur inside one value. */
static int split_values(char *s, const char *seps, char **out, int max)
{
	int n = 0;
	char *p = s;

	while (*p && n < max) {
		size_t k = strcspn(p, seps);
		char save = p[k];

		p[k] = '\0';
		if (!is_blank(p))
			out[n++] = p;
		if (!save)
			break;
		p += k + 1;
	}
	return n;
}

/*
 * bc_repair_mojibake, unless its result holds a code point that French text
 * does not use (beyond U+017F, other than punctuation U+2000-U+206F and the
 * euro sign): "TRAORÉ" + NBSP + "EP" is correct text whose bytes C3 89 C2 A0
 * also read as a mojibake of U+0260; the normaliser's repair takes it (reported).
 */
static void repair(char *s, size_t l)
{
	char out[1 << 12];
	size_t ol;

	if (l + 1 > sizeof(out) || bc_repair_mojibake(s, l, out, sizeof(out), &ol) <= 0)
		return;
	for (size_t i = 0; i < ol; i++) {
		unsigned char b = (unsigned char)out[i];
		unsigned cp;

		if (b < 0x80)
			continue;
		if ((b & 0xE0) == 0xC0 && i + 1 < ol) {
			cp = ((b & 0x1Fu) << 6) | ((unsigned char)out[i + 1] & 0x3Fu);
			i += 1;
		} else if ((b & 0xF0) == 0xE0 && i + 2 < ol) {
			cp = ((b & 0x0Fu) << 12) | (((unsigned char)out[i + 1] & 0x3Fu) << 6) |
			     ((unsigned char)out[i + 2] & 0x3Fu);
			i += 2;
		} else {
			return;
		}
		if (cp > 0x17F && !(cp >= 0x2000 && cp <= 0x206F) && cp != 0x20AC)
			return;
	}
	memcpy(s, out, ol + 1);
}

static void check_row(struct check *c, struct truth *t, char **f)
{
	struct tm ref;
	int y = sample_date(f[F_DATE], &ref);
	char out[512], body[14];
	struct tpatient *p = NULL;
	size_t j = 0;

	c->rows++;
	for (int i = 0; i < N_FIELDS; i++)
		c->nonempty[i] += !is_blank(f[i]);
	if (y < 2015 || y > 2020)
		c->bad_year++;
	c->y1819 += y == 2018 || y == 2019;
	{
		int k;

		for (k = 0; k < c->n_labs; k++)
			if (strcmp(c->lab_ids[k], f[F_LAB]) == 0)
				break;
		if (k == c->n_labs && k < 64)
			snprintf(c->lab_ids[c->n_labs++], 16, "%s", f[F_LAB]);
	}
	/*
	 * Fields trimmed of spaces and no-break spaces, then mojibake repaired, as
	 * ingest does. (Repairing before trimming would turn a correct "É" + NBSP,
	 * bytes C3 89 C2 A0, into U+0260: both readings are valid UTF-8.)
	 */
	for (int i = 0; i < N_FIELDS; i++) {
		char *s = f[i];
		size_t l = strlen(s);

		for (;;) {
			if (l && s[l - 1] == ' ')
				l--;
			else if (l >= 4 && memcmp(s + l - 4, "\xC3\x82\xC2\xA0", 4) == 0)
				l -= 4; /* a no-break space seen through mojibake */
			else if (l >= 2 && (unsigned char)s[l - 2] == 0xC2 && (unsigned char)s[l - 1] == 0xA0)
				l -= 2;
			else
				break;
		}
		s[l] = '\0';
		repair(s, l);
	}
	if (!is_blank(f[F_NIR])) {
		int had = 0, st = bc_norm_nir(f[F_NIR], strlen(f[F_NIR]), out, sizeof(out), &had);

		if (st == BC_NORM_OK)
			had ? c->valid++ : c->missing++;
		else if (st == BC_NORM_INVALID_KEY)
			c->wrong++;
		else
			c->bad_nir_field++;
		for (const char *q = f[F_NIR]; *q && j < 13; q++)
			if ((*q >= '0' && *q <= '9') || *q == 'A' || *q == 'B')
				body[j++] = *q;
		body[j] = '\0';
		p = j == 13 ? truth_find(t, body) : NULL;
		if (!p)
			c->nir_unknown++;
	}
	if (!is_blank(f[F_DOC_PHONE])) {
		if (bc_norm_phone(f[F_DOC_PHONE], strlen(f[F_DOC_PHONE]), out, sizeof(out)) != BC_NORM_OK ||
		    !phone_allowed(out))
			c->bad_doc_phone++;
	}
	if (!is_blank(f[F_CP]) && !is_blank(f[F_CITY]) && c->places_checked < 5000) {
		c->places_checked++;
		if (!place_agrees(f[F_CP], f[F_CITY]))
			c->bad_place++;
	}
	if (!p)
		return;
	c->checked_rows++;
	p->seen_rows++;
	if ((p->sex == 'M') != (f[F_SEX][0] == 'M' || f[F_SEX][0] == 'H' || f[F_SEX][0] == '1') && f[F_SEX][0])
		c->mism_sex++;
	if (!is_blank(f[F_NAME]) || !is_blank(f[F_USAGE])) {
		struct bc_span b, u;
		const char *cands[3];
		size_t lens[3];
		int nc = 0;

		bc_split_name_field(f[F_NAME], strlen(f[F_NAME]), &b, &u);
		if (b.len) {
			cands[nc] = f[F_NAME] + b.off;
			lens[nc++] = b.len;
		}
		if (u.len) {
			cands[nc] = f[F_NAME] + u.off;
			lens[nc++] = u.len;
		}
		if (!is_blank(f[F_USAGE])) {
			cands[nc] = f[F_USAGE];
			lens[nc++] = strlen(f[F_USAGE]);
		}
		for (int k = 0; k < nc; k++) {
			if (bc_norm_last_name(cands[k], lens[k], out, sizeof(out)) != BC_NORM_OK ||
			    (strcmp(out, p->birth) && strcmp(out, p->usage) && strcmp(out, p->variant))) {
				c->mism_name++;
				break;
			}
		}
	}
	if (!is_blank(f[F_FIRST])) {
		if (bc_norm_first_name(f[F_FIRST], strlen(f[F_FIRST]), out, sizeof(out)) != BC_NORM_OK ||
		    strcmp(out, p->first))
			c->mism_first++;
	}
	if (!is_blank(f[F_DOB])) {
		int st = bc_norm_dob(f[F_DOB], strlen(f[F_DOB]), &ref, out, sizeof(out));

		if (st == BC_NORM_OK) {
			if (strcmp(out, p->dob))
				c->mism_dob++;
			else if (strncmp(out + 2, p->nir + 1, 2) || strncmp(out + 5, p->nir + 3, 2))
				c->mism_nir_dob++;
		} else if (st != BC_NORM_INCOMPLETE_DATE) {
			c->mism_dob++;
		}
	}
	if (!is_blank(f[F_EMAIL])) {
		char *v[4];
		int n = split_values(f[F_EMAIL], ",;", v, 4);

		for (int k = 0; k < n; k++) {
			if (bc_norm_email(v[k], strlen(v[k]), out, sizeof(out)) != BC_NORM_OK) {
				c->mism_email++;
				continue;
			}
			if (!email_allowed(out))
				c->bad_row_email++;
			if (!in_list(out, p->emails, p->n_emails))
				c->mism_email++;
		}
	}
	if (!is_blank(f[F_PHONE])) {
		char *v[4];
		int n = split_values(f[F_PHONE], ",;/", v, 4);

		for (int k = 0; k < n; k++) {
			int found = 0;

			if (bc_norm_phone(v[k], strlen(v[k]), out, sizeof(out)) != BC_NORM_OK) {
				c->mism_phone++;
				continue;
			}
			if (!phone_allowed(out))
				c->bad_row_phone++;
			for (int q = 0; q < p->n_phones; q++)
				found |= strcmp(out, p->phones[q]) == 0;
			if (!found)
				c->mism_phone++;
		}
	}
}

static void check_file(const char *csv_path, int cp1252, struct truth *t, struct check *c)
{
	size_t len;
	char *raw = bc_test_read_file(csv_path, &len), *text;
	struct csv *r = calloc(1, sizeof(*r));
	int st;

	assert_non_null(raw);
	assert_non_null(r);
	text = raw;
	if (cp1252) {
		/* the generator never writes the five bytes Windows-1252 leaves undefined */
		text = malloc(len * 3 + 1);
		assert_non_null(text);
		len = bc_test_cp1252_to_utf8(raw, len, text, len * 3 + 1);
	}
	memset(c, 0, sizeof(*c));
	r->p = text;
	r->end = text + len;
	r->delim = cp1252 ? ';' : ',';
	assert_int_equal(csv_next(r), 1);
	assert_int_equal(r->nf, N_FIELDS);
	assert_string_equal(r->fields[0], cp1252 ? "NOM_NAISSANCE" : "Nom");
	assert_string_equal(r->fields[N_FIELDS - 1], cp1252 ? "OBS" : "Observations");
	while ((st = csv_next(r)) == 1) {
		if (r->nf != N_FIELDS)
			fail_msg("%s: record %ld has %d fields", csv_path, c->rows + 2, r->nf);
		check_row(c, t, r->fields);
	}
	assert_int_equal(st, 0);
	if (text != raw)
		free(text);
	free(raw);
	free(r);
}

static void verify(unsigned long seed, const char *dialect)
{
	char csv[512], truth_path[512];
	struct truth t;
	struct check *c = calloc(1, sizeof(*c));
	int cp1252 = strcmp(dialect, "fr-semicolon-cp1252") == 0;
	time_t t0 = time(NULL);

	assert_non_null(c);
	snprintf(csv, sizeof(csv), "%s/leak-%lu-%s.csv", tmpdir, seed, dialect);
	snprintf(truth_path, sizeof(truth_path), "%s/truth-%lu-%s.jsonl", tmpdir, seed, dialect);
	assert_int_equal(run_gen(seed, dialect, csv, truth_path), 0);
	load_truth(truth_path, &t);
	check_file(csv, cp1252, &t, c);

	printf("# seed %lu %s: %ld rows, %zu patients, %ld s\n", seed, dialect, c->rows, t.n,
	       (long)(time(NULL) - t0));
	assert_int_equal(c->rows, (long)n_rows);
	assert_int_equal(t.sum_rows, (long)n_rows);
	for (size_t i = 0; i < sizeof(targets) / sizeof(targets[0]); i++) {
		double pct = 100.0 * (double)c->nonempty[targets[i].field] / (double)c->rows;

		printf("#   field %2d: %6.2f%% (target %.1f, issue %.0f-%.0f)\n", targets[i].field, pct,
		       targets[i].target, targets[i].lo, targets[i].hi);
		if (pct < targets[i].target - 2 || pct > targets[i].target + 2 ||
		    pct < targets[i].lo - 2 || pct > targets[i].hi + 2)
			fail_msg("field %d on %.2f%% of rows, want %.1f +- 2", targets[i].field, pct,
				 targets[i].target);
	}
	double y1819 = 100.0 * (double)c->y1819 / (double)c->rows;

	printf("#   samples 2018-2019: %.2f%%\n", y1819);
	assert_true(y1819 >= SHARE_2018_2019 - 2 && y1819 <= SHARE_2018_2019 + 2);
	assert_int_equal(c->bad_year, 0);
	assert_int_equal(c->n_labs, 27);
	{
		char depts[8][4];
		int nd = 0;

		for (int k = 0; k < c->n_labs; k++) {
			int q;

			for (q = 0; q < nd; q++)
				if (strncmp(depts[q], c->lab_ids[k] + 3, 2) == 0)
					break;
			if (q == nd && nd < 8)
				snprintf(depts[nd++], 4, "%.2s", c->lab_ids[k] + 3);
		}
		assert_int_equal(nd, 6);
	}
	/* NIRs: keys valid except the deliberately broken ones, order 000, none shared. */
	printf("#   NIR keys: %ld valid, %ld missing, %ld wrong; truth %ld/%ld/%ld\n", c->valid, c->missing,
	       c->wrong, t.sum_valid, t.sum_missing, t.sum_wrong);
	assert_int_equal(c->bad_nir_field, 0);
	assert_int_equal(c->nir_unknown, 0);
	assert_int_equal(c->valid, t.sum_valid);
	assert_int_equal(c->missing, t.sum_missing);
	assert_int_equal(c->wrong, t.sum_wrong);
	assert_true(c->wrong > 0 && c->missing > 0);
	assert_true(c->wrong * 100 < c->rows * 3);
	assert_int_equal(t.nir_dup, 0);
	assert_int_equal(t.bad_nir, 0);
	/* Birthplaces are real communes (or abroad); postcode and city go together. */
	for (size_t k = 0; k < t.n; k++)
		if (t.p[k].nir[0] && !birthplace_known(t.p[k].nir))
			fail_msg("patient %zu: NIR birthplace is not in communes.tsv", k + 1);
	assert_true(c->places_checked > 1000);
	assert_int_equal(c->bad_place, 0);
	/* Synthetic contacts only. */
	assert_int_equal(t.bad_email, 0);
	assert_int_equal(t.bad_phone, 0);
	assert_int_equal(c->bad_row_email, 0);
	assert_int_equal(c->bad_row_phone, 0);
	assert_int_equal(c->bad_doc_phone, 0);
	/* The truth states what the rows say. */
	printf("#   checked %ld rows; mismatches name %ld first %ld dob %ld email %ld phone %ld sex %ld nir/dob %ld\n",
	       c->checked_rows, c->mism_name, c->mism_first, c->mism_dob, c->mism_email, c->mism_phone,
	       c->mism_sex, c->mism_nir_dob);
	assert_int_equal(c->mism_name, 0);
	assert_int_equal(c->mism_first, 0);
	assert_int_equal(c->mism_dob, 0);
	assert_int_equal(c->mism_email, 0);
	assert_int_equal(c->mism_phone, 0);
	assert_int_equal(c->mism_sex, 0);
	assert_int_equal(c->mism_nir_dob, 0);
	for (size_t k = 0; k < t.n; k++)
		if (t.p[k].nir[0] && t.p[k].seen_rows != t.p[k].valid + t.p[k].missing + t.p[k].wrong)
			fail_msg("patient %zu: %ld rows carry its NIR, truth says %ld", k + 1, t.p[k].seen_rows,
				 t.p[k].valid + t.p[k].missing + t.p[k].wrong);
	/* Hard cases present at plausible rates. */
	printf("#   hard cases: twins %ld homonyms %ld name_in_field %ld multi_lab %ld household email %ld "
	       "phone %ld minors %ld multi_value %ld shared pairs %ld\n", t.twins, t.homonyms, t.name_in_field,
	       t.multi_lab, t.household_email, t.household_phone, t.minors, t.multi_value, t.shared_pairs);
	assert_true(t.twins >= 2 && t.homonyms >= 1 && t.name_in_field > 0 && t.multi_lab > 0);
	assert_true(t.household_email > 0 && t.household_phone > 0 && t.multi_value > 0);
	assert_true(t.minors * 100 > (long)t.n * 5 && t.minors * 100 < (long)t.n * 25);
	assert_true(t.shared_pairs > 0);
	truth_free(&t);
	free(c);
	unlink(csv);
	unlink(truth_path);
}

static void test_seed1_utf8(void **state)
{
	(void)state;
	verify(1, "fr-comma-utf8");
}

static void test_seed2_cp1252(void **state)
{
	(void)state;
	verify(2, "fr-semicolon-cp1252");
}

static int same_file(const char *a, const char *b)
{
	size_t la, lb;
	char *x = bc_test_read_file(a, &la), *y = bc_test_read_file(b, &lb);
	int same = x && y && la == lb && memcmp(x, y, la) == 0;

	free(x);
	free(y);
	return same;
}

static void test_determinism(void **state)
{
	char p[6][512];
	static const char *const names[6] = { "a.csv", "a.jsonl", "b.csv", "b.jsonl", "c.csv", "c.jsonl" };

	(void)state;
	for (int i = 0; i < 6; i++)
		snprintf(p[i], sizeof(p[i]), "%s/det-%s", tmpdir, names[i]);
	assert_int_equal(run_gen(7, "fr-comma-utf8", p[0], p[1]), 0);
	assert_int_equal(run_gen(7, "fr-comma-utf8", p[2], p[3]), 0);
	assert_int_equal(run_gen(8, "fr-comma-utf8", p[4], p[5]), 0);
	assert_true(same_file(p[0], p[2]));
	assert_true(same_file(p[1], p[3]));
	assert_false(same_file(p[0], p[4]));
	assert_false(same_file(p[1], p[5]));
	for (int i = 0; i < 6; i++)
		unlink(p[i]);
}

int main(int argc, char **argv)
{
	const char *tmp = getenv("TMPDIR");
	int ret;

	if (argc != 3 || !getenv("BC_DATA")) {
		fprintf(stderr, "usage: BC_DATA=DIR test_genleak BC_GENLEAK_BINARY ROWS\n");
		return 2;
	}
	genleak_bin = argv[1];
	n_rows = strtoul(argv[2], NULL, 10);
	snprintf(tmpdir, sizeof(tmpdir), "%s/bc-genleak-test-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 1;
	}
	load_communes();
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_seed1_utf8),
		cmocka_unit_test(test_seed2_cp1252),
		cmocka_unit_test(test_determinism),
	};
	ret = cmocka_run_group_tests(tests, NULL, NULL);
	rmdir(tmpdir);
	free(communes);
	return ret;
}
