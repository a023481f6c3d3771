/*
 * notify --letters (letters.h). Layout: every block of a letter has a fixed
 * place, computed once per run from the static texts and fixed reserved
 * heights for the variable ones, so every letter has the same pages. The
 * static paragraphs are shaped once per thread (pango layouts reused for
 * every letter); per letter only the address, the reference, the classes
 * and the code are laid out. A4 portrait, points; the envelope window is
 * that of a French DL envelope with a right window (C5/6 "fenêtre à droite").
 */
#include "notify/letters.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cairo-pdf.h>
#include <cairo.h>
#include <jansson.h>
#include <pango/pangocairo.h>
#include <qrencode.h>
#include <sodium.h>

#include "claim/claim.h"
#include "index/build.h"
#include "index/index.h"
#include "normalize/normalize.h"
#include "notices/notices.h"
#include "notify/internal.h"
#include "oprf/keyfile.h"
#include "oprf/oprf.h"
#include "vocab/vocab.h"

#define PAGE_W 595.28
#define PAGE_H 841.89
#define MARGIN 56.0
#define TEXT_W (PAGE_W - 2 * MARGIN)
#define WIN_X 320.0            /* envelope window: 110 x 220 mm DL, window 100 x 45 mm */
#define WIN_Y 150.0
#define WIN_W 230.0
#define WIN_H 100.0
#define QR_SIZE 96.0
#define MAX_BLOCKS 32

/* One letter to render (compact copy of a notice). */
struct letter {
	char ref[24];
	char first[96], last[96], street[128], postcode[16], city[96];
	char code[BC_CLAIM_CANON_BYTES];
	char nir[BC_NIR_BYTES], dob[BC_DOB_BYTES];
	char k_last[64], k_first[64];
	uint32_t classes;
	uint8_t minor, skip;     /* skip: 1 held back, 2 no address, 3 no code, 4 refused */
	char breach[72];
};

enum block_kind { B_TEXT, B_CLASSES, B_CODE, B_BOX };

/* A paragraph of a variant: static text (markup) or a variable block. */
struct block {
	enum block_kind kind;
	const char *text;        /* B_TEXT/B_BOX: pango markup with {PLACEHOLDERS} filled at start */
	double size;             /* font size, points */
	int bold, newpage;
	double reserve;          /* B_CLASSES, B_CODE: fixed height */
};

struct run {
	const struct bc_letters_options *o;
	struct letter *l;
	size_t n;
	struct bc_index *ix;
	struct bc_key *key;
	struct block blocks[MAX_BLOCKS];
	char *texts[MAX_BLOCKS];     /* filled markup of each block */
	size_t n_blocks;
	/* placement, computed once */
	int page_of[MAX_BLOCKS];
	double y_of[MAX_BLOCKS];
	int pages;
	double body_size;
	double classes_row;       /* one row of the data-class list, points (classes_row_h) */
	char date[32], sender_name[256], sender_dpo[256];
	atomic_int failed;
	atomic_size_t done;
	struct bc_error err;
	pthread_mutex_t mu;
	size_t files;
	int tty;
};

/* ---- texts ---- */

static const char *const fr_standard[] = {
	/* 0 title */
	"Vos données personnelles ont été exposées dans une fuite de données",
	/* 1 */
	"Madame, Monsieur,",
	/* 2 what happened */
	"Nous vous écrivons parce que des données vous concernant figurent dans un fichier de patients de "
	"laboratoires d'analyses médicales qui a été volé puis diffusé sur Internet ({TITLE}{DATE}). "
	"Nous sommes responsables de ces données : la loi (article 34 du RGPD) nous oblige à vous prévenir.",
	/* 3 */
	"<b>Les données vous concernant qui figurent dans ce fichier :</b>",
	/* 4 fixed medical sentence */
	"Ce fichier contient aussi, pour certaines personnes, des informations médicales. Ce courrier n'en "
	"contient aucune. S'il y en a à votre sujet, vous seul pouvez les voir, avec le code ci-dessous.",
	/* 5 consequences */
	"<b>Ce qui peut arriver.</b> Des messages, appels ou SMS frauduleux qui citent votre laboratoire ou votre "
	"médecin pour obtenir de l'argent ou des informations (hameçonnage). Une usurpation d'identité avec votre "
	"numéro de sécurité sociale. Un chantage portant sur des informations de santé.",
	/* 6 what we did */
	"<b>Ce que nous avons fait.</b> {MEASURES}",
	/* 7 what to do + blackmail advice (fixed) */
	"<b>Ce que vous pouvez faire.</b> Méfiez-vous des messages qui citent votre laboratoire ou votre médecin : "
	"nous ne vous demanderons jamais de payer ni de donner un mot de passe. Surveillez votre compte "
	"d'assurance maladie (ameli) et activez la double authentification. <b>En cas de chantage, ne payez "
	"jamais</b> : gardez les messages, portez plainte (commissariat, gendarmerie ou "
	"pre-plainte-en-ligne.gouv.fr) et prévenez notre délégué à la protection des données.",
	/* 8 how to use the code */
	"<b>Voir tout ce qui vous concerne.</b> Allez sur {URL} (ou scannez le code QR), choisissez « J'ai reçu "
	"un courrier », puis saisissez le code ci-dessus avec votre numéro de sécurité sociale et votre "
	"date de naissance (pour un enfant, la sienne). Le code seul n'ouvre rien. Ne le donnez à personne : nous ne vous le demanderons jamais.",
	/* 9 contacts */
	"<b>Nous contacter.</b> Délégué à la protection des données : {DPO}. Ligne d'assistance : {HELPLINE}. "
	"Réclamation : {COMPLAINT}, ou auprès de la CNIL (www.cnil.fr/plaintes).",
	/* 10 English summary */
	"<b>In English.</b> Your personal data were in a file of medical laboratory patients that was stolen "
	"and published ({TITLE}{DATE_EN}). This letter holds no medical information. To see everything about "
	"you, go to {URL}, choose \"I received a letter\" and enter the code above with your social security number "
	"and your date of birth (for a child, the child's). Beware of messages quoting your lab or doctor. If anyone blackmails you, never pay: "
	"keep the messages and report it to the police. Contact: {DPO}, helpline {HELPLINE}.",
};

