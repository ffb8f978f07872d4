/*
 * usagelog.c: the usage log, one SQLite row per call.  Rows are buffered
 * and written in one short transaction per batch, so many aiq processes
 * can share the file (WAL, busy timeout) without paying a commit per call
 * or holding the write lock while requests are in flight.
 */
#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "aitools.h"

#define BATCH_ROWS	256
#define BATCH_MS	1000
#define NSTR		11

/* Made in one immediate transaction, so that creators do not race. */
static const char schema[] =
    "BEGIN IMMEDIATE;"
    "CREATE TABLE IF NOT EXISTS calls ("
    " id INTEGER PRIMARY KEY,"
    " ts INTEGER NOT NULL,"		/* milliseconds since the epoch, UTC */
    " provider TEXT, model TEXT, service TEXT,"
    " status TEXT NOT NULL,"		/* "ok" or an error code */
    " http_status INTEGER,"
    " input_tokens INTEGER, output_tokens INTEGER, cached_tokens INTEGER,"
    " cache_write_tokens INTEGER, reasoning_tokens INTEGER,"
    " latency_ms INTEGER, attempts INTEGER,"
    " trace_id TEXT, request_id TEXT, custom_id TEXT,"
    " prompt TEXT, response TEXT);"
    "CREATE INDEX IF NOT EXISTS calls_ts ON calls(ts);";

/* Columns of versions 2 and 3, added to a log made by an older one. */
static const char *const columns_added[] = {
	"cache_write_1h_tokens INTEGER",	/* of cache_write_tokens */
	"service_tier TEXT",			/* batch, flex, priority */
	"tags TEXT",				/* a JSON object, v3 */
	NULL
};

static const char insert_sql[] =
    "INSERT INTO calls (ts, provider, model, service, status, http_status,"
    " input_tokens, output_tokens, cached_tokens, cache_write_tokens,"
    " reasoning_tokens, latency_ms, attempts, trace_id, request_id,"
    " custom_id, prompt, response, cache_write_1h_tokens, service_tier,"
    " tags) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)";

/* A buffered row owns copies of its strings. */
struct row {
	struct ai_logrow r;
	char	*s[NSTR];
};

struct ai_usagelog {
	sqlite3		*db;
	sqlite3_stmt	*ins;
	struct row	 rows[BATCH_ROWS];
	int		 nrows;
	int64_t		 oldest_ms;
	int64_t		 lost;		/* rows that could not be written */
	char		*path;
};

/* $AIQ_USAGE_LOG, or usage.db in the XDG state directory. */
char *
ai_usagelog_default_path(void)
{
	return ai_db_default_path("AIQ_USAGE_LOG", "XDG_STATE_HOME",
	    ".local/state", "aitools/usage.db");
}

static struct ai_usagelog *
open_failed(struct ai_usagelog *l, const char *path, char *err)
{
	snprintf(err, AI_ERRLEN, "%s: %s", path, l->db != NULL ?
	    sqlite3_errmsg(l->db) : "out of memory");
	sqlite3_finalize(l->ins);
	sqlite3_close(l->db);
	free(l->path);
	free(l);
	return NULL;
}

