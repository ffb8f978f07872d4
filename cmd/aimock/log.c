/*
 * log.c: the request log (-L): one line of compact JSON a request,
 * written whole before the answer, with credentials redacted.
 */
#include <ctype.h>
#include <err.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <strings.h>

#include "aimock.h"

static atomic_int logfailed;		/* warn of a failed log write once */
static pthread_mutex_t logmu = PTHREAD_MUTEX_INITIALIZER;

/*
 * Headers whose values are credentials (the library's rule, as aiq
 * masks them): the log keeps the scheme only, so a real key pointed at
 * the mock by mistake is never written down.
 */
static int
is_secret(const char *name)
{
	return ai_header_secret(name);
}

/* Query arguments that are keys: Gemini's ?key=, and the header names. */
static int
is_secret_arg(const char *name)
{
	return strcasecmp(name, "key") == 0 || is_secret(name);
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

/*
 * Adds one request header to the log object, lowercased; repeats join.
 * A name may hold any byte but a few, and is logged as lossy_string
 * makes it: jansson refuses a key that is not UTF-8.
 */
static enum MHD_Result
log_header(void *cls, enum MHD_ValueKind kind, const char *name,
    const char *value)
{
	json_t *obj = cls, *key, *v, *old;
	char lname[128];
	size_t i;

	if (value == NULL)
		value = "";
	for (i = 0; name[i] != '\0' && i < sizeof(lname) - 1; i++)
		lname[i] = (char)tolower((unsigned char)name[i]);
	if ((key = lossy_string(lname, i)) == NULL)
		return MHD_YES;
	v = header_value(name, value);
	old = json_object_get(obj, json_string_value(key));
	if (old != NULL && v != NULL) {
		old = json_sprintf("%s, %s", json_string_value(old),
		    json_string_value(v));
		json_decref(v);
		v = old;
	}
	if (v != NULL)		/* steals v, even when it fails */
		(void)json_object_set_new(obj, json_string_value(key), v);
	json_decref(key);
	return MHD_YES;
}

/*
 * Adds one query argument to the log object: its value, or null for a
 * name without "="; a name given again makes an array of its values.
 * Both are decoded from the URL, so either may not be UTF-8.  An
 * argument that memory cannot hold is left out; the line is still written.
 */
static enum MHD_Result
log_arg(void *cls, enum MHD_ValueKind kind, const char *name,
    const char *value)
{
	json_t *obj = cls, *key, *v, *old;
	const char *k;

	if ((key = lossy_string(name, strlen(name))) == NULL)
		return MHD_YES;
	k = json_string_value(key);
	if (value == NULL)
		v = json_null();
	else if (is_secret_arg(name))
		v = json_string("[redacted]");
	else
		v = lossy_string(value, strlen(value));
	old = json_object_get(obj, k);
	if (json_is_array(old)) {
		(void)json_array_append_new(old, v);	/* steals v */
		v = NULL;
	} else if (old != NULL)
		v = json_pack("[O,o]", old, v);
	if (v != NULL)
		(void)json_object_set_new(obj, k, v);	/* steals v */
	json_decref(key);
	return MHD_YES;
}

/* The query arguments as an object, or NULL when there are none. */
static json_t *
log_query(const struct mockreq *mr)
{
	json_t *query;

	if ((query = json_object()) != NULL)
		MHD_get_connection_values(mr->conn, MHD_GET_ARGUMENT_KIND,
		    log_arg, query);
	if (json_object_size(query) == 0) {
		json_decref(query);
		return NULL;
	}
	return query;
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
void
log_request(const struct mockreq *mr)
{
	struct ai_buf line = { 0 };
	char ts[32];
	json_t *headers, *j;

	ai_format_time(ai_now_ms(), ts, sizeof(ts));
	if ((headers = json_object()) != NULL)
		MHD_get_connection_values(mr->conn, MHD_HEADER_KIND,
		    log_header, headers);
	j = json_pack("{s:s,s:s,s:o,s:o*,s:o?,s:o?}", "ts", ts,
	    "method", mr->method, "path", lossy_string(mr->path,
	    strlen(mr->path)), "query", log_query(mr), "headers", headers,
	    "body", log_body(mr));
	if (j == NULL || json_dump_callback(j, dump_cb, &line,
	    JSON_COMPACT) == -1 || ai_buf_puts(&line, "\n") == -1) {
		if (atomic_exchange(&logfailed, 1) == 0)
			warnx("log: out of memory");
	} else
		log_write(&line);
	json_decref(j);
	ai_buf_free(&line);
}
