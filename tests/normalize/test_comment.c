/*
 * Comment classifier: precision and recall per category on
 * $BC_DATA/medical_comments.tsv (none_medical and negated rows must get no
 * category), plus hand-written cases for negation scope, abbreviations,
 * typos and administrative remarks.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "normalize/comment.h"
#include "testlib.h"

#define MED (1u << 12)
#define PREG (1u << 16)
#define HIV (1u << 17)
#define HEP (1u << 18)
#define OTH (1u << 19)
#define CATS (PREG | HIV | HEP | OTH)

static uint32_t classify(const char *s)
{
	return bc_classify_comment(s, strlen(s));
}

/* Expected category bit of a row of the file (0 for none_medical and negated). */
static uint32_t expected_bit(const char *cat)
{
	if (!strcmp(cat, "pregnancy"))
		return PREG;
	if (!strcmp(cat, "hiv"))
		return HIV;
	if (!strcmp(cat, "hepatitis"))
		return HEP;
	if (!strcmp(cat, "diabetes") || !strcmp(cat, "anticoagulant_treatment") ||
	    !strcmp(cat, "cancer_chemotherapy") || !strcmp(cat, "other_history"))
		return OTH;
	return 0;
}

static void test_medical_comments_tsv(void **state)
{
	static const struct {
		const char *name;
		uint32_t bit;
	} cats[] = { { "pregnancy", PREG }, { "hiv", HIV }, { "hepatitis", HEP }, { "other_medical", OTH } };
	char *buf = bc_test_read_env_file("BC_DATA", "medical_comments.tsv", NULL), *cur = buf, *line;
	unsigned tp[4] = { 0 }, fp[4] = { 0 }, fn[4] = { 0 };
	int rows = 0, header = 0, bad_neutral = 0, lineno = 0;
	size_t c;

	(void)state;
	assert_non_null(buf);
	while ((line = bc_test_next_line(&cur)) != NULL) {
		char *tab, *cat, *text;
		uint32_t want, got;

		lineno++;
		if (line[0] == '#' || line[0] == '\0')
			continue;
		if (!header) {
			header = 1;
			continue;
		}
		tab = strchr(line, '\t');
		assert_non_null(tab);
		*tab = '\0';
		cat = line;
		text = tab + 1;
		want = expected_bit(cat);
		got = classify(text);
		rows++;
		if (want && !(got & MED))
			fprintf(stderr, "medical_comments.tsv:%d: %s row without bit 12\n", lineno, cat);
		if (!strcmp(cat, "negated") && got != MED) {
			fprintf(stderr, "medical_comments.tsv:%d: negated row got 0x%x\n", lineno, got);
			bad_neutral++;
		}
		if (!strcmp(cat, "none_medical") && got != 0) {
			fprintf(stderr, "medical_comments.tsv:%d: administrative row got 0x%x\n", lineno, got);
			bad_neutral++;
		}
		for (c = 0; c < 4; c++) {
			int w = (want & cats[c].bit) != 0, g = (got & cats[c].bit) != 0;
			if (w && g)
				tp[c]++;
			else if (g)
				fp[c]++;
			else if (w)
				fn[c]++;
			if (w != g)
				fprintf(stderr, "medical_comments.tsv:%d: %s: %s %s\n", lineno, cats[c].name,
					g ? "false positive" : "missed", cat);
		}
	}
	free(buf);
	assert_true(rows >= 140);
	for (c = 0; c < 4; c++) {
		double p = tp[c] + fp[c] ? (double)tp[c] / (tp[c] + fp[c]) : 1.0;
		double r = tp[c] + fn[c] ? (double)tp[c] / (tp[c] + fn[c]) : 1.0;
		printf("%-14s precision %.3f recall %.3f (tp %u fp %u fn %u)\n", cats[c].name, p, r,
		       tp[c], fp[c], fn[c]);
		assert_true(tp[c] > 0);
		assert_true(p >= 0.95);
		assert_true(r >= 0.95);
	}
	assert_int_equal(bad_neutral, 0);
}

struct ccase {
	const char *text;
	uint32_t want;
};

