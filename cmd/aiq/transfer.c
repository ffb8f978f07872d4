/*
 * transfer.c: one attempt's transfer: the curl options it is sent with,
 * and the callbacks that take in its headers and body.  The bytes an
 * answer holds are counted against two limits, --max-response for one
 * answer and --max-buffer for all of them together, so that a broken or
 * hostile server cannot take the machine's memory at any -j: an answer
 * past either is cut off and its record fails (attempt.c says so).
 */
#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "aiq.h"

#define KEEP_CAP	(64u << 10)	/* a buffer larger is given back */

/*
 * Sets how many bytes job j holds, in the run's count too.  Returns -1,
 * with j->over set, when that is past a limit.
 */
static int
hold(struct aiq *q, struct job *j, size_t now)
{
	q->held += (int64_t)now - (int64_t)j->held;
	j->held = now;
	if ((int64_t)now > q->cf->max_response)
		j->over = OVER_RESPONSE;
	else if (q->held > q->cf->max_buffer)
		j->over = OVER_BUFFER;
	return j->over != OVER_NONE ? -1 : 0;
}

/* Gives back what the attempt held: its count, and large buffers. */
void
transfer_release(struct aiq *q, struct job *j)
{
	hold(q, j, 0);
	if (j->resp.cap > KEEP_CAP)
		ai_buf_free(&j->resp);
	else
		ai_buf_reset(&j->resp);
	ai_stream_free(&j->st);
}

/*
 * Whether this attempt's answer is an event stream: a streamed request
 * can still get a plain body, an error's or a server's that cannot stream.
 */
static int
is_sse(struct job *j)
{
	const char *type = NULL;
	long status = 0;

	curl_easy_getinfo(j->easy, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_getinfo(j->easy, CURLINFO_CONTENT_TYPE, &type);
	return status >= 200 && status < 300 && type != NULL &&
	    strncasecmp(type, "text/event-stream", 17) == 0;
}

/*
 * Takes in body bytes.  Events of a stream are read as they come, not
 * kept; a stream that goes wrong has its error in j->st and is let run
 * out.  Returning less than n makes curl fail the transfer.
 */
static size_t
on_body(char *p, size_t size, size_t n, void *arg)
{
	struct job *j = arg;

	n *= size;
	if (j->stream && j->sse == SSE_UNKNOWN)
		j->sse = is_sse(j) ? SSE_YES : SSE_NO;
	if (j->sse == SSE_YES) {
		ai_stream_feed(&j->st, p, n);
		return hold(j->q, j, ai_stream_held(&j->st)) == -1 ? 0 : n;
	}
	if (hold(j->q, j, j->resp.len + n) == -1)
		return 0;
	if (ai_buf_append(&j->resp, p, n) == -1)
		errx(1, "out of memory");
	return n;
}

/* Text mode shows a streamed answer as it arrives. */
static void
on_text(void *arg, const char *s, size_t n)
{
	output_text(arg, s, n);
}

/*
 * Copies the value of header line p into dst if it is the header name,
 * as valid UTF-8: a server may send any bytes.
 */
static void
header_value(const char *p, size_t len, const char *name, char *dst,
    size_t size)
{
	size_t nlen = strlen(name);

	if (len <= nlen || strncasecmp(p, name, nlen) != 0)
		return;
	p += nlen;
	len -= nlen;
	while (len > 0 && (*p == ' ' || *p == '\t'))
		p++, len--;
	while (len > 0 && (p[len - 1] == '\r' || p[len - 1] == '\n' ||
	    p[len - 1] == ' '))
		len--;
	ai_text_utf8(dst, size, p, len);
}

/*
 * Keeps the provider's request id, the handle support asks for (OpenAI's
 * x-request-id, Anthropic's request-id), and how long it asks us to wait.
 */
static size_t
on_header(char *p, size_t size, size_t n, void *arg)
{
	struct job *j = arg;
	size_t len = size * n;

	header_value(p, len, "x-request-id:", j->request_id,
	    sizeof(j->request_id));
	header_value(p, len, "request-id:", j->request_id,
	    sizeof(j->request_id));
	header_value(p, len, "retry-after:", j->retry_after,
	    sizeof(j->retry_after));
	header_value(p, len, "retry-after-ms:", j->retry_after_ms,
	    sizeof(j->retry_after_ms));
	return len;
}

/*
 * This attempt's time limit: the per-attempt timeout, or less when the
 * record's deadline comes first, which j->by_deadline remembers so that
 * running out of time can be told apart.
 */
static long
attempt_timeout(const struct config *cf, struct job *j)
{
	int64_t left;

	j->by_deadline = 0;
	if (cf->deadline_ms == 0)
		return (long)cf->timeout_ms;
	left = cf->deadline_ms - (j->t0_us - j->first_us) / 1000;
	if (left < 1)
		left = 1;
	if (left >= cf->timeout_ms)
		return (long)cf->timeout_ms;
	j->by_deadline = 1;
	return (long)left;
}

/* Forgets what the last attempt left behind. */
static void
reset_attempt(struct aiq *q, struct job *j)
{
	transfer_release(q, j);
	j->over = OVER_NONE;
	j->request_id[0] = j->retry_after[0] = j->retry_after_ms[0] = '\0';
	j->curl_err[0] = '\0';
	j->sse = SSE_UNKNOWN;
	if (j->stream) {
		ai_stream_init(&j->st, j->ep->prov);
		if (q->cf->mode == MODE_TEXT) {
			j->st.on_text = on_text;
			j->st.arg = j;
		}
	}
}

/* Sets up the transfer of j's request on easy, for this attempt. */
void
transfer_setup(struct job *j, CURL *easy)
{
	struct aiq *q = j->q;

	reset_attempt(q, j);
	j->easy = easy;
	curl_easy_setopt(easy, CURLOPT_URL, j->call.url.data);
	curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE,
	    (curl_off_t)j->call.payload.len);
	curl_easy_setopt(easy, CURLOPT_POSTFIELDS, j->call.payload.data);
	curl_easy_setopt(easy, CURLOPT_HTTPHEADER, &j->trace_hdr);
	curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(easy, CURLOPT_WRITEDATA, j);
	curl_easy_setopt(easy, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(easy, CURLOPT_HEADERDATA, j);
	curl_easy_setopt(easy, CURLOPT_PRIVATE, j);
	curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, j->curl_err);
	curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, attempt_timeout(q->cf, j));
}

/* Counts the output record a finished job holds until it is written. */
void
transfer_hold_output(struct aiq *q, struct job *j)
{
	j->over = OVER_NONE;
	hold(q, j, j->out.len);
	j->over = OVER_NONE;	/* written whatever its size: it is final */
}
