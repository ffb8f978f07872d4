/*
 * job.c: one record's life: parsed, checked, sent, and its result (or
 * error) turned into the output record and a usage log row.
 */
#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "aiq.h"

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

static size_t
on_body(char *p, size_t size, size_t n, void *arg)
{
	struct job *j = arg;

	n *= size;
	if (j->received + n > MAX_RESPONSE || j->q->write_failed)
		return 0;	/* makes curl fail the transfer */
	if (j->received == 0 && j->stream)
		j->sse = is_sse(j) ? SSE_YES : SSE_NO;
	j->received += n;
	if (j->sse == SSE_YES) {
		/*
		 * Events are read as they come, not kept.  A stream that
		 * goes wrong has its error in j->st and is let run out.
		 */
		ai_stream_feed(&j->st, p, n);
		return j->q->write_failed ? 0 : n;
	}
	if (ai_buf_append(&j->resp, p, n) == -1)
		errx(1, "out of memory");
	return n;
}

/*
 * Text mode shows a streamed answer as it arrives.  The output buffer
 * holds nothing else then, as text mode has one record.
 */
static void
on_text(void *arg, const char *s, size_t n)
{
	struct job *j = arg;

	if (ai_buf_append(&j->q->outbuf, s, n) == -1)
		errx(1, "out of memory");
	j->emitted = 1;
	j->line_open = s[n - 1] != '\n';
	output_flush(j->q);
}

/* Ends the line of answer shown, so that a message does not join it. */
static void
end_line(struct job *j)
{
	if (!j->line_open)
		return;
	if (ai_buf_append(&j->q->outbuf, "\n", 1) == -1)
		errx(1, "out of memory");
	j->line_open = 0;
	output_flush(j->q);
}

