/*
 * fromrecords.c: calls from JSON lines: records of aiq(1), lines of an
 * OpenAI Batch output file, and results of Anthropic's Message Batches.
 *
 * A report reads millions of lines and needs a dozen fields of each, so
 * lines are tokenized by jsmn, which builds no tree, and only the fields
 * wanted are read; jansson (27 times slower on these lines) decodes just
 * the rare string with escapes.
 */
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define JSMN_STATIC
#define JSMN_STRICT
#define JSMN_PARENT_LINKS	/* a closing bracket finds its opening one */
#include <jsmn.h>

#include "aiusage.h"

#define MAX_EPOCH_S	INT64_C(253402300799)	/* 9999-12-31T23:59:59Z */
#define MAX_LATENCY_MS	INT64_C(2592000000)	/* 30 days */
#define MAX_JSMN_TOKENS	(1 << 22)		/* of one line: 64 MiB */
#define MAX_DEPTH	64			/* of brackets in a record */

struct doc {
	const char	*s;
	jsmntok_t	*t;
	int		 n;
};

/* The index of the token after i's subtree. */
static int
skip(const struct doc *d, int i)
{
	int j = i + 1;

	while (j < d->n && d->t[j].start < d->t[i].end)
		j++;
	return j;
}

static int
is_key(const struct doc *d, int i, const char *k, size_t klen)
{
	return d->t[i].type == JSMN_STRING &&
	    (size_t)(d->t[i].end - d->t[i].start) == klen &&
	    memcmp(d->s + d->t[i].start, k, klen) == 0;
}

/* The value of member k of object o, or -1. */
static int
get(const struct doc *d, int o, const char *k)
{
	size_t klen = strlen(k);
	int i, j;

	if (o < 0 || d->t[o].type != JSMN_OBJECT)
		return -1;
	for (i = 0, j = o + 1; i < d->t[o].size && j + 1 < d->n; i++) {
		if (is_key(d, j, k, klen))
			return j + 1;
		j = skip(d, j + 1);
	}
	return -1;
}

/* The value at a dotted path, "aitools.cache.hit", or -1. */
static int
path(const struct doc *d, int o, const char *p)
{
	char k[128];
	size_t n;

	while (o >= 0 && *p != '\0') {
		n = strcspn(p, ".");
		if (n >= sizeof(k))
			return -1;
		memcpy(k, p, n);
		k[n] = '\0';
		o = get(d, o, k);
		p += n + (p[n] == '.');
	}
	return o;
}

/* A whole number from 0 to max, or -1: absent, or anything else. */
static int64_t
integer(const struct doc *d, int i, int64_t max)
{
	char buf[32], *end;
	int len;
	long long v;

	if (i < 0 || d->t[i].type != JSMN_PRIMITIVE)
		return -1;
	len = d->t[i].end - d->t[i].start;
	if (len <= 0 || len >= (int)sizeof(buf))
		return -1;
	memcpy(buf, d->s + d->t[i].start, (size_t)len);
	buf[len] = '\0';
	errno = 0;
	v = strtoll(buf, &end, 10);
	return *end == '\0' && errno == 0 && v >= 0 && v <= max ?
	    (int64_t)v : -1;
}

/*
 * A token count: 0 when absent or null, -1 when not a count, by the
 * rule of ai_token_count_ok() that aiq logs calls by.
 */
static int64_t
count(const struct doc *d, int i, int *bad)
{
	int64_t v;

	if (i < 0 || (d->t[i].type == JSMN_PRIMITIVE &&
	    d->s[d->t[i].start] == 'n'))
		return 0;
	if ((v = integer(d, i, AI_MAX_TOKENS)) < 0 || !ai_token_count_ok(v))
		*bad = 1;
	return v < 0 ? 0 : v;
}

static int
is_true(const struct doc *d, int i)
{
	return i >= 0 && d->t[i].type == JSMN_PRIMITIVE &&
	    d->s[d->t[i].start] == 't';
}

/*
 * The text of string i (or of a number or boolean) into buf, or NULL.
 * Escapes are decoded by jansson; a string that holds NUL is refused.
 */
