/*
 * Ingest, publish phase (DESIGN.md §5; docs/ingest.md "What it does" 6-7):
 * every breach of the state (this one added, one of the same name
 * replaced) is re-salted and re-bucketed into a new index version; this
 * breach's state file is written by a thread meanwhile, and the catalogue
 * is committed between the synced files and the symlink swap.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ingest/internal.h"

/* The published catalogue: the state's breaches without private fields. */
static char *public_breaches(json_t *cat)
{
	json_t *arr = json_array(), *b;
	size_t i;
	char *text;

	json_array_foreach(json_object_get(cat, "breaches"), i, b) {
		json_t *c = json_deep_copy(b);

		json_object_del(c, "entries");
		json_array_append_new(arr, c);
	}
	text = json_dumps(arr, JSON_PRESERVE_ORDER | JSON_COMPACT);
	json_decref(arr);
	return text;
}

static void *state_thread(void *arg)
{
	struct state_job *j = arg;
	double t = bc_ingest_now();

	if (bc_ingest_save_breach_state(j->dir, j->id, j->pk, j->items, j->n, &j->err) != 0)
		j->failed = 1;
	else
		j->written = 1;
	bc_test_kill_point("state");
	*j->t_state = bc_ingest_now() - t;
	return NULL;
}

static int commit_state(void *arg, struct bc_error *err)
{
	struct state_job *j = arg;

	pthread_join(j->tid, NULL);
	j->joined = 1;
	if (j->failed) {
		*err = j->err;
		return -1;
	}
	if (bc_ingest_save_catalogue(j->dir, j->cat, err) != 0)
		return -1;
	j->committed = 1;
	bc_test_kill_point("catalogue");
	return 0;
}

int bc_ingest_collect_breaches(struct ingest_run *r, struct bc_error *err)
{
	json_t *kept, *b;
	size_t i;

	kept = json_array();
	json_array_foreach(json_object_get(r->cat, "breaches"), i, b) {
		const char *name = json_string_value(json_object_get(b, "name"));
		uint32_t bid = (uint32_t)json_integer_value(json_object_get(b, "id"));

		if (name != NULL && !strcasecmp(name, r->o->breach)) {
			if (r->n_replaced < 64)
				r->replaced[r->n_replaced++] = bid;
			continue;
		}
		if (bc_ingest_load_breach_state(r->sdir, bid, r->g->key->pk_s, &r->items, &r->n_items,
						&r->cap, err) != 0) {
			char why[sizeof(err->msg)];

			snprintf(why, sizeof(why), "%s", err->msg);
			bc_error_set(err, bc_err_state, "breach %s (id %u) cannot be republished: restore the state "
				     "directory from its backup, or ingest --breach %s again to replace it; %s",
				     name != NULL ? name : "?", bid, name != NULL ? name : "?", why);
			json_decref(kept);
			return -1;
		}
		json_array_append(kept, b);
	}
	json_array_append(kept, r->entry);
	json_object_set_new(r->cat, "breaches", kept);
	r->st->breaches = json_array_size(kept);
	r->breaches_text = public_breaches(r->cat);
	if (r->breaches_text == NULL)
		return bc_error_set(err, bc_err_out_of_memory, "out of memory");
	return 0;
}

int bc_ingest_publish_all(struct ingest_run *r, struct bc_error *err)
{
	const struct bc_ingest_options *o = r->o;
	struct bc_build_params bp;
	struct state_job *sj = &r->sj;
	double t1;

	/* The breach's state file is written while the index files are; the
	 * catalogue is committed between those and the swap (commit_state). */
	sj->dir = r->sdir;
	sj->id = r->id;
	sj->pk = r->g->key->pk_s;
	sj->items = r->items;
	sj->n = r->n_own;
	sj->cat = r->cat;
	sj->t_state = &r->st->t_state;
	if (pthread_create(&sj->tid, NULL, state_thread, sj) != 0)
		return bc_error_set(err, bc_err_internal, "cannot start a thread");
	sj->started = 1;
	t1 = bc_ingest_now();
	bp.salt = o->salt;
	bp.anonymity = o->anonymity ? o->anonymity : BC_DEFAULT_ANONYMITY;
	bp.pk_s = r->g->key->pk_s;
	bp.pk_v = r->g->key->pk_v;
	bp.breaches_json = r->breaches_text;
	bp.threads = o->threads;
	bp.before_swap = commit_state;
	bp.before_swap_arg = sj;
	bp.dir_locked = 1;
	if (bc_index_publish(o->index_dir, r->items, r->n_items, &bp, &r->st->index, err) != 0)
		return -1;
	r->st->t_publish = bc_ingest_now() - t1;
	return 0;
}

void bc_ingest_publish_cleanup(struct ingest_run *r, int failed)
{
	struct state_job *sj = &r->sj;

	if (sj->started && !sj->joined) {
		pthread_join(sj->tid, NULL);
		sj->joined = 1;
	}
	if (failed && sj->committed) {
		struct bc_error e2 = BC_ERROR_INIT;

		/* Publication failed: the state goes back to the published breaches. */
		if (bc_ingest_save_catalogue(r->sdir, r->old_cat, &e2) == 0 && sj->written)
			bc_ingest_remove_breach_state(r->sdir, r->id);
	} else if (failed && sj->written) {
		bc_ingest_remove_breach_state(r->sdir, r->id);
	}
}
