/*
 * limitstore.c: the shared state of rate limits (buckets, quotas and the
 * pauses a provider asks for), named by key, behind one small interface.
 * Every process that names a key draws from the same buckets: a take is
 * atomic across them.  This file holds the interface and the local
 * backend, one SQLite file on this machine; a backend for a fleet (Redis)
 * is one more set of ops, and nothing above may assume a local file.
 *
 * The local backend takes in one IMMEDIATE transaction: other processes
 * wait on SQLite's lock, which the system lets go of when a process dies,
 * so a killed process holds nothing.  Buckets refill by themselves, so
 * no budget is lost for good either.
 *
 * A key also keeps the limits its provider said it has (learned from
 * the rate-limit headers of its answers, by settle), which a gate that
 * was not told its limits (ailimit --auto) paces by.
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aitools.h"

struct limitstore_ops {
	int	(*take)(struct ai_limitstore *, const char *,
		    const struct ai_draw *, int, int, int64_t, int64_t *,
		    int *, char *);
	int	(*give)(struct ai_limitstore *, const char *,
		    const struct ai_draw *, int, int64_t, char *);
	int	(*pause)(struct ai_limitstore *, const char *, int64_t, char *);
	int	(*levels)(struct ai_limitstore *, const char *,
		    struct ai_draw *, int, int64_t, int64_t *, int64_t *,
		    char *);
	int	(*learn)(struct ai_limitstore *, const char *, const char *,
		    int64_t, int64_t, char *);
	int	(*learned)(struct ai_limitstore *, const char *, const char *,
		    int64_t *, char *);
	int	(*reset)(struct ai_limitstore *, const char *, char *);
	void	(*close)(struct ai_limitstore *);
};

struct ai_limitstore {
	const struct limitstore_ops *ops;
	sqlite3		*db;
	sqlite3_stmt	*get, *put, *get_pause, *put_pause;
	sqlite3_stmt	*get_learned, *put_learned;
	sqlite3_stmt	*begin, *commit, *rollback;	/* parsed once: a
					   paced record is a transaction */
};

static const char schema[] =
    "CREATE TABLE IF NOT EXISTS buckets (key TEXT NOT NULL,"
    " name TEXT NOT NULL, level INTEGER NOT NULL, updated INTEGER NOT NULL,"
    " kind INTEGER NOT NULL, per INTEGER NOT NULL, burst INTEGER NOT NULL,"
    " PRIMARY KEY (key, name)) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS pauses (key TEXT PRIMARY KEY,"
    " until_us INTEGER NOT NULL) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS learned (key TEXT NOT NULL,"
    " name TEXT NOT NULL, per INTEGER NOT NULL, updated INTEGER NOT NULL,"
    " PRIMARY KEY (key, name)) WITHOUT ROWID;";

/* Runs a statement of no rows: BEGIN, COMMIT, ROLLBACK. */
static int
run(sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);

	sqlite3_reset(st);
	return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

static int
fail(struct ai_limitstore *s, char *err)
{
	snprintf(err, AI_ERRLEN, "limit state: %s", sqlite3_errmsg(s->db));
	if (!sqlite3_get_autocommit(s->db))
		run(s->rollback);
	return -1;
}

/*
 * The stored bucket of name under key, all zeros when new, and the limit
 * it was last drawn with, into l when l->per is 0: a stage that only
 * gives back (settle) need not be told the limits again.
 */
static int
get_bucket(struct ai_limitstore *s, const char *key, const char *name,
    struct ai_bucket *b, struct ai_limit *l)
{
	int rc;

