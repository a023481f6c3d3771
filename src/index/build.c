#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>
#include <sodium.h>

#include "bc_config.h"
#include "index/build.h"
#include "index/index_internal.h"
#include "util/base64url.h"
#include "util/parallel.h"
#include "util/fs.h"

/* The hooks read the environment only in a build for the tests
 * (-Dtest_hooks, meson_options.txt); elsewhere they do nothing. */
#if BC_TEST_HOOKS
int bc_test_fail_point(const char *stage)
{
	const char *at = getenv("BC_TEST_FAIL_AT");

	if (at != NULL && !strcmp(at, stage)) {
		errno = EIO;
		return 1;
	}
	return 0;
}

void bc_test_kill_point(const char *stage)
{
	const char *at = getenv("BC_TEST_KILL_AT");

	if (at != NULL && !strcmp(at, stage))
		raise(SIGKILL);
}
#else
int bc_test_fail_point(const char *stage)
{
	(void)stage;
	return 0;
}

void bc_test_kill_point(const char *stage)
{
	(void)stage;
}
#endif

static int too_long(int r, size_t size)
{
	return r < 0 || (size_t)r >= size;
}

int bc_dir_check_writable(const char *dir, const char *prefix, size_t name_len, const char *what,
			  struct bc_error *err)
{
	char name[NAME_MAX + 64], path[PATH_MAX + NAME_MAX + 64], hex[17];
	uint8_t rnd[4];
	size_t n;
	int fd, e;

	randombytes_buf(rnd, sizeof(rnd));
	sodium_bin2hex(hex, sizeof(hex), rnd, sizeof(rnd));
	/* "<prefix>.tmp-<pid>-p<hex>": the shape of a temporary, so that the
	 * clean-up of dead runs' temporaries (index parent, state directory)
	 * also removes the probe of a run killed between create and unlink */
	n = (size_t)snprintf(name, sizeof(name), "%s.tmp-%ld-p%s", prefix, (long)getpid(), hex);
	if (n >= sizeof(name))
		return bc_error_set(err, bc_err_not_writable, "cannot write in %s (%s): name too long", dir, what);
	/* As long as the longest name to be created there, so that a name the
	 * file system refuses (ENAMETOOLONG) shows now. */
	while (n < name_len && n < sizeof(name) - 1)
		name[n++] = 'p';
	name[n] = '\0';
	if (too_long(snprintf(path, sizeof(path), "%s/%s", dir, name), sizeof(path)))
		return bc_error_set(err, bc_err_not_writable, "cannot write in %s (%s): path too long", dir, what);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		e = errno;
		return bc_error_set(err, bc_err_not_writable, "cannot create files in %s (%s): %s", dir, what,
				    strerror(e));
	}
	close(fd);
	if (unlink(path) != 0) {
		e = errno;
		return bc_error_set(err, bc_err_not_writable, "cannot remove files in %s (%s): %s", dir, what,
				    strerror(e));
	}
	return 0;
}

/*
 * --index DIR without its trailing slashes into path (PATH_MAX bytes), its
 * last component into base (NAME_MAX + 1 bytes). Returns 0; -1 with err set
 * (usage) if the path is empty or too long; -2, err not set, if the last
 * component is too long (each caller says what that prevents).
 */
static int split_index_path(const char *dir, char *path, char *base, struct bc_error *err)
{
	const char *slash;
	size_t dl = strlen(dir);

	while (dl > 1 && dir[dl - 1] == '/')
		dl--;
	if (dl == 0 || too_long(snprintf(path, PATH_MAX, "%.*s", (int)dl, dir), PATH_MAX))
		return bc_error_set(err, bc_err_usage, "index directory path is empty or too long");
	slash = strrchr(path, '/');
	if (too_long(snprintf(base, NAME_MAX + 1, "%s", slash ? slash + 1 : path), NAME_MAX + 1))
		return -2;
	return 0;
}

int bc_index_check_writable(const char *dir, struct bc_error *err)
{
	char path[PATH_MAX], parent[PATH_MAX], base[NAME_MAX + 1];
	int r = split_index_path(dir, path, base, err);

	if (r == -2)
		return bc_error_set(err, bc_err_not_writable, "--index %s: its last component is too long", path);
	if (r)
		return -1;
	bc_dir_of(path, parent, sizeof(parent));
	/* The longest name publication creates beside DIR: DIR.<32 hex>. */
	return bc_dir_check_writable(parent, base, strlen(base) + 1 + BC_INDEX_ID_HEX,
				     "beside --index, where its versions NAME.<index_id>/ are created", err);
}

