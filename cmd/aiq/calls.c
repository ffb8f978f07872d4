/*
 * calls.c: the usage log, a row for every call made, whatever became of
 * its output.  Budget reports and aiusage are only as honest as this
 * log, so a call that could not be logged (a full disk, a log that
 * cannot be opened) is counted, said at the end, and fails the run.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aiq.h"

/* Opens the usage log at path, or the default one; none when off. */
void
calls_open(struct aiq *q, const char *path, int off)
{
	char err[AI_ERRLEN], *p;

	if (off)
		return;
	if ((p = path != NULL ? strdup(path) : ai_usagelog_default_path()) ==
	    NULL) {
		say(q, "usage log: no path (set AIQ_USAGE_LOG or HOME, or use "
		    "--no-usage-log): calls are not logged");
		q->log_broken = 1;
		return;
	}
	if ((q->log = ai_usagelog_open(p, err)) == NULL) {
		say(q, "usage log: %s: calls are not logged", err);
		q->log_broken = 1;
	}
	free(p);
}

/* Counts the call's tokens, and its cost when the progress line shows it. */
static void
count(struct aiq *q, const struct ai_result *r, int unknown,
    const char *model, const char *tier)
{
	const struct ai_price *p;
	int64_t pico;
	int t;

	if (unknown) {
		q->st.unknown_tokens++;
		q->st.unpriced++;
		return;
	}
	q->st.input_tokens += r->usage.input;
	q->st.output_tokens += r->usage.output;
	if (!q->priced)
		return;
	t = ai_tier_find(tier);
	if ((p = ai_prices_find(&q->prices, model)) != NULL &&
	    ai_price_cost(p, &r->usage, t >= 0 ? t : AI_TIER_STANDARD,
	    &pico) == 0) {
		ai_money_add(&q->st.cost, pico);
		q->st.priced++;
	} else
		q->st.unpriced++;
}

static void
log_failed(struct aiq *q, const char *err)
{
	char shown[AI_ERRLEN];

	if (!q->log_warned++)	/* once; counted at the end */
		say(q, "usage log: %s: calls are not being logged",
		    ai_text_show(shown, sizeof(shown), err));
}

/*
 * A usage log row for a call made: its outcome r, status and usage.  The
 * tokens of a call that failed before the provider answered with an
 * error (a cut stream, a lost connection, a stop) are not known: the
 * provider may have billed some.
 */
void
calls_log(struct aiq *q, struct job *j, const struct ai_result *r,
    long status)
{
	struct ai_logrow row = {
		.ts_ms = j->started_ms,
		.provider = j->ep->conf->name,
		.model = r->model != NULL ? r->model : j->req.model,
		.service = q->cf->service,
		.status = ai_errcode_name(j->code),
		.http_status = status,
		.usage = r->usage,
		.no_usage = r->no_usage || (j->code != AI_OK && status < 400),
		.latency_ms = (ai_mono_us() - j->first_us) / 1000,
		.attempts = j->attempts + j->resent,	/* requests sent */
		.trace_id = j->trace_id,
		.request_id = j->request_id[0] != '\0' ? j->request_id : NULL,
		.custom_id = j->req.custom_id,
		.tier = ai_service_tier(r->body),
		.tags = j->tags,
	};
	char err[AI_ERRLEN], *prompt = NULL;

	count(q, r, row.no_usage, row.model, row.tier);
	if (q->log == NULL) {
		q->unlogged += q->log_broken;
		return;
	}
	if (q->cf->log_content) {
		prompt = json_dumps(json_object_get(j->req.body, "messages"),
		    JSON_COMPACT);
		row.prompt = prompt;
		row.response = json_string_value(json_object_get(
		    json_object_get(json_array_get(json_object_get(r->body,
		    "choices"), 0), "message"), "content"));
	}
	if (ai_usagelog_add(q->log, &row, err) == -1)
		log_failed(q, err);
	free(prompt);
}

/* Writes the rows buffered long enough. */
void
calls_tick(struct aiq *q)
{
	char err[AI_ERRLEN];

	if (q->log != NULL && ai_usagelog_tick(q->log, err) == -1)
		log_failed(q, err);
}

/*
 * Writes the last rows and closes the log.  Returns -1 when calls made
 * are missing from it, having said how many.
 */
int
calls_close(struct aiq *q)
{
	char err[AI_ERRLEN];
	int64_t lost;

	if (q->log != NULL && ai_usagelog_flush(q->log, err) == -1)
		log_failed(q, err);
	lost = ai_usagelog_lost(q->log) + q->unlogged;
	if (ai_usagelog_close(q->log, err) == -1)
		say(q, "usage log: %s", err);
	q->log = NULL;
	if (lost == 0)
		return 0;
	say(q, "usage log: %lld call%s made %s not logged", (long long)lost,
	    lost == 1 ? "" : "s", lost == 1 ? "was" : "were");
	return -1;
}