static const char *
text(const struct doc *d, int i, char *buf, size_t size)
{
	const char *p;
	size_t len;
	json_t *j;

	if (i < 0 || d->t[i].type == JSMN_OBJECT ||
	    d->t[i].type == JSMN_ARRAY ||
	    (d->t[i].type == JSMN_PRIMITIVE && d->s[d->t[i].start] == 'n'))
		return NULL;
	p = d->s + d->t[i].start;
	len = (size_t)(d->t[i].end - d->t[i].start);
	if (d->t[i].type == JSMN_STRING && memchr(p, '\\', len) != NULL) {
		j = json_loadb(p - 1, len + 2, JSON_DECODE_ANY, NULL);
		if (!json_is_string(j) || strlen(json_string_value(j)) !=
		    json_string_length(j)) {
			json_decref(j);
			return NULL;
		}
		snprintf(buf, size, "%s", json_string_value(j));
		json_decref(j);
		return buf;
	}
	if (len >= size)
		len = size - 1;
	memcpy(buf, p, len);
	buf[len] = '\0';
	return buf;
}

/* Scratch space for the strings of one call. */
/* Where a usage object has input, output, cached and reasoning tokens. */
static const char *const chat_counts[] = { "prompt_tokens",
    "completion_tokens", "prompt_tokens_details.cached_tokens",
    "completion_tokens_details.reasoning_tokens" };
static const char *const responses_counts[] = { "input_tokens",
    "output_tokens", "input_tokens_details.cached_tokens",
    "output_tokens_details.reasoning_tokens" };

/*
 * A count of input or output tokens: it must be there, not null, for the
 * call's tokens to be known, as ai_usage_from_openai() has it.
 */
static int64_t
need(const struct doc *d, int i, int *bad)
{
	if (i < 0 || (d->t[i].type == JSMN_PRIMITIVE &&
	    d->s[d->t[i].start] == 'n'))
		*bad = 1;
	return count(d, i, bad);
}

static void
read_counts(const struct doc *d, int u, const char *const k[4],
    struct ai_usage *out, int *bad)
{
	out->input = need(d, path(d, u, k[0]), bad);
	out->output = need(d, path(d, u, k[1]), bad);
	out->cached = count(d, path(d, u, k[2]), bad);
	out->reasoning = count(d, path(d, u, k[3]), bad);
}

/*
 * Reads a usage object: chat.completion's (which Anthropic answers from
 * aiq also carry), the Responses API's, or Anthropic's own, whose
 * input_tokens leave out cache reads and writes.  -1 when there is none,
 * or a count in it is not one: the call's tokens are not known.
 */
static int
read_usage(const struct doc *d, int u, struct ai_usage *out)
{
	int64_t rd;
	int bad = 0;

	memset(out, 0, sizeof(*out));
	if (u < 0 || d->t[u].type != JSMN_OBJECT)
		return -1;
	out->cache_write = count(d, get(d, u, "cache_creation_input_tokens"),
	    &bad);
	out->cache_write_1h = count(d, path(d, u,
	    "cache_creation.ephemeral_1h_input_tokens"), &bad);
	if (get(d, u, "prompt_tokens") >= 0)
		read_counts(d, u, chat_counts, out, &bad);
	else if (get(d, u, "cache_read_input_tokens") >= 0 ||
	    out->cache_write > 0) {
		rd = count(d, get(d, u, "cache_read_input_tokens"), &bad);
		out->input = need(d, get(d, u, "input_tokens"), &bad) + rd +
		    out->cache_write;
		out->output = need(d, get(d, u, "output_tokens"), &bad);
		out->cached = rd;
	} else
		read_counts(d, u, responses_counts, out, &bad);
	if (bad)
		memset(out, 0, sizeof(*out));
	return bad ? -1 : 0;
}

/* Adds member k's text to a dedup hash; whether it was there. */
static int
hash_member(const struct doc *d, int o, const char *k, uint64_t *h)
{
	int i = get(d, o, k);

	if (i < 0 || d->t[i].type != JSMN_STRING)
		return 0;
	*h = hash64(k, strlen(k) + 1, *h);
	*h = hash64(d->s + d->t[i].start, (size_t)(d->t[i].end -
	    d->t[i].start) + 0, *h);
	*h = hash64("", 1, *h);
	return 1;
}

