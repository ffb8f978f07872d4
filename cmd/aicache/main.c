/*
 * aicache: a response cache for aitools pipelines, in one SQLite file.
 *
 *	aicache get | aiq -J | aicache put
 *
 * get answers the records it can from the cache, put stores the answers
 * aiq got; the other commands look after the cache.
 */
#include <err.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aicache.h"

enum {
	OPT_BATCH = CHAR_MAX + 1, OPT_CANONICAL, OPT_DETERMINISTIC,
	OPT_EXPIRED, OPT_FAIL_OPEN, OPT_MAX_SIZE, OPT_MAX_TOKENS,
	OPT_NO_USAGE_LOG, OPT_OLDER_THAN, OPT_TTL, OPT_ALL, OPT_BASE_URL,
};

/* Each option a bit, so that a command can refuse those not its own. */
enum {
	B_F = 1 << 0, B_N = 1 << 1, B_M = 1 << 2, B_P = 1 << 3, B_S = 1 << 4,
	B_T = 1 << 5, B_MAXTOK = 1 << 6, B_BATCH = 1 << 7, B_DET = 1 << 8,
	B_FAILOPEN = 1 << 9, B_NOLOG = 1 << 10, B_TTL = 1 << 11,
	B_MAXSIZE = 1 << 12, B_CANON = 1 << 13, B_ALL = 1 << 14,
	B_EXPIRED = 1 << 15, B_OLDER = 1 << 16, B_BASE = 1 << 17,
	B_REQUEST = B_M | B_P | B_S | B_T | B_MAXTOK | B_BASE,	/* make the key */
};

static const struct option longopts[] = {
	{ "all",		no_argument,		NULL, OPT_ALL },
	{ "base-url",		required_argument,	NULL, OPT_BASE_URL },
	{ "batch",		required_argument,	NULL, OPT_BATCH },
	{ "cache",		required_argument,	NULL, 'f' },
	{ "canonical",		no_argument,		NULL, OPT_CANONICAL },
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
	{ "provider",		required_argument,	NULL, 'P' },
	{ "system",		required_argument,	NULL, 's' },
	{ "temperature",	required_argument,	NULL, 't' },
	{ "ttl",		required_argument,	NULL, OPT_TTL },
	{ "version",		no_argument,		NULL, 'V' },
	{ NULL,			0,			NULL, 0 }
};

static const char usage_text[] =
    "usage: aicache get [-f cache] [-m model] [-n namespace] [-P provider]\n"
    "           [-s system] [-t temperature] [--base-url url] [--batch n]\n"
    "           [--deterministic] [--fail-open] [--max-tokens n]\n"
    "           [--no-usage-log] [--ttl duration]\n"
    "       aicache put [-f cache] [-m model] [-n namespace] [-P provider]\n"
    "           [-s system] [-t temperature] [--base-url url] [--batch n]\n"
    "           [--deterministic] [--fail-open] [--max-size size]\n"
    "           [--max-tokens n] [--ttl duration]\n"
    "       aicache key [-m model] [-P provider] [-s system] [-t temperature]\n"
    "           [--base-url url] [--canonical] [--max-tokens n]\n"
    "       aicache stats [-f cache] [-n namespace]\n"
    "       aicache purge [-f cache] [-n namespace] [--all] [--expired]\n"
    "           [--model model] [--older-than duration]\n"
    "       aicache export [-f cache] [-n namespace]\n"
    "       aicache import [-f cache]\n"
    "       aicache -h | -V\n";

static const struct {
	const char	*name;
	int		(*run)(const struct opts *);
	unsigned	 allowed;
} commands[] = {
	{ "get", cmd_get, B_F | B_N | B_REQUEST | B_BATCH | B_DET |
	    B_FAILOPEN | B_NOLOG | B_TTL },
	{ "put", cmd_put, B_F | B_N | B_REQUEST | B_BATCH | B_DET |
	    B_FAILOPEN | B_TTL | B_MAXSIZE },
	{ "key", cmd_key, B_REQUEST | B_CANON },
	{ "stats", cmd_stats, B_F | B_N },
	{ "purge", cmd_purge, B_F | B_N | B_M | B_ALL | B_EXPIRED | B_OLDER },
	{ "export", cmd_export, B_F | B_N },
	{ "import", cmd_import, B_F },
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
	static const char units[] = "KMG";
	const char *u;
	char *end;
	long long v;
	int64_t mul = 1;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (*end != '\0' && (u = strchr(units, *end)) != NULL && end[1] ==
	    '\0') {
		mul = (int64_t)1 << (10 * (u - units + 1));
		end++;
	}
	if (end == s || *end != '\0' || errno != 0 || v < 1 ||
	    v > INT64_MAX / mul) {
		warnx("invalid size '%s': give a whole number of bytes, or of "
		    "K, M or G, such as 500M", s);
		usage(2);
	}
	return (int64_t)v * mul;
}

