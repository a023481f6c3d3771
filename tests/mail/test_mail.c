/*
 * src/mail without a network: the message format (headers, RFC 2047
 * subject, quoted-printable body, multipart), Maildir delivery (tmp/ then
 * new/, one file, mode 0600), the configuration checks and their errors.
 * SMTP delivery is tested against a real server in smtp_test.sh.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mail/mail.h"

static const struct bc_mail_config cfg_dir_template = { NULL, "codes@example.org", "Vérification", NULL, NULL, 0 };

static void test_format(void **state)
{
	struct bc_mail_config cfg = cfg_dir_template;
	struct bc_mail_message m = { "jean.dupont@example.fr", "Votre code / Your code", NULL, NULL, NULL };
	struct bc_error err = BC_ERROR_INIT;
	char *out = NULL;
	size_t len = 0;
	char longline[200];

	(void)state;
	memset(longline, 'x', sizeof longline - 1);
	longline[sizeof longline - 1] = '\0';
	m.text = "Code : 123456\nÉlodie = test \n";
	cfg.mail_dir = "unused";
	assert_int_equal(bc_mail_format(&cfg, &m, "<abc@example.org>", 0, &out, &len, &err), 0);
	assert_int_equal(strlen(out), len);
	assert_non_null(strstr(out, "Date: Thu, 01 Jan 1970 00:00:00 +0000\r\n"));
	/* "Vérification" as an RFC 2047 encoded word */
	assert_non_null(strstr(out, "From: =?UTF-8?B?VsOpcmlmaWNhdGlvbg==?= <codes@example.org>\r\n"));
	assert_non_null(strstr(out, "To: <jean.dupont@example.fr>\r\n"));
	assert_non_null(strstr(out, "Subject: Votre code / Your code\r\n"));
	assert_non_null(strstr(out, "Message-ID: <abc@example.org>\r\n"));
	assert_non_null(strstr(out, "Content-Type: text/plain; charset=UTF-8\r\n"));
	/* quoted-printable: UTF-8 bytes, '=' and a trailing space encoded, CRLF line ends */
	assert_non_null(strstr(out, "\r\n\r\nCode : 123456\r\n=C3=89lodie =3D test=20\r\n"));
	assert_null(strstr(out, "multipart"));
	free(out);

	/* long lines get soft breaks of at most 76 characters */
	m.text = longline;
	assert_int_equal(bc_mail_format(&cfg, &m, "<abc@example.org>", 0, &out, &len, &err), 0);
	assert_non_null(strstr(out, "=\r\nxxxx"));
	{
		const char *p = strstr(out, "\r\n\r\n") + 4, *e;
		for (; (e = strstr(p, "\r\n")) != NULL; p = e + 2)
			assert_true(e - p <= 76);
	}
	free(out);

	/* HTML alternative: multipart/alternative with both parts */
	m.text = "texte";
	m.html = "<p>texte</p>";
	assert_int_equal(bc_mail_format(&cfg, &m, "<abc@example.org>", 0, &out, &len, &err), 0);
	assert_non_null(strstr(out, "Content-Type: multipart/alternative; boundary=\"bc="));
	assert_non_null(strstr(out, "Content-Type: text/html; charset=UTF-8\r\n"));
	free(out);

	/* a header with a line break or an empty body is refused */
	m.html = NULL;
	m.subject = "a\r\nBcc: x@example.org";
	assert_int_equal(bc_mail_format(&cfg, &m, "<abc@example.org>", 0, &out, &len, &err), -1);
	assert_string_equal(err.code, "bad_message");
	m.subject = "ok";
	m.text = "";
	assert_int_equal(bc_mail_format(&cfg, &m, "<abc@example.org>", 0, &out, &len, &err), -1);
	assert_null(out);
}

static void test_config(void **state)
{
	struct bc_mail_config cfg = cfg_dir_template;
	struct bc_error err = BC_ERROR_INIT;

	(void)state;
	assert_int_equal(bc_mail_config_check(&cfg, &err), -1); /* neither */
	assert_string_equal(err.field, "smtp_url");
	cfg.smtp_url = "smtp://127.0.0.1:1";
	cfg.mail_dir = "/tmp/x";
	assert_int_equal(bc_mail_config_check(&cfg, &err), -1); /* both */
	cfg.mail_dir = NULL;
	assert_int_equal(bc_mail_config_check(&cfg, &err), 0);
	cfg.smtp_url = "http://127.0.0.1:1";
	assert_int_equal(bc_mail_config_check(&cfg, &err), -1);
	assert_string_equal(err.code, "bad_mail_config");
	cfg.smtp_url = "smtps://127.0.0.1:1";
	cfg.from = "not an address";
	assert_int_equal(bc_mail_config_check(&cfg, &err), -1);
	assert_string_equal(err.field, "from");
	cfg.from = "codes@example.org";
	cfg.credentials_file = "/nonexistent/creds";
	assert_int_equal(bc_mail_config_check(&cfg, &err), -1);
	assert_string_equal(err.field, "credentials_file");
}

static void test_maildir(void **state)
{
	char dir[] = "/tmp/bc-mail-XXXXXX", path[512], buf[4096];
	struct bc_mail_config cfg = cfg_dir_template;
	struct bc_mail_message m = { "jean.dupont@example.fr", "Sujet", "Code : 654321\n", NULL, "<fixed-id@example.org>" };
	struct bc_mail_result res;
	struct bc_error err = BC_ERROR_INIT;
	struct dirent *de;
	struct stat st;
	DIR *d;
	FILE *f;
	int files = 0;
	size_t n;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/box", dir);
	cfg.mail_dir = path;
	assert_int_equal(bc_mail_send(&cfg, &m, &res, &err), 0);
	assert_string_equal(res.message_id, "<fixed-id@example.org>");
	assert_int_equal(res.smtp_code, 0);
	snprintf(path, sizeof path, "%s/box/tmp", dir);
	d = opendir(path);
	assert_non_null(d);
	while ((de = readdir(d)) != NULL)
		assert_true(de->d_name[0] == '.');
	closedir(d);
	snprintf(path, sizeof path, "%s/box/new", dir);
	d = opendir(path);
	assert_non_null(d);
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		files++;
		snprintf(path, sizeof path, "%s/box/new/%s", dir, de->d_name);
		assert_int_equal(stat(path, &st), 0);
		assert_int_equal(st.st_mode & 0777, 0600);
		f = fopen(path, "r");
		assert_non_null(f);
		n = fread(buf, 1, sizeof buf - 1, f);
		buf[n] = '\0';
		fclose(f);
		assert_non_null(strstr(buf, "Message-ID: <fixed-id@example.org>\r\n"));
		assert_non_null(strstr(buf, "Code : 654321\r\n"));
		unlink(path);
	}
	closedir(d);
	assert_int_equal(files, 1);

	/* a Maildir that cannot be created is a clear error */
	cfg.mail_dir = "/proc/bc-no-such-dir/box";
	assert_int_equal(bc_mail_send(&cfg, &m, &res, &err), -1);
	assert_string_equal(err.code, "mail_dir");
	assert_null(strstr(err.msg, "jean"));
	/* a random Message-ID takes the sender's domain */
	bc_mail_new_message_id("codes@example.org", buf);
	assert_int_equal(strlen(buf), 1 + 32 + 1 + strlen("example.org") + 1);
	assert_non_null(strstr(buf, "@example.org>"));
	snprintf(path, sizeof path, "rm -rf '%s'", dir);
	assert_int_equal(system(path), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_config),
		cmocka_unit_test(test_maildir),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
