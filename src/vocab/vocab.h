#ifndef BC_VOCAB_VOCAB_H
#define BC_VOCAB_VOCAB_H

/*
 * The project's nouns, defined once (floor 1: depends on libc only).
 *
 *  - token kinds and their numbers (DESIGN.md §4 table);
 *  - data-class and flag bits of a payload, with their JSON names and their
 *    plain-language English and French names (DESIGN.md §7);
 *  - the decoded 16-byte payload and its little-endian encoding (DESIGN.md §5);
 *  - one breach of the catalogue (index.json "breaches", DESIGN.md §8).
 *
 * Every other table of these names is derived from this module: the leak
 * reader, the index, the report and the generator call the functions below;
 * the page's tables (web/src/vocab.js) are written from it by the tool
 * bc-vocab-js (`ninja -C build vocab-js`), and the test vocab/page fails
 * when they differ. Adding a data class is one line in vocab.c (bit, JSON
 * name, English and French names), then `ninja -C build vocab-js`.
 */

#include <stddef.h>
#include <stdint.h>

/* Token kinds and their numbers (DESIGN.md §4 table). */
enum bc_token_kind {
	BC_TOKEN_NIR = 1,
	BC_TOKEN_NAMEDOB = 2,
	BC_TOKEN_EMAIL = 3,
	BC_TOKEN_PHONE = 4,
	BC_TOKEN_VERIFIED = 5,
	BC_TOKEN_CLAIM = 6,
};
#define BC_TOKEN_KIND_MIN 1
#define BC_TOKEN_KIND_MAX 6
/* A set of kinds as a bit mask (bit k for kind k). */
#define BC_TOKEN_BIT(k) ((uint32_t)1u << (k))

/* Data-class and flag bits of the payload's u32 flags (DESIGN.md §7). */
enum bc_class_bit {
	BC_CLASS_NAME = 0,
	BC_CLASS_NIR = 1,
	BC_CLASS_DOB = 2,
	BC_CLASS_SEX = 3,
	BC_CLASS_ADDRESS = 4,
	BC_CLASS_EMAIL = 5,
	BC_CLASS_PHONE = 6,
	BC_CLASS_BLOOD_GROUP = 7,
	BC_CLASS_DOCTOR = 8,
	BC_CLASS_INSURER = 9,
	BC_CLASS_LAB_VISIT = 10,
	BC_CLASS_SAMPLE_DATE = 11,
	BC_CLASS_MEDICAL_COMMENT = 12,
	BC_CLASS_PREGNANCY = 16,
	BC_CLASS_HIV = 17,
	BC_CLASS_HEPATITIS = 18,
	BC_CLASS_OTHER_MEDICAL = 19,
	BC_FLAG_MORE_SOURCES = 30,
	BC_FLAG_SHARED = 31,
};

#define BC_BIT(b) ((uint32_t)1u << (b))
/* Bits 0-11: the classes every tier discloses. */
#define BC_PUBLIC_CLASS_MASK 0x00000FFFu
/* Bits 12 and 16-19: the medical classes (proof tier only). */
#define BC_MEDICAL_MASK (BC_BIT(BC_CLASS_MEDICAL_COMMENT) | BC_BIT(BC_CLASS_PREGNANCY) | \
			 BC_BIT(BC_CLASS_HIV) | BC_BIT(BC_CLASS_HEPATITIS) |                \
			 BC_BIT(BC_CLASS_OTHER_MEDICAL))
/* The 16-19 categories of a medical comment (normalize/comment.h). */
#define BC_MEDICAL_CATEGORY_MASK (BC_MEDICAL_MASK & ~BC_BIT(BC_CLASS_MEDICAL_COMMENT))
/* Every data-class bit (not the flags 30 and 31). */
#define BC_CLASS_MASK (BC_PUBLIC_CLASS_MASK | BC_MEDICAL_MASK)

/*
 * Names of one token kind or one data-class/flag bit. name: the JSON name
 * (ASCII, DESIGN.md §4/§7). en, fr: what a person reads (UTF-8), NULL for
 * the flags 30 and 31, which are not data classes. Static strings.
 */
struct bc_vocab_entry {
	const char *name;
	const char *en;
	const char *fr;
};

