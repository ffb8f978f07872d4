/*
 * progress.c: the progress line of a long run on a terminal, and every
 * message of aiq, which must not land in the middle of it.  The line is
 * redrawn in place on stderr (records done of all, rate, failures,
 * tokens, dollars, time left) a few times a second, and erased when the
 * run ends: it never reaches a file or a pipe.
 */
#include <err.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "aiq.h"

#define REDRAW_US	250000

struct progress {
	int64_t		 start_us;
	int64_t		 drawn_us;	/* last drawn, 0: not on screen */
	long long	 total;		/* records of the input, -1: unknown */
};

/* Shows the line when asked, or for -J and -l on a terminal. */
void
progress_start(struct aiq *q)
{
	const struct config *cf = q->cf;
	char msg[AI_ERRLEN];

	if (cf->mode == MODE_TEXT || cf->progress == 0 ||
	    (cf->progress < 0 && !isatty(STDERR_FILENO)))
		return;
	if ((q->pg = calloc(1, sizeof(*q->pg))) == NULL)
		err(1, NULL);
	q->pg->start_us = ai_mono_us();
	q->pg->total = ai_lines_left(&q->in);
	q->priced = ai_prices_load_default(&q->prices, NULL, msg) == 0;
}

/* 1234 as 1234, 12345 as 12.3k, 1234567 as 1.2M. */
static void
human(long long n, char *buf, size_t size)
{
	if (n < 10000)
		snprintf(buf, size, "%lld", n);
	else if (n < 10000000)
		snprintf(buf, size, "%.1fk", (double)n / 1e3);
	else
		snprintf(buf, size, "%.1fM", (double)n / 1e6);
}

static void
draw(struct aiq *q, int64_t now)
{
	const struct stats *s = &q->st;
	long long done = (long long)(s->ok + s->failed + s->passed);
	double secs = (double)(now - q->pg->start_us) / 1e6, rate;
	char in[24], out[24], of[32] = "", eta[32] = "", usd[80] = "", m[32];
	long long left;

	rate = secs > 0 ? (double)done / secs : 0;
	human(s->input_tokens, in, sizeof(in));
	human(s->output_tokens, out, sizeof(out));
	if (q->pg->total >= 0)
		snprintf(of, sizeof(of), "/%lld", q->pg->total);
	if (q->pg->total > done && rate > 0) {
		left = (long long)((double)(q->pg->total - done) / rate);
		snprintf(eta, sizeof(eta), ", %lldm%02llds left", left / 60,
		    left % 60);
	}
	if (q->priced) {
		/* Small sums to the microdollar: none reads as zero. */
		ai_money_format(&s->cost, ai_money_micro(&s->cost) < 1000000 ?
		    6 : 4, m, sizeof(m));
		/* An unpriced model's calls are not free: said apart. */
		if (s->unpriced > 0 && s->priced == 0)
			snprintf(usd, sizeof(usd), ", cost unknown (%zu "
			    "unpriced)", s->unpriced);
		else if (s->unpriced > 0)
			snprintf(usd, sizeof(usd), ", $%s + %zu unpriced", m,
			    s->unpriced);
		else
			snprintf(usd, sizeof(usd), ", $%s", m);
	}
	fprintf(stderr, "\raiq: %lld%s records, %.1f/s, %zu failed, %s tokens "
	    "in, %s out%s%s\033[K", done, of, rate, s->failed, in, out, usd,
	    eta);
	fflush(stderr);
	q->pg->drawn_us = now;
}

/* Redraws the line, at most a few times a second unless forced. */
void
progress_update(struct aiq *q, int force)
{
	int64_t now;

	if (q->pg == NULL)
		return;
	now = ai_mono_us();
	if (force || now - q->pg->drawn_us >= REDRAW_US)
		draw(q, now);
}

static void
erase(const struct aiq *q)
{
	if (q->pg != NULL && q->pg->drawn_us != 0) {
		fputs("\r\033[K", stderr);
		q->pg->drawn_us = 0;
	}
}

/* The run ended: the line goes, leaving the terminal as it was. */
void
progress_end(struct aiq *q)
{
	erase(q);
	free(q->pg);
	q->pg = NULL;
	if (q->priced)
		ai_prices_free(&q->prices);
	q->priced = 0;
}

/* Every message of aiq: on its own line, the progress line redrawn after. */
void
say(const struct aiq *q, const char *fmt, ...)
{
	va_list ap;

	erase(q);
	va_start(ap, fmt);
	vwarnx(fmt, ap);
	va_end(ap);
}
