/*
 * stream.h: the body of the stream-PROVIDER harnesses: a streamed answer
 * of PROVIDER put together from its bytes.  The first byte of the input
 * seeds how the rest is cut into pieces; the answer (or the error) must
 * be the same whether the stream comes whole or in pieces.
 */
#include "fuzz.h"

static void
on_text(void *arg, const char *s, size_t n)
{
	FUZZ_ASSERT(n > 0 && s != NULL);
	*(size_t *)arg += n;
}

/*
 * A streamed answer is a chat.completion, whatever the provider, as a
 * plain answer is: read back as one, it has the same tokens.
 */
static void
reread(const struct ai_result *r, const char *body)
{
	struct ai_result again;

	ai_openai.parse(200, body, strlen(body), &again);
	FUZZ_ASSERT(again.code == AI_OK);
	FUZZ_ASSERT(again.no_usage == r->no_usage);
	FUZZ_ASSERT(memcmp(&again.usage, &r->usage, sizeof(r->usage)) == 0);
	ai_result_free(&again);
}

/* The answer as text, for comparing: its code, message and body. */
static char *
finish(struct ai_stream *st)
{
	struct ai_result r;
	char *body, *s;
	size_t n;

	st->created = 1700000000;
	ai_stream_finish(st, &r);
	FUZZ_ASSERT((r.code == AI_OK) == (r.body != NULL));
	body = r.body != NULL ? json_dumps(r.body, JSON_COMPACT |
	    JSON_SORT_KEYS) : NULL;
	FUZZ_ASSERT(r.body == NULL || body != NULL);
	if (body != NULL)
		reread(&r, body);
	n = strlen(r.message) + (body ? strlen(body) : 0) + 64;
	if ((s = malloc(n)) == NULL)
		abort();
	snprintf(s, n, "%d %s %lld %lld %d %s", (int)r.code, r.message,
	    (long long)r.usage.input, (long long)r.usage.output, r.no_usage,
	    body ? body : "-");
	free(body);
	ai_result_free(&r);
	return s;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ai_stream whole, cut;
	const char *p = (const char *)data + 1;
	char *a, *b;
	size_t n, i, k, shown = 0;
	uint32_t seed;

	if (size == 0)
		return 0;
	seed = fuzz_seed(data[0]);
	n = size - 1;
	ai_stream_init(&whole, &PROVIDER);
	ai_stream_init(&cut, &PROVIDER);
	cut.on_text = on_text;
	cut.arg = &shown;
	(void)ai_stream_feed(&whole, p, n);
	for (i = 0; i < n; i += k) {
		if ((k = fuzz_piece(&seed)) > n - i)
			k = n - i;
		(void)ai_stream_feed(&cut, p + i, k);
	}
	FUZZ_ASSERT(shown == cut.text.len);
	a = finish(&whole);
	b = finish(&cut);
	if (strcmp(a, b) != 0) {
		fprintf(stderr, "whole:     %s\nin pieces: %s\n", a, b);
		FUZZ_ASSERT(!"the same answer whole and in pieces");
	}
	free(a);
	free(b);
	ai_stream_free(&whole);
	ai_stream_free(&cut);
	return 0;
}
