/* What a person types (identifiers, a claim code, a NIR, a verification
 * code): from a prompt, without echo for secrets, or --stdin; never argv. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <sodium.h>

#include "cli/cli.h"

int cli_read_secret(const char *prompt, int from_stdin, char *buf, size_t size)
{
	return cli_read_input(prompt, from_stdin, 0, buf, size);
}

int cli_read_input(const char *prompt, int from_stdin, int echo, char *buf, size_t size)
{
	struct termios old, quiet;
	int tty = !from_stdin && isatty(STDIN_FILENO), echo_off = 0;
	size_t n;
	char *r;

	if (!from_stdin && !tty)
		return -2;
	if (tty) {
		fputs(prompt, stderr);
		fflush(stderr);
		if (!echo && tcgetattr(STDIN_FILENO, &old) == 0) {
			quiet = old;
			quiet.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
			echo_off = tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet) == 0;
		}
	}
	r = fgets(buf, (int)size, stdin);
	if (echo_off) {
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
		fputc('\n', stderr);
	}
	if (!r) {
		buf[0] = '\0';
		return -1;
	}
	n = strcspn(buf, "\r\n");
	if (buf[n] == '\0' && n + 1 == size) {
		/* longer than any code or NIR: drop the rest of the line */
		int c;

		while ((c = getchar()) != EOF && c != '\n')
			;
		sodium_memzero(buf, size);
		return -1;
	}
	buf[n] = '\0';
	return (int)n;
}
