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
