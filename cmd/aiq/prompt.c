/*
 * prompt.c: the text-mode prompt: the arguments, then a blank line and
 * stdin, unless stdin is a terminal or -n says not to read it.  The
 * prompt is sent whole, so stdin is read to its end here, in chunks.
 * Text is all it may be: a NUL byte or bytes that are not UTF-8 (a
 * binary file) are refused whole, never cut or sent in part.
 */
#include <err.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "aiq.h"

static void
oom(void)
{
	errx(1, "out of memory");
}

static void
read_stdin(struct ai_buf *b)
{
	char chunk[65536];
	ssize_t n;

	while ((n = read(STDIN_FILENO, chunk, sizeof(chunk))) != 0) {
		if (n == -1 && errno == EINTR) {
			if (aiq_signal != 0) {
				signal(aiq_signal, SIG_DFL);
				raise(aiq_signal);
			}
			continue;
		}
		if (n == -1)
			err(1, "stdin");
		if (ai_buf_append(b, chunk, (size_t)n) == -1)
			oom();
	}
}

/* The byte order mark of Windows editors, as ai_lines_next drops it. */
static void
drop_bom(struct ai_buf *b, size_t from)
{
	if (b->len - from >= 3 && memcmp(b->data + from, "\xef\xbb\xbf",
	    3) == 0) {
		memmove(b->data + from, b->data + from + 3, b->len - from - 3);
		b->len -= 3;
	}
}

/* Refuses what is not text, saying where it stops being text. */
static void
check_text(const char *s, size_t len, size_t from)
{
	size_t i;

	if (from >= len || (i = from + ai_text_end(s + from, len - from,
	    0)) == len)
		return;
	warnx("stdin: not text (%s at byte %zu): aiq sends text prompts; "
	    "give a binary file's text, or a JSON record with -J",
	    s[i] == 0 ? "a NUL byte" : "a byte that is not UTF-8", i - from);
	exit(EXIT_USAGE);
}

/*
 * A one-line hint when stdin looks like JSON records: text mode would
 * send them all as one prompt.
 */
static void
hint_records(struct aiq *q, const char *s, size_t len, int with_args)
{
	const char *start = s + strspn(s, " \t\r\n");
	json_t *v;

	if ((size_t)(start - s) >= len || *start != '{')
		return;
	v = json_loadb(start, strcspn(start, "\n"), 0, NULL);
	if (json_is_object(v) && (json_object_get(v, "prompt") != NULL ||
	    json_object_get(v, "messages") != NULL ||
	    json_object_get(v, "body") != NULL ||
	    json_object_get(v, "params") != NULL)) {
		/*
		 * A file of requests sent whole as one prompt is a costly
		 * mistake (aiq -p x < jobs.jsonl); with an argument saying
		 * what to do with it, it is meant.
		 */
		if (!with_args) {
			warnx("stdin holds JSON records: -J sends each as a "
			    "request; to send it whole as one prompt, say what "
			    "to do with it (aiq 'Explain:' < file)");
			exit(EXIT_USAGE);
		}
		say(q, "stdin looks like JSON records, sent here as one prompt;"
		    " -J sends each as a request");
	}
	json_decref(v);
}

/* The prompt, NUL-terminated, and its length in *len. */
char *
prompt_read(struct aiq *q, char **argv, int argc, size_t *len)
{
	struct ai_buf b = { 0 };
	size_t head;
	int i;

	for (i = 0; i < argc; i++)
		if ((i > 0 && ai_buf_puts(&b, " ") == -1) ||
		    ai_buf_puts(&b, argv[i]) == -1)
			oom();
	head = b.len;
	if (!q->cf->no_stdin && !isatty(STDIN_FILENO)) {
		if (b.len > 0 && ai_buf_puts(&b, "\n\n") == -1)
			oom();
		read_stdin(&b);
		drop_bom(&b, head > 0 ? head + 2 : 0);
		if (b.len == head + 2 && head > 0)
			b.len = head;		/* stdin was empty */
		check_text(b.data, b.len, head > 0 ? head + 2 : 0);
		if (b.len > head)
			hint_records(q, b.data + (head > 0 ? head + 2 : 0),
			    b.len - (head > 0 ? head + 2 : 0), head > 0);
	}
	if (ai_buf_append(&b, "", 0) == -1)
		oom();
	*len = b.len;
	return b.data;
}
