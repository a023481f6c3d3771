/* Medical comment classifier (DESIGN.md §7). Rules in docs/normalization.md. */

#include "normalize/comment.h"

#include <pthread.h>
#include <string.h>
#include <utf8proc.h>

#include "normalize/utf8_internal.h"
#include "vocab/vocab.h"

#define BIT_MED BC_BIT(BC_CLASS_MEDICAL_COMMENT)
#define BIT_PREG BC_BIT(BC_CLASS_PREGNANCY)
#define BIT_HIV BC_BIT(BC_CLASS_HIV)
#define BIT_HEP BC_BIT(BC_CLASS_HEPATITIS)
#define BIT_OTH BC_BIT(BC_CLASS_OTHER_MEDICAL)

enum cat {
	C_NONE = 0,
	C_GEN,       /* medical mention, no category (ATCD, sérologie, RAS, toxo, ...) */
	C_PREG,
	C_HIV,
	C_HEP,
	C_OTH,
	C_PREG_WEAK, /* hCG: pregnancy only when a positive marker follows */
	C_NEGMENT,   /* a mention that is itself negative (séronégatif) */
	N_PRE,       /* negation cue applying forward (pas, aucun, absence, sans, ...) */
	N_POST,      /* negation cue applying backward (négatif, nég, exclue, ...) */
	N_BOTH,      /* vaccination: the mention is not a disease, either side */
	W_POS,       /* positive marker (positif, +) */
	W_BREAK,     /* clause break word (mais, sauf) */
	W_CONJ,      /* et, ou, ni: joins negated mentions */
	W_FREE,      /* function words a forward negation passes over */
	W_TEST,      /* a lab test (toxo, glycémie, PSA): scopes a negation, no flag of its own */
};

enum match { EX, PF };

struct lex {
	const char *w;    /* folded; a space separates the words of a phrase */
	unsigned char m;  /* EX: whole word; PF: word starts with (the last word of a phrase) */
	unsigned char c;  /* enum cat */
};

