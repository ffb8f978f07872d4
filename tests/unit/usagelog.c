/*
 * usagelog.c: the SQLite usage log (lib/usagelog.c), read back through a
 * second connection as another process would see it.
 */
#include <sys/stat.h>

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "aitools.h"
#include "tap.h"

static char dir[] = "/tmp/aitools-usagelog.XXXXXX";
static char path[128];
static sqlite3 *db;		/* the reading connection */

/* The first column of the first row of sql as text, or "(null)". */
static const char *
query(const char *sql)
{
	static char s[512];
	sqlite3_stmt *st;
	const unsigned char *t;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
		snprintf(s, sizeof(s), "error: %s", sqlite3_errmsg(db));
		return s;
	}
	if (sqlite3_step(st) != SQLITE_ROW)
		snprintf(s, sizeof(s), "(no row)");
	else if ((t = sqlite3_column_text(st, 0)) == NULL)
		snprintf(s, sizeof(s), "(null)");
	else
		snprintf(s, sizeof(s), "%s", t);
	sqlite3_finalize(st);
	return s;
}

static int
mode_of(const char *p)
{
	struct stat sb;

	return stat(p, &sb) == -1 ? -1 : (int)(sb.st_mode & 07777);
}

static void
test_open(void)
{
	char p[160], err[AI_ERRLEN] = "";
	struct ai_usagelog *l;

	snprintf(path, sizeof(path), "%s/state/aitools/usage.db", dir);
	if ((l = ai_usagelog_open(path, err)) == NULL) {
		ok(0, "open %s: %s", path, err);
		exit(done());
	}
	is_int(mode_of(path), 0600, "the log file is created 0600");
	snprintf(p, sizeof(p), "%s/state", dir);
	is_int(mode_of(p), 0700, "missing parents are created 0700");
	snprintf(p, sizeof(p), "%s/state/aitools", dir);
	is_int(mode_of(p), 0700, "all of them");
	is_int(ai_usagelog_close(l, err), 0, "close of an empty log");
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL) !=
	    SQLITE_OK)
		abort();
	is_str(query("PRAGMA journal_mode"), "wal", "WAL journal");
	is_str(query("PRAGMA user_version"), "3", "user_version 3");
	is_str(query("SELECT count(*) FROM calls"), "0", "no rows yet");
}

static void
test_rows(void)
{
	char err[AI_ERRLEN] = "", model[] = "gpt-x", p[160];
	struct ai_logrow r = {
		.ts_ms = 1763890500123LL, .provider = "openai", .model = model,
		.service = "svc", .status = "ok", .http_status = 200,
		.usage = { 10, 5, 2, 3, 2, 1 }, .tier = "flex",
		.tags = "{\"team\":\"search\"}", .latency_ms = 345, .attempts = 2,
		.trace_id = "0123456789abcdef0123456789abcdef",
		.request_id = "req_1", .custom_id = "c1", .prompt = "hi",
		.response = "hello",
	};
	struct ai_logrow bare = { .ts_ms = 5, .status = "rate_limited" };
	struct ai_usagelog *l;

	if ((l = ai_usagelog_open(path, err)) == NULL)
		abort();
	is_int(ai_usagelog_add(l, &r, err), 0, "add a full row");
	strcpy(model, "XXXXX");		/* the log keeps its own copy */
	is_int(ai_usagelog_add(l, &bare, err), 0, "add a bare row");
	is_int(ai_usagelog_tick(l, err), 0, "tick at once");
	is_str(query("SELECT count(*) FROM calls"), "0",
	    "rows are buffered, not written per call");
	is_int(ai_usagelog_flush(l, err), 0, "flush");
	is_str(query("SELECT count(*) FROM calls"), "2", "both rows written");
	is_str(query("SELECT ts || '|' || provider || '|' || model || '|' ||"
	    " service || '|' || status || '|' || http_status || '|' ||"
	    " input_tokens || '|' || output_tokens || '|' || cached_tokens ||"
	    " '|' || cache_write_tokens || '|' || reasoning_tokens || '|' ||"
	    " latency_ms || '|' || attempts || '|' || trace_id || '|' ||"
	    " request_id || '|' || custom_id || '|' || prompt || '|' ||"
	    " response || '|' || cache_write_1h_tokens || '|' || service_tier"
	    " || '|' || tags FROM calls ORDER BY id LIMIT 1"),
	    "1763890500123|openai|gpt-x|svc|ok|200|10|5|2|3|1|345|2|"
	    "0123456789abcdef0123456789abcdef|req_1|c1|hi|hello|2|flex|"
	    "{\"team\":\"search\"}",
	    "every column of the full row");
	is_str(query("SELECT ts || '|' || status || '|' ||"
	    " quote(provider) || quote(model) || quote(service) ||"
	    " quote(http_status) || quote(trace_id) || quote(request_id) ||"
	    " quote(custom_id) || quote(prompt) || quote(response) ||"
	    " quote(service_tier) || quote(tags) || '|' ||"
	    " input_tokens || attempts FROM calls WHERE id = 2"),
	    "5|rate_limited|NULLNULLNULLNULLNULLNULLNULLNULLNULLNULLNULL|00",
	    "NULL strings and status 0 are stored as NULL");
	is_int(ai_usagelog_flush(l, err), 0, "flush of nothing");
	snprintf(p, sizeof(p), "%s-wal", path);
	ok(access(p, F_OK) == -1 || mode_of(p) == 0600, "-wal file is 0600");
	snprintf(p, sizeof(p), "%s-shm", path);
	ok(access(p, F_OK) == -1 || mode_of(p) == 0600, "-shm file is 0600");
	is_int(ai_usagelog_close(l, err), 0, "close");
}