struct ai_usagelog *
ai_usagelog_open(const char *path, char *err)
{
	struct ai_usagelog *l;

	if (ai_db_create_private(path, err) == -1)
		return NULL;
	if ((l = calloc(1, sizeof(*l))) == NULL ||
	    (l->path = strdup(path)) == NULL) {
		free(l);
		snprintf(err, AI_ERRLEN, "out of memory");
		return NULL;
	}
	if (ai_db_open(path, 0, &l->db) != SQLITE_OK ||
	    ai_db_share(l->db) != SQLITE_OK ||
	    sqlite3_exec(l->db, schema, NULL, NULL, NULL) != SQLITE_OK ||
	    ai_db_add_columns(l->db, "calls", columns_added) != SQLITE_OK ||
	    sqlite3_exec(l->db, "PRAGMA user_version=3; COMMIT", NULL, NULL,
	    NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(l->db, insert_sql, -1, &l->ins,
	    NULL) != SQLITE_OK)
		return open_failed(l, path, err);
	return l;
}

static char *
dup_or_null(const char *s, int *oom)
{
	char *d;

	if (s == NULL)
		return NULL;
	if ((d = strdup(s)) == NULL)
		*oom = 1;
	return d;
}

static void
row_free(struct row *w)
{
	int i;

	for (i = 0; i < NSTR; i++)
		free(w->s[i]);
	memset(w, 0, sizeof(*w));
}

/* Copies the row's strings so the caller may free its own. */
static int
row_copy(struct row *w, const struct ai_logrow *r)
{
	const char *src[NSTR] = { r->provider, r->model, r->service,
	    r->status, r->trace_id, r->request_id, r->custom_id, r->prompt,
	    r->response, r->tier, r->tags };
	int i, oom = 0;

	w->r = *r;
	for (i = 0; i < NSTR; i++)
		w->s[i] = dup_or_null(src[i], &oom);
	w->r.provider = w->s[0];
	w->r.model = w->s[1];
	w->r.service = w->s[2];
	w->r.status = w->s[3];
	w->r.trace_id = w->s[4];
	w->r.request_id = w->s[5];
	w->r.custom_id = w->s[6];
	w->r.prompt = w->s[7];
	w->r.response = w->s[8];
	w->r.tier = w->s[9];
	w->r.tags = w->s[10];
	if (oom)
		row_free(w);
	return oom ? -1 : 0;
}

/*
 * Buffers a row.  A batch that cannot be written (a full disk) is lost,
 * and counted: the row is still taken, for the next batch may land.
 */
int
ai_usagelog_add(struct ai_usagelog *l, const struct ai_logrow *r, char *err)
{
	int rc = 0;

	if (l->nrows == BATCH_ROWS)
		rc = ai_usagelog_flush(l, err);
	if (row_copy(&l->rows[l->nrows], r) == -1) {
		snprintf(err, AI_ERRLEN, "out of memory");
		l->lost++;
		return -1;
	}
	if (l->nrows++ == 0)
		l->oldest_ms = ai_now_ms();
	return rc;
}

/* How many rows were given but could not be written. */
int64_t
ai_usagelog_lost(const struct ai_usagelog *l)
{
	return l != NULL ? l->lost : 0;
}

static void
bind_text(sqlite3_stmt *st, int i, const char *s)
{
	if (s != NULL)
		sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, i);
}

static int
insert(sqlite3_stmt *st, const struct ai_logrow *r)
{
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	sqlite3_bind_int64(st, 1, r->ts_ms);
	bind_text(st, 2, r->provider);
	bind_text(st, 3, r->model);
	bind_text(st, 4, r->service);
	bind_text(st, 5, r->status);
	if (r->http_status > 0)
		sqlite3_bind_int64(st, 6, r->http_status);
	if (!r->no_usage) {		/* else NULL: not known, not 0 */
		sqlite3_bind_int64(st, 7, r->usage.input);
		sqlite3_bind_int64(st, 8, r->usage.output);
		sqlite3_bind_int64(st, 9, r->usage.cached);
		sqlite3_bind_int64(st, 10, r->usage.cache_write);
		sqlite3_bind_int64(st, 11, r->usage.reasoning);
	}
	sqlite3_bind_int64(st, 12, r->latency_ms);
	sqlite3_bind_int(st, 13, r->attempts);
	bind_text(st, 14, r->trace_id);
	bind_text(st, 15, r->request_id);
	bind_text(st, 16, r->custom_id);
	bind_text(st, 17, r->prompt);
	bind_text(st, 18, r->response);
	if (!r->no_usage)
		sqlite3_bind_int64(st, 19, r->usage.cache_write_1h);
	bind_text(st, 20, r->tier);
	bind_text(st, 21, r->tags);
	return sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
}

