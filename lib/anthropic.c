/*
 * anthropic.c: Anthropic's Messages API, translated both ways.  Requests
 * in the common (chat-completions) shape become Messages requests;
 * answers, plain or streamed, come back as chat.completion objects with
 * usage, cache reads and writes kept.  A request already in Anthropic's
 * shape (a Message Batches "params" object) is sent as it is.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "aitools.h"

#define API_VERSION	"2023-06-01"
#define DEFAULT_MAX_TOKENS 4096	/* Anthropic requires a limit */

static int
fail(char *err, const char *fmt, const char *what)
{
	snprintf(err, AI_ERRLEN, fmt, what);
	return -1;
}

/* Parameters with the same name and meaning in both APIs. */
static const char *const same[] = { "model", "temperature", "top_p",
	"top_k", "stream", NULL };

/*
 * OpenAI parameters with no effect on the answer: left out.  OpenAI's
 * "metadata" tags stored completions; Anthropic's means something else.
 */
static const char *const dropped[] = { "stream_options", "store",
	"service_tier", "parallel_tool_calls", "seed", "metadata", NULL };

/* An image part: a data: URL is sent inline, any other by its URL. */
static json_t *
image_block(const json_t *part)
{
	const char *url = json_string_value(json_object_get(json_object_get(
	    part, "image_url"), "url"));
	const char *semi, *comma;

	if (url == NULL)
		return NULL;
	if (strncmp(url, "data:", 5) == 0 &&
	    (semi = strstr(url, ";base64,")) != NULL) {
		comma = semi + 8;
		return json_pack("{s:s,s:{s:s,s:s%,s:s}}", "type", "image",
		    "source", "type", "base64", "media_type", url + 5,
		    (size_t)(semi - url - 5), "data", comma);
	}
	return json_pack("{s:s,s:{s:s,s:s}}", "type", "image", "source",
	    "type", "url", "url", url);
}

/* A message's content: a string stays one; text and image parts map. */
static json_t *
content(const json_t *c, char *err)
{
	const json_t *part;
	const char *type;
	json_t *out, *b;
	size_t i;

	if (json_is_string(c))
		return json_incref((json_t *)c);
	if (!json_is_array(c))
		return fail(err, "a message has no content%s", ""), NULL;
	if ((out = json_array()) == NULL)
		return NULL;
	json_array_foreach(c, i, part) {
		type = json_string_value(json_object_get(part, "type"));
		b = NULL;
		if (type != NULL && strcmp(type, "text") == 0)
			b = json_pack("{s:s,s:O}", "type", "text", "text",
			    json_object_get(part, "text"));
		else if (type != NULL && strcmp(type, "image_url") == 0)
			b = image_block(part);
		if (b == NULL || json_array_append_new(out, b) == -1) {
			json_decref(out);
			return fail(err, "a content part of type \"%s\" cannot "
			    "be sent to anthropic", type ? type : "?"), NULL;
		}
	}
	return out;
}

/* System and developer messages join into Anthropic's system prompt. */
static int
add_system(struct ai_buf *sys, const json_t *c)
{
	const json_t *part;
	size_t i;

	if (sys->len > 0 && ai_buf_puts(sys, "\n\n") == -1)
		return -1;
	if (json_is_string(c))
		return ai_buf_puts(sys, json_string_value(c));
	json_array_foreach(c, i, part)
		if (json_is_string(json_object_get(part, "text")) &&
		    ai_buf_puts(sys, json_string_value(json_object_get(part,
		    "text"))) == -1)
			return -1;
	return 0;
}

