/*
 * anthropic.c: Anthropic's Messages API (lib/anthropic.c): requests
 * translated from the common shape, answers and streams translated back,
 * error types mapped; and which provider a model name implies.
 */
#include <stdlib.h>
#include <string.h>

#include "aitools.h"
#include "tapjson.h"

static void
test_providers(void)
{
	ok(ai_provider_for_model("claude-sonnet-4-5") == &ai_anthropic,
	    "claude-sonnet-4-5 goes to anthropic");
	ok(ai_provider_for_model("claude-3-5-haiku-latest") == &ai_anthropic,
	    "claude-3-5-haiku-latest goes to anthropic");
	ok(ai_provider_for_model("gpt-4o") == &ai_openai, "gpt-4o: openai");
	ok(ai_provider_for_model("o3-mini") == &ai_openai, "o3-mini: openai");
	ok(ai_provider_for_model("llama3") == &ai_openai, "llama3: openai");
	ok(ai_provider_for_model("claude") == &ai_openai,
	    "claude without a dash: openai");
	ok(ai_provider_for_model(NULL) == &ai_openai, "no model: openai");
	ok(ai_provider_find("anthropic") == &ai_anthropic, "find anthropic");
	is_str(ai_anthropic.name, "anthropic", "name");
	is_str(ai_anthropic.default_base, "https://api.anthropic.com",
	    "default base URL");
	is_str(ai_anthropic.key_env, "ANTHROPIC_API_KEY", "key variable");
	is_str(ai_anthropic.base_env, "ANTHROPIC_BASE_URL",
	    "base URL variable");
	is_str(ai_anthropic.auth_header, "x-api-key: ", "auth header");
	ok(ai_anthropic.headers != NULL, "has headers");
	if (ai_anthropic.headers != NULL) {
		is_str(ai_anthropic.headers[0], "anthropic-version: 2023-06-01",
		    "  anthropic-version");
		is_str(ai_anthropic.headers[1], NULL, "  and no other");
	}
}

/*
 * Runs prepare on a body; the payload, or NULL with the error in err.
 * The body after prepare goes to *after when asked for.
 */
static char *
prepare(const char *body, int native, char *err, char **after)
{
	struct ai_call c = { 0 };
	char *out = NULL;

	err[0] = '\0';
	c.base_url = "https://api.anthropic.com";
	c.native = native;
	if ((c.body = json_loads(body, 0, NULL)) == NULL)
		diag("bad fixture: %s", body);
	if (ai_anthropic.prepare(&c, err) == 0) {
		out = strdup(c.payload.data);
		if (strcmp(c.url.data, "https://api.anthropic.com/v1/messages")
		    != 0)
			diag("url %s", c.url.data);
	}
	if (after != NULL)
		*after = dump(c.body);
	json_decref(c.body);
	ai_call_free(&c);
	return out;
}

static void
prepare_is(const char *body, const char *want, const char *what)
{
	char err[AI_ERRLEN];
	char *got = prepare(body, 0, err, NULL);

	is_str(got, want, "%s", what);
	if (got == NULL)
		diag("error: %s", err);
	free(got);
}

static void
refused(const char *body, const char *msg, const char *what)
{
	char err[AI_ERRLEN];
	char *got = prepare(body, 0, err, NULL);

	ok(got == NULL, "%s: refused", what);
	is_str(err, msg, "  the error names it");
	free(got);
}

#define COMMON "{\"model\":\"claude-sonnet-4-5\",\"messages\":[" \
	"{\"role\":\"system\",\"content\":\"Be brief.\"}," \
	"{\"role\":\"developer\",\"content\":[{\"type\":\"text\",\"text\":" \
	"\"Use French.\"}]}," \
	"{\"role\":\"user\",\"content\":\"Hi\"}," \
	"{\"role\":\"assistant\",\"content\":\"Bonjour\"}," \
	"{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":" \
	"\"What is this?\"},{\"type\":\"image_url\",\"image_url\":{\"url\":" \
	"\"data:image/png;base64,iVBORw0KGgo=\"}},{\"type\":\"image_url\"," \
	"\"image_url\":{\"url\":\"https://example.com/cat.jpg\",\"detail\":" \
	"\"high\"}}]}]," \
	"\"stop\":\"END\",\"max_completion_tokens\":100,\"user\":\"u-42\"," \
	"\"seed\":7,\"stream_options\":{\"include_usage\":true},\"n\":1," \
	"\"temperature\":0.5,\"top_p\":1,\"stream\":true}"

