/*
 * aiq: sends chat requests to LLM providers, from a prompt on the command
 * line or from JSON records on stdin, many at once.
 */
#include <sys/resource.h>
#include <sys/stat.h>

#include <dirent.h>
#include <err.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "aiq.h"

#define DEFAULT_JOBS	8
#define DEFAULT_TIMEOUT	(600 * 1000)
#define DEFAULT_ATTEMPTS 3
#define DEFAULT_MAX_WAIT (60 * 1000)
#define DEFAULT_MAX_RESPONSE	(INT64_C(64) << 20)
#define DEFAULT_MAX_BUFFER	(INT64_C(1) << 30)
#define OPTSTRING	"c:H:hJj:lm:nP:p:Rs:T:t:uV"

enum {
	OPT_ALLOW_HTTP = CHAR_MAX + 1, OPT_BASE_URL, OPT_DEADLINE,
	OPT_KEY_COMMAND, OPT_KEY_FILE, OPT_LIST_PROFILES, OPT_LOG_CONTENT,
	OPT_MAX_ATTEMPTS, OPT_MAX_BUFFER, OPT_MAX_RESPONSE, OPT_MAX_TOKENS,
	OPT_MAX_WAIT, OPT_NO_PROGRESS, OPT_NO_STREAM, OPT_NO_USAGE_LOG,
	OPT_PROGRESS, OPT_RESUME, OPT_SERVICE, OPT_SHOW_CONFIG, OPT_STREAM,
	OPT_SUMMARY, OPT_TAG, OPT_USAGE_LOG,
};

static const struct option longopts[] = {
	{ "allow-http",		no_argument,		NULL, OPT_ALLOW_HTTP },
	{ "base-url",		required_argument,	NULL, OPT_BASE_URL },
	{ "config",		required_argument,	NULL, 'c' },
	{ "deadline",		required_argument,	NULL, OPT_DEADLINE },
	{ "header",		required_argument,	NULL, 'H' },
	{ "help",		no_argument,		NULL, 'h' },
	{ "jobs",		required_argument,	NULL, 'j' },
	{ "json",		no_argument,		NULL, 'J' },
	{ "key-command",	required_argument,	NULL, OPT_KEY_COMMAND },
	{ "key-file",		required_argument,	NULL, OPT_KEY_FILE },
	{ "lines",		no_argument,		NULL, 'l' },
	{ "list-profiles",	no_argument,		NULL, OPT_LIST_PROFILES },
	{ "log-content",	no_argument,		NULL, OPT_LOG_CONTENT },
	{ "max-attempts",	required_argument,	NULL, OPT_MAX_ATTEMPTS },
	{ "max-buffer",		required_argument,	NULL, OPT_MAX_BUFFER },
	{ "max-response",	required_argument,	NULL, OPT_MAX_RESPONSE },
	{ "max-tokens",		required_argument,	NULL, OPT_MAX_TOKENS },
	{ "max-wait",		required_argument,	NULL, OPT_MAX_WAIT },
	{ "model",		required_argument,	NULL, 'm' },
	{ "no-progress",	no_argument,		NULL, OPT_NO_PROGRESS },
	{ "no-stdin",		no_argument,		NULL, 'n' },
	{ "no-stream",		no_argument,		NULL, OPT_NO_STREAM },
	{ "no-usage-log",	no_argument,		NULL, OPT_NO_USAGE_LOG },
	{ "profile",		required_argument,	NULL, 'p' },
	{ "progress",		no_argument,		NULL, OPT_PROGRESS },
	{ "provider",		required_argument,	NULL, 'P' },
	{ "resend-errors",	no_argument,		NULL, 'R' },
	{ "resume",		required_argument,	NULL, OPT_RESUME },
	{ "service",		required_argument,	NULL, OPT_SERVICE },
	{ "show-config",	no_argument,		NULL, OPT_SHOW_CONFIG },
	{ "stream",		no_argument,		NULL, OPT_STREAM },
	{ "summary",		no_argument,		NULL, OPT_SUMMARY },
	{ "system",		required_argument,	NULL, 's' },
	{ "tag",		required_argument,	NULL, OPT_TAG },
	{ "temperature",	required_argument,	NULL, 't' },
	{ "timeout",		required_argument,	NULL, 'T' },
	{ "unordered",		no_argument,		NULL, 'u' },
	{ "usage-log",		required_argument,	NULL, OPT_USAGE_LOG },
	{ "version",		no_argument,		NULL, 'V' },
	{ NULL,			0,			NULL, 0 }
};

