/*
 * config.c: aitools.yaml, the config file every tool reads: the service,
 * the providers declared once, and the profiles (ai_proxy.models), each
 * a named set of settings.  Where the file is, what every key means and
 * which values it takes are decided here and nowhere else; a fault is
 * told as FILE:LINE:COLUMN: KEY: why, before a tool sends anything.
 */
#include <sys/stat.h>

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "aitools.h"

#define CONFIG_MAX_BYTES	(1 << 20)

static const char *const top_keys[] = { "version", "service", "ai_proxy",
	"providers", NULL };
static const char *const proxy_keys[] = { "models", NULL };
static const char *const model_keys[] = { "name", "provider", "model",
	"purpose", "service", "system", "template", "temperature",
	"max_tokens", "params", "tags", "timeout", "cache_ttl", "rate_limit",
	"fallback", "fallback_on", "context_fallback", NULL };
static const char *const provider_keys[] = { "api", "base_url", "key_env",
	"key_file", "key_command", "api_key", "auth_header", "headers",
	"query", "trace_header", NULL };

/* The providers every config has, as if declared with nothing but api. */
static struct ai_provider_conf builtin[] = {
	{ .name = "openai", .api = &ai_openai, .trace_header = "traceparent" },
	{ .name = "anthropic", .api = &ai_anthropic,
	  .trace_header = "traceparent" },
};

struct check;
static int trace_header(struct check *, const json_t *,
	    struct ai_provider_conf *);

struct check {
	struct ai_config *cf;
	json_t		*names;		/* the profiles' names so far */
	struct ai_buf	 path;		/* of the value being checked */
	char		*err;
};

/* Where the value at path was written: its line and column, or 0. */
static void
position(const struct ai_config *cf, const char *path, int exact,
    long *line, long *col)
{
	const json_t *at = json_object_get(cf->where, path);
	char up[512], *dot;

	/* A value of an alias was not written here: its parent's place. */
	snprintf(up, sizeof(up), "%s", path);
	while (at == NULL && !exact && (dot = strrchr(up, '.')) != NULL) {
		*dot = '\0';
		at = json_object_get(cf->where, up);
	}

	*line = (long)json_integer_value(json_array_get(at, 0));
	*col = (long)json_integer_value(json_array_get(at, 1));
}

/* The check's path with .key appended, for the duration of a message. */
static const char *
path_of(struct check *c, const char *key)
{
	static char buf[512];

	snprintf(buf, sizeof(buf), "%.*s%s%s", (int)c->path.len,
	    c->path.data != NULL ? c->path.data : "", c->path.len > 0 &&
	    key != NULL ? "." : "", key != NULL ? key : "");
	return buf;
}

static int __attribute__((format(printf, 3, 4)))
bad(struct check *c, const char *key, const char *fmt, ...)
{
	char why[AI_ERRLEN], path[512], shown[512];
	long line, col;
	va_list ap;

	snprintf(path, sizeof(path), "%s", path_of(c, key));
	position(c->cf, path, 0, &line, &col);
	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	/* The path holds the file's keys: shown, lest they hold escapes. */
	ai_errf(c->err, "%s:%ld:%ld: %s%s%s", c->cf->path, line, col,
	    ai_text_show(shown, sizeof(shown), path), *path != '\0' ? ": " :
	    "", why);
	return -1;
}

/* How many single-byte edits make a into b, up to 3 (a typo's reach). */
static int
edits(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i, j;
	int d[32][32];

	if (la >= 32 || lb >= 32)
		return 3;
	for (i = 0; i <= la; i++)
		d[i][0] = (int)i;
	for (j = 0; j <= lb; j++)
		d[0][j] = (int)j;
	for (i = 1; i <= la; i++)
		for (j = 1; j <= lb; j++) {
			d[i][j] = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);
			if (d[i - 1][j] + 1 < d[i][j])
				d[i][j] = d[i - 1][j] + 1;
			if (d[i][j - 1] + 1 < d[i][j])
				d[i][j] = d[i][j - 1] + 1;
		}
	return d[la][lb];
}

/* Refuses a key not in keys, naming the nearest one and the rest. */
static int
known_keys(struct check *c, const json_t *obj, const char *const *keys,
    const char *what)
{
	char list[AI_ERRLEN], shown[64];
	const char *k, *near;
	json_t *v;
	size_t i, n;

	json_object_foreach((json_t *)obj, k, v) {
		/* x-NAME at the top: a place for anchors, as in compose files */
		if (ai_in_list(keys, k) || (keys == top_keys &&
		    strncmp(k, "x-", 2) == 0))
			continue;
		near = NULL;
		for (i = 0; keys[i] != NULL; i++)
			if (edits(k, keys[i]) <= 2)
				near = keys[i];
		n = (size_t)snprintf(list, sizeof(list), "unknown key %s",
		    ai_text_show(shown, sizeof(shown), k));
		if (near != NULL)
			return bad(c, k, "%s (did you mean %s?)", list, near);
		n += (size_t)snprintf(list + n, sizeof(list) - n, "; %s takes",
		    what);
		for (i = 0; keys[i] != NULL && n < sizeof(list); i++)
			n += (size_t)snprintf(list + n, sizeof(list) - n,
			    "%s %s", i == 0 ? "" : ",", keys[i]);
		/* A list cut short would mislead: the page has them all. */
		if (n + strlen(c->cf->path) + strlen(path_of(c, k)) + 16 >=
		    AI_ERRLEN)
			return bad(c, k, "unknown key %s; aitools.yaml(5) says "
			    "what %s takes", shown, what);
		return bad(c, k, "%s", list);
	}
	return 0;
}

