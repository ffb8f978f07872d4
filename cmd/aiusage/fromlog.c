/*
 * fromlog.c: calls from the usage log that aiq(1) and aicache(1) write,
 * read through lib/usagelog.c, which owns its columns, filters the time
 * range, model and service, and applies the rule of token counts.  The
 * log holds each call once, so it needs no dedup.
 */
#include <err.h>
#include <string.h>

#include "aiusage.h"

/* A row of the log as a call; its strings are borrowed from the row. */
static void
to_call(const struct ai_logrow *r, const char *tag, const struct opts *o,
    struct call *c)
{
	memset(c, 0, sizeof(*c));
	c->ts_ms = r->ts_ms;
	c->provider = r->provider;
	c->model = r->model;
	c->service = r->service;
	c->status = r->status;
	c->field = tag;
	c->usage = r->usage;
	c->latency_ms = r->latency_ms;
	if (o->batch_tier)
		c->tier = AI_TIER_BATCH;
	else if ((c->tier = ai_tier_find(r->tier)) < 0)
		c->tier = AI_TIER_STANDARD;
	c->hit = c->status != NULL && strcmp(c->status, "cache_hit") == 0;
	c->no_usage = r->no_usage && c->status != NULL &&
	    strcmp(c->status, "ok") == 0;
	if (c->hit)
		c->latency_ms = -1;	/* not a call's latency */
}

/* Sums the calls of the log at path (NULL: the default one). */
int
from_log(struct tally *t, const char *path)
{
	const struct opts *o = t->o;
	struct ai_logfilter f = { o->since_ms, o->until_ms, o->model,
	    o->service, o->tag };
	struct ai_logquery *q;
	struct ai_logrow r;
	struct call c;
	char err[AI_ERRLEN], shown[AI_ERRLEN * 4];
	int rc;

	if ((q = ai_usagelog_query_open(path, &f, err)) == NULL) {
		warnx("%s", ai_text_show(shown, sizeof(shown), err));
		return -1;
	}
	while ((rc = ai_usagelog_next(q, &r, err)) == 1) {
		to_call(&r, ai_usagelog_tag(q), o, &c);
		tally_add(t, &c);
	}
	ai_usagelog_query_close(q);
	if (rc == -1) {
		warnx("%s", ai_text_show(shown, sizeof(shown), err));
		return -1;
	}
	return 0;
}

/* Whether the short lists of values that a diagnosis shows are full. */
static int
lists_full(const struct tally *t)
{
	return (t->o->model == NULL || t->miss_models.more) &&
	    (t->o->service == NULL || t->miss_services.more);
}

/*
 * When the filters given left out every call: what calls the log has in
 * the time range, of which models and services, read as from_log() read
 * them (no dearer: the same rows, by the index of times); else, when the
 * range has none, whether the log has a call at all.
 */
void
from_log_missed(struct tally *t, const char *path)
{
	const struct opts *o = t->o;
	struct ai_logfilter f = { o->since_ms, o->until_ms, NULL, NULL,
	    NULL };
	struct ai_logquery *q;
	struct ai_logrow r;
	struct call c;
	char err[AI_ERRLEN];

	if ((q = ai_usagelog_query_open(path, &f, err)) == NULL)
		return;		/* it was there a moment ago */
	while (!(t->missed > 0 && lists_full(t)) &&
	    ai_usagelog_next(q, &r, err) == 1) {
		to_call(&r, NULL, o, &c);
		if (o->model != NULL && (c.model == NULL ||
		    strcmp(o->model, c.model) != 0))
			c.miss |= MISS_MODEL;
		if (o->service != NULL && (c.service == NULL ||
		    strcmp(o->service, c.service) != 0))
			c.miss |= MISS_SERVICE;
		tally_missed(t, &c);
	}
	ai_usagelog_query_close(q);
	if (t->missed > 0 || !o->time_given)
		return;
	f.since_ms = f.until_ms = 0;	/* none in the range: any at all? */
	if ((q = ai_usagelog_query_open(path, &f, err)) == NULL)
		return;
	if (ai_usagelog_next(q, &r, err) == 1)
		t->missed++;	/* one call's time does not tell the range */
	ai_usagelog_query_close(q);
}

