/*
 * stream.c: streamed answers put together (lib/stream.c) from OpenAI
 * chat.completion.chunk events (lib/openai.c), and the stream_options
 * that OpenAI's prepare adds.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "aitools.h"
#include "tapjson.h"

/* The pieces on_text saw, each in brackets. */
static void
on_text(void *arg, const char *s, size_t n)
{
	struct ai_buf *b = arg;

	ai_buf_puts(b, "[");
	ai_buf_append(b, s, n);
	ai_buf_puts(b, "]");
}

/*
 * Feeds text in pieces of step bytes (0: all at once) and finishes.  The
 * last feed's return goes to *feed_rc, the pieces on_text saw to pieces.
 */
static void
run(const struct ai_provider *p, const char *text, size_t step,
    struct ai_result *r, int *feed_rc, struct ai_buf *pieces)
{
	struct ai_stream st;
	size_t n = strlen(text), i, k;
	int rc = 0;

	ai_stream_init(&st, p);
	if (pieces != NULL) {
		st.on_text = on_text;
		st.arg = pieces;
	}
	if (step == 0)
		step = n > 0 ? n : 1;
	for (i = 0; i < n; i += k) {
		k = n - i < step ? n - i : step;
		if (ai_stream_feed(&st, text + i, k) == -1)
			rc = -1;
	}
	if (feed_rc != NULL)
		*feed_rc = rc;
	ai_stream_finish(&st, r);
	ai_stream_free(&st);
}

static const char *
choice_str(const json_t *body, const char *k1, const char *k2)
{
	const json_t *c = json_array_get(json_object_get(body, "choices"), 0);

	c = json_object_get(c, k1);
	if (k2 != NULL)
		c = json_object_get(c, k2);
	return json_string_value(c);
}

#define ROLE	"data: {\"id\":\"chatcmpl-9\",\"object\":" \
	"\"chat.completion.chunk\",\"created\":1700000000,\"model\":" \
	"\"gpt-4o-2024-08-06\",\"system_fingerprint\":\"fp_1\",\"choices\":" \
	"[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"," \
	"\"refusal\":null},\"logprobs\":null,\"finish_reason\":null}]," \
	"\"usage\":null}\n\n"
#define PIECE(t) "data: {\"id\":\"chatcmpl-9\",\"object\":" \
	"\"chat.completion.chunk\",\"created\":1700000000,\"model\":" \
	"\"gpt-4o-2024-08-06\",\"choices\":[{\"index\":0,\"delta\":" \
	"{\"content\":\"" t "\"},\"logprobs\":null,\"finish_reason\":null}]," \
	"\"usage\":null}\n\n"
#define FINISH(f) "data: {\"id\":\"chatcmpl-9\",\"object\":" \
	"\"chat.completion.chunk\",\"created\":1700000000,\"model\":" \
	"\"gpt-4o-2024-08-06\",\"choices\":[{\"index\":0,\"delta\":{}," \
	"\"logprobs\":null,\"finish_reason\":\"" f "\"}],\"usage\":null}\n\n"
#define USAGE_OBJ "{\"prompt_tokens\":19,\"completion_tokens\":10," \
	"\"total_tokens\":29,\"prompt_tokens_details\":{\"cached_tokens\":3," \
	"\"audio_tokens\":0},\"completion_tokens_details\":" \
	"{\"reasoning_tokens\":2,\"audio_tokens\":0}}"
#define USAGE	"data: {\"id\":\"chatcmpl-9\",\"object\":" \
	"\"chat.completion.chunk\",\"created\":1700000000,\"model\":" \
	"\"gpt-4o-2024-08-06\",\"choices\":[],\"usage\":" USAGE_OBJ "}\n\n"
#define DONE	"data: [DONE]\n\n"

#define FULL	ROLE PIECE("Hel") PIECE("lo, ") PIECE("w\\u00f6rld") \
	PIECE("\\n!") FINISH("stop") USAGE DONE

