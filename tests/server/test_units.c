#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "server/clientaddr.h"
#include "server/evaluate.h"
#include "server/verify.h"
#include "server/internal.h"
#include "server/metrics.h"
#include "server/ratelimit.h"
#include "server/redis_limiter.h"

static void key_of(const char *text, uint8_t key[16])
{
	uint8_t addr[16];

	assert_int_equal(bc_server_addr_parse(text, strlen(text), addr), 0);
	bc_server_client_key(addr, key);
}

/* A limiter with per_min per client and global per second only. */
static int rl_init(struct bc_server_ratelimit *rl, unsigned per_min, unsigned global, size_t slots)
{
	struct bc_server_rl_limits lim = { { 0 }, 0 };

	lim.per_min[BC_SERVER_RL_CLIENT] = per_min;
	lim.global_per_sec = global;
	return bc_server_ratelimit_init(rl, &lim, slots);
}

static void test_ratelimit_client(void **state)
{
	struct bc_server_ratelimit rl;
	uint8_t a[16], b[16];
	double t = 1000.0;

	(void)state;
	assert_int_equal(rl_init(&rl, 60, 0, 64), 0);
	key_of("192.0.2.1", a);
	key_of("192.0.2.2", b);
	/* a burst of 60 elements, then refusal with the time to refill 4 */
	assert_int_equal(bc_server_ratelimit_take(&rl, a, 16, t), 0);
	assert_int_equal(bc_server_ratelimit_take(&rl, a, 16, t), 0);
	assert_int_equal(bc_server_ratelimit_take(&rl, a, 16, t), 0);
	assert_int_equal(bc_server_ratelimit_take(&rl, a, 12, t), 0);
	assert_int_equal(bc_server_ratelimit_take(&rl, a, 4, t), 4);
	/* another client is not affected */
	assert_int_equal(bc_server_ratelimit_take(&rl, b, 16, t), 0);
	/* 1 token per second */
	assert_int_equal(bc_server_ratelimit_take(&rl, a, 4, t + 2), 2);
	assert_int_equal(bc_server_ratelimit_take(&rl, a, 4, t + 4.01), 0);
	/* a refused request charges nothing */
	assert_int_equal(bc_server_ratelimit_take(&rl, a, 1, t + 4.02), 1);
	assert_int_equal(bc_server_ratelimit_take(&rl, a, 1, t + 5.1), 0);
	bc_server_ratelimit_release(&rl);
}

static void test_ratelimit_global(void **state)
{
	struct bc_server_ratelimit rl;
	uint8_t a[16], b[16];
	double t = bc_server_ratelimit_now();

	(void)state;
	assert_int_equal(rl_init(&rl, 0, 10, 64), 0);
	key_of("192.0.2.1", a);
	key_of("2001:db8::1", b);
	assert_int_equal(bc_server_ratelimit_take(&rl, a, 6, t), 0);
	assert_int_equal(bc_server_ratelimit_take(&rl, b, 6, t), 1);
	assert_int_equal(bc_server_ratelimit_take(&rl, b, 4, t), 0);
	assert_int_equal(bc_server_ratelimit_take(&rl, b, 4, t + 0.5), 0);
	bc_server_ratelimit_release(&rl);
}

/* Threads read the clock before taking the lock: a late caller with an
 * earlier time must not move a bucket's clock back (which would credit
 * the same interval twice). */
static void test_ratelimit_clock_never_goes_back(void **state)
{
	struct bc_server_ratelimit rl;
	uint8_t a[16];
	double t = 500.0;

	(void)state;
	assert_int_equal(rl_init(&rl, 60, 0, 64), 0);
	key_of("192.0.2.9", a);
	assert_int_equal(bc_server_ratelimit_take(&rl, a, 60, t), 0);
	assert_int_equal(bc_server_ratelimit_take(&rl, a, 1, t - 3), 1);
	/* 1 s after the drain: one token, not four */
	assert_int_equal(bc_server_ratelimit_take(&rl, a, 2, t + 1), 1);
	bc_server_ratelimit_release(&rl);

	assert_int_equal(rl_init(&rl, 0, 10, 64), 0);
	assert_int_equal(bc_server_ratelimit_take(&rl, a, 10, t), 0);
	assert_int_equal(bc_server_ratelimit_take(&rl, a, 1, t - 0.5), 1);
	/* 0.1 s after the drain: one token (10/s), not six */
	assert_int_equal(bc_server_ratelimit_take(&rl, a, 2, t + 0.1), 1);
	bc_server_ratelimit_release(&rl);
}

