/*
 * engine.c: the event loop.  One thread drives libcurl's multi interface:
 * it reads stdin only while there is room for more records, keeps up to
 * -j records in flight on reused connections or waiting to be tried
 * again, and hands each finished record to the output in input order (or
 * completion order with -u).  A record waiting for its next attempt holds
 * no connection, so it never holds up the others.  Memory is bounded by
 * the window of records held, whatever the input, and the answers' bytes
 * by --max-buffer (transfer.c).
 *
 * A run stops early on a signal or when its output fails: what is in
 * flight is ended, each call logged, and the records not started are
 * left for --resume.  Text mode's one answer is let finish instead when
 * only the output failed, so that its tokens are logged.
 */
#include <err.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "aiq.h"

#define POLL_MS 1000		/* at most this long between usage log checks */

static CURL *
easy_new(void)
{
	CURL *e;

	if ((e = curl_easy_init()) == NULL)
		errx(1, "cannot create a curl handle");
	curl_easy_setopt(e, CURLOPT_USERAGENT, "aiq/" AI_VERSION);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, 30000L);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	return e;
}

/* Takes a free slot for j, creating its handle on first use. */
static struct slot *
slot_take(struct aiq *q, struct job *j)
{
	struct slot *s;

	j->slot = q->idle[--q->nidle];
	s = &q->slots[j->slot];
	if (s->easy == NULL)
		s->easy = easy_new();
	s->job = j;
	return s;
}

static void
slot_release(struct aiq *q, struct job *j)
{
	q->slots[j->slot].job = NULL;
	q->idle[q->nidle++] = j->slot;
	j->easy = NULL;
}

/* Takes a finished job into the ring, or writes it at once with -u. */
static void
settle(struct aiq *q, struct job *j)
{
	if (q->cf->unordered) {
		output_job(q, j);
		job_free(j);
		q->head++;
		return;
	}
	while ((j = q->ring[q->head % q->window]) != NULL && j->done) {
		output_job(q, j);
		job_free(j);
		q->ring[q->head % q->window] = NULL;
		q->head++;
	}
}

/* The waiting jobs form a binary heap on due_us, soonest first. */
static void
wait_push(struct aiq *q, struct job *j)
{
	int i = q->nwaiting++, up;

	while (i > 0 && q->waiting[up = (i - 1) / 2]->due_us > j->due_us) {
		q->waiting[i] = q->waiting[up];
		i = up;
	}
	q->waiting[i] = j;
}

static struct job *
wait_pop(struct aiq *q)
{
	struct job *top = q->waiting[0], *last = q->waiting[--q->nwaiting];
	int i = 0, c;

	while ((c = 2 * i + 1) < q->nwaiting) {
		if (c + 1 < q->nwaiting &&
		    q->waiting[c + 1]->due_us < q->waiting[c]->due_us)
			c++;
		if (last->due_us <= q->waiting[c]->due_us)
			break;
		q->waiting[i] = q->waiting[c];
		i = c;
	}
	q->waiting[i] = last;
	return top;
}

static void
launch(struct aiq *q, struct job *j)
{
	struct slot *s = slot_take(q, j);

	if (job_start(q, j, s->easy) == -1) {
		slot_release(q, j);
		return;		/* final without a call */
	}
	if (curl_multi_add_handle(q->multi, s->easy) != CURLM_OK)
		errx(1, "cannot add a transfer");
	q->inflight++;
}

/* Admits one job: it is sent, or already final. */
static void
admit(struct aiq *q, struct job *j)
{
	if (!q->cf->unordered)
		q->ring[j->seq % q->window] = j;
	if (!j->done)
		launch(q, j);
	if (j->done)
		settle(q, j);
}

/*
 * Whether another record may be taken: a job free, room in the window,
 * and room under --max-buffer, which the records written out free again,
 * with no transfer waiting for it.
 */
static int
has_room(const struct aiq *q)
{
	return q->inflight + q->nwaiting < q->cf->jobs &&
	    q->next - q->head < q->window && q->held < q->cf->max_buffer &&
	    q->npaused == 0;
}

/* Sends the records whose wait is over; they come before new ones. */
static void
relaunch(struct aiq *q)
{
	int64_t now = ai_mono_us();
	struct job *j;

	while (q->nwaiting > 0 && q->waiting[0]->due_us <= now) {
		j = wait_pop(q);
		launch(q, j);
		if (j->done)
			settle(q, j);
	}
}

