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
	S_OLDEST, S_EVICT, S_RECOUNT, S_BEGIN, S_READ, S_COMMIT, S_N
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
};

struct ai_cache {
	sqlite3		*db;
	sqlite3_stmt	*st[S_N];
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
 * Opens the cache at path: to read, to write, or to write creating it
 * (private) if need be.  A file that is not a database, or a corrupt one,
 * fails here, with SQLite's reason, not later in the middle of a run.
 */
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

struct ai_cache *
ai_cache_open(const char *path, int mode, char *err)
{
	struct ai_cache *c;
	int i, ours, readonly = mode == AI_CACHE_READ;

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
	for (i = 0; i < S_N; i++)
		if (sqlite3_prepare_v2(c->db, sql[i], -1, &c->st[i], NULL) !=
		    SQLITE_OK)
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

sqlite3 *
ai_cache_db(struct ai_cache *c)
{
	return c->db;
}

const char *
ai_cache_path(const struct ai_cache *c)
{
	return c->path;
}

/* Runs statement i, which returns no rows, and resets it. */
static int
run(struct ai_cache *c, int i, char *err)
{
	int rc = sqlite3_step(c->st[i]);

	sqlite3_reset(c->st[i]);
	sqlite3_clear_bindings(c->st[i]);
	return rc == SQLITE_DONE ? 0 : fail(c, err);
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
	sqlite3_stmt *st = c->st[S_GET];
	int rc, hit = 0;
	int64_t created;

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
	bind_key(c->st[S_HIT], ns, key);
	sqlite3_bind_int64(c->st[S_HIT], 3, now_ms);
	return run(c, S_HIT, err);
}

/*
 * Adds what a run of lookups of one model's requests came to, for
 * `aicache stats`: by model, so that what the hits saved can be priced.
 */
int
ai_cache_count(struct ai_cache *c, const char *ns, const char *model,
    const struct ai_cache_tally *t, char *err)
{
	sqlite3_stmt *st = c->st[S_LOOKUPS];

	sqlite3_bind_text(st, 1, ns, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, model, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, t->lookups);
	sqlite3_bind_int64(st, 3, t->hits);
	sqlite3_bind_int64(st, 4, t->tokens_in);
	sqlite3_bind_int64(st, 5, t->tokens_out);
	sqlite3_bind_int64(st, 7, t->saved.micro);
	sqlite3_bind_int64(st, 8, t->saved.pico);
	sqlite3_bind_int64(st, 9, t->unpriced);
	return run(c, S_LOOKUPS, err);
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
	sqlite3_bind_int64(c->st[S_GROW], 1, bytes);
	sqlite3_bind_int64(c->st[S_GROW], 2, entries);
	return run(c, S_GROW, err);
}

/* The id and size of the entry with e's namespace and key: 0 if none. */
static int64_t
find(struct ai_cache *c, const struct ai_cache_entry *e, int64_t *len,
    char *err)
{
	sqlite3_stmt *st = c->st[S_FIND];
	int64_t id = 0;
	int rc;

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

	if ((id = find(c, e, &old, err)) == -1)
		return -1;
	st = c->st[id > 0 ? S_UPDATE : S_INSERT];
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
	if (run(c, id > 0 ? S_UPDATE : S_INSERT, err) == -1)
		return -1;
	c->dbytes += (int64_t)e->response_len - old;
	c->dentries += id > 0 ? 0 : 1;
	return 0;
}

/*
 * Counts the entries and their bytes again, after a change of many at
 * once (purge).  Call it inside the same transaction.
 */
int
ai_cache_recount(struct ai_cache *c, char *err)
{
	return run(c, S_RECOUNT, err);
}

/* The bytes of responses the cache holds, and the entries; -1 on error. */
static int64_t
held(struct ai_cache *c, int64_t *entries)
{
	sqlite3_stmt *st = c->st[S_BYTES];
	int64_t n = -1;

	*entries = 0;
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
	sqlite3_stmt *st = c->st[S_OLDEST];
	int64_t gone = 0, bytes, entries, step, dbytes, dn;

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
		sqlite3_bind_int64(c->st[S_EVICT], 1, step);
		if (dn == 0 || run(c, S_EVICT, err) == -1 ||
		    grow(c, -dbytes, -dn, err) == -1)
			return dn == 0 ? gone : -1;
		gone += dn;
	}
	if (bytes < 0)
		return fail(c, err);
	return gone;
}
