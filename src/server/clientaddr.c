#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

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
		return bc_error_set_field(err, bc_err_bad_field, field,
					  "%s: expected an IPv4 or IPv6 network such as 10.0.0.0/8 or fd00::/8",
					  field);
	max = is_v4(out->addr) && !strchr(s, ':') ? 32 : 128;
	bits = max;
	if (slash) {
		bits = strtoul(slash + 1, &end, 10);
		if (slash[1] < '0' || slash[1] > '9' || *end || bits > max)
			return bc_error_set_field(err, bc_err_bad_field, field,
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

/* A decimal port 0..65535 of exactly len (1..5) digits. */
static int is_port(const char *s, size_t len)
{
	unsigned long v = 0;
	size_t i;

	if (len == 0 || len > 5)
		return 0;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return 0;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	return v <= 65535;
}

int bc_server_node_parse(const char *s, size_t len, uint8_t addr[16])
{
	const char *colon;
	size_t i, colons = 0;

	while (len && (*s == ' ' || *s == '\t')) {
		s++;
		len--;
	}
	while (len && (s[len - 1] == ' ' || s[len - 1] == '\t'))
		len--;
	if (len >= 2 && s[0] == '"' && s[len - 1] == '"') {
		s++;
		len -= 2;
	}
	if (len && s[0] == '[') {
		const char *close = memchr(s, ']', len);
		size_t after;

		if (!close)
			return -1;
		after = len - (size_t)(close + 1 - s);
		if (after && (close[1] != ':' || !is_port(close + 2, after - 1)))
			return -1;
		if (memchr(s + 1, ':', (size_t)(close - s - 1)) == NULL)
			return -1; /* brackets hold an IPv6 address only */
		return bc_server_addr_parse(s + 1, (size_t)(close - s - 1), addr);
	}
	for (i = 0; i < len; i++)
		colons += s[i] == ':';
	if (colons == 1) {
		colon = memchr(s, ':', len);
		if (!is_port(colon + 1, len - (size_t)(colon + 1 - s)))
			return -1;
		len = (size_t)(colon - s);
		if (memchr(s, '.', len) == NULL)
			return -1; /* "a.b.c.d:port" only */
	}
	return bc_server_addr_parse(s, len, addr);
}

/* The value of the for= parameter of one Forwarded element (RFC 7239 §4:
 * pairs separated by ';', a token or a quoted-string) into node as its
 * plain text. Returns its length, or -1 if there is none or it is too long. */
static long forwarded_for(const char *s, size_t len, char *node, size_t size)
{
	size_t i = 0;

	while (i < len) {
		size_t name, nlen;

		while (i < len && (s[i] == ' ' || s[i] == '\t' || s[i] == ';'))
			i++;
		name = i;
		while (i < len && s[i] != '=' && s[i] != ';')
			i++;
		nlen = i - name;
		while (nlen && (s[name + nlen - 1] == ' ' || s[name + nlen - 1] == '\t'))
			nlen--;
		if (i >= len || s[i] != '=')
			continue;
		i++;
		if (i < len && s[i] == '"') {
			size_t n = 0;

			for (i++; i < len && s[i] != '"'; i++) {
				if (s[i] == '\\' && i + 1 < len)
					i++;
				if (n + 1 >= size)
					return -1;
				node[n++] = s[i];
			}
			if (i >= len)
				return -1; /* unterminated */
			i++;
			if (nlen == 3 && !strncasecmp(s + name, "for", 3))
				return (long)n;
		} else {
			size_t v = i;

			while (i < len && s[i] != ';')
				i++;
			if (nlen == 3 && !strncasecmp(s + name, "for", 3)) {
				if (i - v >= size)
					return -1;
				memcpy(node, s + v, i - v);
				return (long)(i - v);
			}
		}
	}
	return -1;
}

#define MAX_ENTRIES 64 /* per header line; the leftmost beyond are not walked */

/* The entries of one header line, split at commas outside quoted strings:
 * start offsets and lengths of the last MAX_ENTRIES. Returns their count. */
static size_t split_entries(const char *line, size_t start[MAX_ENTRIES], size_t elen[MAX_ENTRIES])
{
	size_t i, begin = 0, count = 0;
	int quoted = 0;

	for (i = 0;; i++) {
		char ch = line[i];

		if (ch == '"')
			quoted = !quoted;
		else if (ch == '\\' && quoted && line[i + 1])
			i++;
		else if ((ch == ',' && !quoted) || ch == '\0') {
			size_t k = count % MAX_ENTRIES;

			start[k] = begin;
			elen[k] = i - begin;
			count++;
			begin = i + 1;
			if (ch == '\0')
				break;
		}
	}
	return count;
}

int bc_server_client_addr(const struct sockaddr *peer, const char *const *lines, size_t n_lines,
			  int forwarded, const struct bc_server_cidr *trusted, size_t n,
			  uint8_t addr[16], unsigned *unparsable)
{
	size_t start[MAX_ENTRIES], elen[MAX_ENTRIES];
	size_t l;

	if (bc_server_addr_from_sockaddr(peer, addr) < 0)
		return -1;
	if (!n_lines || !n || !trusted_addr(addr, trusted, n))
		return 0;
	for (l = n_lines; l-- > 0;) {
		size_t count = split_entries(lines[l], start, elen);
		size_t kept = count < MAX_ENTRIES ? count : MAX_ENTRIES, j;

		for (j = 0; j < kept; j++) {
			size_t k = (count - 1 - j) % MAX_ENTRIES;
			const char *e = lines[l] + start[k];
			char node[128];
			uint8_t hop[16];
			long len = (long)elen[k];

			if (forwarded && (len = forwarded_for(e, elen[k], node, sizeof(node))) >= 0)
				e = node;
			if (len < 0 || bc_server_node_parse(e, (size_t)len, hop) < 0) {
				if (unparsable)
					(*unparsable)++;
				return 0;
			}
			memcpy(addr, hop, 16);
			if (!trusted_addr(hop, trusted, n))
				return 0;
		}
	}
	return 0;
}
