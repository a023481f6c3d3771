/*
 * The operator's report as one HTML file (issue 16). Every figure comes from
 * the JSON object given (the one `profile --json` prints); the charts are
 * horizontal bars drawn with inline SVG inside tables, so each bar sits next
 * to its number, screen readers read the table, and a 360 px screen wraps
 * the labels instead of shrinking the text.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "opreport/opreport.h"
#include "opreport/internal.h"
#include "util/fs.h"

#define TX(t) bc_opreport_texts[t][lang == BC_LANG_FR]
#define LOOKUP(tab, key) bc_opreport_lookup(&bc_opreport_##tab, key, lang)

struct w {
	FILE *out;
	enum bc_report_lang lang;
};

static void esc(FILE *out, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '&': fputs("&amp;", out); break;
		case '<': fputs("&lt;", out); break;
		case '>': fputs("&gt;", out); break;
		case '"': fputs("&quot;", out); break;
		case '\'': fputs("&#39;", out); break;
		default: fputc(*s, out);
		}
	}
}

/* A lab name or a header that could be a person's: an '@', or 8 digits or
 * more (a NIR, a phone, a date written in full). */
static int looks_like_identifier(const char *s)
{
	size_t digits = 0;

	for (; *s; s++) {
		if (*s == '@')
			return 1;
		digits += *s >= '0' && *s <= '9';
	}
	return digits >= 8;
}

/* Integer with the language's thousands separator (narrow no-break space in
 * French, comma in English). */
static void num(FILE *out, json_int_t v, enum bc_report_lang lang)
{
	char buf[32];
	int n, i;

	if (v < 0) {
		fputc('-', out);
		v = -v;
	}
	n = snprintf(buf, sizeof(buf), "%lld", (long long)v);
	for (i = 0; i < n; i++) {
		if (i && (n - i) % 3 == 0)
			fputs(lang == BC_LANG_FR ? "\u202f" : ",", out);
		fputc(buf[i], out);
	}
}

static void pct(FILE *out, json_int_t part, json_int_t whole, enum bc_report_lang lang)
{
	char buf[32], *dot;

	snprintf(buf, sizeof(buf), "%.1f", whole > 0 ? 100.0 * (double)part / (double)whole : 0.0);
	if (lang == BC_LANG_FR && (dot = strchr(buf, '.')))
		*dot = ',';
	fprintf(out, lang == BC_LANG_FR ? "%s\u202f%%" : "%s%%", buf);
}

static json_int_t geti(const json_t *o, const char *k)
{
	const json_t *v = json_object_get(o, k);

	return json_is_integer(v) ? json_integer_value(v) : 0;
}

static const char *gets_(const json_t *o, const char *k)
{
	const json_t *v = json_object_get(o, k);

	return json_is_string(v) ? json_string_value(v) : NULL;
}

/* A bar of part/whole, drawn over a light track of the full width. */
static void bar(FILE *out, json_int_t part, json_int_t whole)
{
	double w = whole > 0 ? 100.0 * (double)part / (double)whole : 0.0;

	if (w > 100)
		w = 100;
	fprintf(out,
		"<td class=\"b\"><svg viewBox=\"0 0 100 10\" preserveAspectRatio=\"none\" "
		"aria-hidden=\"true\" focusable=\"false\"><rect class=\"t\" width=\"100\" "
		"height=\"10\"/><rect width=\"%.2f\" height=\"10\"/></svg></td>",
		w);
}

/* Column headers; an empty one is the bar column (named for screen readers). */
static void th_row(FILE *out, const char *const *cols, size_t n, enum bc_report_lang lang)
{
	size_t i;

	fputs("<thead><tr>", out);
	for (i = 0; i < n; i++) {
		if (!cols[i][0]) {
			fprintf(out, "<th scope=\"col\" class=\"b\"><span class=\"sr\">%s</span></th>",
				TX(T_BAR));
			continue;
		}
		fputs("<th scope=\"col\">", out);
		esc(out, cols[i]);
		fputs("</th>", out);
	}
	fputs("</tr></thead><tbody>\n", out);
}

static void td_num(FILE *out, json_int_t v, enum bc_report_lang lang)
{
	fputs("<td class=\"n\">", out);
	num(out, v, lang);
	fputs("</td>", out);
}