/* Writes the buffered rows in one transaction; they are dropped either way. */
int
ai_usagelog_flush(struct ai_usagelog *l, char *err)
{
	int i, r = 0;

	if (l->nrows == 0)
		return 0;
	if (sqlite3_exec(l->db, "BEGIN IMMEDIATE", NULL, NULL,
	    NULL) != SQLITE_OK)
		r = -1;
	for (i = 0; r == 0 && i < l->nrows; i++)
		r = insert(l->ins, &l->rows[i].r);
	sqlite3_reset(l->ins);
	if (r == 0 && sqlite3_exec(l->db, "COMMIT", NULL, NULL,
	    NULL) != SQLITE_OK)
		r = -1;
	if (r == -1) {
		l->lost += l->nrows;
		snprintf(err, AI_ERRLEN, "%s: %s", l->path,
		    sqlite3_errmsg(l->db));
		if (!sqlite3_get_autocommit(l->db))
			sqlite3_exec(l->db, "ROLLBACK", NULL, NULL, NULL);
	}
	for (i = 0; i < l->nrows; i++)
		row_free(&l->rows[i]);
	l->nrows = 0;
	return r;
}

/* Flushes when the oldest buffered row has waited long enough. */
int
ai_usagelog_tick(struct ai_usagelog *l, char *err)
{
	if (l->nrows == 0 || ai_now_ms() - l->oldest_ms < BATCH_MS)
		return 0;
	return ai_usagelog_flush(l, err);
}

int
ai_usagelog_close(struct ai_usagelog *l, char *err)
{
	int r;

	if (l == NULL)
		return 0;
	r = ai_usagelog_flush(l, err);
	sqlite3_finalize(l->ins);
	sqlite3_close(l->db);
	free(l->path);
	free(l);
	return r;
}

/*
 * --- reading.  Reports read the log through these functions only, so
 * that its columns, and what a count in them may be, are known here.
 */

struct ai_logquery {
	sqlite3		*db;
	sqlite3_stmt	*st;
	int		 tag;		/* it reads a tag's value */
	char		 tag_path[80];	/* $."NAME" */
};

/* The columns a query reads, in this order. */
enum {
	Q_TS, Q_PROVIDER, Q_MODEL, Q_SERVICE, Q_STATUS, Q_HTTP_STATUS,
	Q_INPUT, Q_OUTPUT, Q_CACHED, Q_CACHE_WRITE, Q_CACHE_WRITE_1H,
	Q_REASONING, Q_LATENCY, Q_ATTEMPTS, Q_TIER, Q_TAG
};

/*
 * How the default path was chosen, said when there is no log there: a
 * cron job runs with another environment than the shell that made the
 * log.  In the order of ai_db_default_path().
 */
static const char *
default_origin(void)
{
	const char *s;

	if ((s = getenv("AIQ_USAGE_LOG")) != NULL && *s != '\0')
		return "the path is AIQ_USAGE_LOG";
	if ((s = getenv("XDG_STATE_HOME")) != NULL && *s == '/')
		return "the path is under XDG_STATE_HOME, as AIQ_USAGE_LOG"
		    " is not set";
	return "the path is under HOME, as neither AIQ_USAGE_LOG nor"
	    " XDG_STATE_HOME is set";
}

/*
 * A column added by a later version (an entry of columns_added), or NULL
 * in a log made before it.
 */
static int
added(sqlite3 *db, int i, const char **name)
{
	const char *col = columns_added[i];
	int len = (int)strcspn(col, " ");

	*name = ai_db_has_column(db, "calls", col, (size_t)len) == 1 ? col :
	    "NULL";
	return *name == col ? len : 4;
}

/*
 * The query of the filter's calls, with the time range on the index of
 * ts.  A tag's true and false are read as words, as in records, not as
 * 1 and 0; a value that is not a string, number or boolean is none.
 */
