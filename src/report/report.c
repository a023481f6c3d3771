#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "report/report.h"

#define CNIL_COMPLAINT_URL "https://www.cnil.fr/fr/plaintes"
/* Advice (DESIGN.md §7), each shown when the breach exposed any class of `mask`. */
struct advice {
	const char *id;
	uint32_t mask;               /* 0: always */
	const char *en;
	const char *fr;
};


static const struct advice advices[] = {
	{ "phishing", BC_BIT(BC_CLASS_ADDRESS) | BC_BIT(BC_CLASS_EMAIL) | BC_BIT(BC_CLASS_PHONE) |
	  BC_BIT(BC_CLASS_DOCTOR),
	  "Expect phishing: emails, text messages or calls that quote your doctor, your lab "
	  "or your tests to look genuine. A lab, a doctor or the health insurance never asks "
	  "for a password, a card number or a payment this way: do not click, and call back "
	  "on a number you look up yourself.",
	  "Méfiez-vous de l'hameçonnage : des e-mails, SMS ou appels qui citent votre médecin, "
	  "votre laboratoire ou vos analyses pour paraître authentiques. Un laboratoire, un "
	  "médecin ou l'Assurance Maladie ne demande jamais de mot de passe, de numéro de carte "
	  "ni de paiement de cette façon : ne cliquez pas, et rappelez au numéro que vous aurez "
	  "cherché vous-même." },
	{ "identity", BC_BIT(BC_CLASS_NIR) | BC_BIT(BC_CLASS_DOB),
	  "Your social security number and date of birth serve to identify you to the health "
	  "insurance and other services: watch your health-insurance account (ameli.fr) and "
	  "your reimbursements, turn on two-factor authentication wherever it is offered, and "
	  "report any account, claim or loan you do not know. These cannot be changed, so stay "
	  "watchful for years.",
	  "Votre numéro de sécurité sociale et votre date de naissance servent à vous identifier "
	  "auprès de l'Assurance Maladie et d'autres services : surveillez votre compte ameli et "
	  "vos remboursements, activez la double authentification partout où elle est proposée, "
	  "et signalez tout compte, remboursement ou crédit que vous ne connaissez pas. Ils ne "
	  "se changent pas : restez vigilant pendant des années." },
	{ "blackmail", BC_MEDICAL_MASK,
	  "Medical information can be used for blackmail. If someone threatens to reveal it: "
	  "never pay, keep the messages, and report it to the police or gendarmerie (and on "
	  "internet-signalement.gouv.fr).",
	  "Des informations médicales peuvent servir au chantage. Si quelqu'un menace de les "
	  "révéler : ne payez jamais, gardez les messages et signalez-le à la police ou à la "
	  "gendarmerie (et sur internet-signalement.gouv.fr)." },
	{ "permanent", 0,
	  "A leak cannot be \"cleaned up\": copies of the file circulate and cannot be "
	  "recalled. Distrust any service offering to remove your data from it.",
	  "Une fuite ne peut pas être « nettoyée » : des copies du fichier circulent et ne "
	  "peuvent pas être rappelées. Méfiez-vous de tout service qui propose d'en retirer vos "
	  "données." },
	{ "rights", 0,
	  "Your rights (GDPR): ask the data controller below which of your data it held and "
	  "what happened (right of access), ask it to erase what it still keeps (right to "
	  "erasure), and you may complain to the CNIL.",
	  "Vos droits (RGPD) : demandez au responsable du traitement ci-dessous quelles données "
	  "vous concernant il détenait et ce qui s'est passé (droit d'accès), demandez-lui "
	  "d'effacer ce qu'il conserve (droit à l'effacement), et vous pouvez saisir la CNIL." },
};
#define N_ADVICES (sizeof(advices) / sizeof(advices[0]))

static const char *tr(enum bc_report_lang lang, const char *en, const char *fr)
{
	return lang == BC_LANG_FR ? fr : en;
}

void bc_report_init(struct bc_report *r, const struct bc_breach *breaches,
		    size_t n_breaches, uint32_t checked)
{
	r->breaches = breaches;
	r->n_breaches = n_breaches;
	r->checked = checked;
	r->hits = NULL;
	r->n_hits = 0;
}

