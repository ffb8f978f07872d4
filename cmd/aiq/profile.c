/*
 * profile.c: the config file's say in a run.  Its service and the
 * profile of -p become the run's settings before the flags are read, so
 * that a flag overrides the profile and the profile the defaults; and
 * --show-config prints what came of it, and from where.
 */
#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "aiq.h"

/*
 * Applies the config file and profile of cf as settings; *provider
 * becomes the profile's provider, which -P may then replace.
 */
void
profile_apply(struct config *cf, const char **provider)
{
	const struct ai_profile *p = cf->profile;
	char err[AI_ERRLEN];

	if (cf->file != NULL && cf->file->service != NULL)
		cf->service = cf->file->service;
	if (p == NULL)
		return;
	if (ai_profile_defaults(p, &cf->defaults, err) == -1 ||
	    (cf->tags = ai_profile_tags(p)) == NULL)
		errx(1, "out of memory");
	if (p->service != NULL)
		cf->service = p->service;
	if (p->timeout_ms > 0)
		cf->timeout_ms = p->timeout_ms;
	if (p->provider != NULL)
		*provider = p->provider->name;
}

/* Prints one setting: its name, its value, and where it came from. */
static int
row(const char *name, const char *value, const char *from)
{
	char line[512];

	return fputs(ai_show_line(line, sizeof(line), name, value, from),
	    stdout) == EOF ? -1 : 0;
}

/* Where a profile's key came from: the flag, FILE:LINE, or other. */
static const char *
from(const struct config *cf, const char *flag, const char *key,
    const char *other, char *buf, size_t size)
{
	return ai_show_from(cf->file, cf->profile, flag, key, other, buf,
	    size);
}

/* The conf's headers or query, one a line, secret headers masked. */
static int
pair_rows(const struct config *cf, const struct ai_provider_conf *c,
    const char *what, const json_t *obj)
{
	char at[256], path[256], name[128], num[32];
	const char *k, *v;
	json_t *val;
	int r = 0;

	json_object_foreach((json_t *)obj, k, val) {
		snprintf(name, sizeof(name), "%s.%s", what, k);
		snprintf(path, sizeof(path), "providers.%s.%s.%s", c->name,
		    what, k);
		snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT,
		    json_integer_value(val));
		v = json_is_string(val) ? json_string_value(val) : num;
		if (ai_header_secret(k))	/* a header's, or ?key= */
			v = "***";
		r |= row(name, v, ai_config_where(cf->file, NULL, path, at,
		    sizeof(at)));
	}
	return r;
}

/* The conf key's place (providers.NAME.KEY), else other. */
static const char *
conf_from(const struct config *cf, const struct ai_provider_conf *c,
    const char *key, const char *other, char *buf, size_t size)
{
	char path[256];

	snprintf(path, sizeof(path), "providers.%s.%s", c->name, key);
	return ai_config_where(cf->file, NULL, path, buf, size) != NULL ?
	    buf : other;
}

/*
 * Where the key comes from and whether it is there, into buf, found
 * without reading a file or running a command: --show-config must not
 * ask for a passphrase nor fail for it.
 */
static const char *
key_text(const struct config *cf, const struct ai_provider_conf *c,
    const char *base, char *buf, size_t size)
{
	const char *env, *state, *loop = ai_url_is_loopback(base) ?
	    ", none needed on loopback" : "";
	char src[256];

	ai_key_origin(c, src, sizeof(src));
	if (cf->given.key != NULL)
		snprintf(buf, size, "%s (not read)", cf->given.key + 5);
	else if (c->key_command != NULL)
		snprintf(buf, size, "key_command (not run)");
	else if (c->api_key != NULL)
		snprintf(buf, size, "%s (set, not shown)", src);
	else if (c->key_file != NULL)
		snprintf(buf, size, "%s (%s)", src, access(c->key_file, R_OK) ==
		    0 ? "readable, not shown" : "not readable");
	else if (c->key_env == NULL && c->own)
		snprintf(buf, size, "none declared%s", *loop != '\0' ?
		    " (none needed on loopback)" : "");
	else {
		env = getenv(c->key_env != NULL ? c->key_env : c->api->key_env);
		state = env != NULL && *env != '\0' ? "set, not shown" :
		    "not set";
		snprintf(buf, size, "%s (%s%s)", src, state, *state == 's' ?
		    "" : loop);
	}
	return buf;
}

static int
endpoint_rows(const struct config *cf, const char *base)
{
	const struct ai_provider_conf *c = ai_route_conf(&cf->rt, cf->rt.own);
	char at[256], ks[320], shown[AI_BASELEN];
	const char *env = ai_show_var(cf->rt.own->base_env), *kind;
	int r = 0;

	r |= row("provider", c->name, from(cf, cf->given.provider, "provider",
	    "the default model's", at, sizeof(at)));
	r |= row("api", c->api->name, conf_from(cf, c, "api", "built in", at,
	    sizeof(at)));
	r |= row("base_url", ai_url_redact(base, shown, sizeof(shown)),
	    cf->given.base_url != NULL ? "flag --base-url" : conf_from(cf, c,
	    "base_url", env != NULL ? env : "default", at, sizeof(at)));
	kind = c->api_key != NULL ? "api_key" : c->key_file != NULL ?
	    "key_file" : c->key_command != NULL ? "key_command" : "key_env";
	key_text(cf, c, base, ks, sizeof(ks));
	r |= row("key", ks, cf->given.key != NULL ? cf->given.key :
	    conf_from(cf, c, kind, "default", at, sizeof(at)));
	if (c->auth_header != NULL)
		r |= row("auth_header", c->auth_header, conf_from(cf, c,
		    "auth_header", "", at, sizeof(at)));
	r |= row("trace_header", c->trace_header != NULL ? c->trace_header :
	    "none", conf_from(cf, c, "trace_header", "default", at,
	    sizeof(at)));
	return r | pair_rows(cf, c, "headers", c->headers) |
	    pair_rows(cf, c, "query", c->query);
}