static const char *const fr_falc[] = {
	"Vos informations personnelles ont été volées",
	"Bonjour,",
	"Un fichier a été volé. Ce fichier vient de laboratoires d'analyses médicales. Ce fichier a été mis sur "
	"Internet. Vos informations sont dans ce fichier. Nous devons vous le dire : c'est la loi. ({TITLE}{DATE})",
	"<b>Voici vos informations qui sont dans le fichier :</b>",
	"Le fichier contient parfois des informations sur la santé. Cette lettre ne contient aucune information "
	"sur votre santé. Avec votre code, vous pouvez voir vos informations. Vous seul pouvez les voir.",
	"<b>Attention.</b> Des personnes peuvent utiliser ces informations. Elles peuvent vous envoyer de faux "
	"messages. Elles peuvent vous demander de l'argent. Elles peuvent utiliser votre numéro de sécurité sociale.",
	"<b>Ce que nous avons fait.</b> {MEASURES}",
	"<b>Ce que vous pouvez faire.</b> Ne donnez jamais votre mot de passe. Ne payez jamais. Si quelqu'un vous "
	"demande de l'argent : ne payez pas. Gardez les messages. Allez à la police ou à la gendarmerie. "
	"Prévenez-nous.",
	"<b>Pour voir vos informations.</b> Allez sur {URL}. Ou scannez le code QR avec votre téléphone. Cliquez "
	"sur « J'ai reçu un courrier ». Écrivez le code de cette lettre. Écrivez votre numéro de sécurité sociale. "
	"Écrivez aussi votre date de naissance. Ne donnez ce code à "
	"personne.",
	"<b>Pour nous parler.</b> Appelez le {HELPLINE}. Ou écrivez à : {DPO}. Pour vous plaindre : {COMPLAINT}, "
	"ou la CNIL (www.cnil.fr/plaintes).",
	"<b>In English.</b> Your data were in a stolen file of medical laboratory patients ({TITLE}{DATE_EN}). "
	"This letter holds no medical information. Go to {URL}, choose \"I received a letter\", enter the code with "
	"your social security number and date of birth. Never pay a blackmailer. Contact: {DPO}, helpline {HELPLINE}.",
};

static const char *default_measures =
	"Nous avons signalé cette violation à la CNIL, porté plainte, et pris des mesures pour protéger nos "
	"systèmes. Nous vous écrivons à tous, un par un.";

/* Markup-escaped copy of s (g_markup_escape_text), or "" for NULL. Caller frees. */
static char *esc(const char *s)
{
	return g_markup_escape_text(s ? s : "", -1);
}

/* tmpl with {KEY} replaced by the escaped values. Caller frees. */
static char *fill(const char *tmpl, const char *const *keys, char *const *vals, size_t nk)
{
	GString *out = g_string_new(NULL);
	const char *p = tmpl;
	size_t k;

	while (*p) {
		if (*p == '{') {
			for (k = 0; k < nk; k++) {
				size_t kl = strlen(keys[k]);

				if (!strncmp(p + 1, keys[k], kl) && p[1 + kl] == '}') {
					g_string_append(out, vals[k]);
					p += kl + 2;
					break;
				}
			}
			if (k < nk)
				continue;
		}
		g_string_append_c(out, *p++);
	}
	return g_string_free(out, FALSE);
}

/* ---- layout ---- */

struct painter {
	PangoFontMap *fm;
	PangoContext *ctx;
	PangoLayout **stat;       /* per block, static layout (NULL for variable) */
	size_t n;
};

