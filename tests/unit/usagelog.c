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

/*
 * The rows a query reads, each as "ts model in/out/cached/w/w1h/rs
 * no_usage latency tier tag;", or "error: ..." when it fails.
 */
static const char *
read_all(const char *p, const struct ai_logfilter *f)
{
	static char s[2048];
	char err[AI_ERRLEN] = "";
	struct ai_logquery *q;
	struct ai_logrow r;
	size_t n = 0;
	int rc;

	if ((q = ai_usagelog_query_open(p, f, err)) == NULL) {
		snprintf(s, sizeof(s), "error: %s", err);
		return s;
	}
	s[0] = '\0';
	while ((rc = ai_usagelog_next(q, &r, err)) == 1 && n < sizeof(s))
		n += (size_t)snprintf(s + n, sizeof(s) - n, "%lld %s "
		    "%lld/%lld/%lld/%lld/%lld/%lld %d %lld %s %s;",
		    (long long)r.ts_ms, r.model ? r.model : "-",
		    (long long)r.usage.input, (long long)r.usage.output,
		    (long long)r.usage.cached, (long long)r.usage.cache_write,
		    (long long)r.usage.cache_write_1h,
		    (long long)r.usage.reasoning, r.no_usage,
		    (long long)r.latency_ms, r.tier ? r.tier : "-",
		    ai_usagelog_tag(q) ? ai_usagelog_tag(q) : "-");
	if (rc == -1)
		snprintf(s, sizeof(s), "error: %s", err);
	ai_usagelog_query_close(q);
	return s;
}

/* The read API: filters, tags, and counts that are not counts. */
static void
test_read(void)
{
	char err[AI_ERRLEN] = "", p[160], sql[512];
	struct ai_logrow r = {
		.ts_ms = 1000, .model = "a", .service = "s1", .status = "ok",
		.usage = { 10, 5, 2, 3, 1, 1 }, .tier = "batch",
		.tags = "{\"team\":\"x\",\"on\":true,\"n\":3,\"o\":{}}",
		.latency_ms = 12,
	};
	struct ai_logrow nu = { .ts_ms = 2000, .model = "b",
	    .service = "s2", .status = "ok", .no_usage = 1, .latency_ms = 7 };
	struct ai_logfilter all = { 0 }, f;
	struct ai_usagelog *l;
	sqlite3 *w;

	snprintf(p, sizeof(p), "%s/read.db", dir);
	if ((l = ai_usagelog_open(p, err)) == NULL ||
	    ai_usagelog_add(l, &r, err) == -1 ||
	    ai_usagelog_add(l, &nu, err) == -1 ||
	    ai_usagelog_close(l, err) == -1 ||
	    sqlite3_open(p, &w) != SQLITE_OK)
		abort();
	/* What an older aiq, or a hand, may have left in the log. */
	snprintf(sql, sizeof(sql), "INSERT INTO calls (ts, model, status,"
	    " input_tokens, output_tokens, latency_ms) VALUES"
	    " (3000, 'c', 'ok', -5000, 10, -1),"
	    " (4000, 'c', 'ok', 9223372036854775807, 10, NULL),"
	    " (5000, 'c', 'ok', 'twelve', 10, 'x'),"
	    " (6000, 'c', 'ok', 1.5, 10, 3),"
	    " (7000, 'c', 'ok', 10000000000, 10000000001, 4),"
	    " (8000, 'c', 'ok', 10000000000, NULL, 5)");
	if (sqlite3_exec(w, sql, NULL, NULL, NULL) != SQLITE_OK)
		abort();
	sqlite3_close(w);

	is_str(read_all(p, &all),
	    "1000 a 10/5/2/3/1/1 0 12 batch -;"
	    "2000 b 0/0/0/0/0/0 1 7 - -;"
	    "3000 c 0/0/0/0/0/0 1 -1 - -;"
	    "4000 c 0/0/0/0/0/0 1 -1 - -;"
	    "5000 c 0/0/0/0/0/0 1 -1 - -;"
	    "6000 c 0/0/0/0/0/0 1 3 - -;"
	    "7000 c 0/0/0/0/0/0 1 4 - -;"
	    "8000 c 10000000000/0/0/0/0/0 0 5 - -;",
	    "every row; NULL, negative, too large or not whole counts make"
	    " the tokens unknown; NULL counts but input are 0");
	f = (struct ai_logfilter){ .since_ms = 2000, .until_ms = 4000 };
	is_str(read_all(p, &f), "2000 b 0/0/0/0/0/0 1 7 - -;"
	    "3000 c 0/0/0/0/0/0 1 -1 - -;", "since and until");
	f = (struct ai_logfilter){ .model = "a" };
	is_str(read_all(p, &f), "1000 a 10/5/2/3/1/1 0 12 batch -;",
	    "model");
	f = (struct ai_logfilter){ .service = "s2" };
	is_str(read_all(p, &f), "2000 b 0/0/0/0/0/0 1 7 - -;", "service");
	f = (struct ai_logfilter){ .until_ms = 1001, .tag = "team" };
	is_str(read_all(p, &f), "1000 a 10/5/2/3/1/1 0 12 batch x;",
	    "a tag's value");
	f.tag = "on";
	is_str(read_all(p, &f), "1000 a 10/5/2/3/1/1 0 12 batch true;",
	    "true as a word, as in records");
	f.tag = "n";
	is_str(read_all(p, &f), "1000 a 10/5/2/3/1/1 0 12 batch 3;",
	    "a number");
	f.tag = "o";
	is_str(read_all(p, &f), "1000 a 10/5/2/3/1/1 0 12 batch -;",
	    "an object is no value");
	f.tag = "a\"b";
	is_str(read_all(p, &f), "error: a\"b: not a tag name",
	    "a tag name that is not one is refused");

	snprintf(p, sizeof(p), "%s/v1.db", dir);
	f = (struct ai_logfilter){ .tag = "team" };
	is_str(read_all(p, &f), "0 - 0/0/0/5/4/0 0 0 - -;"
	    "1 - 0/0/0/0/0/0 1 -1 - -;",
	    "a version 1 log, upgraded: its old row has no tokens known");
	snprintf(p, sizeof(p), "%s/v1-raw.db", dir);
	if (sqlite3_open(p, &w) != SQLITE_OK || sqlite3_exec(w,
	    "CREATE TABLE calls (id INTEGER PRIMARY KEY, ts INTEGER NOT NULL,"
	    " provider TEXT, model TEXT, service TEXT, status TEXT NOT NULL,"
	    " http_status INTEGER, input_tokens INTEGER, output_tokens INTEGER,"
	    " cached_tokens INTEGER, cache_write_tokens INTEGER,"
	    " reasoning_tokens INTEGER, latency_ms INTEGER, attempts INTEGER,"
	    " trace_id TEXT, request_id TEXT, custom_id TEXT, prompt TEXT,"
	    " response TEXT); INSERT INTO calls (ts, model, status,"
	    " input_tokens, output_tokens, cache_write_tokens, latency_ms)"
	    " VALUES (9, 'm', 'ok', 7, 3, 2, 40)", NULL, NULL, NULL) !=
	    SQLITE_OK)
		abort();
	sqlite3_close(w);
	is_str(read_all(p, &f), "9 m 7/3/0/2/0/0 0 40 - -;",
	    "a version 1 log as it is: no 1-hour writes, tier or tags");
}

