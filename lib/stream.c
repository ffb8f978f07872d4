/*
 * stream.c: a streamed answer, put together from its events into the
 * same chat.completion a plain request gets.  The provider's stream_event
 * reads its own events and calls the helpers here; a stream is whole only
 * once its end event arrived, so a stream cut short is an error
 * (stream_truncated), never a short answer.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "aitools.h"

void
ai_stream_init(struct ai_stream *st, const struct ai_provider *p)
{
	memset(st, 0, sizeof(*st));
	st->prov = p;
	st->created = (int64_t)time(NULL);
}

static int
on_event(void *arg, const char *event, const char *data, size_t len)
{
	struct ai_stream *st = arg;

	return st->prov->stream_event(st, event, data, len);
}

/* Feeds bytes of the response body; -1 when the stream cannot go on. */
int
ai_stream_feed(struct ai_stream *st, const char *p, size_t n)
{
	if (st->code != AI_OK)
		return 0;	/* an error event came: the rest is noise */
	if (ai_sse_feed(&st->sse, p, n, on_event, st) == -1) {
		if (st->code == AI_OK)
			ai_stream_error(st, AI_E_BAD_RESPONSE, "out of memory");
		return -1;
	}
	return 0;
}

/* Adds a piece of answer text, showing it at once when asked to. */
int
ai_stream_text(struct ai_stream *st, const char *s, size_t n)
{
	if (n == 0)
		return 0;
	if (ai_buf_append(&st->text, s, n) == -1)
		return -1;
	if (st->on_text != NULL)
		st->on_text(st->arg, s, n);
	return 0;
}

/*
 * Adds a piece of the arguments of tool call i.  They are kept apart
 * until the stream ends: appending to a JSON string at each piece would
 * copy it whole each time, and a stream of many small pieces would cost
 * time to the square of its length.
 */
int
ai_stream_tool_args(struct ai_stream *st, size_t i, const char *s, size_t n)
{
	struct ai_buf *v;

	if (i >= st->nargs) {
		if ((v = realloc(st->args, (i + 1) * sizeof(*v))) == NULL)
			return -1;
		memset(v + st->nargs, 0, (i + 1 - st->nargs) * sizeof(*v));
		st->args = v;
		st->nargs = i + 1;
	}
	st->tool_bytes += n;
	return ai_buf_append(&st->args[i], s, n);
}

/* The length of the arguments of tool call i so far. */
size_t
ai_stream_tool_args_len(const struct ai_stream *st, size_t i)
{
	return i < st->nargs ? st->args[i].len : 0;
}

/* Puts the arguments kept apart into the tool calls, once. */
static int
tool_args_done(struct ai_stream *st)
{
	json_t *f;
	size_t i;

	for (i = 0; i < st->nargs && i < json_array_size(st->tools); i++) {
		f = json_object_get(json_array_get(st->tools, i), "function");
		if (f != NULL && st->args[i].len > 0 && json_object_set_new(f,
		    "arguments", json_stringn(st->args[i].data,
		    st->args[i].len)) == -1)
			return -1;
	}
	return 0;
}

/*
 * Copies the string v, if it is one, into dst of size bytes, cut on a
 * character boundary so that it stays valid UTF-8.
 */
void
ai_stream_copy(char *dst, size_t size, const json_t *v)
{
	const char *s = json_string_value(v);
	size_t n;

	if (s == NULL || size == 0)
		return;
	if ((n = json_string_length(v)) >= size) {
		n = size - 1;
		while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
			n--;
	}
	memcpy(dst, s, n);
	dst[n] = '\0';
}

/* The stream failed: an error event, or an event that makes no sense. */
void
ai_stream_error(struct ai_stream *st, enum ai_errcode code, const char *msg)
{
	if (st->code != AI_OK)
		return;
	st->code = code;
	ai_text_utf8(st->message, sizeof(st->message), msg, strlen(msg));
}

/*
 * The assistant message: its text, or null when it is only a refusal or
 * tool calls, as a plain answer has it.
 */
static json_t *
message(const struct ai_stream *st)
{
	const struct ai_buf *t = &st->text, *r = &st->refusal;
	int bare = t->len == 0 && (r->len > 0 || st->tools != NULL);
	json_t *m;

	m = json_pack("{s:s,s:o,s:o}", "role", "assistant",
	    "content", bare ? json_null() : json_stringn(t->len > 0 ?
	    t->data : "", t->len),
	    "refusal", r->len > 0 ? json_stringn(r->data, r->len) :
	    json_null());
	if (m != NULL && st->tools != NULL &&
	    json_object_set(m, "tool_calls", st->tools) == -1) {
		json_decref(m);
		return NULL;
	}
	return m;
}

static json_t *
completion(const struct ai_stream *st)
{
	json_t *m, *c;

	if ((m = message(st)) == NULL)
		return NULL;
	c = json_pack("{s:s,s:s,s:I,s:s,s:[{s:i,s:o,s:n,s:s}],s:O?}",
	    "id", st->id, "object", "chat.completion",
	    "created", (json_int_t)st->created, "model", st->model,
	    "choices", "index", 0, "message", m, "logprobs",
	    "finish_reason", st->finish, "usage", st->usage);
	if (c != NULL && st->extra != NULL &&
	    json_object_update_missing(c, st->extra) == -1) {
		json_decref(c);
		return NULL;
	}
	return c;
}

/* Ends the stream: the whole answer as a chat.completion, or its error. */
void
ai_stream_finish(struct ai_stream *st, struct ai_result *r)
{
	memset(r, 0, sizeof(*r));
	if (st->code == AI_OK && (!st->terminal || st->finish[0] == '\0')) {
		st->code = AI_E_STREAM_TRUNCATED;
		snprintf(st->message, sizeof(st->message), "the stream ended "
		    "before its end event, after %zu bytes of answer",
		    st->text.len);
	}
	if ((r->code = st->code) != AI_OK) {
		snprintf(r->message, sizeof(r->message), "%s", st->message);
		return;
	}
	if (tool_args_done(st) == -1 || (r->body = completion(st)) == NULL) {
		r->code = AI_E_BAD_RESPONSE;
		snprintf(r->message, sizeof(r->message), "out of memory");
		return;
	}
	r->model = json_string_value(json_object_get(r->body, "model"));
	r->no_usage = ai_usage_from_openai(json_object_get(r->body, "usage"),
	    &r->usage) == -1;
}

/*
 * The bytes the stream holds so far: a line or event not yet ended, and
 * the answer put together.  A stream's own bytes are not kept, so this
 * is what a limit on an answer's memory must count.
 */
size_t
ai_stream_held(const struct ai_stream *st)
{
	return st->sse.line.len + st->sse.data.len + st->text.len +
	    st->refusal.len + st->tool_bytes;
}

void
ai_stream_free(struct ai_stream *st)
{
	ai_sse_free(&st->sse);
	ai_buf_free(&st->text);
	ai_buf_free(&st->refusal);
	while (st->nargs > 0)
		ai_buf_free(&st->args[--st->nargs]);
	free(st->args);
	st->args = NULL;
	st->tool_bytes = 0;
	json_decref(st->tools);
	json_decref(st->usage);
	json_decref(st->extra);
	st->tools = st->usage = st->extra = NULL;
}
