/*
 * stage.c: what the gate, settle and estimate share as pipeline stages:
 * records read as they come, and written together while more input is
 * at hand, but never held back while the stage waits for input (nor
 * is what the stage's idle hook gives out, settle's corrections).
 *
 * A signal that stops the run ends estimate's reading at once (poll
 * gives way to it; read would not).  The gate and settle pass records
 * on (drain): they read on to the end of their input, so that the
 * records a stage before them still writes as it stops (aiq's,
 * interrupted) are not lost; main's handler ends them at once on a
 * second signal.
 */
#include <err.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include "ailimit.h"

#define OUT_BATCH	65536	/* bytes of records written together */

/*
 * max: the longest line taken whole; a longer one is cut.  drain: read
 * to the end of the input even after a signal.  Such a stage sees its
 * reader go as a failed write, not as SIGPIPE, so that it ends in order.
 */
void
stage_init(struct stage *st, size_t max, int drain)
{
	ai_lines_init(&st->in, STDIN_FILENO, max);
	ai_buf_reset(&st->out);
	st->idle = NULL;
	st->drain = drain;
	st->gone = 0;
	if (drain)
		signal(SIGPIPE, SIG_IGN);
}

/*
 * Writes the records made.  A reader gone ends the run, as for cat: the
 * reading ends, what is made is dropped, and the process ends by
 * SIGPIPE (main), unless a signal had stopped it already (the reader
 * stopped too), by which it then ends.
 */
void
stage_flush(struct stage *st)
{
	if (st->out.len > 0 && !st->gone && ai_write_all(STDOUT_FILENO,
	    st->out.data, st->out.len) == -1) {
		if (errno != EPIPE)
			err(1, "write error");
		st->gone = 1;
		if (ailimit_signal == 0)
			ailimit_signal = SIGPIPE;
	}
	ai_buf_reset(&st->out);
}

/* A record is made in st->out: written once there are enough. */
void
stage_made(struct stage *st)
{
	if (st->out.len >= OUT_BATCH)
		stage_flush(st);
}

/* A line written as it came. */
void
stage_pass(struct stage *st, const char *line, size_t len)
{
	if (ai_buf_append(&st->out, line, len) == -1 ||
	    ai_buf_append(&st->out, "\n", 1) == -1)
		errx(1, "out of memory");
	stage_made(st);
}

/*
 * The next line, without its CR LF: 1, or 0 at the end of the input,
 * once the reader is gone, or when a signal came to a stage that does
 * not drain.  *cut: the line was longer than a line may be.
 */
int
stage_next(struct stage *st, char **line, size_t *len, int *cut)
{
	struct pollfd pfd = { .fd = STDIN_FILENO, .events = POLLIN };
	int r;

	while (!st->gone && (st->drain || ailimit_signal == 0)) {
		if ((r = ai_lines_next(&st->in, line, len, cut)) == -1)
			return 0;
		if (r == 1) {
			if (*len > 0 && (*line)[*len - 1] == '\r')
				(*len)--;
			return 1;
		}
		stage_flush(st);
		if (st->idle != NULL)	/* nothing is held while input waits */
			st->idle(st->idle_arg);
		if (poll(&pfd, 1, -1) == -1) {
			if (errno != EINTR)
				err(1, "stdin");
		} else if (ai_lines_fill(&st->in) == -1)
			err(1, "stdin");
	}
	return 0;
}

void
stage_free(struct stage *st)
{
	stage_flush(st);
	ai_lines_free(&st->in);
	ai_buf_free(&st->out);
}
