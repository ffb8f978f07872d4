/*
 * aimock: a local fake LLM provider for tests, demos and offline work.
 *
 * It speaks the OpenAI chat-completions wire format over libmicrohttpd,
 * answers by echoing the last user message (or a fixed reply), and lets
 * every request choose its own status, latency and error code through
 * X-Mock-* headers or a [[mock ...]] directive in the prompt, so that one
 * server can serve a whole test file.  Each request goes through the same
 * steps: the body is collected, logged, parsed by its route into a struct
 * mockreq, the behaviour is chosen, and the route's wire format builds
 * the success or error body.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include <ctype.h>
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <microhttpd.h>

#include "aitools.h"

#define MAX_BODY	(64 * 1024 * 1024)	/* larger uploads get 413 */
#define MAX_ECHO	1000		/* bytes of echoed reply */
#define MAX_DEPTH	128		/* nesting of a body we parse */
#define MAX_LATENCY	3600000		/* one hour, in milliseconds */
#define MAX_CONNS	4096
#define STACK_SIZE	(256 * 1024)
#define IDLE_TIMEOUT	300		/* seconds a keep-alive may idle */

/* The command line, read-only once the daemon runs. */
static struct {
	struct sockaddr_in addr;
	long		 lat_min, lat_max;
	int		 status;
	const char	*reply;
	const char	*apikey;
	int		 logfd;
} cfg = { .lat_min = 0, .lat_max = 0, .status = 200, .logfd = -1 };

static atomic_ullong nrequests;		/* the last request number used */
static atomic_int logfailed;		/* warn of a failed log write once */
static pthread_mutex_t logmu = PTHREAD_MUTEX_INITIALIZER;
static _Thread_local uint64_t rng;	/* per-thread xorshift state */

/* The upload of one request, collected across handler calls. */
struct upload {
	struct ai_buf	 data;
	int		 toobig;
};

struct route;

/*
 * One request: what was received, what its route parsed out of it, and
 * what the mock was told to do, resolved as directive > header > flag.
 * A real problem with the request (err_status) beats the simulated status.
 */
struct mockreq {
	struct MHD_Connection *conn;
	const char	*method;
	const char	*path;
	const struct upload *up;
	const struct route *route;
	unsigned long long id;

	json_t		*body;		/* the parsed body, or NULL */
	char		 bodyerr[JSON_ERROR_TEXT_LENGTH];	/* why not */
	const char	*model;		/* borrowed from body, or "mock" */
	struct ai_buf	 user;		/* text of the last user message */
	json_int_t	 prompt_tokens;
	json_int_t	 max_tokens;	/* 0 when not limited */

	int		 status;
	long		 latency;	/* milliseconds, once picked */
	long		 lat_min, lat_max;
	char		 code[64];	/* error code override, or "" */

	int		 err_status;	/* 0 when the request is fine */
	const char	*err_code;
	char		 err_msg[512];	/* "" for the status's own message */
};

/* A URL the mock serves, and the wire format it answers in. */
struct route {
	const char	*method;
	const char	*path;
	void		(*parse)(struct mockreq *);
	json_t		*(*success)(struct mockreq *);
	json_t		*(*error)(struct mockreq *);
};

/* What to do with a request; the next behaviours plug in here. */
enum behaviour {
	B_REPLY,
	B_ERROR,
};

static json_int_t
ceil4(size_t n)
{
	return (json_int_t)((n + 3) / 4);
}

/* Returns the longest prefix of s no longer than max ending on a character. */
static size_t
utf8_cut(const char *s, size_t len, size_t max)
{
	if (len <= max)
		return len;
	while (max > 0 && ((unsigned char)s[max] & 0xc0) == 0x80)
		max--;
	return max;
}

/* A JSON string of arbitrary bytes: those outside UTF-8 become '?'. */
static json_t *
lossy_string(const char *s, size_t n)
{
	json_t *j;
	char *c;
	size_t i;

	if ((j = json_stringn(s, n)) != NULL)
		return j;
	if ((c = malloc(n + 1)) == NULL)
		return NULL;
	for (i = 0; i < n; i++)
		c[i] = (unsigned char)s[i] < 0x80 && s[i] != '\0' ? s[i] : '?';
	j = json_stringn(c, n);
	free(c);
	return j;
}

