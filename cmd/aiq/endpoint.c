/* endpoint.c: a provider as reached by this run, and keeping keys secret. */
#include <ctype.h>
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
	memset(ep, 0, sizeof(*ep));
}

/*
 * Sets up how requests reach provider p: the base URL (checked: no plain
 * http off loopback unless allowed) and the headers every request carries.
 * A key is required off loopback, as the official SDKs require one.
 */
int
endpoint_init(struct aiq *q, const struct ai_provider *p, const char *base,
    const char *key, char *err)
{
	struct endpoint *ep;
	size_t n;
	int i;

	for (i = 0; i < MAX_PROVIDERS && q->eps[i].prov != NULL; i++)
		continue;
	if (i == MAX_PROVIDERS) {
		snprintf(err, AI_ERRLEN, "too many providers");
		return -1;
	}
	ep = &q->eps[i];
	if (ai_url_check(base, q->allow_http, err) == -1)
		return -1;
	if (key == NULL && !ai_url_is_loopback(base)) {
		snprintf(err, AI_ERRLEN, "no API key for %s: set %s, or use "
		    "--key-file or --key-command", p->name, p->key_env);
		return -1;
	}
	ep->prov = p;
	if ((ep->base = strdup(base)) == NULL ||
	    (key != NULL && (ep->key = strdup(key)) == NULL))
		goto oom;
	n = strlen(ep->base);
	while (n > 0 && ep->base[n - 1] == '/')
		ep->base[--n] = '\0';
	if (fixed_headers(ep, key, q->extra) == -1)
		goto oom;
	return 0;
oom:
	snprintf(err, AI_ERRLEN, "out of memory");
	endpoint_free(ep);
	return -1;
}

/*
 * The endpoint of provider p, set up on first use from the provider's
 * own variables (ANTHROPIC_API_KEY, ANTHROPIC_BASE_URL...).  The key and
 * base URL options went to the run's first provider, set up at start.
 */
struct endpoint *
endpoint_get(struct aiq *q, const struct ai_provider *p, char *err)
{
	const char *base, *key;
	int i;

	for (i = 0; i < MAX_PROVIDERS && q->eps[i].prov != NULL; i++)
		if (q->eps[i].prov == p)
			return &q->eps[i];
	if ((base = getenv(p->base_env)) == NULL || *base == '\0')
		base = p->default_base;
	if ((key = getenv(p->key_env)) != NULL && *key == '\0')
		key = NULL;
	if (endpoint_init(q, p, base, key, err) == -1)
		return NULL;
	return endpoint_get(q, p, err);
}

void
endpoints_free(struct aiq *q)
{
	int i;

	for (i = 0; i < MAX_PROVIDERS; i++)
		endpoint_free(&q->eps[i]);
}

static int
key_char(int c)
{
	return isalnum(c) || c == '-' || c == '_' || c == '*' || c == '.';
}

static void
mask(char *s, char *e)
{
	memmove(s + 3, e, strlen(e) + 1);
	memcpy(s, "***", 3);
}

/*
 * Masks the key in use, and anything in a provider's message that looks
 * like an API key ("Incorrect API key provided: sk-ab***yz"), so that no
 * key, whole or in part, reaches a record, a log or the terminal.
 */
void
scrub_secrets(const struct endpoint *ep, char *msg)
{
	static const char *const prefixes[] = { "sk-", "AIza", NULL };
	const char *const *p;
	char *s, *e;
	size_t n;

	if (ep->key != NULL && (n = strlen(ep->key)) >= 4)
		while ((s = strstr(msg, ep->key)) != NULL)
			mask(s, s + n);
	for (p = prefixes; *p != NULL; p++)
		for (s = msg; (s = strstr(s, *p)) != NULL; s = e) {
			e = s + strlen(*p);
			if (s > msg && key_char((unsigned char)s[-1]))
				continue;
			while (key_char((unsigned char)*e))
				e++;
			mask(s, e);
			e = s + 3;
		}
}
