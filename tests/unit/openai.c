/*
 * openai.c: the OpenAI wire format (lib/openai.c) and the provider table
 * (lib/provider.c).
 */
#include <stdlib.h>
#include <string.h>

#include "aitools.h"
#include "tap.h"

static void
test_providers(void)
{
	ok(ai_provider_find("openai") == &ai_openai, "find openai");
	ok(ai_provider_find("nope") == NULL, "find an unknown name: NULL");
	ok(ai_provider_for_model("gpt-4o-mini") == &ai_openai,
	    "gpt models go to openai");
	ok(ai_provider_for_model("llama3") == &ai_openai,
	    "so does any other model");
	is_str(ai_openai.default_base, "https://api.openai.com/v1",
	    "default base URL");
	is_str(ai_openai.key_env, "OPENAI_API_KEY", "key variable");
	is_str(ai_openai.base_env, "OPENAI_BASE_URL", "base URL variable");
	is_str(ai_openai.auth_header, "Authorization: Bearer ", "auth header");
}

static void
test_prepare(void)
{
	char err[AI_ERRLEN] = "";
	struct ai_call c = { 0 };
	json_t *body;

	body = json_loads("{\"model\": \"gpt-x\", \"messages\": [{\"role\":"
	    " \"user\", \"content\": \"caf\\u00e9\"}], \"max_tokens\": 5}",
	    0, NULL);
	c.base_url = "http://127.0.0.1:8080/v1";
	c.body = body;
	is_int(ai_openai.prepare(&c, err), 0, "prepare");
	is_str(c.url.data, "http://127.0.0.1:8080/v1/chat/completions",
	    "  url");
	is_str(c.payload.data, "{\"model\":\"gpt-x\",\"messages\":[{\"role\":"
	    "\"user\",\"content\":\"caf\xc3\xa9\"}],\"max_tokens\":5}",
	    "  payload is the body, compact");
	c.base_url = "https://api.openai.com/v1";
	is_int(ai_openai.prepare(&c, err), 0, "prepare again (a retry)");
	is_str(c.url.data, "https://api.openai.com/v1/chat/completions",
	    "  url replaced, not appended");
	is_int(c.payload.len, strlen("{\"model\":\"gpt-x\",\"messages\":"
	    "[{\"role\":\"user\",\"content\":\"caf\xc3\xa9\"}],"
	    "\"max_tokens\":5}"), "  payload replaced, not appended");
	ok(json_object_size(body) == 3, "  the body is not changed");
	ai_call_free(&c);
	ok(c.url.data == NULL && c.payload.data == NULL, "ai_call_free");
	json_decref(body);
}

#define OK_BODY \
	"{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion\"," \
	"\"model\":\"gpt-x-2025\",\"choices\":[{\"index\":0,\"message\":" \
	"{\"role\":\"assistant\",\"content\":\"Hi\"},\"finish_reason\":" \
	"\"stop\"}],\"usage\":{\"prompt_tokens\":12,\"completion_tokens\":7," \
	"\"total_tokens\":19,\"prompt_tokens_details\":{\"cached_tokens\":4}," \
	"\"completion_tokens_details\":{\"reasoning_tokens\":3}}}"

static void
test_parse_ok(void)
{
	struct ai_result r;

	memset(&r, 0xa5, sizeof(r));
	ai_openai.parse(200, OK_BODY, strlen(OK_BODY), &r);
	is_str(ai_errcode_name(r.code), "ok", "parse 200: ok");
	is_str(r.message, "", "  no message");
	is_str(r.model, "gpt-x-2025", "  model from the body");
	is_str(json_string_value(json_object_get(r.body, "id")), "chatcmpl-1",
	    "  body kept");
	ok(r.usage.input == 12 && r.usage.output == 7 && r.usage.cached == 4 &&
	    r.usage.reasoning == 3 && r.usage.cache_write == 0,
	    "  usage 12/7, cached 4, reasoning 3");
	ai_result_free(&r);
	ok(r.body == NULL, "ai_result_free clears the body");

	ai_openai.parse(200, "{\"choices\":[]}", 14, &r);
	is_str(ai_errcode_name(r.code), "ok", "parse 200 with empty choices");
	ok(r.model == NULL && r.usage.input == 0, "  no model, no usage");
	ai_result_free(&r);
}

/* Parses a reply and checks its code, message and kept body. */
static void
parse_is(long status, const char *data, const char *code, const char *msg,
    int has_body)
{
	struct ai_result r;

	ai_openai.parse(status, data, strlen(data), &r);
	is_str(ai_errcode_name(r.code), code, "parse %ld %.40s: %s", status,
	    data, code);
	is_str(r.message, msg, "  message");
	is_int(r.body != NULL, has_body, "  body %s", has_body ? "kept" :
	    "absent");
	ai_result_free(&r);
}

static void
test_parse_errors(void)
{
	parse_is(401, "{\"error\":{\"message\":\"Incorrect API key provided\","
	    "\"type\":\"invalid_request_error\",\"param\":null,"
	    "\"code\":\"invalid_api_key\"}}", "auth",
	    "Incorrect API key provided", 1);
	parse_is(429, "{\"error\":{\"message\":\"You exceeded your current "
	    "quota\",\"type\":\"insufficient_quota\",\"code\":"
	    "\"insufficient_quota\"}}", "quota_exceeded",
	    "You exceeded your current quota", 1);
	parse_is(429, "{\"error\":{\"message\":\"Rate limit reached\","
	    "\"type\":\"requests\",\"code\":\"rate_limit_exceeded\"}}",
	    "rate_limited", "Rate limit reached", 1);
	parse_is(400, "{\"error\":{\"message\":\"This model's maximum context "
	    "length is 8192 tokens\",\"type\":\"invalid_request_error\","
	    "\"code\":\"context_length_exceeded\"}}", "context_length",
	    "This model's maximum context length is 8192 tokens", 1);
	parse_is(400, "{\"error\":{\"message\":\"bad\",\"type\":"
	    "\"invalid_request_error\",\"code\":null}}", "bad_request", "bad",
	    1);
	parse_is(404, "{\"error\":\"model 'x' not found\"}", "not_found",
	    "model 'x' not found", 1);
	parse_is(500, "{\"error\":{\"message\":\"\",\"type\":"
	    "\"server_error\"}}", "server", "HTTP 500", 1);
	parse_is(503, "{}", "server", "HTTP 503", 1);
	parse_is(502, "<html><body>Bad Gateway</body></html>", "server",
	    "HTTP 502", 0);
	parse_is(408, "", "timeout", "HTTP 408", 0);
	parse_is(200, "", "bad_response",
	    "invalid JSON in response: '[' or '{' expected near end of file",
	    0);
	parse_is(200, "{\"choices\":", "bad_response",
	    "invalid JSON in response: unexpected token near end of file", 0);
	parse_is(200, "{\"id\":\"x\"}", "bad_response",
	    "response has no choices", 0);
	parse_is(200, "[1]", "bad_response", "response has no choices", 0);
}

static void
test_rand(void)
{
	char a[33], b[33];

	ai_trace_id(a);
	ai_trace_id(b);
	is_int(strlen(a), 32, "trace id: 32 characters");
	is_int(strspn(a, "0123456789abcdef"), 32, "  lowercase hex");
	ok(strcmp(a, b) != 0, "  two differ (%s %s)", a, b);
	ok(ai_rand64() != ai_rand64(), "ai_rand64 varies");
}

int
main(void)
{
	test_providers();
	test_prepare();
	test_parse_ok();
	test_parse_errors();
	test_rand();
	return done();
}