static int
messages(json_t *out, const json_t *msgs, char *err)
{
	struct ai_buf sys = { 0 };
	const json_t *m;
	const char *role;
	json_t *list, *c;
	size_t i;
	int r = -1;

	if ((list = json_array()) == NULL)
		return fail(err, "out of memory%s", "");
	json_array_foreach(msgs, i, m) {
		role = json_string_value(json_object_get(m, "role"));
		if (role != NULL && (strcmp(role, "system") == 0 ||
		    strcmp(role, "developer") == 0)) {
			if (add_system(&sys, json_object_get(m, "content")) == -1)
				goto out;
			continue;
		}
		if (role == NULL || (strcmp(role, "user") != 0 &&
		    strcmp(role, "assistant") != 0)) {
			fail(err, "messages with role \"%s\" cannot be sent to "
			    "anthropic", role != NULL ? role : "?");
			goto out;
		}
		if ((c = content(json_object_get(m, "content"), err)) == NULL ||
		    json_array_append_new(list, json_pack("{s:s,s:o}", "role",
		    role, "content", c)) == -1)
			goto out;
	}
	if (sys.len > 0 && json_object_set_new(out, "system",
	    json_string(sys.data)) == -1)
		goto out;
	r = json_object_set(out, "messages", list);
out:
	json_decref(list);
	ai_buf_free(&sys);
	return r;
}

/* stop (a string or a list) becomes stop_sequences (a list). */
static int
stop(json_t *out, const json_t *v)
{
	json_t *l;

	if (json_is_null(v))
		return 0;
	if (json_is_array(v))
		return json_object_set(out, "stop_sequences", (json_t *)v);
	l = json_pack("[O]", v);
	return l == NULL ? -1 : json_object_set_new(out, "stop_sequences", l);
}

static int
param(json_t *out, const char *k, const json_t *v, char *err)
{
	if (ai_in_list(same, k))
		return json_object_set(out, k, (json_t *)v);
	if (ai_in_list(dropped, k))
		return 0;
	if (strcmp(k, "max_tokens") == 0 ||
	    strcmp(k, "max_completion_tokens") == 0)
		return json_object_set(out, "max_tokens", (json_t *)v);
	if (strcmp(k, "stop") == 0)
		return stop(out, v);
	if (strcmp(k, "user") == 0)
		return json_object_set_new(out, "metadata", json_pack("{s:O}",
		    "user_id", v));
	if (strcmp(k, "n") == 0 && json_integer_value(v) == 1)
		return 0;
	return fail(err, "the parameter \"%s\" cannot be sent to anthropic", k);
}

/* The common request body as a Messages request. */
static json_t *
translate(const json_t *body, char *err)
{
	const char *k;
	json_t *out, *v;

	if ((out = json_object()) == NULL)
		return fail(err, "out of memory%s", ""), NULL;
	json_object_foreach((json_t *)body, k, v) {
		if (strcmp(k, "messages") == 0 ? messages(out, v, err) == -1 :
		    param(out, k, v, err) == -1) {
			if (err[0] == '\0')	/* no other reason */
				fail(err, "out of memory%s", "");
			json_decref(out);
			return NULL;
		}
	}
	return out;
}

static int
prepare(struct ai_call *c, char *err)
{
	json_t *req;
	int r;

	err[0] = '\0';
	ai_buf_reset(&c->url);
	ai_buf_reset(&c->payload);
	req = c->native ? json_incref(c->body) : translate(c->body, err);
	if (req == NULL)
		return -1;
	r = (json_object_get(req, "max_tokens") == NULL &&
	    json_object_set_new(req, "max_tokens",
	    json_integer(DEFAULT_MAX_TOKENS)) == -1) ||
	    ai_buf_puts(&c->url, c->base_url) == -1 ||
	    ai_buf_puts(&c->url, "/v1/messages") == -1 ||
	    ai_buf_json(&c->payload, req) == -1;
	json_decref(req);
	return r ? fail(err, "out of memory%s", "") : 0;
}

