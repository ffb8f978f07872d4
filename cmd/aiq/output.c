/*
 * output.c: what becomes of a finished job: its output record (the input
 * with a response or an error added, by lib's one tail writer), or in
 * text mode the answer alone; and writing them.  Records final in one
 * turn of the loop go out in one write(2), so a pipeline sees each record
 * as soon as it is final without paying a system call per record.
 *
 * When the output cannot be written (the reader went away, a full disk)
 * the run stops: engine.c ends what is in flight, and calls.c still logs
 * every call made.
 */
#include <sys/stat.h>

#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "aiq.h"

#define STALL_MS	2000	/* a stopped run's wait for a reader */

/* The aitools member of j's output record. */
static void
fill_meta(struct aiq *q, struct job *j, const char *model, struct ai_meta *m)
{
	memset(m, 0, sizeof(*m));
	m->line = j->lineno;
	m->started_ms = j->started_ms;
	m->finished_ms = ai_now_ms();
	if (j->ep != NULL) {
		m->provider = j->ep->conf->name;
		m->model = model;
	}
	if (j->attempts > 0) {
		m->attempts = j->attempts;
		m->latency_ms = (ai_mono_us() - j->first_us) / 1000;
		m->trace_id = j->trace_id;
	}
	if (j->fallbacks.len > 0) {
		m->fallbacks = j->fallbacks.data;
		m->fallbacks_len = j->fallbacks.len;
	}
	if (j->attempts > 1 || j->hops > 0 || (j->refused &&
	    j->failures.len > 0)) {
		m->failed_attempts = j->failures.data;
		m->failed_len = j->failures.len;
	}
	m->service = q->cf->service;
	m->tags = j->tags;
	m->key = j->key[0] != '\0' ? j->key : NULL;
	m->ratelimit = j->rl.have != 0 ? &j->rl : NULL;
}

/*
 * Whether the output can no longer be written: its reader went away or
 * a write failed.  A run stopped by a signal still writes what is final.
 */
int
output_dead(const struct aiq *q)
{
	return q->out_dead;
}

/* A scratch buffer a large answer grew is given back. */
static void
shrink(struct ai_buf *b)
{
	if (b->cap > (1u << 20))
		ai_buf_free(b);
}

/*
 * Writes all of p to stdout, across short writes.  A signal that stops
 * the run ends a write blocked on a reader that does not read (EINTR),
 * and once stopped a write waits for room at most STALL_MS: the calls
 * must still be logged, and aiq end.
 */