#define MESSAGES "{\"model\":\"claude-sonnet-4-5\",\"system\":" \
	"\"Be brief.\\n\\nUse French.\",\"messages\":[" \
	"{\"role\":\"user\",\"content\":\"Hi\"}," \
	"{\"role\":\"assistant\",\"content\":\"Bonjour\"}," \
	"{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":" \
	"\"What is this?\"},{\"type\":\"image\",\"source\":{\"type\":" \
	"\"base64\",\"media_type\":\"image/png\",\"data\":\"iVBORw0KGgo=\"}}," \
	"{\"type\":\"image\",\"source\":{\"type\":\"url\",\"url\":" \
	"\"https://example.com/cat.jpg\"}}]}]," \
	"\"stop_sequences\":[\"END\"],\"max_tokens\":100,\"metadata\":" \
	"{\"user_id\":\"u-42\"},\"temperature\":0.5,\"top_p\":1," \
	"\"stream\":true}"

#define USER "\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]"

static void
test_prepare(void)
{
	struct ai_call c = { 0 };
	char err[AI_ERRLEN], *got, *after;

	got = prepare(COMMON, 0, err, &after);
	is_str(got, MESSAGES, "a common body translated");
	is_str(err, "", "  no error");
	free(got);
	ok(after != NULL && strstr(after, "\"max_completion_tokens\":100") !=
	    NULL && strstr(after, "\"max_tokens\"") == NULL,
	    "  the common body is not changed");
	free(after);

	prepare_is("{\"model\":\"claude-x\"," USER "}",
	    "{\"model\":\"claude-x\"," USER ",\"max_tokens\":4096}",
	    "no max_tokens: 4096");
	prepare_is("{\"model\":\"claude-x\"," USER ",\"max_tokens\":7}",
	    "{\"model\":\"claude-x\"," USER ",\"max_tokens\":7}",
	    "max_tokens kept");
	prepare_is("{\"model\":\"claude-x\"," USER ",\"stop\":[\"a\",\"b\"]}",
	    "{\"model\":\"claude-x\"," USER ",\"stop_sequences\":[\"a\","
	    "\"b\"],\"max_tokens\":4096}", "a stop list: stop_sequences");
	prepare_is("{\"model\":\"claude-x\"," USER ",\"stop\":null}",
	    "{\"model\":\"claude-x\"," USER ",\"max_tokens\":4096}",
	    "stop null: left out");
	prepare_is("{\"model\":\"claude-x\",\"messages\":[{\"role\":"
	    "\"system\",\"content\":\"\"},{\"role\":\"user\",\"content\":"
	    "\"Hi\"}],\"top_k\":5,\"metadata\":{\"user_id\":\"m\"},"
	    "\"store\":false,\"service_tier\":\"auto\","
	    "\"parallel_tool_calls\":true}",
	    "{\"model\":\"claude-x\"," USER ",\"top_k\":5,"
	    "\"max_tokens\":4096}",
	    "an empty system prompt, top_k kept; OpenAI's metadata, store, "
	    "service_tier, parallel_tool_calls dropped");
	prepare_is("{\"messages\":[{\"role\":\"system\",\"content\":\"A\"},"
	    "{\"role\":\"user\",\"content\":\"Hi\"},{\"role\":\"system\","
	    "\"content\":\"B\"}]}",
	    "{\"system\":\"A\\n\\nB\"," USER ",\"max_tokens\":4096}",
	    "system messages anywhere are joined");

	refused("{\"model\":\"claude-x\"," USER ",\"n\":2}",
	    "the parameter \"n\" cannot be sent to anthropic", "n 2");
	refused("{\"model\":\"claude-x\"," USER ",\"tools\":[{\"type\":"
	    "\"function\",\"function\":{\"name\":\"f\"}}]}",
	    "the parameter \"tools\" cannot be sent to anthropic", "tools");
	refused("{\"model\":\"claude-x\"," USER ",\"response_format\":"
	    "{\"type\":\"json_object\"}}",
	    "the parameter \"response_format\" cannot be sent to anthropic",
	    "response_format");
	refused("{\"model\":\"claude-x\",\"messages\":[{\"role\":\"user\","
	    "\"content\":\"Hi\"},{\"role\":\"tool\",\"tool_call_id\":\"c\","
	    "\"content\":\"42\"}]}",
	    "messages with role \"tool\" cannot be sent to anthropic",
	    "a tool message");
	refused("{\"model\":\"claude-x\",\"messages\":[{\"content\":\"Hi\"}]}",
	    "messages with role \"?\" cannot be sent to anthropic",
	    "a message without a role");
	refused("{\"model\":\"claude-x\",\"messages\":[{\"role\":\"user\","
	    "\"content\":[{\"type\":\"input_audio\",\"input_audio\":{}}]}]}",
	    "a content part of type \"input_audio\" cannot be sent to "
	    "anthropic", "an audio part");
	refused("{\"model\":\"claude-x\",\"messages\":[{\"role\":\"user\","
	    "\"content\":\"Hi\"},{\"role\":\"assistant\",\"content\":null}]}",
	    "a message has no content", "a message with null content");

	got = prepare("{\"model\":\"claude-x\",\"max_tokens\":10,\"system\":"
	    "[{\"type\":\"text\",\"text\":\"s\",\"cache_control\":{\"type\":"
	    "\"ephemeral\"}}]," USER ",\"tools\":[{\"name\":\"f\","
	    "\"input_schema\":{\"type\":\"object\"}}]}", 1, err, NULL);
	is_str(got, "{\"model\":\"claude-x\",\"max_tokens\":10,\"system\":"
	    "[{\"type\":\"text\",\"text\":\"s\",\"cache_control\":{\"type\":"
	    "\"ephemeral\"}}]," USER ",\"tools\":[{\"name\":\"f\","
	    "\"input_schema\":{\"type\":\"object\"}}]}",
	    "native: sent as it is");
	free(got);
	got = prepare("{\"model\":\"claude-x\"," USER ",\"n\":2}", 1, err,
	    NULL);
	is_str(got, "{\"model\":\"claude-x\"," USER ",\"n\":2,"
	    "\"max_tokens\":4096}", "native without max_tokens: 4096 added, "
	    "nothing refused");
	free(got);

	c.base_url = "http://127.0.0.1:9";
	c.body = json_loads("{\"model\":\"claude-x\"," USER "}", 0, NULL);
	is_int(ai_anthropic.prepare(&c, err), 0, "prepare");
	is_str(c.url.data, "http://127.0.0.1:9/v1/messages", "  url");
	c.base_url = "https://api.anthropic.com";
	is_int(ai_anthropic.prepare(&c, err), 0, "prepare again (a retry)");
	is_str(c.url.data, "https://api.anthropic.com/v1/messages",
	    "  url replaced, not appended");
	is_str(c.payload.data, "{\"model\":\"claude-x\"," USER
	    ",\"max_tokens\":4096}", "  payload replaced, not appended");
	json_decref(c.body);
	ai_call_free(&c);
}

