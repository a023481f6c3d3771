/*
 * bc-genleak: synthetic French medical-lab leak with ground truth (issue 2).
 * Usage, columns, dialects, dirt rates and the ground-truth schema are in
 * docs/genleak.md. Every identity is synthetic: NIR order number 000, emails
 * under example.{fr,com,net,org}, phones in the ARCEP fiction blocks or the
 * unallocated 070-072 mobile range.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "genleak.h"
#include "vocab/vocab.h"

#ifndef GENLEAK_DATA_DIR
#define GENLEAK_DATA_DIR "data"
#endif

#define DEFAULT_ROWS 491839UL
#define N_FIELDS 19
#define FIELD_MAX 512
#define N_LABS 27
#define DOCTORS_PER_DEPT 160
#define EMAIL_MAX 96

enum field {
	F_NAME, F_USAGE, F_FIRST, F_SEX, F_DOB, F_NIR, F_ADDR, F_CP, F_CITY, F_PHONE,
	F_EMAIL, F_BLOOD, F_DOC, F_DOC_ADDR, F_DOC_PHONE, F_INSURER, F_LAB, F_DATE, F_COMMENT
};

static const char *const header_fr[N_FIELDS] = {
	"Nom", "Nom d'usage", "Prénom(s)", "Sexe", "Date de naissance",
	"N° de sécurité sociale", "Adresse", "Code postal", "Ville", "Téléphone", "Email",
	"Groupe sanguin", "Médecin prescripteur", "Adresse médecin", "Téléphone médecin",
	"Mutuelle", "Laboratoire", "Date de prélèvement", "Observations",
};

static const char *const header_abbr[N_FIELDS] = {
	"NOM_NAISSANCE", "NOM_USAGE", "PRENOM", "SEXE", "DDN", "NIR", "ADR", "CP", "VILLE",
	"TEL", "MAIL", "GRP_SANG", "MEDECIN", "ADR_MED", "TEL_MED", "MUTUELLE", "LABO",
	"DATE_PRELEV", "OBS",
};


static const char *const insurers[] = {
	"MGEN", "Harmonie Mutuelle", "Malakoff Humanis", "AG2R La Mondiale", "Mutuelle Générale",
	"MAAF Santé", "Groupama", "AXA Santé", "Swiss Life", "Apivia", "MACIF Mutualité",
	"Klesia", "Mutuelle Bleue", "CSS (complémentaire santé solidaire)", "Aucune", "Smatis",
	"Intériale", "MNT", "Pro BTP", "Allianz",
};
#define N_INSURERS (sizeof(insurers) / sizeof(insurers[0]))

static const char *const blood_abo[] = { "A", "O", "B", "AB" };

/* INSEE codes of foreign countries of birth used in a NIR (99 + country code). */
static const char *const foreign_births[] = {
	"99350", "99352", "99351", "99139", "99134", "99127", "99341", "99335", "99326", "99208",
};
#define N_FOREIGN (sizeof(foreign_births) / sizeof(foreign_births[0]))

static const struct {
	const char *dept;
	int labs;
} lab_depts[6] = { { "75", 6 }, { "35", 4 }, { "59", 5 }, { "69", 5 }, { "13", 4 }, { "33", 3 } };

/* ARCEP numbers reserved for fiction: 10,000 each (prefix + 4 digits). */
static const char *const fiction_blocks[6] = { "063998", "019900", "026191", "035301", "046571", "053649" };
enum { BLOCK_MOBILE = 0 };

enum dialect { D_COMMA_UTF8, D_SEMI_CP1252, D_HPRIM };

/*
 * Structural dirt (issue 11): short rows, long rows, an unquoted delimiter
 * in the comment, no header, shuffled columns, HPRIM. Drawn from its own
 * PRNG, so that the people and the rows are those of the same seed without
 * it; the twin file holds the same rows written cleanly, with what the dirt
 * lost (cut fields, what HPRIM does not carry) left empty.
 */
struct layout {
	double short_rows, long_rows, comment_delim;    /* rates per row */
	int no_header, shuffle;
	int perm[19];               /* written column k holds field perm[k] */
	struct gl_rng rng;
	const char *twin_path, *dirt_path, *mapping_path;
	struct out *twin;
	FILE *dirt;
	unsigned long line;         /* physical line of the next record of the leak */
	unsigned long twin_line;
	unsigned long n[4];         /* rows with: short, long, comment delimiter, hprim continuation */
	int hprim_lab;              /* lab of the open HPRIM message, -1 before the first */
	unsigned hprim_seq;         /* P records in the open message */
};

struct lab {
	char id[16];
	int dept;
	uint64_t weight;
	uint8_t name_upper, name_strip, given_all, given_comma, dob_fmt, date_fmt, nir_spaced,
		phone_fmt, sex_fmt, blood_fmt, doc_fmt, city_upper;
};

struct doctor {
	int surname, given, commune, street, number;
	char phone[11];
};

struct person {
	uint32_t id, household;
	int surname, usage;         /* indexes into surnames; usage -1 if none */
	int given[3];
	uint8_t n_given, sex;       /* sex 1 = M, 2 = F */
	uint8_t bm, bd, dob_unknown; /* dob_unknown: 0, 1 = day unknown, 2 = day and month */
	uint16_t by;
	int32_t dob_days;
	char nir[14];               /* 13-char body or "" */
	int home_commune, street, number, complement;
	int lab;                    /* home lab */
	int doctor;                 /* index into doctors */
	int8_t insurer, blood;      /* -1 none */
	char email[2][EMAIL_MAX];
	uint8_t n_email, shows_email, shows_phone;
	char phone[3][11];
	uint8_t n_phone, phone_land; /* phone_land: bit i set when phone[i] is a landline */
	uint16_t nrows;
	uint16_t hard;              /* HARD_* bits */
	int32_t twin_of, homonym_of;
	uint32_t insured_by;        /* dependant: id of the parent whose NIR most of its rows carry, 0 = none */
	uint32_t parent_nir_rows;   /* rows that carried that parent's NIR */
	char typo[40];              /* a misspelt birth name, emitted at most as this variant */
	/* What the rows carried (ground truth). */
	uint32_t classes;
	uint8_t cats, name_seen, first_seen, dob_seen, email_seen, phone_seen;
	uint32_t key_valid, key_missing, key_wrong, negated, nonmed;
	uint32_t labs;
	int32_t first_day, last_day;
};

enum {
	HARD_TWIN = 1 << 0,
	HARD_HOMONYM = 1 << 1,
	HARD_NAME_IN_FIELD = 1 << 2,
	HARD_MULTI_LAB = 1 << 3,
	HARD_HOUSEHOLD_EMAIL = 1 << 4,
	HARD_HOUSEHOLD_PHONE = 1 << 5,
	HARD_MULTI_VALUE = 1 << 6,
	HARD_MINOR = 1 << 7,
	HARD_USAGE = 1 << 8,
	HARD_DEPENDANT = 1 << 9,
};
#define N_HARD 10
static const char *const hard_names[N_HARD] = {
	"twin", "homonym", "name_in_field", "multi_lab", "household_email", "household_phone",
	"multi_value", "minor", "usage_name", "dependant",
};

struct visit {
	uint32_t person;
	uint8_t lab;
	int32_t day;
	uint32_t tie;
};

/* Open-addressing set of non-zero 64-bit keys. */
struct set64 {
	uint64_t *keys;
	size_t cap, len;
};

struct gen {
	struct gl_data d;
	struct gl_rng rng;
	double dependant_rate;      /* --dependants: probability that a minor is a parent's dependant */
	enum dialect dialect;
	struct lab labs[N_LABS];
	struct gl_sampler lab_sampler;
	struct doctor *doctors;     /* 6 * DOCTORS_PER_DEPT */
	struct person *p;
	size_t n_p, cap_p;
	struct visit *v;
	size_t n_v;
	struct set64 nirs, phones, emails;
	uint32_t block_next[6], block_mult[6], block_off[6];
	uint32_t n_households;
	unsigned long dirt[16];
	struct layout lay;          /* structural dirt, HPRIM (issue 11) */
};

static int set_init(struct set64 *s, size_t cap)
{
	s->cap = cap;
	s->len = 0;
	s->keys = calloc(cap, sizeof(*s->keys));
	return s->keys ? 0 : -1;
}

static void set_release(struct set64 *s)
{
	free(s->keys);
	s->keys = NULL;
}

/* Returns 1 if added, 0 if already present, -1 on allocation failure. */
static int set_add(struct set64 *s, uint64_t k)
{
	if (!k)
		k = 1;
	if (2 * (s->len + 1) > s->cap) {
		struct set64 n;

		if (set_init(&n, s->cap * 2))
			return -1;
		for (size_t i = 0; i < s->cap; i++)
			if (s->keys[i])
				set_add(&n, s->keys[i]);
		free(s->keys);
		*s = n;
	}
	size_t i = (size_t)(k * 0x9e3779b97f4a7c15ULL) & (s->cap - 1);

	while (s->keys[i]) {
		if (s->keys[i] == k)
			return 0;
		i = (i + 1) & (s->cap - 1);
	}
	s->keys[i] = k;
	s->len++;
	return 1;
}

