/*
 * records.c: an input line of aiq or aicache, as they read it: parsed,
 * checked for an answer, made a request (then put in the form of the
 * provider it goes to, and of the other one), and spliced with a result.
 * A line that is a JSON object must give an output line that is one too,
 * with the result's members.
 */
#include "fuzz.h"

static const char tail[] = "{\"response\":{\"status_code\":200,"
    "\"body\":{\"id\":\"x\"}},\"aitools\":{\"v\":1,\"line\":1}}";

/* Puts a copy of the request in p's form, as aiq does before sending. */
static void
prepare(const struct ai_provider *p, const struct ai_request *req)
{
	struct ai_call call;
	char err[AI_ERRLEN];

	memset(&call, 0, sizeof(call));
	call.base_url = p->default_base;
	call.native = req->native != NULL;
	if ((call.body = json_deep_copy(req->body)) == NULL)
		abort();
	(void)p->prepare(&call, err);
	ai_call_free(&call);
	json_decref(call.body);
}

static void
request(const json_t *rec, const struct ai_router *rt)
{
	struct ai_defaults def = { "gpt-4o-mini", "Be brief.", NULL, NULL };
	const struct ai_provider *p;
	struct ai_request req;
	char err[AI_ERRLEN];

	if (ai_record_request(rec, &def, &req, err) == -1)
		return;
	FUZZ_ASSERT(req.body != NULL && json_is_object(req.body));
	if ((p = ai_route_provider(rt, &req, err)) != NULL) {
		prepare(p, &req);
		if (req.native == NULL)
			prepare(p == &ai_openai ? &ai_anthropic : &ai_openai,
			    &req);
	}
	ai_request_free(&req);
}

/* The output record: the line byte for byte, unless it had a result. */
static void
splice(const uint8_t *data, size_t size, const json_t *rec)
{
	struct ai_buf out = { 0 };
	size_t keep = size;
	json_t *o;

	FUZZ_ASSERT(ai_record_splice(&out, (const char *)data, size, rec,
	    tail, sizeof(tail) - 1) == 0);
	FUZZ_ASSERT(out.len > 0 && out.data[out.len - 1] == '\n');
	while (keep > 0 && data[keep - 1] != '}')
		keep--;
	if (json_object_get(rec, "response") == NULL &&
	    json_object_get(rec, "error") == NULL &&
	    json_object_get(rec, "aitools") == NULL)
		FUZZ_ASSERT(keep > 0 && out.len > keep &&
		    memcmp(out.data, data, keep - 1) == 0);
	o = json_loadb(out.data, out.len - 1, 0, NULL);
	FUZZ_ASSERT(json_is_object(o));
	FUZZ_ASSERT(json_object_get(o, "response") != NULL);
	json_decref(o);
	ai_buf_free(&out);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ai_router rt;
	struct ai_buf out = { 0 };
	char err[AI_ERRLEN], *id;
	json_t *rec;

	if (ai_router_init(&rt, NULL, NULL, "gpt-4o-mini", NULL, err) == -1)
		abort();
	id = ai_record_salvage_id((const char *)data, size);
	FUZZ_ASSERT(ai_record_bare(&out, id, tail, sizeof(tail) - 1) == 0);
	free(id);
	rec = json_loadb(out.data, out.len - 1, 0, NULL);
	FUZZ_ASSERT(json_is_object(rec));
	json_decref(rec);
	ai_buf_free(&out);
	if ((rec = ai_prompt_record((const char *)data, size)) != NULL) {
		request(rec, &rt);	/* the line as a prompt, as aiq -l */
		json_decref(rec);
	}
	if ((rec = json_loadb((const char *)data, size, JSON_DECODE_ANY,
	    NULL)) == NULL)
		return 0;
	(void)ai_record_is_done(rec, 0);
	(void)ai_record_is_done(rec, 1);
	request(rec, &rt);
	if (json_is_object(rec))
		splice(data, size, rec);
	json_decref(rec);
	return 0;
}
