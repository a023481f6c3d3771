#define _XOPEN_SOURCE 700   /* nftw */
#include "testlib.h"

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/utf8.h"

char *bc_test_read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	long n;

	if (!f) {
		fprintf(stderr, "cannot open %s\n", path);
		return NULL;
	}
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0) {
		buf = malloc((size_t)n + 1);
		if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
			free(buf);
			buf = NULL;
		} else if (buf) {
			buf[n] = '\0';
			if (len)
				*len = (size_t)n;
		}
	}
	fclose(f);
	if (!buf)
		fprintf(stderr, "cannot read %s\n", path);
	return buf;
}

char *bc_test_read_env_file(const char *env, const char *name, size_t *len)
{
	const char *dir = getenv(env);
	char path[4096];

	if (!dir) {
		fprintf(stderr, "%s is not set\n", env);
		return NULL;
	}
	if (snprintf(path, sizeof(path), "%s/%s", dir, name) >= (int)sizeof(path))
		return NULL;
	return bc_test_read_file(path, len);
}

char *bc_test_next_line(char **cur)
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

size_t bc_test_utf8_put(unsigned long cp, char *out)
{
	return bc_utf8_encode((int32_t)cp, (unsigned char *)out);
}

size_t bc_test_cp1252_to_utf8(const char *in, size_t len, char *out, size_t outsize)
{
	/* 0x80..0x9F (WHATWG encoding index windows-1252) */
	static const unsigned short high[32] = {
		0x20AC, 0x81, 0x201A, 0x192, 0x201E, 0x2026, 0x2020, 0x2021, 0x2C6, 0x2030, 0x160,
		0x2039, 0x152, 0x8D, 0x17D, 0x8F, 0x90, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
		0x2013, 0x2014, 0x2DC, 0x2122, 0x161, 0x203A, 0x153, 0x9D, 0x17E, 0x178,
	};
	size_t i, n = 0;
	char one[4];

	for (i = 0; i < len; i++) {
		unsigned c = (unsigned char)in[i];
		size_t k = bc_test_utf8_put(c >= 0x80 && c < 0xA0 ? high[c - 0x80] : c, one);

		if (n + k + 1 > outsize)
			break;
		memcpy(out + n, one, k);
		n += k;
	}
	if (outsize)
		out[n] = '\0';
	return n;
}

char *bc_test_tmpdir(const char *tag)
{
	const char *base = getenv("TMPDIR");
	size_t size;
	char *p;

	if (!base || !*base)
		base = "/tmp";
	size = strlen(base) + strlen(tag) + 16;
	p = malloc(size);
	if (!p)
		return NULL;
	snprintf(p, size, "%s/bc-%s-XXXXXX", base, tag);
	if (!mkdtemp(p)) {
		fprintf(stderr, "cannot create a directory in %s\n", base);
		free(p);
		return NULL;
	}
	return p;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

int bc_test_rmtree(const char *path)
{
	return nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS) == 0 ? 0 : -1;
}
