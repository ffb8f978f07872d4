/* text.c: strings from records made safe to show, of lib/text.c. */
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

int
main(void)
{
	char out[8];

	clean_is("gpt-4o", 64, "gpt-4o", "plain ASCII is kept");
	clean_is("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", 64,
	    "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80",
	    "valid UTF-8 of 2, 3 and 4 bytes is kept");
	clean_is("a\x1f" "b\x1b[31m\tc\x7f", 64, "a?b?[31m?c?",
	    "control characters become ?");
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
