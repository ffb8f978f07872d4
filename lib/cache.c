/*
 * cache.c: the response cache, one SQLite file that many processes share
 * (WAL, busy timeout).  Writers batch their changes in short transactions
 * that either land whole or not at all, so a killed process loses at most
 * its last batch and never leaves a torn entry.  The bytes the entries
 * hold are kept in the table size, so that keeping the cache under a
 * size cap needs no scan; they are counted here rather than by triggers,
 * as a statement that fires one needs a statement journal, which costs
 * more than the insert.
 */
#include <sys/stat.h>

#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "aitools.h"

#define EVICT_STEP	1024		/* most entries dropped at once */

/*
 * Pages kept in memory: lookups of random keys in a large cache touch
 * the same upper index pages again and again; a fixed size, so memory
 * does not grow with the input.  The write-ahead log is copied back into
 * the file once it holds 32 MiB rather than 4: each copy ends in an
 * fsync, and a page written twice in between is copied once.
 */
static const char tuning[] = "PRAGMA cache_size=-32768;"
    "PRAGMA wal_autocheckpoint=8192;";

/*
 * The tables are made in one immediate transaction: two processes that
 * create the file at once would otherwise race from reading the schema to
 * writing it, and SQLite cannot wait out that conflict.  Sizes in bytes
 * are of the stored text as a blob: SQLite's length() of text counts
 * characters.
 */
static const char schema[] =
    "BEGIN IMMEDIATE;"
    "CREATE TABLE IF NOT EXISTS entries ("
    " id INTEGER PRIMARY KEY,"
    " ns TEXT NOT NULL,"		/* the namespace, "" by default */
    " key BLOB NOT NULL,"		/* SHA-256 of the canonical request */
    " provider TEXT, model TEXT,"
    " created INTEGER NOT NULL,"	/* milliseconds since the epoch */
    " expires INTEGER,"			/* the same, or NULL: never */
    " used INTEGER NOT NULL,"		/* the last hit, for LRU eviction */
    " hits INTEGER NOT NULL DEFAULT 0,"
    " input_tokens INTEGER, output_tokens INTEGER, cached_tokens INTEGER,"
    " response TEXT NOT NULL,"		/* the record's "response", JSON */
    " UNIQUE (ns, key));"
    "CREATE INDEX IF NOT EXISTS entries_used ON entries(used);"
    "CREATE TABLE IF NOT EXISTS savings ("	/* what get's lookups did */
    " ns TEXT NOT NULL, model TEXT NOT NULL,"
    " lookups INTEGER NOT NULL DEFAULT 0,"
    " hits INTEGER NOT NULL DEFAULT 0,"
    " input_tokens_saved INTEGER NOT NULL DEFAULT 0,"
    " output_tokens_saved INTEGER NOT NULL DEFAULT 0,"
    " PRIMARY KEY (ns, model));"
    "CREATE TABLE IF NOT EXISTS size (bytes INTEGER NOT NULL,"
    " entries INTEGER NOT NULL);"
    "INSERT INTO size SELECT 0, 0 WHERE NOT EXISTS (SELECT 1 FROM size);"
    "DROP TRIGGER IF EXISTS entries_add;"	/* of development builds */
    "DROP TRIGGER IF EXISTS entries_drop;";

/*
 * What the hits saved in dollars, priced at the time of each hit: whole
 * microdollars and the picodollars below them.  Added by version 2.
 */
static const char *const savings_v2[] = {
	"saved_micro INTEGER NOT NULL DEFAULT 0",
	"saved_pico INTEGER NOT NULL DEFAULT 0",
	"unpriced_hits INTEGER NOT NULL DEFAULT 0",	/* no price known */
	NULL
};

enum {
	S_GET, S_HIT, S_FIND, S_INSERT, S_UPDATE, S_LOOKUPS, S_BYTES, S_GROW,
	S_OLDEST, S_EVICT, S_RECOUNT, S_BEGIN, S_READ, S_COMMIT, S_ROLLBACK,
	S_N
};

