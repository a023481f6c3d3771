/*
 * bc-server-testtool: the crypto side of the server's end-to-end tests
 * (tests/server/e2e_server.mjs), so that the HTTP side can be driven from
 * node. Synthetic data only (emails on example.org).
 *
 *   mkindex DIR KEYFILE N K     publish an index of N email tokens
 *                               "bc1|email|person<i>@example.org" (breach id 1,
 *                               payload rows = i + 1) with anonymity K; prints
 *                               index_id
 *   blind INPUT                 prints "<blind> <blinded>" (base64url)
 *   verify PK PROOF B1,B2.. E1,E2..
 *                               exit 0 if the batch proof verifies, 1 if not
 *   finalize INPUT BLIND EVALUATED SALT BITS BREACH_ID
 *                               prints "<bucket> <tag hex> <k hex>"
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "index/build.h"
#include "index/index.h"
#include "oprf/keyfile.h"
#include "oprf/oprf.h"
#include "util/base64url.h"

static int dec(const char *s, uint8_t *out, size_t n)
{
	return bc_b64url_decode(s, strlen(s), out, n) == (int)n ? 0 : -1;
}

static void print_b64(const uint8_t *b, size_t n)
{
	char buf[256];

	bc_b64url_encode(b, n, buf);
	fputs(buf, stdout);
}

static void print_hex(const uint8_t *b, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		printf("%02x", b[i]);
}

static int mkindex(const char *dir, const char *keyfile, size_t n, unsigned k)
{
	struct bc_error err = BC_ERROR_INIT;
	struct bc_build_params p;
	struct bc_build_result res;
	struct bc_build_item *items;
	struct bc_key *key = NULL;
	char buf[256], input[128];
	size_t i;
	int ret = 1;

	items = calloc(n, sizeof(*items));
	if (!items || bc_key_load(keyfile, &key, &err) < 0)
		goto out;
	for (i = 0; i < n; i++) {
		struct bc_payload pl = { BC_PAYLOAD_VERSION, BC_TOKEN_EMAIL, (uint16_t)(i + 1),
					 1u << 5, 0, 0, BC_SOURCE_NONE, BC_SOURCE_NONE };
		int len = snprintf(input, sizeof(input), "bc1|email|person%zu@example.org", i);

		if (oprf_evaluate(OPRF_MODE_VOPRF, key->sk_s, (const uint8_t *)input, (size_t)len,
				  NULL, 0, items[i].y) < 0)
			goto out;
		bc_payload_pack(&pl, items[i].payload);
		items[i].breach_id = 1;
	}
	memset(&p, 0, sizeof(p));
	p.anonymity = k;
	p.pk_s = key->pk_s;
	p.pk_v = key->pk_v;
	p.breaches_json =
		"[{\"id\":1,\"name\":\"Test-Breach\",\"title\":\"Synthetic test breach\","
		"\"breach_date\":\"2021-02-23\",\"added_date\":\"2026-11-29\",\"pwn_count\":10,"
		"\"data_classes\":[\"email\"],\"is_sensitive\":true,\"description\":\"synthetic\","
		"\"sources\":[],\"controller\":\"Example controller\",\"dpo_contact\":\"dpo@example.org\","
		"\"complaint_url\":\"https://example.org/complaint\"}]";
	if (bc_index_publish(dir, items, n, &p, &res, &err) < 0)
		goto out;
	printf("%s\n", res.index_id);
	ret = 0;
out:
	if (ret)
		fprintf(stderr, "mkindex: %s\n", bc_error_format(&err, buf, sizeof(buf)));
	bc_key_free(key);
	free(items);
	return ret;
}

static size_t split(char *s, uint8_t *out, size_t max, size_t size)
{
	size_t n = 0;
	char *save = NULL, *tok;

	for (tok = strtok_r(s, ",", &save); tok && n < max; tok = strtok_r(NULL, ",", &save)) {
		if (dec(tok, out + n * size, size) < 0)
			return 0;
		n++;
	}
	return n;
}

int main(int argc, char **argv)
{
	static uint8_t bl[OPRF_MAX_BATCH * 32], ev[OPRF_MAX_BATCH * 32];

	if (sodium_init() < 0)
		return 2;
	if (argc == 6 && !strcmp(argv[1], "mkindex"))
		return mkindex(argv[2], argv[3], strtoul(argv[4], NULL, 10),
			       (unsigned)strtoul(argv[5], NULL, 10));
	if (argc == 3 && !strcmp(argv[1], "blind")) {
		uint8_t blind[32], blinded[32];

		if (oprf_blind(OPRF_MODE_VOPRF, (const uint8_t *)argv[2], strlen(argv[2]), blind,
			       blinded) < 0)
			return 2;
		print_b64(blind, 32);
		putchar(' ');
		print_b64(blinded, 32);
		putchar('\n');
		return 0;
	}
	if (argc == 6 && !strcmp(argv[1], "verify")) {
		uint8_t pk[32], proof[64];
		size_t nb, ne;

		if (dec(argv[2], pk, 32) < 0 || dec(argv[3], proof, 64) < 0)
			return 2;
		nb = split(argv[4], bl, OPRF_MAX_BATCH, 32);
		ne = split(argv[5], ev, OPRF_MAX_BATCH, 32);
		if (!nb || nb != ne)
			return 2;
		return oprf_verify_proof(OPRF_MODE_VOPRF, pk, NULL, 0, bl, ev, nb, proof) == 0 ? 0 : 1;
	}
	if (argc == 8 && !strcmp(argv[1], "finalize")) {
		uint8_t blind[32], e[32], salt[32], y[64], tag[16], k[32];
		unsigned bits = (unsigned)strtoul(argv[6], NULL, 10);
		uint32_t id = (uint32_t)strtoul(argv[7], NULL, 10);

		if (dec(argv[3], blind, 32) < 0 || dec(argv[4], e, 32) < 0 || dec(argv[5], salt, 32) < 0)
			return 2;
		if (oprf_finalize(OPRF_MODE_VOPRF, (const uint8_t *)argv[2], strlen(argv[2]), blind, e,
				  NULL, 0, y) < 0)
			return 2;
		bc_index_tag(y, salt, id, tag);
		bc_index_key(y, salt, id, k);
		printf("%u ", (unsigned)bc_index_bucket(y, salt, bits));
		print_hex(tag, 16);
		putchar(' ');
		print_hex(k, 32);
		putchar('\n');
		return 0;
	}
	fprintf(stderr, "usage: see the comment at the top of tests/server/testtool.c\n");
	return 2;
}
