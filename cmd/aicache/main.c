/*
 * aicache: a response cache for aitools pipelines, in one SQLite file.
 *
 *	aicache get | aiq -J | aicache put
 *
 * get answers the records it can from the cache, put stores the answers
 * aiq got; the other commands look after the cache.  One table of
 * options says which commands take each and what it does: it drives the
 * parsing, the refusal of another command's option and -h.
 */
#include <err.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aicache.h"

static volatile sig_atomic_t stop_signal;

enum {
	OPT_ALL = CHAR_MAX + 1, OPT_BASE_URL, OPT_BATCH, OPT_CANONICAL,
	OPT_DETERMINISTIC, OPT_EXPIRED, OPT_FAIL_OPEN, OPT_MAX_SIZE,
	OPT_MAX_TOKENS, OPT_NO_USAGE_LOG, OPT_OLDER_THAN, OPT_SHOW_CONFIG,
	OPT_TAG, OPT_TTL,
};

#define OPTSTRING	"c:f:hm:n:P:p:s:t:V"

static const struct option longopts[] = {
	{ "all",		no_argument,		NULL, OPT_ALL },
	{ "base-url",		required_argument,	NULL, OPT_BASE_URL },
	{ "batch",		required_argument,	NULL, OPT_BATCH },
	{ "cache",		required_argument,	NULL, 'f' },
	{ "canonical",		no_argument,		NULL, OPT_CANONICAL },
	{ "config",		required_argument,	NULL, 'c' },
	{ "deterministic",	no_argument,		NULL, OPT_DETERMINISTIC },
	{ "expired",		no_argument,		NULL, OPT_EXPIRED },
	{ "fail-open",		no_argument,		NULL, OPT_FAIL_OPEN },
	{ "help",		no_argument,		NULL, 'h' },
	{ "max-size",		required_argument,	NULL, OPT_MAX_SIZE },
	{ "max-tokens",		required_argument,	NULL, OPT_MAX_TOKENS },
	{ "model",		required_argument,	NULL, 'm' },
	{ "namespace",		required_argument,	NULL, 'n' },
	{ "no-usage-log",	no_argument,		NULL, OPT_NO_USAGE_LOG },
	{ "older-than",		required_argument,	NULL, OPT_OLDER_THAN },
	{ "profile",		required_argument,	NULL, 'p' },
	{ "provider",		required_argument,	NULL, 'P' },
	{ "show-config",	no_argument,		NULL, OPT_SHOW_CONFIG },
	{ "system",		required_argument,	NULL, 's' },
	{ "tag",		required_argument,	NULL, OPT_TAG },
	{ "temperature",	required_argument,	NULL, 't' },
	{ "ttl",		required_argument,	NULL, OPT_TTL },
	{ "version",		no_argument,		NULL, 'V' },
	{ NULL,			0,			NULL, 0 }
};

/*
 * Each command's synopsis, as in the man page (the usage is them all,
 * in this order), and what it does, for -h.
 */
