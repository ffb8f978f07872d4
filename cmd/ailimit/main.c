/*
 * ailimit: paces records to a provider's rate limits.
 *
 *	ailimit -k openai --rpm 500 --tpm 200000 < jobs.jsonl | aiq -J -j 32
 *
 * Every process that names the same key draws from the same buckets.
 */
#include <err.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ailimit.h"

volatile sig_atomic_t ailimit_signal;

const char *const bucket_names[NBUCKETS] = {
	"rpm", "tpm", "itpm", "otpm", "rpd", "tpd", "usd",
};

const int learned_buckets[NLEARNED] = { B_RPM, B_TPM, B_ITPM, B_OTPM };

#define OPTSTRING	"c:hk:m:p:Rs:V"

enum {
	OPT_AUTO = CHAR_MAX + 1, OPT_BURST, OPT_MAX_TOKENS, OPT_PRICES,
	OPT_SHOW_CONFIG, OPT_STATE, OPT_WAIT_QUOTA,
	OPT_RPM, OPT_TPM, OPT_ITPM, OPT_OTPM, OPT_RPD, OPT_TPD, OPT_USD,
};

static const struct option longopts[] = {
	{ "auto",	no_argument,		NULL, OPT_AUTO },
	{ "burst",	required_argument,	NULL, OPT_BURST },
	{ "config",	required_argument,	NULL, 'c' },
	{ "help",	no_argument,		NULL, 'h' },
	{ "itpm",	required_argument,	NULL, OPT_ITPM },
	{ "key",	required_argument,	NULL, 'k' },
	{ "max-tokens",	required_argument,	NULL, OPT_MAX_TOKENS },
	{ "model",	required_argument,	NULL, 'm' },
	{ "otpm",	required_argument,	NULL, OPT_OTPM },
	{ "prices",	required_argument,	NULL, OPT_PRICES },
	{ "profile",	required_argument,	NULL, 'p' },
	{ "resend-errors", no_argument,		NULL, 'R' },
	{ "rpd",	required_argument,	NULL, OPT_RPD },
	{ "rpm",	required_argument,	NULL, OPT_RPM },
	{ "show-config", no_argument,		NULL, OPT_SHOW_CONFIG },
	{ "state",	required_argument,	NULL, OPT_STATE },
	{ "system",	required_argument,	NULL, 's' },
	{ "tpd",	required_argument,	NULL, OPT_TPD },
	{ "tpm",	required_argument,	NULL, OPT_TPM },
	{ "usd-per-day", required_argument,	NULL, OPT_USD },
	{ "version",	no_argument,		NULL, 'V' },
	{ "wait-quota",	no_argument,		NULL, OPT_WAIT_QUOTA },
	{ NULL,		0,			NULL, 0 }
};

static const char usage_text[] =
    "usage: ailimit [-hRV] [-c file] [-k key] [-m model] [-p profile] "
    "[-s text]\n"
    "               [--auto] [--rpm n] [--tpm n] [--itpm n] [--otpm n] "
    "[--rpd n]\n"
    "               [--tpd n] [--usd-per-day dollars] [--burst duration]\n"
    "               [--max-tokens n] [--prices file] [--show-config] "
    "[--state file]\n"
    "               [--wait-quota]\n"
    "       ailimit settle [--prices file] [--state file]\n"
    "       ailimit estimate [-R] [-c file] [-m model] [-p profile] "
    "[-s text]\n"
    "               [limits] [--burst duration] [--max-tokens n] "
    "[--prices file]\n"
    "               [--show-config]\n"
    "       ailimit status [-c file] [-k key] [-p profile] [limits] "
    "[--show-config]\n"
    "       ailimit reset [-c file] [-k key] [-p profile] [--show-config]\n";

