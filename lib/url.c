/* url.c: which base URLs may be used, and over what. */
#include <arpa/inet.h>
#include <curl/curl.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "aitools.h"

/* localhost, 127.0.0.0/8 or ::1; a name like 127.example.com is not. */
static int
host_is_loopback(const char *h)
{
	struct in_addr a;

	if (inet_pton(AF_INET, h, &a) == 1)
		return (ntohl(a.s_addr) >> 24) == 127;
	return strcasecmp(h, "localhost") == 0 || strcmp(h, "[::1]") == 0 ||
	    strcmp(h, "::1") == 0;
}

/* Returns 1 when the URL's host is a loopback name or address. */
int
ai_url_is_loopback(const char *url)
{
	CURLU *u;
	char *host = NULL;
	int r = 0;

	if ((u = curl_url()) == NULL)
		return 0;
	if (curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK)
		r = host_is_loopback(host);
	curl_free(host);
	curl_url_cleanup(u);
	return r;
}

/*
 * Accepts https URLs, and http ones only to loopback unless allow_http:
 * keys must not cross a network in clear text by accident.
 */
int
ai_url_check(const char *url, int allow_http, char *err)
{
	CURLU *u;
	char *scheme = NULL, shown[160];
	int r = -1;

	if ((u = curl_url()) == NULL) {
		snprintf(err, AI_ERRLEN, "out of memory");
		return -1;
	}
	ai_url_redact(url, shown, sizeof(shown));
	if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK)
		snprintf(err, AI_ERRLEN, "invalid base URL '%s'", shown);
	else if (strcmp(scheme, "https") == 0)
		r = 0;
	else if (strcmp(scheme, "http") != 0)
		snprintf(err, AI_ERRLEN, "unsupported scheme in '%s'", shown);
	else if (allow_http || ai_url_is_loopback(url))
		r = 0;
	else
		snprintf(err, AI_ERRLEN, "refusing plain http to '%s' "
		    "(not loopback; use --allow-http)", shown);
	curl_free(scheme);
	curl_url_cleanup(u);
	return r;
}

/*
 * The URL fit for a message, into buf: a user and password in it
 * (https://user:KEY@host) are a secret, shown as "***", and control
 * characters and bytes not UTF-8 are escaped.  Returns buf.
 */
const char *
ai_url_redact(const char *url, char *buf, size_t size)
{
	const char *scheme = strstr(url, "://"), *host, *at = NULL, *p;
	char tmp[AI_ERRLEN];

	/* The last '@' of the authority: a password may hold one too. */
	host = scheme != NULL ? scheme + 3 : url;
	for (p = host; *p != '\0' && strchr("/?#", *p) == NULL; p++)
		if (*p == '@')
			at = p;
	if (at != NULL)
		snprintf(tmp, sizeof(tmp), "%.*s***%s", (int)(host - url), url,
		    at);
	else
		snprintf(tmp, sizeof(tmp), "%s", url);
	return ai_text_show(buf, size, tmp);
}