static void check_cases(const struct ccase *cs, size_t n)
{
	size_t i;
	int failures = 0;

	for (i = 0; i < n; i++) {
		uint32_t got = classify(cs[i].text);
		if (got != cs[i].want) {
			fprintf(stderr, "'%s': got 0x%x, want 0x%x\n", cs[i].text, got, cs[i].want);
			failures++;
		}
	}
	assert_int_equal(failures, 0);
}

static void test_negation_scope(void **state)
{
	static const struct ccase cs[] = {
		{ "VIH négatif", MED },
		{ "VIH -", MED },
		{ "VIH-, VHC+", MED | HEP },
		{ "VIH et VHC négatifs", MED },
		{ "sérologie VHC nég", MED },
		{ "test grossesse négatif", MED },
		{ "pas enceinte", MED },
		{ "non diabétique", MED },
		{ "aucun ATCD", MED },
		{ "absence de diabète", MED },
		{ "RAS", MED },
		{ "grossesse : non", MED },
		{ "grossesse ? non", MED },
		{ "Grossesse: N", MED },
		{ "hépatite B : N", MED },
		{ "enceinte ? oui", MED | PREG },
		{ "négatif pour le VIH", MED },
		{ "séronégatif", MED },
		{ "pas de diabète mais HTA", MED | OTH },
		{ "pas de diabète, sous AVK", MED | OTH },
		{ "enceinte, toxo négative", MED | PREG },
		{ "enceinte toxo négative", MED | PREG },
		{ "VIH + ne pas en parler", MED | HIV },
		{ "ne pas prélever le bras gauche côté mammectomie", MED | OTH },
		{ "diabète non insulinodépendant", MED | OTH },
		{ "bHCG positif", MED | PREG },
		{ "bHCG à faire", MED },
		{ "AVK - saigne facilement", MED | OTH },
		{ "indemne de VHC", MED },
		{ "allergie : aucune", MED },
		{ "sérologies VIH VHB VHC négatives", MED },
		{ "VIH VHC négatifs", MED },
		{ "Ac anti-HBs + (vaccinée)", MED },
		{ "vaccinée hépatite B", MED },
		{ "grossesse non évolutive", MED | PREG },
		{ "VIH positif, enceinte", MED | HIV },  /* one category: the most sensitive */
		{ "cirrhose post hépatite C", MED | HEP },
	};
	(void)state;
	check_cases(cs, sizeof cs / sizeof cs[0]);
}

static void test_vocabulary(void **state)
{
	static const struct ccase cs[] = {
		{ "ENCINTE 3 mois", MED | PREG },        /* typo */
		{ "grossese en cours", MED | PREG },      /* typo */
		{ "32SA+4", MED | PREG },
		{ "GEU il y a 2 ans", MED | PREG },
		{ "diabtique", MED | OTH },               /* typo */
		{ "DT1", MED | OTH },
		{ "K prostate", MED | OTH },
		{ "vit K", 0 },
		{ "K+ à contrôler", 0 },
		{ "HEPATTE B", MED | HEP },               /* typo */
		{ "Ag HBs +", MED | HEP },
		{ "seropo", MED | HIV },
		{ "VIH1 suivi", MED | HIV },
		{ "asthmatique", MED | OTH },
		{ "transplanté rénal", MED | OTH },
		{ "hypothyroïdie sous Lévothyrox", MED | OTH },
		{ "insuffisance rénale chronique", MED | OTH },
		{ "chimiotérapie", MED | OTH },           /* typo */
		{ "Œdème, cœur fragile", 0 },
		{ "terme le 12/05", MED | PREG },
		{ "Ag p24 positif", MED | HIV },
		{ "co-infection VIH/VHC", MED | HIV },
		{ "césarienne programmée", MED | PREG },
		{ "suivi onco", MED | OTH },
		{ "DT 2", MED | OTH },
		{ "Hep C traitée", MED | HEP },
		{ "hépathite B", MED | HEP },  /* typo */
		{ "apnée du sommeil appareillée", MED | OTH },
		{ "corticothérapie au long cours", MED | OTH },
		{ "ni diabète ni HTA", MED },
		{ "absence d'ATCD", MED },
	};
	(void)state;
	check_cases(cs, sizeof cs / sizeof cs[0]);
}

