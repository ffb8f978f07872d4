/* estimate.c: a request's tokens before it is sent (lib/estimate.c). */
#include <jansson.h>

#include "aitools.h"
#include "tap.h"

static void
est_is(const char *body, long long in, long long out, const char *what)
{
	json_t *b = json_loads(body, 0, NULL);
	struct ai_estimate e = { -1, -1 };

	ai_estimate_request(b, &e);
	ok(e.input == in && e.output == out, "%s (got %lld in, %lld out)",
	    what, (long long)e.input, (long long)e.output);
	json_decref(b);
}

int
main(void)
{
	est_is("{\"messages\":[{\"role\":\"user\",\"content\":\"12345678\"}],"
	    "\"max_tokens\":10}", 3 + 4 + 2, 10,
	    "a quarter of the text, the framing, max_tokens");
	est_is("{\"messages\":[{\"role\":\"user\",\"content\":\"123456789\"}]}",
	    3 + 4 + 3, AI_EST_RESERVE,
	    "rounded up; no max_tokens: the reserve");
	est_is("{\"messages\":[{\"role\":\"system\",\"content\":\"abcd\"},"
	    "{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":"
	    "\"abcd\"},{\"type\":\"image_url\",\"image_url\":{\"url\":\"x\"}}"
	    "]}],\"max_completion_tokens\":7,\"max_tokens\":99}",
	    3 + 4 + 1 + 4 + 1, 7,
	    "text parts count, max_completion_tokens wins");
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
