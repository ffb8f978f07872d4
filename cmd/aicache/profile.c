/*
 * profile.c: the config file's say in aicache, as in aiq.  The profile
 * of -p gives the defaults of the requests (model, system prompt,
 * template, parameters), its provider, its cache_ttl and its tags before
 * the flags are read, so that a flag overrides the profile and the
 * profile the defaults; the key aicache makes is then the one aiq makes
 * with the same profile.  --show-config prints what came of it, and from
 * where.
 */
#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aicache.h"

/*
 * Applies the config file and the profile as settings: the service of
 * the hits, the request defaults, the provider (which -P may then
 * replace), the ttl (--ttl) and the tags (--tag, name by name).
 */
void
profile_apply(struct opts *o)
{
	const struct ai_profile *p = o->profile;
	char err[AI_ERRLEN];

	if (o->file != NULL && o->file->service != NULL)
		o->service = o->file->service;
	if (p == NULL)
		return;
	if (ai_profile_defaults(p, &o->defaults, err) == -1 ||
	    (o->tags = ai_profile_tags(p)) == NULL)
		errx(1, "out of memory");
	if (p->service != NULL)
		o->service = p->service;
	if (p->provider != NULL)
		o->provider = p->provider->name;
	if (p->cache_ttl_ms > 0)
		o->ttl_ms = p->cache_ttl_ms;
}

/* Prints one setting: its name, its value, and where it came from. */
static int
row(const char *name, const char *value, const char *from)
{
	char line[512];

	return fputs(ai_show_line(line, sizeof(line), name, value, from),
	    stdout) == EOF ? -1 : 0;
}

/* Where a setting came from: flag, else the profile's key, else other. */
static const char *
from(const struct opts *o, const char *flag, const char *key,
    const char *other, char *buf, size_t size)
{
	return ai_show_from(o->file, o->profile, flag, key, other, buf, size);
}

/* The service of the hits: the profile's, else the file's. */
static int
service_row(const struct opts *o)
{
	char at[256];
	const char *f = "";

	if (o->service == NULL)
		return row("service", NULL, "");
	if (o->profile != NULL && ai_config_where(o->file, o->profile,
	    "service", at, sizeof(at)) != NULL)
		f = at;
	else if (ai_config_where(o->file, NULL, "service", at, sizeof(at)) !=
	    NULL)
		f = at;
	return row("service", o->service, f);
}

/* The cache file and the namespace. */
static int
file_rows(const struct opts *o)
{
	const char *f = o->given.path != NULL ? "flag -f" :
	    ai_show_var("AICACHE_DB");

	if (f == NULL)
		f = ai_show_var("XDG_CACHE_HOME") != NULL &&
		    *getenv("XDG_CACHE_HOME") == '/' ? "XDG_CACHE_HOME" :
		    "default";
	return row("cache", o->path != NULL ? o->path : "none", o->path !=
	    NULL ? f : "no AICACHE_DB, XDG_CACHE_HOME nor HOME") | row("namespace", *o->ns != '\0' ?
	    o->ns : "\"\"", o->given_ns ? "flag -n" : "default");
}

/* The ttl: put's lifetime of an entry, get's oldest entry used. */
static int
ttl_row(const struct opts *o, unsigned cmd)
{
	char t[32], at[256];

	return row(cmd == C_PUT ? "ttl (expires)" : "ttl (max age)",
	    ai_show_ms(o->ttl_ms, t, sizeof(t)), from(o, o->given.ttl,
	    "cache_ttl", "default", at, sizeof(at)));
}

/* A provider conf's key's place (providers.NAME.KEY), else other. */
static const char *
conf_from(const struct opts *o, const struct ai_provider_conf *c,
    const char *key, const char *other, char *buf, size_t size)
{
	char path[256];

	snprintf(path, sizeof(path), "providers.%s.%s", c->name, key);
	return ai_config_where(o->file, NULL, path, buf, size) != NULL ?
	    buf : other;
}