/* Copies the value of header line p if it is the header name. */
static void
header_value(const char *p, size_t len, const char *name, char *dst,
    size_t size)
{
	size_t nlen = strlen(name), k;

	if (len <= nlen || strncasecmp(p, name, nlen) != 0)
		return;
	p += nlen;
	len -= nlen;
	while (len > 0 && (*p == ' ' || *p == '\t'))
		p++, len--;
	while (len > 0 && (p[len - 1] == '\r' || p[len - 1] == '\n' ||
	    p[len - 1] == ' '))
		len--;
	k = len < size ? len : size - 1;
	memcpy(dst, p, k);
	dst[k] = '\0';
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

static void
input_error(struct aiq *q, struct job *j, const char *what)
{
	char msg[AI_ERRLEN];

	snprintf(msg, sizeof(msg), "line %ld: %s", j->lineno, what);
	if (q->mode != MODE_TEXT)
		warnx("<stdin>:%ld: %s", j->lineno, what);
	job_fail(q, j, AI_E_INVALID_INPUT, msg);
}

/*
 * A line of text as a prompt record.  The record replaces the line, so
 * that the output record is the prompt record plus the answer.
 */
static json_t *
text_record(struct job *j, char *what)
{
	struct ai_buf b = { 0 };
	json_t *rec;

	if ((rec = ai_prompt_record(j->line, j->len)) == NULL) {
		snprintf(what, AI_ERRLEN, "not valid UTF-8");
		return NULL;
	}
	if (ai_buf_json(&b, rec) == -1)
		errx(1, "out of memory");
	free(j->line);
	j->line = b.data;
	j->len = b.len;
	return rec;
}

static json_t *
parse_line(struct aiq *q, struct job *j, char *what)
{
	json_error_t je;
	json_t *rec = NULL;

	if (q->mode != MODE_JSON)
		return text_record(j, what);
	if (j->len == strspn(j->line, " \t"))
		snprintf(what, AI_ERRLEN, "empty line");
	else if ((rec = json_loadb(j->line, j->len, JSON_DECODE_ANY,
	    &je)) == NULL)
		snprintf(what, AI_ERRLEN, "invalid JSON: %s (column %d)",
		    je.text, je.column);
	else if (!json_is_object(rec)) {
		snprintf(what, AI_ERRLEN, "record is not a JSON object");
		json_decref(rec);
		rec = NULL;
	}
	return rec;
}

/* Streams when the run or the record asks for it. */
static void
choose_stream(struct aiq *q, struct job *j)
{
	json_t *body = j->req.body;

	if (q->stream == STREAM_ON)
		json_object_set_new(body, "stream", json_true());
	else if (q->stream == STREAM_OFF) {
		json_object_del(body, "stream");
		json_object_del(body, "stream_options");
	}
	j->stream = json_is_true(json_object_get(body, "stream"));
}

/*
 * Picks the provider: -P, else the one whose own format the record is
 * in, else the one the model name implies; and puts the request in its
 * format, so that a request it cannot take fails before it is sent.
 */
/* The record's own tags, then those of --tag it does not set itself. */
static void
own_tags(const struct aiq *q, struct job *j)
{
	json_t *t = json_copy((json_t *)j->req.tags);

	if (t == NULL || (q->tags != NULL &&
	    json_object_update_missing(t, q->tags) == -1) ||
	    (j->own_tags = json_dumps(t, JSON_COMPACT)) == NULL)
		errx(1, "out of memory");
	json_decref(t);
	j->tags = j->own_tags;
}

static void
route(struct aiq *q, struct job *j)
{
	const struct ai_provider *p;
	char err[AI_ERRLEN];
	enum ai_errcode code;

	if ((p = ai_route_provider(&q->rt, &j->req, err)) == NULL) {
		input_error(q, j, err);
		return;
	}
	if ((j->ep = endpoint_get(q, p, &code, err)) == NULL) {
		job_fail(q, j, code, err);
		return;
	}
	choose_stream(q, j);
	j->call.base_url = j->ep->base;
	j->call.body = j->req.body;
	j->call.native = j->req.native != NULL;
	if (p->prepare(&j->call, err) == -1)
		job_fail(q, j, AI_E_BAD_REQUEST, err);
}

/*
 * Makes the job for one input line.  A line that is not a valid request,
 * or a record already answered, is final at once (j->done).
 */
struct job *
job_new(struct aiq *q, const char *line, size_t len, long lineno, int cut)
{
	char what[AI_ERRLEN];
	struct job *j;

	if ((j = calloc(1, sizeof(*j))) == NULL ||
	    (j->line = malloc(len + 1)) == NULL)
		errx(1, "out of memory");
	memcpy(j->line, line, len);
	j->line[len] = '\0';
	j->q = q;
	j->len = len;
	j->lineno = lineno;
	j->seq = q->next++;
	j->started_ms = ai_now_ms();
	j->tags = q->tags_text;
	q->st.records++;
	if (cut)
		input_error(q, j, "line too long");
	else if ((j->rec = parse_line(q, j, what)) == NULL)
		input_error(q, j, what);
	else if (ai_record_is_done(j->rec, q->resend_errors)) {
		if (ai_buf_append(&j->out, j->line, j->len) == -1 ||
		    ai_buf_append(&j->out, "\n", 1) == -1)
			errx(1, "out of memory");
		q->st.passed++;
		j->done = 1;
	} else if (ai_record_request(j->rec, &q->defaults, &j->req,
	    what) == -1)
		input_error(q, j, q->mode != MODE_JSON && json_string_length(
		    json_object_get(j->rec, "prompt")) == 0 ? "empty line" :
		    what);
	else {
		if (j->req.tags != NULL)
			own_tags(q, j);
		route(q, j);
	}
	return j;
}

static void
set_trace(struct job *j)
{
	if (j->req.trace_id != NULL)
		memcpy(j->trace_id, j->req.trace_id, sizeof(j->trace_id));
	else
		ai_trace_id(j->trace_id);
	/* W3C trace context, so a gateway or the provider can correlate. */
	snprintf(j->trace_line, sizeof(j->trace_line),
	    "traceparent: 00-%s-%016llx-01", j->trace_id,
	    (unsigned long long)ai_rand64());
	j->trace_hdr.data = j->trace_line;
	j->trace_hdr.next = j->ep->headers;
}

/*
 * This attempt's time limit: the per-attempt timeout, or less when the
 * record's deadline comes first, which j->by_deadline remembers so that
 * running out of time can be told apart.
 */
static long
attempt_timeout(struct aiq *q, struct job *j)
{
	int64_t left;

	j->by_deadline = 0;
	if (q->deadline_ms == 0)
		return (long)q->timeout_ms;
	left = q->deadline_ms - (j->t0_us - j->first_us) / 1000;
	if (left < 1)
		left = 1;
	if (left >= q->timeout_ms)
		return (long)q->timeout_ms;
	j->by_deadline = 1;
	return (long)left;
}

/* Forgets what the last attempt left behind. */
static void
reset_attempt(struct aiq *q, struct job *j)
{
	ai_buf_reset(&j->resp);
	j->received = 0;
	j->request_id[0] = j->retry_after[0] = j->retry_after_ms[0] = '\0';
	j->curl_err[0] = '\0';
	j->sse = SSE_UNKNOWN;
	if (j->stream) {
		ai_stream_free(&j->st);
		ai_stream_init(&j->st, j->ep->prov);
		if (q->mode == MODE_TEXT) {
			j->st.on_text = on_text;
			j->st.arg = j;
		}
	}
}

/* Sends the job's request, a first or a later attempt, on easy. */
int
job_start(struct aiq *q, struct job *j, CURL *easy)
{
	j->t0_us = ai_mono_us();
	if (j->attempts++ == 0) {
		j->first_us = j->t0_us;
		set_trace(j);
	}
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
	curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, attempt_timeout(q, j));
	return 0;
}

