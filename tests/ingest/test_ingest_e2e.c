/*
 * breachcheck ingest end to end on a generated leak (bc-genleak): privacy of
 * everything written, ground truth found with the right key and not with
 * another, unlinkability of two ingests, sensitive tier, crash safety
 * (SIGKILL at every stage) and clear errors.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>
#include <sodium.h>

#include "index/index.h"
#include "testutil.h"
#include "leak/record.h"
#include "oprf/keyfile.h"
#include "oprf/oprf.h"

static char root[256];
static char bin[PATH_MAX], genleak[PATH_MAX];
static char leak[PATH_MAX], truth[PATH_MAX], small[PATH_MAX];

/* Run argv (NULL-terminated); stdout+stderr to out (or /dev/null). kill_at:
 * BC_TEST_KILL_AT value or NULL. fsize: RLIMIT_FSIZE or 0. Returns the wait status. */
static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static long kill_after_us; /* > 0: run() sends SIGKILL after this delay */

static int run(char *const argv[], const char *out, const char *kill_at, rlim_t fsize)
{
	pid_t pid = fork();
	int status = -1;

	assert_true(pid >= 0);
	if (pid == 0) {
		int fd = open(out ? out : "/dev/null", O_WRONLY | O_CREAT | O_APPEND, 0644);

		if (fd < 0)
			_exit(127);
		dup2(fd, 1);
		dup2(fd, 2);
		if (kill_at)
			setenv("BC_TEST_KILL_AT", kill_at, 1);
		else
			unsetenv("BC_TEST_KILL_AT");
		if (fsize) {
			struct rlimit rl = { fsize, fsize };

			setrlimit(RLIMIT_FSIZE, &rl);
		}
		execv(argv[0], argv);
		_exit(127);
	}
	if (kill_after_us > 0) {
		struct timespec ts = { kill_after_us / 1000000, (kill_after_us % 1000000) * 1000 };

		nanosleep(&ts, NULL);
		kill(pid, SIGKILL);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return status;
}

static int exit_code(int status)
{
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void path_in(char *out, size_t n, const char *name)
{
	snprintf(out, n, "%s/%s", root, name);
}

static void keygen(const char *name)
{
	char key[PATH_MAX];
	char *argv[] = { bin, "keygen", key, NULL };

	path_in(key, sizeof(key), name);
	assert_int_equal(exit_code(run(argv, NULL, NULL, 0)), 0);
}

static int ingest(const char *file, const char *index, const char *key, const char *breach,
		  const char *extra, const char *out, const char *kill_at, rlim_t fsize)
{
	char ip[PATH_MAX], kp[PATH_MAX];
	char *argv[24];
	int n = 0;

	path_in(ip, sizeof(ip), index);
	path_in(kp, sizeof(kp), key);
	argv[n++] = bin;
	argv[n++] = "ingest";
	argv[n++] = (char *)file;
	argv[n++] = "--index";
	argv[n++] = ip;
	argv[n++] = "--key";
	argv[n++] = kp;
	argv[n++] = (char *)breach;
	argv[n - 1] = "--breach";
	argv[n++] = (char *)breach;
	argv[n++] = "--anonymity";
	argv[n++] = "32";
	if (extra) { /* one option, or an option and its value separated by one space */
		static char copy[256];
		char *sp;

		snprintf(copy, sizeof(copy), "%s", extra);
		argv[n++] = copy;
		if ((sp = strchr(copy, ' ')) != NULL) {
			*sp = '\0';
			argv[n++] = sp + 1;
		}
	}
	if (extra && !strncmp(extra, "--sensitive", 11)) {
		/* a sensitive breach names its controller and contacts (issue 17) */
		argv[n++] = "--controller";
		argv[n++] = "Biolab Exemple";
		argv[n++] = "--dpo-contact";
		argv[n++] = "dpo@example.org";
		argv[n++] = "--complaint-url";
		argv[n++] = "https://www.cnil.fr/fr/plaintes";
	} else {
		/* genleak's comments are medical: say it is not a sensitive breach */
		argv[n++] = "--not-sensitive";
	}
	argv[n] = NULL;
	return run(argv, out, kill_at, fsize);
}

static int setup(void **state)
{
	const char *build = getenv("BC_BUILD");
	char *gargv[12];
	int n = 0;

	(void)state;
	if (build == NULL)
		return -1;
	snprintf(bin, sizeof(bin), "%s/breachcheck", build);
	snprintf(genleak, sizeof(genleak), "%s/bc-genleak", build);
	snprintf(root, sizeof(root), "/tmp/bc-test-ingest-XXXXXX");
	if (mkdtemp(root) == NULL)
		return -1;
	path_in(leak, sizeof(leak), "leak.csv");
	path_in(truth, sizeof(truth), "truth.jsonl");
	path_in(small, sizeof(small), "small.csv");
	gargv[n++] = genleak;
	gargv[n++] = "--rows";
	gargv[n++] = "4000";
	gargv[n++] = "--seed";
	gargv[n++] = "11";
	gargv[n++] = "--out";
	gargv[n++] = leak;
	gargv[n++] = "--truth";
	gargv[n++] = truth;
	gargv[n++] = "--quiet";
	gargv[n] = NULL;
	if (exit_code(run(gargv, NULL, NULL, 0)) != 0)
		return -1;
	gargv[2] = "300";
	gargv[4] = "12";
	gargv[6] = small;
	gargv[7] = "--quiet";
	gargv[8] = NULL;
	if (exit_code(run(gargv, NULL, NULL, 0)) != 0)
		return -1;
	keygen("k1.key");
	keygen("k2.key");
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	if (getenv("BC_TEST_KEEP") == NULL)
		test_rm_rf(root);
	return 0;
}

/* ---- privacy ---- */

struct needles {
	char **s;
	size_t n, cap;
};

static void needle_add(struct needles *nd, const char *s, size_t len)
{
	size_t i;

	if (len < 6)
		return;
	for (i = 0; i < nd->n; i++)
		if (strlen(nd->s[i]) == len && !memcmp(nd->s[i], s, len))
			return;
	if (nd->n == nd->cap) {
		nd->cap = nd->cap ? nd->cap * 2 : 1024;
		nd->s = realloc(nd->s, nd->cap * sizeof(char *));
		assert_non_null(nd->s);
	}
	nd->s[nd->n] = strndup(s, len);
	nd->n++;
}

/* Also add the digits-only spelling (NIR, phone, date). */
static void needle_add_digits(struct needles *nd, const char *s, size_t len)
{
	char d[64];
	size_t i, k = 0;

	needle_add(nd, s, len);
	for (i = 0; i < len && k < sizeof(d) - 1; i++)
		if (s[i] >= '0' && s[i] <= '9')
			d[k++] = s[i];
	needle_add(nd, d, k);
}

/* Raw fields of the CSV (comma, RFC 4180 quotes, newlines inside quotes) by header name. */
static void needles_from_csv(struct needles *nd, const char *path)
{
	static const char *const wanted[] = { "Nom", "Nom d'usage", "Prénom(s)", "Date de naissance",
					     "N° de sécurité sociale", "Téléphone", "Email" };
	FILE *f = fopen(path, "rb");
	char *buf, field[4096];
	int col_kind[64], row = 0, col = 0;
	struct stat st;
	size_t len, i = 0, k, w;

	assert_non_null(f);
	assert_int_equal(fstat(fileno(f), &st), 0);
	len = (size_t)st.st_size;
	buf = malloc(len + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, len, f), len);
	buf[len] = '\0';
	fclose(f);
	while (i < len) {
		k = 0;
		if (buf[i] == '"') {
			for (i++; i < len; i++) {
				if (buf[i] == '"' && buf[i + 1] == '"')
					i++;
				else if (buf[i] == '"')
					break;
				if (k < sizeof(field) - 1)
					field[k++] = buf[i];
			}
			i++;
		} else {
			for (; i < len && buf[i] != ',' && buf[i] != '\n' && buf[i] != '\r'; i++)
				if (k < sizeof(field) - 1)
					field[k++] = buf[i];
		}
		field[k] = '\0';
		if (row == 0 && col < 64) {
			col_kind[col] = -1;
			for (w = 0; w < sizeof(wanted) / sizeof(wanted[0]); w++)
				if (!strcmp(field, wanted[w]))
					col_kind[col] = (int)w;
		} else if (col < 64 && col_kind[col] >= 0 && k > 0) {
			if (col_kind[col] >= 3 && col_kind[col] <= 5)
				needle_add_digits(nd, field, k);
			else
				needle_add(nd, field, k);
		}
		col++;
		if (i < len && buf[i] == ',') {
			i++;
		} else {
			while (i < len && (buf[i] == '\r' || buf[i] == '\n'))
				i++;
			row++;
			col = 0;
		}
	}
	free(buf);
}

static void needles_from_truth(struct needles *nd, const char *path)
{
	FILE *f = fopen(path, "r");
	char line[65536];
	size_t i;

	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		json_error_t e;
		json_t *p = json_loads(line, 0, &e), *v, *ln;
		const char *s;

		assert_non_null(p);
		if ((s = json_string_value(json_object_get(p, "nir13"))) != NULL)
			needle_add_digits(nd, s, strlen(s));
		if ((s = json_string_value(json_object_get(p, "dob"))) != NULL)
			needle_add_digits(nd, s, strlen(s));
		if ((s = json_string_value(json_object_get(p, "first_name"))) != NULL)
			needle_add(nd, s, strlen(s));
		ln = json_object_get(p, "last_names");
		if ((s = json_string_value(json_object_get(ln, "birth"))) != NULL)
			needle_add(nd, s, strlen(s));
		if ((s = json_string_value(json_object_get(ln, "usage"))) != NULL)
			needle_add(nd, s, strlen(s));
		json_array_foreach(json_object_get(p, "emails"), i, v)
			needle_add(nd, json_string_value(v), strlen(json_string_value(v)));
		json_array_foreach(json_object_get(p, "phones"), i, v) {
			s = json_string_value(v);
			needle_add_digits(nd, s, strlen(s));
		}
		json_decref(p);
	}
	fclose(f);
}

