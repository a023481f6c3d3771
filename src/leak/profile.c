#include "leak/profile.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "normalize/normalize.h"

#define KEY_BYTES crypto_shorthash_siphashx24_BYTES /* 16 */
#define KIND_NIR 1
#define KIND_NAMEDOB 2

struct entry {
	unsigned char key[KEY_BYTES];
	uint32_t flags;           /* NIR: classes of its rows; NAMEDOB: classes of its rows without NIR */
	uint32_t link;            /* NAMEDOB: 1 + index of a NIR entry seen with it, 0 = none */
	uint32_t labs;            /* bit i: source i (the first 32 sources) */
	uint16_t first_month, last_month; /* sample months, 0 = unknown */
	unsigned char kind;       /* 0 = empty slot */
	unsigned char nonir;      /* NAMEDOB: seen on a row without a valid NIR */
};

/* grouped mode: what a row adds to its patient's counts (no identifier) */
struct leak_profile_fact {
	uint32_t flags;
	uint32_t labs;
	uint16_t month;           /* sample month, 0 = unknown */
	uint16_t pad;
};

struct leak_patient_set {
	struct entry *e;
	size_t cap, used;
	unsigned char hkey[crypto_shorthash_siphashx24_KEYBYTES];
};

static size_t slot_of(const struct leak_patient_set *s, const unsigned char *key)
{
	uint64_t h;
	size_t i;

	memcpy(&h, key, sizeof(h));
	i = (size_t)h & (s->cap - 1);
	while (s->e[i].kind && memcmp(s->e[i].key, key, KEY_BYTES))
		i = (i + 1) & (s->cap - 1);
	return i;
}

/*
 * The name of source i as printed, or "source N (hidden)" when it may be a
 * person's data: a value that reads as an email, NIR, phone or date, or any
 * value of a "lab" column with too many distinct values to be a list of labs
 * (a mis-mapped column of names).
 */
static const char *source_label(const struct leak_profile *p, unsigned i, char *buf, size_t size)
{
	const char *v = p->source_name[i], *d;
	size_t n = strlen(v), digits;
	char tmp[BC_EMAIL_MAX];
	int hide;

	/* the catalogue's rule too (ingest: an '@' or 8 digits or more), so that the
	 * profile, its HTML report and the catalogue withhold the same names */
	for (digits = 0, d = v; *d; d++)
		digits += *d >= '0' && *d <= '9';
	hide = p->source_other > 0 || (p->n_sources > 32 && 2 * (unsigned long)p->n_sources > p->rows) ||
	       strchr(v, '@') != NULL || digits >= 8 ||
	       bc_norm_nir(v, n, tmp, sizeof(tmp), NULL) == BC_NORM_OK ||
	       bc_norm_phone(v, n, tmp, sizeof(tmp)) == BC_NORM_OK ||
	       bc_norm_dob(v, n, NULL, tmp, sizeof(tmp)) == BC_NORM_OK;
	if (!hide)
		return v;
	snprintf(buf, size, "source %u (hidden)", i + 1);
	return buf;
}

/* Fields of which a record keeps one value (a second column of the same field is not read). */
static int single_valued(enum leak_field f)
{
	switch (f) {
	case LEAK_FIELD_LAST_NAME:
	case LEAK_FIELD_BIRTH_NAME:
	case LEAK_FIELD_USAGE_NAME:
	case LEAK_FIELD_FIRST_NAME:
	case LEAK_FIELD_DOB:
	case LEAK_FIELD_NIR:
	case LEAK_FIELD_LAB:
	case LEAK_FIELD_SAMPLE_DATE:
		return 1;
	default:
		return 0;
	}
}

static unsigned first_column_of(const struct leak_columns *c, unsigned i)
{
	unsigned j;

	for (j = 0; j < i; j++)
		if (c->field[j] == c->field[i])
			return j;
	return i;
}

/* The next column after i with the same field, or c->n. */
static unsigned next_column_of(const struct leak_columns *c, unsigned i)
{
	unsigned j;

	for (j = i + 1; j < c->n; j++)
		if (c->field[j] == c->field[i])
			return j;
	return c->n;
}

/* Wipe the used slots only: untouched calloc pages stay unmapped (a small file keeps a small RSS). */
static void wipe_entries(struct entry *e, size_t cap)
{
	size_t i;

	for (i = 0; i < cap; i++)
		if (e[i].kind)
			sodium_memzero(&e[i], sizeof(e[i]));
}

static int grow(struct leak_patient_set *s)
{
	struct entry *old = s->e, *ne;
	size_t oldcap = s->cap, i, j;
	uint32_t *map;

	ne = calloc(oldcap * 2, sizeof(*ne));
	map = malloc(oldcap * sizeof(*map));
	if (!ne || !map) {
		free(ne);
		free(map);
		return -1;
	}
	s->e = ne;
	s->cap = oldcap * 2;
	for (i = 0; i < oldcap; i++) {
		if (!old[i].kind)
			continue;
		j = slot_of(s, old[i].key);
		ne[j] = old[i];
		map[i] = (uint32_t)j;
	}
	for (i = 0; i < s->cap; i++)
		if (ne[i].kind == KIND_NAMEDOB && ne[i].link)
			ne[i].link = map[ne[i].link - 1] + 1;
	free(map);
	wipe_entries(old, oldcap);
	free(old);
	return 0;
}

