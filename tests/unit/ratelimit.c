/*
 * ratelimit.c: the rate-limit headers of an answer made the record's
 * "aitools.ratelimit" (lib/ratelimit.c, lib/record.c).
 */
#include <stdint.h>
#include <string.h>

#include "aitools.h"
#include "tap.h"

#define NOW	INT64_C(1795430141465)	/* 2026-11-23T10:35:41.465Z */

/* Feeds header lines to a fresh rl, as if they came at NOW. */
static void
feed(struct ai_ratelimit *rl, const char *const *lines)
{
	memset(rl, 0, sizeof(*rl));
	for (; *lines != NULL; lines++) {
		if (rl->at_ms == 0)	/* at a status line too */
			rl->at_ms = NOW;
		ai_ratelimit_header(rl, *lines, strlen(*lines));
	}
}

static void
is_json(const struct ai_ratelimit *rl, const char *want, const char *what)
{
	struct ai_buf b = { 0 };

	if (ai_ratelimit_json(&b, rl) == -1 || ai_buf_append(&b, "", 1) == -1)
		ok(0, "%s: out of memory", what);
	else
		is_str(b.data, want, "%s", what);
	ai_buf_free(&b);
}

static void
test_openai_headers(void)
{
	static const char *const lines[] = {
		"HTTP/1.1 200 OK\r\n",
		"date: Mon, 23 Nov 2026 10:35:41 GMT\r\n",
		"x-request-id: req_123\r\n",
		"x-ratelimit-limit-requests: 500\r\n",
		"x-ratelimit-limit-tokens: 150000000\r\n",
		"x-ratelimit-remaining-requests: 499\r\n",
		"x-ratelimit-remaining-tokens: 149999976\r\n",
		"x-ratelimit-reset-requests: 12ms\r\n",
		"x-ratelimit-reset-tokens: 6m0s\r\n",
		"x-ratelimit-limit-tokens_usage_based: 5\r\n",
		"\r\n",
		NULL
	};
	struct ai_ratelimit rl;

	feed(&rl, lines);
	is_json(&rl, "{\"requests\":{\"limit\":500,\"remaining\":499,"
	    "\"reset\":\"2026-11-23T10:35:41.477Z\"},\"tokens\":{\"limit\":"
	    "150000000,\"remaining\":149999976,\"reset\":"
	    "\"2026-11-23T10:41:41.465Z\"}}", "OpenAI's headers");
	ok(rl.at_ms == NOW, "the time the headers came is kept");
}

static void
test_anthropic_headers(void)
{
	static const char *const lines[] = {
		"HTTP/2 429 \r\n",
		"anthropic-ratelimit-requests-limit: 50\r\n",
		"anthropic-ratelimit-requests-remaining: 0\r\n",
		"anthropic-ratelimit-requests-reset: 2026-12-07T19:55:00Z\r\n",
		"anthropic-ratelimit-tokens-limit: 48000\r\n",
		"anthropic-ratelimit-tokens-remaining: 7000\r\n",
		"anthropic-ratelimit-tokens-reset: 2026-12-07T19:55:00.5Z\r\n",
		"anthropic-ratelimit-input-tokens-limit: 40000\r\n",
		"anthropic-ratelimit-input-tokens-remaining: 0\r\n",
		"anthropic-ratelimit-input-tokens-reset: "
		    "2026-12-07T20:55:01+01:00\r\n",
		"anthropic-ratelimit-output-tokens-limit: 8000\r\n",
		"anthropic-ratelimit-output-tokens-remaining: 8000\r\n",
		"anthropic-ratelimit-output-tokens-reset: "
		    "2026-12-07T19:55:00.000001Z\r\n",
		"retry-after: 30\r\n",
		"request-id: req_011CSLsW7mFqvHHnzrKdKjAE\r\n",
		NULL
	};
	struct ai_ratelimit rl;

	feed(&rl, lines);
	is_json(&rl, "{\"requests\":{\"limit\":50,\"remaining\":0,\"reset\":"
	    "\"2026-12-07T19:55:00.000Z\"},\"tokens\":{\"limit\":48000,"
	    "\"remaining\":7000,\"reset\":\"2026-12-07T19:55:00.500Z\"},"
	    "\"input_tokens\":{\"limit\":40000,\"remaining\":0,\"reset\":"
	    "\"2026-12-07T19:55:01.000Z\"},\"output_tokens\":{\"limit\":8000,"
	    "\"remaining\":8000,\"reset\":\"2026-12-07T19:55:00.001Z\"},"
	    "\"retry_after\":\"2026-11-23T10:36:11.465Z\"}",
	    "Anthropic's headers, with retry-after");
}