static PangoLayout *make_layout(PangoContext *ctx, const char *markup, double size, int bold, double width,
				int mono)
{
	PangoLayout *l = pango_layout_new(ctx);
	PangoFontDescription *fd = pango_font_description_from_string(mono ? "DejaVu Sans Mono" : "DejaVu Sans");

	pango_font_description_set_absolute_size(fd, size * PANGO_SCALE);
	if (bold)
		pango_font_description_set_weight(fd, PANGO_WEIGHT_BOLD);
	pango_layout_set_font_description(l, fd);
	pango_font_description_free(fd);
	pango_layout_set_width(l, (int)(width * PANGO_SCALE));
	pango_layout_set_wrap(l, PANGO_WRAP_WORD_CHAR);
	pango_layout_set_markup(l, markup, -1);
	return l;
}

static double layout_h(PangoLayout *l)
{
	int w, h;

	pango_layout_get_size(l, &w, &h);
	return (double)h / PANGO_SCALE;
}

static int painter_init(struct painter *pt, const struct run *r)
{
	size_t i;

	memset(pt, 0, sizeof(*pt));
	pt->fm = pango_cairo_font_map_new();
	if (!pt->fm)
		return -1;
	pt->ctx = pango_font_map_create_context(pt->fm);
	pango_cairo_context_set_resolution(pt->ctx, 72.0);
	pt->n = r->n_blocks;
	pt->stat = calloc(pt->n, sizeof(*pt->stat));
	if (!pt->stat)
		return -1;
	for (i = 0; i < pt->n; i++)
		if (r->blocks[i].kind == B_TEXT || r->blocks[i].kind == B_BOX)
			pt->stat[i] = make_layout(pt->ctx, r->texts[i], r->blocks[i].size, r->blocks[i].bold,
						  r->blocks[i].kind == B_BOX ? TEXT_W - 16 : TEXT_W, 0);
	return 0;
}

static void painter_release(struct painter *pt)
{
	size_t i;

	for (i = 0; i < pt->n; i++)
		if (pt->stat && pt->stat[i])
			g_object_unref(pt->stat[i]);
	free(pt->stat);
	if (pt->ctx)
		g_object_unref(pt->ctx);
	if (pt->fm)
		g_object_unref(pt->fm);
}

/*
 * The height of one row of the two-column list of data classes: the tallest
 * non-medical class label wrapped at the column's width, plus a half-line gap,
 * so that every letter reserves the same room (same page count) and no label
 * is cut off. size: the body's font size in points.
 */
static double classes_row_h(PangoContext *ctx, double size)
{
	char line[256], *e;
	double h, best = size * 1.5;
	PangoLayout *l;
	int b;

	for (b = 0; b < 12; b++) {
		const struct bc_vocab_entry *v = bc_class_entry(b);

		if (!v || !v->fr)
			continue;
		snprintf(line, sizeof(line), "• %s", v->fr);
		e = esc(line);
		l = make_layout(ctx, e, size, 0, TEXT_W / 2 - 16, 0);
		h = layout_h(l) + size * 0.5;
		if (h > best)
			best = h;
		g_object_unref(l);
		g_free(e);
	}
	return best;
}

/* Where each block goes: top-down from the first page's body start, a new page when full. */
static int place_blocks(struct run *r)
{
	struct painter pt;
	double y = 290.0, h, gap = r->body_size * 0.9;
	int page = 0;
	size_t i;

	if (painter_init(&pt, r) != 0)
		return -1;
	for (i = 0; i < r->n_blocks; i++) {
		const struct block *b = &r->blocks[i];

		h = b->kind == B_TEXT	 ? layout_h(pt.stat[i])
		    : b->kind == B_BOX	 ? layout_h(pt.stat[i]) + 16
		    : b->kind == B_CLASSES ? 6 * (r->classes_row = classes_row_h(pt.ctx, b->size))
					 : b->reserve;
		if (b->newpage || y + h > PAGE_H - MARGIN - 20) {
			page++;
			y = MARGIN;
		}
		r->page_of[i] = page;
		r->y_of[i] = y;
		y += h + gap;
	}
	r->pages = page + 1;
	painter_release(&pt);
	return 0;
}

/* ---- drawing ---- */

static void draw_layout(cairo_t *cr, PangoLayout *l, double x, double y)
{
	cairo_move_to(cr, x, y);
	pango_cairo_show_layout(cr, l);
}

/* One line of variable text, cut with an ellipsis when too long (an address never leaves its box). */
static void draw_text(cairo_t *cr, PangoContext *ctx, const char *text, double x, double y, double w, double size,
		      int bold, int mono)
{
	char *e = esc(text);
	PangoLayout *l = make_layout(ctx, e, size, bold, w, mono);

	pango_layout_set_ellipsize(l, PANGO_ELLIPSIZE_END);
	pango_layout_set_height(l, -1);
	draw_layout(cr, l, x, y);
	g_object_unref(l);
	g_free(e);
}

