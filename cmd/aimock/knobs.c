/*
 * knobs.c: the knobs, set three ways.  Each has a key (fail_rate), a
 * long flag (--fail-rate), a header (X-Mock-Fail-Rate) and a directive
 * pair in the last user message ([[mock fail_rate=0.5]]).  The flags set
 * the defaults, headers override them, and the directive overrides both.
 */
#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aimock.h"

#define MAX_TOKENS	1000000000L	/* cache tokens */
#define MAX_RETRY	86400L		/* Retry-After, in seconds */
#define MAX_FIRST	1000000L	/* fail_first */

struct knobdef;
typedef int setter(struct knobs *, const struct knobdef *, const char *,
    size_t);

/* A knob: its key, how to parse it, and for a number where it goes. */
struct knobdef {
	const char	*key;
	setter		*set;
	size_t		 off;		/* of a long, for set_long */
	long		 lo, hi;
	const char	*alias;		/* another header, or NULL */
};

static setter set_long, set_status, set_latency, set_code, set_fault,
    set_fail, set_rate;

static const struct knobdef knobdefs[] = {
	{ "cache_read", set_long, offsetof(struct knobs, cache_read), 0,
	    MAX_TOKENS, NULL },
	{ "cache_write", set_long, offsetof(struct knobs, cache_write), 0,
	    MAX_TOKENS, NULL },
	{ "chunk_delay", set_long, offsetof(struct knobs, chunk_delay), 0,
	    MAX_LATENCY, NULL },
	{ "code", set_code, 0, 0, 0, "X-Mock-Error-Code" },
	{ "fail", set_fail, 0, 0, 0, NULL },
	{ "fail_first", set_long, offsetof(struct knobs, fail_first), 0,
	    MAX_FIRST, NULL },
	{ "fail_rate", set_rate, 0, 0, 0, NULL },
	{ "fault", set_fault, 0, 0, 0, NULL },
	{ "latency", set_latency, 0, 0, 0, NULL },
	{ "retry_after", set_long, offsetof(struct knobs, retry_after), 0,
	    MAX_RETRY, NULL },
	{ "retry_after_ms", set_long, offsetof(struct knobs, retry_after_ms),
	    0, MAX_LATENCY, NULL },
	{ "status", set_status, 0, 0, 0, NULL },
};
#define NKNOBS (sizeof(knobdefs) / sizeof(knobdefs[0]))

static const char *const faultnames[] = {
	[F_NONE] = "none", [F_HANG] = "hang", [F_DROP] = "drop",
	[F_MALFORMED] = "malformed", [F_CUT] = "cut",
	[F_TRUNCATE] = "truncate",
};

void
knobs_init(struct knobs *k)
{
	memset(k, 0, sizeof(*k));
	k->status = 200;
	k->fail[0].status = 500;
	k->nfail = 1;
	k->retry_after = k->retry_after_ms = -1;
}

