/* cache.c: the cache key (lib/cachekey.c) and the store (lib/cache.c). */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "aitools.h"
#include "tap.h"

/* The hex key of body (JSON text) for openai at base b. */
static void
key_of(const char *body, char hex[AI_KEYHEX], char *canon, size_t size)
{
	unsigned char key[AI_KEYLEN];
	struct ai_buf text = { 0 };
	char err[AI_ERRLEN];
	json_t *j = json_loads(body, 0, NULL);

	if (j == NULL || ai_cache_key("openai", "http://b/v1", j, &text, key,
	    err) == -1)
		abort();
	ai_cache_key_hex(key, hex);
	if (canon != NULL)
		snprintf(canon, size, "%s", text.data);
	ai_buf_free(&text);
	json_decref(j);
}

static int
same(const char *a, const char *b)
{
	char ha[AI_KEYHEX], hb[AI_KEYHEX];

	key_of(a, ha, NULL, 0);
	key_of(b, hb, NULL, 0);
	return strcmp(ha, hb) == 0;
}

static void
test_key(void)
{
	char hex[AI_KEYHEX], canon[512];

	key_of("{\"model\":\"m\",\"messages\":[]}", hex, canon, sizeof(canon));
	is_str(canon, "aitools-cache-key/1\nopenai\nhttp://b/v1\n"
	    "{\"messages\":[],\"model\":\"m\"}", "the canonical text");
	is_int((long long)strlen(hex), 64, "64 hex digits");
	ok(same("{\"a\":1,\"b\":{\"y\":2,\"x\":[1.0,0.5]}}",
	    "{\"b\":{\"x\":[1,0.5],\"y\":2},\"a\":1}"),
	    "keys sorted at every level, 1.0 is 1");
	ok(same("{\"m\":1}", "{\"m\":1,\"stream\":true,\"stream_options\":{},"
	    "\"user\":\"u\",\"metadata\":{},\"store\":true,"
	    "\"service_tier\":\"auto\"}"), "fields that do not change the "
	    "answer are left out");
	ok(!same("{\"m\":1,\"x\":{\"stream\":1}}", "{\"m\":1,\"x\":{}}"),
	    "but only at the top of the body");
	ok(!same("{\"temperature\":0.7}", "{\"temperature\":0.70000001}"),
	    "another number is another key");
	ok(!same("{\"a\":\"\\u00e9\"}", "{\"a\":\"e\"}"), "text counts");
	ok(same("{\"a\":\"\\u00e9\"}", "{\"a\":\"\xc3\xa9\"}"),
	    "one character, however escaped");
}

static void
put(struct ai_cache *c, const char *ns, int k, const char *resp, int64_t now)
{
	struct ai_cache_entry e = { .ns = ns, .created_ms = now };
	char err[AI_ERRLEN];

	memset(e.key, k, AI_KEYLEN);
	e.response = resp;
	e.response_len = strlen(resp);
	if (ai_cache_put(c, &e, err) == -1)
		diag("put: %s", err);
}

static int
get(struct ai_cache *c, const char *ns, int k, int64_t now, int64_t age)
{
	struct ai_cache_entry e = { 0 };
	struct ai_buf b = { 0 };
	unsigned char key[AI_KEYLEN];
	char err[AI_ERRLEN];
	int r;

	memset(key, k, AI_KEYLEN);
	r = ai_cache_get(c, ns, key, now, age, &b, &e, err);
	ai_buf_free(&b);
	return r;
}