/* Folded forms: lower case, no accents. Fuzzy matching (one edit) applies to words of 6+ letters. */
static const struct lex lexicon[] = {
	/* pregnancy */
	{ "enceint", PF, C_PREG }, { "grossess", PF, C_PREG }, { "gross", EX, C_PREG },
	{ "accouch", PF, C_PREG }, { "postpartum", EX, C_PREG }, { "post partum", EX, C_PREG },
	{ "parturiente", EX, C_PREG }, { "gestation", PF, C_PREG }, { "gestante", EX, C_PREG },
	{ "primigeste", EX, C_PREG }, { "primipare", EX, C_PREG }, { "multipare", EX, C_PREG },
	{ "geu", EX, C_PREG }, { "ivg", EX, C_PREG }, { "fcs", EX, C_PREG },
	{ "fausse couche", EX, C_PREG }, { "fausses couches", EX, C_PREG },
	{ "amenorrh", PF, C_PREG }, { "trimestre", EX, C_PREG }, { "ddr", EX, C_PREG },
	{ "dpa", EX, C_PREG }, { "terme prevu", EX, C_PREG }, { "terme prevue", EX, C_PREG },
	{ "terme le", EX, C_PREG }, { "terme au", EX, C_PREG }, { "date du terme", EX, C_PREG },
	{ "terme theorique", EX, C_PREG }, { "cesarienne", PF, C_PREG }, { "grossesse", EX, C_PREG },
	{ "obstetri", PF, C_PREG }, { "allaitement", EX, C_PREG }, { "allaite", EX, C_PREG },
	{ "allaitante", EX, C_PREG }, { "maternite", EX, C_PREG }, { "sage femme", EX, C_PREG },
	{ "gemellaire", EX, C_PREG }, { "foetus", EX, C_PREG }, { "foetal", PF, C_PREG },
	{ "prenatal", PF, C_PREG }, { "antenatal", PF, C_PREG }, { "preeclamp", PF, C_PREG },
	{ "depistage t21", EX, C_PREG }, { "depistage trisomie", EX, C_PREG },
	{ "hcg", EX, C_PREG_WEAK }, { "bhcg", EX, C_PREG_WEAK }, { "betahcg", EX, C_PREG_WEAK },
	{ "beta hcg", EX, C_PREG_WEAK },
	/* hiv */
	{ "vih", EX, C_HIV }, { "hiv", EX, C_HIV }, { "sida", EX, C_HIV }, { "seropo", PF, C_HIV },
	{ "antiretro", PF, C_HIV }, { "arv", EX, C_HIV }, { "trither", PF, C_HIV },
	{ "cd4", EX, C_HIV }, { "p24", EX, C_HIV }, { "triumeq", EX, C_HIV }, { "biktarvy", EX, C_HIV },
	{ "genvoya", EX, C_HIV }, { "truvada", EX, C_HIV }, { "descovy", EX, C_HIV },
	{ "odefsey", EX, C_HIV }, { "stribild", EX, C_HIV }, { "atripla", EX, C_HIV },
	{ "eviplera", EX, C_HIV }, { "juluca", EX, C_HIV }, { "dovato", EX, C_HIV },
	{ "tivicay", EX, C_HIV }, { "isentress", EX, C_HIV }, { "prezista", EX, C_HIV },
	{ "symtuza", EX, C_HIV }, { "kaletra", EX, C_HIV }, { "dolutegravir", EX, C_HIV },
	{ "bictegravir", EX, C_HIV }, { "raltegravir", EX, C_HIV }, { "darunavir", EX, C_HIV },
	{ "efavirenz", EX, C_HIV }, { "rilpivirine", EX, C_HIV }, { "abacavir", EX, C_HIV },
	{ "seroneg", PF, C_NEGMENT },
	/* hepatitis */
	{ "hepatite", PF, C_HEP }, { "vhb", EX, C_HEP }, { "vhc", EX, C_HEP }, { "vha", EX, C_HEP },
	{ "vhd", EX, C_HEP }, { "vhe", EX, C_HEP }, { "hvb", EX, C_HEP }, { "hvc", EX, C_HEP },
	{ "hbv", EX, C_HEP }, { "hcv", EX, C_HEP }, { "hbs", EX, C_HEP }, { "aghbs", EX, C_HEP },
	{ "hbsag", EX, C_HEP }, { "achbc", EX, C_HEP }, { "hbc", EX, C_HEP }, { "hbe", EX, C_HEP },
	{ "aghbe", EX, C_HEP }, { "hep b", EX, C_HEP }, { "hep c", EX, C_HEP }, { "hepb", EX, C_HEP },
	{ "hepc", EX, C_HEP }, { "baraclude", EX, C_HEP }, { "entecavir", EX, C_HEP },
	{ "epclusa", EX, C_HEP }, { "harvoni", EX, C_HEP }, { "sovaldi", EX, C_HEP },
	{ "maviret", EX, C_HEP }, { "zepatier", EX, C_HEP }, { "vosevi", EX, C_HEP },
	{ "sofosbuvir", EX, C_HEP }, { "daklinza", EX, C_HEP }, { "ribavirine", EX, C_HEP },
	/* diabetes */
	{ "diabet", PF, C_OTH }, { "diab", EX, C_OTH }, { "diabe", EX, C_OTH }, { "dt1", EX, C_OTH },
	{ "dt2", EX, C_OTH }, { "dt 1", EX, C_OTH }, { "dt 2", EX, C_OTH }, { "dt ii", EX, C_OTH }, { "did", EX, C_OTH }, { "dnid", EX, C_OTH }, { "didnid", EX, C_OTH },
	{ "insulin", PF, C_OTH }, { "metformine", EX, C_OTH }, { "glucophage", EX, C_OTH },
	{ "januvia", EX, C_OTH }, { "janumet", EX, C_OTH }, { "lantus", EX, C_OTH },
	{ "novorapid", EX, C_OTH }, { "humalog", EX, C_OTH }, { "levemir", EX, C_OTH },
	{ "toujeo", EX, C_OTH }, { "tresiba", EX, C_OTH }, { "abasaglar", EX, C_OTH },
	{ "apidra", EX, C_OTH }, { "novomix", EX, C_OTH }, { "umuline", EX, C_OTH },
	{ "ozempic", EX, C_OTH }, { "trulicity", EX, C_OTH }, { "victoza", EX, C_OTH },
	{ "xultophy", EX, C_OTH }, { "byetta", EX, C_OTH }, { "jardiance", EX, C_OTH },
	{ "forxiga", EX, C_OTH }, { "xigduo", EX, C_OTH }, { "diamicron", EX, C_OTH },
	{ "gliclazide", EX, C_OTH }, { "amarel", EX, C_OTH }, { "glimepiride", EX, C_OTH },
	{ "stagid", EX, C_OTH }, { "galvus", EX, C_OTH }, { "eucreas", EX, C_OTH },
	{ "sitagliptine", EX, C_OTH }, { "vildagliptine", EX, C_OTH }, { "dulaglutide", EX, C_OTH },
	{ "semaglutide", EX, C_OTH }, { "liraglutide", EX, C_OTH }, { "repaglinide", EX, C_OTH },
	{ "novonorm", EX, C_OTH }, { "hba1c", EX, C_OTH }, { "hemoglobine glyquee", EX, C_OTH },
	{ "glyquee", EX, C_OTH }, { "hypoglyc", PF, C_OTH }, { "hyperglyc", PF, C_OTH },
	/* anticoagulant and antiplatelet treatment */
	{ "anticoag", PF, C_OTH }, { "avk", EX, C_OTH }, { "aod", EX, C_OTH }, { "naco", EX, C_OTH },
	{ "acod", EX, C_OTH }, { "inr", EX, C_OTH }, { "coumadin", PF, C_OTH }, { "sintrom", EX, C_OTH },
	{ "minisintrom", EX, C_OTH }, { "previscan", EX, C_OTH }, { "warfarine", EX, C_OTH },
	{ "fluindione", EX, C_OTH }, { "acenocoumarol", EX, C_OTH }, { "apixaban", EX, C_OTH },
	{ "eliquis", EX, C_OTH }, { "rivaroxaban", EX, C_OTH }, { "xarelto", EX, C_OTH },
	{ "dabigatran", EX, C_OTH }, { "pradaxa", EX, C_OTH }, { "edoxaban", EX, C_OTH },
	{ "lixiana", EX, C_OTH }, { "heparin", PF, C_OTH }, { "hbpm", EX, C_OTH },
	{ "lovenox", EX, C_OTH }, { "innohep", EX, C_OTH }, { "fragmine", EX, C_OTH },
	{ "arixtra", EX, C_OTH }, { "enoxaparine", EX, C_OTH }, { "tinzaparine", EX, C_OTH },
	{ "calciparine", EX, C_OTH }, { "fondaparinux", EX, C_OTH }, { "kardegic", EX, C_OTH },
	{ "plavix", EX, C_OTH }, { "clopidogrel", EX, C_OTH }, { "brilique", EX, C_OTH },
	{ "ticagrelor", EX, C_OTH }, { "efient", EX, C_OTH }, { "duoplavin", EX, C_OTH },
	{ "antiagreg", PF, C_OTH }, { "antiplaquet", PF, C_OTH }, { "aspirine", EX, C_OTH },
	/* cancer */
	{ "cancer", PF, C_OTH }, { "chimio", PF, C_OTH }, { "radiother", PF, C_OTH },
	{ "curiether", PF, C_OTH }, { "hormonother", PF, C_OTH }, { "immunother", PF, C_OTH },
	{ "tumeur", PF, C_OTH }, { "tumoral", PF, C_OTH }, { "carcinom", PF, C_OTH },
	{ "adenocarcinom", PF, C_OTH }, { "lymphom", PF, C_OTH }, { "leucemi", PF, C_OTH },
	{ "myelom", PF, C_OTH }, { "melanom", PF, C_OTH }, { "sarcom", PF, C_OTH },
	{ "metasta", PF, C_OTH }, { "oncolo", PF, C_OTH }, { "neoplas", PF, C_OTH },
	{ "neo", EX, C_OTH }, { "onco", EX, C_OTH }, { "llc", EX, C_OTH }, { "lmc", EX, C_OTH }, { "lnh", EX, C_OTH },
	{ "hodgkin", PF, C_OTH }, { "mastectom", PF, C_OTH }, { "mammectom", PF, C_OTH },
	{ "tamoxif", PF, C_OTH }, { "letrozole", EX, C_OTH }, { "femara", EX, C_OTH },
	{ "anastrozole", EX, C_OTH }, { "arimidex", EX, C_OTH }, { "exemestane", EX, C_OTH },
	{ "aromasine", EX, C_OTH }, { "herceptin", EX, C_OTH }, { "trastuzumab", EX, C_OTH },
	{ "avastin", EX, C_OTH }, { "xeloda", EX, C_OTH }, { "capecitabine", EX, C_OTH },
	{ "glivec", EX, C_OTH }, { "imatinib", EX, C_OTH }, { "keytruda", EX, C_OTH },
	{ "opdivo", EX, C_OTH }, { "rituximab", EX, C_OTH }, { "revlimid", EX, C_OTH },
	{ "velcade", EX, C_OTH }, { "methotrexate", EX, C_OTH }, { "pac", EX, C_OTH },
	{ "chambre implantable", EX, C_OTH }, { "portacath", EX, C_OTH }, { "port a cath", EX, C_OTH },
	{ "picc", EX, C_OTH }, { "neutropen", PF, C_OTH }, { "aplasie", EX, C_OTH },
	/* other history */
	{ "hta", EX, C_OTH }, { "hypertens", PF, C_OTH }, { "hypertendu", PF, C_OTH },
	{ "infarctus", EX, C_OTH }, { "idm", EX, C_OTH }, { "avc", EX, C_OTH },
	{ "hemipleg", PF, C_OTH }, { "hemipar", PF, C_OTH }, { "alzheimer", EX, C_OTH },
	{ "parkinson", PF, C_OTH }, { "bpco", EX, C_OTH }, { "asthm", PF, C_OTH },
	{ "epilep", PF, C_OTH }, { "allerg", PF, C_OTH }, { "greff", PF, C_OTH },
	{ "transplant", PF, C_OTH }, { "dialys", PF, C_OTH }, { "hemodialys", PF, C_OTH },
	{ "irc", EX, C_OTH }, { "irct", EX, C_OTH }, { "drepanocyt", PF, C_OTH },
	{ "thalass", PF, C_OTH }, { "hemophil", PF, C_OTH }, { "schizophr", PF, C_OTH },
	{ "bipolaire", EX, C_OTH }, { "depressi", PF, C_OTH }, { "antidepress", PF, C_OTH },
	{ "psychiatr", PF, C_OTH }, { "psychose", EX, C_OTH }, { "psychotique", EX, C_OTH },
	{ "anorexie mentale", EX, C_OTH }, { "boulimi", PF, C_OTH }, { "sclerose", PF, C_OTH },
	{ "tuberculo", PF, C_OTH }, { "thyroid", PF, C_OTH }, { "hypothyr", PF, C_OTH },
	{ "hyperthyr", PF, C_OTH }, { "levothyrox", PF, C_OTH }, { "basedow", EX, C_OTH },
	{ "hashimoto", EX, C_OTH }, { "cirrhos", PF, C_OTH }, { "alcoolis", PF, C_OTH },
	{ "ethylis", PF, C_OTH }, { "ethylique", EX, C_OTH }, { "toxicoman", PF, C_OTH },
	{ "methadone", EX, C_OTH }, { "subutex", EX, C_OTH }, { "buprenorphine", EX, C_OTH },
	{ "obesite", EX, C_OTH }, { "obese", EX, C_OTH }, { "mucovisc", PF, C_OTH },
	{ "lupus", EX, C_OTH }, { "polyarthrit", PF, C_OTH }, { "crohn", EX, C_OTH },
	{ "rch", EX, C_OTH }, { "coeliaqu", PF, C_OTH }, { "cardiopath", PF, C_OTH },
	{ "arythmi", PF, C_OTH }, { "acfa", EX, C_OTH }, { "fibrillation", EX, C_OTH },
	{ "pacemaker", EX, C_OTH }, { "pace maker", EX, C_OTH }, { "stent", EX, C_OTH },
	{ "pontage", EX, C_OTH }, { "angor", EX, C_OTH }, { "embolie", PF, C_OTH },
	{ "phlebit", PF, C_OTH }, { "thrombos", PF, C_OTH }, { "tvp", EX, C_OTH },
	{ "autisme", EX, C_OTH }, { "autiste", EX, C_OTH }, { "trisomie", EX, C_OTH },
	{ "trisomique", EX, C_OTH }, { "ist", EX, C_OTH }, { "mst", EX, C_OTH },
	{ "syphilis", EX, C_OTH }, { "chlamydia", PF, C_OTH }, { "gonocoq", PF, C_OTH },
	{ "herpes", EX, C_OTH }, { "hpv", EX, C_OTH }, { "condylome", PF, C_OTH },
	{ "covid", PF, C_OTH }, { "immunodepr", PF, C_OTH }, { "anemie", EX, C_OTH },
	{ "hemochromatose", EX, C_OTH }, { "psoriasis", EX, C_OTH }, { "migraine", PF, C_OTH },
	{ "glaucome", EX, C_OTH }, { "paludisme", EX, C_OTH }, { "hypercholest", PF, C_OTH },
	{ "cholesterol", EX, C_OTH }, { "statine", EX, C_OTH }, { "goutte chronique", EX, C_OTH },
	{ "insuffisance renale", PF, C_OTH }, { "insuffisance cardiaque", EX, C_OTH },
	{ "insuffisance respiratoire", EX, C_OTH }, { "insuffisance hepatique", EX, C_OTH },
	{ "insuffisant renal", PF, C_OTH }, { "insuffisant cardiaque", EX, C_OTH },
	{ "insuffisant respiratoire", EX, C_OTH }, { "avc ischemique", EX, C_OTH },
	{ "apnee", PF, C_OTH }, { "saos", EX, C_OTH }, { "aomi", EX, C_OTH }, { "coronar", PF, C_OTH },
	{ "angioplast", PF, C_OTH }, { "valvulo", PF, C_OTH }, { "biermer", EX, C_OTH },
	{ "sarcoidose", EX, C_OTH }, { "spondylarthrit", PF, C_OTH }, { "fibromyalg", PF, C_OTH },
	{ "endometriose", EX, C_OTH }, { "sopk", EX, C_OTH }, { "dmla", EX, C_OTH },
	{ "arthrose", EX, C_OTH }, { "osteoporo", PF, C_OTH }, { "dyslipid", PF, C_OTH },
	{ "corticother", PF, C_OTH }, { "corticoide", PF, C_OTH }, { "immunosup", PF, C_OTH },
	{ "biotherap", PF, C_OTH }, { "hemiplegi", PF, C_OTH }, { "paraplegi", PF, C_OTH },
	{ "tetraplegi", PF, C_OTH }, { "myopathi", PF, C_OTH }, { "sla", EX, C_OTH },
	/* medical mention without category */
	{ "atcd", EX, C_GEN }, { "antecedent", PF, C_GEN }, { "ras", EX, C_GEN },
	{ "rien a signaler", EX, C_GEN }, { "serolog", PF, W_TEST }, { "patholog", PF, C_GEN },
	{ "maladie", EX, C_GEN }, { "traitement", EX, C_GEN }, { "ttt", EX, C_GEN },
	{ "toxo", EX, W_TEST }, { "toxoplasm", PF, W_TEST }, { "rubeol", PF, W_TEST },
	{ "cmv", EX, W_TEST }, { "psa", EX, W_TEST }, { "glycemie", EX, W_TEST },
	{ "hepatique", EX, W_TEST }, { "viread", EX, C_GEN }, { "tenofovir", EX, C_GEN },
	{ "charge virale", EX, C_GEN }, { "infectio", PF, C_GEN }, { "t21", EX, W_TEST },
	{ "tsh", EX, W_TEST }, { "ferritine", EX, W_TEST }, { "crp", EX, W_TEST }, { "nfs", EX, W_TEST },
	{ "ecbu", EX, W_TEST }, { "bilan", EX, W_TEST },
	{ "achbs", EX, C_GEN }, { "antihbs", EX, C_GEN }, { "anti hbs", EX, C_GEN },
	{ "immunise", PF, C_GEN }, { "vaccin", PF, N_BOTH },
	/* negation and markers */
	{ "pas", EX, N_PRE }, { "non", EX, N_PRE }, { "aucun", EX, N_PRE }, { "aucune", EX, N_PRE },
	{ "absence", EX, N_PRE }, { "sans", EX, N_PRE }, { "jamais", EX, N_PRE },
	{ "indemne", EX, N_PRE }, { "negatif", EX, N_POST }, { "negative", EX, N_POST },
	{ "negatifs", EX, N_POST }, { "negatives", EX, N_POST }, { "neg", EX, N_POST },
	{ "nega", EX, N_POST }, { "exclu", EX, N_POST }, { "exclue", EX, N_POST },
	{ "exclus", EX, N_POST }, { "absent", EX, N_POST }, { "absente", EX, N_POST },
	{ "positif", EX, W_POS }, { "positive", EX, W_POS }, { "positifs", EX, W_POS },
	{ "positives", EX, W_POS }, { "pos", EX, W_POS }, { "mais", EX, W_BREAK },
	{ "sauf", EX, W_BREAK }, { "cependant", EX, W_BREAK }, { "et", EX, W_CONJ },
	{ "ou", EX, W_CONJ }, { "ni", EX, N_PRE },
	{ "d", EX, W_FREE }, { "de", EX, W_FREE }, { "du", EX, W_FREE }, { "des", EX, W_FREE },
	{ "la", EX, W_FREE }, { "le", EX, W_FREE }, { "l", EX, W_FREE }, { "les", EX, W_FREE },
	{ "un", EX, W_FREE }, { "une", EX, W_FREE }, { "sous", EX, W_FREE }, { "a", EX, W_FREE },
	{ "au", EX, W_FREE }, { "aux", EX, W_FREE }, { "en", EX, W_FREE }, { "connu", EX, W_FREE },
	{ "connue", EX, W_FREE }, { "connus", EX, W_FREE }, { "notion", EX, W_FREE },
	{ "signe", EX, W_FREE }, { "type", EX, W_FREE }, { "pour", EX, W_FREE },
	{ "ne", EX, W_FREE }, { "n", EX, W_FREE }, { "est", EX, W_FREE }, { "etre", EX, W_FREE },
	{ "plus", EX, W_FREE }, { "actuellement", EX, W_FREE }, { "personnel", EX, W_FREE },
	{ "personnels", EX, W_FREE }, { "familial", EX, W_FREE }, { "familiaux", EX, W_FREE },
};

