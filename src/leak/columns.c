#include "leak/internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static const char *const field_names[LEAK_FIELD_COUNT] = {
	[LEAK_FIELD_NONE] = "unmapped",
	[LEAK_FIELD_LAST_NAME] = "last_name",
	[LEAK_FIELD_BIRTH_NAME] = "birth_name",
	[LEAK_FIELD_USAGE_NAME] = "usage_name",
	[LEAK_FIELD_FIRST_NAME] = "first_name",
	[LEAK_FIELD_SEX] = "sex",
	[LEAK_FIELD_DOB] = "dob",
	[LEAK_FIELD_NIR] = "nir",
	[LEAK_FIELD_ADDRESS] = "address",
	[LEAK_FIELD_POSTCODE] = "postcode",
	[LEAK_FIELD_CITY] = "city",
	[LEAK_FIELD_PHONE] = "phone",
	[LEAK_FIELD_EMAIL] = "email",
	[LEAK_FIELD_BLOOD_GROUP] = "blood_group",
	[LEAK_FIELD_DOCTOR] = "doctor",
	[LEAK_FIELD_DOCTOR_ADDRESS] = "doctor_address",
	[LEAK_FIELD_DOCTOR_PHONE] = "doctor_phone",
	[LEAK_FIELD_INSURER] = "insurer",
	[LEAK_FIELD_LAB] = "lab",
	[LEAK_FIELD_SAMPLE_DATE] = "sample_date",
	[LEAK_FIELD_COMMENT] = "comment",
	[LEAK_FIELD_FULL_NAME] = "full_name",
	[LEAK_FIELD_IGNORE] = "ignore",
};

static const char *const reason_names[LEAK_REASON_COUNT] = {
	[LEAK_REASON_FIELD_COUNT] = "field_count",
	[LEAK_REASON_CONTROL_BYTES] = "control_bytes",
	[LEAK_REASON_INVALID_UTF8] = "invalid_utf8",
	[LEAK_REASON_STRAY_QUOTE] = "stray_quote",
	[LEAK_REASON_INVALID_NIR] = "invalid_nir",
	[LEAK_REASON_INVALID_DOB] = "invalid_dob",
	[LEAK_REASON_INVALID_EMAIL] = "invalid_email",
	[LEAK_REASON_INVALID_PHONE] = "invalid_phone",
	[LEAK_REASON_INVALID_SAMPLE_DATE] = "invalid_sample_date",
};