static const char usage_text[] =
    "usage: aiq [-hJlnRuV] [-c file] [-H header] [-j jobs] [-m model]\n"
    "           [-P provider] [-p profile] [-s system] [-T timeout]\n"
    "           [-t temperature] [--allow-http] [--base-url url]\n"
    "           [--deadline duration] [--key-command command] [--key-file file]\n"
    "           [--list-profiles] [--log-content] [--max-attempts n]\n"
    "           [--max-buffer size] [--max-response size] [--max-tokens n]\n"
    "           [--max-wait duration] [--no-progress] [--no-stream]\n"
    "           [--no-usage-log] [--progress] [--resume file] [--service name]\n"
    "           [--show-config] [--stream] [--summary] [--tag name=value]\n"
    "           [--usage-log file] [prompt ...]\n";

static const char options_text[] =
    "\n"
    "  -c, --config file       the config file (AITOOLS_CONFIG, else the nearest\n"
    "                          .aitools.yaml, else $XDG_CONFIG_HOME/aitools/\n"
    "                          config.yaml or ~/.config/aitools/config.yaml)\n"
    "  -H, --header 'Name: value'  a header of the run's provider's requests\n"
    "  -h, --help              show this help\n"
    "  -J, --json              read JSON records, one a line; one out each\n"
    "  -j, --jobs n            requests in flight at once (8)\n"
    "  -l, --lines             read prompts, one a line; a record out each\n"
    "  -m, --model model       model of requests that name none ($AIQ_MODEL,\n"
    "                          gpt-4o-mini)\n"
    "  -n, --no-stdin          text mode: no stdin (for while-read loops)\n"
    "  -P, --provider name     send every request to this provider (openai,\n"
    "                          anthropic, or one the config file declares)\n"
    "  -p, --profile name      the settings of a profile of the config file\n"
    "  -R, --resend-errors     send records that carry an error again\n"
    "  -s, --system text       system prompt of prompt records\n"
    "  -T, --timeout duration  limit of each attempt (10m)\n"
    "  -t, --temperature t     temperature of requests that set none (0 to 2)\n"
    "  -u, --unordered         write records as they finish, not in order\n"
    "  -V, --version           show the version\n"
    "      --allow-http        allow plain http to hosts off loopback\n"
    "      --base-url url      the run's provider at url (compatible server)\n"
    "      --deadline duration limit of each record, all attempts together\n"
    "      --key-command cmd   API key from the output of cmd\n"
    "      --key-file file     API key from the first line of file\n"
    "      --list-profiles     print the config file's profiles and exit\n"
    "      --log-content       keep prompts and answers in the usage log\n"
    "      --max-attempts n    attempts of a record, the first included (3)\n"
    "      --max-buffer size   memory of answers held; past it they wait (1G)\n"
    "      --max-response size largest answer taken (64M)\n"
    "      --max-tokens n      max_tokens of requests that set none\n"
    "      --max-wait duration longest wait before an attempt (60s)\n"
    "      --no-progress       no progress line, even on a terminal\n"
    "      --no-stream         send no request streamed\n"
    "      --no-usage-log      log no calls\n"
    "      --progress          a progress line on stderr, even off a terminal\n"
    "      --resume file       pass through the answers of file, an earlier\n"
    "                          output of this run; send the rest\n"
    "      --service name      the service of the calls, in the usage log\n"
    "      --show-config       print the settings and where each came from\n"
    "      --stream            stream every request; in text mode, print the\n"
    "                          answer as it comes even off a terminal\n"
    "      --summary           what became of the records, a line on stderr\n"
    "      --tag name=value    tag every record and its usage log row\n"
    "      --usage-log file    the usage log (AIQ_USAGE_LOG, else\n"
    "                          ~/.local/state/aitools/usage.db)\n"
    "\n"
    "Exit status: 0 all records succeeded, 1 some failed or the output or\n"
    "the usage log failed, 2 bad usage.  See aiq(1).\n";

