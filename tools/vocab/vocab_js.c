/*
 * bc-vocab-js: write the page's copy of the vocabulary (web/src/vocab.js)
 * from src/vocab/vocab.c, so that the page and the C code share one table.
 *
 *   bc-vocab-js                 print the module to stdout
 *   bc-vocab-js --write FILE    write it to FILE (`ninja -C build vocab-js`)
 *   bc-vocab-js --check FILE    exit 1, naming the first differing line, if
 *                               FILE is not what --write would write (test vocab/page)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vocab/vocab.h"

struct out {
	char *buf;
	size_t len, cap;
};

static void put(struct out *o, const char *s)
{
	size_t n = strlen(s);

	if (o->len + n + 1 > o->cap) {
		size_t cap = (o->len + n + 1) * 2;
		char *b = realloc(o->buf, cap);

		if (!b) {
			fputs("bc-vocab-js: out of memory\n", stderr);
			exit(2);
		}
		o->buf = b;
		o->cap = cap;
	}
	memcpy(o->buf + o->len, s, n + 1);
	o->len += n;
}

static void putu(struct out *o, unsigned long v)
{
	char b[32];

	snprintf(b, sizeof(b), "%lu", v);
	put(o, b);
}

static void puthex(struct out *o, uint32_t v)
{
	char b[32];

	snprintf(b, sizeof(b), "0x%08x", (unsigned)v);
	put(o, b);
}

/* A JavaScript string literal: double quotes, backslash and quote escaped,
 * UTF-8 passed through (the page's sources are UTF-8). */
static void putstr(struct out *o, const char *s)
{
	char c[2] = { 0, 0 };

	put(o, "\"");
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			put(o, "\\");
		c[0] = *s;
		put(o, c);
	}
	put(o, "\"");
}

static void labels(struct out *o, const char *name, const struct bc_vocab_entry *e)
{
	put(o, "  ");
	put(o, name);
	put(o, ": { en: ");
	putstr(o, e->en);
	put(o, ", fr: ");
	putstr(o, e->fr);
	put(o, " },\n");
}