/* A count with its share under it (one column each: narrow screens). */
static void td_np(FILE *out, json_int_t part, json_int_t whole, enum bc_report_lang lang)
{
	fputs("<td class=\"n\">", out);
	num(out, part, lang);
	fputs("<br><span class=\"p\">", out);
	pct(out, part, whole, lang);
	fputs("</span></td>", out);
}

/* A row of rows with no patients column ("–"); none when n is 0. */
static void count_row(FILE *out, const char *label, json_int_t n, json_int_t max, json_int_t rows,
		      enum bc_report_lang lang)
{
	if (!n)
		return;
	fprintf(out, "<tr><th scope=\"row\">%s</th>", label);
	bar(out, n, max);
	td_np(out, n, rows, lang);
	fputs("<td class=\"n\">–</td></tr>\n", out);
}

static void section(FILE *out, const char *id, const char *title)
{
	fprintf(out, "<section id=\"%s\" aria-labelledby=\"h-%s\"><h2 id=\"h-%s\">", id, id, id);
	esc(out, title);
	fputs("</h2>\n", out);
}

static void summary(const struct w *w, const json_t *doc, int ingest)
{
	FILE *out = w->out;
	enum bc_report_lang lang = w->lang;
	const json_t *d = json_object_get(doc, "dialect");
	const char *file = gets_(doc, "file"), *base, *s;

	fputs("<dl class=\"sum\">", out);
	if (file) {
		base = strrchr(file, '/');
		fprintf(out, "<dt>%s</dt><dd>", TX(T_FILE));
		esc(out, base ? base + 1 : file);
		fputs("</dd>", out);
	}
	fprintf(out, "<dt>%s</dt><dd>", TX(T_SIZE));
	num(out, (geti(doc, "bytes") + 512 * 1024) >> 20, lang);
	fputs(lang == BC_LANG_FR ? "\u202fMo (" : " MB (", out);
	num(out, geti(doc, "bytes"), lang);
	fputs(lang == BC_LANG_FR ? " octets)</dd>" : " bytes)</dd>", out);
	fprintf(out, "<dt>%s</dt><dd>", TX(T_LINES));
	num(out, geti(doc, "lines"), lang);
	fprintf(out, "</dd><dt>%s</dt><dd>", TX(T_ROWS));
	num(out, geti(doc, "rows"), lang);
	fprintf(out, "</dd><dt>%s</dt><dd><strong>", TX(T_PATIENTS));
	num(out, geti(doc, "patients"), lang);
	fprintf(out, "</strong></dd><dt>%s</dt><dd>", TX(T_UNLINKED));
	num(out, geti(doc, "rows_unlinked"), lang);
	fprintf(out, " (%s)</dd>", TX(T_UNLINKED_WHY));
	if (json_is_object(d)) {
		fprintf(out, "<dt>%s</dt><dd>", TX(T_FORMAT));
		if ((s = gets_(d, "encoding")))
			esc(out, s);
		if ((s = gets_(d, "delimiter"))) {
			fputs(", ", out);
			esc(out, s);
		}
		fprintf(out, ", %s</dd>",
			json_is_true(json_object_get(d, "header")) ? TX(T_HEADER_YES) : TX(T_HEADER_NO));
	}
	(void)ingest;
	fputs("</dl>\n", out);
}

static void sources(const struct w *w, const json_t *doc)
{
	FILE *out = w->out;
	enum bc_report_lang lang = w->lang;
	const json_t *a = json_object_get(doc, "sources"), *x;
	const char *cols[] = { TX(T_LAB), "", TX(T_ROWS_COL), TX(T_PATIENTS_COL) };
	json_int_t rows = geti(doc, "rows"), max = 0;
	const char *name;
	size_t i;

	section(out, "sources", TX(T_SOURCES));
	fprintf(out, "<p>%s</p>\n<table><caption class=\"sr\">%s</caption>", TX(T_SOURCES_NOTE),
		TX(T_SOURCES));
	th_row(out, cols, 4, lang);
	json_array_foreach(a, i, x)
		if (geti(x, "rows") > max)
			max = geti(x, "rows");
	json_array_foreach(a, i, x) {
		name = gets_(x, "name");
		fputs("<tr><th scope=\"row\">", out);
		if (!name || looks_like_identifier(name))
			fputs(TX(T_WITHHELD), out);
		else
			esc(out, name);
		fputs("</th>", out);
		bar(out, geti(x, "rows"), max);
		td_np(out, geti(x, "rows"), rows, lang);
		if (json_is_integer(json_object_get(x, "patients")))
			td_num(out, geti(x, "patients"), lang);
		else
			fputs("<td class=\"n\">–</td>", out);
		fputs("</tr>\n", out);
	}
	count_row(out, TX(T_OTHER_SOURCE), geti(doc, "rows_other_source"), max, rows, lang);
	count_row(out, TX(T_NO_SOURCE), geti(doc, "rows_no_source"), max, rows, lang);
	fputs("</tbody></table></section>\n", out);
}