static int
prepare(struct ai_logquery *q, const struct ai_logfilter *f)
{
	const char *w1, *tier;
	char sql[1024];
	int n1, nt;

	n1 = added(q->db, 0, &w1);
	nt = added(q->db, 1, &tier);
	q->tag = f->tag != NULL &&
	    ai_db_has_column(q->db, "calls", "tags", 4) == 1;
	snprintf(sql, sizeof(sql), "SELECT ts, provider, model, service,"
	    " status, http_status, input_tokens, output_tokens,"
	    " cached_tokens, cache_write_tokens, %.*s, reasoning_tokens,"
	    " latency_ms, attempts, %.*s, %s FROM calls WHERE ts >= ?1%s%s%s",
	    n1, w1, nt, tier, q->tag ? "CASE json_type(tags, ?5)"
	    " WHEN 'true' THEN 'true' WHEN 'false' THEN 'false'"
	    " WHEN 'object' THEN NULL WHEN 'array' THEN NULL"
	    " ELSE json_extract(tags, ?5) END" : "NULL",
	    f->until_ms != 0 ? " AND ts < ?2" : "",
	    f->model != NULL ? " AND model = ?3" : "",
	    f->service != NULL ? " AND service = ?4" : "");
	return sqlite3_prepare_v2(q->db, sql, -1, &q->st, NULL);
}

/* Why there is no log at path, in why, or 0 when there is one. */
static int
no_log(const char *path, int is_default, char *why, size_t size)
{
	if (access(path, F_OK) == 0)
		return 0;
	if (errno != ENOENT)
		snprintf(why, size, "%s", strerror(errno));
	else
		snprintf(why, size, "no usage log here%s%s%s", is_default ?
		    " (" : "", is_default ? default_origin() : "",
		    is_default ? ")" : "");
	return -1;
}

static void
bind(struct ai_logquery *q, const struct ai_logfilter *f)
{
	sqlite3_bind_int64(q->st, 1, f->since_ms);
	sqlite3_bind_int64(q->st, 2, f->until_ms);
	if (f->model != NULL)
		sqlite3_bind_text(q->st, 3, f->model, -1, SQLITE_TRANSIENT);
	if (f->service != NULL)
		sqlite3_bind_text(q->st, 4, f->service, -1, SQLITE_TRANSIENT);
	if (q->tag) {
		snprintf(q->tag_path, sizeof(q->tag_path), "$.\"%s\"",
		    f->tag);
		sqlite3_bind_text(q->st, 5, q->tag_path, -1, SQLITE_STATIC);
	}
}

/* Opens the log and prepares the query; -1 with the reason in why. */
static int
query_prepare(struct ai_logquery *q, const char *path,
    const struct ai_logfilter *f, char *why, size_t size)
{
	int have;

	if (ai_db_open(path, 1, &q->db) == SQLITE_OK &&
	    (have = ai_db_has_column(q->db, "calls", "ts", 2)) != -1) {
		if (have == 0) {
			snprintf(why, size, "not a usage log (no calls table)");
			return -1;
		}
		if (prepare(q, f) == SQLITE_OK) {
			bind(q, f);
			return 0;
		}
	}
	snprintf(why, size, "%s", q->db != NULL ? sqlite3_errmsg(q->db) :
	    "out of memory");
	return -1;
}

/*
 * Opens the usage log at path (NULL: the default one) read only, for
 * the calls that pass the filter.  A log that is not there is an error
 * that says how its path was found: no calls must not read as no
 * spending, and a cron job has another environment than the shell that
 * made the log.
 */
struct ai_logquery *
ai_usagelog_query_open(const char *path, const struct ai_logfilter *f,
    char *err)
{
	struct ai_logquery *q = NULL;
	char *def = NULL, why[192];	/* with the path, in err */

	if (f->tag != NULL && !ai_tag_name_ok(f->tag)) {
		snprintf(err, AI_ERRLEN, "%s: not a tag name", f->tag);
		return NULL;
	}
	if (path == NULL && (path = def = ai_usagelog_default_path()) ==
	    NULL) {
		snprintf(err, AI_ERRLEN, "no usage log: neither AIQ_USAGE_LOG,"
		    " XDG_STATE_HOME nor HOME is set");
		return NULL;
	}
	if (no_log(path, def != NULL, why, sizeof(why)) == 0) {
		if ((q = calloc(1, sizeof(*q))) == NULL)
			snprintf(why, sizeof(why), "out of memory");
		else if (query_prepare(q, path, f, why, sizeof(why)) == -1) {
			ai_usagelog_query_close(q);
			q = NULL;
		}
	}
	if (q == NULL)
		snprintf(err, AI_ERRLEN, "%s: %s", path, why);
	free(def);
	return q;
}

