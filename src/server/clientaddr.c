#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "server/clientaddr.h"

static const uint8_t v4_prefix[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

static int is_v4(const uint8_t addr[16])
{
	return !memcmp(addr, v4_prefix, sizeof(v4_prefix));
}

int bc_server_addr_parse(const char *s, size_t len, uint8_t addr[16])
{
	char buf[INET6_ADDRSTRLEN + 1];
	struct in_addr a4;

	while (len && (*s == ' ' || *s == '\t')) {
		s++;
		len--;
	}
	while (len && (s[len - 1] == ' ' || s[len - 1] == '\t'))
		len--;
	if (len == 0 || len >= sizeof(buf))
		return -1;
	memcpy(buf, s, len);
	buf[len] = '\0';
	if (inet_pton(AF_INET, buf, &a4) == 1) {
		memcpy(addr, v4_prefix, 12);
		memcpy(addr + 12, &a4.s_addr, 4);
		return 0;
	}
	if (inet_pton(AF_INET6, buf, addr) == 1)
		return 0;
	return -1;
}

int bc_server_cidr_parse(const char *s, struct bc_server_cidr *out, const char *field, struct bc_error *err)
{
	const char *slash = strchr(s, '/');
	size_t len = slash ? (size_t)(slash - s) : strlen(s);
	unsigned long bits;
	unsigned max;
	char *end;

	if (bc_server_addr_parse(s, len, out->addr) < 0)
		return bc_error_set_field(err, "bad_field", field,
					  "%s: expected an IPv4 or IPv6 network such as 10.0.0.0/8 or fd00::/8",
					  field);
	max = is_v4(out->addr) && !strchr(s, ':') ? 32 : 128;
	bits = max;
	if (slash) {
		bits = strtoul(slash + 1, &end, 10);
		if (slash[1] < '0' || slash[1] > '9' || *end || bits > max)
			return bc_error_set_field(err, "bad_field", field,
						  "%s: prefix length must be 0..%u", field, max);
	}
	out->bits = (unsigned)(max == 32 ? bits + 96 : bits);
	return 0;
}

int bc_server_cidr_contains(const struct bc_server_cidr *net, const uint8_t addr[16])
{
	unsigned full = net->bits / 8, rest = net->bits % 8;

	if (memcmp(net->addr, addr, full))
		return 0;
	if (rest) {
		uint8_t mask = (uint8_t)(0xff << (8 - rest));

		if ((net->addr[full] & mask) != (addr[full] & mask))
			return 0;
	}
	return 1;
}

int bc_server_addr_from_sockaddr(const struct sockaddr *sa, uint8_t addr[16])
{
	if (!sa)
		return -1;
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)(const void *)sa;

		memcpy(addr, v4_prefix, 12);
		memcpy(addr + 12, &in->sin_addr.s_addr, 4);
		return 0;
	}
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)(const void *)sa;

		memcpy(addr, &in6->sin6_addr, 16);
		return 0;
	}
	return -1;
}

void bc_server_client_key(const uint8_t addr[16], uint8_t key[BC_SERVER_CLIENT_KEY_BYTES])
{
	memcpy(key, addr, 16);
	if (!is_v4(addr))
		memset(key + 8, 0, 8);
}

static int trusted_addr(const uint8_t addr[16], const struct bc_server_cidr *trusted, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (bc_server_cidr_contains(&trusted[i], addr))
			return 1;
	return 0;
}

int bc_server_client_addr(const struct sockaddr *peer, const char *xff,
			  const struct bc_server_cidr *trusted, size_t n, uint8_t addr[16])
{
	const char *end;

	if (bc_server_addr_from_sockaddr(peer, addr) < 0)
		return -1;
	if (!xff || !n || !trusted_addr(addr, trusted, n))
		return 0;
	end = xff + strlen(xff);
	while (end > xff) {
		const char *start = end;
		uint8_t hop[16];

		while (start > xff && start[-1] != ',')
			start--;
		if (bc_server_addr_parse(start, (size_t)(end - start), hop) < 0)
			break;
		memcpy(addr, hop, 16);
		if (!trusted_addr(hop, trusted, n))
			break;
		end = start > xff ? start - 1 : start;
	}
	return 0;
}