/* Anthropic's error types, and the stable codes they mean. */
static enum ai_errcode
error_code(long status, const char *type, const char *msg)
{
	if (status == 404)	/* whatever the type: no model, no endpoint */
		return AI_E_NOT_FOUND;
	if (type == NULL)
		return ai_errcode_from_http(status, NULL, NULL);
	if (strcmp(type, "overloaded_error") == 0)
		return AI_E_OVERLOADED;
	if (strcmp(type, "rate_limit_error") == 0)
		return AI_E_RATE_LIMITED;
	if (strcmp(type, "authentication_error") == 0 ||
	    strcmp(type, "permission_error") == 0)
		return AI_E_AUTH;
	if (strcmp(type, "not_found_error") == 0)
		return AI_E_NOT_FOUND;
	if (strcmp(type, "billing_error") == 0 ||
	    (msg != NULL && strstr(msg, "credit balance") != NULL))
		return AI_E_QUOTA_EXCEEDED;
	if (strcmp(type, "request_too_large") == 0 || (msg != NULL &&
	    strstr(msg, "prompt is too long") != NULL))
		return AI_E_CONTEXT_LENGTH;
	if (strcmp(type, "api_error") == 0 || strcmp(type, "timeout_error") == 0)
		return status == 504 ? AI_E_TIMEOUT : AI_E_SERVER;
	if (strcmp(type, "invalid_request_error") == 0)
		return AI_E_BAD_REQUEST;
	return ai_errcode_from_http(status, type, NULL);
}

static void
error_of(long status, const json_t *body, enum ai_errcode *code, char *msg)
{
	const json_t *e = json_object_get(body, "error");
	const char *m = json_string_value(json_object_get(e, "message"));
	const char *type = json_string_value(json_object_get(e, "type"));

	*code = error_code(status, type, m);
	if (m != NULL && *m != '\0')
		ai_text_utf8(msg, AI_ERRLEN, m, strlen(m));	/* cut on a character */
	else
		snprintf(msg, AI_ERRLEN, "HTTP %ld", status);
}

static const char *
finish_reason(const char *stop)
{
	if (stop == NULL)
		return "stop";
	if (strcmp(stop, "max_tokens") == 0)
		return "length";
	if (strcmp(stop, "tool_use") == 0)
		return "tool_calls";
	if (strcmp(stop, "refusal") == 0)
		return "content_filter";
	return "stop";
}

static json_t *
tool_call(const json_t *block)
{
	char *args = json_dumps(json_object_get(block, "input"),
	    JSON_COMPACT | JSON_ENCODE_ANY);
	json_t *c;

	if (args == NULL)
		return NULL;
	/* A block without an id or a name is passed on as such, as streamed. */
	c = json_pack("{s:O?,s:s,s:{s:O?,s:s}}", "id", json_object_get(block,
	    "id"), "type", "function", "function", "name",
	    json_object_get(block, "name"), "arguments", args);
	free(args);
	return c;
}

/*
 * Adds one content block to the answer: text to the text, a tool_use
 * block to the tool calls; others (thinking) are not part of the answer.
 */
static int
add_block(const json_t *b, struct ai_buf *text, json_t **tools)
{
	const char *type = json_string_value(json_object_get(b, "type"));
	const json_t *t = json_object_get(b, "text");

	if (type == NULL)
		return 0;
	if (strcmp(type, "text") == 0 && json_is_string(t))
		return ai_buf_append(text, json_string_value(t),
		    json_string_length(t));
	if (strcmp(type, "tool_use") != 0)
		return 0;
	if (*tools == NULL && (*tools = json_array()) == NULL)
		return -1;
	return json_array_append_new(*tools, tool_call(b));
}

/* The assistant message of a chat.completion, from content blocks. */
static json_t *
message(const json_t *blocks)
{
	struct ai_buf text = { 0 };
	const json_t *b;
	json_t *m = NULL, *tools = NULL;
	size_t i;

	json_array_foreach(blocks, i, b)
		if (add_block(b, &text, &tools) == -1)
			goto out;
	m = json_pack("{s:s,s:o,s:n}", "role", "assistant", "content",
	    text.len == 0 && tools != NULL ? json_null() :
	    json_stringn(text.len > 0 ? text.data : "", text.len), "refusal");
	if (m != NULL && tools != NULL &&
	    json_object_set(m, "tool_calls", tools) == -1) {
		json_decref(m);
		m = NULL;
	}
out:
	json_decref(tools);
	ai_buf_free(&text);
	return m;
}

