#ifndef BC_NORMALIZE_TEXT_H
#define BC_NORMALIZE_TEXT_H

/*
 * Text repairs applied at ingest before normalising (DESIGN.md §4): mojibake
 * and name fields that hold two names. Pure, no I/O, no allocation.
 */

#include <stddef.h>

/*
 * Repair UTF-8 text that was read as Windows-1252 (or Latin-1) and re-encoded
 * as UTF-8 ("HÃ©lÃ¨ne" -> "Hélène"), once or twice (double mojibake).
 * A pass is applied only when every code point of the whole string maps back
 * to one CP1252 byte and those bytes form valid UTF-8 that is not plain ASCII;
 * otherwise the text is left as it is, so correct text is never damaged.
 * in: len bytes of UTF-8 (need not be NUL-terminated). out: caller's buffer of
 * outsize >= len + 1 bytes, receives the repaired (or unchanged) text,
 * NUL-terminated; out may equal in (in place). *outlen (may be NULL) gets its
 * length, which is never more than len.
 * Returns the number of passes applied (0, 1 or 2), or -1 if outsize < len + 1
 * (out then holds "" when outsize > 0).
 */
int bc_repair_mojibake(const char *in, size_t len, char *out, size_t outsize, size_t *outlen);

/* A byte range [off, off + len) of the caller's input. len 0 = absent. */
struct bc_span {
	size_t off;
	size_t len;
};

/*
 * Split a last-name field that holds two names (DESIGN.md §4) into the birth
 * name and the usage name, as byte spans of `in` (trimmed of white space,
 * commas and parentheses). Markers are whole words, any case, with or without
 * accents and a trailing dot:
 *   "X épouse Y", "X épse Y", "X ép. Y", "X ep Y", "X veuve Y", "X vve Y"
 *       -> birth X, usage Y (Y is the spouse's name);
 *   "X née Y", "X nee Y", "X né Y", "X (née Y)"
 *       -> birth Y, usage X;
 *   "Vve Y", "veuve Y", "épouse Y" (nothing before the marker)
 *       -> birth absent, usage Y;
 *   "née Y" (nothing before) -> birth Y, usage absent.
 * Hyphenated names ("DUPONT-MARTIN") and several words without a marker are
 * never split: the whole field is the birth name.
 * Returns 1 when a marker was found, 0 when not (birth = the trimmed field,
 * usage absent). Both spans are always written. No allocation.
 */
int bc_split_name_field(const char *in, size_t len, struct bc_span *birth, struct bc_span *usage);

#endif
