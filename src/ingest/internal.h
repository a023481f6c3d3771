#ifndef BC_INGEST_INTERNAL_H
#define BC_INGEST_INTERNAL_H

/*
 * Shared between the phases of ingest (the .c files of src/ingest/); not part of the
 * public API (ingest.h). One struct ingest per run holds the tokens, the
 * rows and the evaluation queue; one struct ingest_run holds the state
 * directory, the catalogue and the items to publish. Phases, in order
 * (docs/ingest.md, "The module"):
 *
 *   state.c      open the state dir (lock), catalogue, reserve a breach id
 *   read.c       leak reader -> records; progress line
 *   tokens.c     record -> tokens interned (dedup) + (token, row) pairs
 *   evaluate.c   worker pool: OPRF Evaluate of each distinct token
 *   aggregate.c  patients, payload per token, catalogue entry
 *   publish.c    other breaches from the state, state file + index files
 *   shard.c      ingest --shard I/N (its shard file) and publish (the outputs from the shards)
 *   ingest.c     bc_ingest_run: the list of the phases above
 *   measure.c    bc_ingest_measure: the phases alone, timed (benchmarks)
 */

#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include <jansson.h>
#include <sodium.h>

#include "index/build.h"
#include "index/index.h"
#include "ingest/ingest.h"
#include "leak/reader.h"
#include "leak/record.h"
#include "normalize/normalize.h"
#include "oprf/keyfile.h"

#define TOK_SHIFT 13
#define TOK_BLOCK ((size_t)1 << TOK_SHIFT)
#define TOK_MAX_BLOCKS ((size_t)1 << 16)
#define ARENA_BLOCK ((size_t)1 << 20)
#define NONE UINT32_MAX
#define MULTI (UINT32_MAX - 1)
#define MAX_TOKEN_BYTES 1024
#define EVAL_CHUNK 256
#define BC_INGEST_MAX_THREADS 256
/* Token kinds of the public entries (bit 1 << kind): none is published
 * under public tier none (DESIGN §2.4). */
#define BC_INGEST_PUBLIC_KINDS ((1u << BC_TOKEN_NIR) | (1u << BC_TOKEN_NAMEDOB) | \
				(1u << BC_TOKEN_EMAIL) | (1u << BC_TOKEN_PHONE))

/* One distinct token: its OPRF input (then the POPRF info for kind 5) in
 * the arena, its SipHash, and its OPRF output once evaluated. */
struct tok {
	const char *s;        /* input bytes, then info bytes */
	uint64_t hash;
	uint16_t len, info_len;
	uint8_t kind;
	uint8_t mine;         /* ingest --shard: 1 if this shard evaluates it (set by its worker, shard.c) */
	uint8_t y[BC_Y_BYTES];
};

struct slot {
	uint32_t id;
	uint32_t check;       /* high half of the hash: most mismatches never touch the token */
};

/* Tokens of one record, at most (NIR, names + date of birth, emails,
 * phones, verified = NIR x email). */
#define ROW_TOKENS (1 + BC_RECORD_MAX_NAMES + BC_RECORD_MAX_EMAILS * 2 + BC_RECORD_MAX_PHONES)

/* Rows read ahead of the tokens phase (read.c): row i is staged (tokens
 * hashed, table slots prefetched) when read, the tokens its slots name are
 * prefetched 3 rows later, their inputs 6 rows later, and it is added 8
 * rows later: the memory a row needs arrives while the reader works. */
#define INGEST_RING 8
#define INGEST_AHEAD_TOKENS 3
#define INGEST_AHEAD_INPUTS 6

/* Where a pending token's id goes once interned (enum values, not
 * pointers: the rows array may move before the row is added). */
enum tok_target { TGT_NONE = 0, TGT_NIR, TGT_EMAIL0, TGT_ND0 /* + name index */ };

/* A token of a record about to be added, hashed before any is looked up,
 * so that the table slots of several rows are fetched from memory together. */
struct tok_pending {
	uint8_t buf[MAX_TOKEN_BYTES + BC_EMAIL_MAX + 1]; /* input, then NUL + info (kind 5) */
	size_t len, info_len;
	uint64_t hash;
	int kind;
	int target;           /* enum tok_target */
};