static json_t *
completion(const json_t *msg)
{
	const char *id = json_string_value(json_object_get(msg, "id"));
	const char *model = json_string_value(json_object_get(msg, "model"));

	/* No usage in the answer: none in it either, the tokens unknown. */
	return json_pack("{s:s,s:s,s:I,s:s,s:[{s:i,s:o,s:n,s:s}],s:o*}",
	    "id", id != NULL ? id : "", "object",
	    "chat.completion", "created", (json_int_t)time(NULL),
	    "model", model != NULL ? model : "",
	    "choices", "index", 0, "message", message(json_object_get(msg,
	    "content")), "logprobs", "finish_reason",
	    finish_reason(json_string_value(json_object_get(msg,
	    "stop_reason"))), "usage", ai_usage_anthropic_to_openai(
	    json_object_get(msg, "usage")));
}

static void
parse(long status, const char *data, size_t len, struct ai_result *r)
{
	json_error_t je;
	json_t *msg;
	int fixed;

	memset(r, 0, sizeof(*r));
	msg = ai_json_loadb_lossy(data, len, &je, &fixed);
	if (status < 200 || status >= 300) {
		error_of(status, msg, &r->code, r->message);
		r->body = msg;
		return;
	}
	if (!json_is_object(msg) || !json_is_array(json_object_get(msg,
	    "content"))) {
		r->code = AI_E_BAD_RESPONSE;
		snprintf(r->message, sizeof(r->message), msg == NULL ?
		    "invalid JSON in response: %s" : "response has no content%s",
		    msg == NULL ? je.text : "");
		json_decref(msg);
		return;
	}
	r->body = completion(msg);
	json_decref(msg);
	if (r->body == NULL) {
		r->code = AI_E_BAD_RESPONSE;
		snprintf(r->message, sizeof(r->message), "out of memory");
		return;
	}
	r->code = AI_OK;
	r->model = json_string_value(json_object_get(r->body, "model"));
	r->no_usage = ai_usage_from_openai(json_object_get(r->body, "usage"),
	    &r->usage) == -1;
}

/* message_delta's usage adds to, and overrides, message_start's. */
static int
merge_usage(struct ai_stream *st, const json_t *u)
{
	if (!json_is_object(u))
		return 0;
	if (st->usage == NULL)
		return (st->usage = json_deep_copy(u)) == NULL ? -1 : 0;
	return json_object_update(st->usage, (json_t *)u);
}

/* A tool_use block begins: its input arrives as partial JSON text. */
static int
tool_start(struct ai_stream *st, const json_t *block)
{
	if (st->tools == NULL && (st->tools = json_array()) == NULL)
		return -1;
	return json_array_append_new(st->tools, json_pack("{s:O?,s:s,"
	    "s:{s:O?,s:s}}", "id", json_object_get(block, "id"), "type",
	    "function", "function", "name", json_object_get(block, "name"),
	    "arguments", ""));
}

/* A piece of the input of the tool call begun last. */
static int
tool_input(struct ai_stream *st, const char *part)
{
	size_t n = json_array_size(st->tools);

	if (n == 0 || part == NULL)
		return 0;
	return ai_stream_tool_args(st, n - 1, part, strlen(part));
}

static int
delta(struct ai_stream *st, const json_t *d)
{
	const char *type = json_string_value(json_object_get(d, "type"));
	const json_t *t = json_object_get(d, "text");

	if (type == NULL)
		return 0;
	if (strcmp(type, "text_delta") == 0 && json_is_string(t))
		return ai_stream_text(st, json_string_value(t),
		    json_string_length(t));
	if (strcmp(type, "input_json_delta") == 0)
		return tool_input(st, json_string_value(json_object_get(d,
		    "partial_json")));
	return 0;
}