/* Parses the decimal number s[0..n) within [lo, hi]. */
static int
parse_num(const char *s, size_t n, long lo, long hi, long *out)
{
	char buf[24], *end;
	long v;

	if (n == 0 || n >= sizeof(buf) || !isdigit((unsigned char)s[0]))
		return -1;
	memcpy(buf, s, n);
	buf[n] = '\0';
	errno = 0;
	v = strtol(buf, &end, 10);
	if (*end != '\0' || errno != 0 || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

/* Parses a latency "MS" or "MIN-MAX" of n bytes. */
static int
parse_latency(const char *s, size_t n, long *lo, long *hi)
{
	const char *dash;

	if ((dash = memchr(s, '-', n)) == NULL) {
		if (parse_num(s, n, 0, MAX_LATENCY, lo) == -1)
			return -1;
		*hi = *lo;
		return 0;
	}
	if (parse_num(s, dash - s, 0, MAX_LATENCY, lo) == -1 ||
	    parse_num(dash + 1, n - (dash - s) - 1, 0, MAX_LATENCY, hi) == -1)
		return -1;
	return *lo <= *hi ? 0 : -1;
}

/* Error codes go into JSON and headers verbatim, so keep them plain. */
static int
parse_code(const char *s, size_t n, char *out, size_t outlen)
{
	size_t i;

	if (n == 0 || n >= outlen)
		return -1;
	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && strchr("_.-", s[i]) == NULL)
			return -1;
	memcpy(out, s, n);
	out[n] = '\0';
	return 0;
}

/*
 * Applies one override, from a header or a directive, to the request.
 * Unknown keys are ignored so directives can grow; a bad value is -1.
 */
static int
override(struct mockreq *mr, const char *key, size_t klen, const char *val,
    size_t vlen)
{
	long v;

	if (klen == 6 && strncmp(key, "status", 6) == 0) {
		if (parse_num(val, vlen, 200, 599, &v) == -1)
			return -1;
		mr->status = (int)v;
	} else if (klen == 7 && strncmp(key, "latency", 7) == 0) {
		if (parse_latency(val, vlen, &mr->lat_min, &mr->lat_max) == -1)
			return -1;
	} else if (klen == 4 && strncmp(key, "code", 4) == 0) {
		if (parse_code(val, vlen, mr->code, sizeof(mr->code)) == -1)
			return -1;
	}
	return 0;
}

/* Records a real problem with the request; the first one wins. */
static void
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

/*
 * Reads the X-Mock-* headers, which override the command line.  Returns
 * the name of a header with a bad value, or NULL.
 */
static const char *
header_overrides(struct mockreq *mr)
{
	static const struct {
		const char *header, *key;
	} h[] = {
		{ "X-Mock-Status", "status" },
		{ "X-Mock-Latency", "latency" },
		{ "X-Mock-Error-Code", "code" },
	};
	const char *v, *bad = NULL;
	size_t i;

	for (i = 0; i < sizeof(h) / sizeof(h[0]); i++) {
		v = MHD_lookup_connection_value(mr->conn, MHD_HEADER_KIND,
		    h[i].header);
		if (v != NULL && override(mr, h[i].key, strlen(h[i].key), v,
		    strlen(v)) == -1 && bad == NULL)
			bad = h[i].header;
	}
	return bad;
}

/*
 * Reads the first [[mock key=value ...]] directive in text; it overrides
 * headers and flags.  Pairs are separated by spaces.
 */
static void
directive_overrides(struct mockreq *mr, const char *text)
{
	const char *p, *end, *tok, *eq;

	if ((p = strstr(text, "[[mock")) == NULL ||
	    (end = strstr(p, "]]")) == NULL)
		return;
	for (p += 6; p < end; p = tok) {
		while (p < end && *p == ' ')
			p++;
		for (tok = p; tok < end && *tok != ' '; tok++)
			continue;
		if ((eq = memchr(p, '=', tok - p)) == NULL)
			continue;
		if (override(mr, p, eq - p, eq + 1, tok - eq - 1) == -1)
			reject(mr, 400, NULL,
			    "Invalid [[mock %.*s]] directive (mock)",
			    (int)(tok - p), p);
	}
}

static int
authorized(struct MHD_Connection *c)
{
	const char *v;

	if (cfg.apikey == NULL)
		return 1;
	v = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "x-api-key");
	if (v != NULL && strcmp(v, cfg.apikey) == 0)
		return 1;
	v = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_AUTHORIZATION);
	return v != NULL && strncasecmp(v, "Bearer ", 7) == 0 &&
	    strcmp(v + 7, cfg.apikey) == 0;
}

