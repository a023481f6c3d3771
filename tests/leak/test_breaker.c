/*
 * Adversarial inputs for the leak reader (issue 3 review): header spellings
 * not in the table, odd dialects, odd values. Synthetic people only (NIR
 * order 000, example.* emails, 06 39 98 phones). Inputs are built in memory.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <jansson.h>
#include <unistd.h>
#include <sys/prctl.h>

#include "leak/internal.h"
#include "leak/profile.h"
#include "leak/reader.h"
#include "leak/row.h"
#include "leak/record.h"
#include "normalize/normalize.h"

#define MAX_RECS 32

/* A full 15-character NIR (body + key) of a 13-character body. */
static void nir15(const char *body, char out[16])
{
	int key = bc_nir_key(body);

	assert_true(key >= 1 && key <= 97);
	snprintf(out, 16, "%.13s%02d", body, key);
}

/* Read an in-memory file; returns the number of records, or -1 (err set). */
static int read_mem(const char *text, size_t len, const struct leak_options *opt,
		    struct leak_reader *r, struct bc_record *recs, struct bc_error *err)
{
	struct bc_record tmp;
	int n = 0, rc;

	if (leak_reader_init_buffer(r, text, len, "mem.csv", opt, err) < 0)
		return -1;
	while ((rc = leak_reader_next(r, n < MAX_RECS ? &recs[n] : &tmp, err)) > 0)
		n++;
	return rc < 0 ? -1 : n;
}

