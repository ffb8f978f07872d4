/*
 * aiq: sends chat requests to LLM providers, from a prompt on the command
 * line or from JSON records on stdin, many at once.
 */
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

enum {
	OPT_ALLOW_HTTP = CHAR_MAX + 1, OPT_BASE_URL, OPT_DEADLINE,
	OPT_KEY_COMMAND, OPT_KEY_FILE, OPT_LOG_CONTENT, OPT_MAX_ATTEMPTS,
	OPT_MAX_TOKENS, OPT_MAX_WAIT, OPT_NO_STREAM, OPT_NO_USAGE_LOG,
	OPT_SERVICE, OPT_STREAM, OPT_SUMMARY, OPT_TAG, OPT_USAGE_LOG,
};

static const struct option longopts[] = {
	{ "allow-http",		no_argument,		NULL, OPT_ALLOW_HTTP },
	{ "base-url",		required_argument,	NULL, OPT_BASE_URL },
	{ "deadline",		required_argument,	NULL, OPT_DEADLINE },
	{ "header",		required_argument,	NULL, 'H' },
	{ "help",		no_argument,		NULL, 'h' },
	{ "jobs",		required_argument,	NULL, 'j' },
	{ "json",		no_argument,		NULL, 'J' },
	{ "key-command",	required_argument,	NULL, OPT_KEY_COMMAND },
	{ "key-file",		required_argument,	NULL, OPT_KEY_FILE },
	{ "lines",		no_argument,		NULL, 'l' },
	{ "log-content",	no_argument,		NULL, OPT_LOG_CONTENT },
	{ "max-attempts",	required_argument,	NULL, OPT_MAX_ATTEMPTS },
	{ "max-tokens",		required_argument,	NULL, OPT_MAX_TOKENS },
	{ "max-wait",		required_argument,	NULL, OPT_MAX_WAIT },
	{ "model",		required_argument,	NULL, 'm' },
	{ "no-stream",		no_argument,		NULL, OPT_NO_STREAM },
	{ "no-usage-log",	no_argument,		NULL, OPT_NO_USAGE_LOG },
	{ "provider",		required_argument,	NULL, 'P' },
	{ "resend-errors",	no_argument,		NULL, 'R' },
	{ "service",		required_argument,	NULL, OPT_SERVICE },
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
    "usage: aiq [-hJlRuV] [-H header] [-j jobs] [-m model] [-P provider]\n"
    "           [-s system] [-T timeout] [-t temperature] [--allow-http]\n"
    "           [--base-url url] [--deadline duration] [--key-command command]\n"
    "           [--key-file file] [--log-content] [--max-attempts n]\n"
    "           [--max-tokens n] [--max-wait duration] [--no-stream]\n"
    "           [--no-usage-log] [--service name] [--stream] [--summary]\n"
    "           [--tag name=value] [--usage-log file] [prompt ...]\n";

/* Where options land before they are checked and applied. */
struct opts {
	const char	*provider;
	const char	*base_url;
	const char	*key_file;
	const char	*key_command;
	const char	*usage_log;
	int		 no_usage_log;
};

volatile sig_atomic_t aiq_signal;

static void __attribute__((noreturn))
usage(int status)
{
	fputs(usage_text, status == 0 ? stdout : stderr);
	exit(status);
}

static long
number(const char *s, long min, long max, const char *what)
{
	char *end;
	long v;

	v = strtol(s, &end, 10);
	if (*s == '\0' || *end != '\0' || v < min || v > max) {
		warnx("%s must be a number from %ld to %ld: '%s'", what, min,
		    max, s);
		usage(2);
	}
	return v;
}

static void
mode(struct aiq *q, enum mode m)
{
	if (q->mode != MODE_TEXT && q->mode != m) {
		warnx("-J and -l cannot be used together");
		usage(2);
	}
	q->mode = m;
}

static int
utf8(const char *s, const char *what)
{
	json_t *v = json_string(s);

	if (v == NULL)
		warnx("%s is not valid UTF-8", what);
	json_decref(v);
	return v != NULL;
}

/* --tag name=value: a tag for every record and its usage log row. */
static void
tag(struct aiq *q, const char *arg)
{
	const char *eq = strchr(arg, '=');
	char name[72];
	json_t *v;

	if (eq == NULL || eq - arg >= (ptrdiff_t)sizeof(name) ||
	    (snprintf(name, sizeof(name), "%.*s", (int)(eq - arg), arg),
	    !ai_tag_name_ok(name))) {
		warnx("--tag must be name=value, the name of letters, digits,"
		    " '-' and '_': '%s'", arg);
		usage(2);
	}
	if ((v = json_string(eq + 1)) == NULL) {
		warnx("--tag %s: the value is not valid UTF-8", arg);
		usage(2);
	}
	if ((q->tags == NULL && (q->tags = json_object()) == NULL) ||
	    json_object_set_new(q->tags, name, v) == -1)
		errx(1, "out of memory");
}

static void
add_param(struct aiq *q, const char *key, json_t *v)
{
	if (v == NULL || (q->defaults.params == NULL &&
	    (q->defaults.params = json_object()) == NULL) ||
	    json_object_set_new(q->defaults.params, key, v) == -1)
		errx(1, "out of memory");
}

static void
temperature(struct aiq *q, const char *s)
{
	char *end;
	double t = strtod(s, &end);

	if (*s == '\0' || *end != '\0' || t < 0 || t > 2) {
		warnx("temperature must be from 0 to 2: '%s'", s);
		usage(2);
	}
	add_param(q, "temperature", json_real(t));
}

static void
header(struct aiq *q, const char *h)
{
	struct curl_slist *l;

	if (strchr(h, ':') == NULL || *h == ':') {
		warnx("header must be 'Name: value': '%s'", h);
		usage(2);
	}
	if ((l = curl_slist_append(q->extra, h)) == NULL)
		errx(1, "out of memory");
	q->extra = l;
}

static int64_t
duration(const char *s, const char *what, int64_t min)
{
	int64_t ms;

	if (ai_parse_duration(s, &ms) == -1 || ms < min) {
		warnx("invalid %s '%s': give a%s duration such as 500ms, 30s "
		    "or 2m", what, s, min > 0 ? " positive" : "");
		usage(2);
	}
	return ms;
}

static void
parse_long_option(struct aiq *q, struct opts *o, int c)
{
	switch (c) {
	case OPT_ALLOW_HTTP:	q->allow_http = 1; break;
	case OPT_BASE_URL:	o->base_url = optarg; break;
	case OPT_DEADLINE:
		q->deadline_ms = duration(optarg, "deadline", 1);
		break;
	case OPT_KEY_COMMAND:	o->key_command = optarg; break;
	case OPT_KEY_FILE:	o->key_file = optarg; break;
	case OPT_LOG_CONTENT:	q->log_content = 1; break;
	case OPT_MAX_ATTEMPTS:
		q->max_attempts = (int)number(optarg, 1, 100, "max attempts");
		break;
	case OPT_MAX_WAIT:
		q->max_wait_ms = duration(optarg, "maximum wait", 0);
		break;
	case OPT_NO_STREAM:	q->stream = STREAM_OFF; break;
	case OPT_STREAM:	q->stream = STREAM_ON; break;
	case OPT_MAX_TOKENS:
		add_param(q, "max_tokens", json_integer(number(optarg, 1,
		    INT_MAX, "max tokens")));
		break;
	case OPT_NO_USAGE_LOG:	o->no_usage_log = 1; break;
	case OPT_SERVICE:	q->service = optarg; break;
	case OPT_SUMMARY:	q->summary = 1; break;
	case OPT_TAG:		tag(q, optarg); break;
	case OPT_USAGE_LOG:	o->usage_log = optarg; break;
	default:		usage(2);
	}
}

static void
parse_options(struct aiq *q, struct opts *o, int argc, char **argv)
{
	int c;

	while ((c = getopt_long(argc, argv, "H:hJj:lm:P:Rs:T:t:uV", longopts,
	    NULL)) != -1) {
		switch (c) {
		case 'H':	header(q, optarg); break;
		case 'h':	usage(0);
		case 'J':	mode(q, MODE_JSON); break;
		case 'j':
			q->jobs = (int)number(optarg, 1, 4096, "jobs");
			break;
		case 'l':	mode(q, MODE_LINES); break;
		case 'm':
			if (*optarg == '\0') {
				warnx("model must not be empty");
				usage(2);
			}
			q->defaults.model = optarg;
			break;
		case 'P':	o->provider = optarg; break;
		case 'R':	q->resend_errors = 1; break;
		case 's':
			if (!utf8(optarg, "system prompt"))
				usage(2);
			q->defaults.system = optarg;
			break;
		case 'T':
			q->timeout_ms = duration(optarg, "timeout", 1);
			break;
		case 't':	temperature(q, optarg); break;
		case 'u':	q->unordered = 1; break;
		case 'V':
			puts("aiq " AI_VERSION);
			exit(0);
		default:
			parse_long_option(q, o, c);
		}
	}
}

/*
 * The text-mode prompt: the arguments, then a blank line and stdin unless
 * stdin is a terminal or empty.  The prompt is sent whole, so stdin is read
 * to its end here (in chunks; there is nothing to stream yet).
 */
static char *
read_prompt(char **argv, int argc)
{
	struct ai_buf b = { 0 };
	char chunk[65536];
	size_t head;
	ssize_t n;
	int i;

	for (i = 0; i < argc; i++)
		if ((i > 0 && ai_buf_puts(&b, " ") == -1) ||
		    ai_buf_puts(&b, argv[i]) == -1)
			errx(1, "out of memory");
	if (isatty(STDIN_FILENO))
		return b.data != NULL ? b.data : strdup("");
	head = b.len;
	if (b.len > 0 && ai_buf_puts(&b, "\n\n") == -1)
		errx(1, "out of memory");
	while ((n = read(STDIN_FILENO, chunk, sizeof(chunk))) != 0) {
		if (n == -1 && errno == EINTR) {
			if (aiq_signal != 0) {
				signal(aiq_signal, SIG_DFL);
				raise(aiq_signal);
			}
			continue;
		}
		if (n == -1)
			err(1, "stdin");
		if (ai_buf_append(&b, chunk, (size_t)n) == -1)
			errx(1, "out of memory");
	}
	if (b.len == head + 2 && head > 0)
		b.len = head;		/* stdin was empty: no separator */
	if (ai_buf_append(&b, "", 0) == -1)
		errx(1, "out of memory");
	return b.data;
}

static char *
load_key(const struct ai_provider *p, const struct opts *o)
{
	char err[AI_ERRLEN], *key;
	const char *env;

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
	env = getenv(p->key_env);
	return env != NULL && *env != '\0' ? strdup(env) : NULL;
}

/*
 * Sets up the run's own provider: the one of -P, else of the default
 * model.  Its key and base URL options are checked now; without them a
 * missing key is only an error for the records that go there, as a run
 * may send all its records elsewhere.
 */
static void
setup_endpoint(struct aiq *q, struct opts *o)
{
	const struct ai_provider *p;
	char base[AI_BASELEN], err[AI_ERRLEN], *key;
	enum ai_errcode code;
	int told;

	if (ai_router_init(&q->rt, o->provider, q->defaults.model,
	    o->base_url, err) == -1) {
		warnx("-P '%s': %s", o->provider, err);
		usage(2);
	}
	p = q->rt.own;
	told = o->provider != NULL || o->base_url != NULL ||
	    o->key_file != NULL || o->key_command != NULL;
	if (ai_route_base(&q->rt, p, base, sizeof(base), err) == -1)
		errx(1, "%s", err);
	key = load_key(p, o);
	if (endpoint_init(q, p, base, key, &code, err) == NULL &&
	    (told || code != AI_E_AUTH))
		errx(1, "%s", err);
	if (key != NULL) {
		explicit_bzero(key, strlen(key));
		free(key);
	}
}

static void
setup_usage_log(struct aiq *q, const struct opts *o)
{
	char err[AI_ERRLEN], *path;

	if (o->no_usage_log)
		return;
	path = o->usage_log != NULL ? strdup(o->usage_log) :
	    ai_usagelog_default_path();
	if (path == NULL) {
		warnx("usage log: no path (set AIQ_USAGE_LOG or HOME)");
		return;
	}
	if ((q->log = ai_usagelog_open(path, err)) == NULL)
		warnx("usage log: %s (calls will not be logged)", err);
	free(path);
}

static void
on_signal(int sig)
{
	if (aiq_signal != 0) {		/* a second one: stop at once */
		signal(sig, SIG_DFL);
		raise(sig);
	}
	aiq_signal = sig;
}

static void
setup_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

static void
check_mode(struct aiq *q, const struct opts *o, int argc, char **argv)
{
	if (o->key_file != NULL && o->key_command != NULL) {
		warnx("--key-file and --key-command cannot be used together");
		usage(2);
	}
	if (q->mode != MODE_TEXT && argc > 0) {
		warnx("prompt arguments cannot be used with -J or -l");
		usage(2);
	}
	if (q->mode == MODE_TEXT && argc == 0 && isatty(STDIN_FILENO)) {
		warnx("no prompt: give one as arguments or on stdin");
		usage(2);
	}
	if (q->mode == MODE_TEXT && q->stream == STREAM_AUTO)
		q->stream = STREAM_ON;	/* show the answer as it comes */
}

int
main(int argc, char *argv[])
{
	struct aiq q = { .jobs = DEFAULT_JOBS, .timeout_ms = DEFAULT_TIMEOUT,
	    .max_attempts = DEFAULT_ATTEMPTS, .max_wait_ms = DEFAULT_MAX_WAIT };
	struct opts o = { 0 };
	char *prompt = NULL;
	int status;

	argv[0] = "aiq";		/* getopt's messages name the program */
	parse_options(&q, &o, argc, argv);
	argc -= optind;
	argv += optind;
	q.defaults.model = ai_default_model(q.defaults.model);
	check_mode(&q, &o, argc, argv);
	if (q.tags != NULL &&
	    (q.tags_text = json_dumps(q.tags, JSON_COMPACT)) == NULL)
		errx(1, "out of memory");
	setup_signals();
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		errx(1, "cannot initialise libcurl");
	setup_endpoint(&q, &o);
	if (q.mode == MODE_TEXT && ((prompt = read_prompt(argv, argc)) ==
	    NULL || *prompt == '\0'))
		errx(1, "empty prompt");
	setup_usage_log(&q, &o);
	status = engine_run(&q, prompt);
	free(prompt);
	curl_slist_free_all(q.extra);
	json_decref(q.defaults.params);
	json_decref(q.tags);
	free(q.tags_text);
	curl_global_cleanup();
	return status;
}
