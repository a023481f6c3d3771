/*
 * Reissuing one patient's claim code (DESIGN.md §6, docs/notify.md): after
 * the DPO's identity check, the patient's claim output in the state is
 * replaced by the output of the new code, in claims-<breach>.bin and in the
 * breach's state file, and every breach of the state is published again
 * (a fresh salt, as any publication). The old code stops working.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "ingest/internal.h"
#include "oprf/oprf.h"

int bc_ingest_reissue(const char *key_path, const char *index_dir, const char *breach,
		      const uint8_t pkey[32], const char *input, size_t len, struct bc_error *err)
{
	struct bc_key *key = NULL;
	struct bc_index *ix = NULL;
	struct bc_build_item *items = NULL;
	struct bc_build_params bp;
	struct bc_build_result res;
	json_t *cat = NULL, *b, *pub;
	char sdir[PATH_MAX], *breaches_text = NULL;
	uint8_t *recs = NULL, *rec, y[BC_Y_BYTES];
	size_t n_recs = 0, n = 0, cap = 0, i, start = 0, end = 0;
	uint32_t id = 0;
	int lock_fd = -1, dir_fd = -1, ret = -1, found = 0;

	if (sodium_init() < 0)
		return bc_error_set(err, bc_err_crypto_failed, "libsodium could not be initialised");
	if (bc_key_load(key_path, &key, err) != 0)
		return -1;
	if (bc_ingest_state_dir(key_path, sdir, sizeof(sdir)) != 0 || bc_ingest_open_state(sdir, &lock_fd, err) != 0 ||
	    bc_index_lock(index_dir, &dir_fd, err) != 0 || bc_index_open(index_dir, &ix, err) != 0)
		goto out;
	if (sodium_memcmp(bc_index_public_key(ix), key->pk_s, 32) != 0) {
		bc_error_set(err, bc_err_key, "%s is not the key of the index %s", key_path, index_dir);
		goto out;
	}
	if ((cat = bc_ingest_load_catalogue(sdir, key->pk_s, err)) == NULL)
		goto out;
	if (bc_ingest_load_claims(sdir, breach, key->pk_s, &recs, &n_recs, err) != 0)
		goto out;
	for (rec = NULL, i = 0; i < n_recs && !rec; i++)
		if (!sodium_memcmp(recs + i * BC_INGEST_CLAIM_REC, pkey, 32))
			rec = recs + i * BC_INGEST_CLAIM_REC;
	if (!rec) {
		bc_error_set(err, bc_err_state, "this patient has no claim in the state of %s: was the breach ingested "
			     "again without --notices, or with another key?", key_path);
		goto out;
	}
	if (oprf_evaluate(OPRF_MODE_VOPRF, key->sk_s, (const uint8_t *)input, len, NULL, 0, y) != 0) {
		bc_error_set(err, bc_err_internal, "the claim evaluation failed");
		goto out;
	}
	/* every breach of the state, this one's range noted */
	json_array_foreach(json_object_get(cat, "breaches"), i, b) {
		const char *name = json_string_value(json_object_get(b, "name"));
		uint32_t bid = (uint32_t)json_integer_value(json_object_get(b, "id"));
		size_t before = n;

		if (bc_ingest_load_breach_state(sdir, bid, key->pk_s, &items, &n, &cap, err) != 0)
			goto out;
		if (name && !strcasecmp(name, breach)) {
			id = bid;
			start = before;
			end = n;
		}
	}
	for (i = start; i < end && !found; i++)
		if (!sodium_memcmp(items[i].y, rec + 32, BC_Y_BYTES)) {
			memcpy(items[i].y, y, BC_Y_BYTES);
			found = 1;
		}
	if (!id || !found) {
		bc_error_set(err, bc_err_state, "the claim of this patient is not in the state of breach %s", breach);
		goto out;
	}
	memcpy(rec + 32, y, BC_Y_BYTES);
	if (bc_ingest_save_breach_state(sdir, id, key->pk_s, items + start, end - start, err) != 0 ||
	    bc_ingest_save_claims(sdir, breach, key->pk_s, recs, n_recs, err) != 0)
		goto out;
	/* the published catalogue as it is */
	pub = json_object_get((const json_t *)bc_index_json(ix), "breaches");
	breaches_text = pub ? json_dumps(pub, JSON_PRESERVE_ORDER | JSON_COMPACT) : NULL;
	if (!breaches_text) {
		bc_error_set(err, bc_err_bad_index, "the index %s has no catalogue", index_dir);
		goto out;
	}
	memset(&bp, 0, sizeof(bp));
	bp.anonymity = bc_index_min_real_entries(ix) ? bc_index_min_real_entries(ix) : BC_DEFAULT_ANONYMITY;
	bp.pk_s = key->pk_s;
	bp.pk_v = key->pk_v;
	bp.breaches_json = breaches_text;
	bp.dir_locked = 1;
	bc_index_free(ix);
	ix = NULL;
	if (bc_index_publish(index_dir, items, n, &bp, &res, err) != 0)
		goto out;
	ret = 0;
out:
	sodium_memzero(y, sizeof(y));
	if (items) {
		sodium_memzero(items, cap * sizeof(*items));
		free(items);
	}
	if (recs) {
		sodium_memzero(recs, n_recs * BC_INGEST_CLAIM_REC);
		free(recs);
	}
	free(breaches_text);
	json_decref(cat);
	bc_index_free(ix);
	if (dir_fd >= 0)
		close(dir_fd);
	if (lock_fd >= 0)
		close(lock_fd);
	bc_key_free(key);
	return ret;
}