/* Where options land before they are checked and applied. */
struct opts {
	const char	*config;	/* -c */
	const char	*profile;	/* -p */
	int		 show_config;
	int		 list_profiles;
	const char	*provider;
	const char	*base_url;
	const char	*key_file;
	const char	*key_command;
	const char	*usage_log;
	int		 no_usage_log;
	int		 json_only;	/* an option given that needs -J or -l */
	const char	*json_only_name;
};

volatile sig_atomic_t aiq_signal;

/* Prints text to stdout and exits: 0, or 1 when it cannot be written. */
static void __attribute__((noreturn))
print_exit(const char *a, const char *b)
{
	if (fputs(a, stdout) == EOF || (b != NULL && fputs(b, stdout) ==
	    EOF) || fflush(stdout) == EOF || ferror(stdout))
		err(EXIT_FAILED, "write error");
	exit(EXIT_OK);
}

static void __attribute__((noreturn))
usage(void)
{
	fputs(usage_text, stderr);
	exit(EXIT_USAGE);
}

/* A bad option value: the one message shape of every tool. */
static void __attribute__((noreturn))
bad(const char *opt, const char *arg, const char *why)
{
	char shown[AI_ERRLEN];

	warnx("%s '%s': %s", opt, ai_text_show(shown, sizeof(shown), arg), why);
	usage();
}

static int64_t
number(const char *opt, int64_t min, int64_t max)
{
	char err[AI_ERRLEN];
	int64_t v;

	if (ai_opt_number(optarg, min, max, &v, err) == -1)
		bad(opt, optarg, err);
	return v;
}

static int64_t
duration(const char *opt, int64_t min)
{
	char err[AI_ERRLEN];
	int64_t ms;

	if (ai_opt_duration(optarg, min, &ms, err) == -1)
		bad(opt, optarg, err);
	return ms;
}

static int64_t
size(const char *opt)
{
	char err[AI_ERRLEN];
	int64_t n;

	if (ai_opt_size(optarg, &n, err) == -1)
		bad(opt, optarg, err);
	return n;
}

static void
param(struct config *cf, const char *key, json_t *v)
{
	if (ai_params_set(&cf->defaults.params, key, v) == -1)
		errx(1, "out of memory");
}

static void
temperature(struct config *cf)
{
	char err[AI_ERRLEN];
	double t;

	if (ai_opt_temperature(optarg, &t, err) == -1)
		bad("-t", optarg, err);
	param(cf, "temperature", json_real(t));
}

static void
system_prompt(struct config *cf)
{
	json_t *v;

	if ((v = json_string(optarg)) == NULL)
		bad("-s", optarg, "not valid UTF-8");
	json_decref(v);
	cf->defaults.system = optarg;
}

static void
mode(struct config *cf, enum mode m)
{
	if (cf->mode != MODE_TEXT && cf->mode != m) {
		warnx("-J and -l cannot be used together");
		usage();
	}
	cf->mode = m;
}

/* --tag name=value: a tag for every record and its usage log row. */
static void
tag(struct config *cf, const char *arg)
{
	const char *eq = strchr(arg, '=');
	char name[72];
	json_t *v;

	if (eq == NULL || eq - arg >= (ptrdiff_t)sizeof(name) ||
	    (snprintf(name, sizeof(name), "%.*s", (int)(eq - arg), arg),
	    !ai_tag_name_ok(name)))
		bad("--tag", arg, "not name=value, the name of letters, digits,"
		    " '-' and '_'");
	if ((v = json_string(eq + 1)) == NULL)
		bad("--tag", arg, "the value is not valid UTF-8");
	if ((cf->tags == NULL && (cf->tags = json_object()) == NULL) ||
	    json_object_set_new(cf->tags, name, v) == -1 ||
	    (cf->given.tags == NULL && (cf->given.tags = json_object()) ==
	    NULL) || json_object_set_new(cf->given.tags, name, json_true()) ==
	    -1)
		errx(1, "out of memory");
}

static void
header(struct config *cf, const char *h)
{
	struct curl_slist *l;
	char err[AI_ERRLEN];

	if (ai_opt_header(h, err) == -1)
		bad("-H", h, err);
	if ((l = curl_slist_append(cf->extra, h)) == NULL)
		errx(1, "out of memory");
	cf->extra = l;
}

