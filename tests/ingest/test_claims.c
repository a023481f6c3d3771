/*
 * Claim codes end to end, in-process (issue 13 "Done when"): a generated
 * leak of BC_CLAIMS_ROWS rows (default 20000) with dependants under a
 * parent's NIR is ingested with --notices; every notice's code with its
 * NIR (or date of birth) finds exactly its claim entry, whose payload equals
 * the ground truth of the one person whose rows it holds (classes, medical
 * categories, row count, period, labs); no payload spans two people; the
 * code with another person's NIR finds nothing; a code with one symbol
 * changed is refused; a minor's payload has no medical bit; after a
 * re-ingest every code still works; --new-codes voids them. The privacy
 * scan: the index and the state hold no code and no name.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include <jansson.h>
#include <sodium.h>

#include "claim/claim.h"
#include "group/group.h"
#include "index/index.h"
#include "ingest/ingest.h"
#include "leak/reader.h"
#include "notices/notices.h"
#include "notify/notify.h"
#include "oprf/keyfile.h"
#include "oprf/oprf.h"
#include "testutil.h"

static char root[256], leak[300], truthp[300], ownp[300], keyp[300], idxp[300], notp[300];
static unsigned long nrows;

struct person {
	uint32_t flags;            /* truth classes 0-12 and categories 16-19 */
	unsigned rows, labs_n;
	uint16_t lo, hi;           /* months */
	char labs[8][16];
	char dob[11];
	int patients;              /* distinct patients holding its rows */
	int unlinked;              /* rows of it left unlinked */
	uint32_t patient;          /* 1 + the patient of its rows */
};

static struct person *people;
static size_t n_people;

struct notice {
	char code[BC_CLAIM_CANON_BYTES], nir[BC_NIR_BYTES], dob[BC_DOB_BYTES];
	uint8_t pkey[BC_GROUP_KEY_BYTES];
	int minor;
	uint32_t owner;            /* truth id of the person of its rows, 0 = several */
	int complete;              /* its person's rows are all in this patient */
};

static uint16_t month_of(const char *day)
{
	return (uint16_t)((atoi(day) - 2000) * 12 + atoi(day + 5));
}

static void run(const char *cmd)
{
	if (system(cmd) != 0)
		fail_msg("command failed: %s", cmd);
}

static void ingest(int new_codes)
{
	struct bc_ingest_options o;
	struct bc_ingest_stats st;
	struct bc_error err = BC_ERROR_INIT;

	memset(&o, 0, sizeof(o));
	o.input = leak;
	o.index_dir = idxp;
	o.key_path = keyp;
	o.breach = "labs";
	o.title = "Fuite des laboratoires";
	o.controller = "Example Labs";
	o.sensitive = 1;
	o.anonymity = 64;
	o.quiet = 1;
	o.notices_dir = notp;
	o.new_codes = new_codes;
	if (bc_ingest_run(&o, &st, &err) != 0)
		fail_msg("ingest: %s: %s", err.code, err.msg);
	assert_int_equal(st.notices, st.claims);
	assert_true(st.claims > 0);
	if (!new_codes && st.claims_kept)
		assert_int_equal(st.claims_kept, st.claims);
}