static void
check_full(const struct ai_result *r, const char *how)
{
	const json_t *c;

	is_str(ai_errcode_name(r->code), "ok", "full stream %s: ok", how);
	is_str(r->message, "", "  no message");
	is_int(r->native, 0, "  not native");
	is_str(json_string_value(json_object_get(r->body, "object")),
	    "chat.completion", "  object chat.completion");
	is_str(json_string_value(json_object_get(r->body, "id")),
	    "chatcmpl-9", "  id from the chunks");
	is_str(json_string_value(json_object_get(r->body, "model")),
	    "gpt-4o-2024-08-06", "  model from the chunks");
	is_str(r->model, "gpt-4o-2024-08-06", "  r.model");
	is_int(json_integer_value(json_object_get(r->body, "created")),
	    1700000000, "  created from the chunks");
	c = json_array_get(json_object_get(r->body, "choices"), 0);
	is_int(json_array_size(json_object_get(r->body, "choices")), 1,
	    "  one choice");
	is_int(json_integer_value(json_object_get(c, "index")), 0,
	    "  index 0");
	is_str(choice_str(r->body, "message", "role"), "assistant",
	    "  role assistant");
	is_str(choice_str(r->body, "message", "content"),
	    "Hello, w\xc3\xb6rld\n!", "  content is the pieces joined");
	ok(json_is_null(json_object_get(json_object_get(c, "message"),
	    "refusal")), "  refusal null");
	ok(json_object_get(json_object_get(c, "message"), "tool_calls") ==
	    NULL, "  no tool_calls");
	is_str(choice_str(r->body, "finish_reason", NULL), "stop",
	    "  finish_reason stop");
	json_is(json_object_get(r->body, "usage"), USAGE_OBJ,
	    "  usage copied as it came");
	is_int(r->usage.input, 19, "  r.usage.input");
	is_int(r->usage.output, 10, "  r.usage.output");
	is_int(r->usage.cached, 3, "  r.usage.cached");
	is_int(r->usage.reasoning, 2, "  r.usage.reasoning");
	is_int(r->usage.cache_write, 0, "  r.usage.cache_write");
}

static void
test_full(void)
{
	struct ai_buf pieces = { 0 };
	struct ai_result r;
	int rc;

	run(&ai_openai, FULL, 0, &r, &rc, &pieces);
	is_int(rc, 0, "feed returns 0");
	check_full(&r, "at once");
	is_str(pieces.data, "[Hel][lo, ][w\xc3\xb6rld][\n!]",
	    "  on_text saw the pieces in order");
	ai_result_free(&r);
	ai_buf_free(&pieces);

	run(&ai_openai, FULL, 1, &r, &rc, &pieces);
	is_int(rc, 0, "feed returns 0");
	check_full(&r, "a byte at a time");
	is_str(pieces.data, "[Hel][lo, ][w\xc3\xb6rld][\n!]",
	    "  on_text saw the same pieces");
	ai_result_free(&r);
	ai_buf_free(&pieces);

	run(&ai_openai, ROLE FINISH("length") DONE, 7, &r, &rc, NULL);
	is_str(ai_errcode_name(r.code), "ok", "no content at all: ok");
	is_str(choice_str(r.body, "message", "content"), "",
	    "  content empty");
	is_str(choice_str(r.body, "finish_reason", NULL), "length",
	    "  finish_reason length");
	ok(json_is_null(json_object_get(r.body, "usage")),
	    "  usage null when none came");
	is_int(r.usage.input, 0, "  r.usage.input 0");
	ai_result_free(&r);

	run(&ai_openai, "data:" "{\"choices\":[{\"delta\":{\"content\":\"x\"},"
	    "\"finish_reason\":\"stop\"}]}\r\n\r\ndata:[DONE]\r\n\r\n", 0, &r,
	    &rc, NULL);
	is_str(ai_errcode_name(r.code), "ok",
	    "CRLF and no spaces, a minimal server: ok");
	is_str(choice_str(r.body, "message", "content"), "x", "  content");
	is_str(json_string_value(json_object_get(r.body, "id")), "",
	    "  id empty");
	ai_result_free(&r);
}

