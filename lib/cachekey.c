/*
 * cachekey.c: the cache key of a request.  Two requests share a key when
 * they would get the same answer: the same provider endpoint, and the
 * same body once the fields that do not change the answer are left out,
 * object keys are sorted and numbers are written one way.  The key is the
 * SHA-256 of that canonical text, which `aicache key` can show.
 */
#include <math.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "aitools.h"

#define KEY_VERSION "aitools-cache-key/1"

/* Request fields that change how an answer is delivered, not what it is. */
static const char *const ignored[] = {
	"stream", "stream_options", "user", "metadata", "store",
	"service_tier", NULL
};

/*
 * A copy of v with integral reals as integers (1.0 and 1 are one value)
 * and, at the top of the body, the ignored fields left out.  Reals are
 * written with 15 digits, so that 0.7 reads 0.7 in the canonical text.
 */
static json_t *
canonical(const json_t *v, int top)
{
	const char *k;
	json_t *out, *e, *c;
	size_t i;
	double d;

	if (json_is_real(v)) {
		d = json_real_value(v);
		if (d == floor(d) && fabs(d) < 9007199254740992.0)
			return json_integer((json_int_t)d);
		return json_real(d);
	}
	if (json_is_array(v)) {
		if ((out = json_array()) == NULL)
			return NULL;
		json_array_foreach(v, i, e)
			if ((c = canonical(e, 0)) == NULL ||
			    json_array_append_new(out, c) == -1)
				return json_decref(out), NULL;
		return out;
	}
	if (!json_is_object(v))
		return json_incref((json_t *)v);
	if ((out = json_object()) == NULL)
		return NULL;
	json_object_foreach((json_t *)v, k, e) {
		if (top && ai_in_list(ignored, k))
			continue;
		if ((c = canonical(e, 0)) == NULL ||
		    json_object_set_new(out, k, c) == -1)
			return json_decref(out), NULL;
	}
	return out;
}

/*
 * Whether v needs canonical() at all: a real anywhere, or an ignored
 * field at the top.  Most bodies have neither, and are dumped as they
 * are, without a copy.
 */
static int
needs_copy(const json_t *v, int top)
{
	const char *k;
	json_t *e;
	size_t i;

	if (json_is_real(v))
		return 1;
	if (json_is_array(v)) {
		json_array_foreach(v, i, e)
			if (needs_copy(e, 0))
				return 1;
		return 0;
	}
	if (!json_is_object(v))
		return 0;
	json_object_foreach((json_t *)v, k, e)
		if ((top && ai_in_list(ignored, k)) || needs_copy(e, 0))
			return 1;
	return 0;
}

/*
 * SHA-256, fetched from OpenSSL once: fetching it at every digest, as
 * EVP_sha256() does, costs more than hashing a request.
 */
static EVP_MD *sha256;
static pthread_once_t sha256_once = PTHREAD_ONCE_INIT;

static void
fetch_sha256(void)
{
	sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
}

static int
digest(const void *p, size_t n, unsigned char key[AI_KEYLEN])
{
	pthread_once(&sha256_once, fetch_sha256);
	return sha256 != NULL && EVP_Digest(p, n, key, NULL, sha256, NULL) == 1 ?
	    0 : -1;
}

/*
 * Writes into text the canonical form of the request that provider p,
 * reached at base, would get for body, and into key its SHA-256.
 */
int
ai_cache_key(const char *provider, const char *base, const json_t *body,
    struct ai_buf *text, unsigned char key[AI_KEYLEN], char *err)
{
	json_t *c;
	int r;

	ai_buf_reset(text);
	if ((c = needs_copy(body, 1) ? canonical(body, 1) :
	    json_incref((json_t *)body)) == NULL) {
		snprintf(err, AI_ERRLEN, "out of memory");
		return -1;
	}
	r = ai_buf_printf(text, "%s\n%s\n%s\n", KEY_VERSION, provider, base);
	if (r == 0)
		r = json_dump_callback(c, ai_buf_dump_cb, text, JSON_COMPACT |
		    JSON_SORT_KEYS | JSON_ENSURE_ASCII | JSON_REAL_PRECISION(15));
	json_decref(c);
	if (r == -1 || ai_buf_append(text, "", 0) == -1) {
		snprintf(err, AI_ERRLEN, "out of memory");
		return -1;
	}
	if (digest(text->data, text->len, key) == -1) {
		snprintf(err, AI_ERRLEN, "cannot compute SHA-256");
		return -1;
	}
	return 0;
}

/* The key as 64 lowercase hex digits. */
void
ai_cache_key_hex(const unsigned char key[AI_KEYLEN], char hex[AI_KEYHEX])
{
	static const char digits[] = "0123456789abcdef";
	int i;

	for (i = 0; i < AI_KEYLEN; i++) {
		hex[2 * i] = digits[key[i] >> 4];
		hex[2 * i + 1] = digits[key[i] & 15];
	}
	hex[2 * AI_KEYLEN] = '\0';
}

static int
hexdigit(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* A key from its 64 lowercase hex digits, as ai_cache_key_hex writes it. */
int
ai_cache_key_unhex(const char *s, unsigned char key[AI_KEYLEN])
{
	int i, hi, lo;

	if (s == NULL || strlen(s) != 2 * AI_KEYLEN)
		return -1;
	for (i = 0; i < AI_KEYLEN; i++) {
		if ((hi = hexdigit(s[2 * i])) == -1 ||
		    (lo = hexdigit(s[2 * i + 1])) == -1)
			return -1;
		key[i] = (unsigned char)(hi << 4 | lo);
	}
	return 0;
}
