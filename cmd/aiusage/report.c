/*
 * report.c: the report as text: an aligned table with a bar of the cost
 * of each group, Markdown, CSV, TSV or JSON lines.  Every format has the
 * same columns and a totals row; what the sums leave out (unpriced calls,
 * duplicates) is said under the table, or on standard error for the
 * formats that programs read.
 */
#include <err.h>
#include <langinfo.h>
#include <stdlib.h>
#include <string.h>

#include "aiusage.h"

#define NCOLS_MAX	(MAX_BY + 12)
#define CELL		256

static const char *const dim_names[] = {
	[D_MODEL] = "model", [D_PROVIDER] = "provider",
	[D_SERVICE] = "service", [D_STATUS] = "status", [D_TIER] = "tier",
	[D_HOUR] = "hour", [D_DAY] = "day", [D_WEEK] = "week",
	[D_MONTH] = "month", [D_FIELD] = "field",
};

const char *
dim_name(enum dim d)
{
	return dim_names[d];
}

/* The i-th value of the group's key. */
void
group_value(const struct group *g, int i, char *out, size_t size)
{
	const char *s = g->key, *e;

	for (; i > 0 && (s = strchr(s, '\x1f')) != NULL; i--)
		s++;
	if (s == NULL) {
		snprintf(out, size, "-");
		return;
	}
	e = strchr(s, '\x1f');
	ai_text_clean(out, size, s, e ? (size_t)(e - s) : strlen(s));
}

/* The columns after the group's: name, and whether a number. */
static const char *const stat_cols[] = {
	"requests", "errors", "input_tokens", "output_tokens",
	"cached_tokens", "cost", "cache_hits", "saved", "p50_ms", "p95_ms",
	"p99_ms", "unpriced",
};
#define NSTATS	(int)(sizeof(stat_cols) / sizeof(stat_cols[0]))

static int
ncols(const struct tally *t)
{
	return (t->o->nby > 0 ? t->o->nby : 1) + NSTATS;
}

static const char *
col_name(const struct tally *t, int i, char *buf, size_t size)
{
	if (t->o->nby == 0 && i == 0)
		return "group";
	if (i < t->o->nby) {
		if (t->o->by[i] == D_FIELD) {
			snprintf(buf, size, "%s", t->o->field_label);
			return buf;
		}
		return dim_name(t->o->by[i]);
	}
	return stat_cols[i - (t->o->nby > 0 ? t->o->nby : 1)];
}

/*
 * Dollars to the given decimals.  For people (human set) a sum that is
 * not zero never reads as zero: below the last decimal it is "<0.0001",
 * "<1" with none.  Programs get the number.
 */
void
money_text(const struct ai_money *m, int decimals, int human, char *out,
    size_t size)
{
	ai_money_format(m, decimals, out, size);
	if (!human || (m->micro == 0 && m->pico == 0) ||
	    out[strspn(out, "0.")] != '\0')
		return;
	if (decimals <= 0)
		snprintf(out, size, "<1");
	else
		snprintf(out, size, "<0.%0*d", decimals, 1);
}

/* Whether the format is read by people: table, Markdown, HTML. */
int
human_format(const struct opts *o)
{
	return o->format == F_TABLE || o->format == F_MARKDOWN ||
	    o->format == F_HTML;
}

/* A group's cost: "-" when none of its calls has a price or tokens known. */
void
cost_text(const struct tally *t, const struct group *g, char *out,
    size_t size)
{
	if (group_cost_unknown(g))
		snprintf(out, size, "-");
	else
		money_text(&g->cost, t->o->decimals, human_format(t->o), out,
		    size);
}

/*
 * The calls left out of a group's cost, in words: "20 unpriced calls",
 * "3 calls of unknown tokens", or both.
 */
void
uncosted_text(const struct group *g, char *out, size_t size)
{
	int64_t u = g->unpriced, n = g->no_usage;

	if (u > 0 && n > 0)
		snprintf(out, size, "%lld unpriced %s and %lld of unknown"
		    " tokens", (long long)u, u == 1 ? "call" : "calls",
		    (long long)n);
	else if (u > 0)
		snprintf(out, size, "%lld unpriced %s", (long long)u,
		    u == 1 ? "call" : "calls");
	else
		snprintf(out, size, "%lld %s of unknown tokens", (long long)n,
		    n == 1 ? "call" : "calls");
}

static void
ms_cell(char *cell, int64_t v)
{
	if (v < 0)
		snprintf(cell, CELL, "-");
	else
		snprintf(cell, CELL, "%lld", (long long)v);
}