static uint64_t prefix6(const char *s)
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < 6; i++)
		v = (v << 8) | (uint8_t)s[i];
	return v;
}

static int cmp_needle(const void *a, const void *b)
{
	uint64_t x = prefix6(*(char *const *)a), y = prefix6(*(char *const *)b);

	return x < y ? -1 : x > y;
}

/* Needles sorted by their first 6 bytes; each file position is looked up. */
static size_t scan_file(const char *path, struct needles *nd, char *hit, size_t hitsize)
{
	FILE *f = fopen(path, "rb");
	struct stat st;
	char *buf;
	size_t pos, found = 0, len;

	assert_non_null(f);
	assert_int_equal(fstat(fileno(f), &st), 0);
	len = (size_t)st.st_size;
	buf = malloc(len + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, len, f), len);
	fclose(f);
	qsort(nd->s, nd->n, sizeof(char *), cmp_needle);
	for (pos = 0; pos + 6 <= len; pos++) {
		uint64_t key = prefix6(buf + pos);
		size_t lo = 0, hi = nd->n;

		while (lo < hi) {
			size_t mid = (lo + hi) / 2;

			if (prefix6(nd->s[mid]) < key)
				lo = mid + 1;
			else
				hi = mid;
		}
		for (; lo < nd->n && prefix6(nd->s[lo]) == key; lo++) {
			size_t nl = strlen(nd->s[lo]);

			if (pos + nl <= len && !memcmp(buf + pos, nd->s[lo], nl)) {
				if (!found)
					snprintf(hit, hitsize, "%s (offset %zu, %zu bytes)", path, pos, nl);
				found++;
			}
		}
	}
	free(buf);
	return found;
}

