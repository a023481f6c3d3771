#ifndef BC_INGEST_INGEST_H
#define BC_INGEST_INGEST_H

/*
 * breachcheck ingest (DESIGN.md §4, §5, §7; docs/ingest.md): read a leak
 * file, derive tokens per row, evaluate each distinct token once with the
 * server key on every core, aggregate payloads per (token, breach), record
 * the breach in the state directory beside the key, and publish a new index
 * (fresh salt, every breach of the state re-bucketed) at the index symlink.
 */

#include <stdint.h>
#include <stdio.h>

#include "index/build.h"
#include "leak/reader.h"
#include "util/error.h"

struct bc_group;
struct bc_record;
struct leak_reader;

struct bc_ingest_options {
	const char *input;          /* leak file ("-": stdin) */
	const char *index_dir;      /* --index DIR (symlink managed by ingest) */
	const char *key_path;       /* --key KEYFILE; state dir is KEYFILE.state/ */
	const char *breach;         /* --breach NAME: 1..64 of A-Z a-z 0-9 . _ -, first alphanumeric */
	const char *title;          /* NULL: NAME */
	const char *breach_date;    /* YYYY-MM-DD or NULL */
	const char *description;
	const char *title_en;       /* English title and description (--title-en, --description-en),
				     * NULL = none: title and description are the default (French) */
	const char *description_en;
	const char *controller;
	const char *dpo_contact;
	const char *complaint_url;
	const char *mapping;        /* --mapping FILE, "auto" (columns inferred from their content), or NULL */
	unsigned long accept_dropped; /* --accept-dropped N: dropped rows holding an identifier allowed */
	int sensitive;              /* --sensitive */
	int public_tier;            /* --public-tier, enum bc_public_tier; DEFAULT: FULL, or NONE with --sensitive */
	unsigned anonymity;         /* K, 0: BC_DEFAULT_ANONYMITY */
	int threads;                /* 0: all cores */
	int quiet;                  /* no progress */
	FILE *progress;             /* NULL: stderr */
	const uint8_t *salt;        /* tests only: fixed salt, NULL = fresh */
	/*
	 * Optional hooks of the caller (the CLI's report and its sensitivity
	 * safeguard, issues 16 and 17), NULL = none. on_record sees every
	 * record read, in file order, on the reading thread (borrowed: copy
	 * what you keep). after_read runs once the whole file is read, before
	 * anything is aggregated, written to the state or published; the
	 * reader (dialect, columns, stats) is still open, and grp is ingest's
	 * own grouping of every row read into patients (DESIGN.md §10, the
	 * one its claims, verified entries and pwn_count use), NULL if no row
	 * was read: borrowed for the call; the caller may bc_group_finish it
	 * (idempotent) and read it, never add rows. Either returning -1 with
	 * err filled stops the ingest: nothing is published.
	 */
	int (*on_record)(void *arg, const struct bc_record *rec, struct bc_error *err);
	int (*after_read)(void *arg, const struct leak_reader *r, struct bc_group *grp,
			  struct bc_error *err);
	void *hook_arg;
	const char *notices_dir;    /* --notices DIR: claim codes and encrypted notices (DESIGN.md §10) */
	int new_codes;              /* --new-codes: draw new claim codes (issued ones stop working) */
	const char *report_path;    /* --report FILE, written by the caller after the run: only
				       checked for writing before reading (bc_write_file_atomic) */
	/*
	 * Sharded ingest (docs/ingest.md "Sharded ingest", issue 15): shards is
	 * N, 1 to BC_INGEST_MAX_SHARDS (0: one process). Without shard_publish,
	 * ingest --shard I/N (I = shard_index < N): the whole file is read, only
	 * the tokens of shard I are evaluated, and the only thing written is
	 * KEYFILE.state/shards/NAME/shard-I-of-N.bin (index_dir and the catalogue
	 * options are not used). With shard_publish, breachcheck publish: the
	 * run of an ingest with each token's OPRF output taken from the N shard
	 * files instead of evaluated; the files are removed once published.
	 * input must then be a regular file (it is read twice).
	 */
	unsigned shards;
	unsigned shard_index;
	int shard_publish;
};