/* The cells of a row; the totals row when total is set. */
static void
row_cells(const struct tally *t, const struct group *g, int total,
    char cell[][CELL])
{
	int i, k = t->o->nby > 0 ? t->o->nby : 1;
	int dec = t->o->decimals;

	for (i = 0; i < k; i++)
		if (total)
			snprintf(cell[i], CELL, "%s", i == 0 ? "TOTAL" : "");
		else if (t->o->nby == 0)
			snprintf(cell[i], CELL, "all");
		else
			group_value(g, i, cell[i], CELL);
	snprintf(cell[k++], CELL, "%lld", (long long)g->requests);
	snprintf(cell[k++], CELL, "%lld", (long long)g->errors);
	snprintf(cell[k++], CELL, "%lld", (long long)g->in);
	snprintf(cell[k++], CELL, "%lld", (long long)g->out);
	snprintf(cell[k++], CELL, "%lld", (long long)g->cached);
	cost_text(t, g, cell[k++], CELL);
	snprintf(cell[k++], CELL, "%lld", (long long)g->hits);
	money_text(&g->saved, dec, human_format(t->o), cell[k++], CELL);
	ms_cell(cell[k++], hist_percentile(g->lat, 0.50));
	ms_cell(cell[k++], hist_percentile(g->lat, 0.95));
	ms_cell(cell[k++], hist_percentile(g->lat, 0.99));
	snprintf(cell[k++], CELL, "%lld", (long long)g->unpriced);
}

/* --- what the sums leave out */

/*
 * What the sums leave out, a line each, given to put with whether it is a
 * warning: the formats write them each their own way.
 */
void
report_notes(const struct tally *t, note_fn put, void *arg)
{
	char line[4096];
	size_t n;
	int i;

	snprintf(line, sizeof(line), "prices: %s", prog_label);
	put(arg, 0, line);
	if (t->unread > 0) {
		snprintf(line, sizeof(line), "warning: %d %s could not be read,"
		    " so %s not in the report", t->unread, t->unread == 1 ?
		    "file" : "files", t->unread == 1 ? "is" : "are");
		put(arg, 1, line);
	}
	if (t->no_results > 0) {
		snprintf(line, sizeof(line), "warning: %d %s no results (not"
		    " one line is a record with an answer or an error), so %s"
		    " nothing to the report", t->no_results,
		    t->no_results == 1 ? "file has" : "files have",
		    t->no_results == 1 ? "adds" : "add");
		put(arg, 1, line);
	}
	if (t->total.unpriced > 0) {
		n = (size_t)snprintf(line, sizeof(line), "warning: %lld %s of"
		    " models without a price %s not in the cost:",
		    (long long)t->total.unpriced, t->total.unpriced == 1 ?
		    "call" : "calls", t->total.unpriced == 1 ? "is" : "are");
		for (i = 0; i < t->nunp && n < sizeof(line); i++)
			n += (size_t)snprintf(line + n, sizeof(line) - n,
			    "%s %s (%lld)", i ? "," : "", t->unp[i].model,
			    (long long)t->unp[i].calls);
		put(arg, 1, line);
	}
	if (t->no_usage > 0) {
		snprintf(line, sizeof(line), "warning: %lld successful %s no"
		    " token counts, so %s not in the tokens or the cost",
		    (long long)t->no_usage, t->no_usage == 1 ? "call has" :
		    "calls have", t->no_usage == 1 ? "is" : "are");
		put(arg, 1, line);
	}
	if (t->duplicates > 0) {
		snprintf(line, sizeof(line), "%lld duplicate %s dropped",
		    (long long)t->duplicates, t->duplicates == 1 ? "record" :
		    "records");
		put(arg, 0, line);
	}
	if (t->undated > 0) {
		snprintf(line, sizeof(line), "%lld %s without a time left"
		    " out of the time range", (long long)t->undated,
		    t->undated == 1 ? "record" : "records");
		put(arg, 0, line);
	}
	if (t->unsent > 0) {
		snprintf(line, sizeof(line), "%lld %s not sent (refused "
		    "before any call, as by ailimit): not counted as requests",
		    (long long)t->unsent, t->unsent == 1 ? "record" :
		    "records");
		put(arg, 0, line);
	}
	if (t->bad_lines > 0) {
		snprintf(line, sizeof(line), "%lld %s skipped, not results"
		    " (the first: %s, line %ld)", (long long)t->bad_lines,
		    t->bad_lines == 1 ? "line" : "lines", t->first_bad_name,
		    t->first_bad_line);
		put(arg, 0, line);
	}
}