/* Every regular file under dir (following one level of subdirectories). */
static size_t scan_tree(const char *dir, struct needles *nd, int *files, char *hit, size_t hs)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char p[PATH_MAX + 300];
	struct stat st;
	size_t found = 0;

	assert_non_null(d);
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(p, sizeof(p), "%s/%s", dir, de->d_name);
		if (stat(p, &st) != 0)
			continue;
		if (S_ISDIR(st.st_mode)) {
			found += scan_tree(p, nd, files, hit, hs);
		} else if (S_ISREG(st.st_mode)) {
			found += scan_file(p, nd, hit, hs);
			(*files)++;
		}
	}
	closedir(d);
	return found;
}

static void test_privacy(void **state)
{
	struct needles nd = { NULL, 0, 0 };
	char out[PATH_MAX], dir[PATH_MAX], sdir[PATH_MAX], hit[PATH_MAX + 64] = "", planted[64];
	int files = 0;
	size_t i, n_names = 0;

	(void)state;
	path_in(out, sizeof(out), "privacy.log");
	assert_int_equal(exit_code(ingest(leak, "priv", "k1.key", "lab-leak", NULL, out, NULL, 0)), 0);
	needles_from_csv(&nd, leak);
	needles_from_truth(&nd, truth);
	for (i = 0; i < nd.n; i++)
		if (strspn(nd.s[i], "ABCDEFGHIJKLMNOPQRSTUVWXYZ") == strlen(nd.s[i]))
			n_names++;
	assert_true(nd.n > 3000);   /* the scan has something to look for */
	assert_true(n_names > 100);
	path_in(dir, sizeof(dir), "priv");
	if (scan_tree(dir, &nd, &files, hit, sizeof(hit)) != 0)
		fail_msg("identifier found: %s", hit);
	assert_int_equal(files, 3);
	if (scan_file(out, &nd, hit, sizeof(hit)) != 0)
		fail_msg("identifier found: %s", hit);
	/* The state holds y values and payloads, not plaintext either. */
	path_in(sdir, sizeof(sdir), "k1.key.state");
	if (scan_tree(sdir, &nd, &files, hit, sizeof(hit)) != 0)
		fail_msg("identifier found: %s", hit);
	/* The scanner itself finds a planted identifier. */
	snprintf(planted, sizeof(planted), "x%sx", nd.s[nd.n / 2]);
	{
		FILE *f = fopen(out, "a");

		fputs(planted, f);
		fclose(f);
	}
	assert_int_equal(scan_file(out, &nd, hit, sizeof(hit)) >= 1, 1);
	for (i = 0; i < nd.n; i++)
		free(nd.s[i]);
	free(nd.s);
}