/*
 * Appends the aitools metadata object of an output record.  It is written
 * directly, as it is made for every record; strings that come from the
 * user go through ai_buf_jstr.
 */
static int
meta(struct aiq *q, struct job *j, struct ai_buf *b, const char *model)
{
	char started[32], finished[32];

	ai_format_time(j->started_ms, started, sizeof(started));
	ai_format_time(ai_now_ms(), finished, sizeof(finished));
	if (ai_buf_printf(b, "{\"v\":%d,\"line\":%ld,\"started\":\"%s\","
	    "\"finished\":\"%s\"", AI_RECORD_VERSION, j->lineno, started,
	    finished) == -1)
		return -1;
	if (j->ep != NULL && (ai_buf_printf(b, ",\"provider\":\"%s\"",
	    j->ep->prov->name) == -1 || (model != NULL &&
	    (ai_buf_puts(b, ",\"model\":") == -1 ||
	    ai_buf_jstr(b, model) == -1))))
		return -1;
	if (j->attempts > 0 && ai_buf_printf(b, ",\"attempts\":%d,"
	    "\"latency_ms\":%lld,\"trace_id\":\"%s\"", j->attempts,
	    (long long)((ai_mono_us() - j->first_us) / 1000),
	    j->trace_id) == -1)
		return -1;
	if (j->attempts > 1 && (ai_buf_puts(b, ",\"failed_attempts\":[") ==
	    -1 || ai_buf_append(b, j->failures.data, j->failures.len) == -1 ||
	    ai_buf_puts(b, "]") == -1))
		return -1;
	if (q->service != NULL && (ai_buf_puts(b, ",\"service\":") == -1 ||
	    ai_buf_jstr(b, q->service) == -1))
		return -1;
	if (j->tags != NULL && (ai_buf_puts(b, ",\"tags\":") == -1 ||
	    ai_buf_puts(b, j->tags) == -1))
		return -1;
	return ai_buf_puts(b, "}}");	/* closes aitools and the tail */
}

/* Writes the output record: the input with the tail's members added. */
static void
emit(struct aiq *q, struct job *j, const struct ai_buf *tail)
{
	int r;

	if (j->rec != NULL)
		r = ai_record_splice(&j->out, j->line, j->len, j->rec,
		    tail->data, tail->len);
	else
		r = ai_buf_append(&j->out, tail->data, tail->len) == -1 ?
		    -1 : ai_buf_append(&j->out, "\n", 1);
	if (r == -1)
		errx(1, "out of memory");
	j->done = 1;
}