static void prefetch_slot(const struct leak_patient_set *s, const unsigned char *key)
{
	uint64_t h;

	memcpy(&h, key, sizeof(h));
	__builtin_prefetch(&s->e[(size_t)h & (s->cap - 1)], 1);
}

/* Find or insert; returns the slot index or (size_t)-1 on allocation failure. */
static size_t upsert(struct leak_patient_set *s, const unsigned char *key, unsigned char kind)
{
	size_t i;

	if ((s->used + 1) * 4 > s->cap * 3 && grow(s) < 0)
		return (size_t)-1;
	i = slot_of(s, key);
	if (!s->e[i].kind) {
		memcpy(s->e[i].key, key, KEY_BYTES);
		s->e[i].kind = kind;
		s->used++;
	}
	return i;
}

/*
 * 16-byte keyed hash of the NUL-separated parts (SipHash-2-4 with 128-bit
 * output, libsodium crypto_shorthash_siphashx24, random key per run): a PRF,
 * so the set holds nothing that leads back to an identifier without the key,
 * and the key is wiped when the profile is released.
 */
static void keyed_hash(const struct leak_patient_set *s, unsigned char out[KEY_BYTES],
		       const char *a, const char *b, const char *c, const char *d)
{
	const char *parts[4] = { a, b, c, d };
	unsigned char buf[2 * BC_NAME_MAX + 64];
	size_t n = 0, k;
	int i;

	for (i = 0; i < 4; i++) {
		if (!parts[i])
			continue;
		k = strlen(parts[i]);
		if (n + k + 1 > sizeof(buf))
			k = sizeof(buf) - n - 1;
		memcpy(buf + n, parts[i], k);
		n += k;
		buf[n++] = 0;
	}
	crypto_shorthash_siphashx24(out, buf, n, s->hkey);
	sodium_memzero(buf, n);
}

int leak_profile_init(struct leak_profile *p, struct bc_error *err)
{
	memset(p, 0, sizeof(*p));
	if (sodium_init() < 0)
		return bc_error_set(err, bc_err_crypto_failed, "libsodium could not be initialised");
	p->set = calloc(1, sizeof(*p->set));
	if (!p->set)
		goto oom;
	p->set->cap = 1u << 20; /* calloc: pages are only touched when used */
	p->set->e = calloc(p->set->cap, sizeof(struct entry));
	if (!p->set->e)
		goto oom;
	randombytes_buf(p->set->hkey, sizeof(p->set->hkey));
	return 0;
oom:
	leak_profile_release(p);
	return bc_error_set(err, bc_err_out_of_memory, "cannot allocate the patient set");
}

int leak_profile_init_grouped(struct leak_profile *p, struct bc_error *err)
{
	memset(p, 0, sizeof(*p));
	if (sodium_init() < 0)
		return bc_error_set(err, bc_err_crypto_failed, "libsodium could not be initialised");
	p->grouped = 1;
	return 0;
}

void leak_profile_release(struct leak_profile *p)
{
	free(p->facts);
	p->facts = NULL;
	p->cap_facts = 0;
	if (!p->set)
		return;
	if (p->set->e) {
		wipe_entries(p->set->e, p->set->cap);
		free(p->set->e);
	}
	sodium_memzero(p->set->hkey, sizeof(p->set->hkey));
	free(p->set);
	p->set = NULL;
}

/* Count a row's source; returns its bit for the patient set (0 beyond 32 sources). */
static uint32_t count_source(struct leak_profile *p, const char *src)
{
	unsigned i;

	if (!src[0]) {
		p->source_none++;
		return 0;
	}
	if (p->last_source < p->n_sources && !strcmp(p->source_name[p->last_source], src)) {
		i = p->last_source;
		goto found;
	}
	for (i = 0; i < p->n_sources; i++)
		if (!strcmp(p->source_name[i], src))
			goto found;
	if (p->n_sources >= LEAK_PROFILE_MAX_SOURCES) {
		p->source_other++;
		return 0;
	}
	memcpy(p->source_name[p->n_sources], src, strlen(src) + 1);
	i = p->n_sources++;
found:
	p->source_rows[i]++;
	p->last_source = i;
	return i < 32 ? BC_BIT(i) : 0;
}

static void merge_visit(struct entry *e, uint32_t flags, uint32_t labs, uint16_t first, uint16_t last)
{
	e->flags |= flags;
	e->labs |= labs;
	if (first && (!e->first_month || first < e->first_month))
		e->first_month = first;
	if (last > e->last_month)
		e->last_month = last;
}

static int oom(struct bc_error *err)
{
	return bc_error_set(err, bc_err_out_of_memory, "cannot grow the patient set");
}

