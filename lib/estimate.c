/*
 * estimate.c: a request's tokens before it is sent, counted the way the
 * providers count a request against their rate limits before they know
 * its real usage: the prompt estimated from its text, and the output the
 * request may use reserved in full.
 *
 * The prompt is AI_EST_PRIMING tokens, then for each message (and
 * Anthropic's "system") AI_EST_PER_MESSAGE tokens of framing, the framing
 * OpenAI's guide gives, and the tokens of its text (a string, or the
 * text parts of an array of parts), weighed by character and rounded up
 * (text_quarters), and a quarter of the bytes of the JSON of tool
 * definitions.  aimock charges its rate limits with the same count.
 * The output is max_completion_tokens, else max_tokens, else
 * AI_EST_RESERVE.  A later stage trues the estimate up with the real
 * counts, so it need not be exact, only never far below them.
 */
#include <string.h>

#include "aitools.h"

/*
 * A text's tokens in quarters, weighed by character as tokenizers split
 * text (bench/estimate.sh measures the rule against o200k_base, gpt-4o's
 * tokenizer, on prose, code, JSON, tables and seven languages).  An
 * ASCII letter, space or tab is one: words of prose run four to five
 * bytes a token.  Any other ASCII byte (a digit, punctuation, a line
 * break) is three: code, JSON and tables break there into tokens of a
 * byte or two, and a quarter a byte counted them 20 to 50% short.
 * Beyond ASCII, by its length in UTF-8: a character of two bytes
 * (accented Latin, Greek, Cyrillic, Hebrew, Arabic) is two, which
 * o200k_base needs only 1.1 to 1.3 of, but a tokenizer that knows those
 * scripts less needs more; of three (Chinese, Japanese, Korean, most
 * symbols) four, as those scripts run near a token a character; of four
 * (emoji, their modifiers) eight, as each is about two tokens.  One look
 * at each byte and no tables: a lead byte tells the length (jansson's
 * strings are UTF-8), and the bytes that continue it count nothing more.
 */
static int64_t
text_quarters(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	int64_t q = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		if (p[i] < 0x80)
			q += (unsigned)((p[i] | 0x20) - 'a') < 26 ||
			    p[i] == ' ' || p[i] == '\t' ? 1 : 3;
		else if (p[i] >= 0xf0)
			q += 8;
		else if (p[i] >= 0xe0)
			q += 4;
		else if (p[i] >= 0xc0)
			q += 2;
	}
	return q;
}

/* The quarters of a JSON string's text. */
static int64_t
string_quarters(const json_t *s)
{
	return text_quarters(json_string_value(s), json_string_length(s));
}

/* The tokens of a content, a string or an array of text parts. */
static int64_t
content_tokens(const json_t *c)
{
	const json_t *part, *text;
	int64_t q = 0;
	size_t i;

	if (json_is_string(c))
		q = string_quarters(c);
	json_array_foreach(c, i, part) {
		if (json_is_string(part))
			q += string_quarters(part);
		else if ((text = json_object_get(part, "text")) != NULL &&
		    json_is_string(text))
			q += string_quarters(text);
	}
	return (q + 3) / 4;
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
		in += AI_EST_PER_MESSAGE +
		    content_tokens(json_object_get(m, "content"));
	if ((sys = json_object_get(body, "system")) != NULL &&
	    !json_is_null(sys))		/* Anthropic's: a message's worth */
		in += AI_EST_PER_MESSAGE + content_tokens(sys);
	in += (json_bytes(json_object_get(body, "tools")) + 3) / 4;
	in += (json_bytes(json_object_get(body, "functions")) + 3) / 4;
	e->input = in;
	e->defaulted = 0;
	if ((out = count_of(body, "max_completion_tokens")) < 0 &&
	    (out = count_of(body, "max_tokens")) < 0) {
		out = AI_EST_RESERVE;
		e->defaulted = 1;
	}
	e->output = out;
}