#define N_LEX (sizeof lexicon / sizeof lexicon[0])

/* Read-only index of the lexicon by first letter, built once (pthread_once). */
static struct {
	int16_t head[36];
	int16_t next[N_LEX];
	uint8_t wlen[N_LEX];    /* length of the first word */
	uint8_t phrase[N_LEX];  /* 1 if the entry has several words */
} lex_index;
static pthread_once_t lex_once = PTHREAD_ONCE_INIT;

static int letter_slot(char c)
{
	if (c >= 'a' && c <= 'z')
		return c - 'a';
	if (c >= '0' && c <= '9')
		return 26 + (c - '0');
	return -1;
}

static void lex_build(void)
{
	size_t e;
	int i;

	for (i = 0; i < 36; i++)
		lex_index.head[i] = -1;
	for (e = N_LEX; e-- > 0;) {
		const char *sp = strchr(lexicon[e].w, ' ');
		int slot = letter_slot(lexicon[e].w[0]);
		lex_index.wlen[e] = (uint8_t)(sp ? (size_t)(sp - lexicon[e].w) : strlen(lexicon[e].w));
		lex_index.phrase[e] = sp != NULL;
		lex_index.next[e] = lex_index.head[slot];
		lex_index.head[slot] = (int16_t)e;
	}
}

