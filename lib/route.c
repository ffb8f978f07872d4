/*
 * route.c: where a request goes.  One place decides it for every tool,
 * so that the request aiq sends and the request aicache keys are the
 * same: the provider (-P, else the one whose own form the record is in,
 * else the one the model implies), then its base URL (--base-url for the
 * run's own provider, else the provider's variable, else its default).
 *
 * The run's own provider is the one of -P, else the one of the default
 * model: the one that --base-url, -H and the key options are for.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aitools.h"

/*
 * Sets up the routing of a run: provider is -P's name or NULL, base_url
 * --base-url or NULL, default_model the model of requests naming none.
 */
int
ai_router_init(struct ai_router *rt, const char *provider,
    const char *default_model, const char *base_url, char *err)
{
	memset(rt, 0, sizeof(*rt));
	if (provider != NULL &&
	    (rt->forced = ai_provider_named(provider, err)) == NULL)
		return -1;
	rt->own = rt->forced != NULL ? rt->forced :
	    ai_provider_for_model(default_model);
	rt->own_base = base_url;
	return 0;
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
 * The base URL of provider p in this run, without a final '/', into buf
 * of size bytes.  An empty variable counts as unset, as for the SDKs.
 */
int
ai_route_base(const struct ai_router *rt, const struct ai_provider *p,
    char *buf, size_t size, char *err)
{
	const char *b = NULL;
	size_t n;

	if (p == rt->own && rt->own_base != NULL)
		b = rt->own_base;
	else if ((b = getenv(p->base_env)) == NULL || *b == '\0')
		b = p->default_base;
	if ((n = strlen(b)) >= size) {
		snprintf(err, AI_ERRLEN, "the base URL of %s is longer than "
		    "%zu bytes", p->name, size - 1);
		return -1;
	}
	memcpy(buf, b, n + 1);
	while (n > 0 && buf[n - 1] == '/')
		buf[--n] = '\0';
	return 0;
}
