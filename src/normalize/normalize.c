/* Canonical forms of identifiers (DESIGN.md §4): the status names and messages shared by
 * every kind. Each kind has its own file: nir.c, names.c, dob.c, email.c, phone.c.
 * See normalize.h and docs/normalization.md. */

#include "normalize/normalize.h"

const char *bc_norm_reason(int status)
{
	switch (status) {
	case BC_NORM_OK: return "ok";
	case BC_NORM_EMPTY: return "empty";
	case BC_NORM_INVALID_KEY: return "invalid_key";
	case BC_NORM_INVALID_FORMAT: return "invalid_format";
	case BC_NORM_INVALID_LENGTH: return "invalid_length";
	case BC_NORM_INVALID_DATE: return "invalid_date";
	case BC_NORM_INCOMPLETE_DATE: return "incomplete_date";
	case BC_NORM_INVALID_EMAIL: return "invalid_email";
	case BC_NORM_INVALID_PHONE: return "invalid_phone";
	case BC_NORM_INVALID_UTF8: return "invalid_utf8";
	case BC_NORM_TOO_LONG: return "too_long";
	default: return "unknown";
	}
}

const char *bc_norm_message(int status, const char *lang)
{
	int fr = lang && (lang[0] == 'f' || lang[0] == 'F') && (lang[1] == 'r' || lang[1] == 'R') &&
		 (lang[2] == '\0' || lang[2] == '-' || lang[2] == '_');

	switch (status) {
	case BC_NORM_OK:
		return fr ? "valeur acceptée" : "value accepted";
	case BC_NORM_EMPTY:
		return fr ? "champ vide : saisissez une valeur"
			  : "field is empty: enter a value";
	case BC_NORM_INVALID_KEY:
		return fr ? "la clé du numéro de sécurité sociale ne correspond pas : relisez les deux derniers chiffres"
			  : "NIR key does not match: read the last two digits again";
	case BC_NORM_INVALID_FORMAT:
		return fr ? "numéro de sécurité sociale mal formé : seulement des chiffres, avec 2A ou 2B possible en 6e-7e position"
			  : "NIR malformed: digits only, with 2A or 2B allowed at positions 6-7";
	case BC_NORM_INVALID_LENGTH:
		return fr ? "numéro de sécurité sociale de longueur incorrecte : 13 caractères, ou 15 avec la clé"
			  : "NIR has the wrong length: 13 characters, or 15 with the key";
	case BC_NORM_INVALID_DATE:
		return fr ? "date de naissance non comprise : utilisez JJ/MM/AAAA"
			  : "date of birth not understood: use DD/MM/YYYY";
	case BC_NORM_INCOMPLETE_DATE:
		return fr ? "date de naissance incomplète (jour ou mois 00) : indiquez la date complète JJ/MM/AAAA"
			  : "date of birth incomplete (day or month 00): give the full date DD/MM/YYYY";
	case BC_NORM_INVALID_EMAIL:
		return fr ? "adresse électronique non valide : une seule @ et un domaine avec un point, par exemple nom@example.fr"
			  : "email address not valid: one @ and a domain with a dot, e.g. name@example.org";
	case BC_NORM_INVALID_PHONE:
		return fr ? "numéro de téléphone non compris : 10 chiffres commençant par 0, ou format international +33…"
			  : "phone number not understood: 10 digits starting with 0, or international format +33…";
	case BC_NORM_INVALID_UTF8:
		return fr ? "texte mal encodé (UTF-8 non valide) : ressaisissez la valeur"
			  : "text is not valid UTF-8: type the value again";
	case BC_NORM_TOO_LONG:
		return fr ? "valeur trop longue" : "value too long";
	default:
		return fr ? "valeur non valide" : "value not valid";
	}
}
