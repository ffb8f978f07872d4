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

/*
 * The cache key of the request an output record answered, aitools.key
 * as the tail's writer stamps it: its 64 hex digits, or NULL when there
 * is none or (*bad set) when what is there is not a key.
 */
const char *
ai_record_key(const json_t *rec, int *bad)
{
	const json_t *k = json_object_get(json_object_get(rec, "aitools"),
	    "key");
	unsigned char key[AI_KEYLEN];

	*bad = 0;
	if (k == NULL || json_is_null(k))
		return NULL;
	if (ai_cache_key_unhex(json_string_value(k), key) == -1) {
		*bad = 1;
		return NULL;
	}
	return json_string_value(k);
}

static int
fail(char *err, const char *msg)
{
	snprintf(err, AI_ERRLEN, "%s", msg);
	return -1;
}

static int
fail_key(char *err, const char *key, const char *what)
{
	snprintf(err, AI_ERRLEN, "\"%s\" %s", key, what);
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

/*
 * A provider's own batch request (Anthropic's "params"), sent as it is.
 * It must name its model: the default model may be another provider's.
 */
static json_t *
body_from_native(const json_t *rec, const struct ai_provider *p, char *err)
{
	const json_t *params = json_object_get(rec, p->native_key);
	json_t *body;

	if (!json_is_object(params))
		return fail_key(err, p->native_key, "is not an object"), NULL;
	if (!json_is_string(json_object_get(params, "model")))
		return fail_key(err, p->native_key, "has no \"model\""), NULL;
	if ((body = json_deep_copy(params)) == NULL)
		fail(err, "out of memory");
	return body;
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

/* The body of a prompt: model, system message, user message, parameters. */
static json_t *
prompt_body(const json_t *rec, const json_t *sys, const char *system,
    json_t *prompt, char *err)
{
	json_t *body, *msgs, *v;
	const char *k;

	if ((body = json_object()) == NULL || (msgs = json_array()) == NULL)
		return json_decref(body), fail(err, "out of memory"), NULL;
	/* Model first, as people write it; apply_defaults fills a null. */
	v = json_object_get(rec, "model");
	json_object_set(body, "model", v != NULL ? v : json_null());
	json_object_set_new(body, "messages", msgs);
	if (sys != NULL)
		json_array_append_new(msgs, message("system", (json_t *)sys));
	else if (system != NULL && json_array_append_new(msgs,
	    json_pack("{s:s, s:s}", "role", "system", "content", system)) == -1)
		return json_decref(body), fail(err, "the system prompt is not "
		    "valid UTF-8"), NULL;
	json_array_append_new(msgs, message("user", prompt));
	json_object_foreach((json_t *)rec, k, v)
		if (ai_in_list(prompt_params, k))
			json_object_set(body, k, v);
	return body;
}

/*
 * The prompt of a prompt record: its "prompt", or the template made of it
 * and of the record's fields.  A new reference, or NULL.
 */
static json_t *
prompt_of(const json_t *rec, const char *template, char *err)
{
	const json_t *prompt = json_object_get(rec, "prompt");
	struct ai_buf b = { 0 };
	json_t *v;

	if (prompt != NULL && !json_is_string(prompt))
		return fail(err, "\"prompt\" is not a string"), NULL;
	if (template == NULL)
		return json_incref((json_t *)prompt);
	if (prompt != NULL && !ai_template_has(template, "input"))
		return fail(err, "the template has no {{input}} for the "
		    "record's \"prompt\""), NULL;
	if (ai_template_expand(&b, template, rec, json_string_value(prompt),
	    err) == -1)
		return ai_buf_free(&b), NULL;
	if ((v = json_stringn(b.data, b.len)) == NULL)
		fail(err, "out of memory");
	ai_buf_free(&b);
	return v;
}

static json_t *
body_from_prompt(const json_t *rec, const struct ai_defaults *d, char *err)
{
	const json_t *sys = json_object_get(rec, "system");
	const json_t *params = json_object_get(rec, "params");
	json_t *body, *prompt;

	if (sys != NULL && !json_is_null(sys) && !json_is_string(sys))
		return fail(err, "\"system\" is not a string"), NULL;
	if (params != NULL && !json_is_object(params))
		return fail(err, "\"params\" is not an object"), NULL;
	if ((prompt = prompt_of(rec, d->template, err)) == NULL)
		return NULL;
	if (json_string_length(prompt) == 0) {
		json_decref(prompt);
		return fail(err, "\"prompt\" is empty"), NULL;
	}
	body = prompt_body(rec, json_is_string(sys) ? sys : NULL, d->system,
	    prompt, err);
	json_decref(prompt);
	if (body != NULL && params != NULL)
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
	const struct ai_provider *native = ai_provider_of_record(rec);

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
	} else if (native != NULL && json_object_get(rec, "prompt") == NULL) {
		req->form = AI_FORM_PARAMS;
		req->native = native;
		req->body = body_from_native(rec, native, err);
	} else if (json_object_get(rec, "prompt") != NULL ||
	    d->template != NULL) {
		req->form = AI_FORM_PROMPT;
		req->body = body_from_prompt(rec, d, err);
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
 * The members of "aitools" that the writer of a result owns, in the order
 * ai_tail_* write them: a new result replaces them all, so that none of
 * an old one's is left behind.  "cache" is aicache's mark of a hit, which
 * no later stage owns.
 */
static const char *const result_keys[] = {
	"v", "line", "started", "finished", "provider", "model", "attempts",
	"latency_ms", "trace_id", "failed_attempts", "fallbacks", "service",
	"tags", "key", "ratelimit", NULL
};

/* ,"k": with k a member name of ours, which needs no escapes. */
static int
member(struct ai_buf *b, const char *k)
{
	return ai_buf_puts(b, ",\"") == -1 || ai_buf_puts(b, k) == -1 ||
	    ai_buf_puts(b, "\":") == -1 ? -1 : 0;
}

static int
member_str(struct ai_buf *b, const char *k, const char *v)
{
	if (v == NULL)
		return 0;
	return member(b, k) == -1 ? -1 : ai_buf_jstr(b, v);
}

/* A member whose value is JSON text already, as the caller made it. */
static int
member_json(struct ai_buf *b, const char *k, const char *v, size_t len)
{
	if (v == NULL)
		return 0;
	return member(b, k) == -1 ? -1 : ai_buf_append(b, v, len);
}

static int
member_time(struct ai_buf *b, const char *k, int64_t ms)
{
	char when[32];

	if (ms == 0)
		return 0;
	ai_format_time(ms, when, sizeof(when));
	return member(b, k) == -1 ? -1 : ai_buf_jstr(b, when);
}

/* Appends the aitools object and closes the tail. */
static int
meta(struct ai_buf *b, const struct ai_meta *m)
{
	if (ai_buf_printf(b, "\"aitools\":{\"v\":%d", AI_RECORD_VERSION) ==
	    -1 || (m->line > 0 && ai_buf_printf(b, ",\"line\":%ld",
	    m->line) == -1) || member_time(b, "started", m->started_ms) == -1 ||
	    member_time(b, "finished", m->finished_ms) == -1 ||
	    member_str(b, "provider", m->provider) == -1 ||
	    member_str(b, "model", m->model) == -1)
		return -1;
	if (m->attempts > 0 && ai_buf_printf(b, ",\"attempts\":%d,"
	    "\"latency_ms\":%lld", m->attempts, (long long)m->latency_ms) == -1)
		return -1;
	if (member_str(b, "trace_id", m->trace_id) == -1 ||
	    (m->failed_attempts != NULL && (ai_buf_puts(b,
	    ",\"failed_attempts\":[") == -1 || ai_buf_append(b,
	    m->failed_attempts, m->failed_len) == -1 ||
	    ai_buf_puts(b, "]") == -1)) ||
	    (m->fallbacks != NULL && (ai_buf_puts(b, ",\"fallbacks\":[") ==
	    -1 || ai_buf_append(b, m->fallbacks, m->fallbacks_len) == -1 ||
	    ai_buf_puts(b, "]") == -1)) ||
	    member_str(b, "service", m->service) == -1 ||
	    member_json(b, "tags", m->tags, m->tags ? strlen(m->tags) : 0) ==
	    -1 || member_str(b, "key", m->key) == -1 ||
	    (m->ratelimit != NULL && m->ratelimit->have != 0 &&
	    (member(b, "ratelimit") == -1 ||
	    ai_ratelimit_json(b, m->ratelimit) == -1)) ||
	    member_json(b, "cache", m->cache, m->cache ? strlen(m->cache) : 0)
	    == -1)
		return -1;
	return ai_buf_puts(b, "}}");
}

/*
 * The tail of an answered record into t: {"response": {"status_code",
 * "request_id", "body"}, "aitools": {...}}, body being one line of JSON
 * text.
 */
int
ai_tail_response(struct ai_buf *t, long status, const char *request_id,
    const char *body, size_t len, const struct ai_meta *m)
{
	ai_buf_reset(t);
	if (ai_buf_printf(t, "{\"response\":{\"status_code\":%ld,"
	    "\"request_id\":", status) == -1 || (request_id != NULL ?
	    ai_buf_jstr(t, request_id) : ai_buf_puts(t, "null")) == -1 ||
	    ai_buf_puts(t, ",\"body\":") == -1 ||
	    ai_buf_append(t, body, len) == -1 || ai_buf_puts(t, "},") == -1)
		return -1;
	return meta(t, m);
}

/* The tail of a record answered by a stored response's JSON text. */
int
ai_tail_stored(struct ai_buf *t, const char *response, size_t len,
    const struct ai_meta *m)
{
	ai_buf_reset(t);
	if (ai_buf_puts(t, "{\"response\":") == -1 ||
	    ai_buf_append(t, response, len) == -1 || ai_buf_puts(t, ",") == -1)
		return -1;
	return meta(t, m);
}

/* The tail of a failed record: {"error": {"code", "message", "status"}}. */
int
ai_tail_error(struct ai_buf *t, enum ai_errcode code, const char *msg,
    long status, const struct ai_meta *m)
{
	ai_buf_reset(t);
	if (ai_buf_printf(t, "{\"error\":{\"code\":\"%s\",\"message\":",
	    ai_errcode_name(code)) == -1 || ai_buf_jstr(t, msg) == -1 ||
	    (status > 0 && ai_buf_printf(t, ",\"status\":%ld", status) == -1) ||
	    ai_buf_puts(t, "},") == -1)
		return -1;
	return meta(t, m);
}

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

static const char *
blanks(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	return p;
}

/*
 * The custom_id of a line too long to read, when it is the first member
 * of the object, as jq and the Batch API files put it: so that even that
 * line's error record can be matched back.  A new string, or NULL.
 */
char *
ai_record_salvage_id(const char *line, size_t len)
{
	static const char key[] = "\"custom_id\"";
	const char *p = line, *end = line + (len < 4096 ? len : 4096), *v;
	json_t *id;
	char *s = NULL, num[24];

	p = blanks(p, end);
	if (p == end || *p++ != '{')
		return NULL;
	p = blanks(p, end);
	if ((size_t)(end - p) < sizeof(key) - 1 ||
	    memcmp(p, key, sizeof(key) - 1) != 0)
		return NULL;
	p = blanks(p + sizeof(key) - 1, end);
	if (p == end || *p++ != ':')
		return NULL;
	v = p = blanks(p, end);
	if (p < end && *p == '"') {
		for (p++; p < end && *p != '"'; p++)
			if (*p == '\\' && ++p == end)
				return NULL;
		if (p++ == end)
			return NULL;
	} else
		while (p < end && ((*p >= '0' && *p <= '9') || *p == '-'))
			p++;
	id = json_loadb(v, (size_t)(p - v), JSON_DECODE_ANY, NULL);
	if (json_is_string(id))
		s = strdup(json_string_value(id));
	else if (json_is_integer(id)) {
		snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT,
		    json_integer_value(id));
		s = strdup(num);
	}
	json_decref(id);
	return s;
}

/*
 * Appends the output record of an input line that is not a record (not
 * JSON, too long): the tail alone, with the custom_id found, if any.
 */
int
ai_record_bare(struct ai_buf *out, const char *custom_id, const char *tail,
    size_t tlen)
{
	if (tlen < 2 || tail[0] != '{')
		return -1;
	if (custom_id != NULL && (ai_buf_puts(out, "{\"custom_id\":") == -1 ||
	    ai_buf_jstr(out, custom_id) == -1 || ai_buf_puts(out, ",") == -1 ||
	    ai_buf_append(out, tail + 1, tlen - 1) == -1))
		return -1;
	if (custom_id == NULL && ai_buf_append(out, tail, tlen) == -1)
		return -1;
	return ai_buf_append(out, "\n", 1);
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

/*
 * Appends line (len bytes, parsed as rec) with aitools.name set to the
 * JSON text value, and a newline: a stage's mark (ailimit's "limit"),
 * which no result replaces.  Every other member stays; a line without
 * "aitools" keeps its bytes, one with it is rebuilt.
 */
int
ai_record_mark(struct ai_buf *out, const char *line, size_t len,
    const json_t *rec, const char *name, const char *value)
{
	json_t *copy, *meta, *v;
	int r = -1;

	if (json_object_get(rec, "aitools") == NULL) {
		while (len > 0 && line[len - 1] != '}')
			len--;
		if (len == 0 || ai_buf_append(out, line, len - 1) == -1 ||
		    ai_buf_printf(out, "%s\"aitools\":{\"%s\":%s}}\n",
		    json_object_size(rec) > 0 ? "," : "", name, value) == -1)
			return -1;
		return 0;
	}
	if ((copy = json_copy((json_t *)rec)) == NULL)
		return -1;
	meta = json_object_get(copy, "aitools");
	meta = json_is_object(meta) ? json_copy(meta) : json_object();
	if (meta != NULL && (v = json_loads(value, 0, NULL)) != NULL &&
	    json_object_set_new(meta, name, v) == 0 &&
	    json_object_set(copy, "aitools", meta) == 0 &&
	    ai_buf_json(out, copy) == 0)
		r = ai_buf_append(out, "\n", 1);
	json_decref(meta);
	json_decref(copy);
	return r;
}