static uint64_t fnv64(const char *s, size_t n, uint64_t h)
{
	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

#define FNV_INIT 0xcbf29ce484222325ULL

/* ---- Civil dates (proleptic Gregorian), days since 1970-01-01. ---- */

static int32_t days_from_civil(int y, int m, int d)
{
	y -= m <= 2;
	int era = (y >= 0 ? y : y - 399) / 400;
	int yoe = y - era * 400;
	int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

	return era * 146097 + doe - 719468;
}

static void civil_from_days(int32_t z, int *y, int *m, int *d)
{
	z += 719468;
	int era = (z >= 0 ? z : z - 146096) / 146097;
	int doe = z - era * 146097;
	int yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int mp = (5 * doy + 2) / 153;

	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp + (mp < 10 ? 3 : -9);
	*y = yoe + era * 400 + (*m <= 2);
}

/* ---- Small string helpers on FIELD_MAX buffers. ---- */

static void fset(char *f, const char *s)
{
	gl_fmt(f, FIELD_MAX, "%s", s);
}

static void fappend(char *f, const char *s)
{
	size_t n = strlen(f);

	gl_fmt(f + n, FIELD_MAX - n, "%s", s);
}

/* Replace the occurrence of `from` at position pos by `to`. */
static void freplace_at(char *f, size_t pos, size_t from_len, const char *to)
{
	char tmp[FIELD_MAX];

	gl_fmt(tmp, sizeof(tmp), "%.*s%s%s", (int)pos, f, to, f + pos + from_len);
	fset(f, tmp);
}

static void freplace_all(char *f, const char *from, const char *to)
{
	size_t fl = strlen(from), tl = strlen(to), pos = 0;
	char *hit;

	while ((hit = strstr(f + pos, from)) != NULL) {
		pos = (size_t)(hit - f);
		freplace_at(f, pos, fl, to);
		pos += tl;
	}
}

static size_t count_char(const char *s, char c)
{
	size_t n = 0;

	for (; *s; s++)
		n += *s == c;
	return n;
}

/* Position of the k-th occurrence (0-based) of c in s. */
static size_t nth_char(const char *s, char c, size_t k)
{
	for (size_t i = 0; s[i]; i++)
		if (s[i] == c && k-- == 0)
			return i;
	return 0;
}

/* ---- Phones. ---- */

static int block_number(struct gen *g, int b, char out[11])
{
	if (g->block_next[b] >= 10000)
		return -1;
	uint32_t i = (g->block_next[b]++ * g->block_mult[b] + g->block_off[b]) % 10000;

	gl_fmt(out, 11, "%s%04u", fiction_blocks[b], (unsigned)i);
	set_add(&g->phones, strtoull(out, NULL, 10));
	return 0;
}

static void mobile_number(struct gen *g, char out[11])
{
	if (gl_rng_chance(&g->rng, 0.03) && block_number(g, BLOCK_MOBILE, out) == 0)
		return;
	for (;;) {
		uint32_t n = gl_rng_below(&g->rng, 30000000);

		gl_fmt(out, 11, "07%08u", (unsigned)n);
		if (set_add(&g->phones, strtoull(out, NULL, 10)) == 1)
			return;
	}
}

/* Landline of a département's zone, or -1 (overseas, or the block is used up). */
static int landline_number(struct gen *g, int dept, char out[11])
{
	const char *pp = g->d.depts[dept].phone_prefix;

	if (strlen(pp) != 2 || pp[1] < '1' || pp[1] > '5')
		return -1;
	return block_number(g, pp[1] - '0', out);
}

static void phone_e164(const char nat[11], char out[17])
{
	if (strncmp(nat, "0639", 4) == 0)
		gl_fmt(out, 17, "+262%s", nat + 1);
	else
		gl_fmt(out, 17, "+33%s", nat + 1);
}

static void phone_format(const char nat[11], int fmt, char *out, size_t outsize)
{
	const char *n = nat;

	switch (fmt) {
	case 1:
		gl_fmt(out, outsize, "%s", n);
		break;
	case 2:
		gl_fmt(out, outsize, "%.2s.%.2s.%.2s.%.2s.%.2s", n, n + 2, n + 4, n + 6, n + 8);
		break;
	case 3:
		gl_fmt(out, outsize, "+33 %.1s %.2s %.2s %.2s %.2s", n + 1, n + 2, n + 4, n + 6, n + 8);
		break;
	case 4:
		gl_fmt(out, outsize, "0033%s", n + 1);
		break;
	case 5:
		gl_fmt(out, outsize, "+33 (0)%.1s %.2s %.2s %.2s %.2s", n + 1, n + 2, n + 4, n + 6, n + 8);
		break;
	case 6:
		gl_fmt(out, outsize, "%.2s-%.2s-%.2s-%.2s-%.2s", n, n + 2, n + 4, n + 6, n + 8);
		break;
	default:
		gl_fmt(out, outsize, "%.2s %.2s %.2s %.2s %.2s", n, n + 2, n + 4, n + 6, n + 8);
		break;
	}
}

/* ---- NIR. ---- */

static int nir_key13(const char body[13])
{
	uint64_t v = 0;

	for (int i = 0; i < 13; i++) {
		if (i == 5 && body[5] == '2' && (body[6] == 'A' || body[6] == 'B')) {
			v = v * 100 + (body[6] == 'A' ? 19 : 18);
			i++;
			continue;
		}
		v = v * 10 + (uint64_t)(body[i] - '0');
	}
	return (int)(97 - v % 97);
}

static int make_nir(struct gen *g, struct person *p, const char *insee)
{
	char body[14];

	gl_fmt(body, sizeof(body), "%d%02d%02d%.5s000", p->sex, p->by % 100, p->bm, insee);
	int r = set_add(&g->nirs, fnv64(body, 13, FNV_INIT));

	if (r == 1)
		memcpy(p->nir, body, 14);
	return r;
}

static const char *draw_birthplace(struct gen *g, int home_dept, double p_home)
{
	double u = gl_rng_unit(&g->rng);
	int dept;

	if (u < p_home)
		dept = home_dept;
	else if (u < 0.93)
		dept = (int)gl_sampler_draw(&g->d.dept_sampler, &g->rng);
	else
		return foreign_births[gl_rng_below(&g->rng, N_FOREIGN)];
	const struct gl_dept *dp = &g->d.depts[dept];

	return g->d.communes[dp->first_commune + gl_sampler_draw(&dp->communes, &g->rng)].insee;
}

/* A NIR no other person holds: clashes move the birthplace to another commune. */
static int assign_nir(struct gen *g, struct person *p, int home_dept, double p_home)
{
	const char *insee = draw_birthplace(g, home_dept, p_home);

	for (int tries = 0; tries < 1000; tries++) {
		int r = make_nir(g, p, insee);

		if (r != 0)
			return r < 0 ? -1 : 0;
		insee = draw_birthplace(g, tries < 20 ? home_dept : 0, tries < 20 ? 0.8 : 0.0);
	}
	return -1;
}

/* ---- People. ---- */

static int draw_given(struct gen *g, int sex)
{
	int s = sex == 2;

	return (int)g->d.given_idx[s][gl_sampler_draw(&g->d.given_sampler[s], &g->rng)];
}

static int draw_surname(struct gen *g)
{
	return (int)gl_sampler_draw(&g->d.surname_sampler, &g->rng);
}

static int adult_age(struct gen *g)
{
	static const int lo[5] = { 18, 30, 45, 60, 75 }, hi[5] = { 29, 44, 59, 74, 98 };
	static const double cum[5] = { 0.16, 0.40, 0.65, 0.87, 1.0 };
	double u = gl_rng_unit(&g->rng);
	int b = 0;

	while (b < 4 && u >= cum[b])
		b++;
	return lo[b] + (int)gl_rng_below(&g->rng, (uint32_t)(hi[b] - lo[b] + 1));
}

static const int32_t REF_Y = 2018;

static void set_dob(struct gen *g, struct person *p, int age)
{
	int32_t ref = days_from_civil(REF_Y, 7, 1);
	int32_t dob = ref - (int32_t)(age * 365.25) - (int32_t)gl_rng_below(&g->rng, 365);
	int y, m, d;

	civil_from_days(dob, &y, &m, &d);
	p->by = (uint16_t)y;
	p->bm = (uint8_t)m;
	p->bd = (uint8_t)d;
	p->dob_days = dob;
}

static struct person *new_person(struct gen *g)
{
	struct person *p = &g->p[g->n_p];

	memset(p, 0, sizeof(*p));
	p->id = (uint32_t)++g->n_p;
	p->usage = -1;
	p->insurer = p->blood = -1;
	p->twin_of = p->homonym_of = 0;
	return p;
}

static void draw_given_names(struct gen *g, struct person *p)
{
	double u = gl_rng_unit(&g->rng);

	p->n_given = u < 0.45 ? 1 : u < 0.88 ? 2 : 3;
	p->given[0] = draw_given(g, p->sex);
	for (int i = 1; i < p->n_given; i++) {
		int x;

		do
			x = draw_given(g, p->sex);
		while (x == p->given[0]);
		p->given[i] = x;
	}
}

static void email_local(struct gen *g, const struct person *p, char *out, size_t outsize)
{
	char gn[64], sn[64];
	uint32_t shape = gl_rng_below(&g->rng, 100);

	gl_ascii_fold(g->d.given[p->given[0]].name, gn, sizeof(gn));
	gl_ascii_fold(g->d.surnames[p->surname].name, sn, sizeof(sn));
	if (p->usage >= 0 && gl_rng_chance(&g->rng, 0.5))
		gl_ascii_fold(g->d.surnames[p->usage].name, sn, sizeof(sn));
	if (shape < 35)
		gl_fmt(out, outsize, "%s.%s", gn, sn);
	else if (shape < 45)
		gl_fmt(out, outsize, "%s%s", gn, sn);
	else if (shape < 53)
		gl_fmt(out, outsize, "%c.%s", gn[0], sn);
	else if (shape < 61)
		gl_fmt(out, outsize, "%c%s", gn[0], sn);
	else if (shape < 69)
		gl_fmt(out, outsize, "%s.%s", sn, gn);
	else if (shape < 79)
		gl_fmt(out, outsize, "%s.%s%02u", gn, sn, (unsigned)gl_rng_below(&g->rng, 100));
	else if (shape < 87)
		gl_fmt(out, outsize, "%s%02d", gn, p->by % 100);
	else if (shape < 92)
		gl_fmt(out, outsize, "%s_%s", gn, sn);
	else
		gl_fmt(out, outsize, "%s%03u", sn, (unsigned)gl_rng_below(&g->rng, 1000));
}

/* gmail.com -> gmail.example.com; TLDs other than fr/com/net/org -> .example.org. */
static void email_domain(struct gen *g, char *out, size_t outsize)
{
	const char *dom = g->d.domains[gl_sampler_draw(&g->d.domain_sampler, &g->rng)];
	const char *dot = strrchr(dom, '.');
	const char *tld = dot ? dot + 1 : "org";
	int lab_len = dot ? (int)(dot - dom) : (int)strlen(dom);

	if (strcmp(tld, "fr") && strcmp(tld, "com") && strcmp(tld, "net") && strcmp(tld, "org"))
		tld = "org";
	gl_fmt(out, outsize, "%.*s.example.%s", lab_len, dom, tld);
}

/* A unique address for p (or for a household when local is given). */
static void make_email(struct gen *g, const struct person *p, const char *local, char out[EMAIL_MAX])
{
	char loc[64], dom[48];

	if (local)
		gl_fmt(loc, sizeof(loc), "%s", local);
	else
		email_local(g, p, loc, sizeof(loc));
	email_domain(g, dom, sizeof(dom));
	for (int tries = 0;; tries++) {
		if (tries == 0)
			gl_fmt(out, EMAIL_MAX, "%s@%s", loc, dom);
		else
			gl_fmt(out, EMAIL_MAX, "%s%u@%s", loc, (unsigned)gl_rng_below(&g->rng, tries < 5 ? 100 : 100000), dom);
		if (set_add(&g->emails, fnv64(out, strlen(out), FNV_INIT)) == 1)
			return;
	}
}

static int draw_rows(struct gen *g)
{
	static const int lo[8] = { 1, 2, 3, 4, 5, 6, 9, 16 }, hi[8] = { 1, 2, 3, 4, 5, 8, 15, 30 };
	static const double cum[8] = { 0.52, 0.72, 0.82, 0.88, 0.92, 0.97, 0.995, 1.0 };
	double u = gl_rng_unit(&g->rng);
	int b = 0;

	while (b < 7 && u >= cum[b])
		b++;
	return lo[b] + (int)gl_rng_below(&g->rng, (uint32_t)(hi[b] - lo[b] + 1));
}

static int32_t draw_sample_day(struct gen *g, int32_t not_before)
{
	static const double cum[6] = { 0.04, 0.10, 0.22, 0.58, 0.92, 1.0 };
	int32_t start = days_from_civil(2015, 1, 1), end = days_from_civil(2020, 12, 31);
	double u = gl_rng_unit(&g->rng);
	int b = 0;

	while (b < 5 && u >= cum[b])
		b++;
	int32_t y0 = days_from_civil(2015 + b, 1, 1), y1 = days_from_civil(2016 + b, 1, 1);
	int32_t day = y0 + (int32_t)gl_rng_below(&g->rng, (uint32_t)(y1 - y0));

	if (day < not_before) {
		if (not_before < start)
			not_before = start;
		day = not_before + (int32_t)gl_rng_below(&g->rng, (uint32_t)(end - not_before + 1));
	}
	return day;
}

static int lab_in_dept(struct gen *g, int dept_slot)
{
	int first = 0;

	for (int i = 0; i < dept_slot; i++)
		first += lab_depts[i].labs;
	return first + (int)gl_rng_below(&g->rng, (uint32_t)lab_depts[dept_slot].labs);
}

static int lab_slot(int lab)
{
	int s = 0;

	for (int first = 0; s < 6; s++) {
		first += lab_depts[s].labs;
		if (lab < first)
			break;
	}
	return s;
}

/* ---- Households. ---- */

struct household {
	int lab, dept, commune, street, number, complement;
	char landline[11];
	int has_land;
};

static int add_visits(struct gen *g, struct person *p, unsigned long *rows_left)
{
	int n = draw_rows(g);

	if (p->hard & HARD_MINOR && n > 3)
		n = 1 + n % 3;
	if ((unsigned long)n > *rows_left)
		n = (int)*rows_left;
	p->nrows = (uint16_t)n;
	*rows_left -= (unsigned long)n;
	int slot = lab_slot(p->lab);
	int wander = n >= 3 && gl_rng_chance(&g->rng, 0.06);

	for (int i = 0; i < n; i++) {
		struct visit *v = &g->v[g->n_v++];
		double u = gl_rng_unit(&g->rng);

		v->person = p->id - 1;
		if (wander && i < 3)
			v->lab = (uint8_t)(i == 0 ? (uint32_t)p->lab : gl_rng_below(&g->rng, N_LABS));
		else if (u < 0.85)
			v->lab = (uint8_t)p->lab;
		else if (u < 0.97)
			v->lab = (uint8_t)lab_in_dept(g, slot);
		else
			v->lab = (uint8_t)gl_sampler_draw(&g->lab_sampler, &g->rng);
		v->day = draw_sample_day(g, p->dob_days);
		v->tie = (uint32_t)gl_rng_next(&g->rng);
	}
	return n;
}

static void person_common(struct gen *g, struct person *p, const struct household *h)
{
	int age_ref = REF_Y - p->by;

	p->household = g->n_households;
	p->home_commune = h->commune;
	p->street = h->street;
	p->number = h->number;
	p->complement = h->complement;
	p->lab = h->lab;
	p->doctor = lab_slot(h->lab) * DOCTORS_PER_DEPT + (int)gl_rng_below(&g->rng, DOCTORS_PER_DEPT);
	p->insurer = gl_rng_chance(&g->rng, 0.85) ? (int8_t)gl_rng_below(&g->rng, N_INSURERS) : -1;
	if (gl_rng_chance(&g->rng, 0.66)) {
		/* A+ 38, A- 7, O+ 36, O- 6, B+ 8, B- 1, AB+ 3, AB- 1 (French shares, rounded). */
		static const uint64_t cum[8] = { 38, 45, 81, 87, 95, 96, 99, 100 };
		uint64_t x = gl_rng_below(&g->rng, 100);
		int b = 0;

		while (x >= cum[b])
			b++;
		p->blood = (int8_t)b;
	}
	if (age_ref >= 40 && gl_rng_chance(&g->rng, 0.01))
		p->dob_unknown = gl_rng_chance(&g->rng, 0.7) ? 1 : 2;
}

/* Email and own mobile for an adult or teenager. */
static void person_contacts(struct gen *g, struct person *p, int age)
{
	double p_mob = age >= 18 ? 0.86 : age >= 13 ? 0.5 : 0.0;
	double p_mail = age >= 18 ? (age > 75 ? 0.45 : 0.78) : age >= 15 ? 0.3 : 0.0;

	if (gl_rng_chance(&g->rng, p_mob)) {
		mobile_number(g, p->phone[p->n_phone]);
		p->n_phone++;
		if (age >= 25 && gl_rng_chance(&g->rng, 0.04)) {
			mobile_number(g, p->phone[p->n_phone]);
			p->n_phone++;
		}
	}
	if (gl_rng_chance(&g->rng, p_mail)) {
		make_email(g, p, NULL, p->email[p->n_email++]);
		if (age >= 25 && gl_rng_chance(&g->rng, 0.05))
			make_email(g, p, NULL, p->email[p->n_email++]);
	}
}

static void add_landline(struct person *p, const struct household *h)
{
	if (!h->has_land || p->n_phone >= 3)
		return;
	memcpy(p->phone[p->n_phone], h->landline, 11);
	p->phone_land |= (uint8_t)(1u << p->n_phone);
	p->n_phone++;
}

/*
 * Dependants (--dependants P): a minor is, with probability P, insured as
 * its parent's dependant, and 85 % of its rows then carry that parent's NIR
 * (the "ayant droit" of French health insurance), the rest its own NIR when
 * it has one. Ground truth: "insured_by" and "parent_nir_rows". No draw is
 * made when P is 0, so the file is byte for byte the one without the option.
 */
static void choose_dependants(struct gen *g, struct person **m, int nm, int n_adults)
{
	if (g->dependant_rate <= 0 || n_adults < 1)
		return;
	for (int i = n_adults; i < nm; i++) {
		struct person *c = m[i];
		struct person *par = m[n_adults > 1 && gl_rng_chance(&g->rng, 0.3) ? 1 : 0];

		if (!(c->hard & HARD_MINOR) || !par->nir[0] || !gl_rng_chance(&g->rng, g->dependant_rate))
			continue;
		c->insured_by = par->id;
		c->hard |= HARD_DEPENDANT;
	}
}

/* The NIR a row of p carries: its own, or its insured parent's. */
static const char *row_nir(struct gen *g, const struct person *p)
{
	if (p->insured_by && (!p->nir[0] || gl_rng_chance(&g->rng, 0.85)))
		return g->p[p->insured_by - 1].nir;
	return p->nir;
}

static int gen_household(struct gen *g, unsigned long *rows_left)
{
	struct household h;
	struct person *m[6];
	int nm = 0, ages[6];
	double u = gl_rng_unit(&g->rng);
	int type = u < 0.66 ? 0 : u < 0.82 ? 1 : u < 0.93 ? 2 : 3; /* single, couple, couple+kids, parent+kids */

	memset(&h, 0, sizeof(h));
	/* Room for the whole household first: m[] holds pointers into g->p. */
	if (g->n_p + 8 > g->cap_p) {
		size_t ncap = g->cap_p ? g->cap_p * 2 : 65536;
		struct person *np = realloc(g->p, ncap * sizeof(*np));

		if (!np)
			return -1;
		g->p = np;
		g->cap_p = ncap;
	}
	g->n_households++;
	h.lab = (int)gl_sampler_draw(&g->lab_sampler, &g->rng);
	h.dept = g->labs[h.lab].dept;
	if (gl_rng_chance(&g->rng, 0.08))
		h.dept = (int)gl_sampler_draw(&g->d.dept_sampler, &g->rng);
	{
		const struct gl_dept *dp = &g->d.depts[h.dept];

		h.commune = (int)(dp->first_commune + gl_sampler_draw(&dp->communes, &g->rng));
	}
	h.street = (int)gl_rng_below(&g->rng, (uint32_t)g->d.n_streets);
	h.number = 1 + (int)gl_rng_below(&g->rng, gl_rng_chance(&g->rng, 0.7) ? 60 : 250);
	h.complement = gl_rng_chance(&g->rng, 0.08) ? 1 + (int)gl_rng_below(&g->rng, 6) : 0;
	if (gl_rng_chance(&g->rng, type == 0 ? 0.10 : 0.22))
		h.has_land = landline_number(g, h.dept, h.landline) == 0;

	/* First adult. */
	struct person *a = new_person(g);

	if (!a)
		return -1;
	a->sex = (type == 1 || type == 2) ? 1 : (gl_rng_chance(&g->rng, type == 3 ? 0.85 : 0.58) ? 2 : 1);
	ages[nm] = adult_age(g);
	if (type >= 2 && ages[nm] > 60)
		ages[nm] = 25 + (int)gl_rng_below(&g->rng, 30);
	m[nm++] = a;
	a->surname = draw_surname(g);
	draw_given_names(g, a);
	set_dob(g, a, ages[0]);
	if (type == 0 && g->n_p > 1000 && gl_rng_chance(&g->rng, 0.002)) {
		/* An unrelated patient with the same name and date of birth. */
		const struct person *o = &g->p[gl_rng_below(&g->rng, (uint32_t)(g->n_p - 1))];

		if (REF_Y - o->by >= 18) {
			a->sex = o->sex;
			a->surname = o->surname;
			a->n_given = o->n_given;
			memcpy(a->given, o->given, sizeof(a->given));
			a->by = o->by;
			a->bm = o->bm;
			a->bd = o->bd;
			a->dob_days = o->dob_days;
			ages[0] = REF_Y - o->by;
			a->homonym_of = (int32_t)o->id;
			a->hard |= HARD_HOMONYM;
		}
	}
	if (a->sex == 2 && ages[0] >= 25 && type != 3 && gl_rng_chance(&g->rng, 0.4))
		a->usage = draw_surname(g);
	if (a->sex == 2 && type == 3 && gl_rng_chance(&g->rng, 0.3))
		a->usage = draw_surname(g);

	if (type == 1 || type == 2) {
		struct person *b = new_person(g);

		if (!b)
			return -1;
		b->sex = gl_rng_chance(&g->rng, 0.97) ? 2 : 1;
		ages[nm] = ages[0] - 4 + (int)gl_rng_below(&g->rng, 8);
		if (ages[nm] < 18)
			ages[nm] = 18;
		m[nm++] = b;
		b->surname = draw_surname(g);
		draw_given_names(g, b);
		set_dob(g, b, ages[1]);
		if (b->sex == 2 && a->sex == 1 && ages[1] >= 21 && gl_rng_chance(&g->rng, 0.6))
			b->usage = a->surname;
	}
	if (type >= 2) {
		int nk = 1 + (gl_rng_chance(&g->rng, 0.55) ? 0 : gl_rng_chance(&g->rng, 0.75) ? 1 : 2);
		int max_age = ages[0] - 20;
		int twins = nk >= 2 && gl_rng_chance(&g->rng, 0.05);

		if (max_age > 24)
			max_age = 24;
		if (max_age < 0)
			max_age = 0;
		for (int k = 0; k < nk; k++) {
			struct person *c = new_person(g);

			if (!c)
				return -1;
			int age = (int)gl_rng_below(&g->rng, (uint32_t)max_age + 1);

			c->surname = m[0]->sex == 1 || gl_rng_chance(&g->rng, 0.7) ? m[0]->surname : draw_surname(g);
			c->sex = gl_rng_chance(&g->rng, 0.5) ? 2 : 1;
			if (!(twins && k == 1))
				draw_given_names(g, c);
			if (twins && k == 1) {
				struct person *t = m[nm - 1];
				const char *gn0, *hy;
				int found = -1;

				if (gl_rng_chance(&g->rng, 0.2)) {
					/* Parents of twins fond of compound names (Jean-Pierre and Jean-Marc). */
					for (int tries = 0; tries < 500; tries++) {
						int x = draw_given(g, t->sex);

						if (strchr(g->d.given[x].name, '-')) {
							t->given[0] = x;
							break;
						}
					}
				}
				gn0 = g->d.given[t->given[0]].name;
				hy = strchr(gn0, '-');

				age = REF_Y - t->by;
				c->twin_of = (int32_t)t->id;
				t->twin_of = (int32_t)c->id;
				c->hard |= HARD_TWIN;
				t->hard |= HARD_TWIN;
				if (hy && gl_rng_chance(&g->rng, 0.8)) {
					/* Same sex, compound names reducing to the same first given name. */
					size_t plen = (size_t)(hy - gn0) + 1;
					int sx = t->sex == 2;

					for (int tries = 0; tries < 2000 && found < 0; tries++) {
						size_t gi = g->d.given_idx[sx][gl_rng_below(&g->rng, (uint32_t)g->d.n_given_idx[sx])];

						if ((int)gi != t->given[0] && strncmp(g->d.given[gi].name, gn0, plen) == 0)
							found = (int)gi;
					}
				}
				c->sex = found >= 0 ? t->sex : (uint8_t)(3 - t->sex);
				draw_given_names(g, c);
				if (found >= 0)
					c->given[0] = found;
				c->by = t->by;
				c->bm = t->bm;
				c->bd = t->bd;
				c->dob_days = t->dob_days;
			} else {
				set_dob(g, c, age);
			}
			ages[nm] = age;
			if (age < 18)
				c->hard |= HARD_MINOR;
			m[nm++] = c;
		}
	}
	for (int i = 0; i < nm; i++) {
		struct person *p = m[i];

		person_common(g, p, &h);
		if (assign_nir(g, p, g->d.communes[h.commune].dept, ages[i] < 30 ? 0.75 : 0.5) < 0)
			return -1;
		if (gl_rng_chance(&g->rng, 0.013))
			p->nir[0] = '\0';
		if (p->usage >= 0)
			p->hard |= HARD_USAGE;
		person_contacts(g, p, ages[i]);
	}
	/* Household sharing: one address for the couple, landline and parents' email for children. */
	if (nm >= 2 && m[0]->n_email && m[1]->n_email && gl_rng_chance(&g->rng, 0.25) && (type == 1 || type == 2)) {
		memcpy(m[1]->email[0], m[0]->email[0], EMAIL_MAX);
	}
	for (int i = 0; i < nm; i++) {
		struct person *p = m[i];

		if (h.has_land && (p->n_phone == 0 || gl_rng_chance(&g->rng, 0.4))) {
			add_landline(p, &h);
		}
		if ((p->hard & HARD_MINOR) && p->n_email == 0 && m[0]->n_email && gl_rng_chance(&g->rng, 0.45)) {
			memcpy(p->email[p->n_email++], m[0]->email[0], EMAIL_MAX);
		}
		p->shows_email = p->n_email && gl_rng_chance(&g->rng, 0.94);
		p->shows_phone = p->n_phone && gl_rng_chance(&g->rng, 0.86);
	}
	choose_dependants(g, m, nm, type == 0 || type == 3 ? 1 : 2);
	for (int i = 0; i < nm && *rows_left; i++)
		add_visits(g, m[i], rows_left);
	/* Members left without a visit (the file ends) are dropped. */
	while (g->n_p && g->p[g->n_p - 1].nrows == 0)
		g->n_p--;
	return 0;
}

/* ---- Rows. ---- */

struct row {
	char f[N_FIELDS][FIELD_MAX];
};

static void fmt_date(char *out, int y, int m, int d, int fmt)
{
	switch (fmt) {
	case 1:
		gl_fmt(out, FIELD_MAX, "%04d-%02d-%02d", y, m, d);
		break;
	case 2:
		gl_fmt(out, FIELD_MAX, "%04d-%02d-%02d 00:00:00", y, m, d);
		break;
	case 3:
		gl_fmt(out, FIELD_MAX, "%d/%d/%04d", d, m, y);
		break;
	case 4:
		gl_fmt(out, FIELD_MAX, "%02d-%02d-%04d", d, m, y);
		break;
	case 5:
		gl_fmt(out, FIELD_MAX, "%02d.%02d.%04d", d, m, y);
		break;
	case 6:
		gl_fmt(out, FIELD_MAX, "%02d%02d%04d", d, m, y);
		break;
	case 7:
		gl_fmt(out, FIELD_MAX, "%04d%02d%02d", y, m, d);
		break;
	case 8:
		gl_fmt(out, FIELD_MAX, "%02d/%02d/%02d", d, m, y % 100);
		break;
	case 9:
		gl_fmt(out, FIELD_MAX, "%02d-%02d-%02d", d, m, y % 100);
		break;
	default:
		gl_fmt(out, FIELD_MAX, "%02d/%02d/%04d", d, m, y);
		break;
	}
}

static void city_name(const char *name, int upper, char *out)
{
	char tmp[FIELD_MAX];
	const char *arr = strstr(name, " Arrondissement");

	gl_fmt(tmp, sizeof(tmp), "%s", name);
	if (arr) {
		/* "Paris 11e Arrondissement" -> "Paris" (or "PARIS 11" in upper-case exports). */
		char *sp = strchr(tmp, ' ');
		int num = sp ? atoi(sp + 1) : 0;

		if (sp)
			*sp = '\0';
		if (upper && num) {
			char t2[FIELD_MAX];

			gl_fmt(t2, sizeof(t2), "%s %d", tmp, num);
			fset(tmp, t2);
		}
	}
	if (upper)
		gl_upper(tmp, out, FIELD_MAX, 1);
	else
		fset(out, tmp);
}

static void address(struct gen *g, int street, int number, int complement, int comma, char *out)
{
	static const char *const compl[7] = { "", "Bât. B", "Appt 12", "Résidence les Pins", "Esc. C, 3e étage",
		"Chez Mme Durand", "Lot. Les Tilleuls" };
	const struct gl_street *s = &g->d.streets[street];
	int bis = number % 17 == 3;

	gl_fmt(out, FIELD_MAX, "%d%s%s %s %s", number, bis ? " bis" : "", comma ? "," : "", s->type, s->name);
	if (complement) {
		double u = gl_rng_unit(&g->rng);

		fappend(out, u < 0.4 ? "\n" : u < 0.7 ? " - " : ", ");
		fappend(out, compl[complement]);
	}
}

/* Dirt counters (reported with --stats). */
enum {
	DIRT_UPPER, DIRT_MOJIBAKE, DIRT_NBSP, DIRT_DOUBLE_SPACE, DIRT_HYPHEN, DIRT_APOS,
	DIRT_NIR_FORMAT, DIRT_NIR_NOKEY, DIRT_NIR_WRONGKEY, DIRT_DATE_FORMAT, DIRT_DATE_00,
	DIRT_EMPTY, DIRT_NAME_IN_FIELD, DIRT_MULTI, DIRT_TYPO, DIRT_COUNT
};
static const char *const dirt_names[DIRT_COUNT] = {
	"upper_no_accents", "mojibake", "nbsp", "double_space", "hyphen_space", "typographic_apostrophe",
	"nir_format", "nir_no_key", "nir_wrong_key", "date_format", "date_00", "empty_field",
	"name_in_field", "multi_value", "name_typo",
};

static void name_typo(struct gen *g, struct person *p, char *f)
{
	size_t n = strlen(f);
	char tmp[FIELD_MAX], canon[64];

	if (n < 4)
		return;
	size_t i = 1 + gl_rng_below(&g->rng, (uint32_t)(n - 2));

	if ((unsigned char)f[i] >= 0x80 || (unsigned char)f[i - 1] >= 0x80 || f[i] == ' ' || f[i] == '-' || f[i] == '\'')
		return;
	if (gl_rng_chance(&g->rng, 0.5))
		gl_fmt(tmp, sizeof(tmp), "%.*s%s", (int)i, f, f + i + 1);  /* dropped letter */
	else
		gl_fmt(tmp, sizeof(tmp), "%.*s%c%s", (int)i + 1, f, f[i], f + i + 1); /* doubled */
	gl_canon_name(tmp, canon, sizeof(canon));
	if (p->typo[0] == '\0')
		gl_fmt(p->typo, sizeof(p->typo), "%s", canon);
	else if (strcmp(p->typo, canon) != 0)
		return;
	fset(f, tmp);
	p->name_seen |= 4;
	g->dirt[DIRT_TYPO]++;
}

static void build_row(struct gen *g, const struct visit *v, struct row *r, uint32_t *cls, int *cat)
{
	struct person *p = &g->p[v->person];
	const struct lab *lb = &g->labs[v->lab];
	struct gl_rng *rng = &g->rng;
	const char *birth = g->d.surnames[p->surname].name;
	const char *usage = p->usage >= 0 ? g->d.surnames[p->usage].name : NULL;
	char b[FIELD_MAX], u[FIELD_MAX], tmp[FIELD_MAX];
	int sy, sm, sd;

	for (int i = 0; i < N_FIELDS; i++)
		r->f[i][0] = '\0';
	civil_from_days(v->day, &sy, &sm, &sd);
	*cat = -1;

	/* Names. */
	fset(b, birth);
	if (gl_rng_chance(rng, 0.004))
		name_typo(g, p, b);
	if (lb->name_upper) {
		gl_upper(b, tmp, sizeof(tmp), lb->name_strip);
		fset(b, tmp);
	}
	u[0] = '\0';
	if (usage) {
		if (lb->name_upper)
			gl_upper(usage, u, sizeof(u), lb->name_strip);
		else
			fset(u, usage);
	}
	if (!gl_rng_chance(rng, 0.004)) {
		if (usage && gl_rng_chance(rng, 0.12)) {
			static const char *const joins[4] = { "épouse", "ép.", "née", "EP" };
			int k = (int)gl_rng_below(rng, 4);

			if (k == 2)
				gl_fmt(r->f[F_NAME], FIELD_MAX, "%s %s %s", u, joins[k], b);
			else
				gl_fmt(r->f[F_NAME], FIELD_MAX, "%s %s %s", b, joins[k], u);
			if (gl_rng_chance(rng, 0.3))
				fset(r->f[F_USAGE], u);
			p->name_seen |= 3;
			p->hard |= HARD_NAME_IN_FIELD;
			g->dirt[DIRT_NAME_IN_FIELD]++;
		} else {
			fset(r->f[F_NAME], b);
			p->name_seen |= 1;
			if (usage && gl_rng_chance(rng, 0.95)) {
				fset(r->f[F_USAGE], u);
				p->name_seen |= 2;
			}
		}
	} else if (usage && gl_rng_chance(rng, 0.5)) {
		fset(r->f[F_USAGE], u);
		p->name_seen |= 2;
	}
	if (!gl_rng_chance(rng, 0.006)) {
		int all = lb->given_all ? !gl_rng_chance(rng, 0.05) : gl_rng_chance(rng, 0.05);
		int n = all ? p->n_given : 1;

		for (int i = 0; i < n; i++) {
			if (i)
				fappend(r->f[F_FIRST], lb->given_comma ? ", " : " ");
			fappend(r->f[F_FIRST], g->d.given[p->given[i]].name);
		}
		if (lb->name_upper && lb->name_strip && gl_rng_chance(rng, 0.5)) {
			gl_upper(r->f[F_FIRST], tmp, sizeof(tmp), 1);
			fset(r->f[F_FIRST], tmp);
		}
		p->first_seen = 1;
	}

	/* Sex. */
	if (!gl_rng_chance(rng, 0.01)) {
		static const char *const sx[3][2] = { { "M", "F" }, { "H", "F" }, { "1", "2" } };

		fset(r->f[F_SEX], sx[lb->sex_fmt][p->sex - 1]);
	}

	/* Date of birth. */
	if (!gl_rng_chance(rng, 0.006)) {
		int fmt = lb->dob_fmt;
		int d = p->bd, m = p->bm;

		if (gl_rng_chance(rng, 0.06)) {
			fmt = 1 + (int)gl_rng_below(rng, 9);
			g->dirt[DIRT_DATE_FORMAT]++;
		}
		if ((fmt == 8 || fmt == 9) && p->by < 2000 &&
		    days_from_civil(p->by + 100, m, d == 29 && m == 2 ? 28 : d) <= v->day) {
			/* 2-digit years only where "in the past of the sample date" reads them right. */
			fmt = 0;
		}
		if (p->dob_unknown || gl_rng_chance(rng, 0.003)) {
			d = 0;
			if (p->dob_unknown == 2 || gl_rng_chance(rng, 0.3))
				m = 0;
			if (fmt == 3)
				fmt = 0;
			g->dirt[DIRT_DATE_00]++;
		} else {
			p->dob_seen = 1;
		}
		fmt_date(r->f[F_DOB], p->by, m, d, fmt);
	}

	/* NIR. */
	const char *nir13 = row_nir(g, p);
	uint32_t kv = p->key_valid, km = p->key_missing, kw = p->key_wrong;

	if (nir13[0] && !gl_rng_chance(rng, 0.004)) {
		int key = nir_key13(nir13);
		int spaced = lb->nir_spaced;
		double x = gl_rng_unit(rng);
		char k2[3];

		if (gl_rng_chance(rng, 0.05)) {
			spaced = !spaced;
			g->dirt[DIRT_NIR_FORMAT]++;
		}
		if (x < 0.03) {
			k2[0] = '\0';
			p->key_missing++;
			g->dirt[DIRT_NIR_NOKEY]++;
		} else if (x < 0.043) {
			key = 1 + (key + (int)gl_rng_below(rng, 96)) % 97;
			gl_fmt(k2, sizeof(k2), "%02d", key);
			p->key_wrong++;
			g->dirt[DIRT_NIR_WRONGKEY]++;
		} else {
			gl_fmt(k2, sizeof(k2), "%02d", key);
			p->key_valid++;
		}
		const char *n = nir13;

		if (spaced)
			gl_fmt(r->f[F_NIR], FIELD_MAX, "%.1s %.2s %.2s %.2s %.3s %.3s%s%s", n, n + 1, n + 3, n + 5,
				 n + 7, n + 10, k2[0] ? " " : "", k2);
		else
			gl_fmt(r->f[F_NIR], FIELD_MAX, "%s%s", n, k2);
	}

	if (nir13 != p->nir) {
		/* the parent's NIR: its key states are not the child's */
		p->key_valid = kv;
		p->key_missing = km;
		p->key_wrong = kw;
		p->parent_nir_rows++;
	}

	/* Address. */
	{
		const struct gl_commune *c = &g->d.communes[p->home_commune];
		int comma = gl_rng_chance(rng, 0.06);

		if (!gl_rng_chance(rng, 0.02))
			address(g, p->street, p->number, p->complement, comma, r->f[F_ADDR]);
		if (!gl_rng_chance(rng, 0.015))
			fset(r->f[F_CP], c->postcode);
		if (!gl_rng_chance(rng, 0.015))
			city_name(c->name, lb->city_upper, r->f[F_CITY]);
	}

	/* Phone. */
	if (p->shows_phone && !gl_rng_chance(rng, 0.1)) {
		int fmt = lb->phone_fmt;
		int i = 0;

		if (gl_rng_chance(rng, 0.06))
			fmt = (int)gl_rng_below(rng, 7);
		if (p->n_phone > 1) {
			double x = gl_rng_unit(rng);

			i = x < 0.7 ? 0 : (int)gl_rng_below(rng, p->n_phone);
			if (x > 0.85) {
				int j = (i + 1) % p->n_phone;

				phone_format(p->phone[i], fmt, r->f[F_PHONE], FIELD_MAX);
				fappend(r->f[F_PHONE], gl_rng_chance(rng, 0.5) ? " / " : g->dialect == D_COMMA_UTF8 ? ", " : " ; ");
				phone_format(p->phone[j], fmt, tmp, sizeof(tmp));
				fappend(r->f[F_PHONE], tmp);
				p->phone_seen |= (uint8_t)(1u << j);
				p->hard |= HARD_MULTI_VALUE;
				g->dirt[DIRT_MULTI]++;
			}
		}
		if (!r->f[F_PHONE][0]) {
			phone_format(p->phone[i], fmt, r->f[F_PHONE], FIELD_MAX);
			if (gl_rng_chance(rng, 0.03))
				fappend(r->f[F_PHONE], p->phone_land & (1u << i) ? " (fixe)" : " (portable)");
		}
		p->phone_seen |= (uint8_t)(1u << i);
	}

	/* Email. */
	if (p->shows_email && !gl_rng_chance(rng, 0.08)) {
		int i = p->n_email > 1 && gl_rng_chance(rng, 0.3) ? 1 : 0;

		fset(r->f[F_EMAIL], p->email[i]);
		if (gl_rng_chance(rng, 0.03)) {
			char *at = strchr(r->f[F_EMAIL], '@');

			for (char *c = r->f[F_EMAIL]; c < at; c++)
				if (c == r->f[F_EMAIL] || c[-1] == '.')
					*c = (char)(*c >= 'a' && *c <= 'z' ? *c - 32 : *c);
		}
		if (p->n_email > 1 && gl_rng_chance(rng, 0.15)) {
			fappend(r->f[F_EMAIL], g->dialect == D_COMMA_UTF8 ? ", " : " ; ");
			fappend(r->f[F_EMAIL], p->email[1 - i]);
			p->email_seen |= (uint8_t)(1u << (1 - i));
			p->hard |= HARD_MULTI_VALUE;
			g->dirt[DIRT_MULTI]++;
		}
		p->email_seen |= (uint8_t)(1u << i);
	}

	/* Blood group. */
	if (p->blood >= 0 && !gl_rng_chance(rng, 0.06)) {
		static const char *const sign[3][2] = { { "+", "-" }, { " Rh+", " Rh-" }, { " POS", " NEG" } };
		const char *abo = blood_abo[p->blood / 2];

		if (lb->blood_fmt == 2 && abo[0] == 'O' && gl_rng_chance(rng, 0.3))
			abo = "0";
		gl_fmt(r->f[F_BLOOD], FIELD_MAX, "%s%s", abo, sign[lb->blood_fmt][p->blood % 2]);
	}

	/* Doctor. */
	if (!gl_rng_chance(rng, 0.012)) {
		int di = gl_rng_chance(rng, 0.92) ? p->doctor :
			lab_slot(v->lab) * DOCTORS_PER_DEPT + (int)gl_rng_below(rng, DOCTORS_PER_DEPT);
		const struct doctor *dc = &g->doctors[di];
		const char *dn = g->d.surnames[dc->surname].name, *dg = g->d.given[dc->given].name;
		char up[FIELD_MAX];

		gl_upper(dn, up, sizeof(up), 0);
		if (lb->doc_fmt == 0)
			gl_fmt(r->f[F_DOC], FIELD_MAX, "Dr %s %s", dg, up);
		else if (lb->doc_fmt == 1)
			gl_fmt(r->f[F_DOC], FIELD_MAX, "%s, %s", up, dg);
		else
			gl_fmt(r->f[F_DOC], FIELD_MAX, "DR %s", up);
		if (!gl_rng_chance(rng, 0.04)) {
			const struct gl_commune *c = &g->d.communes[dc->commune];
			char city[FIELD_MAX];

			address(g, dc->street, dc->number, 0, 0, r->f[F_DOC_ADDR]);
			city_name(c->name, 1, city);
			gl_fmt(tmp, sizeof(tmp), ", %s %s", c->postcode, city);
			fappend(r->f[F_DOC_ADDR], tmp);
		}
		if (dc->phone[0] && !gl_rng_chance(rng, 0.07))
			phone_format(dc->phone, lb->phone_fmt, r->f[F_DOC_PHONE], FIELD_MAX);
	}

	if (p->insurer >= 0 && !gl_rng_chance(rng, 0.1))
		fset(r->f[F_INSURER], insurers[p->insurer]);
	fset(r->f[F_LAB], lb->id);
	{
		int fmt = lb->date_fmt;

		if (gl_rng_chance(rng, 0.03))
			fmt = (int)gl_rng_below(rng, 3);
		if (fmt == 2)
			gl_fmt(r->f[F_DATE], FIELD_MAX, "%02d/%02d/%04d %02u:%02u", sd, sm, sy,
				 7 + (unsigned)gl_rng_below(rng, 11), (unsigned)gl_rng_below(rng, 60));
		else
			fmt_date(r->f[F_DATE], sy, sm, sd, fmt);
	}

	/* Comment. */
	if (gl_rng_chance(rng, 0.022)) {
		/* Pregnancy follow-up dominates the comments on women of 16-46; nobody else gets one. */
		static const double cum_f[6] = { 0.45, 0.50, 0.57, 0.76, 0.85, 1.0 };
		static const double cum[6] = { 0.0, 0.10, 0.22, 0.66, 0.80, 1.0 };
		int age = sy - p->by;
		const double *cm = p->sex == 2 && age >= 16 && age <= 46 ? cum_f : cum;
		double x = gl_rng_unit(rng);
		int c = 0;

		while (c < 5 && x >= cm[c])
			c++;
		*cat = c;
		fset(r->f[F_COMMENT], g->d.comments[c][gl_rng_below(rng, (uint32_t)g->d.n_comments[c])]);
		if (gl_rng_chance(rng, 0.15)) {
			int c2 = GL_CAT_NONMED;

			fappend(r->f[F_COMMENT], gl_rng_chance(rng, 0.6) ? "\n" : " - ");
			fappend(r->f[F_COMMENT], g->d.comments[c2][gl_rng_below(rng, (uint32_t)g->d.n_comments[c2])]);
		}
		if (gl_rng_chance(rng, 0.05)) {
			gl_fmt(tmp, sizeof(tmp), "\"%s\"", r->f[F_COMMENT]);
			fset(r->f[F_COMMENT], tmp);
		}
	}

	/* Classes present on this row. */
	uint32_t c = 0;

	if (r->f[F_NAME][0] || r->f[F_USAGE][0])
		c |= 1u << 0;
	if (r->f[F_NIR][0])
		c |= 1u << 1;
	if (r->f[F_DOB][0])
		c |= 1u << 2;
	if (r->f[F_SEX][0])
		c |= 1u << 3;
	if (r->f[F_ADDR][0] || r->f[F_CP][0] || r->f[F_CITY][0])
		c |= 1u << 4;
	if (r->f[F_EMAIL][0])
		c |= 1u << 5;
	if (r->f[F_PHONE][0])
		c |= 1u << 6;
	if (r->f[F_BLOOD][0])
		c |= 1u << 7;
	if (r->f[F_DOC][0] || r->f[F_DOC_ADDR][0] || r->f[F_DOC_PHONE][0])
		c |= 1u << 8;
	if (r->f[F_INSURER][0])
		c |= 1u << 9;
	if (r->f[F_LAB][0])
		c |= 1u << 10;
	if (r->f[F_DATE][0])
		c |= 1u << 11;
	if (*cat >= 0 && *cat != GL_CAT_NONMED)
		c |= 1u << 12;
	*cls = c;
}

/* Dirt that changes bytes but not canonical forms. */
static void dirty_row(struct gen *g, struct row *r)
{
	struct gl_rng *rng = &g->rng;
	static const int text_fields[] = { F_NAME, F_USAGE, F_FIRST, F_ADDR, F_CITY, F_DOC, F_DOC_ADDR };
	char tmp[FIELD_MAX];

	if (gl_rng_chance(rng, 0.03)) {
		static const int f[] = { F_NAME, F_USAGE, F_FIRST, F_ADDR, F_CITY };

		for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
			gl_upper(r->f[f[i]], tmp, sizeof(tmp), 1);
			fset(r->f[f[i]], tmp);
		}
		g->dirt[DIRT_UPPER]++;
	}
	/* Compound names written with a space (or a space with a hyphen) on a quarter of the rows that have one. */
	if ((strchr(r->f[F_NAME], '-') || strchr(r->f[F_USAGE], '-') || strchr(r->f[F_FIRST], '-')) &&
	    gl_rng_chance(rng, 0.25)) {
		for (int i = F_NAME; i <= F_FIRST; i++)
			if (!strstr(r->f[i], " - "))
				freplace_all(r->f[i], "-", " ");
		g->dirt[DIRT_HYPHEN]++;
	} else if (strchr(r->f[F_FIRST], ' ') && !strchr(r->f[F_FIRST], ',') && gl_rng_chance(rng, 0.03)) {
		freplace_all(r->f[F_FIRST], " ", "-");
		g->dirt[DIRT_HYPHEN]++;
	}
	/* Typographic apostrophes on a fifth of the rows that have an apostrophe. */
	{
		int has = 0;

		for (size_t i = 0; i < sizeof(text_fields) / sizeof(text_fields[0]); i++)
			has |= strchr(r->f[text_fields[i]], '\'') != NULL;
		if (has && gl_rng_chance(rng, 0.2)) {
			for (size_t i = 0; i < sizeof(text_fields) / sizeof(text_fields[0]); i++)
				freplace_all(r->f[text_fields[i]], "'", "\xE2\x80\x99");
			g->dirt[DIRT_APOS]++;
		}
	}
	if (gl_rng_chance(rng, 0.03)) {
		int fi = text_fields[gl_rng_below(rng, 7)];
		size_t ns = count_char(r->f[fi], ' ');

		if (r->f[fi][0]) {
			if (ns && gl_rng_chance(rng, 0.6))
				freplace_at(r->f[fi], nth_char(r->f[fi], ' ', gl_rng_below(rng, (uint32_t)ns)), 1, "\xC2\xA0");
			else
				fappend(r->f[fi], "\xC2\xA0");
			g->dirt[DIRT_NBSP]++;
		}
	}
	if (gl_rng_chance(rng, 0.03)) {
		int fi = text_fields[gl_rng_below(rng, 7)];
		size_t ns = count_char(r->f[fi], ' ');

		if (ns) {
			freplace_at(r->f[fi], nth_char(r->f[fi], ' ', gl_rng_below(rng, (uint32_t)ns)), 1, "  ");
			g->dirt[DIRT_DOUBLE_SPACE]++;
		} else if (r->f[fi][0]) {
			fappend(r->f[fi], " ");
			g->dirt[DIRT_DOUBLE_SPACE]++;
		}
	}
	if (g->dialect == D_COMMA_UTF8 && gl_rng_chance(rng, 0.02)) {
		for (int i = 0; i < N_FIELDS; i++) {
			gl_mojibake(r->f[i], tmp, sizeof(tmp));
			fset(r->f[i], tmp);
		}
		g->dirt[DIRT_MOJIBAKE]++;
	}
}