static void
test_some_headers(void)
{
	static const char *const upper[] = {
		"X-RateLimit-Remaining-Tokens: 5\r\n",
		"X-RATELIMIT-RESET-TOKENS:1s",
		NULL
	};
	static const char *const both[] = {
		"retry-after: 30\r\n", "retry-after-ms: 1500\r\n", NULL
	};
	static const char *const date[] = {
		"Retry-After: Mon, 23 Nov 2026 10:36:00 GMT\r\n", NULL
	};
	static const char *const past[] = {
		"Retry-After: Wed, 21 Oct 2015 07:28:00 GMT\r\n", NULL
	};
	static const char *const again[] = {
		"x-ratelimit-limit-requests: 5\r\n",
		"x-ratelimit-limit-requests: 6\r\n",
		"x-ratelimit-limit-requests: six\r\n",
		NULL
	};
	static const char *const blanks[] = {
		"x-ratelimit-limit-requests:\t 7 \t\r\n", NULL
	};
	static const char *const reset_only[] = {
		"anthropic-ratelimit-output-tokens-reset: 1s\r\n", NULL
	};
	struct ai_ratelimit rl;

	feed(&rl, upper);
	is_json(&rl, "{\"tokens\":{\"remaining\":5,\"reset\":"
	    "\"2026-11-23T10:35:42.465Z\"}}",
	    "names in any case, a value without blank or CRLF");
	feed(&rl, both);
	is_json(&rl, "{\"retry_after\":\"2026-11-23T10:35:42.965Z\"}",
	    "retry-after-ms wins over retry-after");
	feed(&rl, date);
	is_json(&rl, "{\"retry_after\":\"2026-11-23T10:36:00.000Z\"}",
	    "retry-after as an HTTP date");
	feed(&rl, past);
	is_json(&rl, "{\"retry_after\":\"2026-11-23T10:35:41.465Z\"}",
	    "a date past: when the headers came");
	feed(&rl, again);
	is_json(&rl, "{\"requests\":{\"limit\":6}}",
	    "of a header twice the last that parses");
	feed(&rl, blanks);
	is_json(&rl, "{\"requests\":{\"limit\":7}}", "blanks and tabs");
	feed(&rl, reset_only);
	is_json(&rl, "{\"output_tokens\":{\"reset\":"
	    "\"2026-11-23T10:35:42.465Z\"}}", "a reset alone");
}

static void
test_bad_headers(void)
{
	static const char *const bad[] = {
		"x-ratelimit-limit-requests: -1\r\n",	/* Azure's */
		"x-ratelimit-remaining-requests: 12.5\r\n",
		"x-ratelimit-limit-tokens: \r\n",
		"x-ratelimit-remaining-tokens: 1000000000000001\r\n",
		"x-ratelimit-reset-requests: soon\r\n",
		"x-ratelimit-reset-tokens: 1000000001\r\n",
		"anthropic-ratelimit-requests-limit: 0x10\r\n",
		"anthropic-ratelimit-requests-reset: 2026-13-07T19:55:00Z\r\n",
		"anthropic-ratelimit-tokens-limit: 1 2\r\n",
		"anthropic-ratelimit-tokens-remaining: +5\r\n",
		"anthropic-ratelimit-input-tokens-limit: "
		    "0000000000000000000000000000000000000000000000000000000"
		    "00000000000001\r\n",
		"retry-after: later\r\n",
		"retry-after-ms: -5\r\n",
		NULL
	};
	static const char *const other[] = {
		"x-request-id: 5\r\n",
		"x-ratelimit-limit: 5\r\n",
		"x-ratelimit-limit-requests-day: 5\r\n",
		"x-ratelimit-limit-tokens_usage_based: 5\r\n",
		"anthropic-ratelimit-requests-limit 5\r\n",
		"anthropic-priority-input-tokens-limit: 5\r\n",
		"retry-after-msx: 5\r\n",
		" x-ratelimit-limit-requests: 5\r\n",
		"\r\n",
		"",
		NULL
	};
	struct ai_ratelimit rl;
	const char *const *l;
	int n = 0;
	char nul[] = "x-ratelimit-limit-requests: 5\0 6\r\n";
	char max[] = "x-ratelimit-limit-requests: 1000000000000000\r\n";

	feed(&rl, bad);
	is_int(rl.have, 0, "values that do not parse are left out");
	is_json(&rl, "{}", "and nothing is written");
	for (l = bad; *l != NULL; l++)
		n += ai_ratelimit_header(&rl, *l, strlen(*l));
	is_int(n, 13, "though each is one of ours");
	for (n = 0, l = other; *l != NULL; l++)
		n += ai_ratelimit_header(&rl, *l, strlen(*l));
	is_int(n, 0, "other headers are not");
	is_int(rl.have, 0, "and are not kept");
	ai_ratelimit_header(&rl, nul, sizeof(nul) - 1);
	is_int(rl.have, 0, "a value holding a NUL is left out");
	ai_ratelimit_header(&rl, max, sizeof(max) - 1);
	is_json(&rl, "{\"requests\":{\"limit\":1000000000000000}}",
	    "10^15, the largest count");
}

