/*
 * Ingest benchmark (issues 5, 11): rows/s and tokens/s of a full ingest of
 * the generated leak on all cores, next to the crypto-only rate (HashToGroup
 * + scalar multiplication per distinct token, all cores) measured in the
 * same run; their ratio; then ingest's phases timed alone (bc_ingest_measure:
 * the leak reader alone as profile reads, reader + tokens, the evaluate
 * phase alone) beside ingest's own reading phase; index size on disk; peak
 * memory; local check latency.
 *
 * usage: bench_index [--rows N] [--leak FILE] [--threads N] [--repeat N] [--phases]
 *        bench_index --publish-only [--items N] [--verified N] [--threads N] [--repeat N]
 * --repeat N (at most 9) runs the ingest and the crypto-only pass N times,
 * alternately; every pair is printed, and the summary is the pair with the
 * median CPU ratio (default 1).
 * --phases: only the reading phases alone (bc_ingest_measure_reading: the
 * leak reader, then reader + tokens with the patient grouping, one thread,
 * CPU time), --repeat N times, each run and the medians printed; no ingest,
 * no crypto (about 10 s at 491,839 rows, for work on the reading thread).
 * Without --leak, bc-genleak (beside this binary's build root, or $BC_BUILD)
 * generates N rows (default 491839, seed 1) in a temporary directory.
 *
 * --publish-only times what ingest does after its last OPRF evaluation
 * (bc_ingest_measure_publish: the code of src/ingest/publish.c) on N
 * synthetic evaluated items (random OPRF outputs; default 826376 items of
 * which 104265 verified, the shape of the 491,839-row leak): the breach
 * state file written by a thread while the index is sealed, bucketed and
 * written, then the catalogue and the swap. Prints, per run and as the
 * median of --repeat runs (default 3), the wall time of the phase, the
 * process CPU time it used, and t_state and t_publish as ingest reports them.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "index/index.h"
#include "index/build.h"
#include "ingest/ingest.h"
#include "oprf/keyfile.h"
#include "oprf/oprf.h"
#include "util/parallel.h"

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

struct crypto_job {
	const uint8_t *sk;
	size_t n;
};

static void crypto_range(void *arg, size_t begin, size_t end)
{
	struct crypto_job *j = arg;
	char in[64];
	uint8_t p[32], q[32];
	size_t i;
	int len;

	for (i = begin; i < end; i++) {
		len = snprintf(in, sizeof(in), "bc1|email|bench%zu@example.org", i);
		if (oprf_hash_to_group(OPRF_MODE_VOPRF, (const uint8_t *)in, (size_t)len, p) != 0 ||
		    crypto_scalarmult_ristretto255(q, j->sk, p) != 0)
			abort();
	}
}

static double tv(const struct timeval *t)
{
	return (double)t->tv_sec + (double)t->tv_usec / 1e6;
}

static uint64_t dir_bytes(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	struct stat st;
	char p[PATH_MAX + 300];
	uint64_t total = 0;

	if (d == NULL)
		return 0;
	while ((de = readdir(d)) != NULL) {
		snprintf(p, sizeof(p), "%s/%s", dir, de->d_name);
		if (de->d_name[0] != '.' && stat(p, &st) == 0 && S_ISREG(st.st_mode))
			total += (uint64_t)st.st_blocks * 512;
	}
	closedir(d);
	return total;
}

static void rm_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char p[PATH_MAX + 300];

	if (d == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		struct stat st;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		snprintf(p, sizeof(p), "%s/%s", dir, de->d_name);
		if (lstat(p, &st) == 0 && S_ISDIR(st.st_mode))
			rm_dir(p);
		else
			unlink(p);
	}
	closedir(d);
	rmdir(dir);
}

#define BENCH_MAX_REPEAT 9

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	return v[(n - 1) / 2];
}

/* --publish-only: ingest's publish phase alone, on synthetic items. */
static int bench_publish(size_t n, size_t n_ver, int threads, int repeat)
{
	char tmp[] = "/tmp/bc-bench-publish-XXXXXX", idx[PATH_MAX], key[PATH_MAX];
	struct bc_build_item *items = malloc(n ? n * sizeof(*items) : 1);
	double wall[BENCH_MAX_REPEAT], cpu[BENCH_MAX_REPEAT], tst[BENCH_MAX_REPEAT], tpub[BENCH_MAX_REPEAT];
	struct bc_error err = BC_ERROR_INIT;
	size_t i;
	int rep;

	if (items == NULL || mkdtemp(tmp) == NULL)
		return 1;
	for (i = 0; i < n; i++) {
		/* verified items spread evenly among the public ones */
		int ver = (i + 1) * n_ver / n != i * n_ver / n;
		struct bc_payload p = { BC_PAYLOAD_VERSION, (uint8_t)(ver ? BC_TOKEN_VERIFIED : 1 + i % 4),
					(uint16_t)(1 + i % 3), (uint32_t)(i & 0xfff), 300, 310, 0, 1 };

		randombytes_buf(items[i].y, BC_Y_BYTES);
		bc_payload_pack(&p, items[i].payload);
		items[i].breach_id = 1;
	}
	snprintf(key, sizeof(key), "%s/bench.key", tmp);
	if (bc_key_generate(key, &err) != 0) {
		fprintf(stderr, "bench_index: key: %s\n", err.msg);
		return 1;
	}
	printf("publish only: %zu items (%zu verified), %d threads\n", n, n_ver,
	       threads ? threads : bc_ncpu());
	for (rep = 0; rep < repeat; rep++) {
		struct bc_ingest_options o;
		struct bc_ingest_publish_measure m;

		/* a new index each time: no old version to delete */
		snprintf(idx, sizeof(idx), "%s/index%d", tmp, rep);
		memset(&o, 0, sizeof(o));
		o.index_dir = idx;
		o.key_path = key;
		o.breach = "bench";
		o.threads = threads;
		if (bc_ingest_measure_publish(&o, items, n, &m, &err) != 0) {
			fprintf(stderr, "bench_index: publish: %s\n", err.msg);
			return 1;
		}
		wall[rep] = m.wall;
		cpu[rep] = m.cpu;
		tst[rep] = m.t_state;
		tpub[rep] = m.t_publish;
		printf("run %d: publish phase %.3f s wall, %.3f s CPU (state file %.3f s, index %.3f s; "
		       "bucket_bits %u, %u entries/bucket)\n", rep + 1, m.wall, m.cpu, m.t_state, m.t_publish,
		       m.index.bucket_bits, m.index.bucket_entries);
		rm_dir(m.index.path);
		unlink(idx);
	}
	printf("publish phase, median of %d: %.3f s wall, %.3f s CPU (state file %.3f s, index %.3f s)\n",
	       repeat, median(wall, repeat), median(cpu, repeat), median(tst, repeat), median(tpub, repeat));
	free(items);
	rm_dir(tmp);
	return 0;
}