void bc_report_release(struct bc_report *r)
{
	free(r->hits);
	r->hits = NULL;
	r->n_hits = 0;
}

static struct bc_report_hit *hit_for(struct bc_report *r, const struct bc_breach *b)
{
	struct bc_report_hit *hits;
	size_t i, at;

	for (i = 0; i < r->n_hits; i++)
		if (r->hits[i].breach == b)
			return &r->hits[i];
	hits = realloc(r->hits, (r->n_hits + 1) * sizeof(*hits));
	if (!hits)
		return NULL;
	r->hits = hits;
	/* catalogue order: insert before the first hit of a later breach */
	for (at = 0; at < r->n_hits && r->hits[at].breach < b; at++)
		;
	memmove(&r->hits[at + 1], &r->hits[at], (r->n_hits - at) * sizeof(*hits));
	memset(&r->hits[at], 0, sizeof(*hits));
	r->hits[at].breach = b;
	r->n_hits++;
	return &r->hits[at];
}

static void add_source(struct bc_report_hit *h, const struct bc_breach *b, uint16_t s)
{
	size_t i;

	if (s == BC_SOURCE_NONE || s >= b->n_sources)
		return;
	for (i = 0; i < h->n_sources; i++)
		if (h->sources[i] == s)
			return;
	if (h->n_sources == BC_REPORT_MAX_SOURCES) {
		h->flags |= BC_BIT(BC_FLAG_MORE_SOURCES);
		return;
	}
	/* keep sorted so the output does not depend on the order of identifiers */
	for (i = h->n_sources; i > 0 && h->sources[i - 1] > s; i--)
		h->sources[i] = h->sources[i - 1];
	h->sources[i] = s;
	h->n_sources++;
}

int bc_report_add(struct bc_report *r, size_t breach, const struct bc_payload *p,
		  struct bc_error *err)
{
	const struct bc_breach *b;
	struct bc_report_hit *h;
	uint32_t classes_mask = BC_CLASS_MASK;

	if (breach >= r->n_breaches || p->kind < 1 || p->kind > BC_TOKEN_KIND_MAX)
		return bc_error_set(err, bc_err_bad_payload, "payload of an unknown kind or breach");
	b = &r->breaches[breach];
	h = hit_for(r, b);
	if (!h)
		return bc_error_set(err, bc_err_out_of_memory, "out of memory");
	h->matched |= BC_TOKEN_BIT(p->kind);
	/* the proof tier (a verified email, a letter's claim code) carries the whole payload */
	if (b->is_sensitive && p->kind != BC_TOKEN_VERIFIED && p->kind != BC_TOKEN_CLAIM) {
		/* public tier of a sensitive breach (DESIGN.md §2 point 4): found and
		 * classes 0-11 only, whatever the payload holds */
		h->flags |= p->flags & BC_PUBLIC_CLASS_MASK;
		if (p->flags & BC_BIT(BC_FLAG_SHARED))
			h->shared |= BC_TOKEN_BIT(p->kind);
		return 0;
	}
	if (p->flags & BC_BIT(BC_FLAG_SHARED)) {
		h->shared |= BC_TOKEN_BIT(p->kind);
		h->flags |= p->flags & classes_mask;
		return 0;
	}
	h->flags |= p->flags & (classes_mask | BC_BIT(BC_FLAG_MORE_SOURCES));
	if (p->rows > h->rows)
		h->rows = p->rows;
	if (p->first_month && (!h->first_month || p->first_month < h->first_month))
		h->first_month = p->first_month;
	if (p->last_month > h->last_month)
		h->last_month = p->last_month;
	add_source(h, b, p->source_a);
	add_source(h, b, p->source_b);
	return 0;
}

size_t bc_report_found(const struct bc_report *r)
{
	return r->n_hits;
}

enum bc_report_lang bc_report_lang_from_env(void)
{
	static const char *const vars[] = { "LC_ALL", "LC_MESSAGES", "LANG" };
	const char *v;
	size_t i;

	for (i = 0; i < sizeof(vars) / sizeof(vars[0]); i++) {
		v = getenv(vars[i]);
		if (v && *v)
			return strncmp(v, "fr", 2) == 0 ? BC_LANG_FR : BC_LANG_EN;
	}
	return BC_LANG_EN;
}

