#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "client/client.h"
#include "claim/claim.h"
#include "client/internal.h"
#include "normalize/normalize.h"
#include "normalize/text.h"
#include "oprf/keyfile.h"

static int norm_error(struct bc_error *err, const char *field, int status, const char *lang)
{
	return bc_error_set_field(err, bc_err_bad_input, field, "%s: %s", field,
				  bc_norm_message(status, lang));
}

static int add_token(struct bc_client_tokens *t, int kind, const char *a, const char *b,
		     const char *c, struct bc_error *err)
{
	struct bc_client_token *tok = &t->t[t->n];
	int len;

	len = bc_token_input(kind, a, b, c, tok->input, sizeof(tok->input));
	if (len < 0)
		return bc_error_set(err, bc_err_bad_input, "an identifier is too long");
	tok->kind = kind;
	tok->len = (size_t)len;
	t->n++;
	t->checked |= BC_TOKEN_BIT(kind);
	return 0;
}

static int given(const char *s)
{
	return s && *s;
}

/* French for "fr", "FR", "fr-FR", "fr_FR" (as bc_norm_message), else English. */
static const char *tr(const char *lang, const char *en, const char *fr)
{
	int is_fr = lang && (lang[0] == 'f' || lang[0] == 'F') && (lang[1] == 'r' || lang[1] == 'R') &&
		    (lang[2] == '\0' || lang[2] == '-' || lang[2] == '_');

	return is_fr ? fr : en;
}

static size_t count_digits(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += *s >= '0' && *s <= '9';
	return n;
}

/* Month names people type (French and English, full or abbreviated), lowercased. */
static const struct {
	const char *name;
	int month;
} month_names[] = {
	{ "janvier", 1 }, { "janv", 1 }, { "jan", 1 }, { "january", 1 },
	{ "fevrier", 2 }, { "f\xc3\xa9vrier", 2 }, { "fevr", 2 }, { "f\xc3\xa9vr", 2 },
	{ "fev", 2 }, { "f\xc3\xa9v", 2 }, { "feb", 2 }, { "february", 2 },
	{ "mars", 3 }, { "mar", 3 }, { "march", 3 },
	{ "avril", 4 }, { "avr", 4 }, { "apr", 4 }, { "april", 4 },
	{ "mai", 5 }, { "may", 5 },
	{ "juin", 6 }, { "jun", 6 }, { "june", 6 },
	{ "juillet", 7 }, { "juil", 7 }, { "jul", 7 }, { "july", 7 },
	{ "aout", 8 }, { "ao\xc3\xbbt", 8 }, { "aug", 8 }, { "august", 8 },
	{ "septembre", 9 }, { "sept", 9 }, { "sep", 9 }, { "september", 9 },
	{ "octobre", 10 }, { "oct", 10 }, { "october", 10 },
	{ "novembre", 11 }, { "nov", 11 }, { "november", 11 },
	{ "decembre", 12 }, { "d\xc3\xa9" "cembre", 12 }, { "dec", 12 }, { "d\xc3\xa9" "c", 12 },
	{ "december", 12 },
};

/* A day, a month (number or name) or a year: digits only, or a month name. */
static int date_part(const char *w, size_t n, int want_month)
{
	char low[16];
	size_t i;
	int v = 0;

	if (n && n < sizeof(low) && w[n - 1] == '.')
		n--;                     /* "janv." */
	if (n == 0 || n >= sizeof(low))
		return -1;
	if (!want_month && n == 3 && w[0] == '1' && (w[1] | 0x20) == 'e' && (w[2] | 0x20) == 'r')
		return 1;           /* "1er", "1ER" */
	for (i = 0; i < n && w[i] >= '0' && w[i] <= '9'; i++)
		v = v * 10 + (w[i] - '0');
	if (i == n)
		return n <= 4 ? v : -1;
	if (!want_month)
		return -1;
	/* ASCII and Latin-1 upper case (UTF-8 C3 80..9E) to lower case */
	for (i = 0; i < n; i++) {
		low[i] = w[i] >= 'A' && w[i] <= 'Z' ? (char)(w[i] + 32) : w[i];
		if (i && (unsigned char)w[i - 1] == 0xC3 && (unsigned char)w[i] >= 0x80 &&
		    (unsigned char)w[i] <= 0x9E)
			low[i] = (char)(w[i] + 0x20);
	}
	low[n] = 0;
	for (i = 0; i < sizeof(month_names) / sizeof(month_names[0]); i++)
		if (!strcmp(low, month_names[i].name))
			return month_names[i].month;
	return -1;
}