/* ---- ground truth against the index ---- */

static int lookup(const struct bc_index *idx, const struct bc_key *key, int kind, const char *a,
		  const char *b, const char *c, const char *info, struct bc_payload *p)
{
	char in[1024];
	uint8_t y[64];
	int len = bc_token_input(kind, a, b, c, in, sizeof(in));
	struct bc_error err = BC_ERROR_INIT;
	struct test_hit r = { 0 };

	assert_true(len > 0);
	if (kind == BC_TOKEN_VERIFIED)
		assert_int_equal(oprf_evaluate(OPRF_MODE_POPRF, key->sk_v, (const uint8_t *)in, (size_t)len,
					       (const uint8_t *)info, strlen(info), y), 0);
	else
		assert_int_equal(oprf_evaluate(OPRF_MODE_VOPRF, key->sk_s, (const uint8_t *)in, (size_t)len,
					       NULL, 0, y), 0);
	assert_true(bc_index_find(idx, y, kind == BC_TOKEN_VERIFIED, test_on_hit, &r, &err) >= 0);
	if (p != NULL)
		*p = r.p;
	return r.n;
}


static uint32_t classes_of(json_t *arr)
{
	uint32_t f = 0;
	size_t i, b;
	json_t *v;

	json_array_foreach(arr, i, v)
		for (b = 0; b < 32; b++)
			if (bc_class_name((unsigned)b) && !strcmp(bc_class_name((unsigned)b), json_string_value(v)))
				f |= BC_BIT(b);
	return f;
}

