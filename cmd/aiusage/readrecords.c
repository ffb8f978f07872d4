/*
 * readrecords.c: records read and summed in this thread, parsed in two
 * others.  Parsing is nearly all the work of a report over records (the
 * reading and the sums take a sixth of it): lines go in batches around a
 * small ring, filled here, parsed by the workers, each taking every
 * other batch, then summed here in the order they came, so that the
 * report is the same as one made in a single thread.
 */
#include <err.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "aiusage.h"

#define WORKERS		2
#define RING		(2 * WORKERS)	/* batches: filled, parsed, summed */
#define BATCH_LINES	256
#define BATCH_BYTES	(256u << 10)

enum state { FREE, FILLED, PARSED };

struct batch {
	enum state	 state;
	int		 n;
	char		*text;		/* the lines, end to end */
	size_t		 len, cap;
	size_t		 off[BATCH_LINES], size[BATCH_LINES];
	long		 lineno[BATCH_LINES];
	int		 cut[BATCH_LINES];	/* too long: not read */
	enum parsed_kind kind[BATCH_LINES];
	struct call	 call[BATCH_LINES];
	char		*strs;		/* the calls' strings, end to end */
};

struct ring {
	pthread_mutex_t	 mu;
	pthread_cond_t	 cv;
	struct batch	 b[RING];
	int		 eof;		/* no batch will be filled again */
	const struct opts *o;
};

struct worker {
	struct ring	*g;
	int		 first;		/* its batches: first, + WORKERS, ... */
	pthread_t	 tid;
};

/* Waits until b is in state s (FILLED: or the input ended); its state. */
static enum state
wait_for(struct ring *g, struct batch *b, enum state s)
{
	enum state now;

	pthread_mutex_lock(&g->mu);
	while (b->state != s && !(s == FILLED && g->eof))
		pthread_cond_wait(&g->cv, &g->mu);
	now = b->state;
	pthread_mutex_unlock(&g->mu);
	return now;
}

static void
set_state(struct ring *g, struct batch *b, enum state s)
{
	pthread_mutex_lock(&g->mu);
	b->state = s;
	pthread_cond_broadcast(&g->cv);
	pthread_mutex_unlock(&g->mu);
}

/*
 * A string of the call parsed in scratch, moved to *to; a string that is
 * not in scratch (a constant) stays.  The strings of a batch are packed,
 * so that few cache lines go from the worker's core to this one.
 */
static const char *
pack(const char *v, const struct parsed *scratch, char **to)
{
	const char *lo = (const char *)&scratch->s;
	size_t n;

	if (v == NULL || v < lo || v >= lo + sizeof(scratch->s))
		return v;
	n = strlen(v) + 1;
	memcpy(*to, v, n);
	*to += n;
	return *to - n;
}

static void
parse_batch(struct parser *p, const struct opts *o, struct batch *b)
{
	struct parsed scratch;
	struct call *c;
	char *to = b->strs;
	int k;

	for (k = 0; k < b->n; k++) {
		if (b->cut[k]) {
			b->kind[k] = PARSED_BAD;
			continue;
		}
		parse_record(p, o, b->text + b->off[k], b->size[k], &scratch);
		b->kind[k] = scratch.kind;
		if (scratch.kind == PARSED_BAD)
			continue;	/* a call left out is told, if all are */
		c = &b->call[k];
		*c = scratch.c;
		c->provider = pack(c->provider, &scratch, &to);
		c->model = pack(c->model, &scratch, &to);
		c->service = pack(c->service, &scratch, &to);
		c->status = pack(c->status, &scratch, &to);
		c->field = pack(c->field, &scratch, &to);
	}
}

/* A worker: parses each of its batches filled, in order, until the end. */
static void *
parse_batches(void *arg)
{
	struct worker *w = arg;
	struct ring *g = w->g;
	struct parser *p = parser_new();
	struct batch *b;
	int i;

	for (i = w->first; ; i = (i + WORKERS) % RING) {
		b = &g->b[i];
		if (wait_for(g, b, FILLED) != FILLED)
			break;		/* the end, and nothing left */
		parse_batch(p, g->o, b);
		set_state(g, b, PARSED);
	}
	parser_free(p);
	return NULL;
}

static void
add_line(struct batch *b, const char *line, size_t len, long lineno, int cut)
{
	size_t cap;

	if (b->len + len > b->cap) {
		cap = b->cap ? b->cap : BATCH_BYTES;
		while (cap < b->len + len)
			cap *= 2;
		if ((b->text = realloc(b->text, cap)) == NULL)
			err(1, NULL);
		b->cap = cap;
	}
	memcpy(b->text + b->len, line, len);
	b->off[b->n] = b->len;
	b->size[b->n] = len;
	b->lineno[b->n] = lineno;
	b->cut[b->n] = cut;
	b->len += len;
	b->n++;
}

