/*
 * Sharded ingest, in-process (issue 15 "Ingest beyond one machine";
 * docs/ingest.md "Sharded ingest"). A generated leak of BC_SHARD_ROWS rows
 * (default 20000) with dependants is ingested twice with the same key seed
 * (two copies of the key file, so two state directories) and the same fixed
 * salt: once in one process, once as 4 shards run at the same time (4
 * threads, each its own bc_ingest_run) then publish. Both carry --notices,
 * so both draw claim codes (at random): claims are compared by patient key
 * and payload, everything else exactly:
 *   - the states: the same (payload, y) entries of every kind but claims;
 *     the same patient keys in the claims file, each with the same payload;
 *   - the indexes: every entry of either state is found in both indexes
 *     (bucket or verified.bin) with the same decrypted payload; the same
 *     catalogue fields (pwn_count, entries, classes, labs).
 * The shard files hold no identifier of the input (privacy scan), and are
 * gone after publish. Errors (each: its code, the shard file named, nothing
 * published, no breach id used): I >= N, N > 1024, standard input, a
 * missing shard, publish with another N, a shard of another file, a flipped
 * byte, another --mapping, an ingest holding the state while a shard starts
 * and a shard holding it while publish starts. A headerless file with
 * --mapping FILE: shards and publish agree, an edited mapping is refused.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include <jansson.h>
#include <sodium.h>

#include "index/index.h"
#include "ingest/ingest.h"
#include "oprf/keyfile.h"
#include "oprf/oprf.h"
#include "testutil.h"

#define STATE_REC (BC_PAYLOAD_BYTES + BC_Y_BYTES)
#define CLAIM_REC 96

static char root[256], leak[300], small[300], other[300], truthp[300], k1[300], k2[300];
static char idx1[300], idx2[300], not1[300], not2[300], idx3[300], headless[300], mapp[300];
static unsigned long nrows;
static const uint8_t salt[32] = { 's', 'h', 'a', 'r', 'd', 's', 0x15 };

static void run(const char *cmd)
{
	if (system(cmd) != 0)
		fail_msg("command failed: %s", cmd);
}

static void copy_file(const char *from, const char *to)
{
	char cmd[1024];

	snprintf(cmd, sizeof(cmd), "cp '%s' '%s' && chmod 600 '%s'", from, to, to);
	run(cmd);
}

static void base_options(struct bc_ingest_options *o, const char *input, const char *key, const char *index,
			 const char *notices, const char *breach)
{
	memset(o, 0, sizeof(*o));
	o->input = input;
	o->key_path = key;
	o->index_dir = index;
	o->notices_dir = notices;
	o->breach = breach;
	o->title = "Fuite des laboratoires";
	o->anonymity = 64;
	o->quiet = 1;
	o->salt = salt;
	o->threads = 2;
}

static int setup(void **state)
{
	const char *rows_env = getenv("BC_SHARD_ROWS");
	char cmd[8192];
	struct bc_error err = BC_ERROR_INIT;

	(void)state;
	nrows = rows_env ? strtoul(rows_env, NULL, 10) : 20000;
	snprintf(root, sizeof(root), "/tmp/bc-test-shard-XXXXXX");
	if (mkdtemp(root) == NULL || sodium_init() < 0)
		return -1;
	snprintf(leak, sizeof(leak), "%s/leak.csv", root);
	snprintf(small, sizeof(small), "%s/small.csv", root);
	snprintf(other, sizeof(other), "%s/other.csv", root);
	snprintf(truthp, sizeof(truthp), "%s/truth.jsonl", root);
	snprintf(headless, sizeof(headless), "%s/headless.csv", root);
	snprintf(mapp, sizeof(mapp), "%s/headless.map", root);
	snprintf(k1, sizeof(k1), "%s/one.key", root);
	snprintf(k2, sizeof(k2), "%s/sharded.key", root);
	snprintf(idx1, sizeof(idx1), "%s/index-one", root);
	snprintf(idx2, sizeof(idx2), "%s/index-sharded", root);
	snprintf(idx3, sizeof(idx3), "%s/index-errors", root);
	snprintf(not1, sizeof(not1), "%s/notices-one", root);
	snprintf(not2, sizeof(not2), "%s/notices-sharded", root);
	snprintf(cmd, sizeof(cmd), "'%s/bc-genleak' --quiet --seed 15 --rows %lu --dependants 0.6 --out %s --truth %s && "
		 "'%s/bc-genleak' --quiet --seed 16 --rows 1500 --out %s && "
		 "'%s/bc-genleak' --quiet --seed 17 --rows 1500 --out %s && "
		 "'%s/bc-genleak' --quiet --seed 18 --rows 1500 --no-header --shuffle-columns --out %s "
		 "--mapping-truth %s",
		 getenv("BC_BUILD"), nrows, leak, truthp, getenv("BC_BUILD"), small, getenv("BC_BUILD"), other,
		 getenv("BC_BUILD"), headless, mapp);
	run(cmd);
	if (bc_key_generate(k1, &err) != 0)
		return -1;
	copy_file(k1, k2); /* the same seed: the same OPRF outputs, another state directory */
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	test_rm_rf(root);
	return 0;
}

