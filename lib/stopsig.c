/*
 * stopsig.c: the signals that ask a tool to stop (SIGINT, SIGTERM,
 * SIGHUP), caught rather than obeyed at once, so that the tool ends in
 * order: every record it read written, every call it made logged.  Not
 * restarted (no SA_RESTART): a wait gives way to them.
 */
#include <signal.h>
#include <string.h>
#include <time.h>

#include "aitools.h"

void
ai_catch_stop_signals(void (*handler)(int))
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = handler;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
}

/*
 * What a stop signal's handler does: the first notes sig in *stop, to be
 * heeded in order; another a second or more later ends the process at
 * once, by that signal; one sooner is the same stop told twice (as
 * timeout(1) tells the child and then its whole group) and is passed
 * over.  A SIGPIPE noted in *stop (the reader went away) is no stop.
 */
void
ai_stop_signal(volatile sig_atomic_t *stop, int sig)
{
	static struct timespec first;
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	if (*stop != 0 && *stop != SIGPIPE) {
		if (now.tv_sec - first.tv_sec < 1 || (now.tv_sec -
		    first.tv_sec == 1 && now.tv_nsec < first.tv_nsec))
			return;
		signal(sig, SIG_DFL);
		raise(sig);
	}
	first = now;
	*stop = sig;
}