	memset(b, 0, sizeof(*b));
	sqlite3_reset(s->get);
	sqlite3_bind_text(s->get, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(s->get, 2, name, -1, SQLITE_STATIC);
	if ((rc = sqlite3_step(s->get)) == SQLITE_ROW) {
		b->level = sqlite3_column_int64(s->get, 0);
		b->updated_us = sqlite3_column_int64(s->get, 1);
		if (l->per == 0) {
			l->kind = sqlite3_column_int(s->get, 2);
			l->per = sqlite3_column_int64(s->get, 3);
			l->burst = sqlite3_column_int64(s->get, 4);
		}
	}
	sqlite3_reset(s->get);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -1;
}

static int
put_bucket(struct ai_limitstore *s, const char *key, const char *name,
    const struct ai_bucket *b, const struct ai_limit *l)
{
	int rc;

	sqlite3_reset(s->put);
	sqlite3_bind_text(s->put, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(s->put, 2, name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s->put, 3, b->level);
	sqlite3_bind_int64(s->put, 4, b->updated_us);
	sqlite3_bind_int(s->put, 5, l->kind);
	sqlite3_bind_int64(s->put, 6, l->per);
	sqlite3_bind_int64(s->put, 7, l->burst);
	rc = sqlite3_step(s->put);
	sqlite3_reset(s->put);
	return rc == SQLITE_DONE ? 0 : -1;
}

static int
get_pause(struct ai_limitstore *s, const char *key, int64_t *until_us)
{
	int rc;

	*until_us = 0;
	sqlite3_reset(s->get_pause);
	sqlite3_bind_text(s->get_pause, 1, key, -1, SQLITE_STATIC);
	if ((rc = sqlite3_step(s->get_pause)) == SQLITE_ROW)
		*until_us = sqlite3_column_int64(s->get_pause, 0);
	sqlite3_reset(s->get_pause);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -1;
}

/*
 * Takes each draw's amount from its bucket, all or none.  The buckets
 * are read and written in one transaction, so that two processes never
 * both take the last of one.  With reserve, draws that would wait for a
 * rate are taken all the same, into debt, and *wait_us says when they
 * are due: a gate that paces takes once a record, and the next draws,
 * of any process, wait behind it; only a day's quota still waits.
 */
static int
local_take(struct ai_limitstore *s, const char *key, const struct ai_draw *d,
    int n, int reserve, int64_t now_us, int64_t *wait_us, int *never,
    char *err)
{
	struct ai_bucket b[AI_MAX_DRAWS];
	struct ai_limit l[AI_MAX_DRAWS];
	int64_t w, paused;
	int i, r = AI_LIMIT_OK, quota = -1;

	*wait_us = 0;
	*never = -1;
	if (run(s->begin) != SQLITE_OK || get_pause(s, key, &paused) == -1)
		return fail(s, err);
	if (paused > now_us) {		/* a reservation is due after it */
		*wait_us = paused - now_us;
		r = reserve ? AI_LIMIT_OK : AI_LIMIT_WAIT;
	}
	for (i = 0; i < n; i++) {
		l[i] = d[i].limit;
		if (get_bucket(s, key, d[i].name, &b[i], &l[i]) == -1)
			return fail(s, err);
		switch (ai_bucket_try(&b[i], &l[i], d[i].amount, now_us,
		    &w)) {
		case AI_LIMIT_NEVER:
			*never = i;
			run(s->rollback);
			return AI_LIMIT_NEVER;
		case AI_LIMIT_WAIT:
			if (!reserve || l[i].kind == AI_LIMIT_QUOTA)
				r = AI_LIMIT_WAIT;
			if (l[i].kind == AI_LIMIT_QUOTA)
				quota = i;
			if (w > *wait_us) {
				*wait_us = w;
				*never = i;
			}
			break;
		}
	}
	if (reserve && r == AI_LIMIT_WAIT)
		*never = quota;		/* only a quota waits a reservation */
	for (i = 0; r == AI_LIMIT_OK && i < n; i++) {
		ai_bucket_take(&b[i], &l[i], d[i].amount);
		if (put_bucket(s, key, d[i].name, &b[i], &l[i]) == -1)
			return fail(s, err);
	}
	if (run(r == AI_LIMIT_OK ? s->commit : s->rollback) != SQLITE_OK)
		return fail(s, err);
	return r;
}

/* Gives each draw's amount back (or takes it, when negative). */
static int
local_give(struct ai_limitstore *s, const char *key, const struct ai_draw *d,
    int n, int64_t now_us, char *err)
{
	struct ai_bucket b;
	struct ai_limit l;
	int i;

	if (run(s->begin) != SQLITE_OK)
		return fail(s, err);
	for (i = 0; i < n; i++) {
		l = d[i].limit;
		if (get_bucket(s, key, d[i].name, &b, &l) == -1)
			return fail(s, err);
		if (l.per == 0)
			continue;	/* never drawn: nothing to give back */
		ai_bucket_give(&b, &l, d[i].amount, now_us);
		if (put_bucket(s, key, d[i].name, &b, &l) == -1)
			return fail(s, err);
	}
	return run(s->commit) == SQLITE_OK ?
	    0 : fail(s, err);
}

/* No take under key before until_us (a 429's Retry-After); the latest wins. */
static int
local_pause(struct ai_limitstore *s, const char *key, int64_t until_us,
    char *err)
{
	int rc;

	sqlite3_reset(s->put_pause);
	sqlite3_bind_text(s->put_pause, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s->put_pause, 2, until_us);
	rc = sqlite3_step(s->put_pause);
	sqlite3_reset(s->put_pause);
	return rc == SQLITE_DONE ? 0 : fail(s, err);
}

static int
local_levels(struct ai_limitstore *s, const char *key, struct ai_draw *d,
    int n, int64_t now_us, int64_t *levels, int64_t *paused_us, char *err)
{
	struct ai_bucket b;
	int i;

	if (get_pause(s, key, paused_us) == -1)
		return fail(s, err);
	for (i = 0; i < n; i++) {
		if (get_bucket(s, key, d[i].name, &b, &d[i].limit) == -1)
			return fail(s, err);
		levels[i] = ai_bucket_level(&b, &d[i].limit, now_us);
	}
	return 0;
}

/* The provider said key's limit name is per: the latest one counts. */
static int
local_learn(struct ai_limitstore *s, const char *key, const char *name,
    int64_t per, int64_t now_us, char *err)
{
	int rc;

	sqlite3_reset(s->put_learned);
	sqlite3_bind_text(s->put_learned, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(s->put_learned, 2, name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s->put_learned, 3, per);
	sqlite3_bind_int64(s->put_learned, 4, now_us);
	rc = sqlite3_step(s->put_learned);
	sqlite3_reset(s->put_learned);
	return rc == SQLITE_DONE ? 0 : fail(s, err);
}

static int
local_learned(struct ai_limitstore *s, const char *key, const char *name,
    int64_t *per, char *err)
{
	int rc;

	*per = 0;
	sqlite3_reset(s->get_learned);
	sqlite3_bind_text(s->get_learned, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(s->get_learned, 2, name, -1, SQLITE_STATIC);
	if ((rc = sqlite3_step(s->get_learned)) == SQLITE_ROW)
		*per = sqlite3_column_int64(s->get_learned, 0);
	sqlite3_reset(s->get_learned);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : fail(s, err);
}

/* Forgets key: its buckets full again, its pause over, nothing learned. */
static int
local_reset(struct ai_limitstore *s, const char *key, char *err)
{
	sqlite3_stmt *st;
	static const char *const sql[] = {
		"DELETE FROM buckets WHERE key = ?1",
		"DELETE FROM pauses WHERE key = ?1",
		"DELETE FROM learned WHERE key = ?1",
	};
	size_t i;
	int rc;

	for (i = 0; i < sizeof(sql) / sizeof(sql[0]); i++) {
		if (sqlite3_prepare_v2(s->db, sql[i], -1, &st, NULL) !=
		    SQLITE_OK)
			return fail(s, err);
		sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
		rc = sqlite3_step(st);
		sqlite3_finalize(st);
		if (rc != SQLITE_DONE)
			return fail(s, err);
	}
	return 0;
}

static void
local_close(struct ai_limitstore *s)
{
	sqlite3_finalize(s->get);
	sqlite3_finalize(s->put);
	sqlite3_finalize(s->get_pause);
	sqlite3_finalize(s->put_pause);
	sqlite3_finalize(s->get_learned);
	sqlite3_finalize(s->put_learned);
	sqlite3_finalize(s->begin);
	sqlite3_finalize(s->commit);
	sqlite3_finalize(s->rollback);
	sqlite3_close(s->db);
	free(s);
}

static const struct limitstore_ops local_ops = {
	local_take, local_give, local_pause, local_levels, local_learn,
	local_learned, local_reset, local_close,
};

static int
prepare(struct ai_limitstore *s)
{
	return sqlite3_prepare_v2(s->db, "SELECT level, updated, kind, per,"
	    " burst FROM buckets WHERE key = ?1 AND name = ?2", -1, &s->get,
	    NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(s->db, "INSERT OR REPLACE INTO buckets"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)", -1, &s->put, NULL) !=
	    SQLITE_OK ||
	    sqlite3_prepare_v2(s->db, "SELECT until_us FROM pauses"
	    " WHERE key = ?1", -1, &s->get_pause, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(s->db, "INSERT INTO pauses VALUES (?1, ?2)"
	    " ON CONFLICT (key) DO UPDATE SET until_us ="
	    " max(until_us, excluded.until_us)", -1, &s->put_pause,
	    NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(s->db, "SELECT per FROM learned"
	    " WHERE key = ?1 AND name = ?2", -1, &s->get_learned, NULL) !=
	    SQLITE_OK ||
	    sqlite3_prepare_v2(s->db, "INSERT OR REPLACE INTO learned"
	    " VALUES (?1, ?2, ?3, ?4)", -1, &s->put_learned, NULL) !=
	    SQLITE_OK ||
	    sqlite3_prepare_v2(s->db, "BEGIN IMMEDIATE", -1, &s->begin,
	    NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(s->db, "COMMIT", -1, &s->commit, NULL) !=
	    SQLITE_OK ||
	    sqlite3_prepare_v2(s->db, "ROLLBACK", -1, &s->rollback, NULL) !=
	    SQLITE_OK ? -1 : 0;
}

/* $AILIMIT_STATE, or limits.db in the XDG state directory. */
char *
ai_limitstore_default_path(void)
{
	return ai_db_default_path("AILIMIT_STATE", "XDG_STATE_HOME",
	    ".local/state", "aitools/limits.db");
}

/*
 * Opens the state at path, a file made private if it is new; NULL: a
 * state of this process alone, in memory.
 */
struct ai_limitstore *
ai_limitstore_open(const char *path, char *err)
{
	struct ai_limitstore *s;

	if ((s = calloc(1, sizeof(*s))) == NULL) {
		snprintf(err, AI_ERRLEN, "out of memory");
		return NULL;
	}
	s->ops = &local_ops;
	if (path == NULL)
		path = ":memory:";
	else if (ai_db_create_private(path, err) == -1) {
		free(s);
		return NULL;
	}
	if (ai_db_open(path, 0, &s->db) != SQLITE_OK ||
	    ai_db_share(s->db) != SQLITE_OK ||
	    sqlite3_exec(s->db, schema, NULL, NULL, NULL) != SQLITE_OK ||
	    prepare(s) == -1) {
		snprintf(err, AI_ERRLEN, "%s: %s", path, sqlite3_errmsg(s->db));
		local_close(s);
		return NULL;
	}
	return s;
}

/*
 * Takes every draw under key, all or none: AI_LIMIT_OK when taken,
 * AI_LIMIT_WAIT with *wait_us until they might all fit and *which the
 * draw that waits longest (-1: a pause), AI_LIMIT_NEVER with *which the
 * draw that never fits, or -1 on error.
 */
int
ai_limitstore_take(struct ai_limitstore *s, const char *key,
    const struct ai_draw *d, int n, int64_t now_us, int64_t *wait_us,
    int *which, char *err)
{
	if (n < 0 || n > AI_MAX_DRAWS) {
		snprintf(err, AI_ERRLEN, "more than %d limits", AI_MAX_DRAWS);
		return -1;
	}
	return s->ops->take(s, key, d, n, 0, now_us, wait_us, which, err);
}

/*
 * As ai_limitstore_take, but a draw that would wait for a rate is taken
 * now, due in *wait_us: AI_LIMIT_OK; AI_LIMIT_WAIT only for a day's
 * quota (*which); AI_LIMIT_NEVER as for a take.  What is reserved and
 * then not used is given back, as a lease is.
 */
int
ai_limitstore_reserve(struct ai_limitstore *s, const char *key,
    const struct ai_draw *d, int n, int64_t now_us, int64_t *wait_us,
    int *which, char *err)
{
	if (n < 0 || n > AI_MAX_DRAWS) {
		snprintf(err, AI_ERRLEN, "more than %d limits", AI_MAX_DRAWS);
		return -1;
	}
	return s->ops->take(s, key, d, n, 1, now_us, wait_us, which, err);
}

int
ai_limitstore_give(struct ai_limitstore *s, const char *key,
    const struct ai_draw *d, int n, int64_t now_us, char *err)
{
	return s->ops->give(s, key, d, n, now_us, err);
}

int
ai_limitstore_pause(struct ai_limitstore *s, const char *key,
    int64_t until_us, char *err)
{
	return s->ops->pause(s, key, until_us, err);
}

/*
 * What each bucket holds now, and the pause, taking nothing.  A draw
 * whose limit's per is 0 gets the limit the bucket was last drawn with
 * (still 0: never drawn).
 */
int
ai_limitstore_levels(struct ai_limitstore *s, const char *key,
    struct ai_draw *d, int n, int64_t now_us, int64_t *levels,
    int64_t *paused_us, char *err)
{
	return s->ops->levels(s, key, d, n, now_us, levels, paused_us, err);
}

/* Keeps the limit name of key as its provider said it is, per a minute. */
int
ai_limitstore_learn(struct ai_limitstore *s, const char *key,
    const char *name, int64_t per, int64_t now_us, char *err)
{
	return s->ops->learn(s, key, name, per, now_us, err);
}

/* The limit name of key its provider said, into *per; 0 when none. */
int
ai_limitstore_learned(struct ai_limitstore *s, const char *key,
    const char *name, int64_t *per, char *err)
{
	return s->ops->learned(s, key, name, per, err);
}

int
ai_limitstore_reset(struct ai_limitstore *s, const char *key, char *err)
{
	return s->ops->reset(s, key, err);
}

void
ai_limitstore_close(struct ai_limitstore *s)
{
	if (s != NULL)
		s->ops->close(s);
}
