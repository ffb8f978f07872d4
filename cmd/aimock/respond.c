/*
 * respond.c: whole responses: a JSON body with the route's headers, and
 * the broken bodies of the malformed, cut and truncate faults.
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

/* The content type, the request id, and the wire format's extras. */
int
add_headers(const struct mockreq *mr, struct MHD_Response *r, int status,
    const char *type)
{
	char id[48], ms[24];

	snprintf(id, sizeof(id), "req_mock_%llu", mr->id);
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
	return status >= 400 ? retry_headers(mr, r) : 0;
}

static enum MHD_Result
queue(const struct mockreq *mr, int status, struct MHD_Response *r)
{
	enum MHD_Result ret;

	if (add_headers(mr, r, status, "application/json") == -1) {
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
	return queue(mr, status, r);
}

/* Queues j (stolen) as the response; MHD_NO drops the connection. */
enum MHD_Result
send_json(const struct mockreq *mr, int status, json_t *j)
{
	char *s;

	s = j != NULL ? json_dumps(j, JSON_COMPACT) : NULL;
	json_decref(j);
	if (s == NULL)
		return MHD_NO;
	return send_text(mr, status, s, strlen(s));
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
	return queue(mr, 200, r);
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