/*
 * The text of a message's content, a string or an array of parts whose
 * text parts count, appended to out unless out is NULL.  Returns its
 * length in bytes, or -1 when out of memory.
 */
static long long
content_text(const json_t *content, struct ai_buf *out)
{
	const json_t *part, *text;
	long long n = 0;
	size_t i;

	if (json_is_string(content)) {
		n = (long long)json_string_length(content);
		if (out != NULL && ai_buf_append(out,
		    json_string_value(content), (size_t)n) == -1)
			return -1;
		return n;
	}
	json_array_foreach(content, i, part) {
		text = json_object_get(part, "text");
		if (!json_is_string(text) || !json_is_string(json_object_get(
		    part, "type")) || strcmp(json_string_value(
		    json_object_get(part, "type")), "text") != 0)
			continue;
		n += (long long)json_string_length(text);
		if (out != NULL && ai_buf_append(out, json_string_value(text),
		    json_string_length(text)) == -1)
			return -1;
	}
	return n;
}

static int
is_user(const json_t *msg)
{
	const char *role = json_string_value(json_object_get(msg, "role"));

	return role != NULL && strcmp(role, "user") == 0;
}

/* Counts prompt tokens and keeps the text of the last user message. */
static int
chat_prompt(struct mockreq *mr, const json_t *messages)
{
	const json_t *m, *last = NULL;
	long long n;
	size_t i;

	mr->prompt_tokens = 3;
	json_array_foreach(messages, i, m) {
		n = content_text(json_object_get(m, "content"), NULL);
		mr->prompt_tokens += 4 + ceil4((size_t)n);
		if (is_user(m))
			last = m;
	}
	if (ai_buf_puts(&mr->user, "") == -1)
		return -1;
	if (last == NULL)
		return 0;
	return content_text(json_object_get(last, "content"), &mr->user) ==
	    -1 ? -1 : 0;
}

/* Reads the completion-token limit; max_completion_tokens wins. */
static void
chat_limit(struct mockreq *mr)
{
	static const char *const keys[] = { "max_completion_tokens",
	    "max_tokens" };
	const json_t *v;
	size_t i;

	for (i = 0; i < 2; i++) {
		if ((v = json_object_get(mr->body, keys[i])) == NULL ||
		    json_is_null(v))
			continue;
		if (!json_is_integer(v) || json_integer_value(v) < 1) {
			reject(mr, 400, "integer_below_min_value",
			    "Invalid '%s': expected an integer of at least 1.",
			    keys[i]);
			return;
		}
		mr->max_tokens = json_integer_value(v);
		return;
	}
}

/* Parses and checks a chat-completions body. */
static void
chat_parse(struct mockreq *mr)
{
	const json_t *messages, *model;

	if (mr->body == NULL) {
		reject(mr, 400, NULL, "We could not parse the JSON body of "
		    "your request: %s (mock)", mr->bodyerr);
		return;
	}
	if (!json_is_object(mr->body)) {
		reject(mr, 400, NULL, "The body of your request must be a "
		    "JSON object (mock)");
		return;
	}
	if (json_is_string(model = json_object_get(mr->body, "model")))
		mr->model = json_string_value(model);
	messages = json_object_get(mr->body, "messages");
	if (!json_is_array(messages)) {
		reject(mr, 400, NULL, messages == NULL ?
		    "Missing required parameter: 'messages'." :
		    "Invalid type for 'messages': expected an array.");
		return;
	}
	if (chat_prompt(mr, messages) == -1) {
		reject(mr, 500, NULL, "out of memory (mock)");
		return;
	}
	chat_limit(mr);
	directive_overrides(mr, mr->user.data);
}