static void
fail_status(struct aiq *q, struct job *j, enum ai_errcode code,
    const char *msg, long status)
{
	struct ai_buf *t = &q->tail;

	j->code = code;
	q->st.failed++;
	q->st.by_code[code]++;
	if (q->mode == MODE_TEXT) {
		end_line(j);
		warnx("%s: %s", ai_errcode_name(code), msg);
		j->done = 1;
		return;
	}
	ai_buf_reset(t);
	if (ai_buf_printf(t, "{\"error\":{\"code\":\"%s\",\"message\":",
	    ai_errcode_name(code)) == -1 || ai_buf_jstr(t, msg) == -1 ||
	    (status > 0 && ai_buf_printf(t, ",\"status\":%ld", status) == -1) ||
	    ai_buf_puts(t, "},\"aitools\":") == -1 ||
	    meta(q, j, t, j->req.model) == -1)
		errx(1, "out of memory");
	emit(q, j, t);
}

/* Ends the job with an error record. */
void
job_fail(struct aiq *q, struct job *j, enum ai_errcode code, const char *msg)
{
	fail_status(q, j, code, msg, 0);
}

/*
 * Text mode prints the answer alone: its content, or else its refusal,
 * or else the message as JSON; a streamed one is already shown.  It is
 * written at once, so that a warning comes after it.
 */
static void
emit_text(struct job *j, const json_t *body)
{
	const json_t *c = json_array_get(json_object_get(body, "choices"), 0);
	const json_t *m = json_object_get(c, "message");
	const char *reason = json_string_value(json_object_get(c,
	    "finish_reason"));
	const char *s = json_string_value(json_object_get(m, "content"));
	struct ai_buf *out = &j->q->outbuf;

	if (s == NULL || (*s == '\0' && json_is_string(json_object_get(m,
	    "refusal"))))
		s = json_string_value(json_object_get(m, "refusal"));
	if (!j->emitted) {
		if ((s != NULL ? ai_buf_puts(out, s) : ai_buf_json(out, m)) == -1)
			errx(1, "out of memory");
		j->line_open = out->len > 0 && out->data[out->len - 1] != '\n';
		output_flush(j->q);
	}
	end_line(j);
	if (reason != NULL && strcmp(reason, "length") == 0)
		warnx("the answer was cut at the token limit");
	j->done = 1;
}

/*
 * The response member of an output record.  An answer already in the
 * chat.completion shape is copied as received, on one line: parsing it
 * checked it, and printing it again would cost more than the request.
 */
static int
response(struct job *j, const struct ai_result *r, long status,
    struct ai_buf *t)
{
	if (ai_buf_printf(t, "{\"response\":{\"status_code\":%ld,"
	    "\"request_id\":", status) == -1 || (j->request_id[0] != '\0' ?
	    ai_buf_jstr(t, j->request_id) : ai_buf_puts(t, "null")) == -1 ||
	    ai_buf_puts(t, ",\"body\":") == -1)
		return -1;
	if (r->native)
		return ai_buf_oneline(t, j->resp.data, j->resp.len);
	return ai_buf_json(t, r->body);
}

static void
succeed(struct aiq *q, struct job *j, struct ai_result *r, long status)
{
	struct ai_buf *t = &q->tail;

	j->code = AI_OK;
	q->st.ok++;
	if (q->mode == MODE_TEXT) {
		emit_text(j, r->body);
		return;
	}
	ai_buf_reset(t);
	if (response(j, r, status, t) == -1 ||
	    ai_buf_puts(t, "},\"aitools\":") == -1 ||
	    meta(q, j, t, r->model != NULL ? r->model : j->req.model) == -1)
		errx(1, "out of memory");
	emit(q, j, t);
}