/* The entry of a bit in 0..31, or NULL if the bit is unused (13-15, 20-29, >= 32). */
const struct bc_vocab_entry *bc_class_entry(unsigned bit);

/* JSON name of a bit ("name", "nir", ..., "more_sources", "shared"), or NULL if unused. */
const char *bc_class_name(unsigned bit);

/* Bit of a JSON name (exact, case-sensitive), or -1 if none. */
int bc_class_bit_of(const char *name);

/* The entry of a token kind (1..BC_TOKEN_KIND_MAX), or NULL for another value. */
const struct bc_vocab_entry *bc_token_kind_entry(int kind);

/* "nir", "namedob", "email", "phone", "verified", "claim", or NULL for another value. */
const char *bc_token_kind_name(int kind);

/* Payload (DESIGN.md §5). */
#define BC_PAYLOAD_BYTES 16
#define BC_PAYLOAD_VERSION 1
#define BC_SOURCE_NONE 0xFFFFu   /* source_a / source_b: no lab */

/* The decoded 16-byte payload of an index entry (DESIGN.md §5). */
struct bc_payload {
	uint8_t version;      /* BC_PAYLOAD_VERSION */
	uint8_t kind;         /* enum bc_token_kind */
	uint16_t rows;        /* saturating; 0 = hidden (sensitive public tier, shared) */
	uint32_t flags;       /* data classes + bit 30 more_sources + bit 31 shared */
	uint16_t first_month; /* (year - 2000) * 12 + month, 0 = unknown/hidden */
	uint16_t last_month;
	uint16_t source_a;    /* index into the breach's sources, BC_SOURCE_NONE = none */
	uint16_t source_b;
};

/* Little-endian encoding of p to BC_PAYLOAD_BYTES bytes (DESIGN.md §5). */
void bc_payload_pack(const struct bc_payload *p, uint8_t out[BC_PAYLOAD_BYTES]);

/* Decode BC_PAYLOAD_BYTES bytes into *p. Returns 0, or -1 if the version is
 * not BC_PAYLOAD_VERSION or the kind is not a token kind (*p is filled anyway). */
int bc_payload_unpack(const uint8_t in[BC_PAYLOAD_BYTES], struct bc_payload *p) __attribute__((warn_unused_result));

/*
 * One breach of the catalogue (index.json "breaches", DESIGN.md §8), as the
 * index reader holds it and as the report shows it. Strings are borrowed
 * from whoever built the struct (the index, a test's static table) and must
 * outlive its users; "" or NULL when unset.
 */
struct bc_breach {
	uint32_t id;            /* never reused; a replaced breach gets a new one */
	const char *name;       /* short name as given to --breach */
	const char *title;
	const char *breach_date; /* YYYY-MM-DD or "" */
	const char *added_date;  /* YYYY-MM-DD (UTC day of ingest) */
	uint64_t pwn_count;      /* distinct patients (estimated by ingest) */
	uint32_t data_classes;   /* OR of the flags of all rows (bits of §7) */
	int is_sensitive;
	const char *description;
	const char *title_en;    /* English title and description, "" or NULL: use title, description */
	const char *description_en;
	const char *const *sources; /* n_sources lab names; payload source_a/b index this */
	size_t n_sources;
	const char *controller;
	const char *dpo_contact;
	const char *complaint_url;
	int public_tier;         /* enum bc_public_tier; absent in index.json: CLASSES if sensitive, else FULL */
};

/*
 * Public tier of a breach (DESIGN.md §2.4, set by `ingest --public-tier`,
 * index.json and /v1/config "public_tier"): what knowing an identifier shows.
 * FULL: the non-medical payload; CLASSES: found + data classes 0-11; NONE:
 * nothing (no public entry at all: only claim codes and email verification
 * open the breach).
 */
enum bc_public_tier {
	BC_TIER_DEFAULT = 0, /* ingest option unset: FULL, or NONE with --sensitive */
	BC_TIER_FULL = 1,
	BC_TIER_CLASSES = 2,
	BC_TIER_NONE = 3,
};

/* "full", "classes", "none", or NULL for another value. */
const char *bc_public_tier_name(int tier);

/* The tier named s ("full", "classes", "none"), or BC_TIER_DEFAULT if none matches. */
int bc_public_tier_parse(const char *s);

#endif
