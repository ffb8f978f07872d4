/*
 * html.c: the report as one HTML file that opens in a browser with no
 * network: inline CSS, two inline SVG charts (cost per day by model,
 * tokens by service), the table, and the notes.  No script, no fonts, no
 * images from elsewhere.
 */
#include <err.h>
#include <stdlib.h>
#include <string.h>

#include "aiusage.h"

#define CHART_W		760
#define CHART_H		260
#define PAD_L		70
#define PAD_B		40
#define MAX_SERIES	8	/* models drawn apart; the rest are "other" */

static const char *const palette[MAX_SERIES + 1] = {
	"#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948",
	"#b07aa1", "#ff9da7", "#9c755f",
};

static void
esc(FILE *f, const char *s)
{
	for (; *s != '\0'; s++)
		switch (*s) {
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '&': fputs("&amp;", f); break;
		case '"': fputs("&quot;", f); break;
		default: fputc(*s, f);
		}
}

static void
html_note(void *arg, int warn, const char *line)
{
	FILE *f = arg;

	fprintf(f, "<p class=\"%s\">", warn ? "warn" : "note");
	esc(f, line);
	fputs("</p>\n", f);
}

struct series {
	char	 name[128];
	double	 total;
};

static int
by_total(const void *a, const void *b)
{
	const struct series *x = a, *y = b;

	return x->total < y->total ? 1 : x->total > y->total ? -1 :
	    strcmp(x->name, y->name);
}

/* The series of the chart: the models by cost, the costliest first. */
static int
series_of(struct group **v, struct series *s, int max)
{
	char model[128];
	int n = 0, i;
	size_t r;

	for (r = 0; v[r] != NULL; r++) {
		if (group_cost_unknown(v[r]))
			continue;	/* unpriced: no bar, never $0 */
		group_value(v[r], 1, model, sizeof(model));
		for (i = 0; i < n; i++)
			if (strcmp(s[i].name, model) == 0)
				break;
		if (i == n) {
			if (n == max)
				continue;
			snprintf(s[n].name, sizeof(s->name), "%s", model);
			s[n++].total = 0;
		}
		s[i].total += ai_money_dollars(&v[r]->cost);
	}
	qsort(s, (size_t)n, sizeof(*s), by_total);
	return n;
}

/* Cost per day, a stacked bar a day, a color a model. */
static void
chart_cost(FILE *f, struct tally *dm)
{
	struct group **v = tally_sorted(dm);
	struct series s[64];
	char day[64], prev[64] = "", model[128], days[400][64];
	double total[400] = { 0 }, max = 0, y[400] = { 0 }, bw, h, d;
	int nd = 0, ns, i, k;
	size_t r;

	ns = series_of(v, s, 64);
	for (r = 0; v[r] != NULL; r++) {	/* sorted by day first */
		group_value(v[r], 0, day, sizeof(day));
		if (strcmp(day, "-") == 0)
			continue;		/* undated: on no day */
		if (strcmp(day, prev) != 0) {
			if (nd == 400) {	/* the last 400 days */
				memmove(days, days + 1, sizeof(days[0]) * 399);
				memmove(total, total + 1, sizeof(total[0]) * 399);
				total[--nd] = 0;
			}
			snprintf(days[nd++], sizeof(days[0]), "%s", day);
			snprintf(prev, sizeof(prev), "%s", day);
		}
		total[nd - 1] += ai_money_dollars(&v[r]->cost);
	}
	for (i = 0; i < nd; i++)
		if (total[i] > max)
			max = total[i];
	fprintf(f, "<svg id=\"cost-per-day\" xmlns=\"http://www.w3.org/2000/svg\""
	    " width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\""
	    " aria-label=\"Cost per day by model\">\n", CHART_W, CHART_H + 30,
	    CHART_W, CHART_H + 30);
	fprintf(f, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\""
	    " stroke=\"#888\"/>\n", PAD_L, CHART_H - PAD_B, CHART_W,
	    CHART_H - PAD_B);
	fprintf(f, "<text x=\"%d\" y=\"16\" class=\"axis\" text-anchor=\"end\">"
	    "$%.4f</text>\n", PAD_L - 6, max);
	fprintf(f, "<text x=\"%d\" y=\"%d\" class=\"axis\" text-anchor=\"end\">"
	    "$0</text>\n", PAD_L - 6, CHART_H - PAD_B);
	bw = nd > 0 ? (double)(CHART_W - PAD_L - 10) / nd : 0;
	for (r = 0; v[r] != NULL; r++) {
		group_value(v[r], 0, day, sizeof(day));
		group_value(v[r], 1, model, sizeof(model));
		for (k = 0; k < nd && strcmp(days[k], day) != 0; k++)
			;
		if (k == nd || max <= 0 || group_cost_unknown(v[r]))
			continue;
		for (i = 0; i < ns && i < MAX_SERIES &&
		    strcmp(s[i].name, model) != 0; i++)
			;
		d = ai_money_dollars(&v[r]->cost);
		h = d / max * (CHART_H - PAD_B - 20);
		y[k] += h;
		fprintf(f, "<rect class=\"bar\" x=\"%.1f\" y=\"%.1f\""
		    " width=\"%.1f\" height=\"%.1f\" fill=\"%s\"><title>",
		    PAD_L + k * bw + bw * 0.1, CHART_H - PAD_B - y[k],
		    bw * 0.8, h, palette[i < MAX_SERIES ? i : MAX_SERIES]);
		esc(f, day);
		fputs(" ", f);
		esc(f, model);
		fprintf(f, ": $%.6f</title></rect>\n", d);
	}
	for (k = 0; k < nd; k++)
		if (nd <= 12 || k % (nd / 12 + 1) == 0)
			fprintf(f, "<text x=\"%.1f\" y=\"%d\" class=\"axis\""
			    " text-anchor=\"middle\">%s</text>\n",
			    PAD_L + k * bw + bw / 2, CHART_H - PAD_B + 16,
			    days[k]);
	for (i = 0; i < ns && i <= MAX_SERIES; i++) {
		fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"10\" height=\"10\""
		    " fill=\"%s\"/><text x=\"%d\" y=\"%d\" class=\"legend\">",
		    PAD_L + (i % 4) * 170, CHART_H - 8 + (i / 4) * 16,
		    palette[i], PAD_L + (i % 4) * 170 + 14, CHART_H + 1 +
		    (i / 4) * 16);
		esc(f, i == MAX_SERIES ? "other" : s[i].name);
		fputs("</text>\n", f);
	}
	fputs("</svg>\n", f);
	free(v);
}