static void
test_truncated(void)
{
	struct ai_buf pieces = { 0 };
	struct ai_result r;
	int rc;

	run(&ai_openai, ROLE PIECE("Hel") PIECE("lo") FINISH("stop") USAGE, 0,
	    &r, &rc, &pieces);
	is_int(rc, 0, "no [DONE]: feed returns 0");
	is_str(ai_errcode_name(r.code), "stream_truncated",
	    "  stream_truncated");
	is_str(r.message, "the stream ended before its end event, after 5 "
	    "bytes of answer", "  message");
	ok(r.body == NULL, "  no body");
	is_str(pieces.data, "[Hel][lo]", "  on_text saw what came");
	ai_result_free(&r);
	ai_buf_free(&pieces);

	run(&ai_openai, ROLE PIECE("Hel") DONE, 0, &r, &rc, NULL);
	is_str(ai_errcode_name(r.code), "stream_truncated",
	    "[DONE] without a finish_reason: stream_truncated");
	ai_result_free(&r);

	run(&ai_openai, FULL, strlen(FULL) - 1, &r, &rc, NULL);
	is_str(ai_errcode_name(r.code), "ok",
	    "fed in two pieces, the last byte alone: ok");
	ai_result_free(&r);

	run(&ai_openai, ROLE PIECE("a") FINISH("stop") "data: [DONE]\n", 0,
	    &r, &rc, NULL);
	is_str(ai_errcode_name(r.code), "stream_truncated",
	    "[DONE] not ended by a blank line: stream_truncated");
	ai_result_free(&r);

	run(&ai_openai, "", 0, &r, &rc, NULL);
	is_str(ai_errcode_name(r.code), "stream_truncated",
	    "nothing at all: stream_truncated");
	is_str(r.message, "the stream ended before its end event, after 0 "
	    "bytes of answer", "  message");
	ai_result_free(&r);
}

static void
test_errors(void)
{
	struct ai_buf pieces = { 0 };
	struct ai_result r;
	int rc;

	run(&ai_openai, ROLE PIECE("Hel") "data: {\"error\":{\"message\":"
	    "\"The server had an error while processing your request.\","
	    "\"type\":\"server_error\",\"param\":null,\"code\":null}}\n\n"
	    PIECE("lo") FINISH("stop") DONE, 0, &r, &rc, &pieces);
	is_int(rc, -1, "an error event: feed returns -1");
	is_str(ai_errcode_name(r.code), "server", "  code server");
	is_str(r.message, "The server had an error while processing your "
	    "request.", "  its message");
	ok(r.body == NULL, "  no body");
	is_str(pieces.data, "[Hel]", "  nothing after the error is shown");
	ai_result_free(&r);
	ai_buf_free(&pieces);

	run(&ai_openai, ROLE "data: {\"error\":{\"message\":\"This model's "
	    "maximum context length is 128000 tokens.\",\"type\":"
	    "\"invalid_request_error\",\"code\":\"context_length_exceeded\"}}"
	    "\n\n", 1, &r, &rc, NULL);
	is_int(rc, -1, "context_length_exceeded event, byte by byte: -1");
	is_str(ai_errcode_name(r.code), "context_length",
	    "  code context_length");
	ai_result_free(&r);

	run(&ai_openai, "data: {\"error\":{\"message\":\"You exceeded your "
	    "current quota\",\"type\":\"insufficient_quota\"}}\n\n", 0, &r, &rc,
	    NULL);
	is_str(ai_errcode_name(r.code), "quota_exceeded",
	    "insufficient_quota event: quota_exceeded");
	ai_result_free(&r);

	run(&ai_openai, "data: {\"error\":\"something broke\"}\n\n", 0, &r,
	    &rc, NULL);
	is_str(ai_errcode_name(r.code), "server",
	    "a string error: server");
	is_str(r.message, "something broke", "  its message");
	ai_result_free(&r);

	run(&ai_openai, "data: {\"error\":{\"message\":\"Overloaded\","
	    "\"type\":\"overloaded_error\"}}\n\n", 0, &r, &rc, NULL);
	is_str(ai_errcode_name(r.code), "overloaded",
	    "an overloaded_error event: overloaded");
	ai_result_free(&r);

	run(&ai_openai, ROLE "data: {\"choices\": [\n\n" DONE, 0, &r, &rc,
	    NULL);
	is_int(rc, -1, "an invalid JSON event: feed returns -1");
	is_str(ai_errcode_name(r.code), "bad_response", "  bad_response");
	is_str(r.message, "invalid JSON in a stream event", "  message");
	ai_result_free(&r);

	run(&ai_openai, "data: [1,2]\n\n" DONE, 0, &r, &rc, NULL);
	is_str(ai_errcode_name(r.code), "bad_response",
	    "an event not an object: bad_response");
	ai_result_free(&r);
}