static void
test_store(void)
{
	char path[] = "/tmp/aitools-cache-test.XXXXXX", err[AI_ERRLEN];
	struct ai_cache *c;
	unsigned char k2[AI_KEYLEN];
	int fd;

	if ((fd = mkstemp(path)) == -1)
		abort();
	close(fd);
	if ((c = ai_cache_open(path, AI_CACHE_CREATE, err)) == NULL) {
		diag("%s", err);
		abort();
	}
	ai_cache_begin(c, err);
	put(c, "", 1, "{\"a\":1}", 1000);		/* 7 bytes */
	put(c, "", 2, "{\"bb\":2}", 2000);		/* 8 */
	put(c, "ns", 1, "{\"c\":3}", 3000);		/* 7 */
	put(c, "", 1, "{\"a\":1111}", 4000);		/* replaces: 10 */
	ai_cache_commit(c, err);
	is_int(ai_cache_bytes(c), 25, "the bytes held, a replaced entry once");
	is_int(get(c, "", 1, 5000, 0), 1, "a hit");
	is_int(get(c, "other", 1, 5000, 0), 0, "another namespace misses");
	is_int(get(c, "", 3, 5000, 0), 0, "an unknown key misses");
	is_int(get(c, "", 1, 5000, 500), 0, "too old for max_age misses");
	is_int(get(c, "", 1, 5000, 2000), 1, "young enough hits");
	ai_cache_begin(c, err);
	memset(k2, 2, AI_KEYLEN);
	ai_cache_touch(c, "", k2, 9000, err);		/* 2 used last */
	is_int(ai_cache_evict(c, 16, err), 2, "eviction drops the two used "
	    "longest ago");
	ai_cache_commit(c, err);
	is_int(ai_cache_bytes(c), 8, "and counts their bytes out");
	is_int(get(c, "", 2, 9000, 0), 1, "the one used last stays");
	ai_cache_begin(c, err);
	put(c, "", 5, "{\"rolled\":\"back\"}", 9000);
	ai_cache_rollback(c);
	ai_cache_begin(c, err);
	ai_cache_commit(c, err);
	is_int(ai_cache_bytes(c), 8, "a batch rolled back leaves the counts "
	    "alone");
	ai_cache_close(c, err);
	unlink(path);
	snprintf(err, sizeof(err), "%s-wal", path);
	unlink(err);
	snprintf(err, sizeof(err), "%s-shm", path);
	unlink(err);
}

static struct ai_cache *
scratch(char *path, int mode)
{
	char err[AI_ERRLEN];
	struct ai_cache *c;
	int fd;

	if ((fd = mkstemp(path)) == -1)
		abort();
	close(fd);
	if ((c = ai_cache_open(path, mode, err)) == NULL) {
		diag("%s", err);
		abort();
	}
	return c;
}

static void
unlink_all(const char *path)
{
	char p[4096];

	unlink(path);
	snprintf(p, sizeof(p), "%s-wal", path);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", path);
	unlink(p);
}

/* Lines of ai_cache_savings, "model hits in out micro unpriced;". */
static int
saved_line(void *arg, const char *model, const struct ai_cache_tally *t)
{
	char *s = arg;

	snprintf(s + strlen(s), 256 - strlen(s), "%s %lld %lld %lld %lld %lld;",
	    model, (long long)t->hits, (long long)t->tokens_in,
	    (long long)t->tokens_out, (long long)ai_money_micro(&t->saved),
	    (long long)t->unpriced);
	return 0;
}