/* Header keys (see leak_header_key) and their field. */
static const struct {
	const char *key;
	enum leak_field field;
} header_table[] = {
	{ "nom", LEAK_FIELD_LAST_NAME },
	{ "noms", LEAK_FIELD_LAST_NAME },
	{ "name", LEAK_FIELD_LAST_NAME },
	{ "lastname", LEAK_FIELD_LAST_NAME },
	{ "surname", LEAK_FIELD_LAST_NAME },
	{ "familyname", LEAK_FIELD_LAST_NAME },
	{ "nomfamille", LEAK_FIELD_LAST_NAME },
	{ "nomdefamille", LEAK_FIELD_LAST_NAME },
	{ "nompatient", LEAK_FIELD_LAST_NAME },
	{ "nomnaissance", LEAK_FIELD_BIRTH_NAME },
	{ "nomdenaissance", LEAK_FIELD_BIRTH_NAME },
	{ "nomnaiss", LEAK_FIELD_BIRTH_NAME },
	{ "nomjf", LEAK_FIELD_BIRTH_NAME },
	{ "nomdejeunefille", LEAK_FIELD_BIRTH_NAME },
	{ "birthname", LEAK_FIELD_BIRTH_NAME },
	{ "maidenname", LEAK_FIELD_BIRTH_NAME },
	{ "nomusage", LEAK_FIELD_USAGE_NAME },
	{ "nomdusage", LEAK_FIELD_USAGE_NAME },
	{ "nomus", LEAK_FIELD_USAGE_NAME },
	{ "nommarital", LEAK_FIELD_USAGE_NAME },
	{ "nomepouse", LEAK_FIELD_USAGE_NAME },
	{ "nomdepouse", LEAK_FIELD_USAGE_NAME },
	{ "marriedname", LEAK_FIELD_USAGE_NAME },
	{ "usagename", LEAK_FIELD_USAGE_NAME },
	{ "prenom", LEAK_FIELD_FIRST_NAME },
	{ "prenoms", LEAK_FIELD_FIRST_NAME },
	{ "firstname", LEAK_FIELD_FIRST_NAME },
	{ "firstnames", LEAK_FIELD_FIRST_NAME },
	{ "givenname", LEAK_FIELD_FIRST_NAME },
	{ "givennames", LEAK_FIELD_FIRST_NAME },
	{ "forename", LEAK_FIELD_FIRST_NAME },
	{ "sexe", LEAK_FIELD_SEX },
	{ "sex", LEAK_FIELD_SEX },
	{ "gender", LEAK_FIELD_SEX },
	{ "genre", LEAK_FIELD_SEX },
	{ "ddn", LEAK_FIELD_DOB },
	{ "datenaissance", LEAK_FIELD_DOB },
	{ "datedenaissance", LEAK_FIELD_DOB },
	{ "datenaiss", LEAK_FIELD_DOB },
	{ "dtnaiss", LEAK_FIELD_DOB },
	{ "dtnaissance", LEAK_FIELD_DOB },
	{ "naissance", LEAK_FIELD_DOB },
	{ "neele", LEAK_FIELD_DOB },
	{ "nele", LEAK_FIELD_DOB },
	{ "neel", LEAK_FIELD_DOB },
	{ "dob", LEAK_FIELD_DOB },
	{ "dateofbirth", LEAK_FIELD_DOB },
	{ "birthdate", LEAK_FIELD_DOB },
	{ "nir", LEAK_FIELD_NIR },
	{ "nss", LEAK_FIELD_NIR },
	{ "numss", LEAK_FIELD_NIR },
	{ "noss", LEAK_FIELD_NIR },
	{ "secu", LEAK_FIELD_NIR },
	{ "nsecu", LEAK_FIELD_NIR },
	{ "numsecu", LEAK_FIELD_NIR },
	{ "nosecu", LEAK_FIELD_NIR },
	{ "numerosecu", LEAK_FIELD_NIR },
	{ "securitesociale", LEAK_FIELD_NIR },
	{ "nsecuritesociale", LEAK_FIELD_NIR },
	{ "numsecuritesociale", LEAK_FIELD_NIR },
	{ "nosecuritesociale", LEAK_FIELD_NIR },
	{ "numerosecuritesociale", LEAK_FIELD_NIR },
	{ "numerodesecuritesociale", LEAK_FIELD_NIR },
	{ "ndesecuritesociale", LEAK_FIELD_NIR },
	{ "insee", LEAK_FIELD_NIR },
	{ "numinsee", LEAK_FIELD_NIR },
	{ "ssn", LEAK_FIELD_NIR },
	{ "socialsecuritynumber", LEAK_FIELD_NIR },
	{ "adresse", LEAK_FIELD_ADDRESS },
	{ "adr", LEAK_FIELD_ADDRESS },
	{ "adressepostale", LEAK_FIELD_ADDRESS },
	{ "address", LEAK_FIELD_ADDRESS },
	{ "street", LEAK_FIELD_ADDRESS },
	{ "streetaddress", LEAK_FIELD_ADDRESS },
	{ "rue", LEAK_FIELD_ADDRESS },
	{ "voie", LEAK_FIELD_ADDRESS },
	{ "cp", LEAK_FIELD_POSTCODE },
	{ "codepostal", LEAK_FIELD_POSTCODE },
	{ "codepost", LEAK_FIELD_POSTCODE },
	{ "postcode", LEAK_FIELD_POSTCODE },
	{ "postalcode", LEAK_FIELD_POSTCODE },
	{ "zip", LEAK_FIELD_POSTCODE },
	{ "zipcode", LEAK_FIELD_POSTCODE },
	{ "ville", LEAK_FIELD_CITY },
	{ "commune", LEAK_FIELD_CITY },
	{ "localite", LEAK_FIELD_CITY },
	{ "city", LEAK_FIELD_CITY },
	{ "town", LEAK_FIELD_CITY },
	{ "tel", LEAK_FIELD_PHONE },
	{ "telephone", LEAK_FIELD_PHONE },
	{ "tels", LEAK_FIELD_PHONE },
	{ "telephones", LEAK_FIELD_PHONE },
	{ "portable", LEAK_FIELD_PHONE },
	{ "telportable", LEAK_FIELD_PHONE },
	{ "telephoneportable", LEAK_FIELD_PHONE },
	{ "mobile", LEAK_FIELD_PHONE },
	{ "telmobile", LEAK_FIELD_PHONE },
	{ "gsm", LEAK_FIELD_PHONE },
	{ "telfixe", LEAK_FIELD_PHONE },
	{ "teldomicile", LEAK_FIELD_PHONE },
	{ "phone", LEAK_FIELD_PHONE },
	{ "phonenumber", LEAK_FIELD_PHONE },
	{ "mobilephone", LEAK_FIELD_PHONE },
	{ "cellphone", LEAK_FIELD_PHONE },
	{ "mail", LEAK_FIELD_EMAIL },
	{ "email", LEAK_FIELD_EMAIL },
	{ "emails", LEAK_FIELD_EMAIL },
	{ "mel", LEAK_FIELD_EMAIL },
	{ "courriel", LEAK_FIELD_EMAIL },
	{ "adressemail", LEAK_FIELD_EMAIL },
	{ "adresseemail", LEAK_FIELD_EMAIL },
	{ "adressemel", LEAK_FIELD_EMAIL },
	{ "emailaddress", LEAK_FIELD_EMAIL },
	{ "groupesanguin", LEAK_FIELD_BLOOD_GROUP },
	{ "grpsang", LEAK_FIELD_BLOOD_GROUP },
	{ "grsang", LEAK_FIELD_BLOOD_GROUP },
	{ "groupesang", LEAK_FIELD_BLOOD_GROUP },
	{ "gs", LEAK_FIELD_BLOOD_GROUP },
	{ "groupe", LEAK_FIELD_BLOOD_GROUP },
	{ "groupagerhesus", LEAK_FIELD_BLOOD_GROUP },
	{ "bloodgroup", LEAK_FIELD_BLOOD_GROUP },
	{ "bloodtype", LEAK_FIELD_BLOOD_GROUP },
	{ "medecin", LEAK_FIELD_DOCTOR },
	{ "medecintraitant", LEAK_FIELD_DOCTOR },
	{ "medecinprescripteur", LEAK_FIELD_DOCTOR },
	{ "prescripteur", LEAK_FIELD_DOCTOR },
	{ "medtraitant", LEAK_FIELD_DOCTOR },
	{ "med", LEAK_FIELD_DOCTOR },
	{ "nommedecin", LEAK_FIELD_DOCTOR },
	{ "docteur", LEAK_FIELD_DOCTOR },
	{ "doctor", LEAK_FIELD_DOCTOR },
	{ "doctorname", LEAK_FIELD_DOCTOR },
	{ "referringdoctor", LEAK_FIELD_DOCTOR },
	{ "physician", LEAK_FIELD_DOCTOR },
	{ "gp", LEAK_FIELD_DOCTOR },
	{ "adressemedecin", LEAK_FIELD_DOCTOR_ADDRESS },
	{ "adrmedecin", LEAK_FIELD_DOCTOR_ADDRESS },
	{ "adrmed", LEAK_FIELD_DOCTOR_ADDRESS },
	{ "medecinadresse", LEAK_FIELD_DOCTOR_ADDRESS },
	{ "adressemedecintraitant", LEAK_FIELD_DOCTOR_ADDRESS },
	{ "adresseprescripteur", LEAK_FIELD_DOCTOR_ADDRESS },
	{ "doctoraddress", LEAK_FIELD_DOCTOR_ADDRESS },
	{ "telmedecin", LEAK_FIELD_DOCTOR_PHONE },
	{ "telmed", LEAK_FIELD_DOCTOR_PHONE },
	{ "telephonemedecin", LEAK_FIELD_DOCTOR_PHONE },
	{ "medecintel", LEAK_FIELD_DOCTOR_PHONE },
	{ "telmedecintraitant", LEAK_FIELD_DOCTOR_PHONE },
	{ "telprescripteur", LEAK_FIELD_DOCTOR_PHONE },
	{ "doctorphone", LEAK_FIELD_DOCTOR_PHONE },
	{ "mutuelle", LEAK_FIELD_INSURER },
	{ "caisse", LEAK_FIELD_INSURER },
	{ "organisme", LEAK_FIELD_INSURER },
	{ "caisseassurancemaladie", LEAK_FIELD_INSURER },
	{ "assurance", LEAK_FIELD_INSURER },
	{ "complementaire", LEAK_FIELD_INSURER },
	{ "regime", LEAK_FIELD_INSURER },
	{ "insurer", LEAK_FIELD_INSURER },
	{ "insurance", LEAK_FIELD_INSURER },
	{ "healthinsurer", LEAK_FIELD_INSURER },
	{ "laboratoire", LEAK_FIELD_LAB },
	{ "labo", LEAK_FIELD_LAB },
	{ "lab", LEAK_FIELD_LAB },
	{ "laboratory", LEAK_FIELD_LAB },
	{ "site", LEAK_FIELD_LAB },
	{ "codelabo", LEAK_FIELD_LAB },
	{ "idlabo", LEAK_FIELD_LAB },
	{ "labid", LEAK_FIELD_LAB },
	{ "datepre", LEAK_FIELD_SAMPLE_DATE },
	{ "dateprel", LEAK_FIELD_SAMPLE_DATE },
	{ "dtprel", LEAK_FIELD_SAMPLE_DATE },
	{ "dateprelevement", LEAK_FIELD_SAMPLE_DATE },
	{ "datedeprelevement", LEAK_FIELD_SAMPLE_DATE },
	{ "dateduprelevement", LEAK_FIELD_SAMPLE_DATE },
	{ "prelevement", LEAK_FIELD_SAMPLE_DATE },
	{ "dateprelev", LEAK_FIELD_SAMPLE_DATE },
	{ "sampledate", LEAK_FIELD_SAMPLE_DATE },
	{ "collectiondate", LEAK_FIELD_SAMPLE_DATE },
	{ "commentaire", LEAK_FIELD_COMMENT },
	{ "commentaires", LEAK_FIELD_COMMENT },
	{ "comm", LEAK_FIELD_COMMENT },
	{ "com", LEAK_FIELD_COMMENT },
	{ "obs", LEAK_FIELD_COMMENT },
	{ "observation", LEAK_FIELD_COMMENT },
	{ "observations", LEAK_FIELD_COMMENT },
	{ "remarque", LEAK_FIELD_COMMENT },
	{ "remarques", LEAK_FIELD_COMMENT },
	{ "rq", LEAK_FIELD_COMMENT },
	{ "note", LEAK_FIELD_COMMENT },
	{ "notes", LEAK_FIELD_COMMENT },
	{ "comment", LEAK_FIELD_COMMENT },
	{ "comments", LEAK_FIELD_COMMENT },
	{ "remark", LEAK_FIELD_COMMENT },
	{ "remarks", LEAK_FIELD_COMMENT },
	{ "infos", LEAK_FIELD_COMMENT },
	{ "nomprenom", LEAK_FIELD_FULL_NAME },
	{ "nometprenom", LEAK_FIELD_FULL_NAME },
	{ "nomprenoms", LEAK_FIELD_FULL_NAME },
	{ "prenomnom", LEAK_FIELD_FULL_NAME },
	{ "nomcomplet", LEAK_FIELD_FULL_NAME },
	{ "identite", LEAK_FIELD_FULL_NAME },
	{ "identitepatient", LEAK_FIELD_FULL_NAME },
	{ "fullname", LEAK_FIELD_FULL_NAME },
};