/* Notes an option that means something only with -J or -l. */
static void
json_only(struct opts *o, const char *name)
{
	o->json_only = 1;
	o->json_only_name = name;
}

static void
resume_option(struct config *cf, struct opts *o)
{
	if (cf->nresume == (int)(sizeof(cf->resume) / sizeof(cf->resume[0])))
		bad("--resume", optarg, "more than 16 files");
	cf->resume[cf->nresume++] = optarg;
	json_only(o, "--resume");
}

static void
long_option(struct config *cf, struct opts *o, int c)
{
	switch (c) {
	case OPT_ALLOW_HTTP:	cf->allow_http = 1; break;
	case OPT_BASE_URL:
		o->base_url = optarg;
		cf->given.base_url = "--base-url";
		break;
	case OPT_DEADLINE:	cf->deadline_ms = duration("--deadline", 1); break;
	case OPT_KEY_COMMAND:
		o->key_command = optarg;
		cf->given.key = "flag --key-command";
		break;
	case OPT_KEY_FILE:
		o->key_file = optarg;
		cf->given.key = "flag --key-file";
		break;
	case OPT_LIST_PROFILES:	o->list_profiles = 1; break;
	case OPT_LOG_CONTENT:	cf->log_content = 1; break;
	case OPT_MAX_ATTEMPTS:
		cf->max_attempts = (int)number("--max-attempts", 1, 100);
		break;
	case OPT_MAX_BUFFER:	cf->max_buffer = size("--max-buffer"); break;
	case OPT_MAX_RESPONSE:	cf->max_response = size("--max-response"); break;
	case OPT_MAX_TOKENS:
		param(cf, "max_tokens", json_integer(number("--max-tokens", 1,
		    INT_MAX)));
		cf->given.max_tokens = 1;
		break;
	case OPT_MAX_WAIT:	cf->max_wait_ms = duration("--max-wait", 0); break;
	case OPT_NO_PROGRESS:	cf->progress = 0; json_only(o, "--no-progress"); break;
	case OPT_NO_STREAM:	cf->stream = STREAM_OFF; break;
	case OPT_NO_USAGE_LOG:	o->no_usage_log = 1; break;
	case OPT_PROGRESS:	cf->progress = 1; json_only(o, "--progress"); break;
	case OPT_RESUME:	resume_option(cf, o); break;
	case OPT_SERVICE:
		cf->service = optarg;
		cf->given.service = "--service";
		break;
	case OPT_SHOW_CONFIG:	o->show_config = 1; break;
	case OPT_STREAM:	cf->stream = STREAM_ON; break;
	case OPT_SUMMARY:	cf->summary = 1; json_only(o, "--summary"); break;
	case OPT_TAG:		tag(cf, optarg); break;
	case OPT_USAGE_LOG:	o->usage_log = optarg; break;
	default:		usage();
	}
}

/*
 * -c and -p, read first: the config file and profile are the ground
 * the other flags then override.  A bad one is refused here, before
 * anything is sent.
 */
static void
prescan(struct config *cf, struct opts *o, int argc, char **argv)
{
	char err[AI_ERRLEN];
	int help;

	help = ai_opt_prescan(argc, argv, OPTSTRING, longopts, &o->config,
	    &o->profile);
	if (help)
		return;
	if (ai_config_open(o->config, o->profile, &cf->file, &cf->profile,
	    err) == -1) {
		warnx("%s", err);
		exit(EXIT_USAGE);
	}
	profile_apply(cf, &o->provider);
}

