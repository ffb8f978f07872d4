/*
 * openai.c: the OpenAI wire format: POST /v1/chat/completions, plain and
 * streamed, GET /v1/models, and OpenAI's error bodies, which also answer
 * URLs no route serves.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "aimock.h"

/* Reads the completion-token limit; max_completion_tokens wins. */
static void
openai_limit(struct mockreq *mr)
{
	static const char *const keys[] = { "max_completion_tokens",
	    "max_tokens" };
	const json_t *v;
	size_t i;

	for (i = 0; i < 2; i++) {
		if ((v = json_object_get(mr->body, keys[i])) == NULL ||
		    json_is_null(v))
			continue;
		if (!json_is_integer(v) || json_integer_value(v) < 1) {
			reject(mr, 400, "integer_below_min_value",
			    "Invalid '%s': expected an integer of at least 1.",
			    keys[i]);
			return;
		}
		mr->max_tokens = json_integer_value(v);
		return;
	}
}

/* Reads "stream" and "stream_options": {"include_usage": true}. */
static void
openai_stream_flags(struct mockreq *mr)
{
	const json_t *v, *opts;

	v = json_object_get(mr->body, "stream");
	if (v != NULL && !json_is_boolean(v) && !json_is_null(v)) {
		reject(mr, 400, "invalid_type", "Invalid type for 'stream': "
		    "expected a boolean.");
		return;
	}
	mr->stream = json_is_true(v);
	opts = json_object_get(mr->body, "stream_options");
	mr->stream_usage = mr->stream &&
	    json_is_true(json_object_get(opts, "include_usage"));
}

/* Parses and checks a chat-completions body. */
void
openai_parse(struct mockreq *mr)
{
	const json_t *messages, *model;

	if (mr->body == NULL) {
		reject(mr, 400, NULL, "We could not parse the JSON body of "
		    "your request: %s (mock)", mr->bodyerr);
		return;
	}
	if (!json_is_object(mr->body)) {
		reject(mr, 400, NULL, "The body of your request must be a "
		    "JSON object (mock)");
		return;
	}
	if (json_is_string(model = json_object_get(mr->body, "model")))
		mr->model = json_string_value(model);
	messages = json_object_get(mr->body, "messages");
	if (!json_is_array(messages)) {
		reject(mr, 400, NULL, messages == NULL ?
		    "Missing required parameter: 'messages'." :
		    "Invalid type for 'messages': expected an array.");
		return;
	}
	if (chat_prompt(mr, messages) == -1) {
		reject(mr, 500, NULL, "out of memory (mock)");
		return;
	}
	openai_limit(mr);
	openai_stream_flags(mr);
	knob_directive(mr, mr->user.data);
}

/*
 * OpenAI counts cached tokens within the prompt tokens.  The sums wrap
 * as a careless server's would, with a prompt_tokens knob past any call:
 * in unsigned arithmetic, so that the mock itself does no undefined one.
 */
static json_t *
openai_usage(const struct mockreq *mr, json_int_t completion)
{
	json_int_t prompt = (json_int_t)((uint64_t)mr->prompt_tokens +
	    (uint64_t)mr->k.cache_read);

	return json_pack("{s:I,s:I,s:I,s:{s:I,s:i},s:{s:i,s:i,s:i,s:i}}",
	    "prompt_tokens", prompt, "completion_tokens", completion,
	    "total_tokens", (json_int_t)((uint64_t)prompt + (uint64_t)completion),
	    "prompt_tokens_details", "cached_tokens",
	    (json_int_t)mr->k.cache_read, "audio_tokens", 0,
	    "completion_tokens_details", "reasoning_tokens", 0,
	    "audio_tokens", 0, "accepted_prediction_tokens", 0,
	    "rejected_prediction_tokens", 0);
}

/* A chat.completion object answering mr. */
json_t *
openai_success(struct mockreq *mr)
{
	struct answer a;
	json_t *j = NULL;
	char id[48];

	if (chat_answer(mr, &a) == -1)
		goto out;
	snprintf(id, sizeof(id), "chatcmpl-mock-%llu", mr->id);
	j = json_pack("{s:s,s:s,s:I,s:s,s:[{s:i,s:{s:s,s:s%,s:n},s:n,s:s}],"
	    "s:o,s:s,s:s}", "id", id, "object", "chat.completion",
	    "created", (json_int_t)time(NULL), "model", mr->model,
	    "choices", "index", 0, "message", "role", "assistant",
	    "content", a.text.data, a.text.len, "refusal", "logprobs",
	    "finish_reason", a.cut ? "length" : "stop",
	    "usage", openai_usage(mr, a.tokens),
	    "service_tier", "default", "system_fingerprint", "fp_mock");
out:
	ai_buf_free(&a.text);
	return j;
}

