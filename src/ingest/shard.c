/*
 * Sharded ingest (issue 15 "Ingest beyond one machine"; docs/ingest.md
 * "Sharded ingest"; DESIGN.md §9, §10). The evaluation, the costly part of
 * an ingest, is split by token: `ingest --shard I/N` reads the whole file
 * as ingest does, evaluates only the tokens whose shard is I, and writes
 * KEYFILE.state/shards/NAME/shard-I-of-N.bin; `publish --shards N` runs
 * the whole ingest again without evaluating (rows, patients across every
 * row, claims, notices) and takes each token's OPRF output from its shard.
 *
 * Shard of a token: keyed BLAKE2b under a key derived from the key file's
 * seed ("breachcheck v1 ingest shard") over kind || u32 len || input ||
 * u32 info_len || info; the first 8 bytes little-endian, modulo N. A shard
 * file (little-endian):
 *
 *   0   8  "BCSHARDS"
 *   8   4  format version (1)
 *   12  4  I
 *   16  4  N
 *   20  4  0
 *   24  32 BLAKE2b-256 of the leak file's bytes
 *   56  32 BLAKE2b-256 of the mapping in force ("none", "auto", "file" || its bytes)
 *   88  8  distinct tokens of the whole file
 *   96  8  count: the tokens of this shard
 *   104 count x (token id 16 || y 64), sorted by token id, no two alike;
 *          token id: keyed BLAKE2b-128 ("breachcheck v1 ingest shard token id")
 *          of the same bytes as the shard; never a plain hash of an identifier
 *   ..  32 MAC: keyed BLAKE2b-256 ("breachcheck v1 ingest shard mac") of all the above
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ingest/internal.h"
#include "util/fs.h"
#include "util/parallel.h"

#define SHARD_MAGIC "BCSHARDS"
#define SHARD_VERSION 1u
#define SHARD_HEADER 104
#define SHARD_ID 16
#define SHARD_REC (SHARD_ID + BC_Y_BYTES)
#define SHARD_MAC 32

struct shard_file {
	char path[PATH_MAX + 64];
	uint8_t *buf;          /* the whole file (secret: wiped when freed) */
	size_t len, count;
	const uint8_t *recs;   /* count records of SHARD_REC bytes */
	atomic_size_t found;   /* tokens of the file found in it (join) */
};

struct shard_set {
	unsigned n;
	uint8_t shard_key[32], id_key[32];
	struct stat file_st;   /* FILE when digested: refused if it changed while read */
	uint64_t total;        /* distinct tokens of the file, as the shards say */
	struct shard_file *f;  /* n */
	char dir[PATH_MAX];    /* KEYFILE.state/shards/NAME */
};

/* err->file is borrowed and must outlive the run, which frees the shard
 * set: the path of the shard file an error names is kept here. */
static _Thread_local char err_path[PATH_MAX + 64];

static void name_file(struct bc_error *err, const char *path)
{
	snprintf(err_path, sizeof(err_path), "%s", path);
	err->file = err_path;
}