int bc_report_lang_parse(const char *s, enum bc_report_lang *out)
{
	if (!strcasecmp(s, "fr"))
		*out = BC_LANG_FR;
	else if (!strcasecmp(s, "en"))
		*out = BC_LANG_EN;
	else
		return -1;
	return 0;
}

const char *bc_report_class_label(unsigned bit, enum bc_report_lang lang)
{
	const struct bc_vocab_entry *c = bc_class_entry(bit);

	return c ? tr(lang, c->en, c->fr) : NULL;
}

static const char *kind_label(unsigned kind, enum bc_report_lang lang)
{
	const struct bc_vocab_entry *k = bc_token_kind_entry((int)kind);

	return k ? tr(lang, k->en, k->fr) : NULL;
}

const char *bc_report_month(uint16_t month, char *buf, size_t bufsize)
{
	if (!month) {
		if (bufsize)
			buf[0] = '\0';
		return buf;
	}
	snprintf(buf, bufsize, "%04u-%02u", 2000u + (month - 1u) / 12u, (month - 1u) % 12u + 1u);
	return buf;
}

const char *bc_report_medical_notice(enum bc_report_lang lang)
{
	return tr(lang,
		  "The full details, including any medical information, are only shown with the "
		  "claim code of the controller's letter or after verifying your email address.",
		  "Le détail complet, y compris d'éventuelles informations médicales, n'est montré "
		  "qu'avec le code de la lettre du responsable du traitement ou après vérification "
		  "de votre adresse e-mail.");
}

/* The sentences below are the page's too (web/src/texts.js; the page's
 * test texts.test.mjs checks that they are the same), reviewed for a person
 * reading them under stress: short sentences, one idea each (issue 17). */
static const char *not_found_notice(enum bc_report_lang lang)
{
	return tr(lang,
		  "This does not prove that your data did not leak. A typo or another spelling "
		  "in the file can hide a record. Other breaches are not covered. Also try your "
		  "other identifiers: another email address, your usage name, another phone "
		  "number. If in doubt, write to the data-protection officer.",
		  "Cela ne prouve pas que vos données n'ont pas fuité. Une faute de frappe ou une "
		  "autre orthographe dans le fichier peut cacher une fiche. Les autres fuites ne "
		  "sont pas couvertes. Essayez aussi vos autres identifiants : une autre adresse "
		  "e-mail, votre nom d'usage, un autre numéro. En cas de doute, écrivez au délégué "
		  "à la protection des données.");
}

/* %s: the identifier kind's label (page: {kind}) */
static void put_shared(FILE *out, const char *kind, enum bc_report_lang lang)
{
	if (lang == BC_LANG_FR)
		fprintf(out, "Cet identifiant (%s) est aussi celui d'autres personnes dans ce fichier "
			"(par exemple, un e-mail ou un téléphone de la famille). Nous ne pouvons donc "
			"pas dire quelles données vous concernant ont fuité. Pour le savoir, faites une "
			"recherche avec votre numéro de sécurité sociale, ou avec votre nom, votre "
			"prénom et votre date de naissance.", kind);
	else
		fprintf(out, "This identifier (%s) is also used by other people in this file (for "
			"example, a family email or phone). So we cannot tell which of your data "
			"leaked. To find out, search with your social security number, or with your "
			"name, first name and date of birth.", kind);
}

static const char *tier_sentence(enum bc_report_lang lang)
{
	return tr(lang,
		  "This breach holds health data. The number of records, the dates and the labs "
		  "are only shown with the code of your letter or after your email address is "
		  "verified.",
		  "Cette fuite contient des données de santé. Le nombre de fiches, les dates et "
		  "les laboratoires ne sont montrés qu'avec le code de votre lettre ou après "
		  "vérification de votre adresse e-mail.");
}

static const char *const month_names[12][2] = {
	{ "January", "janvier" }, { "February", "février" }, { "March", "mars" },
	{ "April", "avril" }, { "May", "mai" }, { "June", "juin" }, { "July", "juillet" },
	{ "August", "août" }, { "September", "septembre" }, { "October", "octobre" },
	{ "November", "novembre" }, { "December", "décembre" },
};