static void check_truth(const char *index, const char *keyname, int sensitive, int expect_found)
{
	char dir[PATH_MAX], kp[PATH_MAX], line[65536];
	struct bc_index *idx = NULL;
	struct bc_key *key = NULL;
	struct bc_error err = BC_ERROR_INIT;
	FILE *f = fopen(truth, "r");
	int patients = 0, found_nir = 0, exact = 0, shared_ok = 0, verified = 0, any = 0;
	int unshared_marked = 0;
	json_t *email_patients = json_object();

	assert_non_null(f);
	/* How many truth patients hold each email. */
	while (fgets(line, sizeof(line), f)) {
		json_error_t e;
		json_t *p = json_loads(line, 0, &e), *v;
		size_t i;

		assert_non_null(p);
		json_array_foreach(json_object_get(p, "emails"), i, v) {
			const char *em = json_string_value(v);

			json_object_set_new(email_patients, em,
					    json_integer(json_integer_value(json_object_get(email_patients, em)) + 1));
		}
		json_decref(p);
	}
	rewind(f);
	path_in(dir, sizeof(dir), index);
	path_in(kp, sizeof(kp), keyname);
	assert_int_equal(bc_index_open(dir, &idx, &err), 0);
	assert_int_equal(bc_index_verify(idx, &err), 0);
	assert_int_equal(bc_key_load(kp, &key, &err), 0);
	while (fgets(line, sizeof(line), f)) {
		json_error_t e;
		json_t *p = json_loads(line, 0, &e), *ks, *v;
		const char *nir = json_string_value(json_object_get(p, "nir13"));
		const char *first = json_string_value(json_object_get(p, "first_name"));
		const char *dob = json_string_value(json_object_get(p, "dob"));
		const char *last = json_string_value(json_object_get(json_object_get(p, "last_names"), "birth"));
		struct bc_payload pl;
		size_t i;
		int valid;

		assert_non_null(p);
		patients++;
		ks = json_object_get(p, "nir_key_states");
		valid = (int)(json_integer_value(json_object_get(ks, "valid")) +
			      json_integer_value(json_object_get(ks, "missing")));
		if (nir && lookup(idx, key, BC_TOKEN_NIR, nir, NULL, NULL, NULL, &pl)) {
			uint32_t want = classes_of(json_object_get(p, "data_classes"));

			any++;
			found_nir++;
			assert_int_equal(pl.kind, BC_TOKEN_NIR);
			assert_int_equal(pl.flags & BC_MEDICAL_MASK, 0);
			if (sensitive) {
				assert_int_equal(pl.rows, 0);
				assert_int_equal(pl.first_month, 0);
				assert_int_equal(pl.source_a, BC_SOURCE_NONE);
				assert_int_equal(pl.flags & ~(BC_PUBLIC_CLASS_MASK | BC_BIT(BC_FLAG_SHARED)), 0);
			}
			/* Every row of the patient carries the NIR with a valid or no key. */
			if (valid == json_integer_value(json_object_get(p, "rows")) &&
			    !(pl.flags & BC_BIT(BC_FLAG_SHARED))) {
				uint32_t mask = BC_PUBLIC_CLASS_MASK;

				/* A first name alone: the leak reader counts it as a name, the truth does not. */
				if (last == NULL && json_string_value(json_object_get(json_object_get(p, "last_names"), "usage")) == NULL)
					mask &= ~BC_BIT(BC_CLASS_NAME);
				if ((pl.flags & mask) != (want & mask))
					fail_msg("patient %lld: flags %#x, truth %#x",
						 json_integer_value(json_object_get(p, "id")), pl.flags, want);
				if (!sensitive)
					assert_int_equal(pl.rows, json_integer_value(json_object_get(p, "rows")));
				exact++;
			}
		} else if (nir && expect_found) {
			assert_int_equal(valid, 0); /* only a NIR never written with a valid key is missing */
		}
		if (!expect_found && last && first && dob)
			any += lookup(idx, key, BC_TOKEN_NAMEDOB, last, first, dob, NULL, NULL);
		json_array_foreach(json_object_get(p, "emails"), i, v) {
			int n = lookup(idx, key, BC_TOKEN_EMAIL, json_string_value(v), NULL, NULL, NULL, &pl);

			any += n;
			if (expect_found && n && json_integer_value(json_object_get(email_patients, json_string_value(v))) > 1) {
				if (!(pl.flags & BC_BIT(BC_FLAG_SHARED)))
					fail_msg("patient %lld: household email not shared",
						 json_integer_value(json_object_get(p, "id")));
				assert_int_equal(pl.flags, BC_BIT(BC_CLASS_EMAIL) | BC_BIT(BC_FLAG_SHARED));
				assert_int_equal(pl.rows, 0);
				shared_ok++;
			} else if (expect_found && n && (pl.flags & BC_BIT(BC_FLAG_SHARED))) {
				unshared_marked++;
			}
			if (nir && valid && expect_found &&
			    lookup(idx, key, BC_TOKEN_VERIFIED, nir, NULL, NULL, json_string_value(v), &pl)) {
				assert_true(pl.rows > 0);
				assert_int_equal(pl.kind, BC_TOKEN_VERIFIED);
				verified++;
			}
		}
		json_decref(p);
	}
	fclose(f);
	json_decref(email_patients);
	if (expect_found) {
		assert_true(unshared_marked <= patients / 100);
		assert_true(found_nir > patients * 9 / 10);
		assert_true(exact > patients / 2);
		assert_true(shared_ok > 0);
		assert_true(verified > 0);
	} else {
		assert_int_equal(any, 0);
	}
	bc_key_free(key);
	bc_index_free(idx);
}

static void test_truth_and_other_key(void **state)
{
	(void)state;
	assert_int_equal(exit_code(ingest(leak, "t1", "k1.key", "lab-leak", "--quiet", NULL, NULL, 0)), 0);
	check_truth("t1", "k1.key", 0, 1);
	assert_int_equal(exit_code(ingest(leak, "t2", "k2.key", "lab-leak", "--quiet", NULL, NULL, 0)), 0);
	/* k1's outputs against the index built with k2: nothing. */
	check_truth("t2", "k1.key", 0, 0);
}