/* The assistant's answer; sets *finish to why it ended. */
static int
chat_reply(const struct mockreq *mr, struct ai_buf *out, const char **finish)
{
	if (cfg.reply != NULL) {
		if (ai_buf_puts(out, cfg.reply) == -1)
			return -1;
	} else {
		if (ai_buf_puts(out, "Echo: ") == -1 ||
		    ai_buf_append(out, mr->user.data, mr->user.len) == -1)
			return -1;
		out->len = utf8_cut(out->data, out->len, MAX_ECHO);
	}
	*finish = "stop";
	if (mr->max_tokens > 0 && ceil4(out->len) > mr->max_tokens) {
		/* ceil4(len) > max bounds 4 * max by len + 3: no overflow */
		out->len = utf8_cut(out->data, out->len,
		    (size_t)mr->max_tokens * 4);
		*finish = "length";
	}
	out->data[out->len] = '\0';
	return 0;
}

static json_t *
openai_usage(json_int_t prompt, json_int_t completion)
{
	return json_pack("{s:I,s:I,s:I,s:{s:i,s:i},s:{s:i,s:i,s:i,s:i}}",
	    "prompt_tokens", prompt, "completion_tokens", completion,
	    "total_tokens", prompt + completion,
	    "prompt_tokens_details", "cached_tokens", 0, "audio_tokens", 0,
	    "completion_tokens_details", "reasoning_tokens", 0,
	    "audio_tokens", 0, "accepted_prediction_tokens", 0,
	    "rejected_prediction_tokens", 0);
}

/* A chat.completion object answering mr. */
static json_t *
openai_chat_success(struct mockreq *mr)
{
	struct ai_buf reply = { 0 };
	const char *finish;
	json_int_t completion;
	json_t *j = NULL;
	char id[48];

	if (chat_reply(mr, &reply, &finish) == -1)
		goto out;
	completion = ceil4(reply.len) > 0 ? ceil4(reply.len) : 1;
	snprintf(id, sizeof(id), "chatcmpl-mock-%llu", mr->id);
	j = json_pack("{s:s,s:s,s:I,s:s,s:[{s:i,s:{s:s,s:s%,s:n},s:n,s:s}],"
	    "s:o,s:s,s:s}", "id", id, "object", "chat.completion",
	    "created", (json_int_t)time(NULL), "model", mr->model,
	    "choices", "index", 0, "message", "role", "assistant",
	    "content", reply.data, reply.len, "refusal", "logprobs",
	    "finish_reason", finish,
	    "usage", openai_usage(mr->prompt_tokens, completion),
	    "service_tier", "default", "system_fingerprint", "fp_mock");
out:
	ai_buf_free(&reply);
	return j;
}

static json_t *
openai_models(struct mockreq *mr)
{
	return json_pack("{s:s,s:[{s:s,s:s,s:i,s:s}]}", "object", "list",
	    "data", "id", "mock", "object", "model", "created", 0,
	    "owned_by", "aimock");
}