/* A chat.completion.chunk with the given choices (stolen). */
static json_t *
chunk(const struct mockreq *mr, json_int_t created, json_t *choices)
{
	char id[48];

	snprintf(id, sizeof(id), "chatcmpl-mock-%llu", mr->id);
	return json_pack("{s:s,s:s,s:I,s:s,s:o}", "id", id,
	    "object", "chat.completion.chunk", "created", created,
	    "model", mr->model, "choices", choices);
}

/* The one choice of a chunk, with its delta (stolen). */
static json_t *
choice(json_t *delta, const char *finish)
{
	return json_pack("[{s:i,s:o,s:s?}]", "index", 0, "delta", delta,
	    "finish_reason", finish);
}

/* The last chunk when the client asked for usage: no choices. */
static json_t *
usage_chunk(const struct mockreq *mr, json_int_t created, json_int_t tokens)
{
	json_t *j;

	if ((j = chunk(mr, created, json_array())) != NULL &&
	    json_object_set_new(j, "usage", openai_usage(mr, tokens)) == -1) {
		json_decref(j);
		return NULL;
	}
	return j;
}

static int
openai_pieces(struct mockreq *mr, struct sse *s, json_int_t created,
    const struct ai_buf *text)
{
	const char *p = text->data, *end = text->data + text->len;
	size_t n;

	sse_pieces_start(s);
	for (; p < end; p += n) {
		n = piece_len(p, end - p);
		if (sse_event(s, NULL, chunk(mr, created, choice(json_pack(
		    "{s:s%}", "content", p, n), NULL))) == -1)
			return -1;
	}
	sse_pieces_end(s);
	return 0;
}

/*
 * The chunks of a streamed chat completion: the role, one chunk a piece
 * of the reply, the finish reason, the usage if asked for, and [DONE].
 */
int
openai_stream(struct mockreq *mr, struct sse *s)
{
	json_int_t created = (json_int_t)time(NULL);
	struct answer a;
	int ret = -1;

	if (chat_answer(mr, &a) == -1 ||
	    sse_event(s, NULL, chunk(mr, created, choice(json_pack("{s:s,s:s}",
	    "role", "assistant", "content", ""), NULL))) == -1 ||
	    openai_pieces(mr, s, created, &a.text) == -1 ||
	    sse_event(s, NULL, chunk(mr, created, choice(json_object(),
	    a.cut ? "length" : "stop"))) == -1)
		goto out;
	if (mr->stream_usage && sse_event(s, NULL, usage_chunk(mr, created,
	    a.tokens)) == -1)
		goto out;
	ret = sse_raw(s, "data: [DONE]\n\n");
out:
	ai_buf_free(&a.text);
	return ret;
}

json_t *
openai_models(struct mockreq *mr)
{
	return json_pack("{s:s,s:[{s:s,s:s,s:i,s:s}]}", "object", "list",
	    "data", "id", "mock", "object", "model", "created", 0,
	    "owned_by", "aimock");
}

/* The type, default code and message OpenAI gives an error status. */
static void
openai_kind(int status, const char *code, const char *model,
    const char **type, const char **dcode, char *msg, size_t len)
{
	*type = "invalid_request_error";
	*dcode = NULL;
	if (status == 400 && code != NULL &&
	    strcmp(code, "context_length_exceeded") == 0)
		snprintf(msg, len, "This model's maximum context length is "
		    "128000 tokens. However, your messages resulted in more "
		    "tokens. (mock)");
	else if (status == 400)
		snprintf(msg, len, "Bad request (mock)");
	else if (status == 401) {
		*dcode = "invalid_api_key";
		snprintf(msg, len, "Incorrect API key provided");
	} else if (status == 403)
		snprintf(msg, len, "You are not allowed to sample from this "
		    "model (mock)");
	else if (status == 404) {
		*dcode = "model_not_found";
		snprintf(msg, len, "The model `%s` does not exist or you do "
		    "not have access to it.", model);
	} else if (status == 429 && code != NULL &&
	    strcmp(code, "insufficient_quota") == 0) {
		*type = "insufficient_quota";
		snprintf(msg, len, "You exceeded your current quota, please "
		    "check your plan and billing details. (mock)");
	} else if (status == 429) {
		*type = "requests";
		*dcode = "rate_limit_exceeded";
		snprintf(msg, len, "Rate limit reached for requests (mock)");
	} else if (status >= 500) {
		*type = "server_error";
		snprintf(msg, len, "The server had an error while processing "
		    "your request. (mock)");
	} else
		snprintf(msg, len, "mock error %d", status);
}

