/*
 * record.c: the record format.  An input record is one JSON object in one
 * of three forms (see aitools-record(5)); this file turns it into a common
 * chat-completion request and splices results back into it.
 */
#include <stdio.h>
#include <string.h>

#include "aitools.h"

/* Keys of a bare-body record that belong to the pipeline, not the API. */
static const char *const pipeline_keys[] = {
	"custom_id", "aitools", "response", "error", NULL
};

/* Keys of a prompt record sent as request parameters. */
static const char *const prompt_params[] = {
	"temperature", "top_p", "max_tokens", "max_completion_tokens", "seed",
	"stop", "n", "response_format", "reasoning_effort", "presence_penalty",
	"frequency_penalty", "logprobs", "top_logprobs", "tools",
	"tool_choice", "user", "metadata", "service_tier", "stream",
	"stream_options", "top_k", NULL
};

static int
is_set(const json_t *rec, const char *key)
{
	const json_t *v = json_object_get(rec, key);

	return v != NULL && !json_is_null(v);
}

/* Whether key is one of the NULL-ended list. */
int
ai_in_list(const char *const *list, const char *key)
{
	for (; *list != NULL; list++)
		if (strcmp(*list, key) == 0)
			return 1;
	return 0;
}

/*
 * A record carrying a response or an error is final and passes through
 * untouched; with resend_errors only one with a response is.
 */
int
ai_record_is_done(const json_t *rec, int resend_errors)
{
	if (is_set(rec, "response"))
		return 1;
	return !resend_errors && is_set(rec, "error");
}

static int
fail(char *err, const char *msg)
{
	snprintf(err, AI_ERRLEN, "%s", msg);
	return -1;
}

static json_t *
body_from_batch(const json_t *rec, char *err)
{
	const json_t *url = json_object_get(rec, "url");
	const json_t *method = json_object_get(rec, "method");
	const json_t *body = json_object_get(rec, "body");
	const char *u;
	size_t n;

	if (!json_is_object(body))
		return fail(err, "\"body\" is not an object"), NULL;
	if (method != NULL && (!json_is_string(method) ||
	    strcmp(json_string_value(method), "POST") != 0))
		return fail(err, "\"method\" is not \"POST\""), NULL;
	if (url != NULL) {
		u = json_is_string(url) ? json_string_value(url) : "";
		n = strlen(u);
		if (n < 17 || strcmp(u + n - 17, "/chat/completions") != 0)
			return fail(err, "unsupported \"url\" (only "
			    "/v1/chat/completions is)"), NULL;
	}
	return json_copy((json_t *)body);
}

static json_t *
body_from_bare(const json_t *rec)
{
	json_t *body, *v;
	const char *k;

	if ((body = json_object()) == NULL)
		return NULL;
	json_object_foreach((json_t *)rec, k, v)
		if (!ai_in_list(pipeline_keys, k) &&
		    json_object_set(body, k, v) == -1)
			return json_decref(body), NULL;
	return body;
}

static json_t *
message(const char *role, json_t *content)
{
	return json_pack("{s:s, s:O}", "role", role, "content", content);
}

static json_t *
body_from_prompt(const json_t *rec, const char *system, char *err)
{
	const json_t *prompt = json_object_get(rec, "prompt");
	const json_t *sys = json_object_get(rec, "system");
	const json_t *params = json_object_get(rec, "params");
	json_t *body, *msgs, *v;
	const char *k;

	if (!json_is_string(prompt))
		return fail(err, "\"prompt\" is not a string"), NULL;
	if (sys != NULL && !json_is_null(sys) && !json_is_string(sys))
		return fail(err, "\"system\" is not a string"), NULL;
	if (params != NULL && !json_is_object(params))
		return fail(err, "\"params\" is not an object"), NULL;
	if (json_string_length(prompt) == 0)
		return fail(err, "\"prompt\" is empty"), NULL;
	if ((body = json_object()) == NULL || (msgs = json_array()) == NULL)
		return json_decref(body), fail(err, "out of memory"), NULL;
	/* Model first, as people write it; apply_defaults fills a null. */
	v = json_object_get(rec, "model");
	json_object_set(body, "model", v != NULL ? v : json_null());
	json_object_set_new(body, "messages", msgs);
	if (json_is_string(sys))
		json_array_append_new(msgs, message("system", (json_t *)sys));
	else if (system != NULL && json_array_append_new(msgs,
	    json_pack("{s:s, s:s}", "role", "system", "content", system)) == -1)
		return json_decref(body), fail(err, "the system prompt is not "
		    "valid UTF-8"), NULL;
	json_array_append_new(msgs, message("user", (json_t *)prompt));
	json_object_foreach((json_t *)rec, k, v)
		if (ai_in_list(prompt_params, k))
			json_object_set(body, k, v);
	if (params != NULL)
		json_object_update(body, (json_t *)params);
	return body;
}

