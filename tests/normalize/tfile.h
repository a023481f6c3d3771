#ifndef BC_TESTS_NORMALIZE_TFILE_H
#define BC_TESTS_NORMALIZE_TFILE_H

/* Test helper: read a vector or data file named relative to an env var. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Returns a malloc'd NUL-terminated copy of $env/name (caller frees), or NULL. */
static inline char *tfile_read(const char *env, const char *name)
{
	const char *dir = getenv(env);
	char path[4096];
	FILE *fp;
	char *buf = NULL;
	long n;

	if (!dir) {
		fprintf(stderr, "%s is not set\n", env);
		return NULL;
	}
	snprintf(path, sizeof path, "%s/%s", dir, name);
	fp = fopen(path, "rb");
	if (!fp) {
		fprintf(stderr, "cannot open %s\n", path);
		return NULL;
	}
	if (fseek(fp, 0, SEEK_END) == 0 && (n = ftell(fp)) >= 0 && fseek(fp, 0, SEEK_SET) == 0) {
		buf = malloc((size_t)n + 1);
		if (buf && fread(buf, 1, (size_t)n, fp) != (size_t)n) {
			free(buf);
			buf = NULL;
		} else if (buf) {
			buf[n] = '\0';
		}
	}
	fclose(fp);
	return buf;
}

/* Next line of *cur (modified in place: the newline becomes NUL); NULL at the end. */
static inline char *tfile_line(char **cur)
{
	char *s = *cur, *nl;

	if (!s || !*s)
		return NULL;
	nl = strchr(s, '\n');
	if (nl) {
		*nl = '\0';
		*cur = nl + 1;
	} else {
		*cur = s + strlen(s);
	}
	if (nl && nl > s && nl[-1] == '\r')
		nl[-1] = '\0';
	return s;
}

#endif
