/*
 * aiusage: token and cost reports, from the usage log of aiq(1) and
 * aicache(1) or from records: aiq's output, OpenAI Batch output files,
 * Anthropic Message Batches results.
 */
#include <sys/stat.h>

#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "aiusage.h"

#define EXIT_BUDGET	3
#define EXIT_UNPRICED	4

const char *prog_label = "";

enum {
	OPT_BATCH = 256, OPT_BUDGET, OPT_DECIMALS, OPT_LOG, OPT_NO_BARS,
	OPT_NO_DEDUP, OPT_PERIOD, OPT_PRICES, OPT_TITLE,
};

static const struct option longopts[] = {
	{ "batch",	no_argument,		NULL, OPT_BATCH },
	{ "budget",	required_argument,	NULL, OPT_BUDGET },
	{ "by",		required_argument,	NULL, 'b' },
	{ "decimals",	required_argument,	NULL, OPT_DECIMALS },
	{ "format",	required_argument,	NULL, 'f' },
	{ "help",	no_argument,		NULL, 'h' },
	{ "log",	no_argument,		NULL, OPT_LOG },
	{ "model",	required_argument,	NULL, 'm' },
	{ "no-bars",	no_argument,		NULL, OPT_NO_BARS },
	{ "no-dedup",	no_argument,		NULL, OPT_NO_DEDUP },
	{ "period",	required_argument,	NULL, OPT_PERIOD },
	{ "prices",	required_argument,	NULL, OPT_PRICES },
	{ "service",	required_argument,	NULL, 'S' },
	{ "since",	required_argument,	NULL, 's' },
	{ "title",	required_argument,	NULL, OPT_TITLE },
	{ "until",	required_argument,	NULL, 'u' },
	{ "usage-log",	required_argument,	NULL, 'L' },
	{ "version",	no_argument,		NULL, 'V' },
	{ NULL,		0,			NULL, 0 }
};

static const char synopsis[] =
"usage: aiusage [-hV] [-b dims] [-f format] [-L file] [-m model] [-S service]\n"
"               [-s time] [-u time] [--batch] [--budget dollars]\n"
"               [--decimals n] [--log] [--no-bars] [--no-dedup]\n"
"               [--period period] [--prices file] [--title text]\n"
"               [file ...]\n";

/* A line an option, in the order of the synopsis; details in the man page. */
static const char options[] =
"  -b, --by dims          group by up to 4 dimensions: day,model, tag:team...\n"
"  -f, --format format    table, markdown, csv, tsv, jsonl or html\n"
"  -h, --help             print this help, and exit\n"
"  -L, --usage-log file   read this usage log\n"
"  -m, --model name       only calls of this model\n"
"  -S, --service name     only calls of this service\n"
"  -s, --since time       only calls at or after time: 7d, month, 2026-11-01...\n"
"  -u, --until time       only calls before time\n"
"  -V, --version          print the version, and exit\n"
"      --batch            price every call at batch prices\n"
"      --budget dollars   the spend of the --period against this budget\n"
"      --decimals n       dollars to n decimals, 0 to 6\n"
"      --log              read the usage log even when stdin brings records\n"
"      --no-bars          no bar chart in the table\n"
"      --no-dedup         count every record, duplicates too\n"
"      --period period    of --budget: day, week or month (the default)\n"
"      --prices file      load a price table over the built-in one, up to 7\n"
"      --title text       the title of the HTML report\n"
"\nRecords come from the files, or stdin; without any, from the usage log.\n"
"See aiusage(1).\n";

/* Ends the run once stdout has what was written to it, or exits 1. */
static void
exit_flushed(int status)
{
	if (fflush(stdout) == EOF || ferror(stdout))
		err(1, "write error");
	exit(status);
}

/* -h: the synopsis and the options on stdout; else the synopsis only. */
static void
usage(int status)
{
	if (status != 0) {
		fputs(synopsis, stderr);
		exit(status);
	}
	printf("%s\n%s", synopsis, options);
	exit_flushed(0);
}

/*
 * A bad option value, in the one shape of every tool: the option, the
 * value as given (shown safe for a terminal), why; then the usage.
 */
static void
bad_value(const char *opt, const char *value, const char *why)
{
	char shown[512];

	warnx("%s '%s': %s", opt, ai_text_show(shown, sizeof(shown), value),
	    why);
	usage(2);
}

static void
no_field_in_log(const struct opts *o)
{
	char by[256];

	if (o->field != NULL && o->tag == NULL) {
		snprintf(by, sizeof(by), "field:%s", o->field);
		bad_value("--by", by, "the usage log keeps no record fields;"
		    " tag the calls with aiq --tag and group by tag:NAME");
	}
}

