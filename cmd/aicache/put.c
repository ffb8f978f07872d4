/*
 * put.c: `aicache put` stores the successful answers it sees and passes
 * every record on unchanged.  A batch is committed before its records go
 * out: a record downstream always has its entry safely stored, and a
 * process killed mid-batch loses that batch whole, never half an entry.
 */
#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aicache.h"

struct put {
	const struct opts *o;
	struct ai_cache	*c;
	struct ai_buf	 resp;
};

/* A record answered by the provider now, not by the cache. */
static const json_t *
fresh_answer(const struct rec *r)
{
	const json_t *resp = json_object_get(r->json, "response");
	const json_t *body = json_object_get(resp, "body");
	const json_t *code = json_object_get(resp, "status_code");
	const json_t *hit = json_object_get(json_object_get(json_object_get(
	    r->json, "aitools"), "cache"), "hit");

	if (!json_is_object(resp) || json_is_true(hit) ||
	    json_object_get(r->json, "error") != NULL)
		return NULL;
	if (!json_is_integer(code) || json_integer_value(code) < 200 ||
	    json_integer_value(code) > 299)
		return NULL;
	if (!json_is_array(json_object_get(body, "choices")))
		return NULL;
	return resp;
}

static int
store(struct put *p, const struct rec *r, const json_t *resp)
{
	const json_t *body = json_object_get(resp, "body");
	struct ai_cache_entry e = { .ns = p->o->ns };
	char err[AI_ERRLEN];

	ai_buf_reset(&p->resp);
	if (ai_buf_json(&p->resp, resp) == -1)
		errx(1, "out of memory");
	memcpy(e.key, r->key, AI_KEYLEN);
	e.provider = r->prov->name;
	e.model = r->req.model;
	e.created_ms = ai_now_ms();
	e.expires_ms = p->o->ttl_ms > 0 ? e.created_ms + p->o->ttl_ms : 0;
	ai_usage_from_openai(json_object_get(body, "usage"), &e.usage);
	e.response = p->resp.data;
	e.response_len = p->resp.len;
	if (ai_cache_put(p->c, &e, err) == -1) {
		warnx("%s", err);
		return -1;
	}
	return 0;
}

static int
put_begin(void *arg)
{
	struct put *p = arg;
	char err[AI_ERRLEN];

	if (ai_cache_begin(p->c, err) == -1) {
		warnx("%s", err);
		return -1;
	}
	return 0;
}

static int
put_one(void *arg, struct rec *r, struct ai_buf *out)
{
	struct put *p = arg;
	const json_t *resp;

	if (ai_buf_append(out, r->line, r->len) == -1 ||
	    ai_buf_append(out, "\n", 1) == -1)
		errx(1, "out of memory");
	if (!r->keyed || r->no_store || (resp = fresh_answer(r)) == NULL ||
	    (p->o->deterministic && !deterministic(r->req.body)))
		return 0;
	return store(p, r, resp);
}

/* Commits the batch, after making room under --max-size. */
static int
put_end(void *arg)
{
	struct put *p = arg;
	char err[AI_ERRLEN];

	if ((p->o->max_size > 0 &&
	    ai_cache_evict(p->c, p->o->max_size, err) == -1) ||
	    ai_cache_commit(p->c, err) == -1) {
		warnx("%s", err);
		return -1;
	}
	return 0;
}

int
cmd_put(const struct opts *o)
{
	struct put p = { .o = o };
	struct stage s = { put_begin, put_one, put_end, &p };
	char err[AI_ERRLEN];
	int rc;

	if ((p.c = ai_cache_open(o->path, 0, err)) == NULL)
		errx(1, "%s", err);
	rc = run_stage(o, &s);
	if (ai_cache_close(p.c, err) == -1) {
		warnx("%s", err);
		rc = -1;
	}
	ai_buf_free(&p.resp);
	return rc == -1 ? 1 : 0;
}
