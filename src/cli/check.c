#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <sodium.h>

#include "cli/cli.h"
#include "client/client.h"
#include "report/report.h"
#include "util/base64url.h"
#include "util/utf8.h"

static const char usage[] =
	"usage: breachcheck check (--server URL | --index DIR --key KEYFILE) [identifiers] [options]\n"
	"\n"
	"Am I in a leaked file, and what of mine leaked? What you type is transformed on\n"
	"this machine before anything is sent: the server never sees it.\n"
	"\n"
	"Where to check:\n"
	"  --server URL        a breachcheck server (e.g. https://check.example.org)\n"
	"  --index DIR         an index directory: with --key, local mode (no network);\n"
	"                      with --server, a local copy from a mirror\n"
	"  --key KEYFILE       the server key file (local mode only)\n"
	"  --bucket-mode MODE  file (default): download the whole index once (tens of MB)\n"
	"                      and search in it here; fetch: read only a few parts of it\n"
	"                      (less to download, but whoever serves the index sees\n"
	"                      which parts you read)\n"
	"  --cache-dir DIR     where the index is cached (default $XDG_CACHE_HOME/breachcheck\n"
	"                      or ~/.cache/breachcheck)\n"
	"  --timeout SECONDS   give up on a request after SECONDS (default 30); a whole-index\n"
	"                      download is given up only when stalled that long\n"
	"  --max-wait SECONDS  when the server asks to wait (too many checks in a minute),\n"
	"                      wait up to SECONDS, then try once more (default 60; 0: never)\n"
	"  --public-key B64    the server's expected public key (index.json public_key,\n"
	"                      published by the operator): refuse any other\n"
	"  --verified-public-key B64  the expected verified public key, likewise\n"
	"Identifiers (any of them):\n"
	"  --nir N             social security number, 13 or 15 characters\n"
	"  --last-name X       birth name; repeat for the usage name (at most twice)\n"
	"  --first-name X      first given name\n"
	"  --dob D             date of birth, DD/MM/YYYY (name + first name + dob together)\n"
	"  --email E           email address\n"
	"  --phone P           phone number\n"
	"A letter's code (the notification campaign):\n"
	"  --claim             ask for the code of your letter, your social security number and\n"
	"                      your date of birth (typed without echo; the code is tried with\n"
	"                      each, since a child's rows often carry a parent's number), and show\n"
	"                      everything the leak holds about you, medical information included\n"
	"  --stdin             with --claim: read the code, the NIR and the date of birth as three\n"
	"                      lines of standard input (never give them on the command line)\n"
	"Email verification (the full record, medical information included; docs/verify.md):\n"
	"  --verify-email      with --server: ask for your email address and your social\n"
	"                      security number (typed without echo), mail a 6-digit code to\n"
	"                      that address, ask for the code, and show everything the leak\n"
	"                      holds about you. With --stdin: three lines, the address, the\n"
	"                      NIR, then the code. The server and its mail relay learn the\n"
	"                      address and the time, not the NIR.\n"
	"Identifiers are best typed at the prompt (no identifier option on a terminal: each\n"
	"is asked for, the NIR without echo) or given with --stdin as lines field=value\n"
	"(nir, last_name, first_name, dob, email, phone): on the command line they stay in\n"
	"the shell history and the process list.\n"
	"Output:\n"
	"  --json              JSON report (schema in docs/check.md)\n"
	"  --lang fr|en        language (default from LC_ALL / LC_MESSAGES / LANG)\n"
	"\n"
	"Exit status: 0 found in at least one breach, 1 not found, 2 bad input or usage,\n"
	"3 any other failure (server unreachable, failed proof, corrupt index...).\n";

enum {
	OPT_SERVER = 256, OPT_INDEX, OPT_KEY, OPT_BUCKET_MODE, OPT_CACHE_DIR, OPT_NIR,
	OPT_LAST_NAME, OPT_FIRST_NAME, OPT_DOB, OPT_EMAIL, OPT_PHONE, OPT_JSON, OPT_LANG,
	OPT_TIMEOUT, OPT_MAX_WAIT, OPT_PUBLIC_KEY, OPT_VERIFIED_PUBLIC_KEY, OPT_CLAIM, OPT_STDIN,
	OPT_VERIFY_EMAIL,
};