/* ---- Output. ---- */

struct out {
	FILE *f;
	char *buf;
	size_t len, cap;
	int err;
};

static void out_flush(struct out *o)
{
	if (o->len && fwrite(o->buf, 1, o->len, o->f) != o->len)
		o->err = 1;
	o->len = 0;
}

static void out_bytes(struct out *o, const char *s, size_t n)
{
	if (o->len + n > o->cap)
		out_flush(o);
	if (n > o->cap) {
		if (fwrite(s, 1, n, o->f) != n)
			o->err = 1;
		return;
	}
	memcpy(o->buf + o->len, s, n);
	o->len += n;
}

static void out_str(struct out *o, const char *s)
{
	out_bytes(o, s, strlen(s));
}

static void out_field(struct gen *g, struct out *o, const char *s)
{
	char enc[FIELD_MAX * 2];
	char delim = g->dialect == D_COMMA_UTF8 ? ',' : ';';

	if (g->dialect == D_SEMI_CP1252) {
		gl_to_cp1252(s, enc, sizeof(enc));
		s = enc;
	}
	if (!strchr(s, delim) && !strchr(s, '"') && !strchr(s, '\n') && !strchr(s, '\r')) {
		out_str(o, s);
		return;
	}
	out_bytes(o, "\"", 1);
	for (const char *q; (q = strchr(s, '"')) != NULL; s = q + 1) {
		out_bytes(o, s, (size_t)(q - s) + 1);
		out_bytes(o, "\"", 1);
	}
	out_str(o, s);
	out_bytes(o, "\"", 1);
}

