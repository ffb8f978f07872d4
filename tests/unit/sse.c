/* sse.c: the server-sent events framing (lib/sse.c). */
#include <stdlib.h>
#include <string.h>

#include "aitools.h"
#include "tap.h"

/* Events seen so far, as "[name|data]" each, and a count. */
struct seen {
	struct ai_buf	 out;
	int		 n;
	int		 stop_at;	/* return -1 from event number stop_at */
	int		 badlen;	/* the length given disagreed */
};

static int
collect(void *arg, const char *event, const char *data, size_t len)
{
	struct seen *s = arg;

	if (strlen(data) != len)
		s->badlen++;
	ai_buf_printf(&s->out, "[%s|", event);
	ai_buf_append(&s->out, data, len);
	ai_buf_puts(&s->out, "]");
	return ++s->n == s->stop_at ? -1 : 0;
}

/* Feeds text in pieces of step bytes (0: all at once); the events seen. */
static char *
events(const char *text, size_t step, int *rc)
{
	struct ai_sse sse = { 0 };
	struct seen s = { { 0 }, 0, 0, 0 };
	size_t n = strlen(text), i, k;

	*rc = 0;
	if (step == 0)
		step = n > 0 ? n : 1;
	for (i = 0; i < n && *rc == 0; i += k) {
		k = n - i < step ? n - i : step;
		*rc = ai_sse_feed(&sse, text + i, k, collect, &s);
	}
	ai_sse_free(&sse);
	ai_buf_puts(&s.out, "");
	if (s.badlen > 0)
		*rc = -2;
	return s.out.data;
}

/* Feeds text split in two at every place; how many splits differ. */
static int
splits_differ(const char *text, const char *want)
{
	struct ai_sse sse;
	struct seen s;
	size_t n = strlen(text), cut;
	int bad = 0;

	for (cut = 0; cut <= n; cut++) {
		memset(&sse, 0, sizeof(sse));
		memset(&s, 0, sizeof(s));
		if (ai_sse_feed(&sse, text, cut, collect, &s) == -1 ||
		    ai_sse_feed(&sse, text + cut, n - cut, collect, &s) == -1)
			bad++;
		else if (strcmp(s.out.data != NULL ? s.out.data : "",
		    want) != 0) {
			if (bad == 0)
				diag("split at %zu: %s", cut, s.out.data);
			bad++;
		}
		ai_sse_free(&sse);
		ai_buf_free(&s.out);
	}
	return bad;
}

/* The same events all at once, a byte at a time and split anywhere. */
static void
sse_is(const char *text, const char *want, const char *what)
{
	char *got;
	int rc;

	got = events(text, 0, &rc);
	is_str(got, want, "%s: all at once", what);
	is_int(rc, 0, "  feed returns 0");
	free(got);
	got = events(text, 1, &rc);
	is_str(got, want, "%s: a byte at a time", what);
	is_int(rc, 0, "  feed returns 0");
	free(got);
	got = events(text, 3, &rc);
	is_str(got, want, "%s: three bytes at a time", what);
	free(got);
	is_int(splits_differ(text, want), 0, "%s: split anywhere in two",
	    what);
}

