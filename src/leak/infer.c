/*
 * Files without a header (issue 11, docs/leak-files.md "Files without a
 * header"): each column's role told by its content over the rows of the
 * first buffer. Shapes are tried from the most telling to the least: a NIR
 * with a valid key, an email, a date (birth or sample: birth dates come
 * before sample dates, and stay the same within a patient), a blood group,
 * a sex code, a postcode, a phone (the doctor's repeats across patients), a
 * doctor ("Dr ..."), given names and surnames of data/'s lists, a street, a
 * lab code, a request identifier, free text, a city, an insurer. A role is
 * given only when most non-empty values fit it; the evidence says how many.
 */
#include "leak/internal.h"

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "normalize/normalize.h"
#include "util/digits.h"

extern const char *const leak_names_surnames[];
extern const unsigned leak_names_surnames_n;
extern const char *const leak_names_given[];
extern const unsigned leak_names_given_n;

#define DISTINCT_SLOTS 1024     /* distinct values counted up to half of this per column */
#define PATIENT_SLOTS 4096
#define MAX_DATE_COLS 4

enum shape {
	S_NIR, S_EMAIL, S_DATE, S_BLOOD, S_SEX, S_POSTCODE, S_PHONE, S_DOCTOR, S_GIVEN, S_SURNAME,
	S_STREET, S_STREET_CP, S_CODE, S_TEXT, S_WORDS, S_COUNT
};

struct col_stats {
	unsigned nonempty;
	unsigned shape[S_COUNT];
	unsigned long long year_sum;
	int year_min, year_max;
	unsigned distinct;
	uint32_t seen[DISTINCT_SLOTS];
	unsigned long long len_sum;
};

struct name_set {
	char **canon;
	unsigned n;
};

struct infer {
	struct leak_reader *r;
	unsigned ncols, rows;
	struct col_stats *c;        /* ncols */
	const struct name_set *surnames, *given;
	/* within-patient variation of the date columns */
	int nir_col, date_col[MAX_DATE_COLS], n_date_cols;
	uint64_t pkey[PATIENT_SLOTS];
	uint32_t pdate[PATIENT_SLOTS][MAX_DATE_COLS];
	unsigned pairs[MAX_DATE_COLS], differ[MAX_DATE_COLS];
};

