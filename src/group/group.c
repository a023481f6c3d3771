#include "group/group.h"

#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "normalize/normalize.h"
#include "util/table.h"

/*
 * Nodes are the distinct keys a row can carry: a NIR, a namedob (birth name,
 * first name, DOB), a NIR + name (birth name, first name), the further
 * given names and the first email address. Each is interned once
 * (SipHash-128 under a subkey, open addressing); rows keep node numbers
 * only. A caller that has numbered the NIR, namedobs and email already
 * (bc_group_add_ids: ingest's token ids) gets their nodes from an array
 * indexed by its numbers, hashing each only the first time (a numbered
 * email is only ever compared: its number serves as it is); a namedob node
 * remembers the NIR + name node of the NIR that agrees with it, so a
 * repeated row hashes nothing. The evidence of rule 3 (namedob + postcode,
 * namedob + email) is kept on the rows as numbers and joined at finish,
 * for the namedobs that need it only. Patients are formed at finish by the
 * rules of group.h.
 */

#define NONE UINT32_MAX
#define MULTI (UINT32_MAX - 1)
#define HBYTES crypto_shorthash_siphashx24_BYTES /* 16 */

enum node_kind { NODE_NIR = 1, NODE_ND = 2, NODE_NF = 3, NODE_MAIL = 4, NODE_GIVEN = 5 };
enum row_state { ROW_NO_NIR = 0, ROW_AGREE = 1, ROW_DISAGREE = 2, ROW_UNVERIFIED = 3 };

struct node {
	unsigned char h[HBYTES];
	uint32_t agree;    /* ND: NIR node of agreeing rows (NONE, MULTI); NF: its NIR node */
	uint32_t carry;    /* ND: NIR node carried by disagreeing rows (NONE, MULTI) */
	uint32_t patient;  /* NIR, ND, NF: the patient formed by this node alone, NONE until used */
	uint32_t given;    /* ND: GIVEN node of the further given names seen (NONE, MULTI) */
	uint32_t nf;       /* ND: the NF node of its name under NIR node agree (while not MULTI), NONE */
	uint8_t kind;
	uint8_t sexes;     /* ND: bit 1 male, bit 2 female, seen on its rows */
	uint8_t nf_agree;  /* NF: seen on a row that agrees with its NIR */
	uint8_t want_ev;   /* ND, at finish: a row without its NIR may need evidence */
};

struct row {
	uint32_t nir, nd, nf; /* nodes, NONE if absent; after finish nf holds the patient */
	uint32_t nd2;         /* agreeing row: ND node of its second last name, NONE */
	uint32_t ev[2];       /* evidence with nd: postcode (5 digits as a number), first email; NONE */
	uint32_t given;       /* GIVEN node: the given names after the first, NONE if none */
	uint8_t sex, state, reason;
	uint8_t mail_num;     /* ev[1] is the caller's number of the email (EV_NUMBER), else its MAIL node */
};

struct patient {
	uint32_t a;       /* node: NIR, NF or ND */
	uint32_t b;       /* BY_NAMEDOB_NIR: NIR node; BY_NAMEDOB_SEX: sex */
	uint8_t kind;
};

/* u64 -> u32 map for the split patients (namedob + sex, namedob + NIR). */
struct pairmap {
	uint64_t *k;
	uint32_t *v;
	size_t cap, used;
};

/* A table slot: the node, and bytes 8..11 of its hash (the slot is chosen
 * by bytes 0..7), so that most probes do not touch the node. */
struct gslot {
	uint32_t node;
	uint32_t check;
};

static uint32_t check_of(const unsigned char *h)
{
	uint32_t c;

	memcpy(&c, h + 8, sizeof(c));
	return c;
}

struct bc_group {
	uint8_t gkey[BC_GROUP_KEY_BYTES];
	unsigned char skey[crypto_shorthash_siphashx24_KEYBYTES];
	unsigned flags;
	int finished;

	struct node *nodes;
	size_t n_nodes, cap_nodes;
	struct gslot *table; /* node numbers (NONE = empty) with check bits: the hashed nodes */
	size_t cap_table, n_table;
	char (*ids)[BC_NIR_BYTES]; /* KEEP_IDS: per node, NIR (NIR node) or DOB (ND node) */

	struct row *rows;
	size_t n_rows, cap_rows;

	uint32_t *idmap;     /* bc_group_add_ids: node of each caller number (NONE = not seen) */
	size_t cap_idmap;

	struct patient *patients;
	size_t n_patients, cap_patients;
	struct pairmap pairs;
	struct pairmap evidence[3]; /* finish: (ND node, enum ev value) -> NIR node (NONE, MULTI) */

	struct bc_group_stats st;
};

/* The first 5 digits of a postcode cell, or "" (nothing to compare). */
static void postcode_digits(const char *s, char out[6])
{
	size_t n = 0;

	for (; *s && n < 5; s++)
		if (*s >= '0' && *s <= '9')
			out[n++] = *s;
	out[n == 5 ? 5 : 0] = '\0';
}

static int oom(struct bc_error *err)
{
	return bc_error_set(err, bc_err_out_of_memory, "cannot grow the patient grouping");
}