static void years(const struct w *w, const json_t *doc)
{
	FILE *out = w->out;
	enum bc_report_lang lang = w->lang;
	const json_t *o = json_object_get(doc, "sample_years"), *x, *m;
	const char *cols[] = { TX(T_YEAR), "", TX(T_ROWS_COL), TX(T_FIRST_SAMPLE) };
	const char *mcols[] = { TX(T_MONTH), "", TX(T_ROWS_COL) };
	json_int_t rows = geti(doc, "rows"), max = 0, mmax, top[2] = { -1, -1 };
	const char *key, *busiest[2] = { NULL, NULL };
	char title[96];
	size_t k, b;

	section(out, "years", TX(T_YEARS));
	fprintf(out, "<table><caption class=\"sr\">%s</caption>", TX(T_YEARS));
	th_row(out, cols, 4, lang);
	json_object_foreach((json_t *)o, key, x)
		if (geti(x, "rows") > max)
			max = geti(x, "rows");
	if (geti(doc, "sample_year_unknown_rows") > max)
		max = geti(doc, "sample_year_unknown_rows");
	json_object_foreach((json_t *)o, key, x) {
		fputs("<tr><th scope=\"row\">", out);
		esc(out, key);
		fputs("</th>", out);
		bar(out, geti(x, "rows"), max);
		td_np(out, geti(x, "rows"), rows, lang);
		td_num(out, geti(x, "first_sample_patients"), lang);
		fputs("</tr>\n", out);
		if (!json_is_array(json_object_get(x, "months")))
			continue;
		if (geti(x, "rows") > top[0]) {
			top[1] = top[0];
			busiest[1] = busiest[0];
			top[0] = geti(x, "rows");
			busiest[0] = key;
		} else if (geti(x, "rows") > top[1]) {
			top[1] = geti(x, "rows");
			busiest[1] = key;
		}
	}
	count_row(out, TX(T_UNKNOWN), geti(doc, "sample_year_unknown_rows"), max, rows, lang);
	fputs("</tbody></table>\n", out);
	/* the busiest years, month by month, in calendar order */
	if (busiest[0] && busiest[1] && strcmp(busiest[0], busiest[1]) > 0) {
		key = busiest[0];
		busiest[0] = busiest[1];
		busiest[1] = key;
	}
	for (b = 0; b < 2; b++) {
		if (!busiest[b] || (b == 1 && top[1] <= 0))
			continue;
		m = json_object_get(json_object_get(o, busiest[b]), "months");
		mmax = 0;
		for (k = 0; k < 12; k++)
			if (json_integer_value(json_array_get(m, k)) > mmax)
				mmax = json_integer_value(json_array_get(m, k));
		snprintf(title, sizeof(title), "%s%s", TX(T_MONTHS), busiest[b]);
		fputs("<h3>", out);
		esc(out, title);
		fputs("</h3><table class=\"months\"><caption class=\"sr\">", out);
		esc(out, title);
		fputs("</caption>", out);
		th_row(out, mcols, 3, lang);
		for (k = 0; k < 12; k++) {
			fprintf(out, "<tr><th scope=\"row\">%s</th>", bc_opreport_months[k][lang == BC_LANG_FR]);
			bar(out, json_integer_value(json_array_get(m, k)), mmax);
			td_num(out, json_integer_value(json_array_get(m, k)), lang);
			fputs("</tr>\n", out);
		}
		fputs("</tbody></table>\n", out);
	}
	fputs("</section>\n", out);
}

static const char *class_label(const char *json_name, enum bc_report_lang lang)
{
	int bit = bc_class_bit_of(json_name);
	const char *label = bit >= 0 ? bc_report_class_label((unsigned)bit, lang) : NULL;

	return label ? label : json_name;
}

