/*
 * fill.c: the bodies of the padded and endless faults, which test how a
 * client bounds its memory.  Such a body is a head, filler and a tail:
 * the head and the tail are a normal answer cut where its reply ends (at
 * the mark), and the filler is written into MHD's buffer as it is sent,
 * so that a body of 60 MB costs aimock no more memory than one of 600
 * bytes.  In a stream the filler is split into events of FILL_UNIT bytes
 * by repeating the end and the start of the event that holds the mark.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "aimock.h"

#define FILL_BLOCK	(64 * 1024)	/* most bytes MHD asks for at once */
#define FILL_UNIT	(16 * 1024)	/* filler of a streamed event */
#define FILL_BYTE	'x'
#define FILL_TRIES	4		/* makings of a body to fit its size */
#define ENDLESS		UINT64_MAX

struct fill {
	struct ai_buf	 head;
	struct ai_buf	 sep;		/* between units of filler */
	struct ai_buf	 tail;
	int		 marked;	/* the body had a mark: filler fits */
	uint64_t	 left;		/* filler bytes to send, or ENDLESS */
	uint64_t	 seps;		/* units followed by a sep still to send */
	size_t		 inunit;	/* bytes of this unit still to send */
	size_t		 off;		/* bytes sent of head, sep or tail */
	enum { IN_HEAD, IN_FILL, IN_SEP, IN_TAIL, IN_DONE } part;
};

static void
fill_free(void *cls)
{
	struct fill *f = cls;

	ai_buf_free(&f->head);
	ai_buf_free(&f->sep);
	ai_buf_free(&f->tail);
	free(f);
}

/* Copies what is left of b from *off into out; returns the bytes. */
static size_t
copy_part(char *out, size_t max, const struct ai_buf *b, size_t *off)
{
	size_t n = b->len - *off < max ? b->len - *off : max;

	if (n > 0)
		memcpy(out, b->data + *off, n);
	*off += n;
	return n;
}

/* Writes filler up to the end of the unit, or of the filler. */
static size_t
fill_bytes(struct fill *f, char *out, size_t max)
{
	uint64_t avail = f->seps > 0 ? f->inunit : f->left;
	size_t n = avail < max ? (size_t)avail : max;

	memset(out, FILL_BYTE, n);
	if (f->left != ENDLESS)
		f->left -= n;
	if (f->seps > 0 && (f->inunit -= n) == 0)
		f->part = IN_SEP;
	else if (f->seps == 0 && f->left == 0)
		f->part = IN_TAIL;
	f->off = 0;
	return n;
}

/* The next part once the one being sent is done. */
static void
next_part(struct fill *f)
{
	f->off = 0;
	if (f->part == IN_HEAD)
		f->part = IN_FILL;
	else if (f->part == IN_SEP) {
		f->seps--;
		f->inunit = FILL_UNIT;
		f->part = IN_FILL;
	} else
		f->part = IN_DONE;
}

/*
 * MHD asks for more: as much as fits, at full speed, until the body is
 * done, the client goes away (MHD then stops asking) or aimock stops.
 */
static ssize_t
fill_read(void *cls, uint64_t pos, char *out, size_t max)
{
	struct fill *f = cls;
	const struct ai_buf *b;
	size_t n = 0;

	if (stopping())
		return MHD_CONTENT_READER_END_WITH_ERROR;
	while (n < max && f->part != IN_DONE) {
		if (f->part == IN_FILL) {
			n += fill_bytes(f, out + n, max - n);
			continue;
		}
		b = f->part == IN_HEAD ? &f->head : f->part == IN_SEP ?
		    &f->sep : &f->tail;
		n += copy_part(out + n, max - n, b, &f->off);
		if (f->off == b->len)
			next_part(f);
	}
	return n > 0 ? (ssize_t)n : MHD_CONTENT_READER_END_OF_STREAM;
}

/*
 * Cuts body at its mark into the head and the tail.  A body without one
 * (the list of models) is all head, and gets no filler.
 */
static int
split(struct fill *f, struct ai_buf *body)
{
	char *m;
	size_t at;

	ai_buf_reset(&f->head);
	ai_buf_reset(&f->tail);
	m = find_mark(body->data, body->len);
	if (!(f->marked = m != NULL))
		return ai_buf_append(&f->head, body->data, body->len);
	at = (size_t)(m - body->data);
	return ai_buf_append(&f->head, body->data, at) == -1 ||
	    ai_buf_append(&f->tail, m + MARK_JSONLEN, body->len - at -
	    MARK_JSONLEN) == -1 ? -1 : 0;
}

