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

/* Writes v as n decimal digits, zero-padded, at p; returns past them. */
static char *
digits(char *p, int v, int n)
{
	int i;

	for (i = n - 1; i >= 0; i--, v /= 10)
		p[i] = (char)('0' + v % 10);
	return p + n;
}

/*
 * Formats milliseconds since the epoch as 2026-11-23T09:35:00.123Z.  By
 * hand: every output record has two, and printf costs more than the rest
 * of the record's metadata.
 */
void
ai_format_time(int64_t ms, char *out, size_t len)
{
	int64_t sec = ms / 1000, frac = ms % 1000;
	char buf[32], *p = buf;
	size_t n;
	time_t t;
	struct tm tm;

	if (frac < 0) {		/* before 1970: round down, not to zero */
		sec--;
		frac += 1000;
	}
	t = (time_t)sec;
	if (gmtime_r(&t, &tm) == NULL)
		memset(&tm, 0, sizeof(tm));
	if (tm.tm_year < -1900 || tm.tm_year > 9999 - 1900) {
		snprintf(out, len, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
		    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		    tm.tm_min, tm.tm_sec, (int)frac);
		return;
	}
	p = digits(p, tm.tm_year + 1900, 4);
	*p++ = '-';
	p = digits(p, tm.tm_mon + 1, 2);
	*p++ = '-';
	p = digits(p, tm.tm_mday, 2);
	*p++ = 'T';
	p = digits(p, tm.tm_hour, 2);
	*p++ = ':';
	p = digits(p, tm.tm_min, 2);
	*p++ = ':';
	p = digits(p, tm.tm_sec, 2);
	*p++ = '.';
	p = digits(p, (int)frac, 3);
	*p++ = 'Z';
	n = (size_t)(p - buf);
	if (len == 0)
		return;
	if (n >= len)
		n = len - 1;
	memcpy(out, buf, n);
	out[n] = '\0';
}
