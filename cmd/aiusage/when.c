/*
 * when.c: the times of reports.  Days, weeks and months are the local
 * time's (TZ), as date(1) shows them; weeks start on Monday, as ISO
 * 8601's do.
 */
#define _XOPEN_SOURCE 700	/* strptime(3) */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "aiusage.h"

static int64_t
local_ms(struct tm *tm)
{
	time_t t;

	tm->tm_isdst = -1;
	if ((t = mktime(tm)) == (time_t)-1)
		return -1;
	return (int64_t)t * 1000;
}

static void
local_tm(int64_t ms, struct tm *tm)
{
	time_t t = (time_t)(ms / 1000);

	localtime_r(&t, tm);
}

/* The start of the day, week or month that holds ms. */
int64_t
when_period_start(int period, int64_t ms)
{
	struct tm tm;

	local_tm(ms, &tm);
	tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
	if (period == D_WEEK)
		tm.tm_mday -= (tm.tm_wday + 6) % 7;
	else if (period == D_MONTH)
		tm.tm_mday = 1;
	return local_ms(&tm);
}

/* The start of the next one. */
int64_t
when_period_end(int period, int64_t ms)
{
	struct tm tm;

	local_tm(when_period_start(period, ms), &tm);
	if (period == D_DAY)
		tm.tm_mday++;
	else if (period == D_WEEK)
		tm.tm_mday += 7;
	else
		tm.tm_mon++;
	return local_ms(&tm);
}

static int	absolute(const char *, int64_t *);

/*
 * A time of --since or --until: "now"; "today", "yesterday", "week",
 * "month" (their starts); "7d", "12h" (that long ago); or a date.
 */
int
when_parse(const char *s, int64_t now, int64_t *out)
{
	int64_t ago;

	if (strcmp(s, "now") == 0)
		*out = now;
	else if (strcmp(s, "today") == 0)
		*out = when_period_start(D_DAY, now);
	else if (strcmp(s, "yesterday") == 0)
		*out = when_period_start(D_DAY, when_period_start(D_DAY, now) -
		    1);
	else if (strcmp(s, "week") == 0)
		*out = when_period_start(D_WEEK, now);
	else if (strcmp(s, "month") == 0)
		*out = when_period_start(D_MONTH, now);
	else if (isdigit((unsigned char)s[0]) && strchr(s, '-') == NULL) {
		if (ai_parse_duration(s, &ago) == -1 || strspn(s,
		    "0123456789.") == strlen(s))
			return -1;	/* a bare number is no time */
		*out = now - ago;
	} else
		return absolute(s, out);
	return 0;
}

/* The name of the hour, day, week or month that holds ms. */
void
when_bucket(enum dim d, int64_t ms, char *out, size_t size)
{
	struct tm tm;

	if (ms <= 0) {
		snprintf(out, size, "-");
		return;
	}
	local_tm(ms, &tm);
	switch (d) {
	case D_HOUR:
		strftime(out, size, "%Y-%m-%dT%H", &tm);
		break;
	case D_WEEK:
		strftime(out, size, "%G-W%V", &tm);
		break;
	case D_MONTH:
		strftime(out, size, "%Y-%m", &tm);
		break;
	default:
		strftime(out, size, "%Y-%m-%d", &tm);
		break;
	}
}

/*
 * A time as --since takes it, in local time: a date at midnight, else to
 * the minute or the second.
 */
void
when_text(int64_t ms, char *out, size_t size)
{
	struct tm tm;

	local_tm(ms, &tm);
	strftime(out, size, tm.tm_sec != 0 ? "%Y-%m-%dT%H:%M:%S" :
	    tm.tm_hour != 0 || tm.tm_min != 0 ? "%Y-%m-%dT%H:%M" : "%Y-%m-%d",
	    &tm);
}

/*
 * "2026-11-23T10:42:09.256Z" as milliseconds, or 0 if not such a time.
 * Read by lib's hand-made reader, not by strptime(3) and timegm(3): a
 * report reads one for each of millions of records.
 */
int64_t
when_rfc3339(const char *s, size_t len)
{
	int64_t ms;

	return ai_parse_rfc3339(s, len, &ms) == 0 ? ms : 0;
}

/*
 * "2026-11-23", "2026-11-23T10:00" or "2026-11-23 10:00:00", local time;
 * or an RFC 3339 time with its Z or offset, as records have them.
 */
static int
absolute(const char *s, int64_t *out)
{
	struct tm tm = { 0 };
	const char *end;

	if ((*out = when_rfc3339(s, strlen(s))) != 0)
		return 0;
	if ((end = strptime(s, "%Y-%m-%d", &tm)) == NULL || !isdigit(
	    (unsigned char)*s) || tm.tm_mday > ai_month_days(tm.tm_year + 1900,
	    tm.tm_mon + 1))
		return -1;	/* strptime takes blanks, and February 30 */
	if (*end == 'T' || *end == ' ') {
		const char *e2 = strptime(end + 1, "%H:%M:%S", &tm);

		if (e2 == NULL && (e2 = strptime(end + 1, "%H:%M", &tm)) ==
		    NULL)
			return -1;
		end = e2;
	}
	if (*end != '\0')
		return -1;
	return (*out = local_ms(&tm)) == -1 ? -1 : 0;
}
