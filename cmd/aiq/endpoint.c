/* endpoint.c: a provider as reached by this run, and keeping keys secret. */
#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aiq.h"

static int
append(struct curl_slist **l, const char *s)
{
	struct curl_slist *n = curl_slist_append(*l, s);

	if (n == NULL)
		return -1;
	*l = n;
	return 0;
}

static int
add_auth(struct endpoint *ep, const char *key)
{
	struct ai_buf h = { 0 };
	int r;

	r = ai_buf_puts(&h, ep->prov->auth_header) == -1 ||
	    ai_buf_puts(&h, key) == -1 || append(&ep->headers, h.data) == -1;
	if (h.data != NULL)
		explicit_bzero(h.data, h.len);
	ai_buf_free(&h);
	return r ? -1 : 0;
}

static int
fixed_headers(struct endpoint *ep, const char *key, struct curl_slist *extra)
{
	const char *const *h;

	if (append(&ep->headers, "Content-Type: application/json") == -1 ||
	    append(&ep->headers, "Expect:") == -1 ||
	    (key != NULL && add_auth(ep, key) == -1))
		return -1;
	for (h = ep->prov->headers; h != NULL && *h != NULL; h++)
		if (append(&ep->headers, *h) == -1)
			return -1;
	for (; extra != NULL; extra = extra->next)
		if (append(&ep->headers, extra->data) == -1)
			return -1;
	return 0;
}

static void
endpoint_free(struct endpoint *ep)
{
	struct curl_slist *l;

	for (l = ep->headers; l != NULL; l = l->next)
		explicit_bzero(l->data, strlen(l->data));
	curl_slist_free_all(ep->headers);
	if (ep->key != NULL)
		explicit_bzero(ep->key, strlen(ep->key));
	free(ep->key);
	free(ep->base);
	while (ep->ndenied > 0)
		free(ep->denied[--ep->ndenied].model);
	free(ep->denied);
	memset(ep, 0, sizeof(*ep));
}

/*
 * Sets up how requests reach provider p: the base URL, as ai_route_base()
 * gives it (checked: no plain http off loopback unless allowed) and the
 * headers every request carries, -H's only for the run's own provider,
 * as they may hold its secrets.
 * A key is required off loopback, as the official SDKs require one.
 * Returns NULL with the code and message of the failure.
 */
struct endpoint *
endpoint_init(struct aiq *q, const struct ai_provider *p, const char *base,
    const char *key, enum ai_errcode *code, char *err)
{
	struct endpoint *ep;
	int i;

	for (i = 0; i < MAX_PROVIDERS && q->eps[i].prov != NULL; i++)
		continue;		/* a place for each provider there is */
	if (i == MAX_PROVIDERS)
		errx(1, "more providers than MAX_PROVIDERS");
	ep = &q->eps[i];
	*code = AI_E_INVALID_INPUT;
	if (ai_url_check(base, q->cf->allow_http, err) == -1)
		return NULL;
	if (key == NULL && !ai_url_is_loopback(base)) {
		*code = AI_E_AUTH;
		if (p == q->cf->rt.own)
			snprintf(err, AI_ERRLEN, "no API key for %s: set %s, "
			    "or use --key-file or --key-command", p->name,
			    p->key_env);
		else	/* the key options went to the run's own provider */
			snprintf(err, AI_ERRLEN, "no API key for %s: set %s, "
			    "or make it the run's provider with -P %s to use "
			    "--key-file or --key-command", p->name, p->key_env,
			    p->name);
		return NULL;
	}
	ep->prov = p;
	if ((ep->base = strdup(base)) == NULL ||
	    (key != NULL && (ep->key = strdup(key)) == NULL))
		goto oom;
	if (fixed_headers(ep, key, p == q->cf->rt.own ? q->cf->extra : NULL) ==
	    -1)
		goto oom;
	return ep;
oom:
	errx(1, "out of memory");
}

/*
 * The endpoint of provider p, set up on first use from the provider's
 * own variables (ANTHROPIC_API_KEY, ANTHROPIC_BASE_URL...).
 */
struct endpoint *
endpoint_get(struct aiq *q, const struct ai_provider *p,
    enum ai_errcode *code, char *err)
{
	char base[AI_BASELEN];
	const char *key;
	int i;

	for (i = 0; i < MAX_PROVIDERS && q->eps[i].prov != NULL; i++)
		if (q->eps[i].prov == p)
			return &q->eps[i];
	*code = AI_E_INVALID_INPUT;
	if (ai_route_base(&q->cf->rt, p, base, sizeof(base), err) == -1)
		return NULL;
	if ((key = getenv(p->key_env)) != NULL && *key == '\0')
		key = NULL;
	return endpoint_init(q, p, base, key, code, err);
}

void
endpoints_free(struct aiq *q)
{
	int i;

	for (i = 0; i < MAX_PROVIDERS; i++)
		endpoint_free(&q->eps[i]);
}

/*
 * The provider refused the key: the run sends nothing more that would
 * meet the same refusal, and those records fail with the provider's
 * words.  A 401 refuses the key itself; a 403 may refuse one model or
 * region only (OpenAI's "not allowed to sample from this model"), so it
 * stops that model's records alone.
 */
void
endpoint_refused(struct endpoint *ep, long status, const char *model,
    const char *msg)
{
	struct denial *d;

	if (status == 401 && !ep->refused) {
		ep->refused = 1;
		snprintf(ep->refusal, sizeof(ep->refusal), "not sent: %s "
		    "refused the key earlier in this run (%s)", ep->prov->name,
		    msg);
		return;
	}
	if (status != 403 || model == NULL || endpoint_refusal(ep, model) !=
	    NULL || (d = realloc(ep->denied, (ep->ndenied + 1) *
	    sizeof(*d))) == NULL)
		return;
	ep->denied = d;
	d += ep->ndenied;
	if ((d->model = strdup(model)) == NULL)
		return;
	snprintf(d->msg, sizeof(d->msg), "not sent: %s refused %s to the key "
	    "earlier in this run (%s)", ep->prov->name, model, msg);
	ep->ndenied++;
}

/* Why a request for model would be refused, or NULL when it may go. */
const char *
endpoint_refusal(const struct endpoint *ep, const char *model)
{
	size_t i;

	if (ep->refused)
		return ep->refusal;
	for (i = 0; model != NULL && i < ep->ndenied; i++)
		if (strcmp(ep->denied[i].model, model) == 0)
			return ep->denied[i].msg;
	return NULL;
}
