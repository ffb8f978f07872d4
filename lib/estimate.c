/*
 * estimate.c: a request's tokens before it is sent, counted the way the
 * providers count a request against their rate limits before they know
 * its real usage: the prompt estimated from its text, and the output the
 * request may use reserved in full.
 *
 * The prompt is AI_EST_PRIMING tokens, then for each message (and
 * Anthropic's "system") AI_EST_PER_MESSAGE tokens of framing and a
 * quarter of the bytes of its text, rounded up (a string, or the text
 * parts of an array of parts), and a quarter of the JSON of tool
 * definitions: the count OpenAI's guide gives, and the one aimock charges
 * its rate limits with.
 * The output is max_completion_tokens, else max_tokens, else
 * AI_EST_RESERVE.  A later stage trues the estimate up with the real
 * counts, so it need not be exact, only never far below them.
 */
#include <string.h>

#include "aitools.h"

/* The bytes of text in a content: a string, or an array of text parts. */
static int64_t
content_bytes(const json_t *c)
{
	const json_t *part, *text;
	int64_t n = 0;
	size_t i;

	if (json_is_string(c))
		return (int64_t)json_string_length(c);
	json_array_foreach(c, i, part) {
		if (json_is_string(part))
			n += (int64_t)json_string_length(part);
		else if ((text = json_object_get(part, "text")) != NULL &&
		    json_is_string(text))
			n += (int64_t)json_string_length(text);
	}
	return n;
}

/* The bytes of v as compact JSON (tool definitions), 0 when absent. */
static int64_t
json_bytes(const json_t *v)
{
	size_t n;

	if (v == NULL || json_is_null(v))
		return 0;
	n = json_dumpb(v, NULL, 0, JSON_COMPACT);
	return (int64_t)n;
}

/*
 * A count from the body, or -1 when it has none that is one.  One past
 * any call's is the most a call may use: reserved whole, it fits no
 * limit, as the provider would not take it either.
 */
static int64_t
count_of(const json_t *body, const char *key)
{
	const json_t *v = json_object_get(body, key);

	if (!json_is_integer(v) || json_integer_value(v) < 0)
		return -1;
	return json_integer_value(v) > AI_MAX_TOKENS ? AI_MAX_TOKENS :
	    json_integer_value(v);
}

/*
 * The estimate of a request body in the common (chat.completions) form
 * or Anthropic's own, which differ only where the system prompt is.
 */
void
ai_estimate_request(const json_t *body, struct ai_estimate *e)
{
	const json_t *msgs = json_object_get(body, "messages"), *m, *sys;
	int64_t in = AI_EST_PRIMING, out;
	size_t i;

	json_array_foreach(msgs, i, m)
		in += AI_EST_PER_MESSAGE + (content_bytes(json_object_get(m,
		    "content")) + 3) / 4;
	if ((sys = json_object_get(body, "system")) != NULL &&
	    !json_is_null(sys))		/* Anthropic's: a message's worth */
		in += AI_EST_PER_MESSAGE + (content_bytes(sys) + 3) / 4;
	in += (json_bytes(json_object_get(body, "tools")) + 3) / 4;
	in += (json_bytes(json_object_get(body, "functions")) + 3) / 4;
	e->input = in;
	if ((out = count_of(body, "max_completion_tokens")) < 0 &&
	    (out = count_of(body, "max_tokens")) < 0)
		out = AI_EST_RESERVE;
	e->output = out;
}