static const char help_text[] =
    "Writes each record of stdin when the limits allow it, in order.\n"
    "\n"
    "  -c, --config file    the config file (AITOOLS_CONFIG, else the "
    "nearest\n"
    "                       .aitools.yaml, else "
    "~/.config/aitools/config.yaml)\n"
    "  -k, --key key        the budget, shared by every process naming it"
    "\n                       (default: SERVICE/PROFILE of -p, or the "
    "profile's name\n                       alone without a service, "
    "else \"default\")\n"
    "  -m, --model model    model of requests that name none, as aiq -m "
    "($AIQ_MODEL)\n"
    "  -p, --profile name   a profile of the config file: its rate_limit "
    "is the\n"
    "                       limits, its model, system and max_tokens the "
    "requests'\n"
    "  -R, --resend-errors  draw for records with an error too (aiq -R "
    "sends them)\n"
    "  -s, --system text    system prompt of prompt records, as aiq -s\n"
    "      --auto           pace by the limits the provider's headers "
    "say (settle\n"
    "                       learns them); the rates given are ceilings\n"
    "      --rpm n          requests a minute\n"
    "      --tpm n          tokens a minute, input and output\n"
    "      --itpm n         input tokens a minute (Anthropic)\n"
    "      --otpm n         output tokens a minute (Anthropic)\n"
    "      --rpd n          requests a day (local time)\n"
    "      --tpd n          tokens a day (local time)\n"
    "      --usd-per-day dollars\n"
    "                       dollars a day, priced as aiusage prices calls\n"
    "      --wait-quota     wait for the next day when a quota is spent\n"
    "                       (else its records fail as quota_exceeded)\n"
    "      --burst duration most at once: this share of a minute (1s)\n"
    "      --max-tokens n   max_tokens of requests that set none, as aiq's"
    "\n"
    "      --prices file    a price table over the built-in one, as "
    "aiusage's\n"
    "      --show-config    print the settings and where each came from; "
    "exit\n"
    "      --state file     the shared state (AILIMIT_STATE, or\n"
    "                       $XDG_STATE_HOME/aitools/limits.db)\n"
    "  -h, --help           this help\n"
    "  -V, --version        the version\n"
    "\n"
    "Commands: settle, after aiq, gives back what the records drew and did"
    " not use;\nstatus shows what each limit holds now; reset fills them"
    " again; estimate\nshows what the records will draw, cost and take, "
    "sending nothing.\n";

/*
 * The limit of bucket b: a rate of per a minute whose burst is --burst's
 * share of it (one at least), or a quota of per a local day.
 */
void
bucket_limit(const struct opts *o, int b, struct ai_limit *l)
{
	l->kind = b >= B_RPD ? AI_LIMIT_QUOTA : AI_LIMIT_RATE;
	l->per = o->per[b];
	l->burst = o->per[b] * o->burst_ms / 60000;
	if (l->burst < 1)
		l->burst = 1;
}

static void __attribute__((noreturn))
usage(int status)
{
	fputs(usage_text, status == 0 ? stdout : stderr);
	if (status == 0) {
		fputs("\n", stdout);
		fputs(help_text, stdout);
		if (fflush(stdout) == EOF || ferror(stdout))
			err(1, "write error");
	}
	exit(status);
}

/*
 * The first signal stops the run: the gate sends no more, and it and
 * settle pass every record on to the end of their input (estimate ends
 * at once); main then ends by the signal.  Another, a second or more
 * later, ends the process at once, as aiq's does: one sent to the
 * whole pipeline and again by its parent within that second counts once.
 */
static void
on_signal(int sig)
{
	ai_stop_signal(&ailimit_signal, sig);
}

/*
 * A key names a row of the state and goes in records: kept plain.  A
 * '/' is the one of the key of a profile under its service, which -k
 * may name too.
 */
static int
key_ok(const char *k)
{
	size_t n = strlen(k);

	return n > 0 && n <= KEY_MAX && strspn(k, KEY_CHARS "/") == n;
}

/*
 * What a request of estimate e, costing usd microdollars at most, draws
 * from each bucket: the gate's draws and estimate's sums alike.
 */
void
draw_amounts(const struct ai_estimate *e, int64_t usd,
    int64_t amount[NBUCKETS])
{
	amount[B_RPM] = amount[B_RPD] = 1;
	amount[B_TPM] = amount[B_TPD] = e->input + e->output;
	amount[B_ITPM] = e->input;
	amount[B_OTPM] = e->output;
	amount[B_USD] = usd;
}

/*
 * The most a request of estimate e may cost, in microdollars: priced as
 * aiusage prices the call, at the tier it asks for; -1 when its model
 * has no price, so that no dollar quota can count it.
 */
int64_t
request_cost(const struct ai_prices *p, const struct ai_request *req,
    const struct ai_estimate *e)
{
	const struct ai_usage u = { .input = e->input, .output = e->output };
	int64_t usd;

	return ai_cost_micro(p, req->model, &u, ai_service_tier(req->body),
	    &usd) == 0 ? usd : -1;
}

/* The price tables: the built-in one, the user's, then --prices. */
void
load_prices(const struct opts *o, struct ai_prices *p)
{
	char err[AI_ERRLEN];

	if (ai_prices_load_default(p, o->prices, err) == -1)
		errx(1, "%s", err);
}