static void
parse_options(struct config *cf, struct opts *o, int argc, char **argv)
{
	int c;

	while ((c = getopt_long(argc, argv, OPTSTRING, longopts, NULL)) != -1) {
		switch (c) {
		case 'c':	break;		/* read by prescan */
		case 'H':	header(cf, optarg); break;
		case 'h':	print_exit(usage_text, options_text);
		case 'J':	mode(cf, MODE_JSON); break;
		case 'j':
			cf->jobs = (int)number("-j", 1, 4096);
			json_only(o, "-j");
			break;
		case 'l':	mode(cf, MODE_LINES); break;
		case 'm':
			if (*optarg == '\0')
				bad("-m", optarg, "a model has a name");
			cf->defaults.model = optarg;
			cf->given.model = "-m";
			break;
		case 'n':	cf->no_stdin = 1; break;
		case 'P':
			o->provider = optarg;
			cf->given.provider = "-P";
			break;
		case 'p':	break;		/* read by prescan */
		case 'R':	cf->resend_errors = 1; json_only(o, "-R"); break;
		case 's':
			system_prompt(cf);
			cf->given.system = "-s";
			break;
		case 'T':
			cf->timeout_ms = duration("-T", 1);
			cf->given.timeout = "-T";
			break;
		case 't':
			temperature(cf);
			cf->given.temperature = 1;
			break;
		case 'u':	cf->unordered = 1; json_only(o, "-u"); break;
		case 'V':	print_exit("aiq " AI_VERSION "\n", NULL);
		default:	long_option(cf, o, c);
		}
	}
}

/*
 * The key of the run's own provider: the flags', else its conf's.  A
 * flag that gives none is fatal, before anything is read; a config
 * file's key_file or key_command that fails (a locked keyring under
 * cron) fails the records that need it, in kerr, and passes the rest.
 */
static char *
load_key(const struct config *cf, const struct opts *o, char *kerr)
{
	char err[AI_ERRLEN], *key;

	if (o->key_file != NULL) {
		if ((key = ai_key_from_file(o->key_file, err)) == NULL)
			errx(1, "%s", err);
		return key;
	}
	if (o->key_command != NULL) {
		if ((key = ai_key_from_command(o->key_command, err)) == NULL)
			errx(1, "%s", err);
		return key;
	}
	return ai_key_load(ai_route_conf(&cf->rt, cf->rt.own), kerr);
}

/*
 * Sets up the run's own provider: the one of -P, else of the default
 * model.  Its key and base URL options are checked now; without them a
 * missing key is only an error for the records that go there, as a run
 * may send all its records elsewhere.
 */
static void
setup_endpoint(struct aiq *q, struct config *cf, struct opts *o)
{
	const struct ai_provider *p;
	char base[AI_BASELEN], err[AI_ERRLEN], kerr[AI_ERRLEN], *key;
	enum ai_errcode code;
	int told;

	if (ai_router_init(&cf->rt, cf->file, o->provider, cf->defaults.model,
	    o->base_url, err) == -1)
		bad("-P", o->provider, err);
	p = cf->rt.own;
	told = o->provider != NULL || o->base_url != NULL ||
	    o->key_file != NULL || o->key_command != NULL;
	if (ai_route_base(&cf->rt, p, base, sizeof(base), err) == -1)
		errx(1, "%s", err);
	if (o->show_config) {	/* which reads no key and runs no command */
		profile_show(cf, base);
		return;
	}
	if ((key = load_key(cf, o, kerr)) == NULL && *kerr != '\0') {
		endpoint_keyless(q, ai_route_conf(&cf->rt, p), base, kerr);
		return;
	}
	if (endpoint_init(q, ai_route_conf(&cf->rt, p), base, key, &code,
	    err) == NULL &&
	    (told || code != AI_E_AUTH))
		errx(1, "%s", err);
	if (key != NULL) {
		explicit_bzero(key, strlen(key));
		free(key);
	}
}

/*
 * The first signal stops the run, which ends what is in flight and logs
 * every call.  A second one a second or more later ends aiq at once; one
 * sooner is the same stop told twice, as timeout(1) tells the child and
 * then its whole group.
 */
static void
on_signal(int sig)
{
	ai_stop_signal(&aiq_signal, sig);
}

static void
setup_signals(void)
{
	ai_catch_stop_signals(on_signal);
	signal(SIGPIPE, SIG_IGN);
}

