/* text.c: strings from records made safe to show, of lib/text.c. */
#include <stdlib.h>
#include <string.h>

#include "aitools.h"
#include "tap.h"

static void
clean_is(const char *in, size_t size, const char *want, const char *desc)
{
	char out[64];

	is_int(ai_text_clean(out, size, in, strlen(in)), strlen(want), "%s",
	    desc);
	is_str(out, want, "  %s", want);
}

static void
utf8_is(const char *in, size_t len, size_t size, const char *want,
    const char *desc)
{
	char out[64];
	struct ai_buf b = { 0 };

	is_int(ai_text_utf8(out, size, in, len), strlen(want), "%s", desc);
	is_str(out, want, "  utf8 %s", desc);
	if (size == sizeof(out)) {	/* uncut: the buffer form agrees */
		ai_buf_utf8(&b, in, len);
		ai_buf_append(&b, "", 0);
		is_str(b.data, want, "  buf %s", desc);
		ai_buf_free(&b);
	}
}

static void
show_is(const char *in, size_t size, const char *want, const char *desc)
{
	char out[64];

	is_str(ai_text_show(out, size, in), want, "%s", desc);
}

static void
lossy_is(const char *in, const char *want, int want_fixed, const char *desc)
{
	json_error_t je;
	json_t *v;
	char *got;
	int fixed = -1;

	v = ai_json_loadb_lossy(in, strlen(in), &je, &fixed);
	got = v != NULL ? json_dumps(v, JSON_COMPACT) : NULL;
	is_str(got, want, "%s", desc);
	is_int(fixed, want_fixed, "  fixed %d", want_fixed);
	free(got);
	json_decref(v);
}

static void
test_utf8(void)
{
	utf8_is("caf\xc3\xa9", 5, 64, "caf\xc3\xa9", "valid text is kept");
	utf8_is("a\xff" "b", 3, 64, "a\xef\xbf\xbd" "b",
	    "a bad byte becomes U+FFFD");
	utf8_is("a\0" "b", 3, 64, "a\xef\xbf\xbd" "b", "so does a NUL");
	utf8_is("\x1b[31m", 5, 64, "\x1b[31m",
	    "control characters stay (JSON escapes them)");
	utf8_is("ab\xc3\xa9", 4, 4, "ab", "a cut never splits a character");
	utf8_is("ab\xe2\x82", 4, 64, "ab\xef\xbf\xbd\xef\xbf\xbd",
	    "a character cut short by the end: each byte replaced");
	show_is("plain text", 64, "plain text", "show: plain text");
	show_is("\x1b[2Jgone\r\n\t", 64, "\\x1b[2Jgone\\r\\n\\t",
	    "show: control characters escaped");
	show_is("bad\xff caf\xc3\xa9", 64, "bad\\xff caf\xc3\xa9",
	    "show: bad bytes escaped, UTF-8 kept");
	show_is("ab\x01", 5, "ab", "show: an escape that does not fit is left");
	show_is("x\xc2\x9b" "31m", 64, "x\\xc2\\x9b31m",
	    "show: a C1 control (CSI) escaped");
	show_is("evil\xe2\x80\xae" "txt.exe \xe2\x81\xa6x\xe2\x80\x8f", 64,
	    "evil\\xe2\\x80\\xaetxt.exe \\xe2\\x81\\xa6x\\xe2\\x80\\x8f",
	    "show: bidirectional controls escaped");
	show_is("\xe2\x80\x94\xe2\x80\xa9", 64, "\xe2\x80\x94\xe2\x80\xa9",
	    "show: a dash and U+2029 beside them are kept");
	lossy_is("{\"m\":\"a\xff\"}", "{\"m\":\"a\xef\xbf\xbd\"}", 1,
	    "lossy: a bad byte in a string: parsed, U+FFFD");
	lossy_is("{\"m\":\"ok\"}", "{\"m\":\"ok\"}", 0,
	    "lossy: valid JSON as is");
	lossy_is("{\"m\":", NULL, 0, "lossy: not JSON stays not JSON");
	lossy_is("{\"m\":\xff}", NULL, 0,
	    "lossy: a bad byte outside a string: still not JSON");
}

static void
test_end(void)
{
	is_int(ai_text_end("a\tb\r\nc", 6, 1), 6,
	    "end: tabs and newlines are text");
	is_int(ai_text_end("ab\0c", 4, 0), 2, "end: a NUL ends it");
	is_int(ai_text_end("ab\x1b[", 4, 1), 2, "end: with controls, an ESC");
	is_int(ai_text_end("ab\x1b[", 4, 0), 4, "end: without, not");
	is_int(ai_text_end("\xc3\xa9\x89PNG", 6, 0), 2,
	    "end: a byte not UTF-8, after a whole character");
	is_int(ai_text_end("x\x7f", 2, 1), 1, "end: DEL is a control");
}

int
main(void)
{
	test_end();
	char out[8];

	test_utf8();
	clean_is("gpt-4o", 64, "gpt-4o", "plain ASCII is kept");
	clean_is("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", 64,
	    "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80",
	    "valid UTF-8 of 2, 3 and 4 bytes is kept");
	clean_is("a\x1f" "b\x1b[31m\tc\x7f", 64, "a?b?[31m?c?",
	    "control characters become ?");
	clean_is("x\xc2\x9b" "31m\xc2\xa0y", 64, "x?31m\xc2\xa0y",
	    "a C1 control (U+009B) is one ?; U+00A0 is kept");
	clean_is("a\xe2\x80\xae" "b\xd8\x9c", 64, "a?b?",
	    "a bidirectional control is one ?");
	clean_is("bad\xffname\xc3", 64, "bad?name?",
	    "bytes not in valid UTF-8 become ?");
	clean_is("\xc0\xaf \xed\xa0\x80 \xf4\x90\x80\x80", 64,
	    "?? ??? ????", "overlong forms, surrogates, beyond U+10FFFF");
	clean_is("abcd\xc3\xa9", 6, "abcd", "a cut keeps whole characters");
	clean_is("abcdefghij", 6, "abcde", "a cut at size - 1 bytes");
	is_int(ai_text_clean(out, sizeof(out), "x\0y", 3), 3,
	    "NUL inside is a control character");
	is_str(out, "x?y", "  x?y");
	is_int(ai_text_clean(out, 0, "abc", 3), 0, "a size of 0 writes nothing");
	return done();
}