static const struct option options[] = {
	{ "server", required_argument, NULL, OPT_SERVER },
	{ "index", required_argument, NULL, OPT_INDEX },
	{ "key", required_argument, NULL, OPT_KEY },
	{ "bucket-mode", required_argument, NULL, OPT_BUCKET_MODE },
	{ "cache-dir", required_argument, NULL, OPT_CACHE_DIR },
	{ "nir", required_argument, NULL, OPT_NIR },
	{ "last-name", required_argument, NULL, OPT_LAST_NAME },
	{ "first-name", required_argument, NULL, OPT_FIRST_NAME },
	{ "dob", required_argument, NULL, OPT_DOB },
	{ "email", required_argument, NULL, OPT_EMAIL },
	{ "phone", required_argument, NULL, OPT_PHONE },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "claim", no_argument, NULL, OPT_CLAIM },
	{ "stdin", no_argument, NULL, OPT_STDIN },
	{ "verify-email", no_argument, NULL, OPT_VERIFY_EMAIL },
	{ "lang", required_argument, NULL, OPT_LANG },
	{ "timeout", required_argument, NULL, OPT_TIMEOUT },
	{ "max-wait", required_argument, NULL, OPT_MAX_WAIT },
	{ "public-key", required_argument, NULL, OPT_PUBLIC_KEY },
	{ "verified-public-key", required_argument, NULL, OPT_VERIFIED_PUBLIC_KEY },
	{ NULL, 0, NULL, 0 },
};

static int is_input_error(const struct bc_error *err)
{
	return !strcmp(err->code, bc_err_bad_input) || !strcmp(err->code, bc_err_no_identifier) ||
	       !strcmp(err->code, bc_err_incomplete_namedob);
}

/*
 * The failures a person meets most, in French when the report is in French,
 * keyed by error code (util/error.h): the client's own messages are English
 * (DESIGN.md's bc_error convention); input errors already come in the chosen
 * language. detail: 1 to keep the English message (curl's, the server's) in
 * parentheses.
 */
static const struct {
	const char *code;
	const char *fr;
	int detail;
} fr_messages[] = {
	{ bc_err_unreachable, "impossible de joindre le serveur", 1 },
	{ bc_err_stale_index, "le serveur a publié un nouvel index pendant la "
		  "recherche : relancez-la", 0 },
	{ bc_err_bad_proof, "la preuve du serveur ne passe pas le contrôle avec sa "
		  "clé publique : sa réponse n'est pas fiable", 0 },
	{ bc_err_bad_cache, "la copie de l'index en cache ne correspond pas à ses empreintes "
		  "(abîmée sur le disque ?) : elle a été supprimée, relancez la "
		  "recherche pour la télécharger à nouveau", 0 },
	{ bc_err_bad_hash, "l'index ne correspond pas à ses empreintes : il est corrompu ou a "
		  "été modifié", 0 },
	{ bc_err_index_mismatch, "l'index diffère de celui du serveur (identifiant, "
		  "clé publique, géométrie ou catalogue) : copie "
		  "périmée ou modifiée refusée", 0 },
	{ bc_err_key_pinned, "la clé publique du serveur n'est pas celle donnée "
		  "avec --public-key ou --verified-public-key : refusée "
		  "(un serveur qui donnerait à chacun sa propre clé pourrait "
		  "le reconnaître plus tard)", 0 },
	{ bc_err_key_mismatch, "le fichier de clé n'appartient pas à cet index", 0 },
	{ bc_err_code_invalid, "ce code ne correspond pas à celui envoyé par e-mail ; un nouveau "
		  "code ne peut être demandé qu'une fois celui-ci expiré (20 minutes)", 0 },
	{ bc_err_code_expired, "ce code a expiré ou a déjà servi : relancez --verify-email pour "
		  "en recevoir un nouveau", 0 },
	{ bc_err_too_many_tries, "trop de codes erronés : relancez --verify-email pour en recevoir "
		  "un nouveau", 0 },
	{ bc_err_mail_failed, "le code n'a pas pu être envoyé à cette adresse : relisez-la, ou "
		  "réessayez plus tard", 1 },
	{ bc_err_not_implemented, "ce serveur ne propose pas la vérification par e-mail", 0 },
	{ bc_err_http, "réponse inattendue du serveur", 1 },
	{ bc_err_bad_response, "réponse inattendue du serveur", 1 },
};

static void to_french(struct bc_error *e)
{
	char en[sizeof(e->msg)];
	size_t i;

	memcpy(en, e->msg, sizeof(en));
	if (!strcmp(e->code, bc_err_rate_limited)) {
		if (e->retry_after > 0)
			snprintf(e->msg, sizeof(e->msg),
				 "le serveur limite les recherches (HTTP 429) : réessayez dans %ld "
				 "seconde%s", e->retry_after, e->retry_after > 1 ? "s" : "");
		else
			snprintf(e->msg, sizeof(e->msg),
				 "le serveur limite les recherches (HTTP 429) : réessayez plus tard");
		return;
	}
	for (i = 0; i < sizeof(fr_messages) / sizeof(fr_messages[0]); i++) {
		if (strcmp(e->code, fr_messages[i].code) != 0)
			continue;
		if (fr_messages[i].detail)
			snprintf(e->msg, sizeof(e->msg), "%s (%.*s)", fr_messages[i].fr,
				 (int)(sizeof(e->msg) - strlen(fr_messages[i].fr) - 4), en);
		else
			snprintf(e->msg, sizeof(e->msg), "%s", fr_messages[i].fr);
		return;
	}
}