static void test_ratelimit_bounded(void **state)
{
	struct bc_server_ratelimit rl;
	uint8_t key[16], first[16];
	unsigned i;
	double t = 50.0;

	(void)state;
	/* 16 slots, 10000 clients: memory stays 16 slots, and an evicted
	 * client is forgiven, never blocked by someone else's tokens */
	assert_int_equal(rl_init(&rl, 10, 0, 16), 0);
	key_of("198.51.100.1", first);
	assert_int_equal(bc_server_ratelimit_take(&rl, first, 10, t), 0);
	assert_int_not_equal(bc_server_ratelimit_take(&rl, first, 1, t), 0);
	for (i = 0; i < 10000; i++) {
		memset(key, 0, sizeof(key));
		key[0] = 0x20;
		key[1] = 0x01;
		memcpy(key + 4, &i, sizeof(i));
		assert_int_equal(bc_server_ratelimit_take(&rl, key, 1, t), 0);
	}
	assert_int_equal(rl.level[BC_SERVER_RL_CLIENT].n_sets * BC_SERVER_RL_WAYS, 16);
	assert_null(rl.level[BC_SERVER_RL_NET48].slots);
	bc_server_ratelimit_release(&rl);
}

static void addr_of(const char *text, uint8_t addr[16])
{
	assert_int_equal(bc_server_addr_parse(text, strlen(text), addr), 0);
}

/* Aggregate limits (issue #14 item 3): a /48 holds 65,536 /64s, each a
 * client; by default the /48 and an IPv4 /24 get 16 clients' worth. */
static void test_ratelimit_networks(void **state)
{
	struct bc_server_rl_limits lim = { { 10, 40, 160, 160 }, 0 };
	struct bc_server_ratelimit rl;
	uint8_t a[16];
	char text[64];
	unsigned i, allowed = 0;
	double t = 100.0;

	(void)state;
	assert_int_equal(bc_server_ratelimit_init(&rl, &lim, 4096), 0);
	/* 100 /64s of one /48, each in its own /56: 160 elements in all, not 1,000 */
	for (i = 0; i < 100; i++) {
		snprintf(text, sizeof(text), "2001:db8:1:%x::1", i << 8);
		addr_of(text, a);
		if (bc_server_ratelimit_take(&rl, a, 10, t) == 0)
			allowed++;
	}
	assert_int_equal(allowed, 16);
	/* another /48 is not affected */
	addr_of("2001:db8:2::1", a);
	assert_int_equal(bc_server_ratelimit_take(&rl, a, 10, t), 0);
	/* a /56 (its 256 /64s): 40 elements, whichever of its /64s asks */
	allowed = 0;
	for (i = 0; i < 10; i++) {
		snprintf(text, sizeof(text), "2001:db8:3:%x::1", i);
		addr_of(text, a);
		if (bc_server_ratelimit_take(&rl, a, 10, t) == 0)
			allowed++;
	}
	assert_int_equal(allowed, 4);
	/* the refusal charges nothing: the /48's refill time, not more */
	addr_of("2001:db8:1:ff00::1", a);
	assert_int_equal(bc_server_ratelimit_take(&rl, a, 10, t), 4); /* 10 at 160/min */
	assert_int_equal(bc_server_ratelimit_take(&rl, a, 10, t + 3.7), 1);
	assert_int_equal(bc_server_ratelimit_take(&rl, a, 10, t + 3.8), 0);
	/* IPv4: 100 addresses of one /24 share 160 */
	allowed = 0;
	for (i = 0; i < 100; i++) {
		snprintf(text, sizeof(text), "198.51.100.%u", i);
		addr_of(text, a);
		if (bc_server_ratelimit_take(&rl, a, 10, t) == 0)
			allowed++;
	}
	assert_int_equal(allowed, 16);
	addr_of("198.51.101.1", a);
	assert_int_equal(bc_server_ratelimit_take(&rl, a, 10, t), 0);
	bc_server_ratelimit_release(&rl);
}

static void test_client_key(void **state)
{
	uint8_t a[16], b[16];

	(void)state;
	key_of("2001:db8:1:2:aaaa::1", a);
	key_of("2001:db8:1:2:bbbb::9", b);
	assert_memory_equal(a, b, 16); /* same /64 */
	key_of("2001:db8:1:3::1", b);
	assert_memory_not_equal(a, b, 16);
	key_of("192.0.2.1", a);
	key_of("192.0.2.2", b);
	assert_memory_not_equal(a, b, 16); /* IPv4: whole address */
	key_of("::ffff:192.0.2.1", b);
	key_of("192.0.2.1", a);
	assert_memory_equal(a, b, 16);
}

static void test_cidr(void **state)
{
	struct bc_error err = BC_ERROR_INIT;
	struct bc_server_cidr net;
	uint8_t addr[16];

	(void)state;
	assert_int_equal(bc_server_cidr_parse("10.0.0.0/8", &net, "--trusted-proxy", &err), 0);
	assert_int_equal(bc_server_addr_parse("10.200.1.1", 10, addr), 0);
	assert_int_equal(bc_server_cidr_contains(&net, addr), 1);
	assert_int_equal(bc_server_addr_parse("11.0.0.1", 8, addr), 0);
	assert_int_equal(bc_server_cidr_contains(&net, addr), 0);
	assert_int_equal(bc_server_cidr_parse("fd00::/8", &net, "--trusted-proxy", &err), 0);
	assert_int_equal(bc_server_addr_parse("fd12::1", 7, addr), 0);
	assert_int_equal(bc_server_cidr_contains(&net, addr), 1);
	assert_int_equal(bc_server_cidr_parse("127.0.0.1", &net, "--trusted-proxy", &err), 0);
	assert_int_equal(net.bits, 128);
	assert_int_equal(bc_server_cidr_parse("10.0.0.0/33", &net, "--trusted-proxy", &err), -1);
	assert_string_equal(err.code, "bad_field");
	assert_string_equal(err.field, "--trusted-proxy");
	assert_int_equal(bc_server_cidr_parse("nonsense/8", &net, "--trusted-proxy", &err), -1);
	assert_int_equal(bc_server_cidr_parse("10.0.0.0/", &net, "--trusted-proxy", &err), -1);
}

