/*
 * sse.c: the event-stream framing.  The first byte of the input seeds
 * how the rest is cut into pieces; the events must be the same whether
 * the stream comes whole or in pieces.
 */
#include "fuzz.h"

/* Keeps each event as its name, a NUL, its data's length and its data. */
static int
keep(void *arg, const char *event, const char *data, size_t len)
{
	struct ai_buf *b = arg;

	FUZZ_ASSERT(strlen(event) < sizeof(((struct ai_sse *)0)->event));
	FUZZ_ASSERT(data[len] == '\0');
	if (ai_buf_append(b, event, strlen(event) + 1) == -1 ||
	    ai_buf_append(b, &len, sizeof(len)) == -1 ||
	    ai_buf_append(b, data, len) == -1)
		abort();
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ai_sse whole, cut;
	struct ai_buf a = { 0 }, b = { 0 };
	const char *p = (const char *)data + 1;
	size_t n, i, k;
	uint32_t seed;

	if (size == 0)
		return 0;
	seed = fuzz_seed(data[0]);
	n = size - 1;
	memset(&whole, 0, sizeof(whole));
	memset(&cut, 0, sizeof(cut));
	FUZZ_ASSERT(ai_sse_feed(&whole, p, n, keep, &a) == 0);
	for (i = 0; i < n; i += k) {
		if ((k = fuzz_piece(&seed)) > n - i)
			k = n - i;
		FUZZ_ASSERT(ai_sse_feed(&cut, p + i, k, keep, &b) == 0);
	}
	FUZZ_ASSERT(a.len == b.len && (a.len == 0 ||
	    memcmp(a.data, b.data, a.len) == 0));
	ai_sse_free(&whole);
	ai_sse_free(&cut);
	ai_buf_free(&a);
	ai_buf_free(&b);
	return 0;
}
