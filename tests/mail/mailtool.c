/*
 * Test tool: sends one message through src/mail and prints the outcome.
 * usage: bc-mail-tool (--smtp-url URL | --mail-dir DIR) --from ADDR --to ADDR
 *                     --subject S --text T [--html H] [--message-id ID]
 * Prints "sent <smtp code> <message-id>" and exits 0, or prints the error
 * ("code: message") on stderr and exits 1.
 */
#include <stdio.h>
#include <string.h>

#include "mail/mail.h"

int main(int argc, char **argv)
{
	struct bc_mail_config cfg = { 0 };
	struct bc_mail_message m = { 0 };
	struct bc_mail_result res;
	struct bc_error err = BC_ERROR_INIT;
	int i;

	for (i = 1; i + 1 < argc; i += 2) {
		const char *k = argv[i], *v = argv[i + 1];
		if (!strcmp(k, "--smtp-url")) cfg.smtp_url = v;
		else if (!strcmp(k, "--mail-dir")) cfg.mail_dir = v;
		else if (!strcmp(k, "--from")) cfg.from = v;
		else if (!strcmp(k, "--credentials")) cfg.credentials_file = v;
		else if (!strcmp(k, "--to")) m.to = v;
		else if (!strcmp(k, "--subject")) m.subject = v;
		else if (!strcmp(k, "--text")) m.text = v;
		else if (!strcmp(k, "--html")) m.html = v;
		else if (!strcmp(k, "--message-id")) m.message_id = v;
		else {
			fprintf(stderr, "bc-mail-tool: unknown option %s\n", k);
			return 2;
		}
	}
	cfg.timeout_ms = 10000;
	if (bc_mail_send(&cfg, &m, &res, &err)) {
		fprintf(stderr, "%s: %s\n", err.code, err.msg);
		return 1;
	}
	printf("sent %ld %s\n", res.smtp_code, res.message_id);
	return 0;
}