/* The client address through trusted proxies: X-Forwarded-For lines or
 * Forwarded elements; ports and brackets dropped; unparsable entries counted. */
static int through(const struct sockaddr *peer, const char *line, int forwarded,
		   const struct bc_server_cidr *trusted, size_t n, uint8_t addr[16], unsigned *bad)
{
	const char *lines[1] = { line };

	return bc_server_client_addr(peer, lines, line ? 1 : 0, forwarded, trusted, n, addr, bad);
}

static void expect_addr(const uint8_t addr[16], const char *text)
{
	uint8_t want[16];

	assert_int_equal(bc_server_addr_parse(text, strlen(text), want), 0);
	assert_memory_equal(addr, want, 16);
}

static void test_client_addr(void **state)
{
	struct bc_error err = BC_ERROR_INIT;
	struct bc_server_cidr trusted[1];
	const struct sockaddr *sa;
	struct sockaddr_in peer;
	uint8_t addr[16];
	unsigned bad = 0;

	(void)state;
	memset(&peer, 0, sizeof(peer));
	peer.sin_family = AF_INET;
	inet_pton(AF_INET, "127.0.0.1", &peer.sin_addr);
	sa = (const struct sockaddr *)&peer;
	assert_int_equal(bc_server_cidr_parse("127.0.0.0/8", trusted, "--trusted-proxy", &err), 0);

	/* untrusted peer: the header is ignored */
	assert_int_equal(through(sa, "192.0.2.9", 0, NULL, 0, addr, &bad), 0);
	expect_addr(addr, "127.0.0.1");
	/* trusted: rightmost untrusted hop */
	assert_int_equal(through(sa, "203.0.113.5, 192.0.2.9, 127.0.0.2", 0, trusted, 1, addr, &bad), 0);
	expect_addr(addr, "192.0.2.9");
	assert_int_equal(bad, 0);
	/* garbage stops the walk at the last trusted hop, and is counted */
	assert_int_equal(through(sa, "junk", 0, trusted, 1, addr, &bad), 0);
	expect_addr(addr, "127.0.0.1");
	assert_int_equal(bad, 1);
	assert_int_equal(through(sa, "", 0, trusted, 1, addr, &bad), 0);
	expect_addr(addr, "127.0.0.1");
	assert_int_equal(bad, 2);
	/* IPv6 client through the proxy */
	assert_int_equal(through(sa, "2001:db8::7", 0, trusted, 1, addr, &bad), 0);
	expect_addr(addr, "2001:db8::7");
	/* ports and brackets (issue #14 item 2: these fell back to the proxy) */
	assert_int_equal(through(sa, "198.51.100.44:5555", 0, trusted, 1, addr, &bad), 0);
	expect_addr(addr, "198.51.100.44");
	assert_int_equal(through(sa, "[2001:db8::1]", 0, trusted, 1, addr, &bad), 0);
	expect_addr(addr, "2001:db8::1");
	assert_int_equal(through(sa, "[2001:db8::1]:443, 127.0.0.3:80", 0, trusted, 1, addr, &bad), 0);
	expect_addr(addr, "2001:db8::1");
	assert_int_equal(bad, 2);
	/* what is not a node */
	assert_int_equal(through(sa, "198.51.100.44:99999", 0, trusted, 1, addr, &bad), 0);
	expect_addr(addr, "127.0.0.1");
	assert_int_equal(through(sa, "[198.51.100.44]", 0, trusted, 1, addr, &bad), 0);
	expect_addr(addr, "127.0.0.1");
	assert_int_equal(through(sa, "[2001:db8::1", 0, trusted, 1, addr, &bad), 0);
	expect_addr(addr, "127.0.0.1");
	assert_int_equal(bad, 5);

	/* Forwarded (RFC 7239 §4 and §7.4 examples) */
	assert_int_equal(through(sa, "for=192.0.2.60;proto=http;by=203.0.113.43", 1, trusted, 1, addr, &bad), 0);
	expect_addr(addr, "192.0.2.60");
	assert_int_equal(through(sa, "for=192.0.2.43, for=\"[2001:db8:cafe::17]:4711\"", 1, trusted, 1, addr,
				 &bad), 0);
	expect_addr(addr, "2001:db8:cafe::17");
	assert_int_equal(through(sa, "For=\"198.51.100.17:8080\" ; proto=https, for=127.0.0.5", 1, trusted, 1,
				 addr, &bad), 0);
	expect_addr(addr, "198.51.100.17");
	assert_int_equal(bad, 5);
	assert_int_equal(through(sa, "for=unknown", 1, trusted, 1, addr, &bad), 0);
	expect_addr(addr, "127.0.0.1");
	assert_int_equal(through(sa, "for=_hidden, for=127.0.0.9", 1, trusted, 1, addr, &bad), 0);
	expect_addr(addr, "127.0.0.9");
	assert_int_equal(through(sa, "proto=http", 1, trusted, 1, addr, &bad), 0);
	assert_int_equal(through(sa, "for=\"192.0.2.1", 1, trusted, 1, addr, &bad), 0);
	expect_addr(addr, "127.0.0.1");
	assert_int_equal(bad, 9);
	/* a comma inside a quoted string does not split the element */
	assert_int_equal(through(sa, "for=\"192.0.2.7\";x=\"a,b\"", 1, trusted, 1, addr, &bad), 0);
	expect_addr(addr, "192.0.2.7");
	/* an X-Forwarded-For value read as Forwarded is no for= */
	assert_int_equal(through(sa, "192.0.2.7", 1, trusted, 1, addr, &bad), 0);
	expect_addr(addr, "127.0.0.1");
	assert_int_equal(bad, 10);

	/* several lines: walked from the last one's right end */
	{
		const char *lines[2] = { "198.51.100.1", "127.0.0.7" };

		assert_int_equal(bc_server_client_addr(sa, lines, 2, 0, trusted, 1, addr, &bad), 0);
		expect_addr(addr, "198.51.100.1");
	}
}

