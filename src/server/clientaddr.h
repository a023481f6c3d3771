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
 * Parse one node of X-Forwarded-For or of Forwarded's for= (RFC 7239 §6):
 * "192.0.2.1", "192.0.2.1:4711", "2001:db8::1", "[2001:db8::1]",
 * "[2001:db8::1]:4711", with surrounding spaces or double quotes (len bytes,
 * not NUL-terminated). A port is dropped. Returns 0 with addr set, or -1
 * ("unknown", an obfuscated "_name", anything else).
 */
int bc_server_node_parse(const char *s, size_t len, uint8_t addr[16]);

/*
 * The client's address: the peer, unless the peer is in one of the n
 * trusted networks and the proxy header is given as n_lines NUL-terminated
 * lines in the order received (X-Forwarded-For when forwarded is 0, else
 * Forwarded of RFC 7239, whose elements' for= are read). Then the entries
 * are walked from the last line's rightmost leftwards, and the client is
 * the first entry that is not itself trusted (or the leftmost if all are).
 * An unparsable entry stops the walk, keeping the last trusted hop reached,
 * and adds 1 to *unparsable (if not NULL). At most 64 entries per line
 * are walked (the rightmost ones).
 * Returns 0 with addr set, or -1 if peer is not IPv4/IPv6.
 */
int bc_server_client_addr(const struct sockaddr *peer, const char *const *lines, size_t n_lines,
			  int forwarded, const struct bc_server_cidr *trusted, size_t n,
			  uint8_t addr[16], unsigned *unparsable);

#endif