/* rows and patients per class; sensitive: sorted as given, bars of patients */
static void classes(const struct w *w, const json_t *doc, const char *member, const char *id,
		    enum text title, enum text note, int sensitive)
{
	FILE *out = w->out;
	enum bc_report_lang lang = w->lang;
	const json_t *o = json_object_get(doc, member), *x;
	const char *cols[] = { sensitive ? TX(T_CATEGORY) : TX(T_CLASS), "",
			       sensitive ? TX(T_PATIENTS_COL) : TX(T_ROWS_COL),
			       sensitive ? TX(T_ROWS_COL) : TX(T_PATIENTS_COL) };
	json_int_t rows = geti(doc, "rows"), patients = geti(doc, "patients"), a, b;
	const char *key;

	section(out, id, TX(title));
	fprintf(out, "<p>%s</p>\n<table><caption class=\"sr\">", TX(note));
	esc(out, TX(title));
	fputs("</caption>", out);
	th_row(out, cols, 4, lang);
	json_object_foreach((json_t *)o, key, x) {
		a = sensitive ? geti(x, "patients") : geti(x, "rows");
		b = sensitive ? geti(x, "rows") : geti(x, "patients");
		fputs("<tr><th scope=\"row\">", out);
		esc(out, class_label(key, lang));
		fputs("</th>", out);
		bar(out, a, sensitive ? patients : rows);
		td_np(out, a, sensitive ? patients : rows, lang);
		td_np(out, b, sensitive ? rows : patients, lang);
		fputs("</tr>\n", out);
	}
	fputs("</tbody></table></section>\n", out);
}

static void reason_table(const struct w *w, const json_t *o, json_int_t rows, enum text none)
{
	FILE *out = w->out;
	enum bc_report_lang lang = w->lang;
	const char *cols[] = { TX(T_REASON), "", TX(T_ROWS_COL), TX(T_FIRST_LINES) };
	const json_t *x, *l;
	const char *key;
	json_int_t max = 0;
	size_t i;
	int any = 0;

	json_object_foreach((json_t *)o, key, x) {
		if (geti(x, "rows") > max)
			max = geti(x, "rows");
		any |= geti(x, "rows") > 0;
	}
	if (!any) {
		fprintf(out, "<p>%s</p>\n", TX(none));
		return;
	}
	(void)rows;
	fputs("<table>", out);
	th_row(out, cols, 4, lang);
	json_object_foreach((json_t *)o, key, x) {
		if (!geti(x, "rows"))
			continue;
		fputs("<tr><th scope=\"row\">", out);
		esc(out, LOOKUP(reasons, key));
		fputs("</th>", out);
		bar(out, geti(x, "rows"), max);
		td_num(out, geti(x, "rows"), lang);
		fputs("<td>", out);
		json_array_foreach(json_object_get(x, "first_lines"), i, l) {
			if (i)
				fputs(", ", out);
			num(out, json_integer_value(l), lang);
		}
		fputs("</td></tr>\n", out);
	}
	fputs("</tbody></table>\n", out);
}

static void bad_rows(const struct w *w, const json_t *doc)
{
	FILE *out = w->out;
	enum bc_report_lang lang = w->lang;
	static const struct { const char *key; enum text t; } counters[] = {
		{ "rows_skipped", T_SKIPPED }, { "blank_lines", T_BLANK },
		{ "rows_before_header", T_BEFORE_HEADER }, { "repeated_headers", T_REPEATED_HEADERS },
		{ "replaced_characters", T_REPLACED },
	};
	static const struct { const char *key; enum text t; } kept_counters[] = {
		{ "kept_as_read", T_KEPT }, { "repaired", T_REPAIRED },
		{ "dropped", T_DROPPED }, { "dropped_with_identifier", T_DROPPED_ID },
		{ "surplus_fields_aside", T_ASIDE },
	};
	const json_t *kept = json_object_get(doc, "rows_kept");
	size_t i;

	section(out, "bad", TX(T_BAD));
	fprintf(out, "<p>%s</p>\n", TX(T_BAD_NOTE));
	reason_table(w, json_object_get(doc, "bad_rows"), geti(doc, "rows"), T_NO_BAD);
	if (json_is_object(kept)) {
		fputs("<dl class=\"sum\">", out);
		for (i = 0; i < sizeof(kept_counters) / sizeof(kept_counters[0]); i++) {
			fprintf(out, "<dt>%s</dt><dd>", TX(kept_counters[i].t));
			num(out, geti(kept, kept_counters[i].key), lang);
			fputs("</dd>", out);
		}
		fputs("</dl>\n", out);
		fprintf(out, "<h3>%s</h3>\n", TX(T_REPAIRED));
		reason_table(w, json_object_get(kept, "repairs"), geti(doc, "rows"), T_NO_REPAIRED);
		fprintf(out, "<h3>%s</h3>\n", TX(T_DROPPED));
		reason_table(w, json_object_get(kept, "drops"), geti(doc, "rows"), T_NO_DROPPED);
	}
	fputs("<dl class=\"sum\">", out);
	for (i = 0; i < sizeof(counters) / sizeof(counters[0]); i++) {
		fprintf(out, "<dt>%s</dt><dd>", TX(counters[i].t));
		num(out, geti(doc, counters[i].key), lang);
		fputs("</dd>", out);
	}
	fputs("</dl></section>\n", out);
}

