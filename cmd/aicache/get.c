/*
 * get.c: `aicache get` answers from the cache the records whose request
 * it holds, fresh, and passes every other record on as it came.  Lookups
 * read without locking; the bookkeeping of hits (for eviction, stats and
 * the usage log) is written once a batch, after the batch's records went
 * out: a hit that could not be written is never counted.
 */
#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aicache.h"

#define MAX_HITS	1024	/* hits kept for one batch's bookkeeping */
#define MAX_MODELS	16	/* models counted apart in one batch */

/* What the lookups of one model's requests came to in a batch. */
struct tally {
	char	 model[128];
	struct ai_cache_tally n;
};

/* A hit of the batch, kept for its bookkeeping until it went out. */
struct hit {
	unsigned char	 key[AI_KEYLEN];
	char		 trace_id[33];
	int64_t		 ts_ms;
	const char	*provider;	/* static, or the config file's */
	char		*model;		/* the rest allocated */
	char		*custom_id;
	char		*tags;
	struct ai_usage	 usage;
};

struct get {
	const struct opts *o;
	struct ai_cache	*c;		/* NULL once failed with --fail-open */
	struct ai_usagelog *log;
	int		 log_warned;	/* a failure to write it was said */
	int64_t		 unlogged;	/* hits while it could not be opened */
	struct ai_prices prices;	/* to price what hits saved */
	struct ai_buf	 resp;
	struct ai_buf	 tail;
	struct hit	*hit;		/* the batch's hits, not yet booked */
	int		 nhit;
	struct tally	 tally[MAX_MODELS];
	int		 ntally;
};

/* The cache failed: end, or with --fail-open go on without it. */
static int
cache_failed(struct get *g, const char *err)
{
	if (!g->o->fail_open) {
		warnx("%s", err);
		return -1;
	}
	warnx("%s (passing records through)", err);
	ai_cache_close(g->c, NULL);
	g->c = NULL;
	return 0;
}

static char *
dup_or_null(const char *s)
{
	char *d;

	if (s == NULL)
		return NULL;
	if ((d = strdup(s)) == NULL)
		errx(1, "out of memory");
	return d;
}

/*
 * The tags of a hit: the record's own, then those of --tag it does not
 * set, as aiq merges them for a call; JSON text, or NULL for none.
 */
static char *
hit_tags(const struct get *g, const struct rec *r)
{
	json_t *t;
	char *s;

	if (r->req.tags == NULL && g->o->tags == NULL)
		return NULL;
	t = r->req.tags != NULL ? json_copy((json_t *)r->req.tags) :
	    json_object();
	if (t == NULL || (g->o->tags != NULL &&
	    json_object_update_missing(t, g->o->tags) == -1) ||
	    (s = json_dumps(t, JSON_COMPACT)) == NULL)
		errx(1, "out of memory");
	json_decref(t);
	return s;
}

/*
 * Keeps what the bookkeeping of a hit needs, once the record went out;
 * takes tags.
 */
static void
keep_hit(struct get *g, const struct rec *r, const struct ai_cache_entry *e,
    const char *trace_id, int64_t now, char *tags)
{
	struct hit *h = &g->hit[g->nhit++];

	memcpy(h->key, r->key, AI_KEYLEN);
	memcpy(h->trace_id, trace_id, sizeof(h->trace_id));
	h->ts_ms = now;
	h->provider = rec_provider(g->o, r);
	h->model = dup_or_null(r->req.model);
	h->custom_id = dup_or_null(r->req.custom_id);
	h->tags = tags;
	h->usage = e->usage;
}

/* The hits of the batch, booked or given up. */
static void
drop_hits(struct get *g)
{
	int i;

	for (i = 0; i < g->nhit; i++) {
		free(g->hit[i].model);
		free(g->hit[i].custom_id);
		free(g->hit[i].tags);
	}
	g->nhit = 0;
}

/* The log failed (a full disk): said once, the rows lost counted. */
static void
log_failed(struct get *g, const char *err)
{
	char shown[AI_ERRLEN];

	if (!g->log_warned++)
		warnx("usage log: %s: hits are not being logged",
		    ai_text_show(shown, sizeof(shown), err));
}