static void out_record(struct gen *g, struct out *o, const char *const *fields)
{
	for (int i = 0; i < N_FIELDS; i++) {
		if (i)
			out_bytes(o, g->dialect == D_COMMA_UTF8 ? "," : ";", 1);
		out_field(g, o, fields[i]);
	}
	out_str(o, g->dialect == D_COMMA_UTF8 ? "\n" : "\r\n");
}

/* ---- Layout dirt (issue 11): rows cut or lengthened, a bare delimiter in the comment, no header, shuffled. ---- */

static const char *const mapping_fields[N_FIELDS] = {
	"last_name", "usage_name", "first_name", "sex", "dob", "nir", "address", "postcode", "city", "phone",
	"email", "blood_group", "doctor", "doctor_address", "doctor_phone", "insurer", "lab", "sample_date",
	"comment",
};

static int layout_active(const struct layout *l)
{
	return l->short_rows > 0 || l->long_rows > 0 || l->comment_delim > 0 || l->no_header || l->shuffle ||
	       l->twin_path || l->dirt_path || l->mapping_path;
}

/* Physical lines a record takes: one, plus the line breaks inside its (quoted) fields. */
static unsigned long record_lines(const char *const *fields, int n)
{
	unsigned long k = 1;

	for (int i = 0; i < n; i++)
		for (const char *c = fields[i]; *c; c++)
			k += *c == '\n';
	return k;
}

