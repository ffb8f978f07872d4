/*
 * job.c: an input line made a job: parsed, checked, routed to its
 * provider and keyed, or final at once (an error record, a record passed
 * through, an answer of --resume's file).  Sending it is engine.c's, the
 * rest of its life the files after it.
 */
#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aiq.h"

static void
input_error(struct aiq *q, struct job *j, const char *what)
{
	char msg[AI_ERRLEN], shown[AI_ERRLEN];

	snprintf(msg, sizeof(msg), "line %ld: %s", j->lineno, what);
	if (q->cf->mode != MODE_TEXT)
		say(q, "<stdin>:%ld: %s", j->lineno,
		    ai_text_show(shown, sizeof(shown), what));
	output_error(q, j, AI_E_INVALID_INPUT, msg, 0);
}

/* What the byte where text ends is, in words. */
const char *
not_text(char c)
{
	return c == '\0' ? "a NUL byte" : (unsigned char)c < 0x80 ?
	    "a control character" : "a byte that is not UTF-8";
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
	size_t i;

	if ((i = ai_text_end(j->line, j->len, 1)) < j->len ||
	    (rec = ai_prompt_record(j->line, j->len)) == NULL) {
		snprintf(what, AI_ERRLEN, "not text (%s at byte %zu)",
		    not_text(j->line[i]), i);
		return NULL;
	}
	if (ai_buf_json(&b, rec) == -1)
		errx(1, "out of memory");
	free(j->line);
	j->line = b.data;
	j->len = b.len;
	return rec;
}

/* A prompt of blanks, as "" not worth a call. */
static int
blank(const json_t *rec)
{
	const char *p = json_string_value(json_object_get(rec, "prompt"));

	return p != NULL && p[strspn(p, " \t")] == '\0';
}

