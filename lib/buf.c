/* buf.c: a growable byte buffer, always NUL-terminated when non-empty. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aitools.h"

static int
grow(struct ai_buf *b, size_t need)
{
	size_t cap;
	char *p;

	if (need <= b->cap)
		return 0;
	cap = b->cap ? b->cap : 256;
	while (cap < need) {
		if (cap > SIZE_MAX / 2)
			return -1;
		cap *= 2;
	}
	if ((p = realloc(b->data, cap)) == NULL)
		return -1;
	b->data = p;
	b->cap = cap;
	return 0;
}

int
ai_buf_append(struct ai_buf *b, const void *p, size_t n)
{
	if (n >= SIZE_MAX - b->len || grow(b, b->len + n + 1) == -1)
		return -1;
	if (n > 0)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return 0;
}

int
ai_buf_puts(struct ai_buf *b, const char *s)
{
	return ai_buf_append(b, s, strlen(s));
}

void
ai_buf_reset(struct ai_buf *b)
{
	b->len = 0;
	if (b->data != NULL)
		b->data[0] = '\0';
}

void
ai_buf_free(struct ai_buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

/* A json_dump_callback() sink: appends to the ai_buf in b. */
int
ai_buf_dump_cb(const char *p, size_t n, void *b)
{
	return ai_buf_append(b, p, n);
}

/* Appends the compact JSON text of v. */
int
ai_buf_json(struct ai_buf *b, const json_t *v)
{
	return json_dump_callback(v, ai_buf_dump_cb, b, JSON_COMPACT |
	    JSON_ENCODE_ANY);
}

int
ai_buf_printf(struct ai_buf *b, const char *fmt, ...)
{
	va_list ap;
	size_t room = b->cap - b->len;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(room > 0 ? b->data + b->len : NULL, room, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -1;
	if ((size_t)n >= room) {	/* did not fit: grow and format again */
		if (grow(b, b->len + (size_t)n + 1) == -1)
			return -1;
		va_start(ap, fmt);
		vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
		va_end(ap);
	}
	b->len += (size_t)n;
	return 0;
}

/*
 * Appends s as a JSON string; jansson escapes what needs escaping.  Text
 * from outside (a provider's message, a header) may not be UTF-8: a byte
 * that is not becomes U+FFFD, so that one bad byte costs a character, not
 * the record.
 */
int
ai_buf_jstr(struct ai_buf *b, const char *s)
{
	const unsigned char *p;
	struct ai_buf fixed = { 0 };
	json_t *v;
	int r;

	for (p = (const unsigned char *)s; *p >= 0x20 && *p < 0x7f &&
	    *p != '"' && *p != '\\'; p++)
		;
	if (*p == '\0')	/* plain ASCII: nothing to escape */
		return ai_buf_append(b, "\"", 1) == -1 ||
		    ai_buf_puts(b, s) == -1 || ai_buf_append(b, "\"", 1) == -1 ?
		    -1 : 0;
	if ((v = json_string(s)) == NULL) {
		if (ai_buf_utf8(&fixed, s, strlen(s)) == -1 ||
		    ai_buf_append(&fixed, "", 0) == -1 ||
		    (v = json_string(fixed.data)) == NULL) {
			ai_buf_free(&fixed);
			return -1;
		}
		ai_buf_free(&fixed);
	}
	r = ai_buf_json(b, v);
	json_decref(v);
	return r;
}

/*
 * Appends JSON text that jansson has already accepted, on one line.  JSON
 * strings cannot hold raw line breaks, so every CR or LF in valid JSON,
 * and the blanks after it, are white space between tokens: dropping them
 * keeps the text's meaning and every other byte.
 */
int
ai_buf_oneline(struct ai_buf *b, const char *p, size_t n)
{
	const char *end = p + n, *nl;

	while (p < end) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		while (nl > p && nl[-1] == '\r')
			nl--;
		if (ai_buf_append(b, p, (size_t)(nl - p)) == -1)
			return -1;
		for (p = nl; p < end && (*p == '\r' || *p == '\n' ||
		    *p == ' ' || *p == '\t'); p++)
			;
	}
	return 0;
}