static const struct command {
	const char	*name;
	int		(*run)(const struct opts *);
	unsigned	 bit;
	const char	*synopsis;
	const char	*what;
} commands[] = {
	{ "get", cmd_get, C_GET,
	    "aicache get [-c file] [-f cache] [-m model] [-n namespace]\n"
	    "           [-P provider] [-p profile] [-s system] [-t temperature]\n"
	    "           [--base-url url] [--batch n] [--deterministic] [--fail-open]\n"
	    "           [--max-tokens n] [--no-usage-log] [--show-config]\n"
	    "           [--tag name=value] [--ttl duration]\n",
	    "answer the records the cache holds; pass on the others" },
	{ "put", cmd_put, C_PUT,
	    "aicache put [-c file] [-f cache] [-m model] [-n namespace]\n"
	    "           [-P provider] [-p profile] [-s system] [-t temperature]\n"
	    "           [--base-url url] [--batch n] [--deterministic] [--fail-open]\n"
	    "           [--max-size size] [--max-tokens n] [--show-config]\n"
	    "           [--ttl duration]\n",
	    "store the answers aiq got; pass every record on" },
	{ "key", cmd_key, C_KEY,
	    "aicache key [-c file] [-m model] [-P provider] [-p profile]\n"
	    "           [-s system] [-t temperature] [--base-url url] [--canonical]\n"
	    "           [--max-tokens n] [--show-config]\n",
	    "print the cache key of each record" },
	{ "stats", cmd_stats, C_STATS,
	    "aicache stats [-f cache] [-n namespace]\n",
	    "print what the cache holds and what its hits saved" },
	{ "purge", cmd_purge, C_PURGE,
	    "aicache purge [-f cache] [-n namespace] [--all] [--expired]\n"
	    "           [--model model] [--older-than duration]\n",
	    "remove the entries that match every filter" },
	{ "vacuum", cmd_vacuum, C_VACUUM,
	    "aicache vacuum [-f cache]\n",
	    "give the space of removed entries back to the file system" },
	{ "export", cmd_export, C_EXPORT,
	    "aicache export [-f cache] [-n namespace]\n",
	    "write the entries as JSON lines" },
	{ "import", cmd_import, C_IMPORT,
	    "aicache import [-f cache]\n",
	    "store the entries of export's lines" },
};
#define NCOMMANDS	(sizeof(commands) / sizeof(commands[0]))

/*
 * The options, in the order of -h: who takes each, and one line on what
 * it does.  An option whose meaning depends on the command has a line
 * for each meaning.
 */
static const struct optdoc {
	int		 c;		/* getopt_long's value */
	unsigned	 cmds;
	const char	*flags;
	const char	*text;
} optdocs[] = {
	{ 'c', C_REQUEST, "-c, --config file",
	    "the config file (as aiq's -c)" },
	{ 'f', C_FILE, "-f, --cache cache",
	    "the cache file ($AICACHE_DB, else in ~/.cache)" },
	{ 'h', C_ANY, "-h, --help", "print this help and exit" },
	{ 'm', C_REQUEST, "-m, --model model",
	    "the model of requests naming none (aiq's -m)" },
	{ 'm', C_PURGE, "-m, --model model", "remove the entries of model" },
	{ 'n', C_STAGE, "-n, --namespace namespace",
	    "the namespace of the entries (default \"\")" },
	{ 'n', C_STATS | C_PURGE | C_EXPORT, "-n, --namespace namespace",
	    "only namespace (default: every one)" },
	{ 'P', C_REQUEST, "-P, --provider provider",
	    "the provider requests go to (aiq's -P)" },
	{ 'p', C_REQUEST, "-p, --profile profile",
	    "the settings of a profile (aiq's -p)" },
	{ 's', C_REQUEST, "-s, --system system",
	    "the system prompt aiq adds (aiq's -s)" },
	{ 't', C_REQUEST, "-t, --temperature temperature",
	    "the temperature aiq adds (aiq's -t)" },
	{ OPT_ALL, C_PURGE, "--all", "remove every entry, then vacuum" },
	{ OPT_BASE_URL, C_REQUEST, "--base-url url",
	    "the base URL requests go to (aiq's)" },
	{ OPT_BATCH, C_STAGE, "--batch n",
	    "records a transaction (default: as read)" },
	{ OPT_CANONICAL, C_KEY, "--canonical",
	    "also print the text the key digests" },
	{ OPT_DETERMINISTIC, C_GET, "--deterministic",
	    "look up only temperature 0 or seeded requests" },
	{ OPT_DETERMINISTIC, C_PUT, "--deterministic",
	    "store only temperature 0 or seeded requests" },
	{ OPT_EXPIRED, C_PURGE, "--expired",
	    "remove the entries past their expiry" },
	{ OPT_FAIL_OPEN, C_GET, "--fail-open",
	    "pass records through when the cache fails" },
	{ OPT_FAIL_OPEN, C_PUT, "--fail-open",
	    "exit 0 even when the cache fails" },
	{ OPT_MAX_SIZE, C_PUT, "--max-size size",
	    "evict the least used above size, e.g. 500M" },
	{ OPT_MAX_TOKENS, C_REQUEST, "--max-tokens n",
	    "the max_tokens aiq adds (aiq's)" },
	{ OPT_NO_USAGE_LOG, C_GET, "--no-usage-log",
	    "do not record the hits in the usage log" },
	{ OPT_OLDER_THAN, C_PURGE, "--older-than duration",
	    "remove the entries stored longer ago, e.g. 7d" },
	{ OPT_SHOW_CONFIG, C_REQUEST, "--show-config",
	    "print the settings, where each came from; exit" },
	{ OPT_TAG, C_GET, "--tag name=value",
	    "tag the hits, under the record's own tags" },
	{ OPT_TTL, C_GET, "--ttl duration",
	    "use only entries younger than duration, e.g. 1h" },
	{ OPT_TTL, C_PUT, "--ttl duration",
	    "the entries stored expire after duration, e.g. 1h" },
};
#define NOPTDOCS	(sizeof(optdocs) / sizeof(optdocs[0]))