static void test_metrics(void **state)
{
	struct bc_server_metrics *m = malloc(sizeof(*m));
	unsigned bucket, evaluate;
	char *text;
	size_t len;

	(void)state;
	assert_non_null(m);
	bc_server_metrics_init(m);
	bucket = bc_server_route_find("/v1/buckets/{index_id}/{bucket}");
	evaluate = bc_server_route_find("/v1/evaluate");
	assert_true(bucket < bc_server_route_count());
	assert_true(evaluate < bc_server_route_count());
	bc_server_metrics_request(m, bucket, 200, 0.0003, 1000);
	bc_server_metrics_request(m, bucket, 304, 0.02, 0);
	bc_server_metrics_request(m, evaluate, 429, 0.001, 50);
	bc_server_metrics_request(m, BC_SERVER_ROUTE_PAGE, 404, 0.001, 10);
	m->evaluated_elements = 7;
	text = bc_server_metrics_render(m, "00112233445566778899aabbccddeeff", &len);
	assert_non_null(text);
	assert_int_equal(strlen(text), len);
	assert_non_null(strstr(text, "breachcheck_http_requests_total{route=\"/v1/buckets/{index_id}/{bucket}\",status=\"200\"} 1\n"));
	assert_non_null(strstr(text, "breachcheck_http_requests_total{route=\"/v1/buckets/{index_id}/{bucket}\",status=\"304\"} 1\n"));
	assert_non_null(strstr(text, "breachcheck_http_requests_total{route=\"/v1/evaluate\",status=\"429\"} 1\n"));
	assert_non_null(strstr(text, "breachcheck_http_request_duration_seconds_bucket{route=\"/v1/buckets/{index_id}/{bucket}\",le=\"0.0005\"} 1\n"));
	assert_non_null(strstr(text, "breachcheck_http_request_duration_seconds_bucket{route=\"/v1/buckets/{index_id}/{bucket}\",le=\"+Inf\"} 2\n"));
	assert_non_null(strstr(text, "breachcheck_evaluated_elements_total 7\n"));
	assert_non_null(strstr(text, "breachcheck_index_info{index_id=\"00112233445566778899aabbccddeeff\"} 1\n"));
	assert_non_null(strstr(text, "breachcheck_http_requests_total{route=\"/{page}\",status=\"404\"} 1\n"));
	assert_null(strstr(text, "/v1/config\""));
	/* the duration runs to the end of the response (on_completed), as the log's */
	assert_non_null(strstr(text, "# HELP breachcheck_http_request_duration_seconds Time from the request line to the end of the response.\n"));
	assert_non_null(strstr(text, "breachcheck_request_deadline_closed_total 0\n"));
	free(text);
	free(m);
}

