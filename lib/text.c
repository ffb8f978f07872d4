/*
 * text.c: strings from records made safe to show.  A model name or a tag
 * comes from whoever wrote the record; on a terminal, in a CSV cell or in
 * a JSON report it must be valid UTF-8 without control characters, and a
 * cut must not split a character.
 */
#include <string.h>

#include "aitools.h"

/* The length of the valid UTF-8 character at s (n bytes left), or 0. */
static size_t
utf8_char(const unsigned char *s, size_t n)
{
	size_t len, i;
	unsigned c = s[0];

	if (c < 0xc2 || c > 0xf4)
		return 0;	/* continuation, overlong lead, beyond U+10FFFF */
	len = c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;
	if (n < len)
		return 0;
	for (i = 1; i < len; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	if ((c == 0xe0 && s[1] < 0xa0) ||	/* overlong */
	    (c == 0xed && s[1] > 0x9f) ||	/* surrogates */
	    (c == 0xf0 && s[1] < 0x90) ||	/* overlong */
	    (c == 0xf4 && s[1] > 0x8f))		/* beyond U+10FFFF */
		return 0;
	return len;
}

/*
 * Copies len bytes of src into dst (size bytes, NUL-terminated), each
 * control character and each byte that is not part of valid UTF-8 made a
 * '?', cut whole characters short to fit.  Returns the length written.
 */
size_t
ai_text_clean(char *dst, size_t size, const char *src, size_t len)
{
	const unsigned char *s = (const unsigned char *)src;
	size_t i = 0, o = 0, n;

	if (size == 0)
		return 0;
	while (i < len && o < size - 1) {
		if (s[i] >= 0x20 && s[i] < 0x7f) {
			dst[o++] = (char)s[i++];
			continue;
		}
		if (s[i] < 0x80 || (n = utf8_char(s + i, len - i)) == 0) {
			dst[o++] = '?';
			i++;
			continue;
		}
		if (o + n > size - 1)
			break;
		memcpy(dst + o, s + i, n);
		o += n;
		i += n;
	}
	dst[o] = '\0';
	return o;
}