/* The full usage: every command's synopsis. */
static void
synopsis(FILE *f, const struct command *cmd)
{
	size_t i;

	if (cmd != NULL) {
		fprintf(f, "usage: %s", cmd->synopsis);
		return;
	}
	for (i = 0; i < NCOMMANDS; i++)
		fprintf(f, "%s%s", i == 0 ? "usage: " : "       ",
		    commands[i].synopsis);
	fputs("       aicache -h | -V\n", f);
}

/* -h: the synopsis, then what the command and each of its options do. */
static void
help(const struct command *cmd)
{
	size_t i;

	synopsis(stdout, cmd);
	if (cmd == NULL) {
		printf("\n");
		for (i = 0; i < NCOMMANDS; i++)
			printf("  %-8s %s\n", commands[i].name,
			    commands[i].what);
		printf("\n  %-16s %s\n  %-16s %s\n\n%s\n", "-h, --help",
		    "print this help and exit", "-V, --version",
		    "print the version and exit",
		    "aicache COMMAND -h: the options of COMMAND");
		return;
	}
	printf("\n%s\n\n", cmd->what);
	for (i = 0; i < NOPTDOCS; i++)
		if (optdocs[i].cmds & cmd->bit)
			printf("  %-29s %s\n", optdocs[i].flags,
			    optdocs[i].text);
}

/*
 * -h prints the help on stdout and exits 0 (1 when it could not be
 * written); a usage error prints the synopsis alone on stderr, of the
 * command if known, and exits 2.
 */
static void __attribute__((noreturn))
usage(const struct command *cmd, int status)
{
	if (status != 0) {
		synopsis(stderr, cmd);
		exit(status);
	}
	help(cmd);
	if (fflush(stdout) == EOF || ferror(stdout))
		err(1, "write error");
	exit(0);
}

/*
 * An option's value refused, in the one shape of every tool; the value
 * shown escaped, as it may hold anything.
 */
static void __attribute__((noreturn))
bad_value(const struct command *cmd, const char *opt, const char *value,
    const char *why)
{
	char shown[256];

	warnx("%s '%s': %s", opt, ai_text_show(shown, sizeof(shown), value),
	    why);
	usage(cmd, 2);
}

/* The name of option c as -h shows it first: "-m", "--max-size". */
static const char *
option_name(int c, char *buf, size_t size)
{
	size_t i;

	for (i = 0; i < NOPTDOCS; i++)
		if (optdocs[i].c == c) {
			snprintf(buf, size, "%.*s", (int)strcspn(
			    optdocs[i].flags, ", "), optdocs[i].flags);
			return buf;
		}
	return "that option";
}