static void
check_mode(struct config *cf, const struct opts *o, int argc)
{
	if (o->key_file != NULL && o->key_command != NULL) {
		warnx("--key-file and --key-command cannot be used together");
		usage();
	}
	if (cf->mode != MODE_TEXT && argc > 0) {
		warnx("prompt arguments cannot be used with -J or -l");
		usage();
	}
	if (cf->mode != MODE_TEXT && cf->no_stdin) {
		warnx("-n is for text mode: -J and -l read their records from "
		    "stdin");
		usage();
	}
	if (cf->mode == MODE_TEXT && o->json_only) {
		warnx("%s needs -J or -l: text mode sends one prompt",
		    o->json_only_name);
		usage();
	}
	if (cf->mode == MODE_TEXT && argc == 0 &&
	    (cf->no_stdin || isatty(STDIN_FILENO))) {
		warnx("no prompt: give one as arguments or on stdin");
		usage();
	}
	/* The answer is shown as it comes on a terminal, else whole. */
	if (cf->mode == MODE_TEXT && cf->stream == STREAM_AUTO)
		cf->stream = isatty(STDOUT_FILENO) ? STREAM_ON : STREAM_OFF;
}

/*
 * A template naming a record's fields takes records, and one without
 * {{input}} has no place for a prompt: text mode and -l give a prompt
 * and no fields, and every one would fail.
 */
static void
check_template(const struct config *cf)
{
	char field[72];

	if (cf->mode == MODE_JSON || cf->defaults.template == NULL)
		return;
	if (ai_template_field(cf->defaults.template, field, sizeof(field)) !=
	    NULL) {
		warnx("the template of profile %s names a record's field, "
		    "{{%s}}: give -J and records that have it",
		    cf->profile->name, field);
		exit(EXIT_USAGE);
	}
	if (!ai_template_has(cf->defaults.template, "input")) {
		warnx("the template of profile %s has no {{input}} for the "
		    "prompt: give -J and records ({} is one)",
		    cf->profile->name);
		exit(EXIT_USAGE);
	}
}

/* The files open already, inherited from the shell: they count too. */
static rlim_t
open_files(void)
{
	DIR *d;
	struct dirent *e;
	rlim_t n = 0;

	if ((d = opendir("/proc/self/fd")) == NULL)
		return 0;
	while ((e = readdir(d)) != NULL)
		n += e->d_name[0] != '.';
	closedir(d);
	return n > 0 ? n - 1 : 0;	/* less the directory's own */
}

/*
 * Each request in flight holds a socket: -j needs as many files open,
 * and some more.  The soft limit is raised to what it needs when the
 * hard one allows; else -j is refused, rather than its records failing
 * as network errors.
 */
static void
check_files(const struct config *cf)
{
	rlim_t need = (rlim_t)cf->jobs + 64 + open_files();
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1 ||
	    rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur >= need)
		return;
	if (rl.rlim_max == RLIM_INFINITY || rl.rlim_max >= need) {
		rl.rlim_cur = need;
		if (setrlimit(RLIMIT_NOFILE, &rl) == 0)
			return;
	}
	warnx("-j %d needs %llu open files, and the limit is %llu (ulimit -n)",
	    cf->jobs, (unsigned long long)need,
	    (unsigned long long)rl.rlim_max);
	usage();
}

/*
 * Reads the files of --resume.  None can be the output too: the shell
 * emptied it before aiq started (with >; with >> it would grow as it is
 * read), and the answers it held are gone.
 */