static int
write_all(const char *p, size_t n)
{
	struct pollfd pfd = { .fd = STDOUT_FILENO, .events = POLLOUT };
	ssize_t w;

	while (n > 0) {
		if (aiq_signal != 0 && poll(&pfd, 1, STALL_MS) == 0) {
			errno = EINTR;
			return -1;
		}
		if ((w = write(STDOUT_FILENO, p, n)) == -1) {
			if (errno == EINTR && aiq_signal == 0)
				continue;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/*
 * Writes n bytes of p to stdout.  A pipe keeps a write whole only up to
 * 4 KiB: when stdout is one, shared by aiq processes (xargs -P), a write
 * lock (fcntl(2), which is per process, unlike flock(2)) keeps each
 * answer or batch of records whole.  Where locks are not had, it writes
 * all the same.
 */
static int
write_out(struct aiq *q, const void *p, size_t n)
{
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
	struct stat sb;
	int locked = 0, r;

	if (q->out_pipe == 0)
		q->out_pipe = fstat(STDOUT_FILENO, &sb) == 0 &&
		    S_ISFIFO(sb.st_mode) ? 1 : -1;
	if (q->out_pipe == 1 && n > PIPE_BUF)
		while (!(locked = fcntl(STDOUT_FILENO, F_SETLKW, &fl) == 0) &&
		    errno == EINTR && aiq_signal == 0)
			;
	r = write_all(p, n);
	if (locked) {
		fl.l_type = F_UNLCK;
		fcntl(STDOUT_FILENO, F_SETLK, &fl);
	}
	return r;
}

/*
 * The output failed: the run stops (engine.c), quietly when on EPIPE or
 * when a signal stopped a write to a reader that did not read.
 */
static void
write_failed(struct aiq *q)
{
	q->out_dead = 1;
	if (errno == EINTR)
		q->stop = STOP_SIGNAL;
	else if (errno == EPIPE)
		q->stop = STOP_PIPE;
	else {
		say(q, "write error: %s", strerror(errno));
		q->stop = STOP_WRITE;
	}
}

/* The output record: the input with the tail's members added. */
static void
emit(struct aiq *q, struct job *j, const struct ai_buf *tail)
{
	int r;

	if (j->rec != NULL)
		r = ai_record_splice(&j->out, j->line, j->len, j->rec,
		    tail->data, tail->len);
	else
		r = ai_record_bare(&j->out, j->salvaged, tail->data, tail->len);
	if (r == -1)
		errx(1, "out of memory");
	j->done = 1;
	transfer_release(q, j);
}

/* Text mode shows a streamed answer's text as it comes. */
void
output_text(struct job *j, const char *s, size_t n)
{
	struct aiq *q = j->q;

	if (n == 0 || output_dead(q))
		return;		/* no one to show it to: it is let finish */
	if (ai_buf_append(&q->outbuf, s, n) == -1)
		errx(1, "out of memory");
	j->emitted = 1;
	j->line_open = s[n - 1] != '\n';
	output_flush(q);
}

/* Ends the line of answer shown, so that a message does not join it. */
void
output_end_line(struct job *j)
{
	if (!j->line_open)
		return;
	output_text(j, "\n", 1);
	j->line_open = 0;
}

/* A failed record: its error record, or in text mode a message. */
void
output_error(struct aiq *q, struct job *j, enum ai_errcode code,
    const char *msg, long status)
{
	struct ai_meta m;
	char shown[AI_ERRLEN];

	j->code = code;
	q->st.failed++;
	q->st.by_code[code]++;
	if (q->cf->mode == MODE_TEXT) {
		output_end_line(j);
		say(q, "%s: %s", ai_errcode_name(code),
		    ai_text_show(shown, sizeof(shown), msg));
		j->done = 1;
		return;
	}
	fill_meta(q, j, j->req.model, &m);
	if (ai_tail_error(&q->tail, code, msg, status, &m) == -1)
		errx(1, "out of memory");
	emit(q, j, &q->tail);
}

/*
 * Text mode prints the answer alone: its content, or else its refusal,
 * or else the message as JSON; a streamed one is already shown.  The
 * whole of it goes out in one write, so that answers of aiq processes
 * sharing a pipe (xargs -P) do not interleave.
 */
static void
answer_text(struct job *j, const json_t *body)
{
	const json_t *c = json_array_get(json_object_get(body, "choices"), 0);
	const json_t *m = json_object_get(c, "message");
	const char *reason = json_string_value(json_object_get(c,
	    "finish_reason"));
	const char *s = json_string_value(json_object_get(m, "content"));
	struct ai_buf *out = &j->q->outbuf;

	if (s == NULL || (*s == '\0' && json_is_string(json_object_get(m,
	    "refusal"))))
		s = json_string_value(json_object_get(m, "refusal"));
	if (!j->emitted && !output_dead(j->q)) {
		if ((s != NULL ? ai_buf_puts(out, s) : ai_buf_json(out, m)) == -1
		    || (out->len > 0 && out->data[out->len - 1] != '\n' &&
		    ai_buf_puts(out, "\n") == -1))
			errx(1, "out of memory");
		output_flush(j->q);
	}
	output_end_line(j);
	if (reason != NULL && strcmp(reason, "length") == 0)
		say(j->q, "the answer was cut at the token limit");
	j->done = 1;
}

/*
 * An answered record.  An answer already in the chat.completion shape is
 * copied as received, on one line: parsing it checked it, and printing it
 * again would cost more than the request.
 */
void
output_answer(struct aiq *q, struct job *j, const struct ai_result *r,
    long status)
{
	struct ai_meta m;
	int rc;

	j->code = AI_OK;
	q->st.ok++;
	if (q->cf->mode == MODE_TEXT) {
		answer_text(j, r->body);
		return;
	}
	ai_buf_reset(&q->body);
	rc = r->native ? ai_buf_oneline(&q->body, j->resp.data, j->resp.len) :
	    ai_buf_json(&q->body, r->body);
	ai_buf_free(&j->resp);		/* one copy of a large answer less */
	fill_meta(q, j, r->model != NULL ? r->model : j->req.model, &m);
	if (rc == -1 || ai_tail_response(&q->tail, status, j->request_id[0] !=
	    '\0' ? j->request_id : NULL, q->body.len > 0 ? q->body.data :
	    "null", q->body.len > 0 ? q->body.len : 4, &m) == -1)
		errx(1, "out of memory");
	shrink(&q->body);
	emit(q, j, &q->tail);
	shrink(&q->tail);
}

/* Takes a finished job's record into the output. */
void
output_job(struct aiq *q, struct job *j)
{
	if (output_dead(q)) {
		transfer_written(q, j);
		return;
	}
	if (j->out.len > (64u << 10)) {	/* large: written, not copied */
		output_flush(q);
		if (!output_dead(q) && write_out(q, j->out.data,
		    j->out.len) == -1)
			write_failed(q);
	} else if (ai_buf_append(&q->outbuf, j->out.data, j->out.len) == -1)
		errx(1, "out of memory");
	ai_buf_free(&j->out);
	transfer_written(q, j);
}

/*
 * Writes what is ready.  When it cannot be written the run stops: a
 * reader that went away (EPIPE) quietly, as SIGPIPE would end it once the
 * usage log is safe; another error with a message.
 */
int
output_flush(struct aiq *q)
{
	if (output_dead(q)) {
		ai_buf_reset(&q->outbuf);
		return -1;
	}
	if (q->outbuf.len == 0)
		return 0;
	if (write_out(q, q->outbuf.data, q->outbuf.len) == 0) {
		if (q->outbuf.cap > (1u << 20))	/* a burst's buffer goes */
			ai_buf_free(&q->outbuf);
		else
			ai_buf_reset(&q->outbuf);
		return 0;
	}
	write_failed(q);
	ai_buf_reset(&q->outbuf);
	return -1;
}

/* One line on stderr: what happened to the records of this run. */
void
output_summary(const struct aiq *q)
{
	const struct stats *s = &q->st;
	char codes[512] = "", resumed[64] = "", unknown[64] = "";
	size_t n = 0;
	int c;

	for (c = AI_OK + 1; c < AI_E_NCODES; c++) {
		if (s->by_code[c] == 0 || n >= sizeof(codes))
			continue;
		n += (size_t)snprintf(codes + n, sizeof(codes) - n, "%s%zu %s",
		    n > 0 ? ", " : "", s->by_code[c], ai_errcode_name(c));
	}
	if (s->resumed > 0)
		snprintf(resumed, sizeof(resumed), " (%zu from --resume)",
		    s->resumed);
	if (s->unknown_tokens > 0)
		snprintf(unknown, sizeof(unknown), "; %lld call%s of unknown "
		    "tokens", (long long)s->unknown_tokens,
		    s->unknown_tokens == 1 ? "" : "s");
	say(q, "%zu record%s: %zu ok, %zu failed%s%s%s, "
	    "%zu passed through%s; %lld tokens in, %lld out%s", s->records,
	    s->records == 1 ? "" : "s", s->ok, s->failed, n > 0 ? " (" : "",
	    codes, n > 0 ? ")" : "", s->passed, resumed,
	    (long long)s->input_tokens, (long long)s->output_tokens, unknown);
}

/*
 * Appends s as one word a shell reads back as s: as it is when it holds
 * nothing the shell would take apart, else in single quotes.
 */
int
shell_word(struct ai_buf *b, const char *s)
{
	const char *p;
	int r;

	if (*s != '\0' && s[strspn(s, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_=.,/:@%+")] == '\0')
		return ai_buf_puts(b, s);
	for (r = ai_buf_puts(b, "'"), p = s; r == 0 && *p != '\0'; p++)
		r = *p == '\'' ? ai_buf_puts(b, "'\\''") : ai_buf_append(b, p, 1);
	return r == 0 ? ai_buf_puts(b, "'") : -1;
}

/* The path of descriptor fd as a shell word, when a regular file. */
static int
file_of(int fd, struct ai_buf *b, const char *none)
{
	char link[32], path[PATH_MAX];
	struct stat sb;
	ssize_t n;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	if (fstat(fd, &sb) == -1 || !S_ISREG(sb.st_mode) ||
	    (n = readlink(link, path, sizeof(path) - 1)) <= 0)
		return ai_buf_puts(b, none);
	path[n] = '\0';
	return shell_word(b, path);
}

/*
 * After an interrupted run: what was left undone, and the command that
 * finishes it, sending only what the output lacks.
 */
void
output_stopped(const struct aiq *q)
{
	struct ai_buf cmd = { 0 };
	char left[64];
	long long n;

	if (q->cf->mode == MODE_TEXT || q->stop != STOP_SIGNAL)
		return;
	n = ai_lines_left(&q->in);
	if (ai_buf_puts(&cmd, q->cf->command) == -1 ||
	    ai_buf_puts(&cmd, " --resume ") == -1 ||
	    file_of(STDOUT_FILENO, &cmd, "OUT") == -1 ||
	    ai_buf_puts(&cmd, " < ") == -1 ||
	    file_of(STDIN_FILENO, &cmd, "IN") == -1 ||
	    ai_buf_puts(&cmd, " > NEW") == -1)
		errx(1, "out of memory");
	if (n >= 0)
		snprintf(left, sizeof(left), "%lld record%s not started", n,
		    n == 1 ? "" : "s");
	else
		snprintf(left, sizeof(left), "the rest of the input not read");
	say(q, "interrupted: %zu record%s read, %s; to finish "
	    "the run: %s%s", q->st.records, q->st.records == 1 ? "" : "s", left,
	    cmd.data, q->cf->command_masked ? " (with the values of -H put "
	    "back)" : "");
	ai_buf_free(&cmd);
}
