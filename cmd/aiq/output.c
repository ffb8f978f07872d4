/*
 * output.c: writing finished records.  Records final in one turn of the
 * loop go out in one write(2), so a pipeline sees each record as soon as
 * it is final without paying a system call per record.
 */
#include <err.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "aiq.h"

void
output_job(struct aiq *q, struct job *j)
{
	if (ai_buf_append(&q->outbuf, j->out.data, j->out.len) == -1)
		errx(1, "out of memory");
}

/*
 * Writes what is ready.  A reader that went away ends aiq as SIGPIPE
 * would, quietly, once the usage log is safe; other errors are reported.
 */
int
output_flush(struct aiq *q)
{
	char err[AI_ERRLEN];

	if (q->outbuf.len == 0 || q->write_failed)
		return q->write_failed ? -1 : 0;
	if (ai_write_all(STDOUT_FILENO, q->outbuf.data, q->outbuf.len) == 0) {
		ai_buf_reset(&q->outbuf);
		return 0;
	}
	if (errno == EPIPE) {
		if (q->log != NULL)
			ai_usagelog_flush(q->log, err);
		signal(SIGPIPE, SIG_DFL);
		raise(SIGPIPE);
	}
	warn("write error");
	q->write_failed = 1;
	return -1;
}

/* One line on stderr: what happened to the records of this run. */
void
output_summary(const struct aiq *q)
{
	const struct stats *s = &q->st;
	char codes[512] = "";
	size_t n = 0;
	int c;

	for (c = AI_OK + 1; c < AI_E_NCODES; c++) {
		if (s->by_code[c] == 0 || n >= sizeof(codes))
			continue;
		n += (size_t)snprintf(codes + n, sizeof(codes) - n, "%s%zu %s",
		    n > 0 ? ", " : "", s->by_code[c], ai_errcode_name(c));
	}
	fprintf(stderr, "aiq: %zu record%s: %zu ok, %zu failed%s%s%s, "
	    "%zu passed through; %lld tokens in, %lld out\n", s->records,
	    s->records == 1 ? "" : "s", s->ok, s->failed, n > 0 ? " (" : "",
	    codes, n > 0 ? ")" : "", s->passed, (long long)s->input_tokens,
	    (long long)s->output_tokens);
}