int leak_profile_add(struct leak_profile *p, const struct bc_record *rec, struct bc_error *err)
{
	struct leak_patient_set *s = p->set;
	unsigned char kn[KEY_BYTES], kd[BC_RECORD_MAX_NAMES][KEY_BYTES];
	size_t in, id, cap;
	uint32_t labs, f;
	unsigned b, nk;
	int namedob;

	p->rows++;
	for (f = rec->flags; f; f &= f - 1)
		p->class_rows[__builtin_ctz(f)]++;
	switch (rec->nir_status) {
	case BC_NORM_OK:
		if (rec->nir_had_key)
			p->nir_valid++;
		else
			p->nir_no_key++;
		break;
	case BC_NORM_EMPTY:
		p->nir_absent++;
		break;
	case BC_NORM_INVALID_KEY:
		p->nir_wrong_key++;
		break;
	default:
		p->nir_malformed++;
		break;
	}
	if (rec->dob_status == BC_NORM_OK)
		p->dob_valid++;
	else if (rec->dob_status == BC_NORM_INCOMPLETE_DATE)
		p->dob_incomplete++;
	else if (rec->dob_status == BC_NORM_EMPTY)
		p->dob_absent++;
	else
		p->dob_invalid++;
	if (rec->sample_year >= LEAK_PROFILE_YEAR_MIN && rec->sample_year <= LEAK_PROFILE_YEAR_MAX)
		p->year_rows[rec->sample_year - LEAK_PROFILE_YEAR_MIN]++;
	if (rec->sample_month >= 1 && rec->sample_month <= 100 * 12)
		p->month_rows[rec->sample_month - 1]++;
	if (!(rec->sample_year >= LEAK_PROFILE_YEAR_MIN && rec->sample_year <= LEAK_PROFILE_YEAR_MAX))
		p->year_unknown++;
	labs = count_source(p, rec->source);
	if (p->grouped) {
		if (p->rows > p->cap_facts) {
			size_t nc = p->cap_facts ? p->cap_facts * 2 : 1024;
			struct leak_profile_fact *nf = realloc(p->facts, nc * sizeof(*nf));

			if (!nf)
				return bc_error_set(err, bc_err_out_of_memory, "cannot keep row %lu's counts", p->rows);
			p->facts = nf;
			p->cap_facts = nc;
		}
		p->facts[p->rows - 1] = (struct leak_profile_fact){
			.flags = rec->flags,
			.labs = labs,
			.month = rec->sample_month >= 1 && rec->sample_month <= 100 * 12 ? (uint16_t)rec->sample_month : 0,
		};
		return 0;
	}

	namedob = rec->n_last_names > 0 && rec->first_name[0] && rec->dob[0];
	nk = 0;
	if (namedob)
		for (b = 0; b < (unsigned)(rec->nir[0] ? rec->n_last_names : 1); b++)
			keyed_hash(s, kd[nk++], "namedob", rec->last_names[b], rec->first_name, rec->dob);
	if (rec->nir[0]) {
		keyed_hash(s, kn, "nir", rec->nir, NULL, NULL);
		/* the set is far larger than the caches: start every miss at once */
		prefetch_slot(s, kn);
		for (b = 0; b < nk; b++)
			prefetch_slot(s, kd[b]);
		in = upsert(s, kn, KIND_NIR);
		if (in == (size_t)-1)
			return oom(err);
		merge_visit(&s->e[in], rec->flags, labs, rec->sample_month, rec->sample_month);
		for (b = 0; b < nk; b++) {
			cap = s->cap;
			id = upsert(s, kd[b], KIND_NAMEDOB);
			if (id == (size_t)-1)
				return oom(err);
			/* the NIR entry moved if the table grew */
			if (cap != s->cap)
				in = slot_of(s, kn);
			if (!s->e[id].link)
				s->e[id].link = (uint32_t)in + 1;
		}
	} else if (namedob) {
		id = upsert(s, kd[0], KIND_NAMEDOB);
		if (id == (size_t)-1)
			return oom(err);
		s->e[id].nonir = 1;
		merge_visit(&s->e[id], rec->flags, labs, rec->sample_month, rec->sample_month);
	} else {
		p->rows_unlinked++;
	}
	return 0;
}

static void count_patient(struct leak_profile *p, const struct entry *e)
{
	unsigned b;
	int y;

	p->patients++;
	for (b = 0; b < 32; b++) {
		if (e->flags & BC_BIT(b))
			p->class_patients[b]++;
		if (e->labs & BC_BIT(b))
			p->source_patients[b]++;
	}
	if (e->first_month) {
		y = 2000 + (e->first_month - 1) / 12;
		if (y <= LEAK_PROFILE_YEAR_MAX)
			p->first_year_patients[y - LEAK_PROFILE_YEAR_MIN]++;
	}
}