static void
test_batches(void)
{
	char err[AI_ERRLEN] = "";
	struct ai_logrow r = { .status = "ok", .model = "m" };
	struct ai_usagelog *l;
	int i, bad = 0;

	if ((l = ai_usagelog_open(path, err)) == NULL)
		abort();
	for (i = 0; i < 300; i++) {
		r.ts_ms = 1000 + i;
		if (ai_usagelog_add(l, &r, err) == -1)
			bad++;
	}
	is_int(bad, 0, "300 rows added");
	is_str(query("SELECT count(*) FROM calls"
	    " WHERE ts BETWEEN 1000 AND 1299"), "256",
	    "a full batch of 256 is written on the next add");
	is_int(ai_usagelog_close(l, err), 0, "close flushes the rest");
	is_str(query("SELECT count(*) || ' ' || min(ts) || ' ' || max(ts)"
	    " FROM calls WHERE ts BETWEEN 1000 AND 1299"), "300 1000 1299",
	    "all 300 rows");
	is_int(ai_usagelog_close(NULL, err), 0, "close(NULL) is harmless");
}

/* A log made by version 1 gains the columns of versions 2 and 3. */
static void
test_upgrade(void)
{
	char err[AI_ERRLEN] = "", p[160];
	struct ai_logrow r = { .status = "ok", .usage = { .cache_write = 5,
	    .cache_write_1h = 4 }, .tags = "{}" };
	struct ai_usagelog *l;
	sqlite3 *old;

	snprintf(p, sizeof(p), "%s/v1.db", dir);
	if (sqlite3_open(p, &old) != SQLITE_OK || sqlite3_exec(old,
	    "CREATE TABLE calls (id INTEGER PRIMARY KEY, ts INTEGER NOT NULL,"
	    " provider TEXT, model TEXT, service TEXT, status TEXT NOT NULL,"
	    " http_status INTEGER, input_tokens INTEGER, output_tokens INTEGER,"
	    " cached_tokens INTEGER, cache_write_tokens INTEGER,"
	    " reasoning_tokens INTEGER, latency_ms INTEGER, attempts INTEGER,"
	    " trace_id TEXT, request_id TEXT, custom_id TEXT, prompt TEXT,"
	    " response TEXT); INSERT INTO calls (ts, status) VALUES (1, 'ok');"
	    " PRAGMA user_version=1", NULL, NULL, NULL) != SQLITE_OK)
		abort();
	l = ai_usagelog_open(p, err);
	ok(l != NULL, "a version 1 log opens: %s", err);
	if (l == NULL)
		return;
	ai_usagelog_add(l, &r, err);
	is_int(ai_usagelog_close(l, err), 0, "and takes a version 3 row");
	sqlite3_close(old);
	if (sqlite3_open(p, &old) != SQLITE_OK)
		abort();
	{
		sqlite3 *keep = db;

		db = old;
		is_str(query("SELECT group_concat(quote(cache_write_1h_tokens)"
		    " || quote(tags)) || ' ' ||"
		    " (SELECT user_version FROM pragma_user_version) FROM calls"),
		    "NULLNULL,4'{}' 3", "old rows NULL, new rows kept");
		db = keep;
	}
	sqlite3_close(old);
}

