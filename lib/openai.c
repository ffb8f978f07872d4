/* openai.c: the OpenAI chat-completions wire format, spoken by most servers. */
#include <stdio.h>
#include <string.h>

#include "aitools.h"

static int
oom(char *err)
{
	snprintf(err, AI_ERRLEN, "out of memory");
	return -1;
}

/*
 * A streamed request asks for usage too: without it a streamed answer
 * could not be costed.
 */
static int
prepare(struct ai_call *c, char *err)
{
	json_t *opts;

	ai_buf_reset(&c->url);
	ai_buf_reset(&c->payload);
	if (json_is_true(json_object_get(c->body, "stream")) &&
	    json_object_get(c->body, "stream_options") == NULL &&
	    ((opts = json_pack("{s:b}", "include_usage", 1)) == NULL ||
	    json_object_set_new(c->body, "stream_options", opts) == -1))
		return oom(err);
	if (ai_buf_puts(&c->url, c->base_url) == -1 ||
	    ai_buf_puts(&c->url, "/chat/completions") == -1 ||
	    ai_buf_json(&c->payload, c->body) == -1)
		return oom(err);
	return 0;
}

/* Reads {"error": ...} into a code and message; for bodies and events. */
static void
error_of(long status, const json_t *body, enum ai_errcode *code, char *msg)
{
	json_t *e = json_object_get(body, "error");
	const char *m, *type, *ecode;

	if (json_is_string(e)) {	/* some compatible servers do this */
		m = json_string_value(e);
		type = ecode = NULL;
	} else {
		m = json_string_value(json_object_get(e, "message"));
		type = json_string_value(json_object_get(e, "type"));
		ecode = json_string_value(json_object_get(e, "code"));
	}
	*code = ai_errcode_from_http(status, type, ecode);
	if (m != NULL && *m != '\0')
		ai_text_utf8(msg, AI_ERRLEN, m, strlen(m));	/* cut on a character */
	else
		snprintf(msg, AI_ERRLEN, "HTTP %ld", status);
}

static void
parse(long status, const char *data, size_t len, struct ai_result *r)
{
	json_error_t je;
	json_t *body;
	int fixed;

	memset(r, 0, sizeof(*r));
	body = ai_json_loadb_lossy(data, len, &je, &fixed);
	if (status < 200 || status >= 300) {
		error_of(status, body, &r->code, r->message);
		r->body = body;
		return;
	}
	if (!json_is_object(body) || !json_is_array(json_object_get(body,
	    "choices"))) {
		r->code = AI_E_BAD_RESPONSE;
		snprintf(r->message, sizeof(r->message), body == NULL ?
		    "invalid JSON in response: %s" : "response has no choices%s",
		    body == NULL ? je.text : "");
		json_decref(body);
		return;
	}
	r->code = AI_OK;
	r->native = !fixed;	/* already a chat.completion: keep its bytes,
				   unless some were not UTF-8 */
	r->body = body;
	r->model = json_string_value(json_object_get(body, "model"));
	r->no_usage = ai_usage_from_openai(json_object_get(body, "usage"),
	    &r->usage) == -1;
}

/* Keeps the first value of a field repeated in every chunk. */
static void
keep_first(char *dst, size_t size, const json_t *v)
{
	if (dst[0] == '\0')
		ai_stream_copy(dst, size, v);
}

/*
 * Merges one streamed tool call fragment: the first names the call, the
 * next ones add to its arguments.
 */
static int
tool_delta(struct ai_stream *st, const json_t *d)
{
	const json_t *fn = json_object_get(d, "function");
	const char *args = json_string_value(json_object_get(fn, "arguments"));
	json_int_t i = json_integer_value(json_object_get(d, "index"));
	json_t *call, *f;

	if (st->tools == NULL && (st->tools = json_array()) == NULL)
		return -1;
	if (i < 0 || i > 1024) {
		ai_stream_error(st, AI_E_BAD_RESPONSE, "a tool call index out "
		    "of range in the stream");
		return -1;
	}
	while ((json_int_t)json_array_size(st->tools) <= i)
		if (json_array_append_new(st->tools, json_pack("{s:s,s:s,"
		    "s:{s:s,s:s}}", "id", "", "type", "function", "function",
		    "name", "", "arguments", "")) == -1)
			return -1;
	call = json_array_get(st->tools, (size_t)i);
	f = json_object_get(call, "function");
	if ((json_is_string(json_object_get(d, "id")) && json_object_set(call,
	    "id", json_object_get(d, "id")) == -1) ||
	    (json_is_string(json_object_get(fn, "name")) && json_object_set(f,
	    "name", json_object_get(fn, "name")) == -1))
		return -1;
	if (args == NULL || *args == '\0')
		return 0;
	return ai_stream_tool_args(st, (size_t)i, args, strlen(args));
}