static const char *const sql[S_N] = {
	[S_GET] = "SELECT response, created, expires, input_tokens,"
	    " output_tokens, cached_tokens, model FROM entries"
	    " WHERE ns = ?1 AND key = ?2",
	[S_HIT] = "UPDATE entries SET used = ?3, hits = hits + 1"
	    " WHERE ns = ?1 AND key = ?2",
	[S_FIND] = "SELECT id, length(CAST(response AS BLOB)) FROM entries"
	    " WHERE ns = ?1 AND key = ?2",
	[S_INSERT] = "INSERT INTO entries (ns, key, provider, model,"
	    " created, expires, used, input_tokens, output_tokens,"
	    " cached_tokens, response) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
	[S_UPDATE] = "UPDATE entries SET provider = ?3, model = ?4,"
	    " created = ?5, expires = ?6, used = ?7, input_tokens = ?8,"
	    " output_tokens = ?9, cached_tokens = ?10, response = ?11"
	    " WHERE id = ?12",
	[S_LOOKUPS] = "INSERT INTO savings (ns, model, lookups, hits,"
	    " input_tokens_saved, output_tokens_saved, saved_micro, saved_pico,"
	    " unpriced_hits) VALUES (?1,?6,?2,?3,?4,?5,?7,?8,?9)"
	    " ON CONFLICT (ns, model) DO UPDATE SET"
	    " lookups = lookups + ?2, hits = hits + ?3,"
	    " input_tokens_saved = input_tokens_saved + ?4,"
	    " output_tokens_saved = output_tokens_saved + ?5,"
	    " saved_micro = saved_micro + ?7 + (saved_pico + ?8) / 1000000,"
	    " saved_pico = (saved_pico + ?8) % 1000000,"
	    " unpriced_hits = unpriced_hits + ?9",
	[S_BYTES] = "SELECT bytes, entries FROM size",
	[S_GROW] = "UPDATE size SET bytes = bytes + ?1, entries = entries + ?2",
	[S_OLDEST] = "SELECT coalesce(sum(length(CAST(response AS BLOB))), 0), count(*),"
	    " coalesce(max(used), 0) FROM (SELECT response, used FROM entries"
	    " ORDER BY used LIMIT ?)",
	[S_EVICT] = "DELETE FROM entries WHERE id IN"
	    " (SELECT id FROM entries ORDER BY used LIMIT ?)",
	[S_RECOUNT] = "UPDATE size SET"
	    " bytes = (SELECT coalesce(sum(length(CAST(response AS BLOB))), 0) FROM entries),"
	    " entries = (SELECT count(*) FROM entries)",
	[S_BEGIN] = "BEGIN IMMEDIATE",
	[S_READ] = "BEGIN",
	[S_COMMIT] = "COMMIT",
	[S_ROLLBACK] = "ROLLBACK",
};

struct ai_cache {
	sqlite3		*db;
	sqlite3_stmt	*st[S_N];	/* prepared when first used */
	char		*path;
	int64_t		 dbytes;	/* changes to the table size not yet */
	int64_t		 dentries;	/* written: once at commit */
};

static int
fail(struct ai_cache *c, char *err)
{
	snprintf(err, AI_ERRLEN, "%s: %s", c->path, sqlite3_errmsg(c->db));
	return -1;
}

/*
 * Whether the database is empty or a cache: a file that holds other
 * tables (the usage log given by mistake, say) is left alone.
 */