/* Refuses an option that cmd does not take, naming it. */
static void
taken(const struct command *cmd, int c)
{
	char name[32];
	size_t i;

	for (i = 0; i < NOPTDOCS; i++)
		if (optdocs[i].c == c && (optdocs[i].cmds & cmd->bit))
			return;
	warnx("%s does not take %s", cmd->name, option_name(c, name,
	    sizeof(name)));
	usage(cmd, 2);
}

static int64_t
duration(const struct command *cmd, const char *opt, const char *s)
{
	char why[AI_ERRLEN];
	int64_t ms;

	if (ai_opt_duration(s, 1, &ms, why) == -1)
		bad_value(cmd, opt, s, why);
	return ms;
}

static int64_t
number(const struct command *cmd, const char *opt, const char *s,
    int64_t min, int64_t max)
{
	char why[AI_ERRLEN];
	int64_t n;

	if (ai_opt_number(s, min, max, &n, why) == -1)
		bad_value(cmd, opt, s, why);
	return n;
}

/*
 * --tag name=value: a tag of every hit, for its usage log row and its
 * record, as aiq's --tag is for the calls it makes.
 */
static void
tag(struct opts *o, const struct command *cmd, const char *arg)
{
	const char *eq = strchr(arg, '=');
	char name[72];
	json_t *v;

	if (eq == NULL || eq - arg >= (ptrdiff_t)sizeof(name))
		bad_value(cmd, "--tag", arg, "not name=value");
	snprintf(name, sizeof(name), "%.*s", (int)(eq - arg), arg);
	if (!ai_tag_name_ok(name))
		bad_value(cmd, "--tag", arg, "the name is not 1 to 64 letters, "
		    "digits, - and _");
	if ((v = json_string(eq + 1)) == NULL)
		bad_value(cmd, "--tag", arg, "the value is not valid UTF-8");
	if ((o->tags == NULL && (o->tags = json_object()) == NULL) ||
	    json_object_set_new(o->tags, name, v) == -1 ||
	    (o->given.tags == NULL && (o->given.tags = json_object()) ==
	    NULL) || json_object_set_new(o->given.tags, name, json_true()) ==
	    -1)
		errx(1, "out of memory");
}

/* -t and --max-tokens: defaults of the request, as aiq adds them. */
static void
param(struct opts *o, const struct command *cmd, int c, const char *s)
{
	char why[AI_ERRLEN];
	double t;
	json_t *v;

	if (c == 't') {
		if (ai_opt_temperature(s, &t, why) == -1)
			bad_value(cmd, "-t", s, why);
		v = json_real(t);
		o->given.temperature = 1;
	} else {
		v = json_integer(number(cmd, "--max-tokens", s, 1, INT_MAX));
		o->given.max_tokens = 1;
	}
	if (ai_params_set(&o->defaults.params, c == 't' ? "temperature" :
	    "max_tokens", v) == -1)
		errx(1, "out of memory");
}

static void
long_option(struct opts *o, const struct command *cmd, int c)
{
	char why[AI_ERRLEN];
	int64_t n;

	switch (c) {
	case OPT_ALL:		o->all = 1; break;
	case OPT_BASE_URL:
		o->base_url = optarg;
		o->given.base_url = "--base-url";
		break;
	case OPT_BATCH:
		o->batch = (int)number(cmd, "--batch", optarg, 1, 1000000);
		break;
	case OPT_CANONICAL:	o->canonical = 1; break;
	case OPT_DETERMINISTIC:	o->deterministic = 1; break;
	case OPT_EXPIRED:	o->expired = 1; break;
	case OPT_FAIL_OPEN:	o->fail_open = 1; break;
	case OPT_MAX_SIZE:
		if (ai_opt_size(optarg, &n, why) == -1)
			bad_value(cmd, "--max-size", optarg, why);
		o->max_size = n;
		break;
	case OPT_MAX_TOKENS:	param(o, cmd, c, optarg); break;
	case OPT_NO_USAGE_LOG:	o->no_usage_log = 1; break;
	case OPT_OLDER_THAN:
		o->older_ms = duration(cmd, "--older-than", optarg);
		break;
	case OPT_SHOW_CONFIG:	o->show_config = 1; break;
	case OPT_TAG:	tag(o, cmd, optarg); break;
	case OPT_TTL:
		o->ttl_ms = duration(cmd, "--ttl", optarg);
		o->given.ttl = "--ttl";
		break;
	default:	usage(cmd, 2);
	}
}

