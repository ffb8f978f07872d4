/*
 * io.c: ai_write_all and the incremental line reader of lib/io.c.  Input
 * is fed through a pipe a piece at a time, each piece small enough for
 * the pipe buffer, so every read returns exactly what was written.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "aitools.h"
#include "tap.h"

static int pfd[2];

static void
feed(const char *s)
{
	if (ai_write_all(pfd[1], s, strlen(s)) == -1)
		abort();
}

/* Writes s to the pipe (or closes it when s is NULL), then reads once. */
static void
step(struct ai_lines *l, const char *s)
{
	if (s != NULL)
		feed(s);
	else {
		close(pfd[1]);
		pfd[1] = -1;
	}
	if (ai_lines_fill(l) == -1)
		abort();
}

static void
start(struct ai_lines *l, size_t max)
{
	if (pipe(pfd) == -1)
		abort();
	ai_lines_init(l, pfd[0], max);
}

static void
finish(struct ai_lines *l)
{
	ai_lines_free(l);
	close(pfd[0]);
	if (pfd[1] != -1)
		close(pfd[1]);
}

/* Takes the next line and checks it, its cut flag and its number. */
static void
expect(struct ai_lines *l, const char *want, int want_cut, long lineno,
    const char *what)
{
	char *line = NULL;
	size_t len = 0;
	int cut = -1;

	if (!is_int(ai_lines_next(l, &line, &len, &cut), 1, "%s: a line", what))
		return;
	is_str(line, want, "%s: text", what);
	is_int(len, strlen(want), "%s: length", what);
	is_int(cut, want_cut, "%s: cut flag", what);
	is_int(l->lineno, lineno, "%s: line number", what);
}

/* Expects no line: 0 (more input needed) or -1 (end of input). */
static void
expect_none(struct ai_lines *l, int want, const char *what)
{
	char *line;
	size_t len;
	int cut;

	is_int(ai_lines_next(l, &line, &len, &cut), want, "%s: returns %d",
	    what, want);
}

static void
test_split_reads(void)
{
	struct ai_lines l;

	start(&l, 100);
	expect_none(&l, 0, "nothing read yet");
	step(&l, "hel");
	expect_none(&l, 0, "half a line");
	step(&l, "lo\nwor");
	expect(&l, "hello", 0, 1, "line completed by a second read");
	expect_none(&l, 0, "then the next half line");
	step(&l, "ld\n\nthird\nfour");
	expect(&l, "world", 0, 2, "second line");
	expect(&l, "", 0, 3, "an empty line");
	expect(&l, "third", 0, 4, "two lines from one read");
	expect_none(&l, 0, "last line incomplete");
	step(&l, NULL);
	ok(l.eof, "eof seen");
	expect(&l, "four", 0, 5, "last line without newline at eof");
	expect_none(&l, -1, "then the end");
	expect_none(&l, -1, "and the end again");
	finish(&l);
}

static void
test_overlong(void)
{
	struct ai_lines l;

	start(&l, 8);
	step(&l, "12345678\n123456789\nok\n");
	expect(&l, "12345678", 0, 1, "a line of exactly max bytes");
	expect(&l, "12345678", 1, 2, "max+1 bytes: cut");
	expect(&l, "ok", 0, 3, "the line after a cut one");
	step(&l, "1234");
	expect_none(&l, 0, "start of a long line");
	step(&l, "56789");
	expect(&l, "12345678", 1, 4, "cut before its newline arrives");
	step(&l, "abcdefghijklmnopqrstuvwxyz");
	expect_none(&l, 0, "its tail is skipped");
	step(&l, "xyz\nnext\nlast-is-way-too-long");
	expect(&l, "next", 0, 5, "line after the skipped tail");
	expect(&l, "last-is-", 1, 6, "overlong last line");
	step(&l, NULL);
	expect_none(&l, -1, "its tail at eof is dropped");
	finish(&l);
}

static void
test_bytes(void)
{
	struct ai_lines l;
	char *line;
	size_t len;
	int cut;

	start(&l, 100);
	step(&l, "a\r\nb\r\n");
	/* The reader splits on \n only; a CR stays part of the line. */
	expect(&l, "a\r", 0, 1, "CRLF: CR kept");
	expect(&l, "b\r", 0, 2, "CRLF: second line");
	if (ai_write_all(pfd[1], "x\0y\n", 4) == -1)
		abort();
	ai_lines_fill(&l);
	is_int(ai_lines_next(&l, &line, &len, &cut), 1, "line with a NUL");
	ok(len == 3 && memcmp(line, "x\0y", 4) == 0, "NUL kept, length 3");
	finish(&l);
}