static int
is_ours(sqlite3 *db)
{
	sqlite3_stmt *st;
	int ours = 0;

	if (sqlite3_prepare_v2(db, "SELECT count(*) = 0 OR sum(name ="
	    " 'entries') > 0 FROM sqlite_master WHERE type = 'table'", -1,
	    &st, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		ours = sqlite3_column_int(st, 0);
	else
		ours = -1;
	sqlite3_finalize(st);
	return ours;
}

/*
 * Opens the cache at path: to read, to write, or to write creating it
 * (private) if need be.  A file that is not a database, or a corrupt one,
 * fails here, with SQLite's reason, not later in the middle of a run.
 * Opened to write, a cache of an older version gains the newer columns;
 * opened to read, it is left as it is, which is why statements are
 * prepared when first used: one that names a newer column fails alone.
 */
struct ai_cache *
ai_cache_open(const char *path, int mode, char *err)
{
	struct ai_cache *c;
	int ours, readonly = mode == AI_CACHE_READ;

	if (mode != AI_CACHE_CREATE && access(path, F_OK) == -1) {
		snprintf(err, AI_ERRLEN, "%s: no cache there: %s", path,
		    strerror(errno));
		return NULL;
	}
	if (mode == AI_CACHE_CREATE && ai_db_create_private(path, err) == -1)
		return NULL;
	if ((c = calloc(1, sizeof(*c))) == NULL ||
	    (c->path = strdup(path)) == NULL) {
		free(c);
		snprintf(err, AI_ERRLEN, "out of memory");
		return NULL;
	}
	if (ai_db_open(path, readonly, &c->db) != SQLITE_OK ||
	    (ours = is_ours(c->db)) == -1)
		goto bad;
	if (!ours) {
		snprintf(err, AI_ERRLEN, "%s: not an aicache cache (it holds "
		    "other tables)", path);
		ai_cache_close(c, NULL);
		return NULL;
	}
	if (sqlite3_exec(c->db, tuning, NULL, NULL, NULL) != SQLITE_OK ||
	    (!readonly && (ai_db_share(c->db) != SQLITE_OK ||
	    sqlite3_exec(c->db, schema, NULL, NULL, NULL) != SQLITE_OK ||
	    ai_db_add_columns(c->db, "savings", savings_v2) != SQLITE_OK ||
	    sqlite3_exec(c->db, "PRAGMA user_version=2; COMMIT", NULL, NULL,
	    NULL) != SQLITE_OK)))
		goto bad;
	return c;
bad:
	fail(c, err);
	ai_cache_close(c, NULL);
	return NULL;
}

int
ai_cache_close(struct ai_cache *c, char *err)
{
	int i, r = 0;

	if (c == NULL)
		return 0;
	for (i = 0; i < S_N; i++)
		sqlite3_finalize(c->st[i]);
	if (sqlite3_close(c->db) != SQLITE_OK && err != NULL)
		r = fail(c, err);
	free(c->path);
	free(c);
	return r;
}

/* Statement i, prepared the first time; NULL on error. */
static sqlite3_stmt *
stmt(struct ai_cache *c, int i, char *err)
{
	if (c->st[i] == NULL && sqlite3_prepare_v2(c->db, sql[i], -1,
	    &c->st[i], NULL) != SQLITE_OK) {
		fail(c, err);
		return NULL;
	}
	return c->st[i];
}

/* Runs statement st, which returns no rows, and resets it. */
static int
done(struct ai_cache *c, sqlite3_stmt *st, char *err)
{
	int rc = sqlite3_step(st);

	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return rc == SQLITE_DONE ? 0 : fail(c, err);
}

/* Runs statement i, which returns no rows and takes no values. */
static int
run(struct ai_cache *c, int i, char *err)
{
	sqlite3_stmt *st = stmt(c, i, err);

	return st == NULL ? -1 : done(c, st, err);
}

/* Begins a write transaction; counts left by one rolled back are void. */
int
ai_cache_begin(struct ai_cache *c, char *err)
{
	c->dbytes = c->dentries = 0;
	return run(c, S_BEGIN, err);
}

/*
 * A read transaction: the lookups of a batch share one snapshot and one
 * lock, instead of taking and dropping it for each.
 */
int
ai_cache_begin_read(struct ai_cache *c, char *err)
{
	return run(c, S_READ, err);
}

static int grow(struct ai_cache *, int64_t, int64_t, char *);

/* Commits, with the counts of the entries put since the transaction began. */
int
ai_cache_commit(struct ai_cache *c, char *err)
{
	if ((c->dbytes != 0 || c->dentries != 0) &&
	    grow(c, c->dbytes, c->dentries, err) == -1)
		return -1;
	c->dbytes = c->dentries = 0;
	return run(c, S_COMMIT, err);
}

/*
 * Gives up the transaction open, if any, with the counts it would have
 * added.  Called after a failure, to leave the cache as it was: it has
 * nothing to report, as SQLite rolls back what it could not finish.
 */
void
ai_cache_rollback(struct ai_cache *c)
{
	char err[AI_ERRLEN];

	c->dbytes = c->dentries = 0;
	if (sqlite3_get_autocommit(c->db) == 0)
		run(c, S_ROLLBACK, err);
}

static void
bind_key(sqlite3_stmt *st, const char *ns, const unsigned char *key)
{
	sqlite3_bind_text(st, 1, ns, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 2, key, AI_KEYLEN, SQLITE_STATIC);
}

/*
 * Looks key up in namespace ns: 1 with the stored response appended to
 * resp when there is a fresh entry (not expired, and younger than
 * max_age_ms unless that is 0), 0 when not, -1 on error.  e gets the
 * entry's creation time and usage.
 */
int
ai_cache_get(struct ai_cache *c, const char *ns, const unsigned char *key,
    int64_t now_ms, int64_t max_age_ms, struct ai_buf *resp,
    struct ai_cache_entry *e, char *err)
{
	sqlite3_stmt *st;
	int rc, hit = 0;
	int64_t created;

	if ((st = stmt(c, S_GET, err)) == NULL)
		return -1;
	bind_key(st, ns, key);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		created = sqlite3_column_int64(st, 1);
		e->created_ms = created;
		e->usage.input = sqlite3_column_int64(st, 3);
		e->usage.output = sqlite3_column_int64(st, 4);
		e->usage.cached = sqlite3_column_int64(st, 5);
		snprintf(e->model_buf, sizeof(e->model_buf), "%s",
		    sqlite3_column_type(st, 6) == SQLITE_TEXT ?
		    (const char *)sqlite3_column_text(st, 6) : "");
		hit = (sqlite3_column_type(st, 2) == SQLITE_NULL ||
		    sqlite3_column_int64(st, 2) > now_ms) &&
		    (max_age_ms == 0 || created + max_age_ms > now_ms);
		if (hit && ai_buf_append(resp, sqlite3_column_text(st, 0),
		    (size_t)sqlite3_column_bytes(st, 0)) == -1) {
			snprintf(err, AI_ERRLEN, "out of memory");
			hit = -1;
		}
	} else if (rc != SQLITE_DONE)
		hit = fail(c, err);
	sqlite3_reset(st);
	return hit;
}

/* Marks a hit: the entry is used now, so eviction keeps it longer. */
int
ai_cache_touch(struct ai_cache *c, const char *ns, const unsigned char *key,
    int64_t now_ms, char *err)
{
	sqlite3_stmt *st;

	if ((st = stmt(c, S_HIT, err)) == NULL)
		return -1;
	bind_key(st, ns, key);
	sqlite3_bind_int64(st, 3, now_ms);
	return done(c, st, err);
}

/*
 * Adds what a run of lookups of one model's requests came to, for
 * `aicache stats`: by model, so that what the hits saved can be priced.
 */
int
ai_cache_count(struct ai_cache *c, const char *ns, const char *model,
    const struct ai_cache_tally *t, char *err)
{
	sqlite3_stmt *st;

	if ((st = stmt(c, S_LOOKUPS, err)) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, ns, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, model, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, t->lookups);
	sqlite3_bind_int64(st, 3, t->hits);
	sqlite3_bind_int64(st, 4, t->tokens_in);
	sqlite3_bind_int64(st, 5, t->tokens_out);
	sqlite3_bind_int64(st, 7, t->saved.micro);
	sqlite3_bind_int64(st, 8, t->saved.pico);
	sqlite3_bind_int64(st, 9, t->unpriced);
	return done(c, st, err);
}

static void
bind_text_or_null(sqlite3_stmt *st, int i, const char *s)
{
	if (s != NULL)
		sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, i);
}