static void test_unseen_phrasings(void **state)
{
	/* comments written for this test, not taken from data/medical_comments.tsv */
	static const struct ccase cs[] = {
		{ "enceinte 30 SA", MED | PREG },
		{ "grossesse à risque", MED | PREG },
		{ "Enceinte de jumeaux", MED | PREG },
		{ "suivi grossesse", MED | PREG },
		{ "ENCEINTE - RAI mensuelles", MED | PREG },
		{ "grossesse 3eme trimestre", MED | PREG },
		{ "patiente enceinte (4 mois)", MED | PREG },
		{ "DG: diabète gestationnel", MED | PREG },
		{ "post-partum J3", MED | PREG },
		{ "femme enceinte toxo non immune", MED | PREG },
		{ "test de grossesse positif", MED | PREG },
		{ "bHCG +", MED | PREG },
		{ "grossesse extra-utérine", MED | PREG },
		{ "enceinte, à jeun", MED | PREG },
		{ "IVG le 03/04", MED | PREG },
		{ "32 SA, contrôle RAI", MED | PREG },
		{ "G3P2", MED | PREG },
		{ "allaitement en cours", MED | PREG },
		{ "encinte", MED | PREG },
		{ "grosesse", MED | PREG },
		{ "VIH positif", MED | HIV },
		{ "séropositive", MED | HIV },
		{ "HIV+ sous trithérapie", MED | HIV },
		{ "sous Biktarvy", MED | HIV },
		{ "suivi VIH CHU", MED | HIV },
		{ "infection VIH", MED | HIV },
		{ "VIH connu", MED | HIV },
		{ "patient VIH, précautions", MED | HIV },
		{ "SIDA déclaré", MED | HIV },
		{ "charge virale VIH", MED | HIV },
		{ "seropositif", MED | HIV },
		{ "VIH 1", MED | HIV },
		{ "hépatite B chronique", MED | HEP },
		{ "VHC positif", MED | HEP },
		{ "Hépatite C guérie", MED | HEP },
		{ "VHB", MED | HEP },
		{ "AgHBs positif", MED | HEP },
		{ "porteur chronique VHB", MED | HEP },
		{ "hepatite C sous traitement", MED | HEP },
		{ "HBV +", MED | HEP },
		{ "VHC traité par Maviret", MED | HEP },
		{ "hépatite virale", MED | HEP },
		{ "hepatite", MED | HEP },
		{ "diabète type 1", MED | OTH },
		{ "DT2 sous insuline", MED | OTH },
		{ "diabétique insulino-dépendant", MED | OTH },
		{ "glycémie à jeun, diabétique", MED | OTH },
		{ "Diabete", MED | OTH },
		{ "DID sous pompe", MED | OTH },
		{ "metformine 1000", MED | OTH },
		{ "AVK (Coumadine)", MED | OTH },
		{ "Préviscan 20mg", MED | OTH },
		{ "sous Eliquis", MED | OTH },
		{ "INR à contrôler", MED | OTH },
		{ "traitement anticoagulant", MED | OTH },
		{ "sous anticoagulant", MED | OTH },
		{ "Lovenox 4000", MED | OTH },
		{ "fluindione", MED | OTH },
		{ "cancer du sein", MED | OTH },
		{ "K pulmonaire", MED | OTH },
		{ "chimiothérapie en cours", MED | OTH },
		{ "chimio", MED | OTH },
		{ "lymphome", MED | OTH },
		{ "leucémie aiguë", MED | OTH },
		{ "tumeur", MED | OTH },
		{ "métastases hépatiques", MED | OTH },
		{ "suivi oncologie", MED | OTH },
		{ "radiothérapie", MED | OTH },
		{ "HTA traitée", MED | OTH },
		{ "ATCD AVC", MED | OTH },
		{ "asthme", MED | OTH },
		{ "épileptique", MED | OTH },
		{ "allergique à l'iode", MED | OTH },
		{ "insuffisant rénal", MED | OTH },
		{ "transplanté cardiaque", MED | OTH },
		{ "dépression", MED | OTH },
		{ "thyroïde", MED | OTH },
		{ "hypothyroïdie", MED | OTH },
		{ "BPCO", MED | OTH },
		{ "mucoviscidose", MED | OTH },
		{ "infarctus 2018", MED | OTH },
		{ "pacemaker", MED | OTH },
		{ "porteur d'un pacemaker", MED | OTH },
		{ "sclérose en plaques", MED | OTH },
		{ "drépanocytaire", MED | OTH },
		{ "Crohn", MED | OTH },
		{ "hémodialysé", MED | OTH },
		{ "pas de grossesse en cours", MED },
		{ "grossesse: non", MED },
		{ "non enceinte", MED },
		{ "Test de grossesse négatif", MED },
		{ "HCG négatif", MED },
		{ "VIH neg", MED },
		{ "sérologie VIH négative", MED },
		{ "HIV -", MED },
		{ "séronégative", MED },
		{ "VHB négatif", MED },
		{ "Ag HBs négatif", MED },
		{ "VHC -", MED },
		{ "pas d'hépatite", MED },
		{ "aucun antécédent", MED },
		{ "aucun traitement", MED },
		{ "pas de traitement anticoagulant", MED },
		{ "pas d'AVK", MED },
		{ "non diabétique", MED },
		{ "absence de diabète", MED },
		{ "sans antécédent", MED },
		{ "pas de cancer", MED },
		{ "pas de chimio", MED },
		{ "ATCD: RAS", MED },
		{ "pas d'allergie connue", MED },
		{ "aucune allergie", MED },
		{ "pas sous anticoagulant", MED },
		{ "diabète : non", MED },
		{ "ne prend pas de Kardégic", MED },
		{ "pas de K", MED },
		{ "VIH et hépatites négatifs", MED },
		{ "patient à jeun", 0 },
		{ "prélèvement à domicile le mardi", 0 },
		{ "appeler la fille", 0 },
		{ "résultats par courrier", 0 },
		{ "envoyer résultats au Dr Martin", 0 },
		{ "patiente malentendante", 0 },
		{ "ne parle pas français", 0 },
		{ "fils interprète", 0 },
		{ "rappeler pour le paiement", 0 },
		{ "patient en fauteuil roulant", 0 },
		{ "difficile à piquer", 0 },
		{ "veines fragiles", 0 },
		{ "préfère bras gauche", 0 },
		{ "tube supplémentaire", 0 },
		{ "ordonnance à scanner", 0 },
		{ "ALD à vérifier", 0 },
		{ "prise en charge 100%", 0 },
		{ "CMU", 0 },
		{ "AME", 0 },
		{ "adresse erronée", 0 },
		{ "mail invalide", 0 },
		{ "prélever avant 9h", 0 },
		{ "à jeun depuis 12h", 0 },
		{ "bilan annuel", 0 },
		{ "contrôle dans 3 mois", 0 },
		{ "urgent", 0 },
		{ "Dr absent", 0 },
		{ "laboratoire fermé samedi", 0 },
		{ "signature manquante", 0 },
		{ "nouveau patient", 0 },
		{ "voir dossier papier", 0 },
	};
	(void)state;
	check_cases(cs, sizeof cs / sizeof cs[0]);
}