/* "23 février 2021", "1er mars 2021" / "23 February 2021", as the page
 * writes them (Intl fr-FR and en-GB); anything else as given. */
static const char *human_date(const char *ymd, enum bc_report_lang lang, char *buf, size_t n)
{
	unsigned y, m, d;
	char tail;

	if (!ymd || sscanf(ymd, "%4u-%2u-%2u%c", &y, &m, &d, &tail) != 3 || m < 1 || m > 12 ||
	    d < 1 || d > 31)
		return ymd ? ymd : "";
	snprintf(buf, n, "%u%s %s %u", d, lang == BC_LANG_FR && d == 1 ? "er" : "",
		 month_names[m - 1][lang == BC_LANG_FR], y);
	return buf;
}

/* A sample month "février 2021" / "February 2021", as the page. */
static const char *human_month(uint16_t month, enum bc_report_lang lang, char *buf, size_t n)
{
	if (!month) {
		buf[0] = 0;
		return buf;
	}
	snprintf(buf, n, "%s %u", month_names[(month - 1u) % 12u][lang == BC_LANG_FR],
		 2000u + (month - 1u) / 12u);
	return buf;
}

static const char *or_unknown(const char *s, enum bc_report_lang lang)
{
	return s && *s ? s : tr(lang, "not given", "non communiqué");
}

static const char *complaint_of(const struct bc_breach *b)
{
	return b->complaint_url && *b->complaint_url ? b->complaint_url : CNIL_COMPLAINT_URL;
}

/* The title in the report's language: the English one when the operator
 * gave it (ingest --title-en), else the default one (issue 17). */
static const char *title_of(const struct bc_breach *b, enum bc_report_lang lang)
{
	if (lang == BC_LANG_EN && b->title_en && *b->title_en)
		return b->title_en;
	if (b->title && *b->title)
		return b->title;
	return b->name && *b->name ? b->name : "?";
}

static const char *description_of(const struct bc_breach *b, enum bc_report_lang lang)
{
	if (lang == BC_LANG_EN && b->description_en && *b->description_en)
		return b->description_en;
	return b->description && *b->description ? b->description : NULL;
}

/* Advice follows the breach as well as the person's record: the blackmail
 * advice is on every found result of a breach that holds medical
 * categories, without saying whether this record has any (issue 17). */
static uint32_t advice_flags(const struct bc_report_hit *h)
{
	return h->flags | (h->breach->data_classes & BC_MEDICAL_MASK);
}

/* A result of the proof tier (a letter's claim code, a verified email,
 * DESIGN.md §6): the person has proved, so neither "only shown with the
 * claim code..." nor the ways to prove are said again. */
#define PROOF_KINDS (BC_TOKEN_BIT(BC_TOKEN_VERIFIED) | BC_TOKEN_BIT(BC_TOKEN_CLAIM))

static void put_contacts(FILE *out, const struct bc_breach *b, const char *indent,
			 enum bc_report_lang lang)
{
	const char *colon = tr(lang, ": ", " : ");

	fprintf(out, "%s%s%s%s\n", indent, tr(lang, "Data controller", "Responsable du traitement"),
		colon, or_unknown(b->controller, lang));
	fprintf(out, "%s%s%s%s\n", indent,
		tr(lang, "Data-protection officer", "Délégué à la protection des données"), colon,
		or_unknown(b->dpo_contact, lang));
	fprintf(out, "%s%s%s%s\n", indent, tr(lang, "Complaint", "Réclamation"), colon,
		complaint_of(b));
}

/* Every breach searched has public tier none (and this is no proof-tier
 * result): a search by identifier cannot find anybody. */
static int all_private(const struct bc_report *r)
{
	size_t i;

	if (!r->n_breaches || (r->checked & PROOF_KINDS))
		return 0;
	for (i = 0; i < r->n_breaches; i++)
		if (r->breaches[i].public_tier != BC_TIER_NONE)
			return 0;
	return 1;
}

/* The page's not_found_private(_m) wording (web/src/texts.js), for the CLI;
 * many: more than one breach was searched. */