#define ANSWER(content, stop) "{\"id\":\"msg_01\",\"type\":\"message\"," \
	"\"role\":\"assistant\",\"model\":\"claude-sonnet-4-5-20250929\"," \
	"\"content\":[" content "],\"stop_reason\":\"" stop "\"," \
	"\"stop_sequence\":null,\"usage\":{\"input_tokens\":10," \
	"\"cache_creation_input_tokens\":3,\"cache_read_input_tokens\":5," \
	"\"output_tokens\":7}}"

static void
test_parse_ok(void)
{
	const char *a = ANSWER("{\"type\":\"text\",\"text\":\"Hello\"},"
	    "{\"type\":\"text\",\"text\":\" world\"}", "end_turn");
	struct ai_result r;
	const json_t *c, *m;

	memset(&r, 0xa5, sizeof(r));
	ai_anthropic.parse(200, a, strlen(a), &r);
	is_str(ai_errcode_name(r.code), "ok", "parse 200: ok");
	is_str(r.message, "", "  no message");
	is_int(r.native, 0, "  not native: translated");
	is_str(r.model, "claude-sonnet-4-5-20250929", "  r.model");
	is_str(json_string_value(json_object_get(r.body, "id")), "msg_01",
	    "  id");
	is_str(json_string_value(json_object_get(r.body, "object")),
	    "chat.completion", "  object chat.completion");
	ok(json_integer_value(json_object_get(r.body, "created")) > 1700000000,
	    "  created is now");
	c = json_array_get(json_object_get(r.body, "choices"), 0);
	m = json_object_get(c, "message");
	is_int(json_array_size(json_object_get(r.body, "choices")), 1,
	    "  one choice");
	is_str(json_string_value(json_object_get(m, "role")), "assistant",
	    "  role assistant");
	is_str(json_string_value(json_object_get(m, "content")),
	    "Hello world", "  content joined from the text blocks");
	ok(json_object_get(m, "tool_calls") == NULL, "  no tool_calls");
	is_str(json_string_value(json_object_get(c, "finish_reason")), "stop",
	    "  end_turn: stop");
	json_is(json_object_get(r.body, "usage"), "{\"input_tokens\":10,"
	    "\"cache_creation_input_tokens\":3,\"cache_read_input_tokens\":5,"
	    "\"output_tokens\":7,\"prompt_tokens\":18,\"completion_tokens\":7,"
	    "\"total_tokens\":25,\"prompt_tokens_details\":"
	    "{\"cached_tokens\":5}}", "  usage");
	is_int(r.usage.input, 18, "  r.usage.input: input + cache reads "
	    "+ cache writes");
	is_int(r.usage.output, 7, "  r.usage.output");
	is_int(r.usage.cached, 5, "  r.usage.cached");
	is_int(r.usage.cache_write, 3, "  r.usage.cache_write");
	is_int(r.usage.reasoning, 0, "  r.usage.reasoning");
	ai_result_free(&r);

	a = ANSWER("{\"type\":\"text\",\"text\":\"Once upon\"}", "max_tokens");
	ai_anthropic.parse(200, a, strlen(a), &r);
	is_str(json_string_value(json_object_get(json_array_get(
	    json_object_get(r.body, "choices"), 0), "finish_reason")),
	    "length", "max_tokens: length");
	ai_result_free(&r);

	a = ANSWER("{\"type\":\"text\",\"text\":\"x\"}", "stop_sequence");
	ai_anthropic.parse(200, a, strlen(a), &r);
	is_str(json_string_value(json_object_get(json_array_get(
	    json_object_get(r.body, "choices"), 0), "finish_reason")),
	    "stop", "stop_sequence: stop");
	ai_result_free(&r);

	a = ANSWER("{\"type\":\"tool_use\",\"id\":\"toolu_1\",\"name\":"
	    "\"get_weather\",\"input\":{\"location\":\"Paris\",\"days\":2}}",
	    "tool_use");
	ai_anthropic.parse(200, a, strlen(a), &r);
	is_str(ai_errcode_name(r.code), "ok", "a tool_use answer: ok");
	c = json_array_get(json_object_get(r.body, "choices"), 0);
	m = json_object_get(c, "message");
	is_str(json_string_value(json_object_get(c, "finish_reason")),
	    "tool_calls", "  tool_use: tool_calls");
	ok(json_is_null(json_object_get(m, "content")),
	    "  content null: no text");
	json_is(json_object_get(m, "tool_calls"), "[{\"id\":\"toolu_1\","
	    "\"type\":\"function\",\"function\":{\"name\":\"get_weather\","
	    "\"arguments\":\"{\\\"location\\\":\\\"Paris\\\",\\\"days\\\":2}\"}}]",
	    "  tool_calls with arguments as a JSON string");
	ai_result_free(&r);

	a = ANSWER("{\"type\":\"tool_use\",\"name\":\"f\",\"input\":{}}",
	    "tool_use");
	ai_anthropic.parse(200, a, strlen(a), &r);
	is_str(ai_errcode_name(r.code), "ok",
	    "a tool_use block without an id: ok, not \"out of memory\"");
	ai_result_free(&r);

	a = ANSWER("{\"type\":\"thinking\",\"thinking\":\"hmm\"},{\"type\":"
	    "\"text\",\"text\":\"Let me check.\"},{\"type\":\"tool_use\","
	    "\"id\":\"toolu_2\",\"name\":\"now\",\"input\":{}}", "tool_use");
	ai_anthropic.parse(200, a, strlen(a), &r);
	m = json_object_get(json_array_get(json_object_get(r.body, "choices"),
	    0), "message");
	is_str(json_string_value(json_object_get(m, "content")),
	    "Let me check.", "text and a tool call: thinking left out");
	json_is(json_object_get(m, "tool_calls"), "[{\"id\":\"toolu_2\","
	    "\"type\":\"function\",\"function\":{\"name\":\"now\","
	    "\"arguments\":\"{}\"}}]", "  empty input: arguments {}");
	ai_result_free(&r);

	a = "{\"id\":\"m\",\"model\":\"c\",\"content\":[],\"stop_reason\":"
	    "\"end_turn\"}";
	ai_anthropic.parse(200, a, strlen(a), &r);
	is_str(ai_errcode_name(r.code), "ok", "no content blocks, no usage: ok");
	is_str(json_string_value(json_object_get(json_object_get(
	    json_array_get(json_object_get(r.body, "choices"), 0), "message"),
	    "content")), "", "  content empty");
	ok(r.usage.input == 0 && r.usage.output == 0 && r.no_usage,
	    "  usage not known: 0, and said so");
	ok(json_object_get(r.body, "usage") == NULL, "  and none in the answer");
	ai_result_free(&r);
}