/* The largest b (0..BC_INDEX_MAX_BUCKET_BITS) for which 2^b buckets of >= k
 * entries can hold n: the finest split worth counting. */
static unsigned max_bucket_bits(size_t n, unsigned k)
{
	unsigned maxb = 0;

	while (maxb < BC_INDEX_MAX_BUCKET_BITS && ((size_t)k << (maxb + 1)) <= n)
		maxb++;
	return maxb;
}

/* hist: the 2^maxb bucket loads at maxb bits, folded in place down to the
 * chosen b (bc_index_choose_bits). */
static void pick_bits(uint32_t *hist, unsigned maxb, unsigned k, unsigned *bits, uint32_t *min_load,
		      uint32_t *max_load)
{
	unsigned b;
	size_t i, nb;

	for (b = maxb;; b--) {
		uint32_t lo = UINT32_MAX, hi = 0;

		nb = (size_t)1 << b;
		for (i = 0; i < nb; i++) {
			lo = hist[i] < lo ? hist[i] : lo;
			hi = hist[i] > hi ? hist[i] : hi;
		}
		if (lo >= k || b == 0) {
			*bits = b;
			*min_load = lo;
			*max_load = hi;
			break;
		}
		for (i = 0; i < nb / 2; i++)
			hist[i] = hist[2 * i] + hist[2 * i + 1];
	}
}

int bc_index_choose_bits(const uint32_t *bucket32, size_t n, unsigned k, unsigned *bits,
			 uint32_t *min_load, uint32_t *max_load)
{
	unsigned maxb;
	uint32_t *hist;
	size_t i;

	if (k == 0)
		k = 1;
	/* 2^b buckets of >= k entries need n >= 2^b * k. */
	maxb = max_bucket_bits(n, k);
	hist = calloc((size_t)1 << maxb, sizeof(*hist));
	if (hist == NULL)
		return -1;
	for (i = 0; i < n; i++)
		hist[bc_index_bucket_of(bucket32[i], maxb)]++;
	pick_bits(hist, maxb, k, bits, min_load, max_load);
	free(hist);
	return 0;
}

static int is_verified(const struct bc_build_item *it)
{
	return it->payload[1] == BC_TOKEN_VERIFIED;
}

/*
 * The entries are sealed straight into their place in buckets.bin or
 * verified.bin, in three passes over all cores: (1) the bucket32 of each
 * public item, (2) once bucket_bits is chosen and each item given its slot
 * (in item order within its bucket, as before), the sealing, (3) each bucket,
 * and verified.bin, padded, sorted and hashed.
 */
struct seal_job {
	const struct bc_build_item *items;
	const uint8_t *salt;
	uint32_t *slot;          /* n: pass 1 bucket32 (public items); pass 2 the entry's slot */
	uint8_t *ver;            /* n: 1 for a verified item (pass 1), read without the items */
	uint8_t *buckets;        /* slots of the buckets, 48 bytes each */
	uint8_t *verified;       /* slots of verified.bin */
	atomic_size_t zero_at;   /* smallest index of an all-zero y, or SIZE_MAX */
	atomic_size_t n_ver;
};

static void bucket32_range(void *arg, size_t begin, size_t end)
{
	struct seal_job *j = arg;
	size_t i, n_ver = 0, zero = SIZE_MAX;

	for (i = begin; i < end; i++) {
		const struct bc_build_item *it = &j->items[i];

		/* an OPRF output is a hash: all zeros is one never evaluated */
		if (zero == SIZE_MAX && sodium_is_zero(it->y, BC_Y_BYTES))
			zero = i;
		j->ver[i] = (uint8_t)is_verified(it);
		if (j->ver[i])
			n_ver++;
		else
			j->slot[i] = bc_index_bucket32(it->y, j->salt);
	}
	atomic_fetch_add(&j->n_ver, n_ver);
	if (zero != SIZE_MAX) {
		size_t cur = atomic_load(&j->zero_at);

		while (zero < cur && !atomic_compare_exchange_weak(&j->zero_at, &cur, zero))
			;
	}
}