void leak_profile_finish(struct leak_profile *p)
{
	struct leak_patient_set *s = p->set;
	size_t i;

	p->patients = 0;
	memset(p->class_patients, 0, sizeof(p->class_patients));
	memset(p->source_patients, 0, sizeof(p->source_patients));
	memset(p->first_year_patients, 0, sizeof(p->first_year_patients));
	if (!s)
		return;
	for (i = 0; i < s->cap; i++)
		if (s->e[i].kind == KIND_NAMEDOB && s->e[i].nonir && s->e[i].link)
			merge_visit(&s->e[s->e[i].link - 1], s->e[i].flags, s->e[i].labs,
				    s->e[i].first_month, s->e[i].last_month);
	for (i = 0; i < s->cap; i++) {
		if (s->e[i].kind == KIND_NIR)
			count_patient(p, &s->e[i]);
		else if (s->e[i].kind == KIND_NAMEDOB && s->e[i].nonir && !s->e[i].link)
			count_patient(p, &s->e[i]);
	}
}

int leak_profile_finish_grouped(struct leak_profile *p, uint32_t (*patient_of)(const void *ctx, size_t row),
				const void *ctx, uint32_t npatients, struct bc_error *err)
{
	struct entry *e;
	size_t i;
	uint32_t q;

	if (!p->grouped)
		return bc_error_set(err, bc_err_usage, "the profile was not started with leak_profile_init_grouped");
	p->patients = 0;
	p->rows_unlinked = 0;
	memset(p->class_patients, 0, sizeof(p->class_patients));
	memset(p->source_patients, 0, sizeof(p->source_patients));
	memset(p->first_year_patients, 0, sizeof(p->first_year_patients));
	e = calloc(npatients ? npatients : 1, sizeof(*e));
	if (!e)
		return bc_error_set(err, bc_err_out_of_memory, "cannot count %lu patients", (unsigned long)npatients);
	for (i = 0; i < p->rows; i++) {
		const struct leak_profile_fact *f = &p->facts[i];

		q = patient_of(ctx, i);
		if (q >= npatients) {
			p->rows_unlinked++;
			continue;
		}
		merge_visit(&e[q], f->flags, f->labs, f->month, f->month);
	}
	for (q = 0; q < npatients; q++)
		count_patient(p, &e[q]);
	free(e);
	return 0;
}

/* ---- output ---- */

static double pct(unsigned long n, unsigned long total)
{
	return total ? 100.0 * (double)n / (double)total : 0.0;
}

static unsigned sorted_sources(const struct leak_profile *p, unsigned *order)
{
	unsigned i, j, t;

	for (i = 0; i < p->n_sources; i++)
		order[i] = i;
	for (i = 1; i < p->n_sources; i++)
		for (j = i; j > 0; j--) {
			const unsigned a = order[j - 1], b = order[j];

			if (p->source_rows[a] > p->source_rows[b] ||
			    (p->source_rows[a] == p->source_rows[b] &&
			     strcmp(p->source_name[a], p->source_name[b]) <= 0))
				break;
			t = order[j - 1];
			order[j - 1] = order[j];
			order[j] = t;
		}
	return p->n_sources;
}

static const unsigned sensitive_bits[] = {
	BC_CLASS_MEDICAL_COMMENT, BC_CLASS_PREGNANCY, BC_CLASS_HIV, BC_CLASS_HEPATITIS,
	BC_CLASS_OTHER_MEDICAL,
};

/* Copy with control bytes shown as '?', padded with spaces to width characters. */
static void printable(const char *in, char *out, size_t outsize, size_t width)
{
	size_t i, o = 0, chars = 0;

	for (i = 0; in[i] && o + 1 < outsize; i++) {
		out[o++] = (unsigned char)in[i] < 0x20 || in[i] == 0x7F ? '?' : in[i];
		chars += ((unsigned char)in[i] & 0xC0) != 0x80;
	}
	while (chars++ < width && o + 1 < outsize)
		out[o++] = ' ';
	out[o] = '\0';
}

