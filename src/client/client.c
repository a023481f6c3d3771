#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "client/client.h"
#include "client/internal.h"
#include "normalize/normalize.h"
#include "oprf/keyfile.h"

static int norm_error(struct bc_error *err, const char *field, int status, const char *lang)
{
	return bc_error_set_field(err, "bad_input", field, "%s: %s", field,
				  bc_norm_message(status, lang));
}

static int add_token(struct bc_client_tokens *t, int kind, const char *a, const char *b,
		     const char *c, struct bc_error *err)
{
	struct bc_client_token *tok = &t->t[t->n];
	int len;

	len = bc_token_input(kind, a, b, c, tok->input, sizeof(tok->input));
	if (len < 0)
		return bc_error_set(err, "bad_input", "an identifier is too long");
	tok->kind = kind;
	tok->len = (size_t)len;
	t->n++;
	t->checked |= BC_KIND_BIT(kind);
	return 0;
}

static int given(const char *s)
{
	return s && *s;
}

int bc_client_prepare(const struct bc_query *q, const struct tm *today, const char *lang,
		      struct bc_client_tokens *t, struct bc_error *err)
{
	char nir[BC_NIR_BYTES], dob[BC_DOB_BYTES], phone[BC_PHONE_BYTES];
	char first[BC_NAME_MAX], email[BC_EMAIL_MAX];
	char last[BC_QUERY_MAX_LAST_NAMES][BC_NAME_MAX];
	size_t i, n_last = 0;
	int st, have_last = 0, ret = -1;

	memset(t, 0, sizeof(*t));
	if (q->n_last_names > BC_QUERY_MAX_LAST_NAMES) {
		bc_error_set_field(err, "bad_input", "--last-name",
				   "--last-name: give at most two last names (birth and usage)");
		goto out;
	}
	if (given(q->nir)) {
		st = bc_norm_nir(q->nir, strlen(q->nir), nir, sizeof(nir), NULL);
		if (st) {
			norm_error(err, "--nir", st, lang);
			goto out;
		}
		if (add_token(t, BC_TOKEN_NIR, nir, NULL, NULL, err))
			goto out;
	}
	for (i = 0; i < q->n_last_names; i++) {
		if (!given(q->last_names[i]))
			continue;
		have_last = 1;
		st = bc_norm_last_name(q->last_names[i], strlen(q->last_names[i]), last[n_last],
				       BC_NAME_MAX);
		if (st) {
			norm_error(err, "--last-name", st, lang);
			goto out;
		}
		if (n_last == 1 && !strcmp(last[0], last[1]))
			continue;
		n_last++;
	}
	if (given(q->first_name)) {
		st = bc_norm_first_name(q->first_name, strlen(q->first_name), first, sizeof(first));
		if (st) {
			norm_error(err, "--first-name", st, lang);
			goto out;
		}
	}
	if (given(q->dob)) {
		st = bc_norm_dob(q->dob, strlen(q->dob), today, dob, sizeof(dob));
		if (st) {
			norm_error(err, "--dob", st, lang);
			goto out;
		}
	}
	if (have_last && given(q->first_name) && given(q->dob)) {
		for (i = 0; i < n_last; i++)
			if (add_token(t, BC_TOKEN_NAMEDOB, last[i], first, dob, err))
				goto out;
	} else if (have_last || given(q->first_name) || given(q->dob)) {
		t->incomplete_namedob = 1;
		snprintf(t->missing, sizeof(t->missing), "%s%s%s",
			 have_last ? "" : "--last-name ",
			 given(q->first_name) ? "" : "--first-name ", given(q->dob) ? "" : "--dob");
		i = strlen(t->missing);
		if (i && t->missing[i - 1] == ' ')
			t->missing[i - 1] = '\0';
	}
	if (given(q->email)) {
		st = bc_norm_email(q->email, strlen(q->email), email, sizeof(email));
		if (st) {
			norm_error(err, "--email", st, lang);
			goto out;
		}
		if (add_token(t, BC_TOKEN_EMAIL, email, NULL, NULL, err))
			goto out;
	}
	if (given(q->phone)) {
		st = bc_norm_phone(q->phone, strlen(q->phone), phone, sizeof(phone));
		if (st) {
			norm_error(err, "--phone", st, lang);
			goto out;
		}
		if (add_token(t, BC_TOKEN_PHONE, phone, NULL, NULL, err))
			goto out;
	}
	if (t->n == 0) {
		if (t->incomplete_namedob)
			bc_error_set_field(err, "incomplete_namedob", t->missing,
					   "checking by name needs last name, first name and date of "
					   "birth together: add %s",
					   t->missing);
		else
			bc_error_set(err, "no_identifier",
				     "give at least one identifier: --nir, --email, --phone, or "
				     "--last-name with --first-name and --dob");
		goto out;
	}
	ret = 0;
out:
	if (ret)
		sodium_memzero(t, sizeof(*t));
	sodium_memzero(nir, sizeof(nir));
	sodium_memzero(dob, sizeof(dob));
	sodium_memzero(phone, sizeof(phone));
	sodium_memzero(first, sizeof(first));
	sodium_memzero(email, sizeof(email));
	sodium_memzero(last, sizeof(last));
	return ret;
}