/* The type, default code and message OpenAI gives an error status. */
static void
openai_kind(int status, const char *code, const char *model,
    const char **type, const char **dcode, char *msg, size_t len)
{
	*type = "invalid_request_error";
	*dcode = NULL;
	if (status == 400 && code != NULL &&
	    strcmp(code, "context_length_exceeded") == 0)
		snprintf(msg, len, "This model's maximum context length is "
		    "128000 tokens. However, your messages resulted in more "
		    "tokens. (mock)");
	else if (status == 400)
		snprintf(msg, len, "Bad request (mock)");
	else if (status == 401) {
		*dcode = "invalid_api_key";
		snprintf(msg, len, "Incorrect API key provided");
	} else if (status == 403)
		snprintf(msg, len, "You are not allowed to sample from this "
		    "model (mock)");
	else if (status == 404) {
		*dcode = "model_not_found";
		snprintf(msg, len, "The model `%s` does not exist or you do "
		    "not have access to it.", model);
	} else if (status == 429 && code != NULL &&
	    strcmp(code, "insufficient_quota") == 0) {
		*type = "insufficient_quota";
		snprintf(msg, len, "You exceeded your current quota, please "
		    "check your plan and billing details. (mock)");
	} else if (status == 429) {
		*type = "requests";
		*dcode = "rate_limit_exceeded";
		snprintf(msg, len, "Rate limit reached for requests (mock)");
	} else if (status >= 500) {
		*type = "server_error";
		snprintf(msg, len, "The server had an error while processing "
		    "your request. (mock)");
	} else
		snprintf(msg, len, "mock error %d", status);
}

/* An OpenAI error body for a real problem or a simulated status. */
static json_t *
openai_error(struct mockreq *mr)
{
	const char *type, *dcode, *code;
	char msg[512];
	json_t *m;
	int status;

	status = mr->err_status ? mr->err_status : mr->status;
	code = mr->err_status ? mr->err_code :
	    mr->code[0] != '\0' ? mr->code : NULL;
	openai_kind(status, code, mr->model, &type, &dcode, msg, sizeof(msg));
	if (status == 401 || code == NULL)
		code = dcode;
	m = mr->err_msg[0] != '\0' ? lossy_string(mr->err_msg,
	    strlen(mr->err_msg)) : lossy_string(msg, strlen(msg));
	return json_pack("{s:{s:o,s:s,s:n,s:s?}}", "error", "message", m,
	    "type", type, "param", "code", code);
}

static const struct route routes[] = {
	{ "POST", "/v1/chat/completions", chat_parse, openai_chat_success,
	    openai_error },
	{ "GET", "/v1/models", NULL, openai_models, openai_error },
};

/* Answers URLs no route serves, in the OpenAI format. */
static const struct route unknown_route = { NULL, NULL, NULL, NULL,
	openai_error };

static const struct route *
find_route(const char *method, const char *path)
{
	size_t i;

	for (i = 0; i < sizeof(routes) / sizeof(routes[0]); i++)
		if (strcmp(routes[i].method, method) == 0 &&
		    strcmp(routes[i].path, path) == 0)
			return &routes[i];
	return NULL;
}

/* A per-thread xorshift64*, seeded from the clock and the thread. */
static uint64_t
rand_next(void)
{
	if (rng == 0)
		rng = ((uint64_t)ai_mono_us() << 20 ^
		    (uint64_t)(uintptr_t)&rng) | 1;
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 2685821657736338717ULL;
}

static long
pick_latency(long lo, long hi)
{
	if (lo >= hi)
		return lo;
	return lo + (long)(rand_next() % (uint64_t)(hi - lo + 1));
}

/* Sleeps in this connection's thread, resuming after signals. */
static void
sleep_ms(long ms)
{
	struct timespec ts, rem;

	ts.tv_sec = ms / 1000;
	ts.tv_nsec = ms % 1000 * 1000000L;
	while (nanosleep(&ts, &rem) == -1 && errno == EINTR)
		ts = rem;
}

static enum behaviour
choose(const struct mockreq *mr)
{
	if (mr->err_status != 0 || mr->status < 200 || mr->status > 299)
		return B_ERROR;
	return B_REPLY;
}

/*
 * Headers whose values are credentials: the log keeps the scheme only,
 * so a real key pointed at the mock by mistake is never written down.
 */
static int
is_secret(const char *name)
{
	return strcasecmp(name, "authorization") == 0 ||
	    strcasecmp(name, "x-api-key") == 0 ||
	    strcasecmp(name, "api-key") == 0 ||
	    strcasecmp(name, "x-goog-api-key") == 0;
}