/* What aggregation needs of a row (no identifier: token ids only). */
struct row_info {
	uint32_t flags;
	uint16_t month;
	uint16_t source;
	uint32_t nir;         /* token id or NONE */
	uint32_t nd[BC_RECORD_MAX_NAMES];
};

struct ingest {
	const struct bc_ingest_options *o;
	struct bc_key *key;

	struct tok *blocks[TOK_MAX_BLOCKS];
	size_t ntok;
	char *arena;
	size_t arena_used;
	char **arenas;
	size_t n_arenas;
	struct slot *slots;   /* open addressing; id 0 = empty, else token id + 1 */
	size_t cap;
	uint8_t hkey[crypto_shorthash_KEYBYTES];
	struct tok_pending pend[INGEST_RING][ROW_TOKENS];
	int npend[INGEST_RING];  /* tokens staged per ring row; -1: a token too long */

	struct row_info *rows;
	size_t nrows, rows_cap;
	uint32_t *occ_tok, *occ_row;
	size_t nocc, occ_cap;

	char (*sources)[BC_SOURCE_MAX];
	char (*src_canon)[BC_SOURCE_MAX]; /* canonical (bc_norm_last_name) form, or "" */
	uint8_t *src_bad;     /* 1: looks like an identifier, never published */
	uint32_t *src_slots;  /* hash table of sources: index + 1, 0 = empty */
	size_t nsources, sources_cap, last_source, src_cap;

	/* evaluation queue: workers take [next, ready) in chunks; cv wakes
	 * them, done_cv wakes the waiter when the last one leaves. */
	pthread_mutex_t mu;
	pthread_cond_t cv, done_cv;
	size_t ready, next;
	int reading_done;
	int running;          /* workers not yet finished (under mu) */
	pthread_t tid[BC_INGEST_MAX_THREADS];
	int started;          /* workers to join */
	atomic_size_t evaluated;
	atomic_int failed;
	double t_read_end;
	double eval_cpu;     /* CPU seconds of the workers, summed as each leaves (under mu) */
	/* Token kinds set aside while streaming (bit 1 << kind; 0: none): only
	 * those of them that are published are evaluated, once the payloads
	 * say which (bc_ingest_eval_deferred). */
	uint32_t defer_kinds;
	atomic_size_t n_evaluated; /* OPRF evaluations done (streamed + deferred) */

	/* progress */
	int tty;
	FILE *pf;
	double t0, last_print;
	off_t file_size;
	const struct leak_reader *reader;

	struct claims *claims;   /* patients and claim codes (claims.c), created with the first row */

	/* ingest --shard I/N (shard.c): the workers evaluate only the tokens of
	 * shard shard_i; 0 = every token (one process, or publish) */
	uint32_t shard_n, shard_i;
	uint8_t shard_key[32];
};

/* The state file of this breach is written by a thread while the index
 * files are; the catalogue is committed just before the swap. */
struct state_job {
	const char *dir;
	uint32_t id;
	const uint8_t *pk;
	const struct bc_build_item *items;
	size_t n;
	json_t *cat;
	double *t_state;
	pthread_t tid;
	int started, joined, written, committed, failed;
	struct bc_error err;
};

/* One bc_ingest_run. */
struct ingest_run {
	const struct bc_ingest_options *o;
	struct bc_ingest_stats *st;
	struct ingest *g;
	char sdir[PATH_MAX], today[16];
	json_t *cat, *old_cat, *entry;
	struct bc_build_item *items;   /* this breach's n_own items, then the kept breaches' */
	size_t n_items, cap;
	size_t n_own;                  /* this breach's items: its tokens (less the public ones of
					* tier none), then its claims */
	uint32_t id, replaced[64];
	size_t n_replaced;
	int lock_fd, dir_lock_fd;
	char *breaches_text;
	struct state_job sj;
	struct shard_set *shards;      /* publish: the N shard files (shard.c), NULL otherwise */
	double t0;
};

static inline struct tok *tok_at(struct ingest *g, size_t i)
{
	return &g->blocks[i >> TOK_SHIFT][i & (TOK_BLOCK - 1)];
}

/* A run's tokens, rows and evaluation queue (ingest.c). NULL ("out_of_memory"). */
struct ingest *bc_ingest_new(const struct bc_ingest_options *o, double t0, struct bc_error *err);

/* sodium_memzero of len bytes at buf (NULL: nothing), 1 MB per job on
 * threads threads (0: all cores; bc_parallel_for). tokens.c. */
