/*
 * The words of the operator's report (issue 16), in English and French: the
 * headings and notes, and the names of the reader's reasons, states, token
 * kinds, figures and steps. html.c writes them; see opreport/internal.h.
 */
#include <string.h>

#include "opreport/internal.h"

const char *const bc_opreport_texts[T_COUNT][2] = {
	[T_TITLE] = { "Leak profile", "Profil de la fuite" },
	[T_TITLE_INGEST] = { "Ingest report", "Rapport d'ingestion" },
	[T_INTRO] = { "What the leaked file holds, in figures. This report shows no identifier: "
		      "no name, NIR, date of birth, address, email or phone. Lab names and "
		      "column headers that look like an identifier are withheld.",
		      "Ce que contient le fichier de la fuite, en chiffres. Ce rapport ne montre "
		      "aucun identifiant : ni nom, ni NIR, ni date de naissance, ni adresse, ni "
		      "e-mail, ni téléphone. Les noms de laboratoire et les en-têtes de colonne "
		      "qui ressemblent à un identifiant sont masqués." },
	[T_SUMMARY] = { "In short", "En bref" },
	[T_FILE] = { "File", "Fichier" },
	[T_SIZE] = { "Size", "Taille" },
	[T_LINES] = { "Lines in the file", "Lignes du fichier" },
	[T_ROWS] = { "Rows", "Lignes de données" },
	[T_ROWS_COL] = { "Rows", "Lignes" },
	[T_PATIENTS] = { "People (distinct patients)", "Personnes (patients distincts)" },
	[T_UNLINKED] = { "Rows that cannot be linked to a person",
			 "Lignes impossibles à rattacher à une personne" },
	[T_UNLINKED_WHY] = { "no valid NIR, and no name with a full date of birth",
			     "ni NIR valide, ni nom avec une date de naissance complète" },
	[T_FORMAT] = { "Format", "Format" },
	[T_HEADER_YES] = { "with a header line", "avec une ligne d'en-tête" },
	[T_HEADER_NO] = { "no header line", "sans ligne d'en-tête" },
	[T_SOURCES] = { "Rows and people per lab", "Lignes et personnes par laboratoire" },
	[T_SOURCES_NOTE] = { "A person seen in two labs counts in both.",
			     "Une personne vue dans deux laboratoires compte dans les deux." },
	[T_LAB] = { "Lab", "Laboratoire" },
	[T_SHARE] = { "Share of rows", "Part des lignes" },
	[T_PATIENTS_COL] = { "People", "Personnes" },
	[T_OTHER_SOURCE] = { "(other labs)", "(autres laboratoires)" },
	[T_NO_SOURCE] = { "(no lab)", "(sans laboratoire)" },
	[T_YEARS] = { "Rows per sample year", "Lignes par année de prélèvement" },
	[T_YEAR] = { "Year", "Année" },
	[T_FIRST_SAMPLE] = { "People (first sample)", "Personnes (1er prélèvement)" },
	[T_UNKNOWN] = { "unknown", "inconnue" },
	[T_MONTHS] = { "Rows per month in ", "Lignes par mois en " },
	[T_MONTH] = { "Month", "Mois" },
	[T_COVERAGE] = { "Which data the file holds", "Quelles données le fichier contient" },
	[T_COVERAGE_NOTE] = { "For each kind of data: the rows that hold it, and the people who "
			      "have it on at least one row.",
			      "Pour chaque type de donnée : les lignes qui la contiennent, et les "
			      "personnes qui l'ont sur au moins une ligne." },
	[T_CLASS] = { "Data", "Donnée" },
	[T_BAD] = { "Bad and repaired rows", "Lignes fautives et réparées" },
	[T_BAD_NOTE] = { "A bad row is still counted: a value that cannot be read is left out of "
			 "the index, and the person may then be told \"not found\". Line numbers "
			 "are those of the file.",
			 "Une ligne fautive reste comptée : une valeur illisible n'entre pas dans "
			 "l'index, et la personne peut alors lire « non trouvé ». Les numéros sont "
			 "ceux des lignes du fichier." },
	[T_REASON] = { "Reason", "Raison" },
	[T_FIRST_LINES] = { "First lines", "Premières lignes" },
	[T_NO_BAD] = { "No bad row.", "Aucune ligne fautive." },
	[T_REPAIRED] = { "Repaired rows", "Lignes réparées" },
	[T_NO_REPAIRED] = { "No row needed repair.", "Aucune ligne n'a dû être réparée." },
	[T_KEPT] = { "Rows kept as read", "Lignes gardées telles quelles" },
	[T_DROPPED] = { "Rows dropped", "Lignes écartées" },
	[T_NO_DROPPED] = { "No row dropped.", "Aucune ligne écartée." },
	[T_DROPPED_ID] = { "Dropped rows that held an identifier",
			   "Lignes écartées qui portaient un identifiant" },
	[T_ASIDE] = { "Extra fields set aside", "Champs en trop mis de côté" },
	[T_SKIPPED] = { "Rows skipped", "Lignes ignorées" },
	[T_BLANK] = { "Blank lines", "Lignes vides" },
	[T_BEFORE_HEADER] = { "Lines before the header", "Lignes avant l'en-tête" },
	[T_REPEATED_HEADERS] = { "Repeated header lines", "En-têtes répétés" },
	[T_REPLACED] = { "Characters replaced (not valid in the encoding)",
			 "Caractères remplacés (invalides dans l'encodage)" },
	[T_QUALITY] = { "Quality of the NIR and of the date of birth",
			"Qualité du NIR et de la date de naissance" },
	[T_NIR] = { "NIR (social security number)", "NIR (numéro de sécurité sociale)" },
	[T_DOB] = { "Date of birth", "Date de naissance" },
	[T_STATUS] = { "State", "État" },
	[T_SENSITIVE] = { "Sensitive categories", "Catégories sensibles" },
	[T_SENSITIVE_NOTE] = { "Found in the free-text comments (keywords, negations left out). "
			       "Health data: the breach is sensitive (--sensitive).",
			       "Trouvées dans les commentaires libres (mots-clés, négations "
			       "écartées). Données de santé : la fuite est sensible (--sensitive)." },
	[T_CATEGORY] = { "Category", "Catégorie" },
	[T_MAPPING] = { "How the columns were read", "Comment les colonnes ont été lues" },
	[T_COLUMN] = { "Column", "Colonne" },
	[T_HEADER] = { "Header", "En-tête" },
	[T_ROLE] = { "Read as", "Lue comme" },
	[T_EVIDENCE] = { "Why", "Pourquoi" },
	[T_CONTENT_SAYS] = { "its content looks like", "son contenu ressemble à" },
	[T_NOT_READ] = { "not read", "non lue" },
	[T_WITHHELD] = { "(withheld: looks like an identifier)",
			 "(masqué : ressemble à un identifiant)" },
	[T_NO_HEADER] = { "(no header)", "(pas d'en-tête)" },
	[T_INGEST] = { "What ingest published", "Ce que l'ingestion a publié" },
	[T_TOKENS] = { "Distinct tokens per kind", "Jetons distincts par type" },
	[T_KIND] = { "Kind", "Type" },
	[T_DISTINCT] = { "Distinct", "Distincts" },
	[T_SHARED] = { "Shared by several people", "Partagés par plusieurs personnes" },
	[T_BUCKETS] = { "Buckets and anonymity set", "Paquets et ensemble d'anonymat" },
	[T_TIMINGS] = { "Timings and rates", "Durées et débits" },
	[T_STEP] = { "Step", "Étape" },
	[T_SECONDS] = { "Seconds", "Secondes" },
	[T_JSON] = { "The figures of this report (JSON)", "Les chiffres de ce rapport (JSON)" },
	[T_JSON_NOTE] = { "The same object as breachcheck profile --json.",
			  "Le même objet que breachcheck profile --json." },
	[T_FOOTER] = { "Written by breachcheck. Open offline; attach it as it is.",
		       "Écrit par breachcheck. S'ouvre hors ligne ; joignez-le tel quel." },
	[T_BAR] = { "Bar", "Barre" },
};

