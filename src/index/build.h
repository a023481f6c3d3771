#ifndef BC_INDEX_BUILD_H
#define BC_INDEX_BUILD_H

/*
 * Building and publishing a format-v1 index directory (DESIGN.md §5) from
 * OPRF outputs and payloads. Used by ingest (src/ingest/) and tests.
 */

#include <stddef.h>
#include <stdint.h>

#include "index/index.h"
#include "util/error.h"
/* bc_parallel_for, bc_ncpu; bc_write_file_atomic, bc_write_all... (moved to util/) */
#include "util/fs.h"
#include "util/parallel.h"

/* One (token, breach) entry to publish: the OPRF output y (secret: it comes
 * from the state dir), its packed payload (kind in payload[1]; kind 5 goes
 * to verified.bin), and the breach id. */
struct bc_build_item {
	uint8_t y[BC_Y_BYTES];
	uint8_t payload[BC_PAYLOAD_BYTES];
	uint32_t breach_id;
};

struct bc_build_params {
	const uint8_t *salt;        /* 32 bytes, or NULL for a fresh random salt (normal use) */
	unsigned anonymity;         /* K: minimum real entries per bucket, >= 1 */
	const uint8_t *pk_s;        /* 32 bytes, published as public_key */
	const uint8_t *pk_v;        /* 32 bytes, published as verified_public_key */
	const char *breaches_json;  /* JSON array text of the catalogue (§8 fields) */
	int threads;                /* 0: all cores */
	/* NULL, or called by bc_index_publish once the new version's files are
	 * written and synced, before anything becomes visible; a non-zero
	 * return aborts the publication (the temporary directory is removed). */
	int (*before_swap)(void *arg, struct bc_error *err);
	void *before_swap_arg;
	/* 0: bc_index_publish takes the publication lock of DIR itself (and
	 * fails with "busy" if it is held); 1: the caller holds it
	 * (bc_index_lock). */
	int dir_locked;
};

struct bc_build_result {
	char index_id[BC_INDEX_ID_HEX + 1];
	unsigned bucket_bits;
	uint32_t bucket_entries;
	uint32_t min_real_entries;
	size_t public_entries;
	size_t verified_entries;    /* real ones */
	uint64_t bytes;             /* buckets.bin + verified.bin + index.json */
	char path[4096];            /* DIR.<index_id> */
	int unsynced;               /* published, but the parent could not be fsync'd after the swap */
};

/*
 * bucket_bits = the largest b in 0..BC_INDEX_MAX_BUCKET_BITS for which every
 * one of the 2^b buckets (bucket32 >> (32 - b)) holds at least k of the n
 * values (0 when even b = 0 fails, i.e. n < k). Also gives the smallest and
 * largest bucket loads at that b. bucket32: n values (any order).
 * Returns 0, or -1 on allocation failure.
 */
int bc_index_choose_bits(const uint32_t *bucket32, size_t n, unsigned k, unsigned *bits,
			 uint32_t *min_load, uint32_t *max_load);

/*
 * Write index.json, buckets.bin and verified.bin for items into the
 * existing empty directory tmpdir, every file fsync'd, then the directory.
 * res: filled. Returns 0, or -1 with err filled (the caller removes tmpdir);
 * "internal" when an item's y is all zeros (never evaluated: refused, so
 * that no entry is published where its person will not look).
 */
int bc_index_write_files(const char *tmpdir, const struct bc_build_item *items, size_t n,
			 const struct bc_build_params *p, struct bc_build_result *res,
			 struct bc_error *err);

/*
 * Publish (DESIGN.md §5): write the files in a fresh DIR.tmp-<pid>-<random>/
 * beside dir, rename it to DIR.<index_id>/, fsync the parent, then replace
 * the symlink DIR atomically (temporary symlink + rename, fsync of the
 * parent). The version DIR pointed to before is kept; older DIR.<32 hex>/
 * versions and stale temporary directories of dead processes are deleted.
 * dir must be absent or a symlink (a real directory or file there is
 * refused). Takes the publication lock of DIR (bc_index_lock) unless
 * p->dir_locked. On any failure nothing new is left in place and DIR is
 * untouched.
 * Returns 0, or -1 with err filled.
 */
int bc_index_publish(const char *dir, const struct bc_build_item *items, size_t n,
		     const struct bc_build_params *p, struct bc_build_result *res,
		     struct bc_error *err);

/*
 * Publication lock of the index symlink dir (docs/ingest.md): an exclusive
 * flock(2) on "DIR.lock" beside it (created 0644, empty), taken without
 * waiting. Two publications to one DIR at a time would otherwise delete
 * each other's new version (cleanup of old versions) and leave DIR dangling.
 * *fd: the lock's descriptor, to close(2) to release it.
 * Returns 0, or -1 with err filled: "busy" when another process holds it,
 * "usage" for a bad path, "io" when the lock file cannot be created.
 */
int bc_index_lock(const char *dir, int *fd, struct bc_error *err);

/*
 * The checks bc_index_publish makes on dir before writing anything: dir is
 * absent, or a symlink whose target's last component is "<dir's name>.<32
 * hex>". Ingest calls it first, so that a wrong --index fails in a second,
 * not after the whole evaluation. Returns 0, or -1 with err filled
 * ("exists", "usage", "io").
 */
int bc_index_check_dir(const char *dir, struct bc_error *err);

/*
 * Whether files can be created and removed in the existing directory dir,
 * by trying it: a probe file "<dir>/<prefix>.tmp-<pid>-p<8 random hex>p..."
 * (named as a temporary, so that a killed run's probe is cleaned up)
 * padded with 'p' to name_len bytes (pass the longest name that will be
 * created there) is created (O_EXCL, 0600) and removed. Unlike access(2),
 * this also fails for root where writing would: a read-only or immutable
 * directory, a path under a regular file (ENOTDIR), a name the file system
 * refuses (ENAMETOOLONG). what: the role of dir, for the message.
 * Returns 0, or -1 with err "not_writable" naming dir, what and the reason.
 */
int bc_dir_check_writable(const char *dir, const char *prefix, size_t name_len, const char *what,
			  struct bc_error *err);

/*
 * bc_dir_check_writable on the parent of the index symlink dir, with the
 * longest name a publication creates there ("<dir's name>.<32 hex>"): what
 * ingest checks before reading anything (issue 14 item 13). Returns 0, or
 * -1 with err "not_writable" (or "usage" for an empty path).
 */
int bc_index_check_writable(const char *dir, struct bc_error *err);

/*
 * Test hook: if the environment variable BC_TEST_KILL_AT equals stage,
 * raise SIGKILL (crash tests of the publication; see docs/ingest.md).
 * Only in a build with -Dtest_hooks (on with the tests); else does nothing.
 */
void bc_test_kill_point(const char *stage);

/*
 * Test hook: 1 (errno = EIO) if the environment variable BC_TEST_FAIL_AT
 * equals stage, else 0. Stage "swap-sync": the fsync of the parent after
 * the symlink swap fails. Only in a build with -Dtest_hooks; else 0.
 */
int bc_test_fail_point(const char *stage);


#endif
