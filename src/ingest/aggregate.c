/*
 * Ingest, aggregate phase (DESIGN.md §5, §7, §10; docs/ingest.md "Patients,
 * and shared tokens", "Lab names"): who is who, then one payload per
 * distinct token, and the breach's catalogue entry.
 */
#include <stdlib.h>
#include <string.h>

#include "ingest/internal.h"
#include "util/parallel.h"

static uint32_t own_bits(int kind)
{
	switch (kind) {
	case BC_TOKEN_NIR:
		return BC_BIT(BC_CLASS_NIR);
	case BC_TOKEN_NAMEDOB:
		return BC_BIT(BC_CLASS_NAME) | BC_BIT(BC_CLASS_DOB);
	case BC_TOKEN_EMAIL:
		return BC_BIT(BC_CLASS_EMAIL);
	case BC_TOKEN_PHONE:
		return BC_BIT(BC_CLASS_PHONE);
	default:
		return BC_BIT(BC_CLASS_NIR) | BC_BIT(BC_CLASS_EMAIL);
	}
}

struct src_ref {
	const char *name;
	uint16_t idx;
};

static int cmp_src(const void *a, const void *b)
{
	return strcmp(((const struct src_ref *)a)->name, ((const struct src_ref *)b)->name);
}

struct agg_ctx {
	struct ingest *g;
	const uint32_t *start;   /* ntok + 1 offsets into by_tok */
	const uint32_t *by_tok;  /* row ids grouped by token */
	const uint64_t *patient; /* per row */
	const uint16_t *remap;   /* source index -> sorted index */
	struct bc_build_item *items;
	uint32_t breach_id;
	int classes_only;        /* public tier "classes" */
	atomic_size_t shared;
	atomic_size_t shared_kind[8]; /* by token kind (ingest --report) */
};

static void agg_range(void *arg, size_t begin, size_t end)
{
	struct agg_ctx *c = arg;
	uint16_t src[64];
	uint32_t cnt[64];
	size_t ti, k, nsrc;

	for (ti = begin; ti < end; ti++) {
		const struct tok *t = tok_at(c->g, ti);
		struct bc_payload p = { BC_PAYLOAD_VERSION, t->kind, 0, 0, 0, 0, BC_SOURCE_NONE,
					BC_SOURCE_NONE };
		uint32_t flags = 0, rows = 0, more = 0;
		uint16_t lo = 0, hi = 0;
		int shared = 0;

		nsrc = 0;
		for (k = c->start[ti]; k < c->start[ti + 1]; k++) {
			const struct row_info *ri = &c->g->rows[c->by_tok[k]];
			size_t s;

			rows++;
			flags |= ri->flags;
			if (ri->month != 0) {
				lo = lo == 0 || ri->month < lo ? ri->month : lo;
				hi = ri->month > hi ? ri->month : hi;
			}
			if (c->patient[c->by_tok[k]] != c->patient[c->by_tok[c->start[ti]]])
				shared = 1;
			if (ri->source == BC_SOURCE_NONE || c->remap[ri->source] == BC_SOURCE_NONE)
				continue;
			for (s = 0; s < nsrc; s++)
				if (src[s] == c->remap[ri->source])
					break;
			if (s == nsrc) {
				if (nsrc == 64) {
					more = 1;
					continue;
				}
				src[nsrc] = c->remap[ri->source];
				cnt[nsrc++] = 0;
			}
			cnt[s]++;
		}
		flags = (flags | own_bits(t->kind)) & ~(BC_BIT(BC_FLAG_MORE_SOURCES) | BC_BIT(BC_FLAG_SHARED));
		if (nsrc > 2 || more)
			flags |= BC_BIT(BC_FLAG_MORE_SOURCES);
		{
			size_t a = SIZE_MAX, b2 = SIZE_MAX;

			for (k = 0; k < nsrc; k++) {
				if (a == SIZE_MAX || cnt[k] > cnt[a] || (cnt[k] == cnt[a] && src[k] < src[a])) {
					b2 = a;
					a = k;
				} else if (b2 == SIZE_MAX || cnt[k] > cnt[b2] ||
					   (cnt[k] == cnt[b2] && src[k] < src[b2])) {
					b2 = k;
				}
			}
			p.source_a = a == SIZE_MAX ? BC_SOURCE_NONE : src[a];
			p.source_b = b2 == SIZE_MAX ? BC_SOURCE_NONE : src[b2];
		}
		p.rows = rows > UINT16_MAX ? UINT16_MAX : (uint16_t)rows;
		p.flags = flags;
		p.first_month = lo;
		p.last_month = hi;
		if (t->kind != BC_TOKEN_VERIFIED) {
			p.flags &= ~BC_MEDICAL_MASK;
			if (shared) {
				p.flags = own_bits(t->kind) | BC_BIT(BC_FLAG_SHARED);
				atomic_fetch_add(&c->shared, 1);
				atomic_fetch_add(&c->shared_kind[t->kind & 7], 1);
			} else if (c->classes_only) {
				p.flags &= BC_PUBLIC_CLASS_MASK;
			}
			if (shared || c->classes_only) {
				p.rows = 0;
				p.first_month = p.last_month = 0;
				p.source_a = p.source_b = BC_SOURCE_NONE;
			}
		}
		bc_payload_pack(&p, c->items[ti].payload);
		c->items[ti].breach_id = c->breach_id;
	}
}