/* ---- the states ---- */

static uint8_t *read_all(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf;
	long n;

	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	assert_true(n >= 0);
	rewind(f);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*len = (size_t)n;
	return buf;
}

struct state {
	uint8_t *entries;   /* breach-<id>.bin records but claims: payload || y, sorted */
	size_t n;
	uint8_t *claims;    /* pkey 32 || payload 16 || y 64, sorted by pkey */
	size_t nc;
};

static int cmp_entry(const void *a, const void *b)
{
	return memcmp(a, b, STATE_REC);
}

static int cmp_claim(const void *a, const void *b)
{
	return memcmp(a, b, 32);
}

static int cmp_y(const void *a, const void *b)
{
	return memcmp((const uint8_t *)a + BC_PAYLOAD_BYTES, (const uint8_t *)b + BC_PAYLOAD_BYTES, BC_Y_BYTES);
}

static void load_state(const char *key, uint32_t id, const char *breach, struct state *s)
{
	char path[512];
	uint8_t *buf, *cl, *claims_y;
	size_t len, clen, i, n, k = 0, kc = 0;

	memset(s, 0, sizeof(*s));
	snprintf(path, sizeof(path), "%s.state/breach-%u.bin", key, id);
	buf = read_all(path, &len);
	assert_memory_equal(buf, "BCSTATE2", 8);
	n = (len - 24 - 32) / STATE_REC;
	assert_int_equal(len, 24 + n * STATE_REC + 32);
	s->entries = malloc(n * STATE_REC + 1);
	claims_y = malloc(n * STATE_REC + 1);
	for (i = 0; i < n; i++) {
		const uint8_t *r = buf + 24 + i * STATE_REC;

		if (r[1] == BC_TOKEN_CLAIM)
			memcpy(claims_y + STATE_REC * kc++, r, STATE_REC);
		else
			memcpy(s->entries + STATE_REC * k++, r, STATE_REC);
	}
	s->n = k;
	qsort(s->entries, k, STATE_REC, cmp_entry);
	qsort(claims_y, kc, STATE_REC, cmp_y);
	/* claims-<breach>.bin: "BCCLAIM?" header, then pkey || y records */
	snprintf(path, sizeof(path), "%s.state/claims-%s.bin", key, breach);
	cl = read_all(path, &clen);
	s->nc = kc;
	s->claims = malloc(kc * (32 + STATE_REC) + 1);
	assert_true(clen >= kc * CLAIM_REC);
	{
		size_t hdr = clen - kc * CLAIM_REC - 32; /* header before, checksum after */

		for (i = 0; i < kc; i++) {
			const uint8_t *r = cl + hdr + i * CLAIM_REC;
			uint8_t probe[STATE_REC];
			const uint8_t *hit;

			memcpy(probe + BC_PAYLOAD_BYTES, r + 32, BC_Y_BYTES);
			hit = bsearch(probe, claims_y, kc, STATE_REC, cmp_y);
			assert_non_null(hit); /* every claim of the claims file is an entry of the state */
			memcpy(s->claims + i * (32 + STATE_REC), r, 32);
			memcpy(s->claims + i * (32 + STATE_REC) + 32, hit, STATE_REC);
		}
	}
	qsort(s->claims, kc, 32 + STATE_REC, cmp_claim);
	free(claims_y);
	free(cl);
	free(buf);
}

static void free_state(struct state *s)
{
	free(s->entries);
	free(s->claims);
}

/* ---- the indexes ---- */

/* Entry (payload || y) is in ix with exactly that payload. */
static void find_entry(const struct bc_index *ix, const uint8_t *rec)
{
	struct bc_error err = BC_ERROR_INIT;
	uint8_t got[BC_PAYLOAD_BYTES];
	struct test_hit h;

	memset(&h, 0, sizeof(h));
	assert_int_equal(bc_index_find(ix, rec + BC_PAYLOAD_BYTES, rec[1] == BC_TOKEN_VERIFIED, test_on_hit, &h, &err), 1);
	assert_int_equal(h.n, 1);
	bc_payload_pack(&h.p, got);
	assert_memory_equal(got, rec, BC_PAYLOAD_BYTES);
}

static json_t *breach_of(const char *index)
{
	char path[512];
	json_t *j, *b;

	snprintf(path, sizeof(path), "%s/index.json", index);
	j = json_load_file(path, 0, NULL);
	assert_non_null(j);
	b = json_deep_copy(json_array_get(json_object_get(j, "breaches"), 0));
	json_decref(j);
	return b;
}

/* ---- running ---- */

struct shard_job {
	struct bc_ingest_options o;
	struct bc_ingest_stats st;
	struct bc_error err;
	int rc;
	pthread_t tid;
};

static void *shard_thread(void *arg)
{
	struct shard_job *j = arg;

	j->rc = bc_ingest_run(&j->o, &j->st, &j->err);
	return NULL;
}

