#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <cmocka.h>

#include <jansson.h>

#include "leak/reader.h"
#include "leak/record.h"
#include "testlib.h"

#define MAX_RECS 16

static char *fixture(const char *name)
{
	static char path[4][1024];
	static int k;
	const char *src = getenv("BC_SOURCE");

	k = (k + 1) % 4;
	snprintf(path[k], sizeof(path[k]), "%s/tests/leak/fixtures/%s", src ? src : ".", name);
	return path[k];
}

static char *slurp(const char *path, size_t *len)
{
	char *buf = bc_test_read_file(path, len);

	assert_non_null(buf);
	return buf;
}

/* Identifiers of the fixtures (identifiers.txt), to check no message quotes one. */
static void assert_no_identifier(const char *text)
{
	size_t len;
	char *ids = slurp(fixture("identifiers.txt"), &len), *line, *nl;

	for (line = ids; *line; line = nl + 1) {
		nl = strchr(line, '\n');
		if (!nl)
			break;
		*nl = '\0';
		if (line[0] == '#' || !line[0])
			continue;
		if (strstr(text, line))
			fail_msg("output contains a fixture identifier (line of identifiers.txt: %zu bytes)",
				 strlen(line));
	}
	free(ids);
}

static int read_all(const char *name, const struct leak_options *opt, struct leak_reader *r,
		    struct bc_record *recs, int max, struct bc_error *err)
{
	int n = 0, rc;
	struct bc_record tmp;

	if (leak_reader_init(r, fixture(name), opt, err) < 0)
		return -1;
	while ((rc = leak_reader_next(r, n < max ? &recs[n] : &tmp, err)) > 0)
		n++;
	if (rc < 0)
		return -1;
	return n;
}

/* ---- csv-spectrum ---- */

static void check_spectrum_case(const char *vectors, const char *base)
{
	char csv[1024], js[1024];
	struct leak_mapping m;
	struct leak_options opt = { &m, 0, 0, 0 };
	struct leak_reader r;
	struct leak_row row;
	struct bc_error err = BC_ERROR_INIT;
	json_error_t jerr;
	json_t *expect, *obj, *v;
	size_t nrows = 0;
	unsigned i, ncols = 0;
	int rc, broken = !strcmp(base, "location_coordinates");
	/* the header row is read as data: forced header cells that are not column names are not kept */
	static char hdr[LEAK_MAX_COLUMNS][LEAK_HEADER_NAME_MAX];

	snprintf(csv, sizeof(csv), "%s/csv-spectrum/csvs/%s.csv", vectors, base);
	snprintf(js, sizeof(js), "%s/csv-spectrum/json/%s.json", vectors, base);
	expect = json_load_file(js, 0, &jerr);
	assert_non_null(expect);
	if (json_is_object(expect)) {
		/* one-row files are stored as a bare object */
		json_t *a = json_array();

		json_array_append_new(a, expect);
		expect = a;
	}
	leak_mapping_init(&m);
	m.header = 0;
	rc = leak_reader_init(&r, csv, &opt, &err);
	if (rc < 0)
		fail_msg("%s: %s", base, err.msg);
	assert_int_equal(r.dialect.delimiter, ',');
	while ((rc = leak_reader_next_row(&r, &row, &err)) > 0) {
		if (!ncols) {
			ncols = row.n;
			for (i = 0; i < row.n; i++) {
				assert_true(row.len[i] < LEAK_HEADER_NAME_MAX);
				memcpy(hdr[i], row.field[i], row.len[i]);
				hdr[i][row.len[i]] = '\0';
			}
			continue;
		}
		obj = json_array_get(expect, nrows);
		assert_non_null(obj);
		assert_int_equal(row.n, json_object_size(obj));
		for (i = 0; i < row.n; i++) {
			/* the vector's JSON has another phone number than its CSV (known broken case) */
			if (broken && !strcmp(hdr[i], "Contact Phone Number"))
				continue;
			v = json_object_get(obj, hdr[i]);
			if (!v)
				fail_msg("%s: no column %s in the JSON", base, hdr[i]);
			if (strlen(json_string_value(v)) != row.len[i] ||
			    memcmp(json_string_value(v), row.field[i], row.len[i]))
				fail_msg("%s: row %zu column %u differs", base, nrows + 1, i + 1);
		}
		nrows++;
	}
	assert_int_equal(rc, 0);
	assert_int_equal(nrows, json_array_size(expect));
	assert_int_equal(r.stats.reason_rows[LEAK_REASON_FIELD_COUNT], 0);
	if (broken) {
		/* bare quotes inside unquoted fields are kept literally and counted */
		assert_int_equal(r.stats.reason_rows[LEAK_REASON_STRAY_QUOTE], 1);
	}
	leak_reader_release(&r);
	json_decref(expect);
}

static void test_csv_spectrum(void **state)
{
	const char *vectors = getenv("BC_VECTORS");
	char dir[1024], base[256];
	DIR *d;
	struct dirent *e;
	int cases = 0;
	size_t n;

	(void)state;
	assert_non_null(vectors);
	snprintf(dir, sizeof(dir), "%s/csv-spectrum/json", vectors);
	d = opendir(dir);
	assert_non_null(d);
	while ((e = readdir(d))) {
		n = strlen(e->d_name);
		if (n < 6 || strcmp(e->d_name + n - 5, ".json"))
			continue;
		snprintf(base, sizeof(base), "%.*s", (int)(n - 5), e->d_name);
		check_spectrum_case(vectors, base);
		cases++;
	}
	closedir(d);
	assert_true(cases >= 12);
}

/* ---- dialects ---- */

