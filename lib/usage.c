/*
 * usage.c: token counts from each provider's usage object, and the one
 * rule for what a count is.  A provider's answer is not trusted: a count
 * that is negative, not a whole number, or past any real call would make
 * a cost or a sum go wrong, so the call's tokens are then unknown, never
 * taken as they came nor as zero.  aiq logs the call so, and aiusage
 * reads records by the same rule, so that the two report alike.
 */
#include "aitools.h"

/* A count of tokens: 0 to AI_MAX_TOKENS, which keeps every sum in range. */
int
ai_token_count_ok(int64_t v)
{
	return v >= 0 && v <= AI_MAX_TOKENS;
}

/*
 * The count at o.k1(.k2): 0 when absent or null (Anthropic sends null
 * cache counts); -1, with *bad pointing to it, when not a count.  The
 * counts of input and output must be there: need_at.
 */
static int64_t
count_at(const json_t *o, const char *k1, const char *k2,
    const json_t **bad)
{
	const json_t *v = json_object_get(o, k1);

	if (k2 != NULL)
		v = json_object_get(v, k2);
	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_integer(v) || !ai_token_count_ok(json_integer_value(v))) {
		if (*bad == NULL)
			*bad = v;
		return -1;
	}
	return json_integer_value(v);
}

static int64_t
need_at(const json_t *o, const char *k, const json_t **bad)
{
	const json_t *v = json_object_get(o, k);

	if ((v == NULL || json_is_null(v)) && *bad == NULL)
		*bad = json_null();
	return count_at(o, k, NULL, bad);
}

/*
 * Reads a chat.completion "usage" object.  cache_creation_input_tokens
 * and cache_creation (writes by lifetime) are not OpenAI's: answers
 * normalised from Anthropic carry them.  Returns 0, or -1 with out all
 * zeros when there is no usage, no count of input or output tokens, or
 * a count that is not one.
 */
int
ai_usage_from_openai(const json_t *u, struct ai_usage *out)
{
	const json_t *bad = json_is_object(u) ? NULL : json_null();

	out->input = need_at(u, "prompt_tokens", &bad);
	out->output = need_at(u, "completion_tokens", &bad);
	out->cached = count_at(u, "prompt_tokens_details", "cached_tokens",
	    &bad);
	out->cache_write = count_at(u, "cache_creation_input_tokens", NULL,
	    &bad);
	out->cache_write_1h = count_at(u, "cache_creation",
	    "ephemeral_1h_input_tokens", &bad);
	out->reasoning = count_at(u, "completion_tokens_details",
	    "reasoning_tokens", &bad);
	if (bad != NULL)
		*out = (struct ai_usage){ 0 };
	return bad != NULL ? -1 : 0;
}

/*
 * Turns an Anthropic usage object into a chat.completion one.  Anthropic
 * counts cache reads and writes apart from input_tokens, OpenAI counts
 * cached tokens inside prompt_tokens: prompt_tokens is the sum.  The
 * Anthropic members are kept too, so that no detail of the bill (cache
 * writes by lifetime, say) is lost.  When a count is not one, it is
 * passed on as prompt_tokens, so that every reader finds the tokens
 * unknown, as ai_usage_from_openai does.  NULL when u is no object.
 */
json_t *
ai_usage_anthropic_to_openai(const json_t *u)
{
	const json_t *bad = NULL;
	int64_t in = need_at(u, "input_tokens", &bad);
	int64_t out = need_at(u, "output_tokens", &bad);
	int64_t read = count_at(u, "cache_read_input_tokens", NULL, &bad);
	int64_t write = count_at(u, "cache_creation_input_tokens", NULL, &bad);
	json_t *o;

	if (!json_is_object(u))
		return NULL;	/* no usage: none in the answer either */
	if ((o = json_deep_copy(u)) == NULL)
		return NULL;
	if (bad != NULL) {
		if (json_object_set_new(o, "prompt_tokens",
		    json_deep_copy(bad)) == -1) {
			json_decref(o);
			return NULL;
		}
		return o;
	}
	if (json_object_set_new(o, "prompt_tokens",
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
