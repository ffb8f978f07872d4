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
	sqlite3_exec(ai_cache_db(c), "ROLLBACK", NULL, NULL, NULL);
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

int
main(void)
{
	test_key();
	test_store();
	return done();
}
