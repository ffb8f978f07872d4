/* timeutil.c: clocks, durations and timestamps of lib/timeutil.c. */
#include <time.h>

#include "aitools.h"
#include "tap.h"

static void
duration_ok(const char *s, int64_t want)
{
	int64_t ms = -42;

	if (is_int(ai_parse_duration(s, &ms), 0, "duration '%s' parses", s))
		is_int(ms, want, "duration '%s' is %lld ms", s,
		    (long long)want);
}

static void
duration_bad(const char *s)
{
	int64_t ms = -42;

	is_int(ai_parse_duration(s, &ms), -1, "duration '%s' is refused", s);
}

static void
test_duration(void)
{
	duration_ok("250ms", 250);
	duration_ok("30s", 30000);
	duration_ok("10m", 600000);
	duration_ok("2h", 7200000);
	duration_ok("7d", 604800000);
	duration_ok("1w", 604800000);
	duration_ok("1.5s", 1500);
	duration_ok("0.25h", 900000);
	duration_ok("30", 30000);	/* a bare number means seconds */
	duration_ok("0.5", 500);
	duration_ok("0", 0);
	duration_ok("0ms", 0);
	duration_ok("1.0004s", 1000);	/* rounded to the millisecond */
	duration_ok("1.0005s", 1001);
	duration_ok("100000w", 60480000000000LL);
	duration_bad("");
	duration_bad("s");
	duration_bad("ms");
	duration_bad("-1s");
	duration_bad("-0");
	duration_bad("+5s");
	duration_bad("10x");
	duration_bad("10 s");
	duration_bad("10sec");
	duration_bad("10S");
	duration_bad("1.5.3s");
	duration_bad("10s ");
	duration_bad("1e400");
	duration_bad("inf");
	duration_bad("infs");
	duration_bad("1e20w");	/* more ms than int64_t holds */
	duration_bad("nan");
	duration_bad("nans");
	duration_bad("NaNms");
	duration_bad("0x10s");
	duration_bad(" 5s");
}

static void
time_is(int64_t ms, const char *want)
{
	char buf[64];

	ai_format_time(ms, buf, sizeof(buf));
	is_str(buf, want, "format_time(%lld)", (long long)ms);
}

static void
test_format(void)
{
	char small[11];

	time_is(0, "1970-01-01T00:00:00.000Z");
	time_is(1, "1970-01-01T00:00:00.001Z");
	time_is(-1, "1969-12-31T23:59:59.999Z");
	time_is(-1500, "1969-12-31T23:59:58.500Z");
	time_is(1763890500123LL, "2025-11-23T09:35:00.123Z");
	time_is(1763890500999LL, "2025-11-23T09:35:00.999Z");
	time_is(951868799000LL, "2000-02-29T23:59:59.000Z");
	time_is(2147483648000LL, "2038-01-19T03:14:08.000Z");
	ai_format_time(1763890500123LL, small, sizeof(small));
	is_str(small, "2025-11-23", "a short buffer gets a truncated string");
}

static void
test_clocks(void)
{
	int64_t now = ai_now_ms(), wall = (int64_t)time(NULL) * 1000;
	int64_t a, b;
	int i, back = 0;

	ok(now - wall > -2000 && now - wall < 2000,
	    "ai_now_ms agrees with time(3) (%lld vs %lld)", (long long)now,
	    (long long)wall);
	a = ai_mono_us();
	for (i = 0; i < 1000; i++) {
		b = ai_mono_us();
		if (b < a)
			back++;
		a = b;
	}
	is_int(back, 0, "ai_mono_us never goes back");
	ok(a > 0, "ai_mono_us is positive");
}

int
main(void)
{
	test_duration();
	test_format();
	test_clocks();
	return done();
}