static void draw_qr(cairo_t *cr, const char *url, double x, double y, double size)
{
	QRcode *q = QRcode_encodeString(url, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
	double m;
	int i, j, k;

	if (!q)
		return;
	m = size / (q->width + 8);
	cairo_set_source_rgb(cr, 0, 0, 0);
	for (i = 0; i < q->width; i++) {
		for (j = 0; j < q->width; j = k) {
			/* one rectangle per run of dark modules */
			for (k = j; k < q->width && (q->data[i * q->width + k] & 1); k++)
				;
			if (k > j)
				cairo_rectangle(cr, x + (4 + j) * m, y + (4 + i) * m, (k - j) * m, m);
			else
				k = j + 1;
		}
	}
	cairo_fill(cr);
	QRcode_free(q);
}

static void draw_letter(struct run *r, struct painter *pt, cairo_t *cr, const struct letter *l)
{
	const struct bc_letters_options *o = r->o;
	char printed[BC_CLAIM_PRINTED_BYTES], url[1024], line[512];
	double ay = WIN_Y + 8, fs = r->body_size, row_h = r->classes_row;
	int page, first;
	char *item;
	PangoLayout *il;
	size_t i;
	unsigned b;

	bc_claim_format(l->code, printed);
	snprintf(url, sizeof(url), "%s#claim=%s", o->page_url, printed);
	for (page = 0; page < r->pages; page++) {
		cairo_set_source_rgb(cr, 0, 0, 0);
		if (page == 0) {
			/* sender, reference and date: outside the window */
			draw_text(cr, pt->ctx, r->sender_name, MARGIN, MARGIN, 250, 9, 1, 0);
			draw_text(cr, pt->ctx, r->sender_dpo, MARGIN, MARGIN + 12, 250, 9, 0, 0);
			snprintf(line, sizeof(line), "Référence : %s", l->ref);
			draw_text(cr, pt->ctx, line, MARGIN, 250, 240, 9, 0, 0);
			draw_text(cr, pt->ctx, r->date, MARGIN, 262, 240, 9, 0, 0);
			/* the window: the address only */
			if (l->minor) {
				draw_text(cr, pt->ctx, "Aux représentants légaux de", WIN_X, ay, WIN_W, 10, 0, 0);
				ay += 14;
			}
			snprintf(line, sizeof(line), "%s %s", l->first, l->last);
			draw_text(cr, pt->ctx, line, WIN_X, ay, WIN_W, 11, 1, 0);
			/* a street cell on two lines (a complement: "Lot. Les Tilleuls") keeps both */
			{
				size_t cut = strcspn(l->street, "\r\n");

				snprintf(line, sizeof(line), "%.*s", (int)cut, l->street);
				draw_text(cr, pt->ctx, line, WIN_X, ay + 16, WIN_W, 11, 0, 0);
				if (l->street[cut]) {
					const char *rest = l->street + cut + strspn(l->street + cut, "\r\n");

					draw_text(cr, pt->ctx, rest, WIN_X, ay + 32, WIN_W, 11, 0, 0);
					ay += 16;
				}
			}
			snprintf(line, sizeof(line), "%s %s", l->postcode, l->city);
			draw_text(cr, pt->ctx, line, WIN_X, ay + 32, WIN_W, 11, 0, 0);
		}
		for (i = 0; i < r->n_blocks; i++) {
			const struct block *bk = &r->blocks[i];
			double y = r->y_of[i];

			if (r->page_of[i] != page)
				continue;
			switch (bk->kind) {
			case B_TEXT:
				draw_layout(cr, pt->stat[i], MARGIN, y);
				break;
			case B_BOX:
				cairo_set_line_width(cr, 0.8);
				cairo_rectangle(cr, MARGIN - 4, y, TEXT_W + 8, layout_h(pt->stat[i]) + 12);
				cairo_stroke(cr);
				draw_layout(cr, pt->stat[i], MARGIN + 4, y + 6);
				break;
			case B_CLASSES:
				/* two columns of six: room for every non-medical class, each
				 * label wrapped within its column (classes_row_h) */
				first = 0;
				for (b = 0; b < 12; b++) {
					const struct bc_vocab_entry *e = bc_class_entry(b);
					double cx, cy;

					if (!(l->classes & (1u << b)) || !e || !e->fr)
						continue;
					cx = MARGIN + 12 + (first % 2) * (TEXT_W / 2);
					cy = y + (first / 2) * row_h;
					snprintf(line, sizeof(line), "• %s", e->fr);
					item = esc(line);
					il = make_layout(pt->ctx, item, fs, 0, TEXT_W / 2 - 16, 0);
					draw_layout(cr, il, cx, cy);
					g_object_unref(il);
					g_free(item);
					first++;
				}
				break;
			case B_CODE:
				cairo_set_line_width(cr, 1.5);
				cairo_rectangle(cr, MARGIN - 4, y, TEXT_W + 8, bk->reserve - 4);
				cairo_stroke(cr);
				draw_text(cr, pt->ctx, "Votre code personnel / Your personal code :", MARGIN + 8, y + 12,
					  TEXT_W - QR_SIZE - 30, fs, 1, 0);
				draw_text(cr, pt->ctx, printed, MARGIN + 8, y + 12 + fs * 2.2, TEXT_W - QR_SIZE - 30,
					  fs * 1.8, 1, 1);
				draw_text(cr, pt->ctx, o->page_url, MARGIN + 8, y + 12 + fs * 5.2, TEXT_W - QR_SIZE - 30,
					  fs * 0.9, 0, 0);
				draw_qr(cr, url, MARGIN + TEXT_W - QR_SIZE - 4, y + (bk->reserve - 4 - QR_SIZE) / 2, QR_SIZE);
				break;
			}
		}
		snprintf(line, sizeof(line), "%s — page %d/%d", l->ref, page + 1, r->pages);
		draw_text(cr, pt->ctx, line, MARGIN, PAGE_H - MARGIN + 10, TEXT_W, 8, 0, 0);
		cairo_show_page(cr);
	}
	sodium_memzero(url, sizeof(url));
	sodium_memzero(printed, sizeof(printed));
}

/* ---- codes: every one must resolve in the published index ---- */

struct hit_ctx {
	const char *breach;
	int ok;
};

static void on_hit(const struct bc_breach *b, const struct bc_payload *p, void *arg)
{
	struct hit_ctx *h = arg;

	if (p->kind == BC_TOKEN_CLAIM && b->name && !strcasecmp(b->name, h->breach))
		h->ok = 1;
}

static int code_resolves(const struct run *r, const struct letter *l)
{
	char in[BC_CLAIM_INPUT_MAX];
	uint8_t y[OPRF_OUTPUT_BYTES];
	struct bc_error err = BC_ERROR_INIT;
	struct hit_ctx h = { l->breach, 0 };
	int len = bc_claim_oprf_input(l->code, l->nir, l->dob, in, sizeof(in));

	if (len < 0 || oprf_evaluate(OPRF_MODE_VOPRF, r->key->sk_s, (const uint8_t *)in, (size_t)len, NULL, 0, y) != 0)
		return 0;
	sodium_memzero(in, sizeof(in));
	if (bc_index_find(r->ix, y, 0, on_hit, &h, &err) < 0)
		h.ok = 0;
	sodium_memzero(y, sizeof(y));
	return h.ok;
}

static void check_range(void *arg, size_t b, size_t e)
{
	struct run *r = arg;
	size_t i;

	for (i = b; i < e; i++)
		if (!r->l[i].skip && !code_resolves(r, &r->l[i]))
			r->l[i].skip = 4;
}

/* ---- files ---- */

static cairo_status_t write_fd(void *closure, const unsigned char *data, unsigned int len)
{
	int fd = *(int *)closure;

	while (len > 0) {
		ssize_t w = write(fd, data, len);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return CAIRO_STATUS_WRITE_ERROR;
		data += w;
		len -= (unsigned)w;
	}
	return CAIRO_STATUS_SUCCESS;
}

static void render_batch(void *arg, size_t b, size_t e)
{
	struct run *r = arg;
	struct painter pt;
	size_t bi, i, bs = r->o->batch ? r->o->batch : 10000;
	char path[PATH_MAX + 64], tmp[PATH_MAX + 96];

	if (painter_init(&pt, r) != 0) {
		atomic_store(&r->failed, 1);
		painter_release(&pt);
		return;
	}
	for (bi = b; bi < e && !atomic_load(&r->failed); bi++) {
		size_t lo = bi * bs, hi = lo + bs < r->n ? lo + bs : r->n, count = 0;
		cairo_surface_t *s;
		cairo_t *cr;
		int fd;

		for (i = lo; i < hi; i++)
			count += !r->l[i].skip;
		if (count == 0)
			continue;
		snprintf(path, sizeof(path), "%s/letters/letters-%04zu.pdf", r->o->dir, bi + 1);
		snprintf(tmp, sizeof(tmp), "%s.tmp-%ld", path, (long)getpid());
		fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		if (fd < 0) {
			atomic_store(&r->failed, 1);
			break;
		}
		s = cairo_pdf_surface_create_for_stream(write_fd, &fd, PAGE_W, PAGE_H);
		cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_TITLE, "Notification");
		cr = cairo_create(s);
		for (i = lo; i < hi; i++) {
			if (r->l[i].skip)
				continue;
			draw_letter(r, &pt, cr, &r->l[i]);
			atomic_fetch_add(&r->done, 1);
		}
		cairo_destroy(cr);
		cairo_surface_finish(s);
		if (cairo_surface_status(s) != CAIRO_STATUS_SUCCESS || fsync(fd) != 0) {
			atomic_store(&r->failed, 1);
			cairo_surface_destroy(s);
			close(fd);
			unlink(tmp);
			break;
		}
		cairo_surface_destroy(s);
		close(fd);
		if (rename(tmp, path) != 0) {
			atomic_store(&r->failed, 1);
			unlink(tmp);
			break;
		}
		pthread_mutex_lock(&r->mu);
		r->files++;
		pthread_mutex_unlock(&r->mu);
	}
	painter_release(&pt);
}