#define BC_INGEST_MAX_SHARDS 1024

struct bc_ingest_stats {
	unsigned long rows;
	unsigned long rows_skipped;
	size_t tokens;              /* distinct tokens evaluated (this breach) */
	size_t occurrences;         /* (row, token) pairs */
	size_t evaluated;           /* OPRF evaluations of tokens done: withheld verified tokens and,
				     * under public tier none, public tokens are not evaluated */
	size_t shared_tokens;
	size_t verified;            /* verified entries published (NIR + email, DESIGN §6) */
	size_t verified_shared;     /* withheld: the mailbox is on rows of another patient */
	size_t verified_minor;      /* withheld: only rows sampled before the patient turned 18 */
	size_t verified_unlinked;   /* withheld: rows of no single patient, or no date of birth */
	size_t tokens_by_kind[8];   /* distinct tokens of this breach by token kind (1..6) */
	size_t shared_by_kind[8];   /* of which shared between patients */
	uint64_t patients;          /* pwn_count: patients of DESIGN §10 (src/group), as profile and notices */
	size_t sources_withheld;    /* lab names not published (identifier-like, or one patient's) */
	uint32_t breach_id;
	size_t breaches;            /* breaches in the published index */
	size_t claims;              /* claim entries published (one per patient) */
	size_t claims_kept;         /* of which kept from the state (issued codes that keep working) */
	size_t notices;             /* notices written to --notices DIR */
	size_t notices_with_code;   /* of which with a code (not: issued before, its notices destroyed) */
	size_t group_patients;      /* patients of the grouping (DESIGN.md §10), with claims or --notices */
	size_t group_unlinked;      /* rows no patient holds (no claim, no notice) */
	size_t group_unlinked_why[6]; /* by enum bc_group_reason (group/group.h) */
	double t_read, t_eval, t_state, t_publish, t_total; /* seconds (t_eval: after reading ended) */
	double t_read_cpu;          /* CPU seconds of the reading thread while reading (reader + tokens) */
	size_t shard_tokens;        /* ingest --shard: distinct tokens of this shard (evaluated);
				       publish: of all shards (= tokens) */
	double t_eval_cpu;          /* CPU seconds of the evaluation workers, summed */
	double t_deferred;          /* seconds evaluating the tokens set aside (bc_ingest_eval_deferred) */
	struct bc_build_result index;
	struct leak_stats leak;     /* the reader's counts: rows kept as read, repaired, dropped (issue 11) */
};

/*
 * Check what people will read about the breach (issue 17), before anything
 * is opened: every text option valid UTF-8 on one line (at most 512 bytes);
 * complaint_url an absolute https URL; dpo_contact an email address (with or
 * without mailto:) or an https URL; a sensitive breach has a controller, a
 * DPO contact and a complaint URL. Returns 0, or -1 with err filled (code
 * "usage", field the option's name, e.g. "--complaint-url").
 */
int bc_ingest_check_catalogue(const struct bc_ingest_options *o, struct bc_error *err);

/* 1 if s is an absolute https URL that a page can link to (host with a dot
 * or "localhost", optional port, no space, quote or angle bracket), else 0. */
int bc_ingest_https_url(const char *s);

/*
 * The patient grouping key of a key file's seed (32 bytes each): keyed
 * BLAKE2b-256 of "breachcheck v1 patient grouping" under the seed. Patient
 * keys under it (bc_group_patient_key) name the claims in the state.
 */
void bc_ingest_grouping_key(const uint8_t seed[32], uint8_t out[32]);