/* Patient of each row as the payloads see it (which lab names are one
 * patient's, which tokens are shared): its NIR; else the NIR its name + date
 * of birth is seen with when that is unique; else its name + date of birth;
 * else the row itself. The count of patients (pwn_count) is src/group's,
 * bc_ingest_group_finish. */
static void resolve_patients(struct ingest *g, uint64_t *patient, uint32_t *link)
{
	size_t r, i;

	for (i = 0; i < g->ntok; i++)
		link[i] = NONE;
	for (r = 0; r < g->nrows; r++) {
		const struct row_info *ri = &g->rows[r];

		for (i = 0; ri->nir != NONE && i < BC_RECORD_MAX_NAMES && ri->nd[i] != NONE; i++) {
			uint32_t *l = &link[ri->nd[i]];

			*l = *l == NONE ? ri->nir : (*l == ri->nir ? *l : MULTI);
		}
	}
	for (r = 0; r < g->nrows; r++) {
		const struct row_info *ri = &g->rows[r];

		patient[r] = ((uint64_t)1 << 32) + r;
		if (ri->nir != NONE) {
			patient[r] = ri->nir;
			continue;
		}
		for (i = 0; i < BC_RECORD_MAX_NAMES && ri->nd[i] != NONE; i++)
			if (link[ri->nd[i]] != NONE && link[ri->nd[i]] != MULTI) {
				patient[r] = link[ri->nd[i]];
				break;
			}
		if (patient[r] >> 32 && ri->nd[0] != NONE)
			patient[r] = ri->nd[0];
	}
}

static json_t *text_or_empty(const char *s)
{
	return json_string(s != NULL ? s : "");
}

static json_t *class_names(uint32_t flags)
{
	json_t *a = json_array();
	unsigned b;

	for (b = 0; b < 30; b++)
		if ((flags & BC_BIT(b)) && bc_class_name(b) != NULL)
			json_array_append_new(a, json_string(bc_class_name(b)));
	return a;
}

/* Payloads of this breach, one item per distinct token; catalogue entry. */
int bc_ingest_aggregate(struct ingest *g, uint32_t id, struct bc_build_item *items, json_t *entry,
			struct bc_ingest_stats *st, struct bc_error *err)
{
	struct agg_ctx c;
	uint32_t *start = NULL, *by_tok = NULL, *link = NULL, flags = 0;
	uint64_t *patient = NULL;
	struct src_ref *order = NULL;
	uint16_t *remap = NULL;
	uint64_t *src_first = NULL;
	uint8_t *src_multi = NULL;
	json_t *srcs;
	size_t i, n_pub = 0;
	int ret = -1;

