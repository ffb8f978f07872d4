/*
 * route.c: where a request goes.  One place decides it for every tool,
 * so that the request aiq sends and the request aicache keys are the
 * same: the provider (-P, else the one whose own form the record is in,
 * else the one the model implies), then its base URL (--base-url for the
 * run's own provider, else the provider's variable, else its default).
 *
 * The run's own provider is the one of -P (or of the profile), else the
 * one of the default model: the one that --base-url, -H and the key
 * options are for.  A provider the config file declares (-P azure) is
 * reached with its wire format, base URL, key and headers; a built-in one
 * with what the file says of it, if anything.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aitools.h"

/*
 * Sets up the routing of a run: cf is the config file or NULL, provider
 * -P's name (or the profile's) or NULL, base_url --base-url or NULL,
 * default_model the model of requests naming none.
 */
int
ai_router_init(struct ai_router *rt, const struct ai_config *cf,
    const char *provider, const char *default_model, const char *base_url,
    char *err)
{
	size_t i, n;

	memset(rt, 0, sizeof(*rt));
	rt->cf = cf;
	if (provider != NULL) {
		if ((rt->own_conf = ai_config_provider(cf, provider)) == NULL) {
			n = (size_t)snprintf(err, AI_ERRLEN, "not a provider: "
			    "there are openai, anthropic (or claude)");
			for (i = 0; cf != NULL && i < cf->nproviders &&
			    n < AI_ERRLEN; i++)
				n += (size_t)snprintf(err + n, AI_ERRLEN - n,
				    ", %s", cf->providers[i].name);
			return -1;
		}
		rt->forced = rt->own_conf->api;
	}
	rt->own = rt->forced != NULL ? rt->forced :
	    ai_provider_for_model(default_model);
	rt->own_base = base_url;
	return 0;
}

/*
 * How provider p is reached in this run: the run's own provider's conf
 * (-P azure), else what the config file declares under p's name, else
 * p's built-in conf.  Never NULL.
 */
const struct ai_provider_conf *
ai_route_conf(const struct ai_router *rt, const struct ai_provider *p)
{
	const struct ai_provider_conf *c;

	if (rt->own_conf != NULL && p == rt->own)
		return rt->own_conf;
	c = ai_config_provider(rt->cf, p->name);
	return c != NULL && c->api == p ? c : ai_config_provider(NULL,
	    p->name);
}

/* The provider req goes to, or NULL with the reason in err. */
const struct ai_provider *
ai_route_provider(const struct ai_router *rt, const struct ai_request *req,
    char *err)
{
	if (req->native != NULL) {
		if (rt->forced != NULL && rt->forced != req->native) {
			snprintf(err, AI_ERRLEN, "a request in %s's own form "
			    "(\"%s\") cannot go to %s", req->native->name,
			    req->native->native_key, rt->forced->name);
			return NULL;
		}
		return req->native;
	}
	if (rt->forced != NULL)
		return rt->forced;
	return ai_provider_for_model(req->model);
}

/*
 * The base URL of provider conf c in this run, without a final '/', into
 * buf of size bytes: --base-url for the run's own provider, else the
 * config file's, else its wire format's variable, else its default.  An
 * empty variable counts as unset, as for the SDKs.
 */
int
ai_route_base_conf(const struct ai_router *rt,
    const struct ai_provider_conf *c, char *buf, size_t size, char *err)
{
	const struct ai_provider *p = c->api;
	const char *b = NULL;
	size_t n;

	if (rt->own_base != NULL && c == ai_route_conf(rt, rt->own))
		b = rt->own_base;
	else if (c->base_url != NULL)
		b = c->base_url;
	else if ((b = getenv(p->base_env)) == NULL || *b == '\0')
		b = p->default_base;
	if ((n = strlen(b)) >= size) {
		snprintf(err, AI_ERRLEN, "the base URL of %s is longer than "
		    "%zu bytes", c->name, size - 1);
		return -1;
	}
	memcpy(buf, b, n + 1);
	while (n > 0 && buf[n - 1] == '/')
		buf[--n] = '\0';
	return 0;
}

/* The base URL of provider p in this run, as ai_route_base_conf(). */
int
ai_route_base(const struct ai_router *rt, const struct ai_provider *p,
    char *buf, size_t size, char *err)
{
	return ai_route_base_conf(rt, ai_route_conf(rt, p), buf, size, err);
}
