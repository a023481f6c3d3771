/*
 * The profile's account of every row (issue 11): kept as read, repaired (by
 * how) and dropped (by why), with their first line numbers and the likely
 * cause. Separate from profile.c so that the report's other sections and
 * this one change independently.
 */
#include "leak/profile.h"

#include <string.h>

static void lines_text(FILE *out, unsigned long rows, const unsigned long lines[LEAK_STATS_LINES])
{
	unsigned j;

	for (j = 0; j < LEAK_STATS_LINES && lines[j]; j++)
		fprintf(out, "%s%lu", j ? ", " : "   lines ", lines[j]);
	if (rows > LEAK_STATS_LINES)
		fprintf(out, ", ...");
	fprintf(out, "\n");
}

int leak_profile_write_rows(const struct leak_reader *r, FILE *out)
{
	const struct leak_stats *st = &r->stats;
	char cause[256];
	unsigned i;

	fprintf(out, "\nRows kept, repaired and dropped (first lines)\n");
	fprintf(out, "  %-28s %9lu\n", "kept as read", st->rows - st->rows_repaired);
	fprintf(out, "  %-28s %9lu\n", "repaired", st->rows_repaired);
	for (i = 0; i < LEAK_REPAIR_COUNT; i++) {
		fprintf(out, "    %-26s %9lu", leak_repair_name((enum leak_repair)i), st->repair_rows[i]);
		lines_text(out, st->repair_rows[i], st->repair_lines[i]);
	}
	fprintf(out, "  %-28s %9lu\n", "surplus fields kept aside", st->fields_aside);
	fprintf(out, "  %-28s %9lu\n", "dropped", st->rows_skipped);
	for (i = 0; i < LEAK_DROP_COUNT; i++) {
		fprintf(out, "    %-26s %9lu", leak_drop_name((enum leak_drop)i), st->drop_rows[i]);
		lines_text(out, st->drop_rows[i], st->drop_lines[i]);
	}
	fprintf(out, "  %-28s %9lu\n", "dropped with an identifier", st->dropped_with_identifier);
	if (leak_stats_cause(st, cause, sizeof(cause)))
		fprintf(out, "  cause: %s\n", cause);
	for (i = 0; i < LEAK_REPAIR_COUNT; i++)
		if (st->repair_rows[i])
			fprintf(out, "  %s: %s\n", leak_repair_name((enum leak_repair)i),
				leak_repair_text((enum leak_repair)i));
	return ferror(out) ? -1 : 0;
}

static int add_lines(json_t *x, unsigned long rows, const unsigned long lines[LEAK_STATS_LINES])
{
	json_t *a = json_array();
	unsigned j;
	int bad = !a || json_object_set_new(x, "rows", json_integer((json_int_t)rows)) < 0;

	for (j = 0; a && j < LEAK_STATS_LINES && lines[j]; j++)
		bad |= json_array_append_new(a, json_integer((json_int_t)lines[j])) < 0;
	bad |= json_object_set_new(x, "first_lines", a) < 0;
	return bad;
}

json_t *leak_profile_rows_json(const struct leak_reader *r)
{
	const struct leak_stats *st = &r->stats;
	json_t *o = json_object(), *rep = json_object(), *drop = json_object(), *x;
	char cause[256];
	unsigned i;
	int bad = !o || !rep || !drop;

	if (bad)
		goto fail;
	bad |= json_object_set_new(o, "kept_as_read", json_integer((json_int_t)(st->rows - st->rows_repaired)));
	bad |= json_object_set_new(o, "repaired", json_integer((json_int_t)st->rows_repaired));
	bad |= json_object_set_new(o, "dropped", json_integer((json_int_t)st->rows_skipped));
	bad |= json_object_set_new(o, "dropped_with_identifier",
				   json_integer((json_int_t)st->dropped_with_identifier));
	bad |= json_object_set_new(o, "surplus_fields_aside", json_integer((json_int_t)st->fields_aside));
	for (i = 0; i < LEAK_REPAIR_COUNT; i++) {
		x = json_object();
		bad |= !x || json_object_set_new(rep, leak_repair_name((enum leak_repair)i), x) < 0;
		if (x)
			bad |= add_lines(x, st->repair_rows[i], st->repair_lines[i]);
	}
	for (i = 0; i < LEAK_DROP_COUNT; i++) {
		x = json_object();
		bad |= !x || json_object_set_new(drop, leak_drop_name((enum leak_drop)i), x) < 0;
		if (x)
			bad |= add_lines(x, st->drop_rows[i], st->drop_lines[i]);
	}
	bad |= json_object_set_new(o, "repairs", rep) < 0;
	rep = NULL;
	bad |= json_object_set_new(o, "drops", drop) < 0;
	drop = NULL;
	bad |= json_object_set_new(o, "cause", leak_stats_cause(st, cause, sizeof(cause)) ? json_string(cause)
											 : json_null()) < 0;
	if (!bad)
		return o;
fail:
	json_decref(rep);
	json_decref(drop);
	json_decref(o);
	return NULL;
}