/* A usage log row for a hit, so that reports can show the savings. */
static void
log_hit(struct get *g, const struct hit *h)
{
	struct ai_logrow row = {
		.ts_ms = h->ts_ms,
		.trace_id = h->trace_id,
		.provider = h->provider,
		.model = h->model,
		.service = g->o->service,
		.status = "cache_hit",
		.http_status = 200,
		.usage = h->usage,
		.custom_id = h->custom_id,
		.tags = h->tags,
	};
	char err[AI_ERRLEN];

	if (g->log == NULL) {
		g->unlogged += g->log_warned > 0;	/* it could not be opened */
		return;
	}
	if (ai_usagelog_add(g->log, &row, err) == -1)
		log_failed(g, err);
}

/*
 * Writes the record answered: its response, its tags, and a mark of the
 * hit, when and with a trace id of its own, so that reports date it and
 * tell two hits of one answer apart.
 */
static void
answer(struct get *g, const struct rec *r, const struct ai_cache_entry *e,
    const char *trace_id, int64_t now, const char *tags, struct ai_buf *out)
{
	char hex[AI_KEYHEX], mark[128];
	struct ai_meta m = {
		.finished_ms = now,
		.trace_id = trace_id,
		.service = g->o->service,
		.tags = tags,
		.cache = mark,
	};

	ai_cache_key_hex(r->key, hex);
	snprintf(mark, sizeof(mark), "{\"hit\":true,\"key\":\"%s\","
	    "\"age_ms\":%lld}", hex, (long long)(now - e->created_ms));
	if (ai_tail_stored(&g->tail, g->resp.data, g->resp.len, &m) == -1 ||
	    ai_record_splice(out, r->line, r->len, r->json, g->tail.data,
	    g->tail.len) == -1)
		errx(1, "out of memory");
}

/*
 * The tally of model in this batch.  A batch ends once it has
 * MAX_MODELS, so there is always room for one more.
 */
static struct tally *
tally_of(struct get *g, const char *model)
{
	struct tally *t;
	int i;

	for (i = 0; i < g->ntally; i++)
		if (strcmp(g->tally[i].model, model) == 0)
			return &g->tally[i];
	t = &g->tally[g->ntally++];
	memset(t, 0, sizeof(*t));
	snprintf(t->model, sizeof(t->model), "%s", model);
	return t;
}

/*
 * Counts a hit, and what it saved: the price of the call it replaced, by
 * the model that answered it (the one requested if unknown).
 */
static void
count_hit(struct get *g, struct tally *t, const struct rec *r,
    const struct ai_cache_entry *e)
{
	const struct ai_price *p = ai_prices_find(&g->prices,
	    e->model_buf[0] != '\0' ? e->model_buf : r->req.model);
	int64_t pico;

	t->n.hits++;
	t->n.tokens_in += e->usage.input;
	t->n.tokens_out += e->usage.output;
	if (p != NULL && ai_price_cost(p, &e->usage, AI_TIER_STANDARD, &pico)
	    == 0)
		ai_money_add(&t->n.saved, pico);
	else
		t->n.unpriced++;
}

static int
get_one(void *arg, struct rec *r, struct ai_buf *out)
{
	struct get *g = arg;
	struct ai_cache_entry e = { 0 };
	struct tally *t;
	char trace_id[33], err[AI_ERRLEN], *tags;
	int64_t now;
	int hit;

	if (g->c == NULL || !r->keyed || r->answered || r->bypass ||
	    (g->o->deterministic && !deterministic(r->req.body))) {
		rec_pass(r, out);
		return 0;
	}
	t = tally_of(g, r->req.model);
	t->n.lookups++;
	ai_buf_reset(&g->resp);
	hit = ai_cache_get(g->c, g->o->ns, r->key, ai_now_ms(), g->o->ttl_ms,
	    &g->resp, &e, err);
	if (hit == -1) {
		rec_pass(r, out);
		return cache_failed(g, err);
	}
	if (hit == 0 || g->resp.len == 0)
		rec_pass(r, out);
	else {
		now = ai_now_ms();
		ai_trace_id(trace_id);
		tags = hit_tags(g, r);
		answer(g, r, &e, trace_id, now, tags, out);
		count_hit(g, t, r, &e);
		keep_hit(g, r, &e, trace_id, now, tags);
	}
	/* a long batch, or one of many models: it ends here */
	return g->nhit == MAX_HITS || g->ntally == MAX_MODELS;
}