static const char *private_summary(enum bc_report_lang lang, int many)
{
	if (many)
		return tr(lang,
			  "Without a proof, a search by identifier shows nothing of these breaches: even "
			  "if you are in their files, it answers \"not found\". To find out, use the code "
			  "you received by post, or have your email address verified.",
			  "Sans preuve, une recherche par identifiant ne montre rien de ces fuites : même "
			  "si vous êtes dans leurs fichiers, elle répond « non trouvé ». Pour savoir, utilisez "
			  "le code reçu par courrier, ou faites vérifier votre adresse e-mail.");
	return tr(lang,
		  "Without a proof, a search by identifier shows nothing of this breach: even if "
		  "you are in the file, it answers \"not found\". To find out, use the code you "
		  "received by post, or have your email address verified.",
		  "Sans preuve, une recherche par identifiant ne montre rien de cette fuite : même "
		  "si vous êtes dans le fichier, elle répond « non trouvé ». Pour savoir, utilisez le "
		  "code reçu par courrier, ou faites vérifier votre adresse e-mail.");
}

static void put_private(FILE *out, const struct bc_report *r, enum bc_report_lang lang)
{
	char date[48];
	size_t i, n = 0;

	if (r->checked & PROOF_KINDS)
		return; /* the person has already proved: the ways to prove are noise */
	for (i = 0; i < r->n_breaches; i++)
		n += r->breaches[i].public_tier == BC_TIER_NONE;
	if (!n)
		return;
	fprintf(out, "\n%s (%zu)%s\n",
		tr(lang, "Breaches where nothing is public", "Fuites dont rien n'est public"), n,
		tr(lang, ":", " :"));
	for (i = 0; i < r->n_breaches; i++) {
		const struct bc_breach *b = &r->breaches[i];

		if (b->public_tier != BC_TIER_NONE)
			continue;
		fprintf(out, "- %s", title_of(b, lang));
		if (b->breach_date && *b->breach_date)
			fprintf(out, " (%s)", human_date(b->breach_date, lang, date, sizeof(date)));
		fprintf(out, "\n  %s\n", tr(lang,
			"Knowing an identifier shows nothing about this breach, whether you are in it or not. "
			"To check it:",
			"Connaître un identifiant ne montre rien de cette fuite, que vous y soyez ou non. "
			"Pour la consulter :"));
		fprintf(out, "  * %s\n", tr(lang,
			"the claim code of the letter the controller sent you (breachcheck check --claim);",
			"le code de la lettre que le responsable du traitement vous a envoyée "
			"(breachcheck check --claim) ;"));
		fprintf(out, "  * %s\n", tr(lang,
			"email verification, if your email address was in your record: a code is sent "
			"to it (breachcheck check --verify-email, or \"verify your email address\" on the page);",
			"la vérification de votre adresse e-mail, si elle figurait dans votre fiche : un "
			"code vous y est envoyé (breachcheck check --verify-email, ou « vérifier votre "
			"adresse e-mail » sur la page) ;"));
		fprintf(out, "  * %s %s%s\n", tr(lang,
			"the data-protection officer or the helpline, who send a new code after checking "
			"your identity:",
			"le délégué à la protection des données ou la ligne d'assistance, qui vous "
			"envoient un nouveau code après contrôle de votre identité :"),
			or_unknown(b->dpo_contact, lang), tr(lang, ".", "."));
	}
}

static json_t *private_json(const struct bc_report *r, enum bc_report_lang lang)
{
	json_t *a = json_array(), *b, *ways;
	size_t i;

	for (i = 0; a && !(r->checked & PROOF_KINDS) && i < r->n_breaches; i++) {
		if (r->breaches[i].public_tier != BC_TIER_NONE)
			continue;
		b = json_object();
		json_object_set_new(b, "id", json_integer(r->breaches[i].id));
		json_object_set_new(b, "name", json_string(r->breaches[i].name ? r->breaches[i].name : ""));
		json_object_set_new(b, "title", json_string(title_of(&r->breaches[i], lang)));
		json_object_set_new(b, "public_tier", json_string("none"));
		ways = json_array();
		json_array_append_new(ways, json_string("claim_code"));
		json_array_append_new(ways, json_string("email_verification"));
		json_array_append_new(ways, json_string("dpo_reissue"));
		json_object_set_new(b, "ways", ways);
		json_object_set_new(b, "dpo_contact",
				    json_string(r->breaches[i].dpo_contact ? r->breaches[i].dpo_contact : ""));
		json_array_append_new(a, b);
	}
	return a;
}