static void
parse_is(long status, const char *data, const char *code, const char *msg,
    int has_body)
{
	struct ai_result r;

	ai_anthropic.parse(status, data, strlen(data), &r);
	is_str(ai_errcode_name(r.code), code, "parse %ld %.50s: %s", status,
	    data, code);
	is_str(r.message, msg, "  message");
	is_int(r.body != NULL, has_body, "  body %s", has_body ? "kept" :
	    "absent");
	ai_result_free(&r);
}

#define ERR(type, msg) "{\"type\":\"error\",\"error\":{\"type\":\"" type \
	"\",\"message\":\"" msg "\"},\"request_id\":\"req_1\"}"

static void
test_parse_errors(void)
{
	parse_is(529, ERR("overloaded_error", "Overloaded"), "overloaded",
	    "Overloaded", 1);
	parse_is(503, ERR("overloaded_error", "Overloaded"), "overloaded",
	    "Overloaded", 1);
	parse_is(429, ERR("rate_limit_error", "Number of request tokens has "
	    "exceeded your per-minute rate limit"), "rate_limited",
	    "Number of request tokens has exceeded your per-minute rate limit",
	    1);
	parse_is(401, ERR("authentication_error", "invalid x-api-key"), "auth",
	    "invalid x-api-key", 1);
	parse_is(403, ERR("permission_error", "no"), "auth", "no", 1);
	parse_is(404, ERR("not_found_error", "model: claude-x"), "not_found",
	    "model: claude-x", 1);
	parse_is(400, ERR("invalid_request_error", "max_tokens: Field "
	    "required"), "bad_request", "max_tokens: Field required", 1);
	parse_is(400, ERR("invalid_request_error", "prompt is too long: "
	    "210000 tokens > 200000 maximum"), "context_length",
	    "prompt is too long: 210000 tokens > 200000 maximum", 1);
	parse_is(413, ERR("request_too_large", "Request exceeds the maximum "
	    "size"), "context_length", "Request exceeds the maximum size", 1);
	parse_is(400, ERR("invalid_request_error", "Your credit balance is "
	    "too low to access the Anthropic API."), "quota_exceeded",
	    "Your credit balance is too low to access the Anthropic API.", 1);
	parse_is(402, ERR("billing_error", "pay up"), "quota_exceeded",
	    "pay up", 1);
	parse_is(500, ERR("api_error", "Internal server error"), "server",
	    "Internal server error", 1);
	parse_is(504, ERR("timeout_error", "timed out"), "timeout",
	    "timed out", 1);
	parse_is(500, ERR("api_error", ""), "server", "HTTP 500", 1);
	parse_is(529, "<html>busy</html>", "overloaded", "HTTP 529", 0);
	parse_is(502, "", "server", "HTTP 502", 0);
	parse_is(418, ERR("teapot_error", "short and stout"), "bad_request",
	    "short and stout", 1);
	parse_is(200, "not json", "bad_response",
	    "invalid JSON in response: '[' or '{' expected near 'not'", 0);
	parse_is(200, "{\"id\":\"msg_1\"}", "bad_response",
	    "response has no content", 0);
	parse_is(200, "{\"content\":\"x\"}", "bad_response",
	    "response has no content", 0);
}