static void
test_answers(void)
{
	static const char *const lines[] = {
		"HTTP/1.1 100 Continue\r\n",
		"x-ratelimit-limit-requests: 5\r\n",
		"\r\n",
		"HTTP/1.1 200 OK\r\n",
		"x-ratelimit-remaining-requests: 4\r\n",
		NULL
	};
	struct ai_ratelimit rl;
	int64_t before, after;
	const char *l = "x-ratelimit-reset-requests: 0s\r\n";

	feed(&rl, lines);
	is_json(&rl, "{\"requests\":{\"remaining\":4}}",
	    "a status line forgets the answer before");
	memset(&rl, 0, sizeof(rl));
	before = ai_now_ms();
	ai_ratelimit_header(&rl, l, strlen(l));
	after = ai_now_ms();
	ok(rl.at_ms >= before && rl.at_ms <= after,
	    "when they came is now, at the first header kept");
	ok(rl.v[AI_RL_REQUESTS * 3 + 2] == rl.at_ms, "and resets are read "
	    "against it");
}

/* The tail writer places the member, and a new result replaces it. */
static void
test_record(void)
{
	static const char *const lines[] = {
		"x-ratelimit-remaining-requests: 4\r\n", NULL
	};
	static const char old[] = "{\"prompt\":\"hi\",\"aitools\":{\"x\":1,"
	    "\"ratelimit\":{\"requests\":{\"limit\":9}}}}";
	struct ai_ratelimit rl;
	struct ai_meta m = { .line = 1, .key = "k" };
	struct ai_buf t = { 0 }, out = { 0 };
	json_t *rec;

	feed(&rl, lines);
	m.ratelimit = &rl;
	if (ai_tail_error(&t, AI_E_RATE_LIMITED, "slow down", 429, &m) == -1 ||
	    ai_buf_append(&t, "", 1) == -1)
		ok(0, "out of memory");
	else
		is_str(t.data, "{\"error\":{\"code\":\"rate_limited\","
		    "\"message\":\"slow down\",\"status\":429},\"aitools\":"
		    "{\"v\":1,\"line\":1,\"key\":\"k\",\"ratelimit\":"
		    "{\"requests\":{\"remaining\":4}}}}",
		    "the tail has aitools.ratelimit, after key");
	memset(&rl, 0, sizeof(rl));
	if (ai_tail_error(&t, AI_E_RATE_LIMITED, "slow down", 429, &m) == -1 ||
	    ai_buf_append(&t, "", 1) == -1)
		ok(0, "out of memory");
	else
		ok(strstr(t.data, "ratelimit") == NULL,
		    "none when no header came");
	rec = json_loads(old, 0, NULL);
	if (rec == NULL || ai_record_splice(&out, old, sizeof(old) - 1, rec,
	    t.data, t.len - 1) == -1 || ai_buf_append(&out, "", 1) == -1)
		ok(0, "out of memory");
	else
		is_str(out.data, "{\"prompt\":\"hi\",\"aitools\":{\"x\":1,"
		    "\"v\":1,\"line\":1,\"key\":\"k\"},\"error\":{\"code\":"
		    "\"rate_limited\",\"message\":\"slow down\","
		    "\"status\":429}}\n",
		    "a new result drops an old one's ratelimit");
	json_decref(rec);
	ai_buf_free(&t);
	ai_buf_free(&out);
}

int
main(void)
{
	test_openai_headers();
	test_anthropic_headers();
	test_some_headers();
	test_bad_headers();
	test_answers();
	test_record();
	return done();
}