static void check_fr_records(const struct bc_record *rec, int n, unsigned long hdr)
{
	assert_int_equal(n, 7);
	/* row 1: usage name inside the name field, key present */
	assert_string_equal(rec[0].nir, "1850375056000");
	assert_int_equal(rec[0].nir_had_key, 1);
	assert_int_equal(rec[0].n_last_names, 2);
	assert_string_equal(rec[0].last_names[0], "DUPONT");
	assert_string_equal(rec[0].last_names[1], "MARTIN");
	assert_string_equal(rec[0].first_name, "JEANNE");
	assert_string_equal(rec[0].dob, "1985-03-12");
	assert_int_equal(rec[0].n_emails, 1);
	assert_int_equal(rec[0].n_phones, 1);
	assert_string_equal(rec[0].phones[0], "+262639980001"); /* 0639: Mayotte, DESIGN §4 */
	assert_int_equal(rec[0].sample_year, 2018);
	assert_int_equal(rec[0].sample_month, 18 * 12 + 4);
	assert_string_equal(rec[0].source, "LAB01");
	assert_int_equal(rec[0].flags, 0x00000FFFu | BC_BIT(12) | BC_BIT(16));
	assert_int_equal(rec[0].line, 1 + hdr);
	/* row 3: no key, two phones, two emails, compound first name, negated mention */
	assert_string_equal(rec[2].nir, "2920169123000");
	assert_int_equal(rec[2].nir_had_key, 0);
	assert_string_equal(rec[2].last_names[0], "LEFEVRE");
	assert_string_equal(rec[2].first_name, "HELENE");
	assert_int_equal(rec[2].n_phones, 2);
	assert_string_equal(rec[2].phones[1], "+33199000003");
	assert_int_equal(rec[2].n_emails, 2);
	assert_string_equal(rec[2].emails[1], "helene@example.org");
	assert_int_equal(rec[2].flags & BC_MEDICAL_MASK, BC_BIT(12));
	/* row 4: Corsica, two-digit year put before the sample date, quoted comment */
	assert_string_equal(rec[3].nir, "255042A005000");
	assert_string_equal(rec[3].dob, "1955-04-05");
	assert_int_equal(rec[3].flags & BC_MEDICAL_MASK, BC_BIT(12) | BC_BIT(19));
	/* row 5: unknown month, comment with a newline inside quotes, not medical */
	assert_string_equal(rec[4].dob, "");
	assert_int_equal(rec[4].dob_status, BC_NORM_INCOMPLETE_DATE);
	assert_int_equal(rec[4].flags & BC_MEDICAL_MASK, 0);
	assert_int_equal(rec[4].line, 5 + hdr);
	/* row 6: wrong key, broken email, no phone */
	assert_string_equal(rec[5].nir, "");
	assert_int_equal(rec[5].nir_status, BC_NORM_INVALID_KEY);
	assert_int_equal(rec[5].n_emails, 0);
	assert_int_equal(rec[5].flags & BC_BIT(BC_CLASS_PHONE), 0);
	assert_int_equal(rec[5].line, 7 + hdr);
	/* row 7: almost empty */
	assert_int_equal(rec[6].nir_status, BC_NORM_EMPTY);
	assert_int_equal(rec[6].flags & BC_BIT(BC_CLASS_DOB), 0);
	assert_int_equal(rec[6].sample_year, 0);
}

static void check_dialect(const char *name, const struct leak_options *opt, enum leak_encoding enc,
			  char delim, int header, enum leak_newline nl)
{
	struct leak_reader r;
	struct bc_error err = BC_ERROR_INIT;
	struct bc_record *rec = calloc(MAX_RECS, sizeof(*rec));
	int n;

	assert_non_null(rec);
	n = read_all(name, opt, &r, rec, MAX_RECS, &err);
	if (n < 0)
		fail_msg("%s: %s", name, err.msg);
	assert_int_equal(r.dialect.encoding, enc);
	assert_int_equal(r.dialect.delimiter, delim);
	assert_int_equal(r.dialect.header, !!header);
	assert_int_equal(r.stats.preamble_rows, header > 1 ? 2 : 0);
	assert_int_equal(r.dialect.newline, nl);
	check_fr_records(rec, n, (unsigned long)header);
	assert_int_equal(r.stats.reason_rows[LEAK_REASON_FIELD_COUNT], 0);
	assert_int_equal(r.stats.reason_rows[LEAK_REASON_INVALID_NIR], 1);
	leak_reader_release(&r);
	free(rec);
}

static void test_dialects(void **state)
{
	struct leak_mapping m;
	struct leak_options opt = { &m, 0, 0, 0 };
	struct bc_error err = BC_ERROR_INIT;

	(void)state;
	check_dialect("fr_comma_utf8.csv", NULL, LEAK_ENC_UTF8, ',', 1, LEAK_NL_LF);
	check_dialect("english.csv", NULL, LEAK_ENC_UTF8, ',', 1, LEAK_NL_LF);
	check_dialect("semicolon_cp1252.csv", NULL, LEAK_ENC_CP1252, ';', 1, LEAK_NL_CRLF);
	check_dialect("tab.tsv", NULL, LEAK_ENC_UTF8, '\t', 1, LEAK_NL_LF);
	check_dialect("pipe.txt", NULL, LEAK_ENC_UTF8, '|', 1, LEAK_NL_LF);
	check_dialect("crlf.csv", NULL, LEAK_ENC_UTF8, ',', 1, LEAK_NL_CRLF);
	check_dialect("cr.csv", NULL, LEAK_ENC_UTF8, ',', 1, LEAK_NL_CR);
	check_dialect("bom.csv", NULL, LEAK_ENC_UTF8_BOM, ',', 1, LEAK_NL_LF);
	check_dialect("utf16le.csv", NULL, LEAK_ENC_UTF16LE, ',', 1, LEAK_NL_LF);
	check_dialect("utf16be.csv", NULL, LEAK_ENC_UTF16BE, ',', 1, LEAK_NL_LF);
	check_dialect("utf16le_nobom.csv", NULL, LEAK_ENC_UTF16LE, ',', 1, LEAK_NL_LF);
	check_dialect("title.csv", NULL, LEAK_ENC_CP1252, ';', 4, LEAK_NL_CRLF);
	assert_int_equal(leak_mapping_load(&m, fixture("headerless.map"), &err), 0);
	check_dialect("headerless.csv", &opt, LEAK_ENC_UTF8, ';', 0, LEAK_NL_LF);
}