const char *leak_field_name(enum leak_field f)
{
	return (unsigned)f < LEAK_FIELD_COUNT ? field_names[f] : "unmapped";
}

const char *leak_reason_name(enum leak_reason reason)
{
	return (unsigned)reason < LEAK_REASON_COUNT ? reason_names[reason] : "unknown";
}

const char *leak_encoding_name(enum leak_encoding e)
{
	switch (e) {
	case LEAK_ENC_UTF8: return "utf-8";
	case LEAK_ENC_UTF8_BOM: return "utf-8-bom";
	case LEAK_ENC_CP1252: return "cp1252";
	case LEAK_ENC_UTF16LE: return "utf-16le";
	case LEAK_ENC_UTF16BE: return "utf-16be";
	case LEAK_ENC_ISO8859_15: return "iso-8859-15";
	default: return "auto";
	}
}

const char *leak_format_name(enum leak_format f)
{
	return f == LEAK_FORMAT_HPRIM ? "hprim" : "table";
}

const char *leak_newline_name(enum leak_newline nl)
{
	switch (nl) {
	case LEAK_NL_LF: return "lf";
	case LEAK_NL_CRLF: return "crlf";
	case LEAK_NL_CR: return "cr";
	default: return "none";
	}
}

const char *leak_delimiter_name(char delimiter)
{
	switch (delimiter) {
	case ',': return "comma";
	case ';': return "semicolon";
	case '\t': return "tab";
	case '|': return "pipe";
	default: return "other";
	}
}