struct plain_notes {
	FILE		*f;
	const char	*prefix;
};

/* A note goes to a terminal: a file name in it is shown safe. */
static void
plain_note(void *arg, int warn, const char *line)
{
	struct plain_notes *p = arg;
	char shown[16384];

	fprintf(p->f, "%s%s\n", p->prefix, ai_text_show(shown, sizeof(shown),
	    line));
}

/* The notes under a report, each one line. */
static void
notes(FILE *f, const struct tally *t, const char *prefix)
{
	struct plain_notes p = { f, prefix };

	report_notes(t, plain_note, &p);
}

/* --- the table */

/* A Markdown cell: a '|' in a value would start another cell. */
static void
md_escape(char *cell)
{
	char tmp[CELL];
	size_t i, o = 0;

	for (i = 0; cell[i] != '\0' && o < sizeof(tmp) - 2; i++) {
		if (cell[i] == '|' || cell[i] == '\\')
			tmp[o++] = '\\';
		tmp[o++] = cell[i];
	}
	tmp[o] = '\0';
	memcpy(cell, tmp, o + 1);
}

/* The row's cells, as the table or Markdown shows them. */
static void
table_cells(const struct tally *t, const struct group *g, int total,
    char cell[][CELL], int md)
{
	int i;

	row_cells(t, g, total, cell);
	for (i = 0; md && i < t->o->nby; i++)
		md_escape(cell[i]);
}

static int
utf8(void)
{
	const char *cs = nl_langinfo(CODESET);

	return cs != NULL && strcmp(cs, "UTF-8") == 0;
}

static void
bar(FILE *f, const struct group *g, double max, const char *block)
{
	int i, n;

	if (max <= 0)
		return;
	n = (int)(20.0 * ai_money_dollars(&g->cost) / max + 0.5);
	if (n == 0 && ai_money_micro(&g->cost) > 0)
		n = 1;
	if (n > 0)
		fputs("  ", f);
	for (i = 0; i < n; i++)
		fputs(block, f);
}

static void
table(FILE *f, struct tally *t, struct group **v, int md)
{
	static char cell[NCOLS_MAX][CELL];
	int w[NCOLS_MAX] = { 0 }, n = ncols(t), i, k, nby = n - NSTATS;
	char name[CELL];
	double max = 0;
	size_t r;

	n--;		/* "unpriced" is said under the table */
	for (i = 0; i < n; i++)
		w[i] = (int)strlen(col_name(t, i, name, sizeof(name)));
	for (r = 0; ; r++) {
		table_cells(t, v[r] ? v[r] : &t->total, v[r] == NULL, cell,
		    md);
		for (i = 0; i < n; i++)
			if ((int)strlen(cell[i]) > w[i])
				w[i] = (int)strlen(cell[i]);
		if (v[r] == NULL)
			break;
		if (ai_money_dollars(&v[r]->cost) > max)
			max = ai_money_dollars(&v[r]->cost);
	}
	for (i = 0; i < n; i++)
		fprintf(f, md ? "| %-*s " : i == 0 ? "%-*s" : i < nby ?
		    "  %-*s" : "  %*s", w[i], col_name(t, i, name,
		    sizeof(name)));
	fputs(md ? "|\n" : "\n", f);
	if (md) {
		for (i = 0; i < n; i++)
			fprintf(f, "|%s", i < nby ? " --- " : " ---: ");
		fputs("|\n", f);
	}
	for (r = 0; ; r++) {
		const struct group *g = v[r] ? v[r] : &t->total;

		table_cells(t, g, v[r] == NULL, cell, md);
		for (i = 0; i < n; i++) {
			k = i < nby;
			if (md)
				fprintf(f, k ? "| %-*s " : "| %*s ", w[i],
				    cell[i]);
			else
				fprintf(f, i == 0 ? "%-*s" : k ? "  %-*s" :
				    "  %*s", w[i], cell[i]);
		}
		if (md)
			fputs("|", f);
		else if (v[r] != NULL && !t->o->no_bars)
			bar(f, g, max, utf8() ? "\u2588" : "#");
		fputs("\n", f);
		if (v[r] == NULL)
			break;
	}
	fputs("\n", f);
	notes(f, t, md ? "- " : "");
}

/* --- CSV, TSV and JSON lines */

/*
 * A cell of CSV or TSV.  "-", what a report writes for no value, is an
 * empty cell; a value that a spreadsheet would run as a formula is made
 * text with a leading quote.
 */
