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
#define VALUE_MAX	64		/* bytes of a value we copy to parse */

struct knobdef;
/* Sets a knob from a value, or returns -1 with the reason in err. */
typedef int setter(struct knobs *, const struct knobdef *, const char *,
    size_t, char *);

/* A knob: its key, how to parse it, and for a number where it goes. */
struct knobdef {
	const char	*key;
	setter		*set;
	size_t		 off;		/* of a long, for set_long */
	long		 lo, hi;
	const char	*alias;		/* another header, or NULL */
};

static setter set_tokens, set_long, set_status, set_latency, set_code,
    set_fault, set_fail, set_rate, set_pad;

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
	{ "pad", set_pad, 0, 0, 0, NULL },
	{ "prompt_tokens", set_tokens, 0, 0, 0, NULL },
	{ "ratelimit", set_long, offsetof(struct knobs, ratelimit), 0, 1,
	    NULL },
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
	[F_TRUNCATE] = "truncate", [F_BAD_UTF8] = "bad_utf8",
	[F_BAD_UTF8_ERROR] = "bad_utf8_error",
	[F_BAD_UTF8_HEADER] = "bad_utf8_header", [F_LONG_ERROR] = "long_error",
	[F_STREAM_ERROR] = "stream_error", [F_ENDLESS] = "endless",
	[F_PADDED] = "padded",
};
#define NFAULTS (sizeof(faultnames) / sizeof(faultnames[0]))

void
knobs_init(struct knobs *k)
{
	memset(k, 0, sizeof(*k));
	k->status = 200;
	k->fail[0].status = 500;
	k->nfail = 1;
	k->retry_after = k->retry_after_ms = -1;
	k->ratelimit = 1;
}

/*
 * Copies the value s[0..n), which headers and directives do not end with
 * a NUL, into buf of VALUE_MAX bytes; a longer one is refused whole.
 */
static int
value_str(const char *s, size_t n, char *buf, char *err)
{
	if (n >= VALUE_MAX || memchr(s, '\0', n) != NULL) {
		snprintf(err, AI_ERRLEN, "too long");
		return -1;
	}
	memcpy(buf, s, n);
	buf[n] = '\0';
	return 0;
}

/* The whole number s[0..n) within [lo, hi], as every tool reads one. */
int
knob_number(const char *s, size_t n, long lo, long hi, long *out, char *err)
{
	char buf[VALUE_MAX];
	int64_t v;

	if (value_str(s, n, buf, err) == -1 ||
	    ai_opt_number(buf, lo, hi, &v, err) == -1)
		return -1;
	*out = (long)v;
	return 0;
}

static int
set_long(struct knobs *k, const struct knobdef *d, const char *s, size_t n,
    char *err)
{
	return knob_number(s, n, d->lo, d->hi, (long *)(void *)((char *)k +
	    d->off), err);
}

/*
 * The prompt token count to report instead of the real one: any whole
 * number, negative or past any call, to try a client's checks.
 */
static int
set_tokens(struct knobs *k, const struct knobdef *d, const char *s,
    size_t n, char *err)
{
	char buf[VALUE_MAX], *end;
	long long v;

	if (value_str(s, n, buf, err) == -1)
		return -1;
	errno = 0;
	v = strtoll(buf, &end, 10);
	if (*buf == '\0' || *end != '\0' || errno != 0) {
		snprintf(err, AI_ERRLEN, "not a whole number");
		return -1;
	}
	k->prompt_tokens = v;
	k->prompt_set = 1;
	return 0;
}

static int
set_status(struct knobs *k, const struct knobdef *d, const char *s, size_t n,
    char *err)
{
	long v;

	if (knob_number(s, n, 200, 599, &v, err) == -1)
		return -1;
	k->status = (int)v;
	return 0;
}

/* A latency is "MIN-MAX", or "MS", read as "MS-MS". */
static int
set_latency(struct knobs *k, const struct knobdef *d, const char *s,
    size_t n, char *err)
{
	const char *dash = memchr(s, '-', n);
	size_t len = dash != NULL ? (size_t)(dash - s) : n;
	long lo, hi;

	if (knob_number(s, len, 0, MAX_LATENCY, &lo, err) == -1 ||
	    knob_number(dash != NULL ? dash + 1 : s, dash != NULL ?
	    n - len - 1 : n, 0, MAX_LATENCY, &hi, err) == -1 || lo > hi) {
		snprintf(err, AI_ERRLEN, "not milliseconds from 0 to %ld, or a "
		    "range MIN-MAX of them", (long)MAX_LATENCY);
		return -1;
	}
	k->lat_min = lo;
	k->lat_max = hi;
	return 0;
}

