#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mail/mail.h"
#include "bc_config.h"
#include "cli/cli.h"
#include "oprf/keyfile.h"
#include "server/server.h"

#define DRAIN_SECONDS 10

static const char usage[] =
	"usage: breachcheck serve --index DIR --key KEYFILE [options]\n"
	"\n"
	"Serve the index: the VOPRF evaluator (/v1/evaluate), the immutable bucket\n"
	"files, the breach catalogue, and the check page. See docs/server.md.\n"
	"\n"
	"  --index DIR             the index directory (symlink) written by ingest\n"
	"  --key KEYFILE           the key file given to ingest (mode 0600; never served)\n"
	"  --listen ADDR:PORT      API and page address (default " BC_SERVER_DEFAULT_LISTEN ";\n"
	"                          port 0 picks a free port)\n"
	"  --metrics-listen ADDR:PORT\n"
	"                          Prometheus /metrics address (default " BC_SERVER_DEFAULT_METRICS_LISTEN ";\n"
	"                          'none' to disable)\n"
	"  --web DIR               the page's built files (default: the build's web/,\n"
	"                          else the installed one; 'none' to serve no page)\n"
	"  --buckets-url URL       base URL of a bucket mirror announced in /v1/config\n"
	"                          (default: none, clients read buckets from this server)\n"
	"  --trusted-proxy CIDR    believe the proxy header from this network (repeatable)\n"
	"  --proxy-header NAME     the header trusted proxies write the client into:\n"
	"                          x-forwarded-for (default) or forwarded (RFC 7239);\n"
	"                          the other one is ignored\n"
	"  --rate-per-client N     blinded elements per minute per client (IPv4 address,\n"
	"                          IPv6 /64; default 60; 0 = unlimited)\n"
	"  --rate-per-56 N         blinded elements per minute per IPv6 /56 (default\n"
	"                          4 x --rate-per-client; 0 = unlimited)\n"
	"  --rate-per-48 N         the same per IPv6 /48 (default 16 x --rate-per-client)\n"
	"  --rate-per-24 N         the same per IPv4 /24 (default 16 x --rate-per-client)\n"
	"  --rate-global N         blinded elements per second in total (default 1000;\n"
	"                          0 = unlimited)\n"
	"  --max-batch N           blinded elements per request, 1..64 (default 16)\n"
	"  --threads N             worker threads (default: one per CPU)\n"
	"  --timeout SECONDS       idle connection timeout, and the most a request (line,\n"
	"                          headers, body) may take to arrive (default 15)\n"
	"  --min-send-rate BYTES   a response must go out at this many bytes per second\n"
	"                          on average, after --timeout (default 4096; 0 = no\n"
	"                          limit: slow readers are then only under --timeout idle)\n"
	"  --max-connections N     concurrent connections (default 4096)\n"
	"  --max-connections-per-ip N\n"
	"                          concurrent connections from one address (default 64,\n"
	"                          none when --trusted-proxy is given; 0 = no limit)\n"
	"  --log FILE              JSON-lines access log (default stderr; 'none' for none)\n"
	"  --evaluator-only        one of several evaluators behind a load balancer:\n"
	"                          /v1/config, /v1/evaluate, /v1/verify/*, /v1/breaches and\n"
	"                          /healthz only (no bucket, index file or page route);\n"
	"                          needs --buckets-url (docs/deploy.md)\n"
	"  --redis URL             share the rate limits and verification codes of\n"
	"                          several evaluators in Redis (redis://HOST[:PORT][/DB],\n"
	"                          unix:///PATH); Redis down: 503 (fail closed)\n"
	"\n"
	"Email verification (/v1/verify/*, docs/verify.md; off without one of these):\n"
	"  --smtp-url URL          smtp://HOST[:PORT] or smtps://HOST[:PORT] for the codes\n"
	"  --mail-dir DIR          write the code mails into this Maildir instead (dev, demo)\n"
	"  --smtp-from ADDR        sender of the codes: not the notification campaign's\n"
	"  --smtp-credentials FILE one line user:password for SMTP AUTH (never on argv)\n"
	"  --service-name TEXT     named in the code mail (default breachcheck)\n"
	"  --verify-per-client N   verification starts per hour per client (default 5)\n"
	"  --verify-per-net N      the same per IPv4 /24 and IPv6 /48 (default 80)\n"
	"  --verify-global N       the same in total (default 2000)\n"
	"  --verify-ttl SECONDS    how long a code lives, at most and by default 1200 (tests)\n"
	"\n"
	"Signals: SIGHUP re-opens the index symlink's current target; SIGTERM or\n"
	"SIGINT stop accepting, finish requests in flight, and exit 0.\n";