static int
has_dim(const struct opts *o, enum dim d)
{
	int i;

	for (i = 0; i < o->nby; i++)
		if (o->by[i] == d)
			return 1;
	return 0;
}

/* Adds tag:NAME or field:PATH; why it cannot, or NULL. */
static const char *
add_field(const char *s, struct opts *o, char *why, size_t size)
{
	char shown[256];

	ai_text_show(shown, sizeof(shown), s);
	if (o->field != NULL && strcmp(s + (*s == 'f' ? 6 : 4), o->tag ?
	    o->tag : o->field) == 0 && (*s == 't') == (o->tag != NULL))
		snprintf(why, size, "%s given twice", shown);
	else if (o->field != NULL)
		snprintf(why, size, "%s: a second tag: or field: (one at a"
		    " time)", shown);
	else if (*s == 'f' && s[6] == '\0')
		snprintf(why, size, "field: without a path");
	else if (*s == 't' && !ai_tag_name_ok(s + 4))
		snprintf(why, size, "%s: not a tag name (1 to 64 letters,"
		    " digits, - and _)", shown);
	else {
		if (*s == 'f')
			o->field = o->field_label = s + 6;
		else {
			o->tag = o->field_label = s + 4;
			snprintf(o->tag_path, sizeof(o->tag_path),
			    "aitools.tags.%s", o->tag);
			o->field = o->tag_path;
		}
		o->by[o->nby++] = D_FIELD;
		return NULL;
	}
	return why;
}

/* Adds a dimension of --by; why it cannot, or NULL. */
static const char *
add_dim(const char *s, struct opts *o, char *why, size_t size)
{
	char shown[256];
	int d;

	if (o->nby == MAX_BY) {
		snprintf(why, size, "more than %d dimensions", MAX_BY);
		return why;
	}
	if (strncmp(s, "field:", 6) == 0 || strncmp(s, "tag:", 4) == 0)
		return add_field(s, o, why, size);
	for (d = D_MODEL; d < D_FIELD; d++)
		if (strcmp(s, dim_name((enum dim)d)) == 0) {
			if (has_dim(o, (enum dim)d)) {
				snprintf(why, size, "%s given twice", s);
				return why;
			}
			o->by[o->nby++] = (enum dim)d;
			return NULL;
		}
	snprintf(why, size, "unknown dimension %s (model, provider, service,"
	    " status, tier, hour, day, week, month, tag:NAME or field:PATH)",
	    ai_text_show(shown, sizeof(shown), s));
	return why;
}

/* Reads --by in place: the names of tag: and field: stay in argv. */
static void
parse_by(char *list, struct opts *o)
{
	char value[512], why[512], *s;

	snprintf(value, sizeof(value), "%s", list);
	o->nby = 0;
	o->field = o->field_label = o->tag = NULL;
	for (s = strtok(list, ","); s != NULL; s = strtok(NULL, ","))
		if (add_dim(s, o, why, sizeof(why)) != NULL)
			bad_value("--by", value, why);
}

static enum format
parse_format(const char *s)
{
	static const struct {
		const char	*name;
		enum format	 f;
	} f[] = {
		{ "table", F_TABLE }, { "csv", F_CSV }, { "tsv", F_TSV },
		{ "jsonl", F_JSONL }, { "json", F_JSONL },
		{ "markdown", F_MARKDOWN }, { "md", F_MARKDOWN },
		{ "html", F_HTML },
	};
	size_t i;

	for (i = 0; i < sizeof(f) / sizeof(f[0]); i++)
		if (strcmp(s, f[i].name) == 0)
			return f[i].f;
	bad_value("--format", s, "not table, markdown, csv, tsv, jsonl or"
	    " html");
	return F_TABLE;
}

static int64_t
parse_time(const char *opt, const char *s, int64_t now)
{
	int64_t ms;

	if (when_parse(s, now, &ms) == -1)
		bad_value(opt, s, "not a time such as 7d, yesterday, month or"
		    " 2026-11-01");
	return ms;
}

static int
parse_period(const char *s)
{
	if (strcmp(s, "day") == 0)
		return D_DAY;
	if (strcmp(s, "week") == 0)
		return D_WEEK;
	if (strcmp(s, "month") == 0)
		return D_MONTH;
	bad_value("--period", s, "not day, week or month");
	return D_MONTH;
}