int leak_profile_write_text(const struct leak_profile *p, const struct leak_reader *r,
			    const char *name, FILE *out)
{
	const struct leak_stats *st = &r->stats;
	const struct leak_columns *c = &r->columns;
	unsigned order[LEAK_PROFILE_MAX_SOURCES], i, j, unmapped = 0;
	char hdr[LEAK_HEADER_NAME_MAX + 40];
	char label[48];
	int y;

	fprintf(out, "breachcheck profile of %s\n\n", name);
	fprintf(out, "File\n");
	fprintf(out, "  %-28s %s\n", "encoding", leak_encoding_name(r->dialect.encoding));
	if (r->dialect.encoding_why[0])
		fprintf(out, "  %-28s %s\n", "encoding evidence", r->dialect.encoding_why);
	if (r->dialect.format == LEAK_FORMAT_HPRIM)
		fprintf(out, "  %-28s %s\n", "dialect", "hprim (HPRIM Sant\xc3\xa9 2.x records)");
	fprintf(out, "  %-28s %s\n", "delimiter", leak_delimiter_name(r->dialect.delimiter));
	fprintf(out, "  %-28s %s\n", "quote", r->dialect.quote == '"' ? "double" :
					       r->dialect.quote == '\'' ? "single" : "none");
	fprintf(out, "  %-28s %s\n", "header", r->dialect.header ? "yes" : "no");
	fprintf(out, "  %-28s %s\n", "line endings", leak_newline_name(r->dialect.newline));
	fprintf(out, "  %-28s %llu\n", "bytes", st->bytes);
	fprintf(out, "  %-28s %lu\n", "lines", st->lines);
	fprintf(out, "  %-28s %lu\n", "rows read", st->rows);
	fprintf(out, "  %-28s %lu\n", "rows skipped", st->rows_skipped);
	fprintf(out, "  %-28s %lu\n", "blank lines", st->blank_lines);
	fprintf(out, "  %-28s %lu\n", "rows before the header", st->preamble_rows);
	fprintf(out, "  %-28s %lu\n", "header lines repeated", st->repeated_headers);
	fprintf(out, "  %-28s %lu\n", "replaced characters", st->replaced);

	fprintf(out, "\nColumns\n");
	for (i = 0; i < c->n; i++) {
		printable(r->dialect.header || r->dialect.format == LEAK_FORMAT_HPRIM ? c->header[i] : "-", hdr,
			  sizeof(hdr), 32);
		fprintf(out, "  %3u  %s %s", i + 1, hdr, leak_field_name(c->field[i]));
		if (c->field[i] == LEAK_FIELD_NONE && r->inference.rows && r->inference.field[i] != LEAK_FIELD_NONE)
			fprintf(out, " (content looks like %s: %s)", leak_field_name(r->inference.field[i]),
				r->inference.evidence[i]);
		fprintf(out, "\n");
		unmapped += c->field[i] == LEAK_FIELD_NONE;
	}
	fprintf(out, "  unmapped columns: %u", unmapped);
	for (i = 0, j = 0; i < c->n; i++)
		if (c->field[i] == LEAK_FIELD_NONE)
			fprintf(out, "%s%u", j++ ? ", " : " (", i + 1);
	fprintf(out, "%s\n", j ? ")" : "");
	if (c->n_fields > c->n)
		fprintf(out, "  columns not read: %u (%u to %u, beyond %u)\n", c->n_fields - c->n, c->n + 1,
			c->n_fields, LEAK_MAX_COLUMNS);
	for (i = 0; i < c->n; i++) {
		if (!single_valued(c->field[i]) || first_column_of(c, i) != i ||
		    next_column_of(c, i) == c->n)
			continue;
		fprintf(out, "  %s in several columns (", leak_field_name(c->field[i]));
		for (j = i; j < c->n; j = next_column_of(c, j))
			fprintf(out, "%s%u", j != i ? ", " : "", j + 1);
		fprintf(out, "): one value per row is kept, the first usable one\n");
	}

	fprintf(out, "\nBad rows by reason (first lines)\n");
	for (i = 0; i < LEAK_REASON_COUNT; i++) {
		fprintf(out, "  %-28s %9lu", leak_reason_name((enum leak_reason)i), st->reason_rows[i]);
		for (j = 0; j < LEAK_STATS_LINES && st->reason_lines[i][j]; j++)
			fprintf(out, "%s%lu", j ? ", " : "   lines ", st->reason_lines[i][j]);
		if (st->reason_rows[i] > LEAK_STATS_LINES)
			fprintf(out, ", ...");
		fprintf(out, "\n");
	}
	leak_profile_write_rows(r, out);
	if (r->inference.applied) {
		fprintf(out, "\nColumns inferred from their content (no header): a mapping file to save, edit and pass\n"
			     "with --mapping (ingest asks for it, or for --mapping auto)\n");
		leak_inference_write_mapping(r, name, out);
	}

	fprintf(out, "\nCoverage per data class           rows            patients\n");
	for (i = 0; i < 12; i++)
		fprintf(out, "  %-28s %9lu %5.1f %%  %9lu %5.1f %%\n", bc_class_name(i), p->class_rows[i],
			pct(p->class_rows[i], p->rows), p->class_patients[i],
			pct(p->class_patients[i], p->patients));

	fprintf(out, "\nNIR\n");
	fprintf(out, "  %-28s %9lu  %5.1f %%\n", "valid, with key", p->nir_valid, pct(p->nir_valid, p->rows));
	fprintf(out, "  %-28s %9lu  %5.1f %%\n", "valid, no key", p->nir_no_key, pct(p->nir_no_key, p->rows));
	fprintf(out, "  %-28s %9lu  %5.1f %%\n", "wrong key", p->nir_wrong_key, pct(p->nir_wrong_key, p->rows));
	fprintf(out, "  %-28s %9lu  %5.1f %%\n", "malformed", p->nir_malformed, pct(p->nir_malformed, p->rows));
	fprintf(out, "  %-28s %9lu  %5.1f %%\n", "absent", p->nir_absent, pct(p->nir_absent, p->rows));

	fprintf(out, "\nDate of birth\n");
	fprintf(out, "  %-28s %9lu  %5.1f %%\n", "valid", p->dob_valid, pct(p->dob_valid, p->rows));
	fprintf(out, "  %-28s %9lu  %5.1f %%\n", "day or month unknown", p->dob_incomplete,
		pct(p->dob_incomplete, p->rows));
	fprintf(out, "  %-28s %9lu  %5.1f %%\n", "not understood", p->dob_invalid, pct(p->dob_invalid, p->rows));
	fprintf(out, "  %-28s %9lu  %5.1f %%\n", "absent", p->dob_absent, pct(p->dob_absent, p->rows));

	fprintf(out, "\nPatients\n");
	fprintf(out, "  %-28s %9lu\n", "distinct patients", p->patients);
	fprintf(out, "  %-28s %9lu\n", "rows not linkable", p->rows_unlinked);
	for (i = 0; i < p->n_unlinked_reasons; i++)
		if (p->unlinked_rows[i])
			fprintf(out, "    %-26s %9lu  %s\n", p->unlinked_name[i], p->unlinked_rows[i],
				p->unlinked_text[i]);

	fprintf(out, "\nSources (labs)                    rows            patients\n");
	sorted_sources(p, order);
	for (i = 0; i < p->n_sources; i++) {
		printable(source_label(p, order[i], label, sizeof(label)), hdr, sizeof(hdr), 28);
		fprintf(out, "  %s %9lu %5.1f %%", hdr, p->source_rows[order[i]],
			pct(p->source_rows[order[i]], p->rows));
		if (order[i] < 32)
			fprintf(out, "  %9lu %5.1f %%", p->source_patients[order[i]],
				pct(p->source_patients[order[i]], p->patients));
		fprintf(out, "\n");
	}
	if (p->source_other)
		fprintf(out, "  %-28s %9lu %5.1f %%\n", "(other)", p->source_other, pct(p->source_other, p->rows));
	if (p->source_none)
		fprintf(out, "  %-28s %9lu %5.1f %%\n", "(none)", p->source_none, pct(p->source_none, p->rows));

	fprintf(out, "\nSample years                      rows    patients (first sample)\n");
	for (y = LEAK_PROFILE_YEAR_MIN; y <= LEAK_PROFILE_YEAR_MAX; y++) {
		i = (unsigned)(y - LEAK_PROFILE_YEAR_MIN);
		if (p->year_rows[i] || p->first_year_patients[i])
			fprintf(out, "  %-28d %9lu %5.1f %%  %9lu %5.1f %%\n", y, p->year_rows[i],
				pct(p->year_rows[i], p->rows), p->first_year_patients[i],
				pct(p->first_year_patients[i], p->patients));
	}
	if (p->year_unknown)
		fprintf(out, "  %-28s %9lu %5.1f %%\n", "unknown", p->year_unknown, pct(p->year_unknown, p->rows));

	fprintf(out, "\nSensitive categories          rows  patients\n");
	for (i = 0; i < sizeof(sensitive_bits) / sizeof(sensitive_bits[0]); i++)
		fprintf(out, "  %-28s %9lu %9lu\n", bc_class_name(sensitive_bits[i]),
			p->class_rows[sensitive_bits[i]], p->class_patients[sensitive_bits[i]]);
	return ferror(out) ? -1 : 0;
}