/*
 * A binary file (its first line not text), or a JSON document
 * printed over many lines (jq ., an editor), is not lines of records:
 * each of its lines would be an error record, or with -l a call.  Said
 * once, before anything is sent.
 */
static void
check_first(struct aiq *q, const char *line, size_t len)
{
	size_t b = strspn(line, " \t\r"), e = len, i;

	/* -J: a bad byte in a record is that record's error, not money. */
	if (q->st.records == 0 && (i = ai_text_end(line, len, 1)) < len &&
	    (q->cf->mode != MODE_JSON || (unsigned char)line[i] < 0x80)) {
		say(q, "<stdin>:1: not text (%s at byte %zu): %s", not_text(
		    line[i]), i, q->cf->mode == MODE_JSON ? "-J reads JSON "
		    "records, one a line" : "-l reads prompts, one a line");
		exit(EXIT_USAGE);
	}
	while (e > b && strchr(" \t\r", line[e - 1]) != NULL)
		e--;
	if (q->cf->mode != MODE_JSON || q->st.records > 0 || e != b + 1 ||
	    (line[b] != '{' && line[b] != '['))
		return;
	say(q, "<stdin>:%ld: a JSON document over many lines, not one record a"
	    " line: make it JSON lines with jq -c . (or jq -c '.[]' for an "
	    "array)", q->in.lineno);
	exit(EXIT_USAGE);
}

/*
 * Takes complete lines already read while there is room.  Returns 1 when
 * more input must be read before another line can be taken.
 */
static int
intake(struct aiq *q)
{
	char *line;
	size_t len;
	int r, cut;

	while (!q->input_done && has_room(q)) {
		if ((r = ai_lines_next(&q->in, &line, &len, &cut)) == 0)
			return 1;
		if (r == -1)
			q->input_done = 1;
		else {
			if (len > 0 && line[len - 1] == '\r')
				len--;		/* CRLF input, LF output */
			check_first(q, line, len);
			admit(q, job_new(q, line, len, q->in.lineno, cut));
		}
	}
	return 0;
}

/* Ends a transfer and hands its job on. */
static void
complete(struct aiq *q, struct job *j, CURLcode rc, int interrupted)
{
	if (j->paused) {	/* a paused transfer that timed out, say */
		j->paused = 0;
		q->npaused--;
	}
	if (q->leader == j)
		q->leader = NULL;
	curl_multi_remove_handle(q->multi, j->easy);
	q->inflight--;
	if (interrupted)
		attempt_stop(q, j);
	else if (attempt_finish(q, j, rc) == 1) {
		slot_release(q, j);
		wait_push(q, j);
		return;
	}
	slot_release(q, j);
	settle(q, j);
}

static void
reap(struct aiq *q)
{
	struct CURLMsg *m;
	struct job *j;
	int left;

	while ((m = curl_multi_info_read(q->multi, &left)) != NULL) {
		if (m->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&j);
		complete(q, j, m->data.result, 0);
	}
}

/*
 * Stops reading and ends what is in flight and what waits: the run was
 * stopped.  Only text mode's answer is let finish when the output failed.
 */
static void
stop(struct aiq *q)
{
	struct job *j;
	int i;

	if (q->stop == STOP_NONE && aiq_signal != 0)
		q->stop = STOP_SIGNAL;
	if (q->stop == STOP_NONE)
		return;
	q->input_done = 1;
	if (q->cf->mode == MODE_TEXT && q->stop != STOP_SIGNAL)
		return;
	for (i = 0; i < q->cf->jobs; i++)
		if (q->slots[i].job != NULL)
			complete(q, q->slots[i].job, CURLE_OK, 1);
	while (q->nwaiting > 0) {
		j = wait_pop(q);
		attempt_stop(q, j);
		settle(q, j);
	}
}

