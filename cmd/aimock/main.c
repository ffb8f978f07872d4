/*
 * aimock: a local fake LLM provider for tests, demos and offline work.
 * main.c reads the command line, starts libmicrohttpd, prints the port
 * and serves until SIGINT or SIGTERM; aimock.h describes the rest.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "aimock.h"

#define MAX_CONNS	4096
#define STACK_SIZE	(256 * 1024)
#define IDLE_TIMEOUT	300		/* seconds a keep-alive may idle */
#define OPT_KNOB	256		/* a long option that sets a knob */
#define OPT_LIMIT	257		/* a long option that sets a rate limit */

struct config cfg = { .logfd = -1 };

/* MHD's own messages, prefixed like ours; its threads read the flag. */
static atomic_int serving;
_Thread_local int mhd_quiet;

static void
mhd_log(void *cls, const char *fmt, va_list ap)
{
	if (!atomic_load(&serving))	/* main reports start-up failures */
		return;
	if (mhd_quiet)			/* a fault, or shutdown */
		return;
	fputs("aimock: ", stderr);
	vfprintf(stderr, fmt, ap);
}

/* Thousands of keep-alive clients need more descriptors than 1024. */
static void
raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1 || rl.rlim_cur >= rl.rlim_max)
		return;
	rl.rlim_cur = rl.rlim_max;
	if (rl.rlim_cur > MAX_CONNS * 2 + 64)
		rl.rlim_cur = MAX_CONNS * 2 + 64;
	(void)setrlimit(RLIMIT_NOFILE, &rl);
}

/*
 * One thread per connection keeps a slow (sleeping) response from holding
 * up the others; MHD_USE_POLL lifts select(2)'s limit of 1024 descriptors.
 */
static struct MHD_Daemon *
start(void)
{
	return MHD_start_daemon(MHD_USE_THREAD_PER_CONNECTION |
	    MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL | MHD_USE_ERROR_LOG,
	    0, NULL, NULL, access_cb, NULL,
	    MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
	    MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&cfg.addr,
	    MHD_OPTION_NOTIFY_COMPLETED, completed_cb, NULL,
	    MHD_OPTION_THREAD_STACK_SIZE, (size_t)STACK_SIZE,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned)MAX_CONNS,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)IDLE_TIMEOUT,
	    MHD_OPTION_END);
}

/* Standard output is done with; what could not be written is an error. */
static void
close_stdout(void)
{
	if (fflush(stdout) == EOF || ferror(stdout) || fclose(stdout) == EOF)
		err(1, "write error");
}

/* Tells whoever started us which port the kernel picked. */
static void
print_port(struct MHD_Daemon *d)
{
	const union MHD_DaemonInfo *info;

	info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
	if (info == NULL)
		errx(1, "cannot find the listening port");
	printf("%u\n", (unsigned)info->port);
	close_stdout();
}

static void
open_log(const char *path)
{
	if ((cfg.logfd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC,
	    0600)) == -1)
		err(1, "%s", path);
}

static void
usage(FILE *f)
{
	fputs("usage: aimock [-hV] [-b addr] [-d latency] [-L file] "
	    "[-p port] [-r reply]\n"
	    "              [-s status] [--cache-read tokens] "
	    "[--cache-write tokens]\n"
	    "              [--chunk-delay ms] [--code code] [--fail list] "
	    "[--fail-first n]\n"
	    "              [--fail-rate p] [--fault kind] [--itpm tokens]\n"
	    "              [--otpm tokens] [--pad size] [--prompt-tokens n]\n"
	    "              [--retry-after seconds] [--retry-after-ms ms]\n"
	    "              [--rpm requests] [--tpm tokens]\n",
	    f);
}