/* Labels of the kinds in mask, joined by ", ". */
static void put_kinds(FILE *out, uint32_t mask, enum bc_report_lang lang)
{
	unsigned k;
	int first = 1;

	for (k = 1; k <= BC_TOKEN_KIND_MAX; k++) {
		if (!(mask & BC_TOKEN_BIT(k)))
			continue;
		fprintf(out, "%s%s", first ? "" : ", ", kind_label(k, lang));
		first = 0;
	}
}

static void put_period(FILE *out, const struct bc_report_hit *h, enum bc_report_lang lang)
{
	char a[32], b[32];

	human_month(h->first_month, lang, a, sizeof(a));
	human_month(h->last_month, lang, b, sizeof(b));
	if (!h->first_month || !h->last_month || h->first_month == h->last_month)
		fputs(h->first_month ? a : b, out);
	else
		fprintf(out, "%s%s%s%s", tr(lang, "", "de "), a, tr(lang, " to ", " à "), b);
}

static void put_hit(FILE *out, const struct bc_report_hit *h, size_t n, enum bc_report_lang lang)
{
	const struct bc_breach *b = h->breach;
	const char *colon = tr(lang, ": ", " : ");
	char date[48];
	unsigned bit, k;
	size_t i;
	int first;

	fprintf(out, "%zu. %s", n, title_of(b, lang));
	if (b->breach_date && *b->breach_date)
		fprintf(out, " (%s%s%s)", tr(lang, "breach date", "date de la fuite"), colon,
			human_date(b->breach_date, lang, date, sizeof(date)));
	fputs("\n", out);
	if (description_of(b, lang))
		fprintf(out, "   %s\n", description_of(b, lang));
	fprintf(out, "   %s%s", tr(lang, "Found with", "Retrouvé avec"), colon);
	put_kinds(out, h->matched, lang);
	fprintf(out, "\n   %s%s", tr(lang, "Your data exposed", "Vos données exposées"), colon);
	first = 1;
	for (bit = 0; bit < 30; bit++) {
		if (!(h->flags & BC_BIT(bit)) || !bc_report_class_label(bit, lang))
			continue;
		fprintf(out, "%s%s", first ? "" : ", ", bc_report_class_label(bit, lang));
		first = 0;
	}
	fputs("\n", out);
	if (h->rows)
		fprintf(out, "   %s%s%u\n", tr(lang, "Records", "Fiches"), colon, h->rows);
	if (h->first_month || h->last_month) {
		fprintf(out, "   %s%s", tr(lang, "Period", "Période"), colon);
		put_period(out, h, lang);
		fputs("\n", out);
	}
	if (h->n_sources) {
		fprintf(out, "   %s%s", tr(lang, "Labs", "Laboratoires"), colon);
		for (i = 0; i < h->n_sources; i++)
			fprintf(out, "%s%s", i ? ", " : "", b->sources[h->sources[i]]);
		if (h->flags & BC_BIT(BC_FLAG_MORE_SOURCES))
			fputs(tr(lang, " and others", " et d'autres"), out);
		fputs("\n", out);
	}
	if (b->is_sensitive && !h->rows && h->matched != h->shared)
		fprintf(out, "   %s\n", tier_sentence(lang));
	for (k = 1; k <= BC_TOKEN_KIND_MAX; k++)
		if (h->shared & BC_TOKEN_BIT(k)) {
			fputs("   ", out);
			put_shared(out, kind_label(k, lang), lang);
			fputs("\n", out);
		}
	fprintf(out, "   %s\n", tr(lang, "What to do:", "Que faire :"));
	for (i = 0; i < N_ADVICES; i++)
		if (!advices[i].mask || (advice_flags(h) & advices[i].mask))
			fprintf(out, "   - %s\n", tr(lang, advices[i].en, advices[i].fr));
	put_contacts(out, b, "   ", lang);
	if (!(h->matched & PROOF_KINDS))
		fprintf(out, "   %s\n", bc_report_medical_notice(lang));
}