static void test_header_spellings(void **state)
{
	static const struct {
		const char *h;
		enum leak_field f;
	} cases[] = {
		{ "NOM PATIENT", LEAK_FIELD_LAST_NAME }, { "Prenom patient", LEAK_FIELD_FIRST_NAME },
		{ "Date Naiss.", LEAK_FIELD_DOB }, { "N° Sécurité Sociale", LEAK_FIELD_NIR },
		{ "NumSecu", LEAK_FIELD_NIR }, { "Tel portable", LEAK_FIELD_PHONE },
		{ "Adresse e-mail", LEAK_FIELD_EMAIL }, { "E-mail", LEAK_FIELD_EMAIL },
		{ "Groupe Rh", LEAK_FIELD_BLOOD_GROUP }, { "Médecin prescripteur", LEAK_FIELD_DOCTOR },
		{ "Date du prélèvement", LEAK_FIELD_SAMPLE_DATE }, { "Commentaires", LEAK_FIELD_COMMENT },
		{ "Nom JF", LEAK_FIELD_BIRTH_NAME }, { "Nom de jeune fille", LEAK_FIELD_BIRTH_NAME },
		{ "Nom marital", LEAK_FIELD_USAGE_NAME }, { "Civilité", LEAK_FIELD_SEX },
		{ "Sexe (H/F)", LEAK_FIELD_SEX }, { "Code postal", LEAK_FIELD_POSTCODE },
		{ "Localité", LEAK_FIELD_CITY },
		/* the word fallback */
		{ "Nom usuel", LEAK_FIELD_USAGE_NAME }, { "Nom patronymique", LEAK_FIELD_BIRTH_NAME },
		{ "Nom du patient", LEAK_FIELD_LAST_NAME }, { "Prénom du patient", LEAK_FIELD_FIRST_NAME },
		{ "Premier prénom", LEAK_FIELD_FIRST_NAME },
		{ "Date de naissance (JJ/MM/AAAA)", LEAK_FIELD_DOB }, { "DT_NAIS", LEAK_FIELD_DOB },
		{ "N° INSEE", LEAK_FIELD_NIR }, { "Numéro d'immatriculation", LEAK_FIELD_NIR },
		{ "Téléphone domicile", LEAK_FIELD_PHONE }, { "N° de téléphone", LEAK_FIELD_PHONE },
		{ "Adresse électronique", LEAK_FIELD_EMAIL }, { "Rhésus", LEAK_FIELD_BLOOD_GROUP },
		{ "Groupe sanguin / Rhésus", LEAK_FIELD_BLOOD_GROUP },
		{ "Nom du médecin", LEAK_FIELD_DOCTOR }, { "Adresse du médecin traitant", LEAK_FIELD_DOCTOR_ADDRESS },
		{ "Tél. médecin", LEAK_FIELD_DOCTOR_PHONE }, { "Complément d'adresse", LEAK_FIELD_ADDRESS },
		{ "Organisme complémentaire", LEAK_FIELD_INSURER }, { "Site de prélèvement", LEAK_FIELD_LAB },
		{ "Date/heure prélèvement", LEAK_FIELD_SAMPLE_DATE },
		{ "Renseignements cliniques", LEAK_FIELD_COMMENT }, { "H/F", LEAK_FIELD_SEX },
		{ "Sexe (M/F)", LEAK_FIELD_SEX }, { "Referring physician", LEAK_FIELD_DOCTOR },
		{ "TEL_PORT", LEAK_FIELD_PHONE }, { "Tél. dom.", LEAK_FIELD_PHONE },
		{ "MED_TRAIT", LEAK_FIELD_DOCTOR }, { "CAISSE_AM", LEAK_FIELD_INSURER },
		{ "LABO_ID", LEAK_FIELD_LAB }, { "OBSERVATIONS_MEDICALES", LEAK_FIELD_COMMENT },
		{ "CP/Ville", LEAK_FIELD_CITY }, { "Date/heure prélèvement", LEAK_FIELD_SAMPLE_DATE },
		{ "Heure prélèvement", LEAK_FIELD_NONE }, { "Nom de l'assuré", LEAK_FIELD_LAST_NAME },
		/* must stay unmapped: place of birth, NIR key, full name, other dates, data values */
		{ "Lieu de naissance", LEAK_FIELD_NONE }, { "Commune de naissance", LEAK_FIELD_NONE },
		{ "Ville de naissance", LEAK_FIELD_NONE }, { "Clé NIR", LEAK_FIELD_NONE },
		{ "NOM ET PRENOM", LEAK_FIELD_FULL_NAME }, { "Nom complet", LEAK_FIELD_FULL_NAME },
		{ "Nom/Prénom", LEAK_FIELD_FULL_NAME }, { "NOM_PRENOM", LEAK_FIELD_FULL_NAME },
		{ "Identité", LEAK_FIELD_FULL_NAME }, { "Prénom Nom", LEAK_FIELD_FULL_NAME },
		{ "Nom prénom du médecin", LEAK_FIELD_DOCTOR },
		{ "Date dossier", LEAK_FIELD_NONE }, { "Date d'examen", LEAK_FIELD_NONE },
		{ "Dr Rieux", LEAK_FIELD_NONE }, { "12 rue de la République", LEAK_FIELD_NONE },
		{ "Paris", LEAK_FIELD_NONE }, { "M", LEAK_FIELD_NONE }, { "F", LEAK_FIELD_NONE },
		{ "Mme", LEAK_FIELD_NONE }, { "E-mail médecin", LEAK_FIELD_NONE }, { "Fax", LEAK_FIELD_NONE },
		/* fuzz_reader timeout: "÷", "×" and lone lead bytes are separators */
		{ "\xc3\xb7\xc3\xaa` ", LEAK_FIELD_NONE }, { "Nom\xc3\x97", LEAK_FIELD_LAST_NAME },
		{ "Nom \xc3", LEAK_FIELD_LAST_NAME }, { "\xc5", LEAK_FIELD_NONE },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (leak_field_from_header(cases[i].h, strlen(cases[i].h)) != cases[i].f)
			fail_msg("header %s: got %s, want %s", cases[i].h,
				 leak_field_name(leak_field_from_header(cases[i].h, strlen(cases[i].h))),
				 leak_field_name(cases[i].f));
}

/* A headerless row whose cells read like header words must not become the header. */
static void test_data_row_not_header(void **state)
{
	const char *text = "Dr Rieux,3 rue des Lilas,Paris,F\nDr Knock,5 rue Haute,Lyon,M\n";
	const char *typed = "Quillebeuf;Zephyrine;Portable;06 39 98 11 01;Mail\n"
			    "Oudinot;Eulalie;Domicile;01 99 00 11 03;Courrier\n";
	const char *typed2 = "Quillebeuf;Zephyrine;Portable;Pas de dossier;Mail\n"
			     "Oudinot;Eulalie;Domicile;Pas de dossier;Courrier\n";
	struct leak_reader r;
	struct bc_error err = BC_ERROR_INIT;
	struct bc_record *rec = calloc(MAX_RECS, sizeof(*rec));

	(void)state;
	assert_int_equal(read_mem(text, strlen(text), NULL, &r, rec, &err), 2);
	assert_int_equal(r.dialect.header, 0);
	leak_reader_release(&r);

	/* a data row with two cells that are column names, and a phone number: data */
	assert_int_equal(read_mem(typed, strlen(typed), NULL, &r, rec, &err), 2);
	assert_int_equal(r.dialect.header, 0);
	leak_reader_release(&r);
	/* without the number it passes for a header, but its other cells are not kept */
	assert_int_equal(read_mem(typed2, strlen(typed2), NULL, &r, rec, &err), 1);
	assert_int_equal(r.dialect.header, 1);
	assert_string_equal(r.columns.header[0], "column 1");
	assert_string_equal(r.columns.header[1], "column 2");
	assert_string_equal(r.columns.header[2], "Portable");
	leak_reader_release(&r);
	free(rec);
}

/* Values as they come: NIR spellings, dates, phones, emails, name fields. */
static void test_values(void **state)
{
	char n1[16], n3[16], n5[16], text[4096];
	struct leak_reader r;
	struct bc_error err = BC_ERROR_INIT;
	struct bc_record *rec = calloc(MAX_RECS, sizeof(*rec));
	int n;

	(void)state;
	nir15("1850375056000", n1);
	nir15("255042A005000", n3);
	nir15("263072B045000", n5);
	n3[6] = 'a';   /* lowercase Corsica codes */
	n5[6] = 'b';
	snprintf(text, sizeof(text),
		 "Nom,Prénom,DDN,NIR,Téléphone,Email,Date prélèvement\n"
		 "Quillebeuf,Zephyrine,12/03/1985,%s,,,\n"                        /* 2 */
		 "Vauquelin,Zephyrine,12/03/1985,%s,,,\n"                         /* 3 */
		 "Oudinot,Eulalie,12/03/1985,%.13s/%s,,,\n"                       /* 4 */
		 "Oudinot,Eulalie,12/03/1985,%.1s %.2s %.2s %.2s %.3s %.3s / %s,,,\n" /* 5 */
		 "Trouvère,Eulalie,31225,,,,\n"                                   /* 6: Excel serial */
		 "Trouvère,Eulalie,12/03/85,,,,03/04/18\n"                        /* 7 */
		 "Trouvère,Eulalie,née le 3 juillet 1985,,,,\n"                   /* 8 */
		 "Trouvère,Eulalie,1er janv. 1985,,,,\n"                          /* 9 */
		 "Trouvère,Eulalie,3 juillet,,,,\n"                               /* 10: no year */
		 "Aldegonde,Eulalie,,,+33 (0)6 39 98 11 01,,\n"                   /* 11 */
		 "Aldegonde,Eulalie,,,06 39 98 11 01 / 01 99 00 11 03,a@example.fr / b@example.com,\n" /* 12 */
		 "Aldegonde,Eulalie,,,,Zephyrine Quillebeuf <q.z@example.fr>,\n"  /* 13 */
		 "Aldegonde,Eulalie,,,,\"\"\"Quillebeuf, Z\"\" <q.z@example.fr>\",\n" /* 14 */
		 "QUILLEBEUF ÉPOUSE VAUQUELIN,ZEPHYRINE,,,,,\n"                   /* 15 */
		 "VVE VAUQUELIN NÉE QUILLEBEUF,ZEPHYRINE,,,,,\n"                  /* 16 */
		 "Mme Vauquelin née Quillebeuf,Mme Zephyrine,,,,,\n"              /* 17 */
		 "Vve Vauquelin,Zephyrine,,,,,\n"                                 /* 18 */
		 "QUILLEBEUF EP. VAUQUELIN,Zephyrine,,,,,\n",                     /* 19 */
		 n3, n5, n1, n1 + 13, n1, n1 + 1, n1 + 3, n1 + 5, n1 + 7, n1 + 10, n1 + 13);
	n = read_mem(text, strlen(text), NULL, &r, rec, &err);
	assert_int_equal(n, 18);
	assert_string_equal(rec[0].nir, "255042A005000");
	assert_int_equal(rec[0].nir_had_key, 1);
	assert_string_equal(rec[1].nir, "263072B045000");
	/* a key after a slash */
	assert_string_equal(rec[2].nir, "1850375056000");
	assert_int_equal(rec[2].nir_had_key, 1);
	assert_string_equal(rec[3].nir, "1850375056000");
	assert_int_equal(rec[3].nir_had_key, 1);
	/* Excel serial numbers are not dates of birth: counted invalid_dob */
	assert_string_equal(rec[4].dob, "");
	assert_int_equal(rec[4].dob_status, BC_NORM_INVALID_DATE);
	assert_string_equal(rec[5].dob, "1985-03-12");
	assert_int_equal(rec[5].sample_year, 2018);
	/* dates in French words */
	assert_string_equal(rec[6].dob, "1985-07-03");
	assert_string_equal(rec[7].dob, "1985-01-01");
	assert_string_equal(rec[8].dob, "");
	assert_int_equal(r.stats.reason_rows[LEAK_REASON_INVALID_DOB], 2);
	assert_int_equal(r.stats.reason_lines[LEAK_REASON_INVALID_DOB][0], 6);
	assert_int_equal(r.stats.reason_lines[LEAK_REASON_INVALID_DOB][1], 10);
	/* 06 39 is Mayotte (+262 639) in the numbering plan, with or without "+33 (0)" */
	assert_int_equal(rec[9].n_phones, 1);
	assert_string_equal(rec[9].phones[0], "+262639981101");
	assert_int_equal(rec[10].n_phones, 2);
	assert_string_equal(rec[10].phones[1], "+33199001103");
	assert_int_equal(rec[10].n_emails, 2);
	assert_string_equal(rec[10].emails[1], "b@example.com");
	assert_int_equal(rec[11].n_emails, 1);
	assert_string_equal(rec[11].emails[0], "q.z@example.fr");
	assert_int_equal(rec[12].n_emails, 1);
	assert_string_equal(rec[12].emails[0], "q.z@example.fr");
	assert_int_equal(r.stats.reason_rows[LEAK_REASON_INVALID_EMAIL], 0);
	assert_int_equal(r.stats.reason_rows[LEAK_REASON_INVALID_PHONE], 0);
	assert_int_equal(r.stats.reason_rows[LEAK_REASON_INVALID_NIR], 0);
	for (n = 13; n <= 17; n++) {
		if (n == 16)
			continue;
		assert_int_equal(rec[n].n_last_names, 2);
		assert_string_equal(rec[n].last_names[0], "QUILLEBEUF");
		assert_string_equal(rec[n].last_names[1], "VAUQUELIN");
		assert_string_equal(rec[n].first_name, "ZEPHYRINE");
	}
	assert_int_equal(rec[16].n_last_names, 1);
	assert_string_equal(rec[16].last_names[0], "VAUQUELIN");
	leak_reader_release(&r);
	free(rec);
}

/* Title lines before the header of a tiny file; a wide export (more than 128 columns). */
static void test_titles_and_wide(void **state)
{
	char n1[16], *text, *p;
	struct leak_reader r;
	struct bc_error err = BC_ERROR_INIT;
	struct bc_record *rec = calloc(MAX_RECS, sizeof(*rec));
	int k, row;

	(void)state;
	nir15("1850375056000", n1);
	text = malloc(16384);
	assert_non_null(text);
	/* five title lines, a blank one, then the header and one row: semicolons still win */
	p = text;
	p += sprintf(p, "Export\nLabo X\nDate: 2020\n\n---\nExtraction\nNom;Prénom;NIR\nQuillebeuf;Zephyrine;%s\n", n1);
	assert_int_equal(read_mem(text, (size_t)(p - text), NULL, &r, rec, &err), 1);
	assert_int_equal(r.dialect.delimiter, ';');
	assert_int_equal(r.dialect.header, 1);
	assert_int_equal(r.stats.preamble_rows, 5);
	assert_string_equal(rec[0].nir, "1850375056000");
	leak_reader_release(&r);

	/* 150 columns: the first 128 are read, rows of 150 fields are not field_count errors */
	p = text;
	p += sprintf(p, "Nom;Prénom;NIR");
	for (k = 3; k < 150; k++)
		p += sprintf(p, ";Analyse %d", k);
	p += sprintf(p, "\n");
	for (row = 0; row < 2; row++) {
		p += sprintf(p, "Quillebeuf;Zephyrine;%s", n1);
		for (k = 3; k < 150; k++)
			p += sprintf(p, ";1,5");
		p += sprintf(p, "\n");
	}
	p += sprintf(p, "Quillebeuf;Zephyrine;%s;1,5\n", n1);
	/* the last row, cut after 4 fields, is kept by position (issue 11) */
	assert_int_equal(read_mem(text, (size_t)(p - text), NULL, &r, rec, &err), 3);
	assert_int_equal(r.columns.n, LEAK_MAX_COLUMNS);
	assert_int_equal(r.columns.n_fields, 150);
	assert_string_equal(rec[1].nir, "1850375056000");
	assert_string_equal(rec[2].nir, "1850375056000");
	assert_int_equal(r.stats.reason_rows[LEAK_REASON_FIELD_COUNT], 1);
	assert_int_equal(r.stats.reason_lines[LEAK_REASON_FIELD_COUNT][0], 4);
	assert_int_equal(r.stats.repair_rows[LEAK_REPAIR_SHORT_ROW], 1);
	assert_int_equal(r.stats.repair_lines[LEAK_REPAIR_SHORT_ROW][0], 4);
	assert_int_equal(r.stats.short_min, 146);
	assert_int_equal(r.stats.rows_skipped, 0);
	leak_reader_release(&r);
	free(text);
	free(rec);
}

/* Spreadsheet exports: ="..." and a leading apostrophe keep leading zeros; more date spellings; duplicated columns. */
static void test_spreadsheet_values(void **state)
{
	char n1[16], text[2048];
	struct leak_reader r;
	struct bc_error err = BC_ERROR_INIT;
	struct bc_record *rec = calloc(MAX_RECS, sizeof(*rec));

	(void)state;
	nir15("1850375056000", n1);
	snprintf(text, sizeof(text),
		 "Nom,Prénom,DDN,NIR,Tel,Email,DDN\n"
		 "Quillebeuf,Zephyrine,'12/03/1985,'%s,'0639981101,'q.z@example.fr,\n"
		 "Quillebeuf,Zephyrine,\"=\"\"12/03/1985\"\"\",\"=\"\"%s\"\"\",\"=\"\"0639981101\"\"\",,\n"
		 "Quillebeuf,Zephyrine,12 03 1985,,,,\n"
		 "Quillebeuf,Zephyrine,12-mars-85,,,,\n"
		 "Quillebeuf,Zephyrine,née en mars 1985,,,,\n"
		 "Quillebeuf,Zephyrine,,,,,14/07/1963\n"
		 "Quillebeuf,Zephyrine,12/03/1985,,,,14/07/1963\n"
		 "Quillebeuf,Zephyrine,1985/03/12,,,,\n"
		 "Quillebeuf,Zephyrine,31/04/1985,,,,\n",
		 n1, n1);
	assert_int_equal(read_mem(text, strlen(text), NULL, &r, rec, &err), 9);
	assert_string_equal(rec[7].dob, "1985-03-12");
	/* an impossible date stays invalid whatever the fallbacks */
	assert_string_equal(rec[8].dob, "");
	assert_int_equal(r.stats.reason_rows[LEAK_REASON_INVALID_DOB], 1);
	assert_int_equal(r.stats.reason_lines[LEAK_REASON_INVALID_DOB][0], 10);
	assert_int_equal(r.columns.field[6], LEAK_FIELD_DOB);
	assert_string_equal(rec[0].nir, "1850375056000");
	assert_string_equal(rec[0].dob, "1985-03-12");
	assert_string_equal(rec[0].emails[0], "q.z@example.fr");
	assert_string_equal(rec[0].phones[0], "+262639981101");
	assert_string_equal(rec[1].nir, "1850375056000");
	assert_string_equal(rec[1].dob, "1985-03-12");
	assert_string_equal(rec[1].phones[0], "+262639981101");
	assert_string_equal(rec[2].dob, "1985-03-12");
	assert_string_equal(rec[3].dob, "1985-03-12");
	/* month and year only: an incomplete date, not an invalid one */
	assert_string_equal(rec[4].dob, "");
	assert_int_equal(rec[4].dob_status, BC_NORM_INCOMPLETE_DATE);
	/* two date-of-birth columns: the first non-empty one */
	assert_string_equal(rec[5].dob, "1963-07-14");
	assert_string_equal(rec[6].dob, "1985-03-12");
	assert_int_equal(r.stats.reason_rows[LEAK_REASON_INVALID_NIR], 0);
	assert_int_equal(r.stats.reason_rows[LEAK_REASON_INVALID_EMAIL], 0);
	leak_reader_release(&r);
	free(rec);
}

/* Phone and email fields holding two values however they are glued. */
static void test_phone_pairs(void **state)
{
	static const char text[] =
		"Nom,Tel\n"
		"Quillebeuf,0639981101-0199001103\n"
		"Quillebeuf,\"06 39 98 11 01\n01 99 00 11 03\"\n"
		"Quillebeuf,06 39 98 11 01 (mère) 01 99 00 11 03\n"
		"Quillebeuf,dom: 01 99 00 11 03 port: 06 39 98 11 01\n"
		"Quillebeuf,06 39 98 11 01 - 01 99 00 11 03\n"
		"Quillebeuf,01 99 00 11 03 poste 245\n";
	static const char emails[] = "Nom,Email\nQuillebeuf,a@example.fr|b@example.com\n"
				     "Quillebeuf,a@example.fr et b@example.com\n";
	struct leak_reader r;
	struct bc_error err = BC_ERROR_INIT;
	struct bc_record *rec = calloc(MAX_RECS, sizeof(*rec));
	int k;

	(void)state;
	assert_int_equal(read_mem(text, sizeof(text) - 1, NULL, &r, rec, &err), 6);
	for (k = 0; k < 5; k++) {
		if (rec[k].n_phones != 2)
			fail_msg("line %lu: %d numbers, want 2", rec[k].line, rec[k].n_phones);
		assert_true(!strcmp(rec[k].phones[0], "+33199001103") || !strcmp(rec[k].phones[1], "+33199001103"));
		assert_true(!strcmp(rec[k].phones[0], "+262639981101") || !strcmp(rec[k].phones[1], "+262639981101"));
	}
	assert_int_equal(rec[5].n_phones, 1);
	assert_string_equal(rec[5].phones[0], "+33199001103");
	assert_int_equal(r.stats.reason_rows[LEAK_REASON_INVALID_PHONE], 0);
	leak_reader_release(&r);

	/* emails glued by a pipe in a comma file, or by " et " */
	assert_int_equal(read_mem(emails, sizeof(emails) - 1, NULL, &r, rec, &err), 2);
	for (k = 0; k < 2; k++) {
		assert_int_equal(rec[k].n_emails, 2);
		assert_string_equal(rec[k].emails[1], "b@example.com");
	}
	assert_int_equal(r.stats.reason_rows[LEAK_REASON_INVALID_EMAIL], 0);
	leak_reader_release(&r);
	free(rec);
}

/* Two lab and sample-date columns: the first usable value, as for the other single-valued fields. */
static void test_duplicate_lab_and_date(void **state)
{
	static const char text[] = "Nom,Labo,Date prélèvement,Site,Date de prélèvement\n"
				   "Oudinot,LAB01,03/04/2018,LAB02,05/06/2019\n"
				   "Oudinot,,,LAB02,05/06/2019\n";
	struct leak_reader r;
	struct bc_error err = BC_ERROR_INIT;
	struct bc_record *rec = calloc(MAX_RECS, sizeof(*rec));

	(void)state;
	assert_int_equal(read_mem(text, sizeof(text) - 1, NULL, &r, rec, &err), 2);
	assert_string_equal(rec[0].source, "LAB01");
	assert_int_equal(rec[0].sample_year, 2018);
	assert_string_equal(rec[1].source, "LAB02");
	assert_int_equal(rec[1].sample_year, 2019);
	leak_reader_release(&r);
	free(rec);
}

/* A full name in one column: split by case or comma; ambiguous ones give no name. */
static void test_full_name(void **state)
{
	static const char text[] = "Nom Prénom;DDN\n"
				   "QUILLEBEUF Zéphyrine;12/03/1985\n"
				   "Zéphyrine QUILLEBEUF;12/03/1985\n"
				   "LE GOFF Yann;12/03/1985\n"
				   "Quillebeuf, Zéphyrine;12/03/1985\n"
				   "QUILLEBEUF épouse VAUQUELIN Zéphyrine;12/03/1985\n"
				   "Mme QUILLEBEUF Zéphyrine;12/03/1985\n"
				   "QUILLEBEUF ZEPHYRINE;12/03/1985\n"
				   "de LA FONTAINE Jean;12/03/1985\n";
	struct leak_reader r;
	struct bc_error err = BC_ERROR_INIT;
	struct bc_record *rec = calloc(MAX_RECS, sizeof(*rec));
	int k;

	(void)state;
	assert_int_equal(read_mem(text, sizeof(text) - 1, NULL, &r, rec, &err), 8);
	assert_int_equal(r.columns.field[0], LEAK_FIELD_FULL_NAME);
	for (k = 0; k < 6; k++) {
		if (k == 2)
			continue;
		assert_string_equal(rec[k].last_names[0], "QUILLEBEUF");
		assert_string_equal(rec[k].first_name, "ZEPHYRINE");
	}
	assert_string_equal(rec[2].last_names[0], "LEGOFF");
	assert_string_equal(rec[2].first_name, "YANN");
	assert_int_equal(rec[4].n_last_names, 2);
	assert_string_equal(rec[4].last_names[1], "VAUQUELIN");
	/* all upper case, or two case changes: which word is the first name is not known */
	for (k = 6; k < 8; k++) {
		assert_int_equal(rec[k].n_last_names, 0);
		assert_string_equal(rec[k].first_name, "");
		assert_true(rec[k].flags & BC_BIT(BC_CLASS_NAME));
	}
	leak_reader_release(&r);
	free(rec);
}

/* Structure: header alone without newline; one NUL in an early row; a gzip file. */
static void test_structure(void **state)
{
	static const char hdr[] = "Nom,Prénom,DDN,NIR";
	static const char nul[] = "Nom,Prénom,DDN\nOudinot,Eulalie,01/01/1992\nOud\0inot,Eulalie,01/01/1992\n"
				  "Trouvère,Eulalie,14/07/1963\n";
	static const unsigned char gz[] = { 0x1F, 0x8B, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x03,
					    0x01, 0x02, 0x00, 0xFD, 0xFF, 0x00 };
	struct leak_options strict = { NULL, 1, 0, 0 };
	struct leak_reader r;
	struct bc_error err = BC_ERROR_INIT;
	struct bc_record *rec = calloc(MAX_RECS, sizeof(*rec));

	(void)state;
	assert_int_equal(read_mem(hdr, strlen(hdr), NULL, &r, rec, &err), 0);
	assert_int_equal(r.dialect.header, 1);
	assert_int_equal(r.columns.field[3], LEAK_FIELD_NIR);
	leak_reader_release(&r);

	/* a stray NUL within the sniffed sample: that row is kept, the NUL read as a space (issue 11) */
	assert_int_equal(read_mem(nul, sizeof(nul) - 1, NULL, &r, rec, &err), 3);
	assert_int_equal(r.stats.reason_rows[LEAK_REASON_CONTROL_BYTES], 1);
	assert_int_equal(r.stats.reason_lines[LEAK_REASON_CONTROL_BYTES][0], 3);
	assert_int_equal(r.stats.repair_rows[LEAK_REPAIR_CONTROL_BYTES], 1);
	assert_int_equal(r.stats.repair_lines[LEAK_REPAIR_CONTROL_BYTES][0], 3);
	assert_string_equal(rec[1].last_names[0], "OUDINOT");
	assert_string_equal(rec[1].dob, "1992-01-01");
	assert_string_equal(rec[2].last_names[0], "TROUVERE");
	leak_reader_release(&r);
	assert_int_equal(read_mem(nul, sizeof(nul) - 1, &strict, &r, rec, &err), -1);
	assert_string_equal(err.code, "control_bytes");
	assert_int_equal(err.line, 3);
	leak_reader_release(&r);

	bc_error_clear(&err);
	assert_int_equal(read_mem((const char *)gz, sizeof(gz), NULL, &r, rec, &err), -1);
	assert_string_equal(err.code, "binary_file");
	assert_non_null(strstr(err.msg, "gzip"));
	free(rec);
}

/* Mapping files as editors write them; a directory is not an empty mapping. */
static void test_mapping_files(void **state)
{
	struct leak_mapping m;
	struct bc_error err = BC_ERROR_INIT;
	const char *dir = getenv("BC_SOURCE");

	(void)state;
	assert_int_equal(leak_mapping_parse(&m, "\xef\xbb\xbf" "delimiter = semicolon\r\nheader = no\r\n"
					       "column 2 = nir\r\n", "bom.map", &err), 0);
	assert_int_equal(m.delimiter, ';');
	assert_int_equal(m.header, 0);
	assert_int_equal(m.by_index[1], LEAK_FIELD_NIR);
	assert_int_equal(leak_mapping_load(&m, dir ? dir : ".", &err), -1);
	assert_string_equal(err.code, "open_failed");
	assert_non_null(err.file);
}

/* Records and counts of text read whole, and through a small buffer of cap bytes. */
static void same_through_small_buffer(const char *text, size_t len, size_t cap)
{
	struct leak_reader a, b;
	struct bc_error ea = BC_ERROR_INIT, eb = BC_ERROR_INIT;
	struct bc_record ra, rb;
	int rca, rcb, k;
	unsigned long rows = 0;

	assert_int_equal(leak_reader_init_buffer(&a, text, len, "a", NULL, &ea), 0);
	assert_int_equal(leak_reader_init_buffer_cap(&b, text, len, "b", NULL, cap, &eb), 0);
	assert_int_equal(a.dialect.encoding, b.dialect.encoding);
	assert_int_equal(a.dialect.delimiter, b.dialect.delimiter);
	assert_int_equal(a.columns.n, b.columns.n);
	for (;;) {
		memset(&ra, 0, sizeof(ra));
		memset(&rb, 0, sizeof(rb));
		rca = leak_reader_next(&a, &ra, &ea);
		rcb = leak_reader_next(&b, &rb, &eb);
		if (rca != rcb)
			fail_msg("cap %zu: row %lu: %d whole, %d through the small buffer (%s)", cap, rows,
				 rca, rcb, eb.code);
		if (rca <= 0)
			break;
		rows++;
		if (memcmp(&ra, &rb, sizeof(ra)))
			fail_msg("cap %zu: record %lu (line %lu / %lu) differs", cap, rows, ra.line, rb.line);
	}
	for (k = 0; k < LEAK_REASON_COUNT; k++)
		if (a.stats.reason_rows[k] != b.stats.reason_rows[k])
			fail_msg("cap %zu: %s %lu whole, %lu small", cap, leak_reason_name(k),
				 a.stats.reason_rows[k], b.stats.reason_rows[k]);
	assert_int_equal(a.stats.lines, b.stats.lines);
	assert_int_equal(a.stats.blank_lines, b.stats.blank_lines);
	leak_reader_release(&a);
	leak_reader_release(&b);
}

static void test_small_buffers(void **state)
{
	char n1[16], *text, *p;
	size_t len, cap, i, k;
	char *u16;
	int row;

	(void)state;
	nir15("1850375056000", n1);
	text = malloc(64 * 1024);
	assert_non_null(text);
	p = text;
	p += sprintf(p, "\xef\xbb\xbf\"Nom\";Prénom;DDN;NIR;Téléphone;Email;Commentaire\r\n");
	for (row = 0; row < 60; row++)
		p += sprintf(p, "%s;Zéphyrine;%02d/03/1985;%s;06 39 98 11 %02d;z%d@example.fr;\"%s\"%s",
			     row % 3 ? "Quillebeuf épouse Vauquelin" : "Trouvère", 1 + row % 28,
			     row % 5 ? n1 : "1850375056000 99", row % 90, row,
			     row % 4 ? "RAS" : "enceinte;\r\nsous \"\"traitement\"\" anticoagulant",
			     row % 7 == 6 ? "\n\n" : row % 2 ? "\r\n" : "\r");
	len = (size_t)(p - text);
	for (cap = 256; cap < 700; cap += 37)
		same_through_small_buffer(text, len, cap);

	/* the same as UTF-16LE without BOM, and as CP1252 */
	u16 = malloc(4 * len);
	assert_non_null(u16);
	for (i = 3, k = 0; i < len;) {
		unsigned cp = (unsigned char)text[i];

		if (cp >= 0xC0) {
			cp = (cp & 0x1F) << 6 | ((unsigned char)text[i + 1] & 0x3F);
			i += 2;
		} else {
			i++;
		}
		u16[k++] = (char)(cp & 0xFF);
		u16[k++] = (char)(cp >> 8);
	}
	for (cap = 256; cap < 700; cap += 53)
		same_through_small_buffer(u16, k, cap);
	for (i = 3, k = 0; i < len;) {
		unsigned cp = (unsigned char)text[i];

		if (cp >= 0xC0) {
			cp = (cp & 0x1F) << 6 | ((unsigned char)text[i + 1] & 0x3F);
			i += 2;
		} else {
			i++;
		}
		u16[k++] = (char)cp;
	}
	for (cap = 256; cap < 700; cap += 53)
		same_through_small_buffer(u16, k, cap);
	free(u16);
	free(text);
}

/* Profile a text; returns its JSON (caller frees). */
static json_t *profile_json(const char *text)
{
	struct leak_profile p;
	struct leak_reader r;
	struct bc_error err = BC_ERROR_INIT;
	struct bc_record rec;
	json_t *j;
	int rc;

	assert_int_equal(leak_profile_init(&p, &err), 0);
	assert_int_equal(leak_reader_init_buffer(&r, text, strlen(text), "mem.csv", NULL, &err), 0);
	while ((rc = leak_reader_next(&r, &rec, &err)) > 0)
		assert_int_equal(leak_profile_add(&p, &rec, &err), 0);
	assert_int_equal(rc, 0);
	leak_profile_finish(&p);
	j = leak_profile_to_json(&p, &r, "mem.csv");
	assert_non_null(j);
	leak_profile_release(&p);
	leak_reader_release(&r);
	return j;
}

/* A "lab" column holding people's data: its values are not printed. */
static void test_source_names_hidden(void **state)
{
	char n1[16], *text, *p, *dump;
	json_t *j;
	int k;

	(void)state;
	nir15("1850375056000", n1);
	text = malloc(8192);
	assert_non_null(text);
	p = text;
	p += sprintf(p, "Nom;Labo\nOudinot;q.z@example.fr\nOudinot;%s\nOudinot;06 39 98 11 01\nOudinot;12/03/1985\n"
		     "Oudinot;LBM75-01\n", n1);
	j = profile_json(text);
	dump = json_dumps(j, 0);
	assert_non_null(dump);
	assert_null(strstr(dump, "example.fr"));
	assert_null(strstr(dump, n1));
	assert_null(strstr(dump, "06 39 98"));
	assert_null(strstr(dump, "12/03/1985"));
	assert_non_null(strstr(dump, "LBM75-01"));
	free(dump);
	json_decref(j);

	/* 40 distinct values in 41 rows: not a list of labs */
	p = text;
	p += sprintf(p, "Nom;Labo\n");
	for (k = 0; k < 40; k++)
		p += sprintf(p, "Oudinot;Quillebeuf%c%c\n", 'a' + k % 26, 'a' + k / 26);
	p += sprintf(p, "Oudinot;Quillebeufaa\n");
	j = profile_json(text);
	dump = json_dumps(j, 0);
	assert_non_null(dump);
	assert_null(strstr(dump, "Quillebeuf"));
	assert_non_null(strstr(dump, "(hidden)"));
	free(dump);
	json_decref(j);
	free(text);
}

/* One figure of /proc/self/status ("VmRSS:", "VmHWM:") in KiB, or -1. */
static long status_kib(const char *key)
{
	char line[256];
	long v = -1;
	size_t n = strlen(key);
	FILE *f = fopen("/proc/self/status", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, n))
			v = strtol(line + n, NULL, 10);
	fclose(f);
	return v;
}