enum tok_kind { T_WORD, T_PLUS, T_MINUS, T_BREAK, T_SLASH };

struct tok {
	uint16_t off, len;
	uint8_t kind, cat, neg, span;
};

#define MAX_TOK 1024

/* ---------------------------------------------------------------- folding */

static size_t fold_cp(int32_t cp, char *dst)
{
	utf8proc_int32_t d[8];
	utf8proc_ssize_t nd, j;
	int bc = UTF8PROC_BOUNDCLASS_START;
	size_t n = 0;

	switch (cp) {
	case 0x152: case 0x153: dst[0] = 'o'; dst[1] = 'e'; return 2;
	case 0xC6: case 0xE6: dst[0] = 'a'; dst[1] = 'e'; return 2;
	case 0xDF: case 0x1E9E: dst[0] = 's'; dst[1] = 's'; return 2;
	case 0x2010: case 0x2011: case 0x2012: case 0x2013: case 0x2014: case 0x2212:
		dst[0] = '-';
		return 1;
	case 0x2026: dst[0] = '|'; return 1;
	default: break;
	}
	nd = utf8proc_decompose_char(cp, d, 8, UTF8PROC_COMPAT | UTF8PROC_DECOMPOSE | UTF8PROC_STRIPMARK, &bc);
	if (nd <= 0 || nd > 8) {
		dst[0] = ' ';
		return 1;
	}
	for (j = 0; j < nd; j++) {
		int32_t c = d[j];
		if (c >= 'A' && c <= 'Z')
			dst[n++] = (char)(c - 'A' + 'a');
		else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
			dst[n++] = (char)c;
	}
	if (n == 0)
		dst[n++] = ' ';
	return n;
}

