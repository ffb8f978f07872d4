/*
 * attempt.c: what a finished attempt came to (an answer, or an error
 * with its stable code and message), whether another attempt is due and
 * when, and the job's end when the run stops early.  The outcome goes on
 * to output.c, and to calls.c for the usage log.
 */
#include <err.h>
#include <stdio.h>
#include <string.h>

#include "aiq.h"

/*
 * Transport failures that another attempt would meet again: a bad
 * certificate, a URL or protocol curl cannot use.
 */
static int
lasting(CURLcode rc)
{
	switch (rc) {
	case CURLE_UNSUPPORTED_PROTOCOL:
	case CURLE_URL_MALFORMAT:
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CIPHER:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_ISSUER_ERROR:
	case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
	case CURLE_SSL_INVALIDCERTSTATUS:
		return 1;
	default:
		return 0;
	}
}

/* An answer cut off for its size: the server's doing, never retried. */
static enum ai_errcode
too_big(struct aiq *q, struct job *j, char *msg)
{
	j->final = 1;
	snprintf(msg, AI_ERRLEN, "the answer is larger than --max-response "
	    "(%lld bytes)", (long long)q->cf->max_response);
	return AI_E_BAD_RESPONSE;
}

/* The message for a transfer that got no whole HTTP answer. */
static enum ai_errcode
transport_error(struct aiq *q, struct job *j, CURLcode rc, char *msg)
{
	const char *why = j->curl_err[0] != '\0' ? j->curl_err :
	    curl_easy_strerror(rc);

	if (j->over != OVER_NONE)
		return too_big(q, j, msg);
	snprintf(msg, AI_ERRLEN, "%s", why);
	if (rc == CURLE_OPERATION_TIMEDOUT && j->by_deadline) {
		j->final = 1;
		snprintf(msg, AI_ERRLEN, "the deadline of %lld ms passed "
		    "during attempt %d", (long long)q->cf->deadline_ms,
		    j->attempts);
		return AI_E_TIMEOUT;
	}
	if (rc == CURLE_OPERATION_TIMEDOUT)
		return AI_E_TIMEOUT;
	j->final = lasting(rc);
	if (j->sse == SSE_YES) {	/* the stream broke off */
		snprintf(msg, AI_ERRLEN, "the stream broke off after %zu "
		    "bytes of answer: %.160s", j->st.text.len, why);
		return AI_E_STREAM_TRUNCATED;
	}
	return AI_E_NETWORK;
}

static int
ends_v1(const char *s)
{
	size_t n = strlen(s);

	return n >= 3 && strcmp(s + n - 3, "/v1") == 0;
}

/*
 * A 404 from a base URL of the wrong shape, said in the error: /v1 twice
 * (ANTHROPIC_BASE_URL copied from OPENAI_BASE_URL), or no /v1 where the
 * provider's own base URL has one (OPENAI_BASE_URL without it).
 */
static void
hint_base(const struct job *j, struct ai_result *r)
{
	const struct ai_provider *p = j->ep->prov;
	size_t n = strlen(r->message);

	if (strstr(j->call.url.data, "/v1/v1/") != NULL)
		snprintf(r->message + n, sizeof(r->message) - n, " (the URL "
		    "has /v1 twice: %s's base URL must not end in /v1)",
		    p->name);
	else if (ends_v1(p->default_base) && !ends_v1(j->ep->base))
		snprintf(r->message + n, sizeof(r->message) - n, " (%s's "
		    "base URL most often ends in /v1, as %s does)", p->name,
		    p->default_base);
}

/* What this attempt came to: an answer, or an error and its message. */
static void
outcome(struct aiq *q, struct job *j, CURLcode rc, long status,
    struct ai_result *r)
{
	memset(r, 0, sizeof(*r));
	if (rc == CURLE_OK && j->stream && j->sse == SSE_UNKNOWN)
		/* An empty body: on_body never saw the type. */
		j->sse = transfer_is_sse(j) ? SSE_YES : SSE_NO;
	if (rc != CURLE_OK)
		r->code = transport_error(q, j, rc, r->message);
	else if (j->sse == SSE_YES) {
		ai_stream_finish(&j->st, r);
		ai_stream_free(&j->st);	/* r->body has it all now */
	}
	else
		j->ep->prov->parse(status, j->resp.data != NULL ?
		    j->resp.data : "", j->resp.len, r);
	if (r->code == AI_E_NOT_FOUND)
		hint_base(j, r);
	if (r->code != AI_OK)
		ai_scrub_secrets(r->message, j->ep->key);
}

/* Notes a failed attempt in the job's history, for its output record. */
static void
note_failure(struct job *j, const struct ai_result *r, long status,
    int64_t wait_ms)
{
	struct ai_buf *b = &j->failures;

	if ((b->len > 0 && ai_buf_puts(b, ",") == -1) ||
	    ai_buf_printf(b, "{\"attempt\":%d,\"code\":\"%s\"", j->attempts,
	    ai_errcode_name(r->code)) == -1 ||
	    (status > 0 && ai_buf_printf(b, ",\"status\":%ld", status) == -1) ||
	    ai_buf_puts(b, ",\"message\":") == -1 ||
	    ai_buf_jstr(b, r->message) == -1 ||
	    (wait_ms >= 0 && ai_buf_printf(b, ",\"retry_in_ms\":%lld",
	    (long long)wait_ms) == -1) || ai_buf_puts(b, "}") == -1)
		errx(1, "out of memory");
}

