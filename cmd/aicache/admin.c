/*
 * admin.c: the commands that look after the cache rather than stand in a
 * pipeline: key, stats, purge, export and import.
 */
#include <sys/stat.h>

#include <err.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "aicache.h"

#define IMPORT_BATCH	1000

static struct ai_cache *
open_or_die(const struct opts *o, int mode)
{
	struct ai_cache *c;
	char err[AI_ERRLEN];

	if ((c = ai_cache_open(o->path, mode, err)) == NULL)
		errx(1, "%s", err);
	return c;
}

static void
close_or_die(struct ai_cache *c)
{
	char err[AI_ERRLEN];

	if (ai_cache_close(c, err) == -1)
		errx(1, "%s", err);
}

static sqlite3_stmt *
prepare(struct ai_cache *c, const char *q)
{
	sqlite3_stmt *st;

	if (sqlite3_prepare_v2(ai_cache_db(c), q, -1, &st, NULL) != SQLITE_OK)
		errx(1, "%s: %s", ai_cache_path(c),
		    sqlite3_errmsg(ai_cache_db(c)));
	return st;
}

static void
step_done(struct ai_cache *c, sqlite3_stmt *st)
{
	if (sqlite3_step(st) != SQLITE_DONE)
		errx(1, "%s: %s", ai_cache_path(c),
		    sqlite3_errmsg(ai_cache_db(c)));
}

/* --- key: each record's key, and with --canonical what it digests. */

static int
key_one(void *arg, struct rec *r, struct ai_buf *out)
{
	const struct opts *o = arg;
	char hex[AI_KEYHEX];
	size_t i;
	int rc;

	if (!r->keyed || r->answered)
		rc = ai_buf_printf(out, "-\tline %ld: %s\n", r->lineno,
		    r->answered ? "already answered" : r->why);
	else {
		ai_cache_key_hex(r->key, hex);
		rc = ai_buf_puts(out, hex);
		if (rc == 0 && o->canonical) {
			rc = ai_buf_puts(out, "\t");
			for (i = 0; rc == 0 && i < r->canon->len; i++)
				rc = ai_buf_append(out, r->canon->data[i] ==
				    '\n' ? "\t" : &r->canon->data[i], 1);
		}
		if (rc == 0)
			rc = ai_buf_puts(out, "\n");
	}
	if (rc == -1)
		errx(1, "out of memory");
	return 0;
}

int
cmd_key(const struct opts *o)
{
	struct stage s = { NULL, key_one, NULL, (void *)o, 1 };

	return run_stage(o, &s) == -1 ? 1 : 0;
}

/* --- stats */

static void
human(int64_t n, char *buf, size_t size)
{
	if (n < 1024)
		snprintf(buf, size, "%lld B", (long long)n);
	else if (n < 1024 * 1024)
		snprintf(buf, size, "%.1f KiB", n / 1024.0);
	else if (n < 1024LL * 1024 * 1024)
		snprintf(buf, size, "%.1f MiB", n / 1048576.0);
	else
		snprintf(buf, size, "%.1f GiB", n / 1073741824.0);
}

/* The database file and its write-ahead log, as they sit on disk. */
static int64_t
disk_size(const char *path)
{
	char wal[4096];
	struct stat sb;
	int64_t n = 0;

	if (stat(path, &sb) == 0)
		n += sb.st_size;
	snprintf(wal, sizeof(wal), "%s-wal", path);
	if (stat(wal, &sb) == 0)
		n += sb.st_size;
	return n;
}

/*
 * What the hits saved in dollars, as SQL: the columns exist in caches
 * made or written by version 2; older ones show no dollars.
 */
static const char *
saved_sql(struct ai_cache *c)
{
	return ai_db_has_column(ai_cache_db(c), "savings", "saved_pico",
	    strlen("saved_pico")) == 1 ?
	    "sum(saved_micro), sum(saved_pico), sum(unpriced_hits)" :
	    "0, 0, sum(hits)";
}

/* Dollars from the sums of saved_micro and saved_pico, columns i, i+1. */
static void
dollars(sqlite3_stmt *st, int i, char *out, size_t size)
{
	struct ai_money m = { sqlite3_column_int64(st, i), 0 };

	ai_money_add(&m, sqlite3_column_int64(st, i + 1));
	ai_money_format(&m, 6, out, size);
}

