/*
 * blinded N: print {"blinded_elements": [...]} with N random ristretto255
 * elements (base64url, as the page and check send them), for the deployment
 * test's rate-limit bursts. Not a real query: the elements blind nothing.
 */
#include <stdio.h>
#include <stdlib.h>

#include <sodium.h>

#include "index/index.h"

int main(int argc, char **argv)
{
	unsigned char e[crypto_core_ristretto255_BYTES];
	char b64[64];
	long n = argc > 1 ? strtol(argv[1], NULL, 10) : 0;
	long i;

	if (n < 1 || n > 64 || sodium_init() < 0) {
		fprintf(stderr, "usage: blinded N (1..64)\n");
		return 2;
	}
	fputs("{\"blinded_elements\":[", stdout);
	for (i = 0; i < n; i++) {
		crypto_core_ristretto255_random(e);
		bc_b64url_encode(e, sizeof(e), b64);
		printf("%s\"%s\"", i ? "," : "", b64);
	}
	puts("]}");
	return 0;
}
