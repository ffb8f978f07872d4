/*
 * lines.c: lines read incrementally from a pipe, as every tool reads its
 * input.  The first byte sets the longest line kept (1 to 64 bytes, or
 * AI_MAX_LINE) and seeds how the rest is written into the pipe, a piece
 * at a time, each read before the next is written.  The lines must be the
 * input's, each cut to the longest, with the cut said.
 */
#include <unistd.h>

#include "fuzz.h"

#define MAX_INPUT	60000	/* less than a pipe holds */

struct want {
	const char	*p, *end;	/* the input left */
	size_t		 max;
	long		 n;		/* lines seen */
};

/* Checks a line read against the next line of the input. */
static void
check(struct want *w, const char *line, size_t len, int cut)
{
	const char *nl;
	size_t n;

	FUZZ_ASSERT(w->p < w->end);
	if ((nl = memchr(w->p, '\n', (size_t)(w->end - w->p))) == NULL)
		nl = w->end;
	n = (size_t)(nl - w->p);
	FUZZ_ASSERT(line[len] == '\0');
	FUZZ_ASSERT(cut == (n > w->max));
	FUZZ_ASSERT(len == (n > w->max ? w->max : n));
	FUZZ_ASSERT(memcmp(line, w->p, len) == 0);
	w->p = nl < w->end ? nl + 1 : nl;
	w->n++;
}

/* Takes every line there is; 1 when the input has ended. */
static int
drain(struct ai_lines *l, struct want *w)
{
	char *line;
	size_t len;
	int cut, r;

	while ((r = ai_lines_next(l, &line, &len, &cut)) == 1) {
		check(w, line, len, cut);
		FUZZ_ASSERT(l->lineno == w->n);
	}
	return r == -1;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ai_lines l;
	struct want w;
	int fd[2];
	size_t i, k;
	uint32_t seed;

	if (size == 0 || size > MAX_INPUT)
		return 0;
	if (pipe(fd) == -1)
		abort();
	seed = fuzz_seed(data[0]);
	w.p = (const char *)data + 1;
	w.end = (const char *)data + size;
	w.max = data[0] < 0xf0 ? (size_t)data[0] % 64 + 1 : AI_MAX_LINE;
	w.n = 0;
	ai_lines_init(&l, fd[0], w.max);
	FUZZ_ASSERT(drain(&l, &w) == 0);	/* nothing read yet */
	for (i = 1; i < size; i += k) {
		if ((k = fuzz_piece(&seed)) > size - i)
			k = size - i;
		FUZZ_ASSERT(ai_write_all(fd[1], data + i, k) == 0);
		FUZZ_ASSERT(ai_lines_fill(&l) == 0 && !l.eof);
		FUZZ_ASSERT(drain(&l, &w) == 0);
	}
	close(fd[1]);
	do
		FUZZ_ASSERT(ai_lines_fill(&l) == 0);
	while (!drain(&l, &w));
	FUZZ_ASSERT(l.eof && w.p == w.end);
	ai_lines_free(&l);
	close(fd[0]);
	return 0;
}