/* The hits and what they saved of each model, most hits first. */
static void
by_model(struct ai_cache *c, const struct opts *o)
{
	sqlite3_stmt *st;
	char sql[512], usd[32];

	snprintf(sql, sizeof(sql), "SELECT model, sum(hits),"
	    " sum(input_tokens_saved), sum(output_tokens_saved), %s"
	    " FROM savings WHERE (?1 IS NULL OR ns = ?1) GROUP BY model"
	    " HAVING sum(hits) > 0 ORDER BY sum(hits) DESC, model",
	    saved_sql(c));
	st = prepare(c, sql);
	if (o->given_ns)
		sqlite3_bind_text(st, 1, o->ns, -1, SQLITE_STATIC);
	while (sqlite3_step(st) == SQLITE_ROW) {
		int64_t hits = sqlite3_column_int64(st, 1);
		int64_t unpriced = sqlite3_column_int64(st, 6);

		dollars(st, 4, usd, sizeof(usd));
		printf("  %-26s %lld hits, %lld in, %lld out, ",
		    (const char *)sqlite3_column_text(st, 0), (long long)hits,
		    (long long)sqlite3_column_int64(st, 2),
		    (long long)sqlite3_column_int64(st, 3));
		if (unpriced == hits)
			printf("unpriced\n");
		else if (unpriced > 0)
			printf("$%s, and %lld hits unpriced\n", usd,
			    (long long)unpriced);
		else
			printf("$%s\n", usd);
	}
	sqlite3_finalize(st);
}

int
cmd_stats(const struct opts *o)
{
	struct ai_cache *c = open_or_die(o, AI_CACHE_READ);
	sqlite3_stmt *st;
	int64_t entries, bytes, lookups = 0, hits = 0, tin = 0, tout = 0;
	int64_t unpriced = 0;
	char b1[32], b2[32], sql[512], usd[32] = "0.000000";

	st = prepare(c, "SELECT count(*), coalesce(sum(length(CAST(response AS BLOB))), 0)"
	    " FROM entries WHERE ?1 IS NULL OR ns = ?1");
	if (o->given_ns)	/* else NULL: every namespace */
		sqlite3_bind_text(st, 1, o->ns, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_ROW)
		errx(1, "%s: %s", o->path, sqlite3_errmsg(ai_cache_db(c)));
	entries = sqlite3_column_int64(st, 0);
	bytes = sqlite3_column_int64(st, 1);
	sqlite3_finalize(st);
	snprintf(sql, sizeof(sql), "SELECT coalesce(sum(lookups), 0),"
	    " coalesce(sum(hits), 0), coalesce(sum(input_tokens_saved), 0),"
	    " coalesce(sum(output_tokens_saved), 0), %s FROM savings"
	    " WHERE ?1 IS NULL OR ns = ?1", saved_sql(c));
	st = prepare(c, sql);
	if (o->given_ns)
		sqlite3_bind_text(st, 1, o->ns, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW) {
		lookups = sqlite3_column_int64(st, 0);
		hits = sqlite3_column_int64(st, 1);
		tin = sqlite3_column_int64(st, 2);
		tout = sqlite3_column_int64(st, 3);
		dollars(st, 4, usd, sizeof(usd));
		unpriced = sqlite3_column_int64(st, 6);
	}
	sqlite3_finalize(st);
	human(disk_size(o->path), b1, sizeof(b1));
	human(bytes, b2, sizeof(b2));
	printf("cache         %s%s%s%s\n", o->path, o->given_ns ?
	    ", namespace \"" : "", o->ns, o->given_ns ? "\"" : "");
	printf("size on disk  %s\n", b1);
	printf("entries       %lld (%s of answers)\n", (long long)entries, b2);
	printf("lookups       %lld\n", (long long)lookups);
	printf("hits          %lld (%.1f%%)\n", (long long)hits,
	    lookups > 0 ? 100.0 * (double)hits / (double)lookups : 0.0);
	printf("tokens saved  %lld in, %lld out\n", (long long)tin,
	    (long long)tout);
	if (unpriced > 0)
		printf("dollars saved $%s, and %lld hits of unpriced models\n",
		    usd, (long long)unpriced);
	else
		printf("dollars saved $%s\n", usd);
	by_model(c, o);
	close_or_die(c);
	return fflush(stdout) == EOF || ferror(stdout) ? 1 : 0;
}