static void
short_option(struct opts *o, const struct command *cmd, int c)
{
	switch (c) {
	case 'c':	break;		/* read by prescan */
	case 'f':
		o->path = optarg;
		o->given.path = "-f";
		break;
	case 'm':
		if (*optarg == '\0')
			bad_value(cmd, "-m", optarg, "not a model name");
		if (cmd->bit == C_PURGE)
			o->purge_model = optarg;
		else {
			o->defaults.model = optarg;
			o->given.model = "-m";
		}
		break;
	case 'n':
		o->ns = optarg;
		o->given_ns = 1;
		break;
	case 'P':
		o->provider = optarg;
		o->given.provider = "-P";
		break;
	case 'p':	break;		/* read by prescan */
	case 's':
		o->defaults.system = optarg;
		o->given.system = "-s";
		break;
	case 't':	param(o, cmd, c, optarg); break;
	default:	long_option(o, cmd, c);
	}
}

static void __attribute__((noreturn))
version(void)
{
	puts("aicache " AI_VERSION);
	if (fflush(stdout) == EOF || ferror(stdout))
		err(1, "write error");
	exit(0);
}

static void
options(struct opts *o, const struct command *cmd, int argc, char **argv)
{
	char shown[256];
	int c;

	while ((c = getopt_long(argc, argv, OPTSTRING, longopts, NULL)) != -1) {
		if (c == 'h')
			usage(cmd, 0);
		if (c == 'V')
			version();
		if (c == '?')
			usage(cmd, 2);
		taken(cmd, c);
		short_option(o, cmd, c);
	}
	if (optind != argc) {
		warnx("unexpected argument '%s'", ai_text_show(shown,
		    sizeof(shown), argv[optind]));
		usage(cmd, 2);
	}
}

/*
 * -c and -p, read first, for the commands that make requests: the config
 * file and the profile are the ground the other flags then override, as
 * in aiq.  A bad one is refused here, before anything is read; -h and -V
 * need neither.
 */
static void
prescan(struct opts *o, const struct command *cmd, int argc, char **argv)
{
	char err[AI_ERRLEN];
	int help;

	help = ai_opt_prescan(argc, argv, OPTSTRING, longopts, &o->config,
	    &o->profile_name);
	if (help || !(cmd->bit & C_REQUEST))
		return;
	if (ai_config_open(o->config, o->profile_name, &o->file, &o->profile,
	    err) == -1) {
		warnx("%s", err);
		exit(2);
	}
	profile_apply(o);
}

/*
 * $AICACHE_DB, or cache.db in the XDG cache directory.  In cron's empty
 * environment there is none: the pipeline stages are left to go on
 * without a cache as they do when it fails (put passes every record on,
 * get --fail-open passes them through), --show-config shows none; the
 * other commands need a file.
 */
static char *
default_path(const struct command *cmd, const struct opts *o)
{
	char *p = ai_db_default_path("AICACHE_DB", "XDG_CACHE_HOME", ".cache",
	    "aitools/cache.db");

	if (p == NULL && !(cmd->bit & C_STAGE) && !o->show_config)
		errx(1, "%s", AICACHE_NO_PATH);
	return p;
}