/* Adds to the counts of the table size. */
static int
grow(struct ai_cache *c, int64_t bytes, int64_t entries, char *err)
{
	sqlite3_stmt *st;

	if ((st = stmt(c, S_GROW, err)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, bytes);
	sqlite3_bind_int64(st, 2, entries);
	return done(c, st, err);
}

/* The id and size of the entry with e's namespace and key: 0 if none. */
static int64_t
find(struct ai_cache *c, const struct ai_cache_entry *e, int64_t *len,
    char *err)
{
	sqlite3_stmt *st;
	int64_t id = 0;
	int rc;

	if ((st = stmt(c, S_FIND, err)) == NULL)
		return -1;
	bind_key(st, e->ns, e->key);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		id = sqlite3_column_int64(st, 0);
		*len = sqlite3_column_int64(st, 1);
	} else if (rc != SQLITE_DONE)
		id = fail(c, err);
	sqlite3_reset(st);
	return id;
}

/*
 * Stores an entry, replacing any with its namespace and key.  Call it
 * inside a transaction: the entry and the counts change together.
 */
int
ai_cache_put(struct ai_cache *c, const struct ai_cache_entry *e, char *err)
{
	int64_t id, old = 0;
	sqlite3_stmt *st;

	if ((id = find(c, e, &old, err)) == -1 ||
	    (st = stmt(c, id > 0 ? S_UPDATE : S_INSERT, err)) == NULL)
		return -1;
	bind_key(st, e->ns, e->key);
	bind_text_or_null(st, 3, e->provider);
	bind_text_or_null(st, 4, e->model);
	sqlite3_bind_int64(st, 5, e->created_ms);
	if (e->expires_ms > 0)
		sqlite3_bind_int64(st, 6, e->expires_ms);
	else
		sqlite3_bind_null(st, 6);
	sqlite3_bind_int64(st, 7, e->used_ms > 0 ? e->used_ms : e->created_ms);
	sqlite3_bind_int64(st, 8, e->usage.input);
	sqlite3_bind_int64(st, 9, e->usage.output);
	sqlite3_bind_int64(st, 10, e->usage.cached);
	sqlite3_bind_text(st, 11, e->response, (int)e->response_len,
	    SQLITE_STATIC);
	if (id > 0)
		sqlite3_bind_int64(st, 12, id);
	if (done(c, st, err) == -1)
		return -1;
	c->dbytes += (int64_t)e->response_len - old;
	c->dentries += id > 0 ? 0 : 1;
	return 0;
}

