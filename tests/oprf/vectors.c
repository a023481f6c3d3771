#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vectors.h"

const char *vec_path(const char *name)
{
	static char buf[4096];
	const char *dir = getenv("BC_VECTORS");

	if (!dir)
		dir = "tests/vectors";
	snprintf(buf, sizeof(buf), "%s/%s", dir, name);
	return buf;
}

static void chomp(char *s)
{
	size_t n = strlen(s);

	while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == '\r' || s[n - 1] == ' '))
		s[--n] = '\0';
}

static int append(char **dst, const char *src)
{
	size_t a = *dst ? strlen(*dst) : 0, b = strlen(src);
	char *p = realloc(*dst, a + b + 1);

	if (!p)
		return -1;
	memcpy(p + a, src, b + 1);
	*dst = p;
	return 0;
}

int vec_file_load(struct vec_file *vf, const char *path)
{
	FILE *f = fopen(path, "r");
	char line[1024];
	int mode = -1, in_block = 0, fresh_mode = 0, ret = -1;
	struct vec_block *cur = NULL;

	memset(vf, 0, sizeof(*vf));
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		char *eq;

		chomp(line);
		if (!in_block) {
			if (strcmp(line, "### OPRF Mode") == 0) {
				mode = 0;
				fresh_mode = 1;
			} else if (strcmp(line, "### VOPRF Mode") == 0) {
				mode = 1;
				fresh_mode = 1;
			} else if (strcmp(line, "### POPRF Mode") == 0) {
				mode = 2;
				fresh_mode = 1;
			} else if (strcmp(line, "~~~") == 0) {
				if (vf->nblocks == VEC_MAX_BLOCKS)
					goto out;
				cur = &vf->blocks[vf->nblocks++];
				cur->mode = mode;
				cur->is_key = fresh_mode;
				fresh_mode = 0;
				in_block = 1;
			}
			continue;
		}
		if (strcmp(line, "~~~") == 0) {
			in_block = 0;
			cur = NULL;
			continue;
		}
		if (line[0] == '\0')
			continue;
		eq = strstr(line, " = ");
		if (eq) {
			struct vec_field *fl;

			if (cur->nfields == VEC_MAX_FIELDS || (size_t)(eq - line) >= sizeof(fl->name))
				goto out;
			fl = &cur->fields[cur->nfields++];
			memcpy(fl->name, line, (size_t)(eq - line));
			fl->name[eq - line] = '\0';
			if (append(&fl->value, eq + 3) < 0)
				goto out;
		} else {
			if (cur->nfields == 0 || append(&cur->fields[cur->nfields - 1].value, line) < 0)
				goto out;
		}
	}
	ret = in_block ? -1 : 0;
out:
	fclose(f);
	if (ret < 0)
		vec_file_release(vf);
	return ret;
}

void vec_file_release(struct vec_file *vf)
{
	size_t i, j;

	for (i = 0; i < vf->nblocks; i++)
		for (j = 0; j < vf->blocks[i].nfields; j++)
			free(vf->blocks[i].fields[j].value);
	memset(vf, 0, sizeof(*vf));
}

const char *vec_get(const struct vec_block *b, const char *name)
{
	size_t i;

	for (i = 0; i < b->nfields; i++)
		if (strcmp(b->fields[i].name, name) == 0)
			return b->fields[i].value;
	return NULL;
}

size_t vec_count(const char *value)
{
	size_t n = 1;

	for (; *value; value++)
		if (*value == ',')
			n++;
	return n;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

long vec_hex_item(const char *value, size_t idx, uint8_t *out, size_t cap)
{
	const char *p = value, *end;
	size_t n = 0;

	while (idx > 0) {
		p = strchr(p, ',');
		if (!p)
			return -1;
		p++;
		idx--;
	}
	end = strchr(p, ',');
	if (!end)
		end = p + strlen(p);
	if ((end - p) % 2 != 0)
		return -1;
	for (; p < end; p += 2) {
		int hi = hexval(p[0]), lo = hexval(p[1]);

		if (hi < 0 || lo < 0 || n == cap)
			return -1;
		out[n++] = (uint8_t)(hi << 4 | lo);
	}
	return (long)n;
}