/* An optional string member: non-empty text without a NUL. */
static int
text(struct check *c, const json_t *obj, const char *key, const char **out)
{
	const json_t *v = json_object_get(obj, key);

	*out = NULL;
	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_string(v) || json_string_length(v) == 0 ||
	    strlen(json_string_value(v)) != json_string_length(v))
		return bad(c, key, "%s", "not a text (a string, not empty)");
	*out = json_string_value(v);
	return 0;
}

/* A scalar as text, for values that may be written 3600 or 1h. */
static const char *
scalar_text(const json_t *v, char *buf, size_t size)
{
	if (json_is_string(v))
		return json_string_value(v);
	if (json_is_integer(v) && json_integer_value(v) >= 0) {
		snprintf(buf, size, "%" JSON_INTEGER_FORMAT,
		    json_integer_value(v));
		return buf;
	}
	if (json_is_real(v) && json_real_value(v) >= 0 &&
	    json_real_value(v) < 1e15) {	/* timeout: 1.5 */
		snprintf(buf, size, "%.6f", json_real_value(v));
		return buf;
	}
	return NULL;
}

/* An optional duration: 2000ms, 30s, 1h, or a number of seconds. */
static int
duration(struct check *c, const json_t *obj, const char *key, int64_t *ms)
{
	const json_t *v = json_object_get(obj, key);
	const char *s;
	char buf[32];

	*ms = -1;
	if (v == NULL || json_is_null(v))
		return 0;
	if ((s = scalar_text(v, buf, sizeof(buf))) == NULL ||
	    ai_parse_duration(s, ms) == -1 || *ms < 1)
		return bad(c, key, "%s", "not a duration such as 2000ms, 30s "
		    "or 1h (a bare number is seconds)");
	return 0;
}

static int
number(struct check *c, const json_t *obj, struct ai_profile *p)
{
	const json_t *t = json_object_get(obj, "temperature");
	const json_t *m = json_object_get(obj, "max_tokens");

	if (t != NULL && !json_is_null(t)) {
		if (!json_is_number(t) || json_number_value(t) < 0 ||
		    json_number_value(t) > 2)
			return bad(c, "temperature", "%s", "not a number from "
			    "0 to 2");
		p->temperature = json_number_value(t);
		p->has_temperature = 1;
	}
	if (m != NULL && !json_is_null(m)) {
		if (!json_is_integer(m) || json_integer_value(m) < 1 ||
		    json_integer_value(m) > INT_MAX)
			return bad(c, "max_tokens", "%s", "not a whole number "
			    "from 1 to 2147483647");
		p->max_tokens = json_integer_value(m);
	}
	return 0;
}

/*
 * A rate limit as people write it: "100/min", "5/s", "20000 tokens/min",
 * "1000 requests/day", "input tokens" and "output tokens" for Anthropic's
 * separate limits.
 */
int
ai_rate_parse(const char *s, struct ai_rate *r, char *err)
{
	static const struct { const char *name; int unit; } units[] = {
		{ "", AI_RATE_REQUESTS }, { "requests", AI_RATE_REQUESTS },
		{ "request", AI_RATE_REQUESTS }, { "tokens", AI_RATE_TOKENS },
		{ "input tokens", AI_RATE_INPUT },
		{ "output tokens", AI_RATE_OUTPUT },
	};
	static const struct { const char *name; int64_t s; } pers[] = {
		{ "s", 1 }, { "sec", 1 }, { "second", 1 }, { "m", 60 },
		{ "min", 60 }, { "minute", 60 }, { "h", 3600 },
		{ "hour", 3600 },
		{ "d", 86400 }, { "day", 86400 },
	};
	const char *slash = strrchr(s, '/'), *w;
	char what[32];
	size_t i, n, wl;

	n = strspn(s, "0123456789");
	for (w = s + n; *w == ' '; w++)
		continue;
	wl = slash != NULL ? (size_t)(slash - w) : 0;
	while (wl > 0 && w[wl - 1] == ' ')
		wl--;
	if (n == 0 || n > 12 || slash == NULL || slash < w ||
	    wl >= sizeof(what))
		goto bad;
	r->amount = strtoll(s, NULL, 10);
	snprintf(what, sizeof(what), "%.*s", (int)wl, w);
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (strcmp(what, units[i].name) == 0)
			break;
	if (i == sizeof(units) / sizeof(units[0]) || r->amount < 1)
		goto bad;
	r->unit = units[i].unit;
	for (i = 0; i < sizeof(pers) / sizeof(pers[0]); i++)
		if (strcmp(slash + 1, pers[i].name) == 0) {
			r->per_s = pers[i].s;
			return 0;
		}
bad:
	snprintf(err, AI_ERRLEN, "not a rate such as 100/min, 5/s, "
	    "20000 tokens/min or 1000 requests/day");
	return -1;
}

/*
 * A rate as the limits of ailimit keep it: units a minute, or a day
 * (*daily).  One a second is 60 times as many a minute (its burst of a
 * second lets at most its amount go at once); one an hour a sixtieth, when
 * whole; a day's rate of input or output tokens cannot be kept.  Checked
 * when the file is read, so that a file one tool takes, all take.
 */
int
ai_rate_minute(const struct ai_rate *r, int *daily, int64_t *per, char *err)
{
	*daily = r->per_s == 86400;
	*per = r->per_s == 1 ? r->amount * 60 : r->per_s == 3600 ?
	    r->amount / 60 : r->amount;
	if (*daily && (r->unit == AI_RATE_INPUT || r->unit == AI_RATE_OUTPUT))
		return ai_errf(err, "a day's quota is of requests or tokens, "
		    "not of input or output tokens: write it per minute, or "
		    "as tokens/day");
	if (r->per_s == 3600 && r->amount % 60 != 0)
		return ai_errf(err, "an hour's rate is kept as a minute's, and "
		    "this one is not a whole number a minute: write it per "
		    "minute or per day");
	if (*per > AI_BUCKET_MAX)
		return ai_errf(err, "more than a limit can count");
	return 0;
}