/* Tokens by service: a bar of input and one of output for each. */
static void
chart_tokens(FILE *f, struct tally *sv)
{
	struct group **v = tally_sorted(sv);
	char name[128];
	double max = 0, w;
	int n = 0, i, height;
	size_t r;

	for (r = 0; v[r] != NULL; r++, n++)
		if ((double)(v[r]->in + v[r]->out) > max)
			max = (double)(v[r]->in + v[r]->out);
	height = 30 + 26 * (n > 0 ? n : 1);
	fprintf(f, "<svg id=\"tokens-by-service\""
	    " xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\""
	    " viewBox=\"0 0 %d %d\" role=\"img\" aria-label=\"Tokens by"
	    " service\">\n", CHART_W, height, CHART_W, height);
	for (r = 0, i = 0; v[r] != NULL; r++, i++) {
		group_value(v[r], 0, name, sizeof(name));
		fprintf(f, "<text x=\"%d\" y=\"%d\" class=\"axis\""
		    " text-anchor=\"end\">", 150, 22 + 26 * i);
		esc(f, name);
		fputs("</text>\n", f);
		if (max <= 0)
			continue;
		w = (double)v[r]->in / max * (CHART_W - 260);
		fprintf(f, "<rect class=\"bar\" x=\"156\" y=\"%d\" width=\"%.1f\""
		    " height=\"16\" fill=\"%s\"><title>", 10 + 26 * i, w,
		    palette[0]);
		esc(f, name);
		fprintf(f, ": %lld input tokens</title></rect>\n",
		    (long long)v[r]->in);
		fprintf(f, "<rect class=\"bar\" x=\"%.1f\" y=\"%d\" width=\"%.1f\""
		    " height=\"16\" fill=\"%s\"><title>", 156 + w, 10 + 26 * i,
		    (double)v[r]->out / max * (CHART_W - 260), palette[1]);
		esc(f, name);
		fprintf(f, ": %lld output tokens</title></rect>\n",
		    (long long)v[r]->out);
		fprintf(f, "<text x=\"%.1f\" y=\"%d\" class=\"axis\">%lld</text>\n",
		    156 + (double)(v[r]->in + v[r]->out) / max *
		    (CHART_W - 260) + 6, 22 + 26 * i,
		    (long long)(v[r]->in + v[r]->out));
	}
	fputs("</svg>\n", f);
	free(v);
}

static const char style[] =
    "body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#222}"
    "table{border-collapse:collapse;margin:1em 0}"
    "th,td{padding:3px 10px;border-bottom:1px solid #ddd}"
    "td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}"
    "tr.total td{font-weight:bold;border-top:2px solid #888}"
    ".axis,.legend{font-size:11px;fill:#444}"
    ".note{color:#555}.warn{color:#a40}";

