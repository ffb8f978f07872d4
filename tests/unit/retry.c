/* retry.c: the retry policy, and the times providers send (lib/retry.c). */
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
#define NOW		INT64_C(1795430141465)	/* 2026-11-23T10:35:41.465Z */
#define DEC7		INT64_C(1796673300000)	/* 2026-12-07T19:55:00Z */
#define YEAR_MS		(INT64_C(365) * 86400000)

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

/* ai_time_at of value read at now, or -1 when it is refused. */
static int64_t
at(const char *value, int64_t now)
{
	int64_t t = -42;

	if (ai_time_at(value, now, &t) == -1)
		return t == -42 ? -1 : -2;	/* -2: refused, yet written */
	return t;
}

static void
test_go_durations(void)
{
	is_int(at("6m0s", NOW), NOW + 360000, "6m0s");
	is_int(at("1s", NOW), NOW + 1000, "1s");
	is_int(at("12ms", NOW), NOW + 12, "12ms");
	is_int(at("1m30.5s", NOW), NOW + 90500, "1m30.5s");
	is_int(at("1h2m3s", NOW), NOW + 3723000, "1h2m3s");
	is_int(at("72h3m0.5s", NOW), NOW + 259380500, "72h3m0.5s");
	is_int(at("2m59.56s", NOW), NOW + 179560, "2m59.56s (Groq's)");
	is_int(at("7.66s", NOW), NOW + 7660, "7.66s");
	is_int(at("1.5h", NOW), NOW + 5400000, "1.5h");
	is_int(at("0s", NOW), NOW, "0s");
	is_int(at("0ms", NOW), NOW, "0ms");
	is_int(at(".5s", NOW), NOW + 500, ".5s, as Go reads it");
	is_int(at("5.s", NOW), NOW + 5000, "5.s, as Go reads it");
	is_int(at("1s1s", NOW), NOW + 2000, "a unit twice adds up, as in Go");

	/* below the millisecond: rounded up, never cut short */
	is_int(at("500us", NOW), NOW + 1, "500us: rounded up to 1 ms");
	is_int(at("500\xc2\xb5s", NOW), NOW + 1, "500 micro sign s");
	is_int(at("500\xce\xbcs", NOW), NOW + 1, "500 greek mu s");
	is_int(at("1500us", NOW), NOW + 2, "1500us: 2 ms");
	is_int(at("2000000ns", NOW), NOW + 2, "2000000ns: exactly 2 ms");
	is_int(at("2000001ns", NOW), NOW + 3, "2000001ns: 3 ms");
	is_int(at("1ns", NOW), NOW + 1, "1ns: 1 ms");
	is_int(at("0.0001s", NOW), NOW + 1, "0.0001s: 1 ms");
	is_int(at("1.5ns", NOW), NOW + 1, "1.5ns: 1 ms");
	is_int(at("0.000000001h", NOW), NOW + 1, "a nanosecond's fraction "
	    "of an hour: 1 ms");
	is_int(at("1.0000000001s", NOW), NOW + 1000,
	    "a fraction past nine digits is dropped");
	is_int(at("0.1234567891234h", NOW), NOW + 444445,
	    "a long fraction of an hour");

	/* blanks around the value are not part of it */
	is_int(at(" 6m0s ", NOW), NOW + 360000, "blanks around");
	is_int(at("\t1s\t", NOW), NOW + 1000, "tabs around");

	/* not Go durations */
	is_int(at("1m30", NOW), -1, "1m30: a number without its unit");
	is_int(at("1s2", NOW), -1, "1s2");
	is_int(at("s", NOW), -1, "a unit alone");
	is_int(at("ms5", NOW), -1, "a unit first");
	is_int(at("1 s", NOW), -1, "a blank inside");
	is_int(at("1S", NOW), -1, "1S: units are lowercase");
	is_int(at("1d", NOW), -1, "1d: no days in Go");
	is_int(at("1.2.3s", NOW), -1, "two points");
	is_int(at(".s", NOW), -1, "a point alone");
	is_int(at("-1s", NOW), -1, "negative");
	is_int(at("+1s", NOW), -1, "a plus sign");
	is_int(at("1e3s", NOW), -1, "an exponent");
	is_int(at("1\xc2s", NOW), -1, "half a micro sign");
}