static int
rate(struct check *c, const char *key, const char *s, struct ai_rate *r)
{
	char err[AI_ERRLEN];
	int64_t per;
	int daily;

	if (ai_rate_parse(s, r, err) == -1 ||
	    ai_rate_minute(r, &daily, &per, err) == -1)
		return bad(c, key, "%s", err);
	return 0;
}

static int
rates(struct check *c, const json_t *obj, struct ai_profile *p)
{
	const json_t *v = json_object_get(obj, "rate_limit"), *e;
	char key[32];
	size_t i;

	if (v == NULL || json_is_null(v))
		return 0;
	if (json_is_string(v))
		return rate(c, "rate_limit", json_string_value(v),
		    &p->rates[p->nrates++]);
	if (!json_is_array(v) || json_array_size(v) == 0 ||
	    json_array_size(v) > AI_MAX_RATES)
		return bad(c, "rate_limit", "%s", "not a rate such as 100/min, "
		    "or a list of 1 to 6 of them");
	json_array_foreach(v, i, e) {
		snprintf(key, sizeof(key), "rate_limit.%zu", i);
		if (!json_is_string(e))
			return bad(c, key, "%s", "not a rate such as 100/min");
		if (rate(c, key, json_string_value(e),
		    &p->rates[p->nrates++]) == -1)
			return -1;
	}
	return 0;
}

/* tags: names as --tag takes them, each a string, number or boolean. */
static int
tags(struct check *c, const json_t *obj, struct ai_profile *p)
{
	const json_t *t = json_object_get(obj, "tags"), *v;
	char key[128];
	const char *k;

	if (t == NULL || json_is_null(t))
		return 0;
	if (!json_is_object(t))
		return bad(c, "tags", "%s", "not a mapping of names to values");
	json_object_foreach((json_t *)t, k, v) {
		snprintf(key, sizeof(key), "tags.%s", k);
		if (!ai_tag_name_ok(k))
			return bad(c, key, "%s", "a tag's name is 1 to 64 "
			    "letters, digits, - and _");
		if (!json_is_string(v) && !json_is_number(v) &&
		    !json_is_boolean(v))
			return bad(c, key, "%s", "a tag's value is a string, "
			    "number or boolean");
	}
	p->tags = json_object_size(t) > 0 ? t : NULL;
	return 0;
}

