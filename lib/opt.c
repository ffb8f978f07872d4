/*
 * opt.c: option values, read and checked one way in every tool, so that
 * `-t 3` or `--max-tokens 0` gets the same refusal from aiq and aicache.
 * Each function returns 0, or -1 with the reason in err, which the tool
 * shows as "OPTION 'VALUE': REASON" before its usage.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aitools.h"

static int
reason(char *err, const char *fmt, long long a, long long b)
{
	snprintf(err, AI_ERRLEN, fmt, a, b);
	return -1;
}

/* A whole number from min to max, in decimal, with nothing around it. */
int
ai_opt_number(const char *s, int64_t min, int64_t max, int64_t *out,
    char *err)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (*s < '0' || *s > '9' || *end != '\0' || errno != 0 || v < min ||
	    v > max)
		return reason(err, "not a whole number from %lld to %lld",
		    (long long)min, (long long)max);
	*out = (int64_t)v;
	return 0;
}

/* A duration such as 500ms, 30s, 2m or 7d, of at least min_ms. */
int
ai_opt_duration(const char *s, int64_t min_ms, int64_t *ms, char *err)
{
	if (ai_parse_duration(s, ms) == -1 || *ms < min_ms) {
		snprintf(err, AI_ERRLEN, "not a%s duration such as 500ms, 30s, "
		    "2m or 7d", min_ms > 0 ? " positive" : "");
		return -1;
	}
	return 0;
}

/* A sampling temperature: from 0 to 2, as both providers take. */
int
ai_opt_temperature(const char *s, double *t, char *err)
{
	char *end;

	/* Digits and a point only: strtod would take 0x1p0 and 1e0 too. */
	*t = strtod(s, &end);
	if (*s < '0' || *s > '9' || s[strspn(s, "0123456789.")] != '\0' ||
	    *end != '\0' || !(*t >= 0 && *t <= 2)) {
		snprintf(err, AI_ERRLEN, "not a temperature from 0 to 2");
		return -1;
	}
	return 0;
}

/* A size such as 500M: bytes, or K, M, G (powers of 1024), at least 1. */
int
ai_opt_size(const char *s, int64_t *bytes, char *err)
{
	static const char units[] = "KMG";
	const char *u;
	char *end;
	long long v;
	int64_t mul = 1;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (*end != '\0' && (u = strchr(units, *end)) != NULL &&
	    end[1] == '\0') {
		mul = (int64_t)1 << (10 * (u - units + 1));
		end++;
	}
	if (*s < '0' || *s > '9' || *end != '\0' || errno != 0 || v < 1 ||
	    v > INT64_MAX / mul) {
		snprintf(err, AI_ERRLEN, "not a size such as 4096, 64K, 500M "
		    "or 2G");
		return -1;
	}
	*bytes = (int64_t)v * mul;
	return 0;
}

/*
 * An HTTP header line, "Name: value".  A control character (CR or LF
 * above all) would let a value end the header and start another one.
 */
int
ai_opt_header(const char *h, char *err)
{
	const unsigned char *p;
	size_t name = strcspn(h, ":");

	if (h[name] != ':' || name == 0 || strcspn(h, " \t") < name) {
		snprintf(err, AI_ERRLEN, "not a header 'Name: value'");
		return -1;
	}
	for (p = (const unsigned char *)h; *p != '\0'; p++)
		if ((*p < 0x20 && *p != '\t') || *p == 0x7f) {
			snprintf(err, AI_ERRLEN, "a header cannot hold control "
			    "characters (byte 0x%02x)", *p);
			return -1;
		}
	return 0;
}

/* The model of requests that name none: -m, else $AIQ_MODEL, else ours. */
const char *
ai_default_model(const char *given)
{
	const char *env;

	if (given != NULL && *given != '\0')
		return given;
	if ((env = getenv("AIQ_MODEL")) != NULL && *env != '\0')
		return env;
	return AI_DEFAULT_MODEL;
}

/* Sets a default request parameter (-t, --max-tokens); steals v. */
int
ai_params_set(json_t **params, const char *key, json_t *v)
{
	if (v == NULL || (*params == NULL && (*params = json_object()) ==
	    NULL)) {
		json_decref(v);
		return -1;
	}
	return json_object_set_new(*params, key, v);
}
