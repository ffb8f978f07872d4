/* estimate.c: a request's tokens before it is sent (lib/estimate.c). */
#include <jansson.h>

#include "aitools.h"
#include "tap.h"

static void
est_is(const char *body, long long in, long long out, const char *what)
{
	json_t *b = json_loads(body, 0, NULL);
	struct ai_estimate e = { -1, -1, -1 };

	ai_estimate_request(b, &e);
	ok(e.input == in && e.output == out && e.defaulted == (out ==
	    AI_EST_RESERVE), "%s (got %lld in, %lld out%s)", what,
	    (long long)e.input, (long long)e.output, e.defaulted ?
	    ", the reserve" : "");
	json_decref(b);
}

int
main(void)
{
	est_is("{\"messages\":[{\"role\":\"user\",\"content\":\"abcdefgh\"}],"
	    "\"max_tokens\":10}", 3 + 4 + 2, 10,
	    "letters a quarter, the framing, max_tokens");
	est_is("{\"messages\":[{\"role\":\"user\",\"content\":"
	    "\"abc def\\tg\"}]}", 3 + 4 + 3, AI_EST_RESERVE,
	    "spaces and tabs a quarter, rounded up; no max_tokens: the "
	    "reserve");
	est_is("{\"messages\":[{\"role\":\"user\",\"content\":\"x=1+2;\\n\"}]}",
	    3 + 4 + 5, AI_EST_RESERVE,
	    "digits, punctuation, line breaks: three quarters (1 + 18)");
	est_is("{\"messages\":[{\"role\":\"user\",\"content\":"
	    "\"\\u00e4\\u00df \\u043f\\u0440\\u0438\"}]}", 3 + 4 + 3,
	    AI_EST_RESERVE, "two bytes of UTF-8: a half (10 + 1)");
	est_is("{\"messages\":[{\"role\":\"user\",\"content\":"
	    "\"\\u65e5\\u672c\\u8a9e\\u3002\"}]}", 3 + 4 + 4, AI_EST_RESERVE,
	    "three bytes (CJK, its punctuation): a token");
	est_is("{\"messages\":[{\"role\":\"user\",\"content\":"
	    "\"\\ud83c\\udf89\\ud83d\\udc4d\\ud83c\\udffd!\"}]}", 3 + 4 + 7,
	    AI_EST_RESERVE, "four bytes (emoji, their modifiers): two tokens "
	    "(24 + 3)");
	est_is("{\"messages\":[{\"role\":\"system\",\"content\":\"abcd\"},"
	    "{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":"
	    "\"abcd\"},{\"type\":\"image_url\",\"image_url\":{\"url\":\"x\"}}"
	    "]}],\"max_completion_tokens\":7,\"max_tokens\":99}",
	    3 + 4 + 1 + 4 + 1, 7,
	    "text parts count, max_completion_tokens wins");
	est_is("{\"messages\":[{\"role\":\"user\",\"content\":[\"ab\","
	    "{\"type\":\"text\",\"text\":\"c\"},\"d\"]}]}", 3 + 4 + 1,
	    AI_EST_RESERVE, "a message's parts are rounded up together");
	est_is("{\"system\":[{\"type\":\"text\",\"text\":\"abcdefgh\"}],"
	    "\"messages\":[{\"role\":\"user\",\"content\":\"abcd\"}],"
	    "\"max_tokens\":5}", 3 + 4 + 2 + 4 + 1, 5,
	    "Anthropic's system counts as a message");
	est_is("{\"messages\":[],\"tools\":[{\"a\":1}],\"max_tokens\":-3}",
	    3 + 3, AI_EST_RESERVE, "tools by their JSON (9 bytes); a bad "
	    "max_tokens: the reserve");
	est_is("{}", 3, AI_EST_RESERVE, "nothing at all: the priming");
	est_is("{\"messages\":[],\"max_tokens\":99999999999999}", 3,
	    AI_MAX_TOKENS, "a max_tokens past any call's: the most there is");
	return done();
}
