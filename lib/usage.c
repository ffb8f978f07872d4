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

/* Reads an OpenAI chat.completion "usage" object. */
void
ai_usage_from_openai(const json_t *u, struct ai_usage *out)
{
	out->input = int_at(u, "prompt_tokens", NULL);
	out->output = int_at(u, "completion_tokens", NULL);
	out->cached = int_at(u, "prompt_tokens_details", "cached_tokens");
	out->cache_write = 0;
	out->reasoning = int_at(u, "completion_tokens_details",
	    "reasoning_tokens");
}