const char *const bc_opreport_months[12][2] = {
	{ "January", "janvier" }, { "February", "février" }, { "March", "mars" },
	{ "April", "avril" }, { "May", "mai" }, { "June", "juin" }, { "July", "juillet" },
	{ "August", "août" }, { "September", "septembre" }, { "October", "octobre" },
	{ "November", "novembre" }, { "December", "décembre" },
};

/* Reasons of bad and repaired rows (the reader's names); others print as is. */
static const char *const reasons[][3] = {
	{ "field_count", "wrong number of fields", "nombre de champs inattendu" },
	{ "control_bytes", "control bytes", "octets de contrôle" },
	{ "invalid_utf8", "invalid UTF-8", "UTF-8 invalide" },
	{ "stray_quote", "stray quote", "guillemet isolé" },
	{ "invalid_nir", "NIR that cannot be read", "NIR illisible" },
	{ "invalid_dob", "date of birth that cannot be read", "date de naissance illisible" },
	{ "invalid_email", "email that cannot be read", "e-mail illisible" },
	{ "invalid_phone", "phone number that cannot be read", "téléphone illisible" },
	{ "invalid_sample_date", "sample date that cannot be read",
	  "date de prélèvement illisible" },
	{ "short_row", "row too short (fields missing)", "ligne trop courte (champs manquants)" },
	{ "surplus_empty", "empty extra fields removed", "champs vides en trop retirés" },
	{ "comment_rejoined", "comment cut over several lines, joined again",
	  "commentaire coupé sur plusieurs lignes, recollé" },
	{ "surplus_aside", "extra fields set aside", "champs en trop mis de côté" },
	{ "nothing_usable", "nothing usable left", "plus rien d'utilisable" },
};