static int
name_ok(const char *s)
{
	size_t n = strspn(s, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-");

	return n > 0 && n <= 64 && s[n] == '\0';
}

/* A template's {{names}}: letters, digits and _, each closed. */
static int
template_ok(struct check *c, const char *t)
{
	const char *s, *e;
	size_t n;

	for (s = t; (s = strstr(s, "{{")) != NULL; s = e + 2) {
		if ((e = strstr(s + 2, "}}")) == NULL)
			return bad(c, "template", "%s", "a {{ that no }} "
			    "closes");
		s += 2 + strspn(s + 2, " ");
		n = strspn(s, "abcdefghijklmnopqrstuvwxyz"
		    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_");
		if (n == 0 || s + n + strspn(s + n, " ") != e)
			return bad(c, "template", "%s", "{{ }} holds a name of "
			    "letters, digits and _, such as {{input}}");
	}
	return 0;
}

static const struct ai_provider_conf *
builtin_named(const char *name)
{
	if (strcmp(name, "claude") == 0)
		name = "anthropic";
	return strcmp(name, "openai") == 0 ? &builtin[0] :
	    strcmp(name, "anthropic") == 0 ? &builtin[1] : NULL;
}

/* The providers are sorted by name, to be found in any number of them. */
static int
by_name(const void *a, const void *b)
{
	return strcmp(((const struct ai_provider_conf *)a)->name,
	    ((const struct ai_provider_conf *)b)->name);
}

static const struct ai_provider_conf *
declared(const struct ai_config *cf, const char *name)
{
	struct ai_provider_conf key = { .name = name };

	if (cf == NULL || cf->nproviders == 0)
		return NULL;
	return bsearch(&key, cf->providers, cf->nproviders,
	    sizeof(*cf->providers), by_name);
}

/*
 * The provider conf named name: one the file declares, else a built-in
 * one (claude is anthropic); cf may be NULL.
 */
const struct ai_provider_conf *
ai_config_provider(const struct ai_config *cf, const char *name)
{
	const struct ai_provider_conf *p;

	if ((p = declared(cf, name)) != NULL || (strcmp(name, "claude") == 0 &&
	    (p = declared(cf, "anthropic")) != NULL))
		return p;
	return builtin_named(name);
}

static int
profile_provider(struct check *c, const json_t *obj, struct ai_profile *p)
{
	const char *name;
	char list[AI_ERRLEN];
	size_t i, n;

	if (text(c, obj, "provider", &name) == -1 || name == NULL)
		return name == NULL ? 0 : -1;
	if ((p->provider = ai_config_provider(c->cf, name)) != NULL)
		return 0;
	n = (size_t)snprintf(list, sizeof(list), "no such provider: there are "
	    "openai, anthropic (or claude)");
	for (i = 0; i < c->cf->nproviders && n < sizeof(list); i++)
		if (builtin_named(c->cf->providers[i].name) == NULL)
			n += (size_t)snprintf(list + n, sizeof(list) - n,
			    ", %s", c->cf->providers[i].name);
	return bad(c, "provider", "%s", list);
}

/* A model to fall back to: MODEL, or PROVIDER/MODEL of a provider. */
static int
target_ok(struct check *c, const char *key, const json_t *v)
{
	const struct ai_provider_conf *pc;
	const char *model;

	if (!json_is_string(v) || json_string_length(v) == 0 ||
	    strlen(json_string_value(v)) != json_string_length(v))
		return bad(c, key, "%s", "not a model, or provider/model");
	if (ai_config_target(c->cf, json_string_value(v), &pc, &model) ==
	    -1 || *model == '\0')
		return bad(c, key, "%s", "provider/ names no model");
	return 0;
}

/* fallback, fallback_on and context_fallback: where a failure goes. */
static int
fallbacks(struct check *c, const json_t *obj, struct ai_profile *p)
{
	const json_t *f = json_object_get(obj, "fallback");
	const json_t *on = json_object_get(obj, "fallback_on"), *v;
	const json_t *cx = json_object_get(obj, "context_fallback");
	char key[64];
	size_t i;
	int code;

	p->fallback_on = AI_FALLBACK_ON;
	if (json_is_string(f) && target_ok(c, "fallback", f) == 0)
		p->fallback[p->nfallback++] = json_string_value(f);
	else if (json_is_string(f))
		return -1;
	else if (f != NULL && !json_is_null(f) && (!json_is_array(f) ||
	    json_array_size(f) > AI_MAX_FALLBACKS))
		return bad(c, "fallback", "%s", "not a model, or a list of 1 "
		    "to 8 of them");
	json_array_foreach(f, i, v) {
		snprintf(key, sizeof(key), "fallback.%zu", i);
		if (target_ok(c, key, v) == -1)
			return -1;
		p->fallback[p->nfallback++] = json_string_value(v);
	}
	if (on != NULL && !json_is_null(on)) {
		if (!json_is_array(on))
			return bad(c, "fallback_on", "%s", "not a list of error "
			    "codes, such as [server, timeout]");
		p->fallback_on = 0;
		json_array_foreach(on, i, v) {
			snprintf(key, sizeof(key), "fallback_on.%zu", i);
			if (!json_is_string(v) || (code = ai_errcode_find(
			    json_string_value(v))) <= 0)
				return bad(c, key, "%s", "not an error code, "
				    "such as server, timeout or rate_limited");
			p->fallback_on |= 1u << code;
		}
	}
	if (cx != NULL && !json_is_null(cx)) {
		if (target_ok(c, "context_fallback", cx) == -1)
			return -1;
		p->context_fallback = json_string_value(cx);
	}
	return 0;
}

/*
 * params are the request's other parameters: those a profile has keys of
 * its own for, or that aiq decides, are refused rather than dropped.
 */
static int
params_ok(struct check *c, const json_t *params)
{
	static const char *const own[][2] = {
		{ "model", "use the profile's model" },
		{ "messages", "the messages are the record's" },
		{ "system", "use the profile's system" },
		{ "stream", "streaming is aiq's --stream and --no-stream" },
	};
	char key[64];
	size_t i;

	for (i = 0; i < sizeof(own) / sizeof(own[0]); i++)
		if (json_object_get(params, own[i][0]) != NULL) {
			snprintf(key, sizeof(key), "params.%s", own[i][0]);
			return bad(c, key, "%s", own[i][1]);
		}
	return 0;
}

static int
profile(struct check *c, const json_t *obj, struct ai_profile *p)
{
	const json_t *params = json_object_get(obj, "params");

	memset(p, 0, sizeof(*p));
	p->cache_ttl_ms = p->timeout_ms = -1;
	if (!json_is_object(obj))
		return bad(c, NULL, "%s", "a model is a mapping with a name");
	if (known_keys(c, obj, model_keys, "a model") == -1 ||
	    text(c, obj, "name", &p->name) == -1)
		return -1;
	if (p->name == NULL || !name_ok(p->name))
		return bad(c, p->name == NULL ? NULL : "name", "%s",
		    "a model needs a name of 1 to 64 letters, digits, ., - "
		    "and _");
	if (json_object_get(c->names, p->name) != NULL)
		return bad(c, "name", "%s", "a second model of this name");
	if (json_object_set_new(c->names, p->name, json_true()) == -1)
		return bad(c, "name", "%s", "out of memory");
	if (text(c, obj, "model", &p->model) == -1 ||
	    text(c, obj, "purpose", &p->purpose) == -1 ||
	    text(c, obj, "service", &p->service) == -1 ||
	    text(c, obj, "system", &p->system) == -1 ||
	    text(c, obj, "template", &p->template) == -1 ||
	    (p->template != NULL && template_ok(c, p->template) == -1) ||
	    profile_provider(c, obj, p) == -1 || number(c, obj, p) == -1 ||
	    duration(c, obj, "timeout", &p->timeout_ms) == -1 ||
	    duration(c, obj, "cache_ttl", &p->cache_ttl_ms) == -1 ||
	    rates(c, obj, p) == -1 || tags(c, obj, p) == -1 ||
	    fallbacks(c, obj, p) == -1)
		return -1;
	if (params != NULL && !json_is_null(params) && !json_is_object(params))
		return bad(c, "params", "%s", "not a mapping of request "
		    "parameters");
	if (params_ok(c, params) == -1)
		return -1;
	p->params = json_object_size(params) > 0 ? params : NULL;
	if (p->service == NULL)
		p->service = c->cf->service;
	return 0;
}

static int
push_path(struct check *c, const char *s, size_t i)
{
	if (c->path.len > 0 && ai_buf_puts(&c->path, ".") == -1)
		return -1;
	return s != NULL ? ai_buf_puts(&c->path, s) : ai_buf_printf(&c->path,
	    "%zu", i);
}

static int
models(struct check *c, const json_t *proxy)
{
	const json_t *list = json_object_get(proxy, "models"), *m;
	size_t i, mark;

	if (list == NULL || json_is_null(list))
		return 0;
	if (!json_is_array(list))
		return bad(c, "models", "%s", "not a list of models");
	if ((c->cf->profiles = calloc(json_array_size(list) + 1,
	    sizeof(*c->cf->profiles))) == NULL)
		return bad(c, NULL, "%s", "out of memory");
	json_array_foreach(list, i, m) {
		mark = c->path.len;
		if (push_path(c, "models", 0) == -1 ||
		    push_path(c, NULL, i) == -1)
			return bad(c, NULL, "%s", "out of memory");
		if (profile(c, m, &c->cf->profiles[c->cf->nprofiles]) == -1)
			return -1;
		c->cf->profiles[c->cf->nprofiles++].index = i;
		c->path.len = mark;
	}
	return 0;
}

/* A header's name: the characters RFC 9110 allows in a token. */
static int
header_name_ok(const char *s)
{
	size_t n = strspn(s, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&'*+-.^_`|~");

	return n > 0 && s[n] == '\0';
}

/* headers and query: mappings of names to strings or numbers. */
static int
pairs(struct check *c, const json_t *obj, const char *key, int headers,
    const json_t **out)
{
	const json_t *m = json_object_get(obj, key), *v;
	struct ai_buf line = { 0 };
	char path[160];
	const char *k;
	int rc;

	*out = NULL;
	if (m == NULL || json_is_null(m))
		return 0;
	if (!json_is_object(m))
		return bad(c, key, "%s", "not a mapping of names to values");
	json_object_foreach((json_t *)m, k, v) {
		snprintf(path, sizeof(path), "%s.%s", key, k);
		if (!json_is_string(v) && !json_is_integer(v))
			return bad(c, path, "%s", "not a string");
		if (headers && !header_name_ok(k))
			return bad(c, path, "%s", "not a header name");
		if (json_is_string(v) && strlen(json_string_value(v)) !=
		    json_string_length(v))
			return bad(c, path, "%s", "a value cannot hold a NUL "
			    "byte");
		/* Gemini's ?key=, a header's api-key: keys in clear. */
		if (ai_header_secret(k) && c->cf->secret_at[0] == '\0')
			memcpy(c->cf->secret_at, path_of(c, path),
			    sizeof(c->cf->secret_at) - 1);
		if (!headers)
			continue;
		/* The whole line checked, however long the value. */
		if (ai_buf_printf(&line, "%s: %s", k, json_is_string(v) ?
		    json_string_value(v) : "0") == -1) {
			ai_buf_free(&line);
			return bad(c, path, "%s", "out of memory");
		}
		rc = ai_opt_header(line.data, c->err);
		ai_buf_free(&line);
		if (rc == -1)
			return bad(c, path, "%s", "a header's value cannot "
			    "hold control characters");
	}
	*out = json_object_size(m) > 0 ? m : NULL;
	return 0;
}

/* query as a URL's query string, each name and value escaped. */
static int
query_string(const json_t *q, char **out)
{
	struct ai_buf b = { 0 };
	char num[32], *ek, *ev;
	const char *k, *s;
	json_t *v;
	int rc = 0;

	*out = NULL;
	json_object_foreach((json_t *)q, k, v) {
		snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT,
		    json_integer_value(v));
		s = json_is_string(v) ? json_string_value(v) : num;
		ek = curl_easy_escape(NULL, k, 0);
		ev = curl_easy_escape(NULL, s, 0);
		if (ek == NULL || ev == NULL || ai_buf_printf(&b, "%s%s=%s",
		    b.len > 0 ? "&" : "", ek, ev) == -1)
			rc = -1;
		curl_free(ek);
		curl_free(ev);
	}
	if (rc == -1)
		ai_buf_free(&b);
	*out = b.data;
	return rc;
}

/* key_file: ~/ is the home directory; a relative one, the file's. */
static int
key_path(struct check *c, struct ai_provider_conf *p)
{
	const char *home = getenv("HOME"), *slash = strrchr(c->cf->path, '/');
	struct ai_buf b = { 0 };
	int rc;

	if (strncmp(p->key_file, "~/", 2) == 0 && home != NULL)
		rc = ai_buf_printf(&b, "%s/%s", home, p->key_file + 2);
	else if (*p->key_file != '/' && slash != NULL)
		rc = ai_buf_printf(&b, "%.*s/%s", (int)(slash - c->cf->path),
		    c->cf->path, p->key_file);
	else
		rc = ai_buf_puts(&b, p->key_file);
	if (rc == -1)
		return bad(c, "key_file", "%s", "out of memory");
	p->key_file = p->key_file_buf = b.data;
	return 0;
}

static int
key_source(struct check *c, const json_t *obj, struct ai_provider_conf *p)
{
	static const char *const keys[] = { "key_env", "key_file",
	    "key_command", "api_key" };
	const char *given = NULL;
	size_t i;

	for (i = 0; i < 4; i++)
		if (json_object_get(obj, keys[i]) != NULL) {
			if (given != NULL)
				return bad(c, keys[i], "%s", "a provider's key "
				    "comes from one of key_env, key_file, "
				    "key_command and api_key");
			given = keys[i];
		}
	if (text(c, obj, "key_env", &p->key_env) == -1 ||
	    text(c, obj, "key_file", &p->key_file) == -1 ||
	    text(c, obj, "key_command", &p->key_command) == -1 ||
	    text(c, obj, "api_key", &p->api_key) == -1)
		return -1;
	if (p->key_file != NULL && key_path(c, p) == -1)
		return -1;
	if (p->api_key != NULL && c->cf->secret_at[0] == '\0')
		memcpy(c->cf->secret_at, path_of(c, "api_key"),
		    sizeof(c->cf->secret_at) - 1);
	return 0;
}

static int
provider_api(struct check *c, const json_t *obj, struct ai_provider_conf *p)
{
	const struct ai_provider_conf *b = builtin_named(p->name);
	const char *api;

	if (text(c, obj, "api", &api) == -1)
		return -1;
	if (api == NULL && b == NULL)
		return bad(c, NULL, "%s", "a provider needs api: openai or "
		    "anthropic (the wire format it speaks)");
	if (api != NULL && (p->api = ai_provider_find(api)) == NULL)
		return bad(c, "api", "%s", "not openai or anthropic");
	if (api == NULL)
		p->api = b->api;
	return 0;
}

static int
provider(struct check *c, const char *name, const json_t *obj,
    struct ai_provider_conf *p)
{
	const char *url;

	memset(p, 0, sizeof(*p));
	p->name = name;
	p->trace_header = "traceparent";
	if (!name_ok(name))
		return bad(c, NULL, "%s", "a provider's name is 1 to 64 "
		    "letters, digits, ., - and _");
	if (strcmp(name, "claude") == 0)
		return bad(c, NULL, "%s", "claude is the alias of anthropic: "
		    "declare it as anthropic");
	p->own = builtin_named(name) == NULL;
	if (!json_is_object(obj))
		return bad(c, NULL, "%s", "a provider is a mapping, with api "
		    "and base_url");
	if (known_keys(c, obj, provider_keys, "a provider") == -1 ||
	    provider_api(c, obj, p) == -1 || text(c, obj, "base_url", &url) ==
	    -1 || key_source(c, obj, p) == -1 || text(c, obj, "auth_header",
	    &p->auth_header) == -1 || pairs(c, obj, "headers", 1,
	    &p->headers) == -1 || pairs(c, obj, "query", 0, &p->query) == -1)
		return -1;
	if (url != NULL && strncmp(url, "http://", 7) != 0 &&
	    strncmp(url, "https://", 8) != 0)
		return bad(c, "base_url", "%s", "not an http:// or https:// "
		    "URL");
	p->base_url = url;
	/* Lest a server of its own get OpenAI's URL, or OpenAI's key. */
	if (p->own && url == NULL)
		return bad(c, NULL, "%s", "a provider of its own needs a "
		    "base_url");
	if (p->auth_header != NULL && !header_name_ok(p->auth_header))
		return bad(c, "auth_header", "%s", "not a header name, such as "
		    "api-key");
	if (p->query != NULL && query_string(p->query, &p->query_string) == -1)
		return bad(c, "query", "%s", "out of memory");
	return trace_header(c, obj, p);
}

/* The header of the W3C trace context: traceparent, another name, none. */
static int
trace_header(struct check *c, const json_t *obj, struct ai_provider_conf *p)
{
	const json_t *v = json_object_get(obj, "trace_header");

	if (v == NULL || json_is_null(v))
		return 0;
	if (json_is_false(v) || (json_is_string(v) &&
	    strcmp(json_string_value(v), "none") == 0)) {
		p->trace_header = NULL;
		return 0;
	}
	if (!json_is_string(v) || !header_name_ok(json_string_value(v)) ||
	    json_string_length(v) > 64)
		return bad(c, "trace_header", "%s", "not a header name (of 64 "
		    "characters at most), or none");
	p->trace_header = json_string_value(v);
	return 0;
}

static int
providers(struct check *c, const json_t *root)
{
	const json_t *m = json_object_get(root, "providers"), *v;
	size_t mark;
	const char *k;

	if (m == NULL || json_is_null(m))
		return 0;
	if (!json_is_object(m))
		return bad(c, "providers", "%s", "not a mapping of names to "
		    "providers");
	if ((c->cf->providers = calloc(json_object_size(m) + 1,
	    sizeof(*c->cf->providers))) == NULL)
		return bad(c, NULL, "%s", "out of memory");
	json_object_foreach((json_t *)m, k, v) {
		mark = c->path.len;
		if (push_path(c, "providers", 0) == -1 ||
		    push_path(c, k, 0) == -1)
			return bad(c, NULL, "%s", "out of memory");
		if (provider(c, k, v, &c->cf->providers[c->cf->nproviders++]) ==
		    -1)
			return -1;
		c->path.len = mark;
	}
	qsort(c->cf->providers, c->cf->nproviders, sizeof(*c->cf->providers),
	    by_name);
	return 0;
}

static int
check_root(struct check *c, const json_t *root)
{
	const json_t *proxy = json_object_get(root, "ai_proxy");
	const json_t *version = json_object_get(root, "version");
	size_t mark;

	if (json_is_null(root))
		return 0;
	if (!json_is_object(root))
		return bad(c, NULL, "%s", "not a mapping: a config file holds "
		    "service, ai_proxy and providers");
	if (known_keys(c, root, top_keys, "the file") == -1 ||
	    text(c, root, "service", &c->cf->service) == -1)
		return -1;
	if (version != NULL && (!json_is_integer(version) ||
	    json_integer_value(version) != 1))
		return bad(c, "version", "%s", "not 1, the only version there "
		    "is");
	if (providers(c, root) == -1)
		return -1;
	if (proxy == NULL || json_is_null(proxy))
		return 0;
	if (!json_is_object(proxy))
		return bad(c, "ai_proxy", "%s", "not a mapping holding models");
	mark = c->path.len;
	if (push_path(c, "ai_proxy", 0) == -1)
		return bad(c, NULL, "%s", "out of memory");
	if (known_keys(c, proxy, proxy_keys, "ai_proxy") == -1 ||
	    models(c, proxy) == -1)
		return -1;
	c->path.len = mark;
	return 0;
}

/*
 * A key in clear in a file others may read is a key given away: refused
 * as ssh refuses a private key, before anything is sent with it.
 */
static int
check_secret(const struct ai_config *cf, int fd, char *err)
{
	struct stat st;

	if (cf->secret_at[0] == '\0')
		return 0;
	if (fstat(fd, &st) == -1) {
		snprintf(err, AI_ERRLEN, "%s: %s", cf->path, strerror(errno));
		return -1;
	}
	if ((st.st_mode & 077) != 0)
		return ai_errf(err, "%s: holds an API key in clear (%s) and "
		    "others may read it: chmod 600 %s, or use key_env, "
		    "key_file or key_command", cf->path, cf->secret_at,
		    cf->path);
	return 0;
}

/*
 * A config file says where keys are sent and which commands give them:
 * one that another user owns or may write is refused, as ssh refuses
 * its config, lest a shared directory's .aitools.yaml redirect them.
 */
static int
check_owner(const struct ai_config *cf, int fd, char *err)
{
	struct stat st;

	if (fstat(fd, &st) == -1)
		return ai_errf(err, "%s: %s", cf->path, strerror(errno));
	if (st.st_uid != getuid() && st.st_uid != 0)
		return ai_errf(err, "%s: is not yours (its owner is uid %ld): a "
		    "config file says where keys go and what commands run; "
		    "chown it to use it", cf->path, (long)st.st_uid);
	if (S_ISREG(st.st_mode) && (st.st_mode & 022) != 0)	/* /dev/null */
		return ai_errf(err, "%s: others may write it (mode %03o): a "
		    "config file says where keys go and what commands run; "
		    "chmod go-w %s", cf->path, (unsigned)(st.st_mode & 0777),
		    cf->path);
	return 0;
}

static char *
read_file(const char *path, int *fdp, size_t *len, char *err)
{
	struct ai_buf b = { 0 };
	char chunk[8192];
	ssize_t n;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		snprintf(err, AI_ERRLEN, "%s: %s", path, strerror(errno));
		return NULL;
	}
	while ((n = read(fd, chunk, sizeof(chunk))) != 0) {
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 || b.len + (size_t)n > CONFIG_MAX_BYTES ||
		    ai_buf_append(&b, chunk, (size_t)n) == -1) {
			snprintf(err, AI_ERRLEN, "%s: %s", path, n == -1 ?
			    strerror(errno) : b.len + (size_t)n >
			    CONFIG_MAX_BYTES ? "larger than 1 MiB" :
			    "out of memory");
			ai_buf_free(&b);
			close(fd);
			return NULL;
		}
	}
	*fdp = fd;
	*len = b.len;
	if (b.data == NULL && ai_buf_append(&b, "", 0) == -1) {
		ai_errf(err, "out of memory");
		close(fd);
		return NULL;
	}
	return b.data;
}