/* The pieces on_text saw, each in brackets. */
static void
on_text(void *arg, const char *s, size_t n)
{
	struct ai_buf *b = arg;

	ai_buf_puts(b, "[");
	ai_buf_append(b, s, n);
	ai_buf_puts(b, "]");
}

static void
run(const char *text, size_t step, struct ai_result *r, int *feed_rc,
    struct ai_buf *pieces)
{
	struct ai_stream st;
	size_t n = strlen(text), i, k;
	int rc = 0;

	ai_stream_init(&st, &ai_anthropic);
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
	*feed_rc = rc;
	ai_stream_finish(&st, r);
	ai_stream_free(&st);
}

#define EV(name, data) "event: " name "\ndata: " data "\n\n"
#define START EV("message_start", "{\"type\":\"message_start\",\"message\":" \
	"{\"id\":\"msg_1\",\"type\":\"message\",\"role\":\"assistant\"," \
	"\"content\":[],\"model\":\"claude-sonnet-4-5-20250929\"," \
	"\"stop_reason\":null,\"stop_sequence\":null,\"usage\":" \
	"{\"input_tokens\":10,\"cache_creation_input_tokens\":3," \
	"\"cache_read_input_tokens\":5,\"output_tokens\":1}}}")
#define BLOCK(i, b) EV("content_block_start", "{\"type\":" \
	"\"content_block_start\",\"index\":" #i ",\"content_block\":" b "}")
