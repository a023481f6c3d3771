#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "cli/cli.h"
#include "group/group.h"
#include "leak/profile.h"
#include "leak/reader.h"
#include "opreport/opreport.h"
#include "report/report.h"

static const char usage[] =
	"usage: breachcheck profile FILE [--json] [--html REPORT.html [--lang fr|en]]\n"
	"                           [--mapping FILE] [--strict]\n"
	"\n"
	"Describe what a leak file holds, without printing any identifier: dialect\n"
	"and encoding, column mapping, bad rows per reason (with line numbers),\n"
	"coverage per data class, NIR validity, distinct patients, rows per source\n"
	"and per sample year, sensitive categories.\n"
	"\n"
	"  --json          machine-readable output\n"
	"  --html FILE     also write a report to look at: one HTML file with charts,\n"
	"                  no identifier, no script, opens offline (same figures as --json)\n"
	"  --lang fr|en    language of the HTML report (default from LANG)\n"
	"  --mapping FILE  force dialect and columns (format: docs/leak-files.md)\n"
	"  --strict        stop at the first bad row, with FILE:LINE:COL\n"
	"\n"
	"Exit status: 0 success, 2 bad input (empty, binary, truncated file,\n"
	"strict-mode error) or usage, 3 any other failure.\n";

int cmd_profile(int argc, char **argv)
{
	struct bc_group *grp = NULL;
	struct bc_error err = BC_ERROR_INIT;
	struct leak_mapping mapping;
	/* a file without a header is read with the columns its content tells (printed as a mapping file) */
	struct leak_options opt = { NULL, 0, 1, 0 };
	struct leak_reader reader;
	struct leak_profile prof;
	struct bc_record rec;
	const char *path = NULL, *mapping_path = NULL, *html = NULL;
	enum bc_report_lang lang = bc_report_lang_from_env();
	int json = 0, i, rc = BC_EXIT_USAGE, have_reader = 0, have_prof = 0, n, end_of_options = 0;
	json_t *j = NULL;

	if (cli_wants_help(argc, argv)) {
		fputs(usage, stdout);
		return BC_EXIT_OK;
	}
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--") && !end_of_options) {
			end_of_options = 1;
		} else if (end_of_options) {
			if (path) {
				fprintf(stderr, "breachcheck profile: only one FILE\n%s", usage);
				goto out;
			}
			path = argv[i];
		} else if (!strcmp(argv[i], "--json")) {
			json = 1;
		} else if (!strcmp(argv[i], "--strict")) {
			opt.strict = 1;
		} else if (!strcmp(argv[i], "--html")) {
			if (++i >= argc) {
				fputs("breachcheck profile: --html needs a file name\n", stderr);
				goto out;
			}
			html = argv[i];
		} else if (!strcmp(argv[i], "--lang")) {
			if (++i >= argc || bc_report_lang_parse(argv[i], &lang)) {
				fputs("breachcheck profile: --lang must be fr or en\n", stderr);
				goto out;
			}
		} else if (!strcmp(argv[i], "--mapping")) {
			if (++i >= argc) {
				fputs("breachcheck profile: --mapping needs a file\n", stderr);
				goto out;
			}
			mapping_path = argv[i];
		} else if (argv[i][0] == '-' && argv[i][1]) {
			fprintf(stderr, "breachcheck profile: unknown option '%.32s'\n%s", argv[i], usage);
			goto out;
		} else if (!path) {
			path = argv[i];
		} else {
			fprintf(stderr, "breachcheck profile: only one FILE\n%s", usage);
			goto out;
		}
	}
	if (!path) {
		fputs(usage, stderr);
		goto out;
	}
	if (mapping_path) {
		if (leak_mapping_load(&mapping, mapping_path, &err) < 0) {
			cli_print_error(&err);
			goto out;
		}
		opt.mapping = &mapping;
	}
	if (leak_reader_init(&reader, path, &opt, &err) < 0) {
		cli_print_error(&err);
		rc = !strcmp(err.code, "out_of_memory") || !strcmp(err.code, "read_failed") ? BC_EXIT_FAILURE
											   : BC_EXIT_USAGE;
		goto out;
	}
	have_reader = 1;
	if (leak_profile_init_grouped(&prof, &err) < 0 || bc_group_new(&grp, NULL, 0, &err) < 0) {
		cli_print_error(&err);
		rc = BC_EXIT_FAILURE;
		goto out;
	}
	have_prof = 1;
	while ((n = leak_reader_next(&reader, &rec, &err)) > 0) {
		if (leak_profile_add(&prof, &rec, &err) < 0 || bc_group_add(grp, &rec, &err) < 0) {
			cli_print_error(&err);
			rc = BC_EXIT_FAILURE;
			goto out;
		}
	}
	if (n < 0) {
		cli_print_error(&err);
		rc = !strcmp(err.code, "read_failed") ? BC_EXIT_FAILURE : BC_EXIT_USAGE;
		goto out;
	}
	if (cli_profile_patients(&prof, grp, &err) < 0) {
		cli_print_error(&err);
		rc = BC_EXIT_FAILURE;
		goto out;
	}
	if (json || html) {
		/* one object for both renderings: the report's figures are --json's */
		j = leak_profile_to_json(&prof, &reader, path);
		if (!j) {
			fputs("breachcheck profile: out of memory\n", stderr);
			rc = BC_EXIT_FAILURE;
			goto out;
		}
	}
	if (html) {
		if (bc_opreport_write_html_file(html, j, lang, &err)) {
			cli_print_error(&err);
			rc = BC_EXIT_FAILURE;
			goto out;
		}
		fprintf(stderr, "breachcheck profile: report written to %s\n", html);
	}
	if (json) {
		if (json_dumpf(j, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER) < 0) {
			fputs("breachcheck profile: cannot write the JSON report\n", stderr);
			rc = BC_EXIT_FAILURE;
			goto out;
		}
		fputc('\n', stdout);
	} else if (leak_profile_write_text(&prof, &reader, path, stdout) < 0) {
		fputs("breachcheck profile: cannot write the report\n", stderr);
		rc = BC_EXIT_FAILURE;
		goto out;
	}
	rc = fflush(stdout) ? BC_EXIT_FAILURE : BC_EXIT_OK;
out:
	bc_group_free(grp);
	json_decref(j);
	if (have_prof)
		leak_profile_release(&prof);
	if (have_reader)
		leak_reader_release(&reader);
	return rc;
}
