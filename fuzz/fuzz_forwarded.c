/*
 * libFuzzer target for the client address behind trusted proxies
 * (src/server/clientaddr.c): X-Forwarded-For and Forwarded (RFC 7239) header
 * lines as they arrive from the network. The first byte picks the header
 * kind and how many lines the rest is cut into (at '\n'). Checks, besides
 * the sanitizers: the result is always an address (the peer's when the peer
 * is not trusted, whatever the header); a walk stops at most once (the
 * unparsable count grows by 0 or 1); the same input gives the same answer;
 * a single node parses to the address it names whatever its port.
 * Build: fuzz/run.sh.
 */
#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "server/clientaddr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c)                 \
	do {                     \
		if (!(c))        \
			abort(); \
	} while (0)

#define MAX_LINES 8

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bc_server_cidr trusted[2];
	struct sockaddr_in peer;
	const char *lines[MAX_LINES];
	uint8_t addr[16], again[16], node[16];
	unsigned bad = 0, bad2 = 0;
	size_t n_lines = 0, i;
	int forwarded;
	char *text, *p;

	if (size < 1 || size > 65536)
		return 0;
	forwarded = data[0] & 1;
	text = malloc(size);
	if (!text)
		return 0;
	memcpy(text, data + 1, size - 1);
	text[size - 1] = '\0';
	for (p = text; n_lines < MAX_LINES;) {
		char *nl = strchr(p, '\n');

		lines[n_lines++] = p;
		if (!nl)
			break;
		*nl = '\0';
		p = nl + 1;
	}
	memset(&peer, 0, sizeof(peer));
	peer.sin_family = AF_INET;
	peer.sin_addr.s_addr = htonl(0x7f000001);
	CHECK(bc_server_cidr_parse("127.0.0.0/8", &trusted[0], "fuzz", NULL) == 0);
	CHECK(bc_server_cidr_parse("2001:db8::/32", &trusted[1], "fuzz", NULL) == 0);

	CHECK(bc_server_client_addr((struct sockaddr *)&peer, lines, n_lines, forwarded, trusted, 2,
				    addr, &bad) == 0);
	CHECK(bad <= 1);
	CHECK(bc_server_client_addr((struct sockaddr *)&peer, lines, n_lines, forwarded, trusted, 2,
				    again, &bad2) == 0);
	CHECK(!memcmp(addr, again, 16) && bad == bad2);
	/* not trusted: the peer, whatever the header says */
	CHECK(bc_server_client_addr((struct sockaddr *)&peer, lines, n_lines, forwarded, trusted, 0,
				    addr, &bad) == 0);
	CHECK(addr[10] == 0xff && addr[11] == 0xff && addr[12] == 127 && addr[15] == 1);
	/* one node: with a port appended it is the same address */
	if (n_lines == 1 && bc_server_node_parse(lines[0], strlen(lines[0]), node) == 0) {
		size_t len = strlen(lines[0]);
		char *with_port = malloc(len + 8);

		CHECK(with_port != NULL);
		for (i = 0; i < len && lines[0][i] != ':' && lines[0][i] != '[' && lines[0][i] != '"'; i++)
			;
		if (i == len) { /* a plain IPv4 address */
			memcpy(with_port, lines[0], len);
			memcpy(with_port + len, ":4711", 6);
			CHECK(bc_server_node_parse(with_port, len + 5, again) == 0);
			CHECK(!memcmp(node, again, 16));
		}
		free(with_port);
	}
	free(text);
	return 0;
}
