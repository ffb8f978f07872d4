/*
 * fuzz.h: what the harnesses of tests/fuzz share.  Each NAME.c defines
 * LLVMFuzzerTestOneInput, linked either with libFuzzer (make fuzz) or
 * with replay.c, which runs it once on each file of a corpus (make
 * check).  A harness returns 0 and aborts on a wrong result, so that both
 * libFuzzer and the replay see it as a crash.
 */
#ifndef FUZZ_H
#define FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aitools.h"

int	 LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* Stops the run: a result that breaks what the code promises. */
#define FUZZ_ASSERT(c) do {						\
	if (!(c)) {							\
		fprintf(stderr, "%s:%d: broken: %s\n", __FILE__,	\
		    __LINE__, #c);					\
		abort();						\
	}								\
} while (0)

/* The input as a NUL-terminated string of its own (cut at a NUL). */
static inline char *
fuzz_str(const uint8_t *data, size_t size)
{
	char *s;

	if ((s = malloc(size + 1)) == NULL)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

/*
 * Sizes of the pieces an input is fed in: a small generator seeded by one
 * byte of the input, so that a corpus file always splits the same way.
 * Pieces are 1 to 16 bytes, now and then up to 256.
 */
static inline size_t
fuzz_piece(uint32_t *state)
{
	uint32_t x = *state;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	*state = x;
	return (x & 0x70) == 0x70 ? 1 + (x >> 8) % 256 : 1 + (x >> 8) % 16;
}

static inline uint32_t
fuzz_seed(uint8_t b)
{
	return 0x9e3779b9u ^ ((uint32_t)b * 0x01000193u);
}

#endif