/* A parameter's origin: a flag, else where the profile set it. */
static const char *
param_from(const struct config *cf, const char *k, char *buf, size_t size)
{
	if (strcmp(k, "temperature") == 0 && cf->given.temperature)
		return "flag -t";
	if (strcmp(k, "max_tokens") == 0 && cf->given.max_tokens)
		return "flag --max-tokens";
	return ai_show_set_by(cf->file, cf->profile, 0, k, buf, size);
}

static int
json_rows(const struct config *cf, const char *prefix, const json_t *obj,
    int tags)
{
	char name[160], at[256], v[256];
	const char *k, *f;
	json_t *val;
	int r = 0;

	json_object_foreach((json_t *)obj, k, val) {
		snprintf(name, sizeof(name), "%s.%s", prefix, k);
		if (!tags)
			f = param_from(cf, k, at, sizeof(at));
		else if (json_object_get(cf->given.tags, k) != NULL)
			f = "flag --tag";
		else
			f = ai_show_set_by(cf->file, cf->profile, 1, k, at,
			    sizeof(at));
		r |= row(name, ai_show_value(val, v, sizeof(v)), f);
	}
	return r;
}

/* The profile's fallbacks: the chain, the codes that take it, context's. */
static int
fallback_rows(const struct config *cf)
{
	const struct ai_profile *p = cf->profile;
	char at[256], list[512];
	size_t n = 0;
	int i, r = 0;

	if (p == NULL || (p->nfallback == 0 && p->context_fallback == NULL))
		return 0;
	list[0] = '\0';
	for (i = 0; i < p->nfallback && n < sizeof(list); i++)
		n += (size_t)snprintf(list + n, sizeof(list) - n, "%s%s",
		    i > 0 ? ", " : "", p->fallback[i]);
	if (p->nfallback > 0)
		r |= row("fallback", list, from(cf, NULL, "fallback", "", at,
		    sizeof(at)));
	for (i = 1, n = 0, list[0] = '\0'; i < AI_E_NCODES && n <
	    sizeof(list); i++)
		if (p->fallback_on & (1u << i))
			n += (size_t)snprintf(list + n, sizeof(list) - n,
			    "%s%s", n > 0 ? ", " : "", ai_errcode_name(i));
	r |= row("fallback_on", list, from(cf, NULL, "fallback_on", "default",
	    at, sizeof(at)));
	if (p->context_fallback != NULL)
		r |= row("context_fallback", p->context_fallback, from(cf, NULL,
		    "context_fallback", "", at, sizeof(at)));
	return r;
}

/*
 * --show-config: the run's settings, each with where it came from (a
 * flag, FILE:LINE, a variable, the default).  Secrets are never shown:
 * a key is said to be set, and secret headers are masked.
 */
int
profile_show(const struct config *cf, const char *base)
{
	const char *menv = ai_show_var("AIQ_MODEL");
	char at[256], t[32];
	int r = 0;

	r |= row("config", cf->file != NULL ? cf->file->path : "none", "");
	r |= row("profile", cf->profile != NULL ? cf->profile->name : NULL,
	    cf->profile != NULL ? from(cf, NULL, "name", "", at, sizeof(at)) :
	    "");
	r |= row("service", cf->service, cf->given.service != NULL ?
	    "flag --service" : from(cf, NULL, "service", cf->file != NULL &&
	    ai_config_where(cf->file, NULL, "service", at, sizeof(at)) !=
	    NULL ? at : "", at, sizeof(at)));
	r |= endpoint_rows(cf, base);
	r |= row("model", cf->defaults.model, from(cf, cf->given.model,
	    "model", menv != NULL ? menv : "default",
	    at, sizeof(at)));
	r |= row("timeout", ai_show_ms(cf->timeout_ms, t, sizeof(t)), from(cf,
	    cf->given.timeout, "timeout", "default", at, sizeof(at)));
	r |= row("system", cf->defaults.system, cf->defaults.system == NULL ?
	    "" : from(cf, cf->given.system, "system", "", at, sizeof(at)));
	r |= row("template", cf->defaults.template, cf->defaults.template ==
	    NULL ? "" : from(cf, NULL, "template", "", at, sizeof(at)));
	r |= fallback_rows(cf);
	r |= json_rows(cf, "params", cf->defaults.params, 0);
	r |= json_rows(cf, "tags", cf->tags, 1);
	if (r != 0 || fflush(stdout) == EOF)
		err(1, "write error");
	return 0;
}

/* --list-profiles: the profiles' names, one a line, for completions. */
int
profile_list(const struct ai_config *file)
{
	size_t i;

	for (i = 0; file != NULL && i < file->nprofiles; i++)
		if (puts(file->profiles[i].name) == EOF)
			err(1, "write error");
	if (fflush(stdout) == EOF)
		err(1, "write error");
	return 0;
}