/* The tier the answer was served at: OpenAI's, else Anthropic's usage. */
static const char *
service_tier(const json_t *body)
{
	const json_t *t = json_object_get(body, "service_tier");

	if (!json_is_string(t))
		t = json_object_get(json_object_get(body, "usage"),
		    "service_tier");
	return json_is_string(t) ? json_string_value(t) : NULL;
}

/* A usage log row for every call made; a failing log is reported once. */
static void
log_call(struct aiq *q, struct job *j, const struct ai_result *r,
    long status)
{
	struct ai_logrow row = {
		.ts_ms = j->started_ms,
		.provider = j->ep->prov->name,
		.model = r->model != NULL ? r->model : j->req.model,
		.service = q->service,
		.status = ai_errcode_name(j->code),
		.http_status = status,
		.usage = r->usage,
		.latency_ms = (ai_mono_us() - j->first_us) / 1000,
		.attempts = j->attempts,
		.trace_id = j->trace_id,
		.request_id = j->request_id[0] != '\0' ? j->request_id : NULL,
		.custom_id = j->req.custom_id,
		.tier = service_tier(r->body),
		.no_usage = j->code == AI_OK &&
		    !json_is_object(json_object_get(r->body, "usage")),
		.tags = j->tags,
	};
	char err[AI_ERRLEN];
	char *prompt = NULL;

	if (q->log == NULL)
		return;
	if (q->log_content) {
		prompt = json_dumps(json_object_get(j->req.body, "messages"),
		    JSON_COMPACT);
		row.prompt = prompt;
		row.response = json_string_value(json_object_get(
		    json_object_get(json_array_get(json_object_get(r->body,
		    "choices"), 0), "message"), "content"));
	}
	if (ai_usagelog_add(q->log, &row, err) == -1 && !q->log_warned++)
		warnx("%s", err);
	free(prompt);
}

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

/* The message for a transfer that got no whole HTTP answer. */
static enum ai_errcode
transport_error(struct aiq *q, struct job *j, CURLcode rc, char *msg)
{
	const char *why = j->curl_err[0] != '\0' ? j->curl_err :
	    curl_easy_strerror(rc);

	snprintf(msg, AI_ERRLEN, "%s", why);
	if (rc == CURLE_OPERATION_TIMEDOUT && j->by_deadline) {
		j->final = 1;
		snprintf(msg, AI_ERRLEN, "the deadline of %lld ms passed "
		    "during attempt %d", (long long)q->deadline_ms,
		    j->attempts);
		return AI_E_TIMEOUT;
	}
	if (rc == CURLE_OPERATION_TIMEDOUT)
		return AI_E_TIMEOUT;
	j->final = lasting(rc);
	if (rc == CURLE_WRITE_ERROR && !q->write_failed) {
		snprintf(msg, AI_ERRLEN, "response larger than %u bytes",
		    MAX_RESPONSE);
		return AI_E_BAD_RESPONSE;
	}
	if (j->sse == SSE_YES) {	/* the stream broke off */
		snprintf(msg, AI_ERRLEN, "the stream broke off after %zu "
		    "bytes of answer: %.160s", j->st.text.len, why);
		return AI_E_STREAM_TRUNCATED;
	}
	return AI_E_NETWORK;
}

