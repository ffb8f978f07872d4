/*
 * stream.c: answers as server-sent events.  A route renders all its
 * events up front; a chunked response then sends them, one HTTP chunk an
 * event when chunk_delay asks for a pause between them, so a client can
 * be seen printing tokens as they arrive.  The cut and truncate faults
 * stop after half the pieces of the reply, with an error or cleanly.
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
 * it.  Blanks are ASCII, so a piece never splits a UTF-8 character.
 */
size_t
piece_len(const char *s, size_t n)
{
	size_t i = 0;

	while (i < n && is_blank(s[i]))
		i++;
	while (i < n && !is_blank(s[i]))
		i++;
	while (i < n && is_blank(s[i]))
		i++;
	return i;
}

static void
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

/* Queues the route's events as a chunked text/event-stream response. */
enum MHD_Result
send_stream(struct mockreq *mr)
{
	struct MHD_Response *r;
	enum MHD_Result ret;
	struct sse *s;
	int status;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		return MHD_NO;
	if (mr->route->stream(mr, s) == -1) {
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
	status = mr->fault != F_NONE ? 200 : mr->k.status;
	if (add_headers(mr, r, status, "text/event-stream") == -1 ||
	    MHD_add_response_header(r, "Cache-Control", "no-cache") == MHD_NO) {
		MHD_destroy_response(r);
		return MHD_NO;
	}
	ret = MHD_queue_response(mr->conn, (unsigned)status, r);
	MHD_destroy_response(r);
	return ret;
}