#define TOOL(i, rest) "data: {\"id\":\"chatcmpl-t\",\"model\":\"gpt-4o\"," \
	"\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":" \
	#i "," rest "}]},\"finish_reason\":null}]}\n\n"

static void
test_tools(void)
{
	struct ai_result r;
	const json_t *m;
	int rc;

	run(&ai_openai, "data: {\"id\":\"chatcmpl-t\",\"model\":\"gpt-4o\","
	    "\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\","
	    "\"content\":null},\"finish_reason\":null}]}\n\n"
	    TOOL(0, "\"id\":\"call_A\",\"type\":\"function\",\"function\":"
	    "{\"name\":\"get_weather\",\"arguments\":\"\"}")
	    TOOL(0, "\"function\":{\"arguments\":\"{\\\"loc\"}")
	    TOOL(0, "\"function\":{\"arguments\":\"ation\\\": \\\"Par\"}")
	    TOOL(0, "\"function\":{\"arguments\":\"is\\\"}\"}")
	    TOOL(1, "\"id\":\"call_B\",\"type\":\"function\",\"function\":"
	    "{\"name\":\"get_time\",\"arguments\":\"\"}")
	    TOOL(1, "\"function\":{\"arguments\":\"{}\"}")
	    "data: {\"id\":\"chatcmpl-t\",\"choices\":[{\"index\":0,\"delta\":"
	    "{},\"finish_reason\":\"tool_calls\"}]}\n\n" DONE, 5, &r, &rc, NULL);
	is_int(rc, 0, "tool call deltas: feed returns 0");
	is_str(ai_errcode_name(r.code), "ok", "  ok");
	m = json_object_get(json_array_get(json_object_get(r.body, "choices"),
	    0), "message");
	ok(json_is_null(json_object_get(m, "content")),
	    "  content null: there was no text");
	json_is(json_object_get(m, "tool_calls"), "[{\"id\":\"call_A\","
	    "\"type\":\"function\",\"function\":{\"name\":\"get_weather\","
	    "\"arguments\":\"{\\\"location\\\": \\\"Paris\\\"}\"}},"
	    "{\"id\":\"call_B\",\"type\":\"function\",\"function\":{\"name\":"
	    "\"get_time\",\"arguments\":\"{}\"}}]",
	    "  tool calls merged: ids, names, arguments joined");
	is_str(choice_str(r.body, "finish_reason", NULL), "tool_calls",
	    "  finish_reason tool_calls");
	ai_result_free(&r);

	run(&ai_openai, PIECE("Let me look.")
	    TOOL(0, "\"id\":\"call_A\",\"type\":\"function\",\"function\":"
	    "{\"name\":\"f\",\"arguments\":\"{\\\"a\\\":\"}")
	    TOOL(0, "\"function\":{\"arguments\":\"1}\"}")
	    FINISH("tool_calls") DONE, 0, &r, &rc, NULL);
	m = json_object_get(json_array_get(json_object_get(r.body, "choices"),
	    0), "message");
	is_str(json_string_value(json_object_get(m, "content")),
	    "Let me look.", "text and a tool call: the text kept");
	json_is(json_object_get(m, "tool_calls"), "[{\"id\":\"call_A\","
	    "\"type\":\"function\",\"function\":{\"name\":\"f\","
	    "\"arguments\":\"{\\\"a\\\":1}\"}}]", "  the tool call");
	ai_result_free(&r);

	run(&ai_openai, TOOL(5000, "\"id\":\"x\"") FINISH("stop") DONE, 0, &r,
	    &rc, NULL);
	is_int(rc, -1, "an absurd tool call index: feed returns -1");
	is_str(ai_errcode_name(r.code), "bad_response", "  bad_response");
	ai_result_free(&r);
}

