/*
 * anthropic.c: the Anthropic wire format: POST /v1/messages, plain and
 * streamed, and Anthropic's error bodies.  Checks of the body follow
 * the real API, so a client's mistakes show here before they cost money.
 */
#include <stdio.h>
#include <string.h>

#include "aimock.h"

/* Counts the system prompt like a message; a string or text blocks. */
static void
anthropic_system(struct mockreq *mr)
{
	const json_t *sys;
	long long n;

	sys = json_object_get(mr->body, "system");
	if (sys == NULL || json_is_null(sys))
		return;
	if (!json_is_string(sys) && !json_is_array(sys)) {
		reject(mr, 400, NULL, "system: Input should be a valid string "
		    "or a list of text blocks");
		return;
	}
	n = content_text(sys, NULL);
	mr->prompt_tokens += 4 + ceil4((size_t)n);
}

/* Reads the required max_tokens and the optional stream flag. */
static void
anthropic_limits(struct mockreq *mr)
{
	const json_t *v;

	v = json_object_get(mr->body, "max_tokens");
	if (v == NULL)
		reject(mr, 400, NULL, "max_tokens: Field required");
	else if (!json_is_integer(v) || json_integer_value(v) < 1)
		reject(mr, 400, NULL, "max_tokens: Input should be an integer "
		    "greater than or equal to 1");
	else
		mr->max_tokens = json_integer_value(v);
	v = json_object_get(mr->body, "stream");
	if (v != NULL && !json_is_boolean(v))
		reject(mr, 400, NULL, "stream: Input should be a valid "
		    "boolean");
	mr->stream = json_is_true(v);
}

/* Checks the body is an object naming a model, and its messages. */
static const json_t *
anthropic_messages(struct mockreq *mr)
{
	const json_t *model, *messages;

	if (mr->body == NULL) {
		reject(mr, 400, NULL, "There was an issue with the JSON body "
		    "of your request: %s (mock)", mr->bodyerr);
		return NULL;
	}
	if (!json_is_object(mr->body)) {
		reject(mr, 400, NULL, "The body of your request must be a "
		    "JSON object (mock)");
		return NULL;
	}
	model = json_object_get(mr->body, "model");
	if (!json_is_string(model)) {
		reject(mr, 400, NULL, model == NULL ? "model: Field required" :
		    "model: Input should be a valid string");
		return NULL;
	}
	mr->model = json_string_value(model);
	messages = json_object_get(mr->body, "messages");
	if (!json_is_array(messages))
		reject(mr, 400, NULL, messages == NULL ? "messages: Field "
		    "required" : "messages: Input should be a valid list");
	else if (json_array_size(messages) == 0)
		reject(mr, 400, NULL, "messages: at least one message is "
		    "required");
	return mr->err_status == 0 ? messages : NULL;
}

/* Parses and checks a Messages API request. */
void
anthropic_parse(struct mockreq *mr)
{
	const json_t *messages;

	if (MHD_lookup_connection_value(mr->conn, MHD_HEADER_KIND,
	    "anthropic-version") == NULL) {
		reject(mr, 400, NULL, "anthropic-version header is required");
		return;
	}
	if ((messages = anthropic_messages(mr)) == NULL)
		return;
	if (chat_prompt(mr, messages) == -1) {
		reject(mr, 500, NULL, "out of memory (mock)");
		return;
	}
	anthropic_system(mr);
	anthropic_limits(mr);
	knob_directive(mr, mr->user.data);
}

/* Anthropic counts cached tokens apart from the input tokens. */
static json_t *
anthropic_usage(const struct mockreq *mr, json_int_t output)
{
	return json_pack("{s:I,s:I,s:I,s:I}", "input_tokens",
	    mr->prompt_tokens, "cache_creation_input_tokens",
	    (json_int_t)mr->k.cache_write, "cache_read_input_tokens",
	    (json_int_t)mr->k.cache_read, "output_tokens", output);
}