/* The routing table: templates, parameters, and what falls to the page. */
static void test_routes(void **state)
{
	struct bc_server_params p;
	static const char id[] = "00112233445566778899aabbccddeeff";
	char url[128];
	unsigned r;

	(void)state;
	r = bc_server_route_of("/v1/config", &p);
	assert_string_equal(bc_server_route_template(r), "/v1/config");
	assert_null(p.index_id);
	snprintf(url, sizeof(url), "/v1/buckets/%s/17", id);
	r = bc_server_route_of(url, &p);
	assert_string_equal(bc_server_route_template(r), "/v1/buckets/{index_id}/{bucket}");
	assert_int_equal(p.index_id_len, 32);
	assert_memory_equal(p.index_id, id, 32);
	assert_string_equal(p.rest, "17");
	snprintf(url, sizeof(url), "/v1/index/%s/index.json", id);
	assert_string_equal(bc_server_route_template(bc_server_route_of(url, &p)),
			    "/v1/index/{index_id}/index.json");
	snprintf(url, sizeof(url), "/v1/index/%s/other.bin", id);
	assert_int_equal(bc_server_route_of(url, &p), BC_SERVER_ROUTE_UNKNOWN);
	r = bc_server_route_of("/v1/breaches/acme-2024", &p);
	assert_string_equal(bc_server_route_template(r), "/v1/breaches/{name}");
	assert_string_equal(p.rest, "acme-2024");
	assert_int_equal(bc_server_route_of("/v1/breaches/a/b", &p), BC_SERVER_ROUTE_UNKNOWN);
	assert_int_equal(bc_server_route_of("/v1/breaches/", &p), BC_SERVER_ROUTE_UNKNOWN);
	assert_int_equal(bc_server_route_of("/v1/buckets//3", &p), BC_SERVER_ROUTE_UNKNOWN);
	assert_int_equal(bc_server_route_of("/v1/config/", &p), BC_SERVER_ROUTE_UNKNOWN);
	assert_int_equal(bc_server_route_of("/v1", &p), BC_SERVER_ROUTE_UNKNOWN);
	assert_int_equal(bc_server_route_of("/", &p), BC_SERVER_ROUTE_PAGE);
	assert_int_equal(bc_server_route_of("/app.js", &p), BC_SERVER_ROUTE_PAGE);
	assert_int_equal(bc_server_route_of("/v1x", &p), BC_SERVER_ROUTE_PAGE);
	assert_true(bc_server_route_has_body(bc_server_route_of("/v1/evaluate", &p)));
	assert_false(bc_server_route_has_body(bc_server_route_of("/healthz", &p)));
	assert_string_equal(bc_server_route_template(BC_SERVER_ROUTE_METRICS), "/metrics");
	assert_int_equal(bc_server_route_find("/{page}"), BC_SERVER_ROUTE_PAGE);
	assert_int_equal(bc_server_route_find("/nope"), BC_SERVER_ROUTE_UNKNOWN);
}

/* The /v1/evaluate body: what is refused, with which code and field. */
static void test_evaluate_body(void **state)
{
	uint8_t blinded[OPRF_MAX_BATCH * OPRF_ELEMENT_BYTES];
	struct bc_server_body_error e;
	static const char ok[] = "{\"blinded_elements\":[\"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8\"]}";
	char big[4096];
	size_t n = 0, i, len;

	(void)state;
	assert_int_equal(bc_server_evaluate_parse(ok, strlen(ok), 16, blinded, &n, &e), 0);
	assert_int_equal(n, 1);
	for (i = 0; i < 32; i++)
		assert_int_equal(blinded[i], i);
	assert_int_equal(bc_server_evaluate_parse("{", 1, 16, blinded, &n, &e), -1);
	assert_string_equal(e.code, "bad_json");
	assert_int_equal(e.status, 400);
	assert_int_equal(bc_server_evaluate_parse("[]", 2, 16, blinded, &n, &e), -1);
	assert_string_equal(e.message, "the request body must be a JSON object");
	assert_int_equal(bc_server_evaluate_parse("{\"blinded_elements\":[]}", 23, 16, blinded, &n, &e), -1);
	assert_string_equal(e.code, "bad_field");
	assert_int_equal(bc_server_evaluate_parse("{\"blinded_elements\":[1]}", 24, 16, blinded, &n, &e), -1);
	assert_string_equal(e.message, "blinded_elements[0] must be a string");
	assert_int_equal(bc_server_evaluate_parse("{\"blinded_elements\":[\"AAEC\"]}", 29, 16, blinded, &n, &e), -1);
	assert_string_equal(e.code, "invalid_element");
	/* bytes above 0x7f in place of letters: libsodium alone decoded them */
	snprintf(big, sizeof(big), "{\"blinded_elements\":[\"AAECAwQFBgcICQoL\306\276\317\260DxAREhMUFRYXGBkaGxwdHh8\"]}");
	assert_int_equal(bc_server_evaluate_parse(big, strlen(big), 16, blinded, &n, &e), -1);
	assert_string_equal(e.code, "invalid_element");
	assert_string_equal(e.message, "blinded_elements[0] is not a base64url (unpadded) encoding of 32 bytes");
	len = (size_t)snprintf(big, sizeof(big), "{\"blinded_elements\":[");
	for (i = 0; i < 3; i++)
		len += (size_t)snprintf(big + len, sizeof(big) - len, "%s\"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8\"",
					i ? "," : "");
	len += (size_t)snprintf(big + len, sizeof(big) - len, "]}");
	assert_int_equal(bc_server_evaluate_parse(big, len, 2, blinded, &n, &e), -1);
	assert_string_equal(e.code, "batch_too_large");
	assert_int_equal(bc_server_evaluate_parse(big, len, 3, blinded, &n, &e), 0);
	assert_int_equal(n, 3);
}

