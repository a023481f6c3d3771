#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>
#include <sodium.h>

#include "oprf/keyfile.h"
#include "oprf/oprf.h"
#include "tinyindex.h"

int tiny_key_write(const char *path, const uint8_t seed[32])
{
	char hex[65];
	FILE *f;

	sodium_bin2hex(hex, sizeof(hex), seed, 32);
	f = fopen(path, "w");
	if (!f)
		return -1;
	fprintf(f, "breachcheck-key v1\nseed %s\n", hex);
	fclose(f);
	return chmod(path, 0600);
}

static int cmp_entry(const void *a, const void *b)
{
	return memcmp(a, b, BC_TAG_BYTES);
}

static void b64(json_t *o, const char *key, const uint8_t *p, size_t n)
{
	char buf[128];

	bc_b64url_encode(p, n, buf);
	json_object_set_new(o, key, json_string(buf));
}

static int write_file(const char *dir, const char *name, const void *p, size_t n)
{
	char path[1024];
	FILE *f;
	int ret;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (!f)
		return -1;
	ret = fwrite(p, 1, n, f) == n ? 0 : -1;
	fclose(f);
	return ret;
}

int tiny_index_build(const char *dir, const uint8_t seed[32], unsigned bucket_bits,
		     uint32_t bucket_entries, const struct tiny_token *t, size_t n,
		     const char *breaches_json)
{
	uint32_t nb = 1u << bucket_bits, *load, b, i;
	size_t blen = (size_t)nb * bucket_entries * BC_ENTRY_BYTES;
	uint8_t *buckets = NULL, *hashes = NULL, *verified = NULL;
	uint8_t sk[32], pk[32], skv[32], pkv[32], salt[32], y[64], tag[16], k[32], raw[16];
	uint8_t vhash[32], id[16];
	char hex[33];
	crypto_generichash_state st;
	json_t *j = NULL, *arr, *br;
	char *text = NULL;
	int ret = -1;

	if (sodium_init() < 0)
		return -1;
	load = calloc(nb, sizeof(*load));
	buckets = malloc(blen);
	hashes = malloc((size_t)nb * 32);
	verified = malloc(64 * BC_ENTRY_BYTES);
	if (!load || !buckets || !hashes || !verified)
		goto out;
	mkdir(dir, 0755);
	oprf_derive_keypair(OPRF_MODE_VOPRF, seed, (const uint8_t *)BC_KEY_INFO_STANDARD,
			    strlen(BC_KEY_INFO_STANDARD), sk, pk);
	oprf_derive_keypair(OPRF_MODE_POPRF, seed, (const uint8_t *)BC_KEY_INFO_VERIFIED,
			    strlen(BC_KEY_INFO_VERIFIED), skv, pkv);
	randombytes_buf(salt, sizeof(salt));
	randombytes_buf(buckets, blen);
	randombytes_buf(verified, 64 * BC_ENTRY_BYTES);
	for (i = 0; i < n; i++) {
		if (oprf_evaluate(OPRF_MODE_VOPRF, sk, (const uint8_t *)t[i].input,
				  strlen(t[i].input), NULL, 0, y))
			goto out;
		b = bc_index_bucket(y, salt, bucket_bits);
		if (load[b] == bucket_entries)
			goto out;
		bc_index_tag(y, salt, t[i].breach_id, tag);
		bc_index_key(y, salt, t[i].breach_id, k);
		bc_payload_pack(&t[i].payload, raw);
		bc_entry_seal(k, raw, tag,
			      buckets + ((size_t)b * bucket_entries + load[b]) * BC_ENTRY_BYTES);
		load[b]++;
	}
	for (b = 0; b < nb; b++) {
		uint8_t *p = buckets + (size_t)b * bucket_entries * BC_ENTRY_BYTES;

		qsort(p, bucket_entries, BC_ENTRY_BYTES, cmp_entry);
		crypto_generichash(hashes + (size_t)b * 32, 32, p,
				   (size_t)bucket_entries * BC_ENTRY_BYTES, NULL, 0);
	}
	qsort(verified, 64, BC_ENTRY_BYTES, cmp_entry);
	crypto_generichash(vhash, 32, verified, 64 * BC_ENTRY_BYTES, NULL, 0);
	crypto_generichash_init(&st, NULL, 0, 16);
	crypto_generichash_update(&st, hashes, (size_t)nb * 32);
	crypto_generichash_update(&st, vhash, 32);
	crypto_generichash_update(&st, salt, 32);
	crypto_generichash_final(&st, id, 16);
	sodium_bin2hex(hex, sizeof(hex), id, 16);

	j = json_object();
	json_object_set_new(j, "format", json_integer(1));
	json_object_set_new(j, "suite", json_string(BC_INDEX_SUITE));
	json_object_set_new(j, "index_id", json_string(hex));
	b64(j, "salt", salt, 32);
	b64(j, "public_key", pk, 32);
	b64(j, "verified_public_key", pkv, 32);
	json_object_set_new(j, "bucket_bits", json_integer(bucket_bits));
	json_object_set_new(j, "bucket_entries", json_integer(bucket_entries));
	json_object_set_new(j, "entry_bytes", json_integer(BC_ENTRY_BYTES));
	json_object_set_new(j, "min_real_entries", json_integer(0));
	json_object_set_new(j, "verified_entries", json_integer(64));
	b64(j, "verified_hash", vhash, 32);
	arr = json_array();
	for (b = 0; b < nb; b++) {
		char buf[64];

		bc_b64url_encode(hashes + (size_t)b * 32, 32, buf);
		json_array_append_new(arr, json_string(buf));
	}
	json_object_set_new(j, "bucket_hashes", arr);
	br = json_loads(breaches_json, 0, NULL);
	if (!br)
		goto out;
	json_object_set_new(j, "breaches", br);
	text = json_dumps(j, JSON_INDENT(1));
	if (!text || write_file(dir, "index.json", text, strlen(text)) ||
	    write_file(dir, "buckets.bin", buckets, blen) ||
	    write_file(dir, "verified.bin", verified, 64 * BC_ENTRY_BYTES))
		goto out;
	ret = 0;
out:
	free(text);
	json_decref(j);
	free(load);
	free(buckets);
	free(hashes);
	free(verified);
	return ret;
}