/* An Anthropic Message Batches result: {"custom_id", "result"}. */
static int
anthropic_result(const struct doc *d, int res, struct call *c, struct call_text *s)
{
	int msg = get(d, res, "message");
	const char *type = text(d, get(d, res, "type"), s->status,
	    sizeof(s->status));
	uint64_t h = 0;

	if (type == NULL)
		return -1;
	c->status = strcmp(type, "succeeded") == 0 ? "ok" : type;
	c->provider = "anthropic";
	c->tier = AI_TIER_BATCH;
	c->model = text(d, get(d, msg, "model"), s->model, sizeof(s->model));
	if (read_usage(d, get(d, msg, "usage"), &c->usage) == -1 &&
	    strcmp(c->status, "ok") == 0)
		c->no_usage = 1;
	/* A custom_id is unique within its batch only: errors have no id. */
	if (hash_member(d, msg, "id", &h)) {
		hash_member(d, 0, "custom_id", &h);
		c->id = h | 1;
	}
	return 0;
}

/* The status of a response: ok, or the error code of its HTTP status. */
static const char *
response_status(const struct doc *d, int resp, int body, struct call_text *s)
{
	int64_t code = integer(d, get(d, resp, "status_code"), 999);
	char type[64], ecode[64];
	const char *t, *e;

	if (code <= 0 || (code >= 200 && code < 300))
		return "ok";
	t = text(d, path(d, body, "error.type"), type, sizeof(type));
	e = text(d, path(d, body, "error.code"), ecode, sizeof(ecode));
	snprintf(s->status, sizeof(s->status), "%s",
	    ai_errcode_name(ai_errcode_from_http((long)code, t, e)));
	return s->status;
}

/* The tier an answer was billed at. */
static int
tier_of(const struct doc *d, int body, int usage)
{
	char buf[32];
	const char *t;
	int id = get(d, 0, "id"), tier;

	if (id >= 0 && d->t[id].type == JSMN_STRING &&
	    d->t[id].end - d->t[id].start > 10 &&
	    memcmp(d->s + d->t[id].start, "batch_req_", 10) == 0)
		return AI_TIER_BATCH;	/* a line of OpenAI Batch output */
	if ((t = text(d, get(d, body, "service_tier"), buf, sizeof(buf))) ==
	    NULL)
		t = text(d, get(d, usage, "service_tier"), buf, sizeof(buf));
	return (tier = ai_tier_find(t)) >= 0 ? tier : AI_TIER_STANDARD;
}

/* When the call ended: aiq's "finished", else the answer's "created". */
static int64_t
time_of(const struct doc *d, int meta, int body)
{
	int i = get(d, meta, "finished");
	int64_t ms = 0;

	if (i < 0)
		i = get(d, meta, "started");
	if (i >= 0 && d->t[i].type == JSMN_STRING)
		ms = when_rfc3339(d->s + d->t[i].start, (size_t)(d->t[i].end -
		    d->t[i].start));
	if (ms == 0)
		ms = integer(d, get(d, body, "created"), MAX_EPOCH_S) * 1000;
	return ms > 0 ? ms : 0;
}

/*
 * A record of aiq, or a line of OpenAI Batch output: 0; 1 for an error
 * record of no call (refused before it was sent, by aiq or ailimit: its
 * aitools names no attempts, provider, model nor trace), -1 for a line
 * that is no result.
 */
