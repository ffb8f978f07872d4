/*
 * cachekey.c: the cache key of a request body.  The key of a body must
 * not change when its text does but its meaning does not: its members
 * sorted, 1.0 written 1, the fields that do not change the answer gone.
 */
#include "fuzz.h"

static void
key(const json_t *body, struct ai_buf *text, unsigned char k[AI_KEYLEN])
{
	char err[AI_ERRLEN], hex[AI_KEYHEX];

	FUZZ_ASSERT(ai_cache_key("openai", "https://api.openai.com/v1", body,
	    text, k, err) == 0);
	FUZZ_ASSERT(text->len > 0 && text->data[text->len] == '\0');
	ai_cache_key_hex(k, hex);
	FUZZ_ASSERT(strlen(hex) == 2 * AI_KEYLEN);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ai_buf a = { 0 }, b = { 0 };
	unsigned char ka[AI_KEYLEN], kb[AI_KEYLEN];
	json_t *body, *again;
	char *s;

	if ((body = json_loadb((const char *)data, size, 0, NULL)) == NULL ||
	    !json_is_object(body)) {	/* a request body is an object */
		json_decref(body);
		return 0;
	}
	key(body, &a, ka);
	/* Written another way, with fields that change nothing, read back. */
	json_object_set_new(body, "stream", json_true());
	json_object_set_new(body, "user", json_string("someone"));
	s = json_dumps(body, JSON_INDENT(1) | JSON_SORT_KEYS |
	    JSON_ENSURE_ASCII);
	FUZZ_ASSERT(s != NULL);
	again = json_loads(s, 0, NULL);
	FUZZ_ASSERT(again != NULL);
	key(again, &b, kb);
	if (memcmp(ka, kb, AI_KEYLEN) != 0) {
		fprintf(stderr, "%s\n---\n%s\n", a.data, b.data);
		FUZZ_ASSERT(!"the same key for the same request");
	}
	free(s);
	json_decref(again);
	ai_buf_free(&a);
	ai_buf_free(&b);
	json_decref(body);
	return 0;
}
