/*
 * faults.c: choosing how a request goes wrong.  The fault knob applies
 * to every request; fail_first fails the first N requests with the same
 * body, taking the items of the fail list in turn, which lets a test
 * script "429, then success" for a client that retries; fail_rate fails
 * each request with a probability, picking an item at random.
 */
#include <pthread.h>
#include <stdint.h>
#include <string.h>

#include "aimock.h"

#define SEEN_SLOTS	4096	/* bodies whose requests are counted */
#define SEEN_PROBE	8	/* slots a body may take */
#define LONG_CHARS	300	/* of the message of long_error */

/* How many requests came with each body, for fail_first. */
static struct {
	uint64_t		hash;
	unsigned long		count;
	unsigned long long	used;	/* 0: free; else the last use */
} seen[SEEN_SLOTS];
static unsigned long long seenclock;
static pthread_mutex_t seenmu = PTHREAD_MUTEX_INITIALIZER;

static _Thread_local uint64_t rng;	/* per-thread xorshift state */

/* A per-thread xorshift64*, seeded from the clock and the thread. */
uint64_t
mock_rand(void)
{
	if (rng == 0)
		rng = ((uint64_t)ai_mono_us() << 20 ^
		    (uint64_t)(uintptr_t)&rng) | 1;
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 2685821657736338717ULL;
}

/* FNV-1a: the body's identity for fail_first. */
static uint64_t
body_hash(const struct ai_buf *b)
{
	uint64_t h = 14695981039346656037ULL;
	size_t i;

	for (i = 0; i < b->len; i++) {
		h ^= (unsigned char)b->data[i];
		h *= 1099511628211ULL;
	}
	return h;
}

/*
 * Counts one more request with the body hashed h and returns the count.
 * When the body's slots are full, the one used longest ago is forgotten.
 */
static unsigned long
seen_count(uint64_t h)
{
	size_t i, slot, victim = h % SEEN_SLOTS;
	unsigned long n;

	pthread_mutex_lock(&seenmu);
	for (i = 0; i < SEEN_PROBE; i++) {
		slot = (h + i) % SEEN_SLOTS;
		if (seen[slot].used != 0 && seen[slot].hash == h)
			break;
		if (seen[slot].used < seen[victim].used)
			victim = slot;
	}
	if (i == SEEN_PROBE) {
		slot = victim;
		seen[slot].hash = h;
		seen[slot].count = 0;
	}
	seen[slot].used = ++seenclock;
	n = ++seen[slot].count;
	pthread_mutex_unlock(&seenmu);
	return n;
}

/* A uniform double in [0, 1). */
static double
uniform(void)
{
	return (double)(mock_rand() >> 11) * 0x1.0p-53;
}

/* Whether fail_first or fail_rate fails this request, and how. */
static int
must_fail(const struct mockreq *mr, struct failure *f)
{
	const struct knobs *k = &mr->k;
	unsigned long n;

	if (k->fail_first > 0) {
		n = seen_count(body_hash(&mr->up->data));
		if (n <= (unsigned long)k->fail_first) {
			*f = k->fail[(n - 1) % (unsigned long)k->nfail];
			return 1;
		}
	}
	if (k->fail_rate > 0 && uniform() < k->fail_rate) {
		*f = k->fail[mock_rand() % (uint64_t)k->nfail];
		return 1;
	}
	return 0;
}

/*
 * Chooses the behaviour: a real problem with the request first, then the
 * fault knob, then fail_first and fail_rate, then the status knob.
 */
enum behaviour
choose(struct mockreq *mr)
{
	struct failure f;

	if (mr->k.prompt_set)	/* a count to try a client's checks with */
		mr->prompt_tokens = (json_int_t)mr->k.prompt_tokens;
	if (mr->err_status != 0)
		return B_ERROR;
	if (mr->k.fault != F_NONE) {
		mr->fault = mr->k.fault;
		return B_FAULT;
	}
	if (must_fail(mr, &f)) {
		if (f.status == 0) {
			mr->fault = f.fault;
			return B_FAULT;
		}
		mr->k.status = f.status;
		return B_ERROR;
	}
	return mr->k.status >= 200 && mr->k.status <= 299 ? B_REPLY : B_ERROR;
}

/*
 * The message of an error fault, in place of the status's own: for
 * long_error and stream_error 300 "é", 600 bytes, so that a client
 * cutting it to any odd number of bytes, such as 255, cuts a character
 * in two; for bad_utf8_error one with the mark, where the sender puts
 * BAD_BYTES.  NULL for the other faults.
 */
json_t *
fault_message(const struct mockreq *mr)
{
	char msg[LONG_CHARS * 2 + 1];
	size_t i;

	switch (mr->fault) {
	case F_LONG_ERROR:
	case F_STREAM_ERROR:
		for (i = 0; i < LONG_CHARS; i++)
			memcpy(msg + 2 * i, "\xc3\xa9", 2);
		return json_stringn(msg, LONG_CHARS * 2);
	case F_BAD_UTF8_ERROR:
		return json_string("Bad bytes:\001 (mock)");
	default:
		return NULL;
	}
}