static void seal_range(void *arg, size_t begin, size_t end)
{
	struct seal_job *j = arg;
	uint8_t tag[BC_TAG_BYTES], k[BC_ENTRY_KEY_BYTES];
	size_t i;

	for (i = begin; i < end; i++) {
		const struct bc_build_item *it = &j->items[i];
		uint8_t *at = (j->ver[i] ? j->verified : j->buckets) + (size_t)j->slot[i] * BC_ENTRY_BYTES;

		bc_index_tag(it->y, j->salt, it->breach_id, tag);
		bc_index_key(it->y, j->salt, it->breach_id, k);
		bc_entry_seal(k, it->payload, tag, at);
	}
	sodium_memzero(k, sizeof(k));
}

static int cmp_entry(const void *a, const void *b)
{
	return memcmp(a, b, BC_TAG_BYTES);
}

/* The bin of an entry: the first bits (<= 16) of its tag. */
static uint32_t tag_bin(const uint8_t *e, unsigned bits)
{
	return (((uint32_t)e[0] << 8) | e[1]) >> (16 - bits);
}

void bc_index_sort_entries(uint8_t *e, size_t n, uint8_t *tmp)
{
	uint32_t *end_of, i, nbins, from, to;
	unsigned bits = 0;
	size_t x;

	while (bits < 16 && ((size_t)4 << bits) < n)
		bits++;
	nbins = (uint32_t)1 << bits;
	end_of = tmp != NULL && n <= UINT32_MAX ? calloc(nbins, sizeof(*end_of)) : NULL;
	if (end_of == NULL) {
		qsort(e, n, BC_ENTRY_BYTES, cmp_entry);
		return;
	}
	for (x = 0; x < n; x++)
		end_of[tag_bin(e + x * BC_ENTRY_BYTES, bits)]++;
	for (i = 0, to = 0; i < nbins; i++) { /* end_of[i]: where bin i starts */
		from = end_of[i];
		end_of[i] = to;
		to += from;
	}
	for (x = 0; x < n; x++) {
		const uint8_t *s = e + x * BC_ENTRY_BYTES;

		memcpy(tmp + (size_t)end_of[tag_bin(s, bits)]++ * BC_ENTRY_BYTES, s, BC_ENTRY_BYTES);
	}
	for (i = 0, from = 0; i < nbins; from = end_of[i++]) { /* bin i: [from, end_of[i]) */
		uint8_t *b = tmp + (size_t)from * BC_ENTRY_BYTES, cur[BC_ENTRY_BYTES];
		size_t len = end_of[i] - from, a, c;

		if (len > 32) {
			qsort(b, len, BC_ENTRY_BYTES, cmp_entry);
			continue;
		}
		for (a = 1; a < len; a++) {
			for (c = a; c > 0 && memcmp(b + (c - 1) * BC_ENTRY_BYTES, b + a * BC_ENTRY_BYTES,
						    BC_TAG_BYTES) > 0; c--)
				;
			if (c == a)
				continue;
			memcpy(cur, b + a * BC_ENTRY_BYTES, BC_ENTRY_BYTES);
			memmove(b + (c + 1) * BC_ENTRY_BYTES, b + c * BC_ENTRY_BYTES, (a - c) * BC_ENTRY_BYTES);
			memcpy(b + c * BC_ENTRY_BYTES, cur, BC_ENTRY_BYTES);
		}
	}
	memcpy(e, tmp, n * BC_ENTRY_BYTES);
	free(end_of);
}

/* Pass 3: job 0 is verified.bin, job 1 + i bucket i. Each thread writes
 * what it has finished to its place in the file (the page-cache copies on
 * all cores) and starts its write-back, so that the fsyncs after the pass
 * have little left to wait for. */
struct bucket_job {
	uint8_t *buckets;      /* n_buckets x per x 48, real entries already placed */
	const uint32_t *load;  /* real entries per bucket */
	uint32_t per;
	uint8_t *hashes;       /* n_buckets x 32 */
	uint8_t *verified;     /* v_total x 48, the first n_ver real */
	size_t n_ver, v_total;
	uint8_t *vhash;        /* 32 */
	int bfd, vfd;          /* buckets.bin, verified.bin */
	atomic_int berr, verr; /* errno of the first failed write of each, or 0 */
};

static void pad_sort_hash(uint8_t *e, size_t real, size_t total, uint8_t *tmp, uint8_t *hash)
{
	randombytes_buf(e + real * BC_ENTRY_BYTES, (total - real) * BC_ENTRY_BYTES);
	bc_index_sort_entries(e, total, tmp);
	crypto_generichash(hash, BC_HASH_BYTES, e, total * BC_ENTRY_BYTES, NULL, 0);
}