/* The bytes of responses the cache holds, and the entries; -1 on error. */
static int64_t
held(struct ai_cache *c, int64_t *entries)
{
	sqlite3_stmt *st;
	int64_t n = -1;
	char err[AI_ERRLEN];

	*entries = 0;
	if ((st = stmt(c, S_BYTES, err)) == NULL)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW) {
		n = sqlite3_column_int64(st, 0) + c->dbytes;
		*entries = sqlite3_column_int64(st, 1) + c->dentries;
	}
	sqlite3_reset(st);
	return n;
}

int64_t
ai_cache_bytes(struct ai_cache *c)
{
	int64_t entries;

	return held(c, &entries);
}

/*
 * Drops the entries used longest ago until the responses held fit in
 * max_bytes, as many at a time as the excess over the mean entry's size
 * says.  Call it inside a transaction.  Returns how many went.
 */
int64_t
ai_cache_evict(struct ai_cache *c, int64_t max_bytes, char *err)
{
	sqlite3_stmt *st, *del;
	int64_t gone = 0, bytes, entries, step, dbytes, dn;

	if ((st = stmt(c, S_OLDEST, err)) == NULL ||
	    (del = stmt(c, S_EVICT, err)) == NULL)
		return -1;
	while ((bytes = held(c, &entries)) > max_bytes && entries > 0) {
		step = (bytes - max_bytes) / (bytes / entries + 1) + 1;
		if (step > EVICT_STEP)
			step = EVICT_STEP;
		sqlite3_bind_int64(st, 1, step);
		if (sqlite3_step(st) != SQLITE_ROW) {
			sqlite3_reset(st);
			return fail(c, err);
		}
		dbytes = sqlite3_column_int64(st, 0);
		dn = sqlite3_column_int64(st, 1);
		sqlite3_reset(st);
		sqlite3_bind_int64(del, 1, step);
		if (dn == 0 || done(c, del, err) == -1 ||
		    grow(c, -dbytes, -dn, err) == -1)
			return dn == 0 ? gone : -1;
		gone += dn;
	}
	if (bytes < 0)
		return fail(c, err);
	return gone;
}