	start = calloc(g->ntok + 1, sizeof(*start));
	by_tok = malloc((g->nocc ? g->nocc : 1) * sizeof(*by_tok));
	link = malloc((g->ntok ? g->ntok : 1) * sizeof(*link));
	patient = malloc((g->nrows ? g->nrows : 1) * sizeof(*patient));
	order = malloc((g->nsources ? g->nsources : 1) * sizeof(*order));
	remap = malloc((g->nsources ? g->nsources : 1) * sizeof(*remap));
	src_first = malloc((g->nsources ? g->nsources : 1) * sizeof(*src_first));
	src_multi = calloc(g->nsources ? g->nsources : 1, 1);
	if (!start || !by_tok || !link || !patient || !order || !remap || !src_first || !src_multi) {
		bc_error_set(err, bc_err_out_of_memory, "out of memory aggregating");
		goto out;
	}
	for (i = 0; i < g->nocc; i++)
		start[g->occ_tok[i] + 1]++;
	for (i = 0; i < g->ntok; i++)
		start[i + 1] += start[i];
	for (i = 0; i < g->nocc; i++)
		by_tok[start[g->occ_tok[i]]++] = g->occ_row[i];
	for (i = g->ntok; i > 0; i--)
		start[i] = start[i - 1];
	start[0] = 0;
	resolve_patients(g, patient, link);
	/* one patient count (issue #17): the grouping of DESIGN §10 that the
	 * claims, the notices and profile use */
	if (bc_ingest_group_finish(g, &st->patients, &st->group_unlinked, err) != 0)
		goto out;
	/* Published lab names: not identifier-like, and seen with at least two
	 * patients (a free-text or misplaced column is unique to a person). */
	for (i = 0; i < g->nsources; i++)
		src_first[i] = UINT64_MAX;
	for (i = 0; i < g->nrows; i++) {
		uint16_t s = g->rows[i].source;

		if (s == BC_SOURCE_NONE)
			continue;
		if (src_first[s] == UINT64_MAX)
			src_first[s] = patient[i];
		else if (src_first[s] != patient[i])
			src_multi[s] = 1;
	}
	for (i = 0; i < g->nsources; i++) {
		remap[i] = BC_SOURCE_NONE;
		if (g->src_bad[i] || !src_multi[i])
			continue;
		order[n_pub].name = g->sources[i];
		order[n_pub++].idx = (uint16_t)i;
	}
	st->sources_withheld = g->nsources - n_pub;
	qsort(order, n_pub, sizeof(*order), cmp_src);
	for (i = 0; i < n_pub; i++)
		remap[order[i].idx] = (uint16_t)i;
	c.g = g;
	c.start = start;
	c.by_tok = by_tok;
	c.patient = patient;
	c.remap = remap;
	c.items = items;
	c.breach_id = id;
	c.classes_only = bc_ingest_public_tier(g->o) == BC_TIER_CLASSES;
	atomic_init(&c.shared, 0);
	for (i = 0; i < 8; i++)
		atomic_init(&c.shared_kind[i], 0);
	bc_parallel_for(g->ntok, 4096, g->o->threads, agg_range, &c);
	st->shared_tokens = atomic_load(&c.shared);
	for (i = 0; i < 8; i++)
		st->shared_by_kind[i] = atomic_load(&c.shared_kind[i]);
	for (i = 0; i < g->ntok; i++)
		st->tokens_by_kind[tok_at(g, i)->kind & 7]++;
	for (i = 0; i < g->nrows; i++)
		flags |= g->rows[i].flags;
	flags &= ~(BC_BIT(BC_FLAG_MORE_SOURCES) | BC_BIT(BC_FLAG_SHARED));
	srcs = json_array();
	for (i = 0; i < n_pub; i++)
		json_array_append_new(srcs, json_string(order[i].name));
	json_object_set_new(entry, "pwn_count", json_integer((json_int_t)st->patients));
	json_object_set_new(entry, "data_classes", class_names(flags));
	json_object_set_new(entry, "is_sensitive", json_boolean(g->o->sensitive));
	json_object_set_new(entry, "public_tier", json_string(bc_public_tier_name(bc_ingest_public_tier(g->o))));
	json_object_set_new(entry, "description", text_or_empty(g->o->description));
	if (g->o->description_en)
		json_object_set_new(entry, "description_en", json_string(g->o->description_en));
	json_object_set_new(entry, "sources", srcs);
	json_object_set_new(entry, "controller", text_or_empty(g->o->controller));
	json_object_set_new(entry, "dpo_contact", text_or_empty(g->o->dpo_contact));
	json_object_set_new(entry, "complaint_url", text_or_empty(g->o->complaint_url));
	json_object_set_new(entry, "entries", json_integer((json_int_t)g->ntok));
	ret = 0;
out:
	free(start);
	free(by_tok);
	free(link);
	free(patient);
	free(order);
	free(remap);
	free(src_first);
	free(src_multi);
	return ret;
}

int bc_ingest_public_tier(const struct bc_ingest_options *o)
{
	if (o->public_tier >= BC_TIER_FULL && o->public_tier <= BC_TIER_NONE)
		return o->public_tier;
	return o->sensitive ? BC_TIER_NONE : BC_TIER_FULL;
}

json_t *bc_ingest_breach_entry(const struct bc_ingest_options *o, uint32_t id, const char *today)
{
	json_t *entry = json_object();

	json_object_set_new(entry, "id", json_integer(id));
	json_object_set_new(entry, "name", json_string(o->breach));
	json_object_set_new(entry, "title", json_string(o->title ? o->title : o->breach));
	if (o->title_en)
		json_object_set_new(entry, "title_en", json_string(o->title_en));
	json_object_set_new(entry, "breach_date", text_or_empty(o->breach_date));
	json_object_set_new(entry, "added_date", json_string(today));
	return entry;
}

void bc_ingest_join_outputs(struct ingest *g, struct bc_build_item *items)
{
	size_t i;

	for (i = 0; i < g->ntok; i++)
		memcpy(items[i].y, tok_at(g, i)->y, BC_Y_BYTES);
}