/* Runs OpenAI's prepare on a body; the payload, or NULL when it failed. */
static char *
prepare(const char *body)
{
	char err[AI_ERRLEN] = "";
	struct ai_call c = { 0 };
	char *out = NULL;

	c.base_url = "http://localhost:1/v1";
	c.body = json_loads(body, 0, NULL);
	if (c.body == NULL)
		diag("bad fixture: %s", body);
	if (ai_openai.prepare(&c, err) == 0)
		out = strdup(c.payload.data);
	else
		diag("prepare: %s", err);
	json_decref(c.body);
	ai_call_free(&c);
	return out;
}

static void
prepare_is(const char *body, const char *want, const char *what)
{
	char *got = prepare(body);

	is_str(got, want, "%s", what);
	free(got);
}

static void
test_prepare(void)
{
	prepare_is("{\"model\":\"m\",\"stream\":true}",
	    "{\"model\":\"m\",\"stream\":true,\"stream_options\":"
	    "{\"include_usage\":true}}", "stream true: include_usage added");
	prepare_is("{\"model\":\"m\",\"stream\":true,\"stream_options\":"
	    "{\"include_usage\":false}}",
	    "{\"model\":\"m\",\"stream\":true,\"stream_options\":"
	    "{\"include_usage\":false}}", "stream_options given: kept as is");
	prepare_is("{\"model\":\"m\",\"stream\":true,\"stream_options\":null}",
	    "{\"model\":\"m\",\"stream\":true,\"stream_options\":null}",
	    "stream_options null: kept as is");
	prepare_is("{\"model\":\"m\",\"stream\":false}",
	    "{\"model\":\"m\",\"stream\":false}", "stream false: nothing added");
	prepare_is("{\"model\":\"m\"}", "{\"model\":\"m\"}",
	    "no stream: nothing added");
	prepare_is("{\"model\":\"m\",\"stream\":1}", "{\"model\":\"m\","
	    "\"stream\":1}", "stream 1 (not true): nothing added");
}