/*
 * put, after aiq, passes on the calls made and paid for: the first
 * SIGINT, SIGTERM or SIGHUP leaves it reading, storing and passing
 * records on to the end of its input, so that those aiq still writes as
 * it stops (interrupted) are not lost; main then ends by the signal.
 * Another, a second or more later, ends it at once, as aiq's does: one
 * sent to the whole pipeline and again by its parent counts once.
 */
static void
on_signal(int sig)
{
	ai_stop_signal(&stop_signal, sig);
}

/* aicache -f x import: the command comes first, and is shown so. */
static void
options_first(int argc, char **argv)
{
	char shown[256], line[1024] = "aicache";
	const struct command *cmd = NULL;
	size_t i, n;
	int k, at = 0;

	for (k = 2; k < argc && cmd == NULL; k++)
		for (i = 0; i < NCOMMANDS; i++)
			if (strcmp(argv[k], commands[i].name) == 0) {
				cmd = &commands[i];
				at = k;
			}
	if (cmd == NULL) {
		warnx("'%s' before a command: the command comes first",
		    ai_text_show(shown, sizeof(shown), argv[1]));
		usage(NULL, 2);
	}
	n = strlen(line);
	n += (size_t)snprintf(line + n, sizeof(line) - n, " %s", cmd->name);
	for (k = 1; k < argc && n < sizeof(line); k++)
		if (k != at)
			n += (size_t)snprintf(line + n, sizeof(line) - n,
			    " %s", ai_text_show(shown, sizeof(shown), argv[k]));
	warnx("the command comes first: %s", line);
	exit(2);
}

static const struct command *
command(const char *name)
{
	char shown[256];
	size_t i;

	for (i = 0; i < NCOMMANDS; i++)
		if (strcmp(name, commands[i].name) == 0)
			return &commands[i];
	warnx("unknown command '%s'", ai_text_show(shown, sizeof(shown),
	    name));
	usage(NULL, 2);
}

int
main(int argc, char *argv[])
{
	struct opts o = { .ns = "" };
	const struct command *cmd;
	char *path = NULL, err[AI_ERRLEN];
	int status;

	argv[0] = "aicache";
	if (argc < 2)
		usage(NULL, 2);
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)
		usage(NULL, 0);
	if (strcmp(argv[1], "-V") == 0 || strcmp(argv[1], "--version") == 0)
		version();
	if (argv[1][0] == '-')
		options_first(argc, argv);
	cmd = command(argv[1]);
	argv[1] = argv[0];	/* getopt's messages name the program */
	prescan(&o, cmd, argc - 1, argv + 1);
	options(&o, cmd, argc - 1, argv + 1);
	if (cmd->bit == C_PURGE && !o.all && !o.expired && o.older_ms == 0 &&
	    o.purge_model == NULL && !o.given_ns) {
		warnx("purge needs --all or a filter: --expired, --model, "
		    "--namespace or --older-than");
		usage(cmd, 2);
	}
	o.defaults.model = ai_default_model(o.defaults.model);
	if (ai_router_init(&o.rt, o.file, o.provider, o.defaults.model,
	    o.base_url, err) == -1)
		bad_value(cmd, "-P", o.provider, err);
	if (o.path == NULL && cmd->bit != C_KEY)
		o.path = path = default_path(cmd, &o);
	if (cmd->bit == C_PUT && !o.show_config)
		ai_catch_stop_signals(on_signal);
	status = o.show_config ? profile_show(&o, cmd->bit) : cmd->run(&o);
	if (fflush(stdout) == EOF || ferror(stdout)) {
		warn("write error");
		status = 1;
	}
	json_decref(o.defaults.params);
	json_decref(o.tags);
	json_decref(o.given.tags);
	ai_config_free(o.file);
	free(path);
	if (stop_signal != 0) {
		signal(stop_signal, SIG_DFL);
		raise(stop_signal);
	}
	return status;
}