static void write_part(int fd, atomic_int *failed, const uint8_t *data, size_t len, size_t off)
{
	int none = 0;

	if (bc_pwrite_all(fd, data, len, (off_t)off) != 0)
		atomic_compare_exchange_strong(failed, &none, errno ? errno : EIO);
	else
		bc_start_writeback(fd, (off_t)off, len);
}

static void bucket_range(void *arg, size_t begin, size_t end)
{
	struct bucket_job *j = arg;
	size_t i, bytes = (size_t)j->per * BC_ENTRY_BYTES;
	uint8_t *tmp;

	if (begin == 0) {
		tmp = malloc(j->v_total * BC_ENTRY_BYTES);
		pad_sort_hash(j->verified, j->n_ver, j->v_total, tmp, j->vhash);
		free(tmp);
		write_part(j->vfd, &j->verr, j->verified, j->v_total * BC_ENTRY_BYTES, 0);
		begin++;
	}
	if (begin >= end)
		return;
	tmp = malloc(bytes);
	for (i = begin - 1; i < end - 1; i++)
		pad_sort_hash(j->buckets + i * bytes, j->load[i], j->per, tmp, j->hashes + i * BC_HASH_BYTES);
	free(tmp);
	write_part(j->bfd, &j->berr, j->buckets + (begin - 1) * bytes, (end - begin) * bytes, (begin - 1) * bytes);
}

static size_t bucket_chunk(uint32_t per)
{
	size_t c = ((size_t)256 << 10) / ((size_t)per * BC_ENTRY_BYTES);

	return c < 4 ? 4 : c;
}

static int write_failed(struct bc_error *err, const char *path, int e)
{
	return bc_error_set(err, bc_err_io, "cannot write %s: %s%s", path, strerror(e),
			    e == ENOSPC || e == EFBIG || e == EDQUOT
			    ? " (disk full or size limit); nothing was published, the previous index is unchanged"
			    : "");
}

/* Create dir/name (O_EXCL, 0644) into *fd. Returns 0, or -1 with err set. */
static int create_in(const char *dir, const char *name, int *fd, struct bc_error *err)
{
	char path[PATH_MAX + 32];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	*fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (*fd < 0)
		return bc_error_set(err, bc_err_io, "cannot create %s: %s", path, strerror(errno));
	return 0;
}

/* Sync and close *fd, dir/name, whose writes failed with werr (0: none).
 * Returns 0, or -1 with err set; *fd is -1 after. */
static int finish_file(const char *dir, const char *name, int *fd, int werr, struct bc_error *err)
{
	char path[PATH_MAX + 32];
	int fd1 = *fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	*fd = -1;
	if (werr != 0 || fsync(fd1) != 0) {
		write_failed(err, path, werr != 0 ? werr : errno);
		close(fd1);
		return -1;
	}
	if (close(fd1) != 0)
		return bc_error_set(err, bc_err_io, "cannot write %s: %s", path, strerror(errno));
	return 0;
}

static int write_path(const char *dir, const char *name, const void *data, size_t len,
		      struct bc_error *err)
{
	int fd;

	if (create_in(dir, name, &fd, err) != 0)
		return -1;
	return finish_file(dir, name, &fd, bc_write_all(fd, data, len) != 0 ? errno : 0, err);
}

static json_t *b64_json(const uint8_t *in, size_t n)
{
	char buf[128];

	bc_b64url_encode(in, n, buf);
	return json_string(buf);
}

int bc_index_write_files(const char *tmpdir, const struct bc_build_item *items, size_t n,
			 const struct bc_build_params *p, struct bc_build_result *res,
			 struct bc_error *err)
{
	uint8_t salt[BC_SALT_BYTES], vhash[BC_HASH_BYTES];
	uint8_t *buckets = NULL, *verified = NULL, *hashes = NULL;
	uint32_t *slot = NULL, *hist = NULL, *fill = NULL;
	uint8_t *ver = NULL;
	size_t n_pub = 0, n_ver = 0, v_total, i, n_buckets, zero_at;
	unsigned k = p->anonymity ? p->anonymity : 1, maxb;
	struct seal_job sj;
	struct bucket_job bj;
	json_t *root = NULL, *arr, *breaches = NULL;
	json_error_t jerr;
	char *text = NULL;
	int ret = -1;

