/*
 * records.c: reading the records of stdin in batches, and what each is
 * to the cache: the request it makes, and that request's key.
 */
#include <err.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "aicache.h"

/*
 * The base URL requests to p go to, as aiq finds it (ai_route_base).
 * Found once a provider, not once a record.
 */
static const char *
base_url(const struct opts *o, const struct ai_provider *p)
{
	static struct {
		const struct ai_provider *p;
		char	 base[AI_BASELEN];
	} seen[4];
	char err[AI_ERRLEN];
	size_t i;

	for (i = 0; i < 4 && seen[i].p != NULL; i++)
		if (seen[i].p == p)
			return seen[i].base;
	if (i == 4)
		errx(1, "too many providers");
	if (ai_route_base(&o->rt, p, seen[i].base, sizeof(seen[i].base),
	    err) == -1)
		errx(1, "%s", err);
	seen[i].p = p;
	return seen[i].base;
}

/*
 * Whether a response may be stored: a success, in the chat.completion
 * shape, with the usage that says what a hit on it saves.
 */
int
storable(const json_t *resp)
{
	const json_t *body = json_object_get(resp, "body");
	const json_t *code = json_object_get(resp, "status_code");

	return json_is_object(resp) && json_is_integer(code) &&
	    json_integer_value(code) >= 200 && json_integer_value(code) <= 299
	    && json_is_array(json_object_get(body, "choices")) &&
	    json_is_object(json_object_get(body, "usage"));
}

/*
 * aitools.key: the key of the request aiq sent, with its own defaults,
 * which put stores the answer under rather than its own key.
 */
static void
sent_key(struct rec *r)
{
	const char *k = ai_record_key(r->json, &r->bad_sent);

	r->has_sent = k != NULL && ai_cache_key_unhex(k, r->sent) == 0;
}

/* aitools.cache_control: "bypass", "no-store" or "off". */
static void
control(struct rec *r)
{
	const char *c = json_string_value(json_object_get(json_object_get(
	    r->json, "aitools"), "cache_control"));

	if (c == NULL)		/* other values are for later versions */
		return;
	r->bypass = strcmp(c, "bypass") == 0 || strcmp(c, "off") == 0;
	r->no_store = strcmp(c, "no-store") == 0 || strcmp(c, "off") == 0;
}

/* A request whose answer does not vary: temperature 0, or a seed. */
int
deterministic(const json_t *body)
{
	const json_t *t = json_object_get(body, "temperature");

	if (json_object_get(body, "seed") != NULL &&
	    !json_is_null(json_object_get(body, "seed")))
		return 1;
	return json_is_number(t) && json_number_value(t) == 0;
}

/*
 * Reads line into r: its JSON, and for a request its provider and key;
 * r->why says why a record has none.
 */
void
rec_read(const struct opts *o, struct rec *r, long lineno, const char *line,
    size_t len, struct ai_buf *canon)
{
	char err[AI_ERRLEN];
	json_error_t je;

	memset(r, 0, sizeof(*r));
	r->lineno = lineno;
	r->line = line;
	r->len = len;
	if ((r->json = json_loadb(line, len, 0, &je)) == NULL) {
		snprintf(r->why, sizeof(r->why), "invalid JSON: %s", je.text);
		return;
	}
	if (!json_is_object(r->json)) {
		json_decref(r->json);
		r->json = NULL;
		snprintf(r->why, sizeof(r->why), "not a JSON object");
		return;
	}
	control(r);
	sent_key(r);
	r->answered = ai_record_is_done(r->json, 0);
	if (ai_record_request(r->json, &o->defaults, &r->req, r->why) == -1)
		return;
	if ((r->prov = ai_route_provider(&o->rt, &r->req, r->why)) == NULL) {
		ai_request_free(&r->req);
		return;
	}
	r->is_request = 1;
	if (ai_cache_key(r->prov->name, base_url(o, r->prov), r->req.body, canon,
	    r->key, err) == -1)
		errx(1, "%s", err);
	r->canon = canon;
	r->keyed = 1;
}

/*
 * The name of the provider a record goes to, as aiq writes it in
 * aitools.provider and the usage log: its conf's, so a provider the
 * config file declares ("azure") by its own name.
 */
const char *
rec_provider(const struct opts *o, const struct rec *r)
{
	return ai_route_conf(&o->rt, r->prov)->name;
}

/*
 * The cache of get and put, created if need be; NULL with err set when
 * it cannot be opened, or when there is no cache file at all.
 */
