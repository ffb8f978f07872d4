/*
 * put.c: `aicache put` stores the successful answers it sees and passes
 * every record on unchanged.  A batch is committed before its records go
 * out: a record downstream always has its entry safely stored, and a
 * process killed mid-batch loses that batch whole, never half an entry.
 *
 * An answer is stored under the key of the request that was sent: the
 * one aiq stamps in aitools.key, with aiq's own defaults; only records of
 * an older aiq, without it, are keyed here, with put's options standing
 * for aiq's.
 */
#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aicache.h"

struct put {
	const struct opts *o;
	struct ai_cache	*c;		/* NULL once it failed */
	struct ai_buf	 resp;
	int		 failed;
	int		 warned;
};

/* The cache failed: the records still go on, without it. */
static int
cache_failed(struct put *p, const char *err)
{
	warnx("%s (passing records on without storing them)", err);
	ai_cache_close(p->c, NULL);
	p->c = NULL;
	p->failed = 1;
	return 0;
}

/* A string member of the record's aitools, or NULL. */
static const char *
meta_str(const struct rec *r, const char *k)
{
	return json_string_value(json_object_get(json_object_get(r->json,
	    "aitools"), k));
}

/*
 * A record that names no model was keyed with the default model; if the
 * answer came from another, aiq had another -m, and storing it would
 * give that answer to the default model's requests.
 */
static int
model_matches(struct put *p, const struct rec *r)
{
	const char *asked = meta_str(r, "model");
	const char *prov = meta_str(r, "provider");
	const char *d = p->o->defaults.model, *to = rec_provider(p->o, r);
	char s1[256], s2[256];	/* text of the input, shown escaped */

	if (prov != NULL && strcmp(prov, to) != 0) {
		if (!p->warned++)
			warnx("line %ld: sent to %s, not to %s: not stored (give"
			    " aicache the -P or -p of aiq)", r->lineno,
			    ai_text_show(s1, sizeof(s1), prov), to);
		return 0;
	}
	if (!r->req.model_defaulted || asked == NULL ||
	    strncmp(asked, d, strlen(d)) == 0)
		return 1;
	if (!p->warned++)
		warnx("line %ld: answered by %s, not by the default model %s: "
		    "not stored (give aicache the -m of aiq)", r->lineno,
		    ai_text_show(s1, sizeof(s1), asked),
		    ai_text_show(s2, sizeof(s2), d));
	return 0;
}

/* A record answered by the provider now, not by the cache. */
static const json_t *
fresh_answer(const struct rec *r)
{
	const json_t *resp = json_object_get(r->json, "response");
	const json_t *hit = json_object_get(json_object_get(json_object_get(
	    r->json, "aitools"), "cache"), "hit");

	if (json_is_true(hit) || json_object_get(r->json, "error") != NULL ||
	    !storable(resp))
		return NULL;
	return resp;
}

/*
 * Whether the record's key is one to store under: aitools.key, which
 * needs no check of put's options against aiq's, else put's own, which
 * does.
 */
static int
key_ok(struct put *p, const struct rec *r)
{
	if (r->has_sent)
		return 1;
	if (r->bad_sent) {
		if (!p->warned++)
			warnx("line %ld: aitools.key is not 64 hex digits: not "
			    "stored", r->lineno);
		return 0;
	}
	return model_matches(p, r);
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
	memcpy(e.key, r->has_sent ? r->sent : r->key, AI_KEYLEN);
	e.provider = rec_provider(p->o, r);
	e.model = r->req.model;
	if (r->has_sent && meta_str(r, "provider") != NULL)
		e.provider = meta_str(r, "provider");
	if (r->has_sent && meta_str(r, "model") != NULL)
		e.model = meta_str(r, "model");
	e.created_ms = ai_now_ms();
	e.expires_ms = p->o->ttl_ms > 0 ? e.created_ms + p->o->ttl_ms : 0;
	ai_usage_from_openai(json_object_get(body, "usage"), &e.usage);
	e.response = p->resp.data;
	e.response_len = p->resp.len;
	if (ai_cache_put(p->c, &e, err) == -1)
		return cache_failed(p, err);
	return 0;
}

static int
put_begin(void *arg)
{
	struct put *p = arg;
	char err[AI_ERRLEN];

	if (p->c != NULL && ai_cache_begin(p->c, err) == -1)
		return cache_failed(p, err);
	return 0;
}

static int
put_one(void *arg, struct rec *r, struct ai_buf *out)
{
	struct put *p = arg;
	const json_t *resp;

	rec_pass(r, out);
	if (p->c == NULL || !r->keyed || r->no_store ||
	    (resp = fresh_answer(r)) == NULL ||
	    (p->o->deterministic && !deterministic(r->req.body)) ||
	    !key_ok(p, r))
		return 0;
	return store(p, r, resp);
}

/* Commits the batch, after making room under --max-size. */
static int
put_end(void *arg)
{
	struct put *p = arg;
	char err[AI_ERRLEN];

	if (p->c != NULL && ((p->o->max_size > 0 &&
	    ai_cache_evict(p->c, p->o->max_size, err) == -1) ||
	    ai_cache_commit(p->c, err) == -1))
		return cache_failed(p, err);
	return 0;
}

int
cmd_put(const struct opts *o)
{
	struct put p = { .o = o };
	struct stage s = { put_begin, put_one, put_end, NULL, &p, 0 };
	char err[AI_ERRLEN];
	int rc;

	if ((p.c = stage_cache(o, err)) == NULL)
		cache_failed(&p, err);
	rc = run_stage(o, &s);
	if (p.c != NULL && ai_cache_close(p.c, err) == -1)
		cache_failed(&p, err);
	ai_buf_free(&p.resp);
	return rc == -1 || (p.failed && !o->fail_open) ? 1 : 0;
}