/* Fixes found in review: each failed before. */
static void
test_review_fixes(void)
{
	struct ai_result r;
	char model[8];
	json_t *v;

	/* A refusal streamed in delta.refusal is kept, content null. */
	run(&ai_openai, ROLE "data: {\"id\":\"c\",\"choices\":[{\"index\":0,"
	    "\"delta\":{\"refusal\":\"I can\\u2019t \"}}]}\n\n"
	    "data: {\"id\":\"c\",\"choices\":[{\"index\":0,\"delta\":"
	    "{\"refusal\":\"help.\"}}]}\n\n" FINISH("stop") DONE, 0, &r, NULL,
	    NULL);
	json_is(json_object_get(json_array_get(json_object_get(r.body,
	    "choices"), 0), "message"), "{\"role\":\"assistant\",\"content\":"
	    "null,\"refusal\":\"I can\u2019t help.\"}",
	    "a streamed refusal is kept, content null");
	ai_result_free(&r);

	/* With n > 1 the other choices' chunks do not join the first. */
	run(&ai_openai, ROLE PIECE("A") "data: {\"id\":\"c\",\"choices\":"
	    "[{\"index\":1,\"delta\":{\"content\":\"B\"}}]}\n\n" PIECE("a")
	    FINISH("stop") DONE, 0, &r, NULL, NULL);
	is_str(choice_str(r.body, "message", "content"), "Aa",
	    "chunks of choice 1 are not mixed into choice 0");
	ai_result_free(&r);

	/* An error event naming a request error is not a server error. */
	run(&ai_openai, ROLE "data: {\"error\":{\"type\":"
	    "\"invalid_request_error\",\"message\":\"bad\"}}\n\n", 0, &r,
	    NULL, NULL);
	is_int(r.code, AI_E_BAD_REQUEST, "an invalid_request_error event is "
	    "bad_request, not retried");
	ai_result_free(&r);

	/* Members every chunk repeats are kept, as a plain answer has them. */
	run(&ai_openai, FULL, 0, &r, NULL, NULL);
	is_str(json_string_value(json_object_get(r.body, "system_fingerprint")),
	    "fp_1", "system_fingerprint is kept");
	ai_result_free(&r);

	/* A long value is cut on a character boundary. */
	v = json_string("abcde\xc3\xa9");	/* "abcde" and a 2-byte e-acute */
	memset(model, 'x', sizeof(model));
	ai_stream_copy(model, 7, v);
	is_str(model, "abcde", "cut before a character that does not fit");
	ai_stream_copy(model, sizeof(model), v);
	is_str(model, "abcde\xc3\xa9", "kept whole when it fits");
	json_decref(v);

	/* A tool call index out of range says so, not "out of memory". */
	run(&ai_openai, ROLE "data: {\"choices\":[{\"index\":0,\"delta\":"
	    "{\"tool_calls\":[{\"index\":5000}]}}]}\n\n" FINISH("stop") DONE,
	    0, &r, NULL, NULL);
	is_str(r.message, "a tool call index out of range in the stream",
	    "a bad tool call index is named");
	ai_result_free(&r);
}

/* CPU time of this process, in microseconds: the load of others aside. */
static int64_t
cpu_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/*
 * n small pieces of tool arguments put together; the CPU time it took,
 * or -1 when they were not all there, whole.
 */
static int64_t
pieces(int n)
{
	static const char piece[] = "data: {\"choices\":[{\"index\":0,"
	    "\"delta\":{\"tool_calls\":[{\"index\":0,\"function\":"
	    "{\"arguments\":\"xy\"}}]}}]}\n\n";
	struct ai_stream st;
	struct ai_result r;
	const json_t *args;
	int64_t t0 = cpu_us(), t;
	size_t held;
	int i;

	ai_stream_init(&st, &ai_openai);
	for (i = 0; i < n; i++)
		ai_stream_feed(&st, piece, sizeof(piece) - 1);
	held = ai_stream_held(&st);
	ai_stream_feed(&st, FINISH("tool_calls") DONE,
	    strlen(FINISH("tool_calls") DONE));
	ai_stream_finish(&st, &r);
	t = cpu_us() - t0;
	args = json_object_get(json_object_get(json_array_get(json_object_get(
	    json_object_get(json_array_get(json_object_get(r.body, "choices"),
	    0), "message"), "tool_calls"), 0), "function"), "arguments");
	if (held != 2 * (size_t)n || json_string_length(args) != 2 * (size_t)n)
		t = -1;
	ai_result_free(&r);
	ai_stream_free(&st);
	return t;
}

/*
 * Many small pieces of tool arguments: put together in time linear in
 * their length (appending each to a JSON string copied it whole), and
 * counted in what the stream holds.  Four times the pieces take about
 * four times the time, not sixteen.
 */
static void
test_many_pieces(void)
{
	int64_t small = pieces(50000), big = pieces(200000);

	ok(small > 0 && big > 0, "200,000 pieces: held, and put together whole");
	ok(big < 8 * (small > 1000 ? small : 1000),
	    "  in linear time (%lld ms for 4 times the %lld ms of 50,000)",
	    (long long)big / 1000, (long long)small / 1000);
}

int
main(void)
{
	test_many_pieces();
	test_review_fixes();
	test_full();
	test_truncated();
	test_errors();
	test_tools();
	test_prepare();
	return done();
}
