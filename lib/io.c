/* io.c: whole writes, and lines read incrementally from a descriptor. */
#include <sys/stat.h>

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "aitools.h"

#define READ_CHUNK 65536

/* Writes all of p, across short writes and interruptions. */
int
ai_write_all(int fd, const void *p, size_t n)
{
	const char *s = p;
	ssize_t w;

	while (n > 0) {
		if ((w = write(fd, s, n)) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		s += w;
		n -= (size_t)w;
	}
	return 0;
}

void
ai_lines_init(struct ai_lines *l, int fd, size_t max)
{
	memset(l, 0, sizeof(*l));
	l->fd = fd;
	l->max = max;
}

/* Drops consumed bytes so the buffer holds at most one chunk plus a line. */
static void
compact(struct ai_lines *l)
{
	if (l->start == 0)
		return;
	memmove(l->buf.data, l->buf.data + l->start, l->buf.len - l->start);
	l->buf.len -= l->start;
	l->start = 0;
}

/*
 * Reads once from the descriptor: call it when poll(2) says it is readable
 * or when blocking is fine.  Returns 0, or -1 with errno set.
 */
int
ai_lines_fill(struct ai_lines *l)
{
	char chunk[READ_CHUNK];
	ssize_t n;

	compact(l);
	do
		n = read(l->fd, chunk, sizeof(chunk));
	while (n == -1 && errno == EINTR);
	if (n == -1)
		return -1;
	if (n == 0) {
		l->eof = 1;
		return 0;
	}
	return ai_buf_append(&l->buf, chunk, (size_t)n);
}

/*
 * Returns 1 and the next line (without its newline; NUL-terminated in
 * place, valid until the next fill) if one is complete, 0 if more input is
 * needed, -1 at the end of input.  A line longer than max is returned cut
 * to max bytes with *cut set, and the rest of it is skipped.
 */
int
ai_lines_next(struct ai_lines *l, char **line, size_t *len, int *cut)
{
	char *s, *nl;
	size_t avail, n, consume;

	*cut = 0;
	if (l->buf.data == NULL)	/* nothing read yet */
		return l->eof ? -1 : 0;
	for (;;) {
		s = l->buf.data + l->start;
		avail = l->buf.len - l->start;
		nl = avail > l->scanned ?
		    memchr(s + l->scanned, '\n', avail - l->scanned) : NULL;
		if (nl != NULL) {
			n = (size_t)(nl - s);
			consume = n + 1;
			if (l->skipping) {	/* the tail of an overlong line */
				l->skipping = 0;
				l->start += consume;
				l->scanned = 0;
				continue;
			}
			if (n > l->max) {
				n = l->max;
				*cut = 1;
			}
		} else if (l->skipping) {
			l->start = l->buf.len;
			l->scanned = 0;
			return l->eof ? -1 : 0;
		} else if (avail > l->max) {
			n = consume = l->max;
			l->skipping = *cut = 1;
		} else if (!l->eof) {
			l->scanned = avail;
			return 0;
		} else if (avail == 0) {
			return -1;
		} else
			n = consume = avail;	/* a last line without newline */
		s[n] = '\0';
		l->start += consume;
		l->scanned = 0;
		l->lineno++;
		/* The byte order mark of Windows editors: not the record's. */
		if (l->lineno == 1 && n >= 3 &&
		    memcmp(s, "\xef\xbb\xbf", 3) == 0) {
			s += 3;
			n -= 3;
		}
		*line = s;
		*len = n;
		return 1;
	}
}

static long long
newlines(const char *p, size_t n)
{
	const char *e = p + n;
	long long k = 0;

	while (p < e && (p = memchr(p, '\n', (size_t)(e - p))) != NULL) {
		k++;
		p++;
	}
	return k;
}

/*
 * The lines not yet returned: those held and the rest of the file, read
 * ahead with pread so that none is taken; a last line without its
 * newline counts.  -1 when the descriptor is not a regular file, whose
 * rest cannot be known without taking it.
 */
long long
ai_lines_left(const struct ai_lines *l)
{
	const char *held = l->buf.data + l->start;
	size_t nheld = l->buf.len - l->start;
	char buf[READ_CHUNK], last = nheld > 0 ? held[nheld - 1] : '\n';
	struct stat sb;
	long long k;
	off_t off;
	ssize_t n;

	if (fstat(l->fd, &sb) == -1 || !S_ISREG(sb.st_mode) ||
	    (off = lseek(l->fd, 0, SEEK_CUR)) == -1)
		return -1;
	k = nheld > 0 ? newlines(held, nheld) : 0;
	while ((n = pread(l->fd, buf, sizeof(buf), off)) > 0) {
		k += newlines(buf, (size_t)n);
		last = buf[n - 1];
		off += n;
	}
	k += last != '\n';
	/* The tail of an overlong line belongs to one already returned. */
	return l->skipping && k > 0 ? k - 1 : k;
}

void
ai_lines_free(struct ai_lines *l)
{
	ai_buf_free(&l->buf);
}