static void split(const struct w *w, const json_t *o, const char *const (*states)[3], size_t n,
		  enum text title)
{
	FILE *out = w->out;
	enum bc_report_lang lang = w->lang;
	const char *cols[] = { TX(T_STATUS), "", TX(T_ROWS_COL) };
	json_int_t total = 0;
	size_t i;

	for (i = 0; i < n; i++)
		total += geti(o, states[i][0]);
	fprintf(out, "<h3>%s</h3><table><caption class=\"sr\">%s</caption>", TX(title), TX(title));
	th_row(out, cols, 3, lang);
	for (i = 0; i < n; i++) {
		fprintf(out, "<tr><th scope=\"row\">%s</th>", states[i][1 + (lang == BC_LANG_FR)]);
		bar(out, geti(o, states[i][0]), total);
		td_np(out, geti(o, states[i][0]), total, lang);
		fputs("</tr>\n", out);
	}
	fputs("</tbody></table>\n", out);
}

static void mapping(const struct w *w, const json_t *doc)
{
	FILE *out = w->out;
	enum bc_report_lang lang = w->lang;
	const char *cols[] = { TX(T_COLUMN), TX(T_HEADER), TX(T_ROLE), TX(T_EVIDENCE) };
	const json_t *a = json_object_get(doc, "columns"), *x, *ev, *e;
	const char *h, *f;
	size_t i, k;
	int evidence = 0;

	json_array_foreach(a, i, x)
		evidence |= json_object_get(x, "evidence") != NULL ||
			    json_object_get(x, "inferred_evidence") != NULL;
	section(out, "mapping", TX(T_MAPPING));
	fputs("<table class=\"map\">", out);
	th_row(out, cols, evidence ? 4 : 3, lang);
	json_array_foreach(a, i, x) {
		h = gets_(x, "header");
		f = gets_(x, "field");
		fputs("<tr><td class=\"n\">", out);
		num(out, geti(x, "index"), lang);
		fputs("</td><td>", out);
		if (!h)
			fputs(TX(T_NO_HEADER), out);
		else if (looks_like_identifier(h))
			fputs(TX(T_WITHHELD), out);
		else
			esc(out, h);
		fputs("</td><td>", out);
		if (!f || !strcmp(f, "none"))
			fputs(TX(T_NOT_READ), out);
		else {
			fputs("<code>", out);
			esc(out, f);
			fputs("</code>", out);
		}
		fputs("</td>", out);
		if (!evidence) {
			fputs("</tr>\n", out);
			continue;
		}
		fputs("<td>", out);
		/* evidence for an inferred role: the reader's inferred_field and
		 * inferred_evidence, or an "evidence" string or array of strings */
		if (gets_(x, "inferred_field") && f && strcmp(gets_(x, "inferred_field"), f)) {
			fprintf(out, "%s <code>", TX(T_CONTENT_SAYS));
			esc(out, gets_(x, "inferred_field"));
			fputs("</code>: ", out);
		}
		ev = json_object_get(x, "inferred_evidence");
		if (!ev)
			ev = json_object_get(x, "evidence");
		if (json_is_string(ev) && !looks_like_identifier(json_string_value(ev)))
			esc(out, json_string_value(ev));
		json_array_foreach(ev, k, e) {
			if (!json_is_string(e) || looks_like_identifier(json_string_value(e)))
				continue;
			if (k)
				fputs("; ", out);
			esc(out, json_string_value(e));
		}
		fputs("</td></tr>\n", out);
	}
	fputs("</tbody></table></section>\n", out);
}