/* Fields in the written order, n of them, then extra empty ones; the last written bare when bare_last. */
static void out_record_layout(struct gen *g, struct out *o, const char *const *fields, const int *perm, int n,
			      int extra, int bare_last)
{
	const char *d = g->dialect == D_COMMA_UTF8 ? "," : ";";
	char enc[FIELD_MAX * 2];

	for (int i = 0; i < n; i++) {
		const char *f = fields[perm ? perm[i] : i];

		if (i)
			out_bytes(o, d, 1);
		if (i == n - 1 && bare_last) {
			if (g->dialect == D_SEMI_CP1252) {
				gl_to_cp1252(f, enc, sizeof(enc));
				f = enc;
			}
			out_str(o, f);
		} else {
			out_field(g, o, f);
		}
	}
	for (int i = 0; i < extra; i++)
		out_bytes(o, d, 1);
	out_str(o, g->dialect == D_COMMA_UTF8 ? "\n" : "\r\n");
}

static void layout_header(struct gen *g, struct out *o, const char *const *header)
{
	struct layout *l = &g->lay;

	if (l->twin)
		out_record(g, l->twin, header);
	l->twin_line = 2;
	if (l->no_header) {
		l->line = 1;
		return;
	}
	out_record_layout(g, o, header, l->shuffle ? l->perm : NULL, N_FIELDS, 0, 0);
	l->line = 2;
}

/*
 * Write one row with the layout dirt drawn for it; the twin gets the same
 * fields, cut ones empty. cls and cat lose what a cut took away.
 */
static void layout_row(struct gen *g, struct out *o, char (*f)[FIELD_MAX], uint32_t person, uint32_t *cls,
		       int *cat)
{
	struct layout *l = &g->lay;
	const char *fields[N_FIELDS];
	char delim = g->dialect == D_COMMA_UTF8 ? ',' : ';';
	int cut = 0, extra = 0, bare = 0, n = N_FIELDS;
	unsigned long start = l->line;

	if (l->comment_delim > 0 && gl_rng_chance(&l->rng, l->comment_delim)) {
		/* a remark with the delimiter, written unquoted (no quote nor line break left in it) */
		char tmp[FIELD_MAX];

		if (!f[F_COMMENT][0])
			fset(f[F_COMMENT], "tiers payant ok");
		freplace_all(f[F_COMMENT], "\n", " ");
		freplace_all(f[F_COMMENT], "\"", "'");
		freplace_all(f[F_COMMENT], "\r", " ");
		gl_fmt(tmp, sizeof(tmp), "%s%c merci", f[F_COMMENT], delim);
		fset(f[F_COMMENT], tmp);
		bare = 1;
	}
	if (!l->shuffle && l->short_rows > 0 && gl_rng_chance(&l->rng, l->short_rows)) {
		/* the trailing empty fields dropped, or the last one to three columns cut off */
		cut = 1 + (int)gl_rng_below(&l->rng, 3);
		if (gl_rng_chance(&l->rng, 0.5))
			for (cut = 0; cut < 3 && !f[N_FIELDS - 1 - cut][0]; cut++)
				;
		if (!cut)
			cut = 1;
		bare = 0;
		for (int k = N_FIELDS - cut; k < N_FIELDS; k++) {
			if (k == F_DATE && f[k][0])
				*cls &= ~(1u << 11);
			if (k == F_COMMENT && f[k][0]) {
				*cls &= ~(1u << 12);
				*cat = -1;
			}
			f[k][0] = '\0';
		}
		n -= cut;
	}
	if (l->long_rows > 0 && gl_rng_chance(&l->rng, l->long_rows))
		extra = 1 + (int)gl_rng_below(&l->rng, 2);
	for (int k = 0; k < N_FIELDS; k++)
		fields[k] = f[k];
	out_record_layout(g, o, fields, l->shuffle ? l->perm : NULL, n, extra, bare);
	l->line += record_lines(fields, N_FIELDS);
	if (l->twin)
		out_record(g, l->twin, fields);
	l->n[0] += cut > 0;
	l->n[1] += extra > 0;
	l->n[2] += bare;
	if (l->dirt && (cut || extra || bare))
		fprintf(l->dirt, "%lu\t%" PRIu32 "\t%s%s%s\n", start, person, cut ? "short_row " : "",
			extra ? "long_row " : "", bare ? "comment_delimiter" : "");
}

/* The leak's layout as a mapping file (docs/leak-files.md): what inference should find. */
static int layout_mapping(struct gen *g)
{
	struct layout *l = &g->lay;
	FILE *f = fopen(l->mapping_path, "w");

	if (!f) {
		fprintf(stderr, "bc-genleak: %s: %s\n", l->mapping_path, strerror(errno));
		return -1;
	}
	fprintf(f, "# the layout bc-genleak wrote (seed-dependent column order with --shuffle-columns)\n"
		   "header = %s\ndelimiter = %s\n", l->no_header ? "no" : "yes",
		g->dialect == D_COMMA_UTF8 ? "comma" : "semicolon");
	for (int k = 0; k < N_FIELDS; k++)
		fprintf(f, "column %d = %s\n", k + 1, mapping_fields[l->shuffle ? l->perm[k] : k]);
	return fclose(f) ? -1 : 0;
}

/* ---- HPRIM Santé 2.x output (issue 11; the fields read: docs/leak-files.md "HPRIM Santé"). ---- */

#define HPRIM_LINE_MAX 220