static void
test_admin(void)
{
	char path[] = "/tmp/aitools-cache-test.XXXXXX", err[AI_ERRLEN];
	char lines[256] = "";
	struct ai_cache *c = scratch(path, AI_CACHE_CREATE);
	struct ai_cache_tally t = { 4, 3, 30, 20, { 5, 500000 }, 1 };
	struct ai_cache_filter f = { .ns = "ns" };
	struct ai_cache_stats s;
	struct ai_cache_entry e;
	struct ai_cache_iter *it;
	int64_t n = -1, bytes = -1, big;
	char buf[2048];

	ai_cache_begin(c, err);
	put(c, "", 1, "{\"a\":1}", 1000);		/* 7 bytes */
	put(c, "ns", 2, "{\"bb\":2}", 2000);		/* 8 */
	put(c, "ns", 3, "{\"ccc\":3}", 3000);		/* 9 */
	ai_cache_count(c, "", "m1", &t, err);
	ai_cache_count(c, "ns", "m1", &t, err);
	t.hits = 9;
	ai_cache_count(c, "ns", "m2", &t, err);
	ai_cache_commit(c, err);
	is_int(ai_cache_stats(c, NULL, &s, err), 0, "stats");
	is_int(s.entries * 1000 + s.bytes, 3024, "stats: entries and bytes");
	is_int(s.total.lookups * 100 + s.total.hits, 1215,
	    "stats: lookups and hits of every namespace");
	is_int(ai_money_micro(&s.total.saved), 17, "stats: dollars, the "
	    "picodollars carried");
	ai_cache_stats(c, "ns", &s, err);
	is_int(s.entries * 1000 + s.bytes, 2017, "stats of one namespace");
	ai_cache_savings(c, NULL, saved_line, lines, err);
	is_str(lines, "m2 9 30 20 6 1;m1 6 60 40 11 2;",
	    "savings by model, most hits first");
	is_int(ai_cache_purge(c, &f, &n, &bytes, err), 0, "purge");
	is_int(n * 1000 + bytes, 2017, "purge says the entries and bytes "
	    "removed");
	is_int(ai_cache_bytes(c), 7, "and the counts follow");
	it = ai_cache_iter_open(c, NULL, err);
	is_int(ai_cache_iter_next(it, &e, err), 1, "export: an entry");
	is_str(e.response, "{\"a\":1}", "export: its response");
	is_int(e.created_ms + (long long)e.key[0], 1001, "export: its "
	    "time and key");
	is_int(ai_cache_iter_next(it, &e, err), 0, "export: the end");
	ai_cache_iter_close(it);
	ai_cache_begin(c, err);
	memset(buf, 'x', sizeof(buf) - 1);
	buf[0] = '"';
	buf[sizeof(buf) - 2] = '"';
	buf[sizeof(buf) - 1] = '\0';
	for (n = 10; n < 200; n++)
		put(c, "big", (int)n, buf, 4000);
	ai_cache_commit(c, err);
	ai_cache_vacuum(c, err);
	big = ai_cache_disk_bytes(c);
	f.ns = "big";
	ai_cache_purge(c, &f, &n, &bytes, err);
	is_int(ai_cache_vacuum(c, err), 0, "vacuum");
	ok(ai_cache_disk_bytes(c) < big / 4, "vacuum gives the space back "
	    "(%lld bytes, from %lld)", (long long)ai_cache_disk_bytes(c),
	    (long long)big);
	ai_cache_close(c, err);
	unlink_all(path);
}

/*
 * A cache written by version 1 has no dollar columns: read as it is (by
 * stats), its hits are shown unpriced rather than failing.
 */
static void
test_old(void)
{
	char path[] = "/tmp/aitools-cache-test.XXXXXX", err[AI_ERRLEN];
	struct ai_cache *c;
	struct ai_cache_stats s;
	sqlite3 *db;
	int fd;

	if ((fd = mkstemp(path)) == -1)
		abort();
	close(fd);
	if (sqlite3_open(path, &db) != SQLITE_OK || sqlite3_exec(db,
	    "CREATE TABLE entries (id INTEGER PRIMARY KEY, ns TEXT NOT NULL,"
	    " key BLOB NOT NULL, provider TEXT, model TEXT, created INTEGER"
	    " NOT NULL, expires INTEGER, used INTEGER NOT NULL, hits INTEGER"
	    " NOT NULL DEFAULT 0, input_tokens INTEGER, output_tokens INTEGER,"
	    " cached_tokens INTEGER, response TEXT NOT NULL, UNIQUE (ns, key));"
	    "CREATE TABLE savings (ns TEXT NOT NULL, model TEXT NOT NULL,"
	    " lookups INTEGER NOT NULL DEFAULT 0, hits INTEGER NOT NULL"
	    " DEFAULT 0, input_tokens_saved INTEGER NOT NULL DEFAULT 0,"
	    " output_tokens_saved INTEGER NOT NULL DEFAULT 0,"
	    " PRIMARY KEY (ns, model));"
	    "CREATE TABLE size (bytes INTEGER NOT NULL, entries INTEGER NOT"
	    " NULL); INSERT INTO size VALUES (0, 0);"
	    "INSERT INTO savings VALUES ('', 'm', 3, 2, 10, 5);", NULL, NULL,
	    NULL) != SQLITE_OK)
		abort();
	sqlite3_close(db);
	c = ai_cache_open(path, AI_CACHE_READ, err);
	ok(c != NULL, "a cache of version 1 opens to read");
	if (c != NULL) {
		is_int(ai_cache_stats(c, NULL, &s, err), 0, "and has stats");
		is_int(s.total.hits * 10 + s.total.unpriced, 22,
		    "its hits unpriced");
		ai_cache_close(c, err);
	}
	unlink_all(path);
}

int
main(void)
{
	test_key();
	test_store();
	test_admin();
	test_old();
	return done();
}
