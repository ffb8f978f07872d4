/* buf.c: the growable byte buffer of lib/buf.c. */
#include <stdlib.h>
#include <string.h>

#include "aitools.h"
#include "tap.h"

static void
test_append(void)
{
	struct ai_buf b = { 0 };

	is_int(ai_buf_append(&b, "abc", 3), 0, "append returns 0");
	is_int(b.len, 3, "len counts the bytes");
	is_str(b.data, "abc", "data holds them, NUL-terminated");
	is_int(b.cap, 256, "first allocation is 256 bytes");
	is_int(ai_buf_puts(&b, "def"), 0, "puts returns 0");
	is_str(b.data, "abcdef", "puts appends");
	is_int(ai_buf_append(&b, NULL, 0), 0, "appending nothing is fine");
	is_int(b.len, 6, "and changes nothing");
	is_int(ai_buf_append(&b, "x\0y", 3), 0, "append binary");
	is_int(b.len, 9, "NUL bytes count");
	ok(memcmp(b.data, "abcdefx\0y", 10) == 0,
	    "binary bytes kept, then NUL");
	ai_buf_free(&b);
	ok(b.data == NULL && b.len == 0 && b.cap == 0,
	    "free zeroes the buffer");
}

static void
test_empty(void)
{
	struct ai_buf b = { 0 };

	ai_buf_reset(&b);
	ok(b.data == NULL && b.len == 0, "reset of a fresh buffer is harmless");
	is_int(ai_buf_puts(&b, ""), 0, "puts of an empty string");
	ok(b.data != NULL && b.data[0] == '\0' && b.len == 0,
	    "leaves an empty NUL-terminated string");
	ai_buf_free(&b);
	ai_buf_free(&b);
	ok(b.data == NULL, "free twice is harmless");
}

static void
test_grow(void)
{
	struct ai_buf b = { 0 };
	char chunk[1000];
	size_t i, bad = 0;
	size_t cap;

	for (i = 0; i < sizeof(chunk); i++)
		chunk[i] = (char)('a' + i % 26);
	for (i = 0; i < 1000; i++)
		if (ai_buf_append(&b, chunk, sizeof(chunk)) == -1)
			bad++;
	is_int(bad, 0, "1000 appends of 1000 bytes succeed");
	is_int(b.len, 1000000, "len is 1000000");
	ok(b.cap > b.len && (b.cap & (b.cap - 1)) == 0,
	    "cap %zu is a power of two above len", b.cap);
	for (i = 0; i < b.len; i++)
		if (b.data[i] != (char)('a' + (i % 1000) % 26))
			break;
	is_int(i, b.len, "every byte is where it belongs");
	is_int(b.data[b.len], '\0', "still NUL-terminated");
	cap = b.cap;
	ai_buf_reset(&b);
	ok(b.len == 0 && b.cap == cap && b.data[0] == '\0',
	    "reset keeps the allocation and empties the string");
	ai_buf_puts(&b, "again");
	is_str(b.data, "again", "reuse after reset");
	ai_buf_free(&b);
}

static void
test_json(void)
{
	struct ai_buf b = { 0 };
	json_t *v;

	v = json_loads("{ \"b\" : [1, 2.5, null],\n"
	    " \"a\": \"caf\\u00e9 \\\"q\\\"\", \"c\": {} }", 0, NULL);
	ai_buf_puts(&b, "> ");
	is_int(ai_buf_json(&b, v), 0, "ai_buf_json returns 0");
	is_str(b.data, "> {\"b\":[1,2.5,null],\"a\":\"caf\xc3\xa9 \\\"q\\\"\","
	    "\"c\":{}}", "appends compact JSON, keys in order, UTF-8 raw");
	json_decref(v);
	ai_buf_reset(&b);
	v = json_pack("[s,i]", "line\nbreak", -7);
	is_int(ai_buf_json(&b, v), 0, "an array");
	is_str(b.data, "[\"line\\nbreak\",-7]", "is dumped with its escapes");
	json_decref(v);
	ai_buf_free(&b);
}

static void
oneline_is(const char *in, const char *want)
{
	struct ai_buf b = { 0 };

	is_int(ai_buf_oneline(&b, in, strlen(in)), 0, "oneline ok");
	is_str(b.data != NULL ? b.data : "", want, "oneline %s", want);
	ai_buf_free(&b);
}

static void
test_text(void)
{
	struct ai_buf b = { 0 };

	oneline_is("{\"a\": 1}", "{\"a\": 1}");
	oneline_is("{\n  \"a\": \"x y\",\r\n\t\"b\": [\n    1,\n    2\n  ]\n}\n",
	    "{\"a\": \"x y\",\"b\": [1,2]}");
	oneline_is("\n\n", "");
	oneline_is("{\"s\":\"a\\nb\"}", "{\"s\":\"a\\nb\"}");
	is_int(ai_buf_printf(&b, "%s-%d", "x", 42), 0, "printf");
	is_int(ai_buf_printf(&b, "%0300d", 7), 0, "printf, long");
	is_int((long long)b.len, 304, "printf appends");
	ai_buf_reset(&b);
	ai_buf_jstr(&b, "plain");
	ai_buf_jstr(&b, "q\"\\\n\x01\xc3\xa9");
	is_str(b.data, "\"plain\"\"q\\\"\\\\\\n\\u0001\xc3\xa9\"", "jstr escapes");
	ai_buf_reset(&b);
	is_int(ai_buf_jstr(&b, "bad \xff\xc3"), 0, "jstr takes invalid UTF-8");
	is_str(b.data, "\"bad \xef\xbf\xbd\xef\xbf\xbd\"",
	    "  each bad byte a U+FFFD");
	ai_buf_free(&b);
}

int
main(void)
{
	test_text();
	test_append();
	test_empty();
	test_grow();
	test_json();
	return done();
}