/* Sums a parsed batch, and empties it. */
static void
sum_batch(struct tally *t, struct batch *b, const char *name)
{
	int k;

	for (k = 0; k < b->n; k++) {
		switch (b->kind[k]) {
		case PARSED_CALL:	tally_add(t, &b->call[k]); break;
		case PARSED_BAD:	tally_bad_line(t, name, b->lineno[k]);
					continue;
		case PARSED_UNDATED:	t->undated++;
					tally_missed(t, &b->call[k]);
					break;
		case PARSED_OUT:	tally_missed(t, &b->call[k]); break;
		case PARSED_UNSENT:	t->unsent++; break;
		}
		t->results++;
	}
	b->n = 0;
	b->len = 0;
}

/*
 * Fills batch b with the next lines of in; 0 at the end of the input,
 * -1 when it cannot be read.
 */
static int
fill(struct tally *t, struct ai_lines *in, struct batch *b, const char *name)
{
	char *line, shown[1024];
	size_t len;
	int got, cut;

	while (b->n < BATCH_LINES && b->len < BATCH_BYTES) {
		got = ai_lines_next(in, &line, &len, &cut);
		if (got == -1)
			return 0;
		if (got == 0) {
			if (ai_lines_fill(in) == -1) {
				warnx("%s: %s", ai_text_show(shown,
				    sizeof(shown), name), strerror(errno));
				return -1;
			}
			continue;
		}
		while (len > 0 && (line[len - 1] == '\r' ||
		    line[len - 1] == ' ' || line[len - 1] == '\t'))
			len--;
		if (cut || len > 0) {	/* a blank line is no record */
			t->lines++;
			add_line(b, line, cut ? 0 : len, in->lineno, cut);
		}
	}
	return 1;
}

/*
 * A file of lines none of which is a result is a wrong file (a request
 * file, a binary), not a report of nothing: said, and counted.
 */
static void
no_results(struct tally *t, const char *name, int64_t results, int64_t bad)
{
	char shown[1024];

	if (t->results > results || t->bad_lines == bad)
		return;
	warnx("%s: no results in %lld %s", ai_text_show(shown, sizeof(shown),
	    name), (long long)(t->bad_lines - bad), t->bad_lines - bad == 1 ?
	    "line" : "lines");
	t->no_results++;
}

/*
 * Reads the records of fd (named name in messages) into the tally; -1
 * when it cannot be read.
 */
int
from_records(struct tally *t, int fd, const char *name)
{
	int64_t results = t->results, bad = t->bad_lines;
	struct ring *g;
	struct ai_lines in;
	struct worker w[WORKERS];
	int pending[RING] = { 0 };	/* given to a worker, not summed */
	int i, k, filled, more = 1, rc = 0;

	if ((g = calloc(1, sizeof(*g))) == NULL)
		err(1, NULL);
	g->o = t->o;
	for (i = 0; i < RING; i++)	/* room for every string of a batch */
		if ((g->b[i].strs = malloc(BATCH_LINES *
		    sizeof(struct call_text))) == NULL)
			err(1, NULL);
	pthread_mutex_init(&g->mu, NULL);
	pthread_cond_init(&g->cv, NULL);
	for (i = 0; i < WORKERS; i++) {
		w[i] = (struct worker){ .g = g, .first = i };
		if ((errno = pthread_create(&w[i].tid, NULL, parse_batches,
		    &w[i])) != 0)
			err(1, "pthread_create");
	}
	ai_lines_init(&in, fd, AI_MAX_LINE);
	for (i = 0; more; i = (i + 1) % RING) {
		struct batch *b = &g->b[i];

		if (pending[i]) {
			wait_for(g, b, PARSED);
			sum_batch(t, b, name);
		}
		filled = fill(t, &in, b, name);
		if (filled == -1)
			rc = -1;
		more = filled == 1;
		pending[i] = b->n > 0;
		set_state(g, b, b->n > 0 ? FILLED : FREE);
	}
	pthread_mutex_lock(&g->mu);
	g->eof = 1;
	pthread_cond_broadcast(&g->cv);
	pthread_mutex_unlock(&g->mu);
	for (k = 0; k < RING; k++, i = (i + 1) % RING)	/* oldest first */
		if (pending[i]) {
			wait_for(g, &g->b[i], PARSED);
			sum_batch(t, &g->b[i], name);
		}
	for (k = 0; k < WORKERS; k++)
		pthread_join(w[k].tid, NULL);
	ai_lines_free(&in);
	for (i = 0; i < RING; i++) {
		free(g->b[i].text);
		free(g->b[i].strs);
	}
	pthread_mutex_destroy(&g->mu);
	pthread_cond_destroy(&g->cv);
	free(g);
	if (rc == 0)
		no_results(t, name, results, bad);
	return rc;
}