/* ingest --shard I/4 for I in 0..3 of input, all at the same time. */
static void run_shards(const char *input, const char *key, const char *breach, size_t total_tokens)
{
	struct shard_job j[4];
	size_t sum = 0;
	unsigned i;

	for (i = 0; i < 4; i++) {
		base_options(&j[i].o, input, key, NULL, NULL, breach);
		j[i].o.title = NULL;
		j[i].o.anonymity = 0;
		j[i].o.salt = NULL;
		j[i].o.threads = 1;
		j[i].o.shards = 4;
		j[i].o.shard_index = i;
		j[i].err = (struct bc_error)BC_ERROR_INIT;
		assert_int_equal(pthread_create(&j[i].tid, NULL, shard_thread, &j[i]), 0);
	}
	for (i = 0; i < 4; i++) {
		pthread_join(j[i].tid, NULL);
		if (j[i].rc != 0)
			fail_msg("shard %u: %s: %s", i, j[i].err.code, j[i].err.msg);
		assert_true(j[i].st.shard_tokens > 0);
		if (total_tokens)
			assert_int_equal(j[i].st.tokens, total_tokens);
		sum += j[i].st.shard_tokens;
	}
	assert_int_equal(sum, j[0].st.tokens); /* each token in exactly one shard */
	/* a split by hash: no shard holds more than 40 % */
	for (i = 0; i < 4; i++)
		assert_true(j[i].st.shard_tokens * 10 < sum * 4);
}

/* No identifier of the input in the shard files (taken from the truth:
 * NIRs, emails, phones in both forms, last names of 6 letters or more). */
static void privacy_scan_shards(const char *key)
{
	char cmd[2048], pattern[300], line[16384];
	FILE *in = fopen(truthp, "r"), *out;
	size_t n = 0;

	snprintf(pattern, sizeof(pattern), "%s/patterns", root);
	out = fopen(pattern, "w");
	assert_non_null(in);
	assert_non_null(out);
	while (fgets(line, sizeof(line), in) && n < 2000) {
		json_t *o = json_loads(line, 0, NULL), *v;
		const char *s;
		size_t i;

		assert_non_null(o);
		if ((s = json_string_value(json_object_get(o, "nir13"))) != NULL)
			fprintf(out, "%s\n", s);
		json_array_foreach(json_object_get(o, "emails"), i, v)
			fprintf(out, "%s\n", json_string_value(v));
		json_array_foreach(json_object_get(o, "phones"), i, v) {
			s = json_string_value(v);
			fprintf(out, "%s\n", s);
			if (!strncmp(s, "+33", 3))
				fprintf(out, "0%s\n", s + 3);
		}
		s = json_string_value(json_object_get(json_object_get(o, "last_names"), "birth"));
		if (s != NULL && strlen(s) >= 6)
			fprintf(out, "%s\n", s);
		json_decref(o);
		n++;
	}
	fclose(in);
	fclose(out);
	assert_true(n > 100);
	/* the scan finds what it looks for: a file with one of them */
	snprintf(cmd, sizeof(cmd), "head -1 %s > %s/canary && grep -r -a -F -q -f %s %s/canary", pattern, root, pattern,
		 root);
	assert_int_equal(system(cmd), 0);
	snprintf(cmd, sizeof(cmd), "test -n \"$(ls %s.state/shards/*/shard-*-of-*.bin)\" && "
		 "! grep -r -a -F -q -f %s %s.state/shards/", key, pattern, key);
	assert_int_equal(system(cmd), 0);
}

