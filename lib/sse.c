/*
 * sse.c: the server-sent events framing that streamed answers use.
 * Bytes arrive in pieces of any size; complete events are handed to a
 * callback as (event name, data), data lines joined by newlines, as the
 * WHATWG "event stream" rules say.  Comments and unknown fields are
 * skipped; a line may end in LF, CRLF or CR.
 */
#include <string.h>

#include "aitools.h"

static int
dispatch(struct ai_sse *s, ai_sse_cb cb, void *arg)
{
	int r = 0;

	if (s->has_data) {
		if (ai_buf_append(&s->data, "", 0) == -1)
			return -1;
		if (s->data.len > 0 && s->data.data[s->data.len - 1] == '\n')
			s->data.data[--s->data.len] = '\0';	/* the last one's */
		r = cb(arg, s->event, s->data.data, s->data.len);
	}
	ai_buf_reset(&s->data);
	s->event[0] = '\0';
	s->has_data = 0;
	return r;
}

/* Handles one line, without its end; an empty one ends the event. */
static int
line(struct ai_sse *s, const char *p, size_t n, ai_sse_cb cb, void *arg)
{
	const char *colon, *v;
	size_t k, vn;

	if (n == 0)
		return dispatch(s, cb, arg);
	if (p[0] == ':')
		return 0;			/* a comment: keep-alive */
	colon = memchr(p, ':', n);
	k = colon != NULL ? (size_t)(colon - p) : n;
	v = colon != NULL ? colon + 1 : p + n;
	vn = n - (size_t)(v - p);
	if (vn > 0 && *v == ' ')
		v++, vn--;
	if (k == 4 && memcmp(p, "data", 4) == 0) {
		s->has_data = 1;
		return ai_buf_append(&s->data, v, vn) == -1 ||
		    ai_buf_append(&s->data, "\n", 1) == -1 ? -1 : 0;
	}
	if (k == 5 && memcmp(p, "event", 5) == 0) {
		if (vn >= sizeof(s->event))
			vn = sizeof(s->event) - 1;
		memcpy(s->event, v, vn);
		s->event[vn] = '\0';
	}
	return 0;
}

/*
 * Feeds n bytes.  Returns 0, or -1 when out of memory or when the
 * callback returned -1 (it then owns the reason).
 */
int
ai_sse_feed(struct ai_sse *s, const char *p, size_t n, ai_sse_cb cb,
    void *arg)
{
	const char *end = p + n, *e;

	while (p < end) {
		if (s->cr) {			/* CRLF: the LF ends nothing */
			s->cr = 0;
			if (*p == '\n' && ++p == end)
				break;
		}
		for (e = p; e < end && *e != '\n' && *e != '\r'; e++)
			continue;
		if (e == end)
			return ai_buf_append(&s->line, p, (size_t)(e - p));
		if (s->line.len > 0) {
			if (ai_buf_append(&s->line, p, (size_t)(e - p)) == -1 ||
			    line(s, s->line.data, s->line.len, cb, arg) == -1)
				return -1;
			ai_buf_reset(&s->line);
		} else if (line(s, p, (size_t)(e - p), cb, arg) == -1)
			return -1;
		s->cr = *e == '\r';
		p = e + 1;
	}
	return 0;
}

void
ai_sse_free(struct ai_sse *s)
{
	ai_buf_free(&s->line);
	ai_buf_free(&s->data);
	memset(s, 0, sizeof(*s));
}