static int parse_uint(const char *s, const char *suffix, unsigned max, unsigned *out)
{
	unsigned long v;
	char *end;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || v > max)
		return -1;
	if (*end && !(suffix && !strcmp(end, suffix)))
		return -1;
	*out = (unsigned)v;
	return 0;
}

/* Descriptors beyond the connections: listeners, epoll and signalling fds
 * per thread, the log, the index files, the page files being sent. */
#define FD_SPARE 256

/*
 * Raise the soft limit on open files towards what --max-connections needs
 * (the hard limit permitting): with the usual soft limit of 1024, accept()
 * would fail long before 4096 connections. Returns the limit now in force.
 */
static rlim_t raise_fd_limit(unsigned max_connections)
{
	rlim_t want = (rlim_t)max_connections + FD_SPARE;
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return 0;
	if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < want) {
		rl.rlim_cur = (rl.rlim_max == RLIM_INFINITY || rl.rlim_max > want) ? want : rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
			getrlimit(RLIMIT_NOFILE, &rl);
	}
	return rl.rlim_cur;
}

/* 1 if dir holds the page (an index.html). */
static int has_page(const char *dir)
{
	struct stat st;
	char path[4096];

	snprintf(path, sizeof(path), "%s/index.html", dir);
	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* The page of this build tree, else the installed one, else NULL. */
static const char *default_web_dir(void)
{
	static const char *const dirs[] = { BC_WEB_DIR, BC_WEB_INSTALL_DIR };
	size_t i;

	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++)
		if (has_page(dirs[i]))
			return dirs[i];
	return NULL;
}