/* The message object, with its content (stolen), as both forms use it. */
static json_t *
message(const struct mockreq *mr, json_t *content, const char *stop,
    json_int_t output)
{
	char id[48];

	snprintf(id, sizeof(id), "msg_mock_%llu", mr->id);
	return json_pack("{s:s,s:s,s:s,s:s,s:o,s:s?,s:n,s:o}", "id", id,
	    "type", "message", "role", "assistant", "model", mr->model,
	    "content", content, "stop_reason", stop, "stop_sequence",
	    "usage", anthropic_usage(mr, output));
}

json_t *
anthropic_success(struct mockreq *mr)
{
	struct answer a;
	json_t *j = NULL;

	if (chat_answer(mr, &a) == 0)
		j = message(mr, json_pack("[{s:s,s:s%}]", "type", "text",
		    "text", a.text.data, a.text.len),
		    a.cut ? "max_tokens" : "end_turn", a.tokens);
	ai_buf_free(&a.text);
	return j;
}

static int
anthropic_pieces(struct sse *s, const struct ai_buf *text)
{
	const char *p = text->data, *end = text->data + text->len;
	size_t n;

	sse_pieces_start(s);
	for (; p < end; p += n) {
		n = piece_len(p, end - p);
		if (sse_event(s, "content_block_delta", json_pack("{s:s,s:i,"
		    "s:{s:s,s:s%}}", "type", "content_block_delta", "index", 0,
		    "delta", "type", "text_delta", "text", p, n)) == -1)
			return -1;
	}
	sse_pieces_end(s);
	return 0;
}

/* The events before the pieces of the reply. */
static int
anthropic_start(struct mockreq *mr, struct sse *s)
{
	return sse_event(s, "message_start", json_pack("{s:s,s:o}", "type",
	    "message_start", "message", message(mr, json_array(), NULL, 1))) ==
	    -1 || sse_event(s, "content_block_start", json_pack("{s:s,s:i,"
	    "s:{s:s,s:s}}", "type", "content_block_start", "index", 0,
	    "content_block", "type", "text", "text", "")) == -1 ||
	    sse_event(s, "ping", json_pack("{s:s}", "type", "ping")) == -1 ?
	    -1 : 0;
}

/* The events after the pieces of the reply. */
static int
anthropic_end(struct sse *s, const struct answer *a)
{
	return sse_event(s, "content_block_stop", json_pack("{s:s,s:i}",
	    "type", "content_block_stop", "index", 0)) == -1 ||
	    sse_event(s, "message_delta", json_pack("{s:s,s:{s:s,s:n},"
	    "s:{s:I}}", "type", "message_delta", "delta", "stop_reason",
	    a->cut ? "max_tokens" : "end_turn", "stop_sequence", "usage",
	    "output_tokens", a->tokens)) == -1 ||
	    sse_event(s, "message_stop", json_pack("{s:s}", "type",
	    "message_stop")) == -1 ? -1 : 0;
}

/* The events of a streamed message, in the order the real API sends. */
int
anthropic_stream(struct mockreq *mr, struct sse *s)
{
	struct answer a;
	int ret = -1;

	if (chat_answer(mr, &a) == 0 && anthropic_start(mr, s) == 0 &&
	    anthropic_pieces(s, &a.text) == 0 && anthropic_end(s, &a) == 0)
		ret = 0;
	ai_buf_free(&a.text);
	return ret;
}

/* The error type Anthropic gives a status, and a message like theirs. */
static const char *
anthropic_kind(int status, const char *model, char *msg, size_t len)
{
	switch (status) {
	case 401:
		snprintf(msg, len, "invalid x-api-key");
		return "authentication_error";
	case 403:
		snprintf(msg, len, "Your API key does not have permission to "
		    "use the specified resource. (mock)");
		return "permission_error";
	case 404:
		snprintf(msg, len, "model: %s", model);
		return "not_found_error";
	case 413:
		snprintf(msg, len, "Request exceeds the maximum allowed "
		    "number of bytes. (mock)");
		return "request_too_large";
	case 429:
		snprintf(msg, len, "This request would exceed the rate limit "
		    "for your organization. (mock)");
		return "rate_limit_error";
	case 529:
		snprintf(msg, len, "Overloaded");
		return "overloaded_error";
	}
	if (status >= 500) {
		snprintf(msg, len, "Internal server error (mock)");
		return "api_error";
	}
	if (status == 400)
		snprintf(msg, len, "Bad request (mock)");
	else
		snprintf(msg, len, "mock error %d", status);
	return "invalid_request_error";
}

