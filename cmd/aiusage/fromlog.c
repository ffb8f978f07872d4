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