/*
 * The commands that look after the cache run each of their statements
 * once: they are prepared here, for the call, rather than kept.  A
 * namespace of NULL stands for every one.
 */
static sqlite3_stmt *
once(struct ai_cache *c, const char *q, const char *ns, char *err)
{
	sqlite3_stmt *st;

	if (sqlite3_prepare_v2(c->db, q, -1, &st, NULL) != SQLITE_OK) {
		fail(c, err);
		return NULL;
	}
	if (ns != NULL)
		sqlite3_bind_text(st, 1, ns, -1, SQLITE_STATIC);
	return st;
}

/*
 * What the hits saved in dollars, as SQL: the columns exist in caches
 * written by version 2; an older one read as it is shows no dollars, and
 * its hits as unpriced.
 */
static const char *
saved_sql(struct ai_cache *c)
{
	return ai_db_has_column(c->db, "savings", "saved_pico",
	    strlen("saved_pico")) == 1 ?
	    "sum(saved_micro), sum(saved_pico), sum(unpriced_hits)" :
	    "0, 0, sum(hits)";
}

/* A tally from the columns of st from i: hits, tokens and dollars. */
static void
tally_row(sqlite3_stmt *st, int i, struct ai_cache_tally *t)
{
	t->hits = sqlite3_column_int64(st, i);
	t->tokens_in = sqlite3_column_int64(st, i + 1);
	t->tokens_out = sqlite3_column_int64(st, i + 2);
	t->saved.micro = sqlite3_column_int64(st, i + 3);
	t->saved.pico = 0;
	ai_money_add(&t->saved, sqlite3_column_int64(st, i + 4));
	t->unpriced = sqlite3_column_int64(st, i + 5);
}

/*
 * What namespace ns holds (NULL: every one), and what the lookups of get
 * came to in all, into s.
 */
int
ai_cache_stats(struct ai_cache *c, const char *ns, struct ai_cache_stats *s,
    char *err)
{
	sqlite3_stmt *st;
	char q[512];
	int rc;

	memset(s, 0, sizeof(*s));
	if ((st = once(c, "SELECT count(*), coalesce(sum(length(CAST(response"
	    " AS BLOB))), 0) FROM entries WHERE ?1 IS NULL OR ns = ?1", ns,
	    err)) == NULL)
		return -1;
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		s->entries = sqlite3_column_int64(st, 0);
		s->bytes = sqlite3_column_int64(st, 1);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW)
		return fail(c, err);
	snprintf(q, sizeof(q), "SELECT coalesce(sum(lookups), 0),"
	    " coalesce(sum(hits), 0), coalesce(sum(input_tokens_saved), 0),"
	    " coalesce(sum(output_tokens_saved), 0), %s FROM savings"
	    " WHERE ?1 IS NULL OR ns = ?1", saved_sql(c));
	if ((st = once(c, q, ns, err)) == NULL)
		return -1;
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		s->total.lookups = sqlite3_column_int64(st, 0);
		tally_row(st, 1, &s->total);
	}
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 0 : fail(c, err);
}

