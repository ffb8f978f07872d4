/*
 * text.c: strings from outside made safe.  A provider's message, a
 * header or a record's field comes from whoever sent it.  What goes into
 * a record (JSON) must be valid UTF-8, cut on a character, never split
 * one; what goes on a terminal, in a CSV cell or a report must hold no
 * control characters either, so that an ESC from a server cannot drive
 * the user's terminal.
 */
#include <stdio.h>
#include <string.h>

#include "aitools.h"

#define REPLACEMENT	"\xef\xbf\xbd"	/* U+FFFD, for a byte that is not UTF-8 */

/*
 * The length of the valid UTF-8 character of two to four bytes at s (n
 * bytes left), or 0: ASCII is the caller's to test first.
 */
size_t
ai_utf8_char(const unsigned char *s, size_t n)
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
 * Whether the character of n bytes at s is one a terminal obeys rather
 * than shows: a C1 control, U+0080-U+009F, or a bidirectional control
 * (U+061C, U+200E-U+200F, U+202A-U+202E, U+2066-U+2069), which can make
 * a line read otherwise than it is.
 */
static int
hidden(const unsigned char *s, size_t n)
{
	if (n == 2)
		return (s[0] == 0xc2 && s[1] < 0xa0) ||
		    (s[0] == 0xd8 && s[1] == 0x9c);
	return n == 3 && s[0] == 0xe2 &&
	    ((s[1] == 0x80 && (s[2] == 0x8e || s[2] == 0x8f ||
	    (s[2] >= 0xaa && s[2] <= 0xae))) ||
	    (s[1] == 0x81 && s[2] >= 0xa6 && s[2] <= 0xa9));
}

/*
 * Where the len bytes at s stop being text a person wrote: the offset of
 * the first NUL byte, byte that is not UTF-8 or, with controls, control
 * character other than a tab, newline or carriage return; len when none.
 * What a binary file holds, and a prompt never does.
 */
size_t
ai_text_end(const char *s, size_t len, int controls)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i, n;

	for (i = 0; i < len; i += n) {
		n = 1;
		if (p[i] == 0 || (controls && p[i] < 0x20 && p[i] != '\t' &&
		    p[i] != '\n' && p[i] != '\r') || (controls && p[i] == 0x7f))
			return i;
		if (p[i] >= 0x80 && (n = ai_utf8_char(p + i, len - i)) == 0)
			return i;
	}
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
		n = s[i] < 0x80 ? 0 : ai_utf8_char(s + i, len - i);
		if (n == 0 || hidden(s + i, n)) {
			dst[o++] = '?';
			i += n > 0 ? n : 1;	/* a control is one '?' */
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

/*
 * Copies len bytes of src into dst (size bytes, NUL-terminated) as valid
 * UTF-8: a byte that is not part of a valid character becomes U+FFFD, a
 * NUL becomes U+FFFD too (dst is a C string), and the copy is cut before
 * a character that would not fit.  Control characters stay: JSON escapes
 * them.  Returns the length written.
 */
size_t
ai_text_utf8(char *dst, size_t size, const char *src, size_t len)
{
	const unsigned char *s = (const unsigned char *)src;
	const char *put;
	size_t i = 0, o = 0, n;

	if (size == 0)
		return 0;
	while (i < len) {
		if (s[i] != 0 && s[i] < 0x80)
			n = 1;
		else
			n = s[i] == 0 ? 0 : ai_utf8_char(s + i, len - i);
		put = n > 0 ? src + i : REPLACEMENT;
		if (o + (n > 0 ? n : 3) > size - 1)
			break;
		memcpy(dst + o, put, n > 0 ? n : 3);
		o += n > 0 ? n : 3;
		i += n > 0 ? n : 1;
	}
	dst[o] = '\0';
	return o;
}

/* Appends len bytes of src as valid UTF-8, as ai_text_utf8 makes it. */
int
ai_buf_utf8(struct ai_buf *b, const char *src, size_t len)
{
	const unsigned char *s = (const unsigned char *)src;
	size_t i = 0, run, n;

	while (i < len) {
		for (run = i; run < len && s[run] != 0 && s[run] < 0x80; run++)
			;
		while (run < len && s[run] >= 0x80 &&
		    (n = ai_utf8_char(s + run, len - run)) > 0)
			run += n;
		if (run > i && ai_buf_append(b, src + i, run - i) == -1)
			return -1;
		if (run == len)
			break;
		if (run == i) {		/* a NUL or a byte that is not UTF-8 */
			if (ai_buf_append(b, REPLACEMENT, 3) == -1)
				return -1;
			run++;
		}
		i = run;
	}
	return 0;
}

/*
 * The NUL-terminated s as one line fit for a terminal, in dst of size
 * bytes: control characters (the C1 ones too, such as U+009B, which some
 * terminals obey as ESC [, and the bidirectional ones) and bytes that
 * are not UTF-8 written as \n, \t, \r or \xHH, a backslash as is.
 * Cut on a character.  Returns dst, for warnx("%s", ai_text_show(buf,
 * sizeof(buf), msg)).
 */
const char *
ai_text_show(char *dst, size_t size, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t o = 0, n, len = strlen(s);
	char esc[8];

	if (size == 0)
		return dst;
	while (*p != '\0') {
		if (*p >= 0x20 && *p < 0x7f)
			n = 1;
		else if (*p >= 0x80 && (n = ai_utf8_char(p, len -
		    (size_t)(p - (const unsigned char *)s))) > 0 && !hidden(p, n))
			;
		else {
			if (*p == '\n' || *p == '\t' || *p == '\r')
				snprintf(esc, sizeof(esc), "\\%c", *p == '\n' ?
				    'n' : *p == '\t' ? 't' : 'r');
			else
				snprintf(esc, sizeof(esc), "\\x%02x", *p);
			if (o + strlen(esc) > size - 1)
				break;
			memcpy(dst + o, esc, strlen(esc));
			o += strlen(esc);
			p++;
			continue;
		}
		if (o + n > size - 1)
			break;
		memcpy(dst + o, p, n);
		o += n;
		p += n;
	}
	dst[o] = '\0';
	return dst;
}

/* Whether len bytes at s hold a byte that is not part of valid UTF-8. */
static int
has_bad_utf8(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i, n;

	for (i = 0; i < len; i += n) {
		n = 1;
		if (p[i] >= 0x80 && (n = ai_utf8_char(p + i, len - i)) == 0)
			return 1;
	}
	return 0;
}

/*
 * JSON text from a provider, parsed: when it is not JSON only for bytes
 * that are not UTF-8 (JSON must be), it is parsed again with each made
 * U+FFFD, and *fixed is set: the text of a message costs a character,
 * not the answer or the error's code.
 */
json_t *
ai_json_loadb_lossy(const char *s, size_t len, json_error_t *je, int *fixed)
{
	struct ai_buf b = { 0 };
	json_t *v;

	*fixed = 0;
	if ((v = json_loadb(s, len, 0, je)) != NULL || !has_bad_utf8(s, len))
		return v;
	if (ai_buf_utf8(&b, s, len) == 0 &&
	    (v = json_loadb(b.data != NULL ? b.data : "", b.len, 0,
	    NULL)) != NULL)
		*fixed = 1;
	ai_buf_free(&b);
	return v;
}