static json_t *
header_value(const char *name, const char *value)
{
	const char *sp;

	if (!is_secret(name))
		return lossy_string(value, strlen(value));
	if ((sp = strchr(value, ' ')) == NULL)
		return json_string("[redacted]");
	return json_sprintf("%.*s [redacted]", (int)(sp - value), value);
}

/* Adds one request header to the log object, lowercased; repeats join. */
static enum MHD_Result
log_header(void *cls, enum MHD_ValueKind kind, const char *name,
    const char *value)
{
	json_t *obj = cls, *v, *old;
	char lname[128];
	size_t i;

	if (value == NULL)
		value = "";
	for (i = 0; name[i] != '\0' && i < sizeof(lname) - 1; i++)
		lname[i] = (char)tolower((unsigned char)name[i]);
	lname[i] = '\0';
	if ((v = header_value(name, value)) == NULL)
		return MHD_YES;
	if ((old = json_object_get(obj, lname)) != NULL) {
		old = json_sprintf("%s, %s", json_string_value(old),
		    json_string_value(v));
		json_decref(v);
		v = old;
	}
	if (v == NULL || json_object_set_new(obj, lname, v) == -1)
		json_decref(v);
	return MHD_YES;
}

/* The logged body: parsed JSON, else the bytes as a string, else null. */
static json_t *
log_body(const struct mockreq *mr)
{
	if (mr->body != NULL)
		return json_incref(mr->body);
	if (mr->up->toobig || mr->up->data.len == 0)
		return json_null();
	return lossy_string(mr->up->data.data, mr->up->data.len);
}

static int
dump_cb(const char *p, size_t n, void *cls)
{
	return ai_buf_append(cls, p, n);
}

static void
log_write(const struct ai_buf *line)
{
	int failed;

	pthread_mutex_lock(&logmu);
	failed = ai_write_all(cfg.logfd, line->data, line->len) == -1;
	pthread_mutex_unlock(&logmu);
	if (failed && atomic_exchange(&logfailed, 1) == 0)
		warn("log write");
}

/* Appends one line describing the request to the log, before replying. */
static void
log_request(const struct mockreq *mr)
{
	struct ai_buf line = { 0 };
	char ts[32];
	json_t *headers, *j;

	ai_format_time(ai_now_ms(), ts, sizeof(ts));
	if ((headers = json_object()) != NULL)
		MHD_get_connection_values(mr->conn, MHD_HEADER_KIND,
		    log_header, headers);
	j = json_pack("{s:s,s:s,s:o,s:o?,s:o?}", "ts", ts,
	    "method", mr->method, "path", lossy_string(mr->path,
	    strlen(mr->path)), "headers", headers, "body", log_body(mr));
	if (j == NULL || json_dump_callback(j, dump_cb, &line,
	    JSON_COMPACT) == -1 || ai_buf_puts(&line, "\n") == -1) {
		if (atomic_exchange(&logfailed, 1) == 0)
			warnx("log: out of memory");
	} else
		log_write(&line);
	json_decref(j);
	ai_buf_free(&line);
}

static int
add_headers(const struct mockreq *mr, struct MHD_Response *r)
{
	char id[48], ms[24];

	snprintf(id, sizeof(id), "req_mock_%llu", mr->id);
	snprintf(ms, sizeof(ms), "%ld", mr->latency);
	if (MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
	    "application/json") == MHD_NO ||
	    MHD_add_response_header(r, "x-request-id", id) == MHD_NO ||
	    MHD_add_response_header(r, "openai-processing-ms", ms) == MHD_NO)
		return -1;
	return 0;
}

/* Queues j (stolen) as the response; MHD_NO drops the connection. */
static enum MHD_Result
send_json(const struct mockreq *mr, int status, json_t *j)
{
	struct MHD_Response *r;
	enum MHD_Result ret;
	char *s;

	s = j != NULL ? json_dumps(j, JSON_COMPACT) : NULL;
	json_decref(j);
	if (s == NULL)
		return MHD_NO;
	r = MHD_create_response_from_buffer_with_free_callback(strlen(s), s,
	    free);
	if (r == NULL) {
		free(s);
		return MHD_NO;
	}
	if (add_headers(mr, r) == -1) {
		MHD_destroy_response(r);
		return MHD_NO;
	}
	ret = MHD_queue_response(mr->conn, (unsigned)status, r);
	MHD_destroy_response(r);
	return ret;
}