/* Parses the decimal number s[0..n) within [lo, hi]. */
int
parse_num(const char *s, size_t n, long lo, long hi, long *out)
{
	char buf[24], *end;
	long v;

	if (n == 0 || n >= sizeof(buf) || !isdigit((unsigned char)s[0]))
		return -1;
	memcpy(buf, s, n);
	buf[n] = '\0';
	errno = 0;
	v = strtol(buf, &end, 10);
	if (*end != '\0' || errno != 0 || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

static int
set_long(struct knobs *k, const struct knobdef *d, const char *s, size_t n)
{
	return parse_num(s, n, d->lo, d->hi, (long *)(void *)((char *)k +
	    d->off));
}

static int
set_status(struct knobs *k, const struct knobdef *d, const char *s, size_t n)
{
	long v;

	if (parse_num(s, n, 200, 599, &v) == -1)
		return -1;
	k->status = (int)v;
	return 0;
}

/* A latency is "MS" or "MIN-MAX". */
static int
set_latency(struct knobs *k, const struct knobdef *d, const char *s,
    size_t n)
{
	const char *dash;
	long lo, hi;

	if ((dash = memchr(s, '-', n)) == NULL) {
		if (parse_num(s, n, 0, MAX_LATENCY, &lo) == -1)
			return -1;
		hi = lo;
	} else if (parse_num(s, dash - s, 0, MAX_LATENCY, &lo) == -1 ||
	    parse_num(dash + 1, n - (dash - s) - 1, 0, MAX_LATENCY,
	    &hi) == -1 || lo > hi)
		return -1;
	k->lat_min = lo;
	k->lat_max = hi;
	return 0;
}

/* Error codes go into JSON and headers verbatim, so keep them plain. */
static int
set_code(struct knobs *k, const struct knobdef *d, const char *s, size_t n)
{
	size_t i;

	if (n == 0 || n >= sizeof(k->code))
		return -1;
	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && strchr("_.-", s[i]) == NULL)
			return -1;
	memcpy(k->code, s, n);
	k->code[n] = '\0';
	return 0;
}

static int
fault_name(const char *s, size_t n, enum fault *f)
{
	size_t i;

	for (i = 0; i < sizeof(faultnames) / sizeof(faultnames[0]); i++)
		if (strlen(faultnames[i]) == n &&
		    strncmp(faultnames[i], s, n) == 0) {
			*f = (enum fault)i;
			return 0;
		}
	return -1;
}

static int
set_fault(struct knobs *k, const struct knobdef *d, const char *s, size_t n)
{
	return fault_name(s, n, &k->fault);
}

/* A fail list: statuses from 400 to 599 and fault names, comma-separated. */
static int
set_fail(struct knobs *k, const struct knobdef *d, const char *s, size_t n)
{
	struct failure f[MAX_FAIL];
	const char *end = s + n, *comma;
	size_t len;
	int nf = 0;
	long v;

	for (;;) {
		comma = memchr(s, ',', end - s);
		len = (comma != NULL ? comma : end) - s;
		if (nf == MAX_FAIL)
			return -1;
		f[nf].status = 0;
		f[nf].fault = F_NONE;
		if (parse_num(s, len, 400, 599, &v) == 0)
			f[nf].status = (int)v;
		else if (fault_name(s, len, &f[nf].fault) == -1 ||
		    f[nf].fault == F_NONE)
			return -1;
		nf++;
		if (comma == NULL)
			break;
		s = comma + 1;
	}
	memcpy(k->fail, f, (size_t)nf * sizeof(f[0]));
	k->nfail = nf;
	return 0;
}

/* A probability: a plain decimal from 0 to 1, such as 0.25 or 1. */
static int
set_rate(struct knobs *k, const struct knobdef *d, const char *s, size_t n)
{
	char buf[24], *end;
	size_t i, digits = 0, dots = 0;
	double v;

	if (n == 0 || n >= sizeof(buf))
		return -1;
	for (i = 0; i < n; i++) {
		if (isdigit((unsigned char)s[i]))
			digits++;
		else if (s[i] == '.')
			dots++;
		else
			return -1;
	}
	if (digits == 0 || dots > 1)
		return -1;
	memcpy(buf, s, n);
	buf[n] = '\0';
	v = strtod(buf, &end);
	if (*end != '\0' || v < 0 || v > 1)
		return -1;
	k->fail_rate = v;
	return 0;
}

/*
 * Sets the knob key[0..klen) from val[0..vlen).  Returns 0, -1 for a bad
 * value, or 1 for an unknown key, which directives ignore so they can
 * grow.
 */
int
knob_set(struct knobs *k, const char *key, size_t klen, const char *val,
    size_t vlen)
{
	size_t i;

	for (i = 0; i < NKNOBS; i++)
		if (strlen(knobdefs[i].key) == klen &&
		    strncmp(knobdefs[i].key, key, klen) == 0)
			return knobdefs[i].set(k, &knobdefs[i], val, vlen) ==
			    -1 ? -1 : 0;
	return 1;
}

/* The header of a key: fail_rate is X-Mock-Fail-Rate. */
static void
header_name(const char *key, char *out, size_t len)
{
	size_t i, o;
	int up = 1;

	o = (size_t)snprintf(out, len, "X-Mock-");
	for (i = 0; key[i] != '\0' && o < len - 1; i++, o++) {
		out[o] = key[i] == '_' ? '-' : up ?
		    (char)toupper((unsigned char)key[i]) : key[i];
		up = key[i] == '_';
	}
	out[o] = '\0';
}

static int
header_knob(struct knobs *k, struct MHD_Connection *c,
    const struct knobdef *d, const char *name)
{
	const char *v;

	v = MHD_lookup_connection_value(c, MHD_HEADER_KIND, name);
	return v == NULL ? 0 : d->set(k, d, v, strlen(v));
}

/*
 * Reads the X-Mock-* headers into k.  Returns 0, or -1 with the name of
 * the first header with a bad value in bad.
 */
int
knob_headers(struct knobs *k, struct MHD_Connection *c, char *bad,
    size_t len)
{
	char name[64];
	size_t i;
	int ret = 0;

	for (i = 0; i < NKNOBS; i++) {
		header_name(knobdefs[i].key, name, sizeof(name));
		if (knobdefs[i].alias != NULL && header_knob(k, c,
		    &knobdefs[i], knobdefs[i].alias) == -1 && ret == 0) {
			snprintf(bad, len, "%s", knobdefs[i].alias);
			ret = -1;
		}
		if (header_knob(k, c, &knobdefs[i], name) == -1 && ret == 0) {
			snprintf(bad, len, "%s", name);
			ret = -1;
		}
	}
	return ret;
}

/*
 * Reads the first [[mock key=value ...]] directive in text into the
 * request's knobs.  Pairs are separated by spaces.
 */
void
knob_directive(struct mockreq *mr, const char *text)
{
	const char *p, *end, *tok, *eq;

	if ((p = strstr(text, "[[mock")) == NULL ||
	    (end = strstr(p, "]]")) == NULL)
		return;
	for (p += 6; p < end; p = tok) {
		while (p < end && *p == ' ')
			p++;
		for (tok = p; tok < end && *tok != ' '; tok++)
			continue;
		if ((eq = memchr(p, '=', tok - p)) == NULL)
			continue;
		if (knob_set(&mr->k, p, eq - p, eq + 1, tok - eq - 1) == -1)
			reject(mr, 400, NULL,
			    "Invalid [[mock %.*s]] directive (mock)",
			    (int)(tok - p), p);
	}
}