/* Waits for the network, stdin or the next retry, whichever comes first. */
static void
wait_for_events(struct aiq *q, int want_input)
{
	struct curl_waitfd wfd = { .fd = q->in.fd, .events = CURL_WAIT_POLLIN };
	int64_t ms = POLL_MS;
	int n;

	if (q->nwaiting > 0) {
		ms = (q->waiting[0]->due_us - ai_mono_us() + 999) / 1000;
		ms = ms < 0 ? 0 : ms > POLL_MS ? POLL_MS : ms;
	}
	if (curl_multi_poll(q->multi, &wfd, want_input ? 1 : 0, (int)ms,
	    NULL) != CURLM_OK)
		errx(1, "poll failed");
	if (want_input && wfd.revents != 0 && ai_lines_fill(&q->in) == -1) {
		say(q, "stdin: %s", strerror(errno));
		q->in.eof = 1;
		q->in.start = q->in.buf.len;
	}
	if (curl_multi_perform(q->multi, &n) != CURLM_OK)
		errx(1, "transfer failed");
}

static void
setup(struct aiq *q)
{
	int i;

	int jobs = q->cf->jobs;

	q->window = q->cf->unordered ? (size_t)jobs : (size_t)jobs * 4 + 16;
	if ((q->multi = curl_multi_init()) == NULL ||
	    (q->slots = calloc((size_t)jobs, sizeof(*q->slots))) == NULL ||
	    (q->idle = calloc((size_t)jobs, sizeof(*q->idle))) == NULL ||
	    (q->ring = calloc(q->window, sizeof(*q->ring))) == NULL ||
	    (q->waiting = calloc((size_t)jobs, sizeof(*q->waiting))) == NULL)
		errx(1, "out of memory");
	for (i = jobs - 1; i >= 0; i--)
		q->idle[q->nidle++] = i;
	curl_multi_setopt(q->multi, CURLMOPT_MAX_TOTAL_CONNECTIONS,
	    (long)jobs);
}

/* Frees the run; -1 when calls made are missing from the usage log. */
static int
teardown(struct aiq *q)
{
	int i, r;

	for (i = 0; i < q->cf->jobs; i++)
		if (q->slots[i].easy != NULL)
			curl_easy_cleanup(q->slots[i].easy);
	curl_multi_cleanup(q->multi);
	free(q->slots);
	free(q->idle);
	free(q->ring);
	free(q->waiting);
	ai_lines_free(&q->in);
	ai_buf_free(&q->outbuf);
	ai_buf_free(&q->tail);
	ai_buf_free(&q->body);
	ai_buf_free(&q->canon);
	endpoints_free(q);
	resume_close(q->rs);
	r = calls_close(q);
	return r;
}

/* The loop proper: runs until input is exhausted and all is written. */
static void
loop(struct aiq *q)
{
	int want_input;

	for (;;) {
		relaunch(q);
		transfer_unpause(q);	/* the head may have moved */
		want_input = intake(q);
		output_flush(q);
		stop(q);
		if (q->inflight == 0 && q->nwaiting == 0 && q->input_done)
			break;
		progress_update(q, 0);
		wait_for_events(q, want_input);
		reap(q);
		output_flush(q);	/* written records free room... */
		transfer_unpause(q);	/* ...for the transfers waiting */
		calls_tick(q);
	}
	output_flush(q);
}

/*
 * Runs the whole job: a single prompt in text mode, else the records of
 * stdin.  Returns the exit status, or ends as the signal that stopped it.
 */
int
engine_run(struct aiq *q, const char *prompt, size_t len)
{
	int sig, status;

	setup(q);
	ai_lines_init(&q->in, STDIN_FILENO, AI_MAX_LINE);
	progress_start(q);
	if (prompt != NULL) {
		q->input_done = 1;
		admit(q, job_new(q, prompt, len, 1, 0));
	}
	loop(q);
	progress_end(q);
	status = q->st.failed > 0 || q->stop == STOP_WRITE ? EXIT_FAILED :
	    EXIT_OK;
	if (q->cf->mode != MODE_TEXT && q->stop != STOP_PIPE &&
	    (q->st.failed > 0 || q->cf->summary))
		output_summary(q);
	if (q->st.passed_errors > 0 && q->stop == STOP_NONE)
		say(q, "%zu record%s passed through with the error %s came "
		    "with, from an earlier stage or run: -R sends them again",
		    q->st.passed_errors, q->st.passed_errors == 1 ? "" : "s",
		    q->st.passed_errors == 1 ? "it" : "they");
	output_stopped(q);
	if (teardown(q) == -1)
		status = EXIT_FAILED;
	if ((sig = aiq_signal) != 0 || (q->stop == STOP_PIPE && (sig =
	    SIGPIPE) != 0)) {
		signal(sig, SIG_DFL);
		raise(sig);
	}
	return status;
}