static void test_sensitive(void **state)
{
	(void)state;
	/* public tier classes, an explicit choice since the proof tier (DESIGN §2.4) */
	assert_int_equal(exit_code(ingest(leak, "sens", "k2.key", "lab-leak", "--public-tier classes", NULL, NULL, 0)), 0);
	check_truth("sens", "k2.key", 1, 1);
}

/*
 * A sensitive breach gets public tier none by default (issue #12): no
 * leaked person's NIR, name + date of birth, email or phone finds anything;
 * the breach is listed with public_tier "none"; verified entries remain.
 */
static void test_public_tier_none(void **state)
{
	char dir[PATH_MAX], kp[PATH_MAX], line[65536];
	struct bc_index *idx = NULL;
	struct bc_key *key = NULL;
	struct bc_error err = BC_ERROR_INIT;
	const struct bc_breach *b;
	FILE *f;
	int any = 0, verified = 0, patients = 0;

	(void)state;
	assert_int_equal(exit_code(ingest(leak, "none", "k2.key", "lab-leak", "--sensitive", NULL, NULL, 0)), 0);
	path_in(dir, sizeof(dir), "none");
	path_in(kp, sizeof(kp), "k2.key");
	assert_int_equal(bc_index_open(dir, &idx, &err), 0);
	assert_int_equal(bc_key_load(kp, &key, &err), 0);
	b = bc_index_breach_by_name(idx, "lab-leak");
	assert_non_null(b);
	assert_int_equal(b->public_tier, BC_TIER_NONE);
	assert_true(b->is_sensitive);
	f = fopen(truth, "r");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		json_error_t e;
		json_t *p = json_loads(line, 0, &e), *v;
		const char *nir = json_string_value(json_object_get(p, "nir13"));
		const char *first = json_string_value(json_object_get(p, "first_name"));
		const char *dob = json_string_value(json_object_get(p, "dob"));
		const char *last = json_string_value(json_object_get(json_object_get(p, "last_names"), "birth"));
		size_t i;

		assert_non_null(p);
		patients++;
		if (nir)
			any += lookup(idx, key, BC_TOKEN_NIR, nir, NULL, NULL, NULL, NULL);
		if (last && first && dob)
			any += lookup(idx, key, BC_TOKEN_NAMEDOB, last, first, dob, NULL, NULL);
		json_array_foreach(json_object_get(p, "phones"), i, v)
			any += lookup(idx, key, BC_TOKEN_PHONE, json_string_value(v), NULL, NULL, NULL, NULL);
		json_array_foreach(json_object_get(p, "emails"), i, v) {
			any += lookup(idx, key, BC_TOKEN_EMAIL, json_string_value(v), NULL, NULL, NULL, NULL);
			if (nir)
				verified += lookup(idx, key, BC_TOKEN_VERIFIED, nir, NULL, NULL, json_string_value(v), NULL);
		}
		json_decref(p);
	}
	fclose(f);
	assert_true(patients > 100);
	assert_int_equal(any, 0);
	assert_true(verified > 0);
	bc_key_free(key);
	bc_index_free(idx);
}

static int cmp_tag(const void *a, const void *b)
{
	return memcmp(a, b, 16);
}