static void test_same_index(void **state)
{
	struct bc_ingest_options o;
	struct bc_ingest_stats st1, st2;
	struct bc_error err = BC_ERROR_INIT;
	struct state s1, s2;
	struct bc_index *ix1, *ix2;
	struct stat sb;
	char path[512];
	json_t *b1, *b2;
	const char *fields[] = { "pwn_count", "data_classes", "sources", "public_tier", "title", NULL };
	size_t i;

	(void)state;
	/* one process */
	base_options(&o, leak, k1, idx1, not1, "labs");
	if (bc_ingest_run(&o, &st1, &err) != 0)
		fail_msg("ingest: %s: %s", err.code, err.msg);
	/* 4 shards at the same time, then publish */
	run_shards(leak, k2, "labs", st1.tokens);
	privacy_scan_shards(k2);
	base_options(&o, leak, k2, idx2, not2, "labs");
	o.shards = 4;
	o.shard_publish = 1;
	if (bc_ingest_run(&o, &st2, &err) != 0)
		fail_msg("publish: %s: %s", err.code, err.msg);
	assert_int_equal(st2.shard_tokens, st1.tokens);
	/* the shard files are gone once published */
	snprintf(path, sizeof(path), "%s.state/shards", k2);
	assert_int_not_equal(stat(path, &sb), 0);

	/* the same figures */
	assert_int_equal(st2.rows, st1.rows);
	assert_int_equal(st2.tokens, st1.tokens);
	assert_int_equal(st2.shared_tokens, st1.shared_tokens);
	assert_int_equal(st2.patients, st1.patients);
	assert_int_equal(st2.verified, st1.verified);
	assert_int_equal(st2.claims, st1.claims);
	assert_int_equal(st2.notices, st1.notices);
	assert_true(st1.claims > 1000);
	assert_true(st1.verified > 100);

	/* the same state: every (payload, y) but the claims; the claims by patient key */
	load_state(k1, st1.breach_id, "labs", &s1);
	load_state(k2, st2.breach_id, "labs", &s2);
	assert_int_equal(s1.n, s2.n);
	assert_true(s1.n > 10000);
	assert_memory_equal(s1.entries, s2.entries, s1.n * STATE_REC);
	assert_int_equal(s1.nc, s2.nc);
	assert_int_equal(s1.nc, st1.claims);
	for (i = 0; i < s1.nc; i++) {
		const uint8_t *c1 = s1.claims + i * (32 + STATE_REC), *c2 = s2.claims + i * (32 + STATE_REC);

		assert_memory_equal(c1, c2, 32);                        /* patient key */
		assert_memory_equal(c1 + 32, c2 + 32, BC_PAYLOAD_BYTES); /* its payload */
		assert_memory_not_equal(c1 + 32 + BC_PAYLOAD_BYTES, c2 + 32 + BC_PAYLOAD_BYTES, BC_Y_BYTES); /* drawn */
	}

	/* the same index content: every entry of either state, in both indexes */
	assert_int_equal(bc_index_open(idx1, &ix1, &err), 0);
	assert_int_equal(bc_index_open(idx2, &ix2, &err), 0);
	assert_memory_equal(bc_index_salt(ix1), salt, 32);
	assert_memory_equal(bc_index_salt(ix2), salt, 32);
	assert_int_equal(bc_index_bucket_bits(ix1), bc_index_bucket_bits(ix2));
	for (i = 0; i < s1.n; i++) {
		find_entry(ix1, s1.entries + i * STATE_REC);
		find_entry(ix2, s1.entries + i * STATE_REC);
	}
	for (i = 0; i < s1.nc; i++) {
		find_entry(ix1, s1.claims + i * (32 + STATE_REC) + 32);
		find_entry(ix2, s2.claims + i * (32 + STATE_REC) + 32);
	}
	b1 = breach_of(idx1);
	b2 = breach_of(idx2);
	for (i = 0; fields[i]; i++)
		if (json_object_get(b1, fields[i]) == NULL ||
		    !json_equal(json_object_get(b1, fields[i]), json_object_get(b2, fields[i])))
			fail_msg("catalogue field %s differs", fields[i]);
	assert_int_equal(json_integer_value(json_object_get(b1, "pwn_count")), (json_int_t)st1.patients);
	json_decref(b1);
	json_decref(b2);
	bc_index_free(ix1);
	bc_index_free(ix2);
	free_state(&s1);
	free_state(&s2);
}

/* ---- errors ---- */

static json_int_t next_id(const char *key)
{
	char path[512];
	json_t *c;
	json_int_t v;

	snprintf(path, sizeof(path), "%s.state/catalogue.json", key);
	c = json_load_file(path, 0, NULL);
	assert_non_null(c);
	v = json_integer_value(json_object_get(c, "next_id"));
	json_decref(c);
	return v;
}

static void published_target(char *out, size_t size)
{
	ssize_t n = readlink(idx3, out, size - 1);

	assert_true(n > 0);
	out[n] = '\0';
}

/* publish of small.csv as "errs" with N shards must fail with code,
 * naming the shard file that ends with file_tail; nothing published. */
static void publish_fails(unsigned n, const char *mapping, const char *code, const char *file_tail,
			  const char *msg_part)
{
	struct bc_ingest_options o;
	struct bc_ingest_stats st;
	struct bc_error err = BC_ERROR_INIT;
	char before[512], after[512];
	json_int_t id = next_id(k2);

	published_target(before, sizeof(before));
	base_options(&o, small, k2, idx3, NULL, "errs");
	o.shards = n;
	o.shard_publish = 1;
	o.mapping = mapping;
	assert_int_equal(bc_ingest_run(&o, &st, &err), -1);
	assert_string_equal(err.code, code);
	if (file_tail != NULL) {
		assert_non_null(err.file);
		assert_true(strlen(err.file) >= strlen(file_tail));
		assert_string_equal(err.file + strlen(err.file) - strlen(file_tail), file_tail);
	}
	if (msg_part != NULL && strstr(err.msg, msg_part) == NULL)
		fail_msg("message without \"%s\": %s", msg_part, err.msg);
	published_target(after, sizeof(after));
	assert_string_equal(before, after);    /* nothing published */
	assert_int_equal(next_id(k2), id);     /* no breach id used */
}

static void one_shard(const char *input, unsigned i, unsigned n, int expect_rc, const char *code)
{
	struct bc_ingest_options o;
	struct bc_ingest_stats st;
	struct bc_error err = BC_ERROR_INIT;
	int rc;

	base_options(&o, input, k2, NULL, NULL, "errs");
	o.shards = n;
	o.shard_index = i;
	rc = bc_ingest_run(&o, &st, &err);
	if (rc != expect_rc)
		fail_msg("shard %u/%u: %d (%s: %s)", i, n, rc, err.code, err.msg);
	if (code != NULL)
		assert_string_equal(err.code, code);
}

static void shard_path(unsigned i, unsigned n, char *out, size_t size)
{
	snprintf(out, size, "%s.state/shards/errs/shard-%u-of-%u.bin", k2, i, n);
}