static int jset(json_t *o, const char *k, json_t *v)
{
	return v ? json_object_set_new(o, k, v) : -1;
}

/* "dialect" and the reader's line counts. */
static int profile_file_json(json_t *o, const struct leak_reader *r)
{
	const struct leak_stats *st = &r->stats;
	char q[2] = { r->dialect.quote, 0 };
	json_t *d;
	int bad = 0;

	d = json_object();
	bad |= jset(o, "dialect", d);
	if (d) {
		bad |= jset(d, "encoding", json_string(leak_encoding_name(r->dialect.encoding)));
		if (r->dialect.encoding_why[0])
			bad |= jset(d, "encoding_evidence", json_string(r->dialect.encoding_why));
		if (r->dialect.format == LEAK_FORMAT_HPRIM)
			bad |= jset(d, "format", json_string(leak_format_name(r->dialect.format)));
		bad |= jset(d, "delimiter", json_string(leak_delimiter_name(r->dialect.delimiter)));
		bad |= jset(d, "quote", r->dialect.quote ? json_string(q) : json_null());
		bad |= jset(d, "header", json_boolean(r->dialect.header));
		bad |= jset(d, "line_endings", json_string(leak_newline_name(r->dialect.newline)));
	}
	bad |= jset(o, "bytes", json_integer((json_int_t)st->bytes));
	bad |= jset(o, "lines", json_integer((json_int_t)st->lines));
	bad |= jset(o, "rows", json_integer((json_int_t)st->rows));
	bad |= jset(o, "rows_skipped", json_integer((json_int_t)st->rows_skipped));
	bad |= jset(o, "blank_lines", json_integer((json_int_t)st->blank_lines));
	bad |= jset(o, "rows_before_header", json_integer((json_int_t)st->preamble_rows));
	bad |= jset(o, "repeated_headers", json_integer((json_int_t)st->repeated_headers));
	bad |= jset(o, "replaced_characters", json_integer((json_int_t)st->replaced));

	return bad;
}