void bc_ingest_wipe(void *buf, size_t len, int threads);

/* Stop the workers if any, free everything of g (the key too); NULL is fine. */
void bc_ingest_free(struct ingest *g);

/* Monotonic clock in seconds. */
double bc_ingest_now(void);

/* ---- read.c ---- */

/* Leak reader options of an ingest: --mapping FILE (loaded into map) or
 * "auto" (inference); a headerless file without either is refused.
 * Returns 0, or -1 with err filled (mapping file errors). */
int bc_ingest_reader_options(const struct bc_ingest_options *o, struct leak_options *lo,
			     struct leak_mapping *map, struct bc_error *err);

/* CPU seconds of the calling thread (CLOCK_THREAD_CPUTIME_ID). */
double bc_ingest_thread_cpu(void);

/* Progress line on g->pf (counts only, never an identifier); final: last one. */
void bc_ingest_progress(struct ingest *g, int final);

/* Read the leak into the tokens phase while nthreads evaluation workers
 * (started here; 0: none, the tokens are only counted) evaluate the tokens
 * already interned. Returns with the workers
 * still evaluating (bc_ingest_eval_finish waits for them). Fills st->rows,
 * rows_skipped, t_read, t_read_cpu. Returns 0, or -1 with err filled (the
 * workers then stopped). */
int bc_ingest_read(struct ingest *g, int nthreads, struct bc_ingest_stats *st,
		   struct bc_error *err);

/* ---- tokens.c ---- */

/* Stage rec in ring slot b (< INGEST_RING): build and hash its tokens,
 * prefetch their table slots. Nothing is interned: rows are added in
 * order by bc_ingest_commit_record. */
void bc_ingest_stage_record(struct ingest *g, int b, const struct bc_record *rec);

/* Prefetch the tokens that the table slots of staged row b name (once the
 * slots have had time to arrive). A hint: no effect on what is added. */
void bc_ingest_prefetch_tokens(struct ingest *g, int b);

/* Prefetch the inputs of the tokens staged row b matches, and their
 * entries in the grouping (once the tokens have had time to arrive). A
 * hint: no effect on what is added. */
void bc_ingest_prefetch_inputs(struct ingest *g, int b);

/* Add staged row b, rec the record it was staged from, as the next row:
 * intern its tokens (ids in file order), record its (token, row) pairs,
 * group it. Returns 0, or -1 ("out_of_memory", also for a token too
 * long for the table) with err filled. */
int bc_ingest_commit_record(struct ingest *g, int b, const struct bc_record *rec, struct bc_error *err);

/* Size the token table, the rows and the (token, row) pairs for a leak
 * file of file_bytes before reading, so that they are not rehashed or
 * copied as they fill (no-op once a row was added). */
void bc_ingest_tokens_presize(struct ingest *g, uint64_t file_bytes);

/* Free the tokens (wiped), rows, pairs and lab names of g. */
void bc_ingest_tokens_release(struct ingest *g);

/* ---- evaluate.c ---- */

/* Tokens [0, g->ntok) may be evaluated (wakes the workers). */
void bc_ingest_eval_ready(struct ingest *g);

/* Start up to nthreads (<= BC_INGEST_MAX_THREADS) workers. Returns how many
 * started (g->started). */
int bc_ingest_eval_start(struct ingest *g, int nthreads);

/* Reading ended: hand out the last tokens; workers leave when none is left. */
void bc_ingest_eval_reading_done(struct ingest *g);

/* Wait (with progress) until every token is evaluated, join the workers;
 * st->t_eval. Returns 0, or -1 ("internal") if an evaluation failed. */
int bc_ingest_eval_finish(struct ingest *g, struct bc_ingest_stats *st, struct bc_error *err);

/* Stop handing out work and join the workers (on failure; none: no-op). */
void bc_ingest_eval_abort(struct ingest *g);

/* 1 if the item of a token of kind is published (payload kind byte, 0 =
 * withheld) under public tier none (1) or another tier (0). */
int bc_ingest_item_published(uint8_t kind, int tier_none);

