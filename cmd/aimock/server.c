/*
 * server.c: the request flow.  MHD hands us a request's headers and
 * body; we log it, find its route, check it, resolve its knobs, weigh it
 * against the rate limits, wait its latency, choose what to do, and
 * answer.
 */
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "aimock.h"

static atomic_ullong nrequests;		/* the last request number used */

static const struct route routes[] = {
	{ "POST", "/v1/chat/completions", API_OPENAI, openai_parse,
	    openai_success, openai_stream, openai_error },
	{ "POST", "/openai/deployments/*/chat/completions", API_OPENAI,
	    azure_parse, openai_success, openai_stream, azure_error },
	{ "POST", "/v1/messages", API_ANTHROPIC, anthropic_parse,
	    anthropic_success, anthropic_stream, anthropic_error },
	{ "GET", "/v1/models", API_OPENAI, NULL, openai_models, NULL,
	    openai_error },
};

/* Answers URLs no route serves, in the OpenAI format. */
static const struct route unknown_route = { NULL, NULL, API_OPENAI, NULL,
	NULL, NULL, openai_error };

/*
 * Whether path matches the route's pattern, whose '*' is copied to name.
 * A name holds a few ASCII characters, enough for Azure's deployments,
 * so that it is good UTF-8 wherever it is echoed as the model.
 */