static const struct option serve_longopts[] = {
	{ "index", required_argument, NULL, 'i' },
	{ "key", required_argument, NULL, 'k' },
	{ "listen", required_argument, NULL, 'l' },
	{ "metrics-listen", required_argument, NULL, 'm' },
	{ "web", required_argument, NULL, 'w' },
	{ "buckets-url", required_argument, NULL, 'b' },
	{ "trusted-proxy", required_argument, NULL, 'p' },
	{ "proxy-header", required_argument, NULL, 'H' },
	{ "rate-per-client", required_argument, NULL, 'c' },
	{ "rate-global", required_argument, NULL, 'g' },
	{ "rate-per-56", required_argument, NULL, '5' },
	{ "rate-per-48", required_argument, NULL, '4' },
	{ "rate-per-24", required_argument, NULL, '2' },
	{ "max-batch", required_argument, NULL, 'n' },
	{ "threads", required_argument, NULL, 't' },
	{ "timeout", required_argument, NULL, 'T' },
	{ "max-connections", required_argument, NULL, 'C' },
	{ "min-send-rate", required_argument, NULL, 'R' },
	{ "max-connections-per-ip", required_argument, NULL, 'P' },
	{ "log", required_argument, NULL, 'L' },
	{ "evaluator-only", no_argument, NULL, 'E' },
	{ "redis", required_argument, NULL, 'D' },
	{ "smtp-url", required_argument, NULL, 'U' },
	{ "mail-dir", required_argument, NULL, 'M' },
	{ "smtp-from", required_argument, NULL, 'F' },
	{ "smtp-credentials", required_argument, NULL, 'K' },
	{ "service-name", required_argument, NULL, 'N' },
	{ "verify-per-client", required_argument, NULL, 'V' },
	{ "verify-per-net", required_argument, NULL, 'W' },
	{ "verify-global", required_argument, NULL, 'G' },
	{ "verify-ttl", required_argument, NULL, 'Y' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

/* What the command line gives serve. */
struct serve_args {
	struct bc_server_cidr trusted[BC_SERVER_MAX_TRUSTED_PROXIES];
	struct bc_server_options opt;   /* opt.trusted_proxies points into trusted */
	struct bc_mail_config mail;
	const char *key_path, *log_path, *web;
};

/* The options into a (initialised here). Returns -1 when they are right, else
 * the exit status, the message printed. */
static int serve_parse(int argc, char **argv, struct serve_args *a)
{
	struct bc_error err = BC_ERROR_INIT;
	unsigned per_ip = 0, agg = 0;
	int c, longindex = 0;

	bc_server_options_init(&a->opt);
	memset(&a->mail, 0, sizeof(a->mail));
	a->opt.trusted_proxies = a->trusted;
	a->key_path = a->log_path = a->web = NULL;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", serve_longopts, &longindex)) != -1) {
		const char *flag = serve_longopts[longindex].name;
		int bad = 0;

		switch (c) {
		case 'i': a->opt.index_dir = optarg; break;
		case 'k': a->key_path = optarg; break;
		case 'l': a->opt.listen = optarg; break;
		case 'm': a->opt.metrics_listen = strcmp(optarg, "none") ? optarg : NULL; break;
		case 'w': a->web = optarg; break;
		case 'b': a->opt.buckets_url = optarg; break;
		case 'E': a->opt.evaluator_only = 1; break;
		case 'D': a->opt.redis_url = optarg; break;
		case 'p':
			if (a->opt.n_trusted_proxies >= BC_SERVER_MAX_TRUSTED_PROXIES) {
				fprintf(stderr, "breachcheck serve: at most %d --trusted-proxy\n",
					BC_SERVER_MAX_TRUSTED_PROXIES);
				return BC_EXIT_USAGE;
			}
			if (bc_server_cidr_parse(optarg, &a->trusted[a->opt.n_trusted_proxies], "--trusted-proxy",
					  &err) < 0) {
				cli_print_error(&err);
				return BC_EXIT_USAGE;
			}
			a->opt.n_trusted_proxies++;
			break;
		case 'H':
			if (!strcasecmp(optarg, "x-forwarded-for")) {
				a->opt.proxy_forwarded = 0;
			} else if (!strcasecmp(optarg, "forwarded")) {
				a->opt.proxy_forwarded = 1;
			} else {
				fprintf(stderr, "breachcheck serve: --proxy-header: expected "
					"x-forwarded-for or forwarded\n");
				return BC_EXIT_USAGE;
			}
			break;
		case 'c': bad = parse_uint(optarg, "/min", 100000000, &a->opt.rate_per_client); break;
		case 'g': bad = parse_uint(optarg, "/s", 100000000, &a->opt.rate_global); break;
		case '5':
		case '4':
		case '2':
			bad = parse_uint(optarg, "/min", 100000000, &agg);
			*(c == '5' ? &a->opt.rate_per_56 : c == '4' ? &a->opt.rate_per_48 : &a->opt.rate_per_24) = agg;
			break;
		case 'n': bad = parse_uint(optarg, NULL, 64, &a->opt.max_batch); break;
		case 't': bad = parse_uint(optarg, NULL, 1024, &a->opt.threads); break;
		case 'T': bad = parse_uint(optarg, "s", 3600, &a->opt.timeout); break;
		case 'R': bad = parse_uint(optarg, "/s", 1U << 30, &a->opt.min_send_rate); break;
		case 'C': bad = parse_uint(optarg, NULL, 1000000, &a->opt.max_connections); break;
		case 'P':
			bad = parse_uint(optarg, NULL, 1000000, &per_ip);
			a->opt.max_connections_per_ip = (int)per_ip;
			break;
		case 'L': a->log_path = optarg; break;
		case 'U': a->mail.smtp_url = optarg; break;
		case 'M': a->mail.mail_dir = optarg; break;
		case 'F': a->mail.from = optarg; break;
		case 'K': a->mail.credentials_file = optarg; break;
		case 'N': a->opt.service_name = optarg; break;
		case 'V': bad = parse_uint(optarg, "/h", 1000000, &a->opt.verify_starts_per_client); break;
		case 'W': bad = parse_uint(optarg, "/h", 1000000, &a->opt.verify_starts_per_net); break;
		case 'G': bad = parse_uint(optarg, "/h", 100000000, &a->opt.verify_starts_global); break;
		case 'Y': bad = parse_uint(optarg, "s", 1200, &a->opt.verify_ttl); break;
		default:
			fprintf(stderr, "breachcheck serve: unknown option, or an option without its value\n%s",
				usage);
			return BC_EXIT_USAGE;
		}
		if (bad) {
			fprintf(stderr, "breachcheck serve: --%s: expected a whole number in range (see --help)\n",
				flag);
			return BC_EXIT_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "breachcheck serve: unexpected argument\n%s", usage);
		return BC_EXIT_USAGE;
	}
	if (!a->opt.index_dir || !a->key_path) {
		fprintf(stderr, "breachcheck serve: --index and --key are required\n%s", usage);
		return BC_EXIT_USAGE;
	}
	if (a->mail.smtp_url || a->mail.mail_dir) {
		if (!a->mail.from) {
			fprintf(stderr, "breachcheck serve: --smtp-from is required with --smtp-url or --mail-dir\n");
			return BC_EXIT_USAGE;
		}
		a->mail.from_name = a->opt.service_name;
		a->mail.timeout_ms = 30000;
		if (bc_mail_config_check(&a->mail, &err) < 0) {
			cli_print_error(&err);
			return BC_EXIT_USAGE;
		}
		a->opt.verify_mail = &a->mail;
	} else if (a->mail.from || a->mail.credentials_file) {
		fprintf(stderr, "breachcheck serve: --smtp-from and --smtp-credentials need --smtp-url or --mail-dir\n");
		return BC_EXIT_USAGE;
	}
	return -1;
}

/* The defaults that depend on other options, the log file and the open-files
 * limit. Returns -1, or the exit status (the message printed). */
static int serve_setup(struct serve_args *a)
{
	if (a->opt.timeout == 0)
		a->opt.timeout = BC_SERVER_DEFAULT_TIMEOUT;
	if (a->opt.evaluator_only)
		a->opt.web_dir = NULL;      /* the page comes from the static host too */
	else if (a->web)
		a->opt.web_dir = strcmp(a->web, "none") ? a->web : NULL;
	else
		a->opt.web_dir = default_web_dir();
	if (a->log_path && !strcmp(a->log_path, "none")) {
		a->opt.log_fd = -1;
	} else if (a->log_path && strcmp(a->log_path, "-")) {
		a->opt.log_fd = open(a->log_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
		if (a->opt.log_fd < 0) {
			fprintf(stderr, "breachcheck serve: --log: cannot open the log file: %s\n",
				strerror(errno));
			return BC_EXIT_FAILURE;
		}
	}

	{
		unsigned conns = a->opt.max_connections ? a->opt.max_connections
						     : BC_SERVER_DEFAULT_MAX_CONNECTIONS;
		rlim_t fds = raise_fd_limit(conns);

		if (fds != RLIM_INFINITY && fds < (rlim_t)conns + FD_SPARE)
			fprintf(stderr,
				"breachcheck serve: warning: only %llu open files allowed (hard limit): "
				"fewer than the %u connections of --max-connections can be accepted\n",
				(unsigned long long)fds, conns);
	}
	return -1;
}

/* Says where the server listens, and warns of a missing --buckets-url or page. */
static void serve_announce(struct bc_server *srv, const struct serve_args *a)
{
	const struct bc_server_options *o = &a->opt;
	char id[33], url[128], murl[128];

	bc_server_index_id(srv, id);
	{
		const char *colon = strrchr(o->listen, ':');
		int hlen = colon ? (int)(colon - o->listen) : 0;

		snprintf(url, sizeof(url), "http://%.*s:%u/", hlen, o->listen, bc_server_port(srv));
		if (o->metrics_listen) {
			colon = strrchr(o->metrics_listen, ':');
			hlen = colon ? (int)(colon - o->metrics_listen) : 0;
			snprintf(murl, sizeof(murl), "http://%.*s:%u/metrics", hlen, o->metrics_listen,
				 bc_server_metrics_port(srv));
		} else {
			murl[0] = '\0';
		}
	}
	bc_server_log(srv, "listening", "url", url, "metrics_url", murl, NULL);
	bc_server_log(srv, "index", "index_id", id, NULL);
	/* #15, DESIGN.md §2.3: the bucket reads of a check, seen together with
	 * the key and the leak, narrow a person down */
	if (!o->buckets_url || !*o->buckets_url) {
		bc_server_log(srv, "warning", "code", "no_buckets_url", NULL);
		fprintf(stderr,
			"breachcheck serve: warning: no --buckets-url: the page and clients read "
			"their buckets from this server, which holds the key; whoever holds the key "
			"and the leak and sees those reads (this server, its TLS proxy's logs) can "
			"narrow a person down. Serve the output of `breachcheck export` from a "
			"separate host without access logs and give its URL (docs/deploy.md)\n");
	}
	/* issue #16: a plain `make` without node builds no page, and / was a
	 * bare JSON not_found with nothing said at start */
	if ((!a->web && !o->web_dir) || (o->web_dir && !has_page(o->web_dir))) {
		bc_server_log(srv, "warning", "code", "no_page", NULL);
		fprintf(stderr,
			"breachcheck serve: warning: no check page to serve: %s has no index.html. "
			"To build the page: `make deps` (runs npm ci in web/), then `meson setup "
			"--reconfigure build && ninja -C build`; or pass --web DIR. The API is "
			"served, and a browser at / gets a page saying this\n",
			o->web_dir ? "the --web directory" : "this build's web/");
	}
	if (o->log_fd != 2)
		fprintf(stderr, "breachcheck serve: listening on %s (metrics %s, index %s)\n", url,
			murl[0] ? murl : "none", id);
}

/* Until SIGTERM or SIGINT: SIGHUP reloads the index. */
static void serve_wait(struct bc_server *srv, const sigset_t *set)
{
	struct bc_error err = BC_ERROR_INIT;
	char id[33];
	int sig;

	for (;;) {
		if (sigwait(set, &sig) != 0)
			continue;
		if (sig == SIGHUP) {
			bc_error_clear(&err);
			if (bc_server_reload(srv, &err) < 0) {
				char buf[512];

				bc_server_log(srv, "reload_failed", "code", err.code, "message",
					      bc_error_format(&err, buf, sizeof(buf)), NULL);
			} else {
				bc_server_index_id(srv, id);
				bc_server_log(srv, "reload", "index_id", id, NULL);
			}
			continue;
		}
		bc_server_log(srv, "stopping", "signal", sig == SIGTERM ? "SIGTERM" : "SIGINT", NULL);
		break;
	}
}

int cmd_serve(int argc, char **argv)
{
	struct serve_args a;
	struct bc_error err = BC_ERROR_INIT;
	struct bc_server *srv = NULL;
	struct bc_key *key = NULL;
	sigset_t set;
	int ret = BC_EXIT_FAILURE;

	if (cli_wants_help(argc, argv)) {
		fputs(usage, stdout);
		return BC_EXIT_OK;
	}
	ret = serve_parse(argc, argv, &a);
	if (ret < 0)
		ret = serve_setup(&a);
	if (ret >= 0)
		return ret;
	ret = BC_EXIT_FAILURE;
	if (bc_key_load(a.key_path, &key, &err) < 0) {
		cli_print_error(&err);
		goto out;
	}
	/* Worker threads inherit this mask; signals are taken by sigwait below. */
	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);

	a.opt.key = key;
	a.opt.key_path = a.key_path;
	if (bc_server_start(&a.opt, &srv, &err) < 0) {
		cli_print_error(&err);
		ret = !strcmp(err.code, "bad_field") ? BC_EXIT_USAGE : BC_EXIT_FAILURE;
		goto out;
	}
	serve_announce(srv, &a);
	serve_wait(srv, &set);
	bc_server_stop(srv, DRAIN_SECONDS);
	srv = NULL;
	ret = BC_EXIT_OK;
out:
	bc_server_stop(srv, 0);
	bc_key_free(key);
	if (a.opt.log_fd > 2)
		close(a.opt.log_fd);
	return ret;
}