/* Append s to o escaped (| ^ ~ \ & as \F\ \S\ \R\ \E\ \T\), in CP1252. */
static void hprim_put(char *o, size_t osize, const char *s)
{
	char enc[FIELD_MAX * 2], *w = o + strlen(o);
	const char *end = o + osize - 4;

	gl_to_cp1252(s, enc, sizeof(enc));
	for (const char *c = enc; *c && w < end; c++) {
		const char *e = *c == '|' ? "\\F\\" : *c == '^' ? "\\S\\" : *c == '~' ? "\\R\\"
			      : *c == '\\' ? "\\E\\" : *c == '&' ? "\\T\\" : NULL;

		if (e) {
			memcpy(w, e, 3);
			w += 3;
		} else {
			*w++ = *c;
		}
	}
	*w = '\0';
}

static void hprim_cat(char *o, size_t osize, const char *s)
{
	size_t n = strlen(o), k = strlen(s);

	if (n + k >= osize)
		k = osize - n - 1;
	memcpy(o + n, s, k);
	o[n + k] = '\0';
}

/* D/M/YYYY, DD-MM-YYYY, DD.MM.YYYY, YYYY-MM-DD[ HH:MM[:SS]], DD/MM/YYYY HH:MM as YYYYMMDD[HHMM]; else unchanged. */
static void hprim_date(const char *in, char *out, size_t outsize, int keep_time)
{
	int a = 0, b = 0, c = 0, hh = -1, mm = 0, y, m, d;
	char s1 = 0, s2 = 0;

	gl_fmt(out, outsize, "%s", in);
	if (sscanf(in, "%d%c%d%c%d %d:%d", &a, &s1, &b, &s2, &c, &hh, &mm) < 5 || s1 != s2 ||
	    (s1 != '/' && s1 != '-' && s1 != '.'))
		return;
	if (a > 31) {
		y = a;
		m = b;
		d = c;
	} else {
		d = a;
		m = b;
		y = c;
	}
	if (y < 1000 || m < 1 || m > 12 || d < 1 || d > 31)
		return;
	if (keep_time && hh >= 0)
		gl_fmt(out, outsize, "%04d%02d%02d%02d%02d", y, m, d, hh, mm);
	else
		gl_fmt(out, outsize, "%04d%02d%02d", y, m, d);
}

/* One record line; a P record longer than 220 characters goes on in A lines. */
static void hprim_line(struct gen *g, struct out *o, const char *rec)
{
	size_t n = strlen(rec), k;

	if (n <= HPRIM_LINE_MAX || rec[0] != 'P') {
		out_str(o, rec);
		out_str(o, "\r\n");
		g->lay.line++;
		return;
	}
	out_bytes(o, rec, HPRIM_LINE_MAX);
	out_str(o, "\r\n");
	g->lay.line++;
	for (k = HPRIM_LINE_MAX; k < n; k += HPRIM_LINE_MAX - 2) {
		out_str(o, "A|");
		out_bytes(o, rec + k, n - k < HPRIM_LINE_MAX - 2 ? n - k : HPRIM_LINE_MAX - 2);
		out_str(o, "\r\n");
		g->lay.line++;
	}
	g->lay.n[3]++;
}

static void hprim_end_message(struct gen *g, struct out *o)
{
	char rec[64];

	if (g->lay.hprim_lab < 0)
		return;
	gl_fmt(rec, sizeof(rec), "L|1|N|%u", g->lay.hprim_seq);
	hprim_line(g, o, rec);
}

/*
 * One visit as a P record, its OBR and its comment lines as C records (a
 * message per lab: H ... L). What HPRIM does not carry (blood group,
 * insurer, the doctor's address and phone) is emptied in f, so that the
 * twin and the truth say what the file holds.
 */
static void hprim_row(struct gen *g, struct out *o, char (*f)[FIELD_MAX], int lab, uint32_t *cls)
{
	struct layout *l = &g->lay;
	char rec[4 * FIELD_MAX], tmp[FIELD_MAX], date[32];
	const int gone[] = { F_BLOOD, F_DOC_ADDR, F_DOC_PHONE, F_INSURER };
	char *line, *next;
	unsigned k = 0;

	if (l->hprim_lab != lab) {
		hprim_end_message(g, o);
		gl_fmt(rec, sizeof(rec), "H|~^\\&|RES%04d.HPR||", lab);
		hprim_put(rec, sizeof(rec), g->labs[lab].id);
		hprim_cat(rec, sizeof(rec), "|||||||P|H2.2|202012010000");
		hprim_line(g, o, rec);
		l->hprim_lab = lab;
		l->hprim_seq = 0;
	}
	for (size_t i = 0; i < sizeof(gone) / sizeof(gone[0]); i++)
		f[gone[i]][0] = '\0';
	*cls &= ~((1u << 7) | (1u << 9));
	if (!f[F_DOC][0])
		*cls &= ~(1u << 8);
	hprim_date(f[F_DOB], date, sizeof(date), 0);
	fset(f[F_DOB], date);
	gl_fmt(rec, sizeof(rec), "P|%u|D%07lu||", ++l->hprim_seq, l->line);
	hprim_put(rec, sizeof(rec), f[F_NIR]);
	hprim_cat(rec, sizeof(rec), "|");
	hprim_put(rec, sizeof(rec), f[F_USAGE][0] ? f[F_USAGE] : f[F_NAME]);
	hprim_cat(rec, sizeof(rec), "^");
	hprim_put(rec, sizeof(rec), f[F_FIRST]);
	hprim_cat(rec, sizeof(rec), "|");
	hprim_put(rec, sizeof(rec), f[F_USAGE][0] ? f[F_NAME] : "");
	hprim_cat(rec, sizeof(rec), "|");
	hprim_put(rec, sizeof(rec), f[F_DOB]);
	hprim_cat(rec, sizeof(rec), "|");
	hprim_put(rec, sizeof(rec), f[F_SEX]);
	hprim_cat(rec, sizeof(rec), "||");
	/* address lines 1 and 2 (a line break in the address), town, region, postcode, country */
	fset(tmp, f[F_ADDR]);
	line = tmp;
	next = strchr(tmp, '\n');
	if (next)
		*next++ = '\0';
	hprim_put(rec, sizeof(rec), line);
	hprim_cat(rec, sizeof(rec), "^");
	hprim_put(rec, sizeof(rec), next ? next : "");
	hprim_cat(rec, sizeof(rec), "^");
	hprim_put(rec, sizeof(rec), f[F_CITY]);
	hprim_cat(rec, sizeof(rec), "^^");
	hprim_put(rec, sizeof(rec), f[F_CP]);
	hprim_cat(rec, sizeof(rec), "^FR||");
	hprim_put(rec, sizeof(rec), f[F_PHONE]);
	if (f[F_PHONE][0] && f[F_EMAIL][0])
		hprim_cat(rec, sizeof(rec), "~");
	hprim_put(rec, sizeof(rec), f[F_EMAIL]);
	hprim_cat(rec, sizeof(rec), "|");
	hprim_put(rec, sizeof(rec), f[F_DOC]);
	hprim_line(g, o, rec);
	hprim_date(f[F_DATE], date, sizeof(date), 1);
	gl_fmt(rec, sizeof(rec), "OBR|1|D%07lu|||||%s", l->line, date);
	hprim_line(g, o, rec);
	date[8 < strlen(date) ? 8 : strlen(date)] = '\0';
	fset(f[F_DATE], date);
	/* each line of the comment, a C record */
	fset(tmp, f[F_COMMENT]);
	for (line = tmp; f[F_COMMENT][0] && line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		gl_fmt(rec, sizeof(rec), "C|%u|L|", ++k);
		hprim_put(rec, sizeof(rec), line);
		hprim_cat(rec, sizeof(rec), "|G");
		hprim_line(g, o, rec);
	}
	/* the twin holds the text as CP1252 carries it */
	for (int i = 0; i < N_FIELDS; i++) {
		gl_to_cp1252(f[i], tmp, sizeof(tmp));
		gl_mojibake(tmp, f[i], FIELD_MAX);
	}
	if (l->twin) {
		const char *fields[N_FIELDS];

		for (int i = 0; i < N_FIELDS; i++)
			fields[i] = f[i];
		out_record(g, l->twin, fields);
	}
}

/* ---- Ground truth. ---- */

static void json_str(struct out *o, const char *s)
{
	out_bytes(o, "\"", 1);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\') {
			char e[2] = { '\\', (char)c };

			out_bytes(o, e, 2);
		} else if (c < 0x20) {
			char e[8];

			gl_fmt(e, sizeof(e), "\\u%04x", c);
			out_str(o, e);
		} else {
			out_bytes(o, s, 1);
		}
	}
	out_bytes(o, "\"", 1);
}

struct token {
	uint64_t h;
	uint32_t person;
	uint8_t kind;  /* 0 email, 1 phone, 2 namedob */
};

struct share {
	uint32_t p, q;
	uint8_t kind;
};

static int cmp_token(const void *a, const void *b)
{
	const struct token *x = a, *y = b;

	if (x->h != y->h)
		return x->h < y->h ? -1 : 1;
	if (x->kind != y->kind)
		return x->kind < y->kind ? -1 : 1;
	return (x->person > y->person) - (x->person < y->person);
}

static int cmp_share(const void *a, const void *b)
{
	const struct share *x = a, *y = b;

	if (x->p != y->p)
		return x->p < y->p ? -1 : 1;
	if (x->kind != y->kind)
		return x->kind < y->kind ? -1 : 1;
	return (x->q > y->q) - (x->q < y->q);
}

static void canon_email(const char *in, char *out, size_t outsize)
{
	size_t i = 0;

	for (; in[i] && i + 1 < outsize; i++)
		out[i] = (char)(in[i] >= 'A' && in[i] <= 'Z' ? in[i] + 32 : in[i]);
	out[i] = '\0';
}

/* Canonical last names, first name and dob of p as the truth states them. */
struct canon {
	char birth[128], usage[128], first[128], dob[11];
};

static void person_canon(struct gen *g, const struct person *p, struct canon *c)
{
	c->birth[0] = c->usage[0] = c->first[0] = c->dob[0] = '\0';
	if (p->name_seen & 1)
		gl_canon_name(g->d.surnames[p->surname].name, c->birth, sizeof(c->birth));
	if ((p->name_seen & 2) && p->usage >= 0)
		gl_canon_name(g->d.surnames[p->usage].name, c->usage, sizeof(c->usage));
	if (strcmp(c->usage, c->birth) == 0)
		c->usage[0] = '\0';
	if (p->first_seen)
		gl_canon_first(g->d.given[p->given[0]].name, c->first, sizeof(c->first));
	if (p->dob_seen && !p->dob_unknown)
		gl_fmt(c->dob, sizeof(c->dob), "%04d-%02d-%02d", p->by, p->bm, p->bd);
}

static uint64_t token_hash(int kind, const char *a, const char *b, const char *cc)
{
	char k = (char)('0' + kind);
	uint64_t h = fnv64(&k, 1, FNV_INIT);

	h = fnv64(a, strlen(a) + 1, h);
	if (b)
		h = fnv64(b, strlen(b) + 1, h);
	if (cc)
		h = fnv64(cc, strlen(cc) + 1, h);
	return h;
}

static int compute_shares(struct gen *g, struct share **out, size_t *n_out)
{
	size_t cap = g->n_p * 4 + 16, n = 0, ns = 0, cap_s = 1024;
	struct token *t = malloc(cap * sizeof(*t));
	struct share *s = malloc(cap_s * sizeof(*s));
	int ret = -1;

	if (!t || !s)
		goto out;
	for (size_t i = 0; i < g->n_p; i++) {
		const struct person *p = &g->p[i];
		struct canon c;
		char e[EMAIL_MAX], ph[17];

		person_canon(g, p, &c);
		if (n + 12 > cap) {
			struct token *nt = realloc(t, (cap *= 2) * sizeof(*t));

			if (!nt)
				goto out;
			t = nt;
		}
		for (int k = 0; k < p->n_email; k++) {
			if (!(p->email_seen & (1u << k)))
				continue;
			canon_email(p->email[k], e, sizeof(e));
			t[n++] = (struct token){ token_hash(0, e, NULL, NULL), p->id, 0 };
		}
		for (int k = 0; k < p->n_phone; k++) {
			if (!(p->phone_seen & (1u << k)))
				continue;
			phone_e164(p->phone[k], ph);
			t[n++] = (struct token){ token_hash(1, ph, NULL, NULL), p->id, 1 };
		}
		if (c.first[0] && c.dob[0]) {
			if (c.birth[0])
				t[n++] = (struct token){ token_hash(2, c.birth, c.first, c.dob), p->id, 2 };
			if (c.usage[0])
				t[n++] = (struct token){ token_hash(2, c.usage, c.first, c.dob), p->id, 2 };
			if ((p->name_seen & 4) && p->typo[0])
				t[n++] = (struct token){ token_hash(2, p->typo, c.first, c.dob), p->id, 2 };
		}
	}
	qsort(t, n, sizeof(*t), cmp_token);
	for (size_t i = 0; i < n;) {
		size_t j = i;

		while (j < n && t[j].h == t[i].h && t[j].kind == t[i].kind)
			j++;
		for (size_t a = i; a < j; a++) {
			for (size_t b = i; b < j; b++) {
				if (t[a].person == t[b].person)
					continue;
				if (ns == cap_s) {
					struct share *nsh = realloc(s, (cap_s *= 2) * sizeof(*s));

					if (!nsh)
						goto out;
					s = nsh;
				}
				s[ns++] = (struct share){ t[a].person, t[b].person, t[a].kind };
			}
		}
		i = j;
	}
	qsort(s, ns, sizeof(*s), cmp_share);
	*out = s;
	*n_out = ns;
	s = NULL;
	ret = 0;
out:
	free(t);
	free(s);
	return ret;
}

