/*
 * retry.c: the waits a response asks for, and what it says of its rate
 * limits.  The input is the Retry-After header's value, then optionally
 * a newline and retry-after-ms's; its last eight bytes also make a
 * backoff's arguments.  Each of its lines is also a time of ai_time_at,
 * and a header line of an answer, as it is and after a rate-limit
 * header's name.
 */
#include "fuzz.h"

#define NOW	INT64_C(1795430141465)
#define SPAN_MAX	INT64_C(1000000000000)	/* 31 years */

static const char *const names[] = {
	"x-ratelimit-reset-tokens: ", "anthropic-ratelimit-requests-reset: ",
	"x-ratelimit-limit-requests: ",
	"anthropic-ratelimit-output-tokens-remaining: ", "retry-after: ",
	"retry-after-ms: ",
};
#define NNAMES	(sizeof(names) / sizeof(names[0]))

/*
 * A time is never before 1970 nor past the bound, moves with now only
 * when it is a span, and is the wait Retry-After asks for.
 */
static void
time_at(const char *s)
{
	int64_t a, b;

	if (ai_time_at(s, NOW, &a) == -1) {
		FUZZ_ASSERT(ai_retry_after_ms(s, NULL, NOW) == -1);
		return;
	}
	FUZZ_ASSERT(a >= 0 && a <= NOW + SPAN_MAX);
	FUZZ_ASSERT(ai_time_at(s, NOW + 1000, &b) == 0 &&
	    (b == a || b == a + 1000));
	FUZZ_ASSERT(ai_retry_after_ms(s, NULL, NOW) == (a > NOW ? a - NOW : 0));
}

static void
header(struct ai_ratelimit *rl, const char *p, size_t n)
{
	if (rl->at_ms == 0)	/* after a status line */
		rl->at_ms = NOW;
	(void)ai_ratelimit_header(rl, p, n);
}

/*
 * What the headers said is written as a JSON object, each count within
 * its bound and each time one that reads back the same.
 */
static void
ratelimit(const struct ai_ratelimit *rl)
{
	struct ai_buf b = { 0 };
	char when[32];
	int64_t t;
	json_t *v;
	int i;

	FUZZ_ASSERT(ai_ratelimit_json(&b, rl) == 0);
	FUZZ_ASSERT((v = json_loadb(b.data, b.len, 0, NULL)) != NULL &&
	    json_is_object(v));
	json_decref(v);
	ai_buf_free(&b);
	for (i = 0; i <= AI_RL_RETRY_AFTER_MS; i++) {
		if (!(rl->have & 1u << i))
			continue;
		if (i < AI_RL_RETRY_AFTER && i % 3 != 2) {
			FUZZ_ASSERT(rl->v[i] >= 0 &&
			    rl->v[i] <= INT64_C(1000000000000000));
			continue;
		}
		ai_format_time(rl->v[i], when, sizeof(when));
		FUZZ_ASSERT(ai_time_at(when, NOW, &t) == 0 && t == rl->v[i]);
	}
}

static void
lines(const char *s)
{
	struct ai_ratelimit rl = { .at_ms = NOW };
	struct ai_buf line = { 0 };
	const char *nl;
	char *one;
	size_t i, n;

	for (i = 0; *s != '\0'; i++, s = nl + (*nl != '\0')) {
		if ((nl = strchr(s, '\n')) == NULL)
			nl = s + strlen(s);
		n = (size_t)(nl - s);
		header(&rl, s, n);
		ai_buf_reset(&line);
		if (ai_buf_puts(&line, names[i % NNAMES]) == -1 ||
		    ai_buf_append(&line, s, n) == -1 ||
		    ai_buf_append(&line, "", 1) == -1 ||
		    (one = strndup(s, n)) == NULL)
			abort();
		header(&rl, line.data, line.len - 1);
		time_at(one);
		free(one);
	}
	ratelimit(&rl);
	ai_buf_free(&line);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_str(data, size), *ms;
	int64_t w, base, cap;
	uint64_t rnd = 0;
	int next;

	lines(s);
	if ((ms = strchr(s, '\n')) != NULL)
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