static void
html_table(FILE *f, struct tally *t)
{
	struct group **v = tally_sorted(t);
	int i, nby = t->o->nby > 0 ? t->o->nby : 1;
	char cost[32], saved[32], val[256];
	size_t r;

	fputs("<table id=\"report\">\n<tr>", f);
	for (i = 0; i < nby; i++) {
		fputs("<th>", f);
		esc(f, t->o->nby == 0 ? "group" : t->o->by[i] == D_FIELD ?
		    t->o->field_label : dim_name(t->o->by[i]));
		fputs("</th>", f);
	}
	fputs("<th class=\"n\">requests</th><th class=\"n\">errors</th>"
	    "<th class=\"n\">input</th><th class=\"n\">output</th>"
	    "<th class=\"n\">cached</th><th class=\"n\">cost ($)</th>"
	    "<th class=\"n\">cache hits</th><th class=\"n\">saved ($)</th>"
	    "<th class=\"n\">p50 ms</th><th class=\"n\">p95 ms</th>"
	    "<th class=\"n\">p99 ms</th></tr>\n", f);
	for (r = 0; ; r++) {
		const struct group *g = v[r] ? v[r] : &t->total;

		fputs(v[r] ? "<tr>" : "<tr class=\"total\">", f);
		for (i = 0; i < nby; i++) {
			if (v[r] == NULL)
				snprintf(val, sizeof(val), "%s", i ? "" :
				    "TOTAL");
			else if (t->o->nby == 0)
				snprintf(val, sizeof(val), "all");
			else
				group_value(g, i, val, sizeof(val));
			fputs("<td>", f);
			esc(f, val);
			fputs("</td>", f);
		}
		cost_text(t, g, cost, sizeof(cost));
		money_text(&g->saved, t->o->decimals, 1, saved,
		    sizeof(saved));
		fprintf(f, "<td class=\"n\">%lld</td><td class=\"n\">%lld</td>"
		    "<td class=\"n\">%lld</td><td class=\"n\">%lld</td>"
		    "<td class=\"n\">%lld</td><td class=\"n\">",
		    (long long)g->requests, (long long)g->errors,
		    (long long)g->in, (long long)g->out, (long long)g->cached);
		esc(f, cost);
		fprintf(f, "</td><td class=\"n\">%lld</td><td class=\"n\">",
		    (long long)g->hits);
		esc(f, saved);
		fputs("</td>", f);
		for (i = 0; i < 3; i++) {
			int64_t p = hist_percentile(g->lat,
			    i == 0 ? 0.5 : i == 1 ? 0.95 : 0.99);

			if (p < 0)
				fputs("<td class=\"n\">-</td>", f);
			else
				fprintf(f, "<td class=\"n\">%lld</td>",
				    (long long)p);
		}
		fputs("</tr>\n", f);
		if (v[r] == NULL)
			break;
	}
	fputs("</table>\n", f);
	free(v);
}

/*
 * The headline: the total cost and of how many requests.  Calls left
 * out of the cost (no price, tokens not known) are said, the cost a
 * floor or not known, never read as all of it.
 */
static void
headline(FILE *f, const struct tally *t)
{
	const struct group *g = &t->total;
	char total[32], left[96];

	money_text(&g->cost, t->o->decimals, 1, total, sizeof(total));
	fputs("<p>Total cost <strong>", f);
	if (group_cost_unknown(g))
		fputs("unknown", f);
	else
		fprintf(f, "%s%s$%s", group_uncosted(g) > 0 ? "at least " :
		    "", *total == '<' ? "&lt;" : "", total + (*total == '<'));
	fprintf(f, "</strong> for %lld requests", (long long)g->requests);
	if (group_uncosted(g) > 0) {
		uncosted_text(g, left, sizeof(left));
		fprintf(f, " (%s%s, not in the cost)",
		    group_cost_unknown(g) ? "" : "+ ", left);
	}
	fputs(".</p>\n", f);
}

int
report_html(FILE *f, struct tally *t, const char *title)
{
	fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta"
	    " charset=\"utf-8\">\n<title>", f);
	esc(f, title);
	fprintf(f, "</title>\n<style>%s</style>\n</head>\n<body>\n<h1>", style);
	esc(f, title);
	fputs("</h1>\n", f);
	headline(f, t);
	fputs("<h2>Cost per day by model</h2>\n", f);
	chart_cost(f, t->next);
	fputs("<h2>Tokens by service</h2>\n", f);
	chart_tokens(f, t->next->next);
	fputs("<h2>Details</h2>\n", f);
	html_table(f, t);
	report_notes(t, html_note, f);
	fputs("</body>\n</html>\n", f);
	return 0;
}
