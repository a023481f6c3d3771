#ifndef BC_SERVER_CLIENTADDR_H
#define BC_SERVER_CLIENTADDR_H

/*
 * Who is the client, for rate limiting only (DESIGN.md §2 point 5): an IPv4
 * address, or the /64 of an IPv6 address; X-Forwarded-For is believed only
 * when the peer is a trusted proxy. The result is a 16-byte key that is
 * never logged.
 */

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "util/error.h"

#define BC_SERVER_CLIENT_KEY_BYTES 16
#define BC_SERVER_MAX_TRUSTED_PROXIES 32

/* A network: 16-byte address (IPv4 as ::ffff:a.b.c.d) and prefix length
 * in bits over those 16 bytes. */
struct bc_server_cidr {
	uint8_t addr[16];
	unsigned bits;
};

/*
 * Parse "a.b.c.d[/n]" (n in 0..32) or an IPv6 "x::y[/n]" (n in 0..128) into
 * out. Returns 0, or -1 with err naming field (e.g. "--trusted-proxy").
 */
int bc_server_cidr_parse(const char *s, struct bc_server_cidr *out, const char *field, struct bc_error *err);

/* 1 if the 16-byte address addr is inside net, else 0. */
int bc_server_cidr_contains(const struct bc_server_cidr *net, const uint8_t addr[16]);

/* Map a sockaddr (AF_INET or AF_INET6) to a 16-byte address (IPv4 as
 * ::ffff:a.b.c.d). Returns 0, or -1 for another family. */
int bc_server_addr_from_sockaddr(const struct sockaddr *sa, uint8_t addr[16]);

/* Parse a textual IPv4 or IPv6 address (surrounding spaces allowed, len
 * bytes, not NUL-terminated) to 16 bytes. Returns 0 or -1. */
int bc_server_addr_parse(const char *s, size_t len, uint8_t addr[16]);

/* The rate-limit key of a 16-byte address: IPv4 kept whole, IPv6 cut to
 * its /64 (rest zero). */
void bc_server_client_key(const uint8_t addr[16], uint8_t key[BC_SERVER_CLIENT_KEY_BYTES]);

/*
 * The client's address: the peer, unless the peer is in one of the n
 * trusted networks and xff (an X-Forwarded-For value, NULL if absent) is
 * given; then the rightmost entry of xff that is not itself trusted (or the
 * leftmost if all are). An unparsable entry stops the walk, keeping the
 * last trusted hop reached.
 * Returns 0 with addr set, or -1 if peer is not IPv4/IPv6.
 */
int bc_server_client_addr(const struct sockaddr *peer, const char *xff,
			  const struct bc_server_cidr *trusted, size_t n, uint8_t addr[16]);

#endif