/*
 * Folds the comment into f (lower case ASCII letters and digits, '+', '-', '|'
 * for clause breaks, ' '). A '?' is not a break: in "grossesse ? non" the
 * answer belongs to the question.
 */
static size_t fold(const char *in, size_t len, char *f, size_t fsize)
{
	size_t i = 0, n = 0;

	while (i < len && n + 8 < fsize) {
		unsigned char c = (unsigned char)in[i];
		if (c < 0x80) {
			char o;
			if (c >= 'A' && c <= 'Z')
				o = (char)(c - 'A' + 'a');
			else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '-' ||
				 c == '/')
				o = (char)c;
			else if (c == ',' || c == ';' || c == '!' || c == '(' ||
				 c == ')' || c == '[' || c == ']' || c == '\n' || c == '\r')
				o = '|';
			else if (c == '.')
				o = (i > 0 && i + 1 < len && in[i - 1] >= '0' && in[i - 1] <= '9' &&
				     in[i + 1] >= '0' && in[i + 1] <= '9') ? ' ' : '|';
			else
				o = ' ';
			f[n++] = o;
			i++;
		} else {
			int32_t cp;
			size_t k = bc_utf8_decode((const unsigned char *)in + i, len - i, &cp);
			if (!k) {
				f[n++] = ' ';
				i++;
				continue;
			}
			n += fold_cp(cp, f + n);
			i += k;
		}
	}
	return n;
}