static int
response_record(const struct doc *d, struct call *c, struct call_text *s)
{
	int meta = get(d, 0, "aitools"), resp = get(d, 0, "response");
	int body = get(d, resp, "body"), error = get(d, 0, "error");
	int usage = get(d, body, "usage");
	const struct ai_provider *p;
	uint64_t h = 0;
	int ids;

	if (resp >= 0 && d->t[resp].type == JSMN_OBJECT)
		c->status = response_status(d, resp, body, s);
	else if (error >= 0 && d->t[error].type == JSMN_OBJECT) {
		c->status = text(d, get(d, error, "code"), s->status,
		    sizeof(s->status));
		if (c->status == NULL)
			c->status = "error";
	} else
		return -1;	/* not a result */
	if (resp < 0 && meta >= 0 && get(d, meta, "attempts") < 0 &&
	    get(d, meta, "provider") < 0 && get(d, meta, "model") < 0 &&
	    get(d, meta, "trace_id") < 0)
		return 1;	/* failed before any call: aiq's, ailimit's */
	c->hit = is_true(d, path(d, meta, "cache.hit"));
	if (c->hit)
		c->status = "cache_hit";
	if ((c->model = text(d, get(d, meta, "model"), s->model,
	    sizeof(s->model))) == NULL &&
	    (c->model = text(d, get(d, body, "model"), s->model,
	    sizeof(s->model))) == NULL &&
	    (c->model = text(d, get(d, 0, "model"), s->model,
	    sizeof(s->model))) == NULL)
		c->model = text(d, path(d, 0, "body.model"), s->model,
		    sizeof(s->model));
	c->provider = text(d, get(d, meta, "provider"), s->provider,
	    sizeof(s->provider));
	c->tier = tier_of(d, body, usage);
	if (c->provider == NULL && c->tier == AI_TIER_BATCH &&
	    get(d, 0, "id") >= 0)
		c->provider = "openai";		/* OpenAI Batch output */
	if (c->provider == NULL && c->model != NULL &&
	    (p = ai_provider_for_model(c->model)) != NULL)
		c->provider = p->name;
	c->service = text(d, get(d, meta, "service"), s->service,
	    sizeof(s->service));
	c->latency_ms = integer(d, get(d, meta, "latency_ms"), MAX_LATENCY_MS);
	c->ts_ms = time_of(d, meta, body);
	if (read_usage(d, usage, &c->usage) == -1 && !c->hit &&
	    strcmp(c->status, "ok") == 0)
		c->no_usage = 1;

	/* The same call, wherever it is found, has the same ids. */
	ids = hash_member(d, 0, "id", &h);
	ids |= hash_member(d, resp, "request_id", &h);
	ids |= hash_member(d, body, "id", &h);
	hash_member(d, 0, "custom_id", &h);
	ids |= hash_member(d, meta, "trace_id", &h);
	/*
	 * aiq -R sends a failed record again under its trace id, and an
	 * error has no other id: the call's times tell the calls apart.
	 */
	hash_member(d, meta, "started", &h);
	hash_member(d, meta, "finished", &h);
	if (c->hit) {		/* a hit written with no trace id */
		int age = path(d, meta, "cache.age_ms");

		if (age >= 0)
			h = hash64(d->s + d->t[age].start, (size_t)(d->t[age].end
			    - d->t[age].start), h);
	}
	if (ids)
		c->id = h | 1;
	return 0;
}

struct parser {
	jsmn_parser	 p;
	jsmntok_t	*tok;
	int		 ntok;
};

struct parser *
parser_new(void)
{
	struct parser *r;

	if ((r = calloc(1, sizeof(*r))) == NULL ||
	    (r->tok = calloc(512, sizeof(*r->tok))) == NULL)
		err(1, NULL);
	r->ntok = 512;
	return r;
}

void
parser_free(struct parser *r)
{
	if (r != NULL)
		free(r->tok);
	free(r);
}

/* Whether s has more than max opening brackets, in strings or not. */
static int
brackets_over(const char *s, size_t len, int max)
{
	const char *c, *p, *e = s + len;
	int n = 0;

	for (c = "{["; *c != '\0'; c++)
		for (p = s; (p = memchr(p, *c, (size_t)(e - p))) != NULL; p++)
			if (++n > max)
				return 1;
	return 0;
}

/*
 * Whether the line nests brackets deeper than MAX_DEPTH.  jsmn finds the
 * bracket that a closing one closes by walking back over the tokens
 * still open, or with parent links up from the last token: either way a
 * line of n nested levels takes n * n steps (200,000 took 8 s), and a
 * record is never that deep.  Most lines have too few brackets to be,
 * which memchr counts fast; the others are read, jumping over strings.
 */
static int
too_deep(const char *s, size_t len)
{
	const char *p = s, *e = s + len, *str, *q;
	int depth = 0;

	if (!brackets_over(s, len, MAX_DEPTH))
		return 0;
	while (p < e)
		switch (*p++) {
		case '{': case '[':
			if (++depth > MAX_DEPTH)
				return 1;
			break;
		case '}': case ']':
			depth--;
			break;
		case '"':	/* to the quote that ends the string */
			for (str = p; (q = memchr(p, '"', (size_t)(e - p))) !=
			    NULL; ) {
				p = q + 1;
				while (q > str && q[-1] == '\\')
					q--;
				if ((p - 1 - q) % 2 == 0)
					break;	/* not escaped */
			}
			if (q == NULL)
				return 0;	/* unended: jsmn says so */
			break;
		}
	return 0;
}

