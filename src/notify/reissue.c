/* notify --reissue: a new claim code for one patient, after the DPO's identity check (docs/notify.md). */
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <sodium.h>

#include "claim/claim.h"
#include "ingest/ingest.h"
#include "normalize/normalize.h"
#include "notices/notices.h"
#include "notify/notify.h"

static int same(json_t *o, const char *k, const char *v)
{
	const char *s = json_string_value(json_object_get(o, k));

	return s && v[0] && !strcmp(s, v);
}

int bc_notify_reissue(const struct bc_reissue_options *o, char ref[32], struct bc_error *err)
{
	char nir[BC_NIR_BYTES] = "", last[BC_NAME_MAX] = "", first[BC_NAME_MAX] = "", dob[BC_DOB_BYTES] = "";
	char code[BC_CLAIM_CANON_BYTES], printed[BC_CLAIM_PRINTED_BYTES], input[BC_CLAIM_INPUT_MAX];
	char breach[128] = "", pkhex[65] = "", mnir[BC_NIR_BYTES] = "", mdob[BC_DOB_BYTES] = "";
	uint8_t pkey[32], *key = NULL;
	struct bc_notices_reader *rd = NULL;
	struct bc_notices_writer *w = NULL;
	json_t *line;
	size_t matches = 0, kl;
	int rc, len, ret = -1;

	ref[0] = '\0';
	if (o->nir && bc_norm_nir(o->nir, strlen(o->nir), nir, sizeof(nir), NULL) != BC_NORM_OK)
		return bc_error_set_field(err, bc_err_usage, "--nir", "--nir: not a valid NIR (check the last two digits)");
	if (!o->nir && !o->ref &&
	    (!o->last_name || !o->first_name || !o->dob ||
	     bc_norm_last_name(o->last_name, strlen(o->last_name), last, sizeof(last)) != BC_NORM_OK ||
	     bc_norm_first_name(o->first_name, strlen(o->first_name), first, sizeof(first)) != BC_NORM_OK ||
	     bc_norm_dob(o->dob, strlen(o->dob), NULL, dob, sizeof(dob)) != BC_NORM_OK))
		return bc_error_set(err, bc_err_usage, "--reissue needs --nir N, --ref R, or --last-name, --first-name "
				    "and --dob (DD/MM/YYYY)");
	rc = bc_notices_reader_open(&rd, o->dir, err);
	if (rc != 0)
		return rc > 0 ? bc_error_set(err, bc_err_no_notices, "%s holds no notices.jsonl", o->dir) : -1;
	while ((rc = bc_notices_reader_next(rd, &line, err)) == 1) {
		json_t *m = json_object_get(line, "match");
		int hit = o->ref ? same(line, "ref", o->ref)
			: nir[0] ? same(m, "nir", nir)
				 : same(m, "last_name", last) && same(m, "first_name", first) && same(m, "dob", dob);

		if (hit && ++matches == 1) {
			snprintf(ref, 32, "%s", json_string_value(json_object_get(line, "ref")) ? json_string_value(json_object_get(line, "ref")) : "");
			snprintf(breach, sizeof(breach), "%s", json_string_value(json_object_get(line, "breach")) ? json_string_value(json_object_get(line, "breach")) : "");
			snprintf(pkhex, sizeof(pkhex), "%s", json_string_value(json_object_get(line, "pkey")) ? json_string_value(json_object_get(line, "pkey")) : "");
			snprintf(mnir, sizeof(mnir), "%s", same(line, "claim_with", "nir") && json_string_value(json_object_get(m, "nir")) ? json_string_value(json_object_get(m, "nir")) : "");
			snprintf(mdob, sizeof(mdob), "%s", json_string_value(json_object_get(m, "dob")) ? json_string_value(json_object_get(m, "dob")) : "");
		}
		json_decref(line);
	}
	bc_notices_reader_free(rd);
	rd = NULL;
	if (rc < 0)
		goto out;
	if (matches != 1) {
		bc_error_set(err, bc_err_usage, matches ? "%zu notices match: give the reference of the letter (--ref)"
							: "%zu notice matches: check the NIR, or the name and date of birth", matches);
		goto out;
	}
	if (sodium_hex2bin(pkey, sizeof(pkey), pkhex, strlen(pkhex), NULL, &kl, NULL) != 0 || kl != 32) {
		bc_error_set(err, bc_err_corrupt, "the notice %s has no patient key", ref);
		goto out;
	}
	bc_claim_generate(code);
	len = bc_claim_oprf_input(code, mnir, mdob, input, sizeof(input));
	if (len < 0) {
		bc_error_set(err, bc_err_corrupt, "the notice %s has neither a NIR nor a date of birth", ref);
		goto out;
	}
	if (bc_ingest_reissue(o->key_path, o->index_dir, breach, pkey, input, (size_t)len, err) != 0)
		goto out;
	/* the notices, with the new code of this one */
	key = sodium_malloc(BC_NOTICES_KEY_BYTES);
	if (!key || bc_notices_key_load(o->dir, 0, key, err) != 0 ||
	    bc_notices_reader_open(&rd, o->dir, err) != 0 || bc_notices_writer_open(&w, o->dir, key, err) != 0)
		goto out;
	bc_claim_format(code, printed);
	while ((rc = bc_notices_reader_next(rd, &line, err)) == 1) {
		if (same(line, "pkey", pkhex)) {
			char day[16];
			time_t now = time(NULL);
			struct tm tm;

			gmtime_r(&now, &tm);
			strftime(day, sizeof(day), "%Y-%m-%d", &tm);
			json_object_set_new(line, "code", json_string(printed));
			json_object_set_new(line, "reissued", json_string(day));
		}
		rc = bc_notices_writer_add(w, line, err);
		json_decref(line);
		if (rc != 0)
			goto out;
	}
	if (rc < 0 || bc_notices_writer_commit(w, err) != 0)
		goto out;
	ret = 0;
out:
	sodium_memzero(code, sizeof(code));
	sodium_memzero(printed, sizeof(printed));
	sodium_memzero(input, sizeof(input));
	bc_notices_reader_free(rd);
	bc_notices_writer_free(w);
	if (key)
		sodium_free(key);
	return ret;
}