/* -s: a system prompt, as aiq takes it. */
static void
system_prompt(struct opts *o, const char *text)
{
	json_t *v;

	if ((v = json_string(text)) == NULL) {
		warnx("-s: not valid UTF-8");
		usage(EXIT_USAGE);
	}
	json_decref(v);
	o->defaults.system = text;
}

/* --usd-per-day: dollars, kept as microdollars. */
static int64_t
dollars(const char *v)
{
	int64_t micro;

	if (ai_money_parse(v + (*v == '$'), &micro) == -1 || micro == 0 ||
	    micro > AI_BUCKET_MAX) {
		warnx("--usd-per-day '%s': not dollars from 0.000001 to %lld "
		    "such as 20 or 2.50", v,
		    (long long)(AI_BUCKET_MAX / 1000000));
		usage(EXIT_USAGE);
	}
	return micro;
}

static int64_t
number(const char *opt, const char *v)
{
	char why[AI_ERRLEN];
	int64_t n;

	if (ai_opt_number(v, 1, AI_BUCKET_MAX, &n, why) == -1) {
		warnx("--%s '%s': %s", opt, v, why);
		usage(EXIT_USAGE);
	}
	return n;
}

static void
parse(int argc, char **argv, struct opts *o)
{
	char why[AI_ERRLEN];
	int c;

	while ((c = getopt_long(argc, argv, OPTSTRING, longopts, NULL)) !=
	    -1) {
		o->given |= c != 'h' && c != 'V' && c != OPT_STATE &&
		    c != OPT_PRICES;
		switch (c) {
		case 'c':		/* read by prescan */
		case 'p':
			break;
		case 'h':
			usage(0);
		case 'k':
			if (!key_ok(optarg)) {
				warnx("-k '%s': a key is 1 to %d letters, "
				    "digits, '.', '_', '-' or '/'", optarg,
				    KEY_MAX);
				usage(EXIT_USAGE);
			}
			o->key = optarg;
			o->flag.key = 1;
			break;
		case 'm':
			if (*optarg == '\0') {
				warnx("-m '': a model has a name");
				usage(EXIT_USAGE);
			}
			o->defaults.model = optarg;
			o->flag.model = 1;
			break;
		case 's':
			system_prompt(o, optarg);
			o->flag.system = 1;
			break;
		case OPT_MAX_TOKENS:
			if (ai_params_set(&o->defaults.params, "max_tokens",
			    json_integer(number("max-tokens", optarg))) == -1)
				errx(1, "out of memory");
			o->flag.max_tokens = 1;
			break;
		case 'V':
			if (printf("ailimit %s\n", AI_VERSION) < 0 ||
			    fflush(stdout) == EOF)
				err(1, "write error");
			exit(0);
		case OPT_AUTO:
			o->auto_limits = 1;
			break;
		case OPT_BURST:
			if (ai_opt_duration(optarg, 1, &o->burst_ms,
			    why) == -1 || o->burst_ms > 60000) {
				warnx("--burst '%s': not a share of a minute "
				    "such as 500ms, 1s or 1m (at most)",
				    optarg);
				usage(EXIT_USAGE);
			}
			o->flag.burst = 1;
			break;
		case OPT_PRICES:
			if (o->nprices == MAX_PRICES) {
				warnx("--prices: at most %d tables",
				    MAX_PRICES);
				usage(EXIT_USAGE);
			}
			o->prices[o->nprices++] = optarg;
			break;
		case OPT_SHOW_CONFIG:
			o->show_config = 1;
			break;
		case OPT_STATE:
			o->state = optarg;
			break;
		case OPT_USD:
			o->per[B_USD] = dollars(optarg);
			o->flag.per[B_USD] = 1;
			break;
		case OPT_WAIT_QUOTA:
			o->wait_quota = 1;
			break;
		case 'R':
			o->resend_errors = 1;
			break;
		default:
			if (c >= OPT_RPM && c <= OPT_TPD) {
				o->per[c - OPT_RPM] = number(
				    bucket_names[c - OPT_RPM], optarg);
				o->flag.per[c - OPT_RPM] = 1;
				break;
			}
			usage(EXIT_USAGE);
		}
	}
}

/*
 * -c and -p, read first: the config file and the profile are the ground
 * the other flags then override, as in aiq.  A bad one is refused here,
 * before anything is read.  settle reads no config file (each record
 * names its key, and it must pass on every record of calls already
 * made); -h and -V need none.
 */