int bc_client_backend_catalogue(struct bc_client_backend *be, struct bc_error *err)
{
	const struct bc_breach *b;
	size_t i, n = bc_index_n_breaches(be->idx);

	free(be->breaches);
	be->breaches = calloc(n ? n : 1, sizeof(*be->breaches));
	if (!be->breaches)
		return bc_error_set(err, "io", "out of memory");
	for (i = 0; i < n; i++) {
		b = bc_index_breach(be->idx, i);
		be->breaches[i] = (struct bc_report_breach){
			.id = b->id, .name = b->name, .title = b->title,
			.breach_date = b->breach_date, .description = b->description,
			.is_sensitive = b->is_sensitive, .controller = b->controller,
			.dpo_contact = b->dpo_contact, .complaint_url = b->complaint_url,
			.sources = (const char *const *)b->sources, .n_sources = b->n_sources,
		};
	}
	be->n_breaches = n;
	return 0;
}

void bc_client_backend_release(struct bc_client_backend *be)
{
	if (be->ops && be->ops->release)
		be->ops->release(be);
	bc_index_free(be->idx);
	free(be->breaches);
	memset(be, 0, sizeof(*be));
}

/* Local mode: BlindEvaluate in-process with the key; buckets from the mapped index. */

static int local_evaluate(struct bc_client_backend *be, const uint8_t *blinded, size_t n,
			  uint8_t *evaluated, uint8_t proof[OPRF_PROOF_BYTES], struct bc_error *err)
{
	const struct bc_key *key = be->ctx;

	if (oprf_blind_evaluate(OPRF_MODE_VOPRF, key->sk_s, key->pk_s, NULL, 0, blinded, n,
				evaluated, proof, NULL))
		return bc_error_set(err, "internal", "the evaluation failed");
	return 0;
}

/* Shared by every backend that holds the whole buckets.bin: check the bucket read. */
int bc_client_index_bucket(struct bc_client_backend *be, uint32_t i, const uint8_t **data,
			   struct bc_error *err)
{
	size_t len;

	*data = bc_index_bucket_ptr(be->idx, i, &len);
	if (!*data)
		return bc_error_set(err, "bad_index", "bucket out of range");
	if (bc_index_verify_bucket(be->idx, i))
		return bc_error_set(err, "bad_hash",
				    "a bucket of the index does not match its hash in index.json: "
				    "the index is corrupt or was tampered with");
	return 0;
}

static void local_release(struct bc_client_backend *be)
{
	bc_key_free(be->ctx);
	be->ctx = NULL;
}

static const struct bc_client_ops local_ops = {
	local_evaluate, bc_client_index_bucket, local_release,
};

int bc_client_open_local(struct bc_client_backend *be, const char *index_dir,
			 const char *key_path, struct bc_error *err)
{
	struct bc_key *key = NULL;

	memset(be, 0, sizeof(*be));
	if (bc_index_open(index_dir, &be->idx, err))
		goto fail;
	if (bc_key_load(key_path, &key, err))
		goto fail;
	if (sodium_memcmp(key->pk_s, bc_index_public_key(be->idx), OPRF_ELEMENT_BYTES)) {
		bc_error_set(err, "key_mismatch",
			     "the key file does not belong to this index (its public key differs "
			     "from the index's public_key)");
		goto fail;
	}
	memcpy(be->pk_s, key->pk_s, OPRF_ELEMENT_BYTES);
	be->ops = &local_ops;
	be->ctx = key;
	key = NULL;
	be->max_batch = OPRF_MAX_BATCH;
	if (bc_client_backend_catalogue(be, err))
		goto fail;
	return 0;
fail:
	bc_key_free(key);
	bc_client_backend_release(be);
	return -1;
}

static int lookup_token(struct bc_client_backend *be, const uint8_t y[OPRF_OUTPUT_BYTES],
			struct bc_report *report, struct bc_error *err)
{
	const uint8_t *salt = bc_index_salt(be->idx);
	const uint8_t *bucket, *entry;
	uint32_t entries = bc_index_bucket_entries(be->idx);
	uint8_t tag[BC_TAG_BYTES], k[BC_ENTRY_KEY_BYTES], raw[BC_PAYLOAD_BYTES];
	struct bc_payload p;
	struct bc_report_payload rp;
	size_t i;
	int ret = -1;