	bj.bfd = bj.vfd = -1;
	if (sodium_init() < 0) {
		bc_error_set(err, bc_err_internal, "libsodium failed to initialise");
		goto out;
	}
	memset(res, 0, sizeof(*res));
	if (p->salt != NULL)
		memcpy(salt, p->salt, sizeof(salt));
	else
		randombytes_buf(salt, sizeof(salt));
	breaches = json_loads(p->breaches_json ? p->breaches_json : "[]", 0, &jerr);
	if (!json_is_array(breaches)) {
		bc_error_set(err, bc_err_internal, "catalogue is not a JSON array");
		goto out;
	}
	if (n >= UINT32_MAX) {
		bc_error_set(err, bc_err_internal, "%zu entries: more than one index holds", n);
		goto out;
	}
	slot = malloc(n ? n * sizeof(*slot) : 1);
	ver = malloc(n ? n : 1);
	if (slot == NULL || ver == NULL) {
		bc_error_set(err, bc_err_out_of_memory, "out of memory sealing %zu entries", n);
		goto out;
	}
	/* Pass 1: bucket32 of the public items, and the never-evaluated check. */
	sj.items = items;
	sj.salt = salt;
	sj.slot = slot;
	sj.ver = ver;
	sj.buckets = sj.verified = NULL;
	atomic_init(&sj.zero_at, SIZE_MAX);
	atomic_init(&sj.n_ver, 0);
	bc_parallel_for(n, 4096, p->threads, bucket32_range, &sj);
	/* An OPRF output is a hash: all zeros is an output never evaluated
	 * (a bug upstream), whose person would be told "not found". */
	zero_at = atomic_load(&sj.zero_at);
	if (zero_at != SIZE_MAX) {
		bc_error_set(err, bc_err_internal, "entry %zu of %zu has an all-zero OPRF output (never "
			     "evaluated): nothing published", zero_at, n);
		goto out;
	}
	n_ver = atomic_load(&sj.n_ver);
	n_pub = n - n_ver;
	/* bucket_bits from the loads (bc_index_choose_bits), then each item's slot. */
	maxb = max_bucket_bits(n_pub, k);
	hist = calloc((size_t)1 << maxb, sizeof(*hist));
	if (hist == NULL) {
		bc_error_set(err, bc_err_out_of_memory, "out of memory");
		goto out;
	}
	for (i = 0; i < n; i++)
		if (!ver[i])
			hist[bc_index_bucket_of(slot[i], maxb)]++;
	pick_bits(hist, maxb, k, &res->bucket_bits, &res->min_real_entries, &res->bucket_entries);
	if (res->bucket_entries == 0)
		res->bucket_entries = 1; /* an empty index still has one padded bucket */
	n_buckets = (size_t)1 << res->bucket_bits;
	if (n_buckets * res->bucket_entries >= UINT32_MAX) {
		bc_error_set(err, bc_err_internal, "%zu buckets of %u entries: more than one index holds",
			     n_buckets, res->bucket_entries);
		goto out;
	}
	fill = calloc(n_buckets, sizeof(*fill));
	hashes = malloc(n_buckets * BC_HASH_BYTES);
	buckets = malloc(n_buckets * res->bucket_entries * BC_ENTRY_BYTES);
	v_total = (n_ver + BC_VERIFIED_ALIGN - 1) / BC_VERIFIED_ALIGN * BC_VERIFIED_ALIGN;
	if (v_total == 0)
		v_total = BC_VERIFIED_ALIGN;
	verified = malloc(v_total * BC_ENTRY_BYTES);
	if (fill == NULL || hashes == NULL || buckets == NULL || verified == NULL) {
		bc_error_set(err, bc_err_out_of_memory, "out of memory building %zu buckets", n_buckets);
		goto out;
	}
	for (i = 0, n_ver = 0; i < n; i++) {
		if (ver[i]) {
			slot[i] = (uint32_t)n_ver++;
		} else {
			uint32_t b = bc_index_bucket_of(slot[i], res->bucket_bits);

			slot[i] = b * res->bucket_entries + fill[b]++;
		}
	}
	/* Pass 2: each entry sealed into its slot. */
	sj.buckets = buckets;
	sj.verified = verified;
	bc_parallel_for(n, 4096, p->threads, seal_range, &sj);
	/* Pass 3: padding, sort and hash of each bucket and of verified.bin,
	 * each written to its file as soon as done. */
	if (create_in(tmpdir, "buckets.bin", &bj.bfd, err) != 0 ||
	    create_in(tmpdir, "verified.bin", &bj.vfd, err) != 0)
		goto out;
	atomic_init(&bj.berr, 0);
	atomic_init(&bj.verr, 0);
	bj.buckets = buckets;
	bj.load = fill;
	bj.per = res->bucket_entries;
	bj.hashes = hashes;
	bj.verified = verified;
	bj.n_ver = n_ver;
	bj.v_total = v_total;
	bj.vhash = vhash;
	/* about 256 KB of buckets per job (one pwrite), at least 4 buckets */
	bc_parallel_for(n_buckets + 1, bucket_chunk(res->bucket_entries), p->threads, bucket_range, &bj);
	bc_index_compute_id(hashes, (uint32_t)n_buckets, vhash, salt, res->index_id);
	res->public_entries = n_pub;
	res->verified_entries = n_ver;

