#include "claim/claim.h"

#include <stdio.h>
#include <string.h>

#include <sodium.h>

static const char alphabet[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/* Value 0..31 of a character after Crockford's decoding (case, O, I, L), or -1. */
static int symbol_value(unsigned char c)
{
	const char *p;

	if (c >= 'a' && c <= 'z')
		c = (unsigned char)(c - 'a' + 'A');
	if (c == 'O')
		c = '0';
	else if (c == 'I' || c == 'L')
		c = '1';
	if (!c)
		return -1;
	p = strchr(alphabet, c);
	return p ? (int)(p - alphabet) : -1;
}

/* Multiply by alpha = x in GF(2)[x]/(x^5 + x^2 + 1). */
static unsigned times_alpha(unsigned a)
{
	a <<= 1;
	if (a & 0x20)
		a ^= 0x25;
	return a;
}

/* sum d_i * alpha^(15 - i) by Horner: (...(d0 alpha + d1) alpha ... + d14) alpha */
static unsigned check_value(const int *d)
{
	unsigned c = 0;
	int i;

	for (i = 0; i < BC_CLAIM_DATA_SYMBOLS; i++)
		c = times_alpha(c ^ (unsigned)d[i]);
	return c;
}

char bc_claim_check_symbol(const char data[BC_CLAIM_DATA_SYMBOLS])
{
	int d[BC_CLAIM_DATA_SYMBOLS], i;

	for (i = 0; i < BC_CLAIM_DATA_SYMBOLS; i++)
		if ((d[i] = symbol_value((unsigned char)data[i])) < 0)
			return 0;
	return alphabet[check_value(d)];
}

int bc_claim_canon(const char *in, size_t len, char out[BC_CLAIM_CANON_BYTES])
{
	int d[BC_CLAIM_SYMBOLS], v;
	size_t i, n = 0;
	int too_long = 0;

	out[0] = '\0';
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)in[i];

		if (c == '-' || c == ' ')
			continue;
		if ((v = symbol_value(c)) < 0)
			return BC_CLAIM_BAD_SYMBOL;
		if (n == BC_CLAIM_SYMBOLS)
			too_long = 1;
		else
			d[n++] = v;
	}
	if (too_long || n != BC_CLAIM_SYMBOLS)
		return BC_CLAIM_BAD_LENGTH;
	if (check_value(d) != (unsigned)d[BC_CLAIM_DATA_SYMBOLS])
		return BC_CLAIM_BAD_CHECK;
	for (i = 0; i < BC_CLAIM_SYMBOLS; i++)
		out[i] = alphabet[d[i]];
	out[BC_CLAIM_SYMBOLS] = '\0';
	return BC_CLAIM_OK;
}

void bc_claim_generate(char out[BC_CLAIM_CANON_BYTES])
{
	unsigned char r[10]; /* 80 bits, 75 used */
	int d[BC_CLAIM_DATA_SYMBOLS], i;
	unsigned bit = 0;

	randombytes_buf(r, sizeof(r));
	for (i = 0; i < BC_CLAIM_DATA_SYMBOLS; i++, bit += 5) {
		unsigned byte = bit / 8, off = bit % 8;
		unsigned w = ((unsigned)r[byte] << 8) | (byte + 1 < sizeof(r) ? r[byte + 1] : 0);

		d[i] = (int)((w >> (11 - off)) & 31);
		out[i] = alphabet[d[i]];
	}
	out[BC_CLAIM_DATA_SYMBOLS] = alphabet[check_value(d)];
	out[BC_CLAIM_SYMBOLS] = '\0';
	sodium_memzero(r, sizeof(r));
	sodium_memzero(d, sizeof(d));
}

void bc_claim_format(const char canon[BC_CLAIM_CANON_BYTES], char out[BC_CLAIM_PRINTED_BYTES])
{
	int i, o = 0;

	for (i = 0; i < BC_CLAIM_SYMBOLS; i++) {
		if (i && i % 4 == 0)
			out[o++] = '-';
		out[o++] = canon[i];
	}
	out[o] = '\0';
}

int bc_claim_oprf_input(const char canon[BC_CLAIM_CANON_BYTES], const char *nir, const char *dob,
			char *out, size_t size)
{
	int r;

	if (nir && nir[0]) {
		if (strlen(nir) != 13)
			return -1;
		r = snprintf(out, size, "bc1|claim|%.15s|%s", canon, nir);
	} else {
		if (!dob || strlen(dob) != 10)
			return -1;
		r = snprintf(out, size, "bc1|claim|%.15s|dob|%s", canon, dob);
	}
	return r < 0 || (size_t)r >= size ? -1 : r;
}

const char *bc_claim_status_name(int status)
{
	switch (status) {
	case BC_CLAIM_OK:
		return "ok";
	case BC_CLAIM_BAD_LENGTH:
		return "bad_length";
	case BC_CLAIM_BAD_SYMBOL:
		return "bad_symbol";
	case BC_CLAIM_BAD_CHECK:
		return "bad_check";
	default:
		return "unknown";
	}
}

const char *bc_claim_status_message(int status, const char *lang)
{
	int fr = !lang || strcmp(lang, "en") != 0;

	switch (status) {
	case BC_CLAIM_OK:
		return fr ? "Code valable." : "Valid code.";
	case BC_CLAIM_BAD_LENGTH:
		return fr ? "Le code de votre lettre a 16 caractères (4 groupes de 4) : regardez s'il est complet."
			  : "The code in your letter has 16 characters (4 groups of 4). Check that it is complete.";
	case BC_CLAIM_BAD_SYMBOL:
		return fr ? "Le code contient un caractère qui ne peut pas y être : relisez chaque caractère."
			  : "The code holds a character that cannot be in it: check each character.";
	case BC_CLAIM_BAD_CHECK:
		return fr ? "Ce code contient une faute de frappe : relisez chaque caractère sur votre lettre."
			  : "This code has a typo: check each character against your letter.";
	default:
		return fr ? "Code non reconnu." : "Code not recognised.";
	}
}
