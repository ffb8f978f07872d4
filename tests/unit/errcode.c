/* errcode.c: stable error codes and the HTTP mapping of lib/errcode.c. */
#include "aitools.h"
#include "tap.h"

static void
maps(long status, const char *type, const char *code, const char *want)
{
	is_str(ai_errcode_name(ai_errcode_from_http(status, type, code)), want,
	    "HTTP %ld type %s code %s -> %s", status, type ? type : "NULL",
	    code ? code : "NULL", want);
}

static void
test_names(void)
{
	static const char *const want[] = {
		"ok", "auth", "bad_request", "context_length", "not_found",
		"rate_limited", "quota_exceeded", "server", "timeout",
		"network", "invalid_input", "bad_response", "interrupted",
		"overloaded", "stream_truncated", "over_limit",
	};
	int i;

	is_int(AI_E_NCODES, sizeof(want) / sizeof(want[0]),
	    "16 codes, every one named below");
	for (i = 0; i < AI_E_NCODES; i++)
		is_str(ai_errcode_name(i), want[i], "name of code %d", i);
	is_str(ai_errcode_name(AI_E_NCODES), "unknown", "out of range");
	is_str(ai_errcode_name(1000), "unknown", "far out of range");
}

static void
test_http(void)
{
	maps(200, NULL, NULL, "ok");
	maps(204, "whatever", "context_length_exceeded", "ok");
	maps(400, "invalid_request_error", NULL, "bad_request");
	maps(400, NULL, NULL, "bad_request");
	maps(400, "invalid_request_error", "context_length_exceeded",
	    "context_length");
	maps(400, "context_length_exceeded", NULL, "context_length");
	maps(401, "invalid_request_error", "invalid_api_key", "auth");
	maps(403, NULL, NULL, "auth");
	maps(404, "invalid_request_error", "model_not_found", "not_found");
	maps(408, NULL, NULL, "timeout");
	maps(409, NULL, NULL, "bad_request");
	maps(413, NULL, NULL, "context_length");
	maps(422, "invalid_request_error", NULL, "bad_request");
	maps(429, "requests", "rate_limit_exceeded", "rate_limited");
	maps(429, NULL, NULL, "rate_limited");
	maps(429, "insufficient_quota", "insufficient_quota",
	    "quota_exceeded");
	maps(429, "insufficient_quota", NULL, "quota_exceeded");
	maps(429, NULL, "insufficient_quota", "quota_exceeded");
	maps(402, "billing_error", NULL, "quota_exceeded");
	maps(400, "invalid_request_error", "billing_hard_limit_reached",
	    "quota_exceeded");
	maps(500, "server_error", NULL, "server");
	maps(502, NULL, NULL, "server");
	maps(503, NULL, NULL, "server");
	maps(529, "overloaded_error", NULL, "overloaded");
	maps(529, NULL, NULL, "overloaded");
	maps(503, "overloaded", NULL, "overloaded");
}

int
main(void)
{
	test_names();
	test_http();
	return done();
}