/*
 * Finds what the request asks for, and the first real problem with it.
 * Headers are read first so that their latency applies to every answer.
 */
static void
examine(struct mockreq *mr)
{
	const char *badheader;

	badheader = header_overrides(mr);
	if (mr->up->toobig)
		reject(mr, 413, NULL, "Request body exceeds %d MiB (mock)",
		    MAX_BODY >> 20);
	else if (!authorized(mr->conn))
		reject(mr, 401, NULL, NULL);
	else if (badheader != NULL)
		reject(mr, 400, NULL, "Invalid %s header (mock)", badheader);
	else if ((mr->route = find_route(mr->method, mr->path)) == NULL)
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

static enum MHD_Result
handle(struct MHD_Connection *c, const char *method, const char *path,
    const struct upload *up)
{
	struct mockreq mr = { .conn = c, .method = method, .path = path,
	    .up = up, .model = "mock", .status = cfg.status,
	    .lat_min = cfg.lat_min, .lat_max = cfg.lat_max };
	enum MHD_Result ret;

	mr.id = atomic_fetch_add(&nrequests, 1) + 1;
	parse_body(&mr);
	if (cfg.logfd != -1)
		log_request(&mr);
	examine(&mr);
	mr.latency = pick_latency(mr.lat_min, mr.lat_max);
	if (mr.latency > 0)
		sleep_ms(mr.latency);
	switch (choose(&mr)) {
	case B_REPLY:
		ret = send_json(&mr, mr.status, mr.route->success(&mr));
		break;
	case B_ERROR:
	default:
		ret = send_json(&mr, mr.err_status ? mr.err_status :
		    mr.status, mr.route->error(&mr));
		break;
	}
	json_decref(mr.body);
	ai_buf_free(&mr.user);
	return ret;
}

/*
 * The access handler: MHD calls it once with the headers, then with each
 * piece of the body, then once more with none left, when we answer.
 */
static enum MHD_Result
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

static void
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

/* MHD's own messages, prefixed like ours; its threads read the flag. */
static atomic_int serving;

static void
mhd_log(void *cls, const char *fmt, va_list ap)
{
	if (!atomic_load(&serving))	/* main reports start-up failures */
		return;
	fputs("aimock: ", stderr);
	vfprintf(stderr, fmt, ap);
}

/* Thousands of keep-alive clients need more descriptors than 1024. */
static void
raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1 || rl.rlim_cur >= rl.rlim_max)
		return;
	rl.rlim_cur = rl.rlim_max;
	if (rl.rlim_cur > MAX_CONNS * 2 + 64)
		rl.rlim_cur = MAX_CONNS * 2 + 64;
	(void)setrlimit(RLIMIT_NOFILE, &rl);
}

/*
 * One thread per connection keeps a slow (sleeping) response from holding
 * up the others; MHD_USE_POLL lifts select(2)'s limit of 1024 descriptors.
 */
static struct MHD_Daemon *
start(void)
{
	return MHD_start_daemon(MHD_USE_THREAD_PER_CONNECTION |
	    MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL | MHD_USE_ERROR_LOG,
	    0, NULL, NULL, access_cb, NULL,
	    MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
	    MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&cfg.addr,
	    MHD_OPTION_NOTIFY_COMPLETED, completed_cb, NULL,
	    MHD_OPTION_THREAD_STACK_SIZE, (size_t)STACK_SIZE,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned)MAX_CONNS,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)IDLE_TIMEOUT,
	    MHD_OPTION_END);
}