/* Reads and checks the config file at path. */
struct ai_config *
ai_config_load(const char *path, char *err)
{
	struct ai_config *cf;
	struct check c = { .err = err };
	char *text;
	size_t len;
	int fd;

	if ((cf = calloc(1, sizeof(*cf))) == NULL ||
	    (cf->path = strdup(path)) == NULL) {
		free(cf);
		snprintf(err, AI_ERRLEN, "out of memory");
		return NULL;
	}
	c.cf = cf;
	if ((c.names = json_object()) == NULL ||
	    (text = read_file(path, &fd, &len, err)) == NULL) {
		json_decref(c.names);
		if (c.names == NULL)
			ai_errf(err, "out of memory");
		ai_config_free(cf);
		return NULL;
	}
	if (check_owner(cf, fd, err) == -1 ||
	    ai_yaml_load(text, len, path, &cf->root, &cf->where, err) == -1 ||
	    check_root(&c, cf->root) == -1 || check_secret(cf, fd, err) == -1) {
		ai_config_free(cf);
		cf = NULL;
	}
	close(fd);
	free(text);
	ai_buf_free(&c.path);
	json_decref(c.names);
	return cf;
}

void
ai_config_free(struct ai_config *cf)
{
	size_t i;

	if (cf == NULL)
		return;
	for (i = 0; i < cf->nproviders; i++) {
		free(cf->providers[i].query_string);
		free(cf->providers[i].key_file_buf);
	}
	free(cf->providers);
	free(cf->profiles);
	json_decref(cf->root);
	json_decref(cf->where);
	free(cf->path);
	free(cf);
}