static int fail(const struct bc_error *in, int json, enum bc_report_lang lang)
{
	struct bc_error e = *in, *err = &e;
	char msg[sizeof(err->msg) + 8];
	json_t *j;

	if (lang == BC_LANG_FR)
		to_french(err);
	cli_print_error(err);
	if (json) {
		bc_utf8_sanitize(msg, sizeof(msg), err->msg);
		j = json_pack("{s:{s:s,s:s}}", "error", "code", err->code, "message", msg);
		if (j) {
			json_dumpf(j, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
			fputs("\n", stdout);
			json_decref(j);
		}
	}
	return is_input_error(err) ? BC_EXIT_USAGE : BC_EXIT_FAILURE;
}

/*
 * --json and --lang anywhere on the command line (not as the value of another
 * option), so that usage errors found before them are JSON and in the
 * person's language too. getopt_long accepts unambiguous prefixes.
 */
static void prescan(int argc, char **argv, int *json, enum bc_report_lang *lang)
{
	const struct option *o;
	const char *a, *eq;
	size_t n;
	int i;

	for (i = 1; i < argc; i++) {
		a = argv[i];
		if (!strcmp(a, "--"))
			return;
		if (strncmp(a, "--", 2) || !a[2])
			continue;
		eq = strchr(a, '=');
		n = eq ? (size_t)(eq - a - 2) : strlen(a + 2);
		if (n >= 1 && n <= 4 && !strncmp("json", a + 2, n) && !eq) {
			*json = 1;
			continue;
		}
		for (o = options; o->name; o++) {
			if (o->has_arg != required_argument || strncmp(o->name, a + 2, n))
				continue;
			if (!strcmp(o->name, "lang") && n >= 2)
				bc_report_lang_parse(eq ? eq + 1 : i + 1 < argc ? argv[i + 1] : "", lang);
			if (!eq)
				i++;
			break;
		}
	}
}

enum usage_msg {
	U_BUCKET_MODE, U_NIR_TWICE, U_LAST_NAMES, U_FIRST_TWICE, U_DOB_TWICE, U_EMAIL_TWICE,
	U_PHONE_TWICE, U_LANG, U_NO_VALUE, U_UNKNOWN, U_NO_ARG, U_STRAY, U_NO_MODE, U_KEY_REMOTE,
	U_TIMEOUT, U_MAX_WAIT, U_PUBLIC_KEY,
};

static const char *const usage_msgs[][2] = {
	[U_BUCKET_MODE] = { "--bucket-mode must be file or fetch",
			    "--bucket-mode vaut file ou fetch" },
	[U_NIR_TWICE] = { "--nir given twice: search one NIR at a time",
			  "--nir donné deux fois : recherchez un NIR à la fois" },
	[U_LAST_NAMES] = { "--last-name given more than twice (birth and usage name)",
			   "--last-name donné plus de deux fois (nom de naissance et nom d'usage)" },
	[U_FIRST_TWICE] = { "--first-name given twice: give the first given name once",
			    "--first-name donné deux fois : donnez le premier prénom une fois" },
	[U_DOB_TWICE] = { "--dob given twice: give one date of birth",
			  "--dob donné deux fois : donnez une seule date de naissance" },
	[U_EMAIL_TWICE] = { "--email given twice: search one address at a time",
			    "--email donné deux fois : recherchez une adresse à la fois" },
	[U_PHONE_TWICE] = { "--phone given twice: search one number at a time",
			    "--phone donné deux fois : recherchez un numéro à la fois" },
	[U_LANG] = { "--lang must be fr or en", "--lang vaut fr ou en" },
	[U_NO_VALUE] = { "an option is missing its value", "il manque la valeur d'une option" },
	[U_UNKNOWN] = { "unknown or ambiguous option", "option inconnue ou ambiguë" },
	[U_NO_ARG] = { "--json takes no value", "--json ne prend pas de valeur" },
	[U_STRAY] = { "unexpected argument; identifiers go after --nir, --email, ...",
		      "argument inattendu ; les identifiants suivent --nir, --email, ..." },
	[U_NO_MODE] = { "give --server URL, or --index DIR with --key KEYFILE",
			"donnez --server URL, ou --index DIR avec --key KEYFILE" },
	[U_KEY_REMOTE] = { "--key is for local mode only: the server holds its key",
			   "--key ne sert qu'en mode local : le serveur détient sa clé" },
	[U_TIMEOUT] = { "--timeout must be a number of seconds from 1 to 3600",
			"--timeout est un nombre de secondes de 1 à 3600" },
	[U_MAX_WAIT] = { "--max-wait must be a number of seconds from 0 to 3600",
			 "--max-wait est un nombre de secondes de 0 à 3600" },
	[U_PUBLIC_KEY] = { "--public-key and --verified-public-key take 32 bytes in base64url "
			   "(43 characters, as in index.json)",
			   "--public-key et --verified-public-key prennent 32 octets en base64url "
			   "(43 caractères, comme dans index.json)" },
};

static int usage_error(enum usage_msg m, int json, enum bc_report_lang lang)
{
	const char *msg = usage_msgs[m][lang == BC_LANG_FR];
	json_t *j;

	fprintf(stderr, "breachcheck check: %s\n%s", msg, json ? "" : usage);
	if (json) {
		j = json_pack("{s:{s:s,s:s}}", "error", "code", "usage", "message", msg);
		if (j) {
			json_dumpf(j, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
			fputs("\n", stdout);
			json_decref(j);
		}
	}
	return BC_EXIT_USAGE;
}

/* On a terminal only: the countdown of a server's Retry-After, and the first
 * download of the index (tens of MB), on one line of stderr rewritten. */
static void on_wait(void *arg, long left)
{
	const enum bc_report_lang *lang = arg;

	if (left > 0)
		fprintf(stderr, *lang == BC_LANG_FR
				? "\rTrop de recherches en une minute : nouvel essai dans %ld s  "
				: "\rToo many searches in a minute: trying again in %ld s  ", left);
	else
		fputs("\r\033[K", stderr);
	fflush(stderr);
}

static void on_progress(void *arg, const char *what, uint64_t done, uint64_t total)
{
	const enum bc_report_lang *lang = arg;
	static uint64_t shown = UINT64_MAX;
	uint64_t mb = done >> 20;

	if (strcmp(what, "buckets.bin"))
		return;          /* verified.bin is small next to it */
	if (mb == shown && done != total)
		return;
	shown = mb;
	if (total)
		fprintf(stderr, *lang == BC_LANG_FR
				? "\rPremier téléchargement de l'index (une seule fois) : %llu / %llu Mo"
				: "\rFirst download of the index (only once): %llu / %llu MB",
			(unsigned long long)mb, (unsigned long long)(total >> 20));
	else
		fprintf(stderr, *lang == BC_LANG_FR
				? "\rPremier téléchargement de l'index (une seule fois) : %llu Mo"
				: "\rFirst download of the index (only once): %llu MB",
			(unsigned long long)mb);
	if (total && done >= total)
		fputs("\n", stderr);
	fflush(stderr);
}

/* An identifier option given twice with different values: refuse rather than
 * silently check only the last one. */
static int set_once(const char **slot, const char *value)
{
	if (*slot && strcmp(*slot, value))
		return -1;
	*slot = value;
	return 0;
}

#define SECRET_LINE 128

/*
 * --claim: the code, the NIR and the date of birth from prompts without
 * echo, or three lines of --stdin; never from argv (an identifier given
 * there is refused). Returns the sodium_malloc'd storage q now points into
 * (the caller frees it), or NULL with *status set.
 */
static char *read_claim(struct bc_query *q, int from_stdin, int json, enum bc_report_lang lang, int *status)
{
	int fr = lang == BC_LANG_FR;
	char *s;
	int r;

	if (q->nir || q->dob || q->n_last_names || q->first_name || q->email || q->phone) {
		fprintf(stderr, "%s\n", fr ? "breachcheck check: avec --claim, le code, le NIR et la date de naissance "
					    "se saisissent à l'invite (ou --stdin), jamais sur la ligne de commande"
					  : "breachcheck check: with --claim, the code, the NIR and the date of birth are "
					    "typed at the prompt (or --stdin), never on the command line");
		*status = BC_EXIT_USAGE;
		return NULL;
	}
	s = sodium_init() < 0 ? NULL : sodium_malloc(3 * SECRET_LINE);
	if (!s) {
		*status = BC_EXIT_FAILURE;
		return NULL;
	}
	r = cli_read_secret(fr ? "Code du courrier : " : "Code from your letter: ", from_stdin, s, SECRET_LINE);
	if (r >= 0)
		r = cli_read_secret(fr ? "Numéro de sécurité sociale (vide si vous n'en avez pas) : "
				       : "Social security number (empty if you have none): ",
				    from_stdin, s + SECRET_LINE, SECRET_LINE);
	if (r >= 0 && cli_read_secret(fr ? "Date de naissance (JJ/MM/AAAA) : " : "Date of birth (DD/MM/YYYY): ",
				      from_stdin, s + 2 * SECRET_LINE, SECRET_LINE) < 0)
		s[2 * SECRET_LINE] = '\0'; /* the date may be left out at the end of --stdin */
	if (r < 0) {
		fprintf(stderr, "%s\n", r == -2 ? (fr ? "breachcheck check: l'entrée n'est pas un terminal : "
							 "utilisez --stdin"
						       : "breachcheck check: standard input is not a terminal: use --stdin")
					       : (fr ? "breachcheck check: code ou NIR manquant"
						     : "breachcheck check: code or NIR missing"));
		sodium_free(s);
		*status = BC_EXIT_USAGE;
		return NULL;
	}
	(void)json;
	q->claim_code = s;
	q->nir = s[SECRET_LINE] ? s + SECRET_LINE : NULL;
	q->dob = s[2 * SECRET_LINE] ? s + 2 * SECRET_LINE : NULL;
	return s;
}

static int no_identifier(const struct bc_query *q)
{
	return !q->nir && !q->dob && !q->n_last_names && !q->first_name && !q->email && !q->phone;
}

#define ID_FIELDS 6

/*
 * #14 item 6: identifiers typed at a prompt (each asked for, the NIR
 * without echo; an empty answer skips it) or given as field=value lines of
 * --stdin, never on argv. Returns the sodium_malloc'd storage q points
 * into (the caller frees it), or NULL with *status set.
 */
static char *read_identifiers(struct bc_query *q, int from_stdin, enum bc_report_lang lang, int *status)
{
	static const char *const names[ID_FIELDS] = { "nir", "last_name", "first_name", "dob", "email", "phone" };
	static const char *const prompts[ID_FIELDS][2] = {
		{ "Social security number (NIR; empty to skip): ",
		  "Numéro de sécurité sociale (NIR ; vide pour passer) : " },
		{ "Birth name (empty to skip): ", "Nom de naissance (vide pour passer) : " },
		{ "First name: ", "Prénom : " },
		{ "Date of birth (DD/MM/YYYY): ", "Date de naissance (JJ/MM/AAAA) : " },
		{ "Email address (empty to skip): ", "Adresse e-mail (vide pour passer) : " },
		{ "Phone number (empty to skip): ", "Numéro de téléphone (vide pour passer) : " },
	};
	int fr = lang == BC_LANG_FR, i, n;
	char *s = sodium_init() < 0 ? NULL : sodium_malloc(ID_FIELDS * SECRET_LINE + SECRET_LINE);
	char *line;

	if (!s) {
		*status = BC_EXIT_FAILURE;
		return NULL;
	}
	memset(s, 0, ID_FIELDS * SECRET_LINE + SECRET_LINE);
	line = s + ID_FIELDS * SECRET_LINE;
	if (from_stdin) {
		int lineno = 0;

		while ((n = cli_read_input("", 1, 1, line, SECRET_LINE)) >= 0 || !feof(stdin)) {
			char *eq;

			lineno++;
			if (n < 0 || !(eq = strchr(line, '='))) {
				if (n == 0)
					continue;
				fprintf(stderr, fr ? "breachcheck check: stdin:%d : attendu champ=valeur (nir, last_name, "
						     "first_name, dob, email, phone)\n"
						   : "breachcheck check: stdin:%d: expected field=value (nir, last_name, "
						     "first_name, dob, email, phone)\n", lineno);
				goto bad;
			}
			*eq = '\0';
			for (i = 0; i < ID_FIELDS && strcmp(line, names[i]); i++)
				;
			if (i == ID_FIELDS || s[i * SECRET_LINE]) {
				fprintf(stderr, fr ? "breachcheck check: stdin:%d : champ inconnu ou donné deux fois\n"
						   : "breachcheck check: stdin:%d: unknown field, or a field given twice\n",
					lineno);
				goto bad;
			}
			snprintf(s + i * SECRET_LINE, SECRET_LINE, "%s", eq + 1);
		}
	} else {
		for (i = 0; i < ID_FIELDS; i++) {
			/* the NIR without echo; the rest is what a form shows */
			if (cli_read_input(prompts[i][fr], 0, i != 0, s + i * SECRET_LINE, SECRET_LINE) < 0)
				s[i * SECRET_LINE] = '\0';
			if (i == 1 && !s[SECRET_LINE])
				i += 2; /* no name: no first name or date of birth either */
		}
	}
	sodium_memzero(line, SECRET_LINE);
	q->nir = s[0] ? s : NULL;
	if (s[SECRET_LINE])
		q->last_names[q->n_last_names++] = s + SECRET_LINE;
	q->first_name = s[2 * SECRET_LINE] ? s + 2 * SECRET_LINE : NULL;
	q->dob = s[3 * SECRET_LINE] ? s + 3 * SECRET_LINE : NULL;
	q->email = s[4 * SECRET_LINE] ? s + 4 * SECRET_LINE : NULL;
	q->phone = s[5 * SECRET_LINE] ? s + 5 * SECRET_LINE : NULL;
	return s;
bad:
	sodium_free(s);
	*status = BC_EXIT_USAGE;
	return NULL;
}

struct code_prompt {
	int from_stdin;
	enum bc_report_lang lang;
	int asked;              /* codes asked so far: the next one follows a wrong code */
};

/* The 6-digit code of the mail, at a prompt or as the next --stdin line. */
static int ask_code(void *arg, char code[7])
{
	struct code_prompt *cp = arg;
	char line[64];
	size_t i, n = 0;

	/* --stdin: one code line; a wrong one ends the run (the error says so) */
	if (cp->asked++ && cp->from_stdin)
		return -1;
	if (!cp->from_stdin)
		fputs(cp->asked > 1 ? (cp->lang == BC_LANG_FR
				       ? "Ce code ne correspond pas à celui envoyé. Relisez l'e-mail et "
					 "retapez-le.\n"
				       : "That code does not match the one mailed. Read the email again and "
					 "type it again.\n")
		      : cp->lang == BC_LANG_FR
			      ? "Un code à 6 chiffres a été envoyé à cette adresse (il est valable 20 minutes).\n"
			      : "A 6-digit code was sent to that address (valid for 20 minutes).\n", stderr);
	if (cli_read_input(cp->lang == BC_LANG_FR ? "Code reçu par e-mail : " : "Code from the email: ",
			   cp->from_stdin, 1, line, sizeof(line)) < 0)
		return -1;
	for (i = 0; line[i] && n < 7; i++)
		if (line[i] >= '0' && line[i] <= '9')
			code[n++] = line[i];
		else if (line[i] != ' ' && line[i] != '-')
			n = 7;
	sodium_memzero(line, sizeof(line));
	if (n != 6) {
		/* not 6 digits: let the server count it as a wrong code */
		memcpy(code, "000000", 6);
		n = 6;
	}
	code[6] = '\0';
	return 0;
}

/* A code refused by the verification limits (docs/verify.md "The code"):
 * the message, in lang, into err->msg (the code stays "rate_limited"). */
static void verify_limited(struct bc_error *err, enum bc_report_lang lang)
{
	long s = err->retry_after, n = s > 90 ? (s + 59) / 60 : s;
	const char *unit = lang == BC_LANG_FR ? (s > 90 ? "minutes" : n > 1 ? "secondes" : "seconde")
					      : (s > 90 ? "minutes" : n > 1 ? "seconds" : "second");
	char when[64];

	if (s > 0)
		snprintf(when, sizeof(when), lang == BC_LANG_FR ? "réessayez dans %ld %s" : "retry in %ld %s",
			 n, unit);
	else
		snprintf(when, sizeof(when), "%s", lang == BC_LANG_FR ? "réessayez plus tard" : "retry later");
	snprintf(err->msg, sizeof(err->msg), lang == BC_LANG_FR ? "%s : %s" : "%s: %s",
		 lang == BC_LANG_FR ? "pas de nouveau code : un seul code à la fois par adresse (valable "
				      "20 minutes), 3 par adresse et par jour, et quelques-uns par connexion et "
				      "par heure (HTTP 429)"
				    : "no new code: one live code per address at a time (valid 20 minutes), "
				      "3 per address a day, and a few per connection an hour (HTTP 429)",
		 when);
}

/* check --verify-email (DESIGN §6, docs/verify.md): address and NIR from the
 * prompt or --stdin, a code by mail, the full record. */
static int check_verify_email(const struct bc_query *given, const char *server, const char *index,
			      struct bc_remote_options *ro, int from_stdin, int json, enum bc_report_lang lang)
{
	struct bc_error err = BC_ERROR_INIT;
	struct bc_client_backend be = { 0 };
	struct bc_report report = { 0 };
	struct code_prompt cp = { from_stdin, lang, 0 };
	int fr = lang == BC_LANG_FR, status;
	char *s;

	if (!server || index) {
		fprintf(stderr, "%s\n", fr ? "breachcheck check: --verify-email demande --server URL (le code part par e-mail du serveur)"
					  : "breachcheck check: --verify-email needs --server URL (the code is mailed by the server)");
		return BC_EXIT_USAGE;
	}
	if (!no_identifier(given)) {
		fprintf(stderr, "%s\n", fr ? "breachcheck check: avec --verify-email, l'adresse et le NIR se saisissent à "
					    "l'invite (ou --stdin), jamais sur la ligne de commande"
					  : "breachcheck check: with --verify-email, the address and the NIR are typed at "
					    "the prompt (or --stdin), never on the command line");
		return BC_EXIT_USAGE;
	}
	s = sodium_init() < 0 ? NULL : sodium_malloc(2 * SECRET_LINE);
	if (!s)
		return BC_EXIT_FAILURE;
	if (cli_read_input(fr ? "Adresse e-mail : " : "Email address: ", from_stdin, 1, s, SECRET_LINE) < 0 ||
	    cli_read_secret(fr ? "Numéro de sécurité sociale : " : "Social security number: ", from_stdin,
			    s + SECRET_LINE, SECRET_LINE) < 0) {
		fprintf(stderr, "%s\n", !from_stdin && !isatty(STDIN_FILENO)
			? (fr ? "breachcheck check: l'entrée n'est pas un terminal : utilisez --stdin"
			      : "breachcheck check: standard input is not a terminal: use --stdin")
			: (fr ? "breachcheck check: adresse ou NIR manquant" : "breachcheck check: address or NIR missing"));
		sodium_free(s);
		return BC_EXIT_USAGE;
	}
	ro->server = server;
	ro->mode = BC_BUCKETS_FILE; /* verified.bin comes whole: nobody learns which entry */
	if (isatty(STDERR_FILENO)) {
		ro->on_wait = on_wait;
		ro->on_progress = on_progress;
		ro->cb_arg = &lang;
	}
	if (bc_client_open_remote(&be, ro, &err) ||
	    bc_client_verified_check(&be, s, s + SECRET_LINE, ask_code, &cp, &report, &err)) {
		sodium_free(s);
		bc_client_backend_release(&be);
		if (strcmp(err.code, bc_err_rate_limited) != 0)
			return fail(&err, json, lang);
		/* a refused code, not a refused search: say which limits, in the
		 * person's language (fail's French table speaks of searches) */
		verify_limited(&err, lang);
		return fail(&err, json, BC_LANG_EN);
	}
	sodium_free(s);
	if (json ? bc_report_write_json(&report, lang, stdout, &err)
		 : bc_report_write_text(&report, lang, stdout, &err)) {
		status = fail(&err, json, lang);
	} else {
		if (!json)
			printf("%s\n", fr ? "Ce que le serveur et son relais de courrier ont appris : votre adresse e-mail "
					   "et l'heure de la demande ; pas votre NIR, ni si une fiche existe."
					 : "What the server and its mail relay learned: your email address and the time "
					   "of the request; not your NIR, nor whether a record exists.");
		status = bc_report_found(&report) ? BC_EXIT_OK : BC_EXIT_NOT_FOUND;
	}
	bc_report_release(&report);
	bc_client_backend_release(&be);
	return status;
}

/* What the command line gives check; ro.pin_pk_s and pin_pk_v point into it. */
struct check_args {
	struct bc_query q;
	struct bc_remote_options ro;
	const char *server, *index, *key;
	uint8_t pin_s[32], pin_v[32];
	enum bc_report_lang lang;
	int json, claim, from_stdin, verify_email;
};

/* The options into a (json and lang already prescanned). Returns -1 when they
 * parse, else the exit status (usage_error said why, never echoing a value). */
static int check_parse(int argc, char **argv, struct check_args *a)
{
	int c;

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, "", options, NULL)) != -1) {
		switch (c) {
		case OPT_SERVER: a->server = optarg; break;
		case OPT_INDEX: a->index = optarg; break;
		case OPT_KEY: a->key = optarg; break;
		case OPT_CACHE_DIR: a->ro.cache_dir = optarg; break;
		case OPT_TIMEOUT: {
			char *end;
			long v = strtol(optarg, &end, 10);

			if (end == optarg || *end || v < 1 || v > 3600)
				return usage_error(U_TIMEOUT, a->json, a->lang);
			a->ro.timeout_s = v;
			break;
		}
		case OPT_MAX_WAIT: {
			char *end;
			long v = strtol(optarg, &end, 10);

			if (end == optarg || *end || v < 0 || v > 3600)
				return usage_error(U_MAX_WAIT, a->json, a->lang);
			a->ro.max_wait_s = v;
			break;
		}
		case OPT_PUBLIC_KEY:
		case OPT_VERIFIED_PUBLIC_KEY:
			if (bc_b64url_decode(optarg, strlen(optarg),
					     c == OPT_PUBLIC_KEY ? a->pin_s : a->pin_v, 32) != 32)
				return usage_error(U_PUBLIC_KEY, a->json, a->lang);
			if (c == OPT_PUBLIC_KEY)
				a->ro.pin_pk_s = a->pin_s;
			else
				a->ro.pin_pk_v = a->pin_v;
			break;
		case OPT_BUCKET_MODE:
			if (!strcmp(optarg, "file"))
				a->ro.mode = BC_BUCKETS_FILE;
			else if (!strcmp(optarg, "fetch"))
				a->ro.mode = BC_BUCKETS_FETCH;
			else
				return usage_error(U_BUCKET_MODE, a->json, a->lang);
			break;
		case OPT_NIR:
			if (set_once(&a->q.nir, optarg))
				return usage_error(U_NIR_TWICE, a->json, a->lang);
			break;
		case OPT_LAST_NAME:
			if (a->q.n_last_names == BC_QUERY_MAX_LAST_NAMES)
				return usage_error(U_LAST_NAMES, a->json, a->lang);
			a->q.last_names[a->q.n_last_names++] = optarg;
			break;
		case OPT_FIRST_NAME:
			if (set_once(&a->q.first_name, optarg))
				return usage_error(U_FIRST_TWICE, a->json, a->lang);
			break;
		case OPT_DOB:
			if (set_once(&a->q.dob, optarg))
				return usage_error(U_DOB_TWICE, a->json, a->lang);
			break;
		case OPT_EMAIL:
			if (set_once(&a->q.email, optarg))
				return usage_error(U_EMAIL_TWICE, a->json, a->lang);
			break;
		case OPT_PHONE:
			if (set_once(&a->q.phone, optarg))
				return usage_error(U_PHONE_TWICE, a->json, a->lang);
			break;
		case OPT_JSON: a->json = 1; break;
		case OPT_CLAIM: a->claim = 1; break;
		case OPT_STDIN: a->from_stdin = 1; break;
		case OPT_VERIFY_EMAIL: a->verify_email = 1; break;
		case OPT_LANG:
			if (bc_report_lang_parse(optarg, &a->lang))
				return usage_error(U_LANG, a->json, a->lang);
			break;
		default:
			/* never echo the argument: it may be an identifier */
			return usage_error(optopt == OPT_JSON ? U_NO_ARG
					   : optopt ? U_NO_VALUE : U_UNKNOWN, a->json, a->lang);
		}
	}
	return -1;
}