static void test_errors(void **state)
{
	struct bc_ingest_options o;
	struct bc_ingest_stats st;
	struct bc_error err = BC_ERROR_INIT;
	char p2[512], saved[512], lockp[512], cmd[2048], map[512];
	struct stat sb;
	unsigned i;
	int fd;

	(void)state;
	/* an index to keep unchanged */
	base_options(&o, other, k2, idx3, NULL, "before");
	assert_int_equal(bc_ingest_run(&o, &st, &err), 0);

	/* usage: I >= N, N > 1024, standard input */
	one_shard(small, 4, 4, -1, "usage");
	one_shard(small, 0, 1025, -1, "usage");
	one_shard("-", 0, 4, -1, "usage");
	shard_path(0, 4, p2, sizeof(p2));
	assert_int_not_equal(stat(p2, &sb), 0); /* nothing written */

	for (i = 0; i < 4; i++)
		one_shard(small, i, 4, 0, NULL);
	shard_path(2, 4, p2, sizeof(p2));
	snprintf(saved, sizeof(saved), "%s/shard-2.saved", root);
	snprintf(cmd, sizeof(cmd), "cp %s %s", p2, saved);
	run(cmd);

	/* a missing shard */
	assert_int_equal(unlink(p2), 0);
	publish_fails(4, NULL, "shard_missing", "shard-2-of-4.bin", "shard 2 of 4 is missing");
	/* publish with another N: the N the shards were made for is said */
	publish_fails(3, NULL, "shard_missing", "shard-0-of-3.bin", "N = 4");
	/* a shard of another file */
	one_shard(other, 2, 4, 0, NULL);
	publish_fails(4, NULL, "shard_stale", "shard-2-of-4.bin", "other bytes");
	/* a flipped byte (in the entries, in the header) */
	snprintf(cmd, sizeof(cmd), "cp %s %s && printf '\\001' | dd of=%s bs=1 seek=5000 conv=notrunc 2>/dev/null",
		 saved, p2, p2);
	run(cmd);
	publish_fails(4, NULL, "shard_damaged", "shard-2-of-4.bin", "MAC");
	snprintf(cmd, sizeof(cmd), "cp %s %s && printf 'X' | dd of=%s bs=1 seek=14 conv=notrunc 2>/dev/null", saved, p2,
		 p2);
	run(cmd);
	publish_fails(4, NULL, "shard_damaged", "shard-2-of-4.bin", NULL);
	/* a shard renamed to another I */
	shard_path(1, 4, map, sizeof(map));
	snprintf(cmd, sizeof(cmd), "cp %s %s", map, p2);
	run(cmd);
	publish_fails(4, NULL, "shard_stale", "shard-2-of-4.bin", "holds shard 1 of 4");
	/* another --mapping than the shards' */
	snprintf(cmd, sizeof(cmd), "cp %s %s", saved, p2);
	run(cmd);
	publish_fails(4, "auto", "shard_stale", "shard-0-of-4.bin", "--mapping");

	/* locks: a shard does not start beside an ingest or publish of the key,
	 * and publish does not start while a shard runs */
	snprintf(lockp, sizeof(lockp), "%s.state/lock", k2);
	fd = open(lockp, O_RDWR);
	assert_true(fd >= 0);
	assert_int_equal(flock(fd, LOCK_EX), 0);
	one_shard(small, 1, 4, -1, "busy");
	assert_int_equal(flock(fd, LOCK_UN), 0);
	assert_int_equal(flock(fd, LOCK_SH), 0);
	publish_fails(4, NULL, "busy", NULL, "shard");
	close(fd);

	/* all put right: published, and the shard files removed */
	base_options(&o, small, k2, idx3, NULL, "errs");
	o.shards = 4;
	o.shard_publish = 1;
	if (bc_ingest_run(&o, &st, &err) != 0)
		fail_msg("publish: %s: %s", err.code, err.msg);
	assert_true(st.breaches >= 2); /* "before", "errs" (and "labs" of test_same_index) */
	snprintf(cmd, sizeof(cmd), "%s.state/shards/errs", k2);
	assert_int_not_equal(stat(cmd, &sb), 0);
}

/* A headerless file with --mapping FILE: the shards and publish must give
 * the same mapping file; an edited one is refused; the right one publishes. */