/*
 * Query-time only: a date typed as three words ("03 07 1985", "3 juillet 1985",
 * "1er mai 1985", "3 July 1985", "30 / 05 / 1968") rewritten as D/M/Y for
 * bc_norm_dob, which then decides (range, impossible dates, two-digit years).
 * Returns 0 with out set, -1 if the input does not have that shape.
 */
static int date_sep(const char *p, const char *start)
{
	return *p == ' ' || *p == '\t' || *p == '/' || *p == ',' || *p == '-' ||
	       (*p == '.' && (p == start || (p[-1] >= '0' && p[-1] <= '9') || p[-1] == ' '));
}

static int dob_words(const char *in, char *out, size_t outsize)
{
	const char *w[3], *p = in;
	size_t n[3], k = 0;
	int d, m;

	while (*p) {
		while (*p && date_sep(p, in))
			p++;
		if (!*p)
			break;
		if (k == 3)
			return -1;
		w[k] = p;
		while (*p && !date_sep(p, in))
			p++;
		n[k] = (size_t)(p - w[k]);
		k++;
	}
	if (k == 3 && n[0] == 4 && n[2] <= 2) {
		/* year first: "1985 07 03", "1985/07/03" */
		const char *tw = w[0];
		size_t tn = n[0];

		w[0] = w[2];
		n[0] = n[2];
		w[2] = tw;
		n[2] = tn;
	}
	if (k != 3 || (n[2] != 2 && n[2] != 4))
		return -1;
	d = date_part(w[0], n[0], 0);
	m = date_part(w[1], n[1], 1);
	if (d < 0 || m < 0 || date_part(w[2], n[2], 0) < 0)
		return -1;
	return snprintf(out, outsize, "%d/%d/%.*s", d, m, (int)n[2], w[2]) < (int)outsize ? 0
											  : -1;
}

#define DOB_IMPOSSIBLE 1   /* understood as day, month, year, but no such date of birth */

static int norm_dob_query(const char *in, const struct tm *today, char *dob)
{
	char words[64];
	int st = bc_norm_dob(in, strlen(in), today, dob, BC_DOB_BYTES);
	int shaped = strlen(in) < 48 && !dob_words(in, words, sizeof(words));

	if (st == BC_NORM_INVALID_DATE && shaped)
		st = bc_norm_dob(words, strlen(words), today, dob, BC_DOB_BYTES);
	if (st == BC_NORM_INVALID_DATE && shaped)
		st = DOB_IMPOSSIBLE;
	sodium_memzero(words, sizeof(words));
	return st;
}

/*
 * One --last-name value may hold two names ("DUPONT épouse MARTIN", "MARTIN
 * née DUPONT"): split it as ingest splits the leaked field (DESIGN.md §4) and
 * add each distinct canonical name to last[] (at most BC_QUERY_MAX_LAST_NAMES).
 */
static int add_last_names(const char *in, char last[][BC_NAME_MAX], size_t *n_last,
			  const char *lang, struct bc_error *err)
{
	struct bc_span part[2];
	char tmp[BC_NAME_MAX];
	size_t i, j, len = strlen(in);
	int st, ret = -1;

	bc_split_name_field(in, len, &part[0], &part[1]);
	if (!part[0].len && !part[1].len) {
		part[0].off = 0;
		part[0].len = len;
	}
	for (i = 0; i < 2; i++) {
		if (!part[i].len)
			continue;
		st = bc_norm_last_name(in + part[i].off, part[i].len, tmp, sizeof(tmp));
		if (st) {
			norm_error(err, "--last-name", st, lang);
			goto out;
		}
		for (j = 0; j < *n_last && strcmp(last[j], tmp); j++)
			;
		if (j < *n_last)
			continue;
		if (*n_last == BC_QUERY_MAX_LAST_NAMES) {
			bc_error_set_field(err, bc_err_bad_input, "--last-name", "%s",
					   tr(lang,
					      "--last-name: at most two different last names (birth "
					      "and usage name)",
					      "--last-name : au plus deux noms différents (nom de "
					      "naissance et nom d'usage)"));
			goto out;
		}
		memcpy(last[(*n_last)++], tmp, sizeof(tmp));
	}
	ret = 0;
out:
	sodium_memzero(tmp, sizeof(tmp));
	return ret;
}