	if (be->ops->bucket(be, bc_index_bucket(y, salt, bc_index_bucket_bits(be->idx)), &bucket,
			    err))
		goto out;
	for (i = 0; i < be->n_breaches; i++) {
		bc_index_tag(y, salt, be->breaches[i].id, tag);
		entry = bc_index_lookup(bucket, entries, tag);
		if (!entry)
			continue;
		bc_index_key(y, salt, be->breaches[i].id, k);
		if (bc_entry_open(k, entry, raw) || bc_payload_unpack(raw, &p)) {
			bc_error_set(err, "bad_entry",
				     "an entry of breach %u does not decrypt: the index is corrupt",
				     (unsigned)be->breaches[i].id);
			goto out;
		}
		rp = (struct bc_report_payload){ p.kind, p.rows, p.flags, p.first_month,
						  p.last_month, p.source_a, p.source_b };
		if (bc_report_add(report, i, &rp, err))
			goto out;
	}
	ret = 0;
out:
	sodium_memzero(k, sizeof(k));
	sodium_memzero(raw, sizeof(raw));
	sodium_memzero(&p, sizeof(p));
	return ret;
}

int bc_client_check(struct bc_client_backend *be, const struct bc_client_tokens *t,
		    struct bc_report *report, struct bc_error *err)
{
	uint8_t blind[BC_CLIENT_MAX_TOKENS][OPRF_SCALAR_BYTES];
	uint8_t blinded[BC_CLIENT_MAX_TOKENS * OPRF_ELEMENT_BYTES];
	uint8_t evaluated[BC_CLIENT_MAX_TOKENS * OPRF_ELEMENT_BYTES];
	uint8_t proof[OPRF_PROOF_BYTES];
	uint8_t y[BC_CLIENT_MAX_TOKENS][OPRF_OUTPUT_BYTES];
	size_t order[BC_CLIENT_MAX_TOKENS];
	size_t i, at, n, batch = be->max_batch ? be->max_batch : 1;
	int ret = -1;

	bc_report_init(report, be->breaches, be->n_breaches, t->checked);
	if (t->n > BC_CLIENT_MAX_TOKENS) {
		bc_error_set(err, "internal", "too many tokens");
		goto out;
	}
	for (i = 0; i < t->n; i++) {
		if (oprf_blind(OPRF_MODE_VOPRF, (const uint8_t *)t->t[i].input, t->t[i].len,
			       blind[i], blinded + i * OPRF_ELEMENT_BYTES)) {
			bc_error_set(err, "internal", "blinding failed");
			goto out;
		}
	}
	/* One evaluate call for the whole query unless the evaluator's batch is smaller. */
	for (at = 0; at < t->n; at += n) {
		n = t->n - at < batch ? t->n - at : batch;
		if (be->ops->evaluate(be, blinded + at * OPRF_ELEMENT_BYTES, n,
				      evaluated + at * OPRF_ELEMENT_BYTES, proof, err))
			goto out;
		if (oprf_verify_proof(OPRF_MODE_VOPRF, be->pk_s, NULL, 0,
				      blinded + at * OPRF_ELEMENT_BYTES,
				      evaluated + at * OPRF_ELEMENT_BYTES, n, proof)) {
			bc_error_set(err, "bad_proof",
				     "the server's proof does not verify against its public key: "
				     "the answer cannot be trusted");
			goto out;
		}
	}
	for (i = 0; i < t->n; i++) {
		if (oprf_finalize(OPRF_MODE_VOPRF, (const uint8_t *)t->t[i].input, t->t[i].len,
				  blind[i], evaluated + i * OPRF_ELEMENT_BYTES, NULL, 0, y[i])) {
			bc_error_set(err, "bad_proof", "an evaluated element is invalid");
			goto out;
		}
	}
	/* buckets in random order, as the page does (DESIGN.md §2 point 3) */
	for (i = 0; i < t->n; i++)
		order[i] = i;
	for (i = t->n; i > 1; i--) {
		at = randombytes_uniform((uint32_t)i);
		n = order[i - 1];
		order[i - 1] = order[at];
		order[at] = n;
	}
	for (i = 0; i < t->n; i++)
		if (lookup_token(be, y[order[i]], report, err))
			goto out;
	ret = 0;
out:
	if (ret)
		bc_report_release(report);
	sodium_memzero(blind, sizeof(blind));
	sodium_memzero(y, sizeof(y));
	return ret;
}

int bc_client_default_cache_dir(char *buf, size_t bufsize)
{
	const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
	int n;

	if (xdg && *xdg == '/')
		n = snprintf(buf, bufsize, "%s/breachcheck", xdg);
	else if (home && *home)
		n = snprintf(buf, bufsize, "%s/.cache/breachcheck", home);
	else
		return -1;
	return n > 0 && (size_t)n < bufsize ? 0 : -1;
}
