/*
 * fromlog.c: calls from the usage log that aiq(1) and aicache(1) write.
 * The time range, model and service are filtered by SQLite, on the index
 * of the time; the log holds each call once, so it needs no dedup.
 */
#include <err.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#include "aiusage.h"

/* A column added by version 2 or 3 of the log, or NULL in an older log. */
static const char *
column(sqlite3 *db, const char *name)
{
	return ai_db_has_column(db, "calls", name, strlen(name)) == 1 ? name :
	    "NULL";
}

static const char *
col_text(sqlite3_stmt *st, int i)
{
	return (const char *)sqlite3_column_text(st, i);
}

static void
read_row(sqlite3_stmt *st, struct call *c)
{
	const char *tier = col_text(st, 12);

	memset(c, 0, sizeof(*c));
	c->ts_ms = sqlite3_column_int64(st, 0);
	c->provider = col_text(st, 1);
	c->model = col_text(st, 2);
	c->service = col_text(st, 3);
	c->status = col_text(st, 4);
	c->usage.input = sqlite3_column_int64(st, 5);
	c->usage.output = sqlite3_column_int64(st, 6);
	c->usage.cached = sqlite3_column_int64(st, 7);
	c->usage.cache_write = sqlite3_column_int64(st, 8);
	c->usage.cache_write_1h = sqlite3_column_int64(st, 9);
	c->usage.reasoning = sqlite3_column_int64(st, 10);
	c->latency_ms = sqlite3_column_type(st, 11) == SQLITE_NULL ? -1 :
	    sqlite3_column_int64(st, 11);
	if ((c->tier = ai_tier_find(tier)) < 0)
		c->tier = AI_TIER_STANDARD;
	c->field = col_text(st, 13);
	c->no_usage = sqlite3_column_type(st, 5) == SQLITE_NULL &&
	    c->status != NULL && strcmp(c->status, "ok") == 0;
	c->hit = c->status != NULL && strcmp(c->status, "cache_hit") == 0;
	if (c->hit)
		c->latency_ms = -1;	/* not a call's latency */
}

int
from_log(struct tally *t, const char *path)
{
	const struct opts *o = t->o;
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	struct call c;
	char sql[1024], tag_path[80];
	int rc;

	if (o->tag != NULL)
		snprintf(tag_path, sizeof(tag_path), "$.\"%s\"", o->tag);
	if (ai_db_open(path, 1, &db) != SQLITE_OK)
		goto fail;
	/* A tag's true and false read as in records, not as 1 and 0. */
	snprintf(sql, sizeof(sql), "SELECT ts, provider, model, service,"
	    " status, input_tokens, output_tokens, cached_tokens,"
	    " cache_write_tokens, %s, reasoning_tokens, latency_ms, %s, %s"
	    " FROM calls WHERE ts >= ?1 AND (?2 = 0 OR ts < ?2)"
	    " AND (?3 IS NULL OR model = ?3) AND (?4 IS NULL OR service = ?4)",
	    column(db, "cache_write_1h_tokens"), column(db, "service_tier"),
	    o->tag != NULL && ai_db_has_column(db, "calls", "tags", 4) == 1 ?
	    "CASE json_type(tags, ?5) WHEN 'true' THEN 'true'"
	    " WHEN 'false' THEN 'false' ELSE json_extract(tags, ?5) END" :
	    "NULL");
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		goto fail;
	sqlite3_bind_int64(st, 1, o->since_ms);
	sqlite3_bind_int64(st, 2, o->until_ms);
	if (o->model != NULL)
		sqlite3_bind_text(st, 3, o->model, -1, SQLITE_STATIC);
	if (o->service != NULL)
		sqlite3_bind_text(st, 4, o->service, -1, SQLITE_STATIC);
	if (sqlite3_bind_parameter_count(st) == 5)	/* a tag, in a v3 log */
		sqlite3_bind_text(st, 5, tag_path, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		read_row(st, &c);
		if (o->batch_tier)
			c.tier = AI_TIER_BATCH;
		tally_add(t, &c);
	}
	if (rc != SQLITE_DONE)
		goto fail;
	sqlite3_finalize(st);
	sqlite3_close(db);
	return 0;
fail:
	warnx("%s: %s", path, db != NULL ? sqlite3_errmsg(db) :
	    "out of memory");
	sqlite3_finalize(st);
	sqlite3_close(db);
	return -1;
}