static int
path_match(const char *pat, const char *path, char name[MAX_NAME + 1])
{
	size_t n;

	for (; *pat != '\0'; pat++) {
		if (*pat != '*') {
			if (*path++ != *pat)
				return 0;
			continue;
		}
		n = strspn(path, "abcdefghijklmnopqrstuvwxyz"
		    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-");
		if (n == 0 || n > MAX_NAME)
			return 0;
		memcpy(name, path, n);
		name[n] = '\0';
		path += n;
	}
	return *path == '\0';
}

static const struct route *
find_route(struct mockreq *mr)
{
	size_t i;

	for (i = 0; i < sizeof(routes) / sizeof(routes[0]); i++)
		if (strcmp(routes[i].method, mr->method) == 0 &&
		    path_match(routes[i].path, mr->path, mr->name))
			return &routes[i];
	return NULL;
}

/* Records a real problem with the request; the first one wins. */
void
reject(struct mockreq *mr, int status, const char *code, const char *fmt, ...)
{
	va_list ap;

	if (mr->err_status != 0)
		return;
	mr->err_status = status;
	mr->err_code = code;
	mr->err_msg[0] = '\0';
	if (fmt == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(mr->err_msg, sizeof(mr->err_msg), fmt, ap);
	va_end(ap);
}

/* The status of an error answer: a real problem's, else the knob's. */
int
error_status(const struct mockreq *mr)
{
	return mr->err_status ? mr->err_status : mr->k.status;
}

/* Whether the header name holds the key as it is, with no scheme. */
static int
key_header(struct MHD_Connection *c, const char *name)
{
	const char *v;

	v = MHD_lookup_connection_value(c, MHD_HEADER_KIND, name);
	return v != NULL && strcmp(v, cfg.apikey) == 0;
}

/*
 * OpenAI clients send a bearer token, Anthropic ones x-api-key, Azure
 * OpenAI ones api-key.
 */
static int
authorized(struct MHD_Connection *c)
{
	const char *v;

	if (cfg.apikey == NULL)
		return 1;
	if (key_header(c, "x-api-key") || key_header(c, "api-key"))
		return 1;
	v = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_AUTHORIZATION);
	return v != NULL && strncasecmp(v, "Bearer ", 7) == 0 &&
	    strcmp(v + 7, cfg.apikey) == 0;
}

/*
 * Finds what the request asks for, and the first real problem with it.
 * Headers are read first so that their latency applies to every answer;
 * the route is found first so that every error is in its format.
 */
static void
examine(struct mockreq *mr)
{
	char badheader[64];
	int badh;

	mr->route = find_route(mr);
	badh = knob_headers(&mr->k, mr->conn, badheader, sizeof(badheader));
	if (mr->up->toobig)
		reject(mr, 413, NULL, "Request body exceeds %d MiB (mock)",
		    MAX_BODY >> 20);
	else if (!authorized(mr->conn))
		reject(mr, 401, NULL, NULL);
	else if (badh == -1)
		reject(mr, 400, NULL, "Invalid %s header (mock)", badheader);
	else if (mr->route == NULL)
		reject(mr, 404, "unknown_url", "Unknown request URL: %s %s",
		    mr->method, mr->path);
	else if (mr->route->parse != NULL)
		mr->route->parse(mr);
	if (mr->route == NULL)
		mr->route = &unknown_route;
}

/*
 * Whether a JSON text nests arrays and objects deeper than MAX_DEPTH.
 * jansson recurses once a level to parse, dump and free, and connection
 * threads have small stacks, so such bodies are refused unparsed.
 */
static int
too_deep(const char *s, size_t n)
{
	size_t i, depth = 0;
	int instr = 0;

	for (i = 0; i < n; i++) {
		if (instr) {
			if (s[i] == '\\')
				i++;
			else if (s[i] == '"')
				instr = 0;
		} else if (s[i] == '"')
			instr = 1;
		else if ((s[i] == '[' || s[i] == '{') && ++depth > MAX_DEPTH)
			return 1;
		else if ((s[i] == ']' || s[i] == '}') && depth > 0)
			depth--;
	}
	return 0;
}

/* Parses the body once, for the log and the route both. */
static void
parse_body(struct mockreq *mr)
{
	const struct ai_buf *b = &mr->up->data;
	json_error_t e;

	if (mr->up->toobig)
		snprintf(mr->bodyerr, sizeof(mr->bodyerr), "too large");
	else if (b->len == 0)
		snprintf(mr->bodyerr, sizeof(mr->bodyerr), "the body is empty");
	else if (too_deep(b->data, b->len))
		snprintf(mr->bodyerr, sizeof(mr->bodyerr),
		    "nested deeper than %d levels", MAX_DEPTH);
	else if ((mr->body = json_loadb(b->data, b->len, JSON_DECODE_ANY,
	    &e)) == NULL)
		snprintf(mr->bodyerr, sizeof(mr->bodyerr), "%s", e.text);
}

static long
pick_latency(long lo, long hi)
{
	if (lo >= hi)
		return lo;
	return lo + (long)(mock_rand() % (uint64_t)(hi - lo + 1));
}

/* Answers well, or with the error of the status: no fault of the body. */
static enum MHD_Result
answer(struct mockreq *mr, enum behaviour b)
{
	if (b == B_REPLY && mr->stream)
		return send_stream(mr);
	if (b == B_REPLY)
		return send_json(mr, mr->k.status, mr->route->success(mr));
	return send_json(mr, error_status(mr), mr->route->error(mr));
}

/* The error faults answer with the status knob's error, or 500. */
static enum MHD_Result
fail_with(struct mockreq *mr)
{
	if (mr->k.status < 400)
		mr->k.status = 500;
	if (mr->fault == F_STREAM_ERROR && mr->stream)
		return send_stream(mr);
	return answer(mr, B_ERROR);
}

/* Carries out a fault; hang and drop close the connection unanswered. */
static enum MHD_Result
misbehave(struct mockreq *mr)
{
	mhd_quiet = 1;
	switch (mr->fault) {
	case F_HANG:
		hang(mr->conn);
		return MHD_NO;
	case F_CUT:
	case F_TRUNCATE:
		if (mr->stream)
			return send_stream(mr);
		/* FALLTHROUGH */
	case F_MALFORMED:
		return send_broken(mr, mr->route->success(mr), mr->fault);
	case F_BAD_UTF8:
		mr->mark = 1;
		return answer(mr, B_REPLY);
	case F_BAD_UTF8_HEADER:
		return answer(mr, mr->k.status <= 299 ? B_REPLY : B_ERROR);
	case F_BAD_UTF8_ERROR:
	case F_LONG_ERROR:
	case F_STREAM_ERROR:
		return fail_with(mr);
	case F_ENDLESS:
	case F_PADDED:
		return send_fill(mr);
	case F_DROP:
	default:
		return MHD_NO;
	}
}

static enum MHD_Result
respond(struct mockreq *mr)
{
	enum behaviour b;

	if ((b = choose(mr)) == B_FAULT)
		return misbehave(mr);
	return answer(mr, b);
}

static enum MHD_Result
handle(struct MHD_Connection *c, const char *method, const char *path,
    const struct upload *up)
{
	struct mockreq mr = { .conn = c, .method = method, .path = path,
	    .up = up, .model = "mock", .k = cfg.knobs };
	enum MHD_Result ret = MHD_NO;

	mhd_quiet = 0;
	mr.id = atomic_fetch_add(&nrequests, 1) + 1;
	parse_body(&mr);
	if (cfg.logfd != -1)
		log_request(&mr);
	examine(&mr);
	limit_request(&mr);		/* on arrival, before the latency */
	mr.latency = pick_latency(mr.k.lat_min, mr.k.lat_max);
	if (mr.latency > 0 && mock_sleep(mr.latency) == -1)
		mhd_quiet = 1;		/* stopping: close unanswered */
	else
		ret = respond(&mr);
	json_decref(mr.body);
	ai_buf_free(&mr.user);
	return ret;
}

/*
 * The access handler: MHD calls it once with the headers, then with each
 * piece of the body, then once more with none left, when we answer.
 */
enum MHD_Result
access_cb(void *cls, struct MHD_Connection *c, const char *url,
    const char *method, const char *version, const char *data, size_t *size,
    void **state)
{
	struct upload *up = *state;

	if (up == NULL) {
		if ((up = calloc(1, sizeof(*up))) == NULL)
			return MHD_NO;
		*state = up;
		return MHD_YES;
	}
	if (*size > 0) {
		if (!up->toobig && *size > MAX_BODY - up->data.len) {
			up->toobig = 1;
			ai_buf_free(&up->data);
		}
		if (!up->toobig && ai_buf_append(&up->data, data, *size) == -1)
			return MHD_NO;
		*size = 0;
		return MHD_YES;
	}
	if (up->data.data == NULL && ai_buf_puts(&up->data, "") == -1)
		return MHD_NO;
	return handle(c, method, url, up);
}

void
completed_cb(void *cls, struct MHD_Connection *c, void **state,
    enum MHD_RequestTerminationCode toe)
{
	struct upload *up = *state;

	if (up == NULL)
		return;
	ai_buf_free(&up->data);
	free(up);
	*state = NULL;
}