static int is_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

static size_t tokenize(const char *f, size_t n, struct tok *t, size_t max)
{
	size_t i = 0, nt = 0;

	while (i < n && nt < max) {
		char c = f[i];
		if (is_alnum(c)) {
			size_t s = i;
			while (i < n && is_alnum(f[i]))
				i++;
			t[nt].off = (uint16_t)s;
			t[nt].len = (uint16_t)(i - s);
			t[nt].kind = T_WORD;
			nt++;
			continue;
		}
		if (c == '+' || c == '|' || c == '/') {
			t[nt].off = (uint16_t)i;
			t[nt].len = 1;
			t[nt].kind = c == '+' ? T_PLUS : c == '/' ? T_SLASH : T_BREAK;
			nt++;
		} else if (c == '-') {
			/* "VIH-" or a lone "-" ending a clause is a negative result; else a hyphen or a dash. */
			size_t j = i + 1;
			int attached = i > 0 && is_alnum(f[i - 1]);
			while (j < n && f[j] == ' ')
				j++;
			if ((attached && (i + 1 >= n || !is_alnum(f[i + 1]))) ||
			    (!attached && (j >= n || f[j] == '|'))) {
				t[nt].off = (uint16_t)i;
				t[nt].len = 1;
				t[nt].kind = T_MINUS;
				nt++;
			}
		}
		i++;
	}
	return nt;
}

/* ---------------------------------------------------------------- matching */

/* Optimal string alignment distance <= 1. */
static int dist_le1(const char *a, size_t n, const char *b, size_t m)
{
	size_t i = 0;

	if (n > m) {
		const char *x = a;
		size_t y = n;
		a = b;
		n = m;
		b = x;
		m = y;
	}
	if (m - n > 1)
		return 0;
	while (i < n && a[i] == b[i])
		i++;
	if (i == n)
		return 1;
	if (n == m) {
		if (memcmp(a + i + 1, b + i + 1, n - i - 1) == 0)
			return 1;
		return i + 1 < n && a[i] == b[i + 1] && a[i + 1] == b[i] &&
		       memcmp(a + i + 2, b + i + 2, n - i - 2) == 0;
	}
	return memcmp(a + i, b + i + 1, n - i) == 0;
}

static int word_match(const char *w, size_t wl, int prefix, const char *tk, size_t tl, int fuzzy)
{
	if (tl == 0 || w[0] != tk[0])
		return 0;
	if (!prefix) {
		if (wl == tl && memcmp(w, tk, wl) == 0)
			return 1;
		return fuzzy && wl >= 6 && tl >= 6 && dist_le1(w, wl, tk, tl);
	}
	if (tl >= wl && memcmp(w, tk, wl) == 0)
		return 1;
	if (fuzzy && wl >= 5 && tl >= 6) {
		size_t k;
		for (k = wl - 1; k <= wl + 1 && k <= tl; k++)
			if (dist_le1(w, wl, tk, k))
				return 1;
	}
	return 0;
}

