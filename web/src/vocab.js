// Generated from src/vocab/vocab.c by bc-vocab-js (`ninja -C build vocab-js`):
// do not edit. The test vocab/page fails when this file and the C table differ.
// The project's nouns: token kinds (DESIGN.md §4), data-class and flag bits
// (DESIGN.md §7) with their plain-language names, payload constants (§5).

// Token kinds and their numbers.
export const KIND = { nir: 1, namedob: 2, email: 3, phone: 4, verified: 5, claim: 6 };

// Number -> JSON name of each token kind.
export const KIND_NAMES = { 1: "nir", 2: "namedob", 3: "email", 4: "phone", 5: "verified", 6: "claim" };

// Identifier kinds as a person reads them (what matched / what was checked).
export const KIND_LABELS = {
  nir: { en: "social security number (NIR)", fr: "numéro de sécurité sociale (NIR)" },
  namedob: { en: "name and date of birth", fr: "nom et date de naissance" },
  email: { en: "email address", fr: "adresse e-mail" },
  phone: { en: "phone number", fr: "numéro de téléphone" },
  verified: { en: "social security number with verified email", fr: "NIR avec adresse e-mail vérifiée" },
  claim: { en: "claim code from your letter", fr: "code reçu par courrier" },
};

// Data-class and flag bits of a payload's flags, by JSON name, in bit order.
export const CLASS_BITS = {
  name: 0,
  nir: 1,
  dob: 2,
  sex: 3,
  address: 4,
  email: 5,
  phone: 6,
  blood_group: 7,
  doctor: 8,
  insurer: 9,
  lab_visit: 10,
  sample_date: 11,
  medical_comment: 12,
  pregnancy: 16,
  hiv: 17,
  hepatitis: 18,
  other_medical: 19,
  more_sources: 30,
  shared: 31,
};

// Data classes as a person reads them (the flags 30 and 31 are not classes).
export const CLASS_LABELS = {
  name: { en: "name", fr: "nom et prénom" },
  nir: { en: "social security number (NIR)", fr: "numéro de sécurité sociale (NIR)" },
  dob: { en: "date of birth", fr: "date de naissance" },
  sex: { en: "sex", fr: "sexe" },
  address: { en: "postal address", fr: "adresse postale" },
  email: { en: "email address", fr: "adresse e-mail" },
  phone: { en: "phone number", fr: "numéro de téléphone" },
  blood_group: { en: "blood group", fr: "groupe sanguin" },
  doctor: { en: "referring doctor's details", fr: "coordonnées du médecin prescripteur" },
  insurer: { en: "health insurer or mutual", fr: "caisse d'assurance maladie ou mutuelle" },
  lab_visit: { en: "your visit to a medical lab", fr: "votre passage dans un laboratoire d'analyses" },
  sample_date: { en: "date of the sample", fr: "date du prélèvement" },
  medical_comment: { en: "a medical comment", fr: "un commentaire médical" },
  pregnancy: { en: "pregnancy", fr: "grossesse" },
  hiv: { en: "HIV status", fr: "statut VIH" },
  hepatitis: { en: "hepatitis", fr: "hépatite" },
  other_medical: { en: "other medical history", fr: "autres antécédents médicaux" },
};

export const MORE_SOURCES_BIT = 30;
export const SHARED_BIT = 31;
// Bits 0-11: the classes every tier discloses.
export const PUBLIC_CLASS_MASK = 0x00000fff;
// Bits 12, 16-19: the medical classes (proof tier only).
export const MEDICAL_MASK = 0x000f1000;
// Every data-class bit (not the flags).
export const CLASSES_MASK = 0x000f1fff;

export const PAYLOAD_BYTES = 16;
export const PAYLOAD_VERSION = 1;
export const SOURCE_NONE = 0xffff;