int leak_field_from_name(const char *name, size_t len)
{
	int i;

	for (i = 1; i < LEAK_FIELD_COUNT; i++)
		if (strlen(field_names[i]) == len && !memcmp(field_names[i], name, len))
			return i;
	return -1;
}

size_t leak_header_key(const char *in, size_t len, char *out, size_t outsize)
{
	/* U+00C0..U+00DF and U+00E0..U+00FF fold to the same base letters */
	static const char base[33] = "aaaaaa*ceeeeiiiidnooooo-ouuuuy**";
	const unsigned char *p = (const unsigned char *)in;
	size_t i, o = 0;
	unsigned cp;
	char c;

	for (i = 0; i < len && o + 3 < outsize; i++) {
		if (p[i] < 0x80) {
			c = 0;
			if (p[i] >= 'A' && p[i] <= 'Z')
				c = (char)(p[i] - 'A' + 'a');
			else if ((p[i] >= 'a' && p[i] <= 'z') || (p[i] >= '0' && p[i] <= '9'))
				c = (char)p[i];
			if (c)
				out[o++] = c;
			continue;
		}
		if (i + 1 >= len || (p[i] & 0xE0) != 0xC0)
			continue;
		cp = (unsigned)((p[i] & 0x1F) << 6 | (p[i + 1] & 0x3F));
		i++;
		if (cp == 0x152 || cp == 0x153 || cp == 0xC6 || cp == 0xE6) {
			out[o++] = cp == 0x152 || cp == 0x153 ? 'o' : 'a';
			out[o++] = 'e';
		} else if (cp == 0xDF) {
			out[o++] = 's';
			out[o++] = 's';
		} else if (cp >= 0xC0 && cp <= 0xFF) {
			c = base[(cp - 0xC0) & 31];
			if (c >= 'a' && c <= 'z')
				out[o++] = c;
		}
	}
	out[o] = '\0';
	return o;
}

static enum leak_field lookup_key(const char *key)
{
	size_t i;

	for (i = 0; i < sizeof(header_table) / sizeof(header_table[0]); i++)
		if (!strcmp(header_table[i].key, key))
			return header_table[i].field;
	return LEAK_FIELD_NONE;
}

/* Word concepts of the token fallback (leak_field_from_header). */
enum hw {
	HW_IGN = 0, HW_NOM, HW_PRENOM, HW_NAISS, HW_JF, HW_USAGE, HW_DATE, HW_SEXE, HW_NIR,
	HW_CLE, HW_TEL, HW_MAIL, HW_ADR, HW_CP, HW_VILLE, HW_LIEU, HW_SANG, HW_MED,
	HW_MUTUELLE, HW_LABO, HW_PRELEV, HW_COMMENT, HW_H, HW_F, HW_HEURE, HW_COUNT
};

