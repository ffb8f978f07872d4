/* endpoint.c: a provider as reached by this run, and keeping keys secret. */
#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

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

/*
 * The key's header: the wire format's own (Authorization: Bearer, or
 * x-api-key), or the one the config file names (Azure's api-key).
 */
static int
add_auth(struct endpoint *ep, const char *key)
{
	const char *name = ep->conf->auth_header;
	struct ai_buf h = { 0 };
	int r;

	if (name == NULL)
		r = ai_buf_puts(&h, ep->prov->auth_header);
	else
		r = ai_buf_printf(&h, "%s: %s", name, strcasecmp(name,
		    "Authorization") == 0 ? "Bearer " : "");
	r = r == -1 || ai_buf_puts(&h, key) == -1 ||
	    append(&ep->headers, h.data) == -1;
	if (h.data != NULL)
		explicit_bzero(h.data, h.len);
	ai_buf_free(&h);
	return r ? -1 : 0;
}

/* The headers the config file gives the provider. */
static int
conf_headers(struct endpoint *ep)
{
	struct ai_buf h = { 0 };
	const char *k;
	json_t *v;
	int r = 0;

	json_object_foreach((json_t *)ep->conf->headers, k, v) {
		ai_buf_reset(&h);
		if (json_is_string(v))
			r = ai_buf_printf(&h, "%s: %s", k, json_string_value(v));
		else
			r = ai_buf_printf(&h, "%s: %" JSON_INTEGER_FORMAT, k,
			    json_integer_value(v));
		if (r == -1 || (r = append(&ep->headers, h.data)) == -1)
			break;
	}
	if (h.data != NULL)
		explicit_bzero(h.data, h.cap);
	ai_buf_free(&h);
	return r;
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
	if (conf_headers(ep) == -1)
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

/* Whether c is how the run's own provider is reached. */
static int
is_own(const struct aiq *q, const struct ai_provider_conf *c)
{
	return c == ai_route_conf(&q->cf->rt, q->cf->rt.own);
}

static void
no_key(struct aiq *q, const struct ai_provider_conf *c, char *err)
{
	char from[AI_ERRLEN];

	ai_key_origin(c, from, sizeof(from));
	if (c->key_env == NULL && c->own && c->key_file == NULL &&
	    c->key_command == NULL)
		ai_errf(err, "no API key for %s: its entry in the config file "
		    "has %s", c->name, from);
	else if (from[0] != '$')	/* a file or command gave none */
		ai_errf(err, "no API key for %s from its %s",
		    c->name, from);
	else if (is_own(q, c))
		ai_errf(err, "no API key for %s: set %s, or use "
		    "--key-file or --key-command", c->name, from + 1);
	else	/* the key options went to the run's own provider */
		ai_errf(err, "no API key for %s: set %s, or make it "
		    "the run's provider with -P %s to use --key-file or "
		    "--key-command", c->name, from + 1, c->name);
}

/* A free place for an endpoint. */
static struct endpoint *
endpoint_slot(struct aiq *q)
{
	int i;

	for (i = 0; i < MAX_PROVIDERS && q->eps[i].prov != NULL; i++)
		continue;		/* a place for each provider there is */
	if (i == MAX_PROVIDERS)
		errx(1, "more providers than MAX_PROVIDERS");
	return &q->eps[i];
}

/*
 * Sets up how requests reach provider conf c: the base URL, as
 * ai_route_base_conf() gives it (checked: no plain http off loopback unless allowed) and the
 * headers every request carries, -H's only for the run's own provider,
 * as they may hold its secrets.
 * A key is required off loopback, as the official SDKs require one.
 * Returns NULL with the code and message of the failure.
 */
struct endpoint *
endpoint_init(struct aiq *q, const struct ai_provider_conf *c,
    const char *base, const char *key, enum ai_errcode *code, char *err)
{
	const struct ai_provider *p = c->api;
	struct endpoint *ep = endpoint_slot(q);

	ep->conf = c;
	*code = AI_E_INVALID_INPUT;
	if (ai_url_check(base, q->cf->allow_http, err) == -1)
		return NULL;
	if (key == NULL && !ai_url_is_loopback(base)) {
		*code = AI_E_AUTH;
		no_key(q, ep->conf, err);
		ep->conf = NULL;
		return NULL;
	}
	ep->prov = p;
	if ((ep->base = strdup(base)) == NULL ||
	    (key != NULL && (ep->key = strdup(key)) == NULL))
		goto oom;
	if (fixed_headers(ep, key, is_own(q, c) ? q->cf->extra : NULL) == -1)
		goto oom;
	return ep;
oom:
	errx(1, "out of memory");
}

/*
 * The endpoint of provider conf c, set up on first use from what the
 * config file says of it, else its wire format's variables
 * (ANTHROPIC_API_KEY, ANTHROPIC_BASE_URL...).
 */
struct endpoint *
endpoint_conf(struct aiq *q, const struct ai_provider_conf *c,
    enum ai_errcode *code, char *err)
{
	char base[AI_BASELEN], *key;
	struct endpoint *ep;
	int i;

	for (i = 0; i < MAX_PROVIDERS && q->eps[i].prov != NULL; i++)
		if (q->eps[i].conf == c)
			return &q->eps[i];
	*code = AI_E_INVALID_INPUT;
	if (ai_route_base_conf(&q->cf->rt, c, base, sizeof(base), err) == -1)
		return NULL;
	key = ai_key_load(c, err);
	if (key == NULL && *err != '\0')
		return endpoint_keyless(q, c, base, err);
	ep = endpoint_init(q, c, base, key, code, err);
	if (key != NULL) {
		explicit_bzero(key, strlen(key));
		free(key);
	}
	return ep;
}

/*
 * Provider p's key could not be had (its key_file or key_command failed):
 * an endpoint that sends nothing, whose records fail as "auth" with why,
 * once, rather than the command run again for each.
 */
struct endpoint *
endpoint_keyless(struct aiq *q, const struct ai_provider_conf *c,
    const char *base, const char *why)
{
	struct endpoint *ep = endpoint_slot(q);

	ep->prov = c->api;
	ep->conf = c;
	if ((ep->base = strdup(base)) == NULL)
		errx(1, "out of memory");
	ep->refused = 1;
	ai_errf(ep->refusal, "not sent: no API key for %s: %s", ep->conf->name,
	    why);
	return ep;
}

/* The endpoint of provider p, as this run reaches it. */
struct endpoint *
endpoint_get(struct aiq *q, const struct ai_provider *p,
    enum ai_errcode *code, char *err)
{
	return endpoint_conf(q, ai_route_conf(&q->cf->rt, p), code, err);
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
		    "refused the key earlier in this run (%s)", ep->conf->name,
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
	    "earlier in this run (%s)", ep->conf->name, model, msg);
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