/* Tells whoever started us which port the kernel picked. */
static void
print_port(struct MHD_Daemon *d)
{
	const union MHD_DaemonInfo *info;

	info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
	if (info == NULL)
		errx(1, "cannot find the listening port");
	printf("%u\n", (unsigned)info->port);
	if (fflush(stdout) == EOF || ferror(stdout) || fclose(stdout) == EOF)
		err(1, "write error");
}

static void
open_log(const char *path)
{
	if ((cfg.logfd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC,
	    0600)) == -1)
		err(1, "%s", path);
}

static void
usage(FILE *f)
{
	fputs("usage: aimock [-hV] [-b addr] [-d latency] [-L file] "
	    "[-p port] [-r reply] [-s status]\n", f);
}

static void
bad_usage(const char *fmt, const char *arg)
{
	if (fmt != NULL)
		warnx(fmt, arg);
	usage(stderr);
	exit(2);
}

static void
parse_args(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "bind", required_argument, NULL, 'b' },
		{ "latency", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ "log", required_argument, NULL, 'L' },
		{ "port", required_argument, NULL, 'p' },
		{ "reply", required_argument, NULL, 'r' },
		{ "status", required_argument, NULL, 's' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	const char *logpath = NULL;
	json_t *utf8 = NULL;
	long v;
	int ch;

	argv[0] = "aimock";		/* getopt's messages name the program */
	cfg.addr.sin_family = AF_INET;
	cfg.addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	while ((ch = getopt_long(argc, argv, "b:d:hL:p:r:s:V", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'b':
			if (inet_pton(AF_INET, optarg,
			    &cfg.addr.sin_addr) != 1)
				bad_usage("invalid IPv4 address: '%s'", optarg);
			break;
		case 'd':
			if (parse_latency(optarg, strlen(optarg),
			    &cfg.lat_min, &cfg.lat_max) == -1)
				bad_usage("invalid latency: '%s'", optarg);
			break;
		case 'h':
			usage(stdout);
			exit(0);
		case 'L':
			logpath = optarg;
			break;
		case 'p':
			if (parse_num(optarg, strlen(optarg), 0, 65535,
			    &v) == -1)
				bad_usage("invalid port: '%s'", optarg);
			cfg.addr.sin_port = htons((uint16_t)v);
			break;
		case 'r':
			cfg.reply = optarg;
			break;
		case 's':
			if (parse_num(optarg, strlen(optarg), 200, 599,
			    &v) == -1)
				bad_usage("invalid status: '%s'", optarg);
			cfg.status = (int)v;
			break;
		case 'V':
			puts("aimock " AI_VERSION);
			exit(0);
		default:
			bad_usage(NULL, NULL);
		}
	}
	if (optind != argc)
		bad_usage("unexpected argument: '%s'", argv[optind]);
	if (cfg.reply != NULL && (utf8 = json_string(cfg.reply)) == NULL)
		bad_usage("reply is not UTF-8: '%s'", cfg.reply);
	json_decref(utf8);
	if (logpath != NULL)
		open_log(logpath);
}

int
main(int argc, char *argv[])
{
	struct MHD_Daemon *d;
	sigset_t sigs;
	const char *key;
	int sig;

	signal(SIGPIPE, SIG_IGN);
	parse_args(argc, argv);
	if ((key = getenv("AIMOCK_API_KEY")) != NULL && *key != '\0')
		cfg.apikey = key;
	/* Blocked before any thread starts, so only sigwait sees them. */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	if ((errno = pthread_sigmask(SIG_BLOCK, &sigs, NULL)) != 0)
		err(1, "pthread_sigmask");
	raise_nofile();
	errno = 0;
	if ((d = start()) == NULL) {
		warnx("cannot listen on %s port %u%s%s",
		    inet_ntoa(cfg.addr.sin_addr), ntohs(cfg.addr.sin_port),
		    errno != 0 ? ": " : "", errno != 0 ? strerror(errno) : "");
		exit(1);
	}
	atomic_store(&serving, 1);
	print_port(d);
	while (sigwait(&sigs, &sig) != 0)
		continue;
	MHD_stop_daemon(d);
	if (cfg.logfd != -1)
		close(cfg.logfd);
	return 0;
}