int cmd_check(int argc, char **argv)
{
	struct bc_error err = BC_ERROR_INIT;
	struct bc_query q = { 0 };
	struct bc_client_tokens tokens;
	struct bc_client_backend be = { 0 };
	struct bc_remote_options ro = { 0 };
	struct bc_report report = { 0 };
	enum bc_report_lang lang = bc_report_lang_from_env();
	const char *server = NULL, *index = NULL, *key = NULL;
	struct check_args a = { 0 };
	int json = 0, status = BC_EXIT_FAILURE, have_report = 0, claim = 0, from_stdin = 0;
	int verify_email = 0;
	char *secrets = NULL;

	if (cli_wants_help(argc, argv)) {
		fputs(usage, stdout);
		return BC_EXIT_OK;
	}
	prescan(argc, argv, &json, &lang);
	a.ro.max_wait_s = 60;
	a.json = json;
	a.lang = lang;
	status = check_parse(argc, argv, &a);
	json = a.json;
	lang = a.lang;
	if (status >= 0)
		return status;
	status = BC_EXIT_FAILURE;
	q = a.q;
	ro = a.ro;
	server = a.server;
	index = a.index;
	key = a.key;
	claim = a.claim;
	from_stdin = a.from_stdin;
	verify_email = a.verify_email;
	if (optind < argc)
		return usage_error(U_STRAY, json, lang);
	if (!server && !(index && key))
		return usage_error(U_NO_MODE, json, lang);
	if (server && key)
		return usage_error(U_KEY_REMOTE, json, lang);
	if (verify_email)
		return check_verify_email(&q, server, index, &ro, from_stdin, json, lang);
	if (claim && (secrets = read_claim(&q, from_stdin, json, lang, &status)) == NULL)
		return status;
	if (!claim && no_identifier(&q) && (from_stdin || isatty(STDIN_FILENO)) &&
	    (secrets = read_identifiers(&q, from_stdin, lang, &status)) == NULL)
		return status;
	if (bc_client_prepare(&q, NULL, lang == BC_LANG_FR ? "fr" : "en", &tokens, &err)) {
		if (secrets)
			sodium_free(secrets);
		return fail(&err, json, lang);
	}
	if (secrets) {
		sodium_free(secrets);
		q.claim_code = q.nir = q.dob = NULL;
	}
	if (tokens.incomplete_namedob)
		fprintf(stderr,
			lang == BC_LANG_FR
				? "breachcheck check: nom + date de naissance non recherchés : il faut "
				  "aussi %s\n"
				: "breachcheck check: name + date of birth not searched: it also needs %s\n",
			tokens.missing);
	if (server) {
		ro.server = server;
		ro.index_dir = index;
		if (isatty(STDERR_FILENO)) {
			ro.on_wait = on_wait;
			ro.on_progress = on_progress;
			ro.cb_arg = &lang;
		}
		if (bc_client_open_remote(&be, &ro, &err))
			goto fail;
	} else if (bc_client_open_local(&be, index, key, &err)) {
		goto fail;
	} else if ((ro.pin_pk_s && sodium_memcmp(be.pk_s, ro.pin_pk_s, 32)) ||
		   (ro.pin_pk_v &&
		    sodium_memcmp(bc_index_verified_public_key(be.idx), ro.pin_pk_v, 32))) {
		bc_error_set(&err, bc_err_key_pinned,
			     "the key file's public key is not the one given with --public-key or "
			     "--verified-public-key");
		goto fail;
	}
	if (bc_client_check(&be, &tokens, &report, &err))
		goto fail;
	have_report = 1;
	if (json ? bc_report_write_json(&report, lang, stdout, &err)
		 : bc_report_write_text(&report, lang, stdout, &err))
		goto fail;
	/* #14 item 9: what the bucket host saw, with this index's real anonymity */
	if (server && !index && ro.mode == BC_BUCKETS_FETCH && !json)
		printf(lang == BC_LANG_FR
			       ? "Parties de l'index lues sur l'hébergement des buckets : %d, chacune "
				 "avec au moins %u entrées réelles (la plus petite de cet index).\n"
			       : "Buckets read from the bucket host: %d, each holding at least %u "
				 "real entries (this index's smallest).\n",
		       BC_CLIENT_PAD_READS, bc_index_min_real_entries(be.idx));
	status = bc_report_found(&report) ? BC_EXIT_OK : BC_EXIT_NOT_FOUND;
	goto out;
fail:
	status = fail(&err, json, lang);
out:
	if (have_report)
		bc_report_release(&report);
	bc_client_backend_release(&be);
	sodium_memzero(&tokens, sizeof(tokens));
	return status;
}
