#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testutil.h"

void test_rm_rf(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *de;
	char p[PATH_MAX + 300];
	struct stat st;

	if (d == NULL) {
		unlink(path);
		return;
	}
	while ((de = readdir(d)) != NULL) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		snprintf(p, sizeof(p), "%s/%s", path, de->d_name);
		if (lstat(p, &st) == 0 && S_ISDIR(st.st_mode))
			test_rm_rf(p);
		else
			unlink(p);
	}
	closedir(d);
	rmdir(path);
}

int test_count_names(const char *dir, const char *prefix)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;

	if (d == NULL)
		return -1;
	while ((de = readdir(d)) != NULL)
		n += strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0 &&
		     !strncmp(de->d_name, prefix, strlen(prefix));
	closedir(d);
	return n;
}

void test_on_hit(const struct bc_breach *b, const struct bc_payload *p, void *arg)
{
	struct test_hit *h = arg;

	h->n++;
	h->breach = b->id;
	h->b = b;
	h->p = *p;
}