static void test_mapping_file(void **state)
{
	struct bc_ingest_options o;
	struct bc_ingest_stats st;
	struct bc_error err = BC_ERROR_INIT;
	char edited[320], cmd[1024];
	unsigned i;

	(void)state;
	for (i = 0; i < 3; i++) {
		base_options(&o, headless, k2, NULL, NULL, "headless");
		o.title = NULL;
		o.salt = NULL;
		o.shards = 3;
		o.shard_index = i;
		o.mapping = mapp;
		if (bc_ingest_run(&o, &st, &err) != 0)
			fail_msg("shard %u: %s: %s", i, err.code, err.msg);
		assert_true(st.shard_tokens > 0);
	}
	/* --mapping a pipe (e.g. <(...)): a shard and publish read the mapping
	 * twice (its digest, then the reader), so the second read would see
	 * nothing; refused, like a FILE that is not a regular file */
	for (i = 0; i < 2; i++) {
		char dev[64], text[4096];
		FILE *mf = fopen(mapp, "r");
		size_t tl;
		int fds[2];

		assert_non_null(mf);
		tl = fread(text, 1, sizeof(text), mf);
		fclose(mf);
		assert_true(tl > 0 && tl < sizeof(text));
		assert_int_equal(pipe(fds), 0);
		assert_int_equal(write(fds[1], text, tl), (ssize_t)tl);
		close(fds[1]);
		snprintf(dev, sizeof(dev), "/dev/fd/%d", fds[0]);
		base_options(&o, headless, k2, i ? idx3 : NULL, NULL, "headless");
		o.title = i ? o.title : NULL;
		o.anonymity = i ? o.anonymity : 0;
		o.shards = 3;
		o.shard_publish = i;
		o.mapping = dev;
		assert_int_equal(bc_ingest_run(&o, &st, &err), -1);
		close(fds[0]);
		assert_string_equal(err.code, "usage");
		assert_string_equal(err.field, "--mapping");
		assert_non_null(strstr(err.msg, "regular file"));
	}
	/* the same mapping with one more comment line: another mapping file */
	snprintf(edited, sizeof(edited), "%s.edited", mapp);
	snprintf(cmd, sizeof(cmd), "cp %s %s && echo '# checked' >> %s", mapp, edited, edited);
	run(cmd);
	base_options(&o, headless, k2, idx3, NULL, "headless");
	o.shards = 3;
	o.shard_publish = 1;
	o.mapping = edited;
	assert_int_equal(bc_ingest_run(&o, &st, &err), -1);
	assert_string_equal(err.code, "shard_stale");
	assert_non_null(strstr(err.msg, "--mapping"));
	/* without the mapping: the headerless file is refused before anything */
	o.mapping = NULL;
	assert_int_equal(bc_ingest_run(&o, &st, &err), -1);
	o.mapping = mapp;
	if (bc_ingest_run(&o, &st, &err) != 0)
		fail_msg("publish: %s: %s", err.code, err.msg);
	assert_true(st.tokens > 1000);
	assert_int_equal(st.shard_tokens, st.tokens);
}

/* No entry of a state file (payload || y) has an all-zero y: an output
 * never evaluated would put the person's entry where nobody looks. */
static void state_has_no_zero_y(const char *key, uint32_t id)
{
	char path[512];
	uint8_t *buf;
	size_t len, n, i;

	snprintf(path, sizeof(path), "%s.state/breach-%u.bin", key, id);
	buf = read_all(path, &len);
	n = (len - 24 - 32) / STATE_REC;
	assert_true(n > 0);
	for (i = 0; i < n; i++)
		assert_false(sodium_is_zero(buf + 24 + i * STATE_REC + BC_PAYLOAD_BYTES, BC_Y_BYTES));
	free(buf);
}

/* Entries of ix found for a person's identifier (kind, a, b, c as
 * bc_token_input; info: the email of a verified token), evaluated with key. */
static int truth_hits(const struct bc_index *ix, const struct bc_key *key, int kind, const char *a,
		      const char *b, const char *c, const char *info)
{
	struct bc_error err = BC_ERROR_INIT;
	char in[1024];
	uint8_t y[BC_Y_BYTES];
	struct test_hit h;
	int len = bc_token_input(kind, a, b, c, in, sizeof(in));

	assert_true(len > 0);
	assert_int_equal(oprf_evaluate(kind == BC_TOKEN_VERIFIED ? OPRF_MODE_POPRF : OPRF_MODE_VOPRF,
				       kind == BC_TOKEN_VERIFIED ? key->sk_v : key->sk_s, (const uint8_t *)in,
				       (size_t)len, (const uint8_t *)info, info ? strlen(info) : 0, y), 0);
	memset(&h, 0, sizeof(h));
	assert_true(bc_index_find(ix, y, kind == BC_TOKEN_VERIFIED, test_on_hit, &h, &err) >= 0);
	return h.n;
}

/*
 * Every ground-truth person against the 4 indexes of test_tiers_same_state
 * (public tier none and classes, one process and sharded): the same
 * verified entries in all four (NIR x each email); under none, no NIR,
 * email, phone or name + date of birth finds anything; under classes the
 * NIRs are found, in both.
 */
