#ifndef BC_CLIENT_CLIENT_H
#define BC_CLIENT_CLIENT_H

/*
 * The check client (DESIGN.md §2-§5, §8): normalise what the person typed,
 * build the token inputs, blind them all, have them evaluated in one batch,
 * verify the VOPRF proof against pkS, finalize, derive bucket / tag / key per
 * breach, look the tags up, decrypt, and merge the payloads into a report.
 *
 * Every mode runs the same steps through a struct bc_client_backend, which
 * supplies only two things: an evaluator (BlindEvaluate in-process with the
 * key file, or POST /v1/evaluate) and verified buckets (mapped from a local
 * index directory, the whole buckets.bin downloaded once per index id into a
 * cache, or single buckets fetched over HTTP).
 */

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "index/index.h"
#include "oprf/oprf.h"
#include "report/report.h"
#include "util/error.h"

#define BC_QUERY_MAX_LAST_NAMES 2
#define BC_CLIENT_MAX_TOKENS 6       /* nir, namedob x 2, email, phone; or claims (DESIGN.md §6) */
#define BC_CLIENT_INPUT_MAX 640      /* longest OPRF input built (namedob) + NUL */
#define BC_CLIENT_CODE_TRIES 5       /* codes typed per mailed code (the server's limit, docs/verify.md) */
#define BC_CLIENT_BATCH 6            /* blinded elements evaluated per check (DESIGN.md §2.3):
				      * the tokens, padded with random elements */
#define BC_CLIENT_MAX_READS 8        /* bucket reads per check, padding included */
#define BC_CLIENT_PAD_READS 6        /* fetch mode: buckets read per check, one per token
				      * slot, as the page's BUCKET_READS (docs/page.md) */
#define BC_CLIENT_PAD_KEY_BYTES 32

/* What the person typed, as given (UTF-8, NUL-terminated, NULL = absent). */
struct bc_query {
	const char *nir;
	const char *last_names[BC_QUERY_MAX_LAST_NAMES]; /* birth name, usage name */
	size_t n_last_names;
	const char *first_name;
	const char *dob;
	const char *email;
	const char *phone;
	/* A letter's claim code (DESIGN.md §6). When set, nir and dob make the
	 * claim tokens bc1|claim|<code>|<nir13> and bc1|claim|<code>|dob|<dob>
	 * (each given one) and no public token: a claim check asks only the
	 * proof tier. */
	const char *claim_code;
};

struct bc_client_token {
	int kind;                         /* enum bc_token_kind */
	char input[BC_CLIENT_INPUT_MAX];  /* OPRF input "bc1|..." (secret) */
	size_t len;
};

/* The normalised query: token inputs, in the order nir, namedob..., email, phone. */
struct bc_client_tokens {
	struct bc_client_token t[BC_CLIENT_MAX_TOKENS];
	size_t n;
	uint32_t checked;          /* BC_TOKEN_BIT of each kind built */
	int incomplete_namedob;    /* a part of name + date of birth given, not all three */
	char missing[64];          /* then: which parts are missing, e.g. "first name" */
};

/*
 * Normalise a query and build its token inputs (DESIGN.md §4, query-time
 * rules: two-digit years relative to `today`, NULL = today UTC). A last name
 * holding two names ("DUPONT épouse MARTIN") is split as ingest splits the
 * field; dates also as three words ("03 07 1985", "3 juillet 1985"); a phone
 * value holding two numbers is refused. One namedob token per distinct last
 * name (at most two), when last name, first name and dob are all given; with only some of them, tokens->incomplete_namedob is set (an
 * error, code "incomplete_namedob", if nothing else was given).
 * lang: "fr" or "en", the language of the messages.
 * Returns 0, or -1 with err filled: code "bad_input" and field the option
 * ("--nir", "--dob", ...), message from bc_norm_message (e.g. "NIR key does
 * not match: read the last two digits again"), never the value; "no_identifier"
 * if nothing was given. The caller should sodium_memzero tokens after use.
 */
int bc_client_prepare(const struct bc_query *q, const struct tm *today, const char *lang,
		      struct bc_client_tokens *tokens, struct bc_error *err);

struct bc_client_backend;