static void test_two_ingests_unlinkable(void **state)
{
	char d1[PATH_MAX], d2[PATH_MAX];
	struct bc_index *a = NULL, *b = NULL;
	struct bc_error err = BC_ERROR_INIT;
	size_t la, lb, i;
	const uint8_t *pa, *pb;
	uint8_t *tags;
	uint32_t x, y;

	(void)state;
	assert_int_equal(exit_code(ingest(leak, "u1", "k1.key", "lab-leak", "--quiet", NULL, NULL, 0)), 0);
	assert_int_equal(exit_code(ingest(leak, "u2", "k1.key", "lab-leak", "--quiet", NULL, NULL, 0)), 0);
	path_in(d1, sizeof(d1), "u1");
	path_in(d2, sizeof(d2), "u2");
	assert_int_equal(bc_index_open(d1, &a, &err), 0);
	assert_int_equal(bc_index_open(d2, &b, &err), 0);
	assert_string_not_equal(bc_index_id(a), bc_index_id(b));
	assert_memory_not_equal(bc_index_salt(a), bc_index_salt(b), 32);
	for (x = 0; x < bc_index_n_buckets(a); x++)
		for (y = 0; y < bc_index_n_buckets(b); y++)
			assert_memory_not_equal(bc_index_bucket_hash(a, x), bc_index_bucket_hash(b, y), 32);
	pa = bc_index_buckets_ptr(a, &la);
	pb = bc_index_buckets_ptr(b, &lb);
	tags = malloc(la / 48 * 16);
	assert_non_null(tags);
	for (i = 0; i < la / 48; i++)
		memcpy(tags + i * 16, pa + i * 48, 16);
	qsort(tags, la / 48, 16, cmp_tag);
	for (i = 0; i < lb / 48; i++)
		assert_null(bsearch(pb + i * 48, tags, la / 48, 16, cmp_tag));
	free(tags);
	/* The same breach name replaced: one breach, a new id. */
	assert_int_equal(bc_index_n_breaches(b), 1);
	assert_true(bc_index_breach(b, 0)->id > bc_index_breach(a, 0)->id);
	bc_index_free(a);
	bc_index_free(b);
}

/* ---- crash safety ---- */

static void index_state(const char *name, char id[33], size_t *n_breaches)
{
	char dir[PATH_MAX];
	struct bc_index *idx = NULL;
	struct bc_error err = BC_ERROR_INIT;

	path_in(dir, sizeof(dir), name);
	assert_int_equal(bc_index_open(dir, &idx, &err), 0);
	assert_int_equal(bc_index_verify(idx, &err), 0);
	snprintf(id, 33, "%s", bc_index_id(idx));
	*n_breaches = bc_index_n_breaches(idx);
	bc_index_free(idx);
}

static int count_prefix(const char *prefix)
{
	DIR *d = opendir(root);
	struct dirent *de;
	int n = 0;

	assert_non_null(d);
	while ((de = readdir(d)) != NULL)
		if (!strncmp(de->d_name, prefix, strlen(prefix)))
			n++;
	closedir(d);
	return n;
}

/* 1 if this build has the crash-test hooks (-Dtest_hooks; meson.build
 * sets BC_TEST_HOOKS in the tests' environment). */
static int have_test_hooks(void)
{
	const char *h = getenv("BC_TEST_HOOKS");

	return h && !strcmp(h, "1");
}

static void test_kill_at_every_stage(void **state)
{
	static const char *const stages[] = { "reserved", "reading", "read", "eval", "state",
					      "catalogue", "write", "written", "renamed", "linked",
					      "swapped" };
	char before[33], after[33];
	size_t nb, na, i;
	int st;
	double t0, t_run;

	(void)state;
	if (!have_test_hooks())
		skip(); /* the hooks are not in this build */
	keygen("k3.key");
	t0 = now_s();
	assert_int_equal(exit_code(ingest(small, "kill", "k3.key", "first", "--quiet", NULL, NULL, 0)), 0);
	t_run = now_s() - t0;
	for (i = 0; i < sizeof(stages) / sizeof(stages[0]); i++) {
		index_state("kill", before, &nb);
		st = ingest(small, "kill", "k3.key", "second", "--quiet", NULL, stages[i], 0);
		if (!WIFSIGNALED(st))
			fail_msg("stage %s: not killed (status %d)", stages[i], st);
		assert_int_equal(WTERMSIG(st), SIGKILL);
		index_state("kill", after, &na);
		if (!strcmp(stages[i], "swapped"))
			assert_string_not_equal(before, after);
		else
			assert_string_equal(before, after);
	}
	/* SIGKILL at random moments, not only at the instrumented stages: the
	 * published index always opens and verifies, and is the previous one or
	 * a complete new one. */
	srand(12345);
	for (i = 0; i < 8; i++) {
		index_state("kill", before, &nb);
		kill_after_us = 1 + (long)((double)rand() / RAND_MAX * t_run * 1.2e6);
		st = ingest(small, "kill", "k3.key", i % 2 ? "second" : "third", "--quiet", NULL, NULL, 0);
		kill_after_us = 0;
		index_state("kill", after, &na);
		if (WIFSIGNALED(st) && strcmp(before, after) != 0)
			assert_true(na >= nb); /* killed after the swap: the new version */
	}
	/* "third" complete, whatever the kills left. */
	assert_int_equal(exit_code(ingest(small, "kill", "k3.key", "third", "--quiet", NULL, NULL, 0)), 0);
	/* A normal run afterwards: works, cleans the dead runs' temporaries. */
	assert_int_equal(exit_code(ingest(small, "kill", "k3.key", "second", "--quiet", NULL, NULL, 0)), 0);
	index_state("kill", after, &na);
	assert_int_equal(na, 3);
	assert_int_equal(count_prefix("kill.tmp-"), 0);
	assert_int_equal(count_prefix("kill.lnk-"), 0);
	assert_int_equal(count_prefix("kill."), 3); /* current + previous + kill.lock */
	{
		char sd[PATH_MAX];
		DIR *d;
		struct dirent *de;
		int stale = 0, states = 0;

		path_in(sd, sizeof(sd), "k3.key.state");
		d = opendir(sd);
		assert_non_null(d);
		while ((de = readdir(d)) != NULL) {
			stale += strstr(de->d_name, ".tmp-") != NULL;
			states += !strncmp(de->d_name, "breach-", 7);
		}
		closedir(d);
		assert_int_equal(stale, 0);
		assert_int_equal(states, 3); /* first, third, the last second; killed runs' files gone */
	}
}