int bc_group_nir_agrees(const char *nir, const char *dob, int sex)
{
	int nsex, nmonth;

	if (strlen(nir) != 13)
		return 0;
	nsex = (nir[0] - '0') % 2 ? BC_SEX_MALE : BC_SEX_FEMALE;
	if (sex != BC_SEX_UNKNOWN && sex != nsex)
		return 0;
	if (strlen(dob) != 10)
		return -1;
	if (dob[2] != nir[1] || dob[3] != nir[2])
		return 0;
	nmonth = (nir[3] - '0') * 10 + (nir[4] - '0');
	if (nmonth >= 1 && nmonth <= 12 && (dob[5] != nir[3] || dob[6] != nir[4]))
		return 0;
	return 1;
}

/* SipHash-128 of tag and the NUL-separated parts (names, a date, an email). */
static void node_hash(const struct bc_group *g, unsigned char out[HBYTES], int tag, const char *a,
		      const char *b, const char *c)
{
	unsigned char buf[3 * BC_EMAIL_MAX + 8];
	const char *parts[3] = { a, b, c };
	size_t n = 0, k;
	int i;

	buf[n++] = (unsigned char)tag;
	for (i = 0; i < 3; i++) {
		if (!parts[i])
			continue;
		k = strnlen(parts[i], BC_EMAIL_MAX - 1);
		memcpy(buf + n, parts[i], k);
		n += k;
		buf[n++] = 0;
	}
	crypto_shorthash_siphashx24(out, buf, n, g->skey);
	sodium_memzero(buf, n);
}

/*
 * Hash of the given names after the first ("Jean-Pierre" -> "PIERRE"), so
 * that twins named Jean-Pierre and Jean-Gabriel (first given name JEAN,
 * DESIGN.md §4) are told apart. Returns 0 when the row lists one given name.
 */