#define TEXT(i, t) EV("content_block_delta", "{\"type\":" \
	"\"content_block_delta\",\"index\":" #i ",\"delta\":{\"type\":" \
	"\"text_delta\",\"text\":\"" t "\"}}")
#define JSON(i, t) EV("content_block_delta", "{\"type\":" \
	"\"content_block_delta\",\"index\":" #i ",\"delta\":{\"type\":" \
	"\"input_json_delta\",\"partial_json\":\"" t "\"}}")
#define BSTOP(i) EV("content_block_stop", "{\"type\":" \
	"\"content_block_stop\",\"index\":" #i "}")
#define PING EV("ping", "{\"type\": \"ping\"}")
#define MDELTA(stop) EV("message_delta", "{\"type\":\"message_delta\"," \
	"\"delta\":{\"stop_reason\":\"" stop "\",\"stop_sequence\":null}," \
	"\"usage\":{\"output_tokens\":42}}")
#define MSTOP EV("message_stop", "{\"type\":\"message_stop\"}")

#define STREAM START BLOCK(0, "{\"type\":\"text\",\"text\":\"\"}") PING \
	TEXT(0, "Hello") TEXT(0, ", w\\u00f6rld") TEXT(0, "\\n!") BSTOP(0) \
	MDELTA("end_turn") MSTOP

static void
check_stream(const struct ai_result *r, const char *how)
{
	const json_t *c = json_array_get(json_object_get(r->body, "choices"),
	    0);

	is_str(ai_errcode_name(r->code), "ok", "stream %s: ok", how);
	is_str(r->message, "", "  no message");
	is_str(json_string_value(json_object_get(r->body, "id")), "msg_1",
	    "  id from message_start");
	is_str(r->model, "claude-sonnet-4-5-20250929", "  model");
	is_str(json_string_value(json_object_get(r->body, "object")),
	    "chat.completion", "  a chat.completion");
	is_str(json_string_value(json_object_get(json_object_get(c,
	    "message"), "content")), "Hello, w\xc3\xb6rld\n!",
	    "  content is the text deltas joined");
	is_str(json_string_value(json_object_get(c, "finish_reason")), "stop",
	    "  end_turn: stop");
	json_is(json_object_get(r->body, "usage"), "{\"input_tokens\":10,"
	    "\"cache_creation_input_tokens\":3,\"cache_read_input_tokens\":5,"
	    "\"output_tokens\":42,\"prompt_tokens\":18,\"completion_tokens\":42,"
	    "\"total_tokens\":60,\"prompt_tokens_details\":"
	    "{\"cached_tokens\":5}}", "  usage of both events merged");
	is_int(r->usage.input, 18, "  r.usage.input");
	is_int(r->usage.output, 42, "  r.usage.output");
	is_int(r->usage.cached, 5, "  r.usage.cached");
	is_int(r->usage.cache_write, 3, "  r.usage.cache_write");
}