static void
open_resume(struct aiq *q, const struct config *cf)
{
	struct stat a, b;
	char err[AI_ERRLEN];
	long answers, keyless;
	int i;

	if ((q->rs = resume_new()) == NULL)
		errx(1, "out of memory");
	for (i = 0; i < cf->nresume; i++) {
		if (stat(cf->resume[i], &a) == 0 && fstat(STDOUT_FILENO,
		    &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino) {
			warnx("--resume %s is the output too%s: write the "
			    "output to another file", cf->resume[i],
			    a.st_size == 0 ? ", which the shell emptied before "
			    "aiq started (its answers are gone)" : "");
			exit(EXIT_USAGE);
		}
		if (resume_add(q->rs, cf->resume[i], err) == -1) {
			warnx("--resume %s: %s", cf->resume[i], err);
			exit(EXIT_USAGE);
		}
	}
	resume_counts(q->rs, &answers, &keyless);
	if (answers == 0)
		warnx("--resume: no answered records: all are sent");
	else if (keyless > 0)
		warnx("--resume: %ld answer%s without aitools.key (of an older "
		    "aiq) cannot be matched, and are sent again", keyless,
		    keyless == 1 ? "" : "s");
}

/*
 * The command line again, as a shell would take it: the command that
 * finishes an interrupted run adds a --resume of its output.  The values
 * of -H may be secrets: they are masked, and the user told.
 */
static char *
command_line(struct config *cf, int argc, char **argv)
{
	struct ai_buf b = { 0 }, h = { 0 };
	const char *a, *v;
	int i, r = ai_buf_puts(&b, "aiq");

	for (i = 1; r == 0 && i < argc; i++) {
		a = argv[i];
		v = NULL;
		if ((strcmp(argv[i - 1], "-H") == 0 ||
		    strcmp(argv[i - 1], "--header") == 0) && i > 1)
			v = a;
		else if (strncmp(a, "-H", 2) == 0 && a[2] != '\0')
			v = a + 2;
		else if (strncmp(a, "--header=", 9) == 0)
			v = a + 9;
		if (v != NULL && strchr(v, ':') != NULL) {
			ai_buf_reset(&h);
			r = ai_buf_append(&h, a, (size_t)(strchr(v, ':') -
			    a)) == -1 || ai_buf_puts(&h, ": ***") == -1;
			a = h.data;
			cf->command_masked = 1;
		}
		if (r == 0 && (r = ai_buf_puts(&b, " ")) == 0)
			r = shell_word(&b, a);
	}
	ai_buf_free(&h);
	if (r == -1)
		errx(1, "out of memory");
	ai_scrub_secrets(b.data, NULL);
	return b.data;
}

/* A run that sends: the records of stdin, or the text-mode prompt. */
static int
run(struct aiq *q, struct opts *o, int argc, char **argv)
{
	struct config *cf = (struct config *)q->cf;
	char *prompt = NULL;
	size_t len = 0;
	int status;

	check_mode(cf, o, argc);
	check_template(cf);
	check_files(cf);
	if (cf->tags != NULL &&
	    (cf->tags_text = json_dumps(cf->tags, JSON_COMPACT)) == NULL)
		errx(1, "out of memory");
	if (cf->nresume > 0)
		open_resume(q, cf);
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		errx(1, "cannot initialise libcurl");
	setup_endpoint(q, cf, o);
	setup_signals();	/* after --key-command, lest it run with them */
	if (cf->mode == MODE_TEXT && ((prompt = prompt_read(q, argv, argc,
	    &len)) == NULL || strspn(prompt, " \t\r\n") == len))
		errx(1, "empty prompt");	/* blanks too: -J's rule */
	calls_open(q, o->usage_log, o->no_usage_log);
	status = engine_run(q, prompt, len);
	free(prompt);
	curl_global_cleanup();
	return status;
}

int
main(int argc, char *argv[])
{
	struct config cf = { .jobs = DEFAULT_JOBS, .progress = -1,
	    .timeout_ms = DEFAULT_TIMEOUT, .max_attempts = DEFAULT_ATTEMPTS,
	    .max_wait_ms = DEFAULT_MAX_WAIT, .max_response =
	    DEFAULT_MAX_RESPONSE, .max_buffer = DEFAULT_MAX_BUFFER };
	struct aiq q = { .cf = &cf };
	struct opts o = { 0 };
	int status = 0;

	cf.command = command_line(&cf, argc, argv);
	argv[0] = "aiq";		/* getopt's messages name the program */
	prescan(&cf, &o, argc, argv);
	parse_options(&cf, &o, argc, argv);
	argc -= optind;
	argv += optind;
	cf.defaults.model = ai_default_model(cf.defaults.model);
	if (ai_traceparent_id(getenv("TRACEPARENT"), cf.trace_id,
	    cf.trace_flags) == -1) {
		cf.trace_id[0] = '\0';
		memcpy(cf.trace_flags, "01", 3);	/* sampled */
	}
	if (o.list_profiles)
		status = profile_list(cf.file);
	else if (o.show_config)
		setup_endpoint(&q, &cf, &o);
	else
		status = run(&q, &o, argc, argv);
	free(cf.command);
	curl_slist_free_all(cf.extra);
	json_decref(cf.defaults.params);
	json_decref(cf.tags);
	json_decref(cf.given.tags);
	free(cf.tags_text);
	ai_config_free(cf.file);
	return status;
}
