/*
 * respond.c: whole responses: a JSON body with the route's headers, and
 * the broken bodies of the malformed, cut, truncate and bad_utf8 faults.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aimock.h"

#define CUT_BLOCK	(16 * 1024)

/* A body of announced length that stops half-way: the cut fault. */
struct cut {
	char	*s;
	size_t	 half;
};

/* The headers clients read to retry: only on errors, when asked for. */
static int
retry_headers(const struct mockreq *mr, struct MHD_Response *r)
{
	char v[24];

	if (mr->k.retry_after >= 0) {
		snprintf(v, sizeof(v), "%ld", mr->k.retry_after);
		if (MHD_add_response_header(r, "Retry-After", v) == MHD_NO)
			return -1;
	}
	if (mr->k.retry_after_ms >= 0) {
		snprintf(v, sizeof(v), "%ld", mr->k.retry_after_ms);
		if (MHD_add_response_header(r, "retry-after-ms", v) == MHD_NO)
			return -1;
	}
	return 0;
}

/*
 * The content type, the request id, the wire format's extras and its
 * rate-limit headers, on every answer when limits are set.  The
 * bad_utf8_header fault puts byte 0xff in the id: MHD refuses only CR
 * and LF in a value, and sends the rest as it is.
 */
static int
add_headers(const struct mockreq *mr, struct MHD_Response *r, int status,
    const char *type)
{
	char id[48], ms[24];

	snprintf(id, sizeof(id), mr->fault == F_BAD_UTF8_HEADER ?
	    "req_mock_\xff%llu" : "req_mock_%llu", mr->id);
	snprintf(ms, sizeof(ms), "%ld", mr->latency);
	if (MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
	    type) == MHD_NO)
		return -1;
	if (mr->route->api == API_ANTHROPIC) {
		if (MHD_add_response_header(r, "request-id", id) == MHD_NO)
			return -1;
	} else if (MHD_add_response_header(r, "x-request-id", id) == MHD_NO ||
	    MHD_add_response_header(r, "openai-processing-ms", ms) == MHD_NO)
		return -1;
	if (mr->rl.on && (mr->route->api == API_ANTHROPIC ?
	    anthropic_limit_headers(mr, r) : openai_limit_headers(mr, r)) == -1)
		return -1;
	return status >= 400 ? retry_headers(mr, r) : 0;
}

/* Queues r (destroyed) with the headers of its status and type. */
enum MHD_Result
queue(const struct mockreq *mr, int status, struct MHD_Response *r,
    const char *type)
{
	enum MHD_Result ret;

	if (add_headers(mr, r, status, type) == -1 ||
	    (strcmp(type, "text/event-stream") == 0 &&
	    MHD_add_response_header(r, "Cache-Control", "no-cache") ==
	    MHD_NO)) {
		MHD_destroy_response(r);
		return MHD_NO;
	}
	ret = MHD_queue_response(mr->conn, (unsigned)status, r);
	MHD_destroy_response(r);
	return ret;
}

/* Queues s (freed) of len bytes as a JSON response. */
static enum MHD_Result
send_text(const struct mockreq *mr, int status, char *s, size_t len)
{
	struct MHD_Response *r;

	r = MHD_create_response_from_buffer_with_free_callback(len, s, free);
	if (r == NULL) {
		free(s);
		return MHD_NO;
	}
	return queue(mr, status, r, "application/json");
}

/* Where the last mark is in the JSON text s, or NULL. */
char *
find_mark(char *s, size_t len)
{
	size_t i;

	for (i = len; i >= MARK_JSONLEN; i--)
		if (memcmp(s + i - MARK_JSONLEN, MARK_JSON, MARK_JSONLEN) == 0)
			return s + i - MARK_JSONLEN;
	return NULL;
}

/*
 * Puts BAD_BYTES where the last mark is in b, for the bad_utf8 faults.
 * Returns 0, or -1 when out of memory; *at is where, or SIZE_MAX when b
 * holds no mark.
 */
int
put_bad_bytes(struct ai_buf *b, size_t *at)
{
	size_t bad = sizeof(BAD_BYTES) - 1;
	char *m;

	*at = SIZE_MAX;
	if ((m = find_mark(b->data, b->len)) == NULL)
		return 0;
	*at = (size_t)(m - b->data);
	if (ai_buf_append(b, BAD_BYTES, bad - MARK_JSONLEN) == -1)
		return -1;
	memmove(b->data + *at + bad, b->data + *at + MARK_JSONLEN,
	    b->len - (bad - MARK_JSONLEN) - *at - MARK_JSONLEN);
	memcpy(b->data + *at, BAD_BYTES, bad);
	return 0;
}

/* Queues j (stolen) as the response; MHD_NO drops the connection. */
enum MHD_Result
send_json(const struct mockreq *mr, int status, json_t *j)
{
	struct ai_buf b = { 0 };
	size_t at;

	if (j == NULL || ai_buf_json(&b, j) == -1 || b.data == NULL ||
	    ((mr->fault == F_BAD_UTF8 || mr->fault == F_BAD_UTF8_ERROR) &&
	    put_bad_bytes(&b, &at) == -1)) {
		json_decref(j);
		ai_buf_free(&b);
		return MHD_NO;
	}
	json_decref(j);
	return send_text(mr, status, b.data, b.len);
}

static ssize_t
cut_read(void *cls, uint64_t pos, char *out, size_t max)
{
	struct cut *c = cls;
	size_t n;

	if (pos >= c->half)
		return MHD_CONTENT_READER_END_WITH_ERROR;
	n = c->half - pos < max ? c->half - pos : max;
	memcpy(out, c->s + pos, n);
	return (ssize_t)n;
}

static void
cut_free(void *cls)
{
	struct cut *c = cls;

	free(c->s);
	free(c);
}

/* Announces len bytes of s (freed), sends half, then drops the line. */
static enum MHD_Result
send_cut(const struct mockreq *mr, char *s, size_t len)
{
	struct MHD_Response *r;
	struct cut *c;

	if ((c = malloc(sizeof(*c))) == NULL) {
		free(s);
		return MHD_NO;
	}
	c->s = s;
	c->half = len / 2;
	r = MHD_create_response_from_callback(len, CUT_BLOCK, cut_read, c,
	    cut_free);
	if (r == NULL) {
		cut_free(c);
		return MHD_NO;
	}
	return queue(mr, 200, r, "application/json");
}

/*
 * The success body j (stolen), broken as the fault says: cut sends half
 * of it and drops the connection; malformed and truncate send the first
 * half as if it were whole.
 */
enum MHD_Result
send_broken(const struct mockreq *mr, json_t *j, enum fault f)
{
	char *s;

	s = j != NULL ? json_dumps(j, JSON_COMPACT) : NULL;
	json_decref(j);
	if (s == NULL)
		return MHD_NO;
	if (f == F_CUT)
		return send_cut(mr, s, strlen(s));
	return send_text(mr, 200, s, strlen(s) / 2);
}
