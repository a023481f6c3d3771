/*
 * libFuzzer target for src/normalize: every normaliser, the mojibake repair,
 * the name split and the comment classifier on arbitrary bytes. Checks, besides
 * the sanitizers: output charset of each canonical form, "" on error,
 * idempotence (a canonical output normalises to itself), span bounds and
 * flag-bit consistency.
 * Build: fuzz/run.sh, or clang -fsanitize=fuzzer,address -Isrc fuzz/fuzz_normalize.c
 *        src/normalize/\*.c -lutf8proc
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <utf8proc.h>

#include "normalize/comment.h"
#include "normalize/normalize.h"
#include "normalize/text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c)                    \
	do {                        \
		if (!(c))           \
			abort();    \
	} while (0)

static const struct tm ref = { .tm_year = 126, .tm_mon = 10, .tm_mday = 29 };

typedef int (*norm_fn)(const char *, size_t, char *, size_t);

static int nir3(const char *in, size_t len, char *out, size_t outsize)
{
	return bc_norm_nir(in, len, out, outsize, NULL);
}

static int dob3(const char *in, size_t len, char *out, size_t outsize)
{
	return bc_norm_dob(in, len, &ref, out, outsize);
}

static int all_in(const char *s, const char *set)
{
	return s[strspn(s, set)] == '\0';
}

static void check_canonical(int kind, const char *s)
{
	size_t n = strlen(s);

	switch (kind) {
	case 0: /* nir */
		CHECK(n == 13);
		CHECK(bc_nir_key(s) >= 1 && bc_nir_key(s) <= 97);
		break;
	case 1: case 2: /* names */
		CHECK(n > 0 && n < BC_NAME_MAX);
		CHECK(all_in(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"));
		break;
	case 3: /* dob */
		CHECK(n == 10 && s[4] == '-' && s[7] == '-');
		CHECK(s[0] == '1' || s[0] == '2');
		break;
	case 4: { /* email */
		const char *at = strchr(s, '@');
		size_t i;
		CHECK(at && at != s && !strchr(at + 1, '@') && strchr(at + 1, '.'));
		CHECK(s[n - 1] != '.' && n < BC_EMAIL_MAX);
		{
			/* the output is NFC (the fast path skips utf8proc for Latin text) */
			utf8proc_uint8_t *nfc = utf8proc_NFC((const utf8proc_uint8_t *)s);
			CHECK(nfc && strcmp((const char *)nfc, s) == 0);
			free(nfc);
		}
		for (i = 0; i < n; i++)
			CHECK(!(s[i] >= 'A' && s[i] <= 'Z') && (unsigned char)s[i] > 0x20);
		break;
	}
	case 5: /* phone */
		CHECK(s[0] == '+' && n >= 8 && n <= 16 && all_in(s + 1, "0123456789") && s[1] != '0');
		break;
	default:
		abort();
	}
}

static void run_normalisers(const char *in, size_t len)
{
	static const norm_fn fns[6] = { nir3, bc_norm_last_name, bc_norm_first_name, dob3,
					bc_norm_email, bc_norm_phone };
	char out[1024], again[1024];
	int k;

	for (k = 0; k < 6; k++) {
		int st = fns[k](in, len, out, sizeof out);
		CHECK(st <= 0 && st >= BC_NORM_TOO_LONG);
		CHECK(strcmp(bc_norm_reason(st), "unknown") != 0);
		if (st != BC_NORM_OK) {
			CHECK(out[0] == '\0');
			continue;
		}
		check_canonical(k, out);
		CHECK(fns[k](out, strlen(out), again, sizeof again) == BC_NORM_OK);
		CHECK(strcmp(out, again) == 0);
		if (k == 0) {
			/* body + its own key is the same NIR, with a key */
			char with_key[16];
			int key = bc_nir_key(out), had = 0;
			memcpy(with_key, out, 13);
			with_key[13] = (char)('0' + key / 10);
			with_key[14] = (char)('0' + key % 10);
			CHECK(bc_norm_nir(with_key, 15, again, sizeof again, &had) == BC_NORM_OK);
			CHECK(had == 1 && strcmp(out, again) == 0);
		}
		if (k == 2) {
			/* a first name is a canonical last name */
			CHECK(bc_norm_last_name(out, strlen(out), again, sizeof again) == BC_NORM_OK);
			CHECK(strcmp(out, again) == 0);
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *in = (const char *)data;
	char *buf, *copy;
	size_t n1 = 0, n2 = 0;
	struct bc_span b, u;
	uint32_t flags, cats;
	int r1, r2;

	run_normalisers(in, size);

	/* mojibake: never longer, copy and in-place agree, 0 passes = unchanged */
	buf = malloc(size + 1);
	copy = malloc(size + 1);
	CHECK(buf && copy);
	r1 = bc_repair_mojibake(in, size, buf, size + 1, &n1);
	memcpy(copy, data, size);
	r2 = bc_repair_mojibake(copy, size, copy, size + 1, &n2);
	CHECK(r1 >= 0 && r1 <= 2 && r1 == r2 && n1 == n2 && n1 <= size);
	CHECK(memcmp(buf, copy, n1) == 0 && buf[n1] == '\0');
	if (r1 == 0)
		CHECK(n1 == size && memcmp(buf, data, size) == 0);
	else
		run_normalisers(buf, n1);
	free(buf);
	free(copy);

	/* name split: spans inside the input */
	r1 = bc_split_name_field(in, size, &b, &u);
	CHECK(r1 == 0 || r1 == 1);
	CHECK(b.off <= size && b.len <= size - b.off);
	CHECK(u.off <= size && u.len <= size - u.off);
	if (r1 == 0)
		CHECK(u.len == 0);

	/* comment: only bits 12 and 16-19, a category implies 12, at most one category */
	flags = bc_classify_comment(in, size);
	cats = flags & 0x000F0000u;
	CHECK((flags & ~0x000F1000u) == 0);
	CHECK(!cats || (flags & 0x1000u));
	CHECK((cats & (cats - 1)) == 0);
	return 0;
}
