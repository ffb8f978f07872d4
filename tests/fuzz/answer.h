/*
 * answer.h: the body of the answer-PROVIDER harnesses: a plain answer of
 * PROVIDER read as aiq reads it, then written into the tail of an output
 * record as aiq writes it, which must be one JSON object.  An input that
 * starts with three digits and a newline is an answer of that HTTP
 * status, else of 200.
 */
#include "fuzz.h"

/* The tail aiq writes: the answer as it came, or as parsed, or the error. */
static void
tail(const struct ai_result *r, long status, const char *raw, size_t len)
{
	struct ai_meta m = { .line = 1, .started_ms = 1, .finished_ms = 2,
	    .provider = PROVIDER.name, .attempts = 1, .trace_id = "t" };
	struct ai_buf t = { 0 };
	json_t *o;
	int rc;

	m.model = r->model;
	if (r->code != AI_OK)
		rc = ai_tail_error(&t, r->code, r->message, status, &m);
	else if ((rc = ai_buf_printf(&t, "{\"response\":{\"status_code\":%ld,"
	    "\"request_id\":null,\"body\":", status)) == 0) {
		rc = r->native ? ai_buf_oneline(&t, raw, len) :
		    ai_buf_json(&t, r->body);
		if (rc == 0 && ai_buf_puts(&t, "},\"aitools\":{}}") == -1)
			rc = -1;
	}
	FUZZ_ASSERT(rc == 0);
	if ((o = json_loadb(t.data, t.len, 0, NULL)) == NULL) {
		fprintf(stderr, "not JSON: %.*s\n", (int)t.len, t.data);
		FUZZ_ASSERT(!"the tail is JSON");
	}
	FUZZ_ASSERT(json_is_object(o));
	json_decref(o);
	ai_buf_free(&t);
}

/* An answer read is a chat.completion: read back as one, the same tokens. */
static void
reread(const struct ai_result *r)
{
	struct ai_result again;
	char *body = json_dumps(r->body, JSON_COMPACT);

	FUZZ_ASSERT(body != NULL);
	ai_openai.parse(200, body, strlen(body), &again);
	FUZZ_ASSERT(again.code == AI_OK);
	FUZZ_ASSERT(again.no_usage == r->no_usage);
	FUZZ_ASSERT(memcmp(&again.usage, &r->usage, sizeof(r->usage)) == 0);
	ai_result_free(&again);
	free(body);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ai_result r;
	const char *p = (const char *)data;
	long status = 200;

	if (size >= 4 && p[3] == '\n' && strspn(p, "0123456789") >= 3) {
		status = (p[0] - '0') * 100 + (p[1] - '0') * 10 + (p[2] - '0');
		p += 4;
		size -= 4;
	}
	PROVIDER.parse(status, p, size, &r);
	FUZZ_ASSERT(r.code != AI_OK || (r.body != NULL &&
	    json_is_object(r.body) && status >= 200 && status < 300));
	FUZZ_ASSERT(r.usage.input >= 0 && r.usage.output >= 0);
	if (r.code == AI_OK)
		reread(&r);
	tail(&r, status, p, size);
	ai_result_free(&r);
	return 0;
}