static void
test_errors(void)
{
	char err[AI_ERRLEN] = "", p[160], want[AI_ERRLEN + 64];
	struct ai_logrow r = { .status = "ok" };
	struct ai_usagelog *l;

	if ((l = ai_usagelog_open(path, err)) == NULL)
		abort();
	ai_usagelog_add(l, &r, err);
	sqlite3_exec(db, "DROP TABLE calls", NULL, NULL, NULL);
	is_int(ai_usagelog_flush(l, err), -1, "flush into a dropped table");
	snprintf(want, sizeof(want), "%s: no such table: calls", path);
	is_str(err, want, "  error names the log");
	is_int(ai_usagelog_lost(l), 1, "  the row is counted as lost");
	is_int(ai_usagelog_flush(l, err), 0, "failed rows are dropped");
	for (int i = 0; i < 300; i++)
		ai_usagelog_add(l, &r, err);
	ai_usagelog_flush(l, err);
	is_int(ai_usagelog_lost(l), 301, "  and every later row lost, counted"
	    " (not only the first batch)");
	is_int(ai_usagelog_close(l, err), 0, "close after a failed flush");

	snprintf(p, sizeof(p), "%s/usage.db/usage.db", path);
	snprintf(want, sizeof(want), "%s: Not a directory", p);
	err[0] = '\0';
	ok(ai_usagelog_open(p, err) == NULL, "open below a file fails");
	is_str(err, want, "  error names the path");
}

static void
path_is(const char *log, const char *xdg, const char *home, const char *want)
{
	char *p;

	if (log != NULL)
		setenv("AIQ_USAGE_LOG", log, 1);
	else
		unsetenv("AIQ_USAGE_LOG");
	if (xdg != NULL)
		setenv("XDG_STATE_HOME", xdg, 1);
	else
		unsetenv("XDG_STATE_HOME");
	if (home != NULL)
		setenv("HOME", home, 1);
	else
		unsetenv("HOME");
	p = ai_usagelog_default_path();
	is_str(p, want, "default path: AIQ_USAGE_LOG=%s XDG_STATE_HOME=%s "
	    "HOME=%s", log ? log : "unset", xdg ? xdg : "unset",
	    home ? home : "unset");
	free(p);
}

static void
test_default_path(void)
{
	path_is("/x/u.db", "/s", "/h", "/x/u.db");
	path_is("", "/s", "/h", "/s/aitools/usage.db");
	path_is(NULL, "/s", "/h", "/s/aitools/usage.db");
	path_is(NULL, "relative", "/h", "/h/.local/state/aitools/usage.db");
	path_is(NULL, NULL, "/h", "/h/.local/state/aitools/usage.db");
	path_is(NULL, NULL, "", NULL);
	path_is(NULL, NULL, NULL, NULL);
}

int
main(void)
{
	char cmd[160];

	umask(022);
	if (mkdtemp(dir) == NULL)
		abort();
	test_open();
	test_rows();
	test_batches();
	test_upgrade();
	test_errors();
	test_default_path();
	sqlite3_close(db);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		diag("could not remove %s", dir);
	return done();
}
