#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <sodium.h>

#include "index/build.h"
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

int tiny_index_build(const char *dir, const uint8_t seed[32], const struct tiny_token *t,
		     size_t n, const char *breaches_json)
{
	struct bc_error err = BC_ERROR_INIT;
	struct bc_build_item *items = calloc(n ? n : 1, sizeof(*items));
	struct bc_build_params p = { 0 };
	struct bc_build_result res;
	uint8_t sk[32], pk[32], skv[32], pkv[32];
	size_t i;
	int ret = -1;

	if (!items || sodium_init() < 0)
		goto out;
	oprf_derive_keypair(OPRF_MODE_VOPRF, seed, (const uint8_t *)BC_KEY_INFO_STANDARD,
			    strlen(BC_KEY_INFO_STANDARD), sk, pk);
	oprf_derive_keypair(OPRF_MODE_POPRF, seed, (const uint8_t *)BC_KEY_INFO_VERIFIED,
			    strlen(BC_KEY_INFO_VERIFIED), skv, pkv);
	for (i = 0; i < n; i++) {
		if (oprf_evaluate(OPRF_MODE_VOPRF, sk, (const uint8_t *)t[i].input,
				  strlen(t[i].input), NULL, 0, items[i].y))
			goto out;
		bc_payload_pack(&t[i].payload, items[i].payload);
		items[i].breach_id = t[i].breach_id;
	}
	p.anonymity = 1;
	p.pk_s = pk;
	p.pk_v = pkv;
	p.breaches_json = breaches_json;
	p.threads = 1;
	if (mkdir(dir, 0755) || bc_index_write_files(dir, items, n, &p, &res, &err)) {
		fprintf(stderr, "tiny index: %s\n", err.msg);
		goto out;
	}
	ret = 0;
out:
	sodium_memzero(sk, sizeof(sk));
	sodium_memzero(skv, sizeof(skv));
	free(items);
	return ret;
}