/* What ingest adds ("ingest" member, docs/report.md). */
static void ingest(const struct w *w, const json_t *g)
{
	FILE *out = w->out;
	enum bc_report_lang lang = w->lang;
	const char *kcols[] = { TX(T_KIND), "", TX(T_DISTINCT), TX(T_SHARED) };
	const char *tcols[] = { TX(T_STEP), TX(T_SECONDS) };
	const json_t *tok = json_object_get(g, "tokens"), *sh = json_object_get(g, "shared_tokens");
	const json_t *bk = json_object_get(g, "buckets"), *tm = json_object_get(g, "timings_s");
	const json_t *rt = json_object_get(g, "rates"), *x;
	json_int_t max = 0;
	const char *key;
	char buf[32], *dot;

	section(out, "ingest", TX(T_INGEST));
	fputs("<dl class=\"sum\">", out);
	json_object_foreach((json_t *)g, key, x) {
		if (!json_is_integer(x) && !json_is_string(x))
			continue;
		fputs("<dt>", out);
		esc(out, LOOKUP(figures, key));
		fputs("</dt><dd>", out);
		if (json_is_integer(x))
			num(out, json_integer_value(x), lang);
		else
			esc(out, json_string_value(x));
		fputs("</dd>", out);
	}
	fputs("</dl>\n", out);
	fprintf(out, "<h3>%s</h3><table><caption class=\"sr\">%s</caption>", TX(T_TOKENS),
		TX(T_TOKENS));
	th_row(out, kcols, 4, lang);
	json_object_foreach((json_t *)tok, key, x)
		if (json_integer_value(x) > max)
			max = json_integer_value(x);
	json_object_foreach((json_t *)tok, key, x) {
		fputs("<tr><th scope=\"row\">", out);
		esc(out, LOOKUP(kinds, key));
		fputs("</th>", out);
		bar(out, json_integer_value(x), max);
		td_num(out, json_integer_value(x), lang);
		td_num(out, geti(sh, key), lang);
		fputs("</tr>\n", out);
	}
	fputs("</tbody></table>\n", out);
	fprintf(out, "<h3>%s</h3><dl class=\"sum\">", TX(T_BUCKETS));
	json_object_foreach((json_t *)bk, key, x) {
		fputs("<dt>", out);
		esc(out, LOOKUP(figures, key));
		fputs("</dt><dd>", out);
		if (json_is_integer(x))
			num(out, json_integer_value(x), lang);
		fputs("</dd>", out);
	}
	fputs("</dl>\n", out);
	fprintf(out, "<h3>%s</h3><table><caption class=\"sr\">%s</caption>", TX(T_TIMINGS),
		TX(T_TIMINGS));
	th_row(out, tcols, 2, lang);
	json_object_foreach((json_t *)tm, key, x) {
		fputs("<tr><th scope=\"row\">", out);
		esc(out, LOOKUP(steps, key));
		snprintf(buf, sizeof(buf), "%.2f", json_number_value(x));
		if (lang == BC_LANG_FR && (dot = strchr(buf, '.')))
			*dot = ',';
		fprintf(out, "</th><td class=\"n\">%s</td></tr>\n", buf);
	}
	fputs("</tbody></table><dl class=\"sum\">", out);
	json_object_foreach((json_t *)rt, key, x) {
		fputs("<dt>", out);
		esc(out, LOOKUP(figures, key));
		fputs("</dt><dd>", out);
		num(out, (json_int_t)(json_number_value(x) + 0.5), lang);
		fputs("</dd>", out);
	}
	fputs("</dl></section>\n", out);
}