static const char *const nir_states[][3] = {
	{ "valid", "valid (right key)", "valide (clé juste)" },
	{ "no_key", "no key (13 characters)", "sans clé (13 caractères)" },
	{ "wrong_key", "wrong key", "clé fausse" },
	{ "malformed", "incomplete or malformed", "incomplet ou mal formé" },
	{ "absent", "absent", "absent" },
};

static const char *const dob_states[][3] = {
	{ "valid", "full and valid", "complète et valide" },
	{ "incomplete", "incomplete (day or month unknown)", "incomplète (jour ou mois inconnu)" },
	{ "invalid", "cannot be read", "illisible" },
	{ "absent", "absent", "absente" },
};

/* Ingest figures (docs/report.md) */
static const char *const kinds[][3] = {
	{ "nir", "NIR", "NIR" },
	{ "namedob", "name + date of birth", "nom + date de naissance" },
	{ "email", "email", "e-mail" },
	{ "phone", "phone", "téléphone" },
	{ "verified", "verified email (proof)", "e-mail vérifié (preuve)" },
	{ "claim", "claim code", "code de réclamation" },
};

static const char *const figures[][3] = {
	{ "breach", "breach (--breach)", "fuite (--breach)" },
	{ "breach_id", "breach id", "identifiant de la fuite" },
	{ "pwn_count", "people, as published in the catalogue (pwn_count)",
	  "personnes, telles que publiées au catalogue (pwn_count)" },
	{ "sources_withheld", "lab names withheld from the catalogue",
	  "noms de laboratoire retirés du catalogue" },
	{ "bucket_bits", "bucket bits", "bits de paquet" },
	{ "buckets", "buckets", "paquets" },
	{ "entries_per_bucket", "entries per bucket (padding included)",
	  "entrées par paquet (remplissage compris)" },
	{ "min_real_entries", "real anonymity set: real entries in the smallest bucket",
	  "ensemble d'anonymat réel : entrées réelles du plus petit paquet" },
	{ "anonymity_asked", "anonymity set asked (--anonymity)",
	  "ensemble d'anonymat demandé (--anonymity)" },
	{ "verified_entries", "entries of the proof by email", "entrées de la preuve par e-mail" },
	{ "breaches_in_index", "breaches in the index", "fuites dans l'index" },
	{ "index_bytes", "index size (bytes)", "taille de l'index (octets)" },
	{ "rows_per_s", "rows per second", "lignes par seconde" },
	{ "tokens_per_s", "tokens per second", "jetons par seconde" },
};

static const char *const steps[][3] = {
	{ "read", "reading the file", "lecture du fichier" },
	{ "evaluation", "OPRF evaluation", "évaluation OPRF" },
	{ "state", "state", "état" },
	{ "publish", "publishing the index", "publication de l'index" },
	{ "total", "total", "total" },
};

const struct bc_opreport_table bc_opreport_reasons = { reasons, sizeof(reasons) / sizeof(reasons[0]) };
const struct bc_opreport_table bc_opreport_nir_states = { nir_states, sizeof(nir_states) / sizeof(nir_states[0]) };
const struct bc_opreport_table bc_opreport_dob_states = { dob_states, sizeof(dob_states) / sizeof(dob_states[0]) };
const struct bc_opreport_table bc_opreport_kinds = { kinds, sizeof(kinds) / sizeof(kinds[0]) };
const struct bc_opreport_table bc_opreport_figures = { figures, sizeof(figures) / sizeof(figures[0]) };
const struct bc_opreport_table bc_opreport_steps = { steps, sizeof(steps) / sizeof(steps[0]) };

const char *bc_opreport_lookup(const struct bc_opreport_table *t, const char *key,
			       enum bc_report_lang lang)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		if (!strcmp(t->rows[i][0], key))
			return t->rows[i][1 + (lang == BC_LANG_FR)];
	return key;
}
