#ifndef BC_TESTS_INDEX_TESTUTIL_H
#define BC_TESTS_INDEX_TESTUTIL_H

/* Remove path: a file, or a directory tree (symlinks are not followed). */
void test_rm_rf(const char *path);

#endif