/*
 * Adds the parameters a body lacks.  A default max_tokens does not join a
 * max_completion_tokens: OpenAI refuses the two together.
 */
static void
default_params(json_t *body, json_t *params)
{
	const char *k;
	json_t *v;

	json_object_foreach(params, k, v) {
		if (json_object_get(body, k) != NULL || (strcmp(k,
		    "max_tokens") == 0 && json_object_get(body,
		    "max_completion_tokens") != NULL))
			continue;
		json_object_set(body, k, v);
	}
}

static int
apply_defaults(struct ai_request *req, const struct ai_defaults *d,
    char *err)
{
	json_t *body = req->body;
	const json_t *model = json_object_get(body, "model");

	if (!json_is_array(json_object_get(body, "messages")))
		return fail(err, "request has no \"messages\" array");
	if (model == NULL || json_is_null(model)) {
		if (d->model == NULL)
			return fail(err, "request names no model");
		json_object_set_new(body, "model", json_string(d->model));
		req->model_defaulted = 1;
	} else if (!json_is_string(model))
		return fail(err, "\"model\" is not a string");
	if (d->params != NULL)
		default_params(body, d->params);
	return 0;
}

static const char *
trace_of(const json_t *rec)
{
	const json_t *t = json_object_get(json_object_get(rec, "aitools"),
	    "trace_id");

	if (!json_is_string(t) || json_string_length(t) != 32 ||
	    strspn(json_string_value(t), "0123456789abcdef") != 32)
		return NULL;
	return json_string_value(t);
}