/* --- purge */

int
cmd_purge(const struct opts *o)
{
	struct ai_cache *c;
	sqlite3_stmt *st;
	int64_t now = ai_now_ms();
	char err[AI_ERRLEN];

	if (!o->all && !o->expired && o->older_ms == 0 &&
	    o->purge_model == NULL && !o->given_ns) {
		warnx("purge needs --all or a filter: --expired, --model, "
		    "--namespace or --older-than");
		return 2;
	}
	c = open_or_die(o, AI_CACHE_WRITE);
	st = prepare(c, "DELETE FROM entries WHERE (?1 IS NULL OR ns = ?1)"
	    " AND (?2 IS NULL OR created < ?2) AND (?3 IS NULL OR model = ?3)"
	    " AND (?4 IS NULL OR (expires IS NOT NULL AND expires <= ?4))");
	if (o->given_ns)
		sqlite3_bind_text(st, 1, o->ns, -1, SQLITE_STATIC);
	if (o->older_ms > 0)
		sqlite3_bind_int64(st, 2, now - o->older_ms);
	if (o->purge_model != NULL)
		sqlite3_bind_text(st, 3, o->purge_model, -1, SQLITE_STATIC);
	if (o->expired)
		sqlite3_bind_int64(st, 4, now);
	if (ai_cache_begin(c, err) == -1)
		errx(1, "%s", err);
	step_done(c, st);
	if (ai_cache_recount(c, err) == -1 || ai_cache_commit(c, err) == -1)
		errx(1, "%s", err);
	sqlite3_finalize(st);
	close_or_die(c);
	return 0;
}

/* --- export and import: entries as JSON lines, one an entry */

static void
export_row(sqlite3_stmt *st, struct ai_buf *b)
{
	char hex[AI_KEYHEX];
	const void *key = sqlite3_column_blob(st, 1);

	if (key == NULL || sqlite3_column_bytes(st, 1) != AI_KEYLEN)
		return;
	ai_cache_key_hex(key, hex);
	ai_buf_reset(b);
	if (ai_buf_puts(b, "{\"v\":1,\"namespace\":") == -1 ||
	    ai_buf_jstr(b, (const char *)sqlite3_column_text(st, 0)) == -1 ||
	    ai_buf_printf(b, ",\"key\":\"%s\",\"provider\":", hex) == -1 ||
	    ai_buf_jstr(b, sqlite3_column_type(st, 2) == SQLITE_NULL ? "" :
	    (const char *)sqlite3_column_text(st, 2)) == -1 ||
	    ai_buf_puts(b, ",\"model\":") == -1 ||
	    ai_buf_jstr(b, sqlite3_column_type(st, 3) == SQLITE_NULL ? "" :
	    (const char *)sqlite3_column_text(st, 3)) == -1 ||
	    ai_buf_printf(b, ",\"created_ms\":%lld,\"expires_ms\":%lld,"
	    "\"used_ms\":%lld,\"hits\":%lld,\"response\":",
	    (long long)sqlite3_column_int64(st, 4),
	    (long long)sqlite3_column_int64(st, 5),
	    (long long)sqlite3_column_int64(st, 6),
	    (long long)sqlite3_column_int64(st, 7)) == -1 ||
	    ai_buf_append(b, sqlite3_column_text(st, 8),
	    (size_t)sqlite3_column_bytes(st, 8)) == -1 ||
	    ai_buf_puts(b, "}\n") == -1)
		errx(1, "out of memory");
	if (ai_write_all(STDOUT_FILENO, b->data, b->len) == -1)
		err(1, "write error");
}

