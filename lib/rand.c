/* rand.c: xoshiro256** seeded once from the kernel, for ids and jitter. */
#include <sys/random.h>

#include <string.h>
#include <time.h>
#include <unistd.h>

#include "aitools.h"

static uint64_t state[4];
static int seeded;

static uint64_t
rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

/* splitmix64 spreads a weak seed should getrandom(2) be unavailable. */
static void
seed(void)
{
	uint64_t z, x;
	int i;

	if (getrandom(state, sizeof(state), 0) == (ssize_t)sizeof(state)) {
		seeded = 1;
		return;
	}
	x = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
	for (i = 0; i < 4; i++) {
		z = (x += 0x9e3779b97f4a7c15ULL);
		z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
		z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
		state[i] = z ^ (z >> 31);
	}
	seeded = 1;
}

uint64_t
ai_rand64(void)
{
	uint64_t r, t;

	if (!seeded)
		seed();
	r = rotl(state[1] * 5, 7) * 9;
	t = state[1] << 17;
	state[2] ^= state[0];
	state[3] ^= state[1];
	state[1] ^= state[2];
	state[0] ^= state[3];
	state[2] ^= t;
	state[3] = rotl(state[3], 45);
	return r;
}

void
ai_trace_id(char out[33])
{
	static const char hex[] = "0123456789abcdef";
	uint64_t r = 0;
	int i;

	for (i = 0; i < 32; i++) {
		if (i % 16 == 0)
			r = ai_rand64();
		out[i] = hex[r & 15];
		r >>= 4;
	}
	out[32] = '\0';
}

/*
 * The trace id of a W3C traceparent header's value ("00-TRACEID-SPANID-
 * FLAGS", as $TRACEPARENT holds it for a process run inside a trace), so
 * that the calls join the caller's trace, with its flags (sampled or
 * not), which the requests pass on.  Returns -1 if s is not one.
 */
int
ai_traceparent_id(const char *s, char out[33], char flags[3])
{
	static const char hex[] = "0123456789abcdef";

	if (s == NULL || strlen(s) < 55 || s[2] != '-' || s[35] != '-' ||
	    s[52] != '-' || strspn(s, hex) != 2 || strncmp(s, "ff", 2) == 0 ||
	    strspn(s + 3, hex) != 32 || strspn(s + 36, hex) != 16 ||
	    strspn(s + 53, hex) != 2 || strncmp(s + 3,
	    "00000000000000000000000000000000", 32) == 0)
		return -1;
	memcpy(out, s + 3, 32);
	out[32] = '\0';
	memcpy(flags, s + 53, 2);
	flags[2] = '\0';
	return 0;
}