static int setup(void **state)
{
	const char *rows_env = getenv("BC_CLAIMS_ROWS");
	char cmd[2048], line[16384];
	struct bc_error err = BC_ERROR_INIT;
	FILE *f;

	(void)state;
	nrows = rows_env ? strtoul(rows_env, NULL, 10) : 20000;
	snprintf(root, sizeof(root), "/tmp/bc-test-claims-XXXXXX");
	if (mkdtemp(root) == NULL || sodium_init() < 0)
		return -1;
	snprintf(leak, sizeof(leak), "%s/leak.csv", root);
	snprintf(truthp, sizeof(truthp), "%s/truth.jsonl", root);
	snprintf(ownp, sizeof(ownp), "%s/owners.txt", root);
	snprintf(keyp, sizeof(keyp), "%s/k.key", root);
	snprintf(idxp, sizeof(idxp), "%s/index", root);
	snprintf(notp, sizeof(notp), "%s/notices", root);
	snprintf(cmd, sizeof(cmd), "'%s/bc-genleak' --quiet --seed 5 --rows %lu --dependants 0.6 --out %s --truth %s "
		 "--row-owners %s", getenv("BC_BUILD"), nrows, leak, truthp, ownp);
	run(cmd);
	if (bc_key_generate(keyp, &err) != 0)
		return -1;
	people = calloc(nrows + 2, sizeof(*people));
	f = fopen(truthp, "r");
	if (!people || !f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		json_error_t jerr;
		json_t *o = json_loads(line, 0, &jerr), *v;
		size_t id, i;
		struct person *p;

		if (!o)
			return -1;
		id = (size_t)json_integer_value(json_object_get(o, "id"));
		if (id == 0 || id > nrows + 1)
			return -1;
		p = &people[id];
		n_people = id > n_people ? id : n_people;
		json_array_foreach(json_object_get(o, "data_classes"), i, v) {
			unsigned b;

			for (b = 0; b < 13; b++)
				if (bc_class_name(b) && !strcmp(bc_class_name(b), json_string_value(v)))
					p->flags |= 1u << b;
		}
		json_array_foreach(json_object_get(o, "categories"), i, v) {
			static const char *const cats[4] = { "pregnancy", "hiv", "hepatitis", "other_medical" };
			unsigned c;

			for (c = 0; c < 4; c++)
				if (!strcmp(cats[c], json_string_value(v)))
					p->flags |= 1u << (16 + c);
		}
		json_array_foreach(json_object_get(o, "labs"), i, v)
			if (p->labs_n < 8)
				snprintf(p->labs[p->labs_n++], 16, "%s", json_string_value(v));
		p->rows = (unsigned)json_integer_value(json_object_get(o, "rows"));
		p->lo = month_of(json_string_value(json_object_get(o, "first_sample")));
		p->hi = month_of(json_string_value(json_object_get(o, "last_sample")));
		if (json_is_string(json_object_get(o, "dob")))
			snprintf(p->dob, sizeof(p->dob), "%s", json_string_value(json_object_get(o, "dob")));
		json_decref(o);
	}
	fclose(f);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	test_rm_rf(root);
	free(people);
	return 0;
}

/* The notices of the last ingest, in file order. */
static struct notice *read_notices(size_t *n)
{
	struct bc_notices_reader *rd;
	struct bc_error err = BC_ERROR_INIT;
	struct notice *a = NULL;
	size_t cap = 0;
	json_t *line;
	int rc;

	*n = 0;
	assert_int_equal(bc_notices_reader_open(&rd, notp, &err), 0);
	while ((rc = bc_notices_reader_next(rd, &line, &err)) == 1) {
		json_t *m = json_object_get(line, "match");
		const char *code = json_string_value(json_object_get(line, "code"));
		const char *pk = json_string_value(json_object_get(line, "pkey"));
		size_t kl;

		if (*n == cap) {
			cap = cap ? cap * 2 : 4096;
			a = realloc(a, cap * sizeof(*a));
			assert_non_null(a);
		}
		memset(&a[*n], 0, sizeof(a[*n]));
		assert_non_null(code);
		assert_int_equal(bc_claim_canon(code, strlen(code), a[*n].code), BC_CLAIM_OK);
		if (json_is_string(json_object_get(m, "nir")))
			snprintf(a[*n].nir, BC_NIR_BYTES, "%s", json_string_value(json_object_get(m, "nir")));
		else
			snprintf(a[*n].dob, BC_DOB_BYTES, "%s", json_string_value(json_object_get(m, "dob")));
		assert_string_equal(json_string_value(json_object_get(line, "claim_with")), a[*n].nir[0] ? "nir" : "dob");
		a[*n].minor = json_is_true(json_object_get(line, "minor"));
		assert_int_equal(sodium_hex2bin(a[*n].pkey, BC_GROUP_KEY_BYTES, pk, strlen(pk), NULL, &kl, NULL), 0);
		assert_null(json_object_get(line, "phones"));
		json_decref(line);
		(*n)++;
	}
	assert_int_equal(rc, 0);
	bc_notices_reader_free(rd);
	return a;
}

static int cmp_pkey(const void *a, const void *b)
{
	return memcmp(((const struct notice *)a)->pkey, ((const struct notice *)b)->pkey, BC_GROUP_KEY_BYTES);
}