static void put32(uint8_t *p, uint32_t v)
{
	int i;

	for (i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void put64(uint8_t *p, uint64_t v)
{
	int i;

	for (i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t get64(const uint8_t *p)
{
	return (uint64_t)get32(p) | (uint64_t)get32(p + 4) << 32;
}

/* A key of the seed for one use (like bc_ingest_grouping_key). */
static void derive(const uint8_t seed[32], const char *label, uint8_t out[32])
{
	crypto_generichash(out, 32, (const uint8_t *)label, strlen(label), seed, 32);
}

static void derive_keys(const struct bc_key *key, uint8_t shard_key[32], uint8_t id_key[32], uint8_t mac_key[32])
{
	if (shard_key != NULL)
		derive(key->seed, "breachcheck v1 ingest shard", shard_key);
	if (id_key != NULL)
		derive(key->seed, "breachcheck v1 ingest shard token id", id_key);
	if (mac_key != NULL)
		derive(key->seed, "breachcheck v1 ingest shard mac", mac_key);
}

/* Keyed BLAKE2b of kind || u32 len || input || u32 info_len || info into
 * out (outlen 16..64 bytes). */
static void tok_hash(const uint8_t key[32], const struct tok *t, uint8_t *out, size_t outlen)
{
	uint8_t buf[1 + 4 + MAX_TOKEN_BYTES + 4 + 1024];
	size_t k = 0;

	if ((size_t)t->len + t->info_len > MAX_TOKEN_BYTES + 1024) {
		/* not made by tokens.c; hash through a state rather than overflow */
		crypto_generichash_state s;
		uint8_t h[9];

		h[0] = t->kind;
		put32(h + 1, t->len);
		put32(h + 5, t->info_len);
		crypto_generichash_init(&s, key, 32, outlen);
		crypto_generichash_update(&s, h, 5);
		crypto_generichash_update(&s, (const uint8_t *)t->s, t->len);
		crypto_generichash_update(&s, h + 5, 4);
		crypto_generichash_update(&s, (const uint8_t *)t->s + t->len, t->info_len);
		crypto_generichash_final(&s, out, outlen);
		return;
	}
	buf[k++] = t->kind;
	put32(buf + k, t->len);
	k += 4;
	memcpy(buf + k, t->s, t->len);
	k += t->len;
	put32(buf + k, t->info_len);
	k += 4;
	memcpy(buf + k, t->s + t->len, t->info_len);
	k += t->info_len;
	crypto_generichash(out, outlen, buf, k, key, 32);
	sodium_memzero(buf, k);
}

static uint32_t shard_of(const uint8_t key[32], const struct tok *t, uint32_t n)
{
	uint8_t h[16];

	tok_hash(key, t, h, sizeof(h));
	return (uint32_t)(get64(h) % n);
}

int bc_ingest_shard_mine(struct ingest *g, struct tok *t)
{
	t->mine = shard_of(g->shard_key, t, g->shard_n) == g->shard_i;
	return t->mine;
}

/* BLAKE2b-256 of the file's bytes; *st: the file as it was then. */
static int file_digest(const char *path, uint8_t out[32], struct stat *st, struct bc_error *err)
{
	crypto_generichash_state s;
	uint8_t *buf = malloc((size_t)1 << 20);
	ssize_t k;
	int fd = open(path, O_RDONLY | O_CLOEXEC), ret = -1;

	err->file = path;
	if (buf == NULL) {
		bc_error_set(err, bc_err_out_of_memory, "out of memory");
		goto out;
	}
	if (fd < 0 || fstat(fd, st) != 0) {
		bc_error_set(err, bc_err_open_failed, "cannot open: %s", strerror(errno));
		goto out;
	}
	crypto_generichash_init(&s, NULL, 0, 32);
	while ((k = read(fd, buf, (size_t)1 << 20)) != 0) {
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			bc_error_set(err, bc_err_read_failed, "cannot read: %s", strerror(errno));
			goto out;
		}
		crypto_generichash_update(&s, buf, (size_t)k);
	}
	crypto_generichash_final(&s, out, 32);
	err->file = NULL;
	ret = 0;
out:
	if (fd >= 0)
		close(fd);
	if (buf != NULL)
		sodium_memzero(buf, (size_t)1 << 20);
	free(buf);
	return ret;
}

/* The same file, unchanged, after it was read (a shard and publish must
 * read the bytes they digested). */
static int file_unchanged(const char *path, const struct stat *before, struct bc_error *err)
{
	struct stat now;

	if (stat(path, &now) != 0 || now.st_dev != before->st_dev || now.st_ino != before->st_ino ||
	    now.st_size != before->st_size || now.st_mtim.tv_sec != before->st_mtim.tv_sec ||
	    now.st_mtim.tv_nsec != before->st_mtim.tv_nsec) {
		err->file = path;
		return bc_error_set(err, bc_err_changed, "the file changed while it was read; nothing written. "
				    "Run again on a file that nothing writes to");
	}
	return 0;
}

/* BLAKE2b-256 of the mapping in force: "none" (the header's names),
 * "auto", or "file" || the mapping file's bytes. */
static int mapping_digest(const char *mapping, uint8_t out[32], struct bc_error *err)
{
	crypto_generichash_state s;
	uint8_t buf[4096];
	size_t k;
	FILE *f;

	crypto_generichash_init(&s, NULL, 0, 32);
	if (mapping == NULL || !strcmp(mapping, "auto")) {
		const char *m = mapping == NULL ? "none" : "auto";

		crypto_generichash_update(&s, (const uint8_t *)m, strlen(m));
		crypto_generichash_final(&s, out, 32);
		return 0;
	}
	f = fopen(mapping, "rb");
	if (f == NULL) {
		err->file = mapping;
		return bc_error_set_field(err, bc_err_open_failed, "--mapping", "cannot open: %s", strerror(errno));
	}
	crypto_generichash_update(&s, (const uint8_t *)"file", 4);
	while ((k = fread(buf, 1, sizeof(buf), f)) > 0)
		crypto_generichash_update(&s, buf, k);
	if (ferror(f)) {
		fclose(f);
		err->file = mapping;
		return bc_error_set_field(err, bc_err_read_failed, "--mapping", "cannot read the mapping file");
	}
	fclose(f);
	crypto_generichash_final(&s, out, 32);
	return 0;
}

/* KEYFILE.state/shards/NAME (made 0700 with its parent when mkdirs). */
static int shard_dir(const char *sdir, const char *breach, int mkdirs, char *out, size_t size,
		     struct bc_error *err)
{
	int k = snprintf(out, size, "%s/shards", sdir);

	if (k < 0 || (size_t)k >= size)
		return bc_error_set(err, bc_err_usage, "key path too long");
	if (mkdirs && mkdir(out, 0700) != 0 && errno != EEXIST)
		return bc_error_set(err, bc_err_state, "cannot create %s: %s", out, strerror(errno));
	k = snprintf(out, size, "%s/shards/%s", sdir, breach);
	if (k < 0 || (size_t)k >= size)
		return bc_error_set(err, bc_err_usage, "key path too long");
	if (mkdirs && mkdir(out, 0700) != 0 && errno != EEXIST)
		return bc_error_set(err, bc_err_state, "cannot create %s: %s", out, strerror(errno));
	return 0;
}

static int cmp_rec(const void *a, const void *b)
{
	return memcmp(a, b, SHARD_ID);
}

/* ---- ingest --shard I/N ---- */

static int write_shard(struct ingest_run *r, const char *path, const uint8_t fdig[32], const uint8_t mdig[32],
		       const uint8_t id_key[32], const uint8_t mac_key[32], struct bc_error *err)
{
	struct ingest *g = r->g;
	size_t i, n = 0, len;
	uint8_t *buf, *p;
	int ret;

	for (i = 0; i < g->ntok; i++)
		n += tok_at(g, i)->mine;
	len = SHARD_HEADER + n * SHARD_REC + SHARD_MAC;
	buf = malloc(len);
	if (buf == NULL)
		return bc_error_set(err, bc_err_out_of_memory, "out of memory writing the shard");
	memcpy(buf, SHARD_MAGIC, 8);
	put32(buf + 8, SHARD_VERSION);
	put32(buf + 12, g->shard_i);
	put32(buf + 16, g->shard_n);
	put32(buf + 20, 0);
	memcpy(buf + 24, fdig, 32);
	memcpy(buf + 56, mdig, 32);
	put64(buf + 88, g->ntok);
	put64(buf + 96, n);
	for (i = 0, p = buf + SHARD_HEADER; i < g->ntok; i++) {
		const struct tok *t = tok_at(g, i);

		if (!t->mine)
			continue;
		tok_hash(id_key, t, p, SHARD_ID);
		memcpy(p + SHARD_ID, t->y, BC_Y_BYTES);
		p += SHARD_REC;
	}
	qsort(buf + SHARD_HEADER, n, SHARD_REC, cmp_rec);
	for (i = 1; i < n; i++)
		if (memcmp(buf + SHARD_HEADER + (i - 1) * SHARD_REC, buf + SHARD_HEADER + i * SHARD_REC,
			   SHARD_ID) == 0) {
			sodium_memzero(buf, len);
			free(buf);
			return bc_error_set(err, bc_err_internal, "two tokens with the same shard token id");
		}
	crypto_generichash(buf + len - SHARD_MAC, SHARD_MAC, buf, len - SHARD_MAC, mac_key, 32);
	ret = bc_write_file_atomic(path, buf, len, 0600, err);
	sodium_memzero(buf, len);
	free(buf);
	r->st->shard_tokens = n;
	return ret;
}

int bc_ingest_shard_run(struct ingest_run *r, struct bc_error *err)
{
	const struct bc_ingest_options *o = r->o;
	struct ingest *g = r->g;
	char dir[PATH_MAX], path[PATH_MAX + 64], name[64];
	uint8_t fdig[32], mdig[32], id_key[32], mac_key[32];
	struct stat fst;
	json_t *cat;
	int ret = -1, threads = o->threads > 0 ? o->threads : bc_ncpu();

	if (bc_key_load(o->key_path, &g->key, err) != 0)
		return -1;
	if (bc_ingest_state_dir(o->key_path, r->sdir, sizeof(r->sdir)) != 0)
		return bc_error_set(err, bc_err_usage, "key path too long");
	/* shared: the shards of a run go together, never beside an ingest or
	 * a publish of the same key (they hold it exclusively) */
	if (bc_ingest_open_state_shared(r->sdir, &r->lock_fd, err) != 0)
		return -1;
	cat = bc_ingest_load_catalogue(r->sdir, g->key->pk_s, err); /* a state of another key is refused */
	if (cat == NULL)
		return -1;
	json_decref(cat);
	snprintf(name, sizeof(name), "shard-%u-of-%u.bin", o->shard_index, o->shards);
	if (shard_dir(r->sdir, o->breach, 1, dir, sizeof(dir), err) != 0 ||
	    bc_dir_check_writable(dir, name, strlen(name) + 16, "the shard directory of the key's state", err) != 0)
		return -1;
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (file_digest(o->input, fdig, &fst, err) != 0 || mapping_digest(o->mapping, mdig, err) != 0)
		return -1;
	g->shard_n = o->shards;
	g->shard_i = o->shard_index;
	derive_keys(g->key, g->shard_key, id_key, mac_key);
	if (bc_ingest_read(g, threads, r->st, err) != 0 || bc_ingest_eval_finish(g, r->st, err) != 0)
		goto out;
	r->st->tokens = g->ntok;
	r->st->occurrences = g->nocc;
	if (g->ntok == 0) {
		bc_error_set(err, bc_err_empty, "%s yielded no identifier to index (check the column mapping)",
			     o->input);
		goto out;
	}
	if (file_unchanged(o->input, &fst, err) != 0 ||
	    write_shard(r, path, fdig, mdig, id_key, mac_key, err) != 0)
		goto out;
	ret = 0;
out:
	sodium_memzero(id_key, sizeof(id_key));
	sodium_memzero(mac_key, sizeof(mac_key));
	r->st->t_total = bc_ingest_now() - r->t0;
	return ret;
}

/* ---- publish --shards N ---- */

/* "shard-I-of-N.bin" (I, N decimal), or a temporary of one ("...bin.tmp-<pid>..."). */
static int is_shard_name(const char *name, void *arg)
{
	unsigned i, n;
	int end = 0;

	(void)arg;
	if (sscanf(name, "shard-%u-of-%u.bin%n", &i, &n, &end) != 2 || end == 0)
		return 0;
	return name[end] == '\0' || strncmp(name + end, ".tmp-", 5) == 0;
}

/* A temporary of a shard file (a killed shard's). */
static int is_shard_temp(const char *name, void *arg)
{
	return is_shard_name(name, arg) && strstr(name, ".tmp-") != NULL;
}

/* The other N that shard files of dir were made for (up to 8, "" when
 * none), for the message of a missing shard. */
static void other_counts(const char *dir, unsigned want, char *out, size_t size)
{
	unsigned seen[8], ns = 0, i, n, k;
	size_t used = 0;
	struct dirent *de;
	DIR *d = opendir(dir);

	out[0] = '\0';
	if (d == NULL)
		return;
	while ((de = readdir(d)) != NULL && ns < 8) {
		char tail[8];

		if (sscanf(de->d_name, "shard-%u-of-%u.bi%1s", &i, &n, tail) != 3 || tail[0] != 'n' || n == want)
			continue;
		for (k = 0; k < ns && seen[k] != n; k++)
			;
		if (k == ns)
			seen[ns++] = n;
	}
	closedir(d);
	for (k = 0; k < ns; k++) {
		int w = snprintf(out + used, size - used, "%s%u", k ? ", " : "", seen[k]);

		if (w < 0 || (size_t)w >= size - used)
			break;
		used += (size_t)w;
	}
}

/* Load and check shard i of s->n; err->file names it. */
static int load_one(struct shard_set *s, unsigned i, const uint8_t fdig[32], const uint8_t mdig[32],
		    const uint8_t mac_key[32], const char *input, struct bc_error *err)
{
	struct shard_file *f = &s->f[i];
	uint8_t mac[SHARD_MAC];
	struct stat sb;
	size_t k;
	FILE *fp;
	int fd;

	snprintf(f->path, sizeof(f->path), "%s/shard-%u-of-%u.bin", s->dir, i, s->n);
	name_file(err, f->path);
	/* O_NONBLOCK: a FIFO in its place is refused below, not waited on */
	fd = open(f->path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	fp = fd < 0 ? NULL : fdopen(fd, "rb");
	if (fd >= 0 && fp == NULL) {
		close(fd);
		return bc_error_set(err, bc_err_out_of_memory, "out of memory opening the shard");
	}
	if (fp == NULL) {
		char others[64];

		if (errno != ENOENT)
			return bc_error_set(err, bc_err_shard_missing, "cannot read shard %u of %u: %s", i, s->n,
					    strerror(errno));
		other_counts(s->dir, s->n, others, sizeof(others));
		if (others[0] != '\0')
			return bc_error_set(err, bc_err_shard_missing, "shard %u of %u is missing; the shards of "
					    "this breach were made for N = %s: publish --shards N with that N, or run "
					    "ingest --shard I/%u for every I", i, s->n, others, s->n);
		return bc_error_set(err, bc_err_shard_missing, "shard %u of %u is missing: run ingest --shard %u/%u "
				    "(same FILE, --key, --breach and --mapping) before publish", i, s->n, i, s->n);
	}
	if (fstat(fileno(fp), &sb) != 0 || !S_ISREG(sb.st_mode) || sb.st_size < SHARD_HEADER + SHARD_MAC) {
		fclose(fp);
		return bc_error_set(err, bc_err_shard_damaged, "not a shard file (too short): run ingest --shard "
				    "%u/%u again", i, s->n);
	}
	f->len = (size_t)sb.st_size;
	f->buf = malloc(f->len);
	if (f->buf == NULL) {
		fclose(fp);
		return bc_error_set(err, bc_err_out_of_memory, "out of memory loading the shard");
	}
	k = fread(f->buf, 1, f->len, fp);
	fclose(fp);
	if (k != f->len)
		return bc_error_set(err, bc_err_shard_damaged, "cannot read the whole shard file");
	if (memcmp(f->buf, SHARD_MAGIC, 8) != 0)
		return bc_error_set(err, bc_err_shard_damaged, "not a shard file: run ingest --shard %u/%u again",
				    i, s->n);
	if (get32(f->buf + 8) != SHARD_VERSION)
		return bc_error_set(err, bc_err_shard_stale, "shard file format %u, this breachcheck reads %u: run "
				    "ingest --shard %u/%u again with this version", get32(f->buf + 8), SHARD_VERSION,
				    i, s->n);
	crypto_generichash(mac, SHARD_MAC, f->buf, f->len - SHARD_MAC, mac_key, 32);
	if (sodium_memcmp(mac, f->buf + f->len - SHARD_MAC, SHARD_MAC) != 0)
		return bc_error_set(err, bc_err_shard_damaged, "the shard file is damaged or was made with another "
				    "key (MAC mismatch): run ingest --shard %u/%u again", i, s->n);
	f->count = (size_t)get64(f->buf + 96);
	if (f->count > (f->len - SHARD_HEADER - SHARD_MAC) / SHARD_REC ||
	    f->len != SHARD_HEADER + f->count * SHARD_REC + SHARD_MAC)
		return bc_error_set(err, bc_err_shard_damaged, "the shard file's size does not match its count");
	if (get32(f->buf + 12) != i || get32(f->buf + 16) != s->n)
		return bc_error_set(err, bc_err_shard_stale, "the file holds shard %u of %u, not %u of %u (renamed "
				    "or copied?): run ingest --shard %u/%u", get32(f->buf + 12), get32(f->buf + 16), i,
				    s->n, i, s->n);
	if (memcmp(f->buf + 24, fdig, 32) != 0)
		return bc_error_set(err, bc_err_shard_stale, "shard %u of %u was made from other bytes than %s (another "
				    "file, or it changed since): run ingest --shard %u/%u on this file again", i, s->n,
				    input, i, s->n);
	if (memcmp(f->buf + 56, mdig, 32) != 0)
		return bc_error_set(err, bc_err_shard_stale, "shard %u of %u was made with another --mapping than "
				    "this publish: give the same --mapping, or run the shard again", i, s->n);
	if (i == 0)
		s->total = get64(f->buf + 88);
	else if (get64(f->buf + 88) != s->total)
		return bc_error_set(err, bc_err_shard_stale, "shard %u of %u counts %llu tokens in the file, shard 0 "
				    "%llu: made by another breachcheck? run the shards again", i, s->n,
				    (unsigned long long)get64(f->buf + 88), (unsigned long long)s->total);
	f->recs = f->buf + SHARD_HEADER;
	for (k = 1; k < f->count; k++)
		if (memcmp(f->recs + (k - 1) * SHARD_REC, f->recs + k * SHARD_REC, SHARD_ID) >= 0)
			return bc_error_set(err, bc_err_shard_damaged, "the shard file's entries are not sorted");
	atomic_init(&f->found, 0);
	err->file = NULL;
	return 0;
}

int bc_ingest_shards_load(struct ingest_run *r, struct bc_error *err)
{
	const struct bc_ingest_options *o = r->o;
	struct shard_set *s = calloc(1, sizeof(*s));
	uint8_t fdig[32], mdig[32], mac_key[32];
	uint64_t sum = 0;
	unsigned i;
	int ret = -1;

	if (s == NULL)
		return bc_error_set(err, bc_err_out_of_memory, "out of memory");
	r->shards = s;
	s->n = o->shards;
	s->f = calloc(s->n, sizeof(*s->f));
	if (s->f == NULL)
		return bc_error_set(err, bc_err_out_of_memory, "out of memory");
	if (shard_dir(r->sdir, o->breach, 0, s->dir, sizeof(s->dir), err) != 0)
		return -1;
	/* We hold the state exclusively: a killed shard's temporary can go. */
	(void)bc_remove_matching(s->dir, is_shard_temp, NULL);
	if (file_digest(o->input, fdig, &s->file_st, err) != 0 || mapping_digest(o->mapping, mdig, err) != 0)
		return -1;
	derive_keys(r->g->key, s->shard_key, s->id_key, mac_key);
	for (i = 0; i < s->n; i++) {
		if (load_one(s, i, fdig, mdig, mac_key, o->input, err) != 0)
			goto out;
		sum += s->f[i].count;
	}
	if (sum != s->total) {
		name_file(err, s->f[0].path);
		bc_error_set(err, bc_err_shard_stale, "the %u shards hold %llu tokens, the file %llu: run the shards "
			     "again", s->n, (unsigned long long)sum, (unsigned long long)s->total);
		goto out;
	}
	ret = 0;
out:
	sodium_memzero(mac_key, sizeof(mac_key));
	return ret;
}

struct join_ctx {
	struct ingest *g;
	struct shard_set *s;
	struct bc_build_item *items;
	atomic_uint missing;   /* 1 + the shard of a token not found, 0: none */
};

static void join_range(void *arg, size_t b, size_t e)
{
	struct join_ctx *c = arg;
	uint8_t id[SHARD_ID];
	size_t i;

	for (i = b; i < e; i++) {
		const struct tok *t = tok_at(c->g, i);
		uint32_t sh = shard_of(c->s->shard_key, t, c->s->n);
		struct shard_file *f = &c->s->f[sh];
		const uint8_t *hit;

		tok_hash(c->s->id_key, t, id, sizeof(id));
		hit = bsearch(id, f->recs, f->count, SHARD_REC, cmp_rec);
		if (hit == NULL) {
			unsigned zero = 0;

			atomic_compare_exchange_strong(&c->missing, &zero, sh + 1);
			continue;
		}
		memcpy(c->items[i].y, hit + SHARD_ID, BC_Y_BYTES);
		atomic_fetch_add(&f->found, 1);
	}
}

int bc_ingest_shards_join(struct ingest_run *r, struct bc_error *err)
{
	struct shard_set *s = r->shards;
	struct ingest *g = r->g;
	struct join_ctx c;
	double t = bc_ingest_now();
	unsigned i;

	if (file_unchanged(r->o->input, &s->file_st, err) != 0)
		return -1;
	if (g->ntok != s->total) {
		name_file(err, s->f[0].path);
		return bc_error_set(err, bc_err_shard_stale, "the shards count %llu distinct tokens in %s, publish "
				    "reads %zu: the shards were made by another breachcheck or reader; run them again",
				    (unsigned long long)s->total, r->o->input, g->ntok);
	}
	c.g = g;
	c.s = s;
	c.items = r->items;
	atomic_init(&c.missing, 0);
	bc_parallel_for(g->ntok, 4096, r->o->threads, join_range, &c);
	if (atomic_load(&c.missing) != 0) {
		i = atomic_load(&c.missing) - 1;
		name_file(err, s->f[i].path);
		return bc_error_set(err, bc_err_shard_stale, "shard %u of %u lacks a token of %s: it was made by "
				    "another breachcheck or reader; run ingest --shard %u/%u again", i, s->n,
				    r->o->input, i, s->n);
	}
	for (i = 0; i < s->n; i++)
		if (atomic_load(&s->f[i].found) != s->f[i].count) {
			name_file(err, s->f[i].path);
			return bc_error_set(err, bc_err_shard_stale, "shard %u of %u holds tokens that %s does not "
					    "give: run ingest --shard %u/%u again", i, s->n, r->o->input, i, s->n);
		}
	atomic_store(&g->evaluated, g->ntok);
	bc_ingest_progress(g, 1);
	r->st->shard_tokens = g->ntok;
	r->st->t_eval = bc_ingest_now() - t;
	return 0;
}

void bc_ingest_shards_finish(struct ingest_run *r, int published)
{
	struct shard_set *s = r->shards;
	char parent[PATH_MAX];
	unsigned i;

	if (s == NULL)
		return;
	for (i = 0; s->f != NULL && i < s->n; i++) {
		if (s->f[i].buf != NULL)
			sodium_memzero(s->f[i].buf, s->f[i].len);
		free(s->f[i].buf);
	}
	/* Published: this breach's shard files (of any N) have done their work.
	 * Only they (and temporaries of killed shards) go: another file there,
	 * or in the directory NAME links to (a shared volume), is the
	 * operator's; the directory stays then (and a link always). */
	if (published && s->dir[0] != '\0') {
		(void)bc_remove_matching(s->dir, is_shard_name, NULL);
		(void)rmdir(s->dir);
		bc_dir_of(s->dir, parent, sizeof(parent));
		(void)rmdir(parent); /* only when no other breach has shards */
	}
	free(s->f);
	sodium_memzero(s, sizeof(*s));
	free(s);
	r->shards = NULL;
}
