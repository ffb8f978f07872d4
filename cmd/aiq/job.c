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

static size_t
on_body(char *p, size_t size, size_t n, void *arg)
{
	struct job *j = arg;

	n *= size;
	if (j->resp.len + n > MAX_RESPONSE ||
	    ai_buf_append(&j->resp, p, n) == -1)
		return 0;	/* makes curl fail the transfer */
	return n;
}

/* Keeps the provider's request id, the handle support asks for. */
static size_t
on_header(char *p, size_t size, size_t n, void *arg)
{
	static const char name[] = "x-request-id:";
	struct job *j = arg;
	size_t len = size * n, k;

	if (len > sizeof(name) && strncasecmp(p, name, sizeof(name) - 1) == 0) {
		p += sizeof(name) - 1;
		len -= sizeof(name) - 1;
		while (len > 0 && (*p == ' ' || *p == '\t'))
			p++, len--;
		while (len > 0 && (p[len - 1] == '\r' || p[len - 1] == '\n' ||
		    p[len - 1] == ' '))
			len--;
		k = len < sizeof(j->request_id) ? len : sizeof(j->request_id) - 1;
		memcpy(j->request_id, p, k);
		j->request_id[k] = '\0';
	}
	return size * n;
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
	j->len = len;
	j->lineno = lineno;
	j->seq = q->next++;
	j->started_ms = ai_now_ms();
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
		input_error(q, j, what);
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

/* Sends the job's request on the easy handle given. */
int
job_start(struct aiq *q, struct job *j, CURL *easy)
{
	char err[AI_ERRLEN];

	j->ep = &q->ep;
	j->call.base_url = j->ep->base;
	j->call.body = j->req.body;
	set_trace(j);
	j->attempts++;
	j->t0_us = ai_mono_us();
	if (j->ep->prov->prepare(&j->call, err) == -1) {
		job_fail(q, j, AI_E_INVALID_INPUT, err);
		return -1;
	}
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
	curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, (long)q->timeout_ms);
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
	if (j->ep != NULL) {
		if (ai_buf_printf(b, ",\"provider\":\"%s\"",
		    j->ep->prov->name) == -1 || (model != NULL &&
		    (ai_buf_puts(b, ",\"model\":") == -1 ||
		    ai_buf_jstr(b, model) == -1)) ||
		    ai_buf_printf(b, ",\"attempts\":%d,\"latency_ms\":%lld,"
		    "\"trace_id\":\"%s\"", j->attempts,
		    (long long)((ai_mono_us() - j->t0_us) / 1000),
		    j->trace_id) == -1)
			return -1;
	}
	if (q->service != NULL && (ai_buf_puts(b, ",\"service\":") == -1 ||
	    ai_buf_jstr(b, q->service) == -1))
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

/* Text mode prints the answer alone: its content, or else its refusal. */
static void
emit_text(struct job *j, const json_t *body)
{
	const json_t *c = json_array_get(json_object_get(body, "choices"), 0);
	const json_t *m = json_object_get(c, "message");
	const char *reason = json_string_value(json_object_get(c,
	    "finish_reason"));
	const char *s = json_string_value(json_object_get(m, "content"));
	int r;

	if (s == NULL)
		s = json_string_value(json_object_get(m, "refusal"));
	if (reason != NULL && strcmp(reason, "length") == 0)
		warnx("the answer was cut at the token limit");
	if (s != NULL)
		r = ai_buf_puts(&j->out, s);
	else
		r = ai_buf_json(&j->out, m);
	if (r == -1 || (j->out.len > 0 && j->out.data[j->out.len - 1] != '\n' &&
	    ai_buf_append(&j->out, "\n", 1) == -1))
		errx(1, "out of memory");
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
		.latency_ms = (ai_mono_us() - j->t0_us) / 1000,
		.attempts = j->attempts,
		.trace_id = j->trace_id,
		.request_id = j->request_id[0] != '\0' ? j->request_id : NULL,
		.custom_id = j->req.custom_id,
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

/* The message for a transfer that got no HTTP answer. */
static enum ai_errcode
transport_error(struct job *j, CURLcode rc, char *msg)
{
	const char *why = j->curl_err[0] != '\0' ? j->curl_err :
	    curl_easy_strerror(rc);

	snprintf(msg, AI_ERRLEN, "%s", why);
	if (rc == CURLE_OPERATION_TIMEDOUT)
		return AI_E_TIMEOUT;
	if (rc == CURLE_WRITE_ERROR) {
		snprintf(msg, AI_ERRLEN, "response larger than %u bytes",
		    MAX_RESPONSE);
		return AI_E_BAD_RESPONSE;
	}
	return AI_E_NETWORK;
}

/* Turns a finished transfer into the job's output and a log row. */
void
job_finish(struct aiq *q, struct job *j, CURLcode rc)
{
	struct ai_result r = { 0 };
	char msg[AI_ERRLEN];
	long status = 0;

	curl_easy_getinfo(j->easy, CURLINFO_RESPONSE_CODE, &status);
	if (rc != CURLE_OK) {
		r.code = transport_error(j, rc, msg);
		fail_status(q, j, r.code, msg, status);
	} else {
		j->ep->prov->parse(status, j->resp.data != NULL ?
		    j->resp.data : "", j->resp.len, &r);
		j->usage = r.usage;
		q->st.input_tokens += r.usage.input;
		q->st.output_tokens += r.usage.output;
		if (r.code == AI_OK)
			succeed(q, j, &r, status);
		else {
			scrub_secrets(j->ep, r.message);
			fail_status(q, j, r.code, r.message, status);
		}
	}
	log_call(q, j, &r, status);
	ai_result_free(&r);
}

/*
 * Ends a transfer cut short by a signal.  It is logged all the same: the
 * provider may have done, and billed, the work.
 */
void
job_interrupt(struct aiq *q, struct job *j)
{
	struct ai_result r = { 0 };

	job_fail(q, j, AI_E_INTERRUPTED, "interrupted by a signal");
	log_call(q, j, &r, 0);
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
	free(j);
}