/* The inferred field of column i, when inference ran and found one. */
static int profile_inferred_json(json_t *x, const struct leak_reader *r, unsigned i)
{
	int bad = 0;

	if (r->inference.rows && r->inference.field[i] != LEAK_FIELD_NONE) {
		bad |= jset(x, "inferred_field", json_string(leak_field_name(r->inference.field[i])));
		bad |= jset(x, "inferred_evidence", json_string(r->inference.evidence[i]));
	}
	return bad;
}

/* "columns", "unmapped_columns", "columns_not_read", "duplicate_fields". */
static int profile_columns_json(json_t *o, const struct leak_reader *r)
{
	const struct leak_columns *c = &r->columns;
	json_t *a, *x;
	unsigned i, j;
	int bad = 0;

	a = json_array();
	bad |= jset(o, "columns", a);
	for (i = 0; a && i < c->n; i++) {
		x = json_object();
		if (!x || json_array_append_new(a, x) < 0) {
			bad = 1;
			break;
		}
		bad |= jset(x, "index", json_integer(i + 1));
		bad |= jset(x, "header", r->dialect.header ? json_string(c->header[i]) : json_null());
		bad |= jset(x, "field", json_string(leak_field_name(c->field[i])));
		bad |= profile_inferred_json(x, r, i);
	}
	a = json_array();
	bad |= jset(o, "unmapped_columns", a);
	for (i = 0; a && i < c->n; i++)
		if (c->field[i] == LEAK_FIELD_NONE)
			bad |= json_array_append_new(a, json_integer(i + 1));

	bad |= jset(o, "columns_not_read", json_integer(c->n_fields > c->n ? c->n_fields - c->n : 0));
	a = json_array();
	bad |= jset(o, "duplicate_fields", a);
	for (i = 0; a && i < c->n; i++) {
		json_t *cols;

		if (!single_valued(c->field[i]) || first_column_of(c, i) != i ||
		    next_column_of(c, i) == c->n)
			continue;
		x = json_object();
		cols = json_array();
		if (!x || json_array_append_new(a, x) < 0) {
			json_decref(cols);
			bad = 1;
			break;
		}
		bad |= jset(x, "field", json_string(leak_field_name(c->field[i])));
		bad |= profile_inferred_json(x, r, i);
		bad |= jset(x, "columns", cols);
		for (j = i; cols && j < c->n; j = next_column_of(c, j))
			bad |= json_array_append_new(cols, json_integer(j + 1));
	}

	return bad;
}

/* "bad_rows": rows and first lines per reason. */
static int profile_bad_rows_json(json_t *o, const struct leak_stats *st)
{
	json_t *d, *x, *lines;
	unsigned i, j;
	int bad = 0;

	d = json_object();
	bad |= jset(o, "bad_rows", d);
	for (i = 0; d && i < LEAK_REASON_COUNT; i++) {
		x = json_object();
		bad |= jset(d, leak_reason_name((enum leak_reason)i), x);
		if (!x)
			continue;
		bad |= jset(x, "rows", json_integer((json_int_t)st->reason_rows[i]));
		lines = json_array();
		bad |= jset(x, "first_lines", lines);
		for (j = 0; lines && j < LEAK_STATS_LINES && st->reason_lines[i][j]; j++)
			bad |= json_array_append_new(lines, json_integer((json_int_t)st->reason_lines[i][j]));
	}

	return bad;
}

/* "coverage" per data class, "nir" and "dob" states, "patients", "rows_unlinked". */
static int profile_quality_json(json_t *o, const struct leak_profile *p)
{
	json_t *d, *x;
	unsigned i;
	int bad = 0;

	d = json_object();
	bad |= jset(o, "coverage", d);
	for (i = 0; d && i < 12; i++) {
		x = json_object();
		bad |= jset(d, bc_class_name(i), x);
		if (!x)
			continue;
		bad |= jset(x, "rows", json_integer((json_int_t)p->class_rows[i]));
		bad |= jset(x, "patients", json_integer((json_int_t)p->class_patients[i]));
	}

	d = json_object();
	bad |= jset(o, "nir", d);
	if (d) {
		bad |= jset(d, "valid", json_integer((json_int_t)p->nir_valid));
		bad |= jset(d, "no_key", json_integer((json_int_t)p->nir_no_key));
		bad |= jset(d, "wrong_key", json_integer((json_int_t)p->nir_wrong_key));
		bad |= jset(d, "malformed", json_integer((json_int_t)p->nir_malformed));
		bad |= jset(d, "absent", json_integer((json_int_t)p->nir_absent));
	}
	d = json_object();
	bad |= jset(o, "dob", d);
	if (d) {
		bad |= jset(d, "valid", json_integer((json_int_t)p->dob_valid));
		bad |= jset(d, "incomplete", json_integer((json_int_t)p->dob_incomplete));
		bad |= jset(d, "invalid", json_integer((json_int_t)p->dob_invalid));
		bad |= jset(d, "absent", json_integer((json_int_t)p->dob_absent));
	}
	bad |= jset(o, "patients", json_integer((json_int_t)p->patients));
	bad |= jset(o, "rows_unlinked", json_integer((json_int_t)p->rows_unlinked));
	if (p->n_unlinked_reasons) {
		d = json_object();
		bad |= jset(o, "rows_unlinked_by_reason", d);
		for (i = 0; d && i < p->n_unlinked_reasons; i++)
			bad |= jset(d, p->unlinked_name[i], json_integer((json_int_t)p->unlinked_rows[i]));
	}

	return bad;
}

