#ifndef BC_TESTS_OPRF_VECTORS_H
#define BC_TESTS_OPRF_VECTORS_H

/*
 * Reader for tests/vectors/rfc9497-ristretto255-sha512.txt: the RFC's
 * markdown layout (### mode headings, ~~~ blocks of "Name = hex" lines,
 * hex wrapped over continuation lines, batch values comma-separated).
 */

#include <stddef.h>
#include <stdint.h>

#define VEC_MAX_FIELDS 16
#define VEC_MAX_BLOCKS 32

struct vec_field {
	char name[32];
	char *value; /* continuation lines joined, malloc'd */
};

struct vec_block {
	int mode;  /* 0 OPRF, 1 VOPRF, 2 POPRF, -1 before any mode heading */
	int is_key; /* the block right after the mode heading (Seed, KeyInfo, skSm...) */
	size_t nfields;
	struct vec_field fields[VEC_MAX_FIELDS];
};

struct vec_file {
	size_t nblocks;
	struct vec_block blocks[VEC_MAX_BLOCKS];
};

/* Parse path; returns 0 or -1. Free with vec_file_release. */
int vec_file_load(struct vec_file *vf, const char *path);
void vec_file_release(struct vec_file *vf);

/* Value of a field or NULL. */
const char *vec_get(const struct vec_block *b, const char *name);

/* Number of comma-separated items in a value. */
size_t vec_count(const char *value);

/*
 * Decode item idx of a comma-separated hex value into out (cap bytes).
 * Returns the decoded length, or -1 on error.
 */
long vec_hex_item(const char *value, size_t idx, uint8_t *out, size_t cap);

/* Path of a file in $BC_VECTORS (static buffer). */
const char *vec_path(const char *name);

#endif