/* An Anthropic error body; the code knob replaces a simulated type. */
json_t *
anthropic_error(struct mockreq *mr)
{
	const char *type;
	char msg[512];
	json_t *m;

	type = anthropic_kind(error_status(mr), mr->model, msg, sizeof(msg));
	if (mr->err_status == 0 && mr->k.code[0] != '\0')
		type = mr->k.code;
	if ((m = fault_message(mr)) == NULL)
		m = mr->err_msg[0] != '\0' ? lossy_string(mr->err_msg,
		    strlen(mr->err_msg)) : lossy_string(msg, strlen(msg));
	return json_pack("{s:s,s:{s:s,s:o}}", "type", "error", "error",
	    "type", type, "message", m);
}

/*
 * Refuses a request the rate limit l does not let through, as Anthropic
 * does: a 429 rate_limit_error naming the limit; wait_ms -1 for a
 * request larger than the limit, which no wait lets through.
 */
void
anthropic_limited(struct mockreq *mr, enum limit l, int64_t cost,
    int64_t wait_ms)
{
	static const char *const what[NLIMITS] = { "requests", "tokens",
	    "input tokens", "output tokens" };
	long long lim = mr->rl.limit[l];

	if (wait_ms < 0)
		reject(mr, 429, NULL, "This request would exceed the rate "
		    "limit for your organization of %lld %s per minute: it "
		    "asks for %lld. Please reduce the prompt length or the "
		    "maximum tokens requested. (mock)", lim, what[l],
		    (long long)cost);
	else
		reject(mr, 429, NULL, "This request would exceed the rate "
		    "limit for your organization of %lld %s per minute. You "
		    "can see the response headers for current usage. (mock)",
		    lim, what[l]);
}

/* The three headers of a family: its limit, remaining and reset. */
static int
anthropic_rl_headers(const struct mockreq *mr, struct MHD_Response *r,
    const char *family, int64_t lim, int64_t rem, int64_t reset_ms)
{
	char name[64], v[32];

	snprintf(name, sizeof(name), "anthropic-ratelimit-%s-limit", family);
	snprintf(v, sizeof(v), "%lld", (long long)lim);
	if (MHD_add_response_header(r, name, v) == MHD_NO)
		return -1;
	snprintf(name, sizeof(name), "anthropic-ratelimit-%s-remaining",
	    family);
	snprintf(v, sizeof(v), "%lld", (long long)rem);
	if (MHD_add_response_header(r, name, v) == MHD_NO)
		return -1;
	snprintf(name, sizeof(name), "anthropic-ratelimit-%s-reset", family);
	rfc3339_after(mr->rl.now_ms, reset_ms, v, sizeof(v));
	return MHD_add_response_header(r, name, v) == MHD_NO ? -1 : 0;
}

/*
 * anthropic-ratelimit-requests-*, -tokens-*, -input-tokens-* and
 * -output-tokens-*, for the limits set; a reset is when the bucket is
 * full again.  Without --tpm, the tokens family adds up the input and
 * output ones, as the real API's does, full when both are.
 */
int
anthropic_limit_headers(const struct mockreq *mr, struct MHD_Response *r)
{
	static const char *const family[NLIMITS] = { "requests", "tokens",
	    "input-tokens", "output-tokens" };
	const struct rlview *v = &mr->rl;
	int64_t lim = 0, rem = 0, reset = 0;
	int l;

	for (l = 0; l < NLIMITS; l++)
		if (v->limit[l] != 0 && anthropic_rl_headers(mr, r, family[l],
		    v->limit[l], v->remaining[l], v->reset_ms[l]) == -1)
			return -1;
	if (v->limit[L_TOKENS] != 0)
		return 0;
	for (l = L_INPUT; l <= L_OUTPUT; l++) {
		lim += v->limit[l];
		rem += v->remaining[l];
		if (v->reset_ms[l] > reset)
			reset = v->reset_ms[l];
	}
	if (lim == 0)
		return 0;
	return anthropic_rl_headers(mr, r, "tokens", lim, rem, reset);
}