/*
 * Calls fn with what the hits of each model in namespace ns (NULL: every
 * one) saved, most hits first; models without hits are left out.  fn
 * returns 0 to go on, -1 to stop, which this returns.
 */
int
ai_cache_savings(struct ai_cache *c, const char *ns, ai_cache_model_cb fn,
    void *arg, char *err)
{
	sqlite3_stmt *st;
	struct ai_cache_tally t;
	char q[512];
	int rc;

	snprintf(q, sizeof(q), "SELECT model, sum(hits),"
	    " sum(input_tokens_saved), sum(output_tokens_saved), %s"
	    " FROM savings WHERE ?1 IS NULL OR ns = ?1 GROUP BY model"
	    " HAVING sum(hits) > 0 ORDER BY sum(hits) DESC, model",
	    saved_sql(c));
	if ((st = once(c, q, ns, err)) == NULL)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		memset(&t, 0, sizeof(t));
		tally_row(st, 1, &t);
		t.lookups = t.hits;
		if (fn(arg, (const char *)sqlite3_column_text(st, 0), &t) ==
		    -1) {
			sqlite3_finalize(st);
			return -1;
		}
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : fail(c, err);
}

/*
 * Removes the entries that match every filter of f, in one transaction,
 * and says how many went and the bytes of answers they held.
 */
int
ai_cache_purge(struct ai_cache *c, const struct ai_cache_filter *f,
    int64_t *entries, int64_t *bytes, char *err)
{
	static const char where[] = " WHERE (?1 IS NULL OR ns = ?1)"
	    " AND (?2 IS NULL OR created < ?2) AND (?3 IS NULL OR model = ?3)"
	    " AND (?4 IS NULL OR (expires IS NOT NULL AND expires <= ?4))";
	sqlite3_stmt *st[2] = { NULL, NULL };
	char q[2][512];
	int i, rc = -1;

	snprintf(q[0], sizeof(q[0]), "SELECT count(*), coalesce(sum(length("
	    "CAST(response AS BLOB))), 0) FROM entries%s", where);
	snprintf(q[1], sizeof(q[1]), "DELETE FROM entries%s", where);
	for (i = 0; i < 2; i++) {
		if ((st[i] = once(c, q[i], f->ns, err)) == NULL)
			goto out;
		if (f->created_before > 0)
			sqlite3_bind_int64(st[i], 2, f->created_before);
		if (f->model != NULL)
			sqlite3_bind_text(st[i], 3, f->model, -1,
			    SQLITE_STATIC);
		if (f->expired_at > 0)
			sqlite3_bind_int64(st[i], 4, f->expired_at);
	}
	if (ai_cache_begin(c, err) == -1)
		goto out;
	if (sqlite3_step(st[0]) != SQLITE_ROW) {
		fail(c, err);
		goto out;
	}
	*entries = sqlite3_column_int64(st[0], 0);
	*bytes = sqlite3_column_int64(st[0], 1);
	sqlite3_reset(st[0]);
	if (sqlite3_step(st[1]) != SQLITE_DONE)
		fail(c, err);
	else if (run(c, S_RECOUNT, err) == 0 && ai_cache_commit(c, err) == 0)
		rc = 0;
out:
	if (rc == -1)
		ai_cache_rollback(c);
	sqlite3_finalize(st[0]);
	sqlite3_finalize(st[1]);
	return rc;
}

/* The entries of a namespace, one at a time, for export. */
struct ai_cache_iter {
	struct ai_cache	*c;
	sqlite3_stmt	*st;
};

