/*
 * stream.c: answers as server-sent events.  A route renders all its
 * events up front; a chunked response then sends them, one HTTP chunk an
 * event when chunk_delay asks for a pause between them, so a client can
 * be seen printing tokens as they arrive.  The cut and truncate faults
 * stop after half the pieces of the reply, with an error or cleanly; the
 * stream_error fault sends an error event there instead.
 */
#include <stdlib.h>
#include <string.h>

#include "aimock.h"

#define SSE_BLOCK	(16 * 1024)	/* most bytes MHD asks for at once */

struct sse {
	struct ai_buf	 buf;		/* every event, back to back */
	size_t		*ends;		/* where each event ends in buf */
	size_t		 n, cap;
	size_t		 first;		/* event of the reply's first piece */
	size_t		 npieces;

	size_t		 next;		/* event being sent */
	size_t		 off;		/* bytes of buf sent */
	size_t		 stop;		/* events to send */
	int		 broken;	/* then fail rather than end */
	long		 delay;		/* ms before each event but the first */
};

static int
sse_mark(struct sse *s)
{
	size_t *e;

	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 16;
		if ((e = reallocarray(s->ends, s->cap, sizeof(*e))) == NULL)
			return -1;
		s->ends = e;
	}
	s->ends[s->n++] = s->buf.len;
	return 0;
}

/* Appends one event of raw text, such as "data: [DONE]\n\n". */
int
sse_raw(struct sse *s, const char *text)
{
	return ai_buf_puts(&s->buf, text) == -1 ? -1 : sse_mark(s);
}

/* Appends "event: NAME" (unless name is NULL) and "data: " j (stolen). */
int
sse_event(struct sse *s, const char *name, json_t *j)
{
	int ret = -1;

	if (j == NULL)
		return -1;
	if ((name == NULL || ai_buf_printf(&s->buf, "event: %s\n",
	    name) == 0) && ai_buf_puts(&s->buf, "data: ") == 0 &&
	    ai_buf_json(&s->buf, j) == 0 && ai_buf_puts(&s->buf, "\n\n") == 0)
		ret = sse_mark(s);
	json_decref(j);
	return ret;
}

/* Brackets the events that carry pieces of the reply. */
void
sse_pieces_start(struct sse *s)
{
	s->first = s->n;
}

void
sse_pieces_end(struct sse *s)
{
	s->npieces = s->n - s->first;
}

static int
is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/*
 * The length of the next piece of a reply: a word and the blanks after
 * it.  Blanks are ASCII, so a piece never splits a UTF-8 character.  The
 * mark is a piece of its own, the event a fault rewrites.
 */
size_t
piece_len(const char *s, size_t n)
{
	size_t i = 0;

	if (n > 0 && s[0] == MARK)
		return 1;
	while (i < n && is_blank(s[i]))
		i++;
	while (i < n && !is_blank(s[i]) && s[i] != MARK)
		i++;
	while (i < n && is_blank(s[i]))
		i++;
	return i;
}

void
sse_free(void *cls)
{
	struct sse *s = cls;

	ai_buf_free(&s->buf);
	free(s->ends);
	free(s);
}

/* MHD asks for more of the body: the next event, or as much as fits. */
static ssize_t
sse_read(void *cls, uint64_t pos, char *out, size_t max)
{
	struct sse *s = cls;
	size_t end, n;

	if (s->next >= s->stop)
		return s->broken ? MHD_CONTENT_READER_END_WITH_ERROR :
		    MHD_CONTENT_READER_END_OF_STREAM;
	if (s->delay > 0 && s->next > 0 && s->off == s->ends[s->next - 1] &&
	    mock_sleep(s->delay) == -1) {
		mhd_quiet = 1;		/* stopping */
		return MHD_CONTENT_READER_END_WITH_ERROR;
	}
	end = s->delay > 0 ? s->ends[s->next] : s->ends[s->stop - 1];
	n = end - s->off < max ? end - s->off : max;
	memcpy(out, s->buf.data + s->off, n);
	s->off += n;
	while (s->next < s->stop && s->off >= s->ends[s->next])
		s->next++;
	return (ssize_t)n;
}

/* Where the events stop: all of them, or half the pieces for a fault. */
static void
sse_plan(struct sse *s, enum fault f, long delay)
{
	s->stop = s->n;
	if (f == F_CUT || f == F_TRUNCATE)
		s->stop = s->first + s->npieces / 2;
	s->broken = f == F_CUT;
	s->delay = delay;
}

/* The route's events for mr, or NULL when out of memory. */
struct sse *
sse_build(struct mockreq *mr)
{
	struct sse *s;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		return NULL;
	if (mr->route->stream(mr, s) == -1) {
		sse_free(s);
		return NULL;
	}
	return s;
}

/* The text of every event, back to back. */
const struct ai_buf *
sse_text(const struct sse *s)
{
	return &s->buf;
}

/* Where the event holding byte pos of the text starts and ends. */
void
sse_event_bounds(const struct sse *s, size_t pos, size_t *start,
    size_t *end)
{
	size_t i;

	for (i = 0; i < s->n && s->ends[i] <= pos; i++)
		continue;
	*start = i > 0 ? s->ends[i - 1] : 0;
	*end = i < s->n ? s->ends[i] : s->buf.len;
}

/*
 * The stream_error fault: the events up to half the pieces of the reply,
 * then the route's error, OpenAI's as a data line and Anthropic's as an
 * error event, which is how both send an error once a stream has begun.
 */
static int
sse_error_end(struct mockreq *mr, struct sse *s)
{
	size_t stop = s->first + s->npieces / 2;	/* first is at least 1 */

	s->n = stop;
	s->buf.len = s->ends[stop - 1];
	return sse_event(s, mr->route->api == API_ANTHROPIC ? "error" : NULL,
	    mr->route->error(mr));
}

/* The bad_utf8 fault: BAD_BYTES in the event of the mark. */
static int
sse_bad_bytes(struct sse *s)
{
	size_t at, i;

	if (put_bad_bytes(&s->buf, &at) == -1)
		return -1;
	for (i = 0; at != SIZE_MAX && i < s->n; i++)
		if (s->ends[i] > at)
			s->ends[i] += sizeof(BAD_BYTES) - 1 - MARK_JSONLEN;
	return 0;
}

/* Queues the route's events as a chunked text/event-stream response. */
enum MHD_Result
send_stream(struct mockreq *mr)
{
	struct MHD_Response *r;
	struct sse *s;

	if ((s = sse_build(mr)) == NULL)
		return MHD_NO;
	if ((mr->fault == F_STREAM_ERROR && sse_error_end(mr, s) == -1) ||
	    (mr->fault == F_BAD_UTF8 && sse_bad_bytes(s) == -1)) {
		sse_free(s);
		return MHD_NO;
	}
	sse_plan(s, mr->fault, mr->k.chunk_delay);
	r = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, SSE_BLOCK,
	    sse_read, s, sse_free);
	if (r == NULL) {
		sse_free(s);
		return MHD_NO;
	}
	/* a fault's stream starts well, whatever the status knob says */
	return queue(mr, mr->k.status <= 299 ? mr->k.status : 200, r,
	    "text/event-stream");
}