static const struct {
	const char *word;
	enum hw hw;
} header_words[] = {
	{ "patient", HW_IGN }, { "pat", HW_IGN }, { "client", HW_IGN }, { "assure", HW_IGN },
	{ "beneficiaire", HW_IGN }, { "du", HW_IGN }, { "de", HW_IGN }, { "d", HW_IGN },
	{ "des", HW_IGN }, { "l", HW_IGN }, { "le", HW_IGN }, { "la", HW_IGN }, { "les", HW_IGN },
	{ "of", HW_IGN }, { "the", HW_IGN }, { "n", HW_IGN }, { "no", HW_IGN }, { "num", HW_IGN },
	{ "numero", HW_IGN }, { "number", HW_IGN }, { "nr", HW_IGN }, { "nb", HW_IGN },
	{ "o", HW_IGN }, { "e", HW_IGN }, { "s", HW_IGN }, { "principal", HW_IGN },
	{ "principale", HW_IGN }, { "secondaire", HW_IGN }, { "domicile", HW_IGN },
	{ "personnel", HW_IGN }, { "perso", HW_IGN }, { "pro", HW_IGN }, { "fixe", HW_IGN },
	{ "ligne", HW_IGN }, { "complement", HW_IGN }, { "clinique", HW_IGN },
	{ "cliniques", HW_IGN }, { "renseignement", HW_COMMENT }, { "renseignements", HW_COMMENT },
	{ "referring", HW_IGN }, { "treating", HW_IGN },
	{ "libre", HW_IGN }, { "home", HW_IGN }, { "work", HW_IGN }, { "address", HW_ADR },
	{ "premier", HW_IGN }, { "usuel", HW_USAGE }, { "usuelle", HW_USAGE },
	{ "heure", HW_HEURE }, { "hr", HW_HEURE }, { "jour", HW_IGN }, { "dom", HW_IGN },
	{ "id", HW_IGN }, { "am", HW_IGN }, { "medical", HW_IGN }, { "medicale", HW_IGN },
	{ "medicales", HW_IGN }, { "medicaux", HW_IGN }, { "date", HW_DATE }, { "dt", HW_DATE },
	{ "dte", HW_DATE },
	{ "nom", HW_NOM }, { "noms", HW_NOM }, { "name", HW_NOM }, { "lastname", HW_NOM },
	{ "surname", HW_NOM }, { "family", HW_IGN }, { "last", HW_IGN },
	{ "prenom", HW_PRENOM }, { "prenoms", HW_PRENOM }, { "firstname", HW_PRENOM },
	{ "first", HW_PRENOM }, { "given", HW_PRENOM }, { "forename", HW_PRENOM },
	{ "naissance", HW_NAISS }, { "naiss", HW_NAISS }, { "nais", HW_NAISS }, { "nai", HW_NAISS },
	{ "birth", HW_NAISS }, { "dob", HW_NAISS }, { "ddn", HW_NAISS }, { "ne", HW_NAISS },
	{ "nee", HW_NAISS }, { "jf", HW_JF }, { "jeune", HW_JF }, { "fille", HW_JF },
	{ "patronymique", HW_JF }, { "maiden", HW_JF }, { "usage", HW_USAGE },
	{ "marital", HW_USAGE }, { "epouse", HW_USAGE }, { "married", HW_USAGE },
	{ "sexe", HW_SEXE }, { "sex", HW_SEXE }, { "gender", HW_SEXE }, { "genre", HW_SEXE },
	{ "civilite", HW_SEXE }, { "civ", HW_SEXE }, { "titre", HW_SEXE }, { "title", HW_SEXE },
	{ "h", HW_H }, { "m", HW_H }, { "f", HW_F },
	{ "nir", HW_NIR }, { "ss", HW_NIR }, { "secu", HW_NIR }, { "securite", HW_NIR },
	{ "sociale", HW_NIR }, { "insee", HW_NIR }, { "nss", HW_NIR }, { "ssn", HW_NIR },
	{ "social", HW_NIR }, { "security", HW_NIR }, { "immatriculation", HW_NIR },
	{ "cle", HW_CLE }, { "key", HW_CLE },
	{ "tel", HW_TEL }, { "tels", HW_TEL }, { "telephone", HW_TEL }, { "telephones", HW_TEL },
	{ "portable", HW_TEL }, { "mobile", HW_TEL }, { "gsm", HW_TEL }, { "phone", HW_TEL },
	{ "cell", HW_TEL }, { "port", HW_TEL }, { "fax", HW_CLE },
	{ "mail", HW_MAIL }, { "email", HW_MAIL }, { "emails", HW_MAIL }, { "mel", HW_MAIL },
	{ "courriel", HW_MAIL }, { "electronique", HW_MAIL },
	{ "adresse", HW_ADR }, { "adr", HW_ADR }, { "rue", HW_ADR }, { "voie", HW_ADR },
	{ "street", HW_ADR }, { "cp", HW_CP }, { "postal", HW_CP }, { "postale", HW_ADR },
	{ "code", HW_IGN }, { "zip", HW_CP }, { "postcode", HW_CP },
	{ "ville", HW_VILLE }, { "commune", HW_VILLE }, { "localite", HW_VILLE },
	{ "city", HW_VILLE }, { "town", HW_VILLE }, { "lieu", HW_LIEU }, { "pays", HW_LIEU },
	{ "place", HW_LIEU }, { "country", HW_LIEU }, { "departement", HW_LIEU },
	{ "groupe", HW_SANG }, { "grp", HW_SANG }, { "gr", HW_SANG }, { "sanguin", HW_SANG },
	{ "sang", HW_SANG }, { "rh", HW_SANG }, { "rhesus", HW_SANG }, { "abo", HW_SANG },
	{ "blood", HW_SANG }, { "groupage", HW_SANG },
	{ "medecin", HW_MED }, { "med", HW_MED }, { "docteur", HW_MED }, { "dr", HW_MED },
	{ "prescripteur", HW_MED }, { "prescriber", HW_MED }, { "doctor", HW_MED },
	{ "physician", HW_MED }, { "traitant", HW_MED }, { "demandeur", HW_MED },
	{ "referent", HW_MED }, { "trait", HW_MED },
	{ "mutuelle", HW_MUTUELLE }, { "caisse", HW_MUTUELLE }, { "organisme", HW_MUTUELLE },
	{ "complementaire", HW_MUTUELLE }, { "regime", HW_MUTUELLE }, { "assurance", HW_MUTUELLE },
	{ "insurer", HW_MUTUELLE }, { "insurance", HW_MUTUELLE }, { "amc", HW_MUTUELLE },
	{ "laboratoire", HW_LABO }, { "labo", HW_LABO }, { "lab", HW_LABO }, { "site", HW_LABO },
	{ "laboratory", HW_LABO },
	{ "prelevement", HW_PRELEV }, { "prelev", HW_PRELEV }, { "prel", HW_PRELEV },
	{ "sample", HW_PRELEV }, { "collection", HW_PRELEV }, { "echantillon", HW_PRELEV },
	{ "commentaire", HW_COMMENT }, { "commentaires", HW_COMMENT }, { "comment", HW_COMMENT },
	{ "comments", HW_COMMENT }, { "obs", HW_COMMENT }, { "observation", HW_COMMENT },
	{ "observations", HW_COMMENT }, { "remarque", HW_COMMENT }, { "remarques", HW_COMMENT },
	{ "note", HW_COMMENT }, { "notes", HW_COMMENT }, { "antecedents", HW_COMMENT },
	{ "antecedent", HW_COMMENT },
};

#define HWB(w) (1u << (w))

/*
 * Fallback for headers the table does not hold: split into words (accents
 * folded, parenthesised text and digits dropped), give each word a concept,
 * and map the set of concepts. Any word not known makes the column unmapped:
 * a data value ("Dr Rieux", "3 rue X") must not read as a header.
 */