static void day_str(int32_t day, char out[11])
{
	int y, m, d;

	civil_from_days(day, &y, &m, &d);
	gl_fmt(out, 11, "%04d-%02d-%02d", y, m, d);
}

/*
 * --row-owners: "LINE ID" per data row, in file order: the physical line
 * where the row starts (1-based, the header is line 1) and the truth id of
 * its person. *line advances past the row's embedded newlines.
 */
static int write_row_owner(FILE *f, unsigned long *line, const char *const *fields, const struct person *p)
{
	int r = fprintf(f, "%lu %" PRIu32 "\n", *line, p->id) < 0 ? -1 : 0;

	*line += 1;
	for (int k = 0; k < N_FIELDS; k++)
		for (const char *c = fields[k]; *c; c++)
			*line += *c == '\n';
	return r;
}

/* ,"insured_by":ID|null,"parent_nir_rows":N} and the newline: who a dependant's rows name. */
static void write_truth_dependant(struct out *o, const struct person *p)
{
	char buf[96];

	if (p->insured_by)
		gl_fmt(buf, sizeof(buf), ",\"insured_by\":%" PRIu32 ",\"parent_nir_rows\":%" PRIu32 "}\n",
		       p->insured_by, p->parent_nir_rows);
	else
		gl_fmt(buf, sizeof(buf), ",\"insured_by\":null,\"parent_nir_rows\":0}\n");
	out_str(o, buf);
}

static void write_truth_person(struct gen *g, struct out *o, const struct person *p,
			       const struct share *s, size_t ns)
{
	struct canon c;
	char buf[256];
	int first;

	person_canon(g, p, &c);
	gl_fmt(buf, sizeof(buf), "{\"id\":%" PRIu32 ",\"household\":%" PRIu32 ",\"sex\":\"%c\",\"nir13\":",
		 p->id, p->household, p->sex == 1 ? 'M' : 'F');
	out_str(o, buf);
	if (p->nir[0] && p->key_valid + p->key_missing + p->key_wrong)
		json_str(o, p->nir);
	else
		out_str(o, "null");
	gl_fmt(buf, sizeof(buf), ",\"nir_key_states\":{\"valid\":%" PRIu32 ",\"missing\":%" PRIu32
		 ",\"wrong\":%" PRIu32 "},\"last_names\":{\"birth\":",
		 p->key_valid, p->key_missing, p->key_wrong);
	out_str(o, buf);
	if (c.birth[0])
		json_str(o, c.birth);
	else
		out_str(o, "null");
	out_str(o, ",\"usage\":");
	if (c.usage[0])
		json_str(o, c.usage);
	else
		out_str(o, "null");
	out_str(o, "},\"last_name_variants\":[");
	if ((p->name_seen & 4) && p->typo[0])
		json_str(o, p->typo);
	out_str(o, "],\"first_name\":");
	if (c.first[0])
		json_str(o, c.first);
	else
		out_str(o, "null");
	out_str(o, ",\"dob\":");
	if (c.dob[0])
		json_str(o, c.dob);
	else
		out_str(o, "null");
	out_str(o, ",\"emails\":[");
	first = 1;
	for (int k = 0; k < p->n_email; k++) {
		char e[EMAIL_MAX];

		if (!(p->email_seen & (1u << k)))
			continue;
		canon_email(p->email[k], e, sizeof(e));
		if (!first)
			out_str(o, ",");
		json_str(o, e);
		first = 0;
	}
	out_str(o, "],\"phones\":[");
	first = 1;
	for (int k = 0; k < p->n_phone; k++) {
		char ph[17];

		if (!(p->phone_seen & (1u << k)))
			continue;
		phone_e164(p->phone[k], ph);
		if (!first)
			out_str(o, ",");
		json_str(o, ph);
		first = 0;
	}
	out_str(o, "],\"data_classes\":[");
	first = 1;
	for (int b = 0; b < 13; b++) {
		if (!(p->classes & (1u << b)))
			continue;
		if (!first)
			out_str(o, ",");
		json_str(o, bc_class_name((unsigned)b));
		first = 0;
	}
	out_str(o, "],\"categories\":[");
	first = 1;
	for (int b = 0; b < 4; b++) {
		if (!(p->cats & (1u << b)))
			continue;
		if (!first)
			out_str(o, ",");
		/* categories 0-3 are the flag bits 16-19 (DESIGN §7) */
		json_str(o, bc_class_name(BC_CLASS_PREGNANCY + (unsigned)b));
		first = 0;
	}
	gl_fmt(buf, sizeof(buf), "],\"negated_mentions\":%" PRIu32 ",\"non_medical_remarks\":%" PRIu32 ",\"labs\":[",
		 p->negated, p->nonmed);
	out_str(o, buf);
	first = 1;
	for (int l = 0; l < N_LABS; l++) {
		if (!(p->labs & (1u << l)))
			continue;
		if (!first)
			out_str(o, ",");
		json_str(o, g->labs[l].id);
		first = 0;
	}
	{
		char d1[11], d2[11];

		day_str(p->first_day, d1);
		day_str(p->last_day, d2);
		gl_fmt(buf, sizeof(buf), "],\"first_sample\":\"%s\",\"last_sample\":\"%s\",\"rows\":%u,\"hard_cases\":[",
			 d1, d2, (unsigned)p->nrows);
		out_str(o, buf);
	}
	first = 1;
	for (int b = 0; b < N_HARD; b++) {
		if (!(p->hard & (1u << b)))
			continue;
		if (!first)
			out_str(o, ",");
		json_str(o, hard_names[b]);
		first = 0;
	}
	out_str(o, "],\"shared_with\":{");
	static const char *const kinds[3] = { "email", "phone", "namedob" };

	for (int k = 0; k < 3; k++) {
		gl_fmt(buf, sizeof(buf), "%s\"%s\":[", k ? "," : "", kinds[k]);
		out_str(o, buf);
		first = 1;
		for (size_t i = 0; i < ns; i++) {
			if (s[i].kind != k)
				continue;
			gl_fmt(buf, sizeof(buf), "%s%" PRIu32, first ? "" : ",", s[i].q);
			out_str(o, buf);
			first = 0;
		}
		out_str(o, "]");
	}
	if (p->twin_of) {
		gl_fmt(buf, sizeof(buf), "},\"twin_of\":%" PRId32, p->twin_of);
		out_str(o, buf);
	} else {
		out_str(o, "},\"twin_of\":null");
	}
	if (p->homonym_of) {
		gl_fmt(buf, sizeof(buf), ",\"homonym_of\":%" PRId32, p->homonym_of);
		out_str(o, buf);
	} else {
		out_str(o, ",\"homonym_of\":null");
	}
	write_truth_dependant(o, p);
}

/* ---- Setup. ---- */

static int setup_labs(struct gen *g)
{
	uint64_t w[N_LABS];
	int l = 0;

	for (int s = 0; s < 6; s++) {
		int dept = gl_data_dept(&g->d, lab_depts[s].dept);

		if (dept < 0) {
			fprintf(stderr, "bc-genleak: fr_departments.tsv lacks département %s\n", lab_depts[s].dept);
			return -1;
		}
		for (int k = 0; k < lab_depts[s].labs; k++, l++) {
			struct lab *lb = &g->labs[l];
			struct gl_rng *r = &g->rng;

			gl_fmt(lb->id, sizeof(lb->id), "LBM%s-%02d", lab_depts[s].dept, k + 1);
			lb->dept = dept;
			lb->weight = w[l] = 2 + gl_rng_below(r, 9);
			lb->name_upper = gl_rng_chance(r, 0.7);
			lb->name_strip = gl_rng_chance(r, 0.5);
			lb->given_all = gl_rng_chance(r, 0.3);
			lb->given_comma = gl_rng_chance(r, 0.4);
			lb->dob_fmt = (uint8_t)(gl_rng_chance(r, 0.75) ? 0 : gl_rng_chance(r, 0.5) ? 1 : 2);
			lb->date_fmt = (uint8_t)(gl_rng_chance(r, 0.6) ? 0 : gl_rng_chance(r, 0.5) ? 1 : 2);
			lb->nir_spaced = gl_rng_chance(r, 0.35);
			lb->phone_fmt = (uint8_t)(gl_rng_chance(r, 0.5) ? 0 : gl_rng_below(r, 4));
			lb->sex_fmt = (uint8_t)gl_rng_below(r, 3);
			lb->blood_fmt = (uint8_t)gl_rng_below(r, 3);
			lb->doc_fmt = (uint8_t)gl_rng_below(r, 3);
			lb->city_upper = gl_rng_chance(r, 0.6);
		}
	}
	if (gl_sampler_init(&g->lab_sampler, w, N_LABS))
		return -1;
	g->doctors = calloc(6 * DOCTORS_PER_DEPT, sizeof(*g->doctors));
	if (!g->doctors)
		return -1;
	for (int s = 0; s < 6; s++) {
		const struct gl_dept *dp = &g->d.depts[g->labs[lab_in_dept(g, s)].dept];

		for (int k = 0; k < DOCTORS_PER_DEPT; k++) {
			struct doctor *dc = &g->doctors[s * DOCTORS_PER_DEPT + k];

			dc->surname = draw_surname(g);
			dc->given = draw_given(g, gl_rng_chance(&g->rng, 0.5) ? 1 : 2);
			dc->commune = (int)(dp->first_commune + gl_sampler_draw(&dp->communes, &g->rng));
			dc->street = (int)gl_rng_below(&g->rng, (uint32_t)g->d.n_streets);
			dc->number = 1 + (int)gl_rng_below(&g->rng, 80);
			if (landline_number(g, (int)(dp - g->d.depts), dc->phone) != 0)
				dc->phone[0] = '\0';
		}
	}
	return 0;
}

static int cmp_visit(const void *a, const void *b)
{
	const struct visit *x = a, *y = b;

	if (x->lab != y->lab)
		return x->lab < y->lab ? -1 : 1;
	if (x->day != y->day)
		return x->day < y->day ? -1 : 1;
	return (x->tie > y->tie) - (x->tie < y->tie);
}

/* --short-rows R, --long-rows R, --comment-delimiter R, --twin FILE, --dirt-truth FILE, --mapping-truth FILE. */
static int layout_option(struct gen *g, const char *a, const char *val)
{
	struct layout *l = &g->lay;
	double *rate = !strcmp(a, "--short-rows") ? &l->short_rows : !strcmp(a, "--long-rows") ? &l->long_rows
		       : !strcmp(a, "--comment-delimiter") ? &l->comment_delim : NULL;
	char *end;

	if (rate) {
		*rate = strtod(val, &end);
		if (*end || *rate < 0 || *rate > 1) {
			fprintf(stderr, "bc-genleak: %s wants a rate from 0 to 1\n", a);
			*rate = 0;
			return 1;
		}
		return 0;
	}
	if (!strcmp(a, "--twin"))
		l->twin_path = val;
	else if (!strcmp(a, "--dirt-truth"))
		l->dirt_path = val;
	else if (!strcmp(a, "--mapping-truth"))
		l->mapping_path = val;
	else
		return 1;
	return 0;
}

/* Seed the layout's own PRNG and column order; open the twin and the dirt truth. */
static int layout_open(struct gen *g, unsigned long seed)
{
	struct layout *l = &g->lay;

	gl_rng_seed(&l->rng, seed ^ 0x6c61796f7574ULL);
	for (int k = 0; k < N_FIELDS; k++)
		l->perm[k] = k;
	for (int k = N_FIELDS - 1; k > 0; k--) {
		int j = (int)gl_rng_below(&l->rng, (uint32_t)k + 1), t = l->perm[k];

		l->perm[k] = l->perm[j];
		l->perm[j] = t;
	}
	if (l->twin_path) {
		l->twin = calloc(1, sizeof(*l->twin));
		if (!l->twin || !(l->twin->buf = malloc(1 << 20)))
			return -1;
		l->twin->cap = 1 << 20;
		l->twin->f = fopen(l->twin_path, "wb");
		if (!l->twin->f) {
			fprintf(stderr, "bc-genleak: %s: %s\n", l->twin_path, strerror(errno));
			return -1;
		}
	}
	if (l->dirt_path) {
		l->dirt = fopen(l->dirt_path, "w");
		if (!l->dirt) {
			fprintf(stderr, "bc-genleak: %s: %s\n", l->dirt_path, strerror(errno));
			return -1;
		}
		fprintf(l->dirt, "# line\tpatient id\tdirt (docs/genleak.md); header: %s, columns: %s\n",
			l->no_header ? "none" : "yes", l->shuffle ? "shuffled" : "in order");
	}
	return l->mapping_path ? layout_mapping(g) : 0;
}

static int layout_close(struct gen *g)
{
	struct layout *l = &g->lay;
	int bad = 0;

	if (l->twin) {
		out_flush(l->twin);
		bad |= l->twin->err || (l->twin->f && fclose(l->twin->f) != 0);
		free(l->twin->buf);
		free(l->twin);
		l->twin = NULL;
	}
	if (l->dirt)
		bad |= fclose(l->dirt) != 0;
	l->dirt = NULL;
	if (bad)
		fputs("bc-genleak: write error on the twin or the dirt truth\n", stderr);
	return bad ? -1 : 0;
}

