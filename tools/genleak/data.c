#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "genleak.h"

int gl_sampler_init(struct gl_sampler *s, const uint64_t *weights, size_t n)
{
	uint64_t sum = 0;

	s->n = 0;
	s->cum = malloc((n ? n : 1) * sizeof(*s->cum));
	if (!s->cum)
		return -1;
	for (size_t i = 0; i < n; i++) {
		sum += weights[i];
		s->cum[i] = sum;
	}
	s->n = n;
	return sum ? 0 : -1;
}

void gl_sampler_release(struct gl_sampler *s)
{
	free(s->cum);
	s->cum = NULL;
	s->n = 0;
}

size_t gl_sampler_draw(const struct gl_sampler *s, struct gl_rng *r)
{
	uint64_t total = s->cum[s->n - 1];
	uint64_t x = gl_rng_next(r) % total;
	size_t lo = 0, hi = s->n - 1;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (s->cum[mid] > x)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

/* A loaded TSV file: its bytes (owned, split in place) and rows of columns. */
struct tsv {
	char *buf;
	char **cells;      /* rows * ncols */
	size_t rows, ncols;
};

static int tsv_load(struct tsv *t, const char *dir, const char *name, size_t ncols)
{
	char path[4096];
	FILE *f = NULL;
	long size;
	size_t cap = 0, line = 0;
	int ret = -1, header_seen = 0;
	char *p, *end;

	memset(t, 0, sizeof(*t));
	t->ncols = ncols;
	gl_fmt(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "rb");
	if (!f) {
		fprintf(stderr, "bc-genleak: %s: %s (use --data DIR)\n", path, strerror(errno));
		goto out;
	}
	if (fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0)
		goto io;
	t->buf = malloc((size_t)size + 1);
	if (!t->buf)
		goto io;
	if (fread(t->buf, 1, (size_t)size, f) != (size_t)size)
		goto io;
	t->buf[size] = '\0';
	p = t->buf;
	end = t->buf + size;
	while (p < end) {
		char *nl = memchr(p, '\n', (size_t)(end - p));
		char *le = nl ? nl : end;

		line++;
		*le = '\0';
		if (le > p && le[-1] == '\r')
			le[-1] = '\0';
		if (*p == '#' || *p == '\0') {
			p = le + 1;
			continue;
		}
		if (!header_seen) {
			header_seen = 1;
			p = le + 1;
			continue;
		}
		if (t->rows == cap) {
			size_t ncap = cap ? cap * 2 : 256;
			char **nc = realloc(t->cells, ncap * ncols * sizeof(*nc));

			if (!nc)
				goto io;
			t->cells = nc;
			cap = ncap;
		}
		char *c = p;

		for (size_t i = 0; i < ncols; i++) {
			char *tab = strchr(c, '\t');

			if (!tab && i + 1 < ncols) {
				fprintf(stderr, "bc-genleak: %s:%zu: expected %zu tab-separated columns\n",
					path, line, ncols);
				goto out;
			}
			if (tab)
				*tab = '\0';
			t->cells[t->rows * ncols + i] = c;
			c = tab ? tab + 1 : c + strlen(c);
		}
		t->rows++;
		p = le + 1;
	}
	if (t->rows == 0) {
		fprintf(stderr, "bc-genleak: %s: no data rows\n", path);
		goto out;
	}
	ret = 0;
	goto out;
io:
	fprintf(stderr, "bc-genleak: %s: cannot read file\n", path);
out:
	if (f)
		fclose(f);
	if (ret) {
		free(t->buf);
		free(t->cells);
		memset(t, 0, sizeof(*t));
	}
	return ret;
}

static const char *cell(const struct tsv *t, size_t row, size_t col)
{
	return t->cells[row * t->ncols + col];
}

static uint64_t num(const char *s)
{
	return strtoull(s, NULL, 10);
}

/* Keeps t->buf in d (its strings are referenced), frees the cell table. */
static void tsv_keep(struct gl_data *d, struct tsv *t)
{
	d->bufs[d->n_bufs++] = t->buf;
	t->buf = NULL;
	free(t->cells);
	t->cells = NULL;
}

int gl_data_dept(const struct gl_data *d, const char *code)
{
	for (size_t i = 0; i < d->n_depts; i++)
		if (strcmp(d->depts[i].code, code) == 0)
			return (int)i;
	return -1;
}

static int cat_of(const char *s)
{
	if (strcmp(s, "pregnancy") == 0)
		return GL_CAT_PREGNANCY;
	if (strcmp(s, "hiv") == 0)
		return GL_CAT_HIV;
	if (strcmp(s, "hepatitis") == 0)
		return GL_CAT_HEPATITIS;
	if (strcmp(s, "negated") == 0)
		return GL_CAT_NEGATED;
	if (strcmp(s, "none_medical") == 0)
		return GL_CAT_NONMED;
	if (strcmp(s, "diabetes") == 0 || strcmp(s, "anticoagulant_treatment") == 0 ||
	    strcmp(s, "cancer_chemotherapy") == 0 || strcmp(s, "other_history") == 0)
		return GL_CAT_OTHER;
	return -1;
}

/*
 * One loader per file: reads the rows of t into d (t->buf is then kept by d,
 * its strings being referenced). Returns 0 or -1 (message printed).
 */
static int load_surnames(struct gl_data *d, struct tsv *t, uint64_t *w)
{
	d->n_surnames = t->rows;
	d->surnames = calloc(t->rows, sizeof(*d->surnames));
	if (!d->surnames)
		return -1;
	for (size_t i = 0; i < t->rows; i++) {
		d->surnames[i].name = cell(t, i, 0);
		w[i] = num(cell(t, i, 1));
	}
	return gl_sampler_init(&d->surname_sampler, w, t->rows);
}

static int load_given(struct gl_data *d, struct tsv *t, uint64_t *w)
{
	d->n_given = t->rows;
	d->given = calloc(t->rows, sizeof(*d->given));
	for (int s = 0; s < 2; s++)
		d->given_idx[s] = calloc(t->rows, sizeof(size_t));
	if (!d->given || !d->given_idx[0] || !d->given_idx[1])
		return -1;
	for (int s = 0; s < 2; s++) {
		size_t n = 0;

		for (size_t i = 0; i < t->rows; i++) {
			char sex = cell(t, i, 1)[0];

			d->given[i].name = cell(t, i, 0);
			d->given[i].sex = sex;
			if (sex == (s ? 'F' : 'M')) {
				d->given_idx[s][n] = i;
				w[n++] = num(cell(t, i, 2));
			}
		}
		d->n_given_idx[s] = n;
		if (gl_sampler_init(&d->given_sampler[s], w, n))
			return -1;
	}
	return 0;
}

static int load_streets(struct gl_data *d, struct tsv *t, uint64_t *w)
{
	(void)w;
	d->n_streets = t->rows;
	d->streets = calloc(t->rows, sizeof(*d->streets));
	if (!d->streets)
		return -1;
	for (size_t i = 0; i < t->rows; i++) {
		d->streets[i].type = cell(t, i, 0);
		d->streets[i].name = cell(t, i, 1);
	}
	return 0;
}

static int load_depts(struct gl_data *d, struct tsv *t, uint64_t *w)
{
	d->n_depts = t->rows;
	d->depts = calloc(t->rows, sizeof(*d->depts));
	if (!d->depts)
		return -1;
	for (size_t i = 0; i < t->rows; i++) {
		struct gl_dept *dp = &d->depts[i];

		gl_fmt(dp->code, sizeof(dp->code), "%s", cell(t, i, 0));
		dp->name = cell(t, i, 1);
		dp->weight = w[i] = num(cell(t, i, 2));
		gl_fmt(dp->phone_prefix, sizeof(dp->phone_prefix), "%s", cell(t, i, 3));
		dp->e164 = (int)num(cell(t, i, 4));
	}
	return gl_sampler_init(&d->dept_sampler, w, t->rows);
}

/* After load_depts: each département gets its range of communes and a sampler by population. */
static int load_communes(struct gl_data *d, struct tsv *t, uint64_t *w)
{
	d->n_communes = t->rows;
	d->communes = calloc(t->rows, sizeof(*d->communes));
	if (!d->communes)
		return -1;
	for (size_t i = 0; i < t->rows; i++) {
		struct gl_commune *c = &d->communes[i];

		gl_fmt(c->insee, sizeof(c->insee), "%s", cell(t, i, 0));
		c->name = cell(t, i, 1);
		gl_fmt(c->postcode, sizeof(c->postcode), "%s", cell(t, i, 2));
		c->dept = gl_data_dept(d, cell(t, i, 3));
		c->population = num(cell(t, i, 4));
		w[i] = c->population ? c->population : 1;
		if (c->dept < 0 || strlen(c->insee) != 5 || strlen(c->postcode) != 5) {
			fprintf(stderr, "bc-genleak: communes.tsv: data row %zu: bad commune\n", i + 1);
			return -1;
		}
		if (i > 0 && c->dept != d->communes[i - 1].dept && d->depts[c->dept].n_communes) {
			fprintf(stderr, "bc-genleak: communes.tsv: rows must be grouped by département\n");
			return -1;
		}
		if (d->depts[c->dept].n_communes == 0)
			d->depts[c->dept].first_commune = i;
		d->depts[c->dept].n_communes++;
	}
	for (size_t i = 0; i < d->n_depts; i++) {
		struct gl_dept *dp = &d->depts[i];

		if (dp->n_communes == 0) {
			fprintf(stderr, "bc-genleak: communes.tsv: département %s has no commune\n", dp->code);
			return -1;
		}
		if (gl_sampler_init(&dp->communes, w + dp->first_commune, dp->n_communes))
			return -1;
	}
	return 0;
}

static int load_domains(struct gl_data *d, struct tsv *t, uint64_t *w)
{
	d->n_domains = t->rows;
	d->domains = calloc(t->rows, sizeof(*d->domains));
	if (!d->domains)
		return -1;
	for (size_t i = 0; i < t->rows; i++) {
		d->domains[i] = cell(t, i, 0);
		w[i] = num(cell(t, i, 1));
	}
	return gl_sampler_init(&d->domain_sampler, w, t->rows);
}

static int load_comments(struct gl_data *d, struct tsv *t, uint64_t *w)
{
	(void)w;
	for (int c = 0; c < GL_CAT_COUNT; c++) {
		d->comments[c] = calloc(t->rows, sizeof(char *));
		if (!d->comments[c])
			return -1;
	}
	for (size_t i = 0; i < t->rows; i++) {
		int c = cat_of(cell(t, i, 0));

		if (c < 0) {
			fprintf(stderr, "bc-genleak: medical_comments.tsv: data row %zu: unknown category\n", i + 1);
			return -1;
		}
		d->comments[c][d->n_comments[c]++] = cell(t, i, 1);
	}
	for (int c = 0; c < GL_CAT_COUNT; c++) {
		if (d->n_comments[c] == 0) {
			fprintf(stderr, "bc-genleak: medical_comments.tsv: a category has no comment\n");
			return -1;
		}
	}
	return 0;
}

static const struct {
	const char *file;
	size_t ncols;
	int (*load)(struct gl_data *d, struct tsv *t, uint64_t *w);
} loaders[] = {
	{ "fr_surnames.tsv", 2, load_surnames },
	{ "fr_given_names.tsv", 3, load_given },
	{ "fr_streets.tsv", 2, load_streets },
	{ "fr_departments.tsv", 5, load_depts },
	{ "communes.tsv", 5, load_communes },
	{ "fr_email_domains.tsv", 2, load_domains },
	{ "medical_comments.tsv", 2, load_comments },
};

int gl_data_load(struct gl_data *d, const char *dir)
{
	int ret = -1;

	memset(d, 0, sizeof(*d));
	for (size_t i = 0; i < sizeof(loaders) / sizeof(loaders[0]); i++) {
		struct tsv t;
		uint64_t *w;

		if (tsv_load(&t, dir, loaders[i].file, loaders[i].ncols))
			goto out;
		w = calloc(t.rows, sizeof(*w));
		if (!w || loaders[i].load(d, &t, w)) {
			if (!w)
				fputs("bc-genleak: out of memory\n", stderr);
			free(w);
			free(t.buf);
			free(t.cells);
			goto out;
		}
		free(w);
		tsv_keep(d, &t);
	}
	ret = 0;
out:
	if (ret)
		gl_data_release(d);
	return ret;
}

void gl_data_release(struct gl_data *d)
{
	for (size_t i = 0; i < d->n_bufs; i++)
		free(d->bufs[i]);
	free(d->surnames);
	gl_sampler_release(&d->surname_sampler);
	free(d->given);
	for (int s = 0; s < 2; s++) {
		free(d->given_idx[s]);
		gl_sampler_release(&d->given_sampler[s]);
	}
	free(d->streets);
	for (size_t i = 0; d->depts && i < d->n_depts; i++)
		gl_sampler_release(&d->depts[i].communes);
	free(d->depts);
	gl_sampler_release(&d->dept_sampler);
	free(d->communes);
	free(d->domains);
	gl_sampler_release(&d->domain_sampler);
	for (int c = 0; c < GL_CAT_COUNT; c++)
		free(d->comments[c]);
	memset(d, 0, sizeof(*d));
}