/* -h: the usage, then each option in a line; aimock(1) says the rest. */
static _Noreturn void
help(void)
{
	usage(stdout);
	fputs("\n"
	    "  -b, --bind addr            listen on this IPv4 address, "
	    "not 127.0.0.1\n"
	    "  -d, --latency latency      latency knob: ms before answering, "
	    "or MIN-MAX\n"
	    "  -h, --help                 print this help and exit\n"
	    "  -L, --log file             append each request to file, "
	    "a JSON line each\n"
	    "  -p, --port port            listen on this port; 0, the "
	    "default: a free one\n"
	    "  -r, --reply reply          answer with this text instead "
	    "of the echo\n"
	    "  -s, --status status        status knob: the HTTP status of "
	    "answers, 200 to 599\n"
	    "  -V, --version              print the version and exit\n"
	    "      --cache-read tokens    cache_read knob: prompt tokens "
	    "read from the cache\n"
	    "      --cache-write tokens   cache_write knob: prompt tokens "
	    "written to it\n"
	    "      --chunk-delay ms       chunk_delay knob: ms between the "
	    "events of a stream\n"
	    "      --code code            code knob: the error code of "
	    "error answers\n"
	    "      --fail list            fail knob: the statuses and "
	    "faults of failures\n"
	    "      --fail-first n         fail_first knob: fail the first "
	    "n tries of a body\n"
	    "      --fail-rate p          fail_rate knob: fail a request "
	    "with probability p\n"
	    "      --fault kind           fault knob: the fault of every "
	    "request\n"
	    "      --itpm tokens          input tokens a minute (Anthropic), "
	    "then 429\n"
	    "      --otpm tokens          output tokens a minute (Anthropic), "
	    "then 429\n"
	    "      --pad size             pad knob: the size of padded and "
	    "endless bodies\n"
	    "      --prompt-tokens n      prompt_tokens knob: the prompt "
	    "tokens reported\n"
	    "      --retry-after seconds  retry_after knob: Retry-After of "
	    "error answers\n"
	    "      --retry-after-ms ms    retry_after_ms knob: "
	    "retry-after-ms of errors\n"
	    "      --rpm requests         requests a minute, then 429\n"
	    "      --tpm tokens           tokens a minute (prompt and max "
	    "output), then 429\n"
	    "\n"
	    "A request sets knobs for itself with X-Mock-* headers or a "
	    "[[mock key=value]]\n"
	    "directive in its prompt; see aimock(1).\n", stdout);
	close_stdout();
	exit(0);
}

static _Noreturn void
bad_usage(const char *fmt, ...)
{
	va_list ap;

	if (fmt != NULL) {
		va_start(ap, fmt);
		vwarnx(fmt, ap);
		va_end(ap);
	}
	usage(stderr);
	exit(2);
}

/* A bad option value, said in the one shape of every tool. */
static _Noreturn void
bad_value(const char *opt, const char *value, const char *reason)
{
	char shown[AI_ERRLEN];

	bad_usage("%s '%s': %s", opt, ai_text_show(shown, sizeof(shown),
	    value), reason);
}

/* Sets the knob of the long option name (fail-rate sets fail_rate). */
static void
knob_flag(const char *name, const char *arg)
{
	char key[32], opt[40], reason[AI_ERRLEN];
	size_t i;

	for (i = 0; name[i] != '\0' && i < sizeof(key) - 1; i++)
		key[i] = name[i] == '-' ? '_' : name[i];
	key[i] = '\0';
	if (knob_set(&cfg.knobs, key, i, arg, strlen(arg), reason) != 0) {
		snprintf(opt, sizeof(opt), "--%s", name);
		bad_value(opt, arg, reason);
	}
}

/* Sets the rate limit of --rpm, --tpm, --itpm or --otpm. */
static void
limit_flag(const char *name, const char *arg)
{
	static const char *const names[NLIMITS] = { "rpm", "tpm", "itpm",
	    "otpm" };
	char opt[16], reason[AI_ERRLEN];
	int64_t v;
	int l;

	for (l = 0; l < NLIMITS - 1 && strcmp(names[l], name) != 0; l++)
		continue;
	if (ai_opt_number(arg, 1, MAX_RATE, &v, reason) == -1) {
		snprintf(opt, sizeof(opt), "--%s", name);
		bad_value(opt, arg, reason);
	}
	cfg.limit[l] = v;
}

static void
finish_args(int argc, char *argv[], const char *logpath)
{
	json_t *utf8 = NULL;

	if (optind != argc)
		bad_usage("unexpected argument: '%s'", argv[optind]);
	if (cfg.reply != NULL && (utf8 = json_string(cfg.reply)) == NULL)
		bad_value("--reply", cfg.reply, "not UTF-8");
	json_decref(utf8);
	if (logpath != NULL)
		open_log(logpath);
}

