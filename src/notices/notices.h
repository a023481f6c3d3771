#ifndef BC_NOTICES_NOTICES_H
#define BC_NOTICES_NOTICES_H

/*
 * The notices directory of the notification campaign (DESIGN.md §10,
 * docs/notify.md): secret, mode 0700, owned by the caller's user.
 *
 *   DIR/notices.key    the notices key: "breachcheck-notices-key v1\nkey <64 hex>\n", 0600
 *   DIR/notices.jsonl  one JSON object per patient, encrypted: "BCNOTES1",
 *                      the 24-byte libsodium secretstream (XChaCha20-Poly1305)
 *                      header, then per line a u32 little-endian length and the
 *                      secretstream message of the line (the last tagged FINAL)
 *   DIR/DESTROYED      written by bc_notices_destroy once the key is gone
 *
 * A notice line (written by ingest --notices, read by notify):
 *   {"ref", "pkey", "breach", "name": {"first", "last"}, "address": {"street",
 *    "postcode", "city"} | null, "emails": [...], "code": "XXXX-XXXX-XXXX-XXXX"
 *    | null, "claim_with": "nir" | "dob", "classes": [...non-medical...],
 *    "minor": bool, "match": {"nir", "last_names", "first_name", "dob"}}
 * No phone number: nothing uses them.
 */

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "util/error.h"

#define BC_NOTICES_KEY_BYTES 32

/*
 * Create DIR (0700) if absent, then check it: a directory of this user that
 * nobody else may read. Returns 0, or -1 ("notices_dir").
 */
int bc_notices_dir_check(const char *dir, int create, struct bc_error *err);

/*
 * Load DIR/notices.key into key (BC_NOTICES_KEY_BYTES, caller's, ideally
 * sodium_malloc'd); with create and no key, draw one and write it (0600,
 * O_EXCL). Refuses a key readable by others. Returns 0, or -1
 * ("notices_key", "destroyed" when DIR/DESTROYED exists).
 */
int bc_notices_key_load(const char *dir, int create, uint8_t key[BC_NOTICES_KEY_BYTES], struct bc_error *err) BC_MUST_CHECK;

struct bc_notices_writer;

/* Start DIR/notices.jsonl (written to a temporary, replaced on commit). */
int bc_notices_writer_open(struct bc_notices_writer **out, const char *dir,
			   const uint8_t key[BC_NOTICES_KEY_BYTES], struct bc_error *err) BC_MUST_CHECK;

/* Append one line (compact JSON of line; borrowed). Returns 0 or -1 ("io"). */
int bc_notices_writer_add(struct bc_notices_writer *w, const json_t *line, struct bc_error *err);

/* Final tag, fsync, rename over notices.jsonl, fsync DIR. Returns 0 or -1. */
int bc_notices_writer_commit(struct bc_notices_writer *w, struct bc_error *err);

/* Free (a writer not committed removes its temporary). NULL is fine. */
void bc_notices_writer_free(struct bc_notices_writer *w);

struct bc_notices_reader;

/*
 * Open DIR/notices.jsonl with DIR's key. Returns 0, 1 when there is no
 * notices file, or -1 ("notices_key", "destroyed", "corrupt", "io").
 */
int bc_notices_reader_open(struct bc_notices_reader **out, const char *dir, struct bc_error *err) BC_MUST_CHECK;

/* Next line: 1 (*line: new reference, caller decrefs), 0 at the end, -1 ("corrupt", "truncated"). */
int bc_notices_reader_next(struct bc_notices_reader *r, json_t **line, struct bc_error *err);

void bc_notices_reader_free(struct bc_notices_reader *r);

/*
 * Destroy the notices: overwrite and remove DIR/notices.key, write
 * DIR/DESTROYED (the date). notices.jsonl stays, unreadable. Letters
 * already rendered under DIR/letters/ are removed too. Returns 0 or -1.
 */
int bc_notices_destroy(const char *dir, struct bc_error *err);

/* 1 if DIR/DESTROYED exists. */
int bc_notices_destroyed(const char *dir);

#endif