static int further_given(const struct bc_group *g, const struct bc_record *rec, unsigned char h[HBYTES])
{
	char all[BC_NAME_MAX];
	size_t k = strlen(rec->first_name), letters = 0;
	const unsigned char *p;
	int r = 0;

	/* ASCII given names normalise to their letters and digits, uppercased:
	 * no more of them than the first name has, no further given name */
	for (p = (const unsigned char *)rec->display_first; *p && *p < 0x80; p++)
		letters += (*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9');
	if (!*p && letters <= k)
		return 0;
	if (rec->display_first[0] &&
	    bc_norm_last_name(rec->display_first, strlen(rec->display_first), all, sizeof(all)) == BC_NORM_OK &&
	    strlen(all) > k && !strncmp(all, rec->first_name, k)) {
		node_hash(g, h, 'G', all + k, NULL, NULL);
		r = 1;
	}
	sodium_memzero(all, sizeof(all));
	return r;
}

static size_t slot_of(const struct bc_group *g, const unsigned char *h)
{
	uint64_t x;
	size_t i;

	uint32_t c = check_of(h);

	memcpy(&x, h, sizeof(x));
	i = (size_t)x & (g->cap_table - 1);
	while (g->table[i].node != NONE &&
	       (g->table[i].check != c || memcmp(g->nodes[g->table[i].node].h, h, HBYTES)))
		i = (i + 1) & (g->cap_table - 1);
	return i;
}

/* An empty table of cap slots (all NONE; huge pages when large: util/table.h). */
static struct gslot *table_alloc(size_t cap)
{
	return bc_table_alloc(cap * sizeof(struct gslot), 0xff);
}

static int grow_table(struct bc_group *g)
{
	struct gslot *old = g->table;
	size_t oldcap = g->cap_table, i;

	g->cap_table = oldcap ? oldcap * 2 : 1u << 16;
	g->table = table_alloc(g->cap_table);
	if (!g->table) {
		g->table = old;
		g->cap_table = oldcap;
		return -1;
	}
	for (i = 0; i < oldcap; i++)
		if (old[i].node != NONE)
			g->table[slot_of(g, g->nodes[old[i].node].h)] = old[i];
	free(old);
	return 0;
}

/* Room for nc nodes (and, with KEEP_IDS, their kept identifiers). Returns 0,
 * or -1 (memory, or too many nodes; the capacity is unchanged). */
static int nodes_reserve(struct bc_group *g, size_t nc)
{
	struct node *nn;

	if (nc <= g->cap_nodes)
		return 0;
	if (nc >= MULTI)
		return -1;
	nn = bc_realloc_wiped(g->nodes, g->n_nodes * sizeof(*nn), nc * sizeof(*nn));
	if (!nn)
		return -1;
	g->nodes = nn;
	if (g->flags & BC_GROUP_KEEP_IDS) {
		char(*ni)[BC_NIR_BYTES] = sodium_allocarray(nc, BC_NIR_BYTES);

		if (!ni)
			return -1;
		if (g->ids) {
			memcpy(ni, g->ids, g->cap_nodes * BC_NIR_BYTES);
			sodium_free(g->ids);
		}
		g->ids = ni;
	}
	g->cap_nodes = nc;
	return 0;
}

/* Room for nc rows. Returns 0, or -1 (memory; the capacity is unchanged). */
static int rows_reserve(struct bc_group *g, size_t nc)
{
	struct row *nr;

	if (nc <= g->cap_rows)
		return 0;
	nr = bc_realloc_wiped(g->rows, g->n_rows * sizeof(*nr), nc * sizeof(*nr));
	if (!nr)
		return -1;
	g->rows = nr;
	g->cap_rows = nc;
	return 0;
}

/* A new node of kind with hash h and claim identifier id (NULL: none); NONE
 * on allocation failure. */
static uint32_t node_new(struct bc_group *g, const unsigned char *h, int kind, const char *id)
{
	struct node *nd;

	if (g->n_nodes == g->cap_nodes && nodes_reserve(g, g->cap_nodes ? g->cap_nodes * 2 : 1u << 15) < 0)
		return NONE;
	nd = &g->nodes[g->n_nodes];
	memset(nd, 0, sizeof(*nd));
	memcpy(nd->h, h, HBYTES);
	nd->kind = (uint8_t)kind;
	nd->agree = nd->carry = nd->patient = nd->given = nd->nf = NONE;
	if (g->ids) {
		memset(g->ids[g->n_nodes], 0, BC_NIR_BYTES);
		if (id)
			memcpy(g->ids[g->n_nodes], id, strnlen(id, BC_NIR_BYTES - 1));
	}
	return (uint32_t)g->n_nodes++;
}

/* Node number of h, interned as kind; NONE on allocation failure. */
static uint32_t intern(struct bc_group *g, const unsigned char h[HBYTES], int kind, const char *id)
{
	size_t i;
	uint32_t n;

	if ((g->n_table + 1) * 2 > g->cap_table && grow_table(g) < 0)
		return NONE;
	i = slot_of(g, h);
	if (g->table[i].node != NONE)
		return g->table[i].node;
	if ((n = node_new(g, h, kind, id)) == NONE)
		return NONE;
	g->table[i].node = n;
	g->table[i].check = check_of(h);
	g->n_table++;
	return n;
}

static void merge_ref(uint32_t *slot, uint32_t v)
{
	if (*slot == NONE)
		*slot = v;
	else if (*slot != v)
		*slot = MULTI;
}

int bc_group_new(struct bc_group **out, const uint8_t *key, unsigned flags, struct bc_error *err)
{
	struct bc_group *g;
	static const unsigned char ctx[] = "breachcheck group siphash";

	*out = NULL;
	if (sodium_init() < 0)
		return bc_error_set(err, bc_err_crypto_failed, "libsodium could not be initialised");
	g = sodium_malloc(sizeof(*g));
	if (!g)
		return oom(err);
	memset(g, 0, sizeof(*g));
	g->flags = flags;
	if (key)
		memcpy(g->gkey, key, BC_GROUP_KEY_BYTES);
	else
		randombytes_buf(g->gkey, BC_GROUP_KEY_BYTES);
	crypto_generichash(g->skey, sizeof(g->skey), ctx, sizeof(ctx) - 1, g->gkey, BC_GROUP_KEY_BYTES);
	if (grow_table(g) < 0) {
		bc_group_free(g);
		return oom(err);
	}
	*out = g;
	return 0;
}

void bc_group_presize(struct bc_group *g, uint64_t file_bytes)
{
	size_t cap = g->cap_table, nodes = (size_t)1 << 15, rows = (size_t)1 << 16;
	struct gslot *t;

	if (g->n_nodes != 0 || g->n_rows != 0)
		return;
	while (cap < ((size_t)1 << 26) && (uint64_t)cap * 192 < file_bytes)
		cap *= 2;
	if (cap > g->cap_table && (t = table_alloc(cap)) != NULL) {
		free(g->table);
		g->table = t;
		g->cap_table = cap;
	}
	/* the nodes and rows at the sizes their doubling would reach, so that
	 * they are not copied (nor the guarded identifiers) as they fill */
	while (nodes < ((size_t)1 << 28) && (uint64_t)nodes * 160 < file_bytes)
		nodes *= 2;
	while (rows < ((size_t)1 << 28) && (uint64_t)rows * 256 < file_bytes)
		rows *= 2;
	(void)nodes_reserve(g, nodes);
	(void)rows_reserve(g, rows);
}

/*
 * A key of the row being added. A key the caller numbered is found through
 * g->idmap (its node, once seen; never in the table: hashed once when its
 * node is made, for the patient keys); any other is
 * hashed and looked up in the table. All of a row's keys are found (their
 * nodes, or their table slots then the nodes those slots name, prefetched)
 * before the first is interned: a row's cache misses overlap instead of
 * queueing (the table and the nodes are far larger than the caches).
 */
struct key {
	unsigned char h[HBYTES];
	uint32_t node;   /* the node, or NONE: intern h */
	uint32_t id;     /* the caller's number, or BC_GROUP_NO_ID */
};

struct row_keys {
	struct key nir, nd[BC_RECORD_MAX_NAMES], given, mail, nf[BC_RECORD_MAX_NAMES];
	uint8_t has_nd[BC_RECORD_MAX_NAMES];
	uint8_t has_nf[BC_RECORD_MAX_NAMES]; /* nf[b] hashed (slot prefetched) */
	int has_given, has_mail;
};

/* The caller's number of a key, or BC_GROUP_NO_ID (none, or too large). */
static uint32_t id_or_none(uint32_t id)
{
	return id < BC_GROUP_MAX_ID ? id : BC_GROUP_NO_ID;
}

static void slot_prefetch(const struct bc_group *g, const unsigned char *h)
{
	uint64_t x;

	memcpy(&x, h, sizeof(x));
	__builtin_prefetch(&g->table[(size_t)x & (g->cap_table - 1)]);
}

/* Start key k: its node if its number was seen (node prefetched), else its
 * hash (table slot prefetched). */
static void key_start(const struct bc_group *g, struct key *k, uint32_t id, int tag, const char *a, const char *b,
		      const char *c)
{
	k->id = id_or_none(id);
	k->node = NONE;
	if (k->id != BC_GROUP_NO_ID) {
		/* numbered: never in the table; hashed once, for the patient keys */
		if (k->id < g->cap_idmap && g->idmap[k->id] != NONE) {
			k->node = g->idmap[k->id];
			__builtin_prefetch(&g->nodes[k->node]);
		} else {
			node_hash(g, k->h, tag, a, b, c);
		}
		return;
	}
	node_hash(g, k->h, tag, a, b, c);
	slot_prefetch(g, k->h);
}

/* Once the slots have arrived (or are on their way): fetch the node a hashed key's slot names. */
static void key_fetch(const struct bc_group *g, const struct key *k)
{
	const struct gslot *s;
	uint64_t x;

	if (k->node != NONE || k->id != BC_GROUP_NO_ID)
		return;
	memcpy(&x, k->h, sizeof(x));
	s = &g->table[(size_t)x & (g->cap_table - 1)];
	if (s->node != NONE && s->check == check_of(k->h))
		__builtin_prefetch(&g->nodes[s->node]);
}

/* Remember that the caller's number id is node n. Returns 0, or -1 (memory). */
static int idmap_set(struct bc_group *g, uint32_t id, uint32_t n)
{
	if (id >= g->cap_idmap) {
		size_t nc = g->cap_idmap ? g->cap_idmap : (size_t)1 << 16;
		uint32_t *nm;

		while (nc <= id)
			nc *= 2;
		nm = realloc(g->idmap, nc * sizeof(*nm));
		if (!nm)
			return -1;
		memset(nm + g->cap_idmap, 0xff, (nc - g->cap_idmap) * sizeof(*nm));
		g->idmap = nm;
		g->cap_idmap = nc;
	}
	g->idmap[id] = n;
	return 0;
}

/* Node of key k, interned as kind (id: the claim identifier kept, or NULL); NONE on allocation failure. */
static uint32_t key_node(struct bc_group *g, const struct key *k, int kind, const char *id)
{
	uint32_t n;

	if (k->node != NONE)
		return k->node;
	if (k->id == BC_GROUP_NO_ID)
		return intern(g, k->h, kind, id);
	n = node_new(g, k->h, kind, id);
	if (n != NONE && idmap_set(g, k->id, n) < 0)
		return NONE;
	return n;
}

/* Number of last names a row of this state groups under (NF and ND loops). */
static int names_used(const struct bc_record *rec, int state)
{
	int n = state == ROW_AGREE ? rec->n_last_names : 1;

	return n < BC_RECORD_MAX_NAMES ? n : BC_RECORD_MAX_NAMES;
}

/* The postcode's 5 digits as a number, NONE without them. */
static uint32_t postcode_number(const char *postcode)
{
	char pc[6];
	uint32_t v = 0;
	int i;

	postcode_digits(postcode, pc);
	if (!pc[0])
		return NONE;
	for (i = 0; i < 5; i++)
		v = v * 10 + (uint32_t)(pc[i] - '0');
	return v;
}

static int group_add(struct bc_group *g, const struct bc_record *rec, const struct bc_group_ids *ids,
		     struct bc_error *err)
{
	struct row_keys k;
	struct row *r;
	int agree = 0, sex_eff, b, nb, has_name, with_dob, with_nf, rc = -1;
	uint32_t nd[BC_RECORD_MAX_NAMES];

	if (g->finished)
		return bc_error_set(err, bc_err_finished, "rows added to a grouping already finished");
	if (g->n_rows == g->cap_rows) {
		size_t nc = g->cap_rows ? g->cap_rows * 2 : 1u << 16;

		if (nc > (size_t)UINT32_MAX - 1)
			return bc_error_set(err, bc_err_too_many_rows, "more than 4,294,967,294 rows to group");
		if (rows_reserve(g, nc) < 0)
			return oom(err);
	}
	r = &g->rows[g->n_rows];
	r->nir = r->nd = r->nf = r->nd2 = r->ev[0] = r->ev[1] = r->given = NONE;
	r->sex = (uint8_t)(rec->sex == BC_SEX_MALE || rec->sex == BC_SEX_FEMALE ? rec->sex : 0);
	r->state = ROW_NO_NIR;
	r->reason = BC_GROUP_LINKED;
	r->mail_num = 0;
	has_name = rec->n_last_names > 0 && rec->last_names[0][0] && rec->first_name[0];
	sex_eff = r->sex;
	if (rec->nir[0] && strlen(rec->nir) == 13) {
		agree = bc_group_nir_agrees(rec->nir, rec->dob, r->sex);
		r->state = agree == 1 ? ROW_AGREE : agree == 0 ? ROW_DISAGREE : ROW_UNVERIFIED;
	}
	nb = names_used(rec, r->state);
	with_dob = has_name && rec->dob[0];
	/* NIR + name: anchors for the rows of that NIR without a full DOB */
	with_nf = has_name && (r->state == ROW_AGREE || r->state == ROW_UNVERIFIED ||
			       (r->state == ROW_DISAGREE && !rec->dob[0]));

	/* the row's keys: known nodes, or hashes */
	k.has_given = k.has_mail = 0;
	memset(k.has_nd, 0, sizeof(k.has_nd));
	memset(k.has_nf, 0, sizeof(k.has_nf));
	if (r->state != ROW_NO_NIR)
		key_start(g, &k.nir, ids ? ids->nir : BC_GROUP_NO_ID, 'N', rec->nir, NULL, NULL);
	if (with_dob) {
		for (b = 0; b < nb; b++) {
			if (!rec->last_names[b][0])
				continue;
			key_start(g, &k.nd[b], ids ? ids->namedob[b] : BC_GROUP_NO_ID, 'D', rec->last_names[b],
				  rec->first_name, rec->dob);
			k.has_nd[b] = 1;
		}
		if (further_given(g, rec, k.given.h)) {
			k.given.id = BC_GROUP_NO_ID;
			k.given.node = NONE;
			k.has_given = 1;
			slot_prefetch(g, k.given.h);
		}
		/* the first email: the caller's number as it is (only ever compared), or a MAIL node */
		if (rec->n_emails > 0 && rec->emails[0][0]) {
			if (ids && id_or_none(ids->email) != BC_GROUP_NO_ID) {
				r->ev[1] = ids->email;
				r->mail_num = 1;
			} else {
				key_start(g, &k.mail, BC_GROUP_NO_ID, 'E', rec->emails[0], NULL, NULL);
				k.has_mail = 1;
			}
		}
	}
	/* NIR + name, early when it will be looked up: a row without a full DOB
	 * and its NIR, or one whose namedob is new (a known namedob of its NIR
	 * usually names the NF node already: see below) */
	for (b = 0; with_nf && b < nb; b++) {
		if (!rec->last_names[b][0] || (r->state == ROW_AGREE && k.has_nd[b] && k.nd[b].node != NONE))
			continue;
		key_start(g, &k.nf[b], BC_GROUP_NO_ID, 'F', rec->nir, rec->last_names[b], rec->first_name);
		k.has_nf[b] = 1;
	}
	if (r->state != ROW_NO_NIR)
		key_fetch(g, &k.nir);
	for (b = 0; b < nb; b++) {
		if (k.has_nd[b])
			key_fetch(g, &k.nd[b]);
		if (k.has_nf[b])
			key_fetch(g, &k.nf[b]);
	}
	if (k.has_given)
		key_fetch(g, &k.given);
	if (k.has_mail)
		key_fetch(g, &k.mail);

	if (r->state != ROW_NO_NIR) {
		if ((r->nir = key_node(g, &k.nir, NODE_NIR, rec->nir)) == NONE)
			goto oom;
		if (agree == 1) {
			g->st.rows_nir_agree++;
			sex_eff = (rec->nir[0] - '0') % 2 ? BC_SEX_MALE : BC_SEX_FEMALE;
		} else if (agree == 0) {
			g->st.rows_nir_disagree++;
		} else {
			g->st.rows_nir_unverified++;
		}
	}
	/* the birth name groups; an agreeing row also links its usage name */
	for (b = 0; b < BC_RECORD_MAX_NAMES; b++) {
		struct node *n;

		nd[b] = NONE;
		if (!k.has_nd[b])
			continue;
		if ((nd[b] = key_node(g, &k.nd[b], NODE_ND, rec->dob)) == NONE)
			goto oom;
		if (b == 0) {
			r->nd = nd[b];
			if (k.has_given) {
				if ((r->given = key_node(g, &k.given, NODE_GIVEN, NULL)) == NONE)
					goto oom;
				merge_ref(&g->nodes[nd[b]].given, r->given);
			}
		} else if (r->state == ROW_AGREE) {
			r->nd2 = nd[b];
		}
		n = &g->nodes[nd[b]];
		if (sex_eff)
			n->sexes |= (uint8_t)(1u << sex_eff);
		if (r->state == ROW_AGREE)
			merge_ref(&n->agree, r->nir);
		else if (r->state == ROW_DISAGREE)
			merge_ref(&n->carry, r->nir);
	}
	/* evidence that a row without its NIR is the NIR's person: postcode, email (joined at finish) */
	if (with_dob) {
		r->ev[0] = postcode_number(rec->postcode);
		if (k.has_mail && (r->ev[1] = key_node(g, &k.mail, NODE_MAIL, NULL)) == NONE)
			goto oom;
	}
	if (with_nf) {
		for (b = 0; b < nb; b++) {
			uint32_t nf;

			if (!rec->last_names[b][0])
				continue;
			/* an agreeing row whose namedob already names the NF node of its NIR: nothing new */
			if (r->state == ROW_AGREE && nd[b] != NONE && g->nodes[nd[b]].agree == r->nir &&
			    g->nodes[nd[b]].nf != NONE)
				continue;
			if (!k.has_nf[b])
				key_start(g, &k.nf[b], BC_GROUP_NO_ID, 'F', rec->nir, rec->last_names[b],
					  rec->first_name);
			if ((nf = key_node(g, &k.nf[b], NODE_NF, NULL)) == NONE)
				goto oom;
			g->nodes[nf].agree = r->nir;
			if (r->state == ROW_AGREE) {
				g->nodes[nf].nf_agree = 1;
				if (nd[b] != NONE && g->nodes[nd[b]].agree == r->nir)
					g->nodes[nd[b]].nf = nf;
			} else {
				r->nf = nf;
			}
		}
	}
	g->n_rows++;
	g->st.rows = g->n_rows;
	rc = 0;
oom:
	sodium_memzero(&k, sizeof(k));
	return rc == 0 ? 0 : oom(err);
}

void bc_group_prefetch_id(const struct bc_group *g, uint32_t id)
{
	if (id < g->cap_idmap)
		__builtin_prefetch(&g->idmap[id]);
}

int bc_group_add(struct bc_group *g, const struct bc_record *rec, struct bc_error *err)
{
	return group_add(g, rec, NULL, err);
}

int bc_group_add_ids(struct bc_group *g, const struct bc_record *rec, const struct bc_group_ids *ids,
		     struct bc_error *err)
{
	return group_add(g, rec, ids, err);
}

static uint32_t new_patient(struct bc_group *g, int kind, uint32_t a, uint32_t b)
{
	struct patient *p;

	if (g->n_patients == g->cap_patients) {
		size_t nc = g->cap_patients ? g->cap_patients * 2 : 1u << 15;
		struct patient *np = realloc(g->patients, nc * sizeof(*np));

		if (!np)
			return NONE;
		g->patients = np;
		g->cap_patients = nc;
	}
	p = &g->patients[g->n_patients];
	p->a = a;
	p->b = b;
	p->kind = (uint8_t)kind;
	g->st.patients_by_kind[kind]++;
	return (uint32_t)g->n_patients++;
}

/* The patient of a node alone. */
static uint32_t node_patient(struct bc_group *g, uint32_t node, int kind)
{
	struct node *n = &g->nodes[node];

	if (n->patient == NONE)
		n->patient = new_patient(g, kind, node, NONE);
	return n->patient;
}

static int pair_grow(struct pairmap *m)
{
	size_t oldcap = m->cap, i, j, nc = oldcap ? oldcap * 2 : 1024;
	uint64_t *ok = m->k, *nk = malloc(nc * sizeof(*nk));
	uint32_t *ov = m->v, *nv = malloc(nc * sizeof(*nv));

	if (!nk || !nv) {
		free(nk);
		free(nv);
		return -1;
	}
	memset(nk, 0xff, nc * sizeof(*nk));
	for (i = 0; i < oldcap; i++) {
		if (ok[i] == UINT64_MAX)
			continue;
		j = (size_t)((ok[i] * 0x9E3779B97F4A7C15ULL) >> 20) & (nc - 1);
		while (nk[j] != UINT64_MAX)
			j = (j + 1) & (nc - 1);
		nk[j] = ok[i];
		nv[j] = ov[i];
	}
	free(ok);
	free(ov);
	m->k = nk;
	m->v = nv;
	m->cap = nc;
	return 0;
}

/* Value slot of key in m, inserted with the value NONE when absent; NULL on allocation failure. */
static uint32_t *pair_slot(struct pairmap *m, uint64_t key)
{
	size_t j;

	if ((m->used + 1) * 2 > m->cap && pair_grow(m) < 0)
		return NULL;
	j = (size_t)((key * 0x9E3779B97F4A7C15ULL) >> 20) & (m->cap - 1);
	while (m->k[j] != UINT64_MAX && m->k[j] != key)
		j = (j + 1) & (m->cap - 1);
	if (m->k[j] != key) {
		m->k[j] = key;
		m->v[j] = NONE;
		m->used++;
	}
	return &m->v[j];
}

/* Value of key in m, NONE when absent. */
static uint32_t pair_find(const struct pairmap *m, uint64_t key)
{
	size_t j;

	if (m->cap == 0)
		return NONE;
	j = (size_t)((key * 0x9E3779B97F4A7C15ULL) >> 20) & (m->cap - 1);
	while (m->k[j] != UINT64_MAX && m->k[j] != key)
		j = (j + 1) & (m->cap - 1);
	return m->k[j] == key ? m->v[j] : NONE;
}

/* The patient of a namedob split by sex (b = 1, 2) or by carried NIR (b = NIR node). */
static uint32_t pair_patient(struct bc_group *g, int kind, uint32_t nd, uint32_t b)
{
	uint64_t key = ((uint64_t)nd << 32) | (kind == BC_GROUP_BY_NAMEDOB_SEX ? (MULTI - 1 - b) : b);
	uint32_t *v = pair_slot(&g->pairs, key);

	if (!v)
		return NONE;
	if (*v == NONE)
		*v = new_patient(g, kind, nd, b);
	return *v;
}

/* Evidence kinds: the values of row.ev[0] and row.ev[1], apart. */
enum { EV_POSTCODE = 0, EV_MAIL_NODE = 1, EV_NUMBER = 2 };

/* Evidence kind of r->ev[e]. */
static int ev_kind(const struct row *r, int e)
{
	return e == 0 ? EV_POSTCODE : r->mail_num ? EV_NUMBER : EV_MAIL_NODE;
}

/* The NIR node of the agreeing rows that share r's evidence e (0 postcode,
 * 1 email) with namedob node nd (NONE, MULTI); NONE without evidence. */
static uint32_t evidence_agree(const struct bc_group *g, const struct row *r, int e, uint32_t nd)
{
	return r->ev[e] == NONE ? NONE : pair_find(&g->evidence[ev_kind(r, e)], ((uint64_t)nd << 32) | r->ev[e]);
}

/*
 * Rule 3's evidence, once every row is in: for each namedob of one NIR that
 * a row without that NIR carries with a postcode or email, the NIR node of
 * the agreeing rows having the same namedob (birth or usage name) and the
 * same postcode, or email (merged: NONE, one, MULTI). The same as
 * interning namedob + evidence keys row by row, for the namedobs that need
 * it only. Returns 0, or -1 (memory).
 */
static int evidence_join(struct bc_group *g)
{
	size_t i;
	int b, e;

	for (i = 0; i < g->n_rows; i++) {
		const struct row *r = &g->rows[i];

		if (r->state != ROW_AGREE && r->nd != NONE && (r->ev[0] != NONE || r->ev[1] != NONE) &&
		    g->nodes[r->nd].agree < MULTI)
			g->nodes[r->nd].want_ev = 1;
	}
	for (i = 0; i < g->n_rows; i++) {
		const struct row *r = &g->rows[i];

		if (r->state != ROW_AGREE)
			continue;
		for (b = 0; b < 2; b++) {
			uint32_t nd = b ? r->nd2 : r->nd;

			if (nd == NONE || !g->nodes[nd].want_ev)
				continue;
			for (e = 0; e < 2; e++) {
				uint32_t *v;

				if (r->ev[e] == NONE)
					continue;
				if (!(v = pair_slot(&g->evidence[ev_kind(r, e)], ((uint64_t)nd << 32) | r->ev[e])))
					return -1;
				merge_ref(v, r->nir);
			}
		}
	}
	return 0;
}

static uint32_t resolve(struct bc_group *g, struct row *r)
{
	struct node *nd;

	switch (r->state) {
	case ROW_AGREE:
		return node_patient(g, r->nir, BC_GROUP_BY_NIR);
	case ROW_UNVERIFIED:
		if (r->nf == NONE) {
			r->reason = BC_GROUP_NIR_ONLY;
			return BC_GROUP_UNLINKED;
		}
		if (g->nodes[r->nf].nf_agree)
			return node_patient(g, r->nir, BC_GROUP_BY_NIR);
		return node_patient(g, r->nf, BC_GROUP_BY_NIR_NAME);
	default:
		break;
	}
	if (r->nd == NONE) {
		/* a NIR that is not the row's (by sex), no DOB: its name tells who, unless the owner has it */
		if (r->nf != NONE && !g->nodes[r->nf].nf_agree)
			return node_patient(g, r->nf, BC_GROUP_BY_NIR_NAME);
		r->reason = r->nir != NONE ? BC_GROUP_NIR_ONLY : BC_GROUP_NO_IDENTITY;
		return BC_GROUP_UNLINKED;
	}
	nd = &g->nodes[r->nd];
	/* two NIRs first: a split by sex could still hold two homonyms of one sex */
	if (nd->agree == MULTI || nd->carry == MULTI) {
		if (r->nir == NONE) {
			r->reason = BC_GROUP_TWO_NIRS;
			return BC_GROUP_UNLINKED;
		}
		return pair_patient(g, BC_GROUP_BY_NAMEDOB_NIR, r->nd, r->nir);
	}
	if (nd->given == MULTI) {
		/* twins with compound names: apart by their further given names */
		if (r->given == NONE) {
			r->reason = BC_GROUP_TWO_GIVEN;
			return BC_GROUP_UNLINKED;
		}
		return pair_patient(g, BC_GROUP_BY_NAMEDOB_GIVEN, r->nd, r->given);
	}
	if (nd->sexes == 6) {
		if (!r->sex) {
			r->reason = BC_GROUP_TWO_SEXES;
			return BC_GROUP_UNLINKED;
		}
		return pair_patient(g, BC_GROUP_BY_NAMEDOB_SEX, r->nd, r->sex);
	}
	/* one NIR: the same person only with evidence (a homonym without NIR lives elsewhere) */
	if (nd->agree != NONE && r->state != ROW_AGREE &&
	    (evidence_agree(g, r, 0, r->nd) == nd->agree || evidence_agree(g, r, 1, r->nd) == nd->agree))
		return node_patient(g, nd->agree, BC_GROUP_BY_NIR);
	return node_patient(g, r->nd, BC_GROUP_BY_NAMEDOB);
}

int bc_group_finish(struct bc_group *g, struct bc_error *err)
{
	size_t i;
	uint32_t p;

	if (g->finished)
		return 0;
	for (i = 0; i < g->n_nodes; i++) {
		const struct node *n = &g->nodes[i];

		if (n->kind != NODE_ND)
			continue;
		if (n->agree == MULTI || n->carry == MULTI)
			g->st.namedob_two_nirs++;
		else if (n->given == MULTI)
			g->st.namedob_two_given++;
		else if (n->sexes == 6)
			g->st.namedob_two_sexes++;
	}
	if (evidence_join(g) < 0)
		return oom(err);
	for (i = 0; i < g->n_rows; i++) {
		struct row *r = &g->rows[i];

		p = resolve(g, r);
		if (p == NONE && r->reason == BC_GROUP_LINKED)
			return oom(err);
		r->nf = p;
		if (p == BC_GROUP_UNLINKED) {
			g->st.rows_unlinked++;
			g->st.unlinked[r->reason]++;
		}
	}
	g->st.patients = g->n_patients;
	g->finished = 1;
	return 0;
}

const struct bc_group_stats *bc_group_stats(const struct bc_group *g)
{
	return &g->st;
}

size_t bc_group_rows(const struct bc_group *g)
{
	return g->n_rows;
}

uint32_t bc_group_patients(const struct bc_group *g)
{
	return (uint32_t)g->n_patients;
}

uint32_t bc_group_row_patient(const struct bc_group *g, size_t row)
{
	if (!g->finished || row >= g->n_rows)
		return BC_GROUP_UNLINKED;
	return g->rows[row].nf;
}

enum bc_group_reason bc_group_row_reason(const struct bc_group *g, size_t row)
{
	if (!g->finished || row >= g->n_rows)
		return BC_GROUP_LINKED;
	return (enum bc_group_reason)g->rows[row].reason;
}

enum bc_group_kind bc_group_patient_kind(const struct bc_group *g, uint32_t p)
{
	return (enum bc_group_kind)g->patients[p].kind;
}

void bc_group_patient_key(const struct bc_group *g, uint32_t p, uint8_t out[BC_GROUP_KEY_BYTES])
{
	const struct patient *pt = &g->patients[p];
	crypto_generichash_state st;
	unsigned char kind = pt->kind, sex;

	crypto_generichash_init(&st, g->gkey, BC_GROUP_KEY_BYTES, BC_GROUP_KEY_BYTES);
	crypto_generichash_update(&st, (const unsigned char *)"breachcheck patient", 19);
	crypto_generichash_update(&st, &kind, 1);
	crypto_generichash_update(&st, g->nodes[pt->a].h, HBYTES);
	if (pt->kind == BC_GROUP_BY_NAMEDOB_NIR || pt->kind == BC_GROUP_BY_NAMEDOB_GIVEN) {
		crypto_generichash_update(&st, g->nodes[pt->b].h, HBYTES);
	} else if (pt->kind == BC_GROUP_BY_NAMEDOB_SEX) {
		sex = (unsigned char)pt->b;
		crypto_generichash_update(&st, &sex, 1);
	}
	crypto_generichash_final(&st, out, BC_GROUP_KEY_BYTES);
}

int bc_group_patient_ids(const struct bc_group *g, uint32_t p, char nir[BC_NIR_BYTES], char dob[BC_DOB_BYTES])
{
	const struct patient *pt = &g->patients[p];

	nir[0] = dob[0] = '\0';
	if (!g->ids)
		return -1;
	switch (pt->kind) {
	case BC_GROUP_BY_NIR:
		memcpy(nir, g->ids[pt->a], BC_NIR_BYTES);
		break;
	case BC_GROUP_BY_NIR_NAME:
		memcpy(nir, g->ids[g->nodes[pt->a].agree], BC_NIR_BYTES);
		break;
	default:
		memcpy(dob, g->ids[pt->a], BC_DOB_BYTES);
		dob[BC_DOB_BYTES - 1] = '\0';
		break;
	}
	return 0;
}

const char *bc_group_reason_name(enum bc_group_reason r)
{
	static const char *const names[BC_GROUP_REASONS] = {
		"linked", "no_identity", "nir_only", "namedob_two_sexes", "namedob_two_nirs", "namedob_two_given",
	};

	return (unsigned)r < BC_GROUP_REASONS ? names[r] : "unknown";
}

const char *bc_group_reason_text(enum bc_group_reason r)
{
	static const char *const texts[BC_GROUP_REASONS] = {
		"linked to a patient",
		"neither a valid NIR nor a full name and date of birth",
		"a NIR the row cannot be tied to (another birth date or none) and no name to tell who",
		"name and date of birth shared by people of both sexes, and no sex on the row",
		"name and date of birth seen with two NIRs, and no NIR on the row",
		"name and date of birth of twins told apart by their second given name, which the row lacks",
	};

	return (unsigned)r < BC_GROUP_REASONS ? texts[r] : "unknown";
}

void bc_group_free(struct bc_group *g)
{
	int e;

	if (!g)
		return;
	if (g->nodes)
		sodium_memzero(g->nodes, g->n_nodes * sizeof(*g->nodes));
	free(g->nodes);
	free(g->table);
	if (g->ids)
		sodium_free(g->ids);
	if (g->rows) /* postcodes (rule-3 evidence) */
		sodium_memzero(g->rows, g->n_rows * sizeof(*g->rows));
	free(g->rows);
	free(g->patients);
	free(g->pairs.k);
	free(g->pairs.v);
	for (e = 0; e < 3; e++) {
		free(g->evidence[e].k);
		free(g->evidence[e].v);
	}
	free(g->idmap);
	sodium_free(g);
}