static void
parse_args(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "bind", required_argument, NULL, 'b' },
		{ "cache-read", required_argument, NULL, OPT_KNOB },
		{ "cache-write", required_argument, NULL, OPT_KNOB },
		{ "chunk-delay", required_argument, NULL, OPT_KNOB },
		{ "code", required_argument, NULL, OPT_KNOB },
		{ "fail", required_argument, NULL, OPT_KNOB },
		{ "fail-first", required_argument, NULL, OPT_KNOB },
		{ "fail-rate", required_argument, NULL, OPT_KNOB },
		{ "fault", required_argument, NULL, OPT_KNOB },
		{ "help", no_argument, NULL, 'h' },
		{ "itpm", required_argument, NULL, OPT_LIMIT },
		{ "latency", required_argument, NULL, 'd' },
		{ "log", required_argument, NULL, 'L' },
		{ "otpm", required_argument, NULL, OPT_LIMIT },
		{ "pad", required_argument, NULL, OPT_KNOB },
		{ "prompt-tokens", required_argument, NULL, OPT_KNOB },
		{ "port", required_argument, NULL, 'p' },
		{ "reply", required_argument, NULL, 'r' },
		{ "retry-after", required_argument, NULL, OPT_KNOB },
		{ "retry-after-ms", required_argument, NULL, OPT_KNOB },
		{ "rpm", required_argument, NULL, OPT_LIMIT },
		{ "status", required_argument, NULL, 's' },
		{ "tpm", required_argument, NULL, OPT_LIMIT },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	const char *logpath = NULL;
	char reason[AI_ERRLEN];
	int ch, idx;
	long v;

	argv[0] = "aimock";		/* getopt's messages name the program */
	cfg.addr.sin_family = AF_INET;
	cfg.addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	knobs_init(&cfg.knobs);
	while ((ch = getopt_long(argc, argv, "b:d:hL:p:r:s:V", longopts,
	    &idx)) != -1) {
		switch (ch) {
		case 'b':
			if (inet_pton(AF_INET, optarg,
			    &cfg.addr.sin_addr) != 1)
				bad_value("--bind", optarg,
				    "not an IPv4 address");
			break;
		case 'd':
			knob_flag("latency", optarg);
			break;
		case 'h':
			help();
		case 'L':
			logpath = optarg;
			break;
		case 'p':
			if (knob_number(optarg, strlen(optarg), 0, 65535, &v,
			    reason) == -1)
				bad_value("--port", optarg, reason);
			cfg.addr.sin_port = htons((uint16_t)v);
			break;
		case 'r':
			cfg.reply = optarg;
			break;
		case 's':
			knob_flag("status", optarg);
			break;
		case 'V':
			puts("aimock " AI_VERSION);
			close_stdout();
			exit(0);
		case OPT_KNOB:
			knob_flag(longopts[idx].name, optarg);
			break;
		case OPT_LIMIT:
			limit_flag(longopts[idx].name, optarg);
			break;
		default:
			bad_usage(NULL);
		}
	}
	finish_args(argc, argv, logpath);
}

/* Serves until SIGINT or SIGTERM, which end every wait at once. */
static void
serve(struct MHD_Daemon *d, const sigset_t *sigs)
{
	int sig;

	atomic_store(&serving, 1);
	print_port(d);
	while (sigwait(sigs, &sig) != 0)
		continue;
	wait_stop();
	MHD_stop_daemon(d);
}

int
main(int argc, char *argv[])
{
	struct MHD_Daemon *d;
	sigset_t sigs;
	const char *key;

	signal(SIGPIPE, SIG_IGN);
	parse_args(argc, argv);
	if ((key = getenv("AIMOCK_API_KEY")) != NULL && *key != '\0')
		cfg.apikey = key;
	if (wait_init() == -1)
		err(1, "pipe");
	/* Blocked before any thread starts, so only sigwait sees them. */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	if ((errno = pthread_sigmask(SIG_BLOCK, &sigs, NULL)) != 0)
		err(1, "pthread_sigmask");
	raise_nofile();
	errno = 0;
	if ((d = start()) == NULL) {
		warnx("cannot listen on %s port %u%s%s",
		    inet_ntoa(cfg.addr.sin_addr), ntohs(cfg.addr.sin_port),
		    errno != 0 ? ": " : "", errno != 0 ? strerror(errno) : "");
		exit(1);
	}
	serve(d, &sigs);
	if (cfg.logfd != -1)
		close(cfg.logfd);
	return 0;
}
