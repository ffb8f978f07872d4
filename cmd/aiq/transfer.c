/*
 * transfer.c: one attempt's transfer: the curl options it is sent with,
 * and the callbacks that take in its headers and body.  The bytes an
 * answer holds are counted against two limits, so that a broken or
 * hostile server cannot take the machine's memory at any -j.  An answer
 * past --max-response is cut off and its record fails (attempt.c says
 * so).  Past --max-buffer, for all the answers and output records held,
 * a transfer waits, paused, until records written out free memory: the
 * one that holds up the output (the oldest, in input order) never waits,
 * so that the run always goes on.
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
 * with j->over set, when the answer is past --max-response: it is then
 * cut off, and its bytes no longer count.
 */
static int
hold(struct aiq *q, struct job *j, size_t now)
{
	q->held += (int64_t)now - (int64_t)j->held;
	j->held = now;
	if ((int64_t)now <= q->cf->max_response)
		return 0;
	j->over = OVER_RESPONSE;
	q->held -= (int64_t)j->held;
	j->held = 0;
	return -1;
}

/*
 * Whether j must wait before taking n more bytes: they would pass
 * --max-buffer, and j is not the one the output waits for (in input
 * order, the oldest; with -u, the leader transfer_unpause chose).
 */
static int
must_wait(const struct aiq *q, const struct job *j, size_t n)
{
	if (q->held + (int64_t)n <= q->cf->max_buffer)
		return 0;
	if (q->cf->unordered)
		return j != q->leader && q->inflight - q->npaused > 1;
	return j->seq != q->head;
}

/*
 * Lets paused transfers go on: each whose refused bytes fit again, and
 * when none runs, the one the output waits for (in input order the
 * oldest; with -u the one that holds most, nearest its end).  Resuming
 * one whose bytes do not fit would only pause it again, at once: a spin.
 */
void
transfer_unpause(struct aiq *q)
{
	struct job *j, *first = NULL;
	int i;

	if (q->npaused == 0)
		return;
	for (i = 0; i < q->cf->jobs; i++) {
		if ((j = q->slots[i].job) == NULL || !j->paused)
			continue;
		if (!j->timer_off) {	/* set here, not in on_body */
			curl_easy_setopt(j->easy, CURLOPT_TIMEOUT_MS, 0L);
			j->timer_off = 1;
		}
		if (q->held + (int64_t)j->want <= q->cf->max_buffer)
			transfer_go(q, j);
		else if (first == NULL || (q->cf->unordered ?
		    j->held > first->held : j->seq < first->seq))
			first = j;
	}
	if (first == NULL || !first->paused)
		return;
	if (!q->cf->unordered && first->seq == q->head)
		transfer_go(q, first);
	else if (q->cf->unordered && q->inflight - q->npaused == 0) {
		q->leader = first;
		transfer_go(q, first);
	}
}

/* Pauses j's transfer for want bytes: called from on_body. */
static size_t
pause_for(struct aiq *q, struct job *j, size_t want)
{
	j->paused = 1;
	j->want = want;
	j->paused_us = ai_mono_us();
	q->npaused++;
	return CURL_WRITEFUNC_PAUSE;	/* the bytes come again */
}

/*
 * Ends the pause of j's transfer; curl may call on_body at once.  The
 * time it waited is not counted against -T nor --deadline: a record
 * must not fail, nor be sent again, for the memory of others.
 */
void
transfer_go(struct aiq *q, struct job *j)
{
	int64_t waited;

	if (!j->paused)
		return;
	waited = (ai_mono_us() - j->paused_us) / 1000;
	j->paused = j->timer_off = 0;
	q->npaused--;
	j->paused_ms += waited;
	j->attempt_paused_ms += waited;
	curl_easy_setopt(j->easy, CURLOPT_TIMEOUT_MS,
	    j->timeout_ms + j->attempt_paused_ms);
	curl_easy_pause(j->easy, CURLPAUSE_CONT);
}

/*
 * Gives back what the attempt held: large buffers, and their count.  A
 * finished job's output record still counts, until it is written.
 */
void
transfer_release(struct aiq *q, struct job *j)
{
	if (j->resp.cap > KEEP_CAP)
		ai_buf_free(&j->resp);
	else
		ai_buf_reset(&j->resp);
	ai_stream_free(&j->st);
	q->held += (int64_t)(j->done ? j->out.len : 0) - (int64_t)j->held;
	j->held = j->done ? j->out.len : 0;
}

/* The job's output record was written: it holds nothing any more. */
void
transfer_written(struct aiq *q, struct job *j)
{
	q->held -= (int64_t)j->held;
	j->held = 0;
}

/*
 * Whether this attempt's answer is an event stream: a streamed request
 * can still get a plain body, an error's or a server's that cannot stream.
 */
int
transfer_is_sse(struct job *j)
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
	if (must_wait(j->q, j, n))
		return pause_for(j->q, j, n);
	if (j->stream && j->sse == SSE_UNKNOWN)
		j->sse = transfer_is_sse(j) ? SSE_YES : SSE_NO;
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
 * x-request-id, Anthropic's request-id), how long it asks us to wait,
 * and, for the output record, what it says of its rate limits.
 */
static size_t
on_header(char *p, size_t size, size_t n, void *arg)
{
	struct job *j = arg;
	size_t len = size * n;

	j->answering = 1;
	if (j->q->cf->mode != MODE_TEXT)
		ai_ratelimit_header(&j->rl, p, len);
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
 * The request is about to go out on a connection: from now on the call
 * is made, and logged whatever comes of it.  (curl's own counts of a
 * reused handle still tell of its last transfer until this one's.)
 */
static int
on_sending(void *arg, char *ip, char *local_ip, int port, int local_port)
{
	struct job *j = arg;

	/*
	 * Twice in one attempt: libcurl sent the request again, on a new
	 * connection, as the reused one closed before any answer.  The
	 * provider may have had both, and the usage log counts both.
	 */
	if (j->sent)
		j->resent++;
	j->sent = 1;
	return CURL_PREREQFUNC_OK;
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
	left = cf->deadline_ms - ((j->t0_us - j->first_us) / 1000 -
	    j->paused_ms);
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
	memset(&j->rl, 0, sizeof(j->rl));
	j->curl_err[0] = '\0';
	j->sse = SSE_UNKNOWN;
	j->sent = j->answering = 0;
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
	curl_easy_setopt(easy, CURLOPT_PREREQFUNCTION, on_sending);
	curl_easy_setopt(easy, CURLOPT_PREREQDATA, j);
	curl_easy_setopt(easy, CURLOPT_PRIVATE, j);
	curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, j->curl_err);
	j->timeout_ms = attempt_timeout(q->cf, j);
	j->attempt_paused_ms = 0;
	curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, j->timeout_ms);
}