/* A tag's name: what aiusage --by tag:NAME can name. */
int
ai_tag_name_ok(const char *s)
{
	size_t n = strspn(s, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-");

	return n > 0 && n <= 64 && s[n] == '\0';
}

/*
 * The record's own tags, which aiq logs with the call: an object of
 * strings, numbers or booleans, so that each has a value to group by.
 */
static int
tags_of(const json_t *rec, const json_t **tags, char *err)
{
	const json_t *t = json_object_get(json_object_get(rec, "aitools"),
	    "tags"), *v;
	const char *k;

	*tags = NULL;
	if (t == NULL || json_is_null(t))
		return 0;
	if (!json_is_object(t))
		return fail(err, "\"aitools.tags\" is not an object");
	json_object_foreach((json_t *)t, k, v) {
		if (json_is_object(v) || json_is_array(v) || json_is_null(v))
			return fail(err, "\"aitools.tags\" holds a value that"
			    " is not a string, number or boolean");
		if (!ai_tag_name_ok(k))
			return fail(err, "\"aitools.tags\" has a name that is"
			    " not 1 to 64 letters, digits, - and _");
	}
	*tags = json_object_size(t) > 0 ? t : NULL;
	return 0;
}

/*
 * Fills req from a parsed input record: which form it has, the request
 * body to send (defaults applied), and its ids.  Returns 0, or -1 with
 * the reason it is not a valid request in err.
 */
int
ai_record_request(const json_t *rec, const struct ai_defaults *d,
    struct ai_request *req, char *err)
{
	const json_t *cid = json_object_get(rec, "custom_id");

	memset(req, 0, sizeof(*req));
	if (!json_is_object(rec))
		return fail(err, "record is not a JSON object");
	if (tags_of(rec, &req->tags, err) == -1)
		return -1;
	if (json_object_get(rec, "body") != NULL) {
		req->form = AI_FORM_BATCH;
		req->body = body_from_batch(rec, err);
	} else if (json_object_get(rec, "messages") != NULL) {
		req->form = AI_FORM_BODY;
		req->body = body_from_bare(rec);
		if (req->body == NULL)
			fail(err, "out of memory");
	} else if (json_object_get(rec, "params") != NULL &&
	    json_object_get(rec, "prompt") == NULL) {
		/* An Anthropic Message Batches request, sent as it is. */
		req->form = AI_FORM_PARAMS;
		req->provider = "anthropic";
		if (!json_is_object(json_object_get(rec, "params")))
			return fail(err, "\"params\" is not an object");
		/* The default model may be another provider's. */
		if (!json_is_string(json_object_get(json_object_get(rec,
		    "params"), "model")))
			return fail(err, "\"params\" has no \"model\"");
		req->body = json_deep_copy(json_object_get(rec, "params"));
		if (req->body == NULL)
			fail(err, "out of memory");
	} else if (json_object_get(rec, "prompt") != NULL) {
		req->form = AI_FORM_PROMPT;
		req->body = body_from_prompt(rec, d->system, err);
	} else
		return fail(err, "record has none of \"body\", \"messages\", "
		    "\"params\" or \"prompt\"");
	if (req->body == NULL)
		return -1;
	if (apply_defaults(req, d, err) == -1) {
		ai_request_free(req);
		return -1;
	}
	req->model = json_string_value(json_object_get(req->body, "model"));
	req->custom_id = json_string_value(cid);
	if (json_is_integer(cid)) {	/* jq makes numeric ids easily */
		snprintf(req->idnum, sizeof(req->idnum), "%" JSON_INTEGER_FORMAT,
		    json_integer_value(cid));
		req->custom_id = req->idnum;
	}
	req->trace_id = trace_of(rec);
	return 0;
}

void
ai_request_free(struct ai_request *req)
{
	json_decref(req->body);
	req->body = NULL;
}

/* Makes the record {"prompt": text} for a plain-text prompt. */
json_t *
ai_prompt_record(const char *text, size_t len)
{
	json_t *s = json_stringn(text, len);

	return s == NULL ? NULL : json_pack("{s:o}", "prompt", s);
}

/*
 * The fields of "aitools" that the writer of a result owns: a new result
 * replaces them all, so that none of an old one's is left behind.
 */
static const char *const result_keys[] = {
	"v", "line", "started", "finished", "provider", "model", "attempts",
	"failed_attempts", "latency_ms", "trace_id", "service", NULL
};

/* Output record when the input has keys the tail sets: merged, redumped. */
static int
merge_dump(struct ai_buf *out, const json_t *rec, json_t *tail)
{
	const char *const *k;
	json_t *copy, *meta, *old;
	int r;

	if ((copy = json_copy((json_t *)rec)) == NULL)
		return -1;
	json_object_del(copy, "response");
	json_object_del(copy, "error");
	old = json_object_get(copy, "aitools");
	meta = json_object_get(tail, "aitools");
	if (json_is_object(old) && json_is_object(meta)) {
		old = json_copy(old);
		for (k = result_keys; *k != NULL; k++)
			json_object_del(old, *k);
		json_object_update(old, meta);
		json_object_set_new(copy, "aitools", old);
		json_object_update_missing(copy, tail);
	} else
		json_object_update(copy, tail);
	r = ai_buf_json(out, copy);
	json_decref(copy);
	return r;
}

static int
merge(struct ai_buf *out, const json_t *rec, const char *tail, size_t tlen)
{
	json_t *t;
	int r;

	if ((t = json_loadb(tail, tlen, 0, NULL)) == NULL)
		return -1;
	r = merge_dump(out, rec, t);
	json_decref(t);
	return r == -1 ? -1 : ai_buf_append(out, "\n", 1);
}

/*
 * Appends the output record for input line (len bytes, parsed as rec):
 * the line with the members of tail, the JSON text of an object holding
 * response or error and aitools, added before its closing brace, and a
 * newline.  Splicing keeps every input field byte for byte; only an input
 * that already has one of those keys is rebuilt.
 */
int
ai_record_splice(struct ai_buf *out, const char *line, size_t len,
    const json_t *rec, const char *tail, size_t tlen)
{
	if (json_object_get(rec, "response") != NULL ||
	    json_object_get(rec, "error") != NULL ||
	    json_object_get(rec, "aitools") != NULL)
		return merge(out, rec, tail, tlen);
	while (len > 0 && line[len - 1] != '}')
		len--;
	if (len == 0 || tlen < 2 || tail[0] != '{' ||
	    ai_buf_append(out, line, len - 1) == -1)
		return -1;
	if (json_object_size(rec) > 0 && ai_buf_append(out, ",", 1) == -1)
		return -1;
	return ai_buf_append(out, tail + 1, tlen - 1) == -1 ? -1 :
	    ai_buf_append(out, "\n", 1);
}
