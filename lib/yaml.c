/*
 * yaml.c: a YAML text read by libyaml into JSON values, with the line and
 * column each key and item was written at, so that the config reader can
 * name them.  This file knows YAML; what the values mean is config.c's.
 *
 * Plain scalars take the types of YAML 1.2's core schema (null, true and
 * false, integers, floats); quoted ones are strings.  Anchors and aliases
 * work, an alias sharing the anchored value; what they expand to is
 * counted, so that a few lines cannot stand for a billion values.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "aitools.h"

#define YAML_MAX_VALUES	100000	/* values, aliases expanded */
#define YAML_MAX_DEPTH	64
#define YAML_MAX_PATH	256	/* longer paths are not noted in where */

struct frame {
	json_t		*v;		/* the mapping or list being filled */
	size_t		 pathlen;	/* the path's length at its start */
	char		*key;		/* a mapping's key awaiting its value */
	char		*anchor;	/* its anchor's name, or NULL */
	long		 keyline, keycol;
};

struct reader {
	const char	*name;		/* of the file, for messages */
	json_t		*root;
	json_t		*where;		/* path -> [line, column] */
	json_t		*anchors;	/* name -> value */
	struct frame	 stack[YAML_MAX_DEPTH];
	int		 depth;
	struct ai_buf	 path;		/* of the value being read */
	char		 last[256];	/* the path of the last value begun */
	long		 values;
	char		*err;
};

static int
fail_at(struct reader *r, long line, long col, const char *msg)
{
	return ai_errf(r->err, "%s:%ld:%ld: %s", r->name, line, col, msg);
}

/*
 * Sizes a value for the limit, aliases counting what they stand for; the
 * count stops past max, lest counting be the billion laughs itself.
 */
static long
count(const json_t *v, long max)
{
	const char *k;
	json_t *m;
	size_t i;
	long n = 1;

	if (json_is_object(v))
		json_object_foreach((json_t *)v, k, m)
			if ((n += count(m, max - n)) > max)
				break;
	if (json_is_array(v))
		json_array_foreach(v, i, m)
			if ((n += count(m, max - n)) > max)
				break;
	return n;
}

static int
is_int(const char *s)
{
	s += *s == '-' || *s == '+';
	return *s != '\0' && s[strspn(s, "0123456789")] == '\0';
}

static int
is_float(const char *s)
{
	char *end;

	s += *s == '-' || *s == '+';
	if ((*s < '0' || *s > '9') && !(*s == '.' && s[1] >= '0' &&
	    s[1] <= '9'))
		return 0;
	strtod(s, &end);
	return *end == '\0' && strspn(s, "0123456789.eE+-") == strlen(s);
}

static int
one_of(const char *s, const char *a, const char *b, const char *c)
{
	return strcmp(s, a) == 0 || strcmp(s, b) == 0 || strcmp(s, c) == 0;
}

/* A scalar as YAML 1.2's core schema types it, or a string. */
static json_t *
scalar(const yaml_event_t *ev)
{
	const char *s = (const char *)ev->data.scalar.value;
	size_t len = ev->data.scalar.length;
	long long i;
	double d;

	if (ev->data.scalar.style != YAML_PLAIN_SCALAR_STYLE ||
	    strlen(s) != len)
		return json_stringn(s, len);
	if (len == 0 || strcmp(s, "~") == 0 || one_of(s, "null", "Null",
	    "NULL"))
		return json_null();
	if (one_of(s, "true", "True", "TRUE"))
		return json_true();
	if (one_of(s, "false", "False", "FALSE"))
		return json_false();
	if (is_int(s)) {
		errno = 0;
		i = strtoll(s, NULL, 10);
		if (errno == 0)
			return json_integer(i);
	} else if (is_float(s) && isfinite(d = strtod(s, NULL)))
		return json_real(d);	/* 1e999, which JSON cannot hold, is
					   a string */
	return json_stringn(s, len);
}

/*
 * Notes where the value at the path was written.  A path longer than
 * YAML_MAX_PATH is not: the keys config.c knows make none so long, and
 * long keys over many values would make where as large as their product
 * (a 1 MiB file, gigabytes).
 */
static int
note_where(struct reader *r, long line, long col)
{
	json_t *at;

	snprintf(r->last, sizeof(r->last), "%.*s", (int)(r->path.len <
	    sizeof(r->last) ? r->path.len : sizeof(r->last) - 1),
	    r->path.data != NULL ? r->path.data : "");
	if (r->path.len > YAML_MAX_PATH)
		return 0;
	if (ai_buf_append(&r->path, "", 1) == -1)
		return -1;
	r->path.len--;
	if ((at = json_pack("[ii]", (json_int_t)line, (json_int_t)col)) ==
	    NULL || json_object_set_new(r->where, r->path.data, at) == -1)
		return -1;
	return 0;
}