	root = json_object();
	arr = json_array();
	json_object_set_new(root, "format", json_integer(BC_INDEX_FORMAT));
	json_object_set_new(root, "suite", json_string(BC_INDEX_SUITE));
	json_object_set_new(root, "index_id", json_string(res->index_id));
	json_object_set_new(root, "public_key", b64_json(p->pk_s, 32));
	json_object_set_new(root, "verified_public_key", b64_json(p->pk_v, 32));
	json_object_set_new(root, "salt", b64_json(salt, sizeof(salt)));
	json_object_set_new(root, "bucket_bits", json_integer(res->bucket_bits));
	json_object_set_new(root, "bucket_entries", json_integer(res->bucket_entries));
	json_object_set_new(root, "entry_bytes", json_integer(BC_ENTRY_BYTES));
	json_object_set_new(root, "min_real_entries", json_integer(res->min_real_entries));
	json_object_set_new(root, "verified_entries", json_integer((json_int_t)v_total));
	json_object_set_new(root, "verified_hash", b64_json(vhash, sizeof(vhash)));
	for (i = 0; i < n_buckets; i++)
		json_array_append_new(arr, b64_json(hashes + i * BC_HASH_BYTES, BC_HASH_BYTES));
	json_object_set_new(root, "bucket_hashes", arr);
	json_object_set(root, "breaches", breaches);
	text = json_dumps(root, JSON_INDENT(1) | JSON_PRESERVE_ORDER | JSON_COMPACT);
	if (text == NULL) {
		bc_error_set(err, bc_err_out_of_memory, "out of memory writing index.json");
		goto out;
	}
	if (finish_file(tmpdir, "buckets.bin", &bj.bfd, atomic_load(&bj.berr), err) ||
	    finish_file(tmpdir, "verified.bin", &bj.vfd, atomic_load(&bj.verr), err) ||
	    write_path(tmpdir, "index.json", text, strlen(text), err))
		goto out;
	if (bc_fsync_dir(tmpdir) != 0) {
		bc_error_set(err, bc_err_io, "cannot sync %s: %s", tmpdir, strerror(errno));
		goto out;
	}
	res->bytes = (uint64_t)n_buckets * res->bucket_entries * BC_ENTRY_BYTES +
		     (uint64_t)v_total * BC_ENTRY_BYTES + strlen(text);
	ret = 0;
out:
	if (bj.bfd >= 0)
		close(bj.bfd);
	if (bj.vfd >= 0)
		close(bj.vfd);
	free(text);
	if (root != NULL)
		json_decref(root);
	if (breaches != NULL)
		json_decref(breaches);
	free(slot);
	free(ver);
	free(hist);
	free(fill);
	free(hashes);
	free(buckets);
	free(verified);
	return ret;
}

static int is_version_name(const char *name, const char *base)
{
	size_t bl = strlen(base);

	return !strncmp(name, base, bl) && name[bl] == '.' && strlen(name + bl + 1) == BC_INDEX_ID_HEX &&
	       strspn(name + bl + 1, "0123456789abcdef") == BC_INDEX_ID_HEX;
}

/* "<base>.tmp-<pid>-..." or "<base>.lnk-<pid>": pid, or 0 if not ours. */
static long temp_owner(const char *name, const char *base)
{
	size_t bl = strlen(base);
	const char *s = name + bl;

	if (strncmp(name, base, bl) != 0 || (strncmp(s, ".tmp-", 5) != 0 && strncmp(s, ".lnk-", 5) != 0))
		return 0;
	return strtol(s + 5, NULL, 10);
}

