/*
 * stopsig.c: the signals that ask a tool to stop (SIGINT, SIGTERM,
 * SIGHUP), caught rather than obeyed at once, so that the tool ends in
 * order: every record it read written, every call it made logged.  Not
 * restarted (no SA_RESTART): a wait gives way to them.
 */
#include <signal.h>
#include <string.h>

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