/* --phases: the reading phases alone, repeat times; medians of the CPU times. */
static int reading_phases(const char *leak, const char *key, int repeat)
{
	double reader[BENCH_MAX_REPEAT], scan[BENCH_MAX_REPEAT], tokens[BENCH_MAX_REPEAT];
	struct bc_ingest_options mo;
	struct bc_ingest_measure m;
	struct bc_error err = BC_ERROR_INIT;
	struct rusage ru;
	int rep;

	memset(&mo, 0, sizeof(mo));
	mo.input = leak;
	mo.key_path = key;
	for (rep = 0; rep < repeat; rep++) {
		if (bc_ingest_measure_reading(&mo, &m, &err) != 0) {
			fprintf(stderr, "bench_index: measure: %s\n", err.msg);
			return 1;
		}
		reader[rep] = m.reader_cpu;
		scan[rep] = m.scan_cpu;
		tokens[rep] = m.scan_cpu - m.reader_cpu;
		printf("run %d: %lu rows, %zu distinct tokens: leak reader alone %.2f s wall, %.3f s CPU; "
		       "reader + tokens (dedup) alone %.2f s wall, %.3f s CPU (tokens phase %.3f s CPU)\n",
		       rep + 1, m.rows, m.tokens, m.reader_wall, m.reader_cpu, m.scan_wall, m.scan_cpu,
		       m.scan_cpu - m.reader_cpu);
	}
	qsort(reader, (size_t)repeat, sizeof(double), cmp_double);
	qsort(scan, (size_t)repeat, sizeof(double), cmp_double);
	qsort(tokens, (size_t)repeat, sizeof(double), cmp_double);
	getrusage(RUSAGE_SELF, &ru);
	printf("median of %d: leak reader alone %.3f s CPU; reader + tokens (dedup) alone %.3f s CPU "
	       "(tokens phase %.3f s CPU); peak memory %.1f MB\n", repeat, reader[(repeat - 1) / 2],
	       scan[(repeat - 1) / 2], tokens[(repeat - 1) / 2], (double)ru.ru_maxrss / 1024.0);
	return 0;
}