int
cmd_export(const struct opts *o)
{
	struct ai_cache *c = open_or_die(o, AI_CACHE_READ);
	struct ai_buf b = { 0 };
	sqlite3_stmt *st;
	int rc;

	st = prepare(c, "SELECT ns, key, provider, model, created,"
	    " coalesce(expires, 0), used, hits, response FROM entries"
	    " WHERE ?1 IS NULL OR ns = ?1 ORDER BY id");
	if (o->given_ns)
		sqlite3_bind_text(st, 1, o->ns, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		export_row(st, &b);
	if (rc != SQLITE_DONE)
		errx(1, "%s: %s", o->path, sqlite3_errmsg(ai_cache_db(c)));
	sqlite3_finalize(st);
	ai_buf_free(&b);
	close_or_die(c);
	return 0;
}

static int
hexdigit(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

static int
unhex(const char *s, unsigned char key[AI_KEYLEN])
{
	int i, hi, lo;

	if (s == NULL || strlen(s) != 2 * AI_KEYLEN)
		return -1;
	for (i = 0; i < AI_KEYLEN; i++) {
		if ((hi = hexdigit(s[2 * i])) == -1 ||
		    (lo = hexdigit(s[2 * i + 1])) == -1)
			return -1;
		key[i] = (unsigned char)(hi << 4 | lo);
	}
	return 0;
}

static int64_t
int_of(const json_t *o, const char *k)
{
	return json_integer_value(json_object_get(o, k));
}

/* One exported entry into e; -1 when the line is not one. */
static int
import_entry(const json_t *j, struct ai_cache_entry *e, struct ai_buf *b)
{
	const json_t *resp = json_object_get(j, "response");

	memset(e, 0, sizeof(*e));
	if (!json_is_object(j) || !storable(resp) ||
	    unhex(json_string_value(json_object_get(j, "key")), e->key) == -1 ||
	    !json_is_string(json_object_get(j, "namespace")))
		return -1;
	e->ns = json_string_value(json_object_get(j, "namespace"));
	e->provider = json_string_value(json_object_get(j, "provider"));
	e->model = json_string_value(json_object_get(j, "model"));
	e->created_ms = int_of(j, "created_ms");
	e->expires_ms = int_of(j, "expires_ms");
	e->used_ms = int_of(j, "used_ms");
	ai_usage_from_openai(json_object_get(json_object_get(resp, "body"),
	    "usage"), &e->usage);
	ai_buf_reset(b);
	if (ai_buf_json(b, resp) == -1)
		errx(1, "out of memory");
	e->response = b->data;
	e->response_len = b->len;
	return 0;
}

int
cmd_import(const struct opts *o)
{
	struct ai_cache *c = open_or_die(o, AI_CACHE_CREATE);
	struct ai_cache_entry e;
	struct ai_lines in;
	struct ai_buf b = { 0 };
	char *line, msg[AI_ERRLEN];
	size_t len;
	long n = 0, bad = 0;
	int got, cut;
	json_t *j;

	ai_lines_init(&in, STDIN_FILENO, AI_MAX_LINE);
	if (ai_cache_begin(c, msg) == -1)
		errx(1, "%s", msg);
	while ((got = ai_lines_next(&in, &line, &len, &cut)) != -1) {
		if (got == 0) {
			if (ai_lines_fill(&in) == -1)
				err(1, "stdin");
			continue;
		}
		if (!cut && len == strspn(line, " \t\r"))
			continue;		/* a blank line */
		j = cut ? NULL : json_loadb(line, len, 0, NULL);
		if (import_entry(j, &e, &b) == -1) {
			warnx("<stdin>:%ld: not an exported cache entry",
			    in.lineno);
			bad++;
		} else if (ai_cache_put(c, &e, msg) == -1)
			errx(1, "%s", msg);
		json_decref(j);
		if (++n % IMPORT_BATCH == 0 && (ai_cache_commit(c, msg) == -1 ||
		    ai_cache_begin(c, msg) == -1))
			errx(1, "%s", msg);
	}
	if (ai_cache_commit(c, msg) == -1)
		errx(1, "%s", msg);
	ai_lines_free(&in);
	ai_buf_free(&b);
	close_or_die(c);
	if (bad > 0)
		warnx("imported %ld entr%s; %ld line%s skipped", n - bad,
		    n - bad == 1 ? "y" : "ies", bad, bad == 1 ? "" : "s");
	return bad > 0 ? 1 : 0;
}