/*
 * How long to wait before the next attempt: what the provider asked for,
 * up to --max-wait, else exponential backoff with full jitter.
 */
static int64_t
next_wait(const struct config *cf, struct job *j)
{
	int64_t ms;

	ms = ai_retry_after_ms(j->retry_after[0] ? j->retry_after : NULL,
	    j->retry_after_ms[0] ? j->retry_after_ms : NULL, ai_now_ms());
	if (ms >= 0)
		return ms < cf->max_wait_ms ? ms : cf->max_wait_ms;
	return ai_backoff_ms(j->attempts + 1, BACKOFF_BASE_MS, cf->max_wait_ms,
	    ai_rand64());
}

static void
tell_retry(struct aiq *q, struct job *j, const struct ai_result *r,
    int64_t wait)
{
	char shown[AI_ERRLEN];

	if (q->cf->mode != MODE_TEXT)
		return;
	ai_text_show(shown, sizeof(shown), r->message);
	if (wait < 1000)
		say(q, "attempt %d failed (%s: %s); retrying in %lld ms",
		    j->attempts, ai_errcode_name(r->code), shown,
		    (long long)wait);
	else
		say(q, "attempt %d failed (%s: %s); retrying in %.1f s",
		    j->attempts, ai_errcode_name(r->code), shown,
		    (double)wait / 1000);
}

/*
 * Decides whether a failed attempt gets another: a passing failure, with
 * attempts left, nothing of the answer shown yet, and time before the
 * deadline.  Sets j->due_us when it does.
 */
static int
retry_later(struct aiq *q, struct job *j, struct ai_result *r, long status)
{
	const struct config *cf = q->cf;
	int64_t wait, now = ai_mono_us();
	size_t n;

	if (!ai_retryable(r->code) || j->attempts >= cf->max_attempts ||
	    j->emitted || j->final || q->stop != STOP_NONE) {
		note_failure(j, r, status, -1);
		return 0;
	}
	wait = next_wait(cf, j);
	if (cf->deadline_ms > 0 && now + wait * 1000 >= j->first_us +
	    (cf->deadline_ms + j->paused_ms) * 1000) {
		note_failure(j, r, status, -1);
		n = strlen(r->message);
		snprintf(r->message + n, sizeof(r->message) - n, " (no attempt "
		    "%d: the deadline would pass first)", j->attempts + 1);
		return 0;
	}
	note_failure(j, r, status, wait);
	j->due_us = now + wait * 1000;
	tell_retry(q, j, r, wait);
	return 1;
}

/*
 * Turns a finished attempt into the job's output and a usage log row, or
 * returns 1 when the job is to be tried again at j->due_us.  A key the
 * provider refused is not used again in this run.
 */
int
attempt_finish(struct aiq *q, struct job *j, CURLcode rc)
{
	struct ai_result r;
	long status = 0;

	curl_easy_getinfo(j->easy, CURLINFO_RESPONSE_CODE, &status);
	outcome(q, j, rc, status, &r);
	if (r.code != AI_OK && (retry_later(q, j, &r, status) ||
	    fallback_next(q, j, &r, status))) {
		ai_result_free(&r);
		transfer_release(q, j);
		return 1;
	}
	if (r.code == AI_E_AUTH)
		endpoint_refused(j->ep, status, j->req.model, r.message);
	if (r.code == AI_OK)
		output_answer(q, j, &r, status);
	else
		output_error(q, j, r.code, r.message, status);
	if (!j->logged)
		calls_log(q, j, &r, status);
	ai_result_free(&r);
	transfer_release(q, j);
	return 0;
}

/*
 * Ends a job cut short: the run was stopped by a signal or its output
 * failed.  It is logged all the same: the provider may have done, and
 * billed, the work; how many tokens is not known.
 */
void
attempt_stop(struct aiq *q, struct job *j)
{
	struct ai_result r = { .no_usage = 1 };
	char msg[64];
	long status = 0;

	if (j->easy != NULL && j->answering)
		curl_easy_getinfo(j->easy, CURLINFO_RESPONSE_CODE, &status);
	if (q->stop == STOP_SIGNAL)
		snprintf(msg, sizeof(msg), "stopped by %s", aiq_signal ==
		    SIGINT ? "SIGINT" : aiq_signal == SIGTERM ? "SIGTERM" :
		    aiq_signal == SIGHUP ? "SIGHUP" : "a signal");
	else
		snprintf(msg, sizeof(msg), "stopped: %s", q->stop ==
		    STOP_PIPE ? "the reader of the output went away" :
		    "the output cannot be written");
	output_error(q, j, AI_E_INTERRUPTED, msg, 0);
	/* A call is made once its request went out, on this attempt or before. */
	if (j->easy == NULL || j->sent || j->attempts > 1)
		calls_log(q, j, &r, status);
	transfer_release(q, j);
}