/* The profile named name, or NULL with the names there are in err. */
const struct ai_profile *
ai_config_profile(const struct ai_config *cf, const char *name, char *err)
{
	size_t i, n;

	for (i = 0; i < cf->nprofiles; i++)
		if (strcmp(cf->profiles[i].name, name) == 0)
			return &cf->profiles[i];
	if (cf->nprofiles == 0) {
		snprintf(err, AI_ERRLEN, "no profile %s: %s has none "
		    "(ai_proxy.models)", name, cf->path);
		return NULL;
	}
	n = (size_t)snprintf(err, AI_ERRLEN, "no profile %s in %s; there are",
	    name, cf->path);
	for (i = 0; i < cf->nprofiles && n < AI_ERRLEN; i++)
		n += (size_t)snprintf(err + n, AI_ERRLEN - n, "%s %s", i == 0 ?
		    "" : ",", cf->profiles[i].name);
	return NULL;
}

/*
 * Where a profile's key (or, with p NULL, a key at the top of the file)
 * was written, as FILE:LINE into buf; NULL when the file does not set it.
 */
const char *
ai_config_where(const struct ai_config *cf, const struct ai_profile *p,
    const char *key, char *buf, size_t size)
{
	char path[256];
	long line, col;

	if (cf == NULL)
		return NULL;
	if (p != NULL)
		snprintf(path, sizeof(path), "ai_proxy.models.%zu.%s", p->index,
		    key);
	else
		snprintf(path, sizeof(path), "%s", key);
	position(cf, path, 1, &line, &col);
	if (line == 0)
		return NULL;
	snprintf(buf, size, "%s:%ld", cf->path, line);
	return buf;
}