/* ---- notices in, death list ---- */

static void copy_str(char *dst, size_t size, json_t *v)
{
	const char *s = json_string_value(v);

	snprintf(dst, size, "%s", s ? s : "");
}

static int load_letters(struct run *r, struct bc_letters_stats *st, struct bc_error *err)
{
	struct bc_notices_reader *rd;
	size_t cap = 0;
	json_t *line;
	int rc;

	if (bc_notify_open_notices(&rd, r->o->dir, err) != 0)
		return -1;
	while ((rc = bc_notices_reader_next(rd, &line, err)) == 1) {
		json_t *a = json_object_get(line, "address"), *m = json_object_get(line, "match"), *v;
		const char *code = json_string_value(json_object_get(line, "code"));
		struct letter *l;
		size_t k;

		if (r->o->limit && r->n >= r->o->limit) {
			json_decref(line);
			break;
		}
		if (r->o->ref && (!json_is_string(json_object_get(line, "ref")) ||
				  strcmp(json_string_value(json_object_get(line, "ref")), r->o->ref) != 0)) {
			json_decref(line);
			continue;
		}
		if (r->n == cap) {
			struct letter *nl;

			cap = cap ? cap * 2 : 4096;
			nl = sodium_allocarray(cap, sizeof(*nl));
			if (!nl) {
				json_decref(line);
				rc = bc_error_set(err, bc_err_out_of_memory, "out of memory");
				break;
			}
			if (r->l) {
				memcpy(nl, r->l, r->n * sizeof(*nl));
				sodium_free(r->l);
			}
			r->l = nl;
		}
		l = &r->l[r->n++];
		memset(l, 0, sizeof(*l));
		copy_str(l->ref, sizeof(l->ref), json_object_get(line, "ref"));
		copy_str(l->first, sizeof(l->first), json_object_get(json_object_get(line, "name"), "first"));
		copy_str(l->last, sizeof(l->last), json_object_get(json_object_get(line, "name"), "last"));
		copy_str(l->street, sizeof(l->street), json_object_get(a, "street"));
		copy_str(l->postcode, sizeof(l->postcode), json_object_get(a, "postcode"));
		copy_str(l->city, sizeof(l->city), json_object_get(a, "city"));
		copy_str(l->breach, sizeof(l->breach), json_object_get(line, "breach"));
		copy_str(l->nir, sizeof(l->nir), json_object_get(m, "nir"));
		copy_str(l->dob, sizeof(l->dob), json_object_get(m, "dob"));
		copy_str(l->k_last, sizeof(l->k_last), json_object_get(m, "last_name"));
		copy_str(l->k_first, sizeof(l->k_first), json_object_get(m, "first_name"));
		l->minor = json_is_true(json_object_get(line, "minor"));
		json_array_foreach(json_object_get(line, "classes"), k, v) {
			int bit = bc_class_bit_of(json_string_value(v));

			if (bit >= 0 && bit < 12)
				l->classes |= 1u << bit;
		}
		if (!code || bc_claim_canon(code, strlen(code), l->code) != BC_CLAIM_OK)
			l->skip = 3;
		else if (!l->street[0] || !l->postcode[0] || !l->city[0] || !l->last[0])
			l->skip = 2;
		/* with a NIR the claim is by NIR, else by date of birth (notices.h) */
		v = json_object_get(line, "claim_with");
		if (!json_is_string(v) || strcmp(json_string_value(v), "nir") != 0)
			l->nir[0] = '\0';
		json_decref(line);
	}
	bc_notices_reader_free(rd);
	st->notices = r->n;
	return rc < 0 ? -1 : 0;
}