/*
 * Profiling a small file touches little memory (the patient set's untouched pages stay unmapped).
 * What is asserted is the growth of the resident set caused by the profile itself (peak during the
 * profile minus the resident set before it), in 4 KiB pages: transparent huge pages are turned off
 * for this process in main(), and the baseline (shared libraries, loader, cmocka) is subtracted, so
 * the figure does not depend on the machine's THP setting or on the size of the libraries. Absolute
 * memory figures belong to bench/leak.
 */
static void test_small_profile_memory(void **state)
{
	const char *text = "Nom,Prénom,DDN\nOudinot,Eulalie,01/01/1992\nTrouvère,Eulalie,14/07/1963\n";
	struct leak_profile p;
	struct leak_reader r;
	struct bc_error err = BC_ERROR_INIT;
	struct bc_record rec;
	long before, hwm;
	FILE *f;
	int rc;

	(void)state;
#if defined(__SANITIZE_ADDRESS__)
	skip();
#endif
	/* "5" resets VmHWM to the current resident set (proc(5), Linux >= 4.0): earlier tests' peaks do not count */
	f = fopen("/proc/self/clear_refs", "w");
	if (!f)
		skip();
	fputs("5", f);
	fclose(f);
	before = status_kib("VmRSS:");
	if (before < 0 || status_kib("VmHWM:") > before + 64)
		fail_msg("VmHWM was not reset by /proc/self/clear_refs");
	assert_int_equal(leak_profile_init(&p, &err), 0);
	assert_int_equal(leak_reader_init_buffer(&r, text, strlen(text), "mem.csv", NULL, &err), 0);
	while ((rc = leak_reader_next(&r, &rec, &err)) > 0)
		assert_int_equal(leak_profile_add(&p, &rec, &err), 0);
	assert_int_equal(rc, 0);
	leak_profile_finish(&p);
	hwm = status_kib("VmHWM:");
	leak_profile_release(&p);
	leak_reader_release(&r);
	if (hwm - before > 8 * 1024)
		fail_msg("a 2-row profile grew the resident set by %ld KiB (limit 8192)", hwm - before);
}