/* The bodies of /v1/verify/start and /evaluate (verify_body.c): what is refused, and the
 * base64url of the id and the element decoded by util's decoder. */
static void test_verify_bodies(void **state)
{
	uint8_t id[BC_VERIFY_ID_BYTES], el[OPRF_ELEMENT_BYTES];
	char email[BC_EMAIL_MAX], code[BC_VERIFY_CODE_DIGITS + 1], body[512];
	struct bc_server_body_error e;
	static const char ok_id[] = "AAECAwQFBgcICQoLDA0ODw";
	static const char ok_el[] = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8";
	size_t i;

	(void)state;
	snprintf(body, sizeof(body), "{\"email\":\" Person1@Example.ORG \"}");
	assert_int_equal(bc_server_verify_start_parse(body, strlen(body), email, &e), 0);
	assert_string_equal(email, "person1@example.org");
	snprintf(body, sizeof(body), "{\"email\":\"nobody\"}");
	assert_int_equal(bc_server_verify_start_parse(body, strlen(body), email, &e), -1);
	assert_string_equal(e.code, "bad_field");
	assert_int_equal(e.status, 400);
	assert_int_equal(bc_server_verify_start_parse("[]", 2, email, &e), -1);
	assert_string_equal(e.code, "bad_json");

	snprintf(body, sizeof(body), "{\"verification_id\":\"%s\",\"code\":\"012345\",\"blinded_element\":\"%s\"}",
		 ok_id, ok_el);
	assert_int_equal(bc_server_verify_evaluate_parse(body, strlen(body), id, code, el, &e), 0);
	assert_string_equal(code, "012345");
	for (i = 0; i < sizeof(id); i++)
		assert_int_equal(id[i], i);
	for (i = 0; i < sizeof(el); i++)
		assert_int_equal(el[i], i);
	/* bytes above 0x7f in place of letters: libsodium's decoder took them */
	snprintf(body, sizeof(body), "{\"verification_id\":\"%s\",\"code\":\"012345\",\"blinded_element\":"
		 "\"AAECAwQFBgcICQoL\306\276\317\260DxAREhMUFRYXGBkaGxwdHh8\"}", ok_id);
	assert_int_equal(bc_server_verify_evaluate_parse(body, strlen(body), id, code, el, &e), -1);
	assert_string_equal(e.code, "invalid_element");
	snprintf(body, sizeof(body), "{\"verification_id\":\"AAECAwQFBgcICQoLDA0O\302\277\",\"code\":\"012345\","
		 "\"blinded_element\":\"%s\"}", ok_el);
	assert_int_equal(bc_server_verify_evaluate_parse(body, strlen(body), id, code, el, &e), -1);
	assert_string_equal(e.code, "bad_field");
	snprintf(body, sizeof(body), "{\"verification_id\":\"%s\",\"code\":\"01234a\",\"blinded_element\":\"%s\"}",
		 ok_id, ok_el);
	assert_int_equal(bc_server_verify_evaluate_parse(body, strlen(body), id, code, el, &e), -1);
	assert_string_equal(e.message, "code must be the 6 digits of the mail, as a string");
}

static void put_file(const char *dir, const char *name, const char *text)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static int web_ok(int dirfd, const char *url, const char *want_type, uint64_t want_bytes)
{
	struct MHD_Response *resp;
	uint64_t bytes = 0;
	const char *type;
	int ok;

	resp = bc_server_web_response(dirfd, url, &bytes);
	if (!resp)
		return 0;
	type = MHD_get_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE);
	ok = type && !strcmp(type, want_type) && bytes == want_bytes;
	MHD_destroy_response(resp);
	return ok;
}