/* One line of the death list: a NIR, or "last name;first name;date of birth". */
static void apply_deceased(struct run *r, struct bc_error *err)
{
	FILE *f = fopen(r->o->deceased, "r");
	char line[1024];
	size_t i;

	(void)err;
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		char nir[BC_NIR_BYTES], last[BC_NAME_MAX], first[BC_NAME_MAX], dob[BC_DOB_BYTES];
		char *p1, *p2;

		line[strcspn(line, "\r\n")] = '\0';
		nir[0] = last[0] = first[0] = dob[0] = '\0';
		p1 = strchr(line, ';');
		p2 = p1 ? strchr(p1 + 1, ';') : NULL;
		if (p1 && p2) {
			*p1 = *p2 = '\0';
			if (bc_norm_last_name(line, strlen(line), last, sizeof(last)) != BC_NORM_OK ||
			    bc_norm_first_name(p1 + 1, strlen(p1 + 1), first, sizeof(first)) != BC_NORM_OK ||
			    bc_norm_dob(p2 + 1, strlen(p2 + 1), NULL, dob, sizeof(dob)) != BC_NORM_OK)
				continue;
		} else if (bc_norm_nir(line, strlen(line), nir, sizeof(nir), NULL) != BC_NORM_OK) {
			continue;
		}
		for (i = 0; i < r->n; i++) {
			struct letter *l = &r->l[i];
			int hit = nir[0] ? !strcmp(l->nir, nir)
					 : !strcmp(l->k_last, last) && !strcmp(l->k_first, first) && !strcmp(l->dob, dob);

			if (hit)
				l->skip = 1;
		}
		sodium_memzero(line, sizeof(line));
	}
	fclose(f);
}