static void
parse_args(int argc, char **argv, struct opts *o, const char **title,
    int64_t now)
{
	const char *since = NULL;
	char err[AI_ERRLEN];
	int64_t n;
	int c;

	while ((c = getopt_long(argc, argv, "b:f:hL:m:s:S:u:V", longopts,
	    NULL)) != -1)
		switch (c) {
		case 'b':	parse_by(optarg, o); break;
		case 'f':	o->format = parse_format(optarg); break;
		case 'h':	usage(0); break;
		case 'L':	o->log_path = optarg; o->from_log = 1; break;
		case 'm':	o->model = optarg; break;
		case 's':	since = optarg;
				o->since_ms = parse_time("--since", optarg,
				    now);
				o->time_given = 1;
				break;
		case 'S':	o->service = optarg; break;
		case 'u':	o->until_ms = parse_time("--until", optarg,
				    now);
				o->time_given = 1;
				break;
		case 'V':	printf("aiusage %s\n", AI_VERSION);
				exit_flushed(0);
				break;
		case OPT_BATCH:	o->batch_tier = 1; break;
		case OPT_BUDGET:
			if (budget_parse(optarg, &o->budget_micro, err,
			    sizeof(err)) == -1)
				bad_value("--budget", optarg, err);
			break;
		case OPT_DECIMALS:
			if (ai_opt_number(optarg, 0, 6, &n, err) == -1)
				bad_value("--decimals", optarg, err);
			o->decimals = (int)n;
			o->decimals_set = 1;
			break;
		case OPT_LOG:	o->from_log = 1; break;
		case OPT_NO_BARS: o->no_bars = 1; break;
		case OPT_NO_DEDUP: o->no_dedup = 1; break;
		case OPT_PERIOD:
			o->period = parse_period(optarg);
			o->period_set = 1;
			break;
		case OPT_PRICES:
			if (o->nprices == MAX_PRICES) {
				snprintf(err, sizeof(err), "more than %d files",
				    MAX_PRICES);
				bad_value("--prices", optarg, err);
			}
			o->prices[o->nprices++] = optarg;
			break;
		case OPT_TITLE:	*title = optarg; break;
		default:	usage(2);
		}
	o->files = argv + optind;
	o->nfiles = argc - optind;
	if (o->from_log && o->nfiles > 0) {
		warnx("files and --log or -L: one source at a time");
		usage(2);
	}
	if (o->from_log)
		no_field_in_log(o);
	if (o->until_ms != 0 && o->since_ms >= o->until_ms) {
		warnx("--since must be before --until");
		usage(2);
	}
	if (o->period_set && o->budget_micro == 0) {
		warnx("--period is of --budget: give --budget too, or use "
		    "--since");
		usage(2);
	}
	if (o->budget_micro > 0) {
		if (since != NULL || o->until_ms != 0) {
			warnx("--budget reports its --period: drop --since"
			    " and --until");
			usage(2);
		}
		o->since_ms = when_period_start(o->period, now);
	}
}

/*
 * Dollars to six decimals for programs; for people, as many as the total
 * needs to show more than zeros.
 */
static int
decimals_for(const struct opts *o, const struct tally *t)
{
	int64_t micro = ai_money_micro(&t->total.cost);

	if (o->decimals >= 0)
		return o->decimals;
	if (o->format == F_CSV || o->format == F_TSV || o->format == F_JSONL ||
	    micro < 10000)
		return 6;
	return micro < 100000000 ? 4 : 2;
}

/* aiusage < file: a file, empty or not, is as if named. */
static int
stdin_is_file(void)
{
	struct stat sb;

	return fstat(STDIN_FILENO, &sb) == 0 && S_ISREG(sb.st_mode);
}

/* Whether standard input brings records: a pipe or a file, not a tty. */
static int
stdin_has_records(void)
{
	struct stat sb;

	return fstat(STDIN_FILENO, &sb) == 0 && (S_ISFIFO(sb.st_mode) ||
	    S_ISREG(sb.st_mode) || S_ISSOCK(sb.st_mode));
}

/*
 * Reads a file named on the command line.  One that is empty, or blank,
 * is a wrong file (the stage that wrote it failed), as one of lines but
 * no result is: said and counted, never a report of $0 spent.
 */
static int
read_file(struct tally *t, int fd, const char *name)
{
	char shown[1024];
	int64_t lines = t->lines;

	if (from_records(t, fd, name) == -1) {
		t->unread++;	/* a directory, say */
		return -1;
	}
	if (t->lines == lines) {
		warnx("%s: no records", ai_text_show(shown, sizeof(shown),
		    name));
		t->no_results++;
	}
	return 0;
}