static void test_mapping_overrides(void **state)
{
	struct leak_mapping m;
	struct leak_options opt = { &m, 0, 0, 0 };
	struct leak_reader r;
	struct bc_error err = BC_ERROR_INIT;
	struct bc_record *rec = calloc(MAX_RECS, sizeof(*rec));

	(void)state;
	assert_non_null(rec);
	/* by header name, and a forced encoding: UTF-8 read as CP1252 gives mojibake, repaired */
	assert_int_equal(leak_mapping_parse(&m, "encoding = cp1252\ncolumn \"dossier\" = ignore\n"
					    "column \"Téléphone\" = doctor_phone\nsource = LABX\n", "m", &err), 0);
	assert_int_equal(read_all("fr_comma_utf8.csv", &opt, &r, rec, MAX_RECS, &err), 7);
	assert_int_equal(r.dialect.encoding, LEAK_ENC_CP1252);
	assert_int_equal(r.columns.field[16], LEAK_FIELD_IGNORE);
	assert_int_equal(r.columns.field[8], LEAK_FIELD_DOCTOR_PHONE);
	assert_int_equal(rec[0].n_phones, 0);
	assert_string_equal(rec[2].last_names[0], "LEFEVRE");
	assert_string_equal(rec[2].first_name, "HELENE");
	assert_string_equal(rec[0].source, "LAB01");
	leak_reader_release(&r);
	/* a forced delimiter that is wrong: one column, no header found */
	assert_int_equal(leak_mapping_parse(&m, "delimiter = pipe\n", "m", &err), 0);
	assert_int_equal(read_all("fr_comma_utf8.csv", &opt, &r, rec, MAX_RECS, &err), 9);
	assert_int_equal(r.dialect.delimiter, '|');
	assert_int_equal(r.columns.n, 1);
	assert_int_equal(r.dialect.header, 0);
	leak_reader_release(&r);
	free(rec);
}

/* Two exports concatenated: the second header line is skipped, not read as data. */
static void test_repeated_header(void **state)
{
	size_t len, i;
	char *one = slurp(fixture("fr_comma_utf8.csv"), &len), *two = malloc(2 * len);
	struct leak_reader r;
	struct bc_error err = BC_ERROR_INIT;
	struct bc_record rec;
	int rc, n = 0;

	(void)state;
	assert_non_null(two);
	memcpy(two, one, len);
	memcpy(two + len, one, len);
	assert_int_equal(leak_reader_init_buffer(&r, two, 2 * len, "two", NULL, &err), 0);
	while ((rc = leak_reader_next(&r, &rec, &err)) > 0)
		n++;
	assert_int_equal(rc, 0);
	assert_int_equal(n, 14);
	assert_int_equal(r.stats.repeated_headers, 1);
	for (i = 0; i < LEAK_REASON_COUNT; i++)
		if (i != LEAK_REASON_INVALID_NIR && i != LEAK_REASON_INVALID_EMAIL)
			assert_int_equal(r.stats.reason_rows[i], 0);
	assert_int_equal(r.stats.reason_rows[LEAK_REASON_INVALID_NIR], 2);
	assert_int_equal(rec.line, 18);
	leak_reader_release(&r);
	free(two);
	free(one);
}

static void test_headerless_without_mapping(void **state)
{
	struct leak_reader r;
	struct bc_error err = BC_ERROR_INIT;
	struct bc_record *rec = calloc(MAX_RECS, sizeof(*rec));
	unsigned i;

	(void)state;
	assert_int_equal(read_all("headerless.csv", NULL, &r, rec, MAX_RECS, &err), 7);
	assert_int_equal(r.dialect.header, 0);
	assert_int_equal(r.columns.n, 17);
	for (i = 0; i < r.columns.n; i++)
		assert_int_equal(r.columns.field[i], LEAK_FIELD_NONE);
	assert_int_equal(rec[0].flags, BC_BIT(BC_CLASS_LAB_VISIT));
	leak_reader_release(&r);
	free(rec);
}

static void test_mojibake(void **state)
{
	struct leak_reader r;
	struct bc_error err = BC_ERROR_INIT;
	struct bc_record *rec = calloc(MAX_RECS, sizeof(*rec));

	(void)state;
	assert_int_equal(read_all("mojibake.csv", NULL, &r, rec, MAX_RECS, &err), 3);
	assert_string_equal(rec[2].last_names[0], "LEFEVRE");
	assert_string_equal(rec[2].first_name, "HELENE");
	assert_string_equal(rec[0].first_name, "JEANNE");
	leak_reader_release(&r);
	free(rec);
}

/* ---- headers and mapping files ---- */