static void
test_seconds(void)
{
	is_int(at("30", NOW), NOW + 30000, "30 seconds");
	is_int(at("1.5", NOW), NOW + 1500, "1.5 seconds");
	is_int(at("0", NOW), NOW, "0 seconds");
	is_int(at("5.", NOW), NOW + 5000, "5. seconds");
	is_int(at("0.0004", NOW), NOW + 1, "0.0004 seconds: 1 ms");
	is_int(at("120", 0), 120000, "now at the epoch");

	is_int(at("", NOW), -1, "empty");
	is_int(at("  ", NOW), -1, "blanks alone");
	is_int(at(".", NOW), -1, "a point");
	is_int(at("1.2.3", NOW), -1, "1.2.3");
	is_int(at("-5", NOW), -1, "-5");
	is_int(at("1,5", NOW), -1, "a decimal comma");
	is_int(at("0x10", NOW), -1, "hex");
	is_int(at("1e3", NOW), -1, "an exponent");
	is_int(at("5 apples", NOW), -1, "a number and garbage");
	is_int(at("inf", NOW), -1, "inf");
	is_int(at("nan", NOW), -1, "nan");
}

static void
test_bounds(void)
{
	is_int(at("1000000000", NOW), NOW + INT64_C(1000000000000),
	    "10^9 seconds, the longest span");
	is_int(at("1000000001", NOW), -1, "a second more: refused");
	is_int(at("1000000000.000000001", NOW), -1,
	    "a nanosecond more: refused");
	is_int(at("277777h", NOW), NOW + INT64_C(999997200000),
	    "277777h");
	is_int(at("277778h", NOW), -1, "277778h: refused");
	is_int(at("99999999999", NOW), -1, "99999999999 seconds");
	is_int(at("99999999999999999999999999s", NOW), -1,
	    "26 digits of seconds, no overflow");
	is_int(at("9223372036854775807ns", NOW), -1, "INT64_MAX ns");
	is_int(at("18446744073709551617ns", NOW), -1, "past UINT64_MAX ns");
	is_int(at("1000000000s1ns", NOW), -1, "the sum past the bound");
	is_int(at("200000h200000h", NOW), -1, "two terms past the bound");
	is_int(at("1s", -1), -1, "now before the epoch");
	is_int(at("1s", INT64_MAX), -1, "now at INT64_MAX: no overflow");
	is_int(at("1s", INT64_C(253402300800000)), INT64_C(253402300801000),
	    "now at the end of year 9999");
}

static void
test_rfc3339(void)
{
	is_int(at("2026-12-07T19:55:00Z", NOW), DEC7, "Anthropic's form");
	is_int(at("2026-12-07T19:55:00.123Z", NOW), DEC7 + 123,
	    "with milliseconds");
	is_int(at("2026-12-07T19:55:00.1Z", NOW), DEC7 + 100, "a tenth");
	is_int(at("2026-12-07T19:55:00.1230Z", NOW), DEC7 + 123,
	    "a trailing zero");
	is_int(at("2026-12-07T19:55:00.1231Z", NOW), DEC7 + 124,
	    "a fraction of a millisecond rounds up");
	is_int(at("2026-12-07T19:55:00.999999999Z", NOW), DEC7 + 1000,
	    "up into the next second");
	is_int(at("2026-12-07T20:55:00+01:00", NOW), DEC7, "an offset east");
	is_int(at("2026-12-07T14:25:00-05:30", NOW), DEC7, "an offset west");
	is_int(at("2026-12-07T19:55:00-00:00", NOW), DEC7, "-00:00");
	is_int(at("2026-12-07t19:55:00z", NOW), DEC7, "lowercase t and z");
	is_int(at("2026-12-07 19:55:00Z", NOW), DEC7, "a space for the T");
	is_int(at(" 2026-12-07T19:55:00Z ", NOW), DEC7, "blanks around");
	is_int(at("2026-12-07T19:54:60Z", NOW), DEC7, "a leap second");
	is_int(at("2028-02-29T00:00:00Z", NOW), INT64_C(1835395200000),
	    "a leap day");
	is_int(at("2015-10-21T07:28:00Z", NOW), DATE_MS,
	    "a time past is still a time");
	is_int(at("1970-01-01T00:00:00Z", NOW), 0, "the epoch");

	is_int(at("2026-02-29T00:00:00Z", NOW), -1, "no leap day in 2026");
	is_int(at("2026-13-01T00:00:00Z", NOW), -1, "month 13");
	is_int(at("2026-00-01T00:00:00Z", NOW), -1, "month 0");
	is_int(at("2026-12-00T00:00:00Z", NOW), -1, "day 0");
	is_int(at("2026-12-07T24:00:00Z", NOW), -1, "hour 24");
	is_int(at("2026-12-07T19:60:00Z", NOW), -1, "minute 60");
	is_int(at("2026-12-07T19:55:61Z", NOW), -1, "second 61");
	is_int(at("2026-12-07T19:55:00", NOW), -1, "no zone");
	is_int(at("2026-12-07T19:55:00.Z", NOW), -1, "a point without digits");
	is_int(at("2026-12-07T19:55:00+0100", NOW), -1, "an offset without :");
	is_int(at("2026-12-07T19:55:00+24:00", NOW), -1, "an offset of 24 h");
	is_int(at("2026-12-07T19:55:00+01:60", NOW), -1, "an offset of :60");
	is_int(at("2026-12-07T19:55:00ZZ", NOW), -1, "two Z");
	is_int(at("2026-12-07T19:55Z", NOW), -1, "no seconds");
	is_int(at("2026-12-07", NOW), -1, "a date alone");
	is_int(at("2026-1x-07T19:55:00Z", NOW), -1, "a letter in the month");
	is_int(at("+026-12-07T19:55:00Z", NOW), -1, "a sign in the year");
	is_int(at("1969-12-31T23:59:59Z", NOW), -1, "before 1970");
	is_int(at("0000-01-01T00:00:00Z", NOW), -1, "year 0");
	is_int(at("2099-01-01T00:00:00Z", NOW), -1, "73 years ahead");
	is_int(at("9999-12-31T23:59:59-23:59", NOW), -1,
	    "the last time there is");
	is_int(at("2057-11-01T00:00:00Z", NOW), INT64_C(2771798400000),
	    "31 years ahead");
}