static void usage_text(FILE *f)
{
	fputs("usage: bc-genleak [--seed N] [--rows N] [--out FILE] [--truth FILE]\n"
	      "                  [--dialect fr-comma-utf8|fr-semicolon-cp1252] [--data DIR]\n"
	      "                  [--dependants P] [--row-owners FILE] [--bom] [--stats] [--quiet]\n"
	      "                  [--short-rows R] [--long-rows R] [--comment-delimiter R] [--no-header]\n"
	      "                  [--shuffle-columns] [--twin FILE] [--dirt-truth FILE] [--mapping-truth FILE]\n"
	      "Writes a synthetic French medical-lab leak (CSV) and its ground truth (JSON lines).\n"
	      "  --seed N      PRNG seed (default 1); same seed, same bytes\n"
	      "  --rows N      data rows (default 491839)\n"
	      "  --out FILE    leak file (default: standard output)\n"
	      "  --truth FILE  ground truth, one synthetic patient per line\n"
	      "  --dialect D   fr-comma-utf8 (default), fr-semicolon-cp1252 or hprim (HPRIM Sante 2.x)\n"
	      "  --data DIR    reference data directory (default: the source tree's data/)\n"
	      "  --dependants P  a minor's rows carry a parent's NIR with probability P (default 0)\n"
	      "  --row-owners FILE  the truth id of each data row's person, one per line\n"
	      "  --bom         start a UTF-8 file with a byte-order mark\n"
	      "  --stats       print dirt counters to standard error\n"
	      "  --short-rows R, --long-rows R, --comment-delimiter R   layout dirt, rate per row\n"
	      "  --no-header, --shuffle-columns   no header row; columns in a seed-dependent order\n"
	      "  --twin FILE   the same rows written cleanly (what the dirt lost left empty)\n"
	      "  --dirt-truth FILE    line, patient and dirt of each dirty row (TSV)\n"
	      "  --mapping-truth FILE the layout written, as a mapping file\n"
	      "  --quiet       no summary on standard error\n"
	      "See docs/genleak.md.\n", f);
}

static int parse_ulong(const char *s, unsigned long *v)
{
	char *end;

	errno = 0;
	*v = strtoul(s, &end, 10);
	return errno || end == s || *end || s[0] == '-' ? -1 : 0;
}

static const char *default_data_dir(void)
{
	struct stat st;
	char probe[4096];

	gl_fmt(probe, sizeof(probe), "%s/communes.tsv", GENLEAK_DATA_DIR);
	if (stat(probe, &st) == 0)
		return GENLEAK_DATA_DIR;
	return "data";
}

int main(int argc, char **argv)
{
	struct gen *g = NULL;
	unsigned long seed = 1, rows = DEFAULT_ROWS, rows_left;
	const char *out_path = NULL, *truth_path = NULL, *data_dir = NULL, *owners_path = NULL;
	FILE *owners = NULL;
	unsigned long owner_line = 2;
	int quiet = 0, bom = 0, stats = 0, ret = 2, data_loaded = 0;
	struct out o = { 0 }, t = { 0 };
	struct share *shares = NULL;
	size_t n_shares = 0;
	struct row *row = NULL;
	struct timespec t0, t1;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	g = calloc(1, sizeof(*g));
	row = malloc(sizeof(*row));
	if (!g || !row) {
		fputs("bc-genleak: out of memory\n", stderr);
		goto out;
	}
	g->dialect = D_COMMA_UTF8;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *val = i + 1 < argc ? argv[i + 1] : NULL;

		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			usage_text(stdout);
			ret = 0;
			goto out;
		} else if (strcmp(a, "--quiet") == 0 || strcmp(a, "-q") == 0) {
			quiet = 1;
		} else if (strcmp(a, "--bom") == 0) {
			bom = 1;
		} else if (strcmp(a, "--stats") == 0) {
			stats = 1;
		} else if (strcmp(a, "--no-header") == 0) {
			g->lay.no_header = 1;
		} else if (strcmp(a, "--shuffle-columns") == 0) {
			g->lay.shuffle = 1;
		} else if (!val) {
			fprintf(stderr, "bc-genleak: unknown option or missing value: %s\n", a);
			usage_text(stderr);
			goto out;
		} else if (strcmp(a, "--seed") == 0) {
			if (parse_ulong(val, &seed)) {
				fputs("bc-genleak: --seed wants a non-negative integer\n", stderr);
				goto out;
			}
			i++;
		} else if (strcmp(a, "--rows") == 0) {
			if (parse_ulong(val, &rows) || rows > 5000000UL) {
				fputs("bc-genleak: --rows wants an integer in 0..5000000\n", stderr);
				goto out;
			}
			i++;
		} else if (strcmp(a, "--out") == 0 || strcmp(a, "-o") == 0) {
			out_path = val;
			i++;
		} else if (strcmp(a, "--truth") == 0) {
			truth_path = val;
			i++;
		} else if (strcmp(a, "--row-owners") == 0) {
			owners_path = val;
			i++;
		} else if (strcmp(a, "--dependants") == 0) {
			char *end;

			g->dependant_rate = strtod(val, &end);
			if (*end || end == val || !(g->dependant_rate >= 0 && g->dependant_rate <= 1)) {
				fputs("bc-genleak: --dependants wants a probability in 0..1\n", stderr);
				goto out;
			}
			i++;
		} else if (strcmp(a, "--data") == 0) {
			data_dir = val;
			i++;
		} else if (strcmp(a, "--dialect") == 0) {
			if (strcmp(val, "fr-comma-utf8") == 0)
				g->dialect = D_COMMA_UTF8;
			else if (strcmp(val, "fr-semicolon-cp1252") == 0)
				g->dialect = D_SEMI_CP1252;
			else if (strcmp(val, "hprim") == 0)
				g->dialect = D_HPRIM;
			else {
				fputs("bc-genleak: --dialect is fr-comma-utf8, fr-semicolon-cp1252 or hprim\n", stderr);
				goto out;
			}
			i++;
		} else if (layout_option(g, a, val) == 0) {
			i++;
		} else {
			fprintf(stderr, "bc-genleak: unknown option: %s\n", a);
			usage_text(stderr);
			goto out;
		}
	}
	ret = 1;
	if (!data_dir)
		data_dir = default_data_dir();
	if (gl_data_load(&g->d, data_dir))
		goto out;
	data_loaded = 1;
	gl_rng_seed(&g->rng, seed);
	for (int b = 0; b < 6; b++) {
		/* A multiplier coprime with 10000 walks the block in a seed-dependent order. */
		g->block_mult[b] = 1 + 2 * gl_rng_below(&g->rng, 5000);
		while (g->block_mult[b] % 5 == 0)
			g->block_mult[b] += 2;
		g->block_off[b] = gl_rng_below(&g->rng, 10000);
	}
	if (set_init(&g->nirs, 1 << 20) || set_init(&g->phones, 1 << 20) || set_init(&g->emails, 1 << 20))
		goto oom;
	if (setup_labs(g))
		goto out;
	g->v = malloc((rows ? rows : 1) * sizeof(*g->v));
	if (!g->v)
		goto oom;
	rows_left = rows;
	while (rows_left) {
		if (gen_household(g, &rows_left))
			goto oom;
	}
	qsort(g->v, g->n_v, sizeof(*g->v), cmp_visit);

	o.cap = t.cap = 1 << 20;
	o.buf = malloc(o.cap);
	t.buf = malloc(t.cap);
	if (!o.buf || !t.buf)
		goto oom;
	o.f = out_path ? fopen(out_path, "wb") : stdout;
	if (!o.f) {
		fprintf(stderr, "bc-genleak: %s: %s\n", out_path, strerror(errno));
		goto out;
	}
	if (bom && g->dialect == D_COMMA_UTF8)
		out_str(&o, "\xEF\xBB\xBF");
	g->lay.hprim_lab = -1;
	if (g->dialect == D_HPRIM)
		g->lay.no_header = 1;   /* records, not a table; the twin still gets a header */
	if (layout_open(g, seed) < 0)
		goto out;
	if (layout_active(&g->lay) || g->dialect == D_HPRIM)
		layout_header(g, &o, g->dialect == D_COMMA_UTF8 ? header_fr : header_abbr);
	else
		out_record(g, &o, g->dialect == D_COMMA_UTF8 ? header_fr : header_abbr);
	if (owners_path && !(owners = fopen(owners_path, "wb"))) {
		fprintf(stderr, "bc-genleak: %s: %s\n", owners_path, strerror(errno));
		goto out;
	}
	for (size_t i = 0; i < g->n_v; i++) {
		const struct visit *v = &g->v[i];
		struct person *p = &g->p[v->person];
		const char *fields[N_FIELDS];
		uint32_t cls;
		int cat;

		build_row(g, v, row, &cls, &cat);
		dirty_row(g, row);
		for (int k = 0; k < N_FIELDS; k++) {
			fields[k] = row->f[k];
			if (!row->f[k][0] && k != F_USAGE && k != F_COMMENT && k != F_PHONE && k != F_EMAIL &&
			    k != F_BLOOD && k != F_INSURER)
				g->dirt[DIRT_EMPTY]++;
		}
		if (g->dialect == D_HPRIM) {
			owner_line = g->lay.line + (g->lay.hprim_lab != v->lab) * (1 + (g->lay.hprim_lab >= 0));
			hprim_row(g, &o, row->f, v->lab, &cls);
		} else if (layout_active(&g->lay)) {
			/* the row's line in the leak as written (no header, line breaks kept) */
			owner_line = g->lay.line;
			layout_row(g, &o, row->f, p->id, &cls, &cat);
		} else {
			out_record(g, &o, fields);
		}
		if (owners && write_row_owner(owners, &owner_line, fields, p) < 0) {
			fprintf(stderr, "bc-genleak: %s: write error\n", owners_path);
			goto out;
		}
		p->classes |= cls;
		if (cat >= 0 && cat <= GL_CAT_OTHER)
			p->cats |= (uint8_t)(1u << cat);
		p->negated += cat == GL_CAT_NEGATED;
		p->nonmed += cat == GL_CAT_NONMED;
		p->labs |= 1u << v->lab;
		if (!p->first_day || v->day < p->first_day)
			p->first_day = v->day;
		if (v->day > p->last_day)
			p->last_day = v->day;
	}
	if (owners) {
		int bad = fclose(owners) != 0;

		owners = NULL;
		if (bad) {
			fprintf(stderr, "bc-genleak: %s: write error\n", owners_path);
			goto out;
		}
	}
	if (g->dialect == D_HPRIM)
		hprim_end_message(g, &o);
	out_flush(&o);
	if (layout_close(g) < 0)
		goto out;
	if (o.err || (out_path && fclose(o.f) != 0)) {
		o.f = NULL;
		fprintf(stderr, "bc-genleak: %s: write error\n", out_path ? out_path : "stdout");
		goto out;
	}
	o.f = NULL;
	for (size_t i = 0; i < g->n_p; i++) {
		struct person *p = &g->p[i];
		int nl = 0;

		if ((size_t)p->twin_of > g->n_p) {
			p->twin_of = 0;
			p->hard &= (uint16_t)~HARD_TWIN;
		}

		for (int l = 0; l < N_LABS; l++)
			nl += (p->labs >> l) & 1;
		if (nl > 2)
			p->hard |= HARD_MULTI_LAB;
	}
	if (truth_path) {
		if (compute_shares(g, &shares, &n_shares))
			goto oom;
		t.f = fopen(truth_path, "wb");
		if (!t.f) {
			fprintf(stderr, "bc-genleak: %s: %s\n", truth_path, strerror(errno));
			goto out;
		}
		size_t si = 0;

		for (size_t i = 0; i < g->n_p; i++) {
			const struct person *p = &g->p[i];
			size_t s0;


			while (si < n_shares && shares[si].p < p->id)
				si++;
			s0 = si;
			while (si < n_shares && shares[si].p == p->id) {
				const struct person *q = &g->p[shares[si].q - 1];

				if (q->household == p->household && shares[si].kind < 2)
					g->p[i].hard |= shares[si].kind == 0 ? HARD_HOUSEHOLD_EMAIL : HARD_HOUSEHOLD_PHONE;
				si++;
			}
			write_truth_person(g, &t, p, shares + s0, si - s0);
		}
		out_flush(&t);
		if (t.err || fclose(t.f) != 0) {
			t.f = NULL;
			fprintf(stderr, "bc-genleak: %s: write error\n", truth_path);
			goto out;
		}
		t.f = NULL;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (stats) {
		for (int k = 0; k < DIRT_COUNT; k++)
			fprintf(stderr, "bc-genleak: dirt %-24s %lu\n", dirt_names[k], g->dirt[k]);
		fprintf(stderr, "bc-genleak: dirt %-24s %lu\nbc-genleak: dirt %-24s %lu\nbc-genleak: dirt %-24s %lu\n"
				"bc-genleak: dirt %-24s %lu\n",
			"short_row", g->lay.n[0], "long_row", g->lay.n[1], "comment_delimiter", g->lay.n[2],
			"hprim_continued", g->lay.n[3]);
	}
	if (!quiet)
		fprintf(stderr, "bc-genleak: %zu rows, %zu patients, %.2f s (seed %lu, %s)\n", g->n_v, g->n_p,
			(double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9, seed,
			g->dialect == D_COMMA_UTF8 ? "fr-comma-utf8" : g->dialect == D_HPRIM ? "hprim" : "fr-semicolon-cp1252");
	ret = 0;
	goto out;
oom:
	fputs("bc-genleak: out of memory\n", stderr);
out:
	if (o.f && o.f != stdout)
		fclose(o.f);
	if (owners)
		fclose(owners);
	if (t.f)
		fclose(t.f);
	free(o.buf);
	free(t.buf);
	if (g)
		layout_close(g);
	free(shares);
	free(row);
	if (g) {
		if (data_loaded)
			gl_data_release(&g->d);
		gl_sampler_release(&g->lab_sampler);
		set_release(&g->nirs);
		set_release(&g->phones);
		set_release(&g->emails);
		free(g->doctors);
		free(g->p);
		free(g->v);
		free(g);
	}
	return ret;
}