struct ai_cache_iter *
ai_cache_iter_open(struct ai_cache *c, const char *ns, char *err)
{
	struct ai_cache_iter *it;

	if ((it = calloc(1, sizeof(*it))) == NULL) {
		snprintf(err, AI_ERRLEN, "out of memory");
		return NULL;
	}
	it->c = c;
	if ((it->st = once(c, "SELECT ns, key, provider, model, created,"
	    " coalesce(expires, 0), used, hits, input_tokens, output_tokens,"
	    " cached_tokens, response FROM entries"
	    " WHERE ?1 IS NULL OR ns = ?1 ORDER BY id", ns, err)) == NULL) {
		free(it);
		return NULL;
	}
	return it;
}

static const char *
text_or_empty(sqlite3_stmt *st, int i)
{
	return sqlite3_column_type(st, i) == SQLITE_NULL ? "" :
	    (const char *)sqlite3_column_text(st, i);
}

/*
 * The next entry, in the order they were stored, into e: 1, or 0 at the
 * end, -1 on error.  e's strings are the iterator's, until the next call.
 * A row whose key is not one (no version of put writes one) is skipped.
 */
int
ai_cache_iter_next(struct ai_cache_iter *it, struct ai_cache_entry *e,
    char *err)
{
	sqlite3_stmt *st = it->st;
	int rc;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (sqlite3_column_bytes(st, 1) != AI_KEYLEN)
			continue;
		memset(e, 0, sizeof(*e));
		e->ns = text_or_empty(st, 0);
		memcpy(e->key, sqlite3_column_blob(st, 1), AI_KEYLEN);
		e->provider = text_or_empty(st, 2);
		e->model = text_or_empty(st, 3);
		e->created_ms = sqlite3_column_int64(st, 4);
		e->expires_ms = sqlite3_column_int64(st, 5);
		e->used_ms = sqlite3_column_int64(st, 6);
		e->hits = sqlite3_column_int64(st, 7);
		e->usage.input = sqlite3_column_int64(st, 8);
		e->usage.output = sqlite3_column_int64(st, 9);
		e->usage.cached = sqlite3_column_int64(st, 10);
		e->response = (const char *)sqlite3_column_text(st, 11);
		e->response_len = (size_t)sqlite3_column_bytes(st, 11);
		return 1;
	}
	return rc == SQLITE_DONE ? 0 : fail(it->c, err);
}

void
ai_cache_iter_close(struct ai_cache_iter *it)
{
	if (it == NULL)
		return;
	sqlite3_finalize(it->st);
	free(it);
}

/* The file and its write-ahead log, as they sit on disk, in bytes. */
int64_t
ai_cache_disk_bytes(const struct ai_cache *c)
{
	char wal[4096];
	struct stat sb;
	int64_t n = 0;

	if (stat(c->path, &sb) == 0)
		n += sb.st_size;
	snprintf(wal, sizeof(wal), "%s-wal", c->path);
	if (stat(wal, &sb) == 0)
		n += sb.st_size;
	return n;
}

/*
 * Gives the free pages of the file back to the file system: VACUUM
 * rewrites the file without them, through a copy in the temporary
 * directory and the write-ahead log (so it needs up to twice the file's
 * size free, and holds the write lock as long as it runs); a truncating
 * checkpoint then copies the log into the file and empties it, waiting
 * for readers as long as the busy timeout.
 */
int
ai_cache_vacuum(struct ai_cache *c, char *err)
{
	int rc;

	if (sqlite3_exec(c->db, "VACUUM", NULL, NULL, NULL) != SQLITE_OK)
		return fail(c, err);
	rc = sqlite3_wal_checkpoint_v2(c->db, NULL, SQLITE_CHECKPOINT_TRUNCATE,
	    NULL, NULL);
	if (rc == SQLITE_BUSY) {
		snprintf(err, AI_ERRLEN, "%s: in use by another process: its "
		    "write-ahead log is left to be emptied later", c->path);
		return -1;
	}
	return rc == SQLITE_OK ? 0 : fail(c, err);
}
