/* usage.c: token counts from OpenAI usage objects (lib/usage.c). */
#include "aitools.h"
#include "tap.h"

static void
usage_is(const char *json, long long in, long long out, long long cached,
    long long reasoning, const char *what)
{
	struct ai_usage u = { -1, -1, -1, -1, -1 };
	json_t *v = json != NULL ? json_loads(json, 0, NULL) : NULL;

	if (json != NULL && v == NULL)
		diag("bad fixture: %s", json);
	ai_usage_from_openai(v, &u);
	is_int(u.input, in, "%s: input", what);
	is_int(u.output, out, "%s: output", what);
	is_int(u.cached, cached, "%s: cached", what);
	is_int(u.cache_write, 0, "%s: cache_write", what);
	is_int(u.reasoning, reasoning, "%s: reasoning", what);
	json_decref(v);
}

int
main(void)
{
	usage_is("{\"prompt_tokens\":18,\"completion_tokens\":4,"
	    "\"total_tokens\":22}", 18, 4, 0, 0, "plain");
	usage_is("{\"prompt_tokens\":2006,\"completion_tokens\":300,"
	    "\"total_tokens\":2306,"
	    "\"prompt_tokens_details\":{\"cached_tokens\":1920,"
	    "\"audio_tokens\":0},"
	    "\"completion_tokens_details\":{\"reasoning_tokens\":192,"
	    "\"audio_tokens\":0,\"accepted_prediction_tokens\":0}}",
	    2006, 300, 1920, 192, "cached and reasoning");
	usage_is("{\"prompt_tokens\":10,\"completion_tokens\":5,"
	    "\"prompt_tokens_details\":null,"
	    "\"completion_tokens_details\":{}}", 10, 5, 0, 0, "null details");
	usage_is("{\"prompt_tokens\":\"10\",\"completion_tokens\":5.0,"
	    "\"prompt_tokens_details\":{\"cached_tokens\":true}}",
	    0, 0, 0, 0, "non-integers count as 0");
	usage_is("{\"prompt_tokens\":9007199254740993,"
	    "\"completion_tokens\":0}", 9007199254740993LL, 0, 0, 0,
	    "a count beyond double precision");
	usage_is("{}", 0, 0, 0, 0, "empty object");
	usage_is("[1,2]", 0, 0, 0, 0, "not an object");
	usage_is(NULL, 0, 0, 0, 0, "no usage at all");
	return done();
}
