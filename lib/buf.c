/* buf.c: a growable byte buffer, always NUL-terminated when non-empty. */
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

static int
append_cb(const char *p, size_t n, void *b)
{
	return ai_buf_append(b, p, n);
}

/* Appends the compact JSON text of v. */
int
ai_buf_json(struct ai_buf *b, const json_t *v)
{
	return json_dump_callback(v, append_cb, b, JSON_COMPACT |
	    JSON_ENCODE_ANY);
}