/*
 * After bc_ingest_eval_finish, with the payloads final (aggregation,
 * verified.c): evaluate on threads workers (0: all cores) the tokens of
 * g->defer_kinds whose items[i] (items: g->ntok) are published
 * (bc_ingest_item_published); the others keep no output and must not be
 * published. Adds to st->evaluated. Returns 0, or -1 ("internal") if an
 * evaluation failed, ("out_of_memory").
 */
int bc_ingest_eval_deferred(struct ingest *g, const struct bc_build_item *items, int tier_none,
			    int threads, struct bc_ingest_stats *st, struct bc_error *err);

/* ---- aggregate.c ---- */

/* The catalogue entry of this breach (id, names, dates), before aggregation. */
json_t *bc_ingest_breach_entry(const struct bc_ingest_options *o, uint32_t id, const char *today);

/* Payloads of this breach, one item per distinct token (items: g->ntok);
 * fills the rest of the catalogue entry and st->patients, shared_tokens,
 * sources_withheld. Returns 0, or -1 ("out_of_memory") with err filled. */
int bc_ingest_aggregate(struct ingest *g, uint32_t id, struct bc_build_item *items, json_t *entry,
			struct bc_ingest_stats *st, struct bc_error *err);

/* Copy each token's OPRF output into its item (after bc_ingest_eval_finish;
 * the payloads may be computed before, while the workers run). */
void bc_ingest_join_outputs(struct ingest *g, struct bc_build_item *items);

/* ---- state.c ---- */

/* Create (0700) or check, and lock, the state directory; remove stale
 * temporaries. *lock_fd: the lock. Returns 0, or -1 ("state", "busy"). */
int bc_ingest_open_state(const char *dir, int *lock_fd, struct bc_error *err) BC_MUST_CHECK;

/* The same with a shared lock (ingest --shard: shards run together, never
 * beside an ingest or a publish); no temporaries are removed. */
int bc_ingest_open_state_shared(const char *dir, int *lock_fd, struct bc_error *err) BC_MUST_CHECK;

/* The state catalogue of key pk (a fresh one when absent). NULL on error. */
json_t *bc_ingest_load_catalogue(const char *dir, const uint8_t pk[32], struct bc_error *err);

/* next_id also passes every id published at index_dir. */
void bc_ingest_next_id_past_published(json_t *cat, const char *index_dir);

/* Remove breach-<id>.bin files the catalogue does not list. */
void bc_ingest_remove_orphan_states(const char *dir, json_t *cat);

/* catalogue.json, atomically. Returns 0, or -1 with err filled. */
int bc_ingest_save_catalogue(const char *dir, json_t *c, struct bc_error *err);

/* breach-<id>.bin: n (payload, y) records, checksum keyed with pk. */
int bc_ingest_save_breach_state(const char *dir, uint32_t id, const uint8_t pk[32],
				const struct bc_build_item *items, size_t n, struct bc_error *err);

/* Append the entries of breach id from the state to *items (*n, *cap). */
int bc_ingest_load_breach_state(const char *dir, uint32_t id, const uint8_t pk[32],
				struct bc_build_item **items, size_t *n, size_t *cap,
				struct bc_error *err);

void bc_ingest_remove_breach_state(const char *dir, uint32_t id);

/* ---- claims.c ---- */

struct bc_group;
struct bc_group_ids;

/* Group one more row into patients (tokens phase; the row is g->nrows - 1);
 * ids: the token ids of its NIR, namedobs and first email (bc_group_add_ids). */
int bc_ingest_claims_add(struct ingest *g, const struct bc_record *rec, const struct bc_group_ids *ids,
			 struct bc_error *err);

/* The patient grouping of this run (DESIGN.md §10), finished after
 * bc_ingest_claims_build (or by the after_read hook: bc_group_finish is
 * idempotent); NULL before the first row. Owned by g. */
struct bc_group *bc_ingest_group(struct ingest *g);

/*
 * Finish the grouping of this run (after the last row; again is a no-op) and
 * give its counts: *patients, the pwn_count of the catalogue, the count the
 * notices and profile give too (issue #17); *unlinked, the rows of no
 * patient. No row (no grouping yet): both 0. Returns 0, or -1 with err.
 */
int bc_ingest_group_finish(struct ingest *g, uint64_t *patients, size_t *unlinked, struct bc_error *err);

/* Patients, their payloads and claim codes (kept from the state, or new),
 * appended to r->items after this breach's tokens (r->n_own: both). Only
 * with --notices or when the state holds claims of this breach name.
 * Returns 0, or -1 with err filled. */