static void
test_http_dates(void)
{
	is_int(at(DATE, DATE_MS - 30000), DATE_MS, "an IMF-fixdate");
	is_int(at(DATE, DATE_MS + 30000), DATE_MS, "one past, as it is");
	is_int(at("Wednesday, 21-Oct-15 07:28:00 GMT", DATE_MS), DATE_MS,
	    "an RFC 850 date");
	is_int(at("Wed Oct 21 07:28:00 2015", DATE_MS), DATE_MS,
	    "an asctime date");
	is_int(at(" " DATE " ", DATE_MS), DATE_MS, "blanks around");
	is_int(at("Wed, 21 Oct 2015 07:28:00 GMT", DATE_MS - 32 * YEAR_MS),
	    -1, "more than 31 years ahead");
	is_int(at("Thu, 01 Jan 2099 00:00:00 GMT", NOW), -1, "2099");
	is_int(at("21 Oct 2015 07:28:00 GMT", DATE_MS), -1,
	    "no day name: not an HTTP date");
	is_int(at("soon", NOW), -1, "soon");
	is_int(at("Wed", NOW), -1, "a day name alone");
	is_int(at("Wed, 32 Oct 2015 07:28:00 GMT", NOW), -1, "October 32");
}

static void
test_retry_after_forms(void)
{
	/* what ai_time_at adds to Retry-After */
	is_int(ai_retry_after_ms("30s", NULL, NOW), 30000,
	    "Retry-After as a Go duration");
	is_int(ai_retry_after_ms("2026-12-07T19:55:00Z", NULL, DEC7 - 1500),
	    1500, "Retry-After as an RFC 3339 time");
	is_int(ai_retry_after_ms("2026-12-07T19:55:00Z", NULL, DEC7 + 1500),
	    0, "one past: no wait");
	is_int(ai_retry_after_ms("0.0004", NULL, NOW), 1,
	    "a fraction of a millisecond: 1");
	is_int(ai_retry_after_ms(NULL, "5s", NOW), -1,
	    "retry-after-ms takes no unit");
	is_int(ai_retry_after_ms("2", "5s", NOW), 2000,
	    "so Retry-After is used");
	is_int(ai_retry_after_ms(NULL, "1.2", NOW), 1,
	    "retry-after-ms 1.2 rounds to 1");
	is_int(ai_retry_after_ms(NULL, " 7 ", NOW), 7,
	    "retry-after-ms with blanks");
	is_int(ai_retry_after_ms(NULL, "1000000000000", NOW),
	    INT64_C(1000000000000), "retry-after-ms at the bound");
	is_int(ai_retry_after_ms(NULL, "1000000000001", NOW), -1,
	    "retry-after-ms past it");
	is_int(ai_retry_after_ms(NULL, ".", NOW), -1, "retry-after-ms .");
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
	test_go_durations();
	test_seconds();
	test_bounds();
	test_rfc3339();
	test_http_dates();
	test_retry_after_forms();
	test_backoff();
	return done();
}
