/*
 * chat.c: what both chat routes share: the text of a prompt, its token
 * count (four bytes a token, rounded up), and the echo reply.  The count
 * is the mock's tokenizer, what the answer reports as used; the rate
 * limits charge the estimate made before it instead (limits.c).
 */
#include <stdlib.h>
#include <string.h>

#include "aimock.h"

json_int_t
ceil4(size_t n)
{
	return (json_int_t)((n + 3) / 4);
}

/* Returns the longest prefix of s no longer than max ending on a character. */
static size_t
utf8_cut(const char *s, size_t len, size_t max)
{
	if (len <= max)
		return len;
	while (max > 0 && ((unsigned char)s[max] & 0xc0) == 0x80)
		max--;
	return max;
}

/* A JSON string of arbitrary bytes: those outside UTF-8 become '?'. */
json_t *
lossy_string(const char *s, size_t n)
{
	json_t *j;
	char *c;
	size_t i;

	if ((j = json_stringn(s, n)) != NULL)
		return j;
	if ((c = malloc(n + 1)) == NULL)
		return NULL;
	for (i = 0; i < n; i++)
		c[i] = (unsigned char)s[i] < 0x80 && s[i] != '\0' ? s[i] : '?';
	j = json_stringn(c, n);
	free(c);
	return j;
}

static int
is_text_part(const json_t *part)
{
	const char *type = json_string_value(json_object_get(part, "type"));

	return type != NULL && strcmp(type, "text") == 0 &&
	    json_is_string(json_object_get(part, "text"));
}

/*
 * The text of a message's content, a string or an array of parts (or
 * blocks) whose text parts count, appended to out unless out is NULL.
 * Returns its length in bytes, or -1 when out of memory.
 */
long long
content_text(const json_t *content, struct ai_buf *out)
{
	const json_t *part, *text;
	long long n = 0;
	size_t i;

	if (json_is_string(content)) {
		n = (long long)json_string_length(content);
		if (out != NULL && ai_buf_append(out,
		    json_string_value(content), (size_t)n) == -1)
			return -1;
		return n;
	}
	json_array_foreach(content, i, part) {
		if (!is_text_part(part))
			continue;
		text = json_object_get(part, "text");
		n += (long long)json_string_length(text);
		if (out != NULL && ai_buf_append(out, json_string_value(text),
		    json_string_length(text)) == -1)
			return -1;
	}
	return n;
}

static int
is_user(const json_t *msg)
{
	const char *role = json_string_value(json_object_get(msg, "role"));

	return role != NULL && strcmp(role, "user") == 0;
}

/*
 * Counts prompt tokens, 3 plus 4 and the text's tokens a message, and
 * keeps the text of the last user message.
 */
int
chat_prompt(struct mockreq *mr, const json_t *messages)
{
	const json_t *m, *last = NULL;
	long long n;
	size_t i;

	mr->prompt_tokens = 3;
	json_array_foreach(messages, i, m) {
		n = content_text(json_object_get(m, "content"), NULL);
		mr->prompt_tokens += 4 + ceil4((size_t)n);
		if (is_user(m))
			last = m;
	}
	if (ai_buf_puts(&mr->user, "") == -1)
		return -1;
	if (last == NULL)
		return 0;
	return content_text(json_object_get(last, "content"), &mr->user) ==
	    -1 ? -1 : 0;
}

/*
 * The assistant's answer: "Echo: " and the last user message, or the
 * fixed reply, cut to four bytes a token by the request's limit.  A
 * fault that changes the end of the reply asks for the mark after it,
 * and counts the filler it puts there in the tokens.
 */
int
chat_answer(const struct mockreq *mr, struct answer *a)
{
	struct ai_buf *out = &a->text;
	size_t len;

	memset(a, 0, sizeof(*a));
	if (cfg.reply != NULL) {
		if (ai_buf_puts(out, cfg.reply) == -1)
			return -1;
	} else {
		if (ai_buf_puts(out, "Echo: ") == -1 ||
		    ai_buf_append(out, mr->user.data, mr->user.len) == -1)
			return -1;
		out->len = utf8_cut(out->data, out->len, MAX_ECHO);
	}
	if (mr->max_tokens > 0 && ceil4(out->len) > mr->max_tokens) {
		/* ceil4(len) > max bounds 4 * max by len + 3: no overflow */
		out->len = utf8_cut(out->data, out->len,
		    (size_t)mr->max_tokens * 4);
		a->cut = 1;
	}
	out->data[out->len] = '\0';
	len = out->len;
	if (mr->mark && ai_buf_append(out, &(char){ MARK }, 1) == -1)
		return -1;
	a->tokens = (json_int_t)((len + mr->pad_text + 3) / 4);
	if (a->tokens < 1)
		a->tokens = 1;
	return 0;
}
