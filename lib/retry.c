/*
 * retry.c: the retry policy.  Which failures are worth another attempt,
 * how long the provider asked us to wait, and exponential backoff with
 * full jitter (a uniform wait up to the exponential bound, so that many
 * clients failing at once do not come back at once).
 */
#include <curl/curl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "aitools.h"

/*
 * Failures that may pass: rate limits (not an exhausted quota), overload,
 * server errors, lost connections, timeouts and cut streams.  A request
 * the provider refused as such (400, 401, 403, 404) fails at once.
 */
int
ai_retryable(enum ai_errcode c)
{
	switch (c) {
	case AI_E_RATE_LIMITED:
	case AI_E_OVERLOADED:
	case AI_E_SERVER:
	case AI_E_TIMEOUT:
	case AI_E_NETWORK:
	case AI_E_STREAM_TRUNCATED:
		return 1;
	default:
		return 0;
	}
}

#define WAIT_MAX_MS	INT64_C(1000000000000)	/* 31 years: no wait at all */

static int64_t
decimal_ms(const char *s, double scale)
{
	char *end;
	double v;

	while (*s == ' ' || *s == '\t')
		s++;
	if (*s < '0' || *s > '9')
		return -1;
	v = strtod(s, &end);
	if (end != s + strspn(s, "0123456789."))
		return -1;		/* no hex, exponent or "inf" */
	while (*end == ' ' || *end == '\t')
		end++;
	if (*end != '\0' || v * scale > (double)WAIT_MAX_MS)
		return -1;
	return (int64_t)(v * scale + 0.5);
}

/*
 * The wait a response asked for, in milliseconds, or -1 when it named
 * none: retry-after-ms (OpenAI, Anthropic) wins over Retry-After, which
 * holds seconds or an HTTP date, read against now_ms.
 */
int64_t
ai_retry_after_ms(const char *retry_after, const char *retry_after_ms,
    int64_t now_ms)
{
	int64_t ms;
	time_t t;

	if (retry_after_ms != NULL && (ms = decimal_ms(retry_after_ms, 1)) >= 0)
		return ms;
	if (retry_after == NULL)
		return -1;
	if ((ms = decimal_ms(retry_after, 1000)) >= 0)
		return ms;
	if ((t = curl_getdate(retry_after, NULL)) == -1 ||
	    (int64_t)t > now_ms / 1000 + WAIT_MAX_MS / 1000)
		return -1;	/* a date of years to come overflowed */
	ms = (int64_t)t * 1000 - now_ms;
	return ms > 0 ? ms : 0;
}

/*
 * The wait before attempt number next (2 for the first retry): uniform
 * in [0, min(cap, base * 2^(next - 2))], drawn from rnd.
 */
int64_t
ai_backoff_ms(int next, int64_t base_ms, int64_t cap_ms, uint64_t rnd)
{
	int64_t bound = base_ms;
	int i;

	if (base_ms <= 0 || cap_ms <= 0)
		return 0;
	for (i = 2; i < next && bound < cap_ms; i++)	/* never overflows */
		bound = bound > cap_ms / 2 ? cap_ms : bound * 2;
	if (bound > cap_ms)
		bound = cap_ms;
	return (int64_t)(rnd % ((uint64_t)bound + 1));
}