/*
 * Issue 14 item 14: an ISO-8859-15 leak was read as CP1252 ("Œ" became "¼").
 * The bytes between letters tell them apart, in the sniffed sample and when
 * an all-ASCII start turns out to be 8-bit further down.
 */
static void test_latin9(void **state)
{
	/* CŒUR, Bérénice; Lœvenbruck: Latin-9 bytes BC and BD between letters */
	static const char l9[] = "Nom;Prénom;NIR\nC\xBCUR;B\xE9r\xE9nice;185037505600082\n"
				 "L\xBDvenbruck;Zo\xE9;292016912300040\n";
	/* the same names in CP1252: 8C and 9C */
	static const char w[] = "Nom;Prénom;NIR\nC\x8CUR;B\xE9r\xE9nice;185037505600082\n"
				"L\x9Cvenbruck;Zo\xE9;292016912300040\n";
	/* a Latin-1 "1/2" that is not between letters stays CP1252 */
	static const char half[] = "Nom;Prénom;Commentaire\nDurand;Zo\xE9;dose \xBD comprim\xE9\n";
	struct leak_reader r;
	struct bc_error err = BC_ERROR_INIT;
	struct bc_record *rec = calloc(MAX_RECS, sizeof(*rec));
	char *big, *p;
	size_t k;

	(void)state;
	assert_int_equal(read_mem(l9, sizeof(l9) - 1, NULL, &r, rec, &err), 2);
	assert_int_equal(r.dialect.encoding, LEAK_ENC_ISO8859_15);
	assert_string_equal(leak_encoding_name(r.dialect.encoding), "iso-8859-15");
	assert_non_null(strstr(r.dialect.encoding_why, "2 bytes of A4 A6 A8 B4 B8 BC BD BE between letters"));
	assert_string_equal(rec[0].last_names[0], "COEUR");
	assert_string_equal(rec[1].last_names[0], "LOEVENBRUCK");
	leak_reader_release(&r);

	assert_int_equal(read_mem(w, sizeof(w) - 1, NULL, &r, rec, &err), 2);
	assert_int_equal(r.dialect.encoding, LEAK_ENC_CP1252);
	assert_non_null(strstr(r.dialect.encoding_why, "2 CP1252 letters of 80-9F"));
	assert_string_equal(rec[0].last_names[0], "COEUR");
	leak_reader_release(&r);

	assert_int_equal(read_mem(half, sizeof(half) - 1, NULL, &r, rec, &err), 1);
	assert_int_equal(r.dialect.encoding, LEAK_ENC_CP1252);
	leak_reader_release(&r);

	/* 64 KiB of ASCII rows, then the Latin-9 rows: the switch picks ISO-8859-15 too */
	big = malloc(200000);
	assert_non_null(big);
	p = big;
	p += sprintf(p, "Nom;Prenom;NIR\n");
	for (k = 0; (size_t)(p - big) < 70000; k++)
		p += sprintf(p, "Durand;Zoe;%s\n", "292016912300040");
	p += sprintf(p, "C\xBCUR;B\xE9r\xE9nice;185037505600082\nL\xBDvenbruck;Zo\xE9;292016912300040\n");
	assert_int_equal(read_mem(big, (size_t)(p - big), NULL, &r, rec, &err), (int)k + 2);
	assert_int_equal(r.dialect.encoding, LEAK_ENC_ISO8859_15);
	leak_reader_release(&r);
	free(big);
	free(rec);
}

