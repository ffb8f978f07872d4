/* retry.c: the retry policy (lib/retry.c). */
#include <stdint.h>

#include "aitools.h"
#include "tap.h"

static void
test_retryable(void)
{
	static const enum ai_errcode yes[] = { AI_E_RATE_LIMITED,
	    AI_E_OVERLOADED, AI_E_SERVER, AI_E_TIMEOUT, AI_E_NETWORK,
	    AI_E_STREAM_TRUNCATED };
	static const enum ai_errcode no[] = { AI_OK, AI_E_AUTH,
	    AI_E_BAD_REQUEST, AI_E_CONTEXT_LENGTH, AI_E_NOT_FOUND,
	    AI_E_QUOTA_EXCEEDED, AI_E_INVALID_INPUT, AI_E_BAD_RESPONSE,
	    AI_E_INTERRUPTED };
	size_t i;

	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
		is_int(ai_retryable(yes[i]), 1, "%s is retryable",
		    ai_errcode_name(yes[i]));
	for (i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		is_int(ai_retryable(no[i]), 0, "%s is not retryable",
		    ai_errcode_name(no[i]));
	is_int(ai_retryable(AI_E_NCODES), 0, "an unknown code is not");
}

/* Wed, 21 Oct 2015 07:28:00 GMT */
#define DATE		"Wed, 21 Oct 2015 07:28:00 GMT"
#define DATE_MS		INT64_C(1445412480000)

static void
test_retry_after(void)
{
	/* retry-after-ms wins over Retry-After */
	is_int(ai_retry_after_ms("5", "250", 0), 250, "retry-after-ms wins");
	is_int(ai_retry_after_ms(NULL, "250", 0), 250,
	    "retry-after-ms alone");
	is_int(ai_retry_after_ms(DATE, "10", DATE_MS - 60000), 10,
	    "retry-after-ms wins over a date too");
	is_int(ai_retry_after_ms(NULL, "1.5", 0), 2,
	    "retry-after-ms 1.5 rounds to 2");
	is_int(ai_retry_after_ms(NULL, "0", 0), 0, "retry-after-ms 0");
	is_int(ai_retry_after_ms("3", "soon", 0), 3000,
	    "garbage retry-after-ms: Retry-After is used");
	is_int(ai_retry_after_ms(NULL, "soon", 0), -1,
	    "garbage retry-after-ms alone: -1");
	is_int(ai_retry_after_ms(NULL, "-5", 0), -1,
	    "negative retry-after-ms: -1");

	/* Retry-After in seconds */
	is_int(ai_retry_after_ms("1", NULL, 0), 1000, "Retry-After 1");
	is_int(ai_retry_after_ms("1.5", NULL, 0), 1500, "Retry-After 1.5");
	is_int(ai_retry_after_ms(" 2 ", NULL, 0), 2000,
	    "Retry-After with blanks");
	is_int(ai_retry_after_ms("\t7\t", NULL, 0), 7000,
	    "Retry-After with tabs");
	is_int(ai_retry_after_ms("0", NULL, 0), 0, "Retry-After 0");
	is_int(ai_retry_after_ms("120", NULL, 123456789), 120000,
	    "seconds do not depend on now");

	/* Retry-After as an HTTP date */
	is_int(ai_retry_after_ms(DATE, NULL, DATE_MS - 30000), 30000,
	    "a date 30 s ahead");
	is_int(ai_retry_after_ms(DATE, NULL, DATE_MS - 1), 1,
	    "a date 1 ms ahead");
	is_int(ai_retry_after_ms(DATE, NULL, DATE_MS), 0, "a date now: 0");
	is_int(ai_retry_after_ms(DATE, NULL, DATE_MS + 5000), 0,
	    "a date in the past: 0, not negative");
	is_int(ai_retry_after_ms("Sun Nov  6 08:49:37 1994", NULL,
	    INT64_C(784111777000) - 2000), 2000, "an asctime date");

	/* garbage and absence */
	is_int(ai_retry_after_ms(NULL, NULL, 0), -1, "no headers: -1");
	is_int(ai_retry_after_ms("soon", NULL, 0), -1, "Retry-After soon: -1");
	is_int(ai_retry_after_ms("", NULL, 0), -1, "empty Retry-After: -1");
	is_int(ai_retry_after_ms("-1", NULL, 0), -1, "negative: -1");
	is_int(ai_retry_after_ms("5 apples", NULL, 0), -1,
	    "a number and garbage: -1");
	is_int(ai_retry_after_ms("1,5", NULL, 0), -1, "a decimal comma: -1");
	is_int(ai_retry_after_ms("0x10", NULL, 0), -1, "hex: -1");
	is_int(ai_retry_after_ms("1e3", NULL, 0), -1, "an exponent: -1");
	is_int(ai_retry_after_ms(NULL, "0x10", 0), -1,
	    "hex retry-after-ms: -1");
	is_int(ai_retry_after_ms("99999999999", NULL, 0), -1,
	    "absurdly long: -1");
	is_int(ai_retry_after_ms("", "", 0), -1, "both empty: -1");
}

static void
test_backoff(void)
{
	int next, out, over;
	uint64_t rnd;
	int64_t ms;

	/* next = 2, the first retry: uniform in [0, base] */
	is_int(ai_backoff_ms(2, 500, 30000, 0), 0, "next 2, rnd 0: 0");
	is_int(ai_backoff_ms(2, 500, 30000, 500), 500, "next 2, rnd 500: 500");
	is_int(ai_backoff_ms(2, 500, 30000, 501), 0, "next 2, rnd 501 wraps");
	is_int(ai_backoff_ms(2, 500, 30000, 1000), 499,
	    "next 2, rnd 1000: 1000 mod 501");
	is_int(ai_backoff_ms(2, 500, 30000, 123), 123, "next 2, rnd 123");
	is_int(ai_backoff_ms(1, 500, 30000, 500), 500,
	    "next below 2 behaves as 2");

	/* doubling */
	is_int(ai_backoff_ms(3, 500, 30000, 1000), 1000, "next 3: bound 1000");
	is_int(ai_backoff_ms(3, 500, 30000, 1001), 0, "  1001 wraps");
	is_int(ai_backoff_ms(4, 500, 30000, 2000), 2000, "next 4: bound 2000");
	is_int(ai_backoff_ms(4, 500, 30000, 2001), 0, "  2001 wraps");
	is_int(ai_backoff_ms(7, 500, 30000, 16000), 16000,
	    "next 7: bound 16000");
	is_int(ai_backoff_ms(7, 500, 30000, 16001), 0, "  16001 wraps");

	/* capped */
	is_int(ai_backoff_ms(8, 500, 30000, 30000), 30000,
	    "next 8: 32000 capped at 30000");
	is_int(ai_backoff_ms(8, 500, 30000, 30001), 0, "  30001 wraps");
	is_int(ai_backoff_ms(100, 500, 30000, 30000), 30000,
	    "next 100: still capped");
	is_int(ai_backoff_ms(100, 500, 30000, 30001), 0, "  30001 wraps");
	is_int(ai_backoff_ms(2, 500, 200, 200), 200,
	    "a cap below base caps the first retry");
	is_int(ai_backoff_ms(2, 500, 200, 201), 0, "  201 wraps");
	is_int(ai_backoff_ms(1000000, 1, 1000, UINT64_MAX),
	    (int64_t)(UINT64_MAX % 1001), "a huge next and rnd");

	/* no overflow near the limits of int64_t */
	is_int(ai_backoff_ms(100, 1, INT64_MAX, UINT64_MAX),
	    (int64_t)(UINT64_MAX % ((uint64_t)INT64_MAX + 1)),
	    "cap INT64_MAX, next 100: bound INT64_MAX");
	is_int(ai_backoff_ms(100, INT64_C(3) << 60, INT64_MAX, 12345), 12345,
	    "a huge base doubles up to the cap, no further");
	is_int(ai_backoff_ms(2, INT64_MAX, INT64_MAX, UINT64_MAX),
	    INT64_MAX, "base and cap INT64_MAX, rnd UINT64_MAX");
	is_int(ai_backoff_ms(100, -5, 30000, 12345), 0,
	    "negative base, next 100: 0");

	/* no wait at all */
	is_int(ai_backoff_ms(2, 0, 30000, 12345), 0, "base 0: 0");
	is_int(ai_backoff_ms(9, 0, 30000, 12345), 0, "base 0, next 9: 0");
	is_int(ai_backoff_ms(2, -5, 30000, 12345), 0, "negative base: 0");
	is_int(ai_backoff_ms(5, 500, 0, 12345), 0, "cap 0: 0");

	/* every draw within bounds */
	out = over = 0;
	for (next = 2; next < 12; next++)
		for (rnd = 0; rnd < 70000; rnd += 7) {
			ms = ai_backoff_ms(next, 500, 30000, rnd);
			if (ms < 0)
				out++;
			if (ms > 500 * (INT64_C(1) << (next - 2)) ||
			    ms > 30000)
				over++;
		}
	is_int(out, 0, "no draw is negative");
	is_int(over, 0, "no draw exceeds min(cap, base * 2^(next-2))");
}

int
main(void)
{
	test_retryable();
	test_retry_after();
	test_backoff();
	return done();
}