static void
add_param(struct opts *o, const char *key, json_t *v)
{
	if (v == NULL || (o->defaults.params == NULL &&
	    (o->defaults.params = json_object()) == NULL) ||
	    json_object_set_new(o->defaults.params, key, v) == -1)
		errx(1, "out of memory");
}

/* -t and --max-tokens, checked as aiq checks them. */
static void
param(struct opts *o, int c, const char *s)
{
	char *end;
	double t;
	long n;

	if (c == 't') {
		t = strtod(s, &end);
		if (*s == '\0' || *end != '\0' || t < 0 || t > 2) {
			warnx("temperature must be from 0 to 2: '%s'", s);
			usage(2);
		}
		add_param(o, "temperature", json_real(t));
		return;
	}
	n = strtol(s, &end, 10);
	if (*s == '\0' || *end != '\0' || n < 1 || n > INT_MAX) {
		warnx("max tokens must be a number from 1 to %d: '%s'", INT_MAX,
		    s);
		usage(2);
	}
	add_param(o, "max_tokens", json_integer(n));
}

static unsigned
long_option(struct opts *o, int c)
{
	char *end;
	long n;

	switch (c) {
	case OPT_ALL:		o->all = 1; return B_ALL;
	case OPT_BASE_URL:	o->base_url = optarg; return B_BASE;
	case OPT_MAX_TOKENS:	param(o, c, optarg); return B_MAXTOK;
	case OPT_BATCH:
		n = strtol(optarg, &end, 10);
		o->batch = (int)n;
		if (*optarg == '\0' || *end != '\0' || n < 1 || n > 1000000) {
			warnx("batch must be a number from 1 to 1000000: '%s'",
			    optarg);
			usage(2);
		}
		return B_BATCH;
	case OPT_CANONICAL:	o->canonical = 1; return B_CANON;
	case OPT_DETERMINISTIC:	o->deterministic = 1; return B_DET;
	case OPT_EXPIRED:	o->expired = 1; return B_EXPIRED;
	case OPT_FAIL_OPEN:	o->fail_open = 1; return B_FAILOPEN;
	case OPT_MAX_SIZE:	o->max_size = size(optarg); return B_MAXSIZE;
	case OPT_NO_USAGE_LOG:	o->no_usage_log = 1; return B_NOLOG;
	case OPT_OLDER_THAN:
		o->older_ms = duration(optarg, "age");
		return B_OLDER;
	case OPT_TTL:		o->ttl_ms = duration(optarg, "ttl"); return B_TTL;
	default:		usage(2);
	}
}

static unsigned
short_option(struct opts *o, int c, int purge)
{
	switch (c) {
	case 'f':	o->path = optarg; return B_F;
	case 'h':	usage(0);
	case 'm':
		if (*optarg == '\0') {
			warnx("model must not be empty");
			usage(2);
		}
		if (purge)
			o->purge_model = optarg;
		else
			o->defaults.model = optarg;
		return B_M;
	case 'n':
		o->ns = optarg;
		o->given_ns = 1;
		return B_N;
	case 'P':	o->provider = optarg; return B_P;
	case 's':
		o->defaults.system = optarg;
		return B_S;
	case 't':	param(o, c, optarg); return B_T;
	case 'V':
		puts("aicache " AI_VERSION);
		exit(0);
	default:
		return long_option(o, c);
	}
}

static void
options(struct opts *o, int argc, char **argv, int purge)
{
	int c;

	while ((c = getopt_long(argc, argv, "f:hm:n:P:s:t:V", longopts,
	    NULL)) != -1)
		o->given |= short_option(o, c, purge);
	if (optind != argc) {
		warnx("unexpected argument '%s'", argv[optind]);
		usage(2);
	}
}

/* The name of the lowest option bit in bits, for a message. */
static const char *
option_name(unsigned bits)
{
	static const char *const names[] = { "-f", "-n", "-m", "-P", "-s",
	    "-t", "--max-tokens", "--batch", "--deterministic", "--fail-open",
	    "--no-usage-log", "--ttl", "--max-size", "--canonical", "--all",
	    "--expired", "--older-than" };
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (bits & 1u << i)
			return names[i];
	return "that option";
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
	char *path = NULL, err[AI_ERRLEN];
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
	if ((o.given & ~commands[i].allowed) != 0) {
		warnx("%s does not take %s", commands[i].name,
		    option_name(o.given & ~commands[i].allowed));
		usage(2);
	}
	o.defaults.model = ai_default_model(o.defaults.model);
	if (ai_router_init(&o.rt, o.provider, o.defaults.model, o.base_url,
	    err) == -1) {
		warnx("-P '%s': %s", o.provider, err);
		usage(2);
	}
	if (o.path == NULL && strcmp(commands[i].name, "key") != 0)
		o.path = path = default_path();
	status = commands[i].run(&o);
	json_decref(o.defaults.params);
	free(path);
	return status;
}