/* A NUL byte inside a field never matches a word's terminator (the reader fuzzer read past "2"). */
static void test_ieq_nul_byte(void **state)
{
	/* the word on the heap, exactly 2 bytes: ASan (make test-asan) sees any read past it */
	char *w = strdup("2");

	(void)state;
	assert_non_null(w);
	assert_int_equal(leak_ieq("2\0", 2, w), 0);
	assert_int_equal(leak_ieq("2\0xyz", 5, w), 0);
	free(w);
	assert_int_equal(leak_ieq("F", 1, "f"), 1);
	assert_int_equal(leak_ieq("Homme", 5, "homme"), 1);
	assert_int_equal(leak_ieq("Hom", 3, "homme"), 0);
}

int main(int argc, char **argv)
{
	(void)argc;
	/* meson's MALLOC_PERTURB_ makes glibc's calloc touch every page: run without it for the RSS check */
	/* 4 KiB pages whatever the machine's THP setting, before anything is allocated */
	prctl(PR_SET_THP_DISABLE, 1, 0, 0, 0);
	if (getenv("MALLOC_PERTURB_")) {
		unsetenv("MALLOC_PERTURB_");
		execv("/proc/self/exe", argv);
	}
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_header_spellings),
		cmocka_unit_test(test_data_row_not_header),
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_full_name),
		cmocka_unit_test(test_duplicate_lab_and_date),
		cmocka_unit_test(test_phone_pairs),
		cmocka_unit_test(test_titles_and_wide),
		cmocka_unit_test(test_spreadsheet_values),
		cmocka_unit_test(test_structure),
		cmocka_unit_test(test_mapping_files),
		cmocka_unit_test(test_small_buffers),
		cmocka_unit_test(test_small_profile_memory),
		cmocka_unit_test(test_ieq_nul_byte),
		cmocka_unit_test(test_source_names_hidden),
		cmocka_unit_test(test_latin9),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