int bc_ingest_claims_build(struct ingest_run *r, struct bc_error *err);

/* Patient p's full payload (all its rows, §10; a minor at ingest without
 * bits 12, 16-19), packed with kind into out; *dob (may be NULL): its date
 * of birth as YYYYMMDD, 0 unknown. After the patients are aggregated (in
 * bc_ingest_claims_build). Returns 0, or -1 for an unknown patient. */
int bc_ingest_patient_payload(const struct ingest *g, uint32_t p, int kind, uint8_t out[BC_PAYLOAD_BYTES],
			      uint32_t *dob);

/* ---- verified.c ---- */

/*
 * The verified entries of this breach (DESIGN §6, docs/verify.md): a NIR +
 * email token keeps an entry only when its rows are one patient's, the
 * address's mailbox key is on no other patient's rows, and one of its rows
 * was sampled after the patient's 18th birthday; its payload becomes the
 * patient's full payload. Other verified items get kind 0 (dropped after
 * the evaluation, bc_ingest_drop_entries). Needs the patients aggregated.
 * Returns 0, or -1 ("oom").
 */
int bc_ingest_verified_build(struct ingest_run *r, struct bc_error *err);

/* After the index is published: the state's claims file, then with
 * --notices the second reading (names, addresses, emails) and the
 * encrypted notices.jsonl. Returns 0, or -1 with err filled. */
int bc_ingest_claims_after_publish(struct ingest_run *r, struct bc_error *err);

void bc_ingest_claims_free(struct ingest *g);

#define BC_INGEST_CLAIM_REC 96   /* patient key (32) || claim output y (64) */

/* claims-<breach>.bin of the state: *n records of BC_INGEST_CLAIM_REC bytes
 * sorted by patient key (*out malloc'd; NULL, 0 when absent), checksum keyed
 * with pk. Returns 0, or -1 ("state": damaged or of another key). */
int bc_ingest_load_claims(const char *sdir, const char *breach, const uint8_t pk[32], uint8_t **out, size_t *n,
			  struct bc_error *err);

/* Write np records (any order) atomically as claims-<breach>.bin. */
int bc_ingest_save_claims(const char *sdir, const char *breach, const uint8_t pk[32], const uint8_t *recs,
			  size_t np, struct bc_error *err);

/* ---- publish.c ---- */

/* Add the other breaches of the state to r->items (one of the same name is
 * replaced: its id goes to r->replaced) and this one's entry to the
 * catalogue; r->breaches_text: the public catalogue. Returns 0 or -1. */
int bc_ingest_collect_breaches(struct ingest_run *r, struct bc_error *err);

/* Write this breach's state file while publishing the index of every
 * breach; commit the catalogue just before the swap. Returns 0 or -1. */
int bc_ingest_publish_all(struct ingest_run *r, struct bc_error *err);

/* After the run: join the state thread; on failure, put the state back. */
void bc_ingest_publish_cleanup(struct ingest_run *r, int failed);

/* ---- shard.c (docs/ingest.md "Sharded ingest") ---- */

struct shard_set;

/* ingest --shard I/N after the option checks: read the whole file, evaluate
 * the tokens of shard I, write KEYFILE.state/shards/NAME/shard-I-of-N.bin.
 * Nothing else is written. Returns 0, or -1 with err filled. */
int bc_ingest_shard_run(struct ingest_run *r, struct bc_error *err);

/* Evaluation worker, shard mode: sets t->mine; 1 if this shard evaluates t. */
int bc_ingest_shard_mine(struct ingest *g, struct tok *t);

/* publish, before the breach id is reserved: digest FILE and the mapping,
 * load and check the N shard files (present, same N, same file and
 * mapping, MAC) into r->shards. Returns 0, or -1 ("shard_missing",
 * "shard_stale", "shard_damaged", err->file the shard file). */
int bc_ingest_shards_load(struct ingest_run *r, struct bc_error *err);

/* publish, after reading: each token's y from its shard into r->items
 * [0, ntok); every token found, no shard entry left over. Returns 0 or -1. */
int bc_ingest_shards_join(struct ingest_run *r, struct bc_error *err);

/* Free r->shards; published (1): remove the breach's shard files. */
void bc_ingest_shards_finish(struct ingest_run *r, int published);

#endif
