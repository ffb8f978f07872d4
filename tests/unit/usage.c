/*
 * usage.c: token counts from OpenAI usage objects, and Anthropic usage
 * objects put in OpenAI's form (lib/usage.c).
 */
#include <stdlib.h>

#include "aitools.h"
#include "tap.h"

static void
usage_is(const char *json, long long in, long long out, long long cached,
    long long reasoning, const char *what)
{
	struct ai_usage u = { -1, -1, -1, -1, -1, -1 };
	json_t *v = json != NULL ? json_loads(json, 0, NULL) : NULL;

	if (json != NULL && v == NULL)
		diag("bad fixture: %s", json);
	ai_usage_from_openai(v, &u);
	is_int(u.input, in, "%s: input", what);
	is_int(u.output, out, "%s: output", what);
	is_int(u.cached, cached, "%s: cached", what);
	is_int(u.cache_write, 0, "%s: cache_write", what);
	is_int(u.cache_write_1h, 0, "%s: cache_write_1h", what);
	is_int(u.reasoning, reasoning, "%s: reasoning", what);
	json_decref(v);
}

/* Converts Anthropic usage; the result, compact, or NULL. */
static void
anthropic_is(const char *json, const char *want, const char *what)
{
	json_t *v = json != NULL ? json_loads(json, 0, NULL) : NULL;
	json_t *o, *w = json_loads(want, 0, NULL);
	char *got;

	if ((json != NULL && v == NULL) || w == NULL)
		diag("bad fixture: %s %s", json, want);
	o = ai_usage_anthropic_to_openai(v);
	got = o != NULL ? json_dumps(o, JSON_COMPACT) : NULL;
	if (!ok(o != NULL && w != NULL && json_equal(o, w), "%s", what)) {
		diag("     got: %s", got != NULL ? got : "(null)");
		diag("expected: %s", want);
	}
	free(got);
	json_decref(o);
	json_decref(w);
	json_decref(v);
}

static void
test_anthropic(void)
{
	struct ai_usage u = { -1, -1, -1, -1, -1, -1 };
	json_t *v, *o;

	anthropic_is("{\"input_tokens\":10,\"cache_creation_input_tokens\":3,"
	    "\"cache_read_input_tokens\":5,\"output_tokens\":42,"
	    "\"cache_creation\":{\"ephemeral_5m_input_tokens\":3},"
	    "\"service_tier\":\"standard\"}",
	    "{\"input_tokens\":10,\"cache_creation_input_tokens\":3,"
	    "\"cache_read_input_tokens\":5,\"output_tokens\":42,"
	    "\"cache_creation\":{\"ephemeral_5m_input_tokens\":3},"
	    "\"service_tier\":\"standard\",\"prompt_tokens\":18,"
	    "\"completion_tokens\":42,\"total_tokens\":60,"
	    "\"prompt_tokens_details\":{\"cached_tokens\":5}}",
	    "anthropic: prompt_tokens is input + cache reads + cache writes, "
	    "the rest kept");
	anthropic_is("{\"input_tokens\":7,\"output_tokens\":2,"
	    "\"cache_creation_input_tokens\":null,"
	    "\"cache_read_input_tokens\":null}",
	    "{\"input_tokens\":7,\"output_tokens\":2,"
	    "\"cache_creation_input_tokens\":0,\"cache_read_input_tokens\":0,"
	    "\"prompt_tokens\":7,\"completion_tokens\":2,\"total_tokens\":9,"
	    "\"prompt_tokens_details\":{\"cached_tokens\":0}}",
	    "anthropic: null cache counts become 0");
	ok(ai_usage_anthropic_to_openai(NULL) == NULL,
	    "anthropic: no usage at all gives none, not zeros");

	v = json_loads("{\"input_tokens\":100,\"cache_creation_input_tokens\":"
	    "20,\"cache_read_input_tokens\":30,\"output_tokens\":4}", 0, NULL);
	o = ai_usage_anthropic_to_openai(v);
	ai_usage_from_openai(o, &u);
	is_int(u.input, 150, "anthropic read back: input");
	is_int(u.output, 4, "anthropic read back: output");
	is_int(u.cached, 30, "anthropic read back: cached");
	is_int(u.cache_write, 20, "anthropic read back: cache_write");
	is_int(u.reasoning, 0, "anthropic read back: reasoning");
	is_int(json_integer_value(json_object_get(v, "input_tokens")), 100,
	    "anthropic: the original is not changed");
	ok(json_object_get(v, "prompt_tokens") == NULL,
	    "anthropic: nothing added to the original");
	json_decref(o);
	json_decref(v);

	v = json_loads("{\"input_tokens\":1,\"cache_creation_input_tokens\":"
	    "50,\"cache_creation\":{\"ephemeral_5m_input_tokens\":20,"
	    "\"ephemeral_1h_input_tokens\":30},\"output_tokens\":4}", 0, NULL);
	o = ai_usage_anthropic_to_openai(v);
	ai_usage_from_openai(o, &u);
	is_int(u.cache_write, 50, "anthropic: cache writes of both lifetimes");
	is_int(u.cache_write_1h, 30, "anthropic: of them, for an hour");
	json_decref(o);
	json_decref(v);
}