/*
 * Extends the path to the value about to be added to the top frame (a
 * mapping's key, or a sequence's index) and notes where it was written.
 */
static int
enter(struct reader *r, long line, long col)
{
	struct frame *f = &r->stack[r->depth - 1];

	if (r->path.len > 0 && ai_buf_puts(&r->path, ".") == -1)
		return -1;
	if (json_is_object(f->v)) {
		line = f->keyline;
		col = f->keycol;
		if (ai_buf_puts(&r->path, f->key) == -1)
			return -1;
	} else if (ai_buf_printf(&r->path, "%zu", json_array_size(f->v)) == -1)
		return -1;
	return note_where(r, line, col);
}

/* Adds v (stolen) where the document is: the root, a key's, an item. */
static int
add(struct reader *r, json_t *v, long line, long col)
{
	struct frame *f;
	int rc;

	if (v == NULL)
		return fail_at(r, line, col, "out of memory");
	if ((r->values += count(v, YAML_MAX_VALUES - r->values)) >
	    YAML_MAX_VALUES) {
		json_decref(v);
		return fail_at(r, line, col, "more than 100000 values");
	}
	if (r->depth == 0) {
		if (r->root != NULL) {
			json_decref(v);
			return fail_at(r, line, col, "a second document: a "
			    "config file holds one");
		}
		r->root = v;
		return note_where(r, line, col) == -1 ? fail_at(r, line, col,
		    "out of memory") : 0;
	}
	f = &r->stack[r->depth - 1];
	if (enter(r, line, col) == -1) {
		json_decref(v);
		return fail_at(r, line, col, "out of memory");
	}
	if (json_is_object(f->v)) {
		rc = json_object_set_new(f->v, f->key, v);
		free(f->key);
		f->key = NULL;
	} else
		rc = json_array_append_new(f->v, v);
	return rc == -1 ? fail_at(r, line, col, "out of memory") : 0;
}

/* After a scalar or alias value, the path is its parent's again. */
static void
leave(struct reader *r)
{
	if (r->depth > 0)
		r->path.len = r->stack[r->depth - 1].pathlen;
}

static int
anchor(struct reader *r, const yaml_char_t *name, json_t *v)
{
	return name == NULL ? 0 : json_object_set(r->anchors,
	    (const char *)name, v);
}

/* A scalar as a mapping's key: a string, once in the mapping. */
static int
key(struct reader *r, struct frame *f, const yaml_event_t *ev, long line,
    long col)
{
	const char *s = (const char *)ev->data.scalar.value;
	char msg[AI_ERRLEN], shown[64];

	if (strlen(s) != ev->data.scalar.length || *s == '\0')
		return fail_at(r, line, col, "a key that is empty or holds a "
		    "NUL byte");
	if (json_object_get(f->v, s) != NULL) {
		snprintf(msg, sizeof(msg), "%.*s%s%s: the key is given twice",
		    (int)r->path.len, r->path.len > 0 ? r->path.data : "",
		    r->path.len > 0 ? "." : "", ai_text_show(shown,
		    sizeof(shown), s));
		return fail_at(r, line, col, msg);
	}
	if ((f->key = strdup(s)) == NULL)
		return fail_at(r, line, col, "out of memory");
	f->keyline = line;
	f->keycol = col;
	return 0;
}

static int
on_scalar(struct reader *r, const yaml_event_t *ev, long line, long col)
{
	struct frame *f = r->depth > 0 ? &r->stack[r->depth - 1] : NULL;
	json_t *v;

	if (f != NULL && json_is_object(f->v) && f->key == NULL)
		return key(r, f, ev, line, col);
	v = scalar(ev);
	if (v != NULL && anchor(r, ev->data.scalar.anchor, v) == -1) {
		json_decref(v);
		v = NULL;
	}
	if (add(r, v, line, col) == -1)
		return -1;
	leave(r);
	return 0;
}

static int
on_alias(struct reader *r, const yaml_event_t *ev, long line, long col)
{
	struct frame *f = r->depth > 0 ? &r->stack[r->depth - 1] : NULL;
	json_t *v = json_object_get(r->anchors,
	    (const char *)ev->data.alias.anchor);

	if (v == NULL)
		return fail_at(r, line, col, "an alias of no anchor");
	if (f != NULL && json_is_object(f->v) && f->key == NULL)
		return fail_at(r, line, col, "an alias as a key");
	if (add(r, json_incref(v), line, col) == -1)
		return -1;
	leave(r);
	return 0;
}