int bc_report_write_text(const struct bc_report *r, enum bc_report_lang lang, FILE *out,
			 struct bc_error *err)
{
	char date[48];
	size_t i;

	if (r->n_hits) {
		/* the page's found_summary_* sentences */
		if (r->n_breaches <= 1)
			fputs(tr(lang, "You are in this breach.\n", "Vous êtes dans cette fuite.\n"), out);
		else if (r->n_hits == 1)
			fprintf(out, lang == BC_LANG_FR
					? "Vous êtes dans une fuite, parmi les %zu fuites consultées.\n"
					: "You are in one breach, out of the %zu breaches searched.\n",
				r->n_breaches);
		else
			fprintf(out, lang == BC_LANG_FR
					? "Vous êtes dans %zu fuites, parmi les %zu fuites consultées.\n"
					: "You are in %zu breaches, out of the %zu breaches searched.\n",
				r->n_hits, r->n_breaches);
		for (i = 0; i < r->n_hits; i++) {
			fputs("\n", out);
			put_hit(out, &r->hits[i], i + 1, lang);
		}
	} else {
		/* neutral (issue 17): what was searched, what "not found" does
		 * not mean, and whom to ask; the page's sentences. When nothing
		 * searched is public, "not found" says nothing: say that, not
		 * "we did not find you" (the ways to know follow, put_private). */
		if (all_private(r))
			fprintf(out, "%s\n", private_summary(lang, r->n_breaches > 1));
		else if (r->n_breaches > 1)
			fprintf(out, lang == BC_LANG_FR
					? "Nous n'avons pas trouvé ces identifiants dans les %zu fuites consultées.\n"
					: "We did not find these identifiers in the %zu breaches searched.\n",
				r->n_breaches);
		else
			fputs(tr(lang, "We did not find these identifiers in the breach.\n",
				 "Nous n'avons pas trouvé ces identifiants dans la fuite.\n"), out);
		fputs(tr(lang, "Identifiers searched: ", "Identifiants recherchés : "), out);
		put_kinds(out, r->checked, lang);
		fputs(".\n", out);
		fprintf(out, "%s (%zu)%s\n", tr(lang, "Breaches searched", "Fuites consultées"),
			r->n_breaches, tr(lang, ":", " :"));
		for (i = 0; i < r->n_breaches; i++) {
			fprintf(out, "- %s", title_of(&r->breaches[i], lang));
			if (r->breaches[i].breach_date && *r->breaches[i].breach_date)
				fprintf(out, " (%s)", human_date(r->breaches[i].breach_date, lang, date,
								 sizeof(date)));
			fputs("\n", out);
		}
		if (!all_private(r))
			fprintf(out, "%s\n", not_found_notice(lang));
		for (i = 0; i < r->n_breaches; i++) {
			fputs("\n", out);
			if (r->n_breaches > 1)
				fprintf(out, "%s\n", title_of(&r->breaches[i], lang));
			put_contacts(out, &r->breaches[i], "", lang);
		}
	}
	put_private(out, r, lang);
	if (fflush(out) || ferror(out))
		return bc_error_set(err, bc_err_io, "cannot write the report");
	return 0;
}

static int set_str(json_t *o, const char *key, const char *s)
{
	return json_object_set_new(o, key, s && *s ? json_string(s) : json_null());
}

static json_t *kinds_json(uint32_t mask)
{
	json_t *a = json_array();
	unsigned k;

	for (k = 1; a && k <= BC_TOKEN_KIND_MAX; k++)
		if (mask & BC_TOKEN_BIT(k))
			json_array_append_new(a, json_string(bc_token_kind_name((int)k)));
	return a;
}