/*
 * A count of tokens, by the rule of ai_token_count_ok(): 0 when NULL,
 * -1 when not a count (a log of an older aiq, or written by hand, may
 * hold anything).
 */
static int64_t
count_of(sqlite3_value *v)
{
	int64_t n;

	switch (sqlite3_value_type(v)) {
	case SQLITE_NULL:
		return 0;
	case SQLITE_INTEGER:
		n = sqlite3_value_int64(v);
		return ai_token_count_ok(n) ? n : -1;
	default:
		return -1;
	}
}

/* The row's counts; all unknown (no_usage) when one is not a count. */
static void
read_usage(sqlite3_stmt *st, struct ai_logrow *r)
{
	int64_t *v[] = { &r->usage.input, &r->usage.output,
	    &r->usage.cached, &r->usage.cache_write,
	    &r->usage.cache_write_1h, &r->usage.reasoning };
	static const int col[] = { Q_INPUT, Q_OUTPUT, Q_CACHED,
	    Q_CACHE_WRITE, Q_CACHE_WRITE_1H, Q_REASONING };
	sqlite3_value *in = sqlite3_column_value(st, Q_INPUT);
	size_t i;

	/* aiq logs the tokens of a call that told none as NULL. */
	r->no_usage = sqlite3_value_type(in) == SQLITE_NULL;
	for (i = 0; i < sizeof(col) / sizeof(col[0]); i++)
		if ((*v[i] = count_of(i == 0 ? in :
		    sqlite3_column_value(st, col[i]))) < 0)
			r->no_usage = 1;
	if (r->no_usage)
		memset(&r->usage, 0, sizeof(r->usage));
}

static const char *
text_col(sqlite3_stmt *st, int i)
{
	return (const char *)sqlite3_column_text(st, i);
}

static int64_t
int_col(sqlite3_stmt *st, int i)
{
	return sqlite3_column_int64(st, i);
}

/*
 * The next call into r: 1, or 0 after the last, or -1 with the reason in
 * err.  Its strings are the query's, valid until the next call; the ids,
 * prompt, response and tags are not read (see ai_usagelog_tag()).  A
 * latency that is not one is -1.
 */
int
ai_usagelog_next(struct ai_logquery *q, struct ai_logrow *r, char *err)
{
	sqlite3_stmt *st = q->st;
	sqlite3_value *lat;
	int rc;

	if ((rc = sqlite3_step(st)) != SQLITE_ROW) {
		if (rc == SQLITE_DONE)
			return 0;
		snprintf(err, AI_ERRLEN, "usage log: %s",
		    sqlite3_errmsg(q->db));
		return -1;
	}
	memset(r, 0, sizeof(*r));
	r->ts_ms = int_col(st, Q_TS);
	r->provider = text_col(st, Q_PROVIDER);
	r->model = text_col(st, Q_MODEL);
	r->service = text_col(st, Q_SERVICE);
	r->status = text_col(st, Q_STATUS);
	r->http_status = (long)int_col(st, Q_HTTP_STATUS);
	read_usage(st, r);
	lat = sqlite3_column_value(st, Q_LATENCY);
	r->latency_ms = sqlite3_value_type(lat) == SQLITE_INTEGER ?
	    sqlite3_value_int64(lat) : -1;
	if (r->latency_ms < 0)
		r->latency_ms = -1;
	r->attempts = (int)int_col(st, Q_ATTEMPTS);
	r->tier = text_col(st, Q_TIER);
	return 1;
}

/*
 * The value of the filter's tag in the row last read, as text, or NULL
 * when the call has none.
 */
const char *
ai_usagelog_tag(const struct ai_logquery *q)
{
	return text_col(q->st, Q_TAG);
}

void
ai_usagelog_query_close(struct ai_logquery *q)
{
	if (q == NULL)
		return;
	sqlite3_finalize(q->st);
	sqlite3_close(q->db);
	free(q);
}