struct keep {
	const char *base, *keep1, *keep2;
};

/* Versions other than the two kept, and temporaries of processes that died. */
static int is_stale_version(const char *name, void *arg)
{
	const struct keep *k = arg;
	long pid = temp_owner(name, k->base);

	if (is_version_name(name, k->base))
		return strcmp(name, k->keep1) != 0 && strcmp(name, k->keep2) != 0;
	return pid > 0 && pid != (long)getpid() && kill((pid_t)pid, 0) != 0 && errno == ESRCH;
}

static void cleanup_versions(const char *parent, const char *base, const char *keep1,
			     const char *keep2)
{
	struct keep k = { base, keep1, keep2 };

	(void)bc_remove_matching(parent, is_stale_version, &k);
}

/* DIR (no trailing slash) must be absent or a symlink to "<base>.<32 hex>"
 * (dangling or not); prev: that target's last component, or "". */
static int check_target(const char *path, const char *base, char prev[NAME_MAX + 1],
			struct bc_error *err)
{
	struct stat st;
	ssize_t l;

	prev[0] = '\0';
	if (lstat(path, &st) != 0) {
		if (errno == ENOENT)
			return 0;
		return bc_error_set(err, bc_err_io, "cannot use %s: %s", path, strerror(errno));
	}
	if (!S_ISLNK(st.st_mode))
		return bc_error_set(err, bc_err_exists, "%s exists and is not an index symlink made by ingest; "
				    "move it away or choose another --index", path);
	l = readlink(path, prev, NAME_MAX);
	prev[l > 0 ? l : 0] = '\0';
	if (strrchr(prev, '/') != NULL) /* an absolute or relative path: keep its last part */
		memmove(prev, strrchr(prev, '/') + 1, strlen(strrchr(prev, '/') + 1) + 1);
	if (!is_version_name(prev, base)) /* someone else's symlink: never silently repointed */
		return bc_error_set(err, bc_err_exists, "%s is a symlink that ingest did not make (it does not "
				    "point to %s.<index id>); remove it or choose another --index", path, base);
	return 0;
}

int bc_index_check_dir(const char *dir, struct bc_error *err)
{
	char path[PATH_MAX], base[NAME_MAX + 1], prev[NAME_MAX + 1];
	int r = split_index_path(dir, path, base, err);

	if (r == -2)
		return bc_error_set(err, bc_err_usage, "index directory path is too long");
	if (r)
		return -1;
	if (base[0] == '\0' || !strcmp(base, ".") || !strcmp(base, ".."))
		return bc_error_set(err, bc_err_usage, "--index must name a directory to create, not %s", base);
	return check_target(path, base, prev, err);
}

int bc_index_lock(const char *dir, int *fd, struct bc_error *err)
{
	char path[PATH_MAX];
	size_t dl = strlen(dir);

	*fd = -1;
	while (dl > 1 && dir[dl - 1] == '/')
		dl--;
	if (dl == 0 || too_long(snprintf(path, sizeof(path), "%.*s.lock", (int)dl, dir), sizeof(path)))
		return bc_error_set(err, bc_err_usage, "index directory path is empty or too long");
	*fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (*fd < 0)
		return bc_error_set(err, bc_err_io, "cannot create the lock file %s: %s", path, strerror(errno));
	if (flock(*fd, LOCK_EX | LOCK_NB) != 0) {
		int e = errno;

		close(*fd);
		*fd = -1;
		if (e == EWOULDBLOCK)
			return bc_error_set(err, bc_err_busy, "another ingest is publishing to %.*s (%s is locked); "
					    "run one ingest per index at a time", (int)dl, dir, path);
		return bc_error_set(err, bc_err_io, "cannot lock %s: %s", path, strerror(e));
	}
	return 0;
}

int bc_index_publish(const char *dir, const struct bc_build_item *items, size_t n,
		     const struct bc_build_params *p, struct bc_build_result *res,
		     struct bc_error *err)
{
	char parent[PATH_MAX], base[NAME_MAX + 1], prev[NAME_MAX + 1] = "";
	char tmp[PATH_MAX + 64], final[PATH_MAX + 64], lnk[PATH_MAX + 64], target[NAME_MAX + 1];
	const char *slash;
	int ret = -1, have_tmp = 0, have_lnk = 0, lock_fd = -1;
	size_t dl = strlen(dir);

