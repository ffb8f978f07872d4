/*
 * aicache: a response cache for aitools pipelines, in one SQLite file.
 *
 *	aicache get | aiq -J | aicache put
 *
 * get answers the records it can from the cache, put stores the answers
 * aiq got; the other commands look after the cache.
 */
#include <err.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aicache.h"

enum {
	OPT_BATCH = CHAR_MAX + 1, OPT_CANONICAL, OPT_DETERMINISTIC,
	OPT_EXPIRED, OPT_FAIL_OPEN, OPT_MAX_SIZE, OPT_NO_USAGE_LOG,
	OPT_OLDER_THAN, OPT_TTL, OPT_ALL,
};

static const struct option longopts[] = {
	{ "all",		no_argument,		NULL, OPT_ALL },
	{ "batch",		required_argument,	NULL, OPT_BATCH },
	{ "cache",		required_argument,	NULL, 'f' },
	{ "canonical",		no_argument,		NULL, OPT_CANONICAL },
	{ "deterministic",	no_argument,		NULL, OPT_DETERMINISTIC },
	{ "expired",		no_argument,		NULL, OPT_EXPIRED },
	{ "fail-open",		no_argument,		NULL, OPT_FAIL_OPEN },
	{ "help",		no_argument,		NULL, 'h' },
	{ "max-size",		required_argument,	NULL, OPT_MAX_SIZE },
	{ "model",		required_argument,	NULL, 'm' },
	{ "namespace",		required_argument,	NULL, 'n' },
	{ "no-usage-log",	no_argument,		NULL, OPT_NO_USAGE_LOG },
	{ "older-than",		required_argument,	NULL, OPT_OLDER_THAN },
	{ "provider",		required_argument,	NULL, 'P' },
	{ "ttl",		required_argument,	NULL, OPT_TTL },
	{ "version",		no_argument,		NULL, 'V' },
	{ NULL,			0,			NULL, 0 }
};

static const char usage_text[] =
    "usage: aicache get [-f cache] [-m model] [-n namespace] [-P provider]\n"
    "           [--batch n] [--deterministic] [--fail-open] [--no-usage-log]\n"
    "           [--ttl duration]\n"
    "       aicache put [-f cache] [-m model] [-n namespace] [-P provider]\n"
    "           [--batch n] [--deterministic] [--max-size size]\n"
    "           [--ttl duration]\n"
    "       aicache key [-m model] [-P provider] [--canonical]\n"
    "       aicache stats [-f cache] [-n namespace]\n"
    "       aicache purge [-f cache] [-n namespace] [--all] [--expired]\n"
    "           [--model model] [--older-than duration]\n"
    "       aicache export [-f cache] [-n namespace]\n"
    "       aicache import [-f cache]\n"
    "       aicache -h | -V\n";

static const struct {
	const char	*name;
	int		(*run)(const struct opts *);
} commands[] = {
	{ "get", cmd_get }, { "put", cmd_put }, { "key", cmd_key },
	{ "stats", cmd_stats }, { "purge", cmd_purge },
	{ "export", cmd_export }, { "import", cmd_import },
};

static void __attribute__((noreturn))
usage(int status)
{
	fputs(usage_text, status == 0 ? stdout : stderr);
	exit(status);
}

static int64_t
duration(const char *s, const char *what)
{
	int64_t ms;

	if (ai_parse_duration(s, &ms) == -1 || ms <= 0) {
		warnx("invalid %s '%s': give a duration such as 30s, 1h or 7d",
		    what, s);
		usage(2);
	}
	return ms;
}

/* A size such as 500M or 2G: bytes, or K, M, G (powers of 1024). */
static int64_t
size(const char *s)
{
	char *end;
	double v = strtod(s, &end);
	int64_t mul = 1;

	if (*end == 'K' || *end == 'k')
		mul = 1024, end++;
	else if (*end == 'M' || *end == 'm')
		mul = 1024 * 1024, end++;
	else if (*end == 'G' || *end == 'g')
		mul = 1024LL * 1024 * 1024, end++;
	if (end == s || *end != '\0' || v <= 0 || v * mul > 1e15) {
		warnx("invalid size '%s': give one such as 500M or 2G", s);
		usage(2);
	}
	return (int64_t)(v * (double)mul);
}