/* "sources", busiest first, "rows_other_source", "rows_no_source". */
static int profile_sources_json(json_t *o, const struct leak_profile *p)
{
	unsigned order[LEAK_PROFILE_MAX_SOURCES], i;
	char label[48];
	json_t *a, *x;
	int bad = 0;

	a = json_array();
	bad |= jset(o, "sources", a);
	sorted_sources(p, order);
	for (i = 0; a && i < p->n_sources; i++) {
		x = json_object();
		if (!x || json_array_append_new(a, x) < 0) {
			bad = 1;
			break;
		}
		bad |= jset(x, "name", json_string(source_label(p, order[i], label, sizeof(label))));
		bad |= jset(x, "rows", json_integer((json_int_t)p->source_rows[order[i]]));
		bad |= jset(x, "patients", order[i] < 32 ? json_integer((json_int_t)p->source_patients[order[i]])
							 : json_null());
	}
	bad |= jset(o, "rows_other_source", json_integer((json_int_t)p->source_other));
	bad |= jset(o, "rows_no_source", json_integer((json_int_t)p->source_none));

	return bad;
}

/* "sample_years" (with months from 2000 to 2099) and "sample_year_unknown_rows". */
static int profile_years_json(json_t *o, const struct leak_profile *p)
{
	char ybuf[8];
	json_t *d, *x;
	unsigned i;
	int y, bad = 0;

	d = json_object();
	bad |= jset(o, "sample_years", d);
	for (y = LEAK_PROFILE_YEAR_MIN; d && y <= LEAK_PROFILE_YEAR_MAX; y++) {
		i = (unsigned)(y - LEAK_PROFILE_YEAR_MIN);
		if (!p->year_rows[i] && !p->first_year_patients[i])
			continue;
		snprintf(ybuf, sizeof(ybuf), "%d", y);
		x = json_object();
		bad |= jset(d, ybuf, x);
		if (!x)
			continue;
		bad |= jset(x, "rows", json_integer((json_int_t)p->year_rows[i]));
		bad |= jset(x, "first_sample_patients", json_integer((json_int_t)p->first_year_patients[i]));
		if (y >= 2000 && y < 2100) {
			/* rows per sample month, January first (the HTML report charts
			 * the busiest years month by month) */
			json_t *m = json_array();
			unsigned k;

			bad |= jset(x, "months", m);
			for (k = 0; m && k < 12; k++)
				bad |= json_array_append_new(m, json_integer((json_int_t)
						p->month_rows[(unsigned)(y - 2000) * 12 + k]));
		}
	}
	bad |= jset(o, "sample_year_unknown_rows", json_integer((json_int_t)p->year_unknown));

	return bad;
}

/* "sensitive": rows and patients of each sensitive data class. */
static int profile_sensitive_json(json_t *o, const struct leak_profile *p)
{
	json_t *d, *x;
	unsigned i;
	int bad = 0;

	d = json_object();
	bad |= jset(o, "sensitive", d);
	for (i = 0; d && i < sizeof(sensitive_bits) / sizeof(sensitive_bits[0]); i++) {
		x = json_object();
		bad |= jset(d, bc_class_name(sensitive_bits[i]), x);
		if (!x)
			continue;
		bad |= jset(x, "rows", json_integer((json_int_t)p->class_rows[sensitive_bits[i]]));
		bad |= jset(x, "patients", json_integer((json_int_t)p->class_patients[sensitive_bits[i]]));
	}
	return bad;
}

json_t *leak_profile_to_json(const struct leak_profile *p, const struct leak_reader *r,
			     const char *name)
{
	json_t *o = json_object(), *x;
	int bad = 0;

	if (!o)
		return NULL;
	x = json_string(name);
	bad |= jset(o, "file", x ? x : json_string("(file name is not UTF-8)"));
	bad |= profile_file_json(o, r);
	bad |= profile_columns_json(o, r);
	bad |= profile_bad_rows_json(o, &r->stats);
	bad |= jset(o, "rows_kept", leak_profile_rows_json(r));
	bad |= profile_quality_json(o, p);
	bad |= profile_sources_json(o, p);
	bad |= profile_years_json(o, p);
	bad |= profile_sensitive_json(o, p);
	if (bad) {
		json_decref(o);
		return NULL;
	}
	return o;
}