/* Owner of each notice: group the leak again with the key's grouping key and the row owners. */
static void attach_owners(struct notice *nt, size_t n)
{
	struct bc_key *key;
	struct bc_group *g;
	struct bc_error err = BC_ERROR_INIT;
	struct leak_reader rd;
	struct bc_record rec;
	uint8_t gk[32];
	uint32_t *owner_of_line = calloc(nrows * 3 + 16, sizeof(uint32_t)), *row_owner = calloc(nrows + 1, sizeof(uint32_t));
	uint32_t *pat_owner, np, p;
	unsigned long line, id;
	size_t r = 0, i;
	FILE *f = fopen(ownp, "r");
	int rc;

	assert_non_null(f);
	assert_non_null(owner_of_line);
	for (i = 0; i <= n_people; i++)
		people[i].patients = people[i].unlinked = 0, people[i].patient = 0;
	while (fscanf(f, "%lu %lu", &line, &id) == 2)
		owner_of_line[line] = (uint32_t)id;
	fclose(f);
	assert_int_equal(bc_key_load(keyp, &key, &err), 0);
	bc_ingest_grouping_key(key->seed, gk);
	bc_key_free(key);
	assert_int_equal(bc_group_new(&g, gk, 0, &err), 0);
	assert_int_equal(leak_reader_init(&rd, leak, NULL, &err), 0);
	while ((rc = leak_reader_next(&rd, &rec, &err)) == 1) {
		row_owner[r++] = owner_of_line[rec.line];
		assert_int_equal(bc_group_add(g, &rec, &err), 0);
	}
	assert_int_equal(rc, 0);
	leak_reader_release(&rd);
	assert_int_equal(bc_group_finish(g, &err), 0);
	np = bc_group_patients(g);
	assert_int_equal(np, n);
	pat_owner = calloc(np, sizeof(*pat_owner));
	for (i = 0; i < r; i++) {
		struct person *pp = &people[row_owner[i]];

		p = bc_group_row_patient(g, i);
		if (p == BC_GROUP_UNLINKED) {
			pp->unlinked++;
			continue;
		}
		if (pat_owner[p] == 0)
			pat_owner[p] = row_owner[i];
		else if (pat_owner[p] != row_owner[i])
			pat_owner[p] = UINT32_MAX; /* spans two people */
		if (pp->patient != p + 1) {
			pp->patients++;
			pp->patient = p + 1;
		}
	}
	qsort(nt, n, sizeof(*nt), cmp_pkey);
	for (p = 0; p < np; p++) {
		struct notice key_n, *hit;

		bc_group_patient_key(g, p, key_n.pkey);
		hit = bsearch(&key_n, nt, n, sizeof(*nt), cmp_pkey);
		assert_non_null(hit);
		assert_int_not_equal(pat_owner[p], UINT32_MAX); /* no payload spans two people */
		hit->owner = pat_owner[p];
	}
	for (i = 0; i < n; i++) {
		struct person *pp = &people[nt[i].owner];

		nt[i].complete = pp->patients == 1 && pp->unlinked == 0;
	}
	bc_group_free(g);
	free(pat_owner);
	free(owner_of_line);
	free(row_owner);
}

static int lookup(const struct bc_index *ix, const struct bc_key *key, const char *code, const char *nir,
		  const char *dob, struct test_hit *h)
{
	char in[BC_CLAIM_INPUT_MAX];
	uint8_t y[OPRF_OUTPUT_BYTES];
	struct bc_error err = BC_ERROR_INIT;
	int len = bc_claim_oprf_input(code, nir, dob, in, sizeof(in));

	assert_true(len > 0);
	assert_int_equal(oprf_evaluate(OPRF_MODE_VOPRF, key->sk_s, (const uint8_t *)in, (size_t)len, NULL, 0, y), 0);
	memset(h, 0, sizeof(*h));
	return bc_index_find(ix, y, 0, test_on_hit, h, &err);
}

static int has_lab(const struct person *p, const char *name)
{
	unsigned i;

	for (i = 0; i < p->labs_n; i++)
		if (!strcmp(p->labs[i], name))
			return 1;
	return 0;
}