/* The one rule: a count is a whole number from 0 to AI_MAX_TOKENS. */
static int
known(const char *json)
{
	struct ai_usage u;
	json_t *v = json != NULL ? json_loads(json, 0, NULL) : NULL;
	int r = ai_usage_from_openai(v, &u);

	json_decref(v);
	return r;
}

static void
test_rule(void)
{
	struct ai_usage u;
	json_t *v, *o;

	is_int(known("{\"prompt_tokens\":5,\"completion_tokens\":2}"), 0,
	    "rule: counts are known");
	is_int(known("{\"prompt_tokens\":5,\"completion_tokens\":1,"
	    "\"cache_creation_input_tokens\":null}"), 0,
	    "rule: a null count of detail is none");
	is_int(known("{\"prompt_tokens\":5,\"completion_tokens\":null}"), -1,
	    "rule: a null count of output is unknown");
	is_int(known("{\"total_tokens\":50}"), -1,
	    "rule: no counts of input and output: unknown");
	is_int(known("{\"prompt_tokens\":-5000}"), -1,
	    "rule: a negative count makes the tokens unknown");
	is_int(known("{\"prompt_tokens\":9223372036854775807}"), -1,
	    "rule: 2^63-1 is not a count");
	is_int(known("{\"prompt_tokens\":10000000000,\"completion_tokens\":0}"),
	    0, "rule: ten billion is the largest count");
	is_int(known("{\"prompt_tokens\":10000000001}"), -1,
	    "rule: one more is not");
	is_int(known("{\"completion_tokens\":\"7\"}"), -1,
	    "rule: a string is not a count");
	is_int(known("{\"prompt_tokens_details\":{\"cached_tokens\":-1}}"),
	    -1, "rule: nor a negative count nested");
	is_int(known(NULL), -1, "rule: no usage: unknown");
	is_int(known("[]"), -1, "rule: not an object: unknown");
	ok(ai_token_count_ok(0) && ai_token_count_ok(AI_MAX_TOKENS) &&
	    !ai_token_count_ok(-1) && !ai_token_count_ok(AI_MAX_TOKENS + 1),
	    "ai_token_count_ok bounds");

	v = json_loads("{\"input_tokens\":-5000,\"output_tokens\":3}", 0,
	    NULL);
	o = ai_usage_anthropic_to_openai(v);
	is_int(json_integer_value(json_object_get(o, "prompt_tokens")), -5000,
	    "anthropic: a bad count is passed on as prompt_tokens");
	is_int(ai_usage_from_openai(o, &u), -1,
	    "anthropic: and read back as unknown");
	is_int(u.input + u.output, 0, "anthropic: with no tokens counted");
	json_decref(o);
	json_decref(v);
	v = json_loads("{\"input_tokens\":9223372036854775807,"
	    "\"cache_read_input_tokens\":9223372036854775807}", 0, NULL);
	o = ai_usage_anthropic_to_openai(v);
	is_int(ai_usage_from_openai(o, &u), -1,
	    "anthropic: counts that would overflow the sum are unknown");
	json_decref(o);
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
	    0, 0, 0, 0, "non-integers: no tokens counted");
	usage_is("{\"prompt_tokens\":9007199254740993,"
	    "\"completion_tokens\":0}", 0, 0, 0, 0,
	    "a count past any call is not one");
	usage_is("{}", 0, 0, 0, 0, "empty object");
	usage_is("[1,2]", 0, 0, 0, 0, "not an object");
	usage_is(NULL, 0, 0, 0, 0, "no usage at all");
	test_anthropic();
	test_rule();
	return done();
}
