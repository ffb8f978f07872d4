/*
 * retry.c: the retry policy.  Which failures are worth another attempt,
 * how long the provider asked us to wait, and exponential backoff with
 * full jitter (a uniform wait up to the exponential bound, so that many
 * clients failing at once do not come back at once).  Also the one reader
 * of the times providers send, in the four forms they use.
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

#define NS_MS		INT64_C(1000000)
#define NS_S		INT64_C(1000000000)
#define WAIT_MAX_MS	INT64_C(1000000000000)	/* 31 years: no wait at all */
#define WAIT_MAX_NS	(WAIT_MAX_MS * NS_MS)
#define TIME_MAX_MS	INT64_C(253402300800000)	/* 10000-01-01 */

/* The units of Go's durations, which OpenAI's x-ratelimit-reset-* are. */
static const struct {
	const char	*name;
	size_t		 len;
	int64_t		 ns;
} units[] = {
	{ "h", 1, 3600 * NS_S }, { "m", 1, 60 * NS_S }, { "s", 1, NS_S },
	{ "ms", 2, NS_MS }, { "us", 2, 1000 }, { "\xc2\xb5s", 3, 1000 },
	{ "\xce\xbcs", 3, 1000 }, { "ns", 2, 1 },
};
#define NUNITS	(sizeof(units) / sizeof(units[0]))

static int
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/*
 * Reads the decimal number from *pp to end, of unit_ns nanoseconds each,
 * into *ns: digits and at most one point, no sign, exponent or "inf"; a
 * fraction to nine digits, the rest read and dropped, its nanoseconds
 * rounded up.  Returns -1 when there is no digit, or past WAIT_MAX_NS.
 */
static int
decimal_ns(const char **pp, const char *end, int64_t unit_ns, int64_t *ns)
{
	const char *p = *pp;
	uint64_t whole = 0, frac = 0, scale = 1, part;
	int ndigits = 0;

	for (; p < end && is_digit(*p); p++, ndigits++)
		if ((whole = whole * 10 + (uint64_t)(*p - '0')) >
		    (uint64_t)WAIT_MAX_NS)
			return -1;
	if (p < end && *p == '.')
		for (p++; p < end && is_digit(*p); p++, ndigits++)
			if (scale < (uint64_t)NS_S) {
				frac = frac * 10 + (uint64_t)(*p - '0');
				scale *= 10;
			}
	if (ndigits == 0 || whole > (uint64_t)(WAIT_MAX_NS / unit_ns))
		return -1;
	/* frac * unit_ns / scale in two parts, so that none overflows */
	part = frac * ((uint64_t)unit_ns / scale);
	part += (frac * ((uint64_t)unit_ns % scale) + scale - 1) / scale;
	if ((*ns = (int64_t)(whole * (uint64_t)unit_ns + part)) > WAIT_MAX_NS)
		return -1;
	*pp = p;
	return 0;
}

/*
 * A span of time, from p to end, in nanoseconds: a Go duration ("6m0s",
 * "1m30.5s", "12ms", "500us"), or a bare decimal number of bare_ns each.
 */
static int
span_ns(const char *p, const char *end, int64_t bare_ns, int64_t *ns)
{
	const char *start = p, *u;
	int64_t total = 0, term;
	size_t i, n;

	if (p == end)
		return -1;
	while (p < end) {
		for (u = p; u < end && (is_digit(*u) || *u == '.'); u++)
			;
		for (n = 0; u + n < end && !is_digit(u[n]) && u[n] != '.'; n++)
			;
		if (p == start && u == end)	/* a bare number */
			return decimal_ns(&p, end, bare_ns, ns) == -1 ||
			    p != end ? -1 : 0;
		for (i = 0; i < NUNITS; i++)
			if (n == units[i].len &&
			    memcmp(u, units[i].name, n) == 0)
				break;
		if (i == NUNITS || decimal_ns(&p, u, units[i].ns, &term) ==
		    -1 || p != u || (total += term) > WAIT_MAX_NS)
			return -1;
		p = u + n;
	}
	*ns = total;
	return 0;
}

/* The value of a header without the blanks around it: p to *end. */
static const char *
trim(const char *p, const char **end)
{
	const char *e;

	while (*p == ' ' || *p == '\t')
		p++;
	for (e = p + strlen(p); e > p && (e[-1] == ' ' || e[-1] == '\t'); e--)
		;
	*end = e;
	return p;
}

/*
 * When a provider's header says, at_ms in milliseconds since the epoch,
 * read against now_ms: a Go duration as OpenAI sends ("6m0s", "12ms"),
 * delta seconds ("30", "1.5"), an RFC 3339 time as Anthropic sends
 * ("2026-12-07T19:55:00Z") or an HTTP date ("Wed, 21 Oct 2015 07:28:00
 * GMT", which begins with its day name: curl_getdate() takes much else).
 * Spans are rounded up to the millisecond, so that a wait is never cut
 * short.  Returns 0, or -1 when value is none of those, or is before
 * 1970 or more than 31 years after now_ms.
 */
int
ai_time_at(const char *value, int64_t now_ms, int64_t *at_ms)
{
	const char *p, *end;
	int64_t ns, at;
	time_t t;

	if (now_ms < 0 || now_ms > TIME_MAX_MS)
		return -1;
	p = trim(value, &end);
	if (span_ns(p, end, NS_S, &ns) == 0)
		at = now_ms + (ns + NS_MS - 1) / NS_MS;
	else if (ai_parse_rfc3339(p, (size_t)(end - p), &at) == 0)
		;
	else if (((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z')) &&
	    (t = curl_getdate(p, NULL)) != -1 &&
	    (int64_t)t <= (now_ms + WAIT_MAX_MS) / 1000)
		at = (int64_t)t * 1000;
	else
		return -1;
	if (at < 0 || at > now_ms + WAIT_MAX_MS)
		return -1;
	*at_ms = at;
	return 0;
}

/*
 * The wait a response asked for, in milliseconds, or -1 when it named
 * none: retry-after-ms (OpenAI, Anthropic) wins over Retry-After, which
 * holds seconds or an HTTP date (or any form of ai_time_at), read
 * against now_ms.
 */
int64_t
ai_retry_after_ms(const char *retry_after, const char *retry_after_ms,
    int64_t now_ms)
{
	const char *p, *end;
	int64_t ns, at;

	if (retry_after_ms != NULL) {	/* milliseconds, and no unit */
		p = trim(retry_after_ms, &end);
		if (p + strspn(p, "0123456789.") >= end &&
		    span_ns(p, end, NS_MS, &ns) == 0)
			return (ns + NS_MS / 2) / NS_MS;
	}
	if (retry_after == NULL || ai_time_at(retry_after, now_ms, &at) == -1)
		return -1;
	return at > now_ms ? at - now_ms : 0;
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