static enum leak_field field_from_words(const char *in, size_t len)
{
	const unsigned char *p = (const unsigned char *)in;
	char word[LEAK_HEADER_NAME_MAX * 2];
	size_t i = 0, start, k, wn;
	unsigned set = 0, nwords = 0, depth = 0;
	int found;

	while (i < len) {
		if (p[i] == '(' || p[i] == '[') {
			depth++;
			i++;
			continue;
		}
		if ((p[i] == ')' || p[i] == ']') && depth) {
			depth--;
			i++;
			continue;
		}
		if (p[i] < 0x80 && !((p[i] | 0x20) >= 'a' && (p[i] | 0x20) <= 'z') &&
		    !(p[i] >= '0' && p[i] <= '9')) {
			i++;
			continue;
		}
		if (p[i] >= 0x80 && !(p[i] == 0xC3 || (p[i] == 0xC5 && i + 1 < len &&
							 (p[i + 1] == 0x92 || p[i + 1] == 0x93)))) {
			i++;
			continue;
		}
		start = i;
		while (i < len) {
			if (p[i] < 0x80 && (((p[i] | 0x20) >= 'a' && (p[i] | 0x20) <= 'z') ||
					    (p[i] >= '0' && p[i] <= '9'))) {
				i++;
			} else if ((p[i] == 0xC3 && i + 1 < len && p[i + 1] != 0x97 && p[i + 1] != 0xB7) ||
				   (p[i] == 0xC5 && i + 1 < len && (p[i + 1] == 0x92 || p[i + 1] == 0x93))) {
				i += 2;
			} else {
				break;
			}
		}
		if (i == start) {
			i++;      /* "÷", "×", a lone lead byte: a separator */
			continue;
		}
		if (depth)
			continue;
		wn = leak_header_key(in + start, i - start, word, sizeof(word));
		if (!wn)
			continue;
		if (word[0] >= '0' && word[0] <= '9') {
			for (k = 0; k < wn && word[k] >= '0' && word[k] <= '9'; k++)
				;
			if (k < wn || wn > 2)
				return LEAK_FIELD_NONE;   /* "12 rue", "75011": data, not a name */
			continue;                         /* "Tel 2" */
		}
		while (wn > 1 && word[wn - 1] >= '0' && word[wn - 1] <= '9')
			word[--wn] = '\0';
		found = 0;
		for (k = 0; k < sizeof(header_words) / sizeof(header_words[0]); k++) {
			if (!strcmp(header_words[k].word, word)) {
				set |= HWB(header_words[k].hw);
				found = 1;
				break;
			}
		}
		if (!found || ++nwords > 8)
			return LEAK_FIELD_NONE;
	}
	set &= ~HWB(HW_IGN);
	if (!set)
		return LEAK_FIELD_NONE;
	if (set & (HWB(HW_LIEU) | HWB(HW_CLE)))
		return LEAK_FIELD_NONE;           /* place of birth, NIR key, fax */
	if ((set & HWB(HW_HEURE)) && !(set & HWB(HW_DATE)))
		return LEAK_FIELD_NONE;           /* a time alone is not a date */
	set &= ~HWB(HW_HEURE);
	if ((set & HWB(HW_NAISS)) && (set & (HWB(HW_VILLE) | HWB(HW_CP) | HWB(HW_ADR))))
		return LEAK_FIELD_NONE;
	if (set & HWB(HW_MED)) {
		if (set & HWB(HW_ADR))
			return LEAK_FIELD_DOCTOR_ADDRESS;
		if (set & HWB(HW_TEL))
			return LEAK_FIELD_DOCTOR_PHONE;
		if (set & ~(HWB(HW_MED) | HWB(HW_NOM) | HWB(HW_PRENOM)))
			return LEAK_FIELD_NONE;
		return LEAK_FIELD_DOCTOR;
	}
	if (set & HWB(HW_NOM)) {
		if (set & HWB(HW_PRENOM))
			return set & ~(HWB(HW_NOM) | HWB(HW_PRENOM)) ? LEAK_FIELD_NONE : LEAK_FIELD_FULL_NAME;
		if (set & (HWB(HW_JF) | HWB(HW_NAISS)))
			return set & HWB(HW_USAGE) ? LEAK_FIELD_NONE : LEAK_FIELD_BIRTH_NAME;
		if (set & HWB(HW_USAGE))
			return LEAK_FIELD_USAGE_NAME;
		return set == HWB(HW_NOM) ? LEAK_FIELD_LAST_NAME : LEAK_FIELD_NONE;
	}
	if (set == HWB(HW_PRENOM) || set == (HWB(HW_PRENOM) | HWB(HW_USAGE)))
		return LEAK_FIELD_FIRST_NAME;
	if (set == HWB(HW_NAISS) || set == (HWB(HW_NAISS) | HWB(HW_DATE)))
		return LEAK_FIELD_DOB;
	if (set == HWB(HW_SEXE) || set == (HWB(HW_SEXE) | HWB(HW_H) | HWB(HW_F)) ||
	    set == (HWB(HW_H) | HWB(HW_F)))
		return LEAK_FIELD_SEX;
	if (set == HWB(HW_NIR))
		return LEAK_FIELD_NIR;
	if (set == HWB(HW_MAIL) || set == (HWB(HW_MAIL) | HWB(HW_ADR)))
		return LEAK_FIELD_EMAIL;
	if (set == HWB(HW_TEL))
		return LEAK_FIELD_PHONE;
	if (set == HWB(HW_CP) || set == (HWB(HW_CP) | HWB(HW_ADR)))
		return LEAK_FIELD_POSTCODE;
	if (set == HWB(HW_VILLE) || set == (HWB(HW_VILLE) | HWB(HW_CP)))
		return LEAK_FIELD_CITY;           /* "CP/Ville": the address class either way */
	if (set == HWB(HW_ADR))
		return LEAK_FIELD_ADDRESS;
	if (set == HWB(HW_SANG))
		return LEAK_FIELD_BLOOD_GROUP;
	if (set == HWB(HW_MUTUELLE))
		return LEAK_FIELD_INSURER;
	if (set & HWB(HW_LABO))
		return set & ~(HWB(HW_LABO) | HWB(HW_PRELEV)) ? LEAK_FIELD_NONE : LEAK_FIELD_LAB;
	if (set == HWB(HW_PRELEV) || set == (HWB(HW_PRELEV) | HWB(HW_DATE)))
		return LEAK_FIELD_SAMPLE_DATE;
	if (set == HWB(HW_COMMENT))
		return LEAK_FIELD_COMMENT;
	return LEAK_FIELD_NONE;
}

