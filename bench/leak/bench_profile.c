/*
 * Throughput of the leak reader and of `profile` on the 491,839-row
 * synthetic leak, in both dialects, single thread: MB/s and rows/s (wall
 * clock and CPU time), peak memory (getrusage ru_maxrss, each measure in its
 * own child process), and the reader's peak memory on a stream ten times
 * larger (the file read ten times through a pipe) to show it does not grow.
 *
 * usage: bench_profile [--rows N] [FILE...]   (default: generate with bc-genleak)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "leak/profile.h"
#include "leak/reader.h"

struct result {
	double wall, cpu;
	unsigned long rows;
	unsigned long long bytes;
	long maxrss_kb;
	unsigned long patients;
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double cpu_seconds(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
	       (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

/* mode 0: reader only; 1: reader + profile; 2: reader only on the file 10 times via a pipe. */
static int measure(const char *path, int mode, struct result *res)
{
	struct leak_reader r;
	struct leak_options opt;
	struct leak_profile prof;
	struct bc_record rec;
	struct bc_error err = BC_ERROR_INIT;
	struct rusage ru;
	double t0, c0;
	FILE *pipe = NULL;
	char cmd[4096];
	int rc, i, n;

	/* as `breachcheck profile` reads: a headerless file with the columns its content tells */
	opt.mapping = NULL;
	opt.strict = 0;
	opt.infer = 1;
	opt.refuse_headerless = 0;
	memset(res, 0, sizeof(*res));
	t0 = now();
	c0 = cpu_seconds();
	if (mode == 2) {
		n = snprintf(cmd, sizeof(cmd), "cat");
		for (i = 0; i < 10; i++)
			n += snprintf(cmd + n, sizeof(cmd) - (size_t)n, " '%s'", path);
		pipe = popen(cmd, "r");
		if (!pipe)
			return -1;
		rc = leak_reader_init_file(&r, pipe, "pipe", &opt, &err);
	} else {
		rc = leak_reader_init(&r, path, &opt, &err);
	}
	if (rc < 0) {
		fprintf(stderr, "bench_profile: %s: %s\n", path, err.msg);
		return -1;
	}
	if (mode == 1 && leak_profile_init(&prof, &err) < 0)
		return -1;
	while ((rc = leak_reader_next(&r, &rec, &err)) > 0)
		if (mode == 1 && leak_profile_add(&prof, &rec, &err) < 0)
			return -1;
	if (rc < 0) {
		fprintf(stderr, "bench_profile: %s: %s\n", path, err.msg);
		return -1;
	}
	if (mode == 1) {
		leak_profile_finish(&prof);
		res->patients = prof.patients;
	}
	res->wall = now() - t0;
	res->cpu = cpu_seconds() - c0;
	res->rows = r.stats.rows;
	res->bytes = r.stats.bytes;
	getrusage(RUSAGE_SELF, &ru);
	res->maxrss_kb = ru.ru_maxrss;
	if (mode == 1)
		leak_profile_release(&prof);
	leak_reader_release(&r);
	if (pipe)
		pclose(pipe);
	return 0;
}

/* Run measure() in a child so that ru_maxrss is this measure's alone. */
static int measure_child(const char *path, int mode, struct result *res)
{
	int fd[2], status;
	pid_t pid;
	ssize_t got;

	if (pipe(fd) < 0)
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		struct result rr;
		int rc = measure(path, mode, &rr);

		close(fd[0]);
		if (rc == 0 && write(fd[1], &rr, sizeof(rr)) != (ssize_t)sizeof(rr))
			rc = -1;
		_exit(rc == 0 ? 0 : 1);
	}
	close(fd[1]);
	got = read(fd[0], res, sizeof(*res));
	close(fd[0]);
	waitpid(pid, &status, 0);
	return got == (ssize_t)sizeof(*res) && WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

static void report(const char *what, const struct result *r)
{
	double mb = (double)r->bytes / 1e6;

	printf("  %-34s %7.1f MB/s %9.0f rows/s wall | %7.1f MB/s CPU | %6.2f s | peak %6.1f MB",
	       what, mb / r->wall, (double)r->rows / r->wall, mb / r->cpu, r->wall,
	       (double)r->maxrss_kb / 1024.0);
	if (r->patients)
		printf(" | %lu patients", r->patients);
	printf("\n");
}

static int bench_file(const char *path, const char *label)
{
	struct result a, b, c;
	struct stat sb;

	if (stat(path, &sb) < 0) {
		perror(path);
		return -1;
	}
	printf("%s: %.1f MB\n", label, (double)sb.st_size / 1e6);
	if (measure_child(path, 0, &a) < 0 || measure_child(path, 1, &b) < 0 ||
	    measure_child(path, 2, &c) < 0)
		return -1;
	report("reader (records)", &a);
	report("profile (records + patient set)", &b);
	report("reader on 10x the file (pipe)", &c);
	printf("  rows: %lu; reader peak memory on 10x the input: %.2fx the 1x figure\n",
	       a.rows, (double)c.maxrss_kb / (double)a.maxrss_kb);
	return 0;
}

int main(int argc, char **argv)
{
	const char *rows = "491839";
	char path[2][256], cmd[1024];
	static const char *const dialects[2] = { "fr-comma-utf8", "fr-semicolon-cp1252" };
	int i, files = 0, rc = 0;

	{
		double load[1] = { 0 };

		if (getloadavg(load, 1) == 1)
			printf("load average %.2f on %ld CPUs (wall-clock figures suffer when it exceeds 1;"
			       " CPU-time figures much less)\n", load[0], sysconf(_SC_NPROCESSORS_ONLN));
	}
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--rows") && i + 1 < argc) {
			rows = argv[++i];
		} else {
			files++;
			if (bench_file(argv[i], argv[i]) < 0)
				rc = 1;
		}
	}
	if (files)
		return rc;
	for (i = 0; i < 2; i++) {
		snprintf(path[i], sizeof(path[i]), "/tmp/bench-profile-%d-%s.csv", (int)getpid(), dialects[i]);
		snprintf(cmd, sizeof(cmd), "'%s' --quiet --seed %d --rows %s --dialect %s --out %s",
			 BC_GENLEAK_PATH, i + 1, rows, dialects[i], path[i]);
		if (system(cmd) != 0) {
			fprintf(stderr, "bench_profile: bc-genleak failed\n");
			return 1;
		}
		if (bench_file(path[i], dialects[i]) < 0)
			rc = 1;
		unlink(path[i]);
	}
	return rc;
}