/* ---- errors ---- */

static void test_errors(void **state)
{
	char out[PATH_MAX], kp[PATH_MAX], sp[PATH_MAX], text[4096], id[33], id2[33];
	size_t nb;
	FILE *f;
	int st;

	(void)state;
	path_in(out, sizeof(out), "errors.log");
	keygen("k4.key");
	/* Missing key. */
	st = ingest(small, "err", "nokey.key", "x", NULL, out, NULL, 0);
	assert_int_equal(exit_code(st), 3);
	/* Insecure key. */
	path_in(kp, sizeof(kp), "k4.key");
	assert_int_equal(chmod(kp, 0644), 0);
	assert_int_equal(exit_code(ingest(small, "err", "k4.key", "x", NULL, out, NULL, 0)), 3);
	assert_int_equal(chmod(kp, 0600), 0);
	/* Insecure state dir. */
	assert_int_equal(exit_code(ingest(small, "err", "k4.key", "x", "--quiet", NULL, NULL, 0)), 0);
	index_state("err", id, &nb);
	path_in(sp, sizeof(sp), "k4.key.state");
	assert_int_equal(chmod(sp, 0755), 0);
	assert_int_equal(exit_code(ingest(small, "err", "k4.key", "y", NULL, out, NULL, 0)), 3);
	assert_int_equal(chmod(sp, 0700), 0);
	/* Disk full (a file-size limit): clear error, old index intact, no temporary left. */
	st = ingest(small, "err", "k4.key", "y", "--quiet", out, NULL, 20000);
	assert_int_equal(exit_code(st), 3);
	index_state("err", id2, &nb);
	assert_string_equal(id, id2);
	assert_int_equal(nb, 1);
	assert_int_equal(count_prefix("err.tmp-"), 0);
	assert_int_equal(count_prefix("err.lnk-"), 0);
	/* Unwritable place: a path under a regular file. */
	assert_int_equal(exit_code(ingest(small, "leak.csv/idx", "k4.key", "y", NULL, out, NULL, 0)), 3);
	/* Bad usage. */
	assert_int_equal(exit_code(ingest(small, "err", "k4.key", "bad name!", NULL, out, NULL, 0)), 2);
	f = fopen(out, "r");
	assert_non_null(f);
	text[fread(text, 1, sizeof(text) - 1, f)] = '\0';
	fclose(f);
	assert_non_null(strstr(text, "nokey.key"));
	assert_non_null(strstr(text, "chmod 600"));
	assert_non_null(strstr(text, "chmod 700"));
	assert_true(strstr(text, "File too large") != NULL || strstr(text, "No space") != NULL);
	assert_non_null(strstr(text, "Not a directory"));
	/* After all that, the state still publishes what it had. */
	assert_int_equal(exit_code(ingest(small, "err", "k4.key", "y", "--quiet", NULL, NULL, 0)), 0);
	index_state("err", id2, &nb);
	assert_int_equal(nb, 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_privacy),
		cmocka_unit_test(test_truth_and_other_key),
		cmocka_unit_test(test_sensitive),
		cmocka_unit_test(test_public_tier_none),
		cmocka_unit_test(test_two_ingests_unlinkable),
		cmocka_unit_test(test_kill_at_every_stage),
		cmocka_unit_test(test_errors),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, setup, teardown);
}