static void test_header_names(void **state)
{
	static const struct {
		const char *h;
		enum leak_field f;
	} cases[] = {
		{ "Nom", LEAK_FIELD_LAST_NAME }, { "NOM_NAISSANCE", LEAK_FIELD_BIRTH_NAME },
		{ "Nom de naissance", LEAK_FIELD_BIRTH_NAME }, { "Nom d'usage", LEAK_FIELD_USAGE_NAME },
		{ "Nom d\xe2\x80\x99usage", LEAK_FIELD_USAGE_NAME },
		{ "Nom marital", LEAK_FIELD_USAGE_NAME }, { "Prénom(s)", LEAK_FIELD_FIRST_NAME },
		{ "PRENOM", LEAK_FIELD_FIRST_NAME }, { "Sexe", LEAK_FIELD_SEX }, { "DDN", LEAK_FIELD_DOB },
		{ "Date de naissance", LEAK_FIELD_DOB }, { "Né(e) le", LEAK_FIELD_DOB },
		{ "N° SS", LEAK_FIELD_NIR }, { "NIR", LEAK_FIELD_NIR }, { "Sécu", LEAK_FIELD_NIR },
		{ "N° sécurité sociale", LEAK_FIELD_NIR }, { "Adresse", LEAK_FIELD_ADDRESS },
		{ "CP", LEAK_FIELD_POSTCODE }, { "Code postal", LEAK_FIELD_POSTCODE },
		{ "Ville", LEAK_FIELD_CITY }, { "Commune", LEAK_FIELD_CITY }, { "Tél", LEAK_FIELD_PHONE },
		{ "Téléphone", LEAK_FIELD_PHONE }, { "Portable", LEAK_FIELD_PHONE },
		{ "Mobile", LEAK_FIELD_PHONE }, { "Mail", LEAK_FIELD_EMAIL }, { "E-mail", LEAK_FIELD_EMAIL },
		{ "Courriel", LEAK_FIELD_EMAIL }, { "Groupe sanguin", LEAK_FIELD_BLOOD_GROUP },
		{ "GRP_SANG", LEAK_FIELD_BLOOD_GROUP }, { "Médecin", LEAK_FIELD_DOCTOR },
		{ "Médecin traitant", LEAK_FIELD_DOCTOR }, { "Médecin prescripteur", LEAK_FIELD_DOCTOR },
		{ "Adresse médecin", LEAK_FIELD_DOCTOR_ADDRESS }, { "Tél médecin", LEAK_FIELD_DOCTOR_PHONE },
		{ "Mutuelle", LEAK_FIELD_INSURER }, { "Caisse", LEAK_FIELD_INSURER },
		{ "Organisme", LEAK_FIELD_INSURER }, { "Laboratoire", LEAK_FIELD_LAB },
		{ "Labo", LEAK_FIELD_LAB }, { "Site", LEAK_FIELD_LAB },
		{ "Date prélèvement", LEAK_FIELD_SAMPLE_DATE }, { "Date de prélèvement", LEAK_FIELD_SAMPLE_DATE },
		{ "Commentaire", LEAK_FIELD_COMMENT }, { "OBS", LEAK_FIELD_COMMENT },
		{ "Observations", LEAK_FIELD_COMMENT }, { "Remarques", LEAK_FIELD_COMMENT },
		{ "last name", LEAK_FIELD_LAST_NAME }, { "Surname", LEAK_FIELD_LAST_NAME },
		{ "first_name", LEAK_FIELD_FIRST_NAME }, { "Date of birth", LEAK_FIELD_DOB },
		{ "DOB", LEAK_FIELD_DOB }, { "SSN", LEAK_FIELD_NIR }, { "phone", LEAK_FIELD_PHONE },
		{ "EMAIL", LEAK_FIELD_EMAIL }, { "blood group", LEAK_FIELD_BLOOD_GROUP },
		{ "doctor", LEAK_FIELD_DOCTOR }, { "insurer", LEAK_FIELD_INSURER }, { "lab", LEAK_FIELD_LAB },
		{ "sample date", LEAK_FIELD_SAMPLE_DATE }, { "comment", LEAK_FIELD_COMMENT },
		{ "Tel2", LEAK_FIELD_PHONE }, { "nom_patient", LEAK_FIELD_LAST_NAME },
		{ "Dossier", LEAK_FIELD_NONE }, { "", LEAK_FIELD_NONE }, { "Poids", LEAK_FIELD_NONE },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (leak_field_from_header(cases[i].h, strlen(cases[i].h)) != cases[i].f)
			fail_msg("header %s: got %s, want %s", cases[i].h,
				 leak_field_name(leak_field_from_header(cases[i].h, strlen(cases[i].h))),
				 leak_field_name(cases[i].f));
}

static void test_mapping_parse(void **state)
{
	struct leak_mapping m;
	struct bc_error err = BC_ERROR_INIT;

	(void)state;
	assert_int_equal(leak_mapping_parse(&m, "# x\ndelimiter = tab\nencoding = latin-1\n"
					    "header = no\ncolumn 2 = nir\ncolumn \"Nom JF\" = birth_name\n"
					    "quote = none\nsource = LAB-9\n", "m", &err), 0);
	assert_int_equal(m.delimiter, '\t');
	assert_int_equal(m.encoding, LEAK_ENC_CP1252);
	assert_int_equal(m.header, 0);
	assert_int_equal(m.quote, 0);
	assert_int_equal(m.by_index[1], LEAK_FIELD_NIR);
	assert_int_equal(m.n_by_name, 1);
	assert_string_equal(m.by_name[0], "Nom JF");
	assert_string_equal(m.source, "LAB-9");

	assert_int_equal(leak_mapping_parse(&m, "delimiter = ;\n\ncolumn 0 = nir\n", "m.map", &err), -1);
	assert_string_equal(err.code, "bad_mapping");
	assert_int_equal(err.line, 3);
	assert_int_equal(leak_mapping_parse(&m, "column 1 = shoe_size\n", "m.map", &err), -1);
	assert_int_equal(leak_mapping_parse(&m, "encoding = ebcdic\n", "m.map", &err), -1);
	assert_int_equal(leak_mapping_parse(&m, "header\n", "m.map", &err), -1);
	assert_int_equal(leak_mapping_parse(&m, "colour = blue\n", "m.map", &err), -1);
}

/* ---- bad input ---- */

static void expect_init_error(const char *name, const char *code)
{
	struct leak_reader r;
	struct bc_error err = BC_ERROR_INIT;
	char buf[512];

	assert_int_equal(leak_reader_init(&r, fixture(name), NULL, &err), -1);
	assert_string_equal(err.code, code);
	assert_non_null(err.file);
	bc_error_format(&err, buf, sizeof(buf));
	assert_no_identifier(buf);
}

static void test_bad_files(void **state)
{
	struct leak_reader r;
	struct bc_record rec;
	struct bc_error err = BC_ERROR_INIT;
	char buf[512];
	int rc;

	(void)state;
	expect_init_error("empty.csv", "empty_file");
	expect_init_error("blank.csv", "empty_file");
	expect_init_error("binary.bin", "binary_file");
	expect_init_error("does-not-exist.csv", "open_failed");

	assert_int_equal(leak_reader_init(&r, fixture("truncated.csv"), NULL, &err), 0);
	while ((rc = leak_reader_next(&r, &rec, &err)) > 0)
		;
	assert_int_equal(rc, -1);
	assert_string_equal(err.code, "unterminated_quote");
	assert_int_equal(err.line, 5);
	assert_true(err.column > 1);
	bc_error_format(&err, buf, sizeof(buf));
	assert_no_identifier(buf);
	leak_reader_release(&r);
}

static void test_bad_rows(void **state)
{
	struct leak_reader r;
	struct bc_error err = BC_ERROR_INIT;
	struct bc_record *rec = calloc(MAX_RECS, sizeof(*rec));
	const struct leak_stats *s = &r.stats;

	(void)state;
	/* 2 good rows, then: 5 fields (kept by position); a Latin-1 byte; a control byte (kept, read
	   as a space); a stray quote; bad key + email */
	assert_int_equal(read_all("bad_rows.csv", NULL, &r, rec, MAX_RECS, &err), 7);
	assert_int_equal(s->reason_rows[LEAK_REASON_FIELD_COUNT], 1);
	assert_int_equal(s->reason_lines[LEAK_REASON_FIELD_COUNT][0], 4);
	assert_int_equal(s->reason_rows[LEAK_REASON_INVALID_UTF8], 1);
	assert_int_equal(s->reason_lines[LEAK_REASON_INVALID_UTF8][0], 5);
	assert_int_equal(s->reason_rows[LEAK_REASON_CONTROL_BYTES], 1);
	assert_int_equal(s->reason_lines[LEAK_REASON_CONTROL_BYTES][0], 6);
	assert_int_equal(s->reason_rows[LEAK_REASON_STRAY_QUOTE], 1);
	assert_int_equal(s->reason_lines[LEAK_REASON_STRAY_QUOTE][0], 8);
	assert_int_equal(s->reason_rows[LEAK_REASON_INVALID_NIR], 1);
	assert_int_equal(s->reason_lines[LEAK_REASON_INVALID_NIR][0], 9);
	assert_int_equal(s->reason_rows[LEAK_REASON_INVALID_EMAIL], 1);
	assert_int_equal(s->rows, 7);
	assert_int_equal(s->rows_skipped, 0);
	assert_int_equal(s->rows_repaired, 2);
	assert_int_equal(s->repair_rows[LEAK_REPAIR_SHORT_ROW], 1);
	assert_int_equal(s->repair_lines[LEAK_REPAIR_SHORT_ROW][0], 4);
	assert_int_equal(s->repair_rows[LEAK_REPAIR_CONTROL_BYTES], 1);
	assert_int_equal(s->repair_lines[LEAK_REPAIR_CONTROL_BYTES][0], 6);
	/* the short row keeps its five fields by position: a NIR without key */
	assert_string_equal(rec[2].nir, "2920169123000");
	assert_string_equal(rec[2].dob, "1992-01-01");
	/* the Latin-1 row still went through, decoded per field */
	assert_string_equal(rec[3].nir, "255042A005000");
	leak_reader_release(&r);
	free(rec);
}

static void expect_strict(const char *name, const char *code, unsigned long line, unsigned long col)
{
	struct leak_options opt = { NULL, 1, 0, 0 };
	struct leak_reader r;
	struct bc_error err = BC_ERROR_INIT;
	struct bc_record rec;
	char buf[512];
	int rc;

	assert_int_equal(leak_reader_init(&r, name[0] == '/' ? name : fixture(name), &opt, &err), 0);
	while ((rc = leak_reader_next(&r, &rec, &err)) > 0)
		;
	assert_int_equal(rc, -1);
	assert_string_equal(err.code, code);
	assert_int_equal(err.line, line);
	if (col)
		assert_int_equal(err.column, col);
	bc_error_format(&err, buf, sizeof(buf));
	assert_no_identifier(buf);
	leak_reader_release(&r);
}

static void test_strict(void **state)
{
	char path[1024];

	(void)state;
	expect_strict("bad_rows.csv", "field_count", 4, 0);
	/* fr_comma_utf8.csv line 8: wrong NIR key, in column 5 after "Müller,Zoé,F,31/12/1978," */
	expect_strict("fr_comma_utf8.csv", "invalid_nir", 8, 27);
	/* a bare quote in the second field of line 2 */
	snprintf(path, sizeof(path), "%s/csv-spectrum/csvs/location_coordinates.csv", getenv("BC_VECTORS"));
	expect_strict(path, "stray_quote", 2, 12);
}

/* ---- buffer boundaries and streaming ---- */

static void test_big_stream(void **state)
{
	const size_t rows = 60000;
	size_t cap = rows * 160 + 256, len = 0, i;
	char *data = malloc(cap);
	struct leak_reader r;
	struct leak_row row;
	struct bc_error err = BC_ERROR_INIT;
	size_t n = 0;
	int rc;

	(void)state;
	assert_non_null(data);
	len += (size_t)snprintf(data + len, cap - len, "Nom;Prénom;Commentaire\r\n");
	for (i = 0; i < rows; i++)
		len += (size_t)snprintf(data + len, cap - len,
					"NOM%zu;\"Pré;nom\r\n\"\"%zu\"\"\";\"%0*d\"\r\n", i, i,
					(int)(i % 97), 0);
	assert_int_equal(leak_reader_init_buffer(&r, data, len, "big", NULL, &err), 0);
	assert_int_equal(r.dialect.delimiter, ';');
	while ((rc = leak_reader_next_row(&r, &row, &err)) > 0) {
		char want[64];
		int wl = snprintf(want, sizeof(want), "Pré;nom\r\n\"%zu\"", n);

		assert_int_equal(row.n, 3);
		assert_int_equal(row.len[1], (size_t)wl);
		assert_memory_equal(row.field[1], want, (size_t)wl);
		assert_int_equal(row.len[2], n % 97 ? n % 97 : 1);
		assert_int_equal(row.line, 2 + 2 * n);
		n++;
	}
	assert_int_equal(rc, 0);
	assert_int_equal(n, rows);
	assert_true(r.stats.bytes == len);
	leak_reader_release(&r);
	free(data);
}

static void test_row_too_long(void **state)
{
	size_t len = 3u << 20;
	char *data = malloc(len);
	struct leak_reader r;
	struct leak_row row;
	struct bc_error err = BC_ERROR_INIT;

	(void)state;
	assert_non_null(data);
	memcpy(data, "Nom,Prénom\nA,\"", 15);
	memset(data + 15, 'x', len - 15);
	assert_int_equal(leak_reader_init_buffer(&r, data, len, "long", NULL, &err), 0);
	assert_int_equal(leak_reader_next_row(&r, &row, &err), -1);
	assert_string_equal(err.code, "row_too_long");
	assert_int_equal(err.line, 2);
	leak_reader_release(&r);
	free(data);
}

static void test_long_invalid_utf8_row(void **state)
{
	size_t big = 1500000, len = 0, i;
	char *data = malloc(big + 200000);
	struct leak_reader r;
	struct leak_row row;
	struct bc_error err = BC_ERROR_INIT;
	int rc, n = 0;

	(void)state;
	assert_non_null(data);
	len += (size_t)snprintf(data, 64, "Nom,Prénom\n");
	for (i = 0; i < 20000; i++) {
		memcpy(data + len, "\xc3\xa9,\xc3\xa8\n", 6);
		len += 6;
	}
	memcpy(data + len, "A,", 2);
	len += 2;
	/* 0x80 alone is not UTF-8: read as CP1252, the euro sign, 3 bytes each */
	memset(data + len, 0x80, big);
	len += big;
	data[len++] = '\n';
	assert_int_equal(leak_reader_init_buffer(&r, data, len, "long8", NULL, &err), 0);
	assert_int_equal(r.dialect.encoding, LEAK_ENC_UTF8);
	while ((rc = leak_reader_next_row(&r, &row, &err)) > 0)
		n++;
	assert_int_equal(rc, 0);
	assert_int_equal(n, 20001);
	assert_int_equal(row.len[1], 3 * big);
	assert_memory_equal(row.field[1], "\xe2\x82\xac", 3);
	assert_int_equal(r.stats.reason_rows[LEAK_REASON_INVALID_UTF8], 1);
	assert_int_equal(r.stats.reason_lines[LEAK_REASON_INVALID_UTF8][0], 20002);
	leak_reader_release(&r);
	free(data);
}

/* A CP1252 file whose first 64 KiB are ASCII: switched to CP1252 at the first accent. */
static void test_late_cp1252(void **state)
{
	size_t cap = 200000, len = 0, i;
	char *data = malloc(cap);
	struct leak_reader r;
	struct bc_error err = BC_ERROR_INIT;
	struct bc_record rec, prev;
	int rc, n = 0;

	(void)state;
	assert_non_null(data);
	len += (size_t)snprintf(data, cap, "NOM,PRENOM,VILLE\n");
	for (i = 0; i < 4000; i++)
		len += (size_t)snprintf(data + len, cap - len, "DUPONT,JEAN,PARIS\n");
	len += (size_t)snprintf(data + len, cap - len, "LEF\xc8VRE,H\xc9L\xc8NE,\xc9VRY\n"
				"M\xdcLLER,ZO\xc9,S\xc8TE\n");
	assert_int_equal(leak_reader_init_buffer(&r, data, len, "late", NULL, &err), 0);
	assert_int_equal(r.dialect.encoding, LEAK_ENC_UTF8);
	memset(&prev, 0, sizeof(prev));
	while ((rc = leak_reader_next(&r, &rec, &err)) > 0) {
		n++;
		if (n == 4001)
			prev = rec;
	}
	assert_int_equal(rc, 0);
	assert_int_equal(n, 4002);
	assert_int_equal(r.dialect.encoding, LEAK_ENC_CP1252);
	assert_int_equal(r.stats.reason_rows[LEAK_REASON_INVALID_UTF8], 0);
	assert_string_equal(prev.last_names[0], "LEFEVRE");
	assert_string_equal(prev.first_name, "HELENE");
	assert_string_equal(rec.last_names[0], "MULLER");
	assert_string_equal(rec.first_name, "ZOE");
	assert_int_equal(rec.line, 4003);
	assert_true(r.stats.bytes == len);
	leak_reader_release(&r);
	free(data);
}

static void test_names(void **state)
{
	(void)state;
	assert_string_equal(bc_class_name(0), "name");
	assert_string_equal(bc_class_name(11), "sample_date");
	assert_string_equal(bc_class_name(12), "medical_comment");
	assert_string_equal(bc_class_name(19), "other_medical");
	assert_string_equal(bc_class_name(31), "shared");
	assert_null(bc_class_name(13));
	assert_null(bc_class_name(32));
	assert_string_equal(leak_reason_name(LEAK_REASON_INVALID_PHONE), "invalid_phone");
	assert_int_equal(leak_field_from_name("doctor_phone", 12), LEAK_FIELD_DOCTOR_PHONE);
	assert_int_equal(leak_field_from_name("unmapped", 8), -1);
}

/* Keep every row (issue 11): each repaired-row case, read field by field. */
static void test_repaired_rows(void **state)
{
	struct leak_reader r;
	struct leak_row row;
	struct bc_error err = BC_ERROR_INIT;
	struct bc_record rec;
	static const char *const comments[] = {
		"RAS", "", "", "diabète type 2, sous metformine, à jeun", "VIH positif, suivi",
	};
	char got[128];
	int k = 0;

	(void)state;
	assert_int_equal(leak_reader_init(&r, fixture("repair_rows.csv"), NULL, &err), 0);
	while (leak_reader_next_row(&r, &row, &err) == 1) {
		assert_true(k < 5);
		assert_int_equal(row.n, 8);
		snprintf(got, sizeof(got), "%.*s", (int)row.len[7], row.field[7]);
		assert_string_equal(got, comments[k]);
		k++;
	}
	assert_int_equal(k, 5);
	assert_int_equal(r.stats.rows, 5);
	assert_int_equal(r.stats.rows_repaired, 4);
	assert_int_equal(r.stats.rows_skipped, 1);
	assert_int_equal(r.stats.drop_lines[LEAK_DROP_NOTHING_USABLE][0], 7);
	assert_int_equal(r.stats.dropped_with_identifier, 0);
	leak_reader_release(&r);

	/* the last column is not free text: the surplus is kept aside, the row kept */
	assert_int_equal(leak_reader_init(&r, fixture("repair_aside.csv"), NULL, &err), 0);
	assert_int_equal(leak_reader_next(&r, &rec, &err), 1);
	assert_int_equal(leak_reader_next(&r, &rec, &err), 1);
	assert_string_equal(rec.last_names[0], "MARTIN");
	assert_string_equal(rec.nir, "1850375056000");
	assert_int_equal(leak_reader_next(&r, &rec, &err), 0);
	assert_int_equal(r.stats.repair_rows[LEAK_REPAIR_SURPLUS_ASIDE], 1);
	assert_int_equal(r.stats.fields_aside, 2);
	assert_int_equal(r.stats.rows_skipped, 1);
	assert_int_equal(r.stats.dropped_with_identifier, 1);
	leak_reader_release(&r);

	/* issue 14 item 10: `sed 's/,$//'` and one extra trailing delimiter keep every row and its identifiers */
	assert_int_equal(leak_reader_init(&r, fixture("repair_sed_trailing.csv"), NULL, &err), 0);
	for (k = 0; leak_reader_next(&r, &rec, &err) == 1; k++)
		assert_true(rec.nir_status != BC_NORM_EMPTY && rec.last_names[0][0]);
	assert_int_equal(k, 3);
	assert_int_equal(r.stats.repair_rows[LEAK_REPAIR_SHORT_ROW], 3);
	assert_non_null(strstr(leak_stats_cause(&r.stats, got, sizeof(got)), "fewer than the header"));
	leak_reader_release(&r);
	assert_int_equal(leak_reader_init(&r, fixture("repair_extra_delim.csv"), NULL, &err), 0);
	for (k = 0; leak_reader_next(&r, &rec, &err) == 1; k++)
		assert_true(rec.nir_status != BC_NORM_EMPTY && rec.last_names[0][0]);
	assert_int_equal(k, 3);
	assert_int_equal(r.stats.repair_rows[LEAK_REPAIR_SURPLUS_EMPTY], 3);
	assert_non_null(strstr(leak_stats_cause(&r.stats, got, sizeof(got)), "trailing delimiter"));
	leak_reader_release(&r);
}

/*
 * An unclosed quote at the start of a field (a stray quote) must not swallow
 * the rows after it (never lose a row, issue 11): the quote is read
 * literally, on its own line, and counted; a real multi-line quoted comment
 * is still one field.
 */
static void test_stray_open_quote(void **state)
{
	static const char data[] =
		"Nom,Prénom,Date de naissance,N° de sécurité sociale,Email,Adresse,Commentaire\n"
		"MARTIN,Jean,1985-03-01,1850375056000,jean.martin@example.org,\"12 rue des Lilas,RAS\n"
		"DUPONT,Anne,1990-01-02,2900175056000,anne.dupont@example.org,3 place Bellecour,RAS\n"
		"DURAND,Paul,1970-05-06,1700575056000,paul.durand@example.org,8 quai Victor,\n"
		"PETIT,Lea,2001-07-08,2010775056000,lea.petit@example.org,\"1, allée des Pins\",\"suivi\n"
		"glycémie, à jeun\"\n"
		"ROUX,Marc,1965-09-10,1650975056000,marc.roux@example.org,2 rue Haute,\"Suivi, RAS\"\n";
	static const char *const nirs[] = { "1850375056000", "2900175056000", "1700575056000",
					    "2010775056000", "1650975056000" };
	struct leak_reader r;
	struct bc_error err = BC_ERROR_INIT;
	struct bc_record rec;
	int k = 0;

	(void)state;
	assert_int_equal(leak_reader_init_buffer(&r, data, strlen(data), "stray", NULL, &err), 0);
	while (leak_reader_next(&r, &rec, &err) == 1) {
		assert_true(k < 5);
		assert_string_equal(rec.nir, nirs[k]);
		k++;
	}
	assert_int_equal(k, 5);
	assert_int_equal(r.stats.rows, 5);
	assert_int_equal(r.stats.rows_skipped, 0);
	assert_int_equal(r.stats.reason_rows[LEAK_REASON_STRAY_QUOTE], 1);
	assert_int_equal(r.stats.reason_lines[LEAK_REASON_STRAY_QUOTE][0], 2);
	leak_reader_release(&r);
}

/* A file cut off inside its last row (a short row with no line break after it)
 * is named as a truncated file, never as `sed 's/,$//'`; a short last row that
 * ends with a line break, or sed on a file without a final newline, is not. */
static void cause_of(const char *data, unsigned long *rows, char *got, size_t size, unsigned long *trunc)
{
	struct leak_reader r;
	struct bc_error err = BC_ERROR_INIT;
	struct bc_record rec;
	const char *c;

	assert_int_equal(leak_reader_init_buffer(&r, data, strlen(data), "cut", NULL, &err), 0);
	for (*rows = 0; leak_reader_next(&r, &rec, &err) == 1; (*rows)++)
		;
	c = leak_stats_cause(&r.stats, got, size);
	if (!c)
		got[0] = '\0';
	*trunc = r.stats.truncated_line;
	leak_reader_release(&r);
}

static void test_truncated_file(void **state)
{
	static const char head[] = "Nom,Prénom,N° de sécurité sociale,Email,Ville\n"
				   "MARTIN,Jean,1850375056000,jean.martin@example.org,PARIS\n"
				   "DUPONT,Anne,2900175056000,anne.dupont@example.org,LYON\n";
	char data[1024], got[256];
	unsigned long rows, trunc;

	(void)state;
	snprintf(data, sizeof data, "%sDURAND,Luc,1700175056000,luc.dur", head);
	cause_of(data, &rows, got, sizeof got, &trunc);
	assert_int_equal(rows, 3);
	assert_int_equal(trunc, 4);
	assert_non_null(strstr(got, "line 4, the last, lacks 1 field"));
	assert_non_null(strstr(got, "cut off"));
	assert_null(strstr(got, "sed"));

	/* the same short row ended by a line break: a short row, not a cut */
	snprintf(data, sizeof data, "%sDURAND,Luc,1700175056000,luc.dur\n", head);
	cause_of(data, &rows, got, sizeof got, &trunc);
	assert_int_equal(trunc, 0);
	assert_null(strstr(got, "cut off"));
	assert_non_null(strstr(got, "fewer than the header"));

	/* sed 's/,$//' on a file without a final newline: every row short by one */
	cause_of("Nom,Prénom,N° de sécurité sociale,Ville,Email\n"
		 "MARTIN,Jean,1850375056000,PARIS\nDUPONT,Anne,2900175056000,LYON", &rows, got, sizeof got, &trunc);
	assert_int_equal(rows, 2);
	assert_null(strstr(got, "cut off"));
	assert_non_null(strstr(got, "fewer than the header"));

	/* whole rows, no final newline: nothing to say */
	snprintf(data, sizeof data, "%sDURAND,Luc,1700175056000,luc.durand@example.org,NANTES", head);
	cause_of(data, &rows, got, sizeof got, &trunc);
	assert_int_equal(rows, 3);
	assert_int_equal(trunc, 0);
	assert_string_equal(got, "");
}

/* HPRIM Santé 2.x (issue 11): P records with their OBR and C records, CP1252, CR LF, escapes, an A line. */
static void test_hprim(void **state)
{
	struct leak_reader r;
	struct bc_error err = BC_ERROR_INIT;
	struct bc_record rec[4], last;
	static const char table[] = "H;F;X\nDupont;Jeanne;185037505600082\nP;Jean;x\n";
	int n = 0;

	(void)state;
	assert_int_equal(leak_reader_init(&r, fixture("hprim_cp1252.hpr"), NULL, &err), 0);
	assert_int_equal(r.dialect.format, LEAK_FORMAT_HPRIM);
	assert_string_equal(leak_format_name(r.dialect.format), "hprim");
	assert_int_equal(r.dialect.encoding, LEAK_ENC_CP1252);
	assert_int_equal(r.dialect.delimiter, '|');
	while (n < 4 && leak_reader_next(&r, &rec[n], &err) == 1)
		n++;
	assert_int_equal(n, 4);
	assert_int_equal(leak_reader_next(&r, &last, &err), 0);
	/* P.7 birth name, P.6.1 usage name, P.6.2 first name, P.8 birth date, P.5 NIR */
	assert_int_equal(rec[0].line, 2);
	assert_string_equal(rec[0].last_names[0], "DUPONT");
	assert_string_equal(rec[0].last_names[1], "MARTIN");
	assert_string_equal(rec[0].first_name, "JEANNE");
	assert_string_equal(rec[0].dob, "1985-03-12");
	assert_string_equal(rec[0].nir, "1850375056000");
	/* P.13: a phone and an email as repeats */
	assert_int_equal(rec[0].n_phones, 1);
	assert_int_equal(rec[0].n_emails, 1);
	assert_string_equal(rec[0].emails[0], "jeanne.martin@example.fr");
	/* H.5 is the lab; OBR.8 the sample date (time cut off); two C records, the first a pregnancy */
	assert_string_equal(rec[0].source, "LAB01");
	assert_int_equal(rec[0].sample_year, 2018);
	assert_true(rec[0].flags & BC_BIT(BC_CLASS_PREGNANCY));
	assert_true(rec[0].flags & BC_BIT(BC_CLASS_ADDRESS));
	assert_true(rec[0].flags & BC_BIT(BC_CLASS_DOCTOR));
	/* CP1252 decoded; P.7 empty: P.6.1 is the name */
	assert_string_equal(rec[1].last_names[0], "LEFEVRE");
	assert_int_equal(rec[1].n_last_names, 1);
	assert_string_equal(rec[1].first_name, "HELENE");
	assert_int_equal(rec[1].sample_year, 2018);
	/* an escaped component separator in a comment; the doctor continued on an A line */
	assert_true(rec[2].flags & BC_BIT(BC_CLASS_OTHER_MEDICAL));
	assert_true(rec[2].flags & BC_BIT(BC_CLASS_DOCTOR));
	assert_string_equal(rec[2].nir, "255042A005000");
	/* a second H record: another lab; a day 00 birth date is incomplete, not invalid */
	assert_string_equal(rec[3].source, "LAB02");
	assert_int_equal(rec[3].dob_status, BC_NORM_INCOMPLETE_DATE);
	assert_string_equal(rec[3].emails[0], "yann@example.net");
	assert_int_equal(r.stats.rows, 4);
	assert_int_equal(r.stats.reason_rows[LEAK_REASON_INVALID_DOB], 0);
	assert_int_equal(r.stats.reason_rows[LEAK_REASON_INVALID_SAMPLE_DATE], 0);
	leak_reader_release(&r);

	/* a table whose first cell is "H" and a later one "P" is not HPRIM: no delimiter declaration */
	assert_int_equal(leak_reader_init_buffer(&r, table, strlen(table), "h.csv", NULL, &err), 0);
	assert_int_equal(r.dialect.format, LEAK_FORMAT_TABLE);
	assert_int_equal(r.dialect.delimiter, ';');
	leak_reader_release(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_csv_spectrum),
		cmocka_unit_test(test_dialects),
		cmocka_unit_test(test_mapping_overrides),
		cmocka_unit_test(test_repeated_header),
		cmocka_unit_test(test_headerless_without_mapping),
		cmocka_unit_test(test_mojibake),
		cmocka_unit_test(test_header_names),
		cmocka_unit_test(test_mapping_parse),
		cmocka_unit_test(test_bad_files),
		cmocka_unit_test(test_bad_rows),
		cmocka_unit_test(test_repaired_rows),
		cmocka_unit_test(test_hprim),
		cmocka_unit_test(test_strict),
		cmocka_unit_test(test_big_stream),
		cmocka_unit_test(test_row_too_long),
		cmocka_unit_test(test_long_invalid_utf8_row),
		cmocka_unit_test(test_late_cp1252),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_truncated_file),
		cmocka_unit_test(test_stray_open_quote),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