/* Every notice resolves to its own payload; returns how many equal the truth exactly. */
static size_t check_codes(const struct notice *nt, size_t n, size_t *minors_checked)
{
	struct bc_index *ix;
	struct bc_key *key;
	struct bc_error err = BC_ERROR_INIT;
	size_t i, exact = 0, complete = 0;
	struct test_hit h;

	assert_int_equal(bc_index_open(idxp, &ix, &err), 0);
	assert_int_equal(bc_key_load(keyp, &key, &err), 0);
	*minors_checked = 0;
	for (i = 0; i < n; i++) {
		const struct notice *t = &nt[i];
		const struct person *p = &people[t->owner];
		uint32_t want;

		assert_int_equal(lookup(ix, key, t->code, t->nir, t->dob, &h), 1);
		assert_int_equal(h.p.kind, BC_TOKEN_CLAIM);
		assert_false(h.p.flags & BC_BIT(BC_FLAG_SHARED));
		if (t->minor) {
			assert_int_equal(h.p.flags & BC_MEDICAL_MASK, 0);
			if (p->flags & (BC_MEDICAL_MASK & ~BC_BIT(BC_CLASS_MEDICAL_COMMENT)))
				(*minors_checked)++;
		}
		if (!t->complete)
			continue;
		complete++;
		want = t->minor ? p->flags & ~BC_MEDICAL_MASK : p->flags;
		if ((h.p.flags & (BC_PUBLIC_CLASS_MASK | BC_MEDICAL_MASK)) != want || h.p.rows != p->rows ||
		    h.p.first_month != p->lo || h.p.last_month != p->hi)
			continue;
		if (h.p.source_a == BC_SOURCE_NONE || !has_lab(p, h.b->sources[h.p.source_a]) ||
		    (p->labs_n >= 2 && (h.p.source_b == BC_SOURCE_NONE || !has_lab(p, h.b->sources[h.p.source_b]))) ||
		    !!(h.p.flags & BC_BIT(BC_FLAG_MORE_SOURCES)) != (p->labs_n > 2))
			continue;
		exact++;
	}
	/* the code with another person's NIR, a code with one symbol changed */
	for (i = 0; i + 1 < n && i < 2000; i++) {
		char bad[BC_CLAIM_CANON_BYTES], out[BC_CLAIM_CANON_BYTES];
		const struct notice *t = &nt[i], *o = &nt[i + 1];

		if (t->nir[0] && o->nir[0] && strcmp(t->nir, o->nir))
			assert_int_equal(lookup(ix, key, t->code, o->nir, NULL, &h), 0);
		memcpy(bad, t->code, sizeof(bad));
		bad[i % 16] = bad[i % 16] == 'Z' ? 'Y' : 'Z';
		assert_int_equal(bc_claim_canon(bad, 16, out), BC_CLAIM_BAD_CHECK);
	}
	print_message("notices %zu, with all of their person's rows %zu, equal to the truth %zu\n", n, complete, exact);
	bc_key_free(key);
	bc_index_free(ix);
	/* a person's rows that the grouping could not link stay rare, and what is complete is exact */
	assert_true(complete * 100 >= n * 98);
	assert_int_equal(exact, complete);
	return exact;
}

/* No code, no name, no street of the notices in the index or the state. */
static void privacy_scan(const struct notice *nt, size_t n)
{
	char cmd[2048], pattern[300];
	FILE *f;
	size_t i;

	snprintf(pattern, sizeof(pattern), "%s/patterns", root);
	f = fopen(pattern, "w");
	assert_non_null(f);
	for (i = 0; i < n && i < 500; i++) {
		char printed[BC_CLAIM_PRINTED_BYTES];

		bc_claim_format(nt[i].code, printed);
		fprintf(f, "%s\n%s\n", nt[i].code, printed);
		if (nt[i].nir[0])
			fprintf(f, "%s\n", nt[i].nir);
	}
	fclose(f);
	snprintf(cmd, sizeof(cmd), "grep -r -a -F -q -f %s %s/ %s.state/ %s.*/", pattern, idxp, keyp, idxp);
	assert_int_not_equal(system(cmd), 0);
	/* the notices file itself is ciphertext */
	snprintf(cmd, sizeof(cmd), "grep -a -F -q -f %s %s/notices.jsonl", pattern, notp);
	assert_int_not_equal(system(cmd), 0);
}

/* Read the notices to the end: the error (code, message) of the first
 * failure; 0 if the file reads whole. */
static int read_to_error(struct bc_error *err)
{
	struct bc_notices_reader *rd;
	json_t *line;
	int rc;

	assert_int_equal(bc_notices_reader_open(&rd, notp, err), 0);
	while ((rc = bc_notices_reader_next(rd, &line, err)) == 1)
		json_decref(line);
	bc_notices_reader_free(rd);
	return rc;
}

/*
 * A damaged or cut notices file says where (docs/notify.md): the file, the
 * record and its byte offset. The file is "BCNOTES1", the 24-byte stream
 * header, then records of a 4-byte little-endian length and the sealed line.
 */
