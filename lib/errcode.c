/* errcode.c: the stable error codes of records, and how statuses map. */
#include <string.h>

#include "aitools.h"

static const char *const names[AI_E_NCODES] = {
	[AI_OK] = "ok",
	[AI_E_AUTH] = "auth",
	[AI_E_BAD_REQUEST] = "bad_request",
	[AI_E_CONTEXT_LENGTH] = "context_length",
	[AI_E_NOT_FOUND] = "not_found",
	[AI_E_RATE_LIMITED] = "rate_limited",
	[AI_E_QUOTA_EXCEEDED] = "quota_exceeded",
	[AI_E_SERVER] = "server",
	[AI_E_TIMEOUT] = "timeout",
	[AI_E_NETWORK] = "network",
	[AI_E_INVALID_INPUT] = "invalid_input",
	[AI_E_BAD_RESPONSE] = "bad_response",
	[AI_E_INTERRUPTED] = "interrupted",
	[AI_E_OVERLOADED] = "overloaded",
	[AI_E_STREAM_TRUNCATED] = "stream_truncated",
	[AI_E_OVER_LIMIT] = "over_limit",
};

const char *
ai_errcode_name(enum ai_errcode c)
{
	return c < AI_E_NCODES ? names[c] : "unknown";
}

static int
contains(const char *s, const char *word)
{
	return s != NULL && strstr(s, word) != NULL;
}

/*
 * Maps an HTTP status and the provider's error type and code strings
 * (either may be NULL) to a stable code.  The strings separate what the
 * status alone cannot: an exhausted quota from a rate limit, a prompt too
 * long from any other bad request.
 */
enum ai_errcode
ai_errcode_from_http(long status, const char *type, const char *code)
{
	if (status >= 200 && status < 300)
		return AI_OK;
	if (contains(code, "context_length") || contains(type, "context_length"))
		return AI_E_CONTEXT_LENGTH;
	if (status == 529 || contains(type, "overloaded"))
		return AI_E_OVERLOADED;
	if (contains(code, "insufficient_quota") ||
	    contains(type, "insufficient_quota") ||
	    contains(code, "billing") || contains(type, "billing"))
		return AI_E_QUOTA_EXCEEDED;
	switch (status) {
	case 401:
	case 403:
		return AI_E_AUTH;
	case 404:
		return AI_E_NOT_FOUND;
	case 408:
		return AI_E_TIMEOUT;
	case 413:
		return AI_E_CONTEXT_LENGTH;
	case 429:
		return AI_E_RATE_LIMITED;
	}
	if (status >= 500 || status < 100)
		return AI_E_SERVER;
	return AI_E_BAD_REQUEST;
}

/*
 * Writes a message into err, an AI_ERRLEN buffer, cut to fit: a message
 * built of a path and a reason may be longer, and its start says most.
 * Returns -1, for "return ai_errf(err, ...)".
 */
int
ai_errf(char *err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, AI_ERRLEN, fmt, ap);
	va_end(ap);
	return -1;
}

/* The code named name (as records spell it), or -1. */
int
ai_errcode_find(const char *name)
{
	int c;

	for (c = 0; c < AI_E_NCODES; c++)
		if (names[c] != NULL && strcmp(names[c], name) == 0)
			return c;
	return -1;
}