static int
on_start(struct reader *r, const yaml_event_t *ev, json_t *v, long line,
    long col)
{
	const yaml_char_t *name = ev->type == YAML_MAPPING_START_EVENT ?
	    ev->data.mapping_start.anchor : ev->data.sequence_start.anchor;
	struct frame *f = r->depth > 0 ? &r->stack[r->depth - 1] : NULL;

	if (f != NULL && json_is_object(f->v) && f->key == NULL) {
		json_decref(v);
		return fail_at(r, line, col, "a mapping or list as a key");
	}
	if (r->depth == YAML_MAX_DEPTH) {
		json_decref(v);
		return fail_at(r, line, col, "nested more than 64 deep");
	}
	if (v == NULL || add(r, json_incref(v), line, col) == -1) {
		json_decref(v);
		return v == NULL ? fail_at(r, line, col, "out of memory") : -1;
	}
	f = &r->stack[r->depth++];
	f->v = v;
	f->pathlen = r->path.len;
	f->key = NULL;
	/* Named once whole: an alias inside it would make a cycle. */
	if (name != NULL && (f->anchor = strdup((const char *)name)) == NULL)
		return fail_at(r, line, col, "out of memory");
	return 0;
}

static int
on_end(struct reader *r, long line, long col)
{
	struct frame *f = &r->stack[--r->depth];
	int rc = 0;

	if (f->anchor != NULL && json_object_set(r->anchors, f->anchor,
	    f->v) == -1)
		rc = fail_at(r, line, col, "out of memory");
	json_decref(f->v);
	free(f->key);
	free(f->anchor);
	f->key = f->anchor = NULL;
	r->path.len = r->depth > 0 ? r->stack[r->depth - 1].pathlen : 0;
	return rc;
}

static int
event(struct reader *r, const yaml_event_t *ev)
{
	long line = (long)ev->start_mark.line + 1;
	long col = (long)ev->start_mark.column + 1;

	switch (ev->type) {
	case YAML_SCALAR_EVENT:
		return on_scalar(r, ev, line, col);
	case YAML_ALIAS_EVENT:
		return on_alias(r, ev, line, col);
	case YAML_MAPPING_START_EVENT:
		return on_start(r, ev, json_object(), line, col);
	case YAML_SEQUENCE_START_EVENT:
		return on_start(r, ev, json_array(), line, col);
	case YAML_MAPPING_END_EVENT:
	case YAML_SEQUENCE_END_EVENT:
		return on_end(r, line, col);
	default:
		return 0;
	}
}

/* libyaml's own words, where it found the fault, and the key before. */
static int
syntax_error(struct reader *r, const yaml_parser_t *p)
{
	char msg[AI_ERRLEN], shown[128];
	const yaml_mark_t *m = p->problem != NULL ? &p->problem_mark :
	    &p->mark;
	int n;

	n = snprintf(msg, sizeof(msg), "%s", p->problem != NULL ? p->problem :
	    "not YAML");
	if (p->context != NULL && n < (int)sizeof(msg))
		n += snprintf(msg + n, sizeof(msg) - (size_t)n, " %s",
		    p->context);
	if (r->last[0] != '\0' && n < (int)sizeof(msg))
		snprintf(msg + n, sizeof(msg) - (size_t)n, " (after %s; is "
		    "the indentation right?)", ai_text_show(shown,
		    sizeof(shown), r->last));
	return fail_at(r, (long)m->line + 1, (long)m->column + 1, msg);
}

static void
reader_free(struct reader *r)
{
	struct frame *f;

	while (r->depth > 0) {	/* frames a fault left open */
		f = &r->stack[--r->depth];
		json_decref(f->v);
		free(f->key);
		free(f->anchor);
	}
	json_decref(r->anchors);
	ai_buf_free(&r->path);
}

/*
 * Reads the YAML text of len bytes, named name in messages, into *root
 * (null for an empty text) and *where, which maps each value's path
 * ("ai_proxy.models.0.model", if no longer than YAML_MAX_PATH) to its
 * [line, column].
 */
int
ai_yaml_load(const char *text, size_t len, const char *name, json_t **root,
    json_t **where, char *err)
{
	struct reader r = { .name = name, .err = err };
	yaml_parser_t p;
	yaml_event_t ev;
	int rc = 0, done = 0;

	*root = *where = NULL;
	if ((r.where = json_object()) == NULL || (r.anchors = json_object()) ==
	    NULL || !yaml_parser_initialize(&p)) {
		json_decref(r.where);
		json_decref(r.anchors);
		snprintf(err, AI_ERRLEN, "out of memory");
		return -1;
	}
	yaml_parser_set_input_string(&p, (const unsigned char *)text, len);
	while (rc == 0 && !done) {
		if (!yaml_parser_parse(&p, &ev)) {
			rc = syntax_error(&r, &p);
			break;
		}
		done = ev.type == YAML_STREAM_END_EVENT;
		rc = event(&r, &ev);
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&p);
	reader_free(&r);
	if (rc == -1) {
		json_decref(r.root);
		json_decref(r.where);
		return -1;
	}
	*root = r.root != NULL ? r.root : json_null();
	*where = r.where;
	return 0;
}