/* An OpenAI error body for a real problem or a simulated status. */
json_t *
openai_error(struct mockreq *mr)
{
	const char *type, *dcode, *code;
	char msg[512];
	json_t *m;
	int status;

	status = error_status(mr);
	code = mr->err_status ? mr->err_code :
	    mr->k.code[0] != '\0' ? mr->k.code : NULL;
	openai_kind(status, code, mr->model, &type, &dcode, msg, sizeof(msg));
	if (mr->err_type != NULL)
		type = mr->err_type;
	if (status == 401 || code == NULL)
		code = dcode;
	if ((m = fault_message(mr)) == NULL)
		m = mr->err_msg[0] != '\0' ? lossy_string(mr->err_msg,
		    strlen(mr->err_msg)) : lossy_string(msg, strlen(msg));
	return json_pack("{s:{s:o,s:s,s:n,s:s?}}", "error", "message", m,
	    "type", type, "param", "code", code);
}

/*
 * Refuses a request the rate limit l does not let through, as OpenAI
 * does: a 429 of type "requests" or "tokens", with the limit, what is
 * used of it and what was asked for; wait_ms -1 for a request larger
 * than the limit, which no wait lets through.
 */
void
openai_limited(struct mockreq *mr, enum limit l, int64_t cost,
    int64_t wait_ms)
{
	const char *what = l == L_REQUESTS ? "requests" : "tokens";
	const char *abbr = l == L_REQUESTS ? "RPM" : "TPM";
	long long lim = mr->rl.limit[l], used = lim - mr->rl.remaining[l];
	char again[32];

	mr->err_type = what;
	if (wait_ms < 0) {
		reject(mr, 429, "rate_limit_exceeded", "Request too large for "
		    "%.100s in organization org-mock on %s per min (%s): Limit "
		    "%lld, Requested %lld. The input or output tokens must be "
		    "reduced in order to run successfully. (mock)", mr->model,
		    what, abbr, lim, (long long)cost);
		return;
	}
	go_duration(wait_ms, again, sizeof(again));
	reject(mr, 429, "rate_limit_exceeded", "Rate limit reached for %.100s "
	    "in organization org-mock on %s per min (%s): Limit %lld, Used "
	    "%lld, Requested %lld. Please try again in %s. (mock)", mr->model,
	    what, abbr, lim, used, (long long)cost, again);
}

static int
openai_rl_header(struct MHD_Response *r, const char *what,
    const char *family, const char *value)
{
	char name[48];

	snprintf(name, sizeof(name), "x-ratelimit-%s-%s", what, family);
	return MHD_add_response_header(r, name, value) == MHD_NO ? -1 : 0;
}

/*
 * x-ratelimit-limit-requests, -remaining- and -reset- and the same of
 * tokens, for the limits set; a reset is the time until the bucket is
 * full again, as a Go duration.
 */
int
openai_limit_headers(const struct mockreq *mr, struct MHD_Response *r)
{
	static const struct {
		enum limit	 l;
		const char	*family;
	} fam[] = { { L_REQUESTS, "requests" }, { L_TOKENS, "tokens" } };
	char lim[24], rem[24], reset[32];
	enum limit l;
	size_t i;

	for (i = 0; i < sizeof(fam) / sizeof(fam[0]); i++) {
		if (mr->rl.limit[l = fam[i].l] == 0)
			continue;
		snprintf(lim, sizeof(lim), "%lld", (long long)mr->rl.limit[l]);
		snprintf(rem, sizeof(rem), "%lld",
		    (long long)mr->rl.remaining[l]);
		go_duration(mr->rl.reset_ms[l], reset, sizeof(reset));
		if (openai_rl_header(r, "limit", fam[i].family, lim) == -1 ||
		    openai_rl_header(r, "remaining", fam[i].family, rem) ==
		    -1 || openai_rl_header(r, "reset", fam[i].family, reset) ==
		    -1)
			return -1;
	}
	return 0;
}