/*
 * The two pluggable steps. evaluate: n blinded elements (n x 32 bytes, n in
 * 1..max_batch) -> n evaluated elements and one proof (64 bytes); the client
 * verifies the proof itself. bucket: *data = bucket i, bucket_entries x 48
 * bytes, already checked against its hash in index.json, valid until the
 * next call or the backend's release. Both return 0 or -1 with err filled.
 */
struct bc_client_ops {
	int (*evaluate)(struct bc_client_backend *be, const uint8_t *blinded, size_t n,
			uint8_t *evaluated, uint8_t proof[OPRF_PROOF_BYTES], struct bc_error *err);
	int (*bucket)(struct bc_client_backend *be, uint32_t i, const uint8_t **data,
		      struct bc_error *err);
	void (*release)(struct bc_client_backend *be);
	/* 0: read each distinct real bucket once. BC_CLIENT_PAD_READS: read
	 * exactly that many buckets per check, one per token slot (nir,
	 * namedob x 2, email, phone, spare): the slot's real bucket when the
	 * slot holds a token, else the session's padding bucket for that slot
	 * (see pad_key), in random order, repeats included. */
	size_t pad_reads;
};

/*
 * A backend: the evaluator's public key, the index (catalogue, salt, bucket
 * geometry, hashes) and the ops. Fill with one of the open functions below,
 * or by hand in tests (idx, pk_s, max_batch, ops, ctx). Release with
 * bc_client_backend_release.
 */
struct bc_client_backend {
	const struct bc_client_ops *ops;
	void *ctx;
	struct bc_index *idx;                 /* owned */
	uint8_t pk_s[OPRF_ELEMENT_BYTES];     /* pkS the proof is checked against */
	size_t max_batch;
	struct bc_breach *breaches;    /* catalogue for the report, from idx (owned array) */
	size_t n_breaches;
	/* The session's padding key (docs/page.md "Padding"): padding bucket of
	 * slot s = uniform in [0, buckets) from keyed BLAKE2b(pad_key, index_id,
	 * s), independent of the real buckets, the same for every check of the
	 * session. Drawn at random on the first padded check unless set (fetch
	 * mode: kept in the cache directory, file pad.key). */
	uint8_t pad_key[BC_CLIENT_PAD_KEY_BYTES];
	int pad_key_set;
};

/*
 * Local mode: the index directory and the key file (BlindEvaluate
 * in-process). Refuses a key whose pkS differs from the index's public_key
 * (code "key_mismatch"). Returns 0, or -1 with err filled.
 */
int bc_client_open_local(struct bc_client_backend *be, const char *index_dir,
			 const char *key_path, struct bc_error *err) BC_MUST_CHECK;

enum bc_bucket_mode { BC_BUCKETS_FILE = 0, BC_BUCKETS_FETCH = 1 };

struct bc_remote_options {
	const char *server;        /* base URL, e.g. "http://127.0.0.1:8080" */
	const char *index_dir;     /* NULL, or a local copy of the index (mirror) */
	enum bc_bucket_mode mode;  /* without index_dir */
	const char *cache_dir;     /* NULL: $XDG_CACHE_HOME/breachcheck or ~/.cache/breachcheck */
	long timeout_s;            /* per request, 0 = 30 s; a whole-file download has no
				    * total limit but fails when stalled (< 512 B/s) that long */
	long max_wait_s;           /* a 429 whose Retry-After is 1..max_wait_s seconds is
				    * waited out and the request sent once more; 0 = never */
	/* Optional (NULL = silent), for a terminal: on_wait is called once a second
	 * while a Retry-After is waited out, with the seconds left (0 last);
	 * on_progress during a whole-file download (what: "buckets.bin" or
	 * "verified.bin"; done and total in bytes, total 0 when unknown). */
	/* Pinned keys (#14 item 7; check --public-key, --verified-public-key):
	 * 32 bytes each, or NULL. /v1/config's public_key (and the index's, which
	 * must equal it) and verified_public_key must be these ("key_pinned"). */
	const uint8_t *pin_pk_s;
	const uint8_t *pin_pk_v;
	void (*on_wait)(void *arg, long seconds_left);
	void (*on_progress)(void *arg, const char *what, uint64_t done, uint64_t total);
	void *cb_arg;
};