static json_t *
parse_line(struct aiq *q, struct job *j, char *what)
{
	json_error_t je;
	json_t *rec = NULL;
	char near[160];

	if (q->cf->mode != MODE_JSON)
		return text_record(j, what);
	if (j->len == strspn(j->line, " \t"))
		snprintf(what, AI_ERRLEN, "empty line");
	else if ((rec = json_loadb(j->line, j->len, JSON_DECODE_ANY,
	    &je)) == NULL) {
		/* jansson quotes the bytes near the error: they may be any. */
		ai_text_utf8(near, sizeof(near), je.text, strlen(je.text));
		snprintf(what, AI_ERRLEN, "invalid JSON: %s (column %d)", near,
		    je.column);
	} else if (!json_is_object(rec)) {
		snprintf(what, AI_ERRLEN, "record is not a JSON object%s",
		    json_is_array(rec) ? ": an array, whose records jq -c "
		    "'.[]' puts one a line" : "");
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

	if (q->cf->stream == STREAM_ON)
		json_object_set_new(body, "stream", json_true());
	else if (q->cf->stream == STREAM_OFF) {
		json_object_del(body, "stream");
		json_object_del(body, "stream_options");
	}
	j->stream = json_is_true(json_object_get(body, "stream"));
}

/* The record's own tags, then those of --tag it does not set itself. */
static void
own_tags(const struct aiq *q, struct job *j)
{
	json_t *t = json_copy((json_t *)j->req.tags);

	if (t == NULL || (q->cf->tags != NULL &&
	    json_object_update_missing(t, q->cf->tags) == -1) ||
	    (j->own_tags = json_dumps(t, JSON_COMPACT)) == NULL)
		errx(1, "out of memory");
	json_decref(t);
	j->tags = j->own_tags;
}

/*
 * The cache key of the request as it will be sent, defaults applied:
 * stamped on the record, so that aicache put stores the answer under the
 * request that got it, whatever options put itself is given.
 */
static void
key(struct aiq *q, struct job *j)
{
	unsigned char k[AI_KEYLEN];
	char err[AI_ERRLEN];

	if (q->cf->mode == MODE_TEXT)
		return;
	if (ai_cache_key(j->ep->prov->name, j->ep->base, j->req.body,
	    &q->canon, k, err) == -1)
		errx(1, "%s", err);
	ai_cache_key_hex(k, j->key);
}

/*
 * Sends the request to its provider (ai_route_provider decides which),
 * in that provider's form, so that a request it cannot take fails
 * before it is sent.
 */
static void
route(struct aiq *q, struct job *j)
{
	const struct ai_provider *p;
	char err[AI_ERRLEN];
	enum ai_errcode code;

	if ((p = ai_route_provider(&q->cf->rt, &j->req, err)) == NULL) {
		input_error(q, j, err);
		return;
	}
	if ((j->ep = endpoint_get(q, p, &code, err)) == NULL) {
		output_error(q, j, code, err, 0);
		return;
	}
	/* A fallback starts from the request as written, not as sent. */
	if (q->cf->profile != NULL && (q->cf->profile->nfallback > 0 ||
	    q->cf->profile->context_fallback != NULL) && (j->written =
	    json_deep_copy(j->req.body)) == NULL)
		errx(1, "out of memory");
	if (job_prepare(q, j, err) == -1) {
		output_error(q, j, AI_E_BAD_REQUEST, err, 0);
		return;
	}
	key(q, j);
}

/*
 * The request of j in its endpoint's form, to send: streamed or not, in
 * the provider's format, with the query its conf adds (Azure's
 * api-version).  Returns -1 when the provider cannot take it.
 */
int
job_prepare(struct aiq *q, struct job *j, char *err)
{
	ai_call_free(&j->call);
	memset(&j->call, 0, sizeof(j->call));
	choose_stream(q, j);
	j->call.base_url = j->ep->base;
	j->call.body = j->req.body;
	j->call.native = j->req.native != NULL;
	if (j->ep->prov->prepare(&j->call, err) == -1)
		return -1;
	if (j->ep->conf->query_string != NULL && (ai_buf_puts(&j->call.url,
	    strchr(j->call.url.data, '?') != NULL ? "&" : "?") == -1 ||
	    ai_buf_puts(&j->call.url, j->ep->conf->query_string) == -1))
		errx(1, "out of memory");
	return 0;
}

/*
 * Whether the record is a hit of aicache get for another request than
 * this run would send: get was not given aiq's -m, -t or -s, say, and
 * the answer is not one to this request.  Such a record is sent again,
 * without the mark of the hit, so that aicache put stores its answer.
 */
static int
stale_hit(struct aiq *q, struct job *j)
{
	json_t *meta = json_object_get(j->rec, "aitools");
	const char *hit = json_string_value(json_object_get(json_object_get(
	    meta, "cache"), "key"));
	const struct ai_provider *p;
	struct ai_request req;
	unsigned char k[AI_KEYLEN];
	char base[AI_BASELEN], err[AI_ERRLEN], hex[AI_KEYHEX];
	int stale = 0;

	if (hit == NULL || q->cf->mode == MODE_TEXT ||
	    ai_record_request(j->rec, &q->cf->defaults, &req, err) == -1)
		return 0;
	if ((p = ai_route_provider(&q->cf->rt, &req, err)) != NULL &&
	    ai_route_base(&q->cf->rt, p, base, sizeof(base), err) == 0 &&
	    ai_cache_key(p->name, base, req.body, &q->canon, k, err) == 0) {
		ai_cache_key_hex(k, hex);
		stale = strcmp(hex, hit) != 0;
	}
	ai_request_free(&req);
	if (!stale)
		return 0;
	if (!q->stale_warned++)
		say(q, "line %ld: a hit of aicache get for another request "
		    "(get was not given aiq's options): sent, not passed "
		    "through", j->lineno);
	json_object_del(meta, "cache");
	json_object_del(j->rec, "response");
	return 1;
}

/* A record the run does not send: it has its answer already. */
static int
passes(struct aiq *q, struct job *j)
{
	if (!ai_record_is_done(j->rec, q->cf->resend_errors) ||
	    stale_hit(q, j))
		return 0;
	if (ai_buf_append(&j->out, j->line, j->len) == -1 ||
	    ai_buf_append(&j->out, "\n", 1) == -1)
		errx(1, "out of memory");
	q->st.passed++;
	if (json_is_null(json_object_get(j->rec, "response")) ||
	    json_object_get(j->rec, "response") == NULL)
		q->st.passed_errors++;	/* an error, then */
	j->done = 1;
	return 1;
}

/*
 * A record --resume's file answered: the same request (its key), under
 * the same custom_id or line.  It is passed through as that answer.
 */
static void
resumed(struct aiq *q, struct job *j)
{
	int r;

	if (q->rs == NULL || j->done || j->key[0] == '\0')
		return;
	if ((r = resume_find(q->rs, j->rec, j->lineno, j->key, &j->out)) == -1)
		errx(1, "out of memory");
	if (r == 1) {
		q->st.passed++;
		q->st.resumed++;
		j->done = 1;
	}
}

static void
too_long(struct aiq *q, struct job *j)
{
	char what[AI_ERRLEN];

	snprintf(what, sizeof(what), "longer than %u bytes: not read",
	    AI_MAX_LINE);
	input_error(q, j, what);
}

/*
 * Makes the job for one input line (cut: it was longer than a line may
 * be, and line holds its start).  A line that is not a valid request, or
 * a record already answered, is final at once (j->done).
 */
struct job *
job_new(struct aiq *q, const char *line, size_t len, long lineno, int cut)
{
	char what[AI_ERRLEN];
	struct job *j;

	if ((j = calloc(1, sizeof(*j))) == NULL ||
	    (j->line = malloc(cut ? 1 : len + 1)) == NULL)
		errx(1, "out of memory");
	j->q = q;
	j->lineno = lineno;
	j->seq = q->next++;
	j->started_ms = ai_now_ms();
	j->tags = q->cf->tags_text;
	q->st.records++;
	if (cut) {
		j->line[0] = '\0';
		j->salvaged = ai_record_salvage_id(line, len);
		too_long(q, j);
		return j;
	}
	memcpy(j->line, line, len);
	j->line[len] = '\0';
	j->len = len;
	if ((j->rec = parse_line(q, j, what)) == NULL) {
		/* Its custom_id, when it comes first, still ties it back. */
		if (q->cf->mode == MODE_JSON)
			j->salvaged = ai_record_salvage_id(j->line, j->len);
		input_error(q, j, what);
	}
	else if (passes(q, j) == 0) {
		if (q->cf->mode != MODE_JSON && blank(j->rec))
			input_error(q, j, "empty line");
		else if (ai_record_request(j->rec, &q->cf->defaults, &j->req,
		    what) == -1)
			input_error(q, j, what);
		else {
			if (j->req.tags != NULL)
				own_tags(q, j);
			route(q, j);
			resumed(q, j);
		}
	}
	return j;
}

/*
 * The W3C trace context of the request, so that a gateway or the
 * provider can join its logs to ours: the record's trace id, else the
 * run's ($TRACEPARENT), else a new one, under the header the provider's
 * conf names (traceparent), or none.
 */
static void
set_trace(struct aiq *q, struct job *j)
{
	if (j->req.trace_id != NULL)
		memcpy(j->trace_id, j->req.trace_id, sizeof(j->trace_id));
	else if (q->cf->trace_id[0] != '\0')
		memcpy(j->trace_id, q->cf->trace_id, sizeof(j->trace_id));
	else
		ai_trace_id(j->trace_id);
	job_headers(q, j);
}

/*
 * The headers of j's requests: the trace context, under the name its
 * endpoint's conf gives (or none), then the endpoint's own.
 */
void
job_headers(struct aiq *q, struct job *j)
{
	const char *name = j->ep->conf->trace_header;

	j->trace_hdr.next = j->ep->headers;
	if (name == NULL) {
		j->trace_hdr.data = (char *)"Expect:";	/* sent already */
		return;
	}
	snprintf(j->trace_line, sizeof(j->trace_line), "%s: 00-%s-%016llx-%s",
	    name, j->trace_id, (unsigned long long)ai_rand64(),
	    q->cf->trace_flags);
	j->trace_hdr.data = j->trace_line;
}

/*
 * Begins an attempt, a first or a later one, on easy.  A key (or this
 * model) refused before ends it without a call.
 * Returns -1 when the job is final instead.
 */
int
job_start(struct aiq *q, struct job *j, CURL *easy)
{
	const char *refusal = endpoint_refusal(j->ep, j->req.model);

	if (refusal != NULL) {
		j->refused = 1;
		output_error(q, j, AI_E_AUTH, refusal, 0);
		if (j->attempts > 0)	/* its earlier attempts went out */
			calls_log(q, j, &(struct ai_result){ .no_usage = 1 }, 0);
		return -1;
	}
	j->t0_us = ai_mono_us();
	if (j->attempts++ == 0 && j->hops == 0) {
		j->first_us = j->t0_us;
		set_trace(q, j);
	}
	transfer_setup(j, easy);
	return 0;
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
	free(j->salvaged);
	json_decref(j->written);
	ai_buf_free(&j->fallbacks);
	free(j);
}