/* Error codes go into JSON and headers verbatim, so keep them plain. */
static int
set_code(struct knobs *k, const struct knobdef *d, const char *s, size_t n,
    char *err)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && (s[i] == '\0' ||
		    strchr("_.-", s[i]) == NULL))
			break;
	if (n == 0 || n >= sizeof(k->code) || i < n) {
		snprintf(err, AI_ERRLEN, "not a code of 1 to %zu letters, "
		    "digits, '_', '.' and '-'", sizeof(k->code) - 1);
		return -1;
	}
	memcpy(k->code, s, n);
	k->code[n] = '\0';
	return 0;
}

static int
fault_name(const char *s, size_t n, enum fault *f)
{
	size_t i;

	for (i = 0; i < NFAULTS; i++)
		if (strlen(faultnames[i]) == n &&
		    strncmp(faultnames[i], s, n) == 0) {
			*f = (enum fault)i;
			return 0;
		}
	return -1;
}

/* Says which faults there are, for a bad fault or fail list. */
static int
no_fault(char *err, const char *what)
{
	size_t i, o;

	o = (size_t)snprintf(err, AI_ERRLEN, "%s", what);
	for (i = 1; i < NFAULTS && o < AI_ERRLEN; i++)
		o += (size_t)snprintf(err + o, AI_ERRLEN - o, "%s%s",
		    i > 1 ? ", " : "", faultnames[i]);
	return -1;
}

static int
set_fault(struct knobs *k, const struct knobdef *d, const char *s, size_t n,
    char *err)
{
	if (fault_name(s, n, &k->fault) == -1)
		return no_fault(err, "not a fault: none, ");
	return 0;
}

/* A fail list: statuses from 400 to 599 and fault names, comma-separated. */
static int
set_fail(struct knobs *k, const struct knobdef *d, const char *s, size_t n,
    char *err)
{
	struct failure f[MAX_FAIL];
	const char *end = s + n, *comma;
	size_t len;
	int nf = 0;
	long v;

	for (;;) {
		comma = memchr(s, ',', end - s);
		len = (comma != NULL ? comma : end) - s;
		if (nf == MAX_FAIL) {
			snprintf(err, AI_ERRLEN, "more than %d items",
			    MAX_FAIL);
			return -1;
		}
		f[nf].status = 0;
		f[nf].fault = F_NONE;
		if (knob_number(s, len, 400, 599, &v, err) == 0)
			f[nf].status = (int)v;
		else if (fault_name(s, len, &f[nf].fault) == -1 ||
		    f[nf].fault == F_NONE)
			return no_fault(err, "not a list of statuses from 400 "
			    "to 599 and faults: ");
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
set_rate(struct knobs *k, const struct knobdef *d, const char *s, size_t n,
    char *err)
{
	char buf[VALUE_MAX];
	double v = -1;

	/* digits and at most one dot: no sign, exponent, "inf" or "nan" */
	if (value_str(s, n, buf, err) == 0 && n > 0 &&
	    strspn(buf, "0123456789.") == n &&
	    strchr(buf, '.') == strrchr(buf, '.') && strcmp(buf, ".") != 0)
		v = strtod(buf, NULL);
	if (!(v >= 0 && v <= 1)) {
		snprintf(err, AI_ERRLEN, "not a probability from 0 to 1");
		return -1;
	}
	k->fail_rate = v;
	return 0;
}

/* A size such as 60M for the padded and endless faults, or 0: none. */
static int
set_pad(struct knobs *k, const struct knobdef *d, const char *s, size_t n,
    char *err)
{
	char buf[VALUE_MAX];

	if (value_str(s, n, buf, err) == -1)
		return -1;
	if (strcmp(buf, "0") == 0) {
		k->pad = 0;
		return 0;
	}
	return ai_opt_size(buf, &k->pad, err);
}

/*
 * Sets the knob key[0..klen) from val[0..vlen).  Returns 0, -1 for a bad
 * value with the reason in err, or 1 for an unknown key, which
 * directives ignore so they can grow.
 */
int
knob_set(struct knobs *k, const char *key, size_t klen, const char *val,
    size_t vlen, char *err)
{
	size_t i;

	for (i = 0; i < NKNOBS; i++)
		if (strlen(knobdefs[i].key) == klen &&
		    strncmp(knobdefs[i].key, key, klen) == 0)
			return knobdefs[i].set(k, &knobdefs[i], val, vlen,
			    err) == -1 ? -1 : 0;
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
	char err[AI_ERRLEN];
	const char *v;

	v = MHD_lookup_connection_value(c, MHD_HEADER_KIND, name);
	return v == NULL ? 0 : d->set(k, d, v, strlen(v), err);
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
	char err[AI_ERRLEN];

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
		if (knob_set(&mr->k, p, eq - p, eq + 1, tok - eq - 1,
		    err) == -1)
			reject(mr, 400, NULL,
			    "Invalid [[mock %.*s]] directive (mock)",
			    (int)(tok - p), p);
	}
}