enum leak_field leak_field_from_header(const char *in, size_t len)
{
	static const char *const affixes[] = { "patient", "pat", "client", "du", "de", "le" };
	char key[LEAK_HEADER_NAME_MAX * 2], tmp[LEAK_HEADER_NAME_MAX * 2];
	enum leak_field f;
	size_t n, a, al;

	n = leak_header_key(in, len, key, sizeof(key));
	if (!n)
		return LEAK_FIELD_NONE;
	f = lookup_key(key);
	if (f != LEAK_FIELD_NONE)
		return f;
	/* "tel2", "email_1" */
	while (n > 1 && key[n - 1] >= '0' && key[n - 1] <= '9')
		key[--n] = '\0';
	f = lookup_key(key);
	if (f != LEAK_FIELD_NONE)
		return f;
	/* "nom_patient", "patient_nom" */
	for (a = 0; a < sizeof(affixes) / sizeof(affixes[0]); a++) {
		al = strlen(affixes[a]);
		if (n > al + 1 && !memcmp(key, affixes[a], al)) {
			memcpy(tmp, key + al, n - al + 1);
			f = lookup_key(tmp);
			if (f != LEAK_FIELD_NONE)
				return f;
		}
		if (n > al + 1 && !memcmp(key + n - al, affixes[a], al)) {
			memcpy(tmp, key, n - al);
			tmp[n - al] = '\0';
			f = lookup_key(tmp);
			if (f != LEAK_FIELD_NONE)
				return f;
		}
	}
	return field_from_words(in, len);
}

/* ---- mapping file ---- */

void leak_mapping_init(struct leak_mapping *m)
{
	memset(m, 0, sizeof(*m));
	m->encoding = LEAK_ENC_AUTO;
	m->quote = -1;
	m->header = -1;
}

static void trim(const char **s, const char **e)
{
	while (*s < *e && (**s == ' ' || **s == '\t' || **s == '\r'))
		(*s)++;
	while (*e > *s && ((*e)[-1] == ' ' || (*e)[-1] == '\t' || (*e)[-1] == '\r'))
		(*e)--;
}

static int eq_word(const char *s, const char *e, const char *w)
{
	return leak_ieq(s, (size_t)(e - s), w);
}

static int bad(struct bc_error *err, const char *name, unsigned long line, const char *msg)
{
	err->file = name;
	err->line = line;
	return bc_error_set(err, bc_err_bad_mapping, "%s", msg);
}

