#ifndef BC_OPREPORT_OPREPORT_H
#define BC_OPREPORT_OPREPORT_H

/*
 * The operator's report (issue 16): what `profile --html` and
 * `ingest --report` write for a DPO or an operator on call. One source, two
 * renderings: the report is drawn from the very JSON object that
 * `profile --json` prints (leak_profile_to_json), optionally with an
 * "ingest" member that ingest adds (tokens, shared tokens, buckets, timings;
 * docs/report.md), and embeds that object, so its numbers are the JSON's.
 *
 * The HTML is one self-contained file: inline CSS, inline SVG bars, no
 * script, no external resource (it opens offline and can be attached to a
 * notification). It prints no identifier: the JSON it renders holds none,
 * and column headers or lab names that look like one (an '@', 8 digits or
 * more) are withheld here again.
 */

#include <stdio.h>

#include <jansson.h>

#include "report/report.h"
#include "util/error.h"

/*
 * Write the report of `doc` (a profile JSON object, borrowed) in `lang` to
 * out as UTF-8 HTML. Members the renderer does not know are kept in the
 * embedded JSON only. Returns 0, or -1 with err filled: "bad_input" when doc
 * is not an object with "rows", "io" on a write error, "out_of_memory".
 */
int bc_opreport_write_html(FILE *out, const json_t *doc, enum bc_report_lang lang,
			   struct bc_error *err);

/*
 * Same, into the file at path (created or replaced, mode 0644; the report
 * holds no identifier): written to path.tmp, flushed, then renamed.
 * Returns 0, or -1 with err filled ("io" names the path).
 */
int bc_opreport_write_html_file(const char *path, const json_t *doc,
				enum bc_report_lang lang, struct bc_error *err);

#endif
