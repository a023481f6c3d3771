#include "vocab/vocab.h"

#include <string.h>

/*
 * DESIGN.md §7, index = bit. The English and French names are what a person
 * reads in `breachcheck check` and on the page (web/src/vocab.js is written
 * from this table).
 */
static const struct bc_vocab_entry classes[32] = {
	[BC_CLASS_NAME] = { "name", "name", "nom et prénom" },
	[BC_CLASS_NIR] = { "nir", "social security number (NIR)", "numéro de sécurité sociale (NIR)" },
	[BC_CLASS_DOB] = { "dob", "date of birth", "date de naissance" },
	[BC_CLASS_SEX] = { "sex", "sex", "sexe" },
	[BC_CLASS_ADDRESS] = { "address", "postal address", "adresse postale" },
	[BC_CLASS_EMAIL] = { "email", "email address", "adresse e-mail" },
	[BC_CLASS_PHONE] = { "phone", "phone number", "numéro de téléphone" },
	[BC_CLASS_BLOOD_GROUP] = { "blood_group", "blood group", "groupe sanguin" },
	[BC_CLASS_DOCTOR] = { "doctor", "referring doctor's details",
			      "coordonnées du médecin prescripteur" },
	[BC_CLASS_INSURER] = { "insurer", "health insurer or mutual",
			       "caisse d'assurance maladie ou mutuelle" },
	[BC_CLASS_LAB_VISIT] = { "lab_visit", "your visit to a medical lab",
				 "votre passage dans un laboratoire d'analyses" },
	[BC_CLASS_SAMPLE_DATE] = { "sample_date", "date of the sample", "date du prélèvement" },
	[BC_CLASS_MEDICAL_COMMENT] = { "medical_comment", "a medical comment",
				       "un commentaire médical" },
	[BC_CLASS_PREGNANCY] = { "pregnancy", "pregnancy", "grossesse" },
	[BC_CLASS_HIV] = { "hiv", "HIV status", "statut VIH" },
	[BC_CLASS_HEPATITIS] = { "hepatitis", "hepatitis", "hépatite" },
	[BC_CLASS_OTHER_MEDICAL] = { "other_medical", "other medical history",
				     "autres antécédents médicaux" },
	[BC_FLAG_MORE_SOURCES] = { "more_sources", NULL, NULL },
	[BC_FLAG_SHARED] = { "shared", NULL, NULL },
};

/* DESIGN.md §4 table, index = kind; the names are also the OPRF input's second field. */
static const struct bc_vocab_entry kinds[BC_TOKEN_KIND_MAX + 1] = {
	[BC_TOKEN_NIR] = { "nir", "social security number (NIR)", "numéro de sécurité sociale (NIR)" },
	[BC_TOKEN_NAMEDOB] = { "namedob", "name and date of birth", "nom et date de naissance" },
	[BC_TOKEN_EMAIL] = { "email", "email address", "adresse e-mail" },
	[BC_TOKEN_PHONE] = { "phone", "phone number", "numéro de téléphone" },
	[BC_TOKEN_VERIFIED] = { "verified", "social security number with verified email",
				"NIR avec adresse e-mail vérifiée" },
	[BC_TOKEN_CLAIM] = { "claim", "claim code from your letter", "code reçu par courrier" },
};

const struct bc_vocab_entry *bc_class_entry(unsigned bit)
{
	return bit < 32 && classes[bit].name ? &classes[bit] : NULL;
}

const char *bc_class_name(unsigned bit)
{
	return bit < 32 ? classes[bit].name : NULL;
}

int bc_class_bit_of(const char *name)
{
	unsigned b;

	for (b = 0; name && b < 32; b++)
		if (classes[b].name && !strcmp(classes[b].name, name))
			return (int)b;
	return -1;
}

const struct bc_vocab_entry *bc_token_kind_entry(int kind)
{
	return kind >= BC_TOKEN_KIND_MIN && kind <= BC_TOKEN_KIND_MAX ? &kinds[kind] : NULL;
}

const char *bc_token_kind_name(int kind)
{
	const struct bc_vocab_entry *e = bc_token_kind_entry(kind);

	return e ? e->name : NULL;
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] | (p[1] << 8));
}

void bc_payload_pack(const struct bc_payload *p, uint8_t out[BC_PAYLOAD_BYTES])
{
	out[0] = p->version;
	out[1] = p->kind;
	put16(out + 2, p->rows);
	put16(out + 4, (uint16_t)(p->flags & 0xFFFFu));
	put16(out + 6, (uint16_t)(p->flags >> 16));
	put16(out + 8, p->first_month);
	put16(out + 10, p->last_month);
	put16(out + 12, p->source_a);
	put16(out + 14, p->source_b);
}

int bc_payload_unpack(const uint8_t in[BC_PAYLOAD_BYTES], struct bc_payload *p)
{
	p->version = in[0];
	p->kind = in[1];
	p->rows = get16(in + 2);
	p->flags = (uint32_t)get16(in + 4) | ((uint32_t)get16(in + 6) << 16);
	p->first_month = get16(in + 8);
	p->last_month = get16(in + 10);
	p->source_a = get16(in + 12);
	p->source_b = get16(in + 14);
	if (p->version != BC_PAYLOAD_VERSION || bc_token_kind_name(p->kind) == NULL)
		return -1;
	return 0;
}

const char *bc_public_tier_name(int tier)
{
	switch (tier) {
	case BC_TIER_FULL: return "full";
	case BC_TIER_CLASSES: return "classes";
	case BC_TIER_NONE: return "none";
	default: return NULL;
	}
}

int bc_public_tier_parse(const char *s)
{
	int t;

	for (t = BC_TIER_FULL; s && t <= BC_TIER_NONE; t++)
		if (!strcmp(s, bc_public_tier_name(t)))
			return t;
	return BC_TIER_DEFAULT;
}