static int
read_files(struct tally *t, const struct opts *o)
{
	char shown[1024];
	int i, fd, rc = 0;

	for (i = 0; i < o->nfiles; i++) {
		if (strcmp(o->files[i], "-") == 0) {
			rc |= read_file(t, STDIN_FILENO, "stdin");
			continue;
		}
		if ((fd = open(o->files[i], O_RDONLY | O_CLOEXEC)) == -1) {
			warnx("%s: %s", ai_text_show(shown, sizeof(shown),
			    o->files[i]), strerror(errno));
			t->unread++;
			rc = -1;
			continue;
		}
		rc |= read_file(t, fd, o->files[i]);
		close(fd);
	}
	return rc;
}

/* The usage log: -L's, else the default one, which must be there. */
static int
read_log(struct tally *t, const struct opts *o)
{
	if (from_log(t, o->log_path) == -1)
		return -1;
	if (filters_given(o) && t->total.requests == 0 && t->total.hits == 0)
		from_log_missed(t, o->log_path);	/* what is there */
	return 0;
}

/*
 * A pipe that brought no records (cron's, or the stage before failed):
 * the report is of the whole usage log instead, and says so, lest it be
 * read as this batch's.
 */
static void
empty_stdin(const struct opts *o)
{
	char shown[AI_ERRLEN], *path = o->log_path != NULL ?
	    strdup(o->log_path) : ai_usagelog_default_path();

	warnx("no records on stdin: a report of the usage log%s%s",
	    path != NULL ? " " : "", path != NULL ?
	    ai_text_show(shown, sizeof(shown), path) : "");
	free(path);
}

int
main(int argc, char **argv)
{
	struct opts o = { .period = D_MONTH, .decimals = -1 };
	struct ai_prices prices = { 0 };
	struct tally t, by_day, by_service;
	struct opts o_day, o_service;
	const char *title = "LLM usage";
	char msg[AI_ERRLEN], shown[AI_ERRLEN * 4];
	int64_t now = ai_now_ms();
	int rc, failed, status = 0;

	setlocale(LC_CTYPE, "");
	argv[0] = "aiusage";	/* getopt's messages name the program */
	parse_args(argc, argv, &o, &title, now);
	if (ai_prices_load_default(&prices, o.prices, msg) == -1)
		errx(1, "%s", ai_text_show(shown, sizeof(shown), msg));
	prog_label = prices.label;
	tally_init(&t, &o, &prices);
	if (o.format == F_HTML) {	/* the charts' own groups */
		o_day = o;
		o_day.nby = 2;
		o_day.by[0] = D_DAY;
		o_day.by[1] = D_MODEL;
		o_service = o;
		o_service.nby = 1;
		o_service.by[0] = D_SERVICE;
		tally_init(&by_day, &o_day, &prices);
		tally_init(&by_service, &o_service, &prices);
		t.next = &by_day;
		by_day.next = &by_service;
	}
	rc = 0;
	if (o.nfiles > 0)
		rc = read_files(&t, &o);
	else if (!o.from_log && stdin_is_file())
		rc = read_file(&t, STDIN_FILENO, "stdin");  /* < file: named */
	else if (!o.from_log && stdin_has_records() &&
	    (rc = from_records(&t, STDIN_FILENO, "stdin")) == -1)
		t.unread++;
	if (o.nfiles == 0 && rc == 0 && t.lines == 0 && t.no_results == 0) {
		no_field_in_log(&o);	/* no records: the usage log */
		if (!o.from_log && stdin_has_records())
			empty_stdin(&o);
		if (read_log(&t, &o) == -1) {
			status = 1;
			goto out;	/* and no report of nothing */
		}
	}
	if (rc == -1 || t.no_results > 0)
		status = 1;
	failed = t.unread + t.no_results;
	if (failed > 0 && failed == (o.nfiles > 0 ? o.nfiles : 1))
		goto out;		/* not one source: no report either */
	if (no_match(&t)) {
		status = 1;
		goto out;		/* a filter mistyped: no report of $0 */
	}
	o.decimals = decimals_for(&o, &t);
	if (report(stdout, &t, title) == -1)
		err(1, "write error");
	if (o.budget_micro > 0 && budget_report(o.format == F_TABLE ||
	    o.format == F_MARKDOWN ? stdout : stderr, &o, &t, now) == 1)
		status = status ? status : EXIT_BUDGET;
	if ((t.total.unpriced > 0 || t.no_usage > 0) && status == 0)
		status = EXIT_UNPRICED;
	if (fflush(stdout) == EOF || ferror(stdout))
		err(1, "write error");
out:
	if (o.format == F_HTML) {
		tally_free(&by_day);
		tally_free(&by_service);
	}
	tally_free(&t);
	ai_prices_free(&prices);
	return status;
}
