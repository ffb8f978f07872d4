/*
 * fallback.c: a record whose model failed for good goes on to the next
 * model its profile names: context_fallback on context_length, else the
 * next of fallback when the code is one of fallback_on; across providers,
 * the request as written translated as for any provider, within the
 * record's deadline.  The model left gets its own usage log row, and the
 * record lists it in aitools.fallbacks.
 */
#include <err.h>
#include <stdio.h>
#include <string.h>

#include "aiq.h"

/* The model r's failure sends j to, as the file writes it, or NULL. */
static const char *
target(struct job *j, const struct ai_profile *p,
    const struct ai_result *r)
{
	if (r->code == AI_E_CONTEXT_LENGTH && p->context_fallback != NULL &&
	    !j->context_used) {
		j->context_used = 1;
		return p->context_fallback;
	}
	if (r->code > 0 && r->code < 32 && (p->fallback_on &
	    (1u << r->code)) != 0 && j->next_fallback < p->nfallback)
		return p->fallback[j->next_fallback++];
	return NULL;
}

/* Whether the record has time left, and may go elsewhere at all. */
static int
may_go_on(const struct aiq *q, const struct job *j)
{
	const struct config *cf = q->cf;

	if (cf->profile == NULL || j->written == NULL || j->emitted ||
	    j->req.native != NULL || q->stop != STOP_NONE)
		return 0;
	return cf->deadline_ms == 0 || ai_mono_us() < j->first_us +
	    (cf->deadline_ms + j->paused_ms) * 1000;
}

/* Notes the model left in aitools.fallbacks: model, code, attempts. */
static void
note_left(struct job *j, const struct ai_result *r)
{
	struct ai_buf *b = &j->fallbacks;

	if ((b->len > 0 && ai_buf_puts(b, ",") == -1) ||
	    ai_buf_puts(b, "{\"model\":") == -1 ||
	    ai_buf_jstr(b, j->req.model) == -1 ||
	    ai_buf_puts(b, ",\"provider\":") == -1 ||
	    ai_buf_jstr(b, j->ep->conf->name) == -1 ||
	    ai_buf_printf(b, ",\"code\":\"%s\",\"attempts\":%d}",
	    ai_errcode_name(r->code), j->attempts) == -1)
		errx(1, "out of memory");
}

/*
 * Moves j to model t: the request as written, with t's model, in the
 * form of t's provider.  Returns -1, with why in err, when t cannot be
 * reached or cannot take the request.
 */
static int
move(struct aiq *q, struct job *j, const char *t, char *err)
{
	const struct ai_provider_conf *pc;
	struct endpoint *ep, *was_ep = j->ep;
	json_t *body, *was_body = j->req.body;
	const char *model, *was_model = j->req.model;
	enum ai_errcode code;

	ai_config_target(q->cf->file, t, &pc, &model);
	if (pc == NULL)
		pc = ai_route_conf(&q->cf->rt, ai_provider_for_model(model));
	if ((ep = endpoint_conf(q, pc, &code, err)) == NULL)
		return -1;
	if ((body = json_deep_copy(j->written)) == NULL ||
	    json_object_set_new(body, "model", json_string(model)) == -1)
		errx(1, "out of memory");
	j->req.body = body;
	j->req.model = json_string_value(json_object_get(body, "model"));
	j->ep = ep;
	if (job_prepare(q, j, err) == -1) {	/* the model it was, still */
		json_decref(body);
		j->req.body = was_body;
		j->req.model = was_model;
		j->ep = was_ep;
		return -1;
	}
	json_decref(was_body);
	return 0;
}

/*
 * After the last attempt on a model failed with r: sends j on to the
 * next model of its chain, now, and returns 1; or returns 0 when the
 * record fails here.  The call just made is logged before j leaves its
 * model, one row a model, so that aiusage prices each.
 */
int
fallback_next(struct aiq *q, struct job *j, struct ai_result *r, long status)
{
	const char *t;
	char err[AI_ERRLEN];
	int logged = 0;

	if (!may_go_on(q, j))
		return 0;
	while ((t = target(j, q->cf->profile, r)) != NULL) {
		if (!logged++) {
			j->code = r->code;	/* the row's status */
			calls_log(q, j, r, status);
			j->code = AI_OK;
			note_left(j, r);
		}
		if (move(q, j, t, err) == 0)
			break;
		say(q, "line %ld: fallback %s cannot be used: %s", j->lineno, t,
		    err);
	}
	if (t == NULL) {
		if (logged)	/* the row is written: the record's end is not */
			j->logged = 1;
		return 0;
	}
	j->hops++;
	j->attempts = 0;
	j->final = 0;
	j->due_us = ai_mono_us();
	job_headers(q, j);
	return 1;
}