/* ---- the run ---- */

/*
 * The breach date for a sentence: ", 23 février 2021" (en: ", 23 February 2021")
 * from the ISO date "2021-02-23" of the breach record (DESIGN §6); an ISO date
 * that does not parse is written as it is, a missing one as "". out: cap bytes,
 * always NUL-terminated.
 */
static void long_date(const char *iso, char *out, size_t cap, int en)
{
	static const char *const fr[] = { "janvier", "février", "mars",	     "avril",	"mai",	    "juin",
					  "juillet", "août",	"septembre", "octobre", "novembre", "décembre" };
	static const char *const enm[] = { "January", "February", "March",     "April",	  "May",      "June",
					   "July",    "August",	  "September", "October", "November", "December" };
	int y, m, d, n = 0;

	out[0] = '\0';
	if (!iso || !iso[0])
		return;
	if (sscanf(iso, "%4d-%2d-%2d%n", &y, &m, &d, &n) == 3 && iso[n] == '\0' && m >= 1 && m <= 12 && d >= 1 &&
	    d <= 31)
		snprintf(out, cap, ", %d%s %s %d", d, !en && d == 1 ? "er" : "", en ? enm[m - 1] : fr[m - 1], y);
	else
		snprintf(out, cap, ", %s", iso);
}

static int build_texts(struct run *r, const struct bc_breach *br)
{
	const struct bc_letters_options *o = r->o;
	const char *const *t = o->variant == BC_LETTER_FALC ? fr_falc : fr_standard;
	static const char *const keys[] = { "TITLE", "DATE", "MEASURES", "URL", "SERVER", "DPO", "HELPLINE",
					    "COMPLAINT", "DATE_EN" };
	char *vals[9], datebuf[64], datebuf_en[64], server[512];
	double fs = o->variant == BC_LETTER_STANDARD ? 10.0 : o->variant == BC_LETTER_LARGE ? 14.0 : 13.0;
	const char *slash;
	size_t i, k = 0;

	long_date(br ? br->breach_date : NULL, datebuf, sizeof(datebuf), 0);
	long_date(br ? br->breach_date : NULL, datebuf_en, sizeof(datebuf_en), 1);
	/* the server of the page: scheme and host */
	snprintf(server, sizeof(server), "%s", o->page_url);
	slash = strstr(server, "://");
	if (slash && (slash = strchr(slash + 3, '/')) != NULL)
		server[slash - server] = '\0';
	vals[0] = esc(br && br->title ? br->title : "");
	vals[1] = esc(datebuf);
	vals[2] = esc(o->measures ? o->measures : default_measures);
	vals[3] = esc(o->page_url);
	vals[4] = esc(server);
	vals[5] = esc(br && br->dpo_contact && br->dpo_contact[0] ? br->dpo_contact : "voir notre site");
	vals[6] = esc(o->helpline);
	vals[7] = esc(br && br->complaint_url && br->complaint_url[0] ? br->complaint_url : "voir notre site");
	vals[8] = esc(datebuf_en);
	r->body_size = fs;
#define ADD(kind_, idx_, size_, bold_, newpage_, reserve_)                                               \
	do {                                                                                              \
		r->blocks[k] = (struct block){ kind_, (idx_) >= 0 ? t[idx_] : NULL, size_, bold_, newpage_, \
					       reserve_ };                                                \
		r->texts[k] = (idx_) >= 0 ? fill(t[idx_], keys, vals, 9) : NULL;                          \
		k++;                                                                                      \
	} while (0)
	ADD(B_TEXT, 0, fs + 3, 1, 0, 0);
	ADD(B_TEXT, 1, fs, 0, 0, 0);
	ADD(B_TEXT, 2, fs, 0, 0, 0);
	ADD(B_TEXT, 3, fs, 0, 0, 0);
	ADD(B_CLASSES, -1, fs, 0, 0, 6 * fs * 1.5);
	ADD(B_TEXT, 4, fs, 0, 0, 0);
	ADD(B_TEXT, 5, fs, 0, 0, 0);
	ADD(B_TEXT, 6, fs, 0, 0, 0);
	ADD(B_TEXT, 7, fs, 0, 0, 0);
	ADD(B_CODE, -1, fs, 0, 0, QR_SIZE + 24 > fs * 7.5 ? QR_SIZE + 24 : fs * 7.5);
	ADD(B_TEXT, 8, fs, 0, 0, 0);
	ADD(B_TEXT, 9, fs, 0, 0, 0);
	ADD(B_BOX, 10, fs - 1, 0, 0, 0);
#undef ADD
	r->n_blocks = k;
	for (i = 0; i < 9; i++)
		g_free(vals[i]);
	snprintf(r->sender_name, sizeof(r->sender_name), "%s",
		 br && br->controller && br->controller[0] ? br->controller : "Le responsable du traitement");
	snprintf(r->sender_dpo, sizeof(r->sender_dpo), "DPO : %s", br && br->dpo_contact ? br->dpo_contact : "");
	return 0;
}