static int
tokenize(struct parser *r, const char *line, size_t len)
{
	int n;

	for (;;) {
		jsmn_init(&r->p);
		n = jsmn_parse(&r->p, line, len, r->tok, (unsigned)r->ntok);
		if (n != JSMN_ERROR_NOMEM)
			return n;
		if (r->ntok >= MAX_JSMN_TOKENS)
			return -1;
		r->ntok *= 2;
		free(r->tok);
		if ((r->tok = calloc((size_t)r->ntok, sizeof(*r->tok))) ==
		    NULL)
			err(1, NULL);
	}
}

/*
 * Whether the tokens are of valid JSON.  jsmn checks brackets and strings
 * but not separators: {"a":1 "b":2} and {"a" 1} pass it.  Between tokens
 * there may only be blanks, quotes, brackets and separators, and as many
 * colons and commas as the objects and arrays need.
 */
static int
well_formed(const char *s, const jsmntok_t *t, int n, size_t len)
{
	long colons = 0, commas = 0;
	int i, from;
	const char *p, *e;

	for (i = 0; i < n; i++) {
		if (t[i].type == JSMN_OBJECT)
			colons += t[i].size;
		if ((t[i].type == JSMN_OBJECT || t[i].type == JSMN_ARRAY) &&
		    t[i].size > 0)
			commas += t[i].size - 1;
		from = i == 0 ? 0 : t[i - 1].type == JSMN_OBJECT ||
		    t[i - 1].type == JSMN_ARRAY ? t[i - 1].start + 1 :
		    t[i - 1].end;
		for (p = s + from, e = s + t[i].start; p < e; p++)
			switch (*p) {
			case ':':	colons--; break;
			case ',':	commas--; break;
			case ' ': case '\t': case '"': case '{': case '}':
			case '[': case ']':
				break;
			default:
				return 0;
			}
	}
	for (p = s + t[n - 1].end, e = s + len; p < e; p++)
		if (*p != '}' && *p != ']' && *p != '"' && *p != ' ' &&
		    *p != '\t')
			return 0;
	return colons == 0 && commas == 0;
}

/*
 * Reads one line (without its newline) into out: a call, a line that is
 * not a result, or a call the filters leave out.  Needs nothing but the
 * options, so that it can run in a thread of its own.
 */
void
parse_record(struct parser *r, const struct opts *o, const char *line,
    size_t len, struct parsed *out)
{
	struct call *c = &out->c;
	struct call_text *s = &out->s;
	struct doc d;
	int n, res, rc;

	memset(c, 0, sizeof(*c));
	c->latency_ms = -1;
	out->kind = PARSED_BAD;
	if (too_deep(line, len) ||
	    (n = tokenize(r, line, len)) <= 0 || r->tok[0].type != JSMN_OBJECT
	    || r->tok[0].end != (int)len || !well_formed(line, r->tok, n, len))
		return;
	d = (struct doc){ line, r->tok, n };
	res = get(&d, 0, "result");
	if ((rc = res >= 0 && d.t[res].type == JSMN_OBJECT ?
	    anthropic_result(&d, res, c, s) :
	    response_record(&d, c, s)) == -1)
		return;
	if (rc == 1) {
		out->kind = PARSED_UNSENT;
		return;
	}
	if (o->batch_tier)
		c->tier = AI_TIER_BATCH;
	if (o->field != NULL)
		c->field = text(&d, path(&d, 0, o->field), s->field,
		    sizeof(s->field));
	if (o->model != NULL && (c->model == NULL ||
	    strcmp(o->model, c->model) != 0))
		c->miss |= MISS_MODEL;
	if (o->service != NULL && (c->service == NULL ||
	    strcmp(o->service, c->service) != 0))
		c->miss |= MISS_SERVICE;
	if (c->ts_ms == 0 ? o->since_ms != 0 || o->until_ms != 0 :
	    c->ts_ms < o->since_ms ||
	    (o->until_ms != 0 && c->ts_ms >= o->until_ms))
		c->miss |= MISS_TIME;
	if (c->miss & (MISS_MODEL | MISS_SERVICE))
		out->kind = PARSED_OUT;
	else if (c->miss != 0 && c->ts_ms == 0)
		out->kind = PARSED_UNDATED;
	else if (c->miss != 0)
		out->kind = PARSED_OUT;
	else
		out->kind = PARSED_CALL;
}