	while (dl > 1 && dir[dl - 1] == '/')
		dl--;
	if (dl == 0 || dl >= PATH_MAX - 64) {
		bc_error_set(err, bc_err_usage, "index directory path is empty or too long");
		goto out;
	}
	if (too_long(snprintf(final, sizeof(final), "%.*s", (int)dl, dir), sizeof(final)))
		goto toolong;
	if (!p->dir_locked && bc_index_lock(dir, &lock_fd, err) != 0)
		goto out;
	slash = strrchr(final, '/');
	if (too_long(snprintf(base, sizeof(base), "%s", slash ? slash + 1 : final), sizeof(base)))
		goto toolong;
	bc_dir_of(final, parent, sizeof(parent));
	if (base[0] == '\0' || !strcmp(base, ".") || !strcmp(base, "..")) {
		bc_error_set(err, bc_err_usage, "--index must name a directory to create, not %s", base);
		goto out;
	}
	if (check_target(final, base, prev, err) != 0)
		goto out;
	if (too_long(snprintf(tmp, sizeof(tmp), "%s/%s.tmp-%ld-XXXXXX", parent, base, (long)getpid()), sizeof(tmp)))
		goto toolong;
	if (mkdtemp(tmp) == NULL) {
		bc_error_set(err, bc_err_io, "cannot create a directory in %s: %s", parent, strerror(errno));
		goto out;
	}
	have_tmp = 1;
	if (chmod(tmp, 0755) != 0) {
		bc_error_set(err, bc_err_io, "cannot chmod %s: %s", tmp, strerror(errno));
		goto out;
	}
	bc_test_kill_point("write");
	if (bc_index_write_files(tmp, items, n, p, res, err) != 0)
		goto out;
	bc_test_kill_point("written");
	if (p->before_swap != NULL && p->before_swap(p->before_swap_arg, err) != 0)
		goto out;
	if (too_long(snprintf(target, sizeof(target), "%s.%s", base, res->index_id), sizeof(target)))
		goto toolong;
	if (too_long(snprintf(final, sizeof(final), "%s/%s", parent, target), sizeof(final)))
		goto toolong;
	if (too_long(snprintf(res->path, sizeof(res->path), "%s", final), sizeof(res->path)))
		goto toolong;
	if (rename(tmp, final) != 0) {
		bc_error_set(err, bc_err_io, "cannot rename to %s: %s", final, strerror(errno));
		goto out;
	}
	have_tmp = 0;
	if (bc_fsync_dir(parent) != 0) {
		bc_error_set(err, bc_err_io, "cannot sync %s: %s", parent, strerror(errno));
		bc_remove_tree(final);
		goto out;
	}
	bc_test_kill_point("renamed");
	if (too_long(snprintf(lnk, sizeof(lnk), "%s/%s.lnk-%ld", parent, base, (long)getpid()), sizeof(lnk)))
		goto toolong;
	unlink(lnk);
	if (symlink(target, lnk) != 0) {
		bc_error_set(err, bc_err_io, "cannot create a symlink in %s: %s", parent, strerror(errno));
		bc_remove_tree(final);
		goto out;
	}
	have_lnk = 1;
	bc_test_kill_point("linked");
	if (too_long(snprintf(tmp, sizeof(tmp), "%.*s", (int)dl, dir), sizeof(tmp)))
		goto toolong;
	if (rename(lnk, tmp) != 0) {
		bc_error_set(err, bc_err_io, "cannot replace %s: %s", tmp, strerror(errno));
		bc_remove_tree(final);
		goto out;
	}
	have_lnk = 0;
	/* The new version is visible: from here on the publication has
	 * happened, and the caller must not undo its side (the state). A failed
	 * sync only means a crash could bring the previous version back. */
	if (bc_fsync_dir(parent) != 0 || bc_test_fail_point("swap-sync"))
		res->unsynced = 1;
	bc_test_kill_point("swapped");
	cleanup_versions(parent, base, target, prev);
	ret = 0;
	goto out;
toolong:
	bc_error_set(err, bc_err_usage, "index directory path is too long");
out:
	if (have_tmp)
		bc_remove_tree(tmp);
	if (have_lnk)
		unlink(lnk);
	if (lock_fd >= 0)
		close(lock_fd);
	return ret;
}
