/* usage.c: token counts from each provider's usage object. */
#include "aitools.h"

static int64_t
int_at(const json_t *o, const char *k1, const char *k2)
{
	const json_t *v = json_object_get(o, k1);

	if (k2 != NULL)
		v = json_object_get(v, k2);
	return json_is_integer(v) ? json_integer_value(v) : 0;
}

/*
 * Reads a chat.completion "usage" object.  cache_creation_input_tokens
 * and cache_creation (writes by lifetime) are not OpenAI's: answers
 * normalised from Anthropic carry them.
 */
void
ai_usage_from_openai(const json_t *u, struct ai_usage *out)
{
	out->input = int_at(u, "prompt_tokens", NULL);
	out->output = int_at(u, "completion_tokens", NULL);
	out->cached = int_at(u, "prompt_tokens_details", "cached_tokens");
	out->cache_write = int_at(u, "cache_creation_input_tokens", NULL);
	out->cache_write_1h = int_at(u, "cache_creation",
	    "ephemeral_1h_input_tokens");
	out->reasoning = int_at(u, "completion_tokens_details",
	    "reasoning_tokens");
}

/*
 * Turns an Anthropic usage object into a chat.completion one.  Anthropic
 * counts cache reads and writes apart from input_tokens, OpenAI counts
 * cached tokens inside prompt_tokens: prompt_tokens is the sum.  The
 * Anthropic members are kept too, so that no detail of the bill (cache
 * writes by lifetime, say) is lost.
 */
json_t *
ai_usage_anthropic_to_openai(const json_t *u)
{
	int64_t in = int_at(u, "input_tokens", NULL);
	int64_t out = int_at(u, "output_tokens", NULL);
	int64_t read = int_at(u, "cache_read_input_tokens", NULL);
	int64_t write = int_at(u, "cache_creation_input_tokens", NULL);
	json_t *o;

	o = json_is_object(u) ? json_deep_copy(u) : json_object();
	if (o == NULL || json_object_set_new(o, "prompt_tokens",
	    json_integer(in + read + write)) == -1 ||
	    json_object_set_new(o, "completion_tokens", json_integer(out)) ==
	    -1 || json_object_set_new(o, "total_tokens",
	    json_integer(in + read + write + out)) == -1 ||
	    json_object_set_new(o, "prompt_tokens_details",
	    json_pack("{s:I}", "cached_tokens", (json_int_t)read)) == -1 ||
	    json_object_set_new(o, "cache_read_input_tokens",
	    json_integer(read)) == -1 ||
	    json_object_set_new(o, "cache_creation_input_tokens",
	    json_integer(write)) == -1) {
		json_decref(o);
		return NULL;
	}
	return o;
}
