#ifndef BC_TESTS_INDEX_TESTUTIL_H
#define BC_TESTS_INDEX_TESTUTIL_H

#include <stdint.h>

#include "index/index.h"

/* Remove path: a file, or a directory tree (symlinks are not followed). */
void test_rm_rf(const char *path);

/* Entries of the directory dir whose name starts with prefix ("" for all;
 * "." and ".." never count). -1 if dir cannot be read. */
int test_count_names(const char *dir, const char *prefix);

/* What bc_index_find reported to test_on_hit: how many entries matched,
 * and the last one's breach (its id; b is borrowed from the open index)
 * and payload. Start it at { 0 }. */
struct test_hit {
	int n;
	uint32_t breach;
	const struct bc_breach *b;
	struct bc_payload p;
};

/* bc_index_find's callback: arg is a struct test_hit. */
void test_on_hit(const struct bc_breach *b, const struct bc_payload *p, void *arg);

#endif