static void
test_stream(void)
{
	struct ai_buf pieces = { 0 };
	struct ai_result r;
	int rc;

	run(STREAM, 0, &r, &rc, &pieces);
	is_int(rc, 0, "feed returns 0");
	check_stream(&r, "at once");
	is_str(pieces.data, "[Hello][, w\xc3\xb6rld][\n!]",
	    "  on_text saw the pieces in order");
	ai_result_free(&r);
	ai_buf_free(&pieces);

	run(STREAM, 1, &r, &rc, &pieces);
	is_int(rc, 0, "feed returns 0");
	check_stream(&r, "a byte at a time");
	is_str(pieces.data, "[Hello][, w\xc3\xb6rld][\n!]",
	    "  on_text saw the same pieces");
	ai_result_free(&r);
	ai_buf_free(&pieces);

	run(START BLOCK(0, "{\"type\":\"text\",\"text\":\"\"}")
	    TEXT(0, "Once") BSTOP(0) MDELTA("max_tokens") MSTOP, 0, &r, &rc,
	    NULL);
	is_str(json_string_value(json_object_get(json_array_get(
	    json_object_get(r.body, "choices"), 0), "finish_reason")),
	    "length", "max_tokens: length");
	ai_result_free(&r);

	run("data: {\"type\":\"message_start\",\"message\":{\"id\":\"m\","
	    "\"model\":\"c\",\"usage\":{\"input_tokens\":2}}}\n\n"
	    "data: {\"type\":\"content_block_delta\",\"delta\":{\"type\":"
	    "\"text_delta\",\"text\":\"x\"}}\n\n"
	    "data: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":"
	    "\"end_turn\"},\"usage\":{\"output_tokens\":1}}\n\n"
	    "event: message_stop\ndata: {}\n\n", 0, &r, &rc, NULL);
	is_str(ai_errcode_name(r.code), "ok",
	    "types in the data, or in the event name alone: ok");
	is_str(json_string_value(json_object_get(json_object_get(
	    json_array_get(json_object_get(r.body, "choices"), 0), "message"),
	    "content")), "x", "  content");
	is_int(r.usage.input, 2, "  input 2");
	is_int(r.usage.output, 1, "  output 1");
	ai_result_free(&r);

	run(START BLOCK(0, "{\"type\":\"thinking\",\"thinking\":\"\"}")
	    EV("content_block_delta", "{\"type\":\"content_block_delta\","
	    "\"index\":0,\"delta\":{\"type\":\"thinking_delta\",\"thinking\":"
	    "\"hmm\"}}") EV("content_block_delta", "{\"type\":"
	    "\"content_block_delta\",\"index\":0,\"delta\":{\"type\":"
	    "\"signature_delta\",\"signature\":\"abc\"}}") BSTOP(0)
	    BLOCK(1, "{\"type\":\"text\",\"text\":\"\"}") TEXT(1, "ok") BSTOP(1)
	    EV("some_new_event", "{\"type\":\"some_new_event\"}")
	    MDELTA("end_turn") MSTOP, 0, &r, &rc, &pieces);
	is_str(ai_errcode_name(r.code), "ok", "thinking and unknown events");
	is_str(pieces.data, "[ok]", "  only the text is shown");
	is_str(json_string_value(json_object_get(json_object_get(
	    json_array_get(json_object_get(r.body, "choices"), 0), "message"),
	    "content")), "ok", "  and kept");
	ai_result_free(&r);
	ai_buf_free(&pieces);
}