static void truth_against_tiers(const char *const ix_paths[4], const char *keyp)
{
	struct bc_index *ix[4];
	struct bc_key *key = NULL;
	struct bc_error err = BC_ERROR_INIT;
	char line[65536];
	FILE *f = fopen(truthp, "r");
	int persons = 0, verified = 0, nir_found = 0, k;

	assert_non_null(f);
	assert_int_equal(bc_key_load(keyp, &key, &err), 0);
	for (k = 0; k < 4; k++)
		assert_int_equal(bc_index_open(ix_paths[k], &ix[k], &err), 0);
	while (fgets(line, sizeof(line), f)) {
		json_t *p = json_loads(line, 0, NULL), *v;
		const char *nir = json_string_value(json_object_get(p, "nir13"));
		const char *first = json_string_value(json_object_get(p, "first_name"));
		const char *dob = json_string_value(json_object_get(p, "dob"));
		const char *last = json_string_value(json_object_get(json_object_get(p, "last_names"), "birth"));
		size_t i;

		assert_non_null(p);
		persons++;
		if (nir) {
			/* ix 0, 1: tier none; 2, 3: tier classes */
			assert_int_equal(truth_hits(ix[0], key, BC_TOKEN_NIR, nir, NULL, NULL, NULL), 0);
			assert_int_equal(truth_hits(ix[1], key, BC_TOKEN_NIR, nir, NULL, NULL, NULL), 0);
			k = truth_hits(ix[2], key, BC_TOKEN_NIR, nir, NULL, NULL, NULL);
			assert_int_equal(truth_hits(ix[3], key, BC_TOKEN_NIR, nir, NULL, NULL, NULL), k);
			nir_found += k > 0;
		}
		if (last && first && dob)
			assert_int_equal(truth_hits(ix[0], key, BC_TOKEN_NAMEDOB, last, first, dob, NULL), 0);
		json_array_foreach(json_object_get(p, "phones"), i, v)
			assert_int_equal(truth_hits(ix[0], key, BC_TOKEN_PHONE, json_string_value(v), NULL, NULL, NULL), 0);
		json_array_foreach(json_object_get(p, "emails"), i, v) {
			const char *em = json_string_value(v);

			assert_int_equal(truth_hits(ix[1], key, BC_TOKEN_EMAIL, em, NULL, NULL, NULL), 0);
			if (nir == NULL)
				continue;
			k = truth_hits(ix[0], key, BC_TOKEN_VERIFIED, nir, NULL, NULL, em);
			assert_int_equal(truth_hits(ix[1], key, BC_TOKEN_VERIFIED, nir, NULL, NULL, em), k);
			assert_int_equal(truth_hits(ix[2], key, BC_TOKEN_VERIFIED, nir, NULL, NULL, em), k);
			assert_int_equal(truth_hits(ix[3], key, BC_TOKEN_VERIFIED, nir, NULL, NULL, em), k);
			verified += k;
		}
		json_decref(p);
	}
	fclose(f);
	assert_true(persons > 1000);
	assert_true(verified > 100);
	assert_true(nir_found > persons / 2);
	for (k = 0; k < 4; k++)
		bc_index_free(ix[k]);
	bc_key_free(key);
}

/*
 * Under public tier none and classes, one process (which sets aside the
 * tokens it may not publish and evaluates only the published ones,
 * bc_ingest_eval_deferred) and 4 shards + publish (every token evaluated)
 * keep byte for byte the same state: the same verified entries with the
 * same y, and under none no public entry at all. Then every ground-truth
 * person against the four indexes (truth_against_tiers).
 */
static void test_tiers_same_state(void **state)
{
	static const int tiers[] = { BC_TIER_NONE, BC_TIER_CLASSES };
	struct bc_ingest_options o;
	struct bc_ingest_stats st1, st2;
	struct bc_error err = BC_ERROR_INIT;
	char ka[320], kb[320], ia[2][320], ib[2][320], p1[512], p2[512];
	const char *ixs[4] = { ia[0], ib[0], ia[1], ib[1] };
	uint8_t *b1, *b2;
	size_t l1, l2, i, k;

	(void)state;
	for (k = 0; k < 2; k++) {
		snprintf(ka, sizeof(ka), "%s/tier%zu-one.key", root, k);
		snprintf(kb, sizeof(kb), "%s/tier%zu-sharded.key", root, k);
		snprintf(ia[k], sizeof(ia[k]), "%s/tier%zu-one", root, k);
		snprintf(ib[k], sizeof(ib[k]), "%s/tier%zu-sharded", root, k);
		copy_file(k1, ka);
		copy_file(k1, kb);
		base_options(&o, leak, ka, ia[k], NULL, "labs");
		o.sensitive = 1;
		o.controller = "Laboratoires Exemple";
		o.dpo_contact = "dpo@labs.example";
		o.complaint_url = "https://www.cnil.example/plaintes";
		o.public_tier = tiers[k];
		if (bc_ingest_run(&o, &st1, &err) != 0)
			fail_msg("ingest: %s: %s", err.code, err.msg);
		run_shards(leak, kb, "labs", st1.tokens);
		o.key_path = kb;
		o.index_dir = ib[k];
		o.shards = 4;
		o.shard_publish = 1;
		if (bc_ingest_run(&o, &st2, &err) != 0)
			fail_msg("publish: %s: %s", err.code, err.msg);
		assert_true(st1.verified > 100);
		assert_int_equal(st2.verified, st1.verified);
		assert_int_equal(st2.index.verified_entries, st1.index.verified_entries);
		assert_int_equal(st2.index.public_entries, st1.index.public_entries);
		if (tiers[k] == BC_TIER_NONE) {
			assert_int_equal(st1.index.public_entries, 0);
			/* only the published verified tokens were evaluated */
			assert_int_equal(st1.evaluated, st1.verified);
		} else {
			assert_true(st1.index.public_entries > 10000);
		}
		snprintf(p1, sizeof(p1), "%s.state/breach-%u.bin", ka, st1.breach_id);
		snprintf(p2, sizeof(p2), "%s.state/breach-%u.bin", kb, st2.breach_id);
		b1 = read_all(p1, &l1);
		b2 = read_all(p2, &l2);
		assert_int_equal(l1, l2);
		/* the header holds the breach id, the same in both (fresh states) */
		assert_memory_equal(b1, b2, l1);
		for (i = 24; i + STATE_REC <= l1 - 32; i += STATE_REC)
			if (b1[i + 1] != BC_TOKEN_VERIFIED && tiers[k] == BC_TIER_NONE)
				fail_msg("a public entry in the state under tier none");
		free(b1);
		free(b2);
		state_has_no_zero_y(ka, st1.breach_id);
		state_has_no_zero_y(kb, st2.breach_id);
	}
	truth_against_tiers(ixs, k1); /* the same seed as every key above */
}