/*
 * A claim check (DESIGN.md §6): the code, refused by its check symbol
 * before any request, then one claim token with the NIR and one with the
 * date of birth, each given one. Only claim tokens: the public tier is not
 * asked (a claim check looks like any other one: the batch is padded).
 */
static int prepare_claim(const struct bc_query *q, const struct tm *today, const char *lang,
			 struct bc_client_tokens *t, struct bc_error *err)
{
	char code[BC_CLAIM_CANON_BYTES], nir[BC_NIR_BYTES], dob[BC_DOB_BYTES];
	struct bc_client_token *tk;
	int st, ret = -1, len;

	st = bc_claim_canon(q->claim_code, strlen(q->claim_code), code);
	if (st != BC_CLAIM_OK) {
		bc_error_set_field(err, bc_err_bad_input, "--claim", "%s", bc_claim_status_message(st, lang));
		goto out;
	}
	nir[0] = dob[0] = '\0';
	if (given(q->nir)) {
		st = bc_norm_nir(q->nir, strlen(q->nir), nir, sizeof(nir), NULL);
		if (st) {
			norm_error(err, "--nir", st, lang);
			goto out;
		}
	}
	if (given(q->dob) && norm_dob_query(q->dob, today, dob) != 0) {
		bc_error_set_field(err, bc_err_bad_input, "--dob", "--dob: %s",
				   tr(lang, "date of birth not understood: DD/MM/YYYY",
				      "date de naissance non comprise : JJ/MM/AAAA"));
		goto out;
	}
	if (!nir[0] && !dob[0]) {
		bc_error_set(err, bc_err_no_identifier, "%s",
			     tr(lang, "a claim code is used with your social security number or your date of birth",
				"le code d'un courrier s'utilise avec votre numéro de sécurité sociale ou votre date "
				"de naissance"));
		goto out;
	}
	if (nir[0]) {
		tk = &t->t[t->n];
		if ((len = bc_claim_oprf_input(code, nir, NULL, tk->input, sizeof(tk->input))) < 0)
			goto bad;
		tk->kind = BC_TOKEN_CLAIM;
		tk->len = (size_t)len;
		t->n++;
	}
	if (dob[0]) {
		tk = &t->t[t->n];
		if ((len = bc_claim_oprf_input(code, NULL, dob, tk->input, sizeof(tk->input))) < 0)
			goto bad;
		tk->kind = BC_TOKEN_CLAIM;
		tk->len = (size_t)len;
		t->n++;
	}
	t->checked |= BC_TOKEN_BIT(BC_TOKEN_CLAIM);
	ret = 0;
	goto out;
bad:
	bc_error_set(err, bc_err_internal, "claim input too long");
out:
	if (ret)
		sodium_memzero(t, sizeof(*t));
	sodium_memzero(code, sizeof(code));
	sodium_memzero(nir, sizeof(nir));
	sodium_memzero(dob, sizeof(dob));
	return ret;
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
	if (given(q->claim_code))
		return prepare_claim(q, today, lang, t, err);
	if (q->n_last_names > BC_QUERY_MAX_LAST_NAMES) {
		bc_error_set_field(err, bc_err_bad_input, "--last-name", "%s",
				   tr(lang,
				      "--last-name: give at most two last names (birth and usage)",
				      "--last-name : au plus deux noms (naissance et usage)"));
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
		if (add_last_names(q->last_names[i], last, &n_last, lang, err))
			goto out;
	}
	if (given(q->first_name)) {
		st = bc_norm_first_name(q->first_name, strlen(q->first_name), first, sizeof(first));
		if (st) {
			norm_error(err, "--first-name", st, lang);
			goto out;
		}
	}
	if (given(q->dob)) {
		st = norm_dob_query(q->dob, today, dob);
		if (st == DOB_IMPOSSIBLE) {
			bc_error_set_field(err, bc_err_bad_input, "--dob", "--dob: %s",
					   tr(lang,
					      "no such date of birth (impossible date, before 1890 "
					      "or in the future): check the day, month and year, "
					      "DD/MM/YYYY",
					      "date de naissance impossible (date inexistante, avant "
					      "1890 ou dans le futur) : vérifiez le jour, le mois et "
					      "l'année, JJ/MM/AAAA"));
			goto out;
		}
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
		/* the normaliser reads the first number: refuse a second one rather than
		 * silently check only the first ("06 ... ou 07 ...") */
		if (count_digits(q->phone) > count_digits(phone) + 3) {
			bc_error_set_field(err, bc_err_bad_input, "--phone", "%s",
					   tr(lang,
					      "--phone: one phone number at a time (run the check "
					      "again for the other)",
					      "--phone : un seul numéro à la fois (relancez la "
					      "vérification pour l'autre)"));
			goto out;
		}
		if (add_token(t, BC_TOKEN_PHONE, phone, NULL, NULL, err))
			goto out;
	}
	if (t->n == 0) {
		if (t->incomplete_namedob)
			bc_error_set_field(err, bc_err_incomplete_namedob, t->missing, "%s%s",
					   tr(lang,
					      "checking by name needs last name, first name and "
					      "date of birth together: add ",
					      "la vérification par le nom demande ensemble nom, "
					      "prénom et date de naissance : ajoutez "),
					   t->missing);
		else
			bc_error_set(err, bc_err_no_identifier, "%s",
				     tr(lang,
					"give at least one identifier: --nir, --email, --phone, or "
					"--last-name with --first-name and --dob",
					"donnez au moins un identifiant : --nir, --email, --phone, "
					"ou --last-name avec --first-name et --dob"));
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
	size_t i, n = bc_index_n_breaches(be->idx);

	free(be->breaches);
	be->breaches = calloc(n ? n : 1, sizeof(*be->breaches));
	if (!be->breaches)
		return bc_error_set(err, bc_err_io, "out of memory");
	for (i = 0; i < n; i++)
		be->breaches[i] = *bc_index_breach(be->idx, i);
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
		return bc_error_set(err, bc_err_internal, "the evaluation failed");
	return 0;
}

/* Shared by every backend that holds the whole buckets.bin: check the bucket read. */
int bc_client_index_bucket(struct bc_client_backend *be, uint32_t i, const uint8_t **data,
			   struct bc_error *err)
{
	size_t len;

