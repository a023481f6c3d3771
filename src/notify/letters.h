#ifndef BC_NOTIFY_LETTERS_H
#define BC_NOTIFY_LETTERS_H

/*
 * notify DIR --letters (DESIGN.md §10; docs/notify.md "Letters"): one PDF
 * letter per notice, drawn with cairo + pango, the QR code of
 * PAGE_URL#claim=CODE with libqrencode, in files DIR/letters/letters-NNNN.pdf
 * (0600) of `batch` letters each. Every letter of a run has the same pages
 * and the same words except the name and address (the only text in the
 * envelope window), the code, its QR, a non-secret reference and the list of
 * non-medical data classes. No lab, no doctor, no medical category.
 */

#include <stddef.h>

#include "util/error.h"

enum bc_letter_variant {
	BC_LETTER_STANDARD = 0,   /* 10 pt, French with an English summary */
	BC_LETTER_LARGE = 1,      /* the same words at 14 pt (large print) */
	BC_LETTER_FALC = 2,       /* easy to read (FALC): short sentences, 13 pt */
};

struct bc_letters_options {
	const char *dir;          /* notices directory */
	const char *index_dir;    /* the published index: every code must resolve in it */
	const char *key_path;     /* the key of that index */
	const char *page_url;     /* https://... the check page; QR = PAGE_URL#claim=CODE */
	const char *helpline;     /* phone number and hours, printed as given */
	const char *measures;     /* what the controller did, French; NULL: a default sentence */
	const char *deceased;     /* file: one NIR, or "last name;first name;date of birth", per line; or NULL */
	enum bc_letter_variant variant;
	size_t batch;             /* letters per PDF file; 0: 10000 */
	size_t limit;             /* render only the first N letters (demo, tests); 0: all */
	const char *ref;          /* render only the letter of this reference (a reissued code); NULL: all */
	int threads;              /* 0: all cores */
};

struct bc_letters_stats {
	size_t notices;           /* notices read */
	size_t printed;           /* letters rendered */
	size_t held_back;         /* on the death list */
	size_t no_address;        /* no complete postal address: no letter */
	size_t no_code;           /* notice without a code (issued earlier, notices destroyed) */
	size_t refused;           /* code that does not resolve in the index: refused */
	size_t files;             /* PDF files written */
	unsigned pages_per_letter;
	double seconds;
	double cpu_seconds;       /* user + system time of the process (all threads) */
};

/*
 * Render the letters. Returns 0 (stats filled), or -1 with err filled
 * ("usage", "no_notices", "notices_key", "index", "key", "io", "refused" when
 * any code does not resolve: then no file is kept).
 */
int bc_notify_letters(const struct bc_letters_options *o, struct bc_letters_stats *st, struct bc_error *err);

#endif