static void test_web_paths(void **state)
{
	char dir[] = "/tmp/bc-web-test-XXXXXX", path[600];
	int fd;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/assets", dir);
	assert_int_equal(mkdir(path, 0755), 0);
	put_file(dir, "index.html", "<!doctype html>");
	put_file(dir, "assets/app.js", "x()");
	put_file(dir, "assets/index.html", "a");
	put_file(dir, ".env", "secret");
	put_file(dir, "style.css", "b{}");
	put_file(dir, "blob.bin", "12");
	put_file(dir, "catalogue.json", "{}");
	put_file(dir, "k.key", "seed");
	put_file(dir, "mine.js", "private()");
	snprintf(path, sizeof(path), "%s/mine.js", dir);
	assert_int_equal(chmod(path, 0640), 0);
	snprintf(path, sizeof(path), "%s/real", dir);
	assert_int_equal(mkdir(path, 0755), 0);
	put_file(dir, "real/app.js", "y()");
	/* a symlinked directory inside the page (issue #14 item 11) */
	snprintf(path, sizeof(path), "%s/sdir", dir);
	assert_int_equal(symlink("real", path), 0);
	snprintf(path, sizeof(path), "%s/link.js", dir);
	assert_int_equal(symlink("/etc/passwd", path), 0);
	snprintf(path, sizeof(path), "%s/fifo.js", dir);
	assert_int_equal(mkfifo(path, 0644), 0);
	fd = open(dir, O_RDONLY | O_DIRECTORY);
	assert_true(fd >= 0);

	assert_true(web_ok(fd, "/", "text/html; charset=utf-8", 15));
	assert_true(web_ok(fd, "/index.html", "text/html; charset=utf-8", 15));
	assert_true(web_ok(fd, "/assets/", "text/html; charset=utf-8", 1));
	assert_true(web_ok(fd, "/assets/app.js", "text/javascript; charset=utf-8", 3));
	assert_true(web_ok(fd, "/style.css", "text/css; charset=utf-8", 3));
	assert_true(web_ok(fd, "/real/app.js", "text/javascript; charset=utf-8", 3));
	/* refused: extensions the page does not use, files others cannot read,
	 * anything under a symlinked directory */
	assert_null(bc_server_web_response(fd, "/blob.bin", &(uint64_t){ 0 }));
	assert_null(bc_server_web_response(fd, "/catalogue.json", &(uint64_t){ 0 }));
	assert_null(bc_server_web_response(fd, "/k.key", &(uint64_t){ 0 }));
	assert_null(bc_server_web_response(fd, "/mine.js", &(uint64_t){ 0 }));
	assert_null(bc_server_web_response(fd, "/sdir/app.js", &(uint64_t){ 0 }));
	assert_null(bc_server_web_response(fd, "/sdir/", &(uint64_t){ 0 }));
	/* refused: traversal, hidden files, empty components, odd bytes,
	 * symlinks as the last component, directories, missing files */
	assert_null(bc_server_web_response(fd, "/../etc/passwd", &(uint64_t){ 0 }));
	assert_null(bc_server_web_response(fd, "/assets/../index.html", &(uint64_t){ 0 }));
	assert_null(bc_server_web_response(fd, "/.env", &(uint64_t){ 0 }));
	assert_null(bc_server_web_response(fd, "//index.html", &(uint64_t){ 0 }));
	assert_null(bc_server_web_response(fd, "/assets//app.js", &(uint64_t){ 0 }));
	assert_null(bc_server_web_response(fd, "/index.html%00", &(uint64_t){ 0 }));
	assert_null(bc_server_web_response(fd, "/a b.js", &(uint64_t){ 0 }));
	assert_null(bc_server_web_response(fd, "/link.js", &(uint64_t){ 0 }));
	assert_null(bc_server_web_response(fd, "/assets", &(uint64_t){ 0 }));
	assert_null(bc_server_web_response(fd, "/nope.js", &(uint64_t){ 0 }));
	/* a FIFO is refused at once, not waited on (the thread would hang) */
	alarm(5);
	assert_null(bc_server_web_response(fd, "/fifo.js", &(uint64_t){ 0 }));
	alarm(0);
	assert_null(bc_server_web_response(fd, "index.html", &(uint64_t){ 0 }));
	assert_null(bc_server_web_response(-1, "/", &(uint64_t){ 0 }));
	close(fd);

	snprintf(path, sizeof(path), "rm -rf '%s'", dir);
	assert_int_equal(system(path), 0);
}

static void mkdirs(const char *root, const char *rel)
{
	char path[600];

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	assert_int_equal(mkdir(path, 0700), 0);
}

/* web_check(root/web_rel, root/keys/k.key, root/idx): 0, or the -1 code. */
static int check_web(const char *root, const char *web_rel, struct bc_error *err)
{
	char web[600], key[600], idx[600];

	snprintf(web, sizeof(web), "%s/%s", root, web_rel);
	snprintf(key, sizeof(key), "%s/keys/k.key", root);
	snprintf(idx, sizeof(idx), "%s/idx", root);
	bc_error_clear(err);
	return bc_server_web_check(web, key, idx, err);
}