static int
get_begin(void *arg)
{
	struct get *g = arg;
	char err[AI_ERRLEN];

	if (g->c != NULL && ai_cache_begin_read(g->c, err) == -1)
		return cache_failed(g, err);
	return 0;
}

/*
 * Writes the bookkeeping of lookups in the cache: entries used now, and
 * the counts.  It is only bookkeeping: a failure is told, and the
 * records go on.
 */
static void
book(struct get *g)
{
	char err[AI_ERRLEN];
	int64_t now = ai_now_ms();
	int i;

	if (ai_cache_begin(g->c, err) == -1)
		goto fail;
	for (i = 0; i < g->nhit; i++)
		if (ai_cache_touch(g->c, g->o->ns, g->hit[i].key, now, err) ==
		    -1)
			goto fail;
	for (i = 0; i < g->ntally; i++)
		if (ai_cache_count(g->c, g->o->ns, g->tally[i].model,
		    &g->tally[i].n, err) == -1)
			goto fail;
	if (ai_cache_commit(g->c, err) == -1)
		goto fail;
	return;
fail:
	warnx("%s (hits not counted)", err);
	ai_cache_rollback(g->c);
}

/*
 * Ends the batch's reading before its records go out: a read
 * transaction cannot become a write one once another process has
 * written, so the bookkeeping has a transaction of its own.
 */
static int
get_end(void *arg)
{
	struct get *g = arg;
	char err[AI_ERRLEN];

	if (g->c != NULL && ai_cache_commit(g->c, err) == -1)
		return cache_failed(g, err);
	return 0;
}

/* The batch's records went out: its hits are booked, and logged. */
static int
get_written(void *arg)
{
	struct get *g = arg;
	char err[AI_ERRLEN];
	int i;

	if (g->c != NULL && g->ntally > 0)
		book(g);
	for (i = 0; i < g->nhit; i++)
		log_hit(g, &g->hit[i]);
	drop_hits(g);
	g->ntally = 0;
	if (g->log != NULL && ai_usagelog_tick(g->log, err) == -1)
		log_failed(g, err);
	return 0;
}

/*
 * Writes the last rows and closes the log; -1 when hits are missing from
 * it, having said how many: reports of what the cache saved would be short.
 */
static int
close_log(struct get *g)
{
	char err[AI_ERRLEN];
	int64_t lost;

	if (g->log != NULL && ai_usagelog_flush(g->log, err) == -1)
		log_failed(g, err);
	lost = ai_usagelog_lost(g->log) + g->unlogged;
	if (g->log != NULL && ai_usagelog_close(g->log, err) == -1)
		warnx("usage log: %s", err);
	g->log = NULL;
	if (lost == 0)
		return 0;
	warnx("usage log: %lld hit%s not logged", (long long)lost,
	    lost == 1 ? " was" : "s were");
	return -1;
}

static struct ai_usagelog *
open_log(struct get *g)
{
	struct ai_usagelog *l;
	char err[AI_ERRLEN], *path;

	if (g->o->no_usage_log || (path = ai_usagelog_default_path()) == NULL)
		return NULL;
	if ((l = ai_usagelog_open(path, err)) == NULL)
		log_failed(g, err);
	free(path);
	return l;
}

int
cmd_get(const struct opts *o)
{
	struct get g = { .o = o };
	struct stage s = { get_begin, get_one, get_end, get_written, &g, 0 };
	char err[AI_ERRLEN];
	int rc;

	if ((g.hit = calloc(MAX_HITS, sizeof(*g.hit))) == NULL)
		errx(1, "out of memory");
	if ((g.c = stage_cache(o, err)) == NULL &&
	    cache_failed(&g, err) == -1)
		exit(1);
	g.log = open_log(&g);
	if (ai_prices_load_default(&g.prices, NULL, err) == -1)
		warnx("%s (dollars saved are priced without it)", err);
	rc = run_stage(o, &s);
	if (g.c != NULL && ai_cache_close(g.c, err) == -1)
		warnx("%s", err);
	if (close_log(&g) == -1)
		rc = -1;
	ai_buf_free(&g.resp);
	ai_buf_free(&g.tail);
	ai_prices_free(&g.prices);
	drop_hits(&g);
	free(g.hit);
	return rc == -1 ? 1 : 0;
}