/* The choice a chunk carries: only the first is kept, as n is 1. */
static const json_t *
first_choice(const json_t *c)
{
	const json_t *choice = json_array_get(json_object_get(c, "choices"), 0);
	const json_t *i = json_object_get(choice, "index");

	return i == NULL || json_integer_value(i) == 0 ? choice : NULL;
}

/* Members of a chat.completion that every chunk repeats: kept once. */
static int
keep_extra(struct ai_stream *st, const json_t *c)
{
	static const char *const keys[] = { "system_fingerprint",
	    "service_tier", NULL };
	const char *const *k;
	const json_t *v;

	for (k = keys; *k != NULL; k++) {
		if ((v = json_object_get(c, *k)) == NULL || json_is_null(v) ||
		    json_object_get(st->extra, *k) != NULL)
			continue;
		if ((st->extra == NULL && (st->extra = json_object()) == NULL) ||
		    json_object_set(st->extra, *k, (json_t *)v) == -1)
			return -1;
	}
	return 0;
}

static int
chunk(struct ai_stream *st, const json_t *c)
{
	const json_t *choice = first_choice(c);
	const json_t *delta = json_object_get(choice, "delta");
	const json_t *v;
	size_t i;

	keep_first(st->id, sizeof(st->id), json_object_get(c, "id"));
	keep_first(st->model, sizeof(st->model), json_object_get(c, "model"));
	if (keep_extra(st, c) == -1)
		return -1;
	if (json_is_integer(v = json_object_get(c, "created")))
		st->created = json_integer_value(v);
	if (json_is_object(v = json_object_get(c, "usage"))) {
		json_decref(st->usage);
		st->usage = json_incref((json_t *)v);
	}
	if (json_is_string(v = json_object_get(delta, "content")) &&
	    ai_stream_text(st, json_string_value(v),
	    json_string_length(v)) == -1)
		return -1;
	if (json_is_string(v = json_object_get(delta, "refusal")) &&
	    ai_buf_append(&st->refusal, json_string_value(v),
	    json_string_length(v)) == -1)
		return -1;
	json_array_foreach(json_object_get(delta, "tool_calls"), i, v)
		if (tool_delta(st, v) == -1)
			return -1;
	keep_first(st->finish, sizeof(st->finish),
	    json_object_get(choice, "finish_reason"));
	return 0;
}

/*
 * The status an error event would have had: 400 for a request error,
 * whose type says so, else 500.
 */
static long
stream_error_status(const json_t *c)
{
	const char *type = json_string_value(json_object_get(json_object_get(
	    c, "error"), "type"));

	return type != NULL && strstr(type, "invalid_request") != NULL ?
	    400 : 500;
}

/* One event of a streamed answer: a chunk, an error, or [DONE]. */
static int
stream_event(struct ai_stream *st, const char *event, const char *data,
    size_t len)
{
	enum ai_errcode code;
	char msg[AI_ERRLEN];
	json_t *c;
	int r, fixed;

	if (len == 6 && memcmp(data, "[DONE]", 6) == 0) {
		st->terminal = 1;
		return 0;
	}
	if ((c = ai_json_loadb_lossy(data, len, NULL, &fixed)) == NULL ||
	    !json_is_object(c)) {
		json_decref(c);
		ai_stream_error(st, AI_E_BAD_RESPONSE, "invalid JSON in a "
		    "stream event");
		return -1;
	}
	if (json_object_get(c, "error") != NULL) {
		/* No status tells what it is: a request error is not retried. */
		error_of(stream_error_status(c), c, &code, msg);
		ai_stream_error(st, code, msg);
		json_decref(c);
		return -1;
	}
	r = chunk(st, c);
	json_decref(c);
	return r;
}

/* Gemini's OpenAI-compatible endpoint takes its keys, AIza... */
static const char *const key_prefixes[] = { "sk-", "AIza", NULL };

const struct ai_provider ai_openai = {
	.name = "openai",
	.default_base = "https://api.openai.com/v1",
	.key_env = "OPENAI_API_KEY",
	.base_env = "OPENAI_BASE_URL",
	.auth_header = "Authorization: Bearer ",
	.key_prefixes = key_prefixes,
	.prepare = prepare,
	.parse = parse,
	.stream_event = stream_event,
};