/* A log that is not there says how its path was found. */
static void
test_read_errors(void)
{
	char p[160], want[AI_ERRLEN];
	struct ai_logfilter all = { 0 };
	FILE *fp;

	snprintf(p, sizeof(p), "%s/none.db", dir);
	snprintf(want, sizeof(want), "error: %s: no usage log here", p);
	is_str(read_all(p, &all), want, "no log at a path given");
	unsetenv("XDG_STATE_HOME");
	setenv("AIQ_USAGE_LOG", p, 1);
	snprintf(want, sizeof(want), "error: %s: no usage log here (the path"
	    " is AIQ_USAGE_LOG)", p);
	is_str(read_all(NULL, &all), want, "no log at AIQ_USAGE_LOG");
	unsetenv("AIQ_USAGE_LOG");
	setenv("XDG_STATE_HOME", dir, 1);
	snprintf(want, sizeof(want), "error: %s/aitools/usage.db: no usage log"
	    " here (the path is under XDG_STATE_HOME, as AIQ_USAGE_LOG is not"
	    " set)", dir);
	is_str(read_all(NULL, &all), want, "no log under XDG_STATE_HOME");
	unsetenv("XDG_STATE_HOME");
	setenv("HOME", dir, 1);
	snprintf(want, sizeof(want), "error: %s/.local/state/aitools/usage.db:"
	    " no usage log here (the path is under HOME, as neither"
	    " AIQ_USAGE_LOG nor XDG_STATE_HOME is set)", dir);
	is_str(read_all(NULL, &all), want, "no log under HOME");
	unsetenv("HOME");
	is_str(read_all(NULL, &all), "error: no usage log: neither"
	    " AIQ_USAGE_LOG, XDG_STATE_HOME nor HOME is set", "no home");

	snprintf(p, sizeof(p), "%s/empty.db", dir);
	if ((fp = fopen(p, "w")) == NULL)
		abort();
	fclose(fp);
	snprintf(want, sizeof(want), "error: %s: not a usage log (no calls"
	    " table)", p);
	is_str(read_all(p, &all), want, "an empty file is not a log");
	snprintf(p, sizeof(p), "%s/text.db", dir);
	if ((fp = fopen(p, "w")) == NULL)
		abort();
	fputs("not sqlite, but long enough to have a header of one......"
	    "..................................................\n", fp);
	fclose(fp);
	snprintf(want, sizeof(want), "error: %s: file is not a database", p);
	is_str(read_all(p, &all), want, "nor is a text file");
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
	test_read();
	test_read_errors();
	test_errors();
	test_default_path();
	sqlite3_close(db);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		diag("could not remove %s", dir);
	return done();
}