static void render(struct out *o)
{
	const struct bc_vocab_entry *e;
	unsigned b;
	int k;

	put(o, "// Generated from src/vocab/vocab.c by bc-vocab-js (`ninja -C build vocab-js`):\n"
	       "// do not edit. The test vocab/page fails when this file and the C table differ.\n"
	       "// The project's nouns: token kinds (DESIGN.md §4), data-class and flag bits\n"
	       "// (DESIGN.md §7) with their plain-language names, payload constants (§5).\n\n");
	put(o, "// Token kinds and their numbers.\nexport const KIND = {");
	for (k = BC_TOKEN_KIND_MIN; k <= BC_TOKEN_KIND_MAX; k++) {
		put(o, k == BC_TOKEN_KIND_MIN ? " " : ", ");
		put(o, bc_token_kind_name(k));
		put(o, ": ");
		putu(o, (unsigned long)k);
	}
	put(o, " };\n\n// Number -> JSON name of each token kind.\nexport const KIND_NAMES = {");
	for (k = BC_TOKEN_KIND_MIN; k <= BC_TOKEN_KIND_MAX; k++) {
		put(o, k == BC_TOKEN_KIND_MIN ? " " : ", ");
		putu(o, (unsigned long)k);
		put(o, ": ");
		putstr(o, bc_token_kind_name(k));
	}
	put(o, " };\n\n// Identifier kinds as a person reads them (what matched / what was checked).\n"
	       "export const KIND_LABELS = {\n");
	for (k = BC_TOKEN_KIND_MIN; k <= BC_TOKEN_KIND_MAX; k++)
		labels(o, bc_token_kind_name(k), bc_token_kind_entry(k));
	put(o, "};\n\n// Data-class and flag bits of a payload's flags, by JSON name, in bit order.\n"
	       "export const CLASS_BITS = {\n");
	for (b = 0; b < 32; b++) {
		if (!bc_class_name(b))
			continue;
		put(o, "  ");
		put(o, bc_class_name(b));
		put(o, ": ");
		putu(o, b);
		put(o, ",\n");
	}
	put(o, "};\n\n// Data classes as a person reads them (the flags 30 and 31 are not classes).\n"
	       "export const CLASS_LABELS = {\n");
	for (b = 0; b < 32; b++) {
		e = bc_class_entry(b);
		if (e && e->en)
			labels(o, e->name, e);
	}
	put(o, "};\n\nexport const MORE_SOURCES_BIT = ");
	putu(o, BC_FLAG_MORE_SOURCES);
	put(o, ";\nexport const SHARED_BIT = ");
	putu(o, BC_FLAG_SHARED);
	put(o, ";\n// Bits 0-11: the classes every tier discloses.\nexport const PUBLIC_CLASS_MASK = ");
	puthex(o, BC_PUBLIC_CLASS_MASK);
	put(o, ";\n// Bits 12, 16-19: the medical classes (proof tier only).\nexport const MEDICAL_MASK = ");
	puthex(o, BC_MEDICAL_MASK);
	put(o, ";\n// Every data-class bit (not the flags).\nexport const CLASSES_MASK = ");
	puthex(o, BC_CLASS_MASK);
	put(o, ";\n\nexport const PAYLOAD_BYTES = ");
	putu(o, BC_PAYLOAD_BYTES);
	put(o, ";\nexport const PAYLOAD_VERSION = ");
	putu(o, BC_PAYLOAD_VERSION);
	put(o, ";\nexport const SOURCE_NONE = ");
	put(o, "0xffff");
	_Static_assert(BC_SOURCE_NONE == 0xFFFFu, "SOURCE_NONE as written for the page");
	put(o, ";\n");
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t cap = 0, n = 0, r;

	if (!f)
		return NULL;
	do {
		if (n + 4096 > cap) {
			char *b = realloc(buf, cap = (n + 4096) * 2);

			if (!b) {
				free(buf);
				fclose(f);
				return NULL;
			}
			buf = b;
		}
		r = fread(buf + n, 1, cap - n, f);
		n += r;
	} while (r > 0);
	fclose(f);
	*len = n;
	return buf;
}

static int check(const struct out *o, const char *path)
{
	size_t len = 0, i, line = 1;
	char *have = slurp(path, &len);
	int ret;

	if (!have) {
		fprintf(stderr, "bc-vocab-js: %s: cannot read it; write it with `ninja -C build vocab-js`\n",
			path);
		return 1;
	}
	for (i = 0; i < len && i < o->len && have[i] == o->buf[i]; i++)
		if (have[i] == '\n')
			line++;
	ret = len == o->len && i == len ? 0 : 1;
	if (ret)
		fprintf(stderr,
			"bc-vocab-js: %s:%zu: differs from src/vocab/vocab.c; regenerate it with "
			"`ninja -C build vocab-js` (never edit it by hand)\n", path, line);
	free(have);
	return ret;
}

int main(int argc, char **argv)
{
	struct out o = { NULL, 0, 0 };
	FILE *f;
	int ret = 0;

	render(&o);
	if (argc == 1) {
		fputs(o.buf, stdout);
	} else if (argc == 3 && !strcmp(argv[1], "--check")) {
		ret = check(&o, argv[2]);
	} else if (argc == 3 && !strcmp(argv[1], "--write")) {
		f = fopen(argv[2], "wb");
		if (!f || fwrite(o.buf, 1, o.len, f) != o.len || fclose(f)) {
			fprintf(stderr, "bc-vocab-js: %s: cannot write it\n", argv[2]);
			ret = 1;
		}
	} else {
		fputs("usage: bc-vocab-js [--check FILE | --write FILE]\n", stderr);
		ret = 2;
	}
	free(o.buf);
	return ret;
}