/*
 * At message_stop the usage is put in chat.completion form, and a tool
 * call whose input came as no pieces at all gets "{}", as a plain answer
 * would (its content_block_start held "input": {}).
 */
static int
stop_event(struct ai_stream *st)
{
	json_t *u = ai_usage_anthropic_to_openai(st->usage);
	size_t i;

	if (u == NULL && st->usage != NULL)
		return -1;	/* out of memory; no usage at all is none */
	for (i = 0; i < json_array_size(st->tools); i++)
		if (ai_stream_tool_args_len(st, i) == 0 &&
		    ai_stream_tool_args(st, i, "{}", 2) == -1) {
			json_decref(u);
			return -1;
		}
	json_decref(st->usage);
	st->usage = u;
	st->terminal = 1;
	return 0;
}

static int
event(struct ai_stream *st, const char *type, const json_t *e)
{
	const json_t *m = json_object_get(e, "message");
	const json_t *block = json_object_get(e, "content_block");
	enum ai_errcode code;
	char msg[AI_ERRLEN];

	if (strcmp(type, "message_start") == 0) {
		ai_stream_copy(st->id, sizeof(st->id), json_object_get(m, "id"));
		ai_stream_copy(st->model, sizeof(st->model), json_object_get(m,
		    "model"));
		return merge_usage(st, json_object_get(m, "usage"));
	}
	if (strcmp(type, "content_block_start") == 0 &&
	    json_is_string(json_object_get(block, "type")) &&
	    strcmp(json_string_value(json_object_get(block, "type")),
	    "tool_use") == 0)
		return tool_start(st, block);
	if (strcmp(type, "content_block_delta") == 0)
		return delta(st, json_object_get(e, "delta"));
	if (strcmp(type, "message_delta") == 0) {
		snprintf(st->finish, sizeof(st->finish), "%s", finish_reason(
		    json_string_value(json_object_get(json_object_get(e,
		    "delta"), "stop_reason"))));
		return merge_usage(st, json_object_get(e, "usage"));
	}
	if (strcmp(type, "message_stop") == 0)
		return stop_event(st);
	if (strcmp(type, "error") == 0) {
		error_of(500, e, &code, msg);
		ai_stream_error(st, code, msg);
		return -1;
	}
	return 0;		/* ping, content_block_stop, new kinds */
}

/* One event of a streamed answer; its data carries its type too. */
static int
stream_event(struct ai_stream *st, const char *name, const char *data,
    size_t len)
{
	const char *type;
	json_t *e;
	int r, fixed;

	if ((e = ai_json_loadb_lossy(data, len, NULL, &fixed)) == NULL ||
	    !json_is_object(e)) {
		json_decref(e);
		ai_stream_error(st, AI_E_BAD_RESPONSE, "invalid JSON in a "
		    "stream event");
		return -1;
	}
	if ((type = json_string_value(json_object_get(e, "type"))) == NULL)
		type = name;
	r = event(st, type, e);
	json_decref(e);
	if (r == -1)
		ai_stream_error(st, AI_E_BAD_RESPONSE, "out of memory");
	return r;
}

static const char *const headers[] = {
	"anthropic-version: " API_VERSION,
	NULL
};

static const char *const model_prefixes[] = { "claude-", NULL };
static const char *const key_prefixes[] = { "sk-ant-", NULL };

const struct ai_provider ai_anthropic = {
	.name = "anthropic",
	.default_base = "https://api.anthropic.com",
	.key_env = "ANTHROPIC_API_KEY",
	.base_env = "ANTHROPIC_BASE_URL",
	.auth_header = "x-api-key: ",
	.headers = headers,
	.model_prefixes = model_prefixes,
	.native_key = "params",		/* Message Batches requests */
	.key_prefixes = key_prefixes,
	.prepare = prepare,
	.parse = parse,
	.stream_event = stream_event,
};
