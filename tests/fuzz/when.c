/*
 * when.c: the times of aiusage (cmd/aiusage/when.c): --since and --until
 * as a person writes them, and the RFC 3339 times of records, read from
 * bytes that end where the input does; then the periods and the names of
 * the groups that hold them.  A time of a record shown back in RFC 3339
 * must read the same.
 */
#include <time.h>

#include "fuzz.h"
#include "aiusage.h"

#define NOW	INT64_C(1795430141465)	/* 2026-11-23T10:35:41.465Z */

static void
periods(int64_t ms)
{
	static const enum dim dims[] = { D_HOUR, D_DAY, D_WEEK, D_MONTH };
	char name[64];
	size_t i;

	for (i = 0; i < sizeof(dims) / sizeof(dims[0]); i++)
		when_bucket(dims[i], ms, name, sizeof(name));
	(void)when_period_end(D_DAY, ms);
	(void)when_period_end(D_WEEK, ms);
	(void)when_period_end(D_MONTH, ms);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int tz;
	char *s, shown[40];
	int64_t ms;

	if (!tz++) {	/* a zone with summer time and an odd offset */
		setenv("TZ", "ACST-9:30ACDT,M10.1.0,M4.1.0/3", 1);
		tzset();
	}
	if ((ms = when_rfc3339((const char *)data, size)) != 0) {
		if (ms > 0 && ms < INT64_C(253402300800000)) {
			ai_format_time(ms, shown, sizeof(shown));
			FUZZ_ASSERT(when_rfc3339(shown, strlen(shown)) == ms);
		}
		periods(ms);
	}
	s = fuzz_str(data, size);
	if (when_parse(s, NOW, &ms) == 0)
		periods(ms);
	free(s);
	return 0;
}