static void
test_stream_errors(void)
{
	struct ai_buf pieces = { 0 };
	struct ai_result r;
	int rc;

	run(START BLOCK(0, "{\"type\":\"text\",\"text\":\"\"}") TEXT(0, "Hel")
	    TEXT(0, "lo") BSTOP(0) MDELTA("end_turn"), 0, &r, &rc, &pieces);
	is_int(rc, 0, "no message_stop: feed returns 0");
	is_str(ai_errcode_name(r.code), "stream_truncated",
	    "  stream_truncated");
	is_str(r.message, "the stream ended before its end event, after 5 "
	    "bytes of answer", "  message");
	ok(r.body == NULL, "  no body");
	is_str(pieces.data, "[Hel][lo]", "  on_text saw what came");
	ai_result_free(&r);
	ai_buf_free(&pieces);

	run(START BLOCK(0, "{\"type\":\"text\",\"text\":\"\"}") TEXT(0, "Hel")
	    MSTOP, 0, &r, &rc, NULL);
	is_str(ai_errcode_name(r.code), "stream_truncated",
	    "message_stop without message_delta: stream_truncated");
	ai_result_free(&r);

	run(START BLOCK(0, "{\"type\":\"text\",\"text\":\"\"}") TEXT(0, "Hel")
	    EV("error", "{\"type\":\"error\",\"error\":{\"type\":"
	    "\"overloaded_error\",\"message\":\"Overloaded\"}}")
	    TEXT(0, "lo") MDELTA("end_turn") MSTOP, 0, &r, &rc, &pieces);
	is_int(rc, -1, "an error event: feed returns -1");
	is_str(ai_errcode_name(r.code), "overloaded", "  overloaded");
	is_str(r.message, "Overloaded", "  its message");
	ok(r.body == NULL, "  no body");
	is_str(pieces.data, "[Hel]", "  nothing after it shown");
	ai_result_free(&r);
	ai_buf_free(&pieces);

	run(START EV("error", "{\"type\":\"error\",\"error\":{\"type\":"
	    "\"api_error\",\"message\":\"Internal server error\"}}"), 1, &r,
	    &rc, NULL);
	is_int(rc, -1, "an api_error event, byte by byte: -1");
	is_str(ai_errcode_name(r.code), "server", "  server");
	ai_result_free(&r);

	run(START "event: content_block_delta\ndata: {\"type\":\n\n" MSTOP, 0,
	    &r, &rc, NULL);
	is_int(rc, -1, "invalid JSON: feed returns -1");
	is_str(ai_errcode_name(r.code), "bad_response", "  bad_response");
	is_str(r.message, "invalid JSON in a stream event", "  message");
	ai_result_free(&r);
}

static void
test_stream_tools(void)
{
	struct ai_result r;
	const json_t *c, *m;
	int rc;

	run(START BLOCK(0, "{\"type\":\"text\",\"text\":\"\"}")
	    TEXT(0, "Let me check.") BSTOP(0)
	    BLOCK(1, "{\"type\":\"tool_use\",\"id\":\"toolu_01\",\"name\":"
	    "\"get_weather\",\"input\":{}}") JSON(1, "") JSON(1, "{\\\"loca")
	    JSON(1, "tion\\\": \\\"Par") JSON(1, "is\\\"}") BSTOP(1)
	    BLOCK(2, "{\"type\":\"tool_use\",\"id\":\"toolu_02\",\"name\":"
	    "\"get_time\",\"input\":{}}") JSON(2, "{\\\"tz\\\":1}") BSTOP(2)
	    MDELTA("tool_use") MSTOP, 3, &r, &rc, NULL);
	is_int(rc, 0, "tool_use blocks: feed returns 0");
	is_str(ai_errcode_name(r.code), "ok", "  ok");
	c = json_array_get(json_object_get(r.body, "choices"), 0);
	m = json_object_get(c, "message");
	is_str(json_string_value(json_object_get(m, "content")),
	    "Let me check.", "  the text kept");
	json_is(json_object_get(m, "tool_calls"), "[{\"id\":\"toolu_01\","
	    "\"type\":\"function\",\"function\":{\"name\":\"get_weather\","
	    "\"arguments\":\"{\\\"location\\\": \\\"Paris\\\"}\"}},"
	    "{\"id\":\"toolu_02\",\"type\":\"function\",\"function\":{\"name\":"
	    "\"get_time\",\"arguments\":\"{\\\"tz\\\":1}\"}}]",
	    "  tool calls with the input pieces joined");
	is_str(json_string_value(json_object_get(c, "finish_reason")),
	    "tool_calls", "  tool_use: tool_calls");
	ai_result_free(&r);

	run(START BLOCK(0, "{\"type\":\"tool_use\",\"id\":\"toolu_03\","
	    "\"name\":\"now\",\"input\":{}}") JSON(0, "") BSTOP(0)
	    MDELTA("tool_use") MSTOP, 0, &r, &rc, NULL);
	m = json_object_get(json_array_get(json_object_get(r.body, "choices"),
	    0), "message");
	ok(json_is_null(json_object_get(m, "content")),
	    "a tool call alone: content null");
	json_is(json_object_get(m, "tool_calls"), "[{\"id\":\"toolu_03\","
	    "\"type\":\"function\",\"function\":{\"name\":\"now\","
	    "\"arguments\":\"{}\"}}]",
	    "  empty input: arguments {}, as in a plain answer");
	ai_result_free(&r);
}

int
main(void)
{
	test_providers();
	test_prepare();
	test_parse_ok();
	test_parse_errors();
	test_stream();
	test_stream_errors();
	test_stream_tools();
	return done();
}