/* Whether path is there: a link that leads nowhere is, to be told. */
static int
exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

/* .aitools.yaml in the working directory or the nearest parent. */
static char *
nearest(void)
{
	char dir[PATH_MAX], path[PATH_MAX + 16], *slash;

	if (getcwd(dir, sizeof(dir)) == NULL)
		return NULL;
	for (;;) {
		snprintf(path, sizeof(path), "%s/.aitools.yaml",
		    strcmp(dir, "/") == 0 ? "" : dir);
		if (exists(path))
			return strdup(path);
		if ((slash = strrchr(dir, '/')) == NULL ||
		    strcmp(dir, "/") == 0)
			return NULL;
		slash[slash == dir] = '\0';
	}
}

/*
 * The config file to read: given (-c), else $AITOOLS_CONFIG, else the
 * nearest .aitools.yaml, else $XDG_CONFIG_HOME/aitools/config.yaml (or
 * ~/.config/...).  NULL with err empty: there is none; NULL with err
 * set: the one named is not there.
 */
char *
ai_config_path(const char *given, char *err)
{
	const char *env = getenv("AITOOLS_CONFIG"), *xdg, *home;
	char path[PATH_MAX], *p;

	*err = '\0';
	if (given == NULL && env != NULL && *env != '\0')
		given = env;
	if (given != NULL) {
		if (exists(given))
			return strdup(given);
		snprintf(err, AI_ERRLEN, "config file %s%s: %s", given,
		    given == env ? " ($AITOOLS_CONFIG)" : "", strerror(errno));
		return NULL;
	}
	if ((p = nearest()) != NULL)
		return p;
	xdg = getenv("XDG_CONFIG_HOME");
	home = getenv("HOME");
	if (xdg != NULL && *xdg == '/')
		snprintf(path, sizeof(path), "%s/aitools/config.yaml", xdg);
	else if (home != NULL && *home == '/')
		snprintf(path, sizeof(path), "%s/.config/aitools/config.yaml",
		    home);
	else
		return NULL;
	return exists(path) ? strdup(path) : NULL;
}