/* ingest --shard I/n of input for I in 0..n-1, one after the other. */
static void shards_of(const char *input, const char *key, const char *breach, unsigned n)
{
	struct bc_ingest_options o;
	struct bc_ingest_stats st;
	struct bc_error err = BC_ERROR_INIT;
	unsigned i;

	for (i = 0; i < n; i++) {
		base_options(&o, input, key, NULL, NULL, breach);
		o.shards = n;
		o.shard_index = i;
		if (bc_ingest_run(&o, &st, &err) != 0)
			fail_msg("shard %u: %s: %s", i, err.code, err.msg);
	}
}

/*
 * Publish removes its shard files, and nothing else: a file of the
 * operator's in KEYFILE.state/shards/NAME/, or in the directory that NAME
 * is a symbolic link to (shards on a shared volume), is kept. A FIFO in
 * place of a shard file is refused at once (not waited on).
 */
static void test_foreign_files(void **state)
{
	struct bc_ingest_options o;
	struct bc_ingest_stats st;
	struct bc_error err = BC_ERROR_INIT;
	char kf[320], outside[320], link[512], keep[512], keep2[512], sh[512], cmd[4096];
	struct stat sb;

	(void)state;
	snprintf(kf, sizeof(kf), "%s/foreign.key", root);
	snprintf(outside, sizeof(outside), "%s/shared-volume", root);
	copy_file(k1, kf);
	/* NAME a symbolic link to a directory holding the operator's files */
	snprintf(cmd, sizeof(cmd), "mkdir -p %s %s.state/shards && chmod 700 %s.state %s.state/shards && "
		 "cp %s %s/leak-copy.csv && ln -s %s %s.state/shards/sym",
		 outside, kf, kf, kf, small, outside, outside, kf);
	run(cmd);
	snprintf(keep, sizeof(keep), "%s/leak-copy.csv", outside);
	shards_of(small, kf, "sym", 2);
	snprintf(sh, sizeof(sh), "%s/shard-1-of-2.bin", outside);
	assert_int_equal(stat(sh, &sb), 0); /* written through the link */
	base_options(&o, small, kf, idx3, NULL, "sym");
	o.shards = 2;
	o.shard_publish = 1;
	if (bc_ingest_run(&o, &st, &err) != 0)
		fail_msg("publish: %s: %s", err.code, err.msg);
	assert_int_equal(stat(keep, &sb), 0);            /* the operator's file is kept */
	assert_int_not_equal(stat(sh, &sb), 0);          /* the shard files are gone */
	snprintf(link, sizeof(link), "%s.state/shards/sym", kf);
	assert_int_equal(lstat(link, &sb), 0);
	assert_true(S_ISLNK(sb.st_mode));

	/* a real directory: a file of the operator's stays (and so does the directory) */
	shards_of(small, kf, "real", 2);
	snprintf(keep2, sizeof(keep2), "%s.state/shards/real/NOTES.txt", kf);
	snprintf(cmd, sizeof(cmd), "echo 'run on 4 nodes' > %s", keep2);
	run(cmd);
	/* a FIFO in place of shard 1: refused, not waited on */
	snprintf(sh, sizeof(sh), "%s.state/shards/real/shard-1-of-2.bin", kf);
	snprintf(cmd, sizeof(cmd), "mv %s %s.saved && mkfifo %s", sh, sh, sh);
	run(cmd);
	base_options(&o, small, kf, idx3, NULL, "real");
	o.shards = 2;
	o.shard_publish = 1;
	assert_int_equal(bc_ingest_run(&o, &st, &err), -1);
	assert_string_equal(err.code, "shard_damaged");
	assert_non_null(err.file);
	assert_non_null(strstr(err.file, "shard-1-of-2.bin"));
	snprintf(cmd, sizeof(cmd), "rm %s && mv %s.saved %s", sh, sh, sh);
	run(cmd);
	if (bc_ingest_run(&o, &st, &err) != 0)
		fail_msg("publish: %s: %s", err.code, err.msg);
	assert_int_equal(stat(keep2, &sb), 0);
	assert_int_not_equal(stat(sh, &sb), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_same_index),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_mapping_file),
		cmocka_unit_test(test_tiers_same_state),
		cmocka_unit_test(test_foreign_files),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