/* The page directory apart from the key, its state and the index (issue #14 item 1). */
static void test_web_check(void **state)
{
	struct bc_error err = BC_ERROR_INIT;
	char root[] = "/tmp/bc-webcheck-XXXXXX", path[2200];

	(void)state;
	assert_non_null(mkdtemp(root));
	mkdirs(root, "keys");
	put_file(root, "keys/k.key", "seed");
	mkdirs(root, "keys/k.key.state");
	mkdirs(root, "keys/k.key.state/deep");
	mkdirs(root, "idx.00112233445566778899aabbccddeeff");
	mkdirs(root, "idx.00112233445566778899aabbccddeeff/sub");
	snprintf(path, sizeof(path), "%s/idx", root);
	assert_int_equal(symlink("idx.00112233445566778899aabbccddeeff", path), 0);
	mkdirs(root, "web");
	mkdirs(root, "keys/web");
	mkdirs(root, "site");
	snprintf(path, sizeof(path), "%s/site/link", root);
	assert_int_equal(symlink("../keys", path), 0);

	assert_int_equal(check_web(root, "web", &err), 0);
	/* the key's directory: the same, inside, or holding it */
	assert_int_equal(check_web(root, "keys", &err), -1);
	assert_string_equal(err.code, "bad_field");
	assert_string_equal(err.field, "--web");
	assert_non_null(strstr(err.msg, "is the key's directory"));
	assert_int_equal(check_web(root, "keys/web", &err), -1);
	assert_non_null(strstr(err.msg, "is inside the key's directory"));
	assert_int_equal(check_web(root, "", &err), -1);
	assert_non_null(strstr(err.msg, "contains"));
	assert_int_equal(check_web(root, "site/link", &err), -1); /* resolved first */
	/* the state, even where a symlink puts it */
	assert_int_equal(check_web(root, "keys/k.key.state/deep", &err), -1);
	assert_non_null(strstr(err.msg, "is inside the key's directory"));
	mkdirs(root, "elsewhere");
	mkdirs(root, "elsewhere/state");
	snprintf(path, sizeof(path), "mv '%s/keys/k.key.state' '%s/keys/old.state' && "
		 "ln -s ../elsewhere/state '%s/keys/k.key.state'", root, root, root);
	assert_int_equal(system(path), 0);
	assert_int_equal(check_web(root, "elsewhere", &err), -1);
	assert_non_null(strstr(err.msg, "contains the state directory"));
	/* the index: its target through the symlink, and inside it */
	assert_int_equal(check_web(root, "idx", &err), -1);
	assert_non_null(strstr(err.msg, "is the index"));
	assert_int_equal(check_web(root, "idx.00112233445566778899aabbccddeeff/sub", &err), -1);
	assert_non_null(strstr(err.msg, "is inside the index"));
	/* no key path: the index still counts; a missing web dir is an io error */
	snprintf(path, sizeof(path), "%s/web", root);
	assert_int_equal(bc_server_web_check(path, NULL, NULL, &err), 0);
	snprintf(path, sizeof(path), "%s/nope", root);
	bc_error_clear(&err);
	assert_int_equal(bc_server_web_check(path, NULL, NULL, &err), -1);
	assert_string_equal(err.code, "io");

	snprintf(path, sizeof(path), "rm -rf '%s'", root);
	assert_int_equal(system(path), 0);
}

/* --redis URLs (docs/deploy.md): host, port, db, password, unix sockets; and
 * what is refused. */
static void test_redis_url(void **state)
{
	char host[64], pw[32];
	int port, is_unix, db;

	(void)state;
	assert_int_equal(bc_server_redis_url_parse("redis://10.0.0.5", host, sizeof(host), &port,
						   &is_unix, &db, pw, sizeof(pw)), 0);
	assert_string_equal(host, "10.0.0.5");
	assert_int_equal(port, 6379);
	assert_int_equal(db, 0);
	assert_int_equal(is_unix, 0);
	assert_string_equal(pw, "");
	assert_int_equal(bc_server_redis_url_parse("redis://:s3cret@cache.example.org:6380/2", host,
						   sizeof(host), &port, &is_unix, &db, pw,
						   sizeof(pw)), 0);
	assert_string_equal(host, "cache.example.org");
	assert_int_equal(port, 6380);
	assert_int_equal(db, 2);
	assert_string_equal(pw, "s3cret");
	assert_int_equal(bc_server_redis_url_parse("redis://user:pw@h/", host, sizeof(host), &port,
						   &is_unix, &db, pw, sizeof(pw)), 0);
	assert_string_equal(host, "h");
	assert_string_equal(pw, "pw");
	assert_int_equal(db, 0);
	assert_int_equal(bc_server_redis_url_parse("unix:///run/redis/redis.sock", host, sizeof(host),
						   &port, &is_unix, &db, pw, sizeof(pw)), 0);
	assert_string_equal(host, "/run/redis/redis.sock");
	assert_int_equal(is_unix, 1);
	static const char *const bad[] = {
		"", "http://h", "redis://", "redis://:6379", "redis://h:0", "redis://h:65536",
		"redis://h:12x", "redis://h/abc", "redis://h/-1", "redis://pw@h", "unix://relative",
		"unix://",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(bc_server_redis_url_parse(bad[i], host, sizeof(host), &port, &is_unix,
							   &db, pw, sizeof(pw)), -1);
	/* a host that does not fit is refused, not cut */
	assert_int_equal(bc_server_redis_url_parse("redis://a-very-long-host-name.example.org", host, 8,
						   &port, &is_unix, &db, pw, sizeof(pw)), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ratelimit_client),
		cmocka_unit_test(test_ratelimit_global),
		cmocka_unit_test(test_ratelimit_clock_never_goes_back),
		cmocka_unit_test(test_ratelimit_bounded),
		cmocka_unit_test(test_ratelimit_networks),
		cmocka_unit_test(test_client_key),
		cmocka_unit_test(test_cidr),
		cmocka_unit_test(test_client_addr),
		cmocka_unit_test(test_metrics),
		cmocka_unit_test(test_routes),
		cmocka_unit_test(test_evaluate_body),
		cmocka_unit_test(test_verify_bodies),
		cmocka_unit_test(test_web_paths),
		cmocka_unit_test(test_web_check),
		cmocka_unit_test(test_redis_url),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
