#ifndef BC_TESTS_INDEX_TESTUTIL_H
#define BC_TESTS_INDEX_TESTUTIL_H

/* Remove path: a file, or a directory tree (symlinks are not followed). */
void test_rm_rf(const char *path);

/* Entries of the directory dir whose name starts with prefix ("" for all;
 * "." and ".." never count). -1 if dir cannot be read. */
int test_count_names(const char *dir, const char *prefix);

#endif
