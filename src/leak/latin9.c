/*
 * ISO-8859-15 (Latin-9) against Windows-1252 (issue 14 item 14). Both are
 * Latin-1 for almost every byte; Latin-9 puts the letters Š š Ž ž Œ œ Ÿ and
 * the euro sign at A6 A8 B4 B8 BC BD BE and A4, where CP1252 (like Latin-1)
 * has the symbols ¦ ¨ ´ ¸ ¼ ½ ¾ ¤, and CP1252 has those letters at 8A 9A 8E
 * 9E 8C 9C 9F (and € at 80). A French file in Latin-9 read as CP1252 turns
 * "cœur" into "c½ur" and "Œuvre" into "¼uvre": names no longer match. The
 * tell is where the bytes stand: a symbol between two letters is a letter.
 * Sources: ISO/IEC 8859-15:1999 table; Microsoft's cp1252 table
 * (unicode.org/Public/MAPPINGS/VENDORS/MICSFT/WINDOWS/CP1252.TXT).
 */
#include "leak/internal.h"

#include <stdint.h>
#include <stdio.h>

/* A Latin letter in both encodings: ASCII letters and C0–FF but × and ÷. */
static int letter(unsigned char c)
{
	return ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') || (c >= 0xC0 && c != 0xD7 && c != 0xF7);
}

static int latin9_letter_byte(unsigned char c)
{
	return c == 0xA6 || c == 0xA8 || c == 0xB4 || c == 0xB8 || c == 0xBC || c == 0xBD || c == 0xBE ||
	       c == 0xA4;
}

static int cp1252_letter_byte(unsigned char c)
{
	return c == 0x8A || c == 0x9A || c == 0x8E || c == 0x9E || c == 0x8C || c == 0x9C || c == 0x9F;
}

enum leak_encoding leak_sniff_latin9(const unsigned char *p, size_t n, char *why, size_t whysize)
{
	unsigned long l9 = 0, w = 0;
	size_t i;

	for (i = 1; i + 1 < n; i++) {
		if (!letter(p[i - 1]) || !letter(p[i + 1]))
			continue;
		l9 += latin9_letter_byte(p[i]);
		w += cp1252_letter_byte(p[i]);
	}
	if (l9 > w) {
		snprintf(why, whysize,
			 "%lu byte%s of A4 A6 A8 B4 B8 BC BD BE between letters (CP1252 would read ¤ ¦ ¨ ´ ¸ ¼ ½ ¾ "
			 "inside words; ISO-8859-15 reads € Š š Ž ž Œ œ Ÿ), %lu CP1252 letter%s of 80-9F",
			 l9, l9 > 1 ? "s" : "", w, w == 1 ? "" : "s");
		return LEAK_ENC_ISO8859_15;
	}
	snprintf(why, whysize,
		 "not UTF-8; %lu CP1252 letter%s of 80-9F (Š š Ž ž Œ œ Ÿ) and %lu of ¤ ¦ ¨ ´ ¸ ¼ ½ ¾ between letters "
		 "(which would make it ISO-8859-15)",
		 w, w == 1 ? "" : "s", l9);
	return LEAK_ENC_CP1252;
}

uint32_t leak_latin9_cp(unsigned char c)
{
	switch (c) {
	case 0xA4: return 0x20AC;
	case 0xA6: return 0x0160;
	case 0xA8: return 0x0161;
	case 0xB4: return 0x017D;
	case 0xB8: return 0x017E;
	case 0xBC: return 0x0152;
	case 0xBD: return 0x0153;
	case 0xBE: return 0x0178;
	default: return c;
	}
}