/* Reads a whole file of long lines through 64 KiB reads. */
static void
test_file(void)
{
	char path[] = "/tmp/aitools-io.XXXXXX";
	struct ai_lines l;
	char *big, *line;
	size_t len, i;
	int fd, r, cut, n = 0, bad = 0;

	if ((fd = mkstemp(path)) == -1 || (big = malloc(100001)) == NULL)
		abort();
	unlink(path);
	for (i = 0; i < 3; i++) {
		memset(big, 'a' + (int)i, 100000);
		big[100000] = '\n';
		ai_write_all(fd, big, 100001);
	}
	ai_write_all(fd, "tail", 4);
	lseek(fd, 0, SEEK_SET);
	ai_lines_init(&l, fd, 100000);
	for (;;) {
		if ((r = ai_lines_next(&l, &line, &len, &cut)) == -1)
			break;
		if (r == 0) {
			if (ai_lines_fill(&l) == -1)
				abort();
			continue;
		}
		n++;
		if (n <= 3 && (len != 100000 || cut || line[0] != 'a' + n - 1 ||
		    line[99999] != 'a' + n - 1 || line[100000] != '\0'))
			bad++;
		if (n == 4 && strcmp(line, "tail") != 0)
			bad++;
	}
	is_int(n, 4, "file: 4 lines across many reads");
	is_int(bad, 0, "file: each line whole, uncut");
	is_int(l.lineno, 4, "file: lineno 4");
	ok(l.buf.cap <= 4 * 65536 + 100000,
	    "file: buffer stays small (cap %zu)", l.buf.cap);
	ai_lines_free(&l);
	close(fd);
	free(big);
}

/* Counts what is left of a file without taking it; a pipe is unknown. */
static void
test_left(void)
{
	char path[] = "/tmp/aitools-io.XXXXXX";
	struct ai_lines l;
	char *line;
	size_t len;
	int fd, cut;

	if ((fd = mkstemp(path)) == -1)
		abort();
	unlink(path);
	ai_write_all(fd, "a\nbbbbbbbbbb\nc\nd", 17);
	lseek(fd, 0, SEEK_SET);
	ai_lines_init(&l, fd, 4);
	is_int(ai_lines_left(&l), 4, "left: 4 lines, the last without newline");
	if (ai_lines_fill(&l) == -1)
		abort();
	is_int(ai_lines_left(&l), 4, "left: read ahead, none taken");
	ai_lines_next(&l, &line, &len, &cut);
	is_int(ai_lines_left(&l), 3, "left: 3 after one");
	ai_lines_next(&l, &line, &len, &cut);
	ok(cut, "left: the overlong line is cut");
	is_int(ai_lines_left(&l), 2, "left: its tail is not a line");
	is_int(lseek(fd, 0, SEEK_CUR), 17, "left: the offset is kept");
	ai_lines_free(&l);
	close(fd);
	start(&l, 10);
	is_int(ai_lines_left(&l), -1, "left: a pipe's rest is unknown");
	finish(&l);
}

/* A byte order mark starts the first line only, and is not part of it. */
static void
test_bom(void)
{
	struct ai_lines l;

	start(&l, 100);
	step(&l, "\xef\xbb\xbf{\"a\":1}\n\xef\xbb\xbfx\n");
	expect(&l, "{\"a\":1}", 0, 1, "bom: dropped from line 1");
	expect(&l, "\xef\xbb\xbfx", 0, 2, "bom: kept further on");
	finish(&l);
}

static void
test_write_all(void)
{
	char *big, *back;
	size_t n = 1 << 20, got = 0;
	ssize_t r;
	int fd;
	char path[] = "/tmp/aitools-io.XXXXXX";

	if ((fd = mkstemp(path)) == -1 || (big = malloc(n)) == NULL ||
	    (back = malloc(n)) == NULL)
		abort();
	unlink(path);
	memset(big, 'z', n);
	big[n - 1] = '!';
	is_int(ai_write_all(fd, big, n), 0, "write_all of 1 MiB");
	lseek(fd, 0, SEEK_SET);
	while (got < n && (r = read(fd, back + got, n - got)) > 0)
		got += (size_t)r;
	ok(got == n && memcmp(big, back, n) == 0, "all of it arrives");
	close(fd);
	errno = 0;
	is_int(ai_write_all(fd, "x", 1), -1, "write_all to a closed fd fails");
	is_int(errno, EBADF, "with errno set");
	free(big);
	free(back);
}

int
main(void)
{
	test_split_reads();
	test_overlong();
	test_bytes();
	test_file();
	test_left();
	test_bom();
	test_write_all();
	return done();
}
