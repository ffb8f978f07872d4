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

/* Wall clock, microseconds: what limits are kept in. */
int64_t
ai_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
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

/* The n digits at s as a number, or -1 when they are not all digits. */
static int
read_digits(const char *s, int n)
{
	int v = 0;

	for (; n > 0; n--, s++) {
		if (!isdigit((unsigned char)*s))
			return -1;
		v = v * 10 + (*s - '0');
	}
	return v;
}

/* The days of month m (1 to 12) of year y. */
int
ai_month_days(int y, int m)
{
	static const int days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31,
	    30, 31 };

	return m == 2 && y % 4 == 0 && (y % 100 != 0 || y % 400 == 0) ? 29 :
	    days[m - 1];
}

/* Days from 1970-01-01 to a date of the Gregorian calendar. */
static int64_t
days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/*
 * An RFC 3339 time, from p to end, in milliseconds since the epoch:
 * "2026-12-07T19:55:00Z", with any fraction of a second (rounded up to
 * the millisecond) and a Z or an offset such as "+01:00".
 */
int
ai_parse_rfc3339(const char *p, size_t len, int64_t *ms)
{
	const char *end = p + len;
	int y, mo, d, h, mi, s, oh, om, i, frac = 0, more = 0;
	int64_t off = 0;

	if (end - p < 20 || p[4] != '-' || p[7] != '-' || (p[10] != 'T' &&
	    p[10] != 't' && p[10] != ' ') || p[13] != ':' || p[16] != ':')
		return -1;
	if ((y = read_digits(p, 4)) < 0 || (mo = read_digits(p + 5, 2)) < 1 ||
	    mo > 12 || (d = read_digits(p + 8, 2)) < 1 || d > ai_month_days(y, mo) ||
	    (h = read_digits(p + 11, 2)) < 0 || h > 23 ||
	    (mi = read_digits(p + 14, 2)) < 0 || mi > 59 ||
	    (s = read_digits(p + 17, 2)) < 0 || s > 60)
		return -1;
	p += 19;
	if (*p == '.') {
		for (i = 0, p++; p < end && isdigit((unsigned char)*p); p++, i++)
			if (i < 3)
				frac = frac * 10 + (*p - '0');
			else if (*p != '0')
				more = 1;
		if (i == 0)
			return -1;
		for (; i < 3; i++)
			frac *= 10;
	}
	if (end - p == 1 && (*p == 'Z' || *p == 'z'))
		off = 0;
	else if (end - p == 6 && (*p == '+' || *p == '-') && p[3] == ':' &&
	    (oh = read_digits(p + 1, 2)) >= 0 && oh <= 23 &&
	    (om = read_digits(p + 4, 2)) >= 0 && om <= 59)
		off = (*p == '+' ? 1 : -1) * (oh * 60 + om) * INT64_C(60000);
	else
		return -1;
	*ms = ((days_from_civil(y, mo, d) * 24 + h) * 60 + mi) *
	    INT64_C(60000) + s * 1000 + frac + more - off;
	return 0;
}