struct ai_cache *
stage_cache(const struct opts *o, char *err)
{
	if (o->path == NULL) {
		snprintf(err, AI_ERRLEN, "%s", AICACHE_NO_PATH);
		return NULL;
	}
	return ai_cache_open(o->path, AI_CACHE_CREATE, err);
}

/* Passes the record on as it came. */
void
rec_pass(const struct rec *r, struct ai_buf *out)
{
	if (ai_buf_append(out, r->line, r->len) == -1 ||
	    ai_buf_append(out, "\n", 1) == -1)
		errx(1, "out of memory");
}

void
rec_free(struct rec *r)
{
	if (r->is_request)
		ai_request_free(&r->req);
	json_decref(r->json);
	r->json = NULL;
}

/*
 * Ends a batch: its records go out only once it is safely done, and what
 * follows their going out (get's bookkeeping of hits) only once they did.
 * A failed write is said, and ends the stage.
 */
static int
batch_end(const struct stage *s, struct ai_buf *out)
{
	if (s->end != NULL && s->end(s->arg) == -1)
		return -1;
	if (out->len > 0 && ai_write_all(STDOUT_FILENO, out->data,
	    out->len) == -1) {
		warn("write error");
		return -1;
	}
	ai_buf_reset(out);
	return s->written != NULL ? s->written(s->arg) : 0;
}

/*
 * A line longer than aiq takes yields the record aiq would make of it, an
 * invalid_input error with the custom_id found at its start, so that it
 * is not lost without a word.
 */
static void
too_long(const struct stage *s, long lineno, const char *line, size_t len,
    struct ai_buf *out)
{
	struct ai_meta m = { .line = lineno };
	struct ai_buf tail = { 0 };
	char msg[64], *id;
	int rc;

	warnx("<stdin>:%ld: line longer than %u bytes", lineno, AI_MAX_LINE);
	if (s->keys) {
		if (ai_buf_printf(out, "-\tline %ld: line too long\n",
		    lineno) == -1)
			errx(1, "out of memory");
		return;
	}
	snprintf(msg, sizeof(msg), "line %ld: longer than %u bytes", lineno,
	    AI_MAX_LINE);
	id = ai_record_salvage_id(line, len);
	rc = ai_tail_error(&tail, AI_E_INVALID_INPUT, msg, 0, &m);
	if (rc == -1 || ai_record_bare(out, id, tail.data, tail.len) == -1)
		errx(1, "out of memory");
	free(id);
	ai_buf_free(&tail);
}

/* Handles one line of input as a record of the stage. */
static int
one_line(const struct opts *o, const struct stage *s, struct ai_lines *in,
    char *line, size_t len, int cut, struct ai_buf *out, struct ai_buf *canon)
{
	struct rec r;
	int rc;

	if (cut) {
		too_long(s, in->lineno, line, len, out);
		return 0;
	}
	if (len > 0 && line[len - 1] == '\r')
		len--;
	rec_read(o, &r, in->lineno, line, len, canon);
	rc = s->one(s->arg, &r, out);
	rec_free(&r);
	return rc;
}

/* The reading loop of run_stage; -1 when the stage failed. */
static int
loop(const struct opts *o, const struct stage *s, struct ai_lines *in,
    struct ai_buf *out, struct ai_buf *canon)
{
	char *line;
	size_t len, n = 0;
	int got, cut, rc, open = 0;

	for (;;) {
		got = ai_lines_next(in, &line, &len, &cut);
		if (got != 1 && open) {	/* all there is for now: a batch */
			open = 0;
			if (batch_end(s, out) == -1)
				return -1;
		}
		if (got == -1)
			return 0;
		if (got == 0) {
			if (ai_lines_fill(in) == -1)
				err(1, "stdin");
			continue;
		}
		if (!open) {
			open = 1;
			if (s->begin != NULL && s->begin(s->arg) == -1)
				return -1;
		}
		if ((rc = one_line(o, s, in, line, len, cut, out, canon)) == -1)
			return -1;
		if (rc == 1 || (o->batch > 0 && ++n % (size_t)o->batch == 0)) {
			open = 0;
			if (batch_end(s, out) == -1)
				return -1;
		}
	}
}

/*
 * Runs a stage over stdin, a batch for each read (what is there now),
 * or for each --batch records.  Returns 0, or -1 when the stage failed.
 */
int
run_stage(const struct opts *o, const struct stage *s)
{
	struct ai_lines in;
	struct ai_buf out = { 0 }, canon = { 0 };
	int rc;

	ai_lines_init(&in, STDIN_FILENO, AI_MAX_LINE);
	rc = loop(o, s, &in, &out, &canon);
	ai_lines_free(&in);
	ai_buf_free(&out);
	ai_buf_free(&canon);
	return rc;
}