static int parse_line(struct leak_mapping *m, const char *s, const char *e, const char *name,
		      unsigned long line, struct bc_error *err)
{
	const char *eq, *ks, *ke, *vs, *ve, *q;
	char num[16];
	unsigned long col;
	char *endp;
	int f;
	size_t n;

	eq = memchr(s, '=', (size_t)(e - s));
	if (!eq)
		return bad(err, name, line, "expected 'key = value'");
	ks = s;
	ke = eq;
	vs = eq + 1;
	ve = e;
	trim(&ks, &ke);
	trim(&vs, &ve);
	if (vs < ve && (*vs == '"' || *vs == '\'') && ve - vs >= 2 && ve[-1] == *vs && !eq_word(ks, ke, "quote")) {
		vs++;
		ve--;
	}
	if (eq_word(ks, ke, "delimiter") || eq_word(ks, ke, "separator")) {
		if (eq_word(vs, ve, "comma"))
			m->delimiter = ',';
		else if (eq_word(vs, ve, "semicolon"))
			m->delimiter = ';';
		else if (eq_word(vs, ve, "tab"))
			m->delimiter = '\t';
		else if (eq_word(vs, ve, "pipe"))
			m->delimiter = '|';
		else if (ve - vs == 1 && *vs != '"' && *vs != '\n')
			m->delimiter = (unsigned char)*vs;
		else
			return bad(err, name, line, "delimiter: use comma, semicolon, tab, pipe or one character");
		return 0;
	}
	if (eq_word(ks, ke, "encoding")) {
		if (eq_word(vs, ve, "utf-8") || eq_word(vs, ve, "utf8"))
			m->encoding = LEAK_ENC_UTF8;
		else if (eq_word(vs, ve, "utf-8-bom"))
			m->encoding = LEAK_ENC_UTF8_BOM;
		else if (eq_word(vs, ve, "cp1252") || eq_word(vs, ve, "windows-1252") ||
			 eq_word(vs, ve, "latin-1") || eq_word(vs, ve, "latin1") ||
			 eq_word(vs, ve, "iso-8859-1"))
			m->encoding = LEAK_ENC_CP1252;
		else if (eq_word(vs, ve, "iso-8859-15") || eq_word(vs, ve, "latin-9") || eq_word(vs, ve, "latin9"))
			m->encoding = LEAK_ENC_ISO8859_15;
		else if (eq_word(vs, ve, "utf-16le") || eq_word(vs, ve, "utf-16"))
			m->encoding = LEAK_ENC_UTF16LE;
		else if (eq_word(vs, ve, "utf-16be"))
			m->encoding = LEAK_ENC_UTF16BE;
		else
			return bad(err, name, line, "encoding: use utf-8, utf-8-bom, cp1252, latin-1, iso-8859-15, utf-16le or utf-16be");
		return 0;
	}
	if (eq_word(ks, ke, "header")) {
		if (eq_word(vs, ve, "yes") || eq_word(vs, ve, "true") || eq_word(vs, ve, "1"))
			m->header = 1;
		else if (eq_word(vs, ve, "no") || eq_word(vs, ve, "false") || eq_word(vs, ve, "0"))
			m->header = 0;
		else
			return bad(err, name, line, "header: use yes or no");
		return 0;
	}
	if (eq_word(ks, ke, "quote")) {
		if (eq_word(vs, ve, "none"))
			m->quote = 0;
		else if (eq_word(vs, ve, "double") || (ve - vs == 1 && *vs == '"'))
			m->quote = '"';
		else if (eq_word(vs, ve, "single") || (ve - vs == 1 && *vs == '\''))
			m->quote = '\'';
		else
			return bad(err, name, line, "quote: use double, single or none");
		return 0;
	}
	if (eq_word(ks, ke, "source")) {
		n = (size_t)(ve - vs);
		if (n == 0 || n >= sizeof(m->source))
			return bad(err, name, line, "source: 1 to 63 bytes");
		memcpy(m->source, vs, n);
		m->source[n] = '\0';
		return 0;
	}
	if (ke - ks > 7 && eq_word(ks, ks + 6, "column") && (ks[6] == ' ' || ks[6] == '\t')) {
		f = leak_field_from_name(vs, (size_t)(ve - vs));
		if (f < 0)
			return bad(err, name, line, "unknown field name (see docs/leak-files.md for the list)");
		q = ks + 7;
		while (q < ke && (*q == ' ' || *q == '\t'))
			q++;
		if (q < ke && *q == '"') {
			if (ke - q < 3 || ke[-1] != '"')
				return bad(err, name, line, "column \"Header name\": unterminated quote");
			if (m->n_by_name >= LEAK_MAPPING_MAX_NAMES)
				return bad(err, name, line, "too many column names");
			n = (size_t)(ke - q - 2);
			if (n >= LEAK_HEADER_NAME_MAX)
				n = LEAK_HEADER_NAME_MAX - 1;
			memcpy(m->by_name[m->n_by_name], q + 1, n);
			m->by_name[m->n_by_name][n] = '\0';
			m->by_name_field[m->n_by_name++] = (enum leak_field)f;
			return 0;
		}
		n = (size_t)(ke - q);
		if (n == 0 || n >= sizeof(num))
			return bad(err, name, line, "column N: N is a number from 1");
		memcpy(num, q, n);
		num[n] = '\0';
		errno = 0;
		col = strtoul(num, &endp, 10);
		if (*endp || col < 1 || col > LEAK_MAX_COLUMNS)
			return bad(err, name, line, "column N: N is a number from 1 to 128");
		m->by_index[col - 1] = (enum leak_field)f;
		m->has_by_index = 1;
		return 0;
	}
	return bad(err, name, line, "unknown key (delimiter, encoding, header, quote, source, column N, column \"Name\")");
}

int leak_mapping_parse(struct leak_mapping *m, const char *text, const char *name,
		       struct bc_error *err)
{
	const char *s = text, *e, *t;
	unsigned long line = 0;

	leak_mapping_init(m);
	if (!strncmp(s, "\xef\xbb\xbf", 3))
		s += 3;   /* Notepad's BOM */
	while (*s) {
		line++;
		e = strchr(s, '\n');
		if (!e)
			e = s + strlen(s);
		t = s;
		while (t < e && (*t == ' ' || *t == '\t' || *t == '\r'))
			t++;
		if (t < e && *t != '#' && parse_line(m, t, e, name, line, err) < 0)
			return -1;
		s = *e ? e + 1 : e;
	}
	return 0;
}

int leak_mapping_load(struct leak_mapping *m, const char *path, struct bc_error *err)
{
	FILE *f;
	char *text = NULL;
	size_t n;
	int rc = -1;

	f = fopen(path, "rb");
	if (!f) {
		err->file = path;
		bc_error_set(err, bc_err_open_failed, "cannot open the mapping file: %s", strerror(errno));
		goto out;
	}
	text = malloc(65537);
	if (!text) {
		err->file = path;
		bc_error_set(err, bc_err_out_of_memory, "cannot read the mapping file");
		goto out;
	}
	n = fread(text, 1, 65537, f);
	if (ferror(f)) {
		err->file = path;
		bc_error_set(err, bc_err_open_failed, "cannot read the mapping file: %s", strerror(errno));
		goto out;
	}
	if (n > 65536) {
		err->file = path;
		bc_error_set(err, bc_err_bad_mapping, "mapping file larger than 64 KiB");
		goto out;
	}
	text[n] = '\0';
	if (strlen(text) != n) {
		err->file = path;
		bc_error_set(err, bc_err_bad_mapping, "mapping file holds NUL bytes");
		goto out;
	}
	rc = leak_mapping_parse(m, text, path, err);
out:
	free(text);
	if (f)
		fclose(f);
	return rc;
}