/* Where requests go, which the key digests: provider and base URL. */
static int
endpoint_rows(const struct opts *o)
{
	const struct ai_provider *p = o->rt.own;
	const struct ai_provider_conf *c = ai_route_conf(&o->rt, p);
	char base[AI_BASELEN], err[AI_ERRLEN], shown[AI_BASELEN], at[256];
	const char *env = ai_show_var(p->base_env);
	int r = 0;

	r |= row("provider", c->name, from(o, o->given.provider, "provider",
	    "the default model's", at, sizeof(at)));
	r |= row("api", c->api->name, conf_from(o, c, "api", "built in", at,
	    sizeof(at)));
	if (ai_route_base(&o->rt, p, base, sizeof(base), err) == -1)
		errx(1, "%s", err);
	r |= row("base_url", ai_url_redact(base, shown, sizeof(shown)),
	    o->given.base_url != NULL ? "flag --base-url" : conf_from(o, c,
	    "base_url", env != NULL ? env : "default", at, sizeof(at)));
	return r;
}

/* A parameter's origin: a flag, else where the profile set it. */
static const char *
param_from(const struct opts *o, const char *k, char *buf, size_t size)
{
	if (strcmp(k, "temperature") == 0 && o->given.temperature)
		return "flag -t";
	if (strcmp(k, "max_tokens") == 0 && o->given.max_tokens)
		return "flag --max-tokens";
	return ai_show_set_by(o->file, o->profile, 0, k, buf, size);
}

/* A tag's origin: --tag, else where the profile set it. */
static const char *
tag_from(const struct opts *o, const char *k, char *buf, size_t size)
{
	if (json_object_get(o->given.tags, k) != NULL)
		return "flag --tag";
	return ai_show_set_by(o->file, o->profile, 1, k, buf, size);
}

static int
json_rows(const struct opts *o, const char *prefix, const json_t *obj,
    int tags)
{
	char name[160], at[256], v[256];
	const char *k;
	json_t *val;
	int r = 0;

	json_object_foreach((json_t *)obj, k, val) {
		snprintf(name, sizeof(name), "%s.%s", prefix, k);
		r |= row(name, ai_show_value(val, v, sizeof(v)), tags ?
		    tag_from(o, k, at, sizeof(at)) : param_from(o, k, at,
		    sizeof(at)));
	}
	return r;
}

/*
 * --show-config: the settings of the command, each with where it came
 * from (a flag, FILE:LINE, a variable, the default), and nothing read
 * or written.  aicache holds no secret: it never reads a key, and a
 * password in a base URL is masked.
 */
int
profile_show(const struct opts *o, unsigned cmd)
{
	const char *menv = ai_show_var("AIQ_MODEL");
	char at[256];
	int r = 0;

	r |= row("config", o->file != NULL ? o->file->path : "none", "");
	r |= row("profile", o->profile != NULL ? o->profile->name : NULL,
	    o->profile != NULL ? from(o, NULL, "name", "", at, sizeof(at)) :
	    "");
	if (cmd == C_GET)
		r |= service_row(o);
	if (cmd != C_KEY) {
		r |= file_rows(o);
		r |= ttl_row(o, cmd);
	}
	r |= endpoint_rows(o);
	r |= row("model", o->defaults.model, from(o, o->given.model, "model",
	    menv != NULL ? menv : "default", at, sizeof(at)));
	r |= row("system", o->defaults.system, o->defaults.system == NULL ?
	    "" : from(o, o->given.system, "system", "", at, sizeof(at)));
	r |= row("template", o->defaults.template, o->defaults.template ==
	    NULL ? "" : from(o, NULL, "template", "", at, sizeof(at)));
	r |= json_rows(o, "params", o->defaults.params, 0);
	if (cmd == C_GET)
		r |= json_rows(o, "tags", o->tags, 1);
	if (r != 0 || fflush(stdout) == EOF)
		err(1, "write error");
	return 0;
}