static void
test_framing(void)
{
	sse_is("data: hello\n\n", "[|hello]", "one event");
	sse_is("data: a\n\ndata: b\n\n", "[|a][|b]", "two events");
	sse_is("data: {\"x\":1}\n\ndata: [DONE]\n\n",
	    "[|{\"x\":1}][|[DONE]]", "JSON and [DONE]");
	sse_is("data: a\r\n\r\ndata: b\r\n\r\n", "[|a][|b]", "CRLF");
	sse_is("data: a\r\rdata: b\r\r", "[|a][|b]", "CR");
	sse_is("data: a\n\r\ndata: b\r\rdata: c\r\n\n", "[|a][|b][|c]",
	    "mixed line ends");
	sse_is("data: one\ndata: two\ndata: three\n\n", "[|one\ntwo\nthree]",
	    "multi-line data joined by newlines");
	sse_is("data: one\r\ndata: two\r\n\r\n", "[|one\ntwo]",
	    "multi-line data with CRLF");
	sse_is("event: message_start\ndata: {}\n\nevent: ping\ndata: p\n\n",
	    "[message_start|{}][ping|p]", "event names");
	sse_is("event: x\ndata: 1\n\ndata: 2\n\n", "[x|1][|2]",
	    "an event name lasts one event");
	sse_is(": keepalive\n\ndata: a\n\n: another\ndata: b\n:\n\n",
	    "[|a][|b]", "comments ignored");
	sse_is("data:a\n\n", "[|a]", "data without a space");
	sse_is("data:  a \n\n", "[| a ]", "only one space is removed");
	sse_is("event:ping\ndata:x\n\n", "[ping|x]", "event without a space");
	sse_is("data\n\n", "[|]", "a data line without a colon: empty data");
	sse_is("data:\n\n", "[|]", "empty data is still an event");
	sse_is("data:\ndata:\n\n", "[|\n]", "two empty data lines");
	sse_is("event: lonely\n\ndata: a\n\n", "[|a]",
	    "an event without data is not dispatched, its name forgotten");
	sse_is("id: 7\nretry: 1000\nfoo: bar\ndata: a\n\n", "[|a]",
	    "other fields ignored");
	sse_is("data: a:b: c\n\n", "[|a:b: c]", "colons in the value kept");
	sse_is("\n\n\ndata: a\n\n\n\n", "[|a]", "blank lines alone do nothing");
	sse_is("data: x\n", "", "an event not yet ended is not dispatched");
	sse_is("event: 0123456789012345678901234567890123456789\ndata: x\n\n",
	    "[0123456789012345678901234567890|x]",
	    "a long event name is cut to 31 bytes");
	sse_is("data: caf\xc3\xa9\n\n", "[|caf\xc3\xa9]", "UTF-8 passes");
}

static void
test_pieces(void)
{
	struct ai_sse sse = { 0 };
	struct seen s = { { 0 }, 0, 0, 0 };

	/* a CRLF split between two feeds ends one line, not two */
	is_int(ai_sse_feed(&sse, "data: a\r", 8, collect, &s), 0,
	    "feed ending in CR");
	is_int(s.n, 0, "  no event yet");
	is_int(ai_sse_feed(&sse, "\n", 1, collect, &s), 0, "feed the LF alone");
	is_int(s.n, 0, "  still none: the LF ended nothing");
	is_int(ai_sse_feed(&sse, "data: b\r", 8, collect, &s), 0,
	    "another data line ending in CR");
	is_int(ai_sse_feed(&sse, "\n\r", 2, collect, &s), 0,
	    "LF then CR: the blank line");
	is_int(s.n, 1, "  one event");
	is_int(ai_sse_feed(&sse, "\n", 1, collect, &s), 0,
	    "the LF of that CRLF");
	is_int(s.n, 1, "  no second event");
	is_str(s.out.data, "[|a\nb]", "  the event");
	is_int(ai_sse_feed(&sse, "", 0, collect, &s), 0, "an empty feed");
	is_int(ai_sse_feed(&sse, "data: c\n", 8, collect, &s), 0,
	    "a data line");
	is_int(ai_sse_feed(&sse, "\n", 1, collect, &s), 0, "and its end");
	is_str(s.out.data, "[|a\nb][|c]", "  the next event");
	ai_sse_free(&sse);
	ok(sse.line.data == NULL && sse.data.data == NULL && sse.cr == 0 &&
	    sse.has_data == 0, "ai_sse_free clears");
	ai_buf_free(&s.out);
}

static void
test_stop(void)
{
	const char *text = "data: a\n\nevent: stop\ndata: b\n\ndata: c\n\n";
	struct ai_sse sse = { 0 };
	struct seen s = { { 0 }, 0, 2, 0 };
	size_t i;
	int rc = 0;

	is_int(ai_sse_feed(&sse, text, strlen(text), collect, &s), -1,
	    "a callback returning -1 stops the feed");
	is_str(s.out.data, "[|a][stop|b]", "  no event after it");
	ai_sse_free(&sse);
	ai_buf_free(&s.out);

	memset(&s, 0, sizeof(s));
	s.stop_at = 2;
	for (i = 0; text[i] != '\0' && rc == 0; i++)
		rc = ai_sse_feed(&sse, text + i, 1, collect, &s);
	is_int(rc, -1, "a byte at a time: -1 too");
	is_int(i, strlen("data: a\n\nevent: stop\ndata: b\n\n"),
	    "  at the end of the second event");
	is_str(s.out.data, "[|a][stop|b]", "  the same events");
	ai_sse_free(&sse);
	ai_buf_free(&s.out);
}

int
main(void)
{
	test_framing();
	test_pieces();
	test_stop();
	return done();
}