/* What this attempt came to: an answer, or an error and its message. */
static void
outcome(struct aiq *q, struct job *j, CURLcode rc, long status,
    struct ai_result *r)
{
	memset(r, 0, sizeof(*r));
	if (rc == CURLE_OK && j->stream && j->sse == SSE_UNKNOWN)
		j->sse = is_sse(j) ? SSE_YES : SSE_NO;	/* an empty body */
	if (rc != CURLE_OK)
		r->code = transport_error(q, j, rc, r->message);
	else if (j->sse == SSE_YES)
		ai_stream_finish(&j->st, r);
	else
		j->ep->prov->parse(status, j->resp.data != NULL ?
		    j->resp.data : "", j->resp.len, r);
	if (r->code != AI_OK)
		scrub_secrets(j->ep, r->message);
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
next_wait(struct aiq *q, struct job *j)
{
	int64_t ms;

	ms = ai_retry_after_ms(j->retry_after[0] ? j->retry_after : NULL,
	    j->retry_after_ms[0] ? j->retry_after_ms : NULL, ai_now_ms());
	if (ms >= 0)
		return ms < q->max_wait_ms ? ms : q->max_wait_ms;
	return ai_backoff_ms(j->attempts + 1, BACKOFF_BASE_MS, q->max_wait_ms,
	    ai_rand64());
}

/*
 * Decides whether a failed attempt gets another: a passing failure, with
 * attempts left, nothing of the answer shown yet, and time before the
 * deadline.  Sets j->due_us when it does.
 */
static int
retry_later(struct aiq *q, struct job *j, struct ai_result *r, long status)
{
	int64_t wait, now = ai_mono_us();
	size_t n;

	if (!ai_retryable(r->code) || j->attempts >= q->max_attempts ||
	    j->emitted || j->final || aiq_signal != 0) {
		note_failure(j, r, status, -1);
		return 0;
	}
	wait = next_wait(q, j);
	if (q->deadline_ms > 0 &&
	    now + wait * 1000 >= j->first_us + q->deadline_ms * 1000) {
		note_failure(j, r, status, -1);
		n = strlen(r->message);
		snprintf(r->message + n, sizeof(r->message) - n, " (no attempt "
		    "%d: the deadline would pass first)", j->attempts + 1);
		return 0;
	}
	note_failure(j, r, status, wait);
	j->due_us = now + wait * 1000;
	if (q->mode == MODE_TEXT && wait < 1000)
		warnx("attempt %d failed (%s: %s); retrying in %lld ms",
		    j->attempts, ai_errcode_name(r->code), r->message,
		    (long long)wait);
	else if (q->mode == MODE_TEXT)
		warnx("attempt %d failed (%s: %s); retrying in %.1f s",
		    j->attempts, ai_errcode_name(r->code), r->message,
		    (double)wait / 1000);
	return 1;
}

/*
 * Turns a finished attempt into the job's output and a log row, or
 * returns 1 when the job is to be tried again at j->due_us.
 */
int
job_finish(struct aiq *q, struct job *j, CURLcode rc)
{
	struct ai_result r;
	long status = 0;

	curl_easy_getinfo(j->easy, CURLINFO_RESPONSE_CODE, &status);
	outcome(q, j, rc, status, &r);
	if (r.code != AI_OK && retry_later(q, j, &r, status)) {
		ai_result_free(&r);
		return 1;
	}
	j->usage = r.usage;
	q->st.input_tokens += r.usage.input;
	q->st.output_tokens += r.usage.output;
	if (r.code == AI_OK)
		succeed(q, j, &r, status);
	else
		fail_status(q, j, r.code, r.message, status);
	log_call(q, j, &r, status);
	ai_result_free(&r);
	return 0;
}

/*
 * Ends a transfer cut short by a signal.  It is logged all the same: the
 * provider may have done, and billed, the work.
 */
void
job_interrupt(struct aiq *q, struct job *j)
{
	struct ai_result r = { 0 };
	char msg[64];
	long status = 0;

	if (j->easy != NULL)	/* in flight; a waiting job has no answer */
		curl_easy_getinfo(j->easy, CURLINFO_RESPONSE_CODE, &status);
	snprintf(msg, sizeof(msg), "stopped by %s", aiq_signal == SIGINT ?
	    "SIGINT" : aiq_signal == SIGTERM ? "SIGTERM" : aiq_signal ==
	    SIGHUP ? "SIGHUP" : "a signal");
	job_fail(q, j, AI_E_INTERRUPTED, msg);
	log_call(q, j, &r, status);
}

void
job_free(struct job *j)
{
	if (j == NULL)
		return;
	free(j->line);
	json_decref(j->rec);
	ai_request_free(&j->req);
	ai_call_free(&j->call);
	ai_buf_free(&j->resp);
	ai_buf_free(&j->out);
	ai_buf_free(&j->failures);
	ai_stream_free(&j->st);
	free(j->own_tags);
	free(j);
}