struct bench_run {
	struct bc_ingest_stats st;
	struct rusage ru;
	double ci, ti, cc, tc, index_mb;
};

int main(int argc, char **argv)
{
	static struct bench_run runs[BENCH_MAX_REPEAT];
	const char *leak = NULL, *build = getenv("BC_BUILD");
	unsigned long rows = 491839;
	int threads = 0, i, pfd[2], status, repeat = 1, rep, phases = 0, publish_only = 0, repeat_given = 0;
	size_t pub_items = 826376, pub_verified = 104265;
	char tmp[] = "/tmp/bc-bench-index-XXXXXX";
	char leakp[PATH_MAX], key[PATH_MAX], idx[PATH_MAX], sdir[PATH_MAX + 8], gen[PATH_MAX + 16], cmd[PATH_MAX * 3];
	struct bc_ingest_stats st;
	struct bc_error err = BC_ERROR_INIT;
	struct bc_key *k = NULL;
	struct bc_index *index = NULL;
	struct rusage ru = { 0 }, ru0, ru1;
	double cpu_ingest = 0, cpu_crypto = 0, probe_before, probe_after, index_mb = 0;
	struct crypto_job cj;
	double t0, t_ingest = 0, t_crypto = 0, ingest_rate, crypto_rate;
	pid_t pid;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--rows") && i + 1 < argc)
			rows = strtoul(argv[++i], NULL, 10);
		else if (!strcmp(argv[i], "--leak") && i + 1 < argc)
			leak = argv[++i];
		else if (!strcmp(argv[i], "--threads") && i + 1 < argc)
			threads = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--repeat") && i + 1 < argc)
			repeat = atoi(argv[++i]) > 0 ? (atoi(argv[i]) < BENCH_MAX_REPEAT ? atoi(argv[i])
							    : BENCH_MAX_REPEAT) : 1;
		else if (!strcmp(argv[i], "--phases"))
			phases = 1;
		else if (!strcmp(argv[i], "--publish-only"))
			publish_only = 1;
		else if (!strcmp(argv[i], "--items") && i + 1 < argc)
			pub_items = strtoul(argv[++i], NULL, 10);
		else if (!strcmp(argv[i], "--verified") && i + 1 < argc)
			pub_verified = strtoul(argv[++i], NULL, 10);
		else {
			fprintf(stderr, "usage: bench_index [--rows N] [--leak FILE] [--threads N] [--repeat N] "
				"[--phases]\n"
				"       bench_index --publish-only [--items N] [--verified N] [--threads N] "
				"[--repeat N]\n");
			return 2;
		}
	}
	if (publish_only) {
		for (i = 1; i < argc; i++) /* --publish-only repeats 3 times by default */
			repeat_given |= !strcmp(argv[i], "--repeat");
		if (sodium_init() < 0 || pub_verified > pub_items)
			return 1;
		return bench_publish(pub_items, pub_verified, threads, repeat_given ? repeat : 3);
	}
	if (sodium_init() < 0 || mkdtemp(tmp) == NULL)
		return 1;
	if (leak == NULL) {
		if (build != NULL) {
			snprintf(gen, sizeof(gen), "%s/bc-genleak", build);
		} else {
			/* bench/index/bench_index -> build root */
			char self[PATH_MAX - 16];
			ssize_t l = readlink("/proc/self/exe", self, sizeof(self) - 1);

			self[l > 0 ? l : 0] = '\0';
			for (i = 0; i < 3; i++) {
				char *s = strrchr(self, '/');

				if (s)
					*s = '\0';
			}
			snprintf(gen, sizeof(gen), "%s/bc-genleak", self);
		}
		snprintf(leakp, sizeof(leakp), "%s/leak.csv", tmp);
		snprintf(cmd, sizeof(cmd), "'%s' --rows %lu --seed 1 --out '%s' --quiet", gen, rows, leakp);
		t0 = now();
		if (system(cmd) != 0) {
			fprintf(stderr, "bench_index: cannot run %s\n", gen);
			return 1;
		}
		printf("generate: %lu rows in %.1f s\n", rows, now() - t0);
		leak = leakp;
	}
	snprintf(key, sizeof(key), "%s/bench.key", tmp);
	snprintf(idx, sizeof(idx), "%s/index", tmp);
	snprintf(sdir, sizeof(sdir), "%s.state", key);
	if (bc_key_generate(key, &err) != 0 || bc_key_load(key, &k, &err) != 0) {
		fprintf(stderr, "bench_index: key: %s\n", err.msg);
		return 1;
	}
	if (phases) {
		int rc = reading_phases(leak, key, repeat);

		bc_key_free(k);
		rm_dir(tmp);
		return rc;
	}
	printf("cores: %d, threads: %d\n", bc_ncpu(), threads ? threads : bc_ncpu());

	/* A short crypto-only probe before (and after) the ingest shows whether
	 * other load on the machine changed during the run. */
	cj.sk = k->sk_s;
	cj.n = 20000;
	t0 = now();
	bc_parallel_for(cj.n, 256, threads, crypto_range, &cj);
	probe_before = (double)cj.n / (now() - t0);

	/* Ingest and crypto only, --repeat times one after the other (pairs:
	 * the same load on the machine for both of a pair). */
	memset(&st, 0, sizeof(st));
	for (rep = 0; rep < repeat; rep++) {
		struct bc_ingest_stats st1;
		struct rusage ru_i;
		double ti, tc, ci, cc;

		rm_dir(idx);
		rm_dir(sdir);
		if (pipe(pfd) != 0)
			return 1;
		t0 = now();
		pid = fork();
		if (pid == 0) {
			struct bc_ingest_options o;

			memset(&o, 0, sizeof(o));
			o.input = leak;
			o.index_dir = idx;
			o.key_path = key;
			o.breach = "bench";
			o.quiet = 1;
			o.threads = threads;
			close(pfd[0]);
			if (bc_ingest_run(&o, &st1, &err) != 0) {
				fprintf(stderr, "bench_index: ingest: %s\n", err.msg);
				_exit(1);
			}
			if (write(pfd[1], &st1, sizeof(st1)) != (ssize_t)sizeof(st1))
				_exit(1);
			_exit(0);
		}
		close(pfd[1]);
		if (read(pfd[0], &st1, sizeof(st1)) != (ssize_t)sizeof(st1) ||
		    wait4(pid, &status, 0, &ru_i) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
			fprintf(stderr, "bench_index: ingest failed\n");
			return 1;
		}
		ti = now() - t0;
		close(pfd[0]);

		/* Crypto only: one HashToGroup + one scalar multiplication per distinct token. */
		cj.sk = k->sk_s;
		cj.n = st1.tokens;
		getrusage(RUSAGE_SELF, &ru0);
		t0 = now();
		bc_parallel_for(st1.tokens, 256, threads, crypto_range, &cj);
		tc = now() - t0;
		getrusage(RUSAGE_SELF, &ru1);
		ci = tv(&ru_i.ru_utime) + tv(&ru_i.ru_stime);
		cc = tv(&ru1.ru_utime) + tv(&ru1.ru_stime) - tv(&ru0.ru_utime) - tv(&ru0.ru_stime);
		if (repeat > 1)
			printf("run %d: ingest %.2f s wall, %.2f s CPU; crypto only %.2f s wall, %.2f s CPU; "
			       "ratio %.3f wall, %.3f CPU\n", rep + 1, ti, ci, tc, cc, tc / ti, cc / ci);
		runs[rep].st = st1;
		runs[rep].ru = ru_i;
		runs[rep].ci = ci;
		runs[rep].ti = ti;
		runs[rep].cc = cc;
		runs[rep].tc = tc;
		runs[rep].index_mb = (double)dir_bytes(st1.index.path) / 1e6;
	}
	/* The summary below is the pair with the median CPU ratio: one pair,
	 * ingest and crypto measured back to back, neither the best nor the
	 * worst of the runs. */
	{
		int order[BENCH_MAX_REPEAT], a, b, t, mid;

		for (a = 0; a < repeat; a++)
			order[a] = a;
		for (a = 0; a < repeat; a++)
			for (b = a + 1; b < repeat; b++)
				if (runs[order[b]].cc / runs[order[b]].ci < runs[order[a]].cc / runs[order[a]].ci) {
					t = order[a];
					order[a] = order[b];
					order[b] = t;
				}
		mid = order[(repeat - 1) / 2];
		if (repeat > 1)
			printf("summary below: run %d (median CPU ratio of the %d)\n", mid + 1, repeat);
		st = runs[mid].st;
		ru = runs[mid].ru;
		cpu_ingest = runs[mid].ci;
		t_ingest = runs[mid].ti;
		cpu_crypto = runs[mid].cc;
		t_crypto = runs[mid].tc;
		index_mb = runs[mid].index_mb;
	}
	cj.n = 20000;
	t0 = now();
	bc_parallel_for(cj.n, 256, threads, crypto_range, &cj);
	probe_after = (double)cj.n / (now() - t0);

	ingest_rate = (double)st.tokens / t_ingest;
	crypto_rate = (double)st.tokens / t_crypto;
	printf("ingest: %lu rows, %zu distinct tokens (%zu row-token pairs), %zu breach\n", st.rows,
	       st.tokens, st.occurrences, st.breaches);
	printf("ingest: %.2f s wall: %.0f rows/s, %.0f tokens/s "
	       "(read %.2f s, evaluation after reading %.2f s, state %.2f s, publish %.2f s)\n",
	       t_ingest, (double)st.rows / t_ingest, ingest_rate, st.t_read, st.t_eval, st.t_state,
	       st.t_publish);
	printf("crypto only: %.2f s: %.0f tokens/s (HashToGroup + scalarmult, all cores)\n", t_crypto,
	       crypto_rate);
	printf("ratio ingest/crypto (wall clock): %.3f (crypto probe of 20000 tokens: %.0f tokens/s "
	       "before the ingest, %.0f after; if they differ, other load disturbed the run)\n",
	       ingest_rate / crypto_rate, probe_before, probe_after);
	printf("CPU time: ingest %.2f s, crypto only %.2f s; ratio (CPU, insensitive to other load): %.3f\n",
	       cpu_ingest, cpu_crypto, cpu_crypto / cpu_ingest);
	printf("ratio against the crypto of the %zu tokens ingest evaluated (the others are withheld "
	       "and never published): %.3f wall, %.3f CPU\n", st.evaluated,
	       t_crypto * (double)st.evaluated / (double)st.tokens / t_ingest,
	       cpu_crypto * (double)st.evaluated / (double)st.tokens / cpu_ingest);
	printf("ingest wall by part: reading %.2f s, evaluation after reading %.2f s, set-aside "
	       "tokens %.2f s, publish %.2f s (state file %.2f s beside it), the run %.2f s in all; "
	       "%.2f s more to free memory and exit\n", st.t_read, st.t_eval, st.t_deferred,
	       st.t_publish, st.t_state, st.t_total, t_ingest - st.t_total);
	printf("ingest CPU by part: evaluation workers %.2f s, reading thread %.2f s, the rest "
	       "(payloads, claims, state, sealing, buckets, files) %.2f s\n",
	       st.t_eval_cpu, st.t_read_cpu, cpu_ingest - st.t_eval_cpu - st.t_read_cpu);
	/* The phases alone, one after the other (bc_ingest_measure). */
	{
		struct bc_ingest_options mo;
		struct bc_ingest_measure m;

		memset(&mo, 0, sizeof(mo));
		mo.input = leak;
		mo.key_path = key;
		mo.threads = threads;
		if (bc_ingest_measure(&mo, &m, &err) != 0) {
			fprintf(stderr, "bench_index: measure: %s\n", err.msg);
			return 1;
		}
		printf("reading: leak reader alone (what profile reads) %.2f s wall, %.2f s CPU; "
		       "reader + tokens (dedup) alone %.2f s wall, %.2f s CPU (tokens phase %.2f s CPU); "
		       "ingest's reading phase %.2f s wall, %.2f s CPU of its thread (it shares the "
		       "cores with the evaluation)\n",
		       m.reader_wall, m.reader_cpu, m.scan_wall, m.scan_cpu, m.scan_cpu - m.reader_cpu,
		       st.t_read, st.t_read_cpu);
		printf("evaluate phase alone (same %zu distinct tokens, %d workers): %.2f s wall, %.2f s "
		       "CPU; ratio ingest/evaluate-alone: %.3f wall, %.3f CPU\n",
		       m.tokens, m.threads, m.eval_wall, m.eval_cpu, m.eval_wall / t_ingest,
		       m.eval_cpu / cpu_ingest);
	}
	printf("index: %.1f MB on disk (bucket_bits %u, %u entries/bucket, min %u real, %zu verified), "
	       "state: %.1f MB\n",
	       index_mb, st.index.bucket_bits, st.index.bucket_entries,
	       st.index.min_real_entries, st.index.verified_entries, (double)dir_bytes(sdir) / 1e6);
	printf("peak memory (ingest): %.1f MB\n", (double)ru.ru_maxrss / 1024.0);

	/* Local check latency: open, then 4 identifiers (evaluate + bucket + lookup) per query. */
	t0 = now();
	if (bc_index_open(idx, &index, &err) != 0) {
		fprintf(stderr, "bench_index: open: %s\n", err.msg);
		return 1;
	}
	printf("index open: %.2f ms\n", (now() - t0) * 1e3);
	t0 = now();
	if (bc_index_verify(index, &err) != 0)
		return 1;
	printf("index verify (all hashes): %.1f ms\n", (now() - t0) * 1e3);
	{
		int q, nq = 500;
		char in[64];
		uint8_t y[64];

		t0 = now();
		for (q = 0; q < nq; q++) {
			int t;

			for (t = 0; t < 4; t++) {
				int len = snprintf(in, sizeof(in), "bc1|email|q%d-%d@example.org", q, t);

				oprf_evaluate(OPRF_MODE_VOPRF, k->sk_s, (const uint8_t *)in, (size_t)len, NULL, 0, y);
				bc_index_find(index, y, 0, NULL, NULL, &err);
			}
		}
		printf("local lookup: %.3f ms per 4-identifier query (evaluate + bucket + lookup, one core)\n",
		       (now() - t0) * 1e3 / nq);
	}
	bc_index_free(index);
	bc_key_free(k);
	rm_dir(tmp);
	return 0;
}
