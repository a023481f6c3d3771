#ifndef BC_GENLEAK_H
#define BC_GENLEAK_H

/*
 * Internal interfaces of bc-genleak, the synthetic leak generator (issue 2,
 * docs/genleak.md). Not part of the breachcheck library.
 */

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* ---- PRNG: xoshiro256** (Blackman & Vigna 2018) seeded by splitmix64. ---- */

struct gl_rng {
	uint64_t s[4];
};

static inline uint64_t gl_splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static inline void gl_rng_seed(struct gl_rng *r, uint64_t seed)
{
	uint64_t x = seed;

	for (int i = 0; i < 4; i++)
		r->s[i] = gl_splitmix64(&x);
}

static inline uint64_t gl_rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

static inline uint64_t gl_rng_next(struct gl_rng *r)
{
	uint64_t *s = r->s;
	uint64_t result = gl_rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = gl_rotl(s[3], 45);
	return result;
}

/* Uniform in [0, n), n >= 1 (multiply-shift; bias < 2^-32, irrelevant here). */
static inline uint32_t gl_rng_below(struct gl_rng *r, uint32_t n)
{
	return (uint32_t)(((gl_rng_next(r) >> 32) * (uint64_t)n) >> 32);
}

/* Uniform in [0, 1). */
static inline double gl_rng_unit(struct gl_rng *r)
{
	return (double)(gl_rng_next(r) >> 11) * 0x1.0p-53;
}

static inline int gl_rng_chance(struct gl_rng *r, double p)
{
	return gl_rng_unit(r) < p;
}

/* ---- Weighted sampler: cumulative table + binary search. ---- */

struct gl_sampler {
	uint64_t *cum;   /* cum[i] = sum of weights 0..i */
	size_t n;
};

/* Build from n weights (at least one > 0). Returns 0 or -1 (allocation). */
int gl_sampler_init(struct gl_sampler *s, const uint64_t *weights, size_t n);
void gl_sampler_release(struct gl_sampler *s);
/* Index drawn with probability weight / total. */
size_t gl_sampler_draw(const struct gl_sampler *s, struct gl_rng *r);

/* ---- Reference data (the TSV files of data/). ---- */

struct gl_surname {
	const char *name;
};

struct gl_given {
	const char *name;
	char sex;        /* 'M' or 'F' */
};

struct gl_street {
	const char *type;
	const char *name;
};

struct gl_dept {
	char code[4];
	const char *name;
	uint64_t weight;
	char phone_prefix[5];
	int e164;
	size_t first_commune, n_communes;   /* range in gl_data.communes */
	struct gl_sampler communes;          /* by population, indexes into the range */
};

struct gl_commune {
	char insee[6];
	const char *name;
	char postcode[6];
	int dept;          /* index into gl_data.depts */
	uint64_t population;
};

enum gl_comment_cat {
	GL_CAT_PREGNANCY,
	GL_CAT_HIV,
	GL_CAT_HEPATITIS,
	GL_CAT_OTHER,       /* diabetes, anticoagulants, cancer, other history */
	GL_CAT_NEGATED,
	GL_CAT_NONMED,
	GL_CAT_COUNT
};

struct gl_data {
	char *bufs[8];     /* the files' bytes, which all strings point into; owned */
	size_t n_bufs;

	struct gl_surname *surnames;
	size_t n_surnames;
	struct gl_sampler surname_sampler;

	struct gl_given *given;
	size_t n_given;
	struct gl_sampler given_sampler[2];  /* [0] M, [1] F: indexes into given_idx[sex] */
	size_t *given_idx[2];
	size_t n_given_idx[2];

	struct gl_street *streets;
	size_t n_streets;

	struct gl_dept *depts;
	size_t n_depts;
	struct gl_sampler dept_sampler;

	struct gl_commune *communes;
	size_t n_communes;

	const char **domains;
	size_t n_domains;
	struct gl_sampler domain_sampler;

	const char **comments[GL_CAT_COUNT];
	size_t n_comments[GL_CAT_COUNT];
};

/*
 * Load every data file from dir (fr_surnames.tsv, fr_given_names.tsv,
 * fr_streets.tsv, fr_departments.tsv, fr_email_domains.tsv,
 * medical_comments.tsv, communes.tsv). On error prints "file:line: reason"
 * to stderr and returns -1; d is then released.
 */
int gl_data_load(struct gl_data *d, const char *dir);
void gl_data_release(struct gl_data *d);
/* Index of a département code ("75", "2A", "974"), or -1. */
int gl_data_dept(const struct gl_data *d, const char *code);

/* ---- Text helpers (UTF-8 in, NUL-terminated out, truncating at outsize). ---- */

/* Canonical last name (DESIGN §4 "name"); returns its length (0 = empty). */
size_t gl_canon_name(const char *in, char *out, size_t outsize);
/* Canonical first name: the first given name (split on space, hyphen, comma). */
size_t gl_canon_first(const char *in, char *out, size_t outsize);
/* Uppercase; accents and marks removed (and Œ -> OE ...) when strip is set. */
size_t gl_upper(const char *in, char *out, size_t outsize, int strip);
/* ASCII fold for email local parts: accents removed, lowercase, keeps [a-z0-9]. */
size_t gl_ascii_fold(const char *in, char *out, size_t outsize);
/* UTF-8 text decoded as if its bytes were Windows-1252, re-encoded in UTF-8. */
size_t gl_mojibake(const char *in, char *out, size_t outsize);
/* Encode UTF-8 as Windows-1252; unmappable code points lose their accents, else '?'. */
size_t gl_to_cp1252(const char *in, char *out, size_t outsize);
/* snprintf that may truncate on purpose (always NUL-terminates when size > 0). */
void gl_fmt(char *out, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Byte length of the UTF-8 sequence starting with byte c (1 for invalid). */
size_t gl_utf8_len(unsigned char c);

#endif
