/*
 * duration.c: durations of options (--deadline 10m, -T 30s, --max-wait)
 * and of aiusage's --since 7d: never negative, and a whole number of
 * seconds reads the same in milliseconds.
 */
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_str(data, size), err[AI_ERRLEN], ms[64];
	int64_t v, w;

	if (ai_parse_duration(s, &v) == 0) {
		FUZZ_ASSERT(v >= 0);
		snprintf(ms, sizeof(ms), "%lldms", (long long)v);
		FUZZ_ASSERT(ai_parse_duration(ms, &w) == 0 &&
		    (w == v || v > INT64_C(1) << 53));	/* past a double's */
	}
	(void)ai_opt_duration(s, 1, &v, err);
	free(s);
	return 0;
}