/* The plain body: the route's success object, cut at the mark. */
static int
make_plain(struct mockreq *mr, struct fill *f)
{
	struct ai_buf body = { 0 };
	json_t *j;
	int ret = -1;

	if ((j = mr->route->success(mr)) != NULL &&
	    ai_buf_json(&body, j) == 0 && body.data != NULL)
		ret = split(f, &body);
	json_decref(j);
	ai_buf_free(&body);
	return ret;
}

/*
 * The streamed body: the route's events, cut at the mark, which is the
 * text of an event of its own; sep ends that event and starts another.
 */
static int
make_stream(struct mockreq *mr, struct fill *f)
{
	struct sse *s;
	struct ai_buf body;
	size_t start, end, at;
	int ret = -1;

	if ((s = sse_build(mr)) == NULL)
		return -1;
	body = *sse_text(s);
	ai_buf_reset(&f->sep);
	if (split(f, &body) == 0) {
		at = f->head.len;
		sse_event_bounds(s, at, &start, &end);
		if (!f->marked || (ai_buf_append(&f->sep, body.data + at +
		    MARK_JSONLEN, end - at - MARK_JSONLEN) == 0 &&
		    ai_buf_append(&f->sep, body.data + start, at - start) == 0))
			ret = 0;
	}
	sse_free(s);
	return ret;
}

/*
 * Sizes the filler by the pad knob: a padded body is pad bytes in all,
 * its filler split in units of FILL_UNIT when there is a sep; an endless
 * one has no tail and stops at pad bytes if pad is set.  Returns the
 * bytes of filler.
 */
static uint64_t
size_fill(struct fill *f, enum fault fault, uint64_t pad)
{
	uint64_t fixed, t;

	f->seps = 0;
	f->inunit = FILL_UNIT;
	f->left = 0;
	if (!f->marked)
		return 0;
	if (fault == F_ENDLESS) {
		ai_buf_reset(&f->tail);
		f->left = pad == 0 ? ENDLESS : pad > f->head.len ?
		    pad - f->head.len : 0;
		return f->left;
	}
	fixed = f->head.len + f->tail.len;
	t = pad > fixed ? pad - fixed : 0;
	if (t > 0 && f->sep.len > 0)
		f->seps = (t - 1) / (FILL_UNIT + f->sep.len);
	f->left = t - f->seps * f->sep.len;
	return f->left;
}

/*
 * Makes the body of the padded or endless fault.  The token counts in
 * it count the filler and change its length, so it is made again until
 * the filler that fits is the filler counted.
 */
static int
fill_plan(struct mockreq *mr, struct fill *f)
{
	uint64_t want;
	int i;

	mr->mark = 1;
	for (i = 0; i < FILL_TRIES; i++) {
		if ((mr->stream ? make_stream(mr, f) : make_plain(mr, f)) == -1)
			return -1;
		want = size_fill(f, mr->fault, (uint64_t)mr->k.pad);
		if (mr->fault == F_ENDLESS || want == mr->pad_text)
			break;
		mr->pad_text = want;
	}
	f->part = IN_HEAD;
	f->off = 0;
	return 0;
}

/*
 * Queues the body of the padded or endless fault: plain with its length
 * when it has one, else chunked.
 */
enum MHD_Result
send_fill(struct mockreq *mr)
{
	struct MHD_Response *r;
	struct fill *f;
	uint64_t size = MHD_SIZE_UNKNOWN;

	if ((f = calloc(1, sizeof(*f))) == NULL)
		return MHD_NO;
	if (fill_plan(mr, f) == -1) {
		fill_free(f);
		return MHD_NO;
	}
	if (!mr->stream && mr->fault == F_PADDED)
		size = f->head.len + f->left + f->tail.len;
	r = MHD_create_response_from_callback(size, FILL_BLOCK, fill_read, f,
	    fill_free);
	if (r == NULL) {
		fill_free(f);
		return MHD_NO;
	}
	return queue(mr, 200, r, mr->stream ? "text/event-stream" :
	    "application/json");
}
