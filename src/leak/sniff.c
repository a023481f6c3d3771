/*
 * Sniffing what the first 64 KiB say (docs/leak-files.md "Reading, step by
 * step", step 1): the delimiter, the line endings, and what a binary file
 * is. The encoding is sniffed in reader.c (with its UTF-8 validator).
 */
#include "leak/internal.h"

#include <string.h>

/* Fields per record with delimiter d over the first records of the buffer. */
static void count_fields(const unsigned char *b, size_t n, char d, unsigned counts[], unsigned *nrec,
			 unsigned maxrec)
{
	size_t i = 0;
	unsigned f = 1;
	int inq = 0, any = 0;

	*nrec = 0;
	for (i = 0; i < n && *nrec < maxrec; i++) {
		unsigned char c = b[i];

		if (inq) {
			if (c == '"') {
				if (i + 1 < n && b[i + 1] == '"')
					i++;
				else
					inq = 0;
			}
			continue;
		}
		if (c == '"' && (i == 0 || b[i - 1] == (unsigned char)d || b[i - 1] == '\n' ||
				 b[i - 1] == '\r')) {
			inq = 1;
			any = 1;
		} else if (c == (unsigned char)d) {
			f++;
			any = 1;
		} else if (c == '\n' || c == '\r') {
			if (c == '\r' && i + 1 < n && b[i + 1] == '\n')
				i++;
			if (any)
				counts[(*nrec)++] = f;
			f = 1;
			any = 0;
		} else {
			any = 1;
		}
	}
	/* a last record is only counted when the whole file is in the sample */
	if (any && i >= n && *nrec < maxrec && n < LEAK_SNIFF_BYTES)
		counts[(*nrec)++] = f;
}

char leak_sniff_delimiter(const unsigned char *b, size_t n)
{
	static const char cands[] = { ',', ';', '\t', '|' };
	unsigned counts[64], nrec, i, j, best_score = 0, best_m = 0, m, f, fm, score;
	char best = ',';
	size_t c;

	for (c = 0; c < sizeof(cands); c++) {
		count_fields(b, n, cands[c], counts, &nrec, 64);
		if (!nrec)
			continue;
		m = 0;
		fm = 0;
		/* one-field records (titles, blank lines) do not vote */
		for (i = 0; i < nrec; i++) {
			if (counts[i] < 2)
				continue;
			f = 0;
			for (j = 0; j < nrec; j++)
				f += counts[j] == counts[i];
			if (f > fm || (f == fm && counts[i] > m)) {
				fm = f;
				m = counts[i];
			}
		}
		if (m < 2)
			continue;
		score = fm * 1000 / nrec;
		if (score > best_score || (score == best_score && m > best_m)) {
			best_score = score;
			best_m = m;
			best = cands[c];
		}
	}
	return best;
}

enum leak_newline leak_sniff_newline(const unsigned char *b, size_t n)
{
	size_t i;
	int inq = 0;

	for (i = 0; i < n; i++) {
		if (b[i] == '"')
			inq = !inq;
		if (inq)
			continue;
		if (b[i] == '\n')
			return LEAK_NL_LF;
		if (b[i] == '\r')
			return i + 1 < n && b[i + 1] == '\n' ? LEAK_NL_CRLF : LEAK_NL_CR;
	}
	return LEAK_NL_NONE;
}

/* What a binary file probably is, from its magic bytes (for the error message). */
const char *leak_binary_kind(const unsigned char *p, size_t n)
{
	if (n >= 2 && p[0] == 0x1F && p[1] == 0x8B)
		return "gzip-compressed file: decompress it first";
	if (n >= 4 && p[0] == 'P' && p[1] == 'K' && p[2] == 3 && p[3] == 4)
		return "zip archive (or .xlsx/.ods workbook): extract it or export the sheet as CSV first";
	if (n >= 4 && p[0] == 0xD0 && p[1] == 0xCF && p[2] == 0x11 && p[3] == 0xE0)
		return "legacy Office file (.xls): export the sheet as CSV first";
	if (n >= 3 && p[0] == 'B' && p[1] == 'Z' && p[2] == 'h')
		return "bzip2-compressed file: decompress it first";
	if (n >= 6 && p[0] == 0xFD && p[1] == '7' && p[2] == 'z' && p[3] == 'X' && p[4] == 'Z')
		return "xz-compressed file: decompress it first";
	if (n >= 4 && p[0] == 0x28 && p[1] == 0xB5 && p[2] == 0x2F && p[3] == 0xFD)
		return "zstd-compressed file: decompress it first";
	if (n >= 6 && p[0] == '7' && p[1] == 'z' && p[2] == 0xBC && p[3] == 0xAF)
		return "7z archive: extract it first";
	if (n >= 5 && !memcmp(p, "%PDF-", 5))
		return "PDF document: not a text table";
	return "NUL or control bytes: this is not a text table (or its encoding is not supported)";
}