static const char style[] =
	"body{font:16px/1.45 system-ui,sans-serif;margin:0;color:#1a1a1a;background:#fff}"
	"main{max-width:60rem;margin:0 auto;padding:1rem}"
	"h1{font-size:1.6rem;margin:.2rem 0 .6rem}h2{font-size:1.25rem;margin:2rem 0 .5rem;"
	"border-bottom:2px solid #1f4e9c}h3{font-size:1.05rem;margin:1.2rem 0 .4rem}"
	"table{border-collapse:collapse;width:100%;margin:.4rem 0}"
	"th,td{padding:.25rem .4rem;text-align:left;vertical-align:top;border-bottom:1px solid #ddd;"
	"overflow-wrap:break-word;hyphens:auto}"
	"thead th{font-size:.9rem;color:#333}"
	"code{overflow-wrap:anywhere}td.n{text-align:right;white-space:nowrap;font-variant-numeric:tabular-nums}"
	".p{font-size:.85rem;color:#4a4a4a}"
	".b{width:30%;min-width:2.5rem}td.b svg{display:block;width:100%;height:.9rem;margin-top:.25rem}"
	"td.b rect{fill:#1f4e9c}td.b rect.t{fill:#e3e8f0}"
	"dl.sum{display:grid;grid-template-columns:minmax(8rem,max-content) 1fr;gap:.2rem .8rem}"
	"dl.sum dt{font-weight:600}dl.sum dd{margin:0}"
	".sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);"
	"white-space:nowrap}"
	"pre{white-space:pre-wrap;overflow-wrap:anywhere;font-size:.8rem;background:#f5f5f5;"
	"padding:.5rem}"
	"footer{margin-top:2rem;font-size:.9rem;color:#444}"
	"@media (max-width:30rem){body{font-size:15px}main{padding:.5rem}th,td{padding:.2rem .15rem}"
	"thead th{font-size:.8rem}.b{width:20%}"
	"dl.sum{grid-template-columns:1fr}dl.sum dd{margin-bottom:.3rem}}";

int bc_opreport_write_html(FILE *out, const json_t *doc, enum bc_report_lang lang,
			   struct bc_error *err)
{
	struct w w = { out, lang };
	const json_t *g = json_object_get(doc, "ingest");
	char *text;

	if (!json_is_object(doc) || !json_is_integer(json_object_get(doc, "rows")))
		return bc_error_set(err, bc_err_bad_input, "the report needs a profile object with rows");
	text = json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	if (!text)
		return bc_error_set(err, bc_err_out_of_memory, "out of memory");
	fprintf(out,
		"<!DOCTYPE html>\n<html lang=\"%s\"><head><meta charset=\"utf-8\">"
		"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
		"<meta name=\"referrer\" content=\"no-referrer\">"
		"<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
		"style-src 'unsafe-inline'\"><title>%s</title><style>%s</style></head>\n"
		"<body><main><h1>%s</h1>\n<p>%s</p>\n",
		lang == BC_LANG_FR ? "fr" : "en", json_is_object(g) ? TX(T_TITLE_INGEST) : TX(T_TITLE),
		style, json_is_object(g) ? TX(T_TITLE_INGEST) : TX(T_TITLE), TX(T_INTRO));
	section(out, "summary", TX(T_SUMMARY));
	summary(&w, doc, json_is_object(g));
	fputs("</section>\n", out);
	sources(&w, doc);
	years(&w, doc);
	classes(&w, doc, "coverage", "coverage", T_COVERAGE, T_COVERAGE_NOTE, 0);
	bad_rows(&w, doc);
	section(out, "quality", TX(T_QUALITY));
	split(&w, json_object_get(doc, "nir"), bc_opreport_nir_states.rows,
	      bc_opreport_nir_states.n, T_NIR);
	split(&w, json_object_get(doc, "dob"), bc_opreport_dob_states.rows,
	      bc_opreport_dob_states.n, T_DOB);
	fputs("</section>\n", out);
	classes(&w, doc, "sensitive", "sensitive", T_SENSITIVE, T_SENSITIVE_NOTE, 1);
	mapping(&w, doc);
	if (json_is_object(g))
		ingest(&w, g);
	section(out, "json", TX(T_JSON));
	fprintf(out, "<p>%s</p><details><summary>JSON</summary><pre id=\"report-json\">",
		TX(T_JSON_NOTE));
	esc(out, text);
	fprintf(out, "</pre></details></section>\n<footer><p>%s</p></footer></main></body></html>\n",
		TX(T_FOOTER));
	free(text);
	if (ferror(out))
		return bc_error_set(err, bc_err_io, "cannot write the report: %s", strerror(errno));
	return 0;
}

int bc_opreport_write_html_file(const char *path, const json_t *doc, enum bc_report_lang lang,
				struct bc_error *err)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	int ret = -1;

	if (!f)
		return bc_error_set(err, bc_err_out_of_memory, "out of memory");
	ret = bc_opreport_write_html(f, doc, lang, err);
	if (fclose(f) && !ret)
		ret = bc_error_set(err, bc_err_out_of_memory, "out of memory");
	/* the whole page or nothing: written beside path, then renamed over it */
	if (!ret)
		ret = bc_write_file_atomic(path, buf, len, 0666, err);
	free(buf);
	return ret;
}