static void
csv_cell(FILE *f, const char *s, int tsv)
{
	if (strcmp(s, "-") == 0)
		return;
	if (strchr("=+-@", *s) != NULL && *s != '\0')
		fputc('\'', f);
	if (tsv) {
		for (; *s != '\0'; s++)
			fputc(*s == '\t' || *s == '\n' || *s == '\r' ? ' ' :
			    *s, f);
		return;
	}
	if (strpbrk(s, ",\"\r\n") == NULL) {
		fputs(s, f);
		return;
	}
	fputc('"', f);
	for (; *s != '\0'; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

static void
delimited(FILE *f, struct tally *t, struct group **v, int tsv)
{
	static char cell[NCOLS_MAX][CELL];
	const char *sep = tsv ? "\t" : ",";
	int n = ncols(t), i;
	char name[CELL];
	size_t r;

	for (i = 0; i < n; i++) {
		fputs(i ? sep : "", f);
		csv_cell(f, col_name(t, i, name, sizeof(name)), tsv);
	}
	fputs(tsv ? "\n" : "\r\n", f);
	for (r = 0; ; r++) {
		row_cells(t, v[r] ? v[r] : &t->total, v[r] == NULL, cell);
		for (i = 0; i < n; i++) {
			fputs(i ? sep : "", f);
			csv_cell(f, cell[i], tsv);
		}
		fputs(tsv ? "\n" : "\r\n", f);
		if (v[r] == NULL)
			break;
	}
}

static void
put_jstr(FILE *f, const char *s)
{
	struct ai_buf b = { 0 };

	if (ai_buf_jstr(&b, s) == -1)
		errx(1, "out of memory, or a string that is not UTF-8");
	fwrite(b.data, 1, b.len, f);
	ai_buf_free(&b);
}

/* What the sums leave out, as members of the totals object. */
static void
jsonl_notes(FILE *f, const struct tally *t)
{
	int i;

	fputs(",\"prices\":", f);
	put_jstr(f, prog_label);
	fprintf(f, ",\"duplicates\":%lld,\"undated\":%lld,"
	    "\"skipped_lines\":%lld,\"not_sent\":%lld,\"no_usage\":%lld,"
	    "\"unpriced_models\":{", (long long)t->duplicates,
	    (long long)t->undated, (long long)t->bad_lines,
	    (long long)t->unsent, (long long)t->no_usage);
	for (i = 0; i < t->nunp; i++) {
		fputs(i ? "," : "", f);
		put_jstr(f, t->unp[i].model);
		fprintf(f, ":%lld", (long long)t->unp[i].calls);
	}
	fputs("}}\n", f);
}

static void
jsonl(FILE *f, struct tally *t, struct group **v)
{
	static char cell[NCOLS_MAX][CELL];
	int n = ncols(t), i, nby = n - NSTATS;
	char name[CELL];
	size_t r;

	for (r = 0; ; r++) {
		row_cells(t, v[r] ? v[r] : &t->total, v[r] == NULL, cell);
		fputc('{', f);
		if (v[r] == NULL)
			fputs("\"total\":true", f);
		else
			for (i = 0; i < nby; i++) {
				fputs(i ? "," : "", f);
				put_jstr(f, col_name(t, i, name,
				    sizeof(name)));
				fputc(':', f);
				put_jstr(f, cell[i]);
			}
		for (i = nby; i < n; i++) {
			fputc(',', f);
			put_jstr(f, col_name(t, i, name, sizeof(name)));
			fprintf(f, ":%s", strcmp(cell[i], "-") ? cell[i] :
			    "null");
		}
		if (v[r] == NULL) {
			jsonl_notes(f, t);
			break;
		}
		fputs("}\n", f);
	}
}

/* Writes the report in the format of the options; -1 on a write error. */
int
report(FILE *f, struct tally *t, const char *title)
{
	struct group **v;

	if (t->o->format == F_HTML)
		report_html(f, t, title);
	else {
		v = tally_sorted(t);
		switch (t->o->format) {
		case F_MARKDOWN: table(f, t, v, 1); break;
		case F_CSV:	 delimited(f, t, v, 0); break;
		case F_TSV:	 delimited(f, t, v, 1); break;
		case F_JSONL:	 jsonl(f, t, v); break;
		default:	 table(f, t, v, 0); break;
		}
		free(v);
	}
	if (t->o->format != F_TABLE && t->o->format != F_MARKDOWN &&
	    t->o->format != F_HTML)
		notes(stderr, t, "aiusage: ");
	return fflush(f) == EOF || ferror(f) ? -1 : 0;
}
