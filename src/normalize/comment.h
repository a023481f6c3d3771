#ifndef BC_NORMALIZE_COMMENT_H
#define BC_NORMALIZE_COMMENT_H

/*
 * Classifier of free-text comments into the medical flag bits of DESIGN.md §7
 * (enum bc_class_bit in vocab/vocab.h): 12 medical_comment, 16 pregnancy,
 * 17 hiv, 18 hepatitis, 19 other_medical. Pure, no I/O, no allocation.
 */

#include <stddef.h>
#include <stdint.h>

/*
 * Classify one comment (UTF-8, len bytes, need not be NUL-terminated; invalid
 * bytes are treated as separators; only the first BC_COMMENT_SCAN_MAX bytes
 * are read). Returns a bit set of BC_BIT(12) (any medical mention, including a
 * negated one), BC_BIT(16) pregnancy, BC_BIT(17) hiv, BC_BIT(18) hepatitis,
 * BC_BIT(19) other_medical (diabetes, anticoagulant or antiplatelet treatment,
 * cancer and chemotherapy, other history); a category bit always comes with
 * bit 12. A mention in the scope of a negation ("VIH négatif", "pas enceinte",
 * "aucun ATCD", "non diabétique") sets bit 12 but no category. 0 for a
 * comment with no medical mention ("RDV à domicile", "tiers payant ok").
 * Keyword based on a folded form (lower case, accents removed, punctuation to
 * separators), with abbreviations (SA, DT2, AVK, VHC, ATCD, K = cancer, …) and
 * one typo allowed in words of 6 letters or more. Rules: docs/normalization.md.
 */
uint32_t bc_classify_comment(const char *utf8, size_t len);

#define BC_COMMENT_SCAN_MAX 4096

#endif