static void test_administrative(void **state)
{
	static const struct ccase cs[] = {
		{ "RDV à domicile", 0 },
		{ "tiers payant ok", 0 },
		{ "appeler avant 10h", 0 },
		{ "vient avec sa fille", 0 },
		{ "échantillon insuffisant, à reprélever", 0 },
		{ "de bonne humeur", 0 },
		{ "grosse fatigue au guichet", 0 },
		{ "médecin traitant absent en août", 0 },
		{ "carte vitale expirée", 0 },
		{ "payé en espèces le 12.03", 0 },
		{ "glycémie à jeun demandée", 0 },  /* a test request is not a medical fact */
		{ "NFS de contrôle, tube hémolysé", 0 },
		{ "prélèvement non conforme", 0 },
		{ "vaccin grippe fait", 0 },
		{ "patiente sous tutelle, appeler la fille", 0 },
		{ "", 0 },
		{ "\xff\xfe garbage \xc3", 0 },
	};
	(void)state;
	check_cases(cs, sizeof cs / sizeof cs[0]);
	assert_int_equal(bc_classify_comment(NULL, 5), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_medical_comments_tsv),
		cmocka_unit_test(test_negation_scope),
		cmocka_unit_test(test_vocabulary),
		cmocka_unit_test(test_unseen_phrasings),
		cmocka_unit_test(test_administrative),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