static json_t *hit_json(const struct bc_report_hit *h, enum bc_report_lang lang)
{
	const struct bc_breach *b = h->breach;
	json_t *o = json_object(), *a, *adv;
	char m[16];
	unsigned bit;
	size_t i;

	if (!o)
		return NULL;
	json_object_set_new(o, "id", json_integer(b->id));
	set_str(o, "name", b->name);
	set_str(o, "title", b->title);
	set_str(o, "breach_date", b->breach_date);
	json_object_set_new(o, "is_sensitive", json_boolean(b->is_sensitive));
	json_object_set_new(o, "matched", kinds_json(h->matched));
	json_object_set_new(o, "shared", kinds_json(h->shared));
	a = json_array();
	for (bit = 0; a && bit < 30; bit++)
		if ((h->flags & BC_BIT(bit)) && bc_class_entry(bit) && bc_class_entry(bit)->en)
			json_array_append_new(a, json_string(bc_class_name(bit)));
	json_object_set_new(o, "data_classes", a);
	json_object_set_new(o, "rows", h->rows ? json_integer(h->rows) : json_null());
	set_str(o, "first_month", bc_report_month(h->first_month, m, sizeof(m)));
	set_str(o, "last_month", bc_report_month(h->last_month, m, sizeof(m)));
	a = json_array();
	for (i = 0; a && i < h->n_sources; i++)
		json_array_append_new(a, json_string(b->sources[h->sources[i]]));
	json_object_set_new(o, "sources", a);
	json_object_set_new(o, "more_sources", json_boolean(h->flags & BC_BIT(BC_FLAG_MORE_SOURCES)));
	set_str(o, "controller", b->controller);
	set_str(o, "dpo_contact", b->dpo_contact);
	json_object_set_new(o, "complaint_url", json_string(complaint_of(b)));
	a = json_array();
	for (i = 0; a && i < N_ADVICES; i++) {
		if (advices[i].mask && !(advice_flags(h) & advices[i].mask))
			continue;
		adv = json_object();
		json_object_set_new(adv, "id", json_string(advices[i].id));
		json_object_set_new(adv, "text", json_string(tr(lang, advices[i].en, advices[i].fr)));
		json_array_append_new(a, adv);
	}
	json_object_set_new(o, "advice", a);
	json_object_set_new(o, "medical_notice", h->matched & PROOF_KINDS ? json_null()
			    : json_string(bc_report_medical_notice(lang)));
	return o;
}

json_t *bc_report_to_json(const struct bc_report *r, enum bc_report_lang lang)
{
	json_t *o = json_object(), *a, *b;
	size_t i;

	if (!o)
		return NULL;
	json_object_set_new(o, "schema", json_string("breachcheck-check/1"));
	json_object_set_new(o, "lang", json_string(lang == BC_LANG_FR ? "fr" : "en"));
	json_object_set_new(o, "found", json_boolean(r->n_hits > 0));
	json_object_set_new(o, "checked", kinds_json(r->checked));
	a = json_array();
	for (i = 0; a && i < r->n_breaches; i++) {
		b = json_object();
		json_object_set_new(b, "id", json_integer(r->breaches[i].id));
		set_str(b, "name", r->breaches[i].name);
		set_str(b, "title", title_of(&r->breaches[i], lang));
		set_str(b, "breach_date", r->breaches[i].breach_date);
		json_object_set_new(b, "public_tier",
				    json_string(bc_public_tier_name(r->breaches[i].public_tier)
						? bc_public_tier_name(r->breaches[i].public_tier) : "full"));
		json_array_append_new(a, b);
	}
	json_object_set_new(o, "breaches_checked", a);
	json_object_set_new(o, "private_breaches", private_json(r, lang));
	a = json_array();
	for (i = 0; a && i < r->n_hits; i++)
		json_array_append_new(a, hit_json(&r->hits[i], lang));
	json_object_set_new(o, "breaches", a);
	json_object_set_new(o, "not_found_notice",
			    r->n_hits ? json_null()
			    : json_string(all_private(r) ? private_summary(lang, r->n_breaches > 1) : not_found_notice(lang)));
	return o;
}

int bc_report_write_json(const struct bc_report *r, enum bc_report_lang lang, FILE *out,
			 struct bc_error *err)
{
	json_t *j = bc_report_to_json(r, lang);
	int ret = -1;

	if (!j) {
		bc_error_set(err, bc_err_out_of_memory, "out of memory");
		goto out;
	}
	if (json_dumpf(j, out, JSON_INDENT(2) | JSON_PRESERVE_ORDER) ||
	    fputs("\n", out) == EOF || fflush(out) || ferror(out)) {
		bc_error_set(err, bc_err_io, "cannot write the report");
		goto out;
	}
	ret = 0;
out:
	json_decref(j);
	return ret;
}
