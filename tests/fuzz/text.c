/*
 * text.c: strings from outside made safe to keep and to show (lib/text.c):
 * in a record they must be valid UTF-8 (jansson takes them), on a
 * terminal also free of control characters, and never longer than the
 * room given.  The first byte of the input sets that room.
 */
#include "fuzz.h"

/* Valid UTF-8 without NUL, as jansson checks it. */
static int
utf8_ok(const char *s, size_t n)
{
	json_t *j = json_stringn(s, n);

	json_decref(j);
	return j != NULL;
}

/*
 * No C0 control character, nor DEL.  C1 ones (U+0080 to U+009F, CSI
 * among them, seed-c1-controls) still pass lib/text.c: not checked yet.
 */
static int
no_controls(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f ||
		    ((unsigned char)s[i] == 0xc2 && i + 1 < n &&
		    (unsigned char)s[i + 1] >= 0x80 &&
		    (unsigned char)s[i + 1] < 0xa0))
			return 0;	/* C0, DEL or C1 (U+0080-U+009F) */
	return 1;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ai_buf b = { 0 };
	const char *src = (const char *)data + 1;
	char *dst, *s;
	size_t room, len, n;

	if (size == 0)
		return 0;
	room = (size_t)data[0] % 64 + 1;
	len = size - 1;
	if ((dst = malloc(room)) == NULL)
		abort();
	n = ai_text_clean(dst, room, src, len);
	FUZZ_ASSERT(n < room && dst[n] == '\0' && strlen(dst) == n);
	FUZZ_ASSERT(utf8_ok(dst, n) && no_controls(dst, n));
	n = ai_text_utf8(dst, room, src, len);
	FUZZ_ASSERT(n < room && dst[n] == '\0' && strlen(dst) == n);
	FUZZ_ASSERT(utf8_ok(dst, n));
	s = fuzz_str((const uint8_t *)src, len);
	FUZZ_ASSERT(ai_text_show(dst, room, s) == dst);
	n = strlen(dst);
	FUZZ_ASSERT(n < room && utf8_ok(dst, n) && no_controls(dst, n));
	free(dst);
	FUZZ_ASSERT(ai_buf_utf8(&b, src, len) == 0);
	FUZZ_ASSERT(utf8_ok(b.data != NULL ? b.data : "", b.len));
	FUZZ_ASSERT(ai_buf_jstr(&b, s) == 0);	/* never fails on bad bytes */
	free(s);
	ai_buf_free(&b);
	return 0;
}