static void
long_option(struct opts *o, int c)
{
	char *end;

	switch (c) {
	case OPT_ALL:		o->all = 1; break;
	case OPT_BATCH:
		o->batch = (int)strtol(optarg, &end, 10);
		if (*optarg == '\0' || *end != '\0' || o->batch < 1 ||
		    o->batch > 1000000) {
			warnx("batch must be a number from 1 to 1000000: '%s'",
			    optarg);
			usage(2);
		}
		break;
	case OPT_CANONICAL:	o->canonical = 1; break;
	case OPT_DETERMINISTIC:	o->deterministic = 1; break;
	case OPT_EXPIRED:	o->expired = 1; break;
	case OPT_FAIL_OPEN:	o->fail_open = 1; break;
	case OPT_MAX_SIZE:	o->max_size = size(optarg); break;
	case OPT_NO_USAGE_LOG:	o->no_usage_log = 1; break;
	case OPT_OLDER_THAN:
		o->older_ms = duration(optarg, "age");
		break;
	case OPT_TTL:		o->ttl_ms = duration(optarg, "ttl"); break;
	default:		usage(2);
	}
}

static void
options(struct opts *o, int argc, char **argv, int purge)
{
	int c;

	while ((c = getopt_long(argc, argv, "f:hm:n:P:V", longopts,
	    NULL)) != -1) {
		switch (c) {
		case 'f':	o->path = optarg; break;
		case 'h':	usage(0);
		case 'm':
			if (*optarg == '\0') {
				warnx("model must not be empty");
				usage(2);
			}
			if (purge)
				o->purge_model = optarg;
			else
				o->model = optarg;
			break;
		case 'n':	o->ns = optarg; break;
		case 'P':
			if ((o->provider = ai_provider_find(optarg)) == NULL) {
				warnx("unknown provider '%s' (openai or "
				    "anthropic)", optarg);
				usage(2);
			}
			break;
		case 'V':
			puts("aicache " AI_VERSION);
			exit(0);
		default:
			long_option(o, c);
		}
	}
	if (optind != argc) {
		warnx("unexpected argument '%s'", argv[optind]);
		usage(2);
	}
}

/* $AICACHE_DB, or cache.db in the XDG cache directory. */
static char *
default_path(void)
{
	char *p = ai_db_default_path("AICACHE_DB", "XDG_CACHE_HOME", ".cache",
	    "aitools/cache.db");

	if (p == NULL)
		errx(1, "no cache file: set AICACHE_DB or HOME, or use -f");
	return p;
}

int
main(int argc, char *argv[])
{
	struct opts o = { .ns = "" };
	char *path = NULL;
	size_t i;
	int status;

	argv[0] = "aicache";
	if (argc < 2)
		usage(2);
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)
		usage(0);
	if (strcmp(argv[1], "-V") == 0 || strcmp(argv[1], "--version") == 0) {
		puts("aicache " AI_VERSION);
		return 0;
	}
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(argv[1], commands[i].name) == 0)
			break;
	if (i == sizeof(commands) / sizeof(commands[0])) {
		warnx("unknown command '%s'", argv[1]);
		usage(2);
	}
	argv[1] = argv[0];	/* getopt's messages name the program */
	options(&o, argc - 1, argv + 1, strcmp(commands[i].name, "purge") == 0);
	if ((o.model == NULL && (o.model = getenv("AIQ_MODEL")) == NULL) ||
	    *o.model == '\0')
		o.model = DEFAULT_MODEL;
	if (o.path == NULL)
		o.path = path = default_path();
	status = commands[i].run(&o);
	free(path);
	return status;
}