static void damaged_notices(void)
{
	char p[PATH_MAX + 32], want[PATH_MAX + 128];
	struct bc_error err = BC_ERROR_INIT;
	unsigned char *buf;
	long size, off3;
	size_t got;
	uint32_t len;
	FILE *f;
	int i;

	snprintf(p, sizeof(p), "%s/notices.jsonl", notp);
	f = fopen(p, "rb");
	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	size = ftell(f);
	rewind(f);
	buf = malloc((size_t)size);
	assert_non_null(buf);
	got = fread(buf, 1, (size_t)size, f);
	assert_int_equal(got, (size_t)size);
	fclose(f);
	/* the offset of the third record */
	off3 = 8 + 24;
	for (i = 0; i < 2; i++) {
		len = (uint32_t)buf[off3] | (uint32_t)buf[off3 + 1] << 8 | (uint32_t)buf[off3 + 2] << 16 |
		      (uint32_t)buf[off3 + 3] << 24;
		off3 += 4 + (long)len;
	}
	assert_true(off3 + 40 < size);
	/* a flipped byte inside the third record */
	buf[off3 + 20] ^= 0x40;
	f = fopen(p, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(buf, 1, (size_t)size, f), (size_t)size);
	fclose(f);
	assert_int_equal(read_to_error(&err), -1);
	assert_string_equal(err.code, "corrupt");
	snprintf(want, sizeof(want), "%s is damaged or not of this key: record 3 (byte %ld) does not decrypt", p, off3);
	assert_string_equal(err.msg, want);
	/* cut inside the third record */
	buf[off3 + 20] ^= 0x40;
	f = fopen(p, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(buf, 1, (size_t)off3 + 10, f), (size_t)off3 + 10);
	fclose(f);
	assert_int_equal(read_to_error(&err), -1);
	assert_string_equal(err.code, "truncated");
	snprintf(want, sizeof(want), "%s ends inside record 3 (byte %ld): the file was cut short", p, off3);
	assert_string_equal(err.msg, want);
	/* notify --export writes no notice of a damaged file (docs/notify.md):
	 * not the records before the damage either */
	f = tmpfile();
	assert_non_null(f);
	assert_int_equal(bc_notify_export(notp, f, &got, &err), -1);
	assert_string_equal(err.code, "truncated");
	assert_int_equal(got, 0);
	assert_int_equal(fflush(f), 0);
	assert_int_equal(ftell(f), 0);
	fclose(f);
	/* bytes after the final record (a second stream appended, a botched
	 * restore): refused, not read as the people before them */
	f = fopen(p, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(buf, 1, (size_t)size, f), (size_t)size);
	assert_int_equal(fwrite(buf, 1, 7, f), 7);
	fclose(f);
	assert_int_equal(read_to_error(&err), -1);
	assert_string_equal(err.code, "corrupt");
	snprintf(want, sizeof(want), "%s is damaged: 7 bytes follow its last record (from byte %ld)", p, size);
	assert_string_equal(err.msg, want);
	/* restored, it reads whole again */
	f = fopen(p, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(buf, 1, (size_t)size, f), (size_t)size);
	fclose(f);
	assert_int_equal(read_to_error(&err), 0);
	free(buf);
}

static void test_claims(void **state)
{
	struct notice *nt, *nt2;
	size_t n, n2, i, minors;
	struct stat st;

	(void)state;
	ingest(0);
	assert_int_equal(stat(notp, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);
	nt = read_notices(&n);
	assert_true(n > nrows / 4);
	attach_owners(nt, n);
	check_codes(nt, n, &minors);
	assert_true(minors > 0); /* minors with medical categories were in the leak, and shown none */
	privacy_scan(nt, n);

	/* re-ingest: the same codes, and they still work */
	ingest(0);
	nt2 = read_notices(&n2);
	assert_int_equal(n2, n);
	qsort(nt2, n2, sizeof(*nt2), cmp_pkey);
	for (i = 0; i < n; i++) {
		assert_memory_equal(nt[i].pkey, nt2[i].pkey, BC_GROUP_KEY_BYTES);
		assert_string_equal(nt[i].code, nt2[i].code);
	}
	free(nt2);
	attach_owners(nt, n);
	check_codes(nt, n, &minors);

	/* --new-codes: the old codes stop working */
	ingest(1);
	{
		struct bc_index *ix;
		struct bc_key *key;
		struct bc_error err = BC_ERROR_INIT;
		struct test_hit h;

		assert_int_equal(bc_index_open(idxp, &ix, &err), 0);
		assert_int_equal(bc_key_load(keyp, &key, &err), 0);
		for (i = 0; i < n && i < 200; i++)
			assert_int_equal(lookup(ix, key, nt[i].code, nt[i].nir, nt[i].dob, &h), 0);
		bc_key_free(key);
		bc_index_free(ix);
	}
	free(nt);
	damaged_notices();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_claims),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
