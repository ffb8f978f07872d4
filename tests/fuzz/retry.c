/*
 * retry.c: the waits a response asks for.  The input is the Retry-After
 * header's value, then optionally a newline and retry-after-ms's; its
 * last eight bytes also make a backoff's arguments.
 */
#include "fuzz.h"

#define NOW	INT64_C(1795430141465)

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_str(data, size), *ms = strchr(s, '\n');
	int64_t w, base, cap;
	uint64_t rnd = 0;
	int next;

	if (ms != NULL)
		*ms++ = '\0';
	w = ai_retry_after_ms(s, ms, NOW);
	FUZZ_ASSERT(w >= -1);
	w = ai_retry_after_ms(s, NULL, NOW);
	FUZZ_ASSERT(w >= -1);
	free(s);
	if (size >= 8)
		memcpy(&rnd, data + size - 8, 8);
	next = (int)(rnd & 0xff) - 8;
	base = (int64_t)(rnd >> 8 & 0xffffff) - 1000;
	cap = (int64_t)(rnd >> 32) - 1000;
	w = ai_backoff_ms(next, base, cap, rnd);
	FUZZ_ASSERT(w >= 0 && (cap <= 0 || w <= cap));
	return 0;
}
