/* timeutil.c: clocks, durations and timestamps. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "aitools.h"

int64_t
ai_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t
ai_mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/*
 * Parses a duration such as "250ms", "30s", "10m", "2h", "7d" or "1.5s"
 * into milliseconds; a bare number means seconds.  Returns 0 or -1.
 */
int
ai_parse_duration(const char *s, int64_t *ms)
{
	static const struct {
		const char *suffix;
		double	 ms;
	} units[] = {
		{ "", 1000 }, { "ms", 1 }, { "s", 1000 }, { "m", 60000 },
		{ "h", 3600000 }, { "d", 86400000 }, { "w", 604800000 },
	};
	char *end;
	double v;
	size_t i;

	/* Plain decimal only: no sign, space, hex, "inf" or "nan". */
	if (!isdigit((unsigned char)*s) && *s != '.')
		return -1;
	errno = 0;
	v = strtod(s, &end);
	if (end == s || errno != 0 || end != s + strspn(s, "0123456789."))
		return -1;
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcmp(end, units[i].suffix) != 0)
			continue;
		v *= units[i].ms;
		if (v > 9.2e15)
			return -1;
		*ms = (int64_t)(v + 0.5);
		return 0;
	}
	return -1;
}

/* Formats milliseconds since the epoch as 2026-11-23T09:35:00.123Z. */
void
ai_format_time(int64_t ms, char *out, size_t len)
{
	int64_t sec = ms / 1000, frac = ms % 1000;
	time_t t;
	struct tm tm;

	if (frac < 0) {		/* before 1970: round down, not to zero */
		sec--;
		frac += 1000;
	}
	t = (time_t)sec;
	gmtime_r(&t, &tm);
	snprintf(out, len, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	    tm.tm_min, tm.tm_sec, (int)frac);
}
