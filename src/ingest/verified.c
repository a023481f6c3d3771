/*
 * Ingest, verified entries (DESIGN.md §6 "Verified email", docs/verify.md):
 * which NIR + email tokens keep an entry, and with which payload. The rule
 * lives here, behind one function, over the shared patient grouping of
 * src/group (§10), so that a verified entry and a claim entry of the same
 * patient carry the same payload.
 *
 * - Shared mailboxes: an address whose mailbox key (lower case, +tag
 *   removed, dots removed and googlemail -> gmail for Gmail) is on rows of
 *   more than one patient gets no entry: controlling a family mailbox must
 *   not reveal a relative's medical data. A row that belongs to no patient
 *   counts as a patient of its own (over-counting sharing is safe).
 * - Minors: rows sampled before the patient's 18th birthday yield nothing
 *   (the address was often a parent's); a row without a sample month counts
 *   as adult only if the patient was 18 before the breach's first known
 *   sample month. A patient without a known date of birth gets no entry.
 */
#include <stdlib.h>
#include <string.h>

#include "group/group.h"
#include "ingest/internal.h"

#define MB_MULTI UINT32_MAX        /* seen with several patients */
#define MB_NONE (UINT32_MAX - 1)   /* not seen yet (patients and row ids stay below) */

/* Open-addressing map: 64-bit mailbox hash -> patient, or MB_MULTI. */
struct mb_map {
	uint64_t *key;  /* 0 = empty (a hash of 0 is stored as 1) */
	uint32_t *val;
	size_t cap;
};

static uint32_t *mb_slot(struct mb_map *m, uint64_t h)
{
	size_t i = (size_t)h & (m->cap - 1);

	if (h == 0)
		h = 1;
	while (m->key[i] != 0 && m->key[i] != h)
		i = (i + 1) & (m->cap - 1);
	if (m->key[i] == 0) {
		m->key[i] = h;
		m->val[i] = MB_NONE;
	}
	return &m->val[i];
}

static uint64_t mb_hash(const struct ingest *g, const struct tok *t)
{
	char key[BC_EMAIL_MAX];
	const char *email;
	size_t len, n;
	uint64_t h;

	if (t->kind == BC_TOKEN_VERIFIED) {
		email = t->s + t->len;
		len = t->info_len;
	} else { /* "bc1|email|<email>" */
		email = t->s + 10;
		len = t->len > 10 ? t->len - 10u : 0;
	}
	n = bc_norm_mailbox_key(email, len, key);
	crypto_shorthash((uint8_t *)&h, (const uint8_t *)key, n, g->hkey);
	sodium_memzero(key, sizeof(key));
	return h;
}

/* The patient of a row; a row of nobody is a patient of its own. */
static uint32_t row_patient(const struct bc_group *grp, uint32_t row)
{
	uint32_t p = bc_group_row_patient(grp, row);

	return p == BC_GROUP_UNLINKED ? (0x80000000u | row) : p;
}

int bc_ingest_verified_build(struct ingest_run *r, struct bc_error *err)
{
	struct ingest *g = r->g;
	const struct bc_group *grp = bc_ingest_group(g);
	struct mb_map m = { NULL, NULL, 0 };
	uint32_t *first = NULL;   /* per verified token: its patient, MB_MULTI if several */
	uint8_t *adult = NULL;    /* per verified token: 1 once an adult row is seen, 2 once any row */
	uint16_t min_month = 0;
	size_t i, n_email = 0;
	int ret = -1;

	if (grp == NULL)
		return 0;
	for (i = 0; i < g->ntok; i++) {
		uint8_t k = tok_at(g, i)->kind;

		n_email += k == BC_TOKEN_EMAIL || k == BC_TOKEN_VERIFIED;
	}
	for (i = 0; i < g->nrows; i++)
		if (g->rows[i].month && (!min_month || g->rows[i].month < min_month))
			min_month = g->rows[i].month;
	for (m.cap = 1024; m.cap < n_email * 2; m.cap *= 2)
		;
	m.key = calloc(m.cap, sizeof(*m.key));
	m.val = calloc(m.cap, sizeof(*m.val));
	first = malloc((g->ntok ? g->ntok : 1) * sizeof(*first));
	adult = calloc(g->ntok ? g->ntok : 1, 1);
	if (!m.key || !m.val || !first || !adult) {
		bc_error_set(err, bc_err_out_of_memory, "out of memory (verified entries)");
		goto out;
	}
	for (i = 0; i < g->ntok; i++)
		first[i] = MB_NONE;
	/* Which patients each mailbox key is seen with; which patient each verified token is. */
	for (i = 0; i < g->nocc; i++) {
		uint32_t ti = g->occ_tok[i], row = g->occ_row[i], p;
		const struct tok *t = tok_at(g, ti);
		uint32_t *v;

		if (t->kind != BC_TOKEN_EMAIL && t->kind != BC_TOKEN_VERIFIED)
			continue;
		p = row_patient(grp, row);
		v = mb_slot(&m, mb_hash(g, t));
		if (*v == MB_NONE)
			*v = p;
		else if (*v != p)
			*v = MB_MULTI;
		if (t->kind != BC_TOKEN_VERIFIED)
			continue;
		if (first[ti] == MB_NONE)
			first[ti] = p;
		else if (first[ti] != p)
			first[ti] = MB_MULTI;
		{
			uint8_t pl[BC_PAYLOAD_BYTES];
			uint32_t dob = 0;
			uint16_t month = g->rows[row].month, of_age;
			int y;

			if ((p & 0x80000000u) || bc_ingest_patient_payload(g, p, BC_TOKEN_VERIFIED, pl, &dob) != 0 ||
			    dob == 0)
				continue;
			y = (int)(dob / 10000) + 18 - 2000;
			/* the month of the 18th birthday; a row of that month may be before it */
			of_age = y < 0 ? 0 : (uint16_t)(y * 12 + (int)(dob / 100 % 100));
			if ((month && month > of_age) || (!month && min_month && min_month > of_age))
				adult[ti] = 1;
		}
	}
	for (i = 0; i < g->ntok; i++) {
		const struct tok *t = tok_at(g, i);
		uint32_t p = first[i], dob = 0;

		if (t->kind != BC_TOKEN_VERIFIED)
			continue;
		if (p == MB_NONE || p == MB_MULTI || (p & 0x80000000u) ||
		    bc_ingest_patient_payload(g, p, BC_TOKEN_VERIFIED, r->items[i].payload, &dob) != 0 ||
		    dob == 0) {
			r->items[i].payload[1] = 0;
			r->st->verified_unlinked++;
		} else if (*mb_slot(&m, mb_hash(g, t)) != p) {
			r->items[i].payload[1] = 0;
			r->st->verified_shared++;
		} else if (!adult[i]) {
			r->items[i].payload[1] = 0;
			r->st->verified_minor++;
		} else {
			r->st->verified++;
		}
		if (r->items[i].payload[1] == 0)
			sodium_memzero(r->items[i].payload + 2, BC_PAYLOAD_BYTES - 2);
	}
	ret = 0;
out:
	free(m.key);
	free(m.val);
	free(first);
	free(adult);
	return ret;
}
