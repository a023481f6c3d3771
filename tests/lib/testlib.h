#ifndef BC_TESTS_LIB_TESTLIB_H
#define BC_TESTS_LIB_TESTLIB_H

/*
 * Helpers shared by the C tests (tests/lib, library bc_testlib): reading a
 * whole file, text conversions to UTF-8, temporary directories. Test code
 * only: failures are returned (NULL, -1) for the test to assert on, and
 * a message naming the file goes to stderr.
 */

#include <stddef.h>

/* The whole file at path, NUL-terminated (malloc'd, the caller frees), its
 * length without the NUL in *len (if len is not NULL). NULL if unreadable. */
char *bc_test_read_file(const char *path, size_t *len);

/* Same for $env/name (BC_VECTORS, BC_DATA, BC_SOURCE...). NULL if env is unset. */
char *bc_test_read_env_file(const char *env, const char *name, size_t *len);

/* Next line of *cur, cut in place (the newline, and a CR before it, become
 * NUL); NULL at the end of the text. */
char *bc_test_next_line(char **cur);

/* Append the UTF-8 encoding of code point cp (< 0x110000) to out (>= 4 bytes).
 * Returns the bytes written. util/utf8.h's encoder, for the tests' texts. */
size_t bc_test_utf8_put(unsigned long cp, char *out);

/* in (len bytes of Windows-1252, as a mojibake source is read) as UTF-8 into
 * out (outsize >= 3 * len + 1 fits all), NUL-terminated; stops before a
 * character that does not fit. The five bytes Windows-1252 leaves undefined
 * (0x81, 0x8D, 0x8F, 0x90, 0x9D) map to the C1 controls of the same value.
 * Returns the length written. */
size_t bc_test_cp1252_to_utf8(const char *in, size_t len, char *out, size_t outsize);

/* A new private directory under $TMPDIR (or /tmp) named bc-<tag>-XXXXXX
 * (malloc'd path, the caller frees). NULL on failure. */
char *bc_test_tmpdir(const char *tag);

/* Remove path and everything under it (no symlink is followed). 0 or -1. */
int bc_test_rmtree(const char *path);

#endif