static void
prescan(int argc, char **argv, struct opts *o, const char *cmd)
{
	char err[AI_ERRLEN];
	int help;

	help = ai_opt_prescan(argc, argv, OPTSTRING, longopts, &o->config,
	    &o->profile_name);
	if (help || (cmd != NULL && strcmp(cmd, "settle") == 0))
		return;
	if (ai_config_open(o->config, o->profile_name, &o->file, &o->profile,
	    err) == -1) {
		warnx("%s", err);
		exit(EXIT_USAGE);
	}
	profile_apply(o);
}

/*
 * The state of the keys.  Without a path (cron's empty environment), a
 * stage carries on alone in memory, and says so: the gate paces all the
 * same, settle passes every record on.  A state file that cannot be
 * opened fails the gate, before it reads anything: gates that each paced
 * alone would together send more than the limits; but settle, after the
 * calls were made and paid for, passes every record on all the same.
 */
static struct ai_limitstore *
open_state(struct opts *o, const char *cmd, char **path)
{
	struct ai_limitstore *s;
	char why[AI_ERRLEN];
	int admin = cmd != NULL && strcmp(cmd, "settle") != 0;
	const char *alone = cmd == NULL ? "this run's limits are shared with "
	    "no other process" : "records are passed on, nothing is trued up";

	if (o->state == NULL && (o->state = *path =
	    ai_limitstore_default_path()) == NULL) {
		if (admin)
			errx(1, "no state file: set AILIMIT_STATE, "
			    "XDG_STATE_HOME or HOME, or give --state");
		warnx("no state file (set AILIMIT_STATE, XDG_STATE_HOME or "
		    "HOME, or give --state): %s", alone);
	} else if (*o->state == '\0') {
		warnx("--state '': not a file name");
		usage(EXIT_USAGE);
	}
	if ((s = ai_limitstore_open(o->state, why)) != NULL)
		return s;
	if (cmd == NULL || admin || o->state == NULL)
		errx(1, "the state file %s", why);
	warnx("the state file %s: %s", why, alone);
	if ((s = ai_limitstore_open(NULL, why)) == NULL)
		errx(1, "%s", why);
	return s;
}

int
main(int argc, char **argv)
{
	struct opts o = { .key = "default", .burst_ms = 1000 };
	struct ai_limitstore *s;
	char *path = NULL;
	const char *cmd = NULL;
	int b, status, any = 0;

	argv[0] = "ailimit";
	if (argc > 1 && (strcmp(argv[1], "status") == 0 ||
	    strcmp(argv[1], "reset") == 0 || strcmp(argv[1], "settle") == 0 ||
	    strcmp(argv[1], "estimate") == 0)) {
		cmd = argv[1];
		argv[1] = argv[0];
		argc--;
		argv++;
	}
	prescan(argc, argv, &o, cmd);
	parse(argc, argv, &o);
	if (optind < argc) {
		warnx("unexpected argument '%s'", argv[optind]);
		usage(EXIT_USAGE);
	}
	if (cmd != NULL && strcmp(cmd, "settle") == 0 && o.given) {
		warnx("settle takes no limits, key nor profile: each record "
		    "names its key, each bucket keeps the limit it was drawn "
		    "with");
		usage(EXIT_USAGE);
	}
	if (cmd == NULL || strcmp(cmd, "reset") != 0)
		profile_rates(&o);
	if (o.show_config) {
		status = profile_show(&o, cmd);
		goto done;
	}
	for (b = 0; b < NBUCKETS; b++)
		any |= o.per[b] != 0;
	if (cmd == NULL && !any && !o.auto_limits) {	/* it needs limits */
		warnx("no limit given: --auto, --rpm, --tpm, --itpm, --otpm, "
		    "--rpd, --tpd or --usd-per-day%s", o.profile != NULL ?
		    " (the profile has no rate_limit)" : "");
		usage(EXIT_USAGE);
	}
	if (cmd != NULL && strcmp(cmd, "estimate") == 0) {
		ai_catch_stop_signals(on_signal);
		status = dryrun_run(&o);
		goto done;
	}
	s = open_state(&o, cmd, &path);
	ai_catch_stop_signals(on_signal);	/* no record is lost */
	if (cmd == NULL)
		status = gate_run(&o, s);
	else if (strcmp(cmd, "status") == 0)
		status = admin_status(&o, s);
	else if (strcmp(cmd, "settle") == 0)
		status = settle_run(&o, s);
	else
		status = admin_reset(&o, s);
	ai_limitstore_close(s);
	free(path);
done:
	json_decref(o.defaults.params);
	ai_config_free(o.file);
	if (ailimit_signal != 0) {
		signal(ailimit_signal, SIG_DFL);
		raise(ailimit_signal);
	}
	return status;
}