/* User + system seconds of the process so far (every thread). */
static double cpu_now(void)
{
	struct rusage ru;

	if (getrusage(RUSAGE_SELF, &ru) != 0)
		return 0;
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
	       (double)ru.ru_stime.tv_usec / 1e6;
}

int bc_notify_letters(const struct bc_letters_options *o, struct bc_letters_stats *st, struct bc_error *err)
{
	double cpu0 = cpu_now();
	struct run *r;
	char p[PATH_MAX + 32];
	size_t i, nb, bs = o->batch ? o->batch : 10000;
	struct timespec t0, t1;
	time_t now = time(NULL);
	struct tm tm;
	int ret = -1;

	memset(st, 0, sizeof(*st));
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (!o->dir || !o->index_dir || !o->key_path || !o->page_url || !o->helpline)
		return bc_error_set(err, bc_err_usage, "letters need DIR, --index, --key, --page-url and --helpline");
	if (strncmp(o->page_url, "https://", 8) != 0 && strncmp(o->page_url, "http://localhost", 16) != 0 &&
	    strncmp(o->page_url, "http://127.0.0.1", 16) != 0)
		return bc_error_set_field(err, bc_err_usage, "--page-url", "--page-url must be an https:// URL");
	if (sodium_init() < 0)
		return bc_error_set(err, bc_err_crypto_failed, "libsodium could not be initialised");
	r = calloc(1, sizeof(*r));
	if (!r)
		return bc_error_set(err, bc_err_out_of_memory, "out of memory");
	r->o = o;
	pthread_mutex_init(&r->mu, NULL);
	atomic_init(&r->failed, 0);
	atomic_init(&r->done, 0);
	if (bc_index_open(o->index_dir, &r->ix, err) != 0 ||
	    bc_key_load(o->key_path, &r->key, err) != 0)
		goto out;
	if (sodium_memcmp(bc_index_public_key(r->ix), r->key->pk_s, 32) != 0) {
		bc_error_set(err, bc_err_key, "%s is not the key of the index %s", o->key_path, o->index_dir);
		goto out;
	}
	if (load_letters(r, st, err) != 0)
		goto out;
	if (o->deceased) {
		if (access(o->deceased, R_OK) != 0) {
			bc_error_set_field(err, bc_err_usage, "--deceased", "cannot read the death list %s: %s", o->deceased,
					   strerror(errno));
			goto out;
		}
		apply_deceased(r, err);
	}
	/* refuse to print a code that does not resolve in the published index */
	bc_parallel_for(r->n, 256, o->threads, check_range, r);
	for (i = 0; i < r->n; i++) {
		st->held_back += r->l[i].skip == 1;
		st->no_address += r->l[i].skip == 2;
		st->no_code += r->l[i].skip == 3;
		st->refused += r->l[i].skip == 4;
	}
	if (st->refused) {
		bc_error_set(err, bc_err_refused, "%zu code(s) of the notices do not resolve in the index %s: no letter "
			     "printed (was the breach ingested again with --new-codes, or another key used?)",
			     st->refused, o->index_dir);
		goto out;
	}
	gmtime_r(&now, &tm);
	strftime(r->date, sizeof(r->date), "Le %d/%m/%Y", &tm);
	build_texts(r, r->n ? bc_index_breach_by_name(r->ix, r->l[0].breach) : NULL);
	if (place_blocks(r) != 0) {
		bc_error_set(err, bc_err_fonts, "pango could not lay out the letter (fonts missing? install fonts-dejavu-core)");
		goto out;
	}
	if (snprintf(p, sizeof(p), "%s/letters", o->dir) >= (int)sizeof(p) || (mkdir(p, 0700) != 0 && errno != EEXIST)) {
		bc_error_set(err, bc_err_io, "cannot create %s/letters: %s", o->dir, strerror(errno));
		goto out;
	}
	nb = (r->n + bs - 1) / bs;
	bc_parallel_for(nb, 1, o->threads, render_batch, r);
	if (atomic_load(&r->failed)) {
		bc_error_set(err, bc_err_io, "cannot write the letters under %s/letters", o->dir);
		goto out;
	}
	st->printed = atomic_load(&r->done);
	st->files = r->files;
	st->pages_per_letter = (unsigned)r->pages;
	ret = 0;
out:
	clock_gettime(CLOCK_MONOTONIC, &t1);
	st->seconds = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	st->cpu_seconds = cpu_now() - cpu0;
	for (i = 0; i < r->n_blocks; i++)
		g_free(r->texts[i]);
	if (r->l)
		sodium_free(r->l);
	bc_index_free(r->ix);
	bc_key_free(r->key);
	pthread_mutex_destroy(&r->mu);
	free(r);
	return ret;
}