	*data = bc_index_bucket_ptr(be->idx, i, &len);
	if (!*data)
		return bc_error_set(err, bc_err_bad_index, "bucket out of range");
	if (bc_index_verify_bucket(be->idx, i))
		return bc_error_set(err, bc_err_bad_hash,
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
	local_evaluate, bc_client_index_bucket, local_release, 0,
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
		bc_error_set(err, bc_err_key_mismatch,
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

/* A match of bc_index_find_in: into the report, as breach i of be->breaches
 * (the index's catalogue order). */
static int add_match(size_t i, const struct bc_breach *breach, const struct bc_payload *p,
		     void *arg, struct bc_error *err)
{
	(void)breach;
	return bc_report_add(arg, i, p, err);
}

/* Look the tags of one OPRF output up in its bucket (already read), per breach. */
static int lookup_token(struct bc_client_backend *be, const uint8_t y[OPRF_OUTPUT_BYTES],
			const uint8_t *bucket, struct bc_report *report, struct bc_error *err)
{
	return bc_index_find_in(be->idx, bucket, bc_index_bucket_entries(be->idx), y, add_match,
				report, err) < 0 ? -1 : 0;
}

/*
 * The token slot of token i (bc_client_prepare's order: nir, namedob...,
 * email, phone): nir 0, namedob 1 and 2, email 3, phone 4; slot 5 is spare
 * (a sixth token kind). One slot per token, so each slot reads either its
 * token's bucket or the session's padding bucket of that slot.
 */
static size_t token_slot(const struct bc_client_tokens *t, size_t i)
{
	size_t j, nth = 0;

	switch (t->t[i].kind) {
	case BC_TOKEN_NIR:
		return 0;
	case BC_TOKEN_NAMEDOB:
		for (j = 0; j < i; j++)
			nth += t->t[j].kind == BC_TOKEN_NAMEDOB;
		return nth ? 2 : 1;
	case BC_TOKEN_EMAIL:
		return 3;
	case BC_TOKEN_PHONE:
		return 4;
	case BC_TOKEN_CLAIM:
		/* a claim query holds claims only: the spare slot, then a namedob's */
		for (j = 0; j < i; j++)
			nth += t->t[j].kind == BC_TOKEN_CLAIM;
		return nth ? 2 : 5;
	default:
		return 5;
	}
}

/*
 * The session's padding bucket of slot s: uniform in [0, n_buckets) by
 * rejection from keyed BLAKE2b-64(pad_key, "bc pad" || index_id || s || ctr).
 * Depends on the key, the index and the slot only, never on a real bucket.
 */
static uint32_t pad_bucket(const uint8_t key[BC_CLIENT_PAD_KEY_BYTES], const char *index_id,
			   uint32_t s, uint32_t n_buckets)
{
	crypto_generichash_state st;
	uint8_t h[8], ctr4[4];
	uint32_t ctr, v, lim;

	if (n_buckets <= 1)
		return 0;
	lim = (uint32_t)((0x100000000ull / n_buckets) * n_buckets - 1);
	for (ctr = 0;; ctr++) {
		uint8_t s4[4] = { (uint8_t)s, (uint8_t)(s >> 8), (uint8_t)(s >> 16),
				  (uint8_t)(s >> 24) };

		ctr4[0] = (uint8_t)ctr;
		ctr4[1] = (uint8_t)(ctr >> 8);
		ctr4[2] = (uint8_t)(ctr >> 16);
		ctr4[3] = (uint8_t)(ctr >> 24);
		crypto_generichash_init(&st, key, BC_CLIENT_PAD_KEY_BYTES, sizeof(h));
		crypto_generichash_update(&st, (const uint8_t *)"bc pad", 6);
		crypto_generichash_update(&st, (const uint8_t *)index_id, strlen(index_id));
		crypto_generichash_update(&st, s4, 4);
		crypto_generichash_update(&st, ctr4, 4);
		crypto_generichash_final(&st, h, sizeof(h));
		v = (uint32_t)h[0] << 24 | (uint32_t)h[1] << 16 | (uint32_t)h[2] << 8 | h[3];
		if (v <= lim)
			return v % n_buckets;
	}
}

int bc_client_check(struct bc_client_backend *be, const struct bc_client_tokens *t,
		    struct bc_report *report, struct bc_error *err)
{
	uint8_t blind[BC_CLIENT_MAX_TOKENS][OPRF_SCALAR_BYTES];
	uint8_t blinded[BC_CLIENT_BATCH * OPRF_ELEMENT_BYTES];
	uint8_t evaluated[BC_CLIENT_BATCH * OPRF_ELEMENT_BYTES];
	uint8_t proof[OPRF_PROOF_BYTES];
	uint8_t y[BC_CLIENT_MAX_TOKENS][OPRF_OUTPUT_BYTES];
	uint32_t bkt[BC_CLIENT_MAX_TOKENS], reads[BC_CLIENT_MAX_READS], r, n_buckets;
	int done[BC_CLIENT_MAX_TOKENS] = { 0 };
	const uint8_t *bucket;
	size_t i, at, n, n_reads = 0, batch = be->max_batch ? be->max_batch : 1;
	int ret = -1;

	bc_report_init(report, be->breaches, be->n_breaches, t->checked);
	if (t->n > BC_CLIENT_MAX_TOKENS) {
		bc_error_set(err, bc_err_internal, "too many tokens");
		goto out;
	}
	for (i = 0; i < t->n; i++) {
		if (oprf_blind(OPRF_MODE_VOPRF, (const uint8_t *)t->t[i].input, t->t[i].len,
			       blind[i], blinded + i * OPRF_ELEMENT_BYTES)) {
			bc_error_set(err, bc_err_internal, "blinding failed");
			goto out;
		}
	}
	/*
	 * Pad the batch with random elements to BC_CLIENT_BATCH, as the page
	 * does, so the evaluator does not learn how many identifiers were given.
	 */
	for (; i < BC_CLIENT_BATCH; i++)
		crypto_core_ristretto255_random(blinded + i * OPRF_ELEMENT_BYTES);
	/* One evaluate call for the whole query unless the evaluator's batch is smaller. */
	for (at = 0; at < BC_CLIENT_BATCH; at += n) {
		n = BC_CLIENT_BATCH - at < batch ? BC_CLIENT_BATCH - at : batch;
		if (be->ops->evaluate(be, blinded + at * OPRF_ELEMENT_BYTES, n,
				      evaluated + at * OPRF_ELEMENT_BYTES, proof, err))
			goto out;
		if (oprf_verify_proof(OPRF_MODE_VOPRF, be->pk_s, NULL, 0,
				      blinded + at * OPRF_ELEMENT_BYTES,
				      evaluated + at * OPRF_ELEMENT_BYTES, n, proof)) {
			bc_error_set(err, bc_err_bad_proof,
				     "the server's proof does not verify against its public key: "
				     "the answer cannot be trusted");
			goto out;
		}
	}
	for (i = 0; i < t->n; i++) {
		if (oprf_finalize(OPRF_MODE_VOPRF, (const uint8_t *)t->t[i].input, t->t[i].len,
				  blind[i], evaluated + i * OPRF_ELEMENT_BYTES, NULL, 0, y[i])) {
			bc_error_set(err, bc_err_bad_proof, "an evaluated element is invalid");
			goto out;
		}
	}
	/*
	 * Bucket reads (DESIGN.md §2.3). Unpadded backends (the whole index is
	 * here): each distinct bucket once. Padded (fetch mode, what the bucket
	 * host sees is as the page's): one read per token slot, the slot's real
	 * bucket or the session's padding bucket of that slot, repeats kept,
	 * in random order. The padding never depends on the real buckets, and a
	 * later check of the same session reads the same padding in the slots it
	 * leaves empty (docs/page.md "Padding").
	 */
	n_buckets = bc_index_n_buckets(be->idx);
	for (i = 0; i < t->n; i++)
		bkt[i] = bc_index_bucket(y[i], bc_index_salt(be->idx), bc_index_bucket_bits(be->idx));
	if (be->ops->pad_reads) {
		uint32_t slot_bucket[BC_CLIENT_PAD_READS];
		int filled[BC_CLIENT_PAD_READS] = { 0 };

		if (!be->pad_key_set) {
			randombytes_buf(be->pad_key, sizeof(be->pad_key));
			be->pad_key_set = 1;
		}
		for (i = 0; i < t->n; i++) {
			at = token_slot(t, i);
			slot_bucket[at] = bkt[i];
			filled[at] = 1;
		}
		for (at = 0; at < BC_CLIENT_PAD_READS; at++)
			reads[n_reads++] = filled[at] ? slot_bucket[at]
						      : pad_bucket(be->pad_key, bc_index_id(be->idx),
								   (uint32_t)at, n_buckets);
	} else {
		for (i = 0; i < t->n; i++) {
			for (at = 0; at < n_reads && reads[at] != bkt[i]; at++)
				;
			if (at == n_reads)
				reads[n_reads++] = bkt[i];
		}
	}
	for (i = n_reads; i > 1; i--) {
		at = randombytes_uniform((uint32_t)i);
		r = reads[i - 1];
		reads[i - 1] = reads[at];
		reads[at] = r;
	}
	for (at = 0; at < n_reads; at++) {
		if (be->ops->bucket(be, reads[at], &bucket, err))
			goto out;
		for (i = 0; i < t->n; i++) {
			if (done[i] || bkt[i] != reads[at])
				continue;
			done[i] = 1;
			if (lookup_token(be, y[i], bucket, report, err))
				goto out;
		}
	}
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
	struct passwd *pw;
	int n;

	/* XDG Base Directory: a relative XDG_CACHE_HOME is ignored */
	if (!home || *home != '/') {
		pw = getpwuid(getuid());
		home = pw && pw->pw_dir && *pw->pw_dir == '/' ? pw->pw_dir : NULL;
	}
	if (xdg && *xdg == '/')
		n = snprintf(buf, bufsize, "%s/breachcheck", xdg);
	else if (home)
		n = snprintf(buf, bufsize, "%s/.cache/breachcheck", home);
	else
		return -1;
	return n > 0 && (size_t)n < bufsize ? 0 : -1;
}

/* ---- email verification (DESIGN.md §6, docs/verify.md) ---- */

struct verified_hit {
	struct bc_client_backend *be;
	struct bc_report *report;
	int failed;
	struct bc_error *err;
};

static void add_verified(const struct bc_breach *breach, const struct bc_payload *p, void *arg)
{
	struct verified_hit *h = arg;
	size_t i;

	for (i = 0; i < h->be->n_breaches; i++)
		if (h->be->breaches[i].id == breach->id)
			break;
	if (i == h->be->n_breaches || p->kind != BC_TOKEN_VERIFIED ||
	    bc_report_add(h->report, i, p, h->err))
		h->failed = 1;
}

int bc_client_verified_check(struct bc_client_backend *be, const char *email, const char *nir,
			     int (*get_code)(void *arg, char code[7]), void *arg,
			     struct bc_report *report, struct bc_error *err)
{
	char *s = NULL, id[64];
	char *mail, *nir13, *input, *code;
	uint8_t blind[OPRF_SCALAR_BYTES], blinded[OPRF_ELEMENT_BYTES], evaluated[OPRF_ELEMENT_BYTES];
	uint8_t proof[OPRF_PROOF_BYTES], y[OPRF_OUTPUT_BYTES];
	struct verified_hit h = { be, report, 0, err };
	int len, st, tries, ret = -1;

	memset(report, 0, sizeof(*report));
	if (sodium_init() < 0 || (s = sodium_malloc(BC_EMAIL_MAX + BC_NIR_BYTES + BC_CLIENT_INPUT_MAX + 8)) == NULL)
		return bc_error_set(err, bc_err_out_of_memory, "out of memory");
	mail = s;
	nir13 = mail + BC_EMAIL_MAX;
	input = nir13 + BC_NIR_BYTES;
	code = input + BC_CLIENT_INPUT_MAX;
	st = bc_norm_email(email ? email : "", email ? strlen(email) : 0, mail, BC_EMAIL_MAX);
	if (st != BC_NORM_OK) {
		bc_error_set_field(err, bc_err_bad_input, "email", "%s", bc_norm_message(st, "en"));
		goto out;
	}
	st = bc_norm_nir(nir ? nir : "", nir ? strlen(nir) : 0, nir13, BC_NIR_BYTES, NULL);
	if (st != BC_NORM_OK) {
		bc_error_set_field(err, bc_err_bad_input, "nir", "%s", bc_norm_message(st, "en"));
		goto out;
	}
	len = bc_token_input(BC_TOKEN_VERIFIED, nir13, NULL, NULL, input, BC_CLIENT_INPUT_MAX);
	if (len <= 0 || oprf_blind(OPRF_MODE_POPRF, (const uint8_t *)input, (size_t)len, blind, blinded)) {
		bc_error_set(err, bc_err_internal, "cannot blind the verified token");
		goto out;
	}
	if (bc_client_remote_verify_start(be, mail, id, err))
		goto out;
	/* A mistyped code: ask again (the server takes BC_CLIENT_CODE_TRIES
	 * wrong codes; a new start would be refused while this code lives).
	 * When get_code gives up after a wrong code, that error stays. */
	for (tries = 0;; tries++) {
		if (get_code(arg, code)) {
			if (tries == 0)
				bc_error_set(err, bc_err_cancelled, "no code given: the verification was not finished");
			goto out;
		}
		if (bc_client_remote_verify_evaluate(be, id, code, blinded, evaluated, proof, err) == 0)
			break;
		if (strcmp(err->code, bc_err_code_invalid) != 0 || tries + 1 >= BC_CLIENT_CODE_TRIES)
			goto out;
	}
	if (oprf_verify_proof(OPRF_MODE_POPRF, bc_index_verified_public_key(be->idx), (const uint8_t *)mail,
			      strlen(mail), blinded, evaluated, 1, proof) ||
	    oprf_finalize(OPRF_MODE_POPRF, (const uint8_t *)input, (size_t)len, blind, evaluated,
			  (const uint8_t *)mail, strlen(mail), y)) {
		bc_error_set(err, bc_err_bad_proof,
			     "the server's proof does not verify against its verified public key: refusing the answer");
		goto out;
	}
	bc_report_init(report, be->breaches, be->n_breaches, BC_TOKEN_BIT(BC_TOKEN_VERIFIED));
	if (bc_index_find(be->idx, y, 1, add_verified, &h, err) < 0 || h.failed) {
		if (!err->code || !*err->code)
			bc_error_set(err, bc_err_bad_entry, "a verified entry does not decrypt: corrupt index");
		bc_report_release(report);
		goto out;
	}
	ret = 0;
out:
	sodium_memzero(blind, sizeof(blind));
	sodium_memzero(y, sizeof(y));
	sodium_free(s);
	return ret;
}