/*
 * Reissue one patient's claim code (notify --reissue, docs/notify.md): the
 * claim of patient key pkey (32 bytes, bc_group_patient_key under the
 * grouping key) of breach gets the OPRF output of input (len bytes, the new
 * code's bc_claim_oprf_input), in the state and in a new publication of
 * index_dir (every breach, fresh salt). The old code stops working. Holds
 * the state's and the index's locks. Returns 0, or -1 with err ("state":
 * no such claim; "key", "busy", index errors).
 */
int bc_ingest_reissue(const char *key_path, const char *index_dir, const char *breach,
		      const uint8_t pkey[32], const char *input, size_t len, struct bc_error *err);

/* State directory of a key file: "<key_path>.state". out: outsize bytes. */
int bc_ingest_state_dir(const char *key_path, char *out, size_t outsize);

/* The public tier an ingest with options o applies (DEFAULT resolved). */
int bc_ingest_public_tier(const struct bc_ingest_options *o);

/*
 * Run an ingest. Returns 0, or -1 with err filled ("usage", "key", "state",
 * "io", "exists", leak reader codes). On failure the previously published
 * index and the state are left as they were.
 */
int bc_ingest_run(const struct bc_ingest_options *o, struct bc_ingest_stats *st,
		  struct bc_error *err);

/* Phase figures of bc_ingest_measure (seconds; CPU: user + system). */
struct bc_ingest_measure {
	unsigned long rows;
	size_t tokens;              /* distinct tokens (as an ingest of the file) */
	size_t occurrences;
	double reader_wall, reader_cpu; /* the leak reader alone, one thread (what profile reads) */
	double scan_wall, scan_cpu; /* reader + tokens phase (interning, dedup), one thread */
	double eval_wall, eval_cpu; /* the evaluate phase alone over the distinct tokens */
	int threads;                /* evaluation workers used */
};

/*
 * Benchmarks (bench/index): time the phases of an ingest of o->input one
 * after the other, with nothing else running: the leak reader alone, the
 * reader with the tokens phase (one thread, no evaluation), then the
 * evaluate phase alone over the same distinct tokens on o->threads workers
 * (0: all cores) with the key o->key_path. Nothing is written: no state, no
 * index, no breach id (o->index_dir and o->breach are not used). No
 * identifier leaves the call: only counts and times. Returns 0, or -1 with
 * err filled (reader and key errors).
 */
int bc_ingest_measure(const struct bc_ingest_options *o, struct bc_ingest_measure *m,
		      struct bc_error *err);

/*
 * The first two phases of bc_ingest_measure only (the leak reader alone,
 * then reader + tokens on one thread): fills m's rows, tokens,
 * occurrences, reader_* and scan_*; eval_* and threads stay 0. Same
 * arguments, returns and guarantees as bc_ingest_measure.
 */
int bc_ingest_measure_reading(const struct bc_ingest_options *o, struct bc_ingest_measure *m,
			      struct bc_error *err);

/* Figures of bc_ingest_measure_publish (seconds; CPU: user + system of the
 * whole process during the phase). */
struct bc_ingest_publish_measure {
	double wall, cpu;
	double t_state, t_publish;  /* as in bc_ingest_stats */
	struct bc_build_result index;
};

/*
 * Benchmarks (bench/index --publish-only): what an ingest runs after its last
 * OPRF evaluation, alone: the same publish code as bc_ingest_run (this
 * breach's state file written by a thread while the index is sealed,
 * bucketed and written, the catalogue committed, the symlink swapped), on
 * n items already evaluated (items: y, payload, breach_id; copied, the
 * caller keeps them), with the key o->key_path (its state directory is
 * created or used, a new breach id reserved) into o->index_dir (absent or
 * an index symlink). o->salt, o->anonymity and o->threads apply; the
 * catalogue entry is a bare one named o->breach. Returns 0, or -1 with err
 * filled (state, key, publication errors).
 */
int bc_ingest_measure_publish(const struct bc_ingest_options *o, const struct bc_build_item *items,
			      size_t n, struct bc_ingest_publish_measure *m, struct bc_error *err);

#endif