/*
 * Remote mode (libcurl): GET /v1/config; then the index: from index_dir, or
 * (file mode) index.json, buckets.bin and verified.bin downloaded once per
 * index id into the cache and verified bucket by bucket, or (fetch mode)
 * index.json and single buckets from buckets_url. Refuses an index whose
 * index_id or public key differs from the server's ("index_mismatch"), and
 * a server whose keys are not the pinned ones ("key_pinned").
 * Errors (all -1 with err filled, never an identifier): "unreachable",
 * "rate_limited" (after at most one wait of o->max_wait_s;
 * the message says when to retry), "http" (status and the
 * server's error code), "bad_response", "bad_hash", "io".
 */
int bc_client_open_remote(struct bc_client_backend *be, const struct bc_remote_options *o,
			  struct bc_error *err) BC_MUST_CHECK;

/* Build be->breaches from be->idx (for backends filled by hand). 0 or -1. */
int bc_client_backend_catalogue(struct bc_client_backend *be, struct bc_error *err);

/* Release what the backend holds (not the struct). */
void bc_client_backend_release(struct bc_client_backend *be);

/*
 * Run the check: blind every token, one evaluate call per max_batch tokens,
 * verify the proof against be->pk_s ("bad_proof" on failure), finalize,
 * derive bucket, tag and key per breach (DESIGN.md §5), read each distinct
 * bucket once (or, with ops->pad_reads, one bucket per token slot with the
 * session's padding buckets in the empty slots, random order), look up,
 * decrypt and
 * merge into report (initialised here over be->breaches; release it with
 * bc_report_release). Returns 0 (found or not: bc_report_found says), or -1
 * with err filled ("bad_entry" for a matching entry that does not decrypt).
 */
int bc_client_check(struct bc_client_backend *be, const struct bc_client_tokens *tokens,
		    struct bc_report *report, struct bc_error *err);

/*
 * Email verification, the proof tier's email path (DESIGN.md §6, §8,
 * docs/verify.md), on a remote backend in file mode (verified.bin is
 * downloaded whole): normalise email and nir ("bad_input", field "email" or
 * "nir"); POST /v1/verify/start; get_code(arg, code) fills the 6-digit code
 * the person received (code: 7 bytes; returns 0, or -1 to give up:
 * "cancelled"); blind bc1|verified|<nir13> (POPRF), POST
 * /v1/verify/evaluate; on "code_invalid" get_code is called again, up to
 * BC_CLIENT_CODE_TRIES codes in all (a -1 then leaves "code_invalid");
 * verify the proof against pkV with the canonical
 * address as info ("bad_proof"), finalize and look the output up in
 * verified.bin. report is initialised over be->breaches with the verified
 * kind checked (bc_report_release it). Errors from the server keep their
 * codes: "code_invalid", "code_expired", "too_many_tries", "rate_limited",
 * "mail_failed", "not_implemented" (never an identifier in a message).
 * Returns 0 (found or not: bc_report_found), or -1 with err filled.
 */
int bc_client_verified_check(struct bc_client_backend *be, const char *email, const char *nir,
			     int (*get_code)(void *arg, char code[7]), void *arg,
			     struct bc_report *report, struct bc_error *err) BC_MUST_CHECK;

/* The remote calls under bc_client_verified_check (a remote backend only,
 * else "usage"). start: email canonical; id: 64 bytes out (NUL-terminated).
 * evaluate: one blinded element -> its evaluated element and proof. */
int bc_client_remote_verify_start(struct bc_client_backend *be, const char *email, char id[64],
				  struct bc_error *err) BC_MUST_CHECK;
int bc_client_remote_verify_evaluate(struct bc_client_backend *be, const char *id, const char *code,
				     const uint8_t blinded[OPRF_ELEMENT_BYTES],
				     uint8_t evaluated[OPRF_ELEMENT_BYTES], uint8_t proof[OPRF_PROOF_BYTES],
				     struct bc_error *err) BC_MUST_CHECK;

/* Default cache directory into buf (bufsize bytes): $XDG_CACHE_HOME/breachcheck
 * when absolute, else $HOME/.cache/breachcheck, else the password database's
 * home (XDG Base Directory). Returns 0, or -1 if there is no home or it does
 * not fit. */
int bc_client_default_cache_dir(char *buf, size_t bufsize);

#endif