static uint32_t fnv32(const char *s, size_t n)
{
	uint32_t h = 2166136261u;
	size_t i;

	for (i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 16777619u;
	return h ? h : 1;
}

static void trim(const char **s, size_t *n)
{
	while (*n && ((*s)[0] == ' ' || (*s)[0] == '\t' || (*s)[0] == '"'))
		(*s)++, (*n)--;
	while (*n && ((*s)[*n - 1] == ' ' || (*s)[*n - 1] == '\t' || (*s)[*n - 1] == '"' || (*s)[*n - 1] == '\r'))
		(*n)--;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Canonical forms of a list of names (bc_norm_last_name or bc_norm_first_name), sorted. */
static int name_set_init(struct name_set *ns, const char *const *list, unsigned n, int given)
{
	char canon[BC_NAME_MAX];
	unsigned i;

	ns->n = 0;
	ns->canon = calloc(n, sizeof(*ns->canon));
	if (!ns->canon)
		return -1;
	for (i = 0; i < n; i++) {
		int st = given ? bc_norm_first_name(list[i], strlen(list[i]), canon, sizeof(canon))
			       : bc_norm_last_name(list[i], strlen(list[i]), canon, sizeof(canon));

		if (st != BC_NORM_OK || !(ns->canon[ns->n] = strdup(canon)))
			continue;
		ns->n++;
	}
	qsort(ns->canon, ns->n, sizeof(*ns->canon), cmp_str);
	return 0;
}

/* The canonical name lists, built once per process (kept until exit, like a table). */
static struct name_set surnames_set, given_set;
static pthread_once_t names_once = PTHREAD_ONCE_INIT;
static int names_ok;

static void names_init(void)
{
	names_ok = name_set_init(&surnames_set, leak_names_surnames, leak_names_surnames_n, 0) == 0 &&
		   name_set_init(&given_set, leak_names_given, leak_names_given_n, 1) == 0;
}

static int in_set(const struct name_set *ns, const char *s, size_t n, int given)
{
	char canon[BC_NAME_MAX];
	const char *key = canon;
	size_t k;
	int st;

	/* the first word only ("DUPONT épouse MARTIN", "Marie Claire", "Marie, Claire") */
	for (k = 0; k < n && s[k] != ' ' && s[k] != ','; k++)
		;
	if (k == 0 || k >= sizeof(canon))
		return 0;
	st = given ? bc_norm_first_name(s, k, canon, sizeof(canon)) : bc_norm_last_name(s, k, canon, sizeof(canon));
	if (st != BC_NORM_OK)
		return 0;
	return bsearch(&key, ns->canon, ns->n, sizeof(*ns->canon), cmp_str) != NULL;
}

static int is_sex(const char *s, size_t n)
{
	static const char *const codes[] = { "m", "f", "h", "1", "2", "u", "i", "masculin", "feminin",
					     "homme", "femme", "male", "female" };
	size_t i;

	for (i = 0; i < sizeof(codes) / sizeof(codes[0]); i++)
		if (leak_ieq(s, n, codes[i]))
			return 1;
	return n == 8 && !memcmp(s, "F\xc3\xa9minin", 8);
}

/* A, B, AB, O (or 0), then "+", "-", "Rh+", "POS", "NEG" */
static int is_blood(const char *s, size_t n)
{
	size_t i = 0;

	if (i < n && (s[i] == 'A' || s[i] == 'B' || s[i] == 'O' || s[i] == '0')) {
		if (s[i] == 'A' && i + 1 < n && s[i + 1] == 'B')
			i++;
		i++;
	} else {
		return 0;
	}
	while (i < n && s[i] == ' ')
		i++;
	if (i + 2 <= n && (s[i] | 0x20) == 'r' && (s[i + 1] | 0x20) == 'h')
		i += 2;
	while (i < n && s[i] == ' ')
		i++;
	return (n - i == 1 && (s[i] == '+' || s[i] == '-')) || (n - i == 3 && (leak_ieq(s + i, 3, "pos") || leak_ieq(s + i, 3, "neg")));
}

static int is_postcode(const char *s, size_t n)
{
	size_t i;

	if (n != 5)
		return 0;
	for (i = 0; i < 5; i++)
		if (!(s[i] >= '0' && s[i] <= '9') && !(i == 1 && (s[i] == 'A' || s[i] == 'B')))
			return 0;
	return (s[0] != '0' || s[1] != '0') && !(s[0] == '9' && s[1] == '9');
}

static unsigned digits_in(const char *s, size_t n)
{
	unsigned d = 0;
	size_t i;

	for (i = 0; i < n; i++)
		d += s[i] >= '0' && s[i] <= '9';
	return d;
}

static unsigned words_in(const char *s, size_t n)
{
	unsigned w = 0;
	size_t i;

	for (i = 0; i < n; i++)
		w += (i == 0 || s[i - 1] == ' ') && s[i] != ' ';
	return w;
}

static int has_letter(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (((s[i] | 0x20) >= 'a' && (s[i] | 0x20) <= 'z') || (unsigned char)s[i] >= 0xC3)
			return 1;
	return 0;
}

/* "12 rue ...", "3 bis avenue ...", "place de l'Église": a number then words, or a street word first */
static int is_street(const char *s, size_t n)
{
	static const char *const types[] = { "rue", "avenue", "av", "bd", "boulevard", "chemin", "impasse", "place",
					     "all\303\251e", "allee", "route", "quai", "cours", "square", "passage",
					     "r\303\251sidence", "lotissement", "hameau", "lieu-dit", "cit\303\251" };
	size_t i, k;

	if (n < 5 || words_in(s, n) < 2)
		return 0;
	if (s[0] >= '0' && s[0] <= '9')
		return has_letter(s, n);
	for (k = 0; k < n && s[k] != ' '; k++)
		;
	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (leak_ieq(s, k, types[i]))
			return 1;
	return 0;
}

/* a postcode inside the text: "..., 75011 PARIS 11" (a doctor's address in one field) */
static int has_postcode_inside(const char *s, size_t n)
{
	size_t i;

	for (i = 1; i + 6 < n; i++)
		if (s[i - 1] == ' ' && is_postcode(s + i, 5) && s[i + 5] == ' ')
			return 1;
	return 0;
}

static int is_doctor(const char *s, size_t n)
{
	if (n > 3 && (s[0] == 'D' || s[0] == 'd') && (s[1] == 'r' || s[1] == 'R') && (s[2] == ' ' || s[2] == '.'))
		return 1;
	/* "DUPONT, Jean" */
	return memchr(s, ',', n) && !digits_in(s, n) && words_in(s, n) <= 4;
}

/* letters and digits and '-', no space: "LBM75-01", "D000123" */
static int is_code(const char *s, size_t n)
{
	size_t i;
	int letter = 0, digit = 0;

	if (n < 3 || n > 24)
		return 0;
	for (i = 0; i < n; i++) {
		if (s[i] >= '0' && s[i] <= '9')
			digit = 1;
		else if ((s[i] | 0x20) >= 'a' && (s[i] | 0x20) <= 'z')
			letter = 1;
		else if (s[i] != '-' && s[i] != '_' && s[i] != '/' && s[i] != '.')
			return 0;
	}
	return letter && digit;
}

/* The year of a date (a date of birth or a sample date, 00 day or month allowed), or 0. */
static int date_year(const char *s, size_t n)
{
	char out[BC_DOB_BYTES];
	int y, m, d, st;
	size_t i;

	if (n < 6 || n > 40 || digits_in(s, n) < 4 || has_letter(s, n))
		return 0;
	st = bc_norm_dob(s, n, NULL, out, sizeof(out));
	if (st == BC_NORM_OK)
		return (int)bc_digits(out, 4);
	if (leak_parse_date(s, n, &y, &m, &d) == 0)
		return y;
	if (st != BC_NORM_INCOMPLETE_DATE)
		return 0;
	/* "00/07/1950": the four-digit group */
	for (i = 0; i + 4 <= n; i++)
		if (digits_in(s + i, 4) == 4 && (i + 4 == n || s[i + 4] < '0' || s[i + 4] > '9') &&
		    (i == 0 || s[i - 1] < '0' || s[i - 1] > '9'))
			return (int)bc_digits(s + i, 4);
	return 0;
}

static void count_distinct(struct col_stats *c, const char *s, size_t n)
{
	uint32_t h = fnv32(s, n), i = h % DISTINCT_SLOTS;

	if (c->distinct >= DISTINCT_SLOTS / 2)
		return;
	while (c->seen[i] && c->seen[i] != h)
		i = (i + 1) % DISTINCT_SLOTS;
	if (!c->seen[i]) {
		c->seen[i] = h;
		c->distinct++;
	}
}

static void classify(struct infer *in, struct col_stats *c, const char *s, size_t n)
{
	char canon[BC_EMAIL_MAX > BC_PHONE_BYTES ? BC_EMAIL_MAX : BC_PHONE_BYTES];
	char nir[BC_NIR_BYTES];
	int had_key = 0, y;

	c->nonempty++;
	c->len_sum += n;
	count_distinct(c, s, n);
	if (bc_norm_nir(s, n, nir, sizeof(nir), &had_key) == BC_NORM_OK && had_key)
		c->shape[S_NIR]++;
	if (memchr(s, '@', n) && bc_norm_email(s, n, canon, sizeof(canon)) == BC_NORM_OK)
		c->shape[S_EMAIL]++;
	if ((y = date_year(s, n)) != 0) {
		c->shape[S_DATE]++;
		c->year_sum += (unsigned)y;
		if (!c->year_min || y < c->year_min)
			c->year_min = y;
		if (y > c->year_max)
			c->year_max = y;
	}
	c->shape[S_BLOOD] += is_blood(s, n);
	c->shape[S_SEX] += is_sex(s, n);
	c->shape[S_POSTCODE] += is_postcode(s, n);
	if (!y && digits_in(s, n) >= 9 && !memchr(s, '@', n) && bc_norm_phone(s, n, canon, sizeof(canon)) == BC_NORM_OK)
		c->shape[S_PHONE]++;
	c->shape[S_DOCTOR] += is_doctor(s, n);
	c->shape[S_GIVEN] += in_set(in->given, s, n, 1);
	c->shape[S_SURNAME] += in_set(in->surnames, s, n, 0);
	if (is_street(s, n)) {
		c->shape[S_STREET]++;
		c->shape[S_STREET_CP] += has_postcode_inside(s, n);
	}
	c->shape[S_CODE] += is_code(s, n);
	c->shape[S_TEXT] += n >= 12 && words_in(s, n) >= 3;
	c->shape[S_WORDS] += has_letter(s, n) && words_in(s, n) <= 4 && digits_in(s, n) <= 2;
}

static void on_row(void *arg, const struct leak_row *row)
{
	struct infer *in = arg;
	unsigned i;
	const char *s;
	size_t n;

	for (i = 0; i < in->ncols && i < row->n; i++) {
		s = row->field[i];
		n = row->len[i];
		trim(&s, &n);
		if (n && !leak_value_is_empty(s, n))
			classify(in, &in->c[i], s, n);
	}
	in->rows++;
}

/* The date as a number (written in any of the forms), so that two spellings of one date compare equal. */
static uint32_t date_key(const char *s, size_t n)
{
	char out[BC_DOB_BYTES];
	int y, m, d;

	if (bc_norm_dob(s, n, NULL, out, sizeof(out)) == BC_NORM_OK)
		return fnv32(out, strlen(out));
	if (leak_parse_date(s, n, &y, &m, &d) == 0)
		return (uint32_t)(y * 10000 + m * 100 + d);
	return fnv32(s, n);
}

/* Second pass: the same patient (same NIR) with another date in a column is a sample date. */
static void on_row_patients(void *arg, const struct leak_row *row)
{
	struct infer *in = arg;
	const char *s;
	size_t n;
	uint64_t key;
	uint32_t h, slot;
	int k, col;

	if ((unsigned)in->nir_col >= row->n)
		return;
	s = row->field[in->nir_col];
	n = row->len[in->nir_col];
	trim(&s, &n);
	if (n < 13)
		return;
	key = ((uint64_t)fnv32(s, n) << 32) | fnv32(s, n > 13 ? 13 : n);
	slot = (uint32_t)(key % PATIENT_SLOTS);
	while (in->pkey[slot] && in->pkey[slot] != key)
		slot = (slot + 1) % PATIENT_SLOTS;
	for (k = 0; k < in->n_date_cols; k++) {
		col = in->date_col[k];
		if ((unsigned)col >= row->n)
			continue;
		s = row->field[col];
		n = row->len[col];
		trim(&s, &n);
		h = date_key(s, n);
		if (!in->pkey[slot]) {
			in->pdate[slot][k] = h;
		} else if (n) {
			in->pairs[k]++;
			in->differ[k] += in->pdate[slot][k] != h;
		}
	}
	in->pkey[slot] = key;
}

static unsigned pct(unsigned a, unsigned b)
{
	return b ? (unsigned)((100ull * a + b / 2) / b) : 0;
}

/* The shape a column fits best, or -1; most telling first. */
static int best_shape(const struct col_stats *c)
{
	static const struct {
		enum shape s;
		unsigned min_pct;
	} order[] = {
		{ S_NIR, 60 }, { S_EMAIL, 60 }, { S_DATE, 80 }, { S_BLOOD, 80 }, { S_SEX, 90 }, { S_POSTCODE, 80 },
		{ S_PHONE, 60 }, { S_STREET_CP, 60 }, { S_DOCTOR, 60 },
	};
	unsigned i;

	for (i = 0; i < sizeof(order) / sizeof(order[0]); i++)
		if (pct(c->shape[order[i].s], c->nonempty) >= order[i].min_pct)
			return (int)order[i].s;
	/* names: the list that matches more */
	if (pct(c->shape[S_GIVEN], c->nonempty) >= 50 && c->shape[S_GIVEN] > c->shape[S_SURNAME])
		return S_GIVEN;
	if (pct(c->shape[S_SURNAME], c->nonempty) >= 40)
		return S_SURNAME;
	if (pct(c->shape[S_STREET], c->nonempty) >= 60)
		return S_STREET;
	if (pct(c->shape[S_CODE], c->nonempty) >= 90)
		return S_CODE;
	if (pct(c->shape[S_TEXT], c->nonempty) >= 50)
		return S_TEXT;
	if (pct(c->shape[S_WORDS], c->nonempty) >= 80)
		return S_WORDS;
	return -1;
}

/* Column i is f: "<pct> % <what> (<a> of <b>)<then>". */
static void say(struct leak_inference *li, unsigned i, enum leak_field f, const char *what, unsigned a,
		unsigned b, const char *then)
{
	li->field[i] = f;
	snprintf(li->evidence[i], sizeof(li->evidence[i]), "%u %% %s (%u of %u)%s", pct(a, b), what, a, b, then);
}

/* Dates: birth dates are earlier and stay the same within a patient; sample dates are recent and vary. */
static void decide_dates(struct infer *in, struct leak_inference *li)
{
	int k, col, by_mean, birth;
	double mean[MAX_DATE_COLS], lo = 1e9;
	const struct col_stats *c;

	for (k = 0; k < in->n_date_cols; k++) {
		c = &in->c[in->date_col[k]];
		mean[k] = (double)c->year_sum / (c->shape[S_DATE] ? c->shape[S_DATE] : 1);
		if (mean[k] < lo)
			lo = mean[k];
	}
	for (k = 0; k < in->n_date_cols; k++) {
		col = in->date_col[k];
		c = &in->c[col];
		/* alone: born before 2000 or spread over more than 20 years */
		by_mean = in->n_date_cols > 1 ? mean[k] == lo : (mean[k] < 2000 || c->year_max - c->year_min > 20);
		birth = by_mean;
		if (in->pairs[k] >= 5)
			birth = birth && pct(in->differ[k], in->pairs[k]) < 10;
		li->field[col] = birth ? LEAK_FIELD_DOB : LEAK_FIELD_SAMPLE_DATE;
		if (in->pairs[k])
			snprintf(li->evidence[col], sizeof(li->evidence[col]),
				 "%u %% dates, years %d-%d (mean %.0f); %s within a patient in %u %% of %u pairs",
				 pct(c->shape[S_DATE], c->nonempty), c->year_min, c->year_max, mean[k],
				 birth ? "the same" : "different", birth ? 100 - pct(in->differ[k], in->pairs[k])
									 : pct(in->differ[k], in->pairs[k]),
				 in->pairs[k]);
		else
			snprintf(li->evidence[col], sizeof(li->evidence[col]),
				 "%u %% dates, years %d-%d (mean %.0f): %s", pct(c->shape[S_DATE], c->nonempty),
				 c->year_min, c->year_max, mean[k], birth ? "the earliest, birth dates" : "recent, samples");
	}
}

/* Two columns of one kind: the fuller is the patient's (or birth name), the other the doctor's (usage name). */
static int fuller(const struct infer *in, int a, int b)
{
	return in->c[a].nonempty >= in->c[b].nonempty ? a : b;
}

static void decide(struct infer *in, struct leak_inference *li)
{
	int shape[LEAK_MAX_COLUMNS], i, j, surname = -1, phone = -1, lo_phone;
	const struct col_stats *c;
	unsigned ne;

	in->nir_col = -1;
	for (i = 0; i < (int)in->ncols; i++) {
		c = &in->c[i];
		ne = c->nonempty;
		shape[i] = ne ? best_shape(c) : -1;
		/* a handful of values tells only the unmistakable shapes; a vague one needs a real sample */
		if ((ne < 4 && shape[i] != S_NIR && shape[i] != S_EMAIL) ||
		    (ne < 20 && (shape[i] == S_WORDS || shape[i] == S_TEXT || shape[i] == S_CODE)))
			shape[i] = -1;
		switch (shape[i]) {
		case S_NIR:
			say(li, (unsigned)i, LEAK_FIELD_NIR, "valid NIR keys", c->shape[S_NIR], ne, "");
			if (in->nir_col < 0)
				in->nir_col = i;
			break;
		case S_EMAIL:
			say(li, (unsigned)i, LEAK_FIELD_EMAIL, "email addresses", c->shape[S_EMAIL], ne, "");
			break;
		case S_DATE:
			if (in->n_date_cols < MAX_DATE_COLS)
				in->date_col[in->n_date_cols++] = i;
			break;
		case S_BLOOD:
			say(li, (unsigned)i, LEAK_FIELD_BLOOD_GROUP, "blood groups", c->shape[S_BLOOD], ne, "");
			break;
		case S_SEX:
			say(li, (unsigned)i, LEAK_FIELD_SEX, "sex codes", c->shape[S_SEX], ne, "");
			break;
		case S_POSTCODE:
			say(li, (unsigned)i, LEAK_FIELD_POSTCODE, "postcodes", c->shape[S_POSTCODE], ne, "");
			/* the city follows its postcode */
			if (i + 1 < (int)in->ncols && in->c[i + 1].nonempty >= 20 && best_shape(&in->c[i + 1]) == S_WORDS)
				say(li, (unsigned)i + 1, LEAK_FIELD_CITY, "place names after a postcode column",
				    in->c[i + 1].shape[S_WORDS], in->c[i + 1].nonempty, "");
			break;
		case S_PHONE:
			if (phone < 0) {
				phone = i;
				say(li, (unsigned)i, LEAK_FIELD_PHONE, "phone numbers", c->shape[S_PHONE], ne, "");
				break;
			}
			/* two phone columns: the doctor's repeats across patients */
			lo_phone = 100u * in->c[i].distinct / (in->c[i].nonempty ? in->c[i].nonempty : 1) <
						   100u * in->c[phone].distinct / (in->c[phone].nonempty ? in->c[phone].nonempty : 1)
					   ? i : phone;
			say(li, (unsigned)(lo_phone == i ? phone : i), LEAK_FIELD_PHONE,
			    "phone numbers", in->c[lo_phone == i ? phone : i].shape[S_PHONE],
			    in->c[lo_phone == i ? phone : i].nonempty, "");
			li->field[lo_phone] = LEAK_FIELD_DOCTOR_PHONE;
			snprintf(li->evidence[lo_phone], sizeof(li->evidence[lo_phone]),
				 "%u %% phone numbers, %u distinct in %u: repeated across patients, a doctor's",
				 pct(in->c[lo_phone].shape[S_PHONE], in->c[lo_phone].nonempty), in->c[lo_phone].distinct,
				 in->c[lo_phone].nonempty);
			break;
		case S_STREET_CP:
			say(li, (unsigned)i, LEAK_FIELD_DOCTOR_ADDRESS,
			    "addresses with their postcode and town in the field",
			    c->shape[S_STREET_CP], ne, "");
			break;
		case S_DOCTOR:
			say(li, (unsigned)i, LEAK_FIELD_DOCTOR, "doctors' names (\"Dr ...\", \"NAME, First\")",
			    c->shape[S_DOCTOR], ne, "");
			break;
		case S_GIVEN:
			say(li, (unsigned)i, LEAK_FIELD_FIRST_NAME, "given names of data/fr_given_names.tsv",
			    c->shape[S_GIVEN], ne, "");
			break;
		case S_SURNAME:
			if (c->distinct * 4 < ne) {
				/* place names are often surnames too (Paris, Nancy): they repeat, surnames do not */
				say(li, (unsigned)i, LEAK_FIELD_CITY, "place names", c->shape[S_WORDS], ne,
				    ", repeated: towns, not surnames");
				break;
			}
			if (surname < 0) {
				surname = i;
				say(li, (unsigned)i, LEAK_FIELD_LAST_NAME, "surnames of data/fr_surnames.tsv",
				    c->shape[S_SURNAME], ne, "");
				break;
			}
			/* a second surname column, filled on fewer rows: the usage (married) name */
			j = fuller(in, surname, i);
			say(li, (unsigned)j, LEAK_FIELD_LAST_NAME, "surnames of data/fr_surnames.tsv",
			    in->c[j].shape[S_SURNAME], in->c[j].nonempty, "");
			j = j == i ? surname : i;
			say(li, (unsigned)j, LEAK_FIELD_USAGE_NAME,
			    "surnames of data/fr_surnames.tsv",
			    in->c[j].shape[S_SURNAME], in->c[j].nonempty, ", on fewer rows: usage names");
			break;
		case S_STREET:
			say(li, (unsigned)i, LEAK_FIELD_ADDRESS, "street addresses", c->shape[S_STREET], ne, "");
			break;
		case S_CODE:
			if (c->distinct <= 64 && c->distinct * 4 <= ne) {
				snprintf(li->evidence[i], sizeof(li->evidence[i]),
					 "%u %% codes, %u distinct over %u rows: lab identifiers", pct(c->shape[S_CODE], ne),
					 c->distinct, ne);
				li->field[i] = LEAK_FIELD_LAB;
			} else if (c->distinct * 10 >= ne * 9 || c->distinct >= DISTINCT_SLOTS / 2) {
				snprintf(li->evidence[i], sizeof(li->evidence[i]),
					 "%u %% codes, nearly all distinct: request identifiers (not a person's)",
					 pct(c->shape[S_CODE], ne));
				snprintf(li->role[i], sizeof(li->role[i]), "request identifier");
				li->field[i] = LEAK_FIELD_IGNORE;
			}
			break;
		case S_TEXT:
			say(li, (unsigned)i, LEAK_FIELD_COMMENT, "free text of three words or more",
			    c->shape[S_TEXT], ne, "");
			break;
		case S_WORDS:
			if (li->field[i] != LEAK_FIELD_NONE)
				break;
			if (c->distinct <= 40 && c->distinct * 4 <= ne)
				say(li, (unsigned)i, LEAK_FIELD_INSURER,
				    "short names from a small set", c->shape[S_WORDS], ne, ": insurers");
			else
				say(li, (unsigned)i, LEAK_FIELD_CITY, "place names", c->shape[S_WORDS], ne, "");
			break;
		default:
			break;
		}
	}
	if (in->n_date_cols && in->nir_col >= 0)
		leak_peek_rows(in->r, LEAK_INFER_SAMPLE_ROWS, on_row_patients, in);
	decide_dates(in, li);
}

void leak_infer_columns(struct leak_reader *r, int apply)
{
	struct leak_inference *li = &r->inference;
	struct infer *in = calloc(1, sizeof(*in));
	unsigned i;

	memset(li, 0, sizeof(*li));
	if (!in)
		return;
	in->r = r;
	in->ncols = r->columns.n;
	in->c = calloc(in->ncols ? in->ncols : 1, sizeof(*in->c));
	if (!in->c || pthread_once(&names_once, names_init) != 0 || !names_ok)
		goto out;
	in->surnames = &surnames_set;
	in->given = &given_set;
	leak_peek_rows(r, LEAK_INFER_SAMPLE_ROWS, on_row, in);
	li->rows = in->rows;
	decide(in, li);
	if (apply) {
		for (i = 0; i < r->columns.n; i++)
			r->columns.field[i] = li->field[i];
		li->applied = 1;
	}
out:
	free(in->c);
	free(in);
}

int leak_inference_write_mapping(const struct leak_reader *r, const char *name, FILE *out)
{
	const struct leak_inference *li = &r->inference;
	unsigned i;

	fprintf(out, "# breachcheck mapping inferred from the content of %s (%u rows examined).\n", name, li->rows);
	fprintf(out, "# Check each column, edit what is wrong, and pass the file with --mapping FILE;\n"
		     "# or accept it as it stands with --mapping auto.\n");
	fprintf(out, "header = %s\n", r->dialect.header ? "yes" : "no");
	fprintf(out, "delimiter = %s\n", leak_delimiter_name(r->dialect.delimiter));
	if (r->dialect.encoding != LEAK_ENC_UTF8 && r->dialect.encoding != LEAK_ENC_UTF8_BOM)
		fprintf(out, "encoding = %s\n", leak_encoding_name(r->dialect.encoding));
	for (i = 0; i < r->columns.n; i++) {
		if (li->field[i] == LEAK_FIELD_NONE) {
			fprintf(out, "# column %u: not recognised; name it (a field, or ignore)\n", i + 1);
			continue;
		}
		fprintf(out, "# %s\ncolumn %u = %s\n", li->evidence[i], i + 1, leak_field_name(li->field[i]));
	}
	return ferror(out) ? -1 : 0;
}