/*
 * What profile p makes of the requests of a run, into d, before the
 * flags have their say: its model, system prompt and template, and its
 * parameters (params, then temperature and max_tokens) in d->params,
 * which the caller then owns.
 */
int
ai_profile_defaults(const struct ai_profile *p, struct ai_defaults *d,
    char *err)
{
	json_t *params = p->params != NULL ? json_deep_copy(p->params) :
	    json_object();

	if (params == NULL || (p->has_temperature && json_object_set_new(
	    params, "temperature", json_real(p->temperature)) == -1) ||
	    (p->max_tokens > 0 && json_object_set_new(params, "max_tokens",
	    json_integer(p->max_tokens)) == -1)) {
		json_decref(params);
		return ai_errf(err, "out of memory");
	}
	if (p->model != NULL)
		d->model = p->model;
	if (p->system != NULL)
		d->system = p->system;
	d->template = p->template;
	json_decref(d->params);
	d->params = json_object_size(params) > 0 ? params : NULL;
	if (d->params == NULL)
		json_decref(params);
	return 0;
}

/*
 * The tags profile p gives every call: its tags, its purpose and its
 * name ("profile"), the tags' own values first.  A new object.
 */
json_t *
ai_profile_tags(const struct ai_profile *p)
{
	json_t *t = p->tags != NULL ? json_deep_copy(p->tags) : json_object();

	if (t == NULL)
		return NULL;
	if ((p->purpose != NULL && json_object_get(t, "purpose") == NULL &&
	    json_object_set_new(t, "purpose", json_string(p->purpose)) == -1) ||
	    (json_object_get(t, "profile") == NULL && json_object_set_new(t,
	    "profile", json_string(p->name)) == -1)) {
		json_decref(t);
		return NULL;
	}
	return t;
}

/*
 * Finds and reads the config file (given: -c, or NULL) and the profile
 * named name (-p, or NULL).  *cfp is NULL when there is no config file
 * and none was asked for.  Returns -1 with the fault in err.
 */
int
ai_config_open(const char *given, const char *name, struct ai_config **cfp,
    const struct ai_profile **pp, char *err)
{
	char *path;

	*cfp = NULL;
	*pp = NULL;
	if ((path = ai_config_path(given, err)) == NULL) {
		if (*err != '\0')
			return -1;
		if (name != NULL)
			return ai_errf(err, "-p %s: no config file (-c, "
			    "$AITOOLS_CONFIG, .aitools.yaml here or above, "
			    "$XDG_CONFIG_HOME/aitools/config.yaml or "
			    "~/.config/aitools/config.yaml)", name);
		return 0;
	}
	*cfp = ai_config_load(path, err);
	free(path);
	if (*cfp == NULL)
		return -1;
	if (name != NULL && (*pp = ai_config_profile(*cfp, name, err)) ==
	    NULL) {
		ai_config_free(*cfp);
		*cfp = NULL;
		return -1;
	}
	return 0;
}

/*
 * A model to fall back to, as the file writes it: PROVIDER/MODEL when
 * what comes before the first '/' names a provider (ollama/llama3.2),
 * which *pc is then; else the model alone, routed by its name, with *pc
 * NULL (meta-llama/Llama-3.1-8B is a model).  *model points into s.
 */
int
ai_config_target(const struct ai_config *cf, const char *s,
    const struct ai_provider_conf **pc, const char **model)
{
	const char *slash = strchr(s, '/');
	char name[72];

	*pc = NULL;
	*model = s;
	if (slash == NULL || slash - s >= (ptrdiff_t)sizeof(name))
		return 0;
	snprintf(name, sizeof(name), "%.*s", (int)(slash - s), s);
	if ((*pc = ai_config_provider(cf, name)) != NULL)
		*model = slash + 1;
	return 0;
}