/* Number of tokens the entry covers at t[i], or 0. */
static size_t lex_match(const struct lex *e, const char *f, const struct tok *t, size_t nt, size_t i,
			int fuzzy)
{
	const char *w = e->w;
	size_t k = 0;

	for (;;) {
		const char *sp = strchr(w, ' ');
		size_t wl = sp ? (size_t)(sp - w) : strlen(w);
		if (i + k >= nt || t[i + k].kind != T_WORD)
			return 0;
		if (!word_match(w, wl, !sp && e->m == PF, f + t[i + k].off, t[i + k].len, fuzzy))
			return 0;
		k++;
		if (!sp)
			return k;
		w = sp + 1;
	}
}

static int all_digits(const char *s, size_t n)
{
	size_t i;
	for (i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return n > 0;
}

/* Token-shape rules: 12sa, 28sa3j, g2p1, vih1, hiv2. */
static int shape_cat(const char *s, size_t n)
{
	size_t i = 0;

	while (i < n && s[i] >= '0' && s[i] <= '9')
		i++;
	if (i > 0 && i + 2 <= n && s[i] == 's' && s[i + 1] == 'a' &&
	    (i + 2 == n || (s[i + 2] >= '0' && s[i + 2] <= '9')))
		return C_PREG;
	if (n >= 4 && s[0] == 'g' && s[1] >= '0' && s[1] <= '9') {
		i = 1;
		while (i < n && s[i] >= '0' && s[i] <= '9')
			i++;
		if (i < n && s[i] == 'p' && all_digits(s + i + 1, n - i - 1))
			return C_PREG;
	}
	if (n == 4 && (memcmp(s, "vih", 3) == 0 || memcmp(s, "hiv", 3) == 0) &&
	    (s[3] == '1' || s[3] == '2'))
		return C_HIV;
	return C_NONE;
}

static int is_medical(int c)
{
	return c == C_GEN || c == C_PREG || c == C_HIV || c == C_HEP || c == C_OTH ||
	       c == C_PREG_WEAK || c == C_NEGMENT;
}

/* What a negation can apply to: medical mentions and lab tests. */
static int is_mention(int c)
{
	return is_medical(c) || c == W_TEST;
}

static int is_serology(int c)
{
	return c == C_HIV || c == C_HEP || c == C_GEN || c == W_TEST;
}

static int tok_is(const char *f, const struct tok *t, const char *w)
{
	size_t n = strlen(w);
	return t->kind == T_WORD && t->len == n && memcmp(f + t->off, w, n) == 0;
}

static void lookup(const char *f, struct tok *t, size_t nt)
{
	size_t i, e;

	for (i = 0; i < nt; i++) {
		t[i].cat = C_NONE;
		t[i].neg = 0;
		t[i].span = 1;
	}
	for (i = 0; i < nt; i++) {
		size_t best = 0, bestc = C_NONE;
		const char *s = f + t[i].off;
		int fuzzy;

		if (t[i].kind != T_WORD)
			continue;
		/* exact and prefix matches first; one typo only when nothing matched exactly */
		for (fuzzy = 0; fuzzy < 2 && !best && (!fuzzy || t[i].len >= 6); fuzzy++) {
			int slot = letter_slot(s[0]), ei;
			for (ei = slot < 0 ? -1 : lex_index.head[slot]; ei >= 0; ei = lex_index.next[ei]) {
				size_t k;
				e = (size_t)ei;
				if (!lex_index.phrase[e] && !fuzzy &&
				    (lexicon[e].m == EX ? t[i].len != lex_index.wlen[e] : t[i].len < lex_index.wlen[e]))
					continue;
				k = lex_match(&lexicon[e], f, t, nt, i, fuzzy);
				if (k > best) {
					best = k;
					bestc = lexicon[e].c;
				}
			}
		}
		if (!best) {
			int c = shape_cat(s, t[i].len);
			if (c != C_NONE) {
				best = 1;
				bestc = (size_t)c;
			} else if (t[i].len == 2 && s[0] == 's' && s[1] == 'a' && i > 0 &&
				   t[i - 1].kind == T_WORD && all_digits(f + t[i - 1].off, t[i - 1].len)) {
				best = 1;
				bestc = C_PREG; /* "12 SA": semaines d'aménorrhée */
			} else if (t[i].len == 1 && s[0] == 'k') {
				/* K = cancer, except vitamin K and potassium (K+, K 4.2) */
				int vit = i > 0 && (tok_is(f, &t[i - 1], "vit") || tok_is(f, &t[i - 1], "vitamine"));
				int ion = i + 1 < nt && (t[i + 1].kind == T_PLUS || t[i + 1].kind == T_MINUS ||
							 (t[i + 1].kind == T_WORD &&
							  all_digits(f + t[i + 1].off, t[i + 1].len)));
				if (!vit && !ion) {
					best = 1;
					bestc = C_OTH;
				}
			}
		}
		if (best) {
			t[i].cat = (uint8_t)bestc;
			t[i].span = (uint8_t)best;
			/* the other words of a phrase carry no meaning of their own */
			for (e = 1; e < best && i + e < nt; e++)
				t[i + e].cat = W_FREE;
			i += best - 1;
		}
	}
}

/* ---------------------------------------------------------------- negation */

static void negate_forward(struct tok *t, size_t nt, size_t i)
{
	size_t j, content = 0;

	for (j = i + 1; j < nt; j++) {
		int c = t[j].cat;
		if (t[j].kind == T_BREAK || t[j].kind == T_PLUS || c == W_BREAK || c == W_POS)
			return;
		if (t[j].kind == T_MINUS)
			continue;
		if (is_mention(c)) {
			t[j].neg = 1;
			continue;
		}
		if (c == W_FREE || c == W_CONJ || c == N_PRE || t[j].kind == T_SLASH)
			continue;
		if (++content > 2)
			return;
	}
}

static void negate_backward(const char *f, struct tok *t, size_t i)
{
	size_t j = i, steps = 0;
	int found = 0;

	while (j > 0 && steps < 4) {
		j--;
		steps++;
		if (t[j].kind == T_BREAK || t[j].cat == W_BREAK)
			return;
		if (is_mention(t[j].cat)) {
			found = 1;
			break;
		}
	}
	if (!found)
		return;
	t[j].neg = 1;
	/* and the mentions joined to it by a conjunction: "VIH et VHC négatifs", "VIH/VHC nég" */
	for (;;) {
		size_t k = j;
		int conj = 0;

		while (k > 0) {
			k--;
			if (t[k].kind == T_BREAK || t[k].cat == W_BREAK)
				return;
			if (t[k].kind == T_SLASH || t[k].cat == W_CONJ || tok_is(f, &t[k], "ni")) {
				conj = 1;
				continue;
			}
			if (t[k].kind == T_WORD && !is_mention(t[k].cat) && t[k].len <= 2 &&
			    !all_digits(f + t[k].off, t[k].len))
				continue; /* "hépatite B et C" */
			break;
		}
		/* test-like mentions also chain without a conjunction: "VIH VHB VHC négatifs" */
		if (k == j || !is_mention(t[k].cat) ||
		    (!conj && !(k + 1 == j && is_serology(t[k].cat) && is_serology(t[j].cat))))
			return;
		t[k].neg = 1;
		j = k;
	}
}

static void negate(const char *f, struct tok *t, size_t nt)
{
	size_t i;

	for (i = 0; i < nt; i++) {
		int c = t[i].cat;
		int clause_end = i + 1 >= nt || t[i + 1].kind == T_BREAK;

		if (t[i].kind == T_MINUS) {
			negate_backward(f, t, i);
		} else if (c == N_POST) {
			negate_backward(f, t, i);
			/* "négatif pour le VIH" */
			if (i + 1 < nt && (tok_is(f, &t[i + 1], "pour") || tok_is(f, &t[i + 1], "a") ||
					   tok_is(f, &t[i + 1], "au")))
				negate_forward(t, nt, i);
		} else if (c == N_PRE) {
			if (clause_end && (tok_is(f, &t[i], "non") || tok_is(f, &t[i], "aucun") ||
					   tok_is(f, &t[i], "aucune")))
				negate_backward(f, t, i); /* "grossesse : non", "allergie : aucune" */
			else
				negate_forward(t, nt, i);
		} else if (c == N_BOTH) {
			negate_backward(f, t, i);
			negate_forward(t, nt, i);
		} else if (c == C_NEGMENT) {
			t[i].neg = 1;
		} else if (clause_end && i > 0 && tok_is(f, &t[i], "n")) {
			negate_backward(f, t, i); /* a form's answer: "grossesse : N" */
		}
	}
}

static int weak_confirmed(const struct tok *t, size_t nt, size_t i)
{
	size_t j;

	for (j = i + 1; j < nt && j <= i + 2; j++) {
		if (t[j].kind == T_BREAK)
			return 0;
		if (t[j].kind == T_PLUS || t[j].cat == W_POS)
			return 1;
	}
	return 0;
}

uint32_t bc_classify_comment(const char *utf8, size_t len)
{
	char f[BC_COMMENT_SCAN_MAX + 16];
	struct tok t[MAX_TOK];
	size_t n, nt, i;
	uint32_t flags = 0;

	if (!utf8 || len == 0)
		return 0;
	if (len > BC_COMMENT_SCAN_MAX)
		len = BC_COMMENT_SCAN_MAX;
	pthread_once(&lex_once, lex_build);
	n = fold(utf8, len, f, sizeof f);
	nt = tokenize(f, n, t, MAX_TOK);
	lookup(f, t, nt);
	negate(f, t, nt);
	for (i = 0; i < nt; i++) {
		int c = t[i].cat;
		if (!is_medical(c))
			continue;
		flags |= BIT_MED;
		if (t[i].neg)
			continue;
		if (c == C_PREG || (c == C_PREG_WEAK && weak_confirmed(t, nt, i)))
			flags |= BIT_PREG;
		else if (c == C_HIV)
			flags |= BIT_HIV;
		else if (c == C_HEP)
			flags |= BIT_HEP;
		else if (c == C_OTH)
			flags |= BIT_OTH;
	}
	/* One category per comment, the most sensitive: hiv > hepatitis > pregnancy > other. */
	if (flags & BIT_HIV)
		flags &= ~(BIT_HEP | BIT_PREG | BIT_OTH);
	else if (flags & BIT_HEP)
		flags &= ~(BIT_PREG | BIT_OTH);
	else if (flags & BIT_PREG)
		flags &= ~BIT_OTH;
	return flags;
}
