/*
 * ratelimit.c: what a provider's answer says of its rate limits, from its
 * headers, for the record's "aitools.ratelimit" (aitools-record(5)), which
 * a later stage paces by.  OpenAI names them x-ratelimit-limit-requests
 * and so on, with resets as Go durations ("6m0s"); Anthropic
 * anthropic-ratelimit-requests-limit and so on, with resets as RFC 3339
 * times.  Times are kept absolute, read against when the headers came,
 * so that a later stage need not know when that was.
 *
 * aiq sees every header line of tens of thousands of answers a second:
 * a line is told apart by its first letter and its length before any
 * name is compared, and only a value of ours is parsed.
 */
#include <string.h>
#include <strings.h>

#include "aitools.h"

#define COUNT_MAX	INT64_C(1000000000000000)	/* 10^15: no limit */
#define NAME_MAX_LEN	43		/* of the longest name below */
#define VALUE_MAX	64		/* bytes of a value worth reading */

enum kind { K_LIMIT, K_REMAINING, K_RESET, K_RETRY_AFTER, K_RETRY_AFTER_MS };

static const struct {
	const char	*name;
	size_t		 len;
	int		 slot;		/* of v[] */
	enum kind	 kind;
} names[] = {
#define W(w, k)	((w) * 3 + (k))
#define H(s, w, k)	{ s, sizeof(s) - 1, W(w, k), k }
	H("x-ratelimit-limit-requests", AI_RL_REQUESTS, K_LIMIT),
	H("x-ratelimit-remaining-requests", AI_RL_REQUESTS, K_REMAINING),
	H("x-ratelimit-reset-requests", AI_RL_REQUESTS, K_RESET),
	H("x-ratelimit-limit-tokens", AI_RL_TOKENS, K_LIMIT),
	H("x-ratelimit-remaining-tokens", AI_RL_TOKENS, K_REMAINING),
	H("x-ratelimit-reset-tokens", AI_RL_TOKENS, K_RESET),
	H("anthropic-ratelimit-requests-limit", AI_RL_REQUESTS, K_LIMIT),
	H("anthropic-ratelimit-requests-remaining", AI_RL_REQUESTS,
	    K_REMAINING),
	H("anthropic-ratelimit-requests-reset", AI_RL_REQUESTS, K_RESET),
	H("anthropic-ratelimit-tokens-limit", AI_RL_TOKENS, K_LIMIT),
	H("anthropic-ratelimit-tokens-remaining", AI_RL_TOKENS, K_REMAINING),
	H("anthropic-ratelimit-tokens-reset", AI_RL_TOKENS, K_RESET),
	H("anthropic-ratelimit-input-tokens-limit", AI_RL_INPUT_TOKENS,
	    K_LIMIT),
	H("anthropic-ratelimit-input-tokens-remaining", AI_RL_INPUT_TOKENS,
	    K_REMAINING),
	H("anthropic-ratelimit-input-tokens-reset", AI_RL_INPUT_TOKENS,
	    K_RESET),
	H("anthropic-ratelimit-output-tokens-limit", AI_RL_OUTPUT_TOKENS,
	    K_LIMIT),
	H("anthropic-ratelimit-output-tokens-remaining", AI_RL_OUTPUT_TOKENS,
	    K_REMAINING),
	H("anthropic-ratelimit-output-tokens-reset", AI_RL_OUTPUT_TOKENS,
	    K_RESET),
	{ "retry-after", 11, AI_RL_RETRY_AFTER, K_RETRY_AFTER },
	{ "retry-after-ms", 14, AI_RL_RETRY_AFTER_MS, K_RETRY_AFTER_MS },
#undef H
#undef W
};
#define NNAMES	(sizeof(names) / sizeof(names[0]))

/* The windows, in the order and with the names the record gives them. */
static const char *const windows[AI_RL_WINDOWS] = {
	"requests", "tokens", "input_tokens", "output_tokens"
};

/* A count: plain decimal digits, from 0 to COUNT_MAX. */
static int
count(const char *s, int64_t *n)
{
	int64_t v = 0;

	if (*s == '\0')
		return -1;
	for (; *s >= '0' && *s <= '9'; s++)
		if ((v = v * 10 + (*s - '0')) > COUNT_MAX)
			return -1;
	if (*s != '\0')
		return -1;
	*n = v;
	return 0;
}

/* Reads value, of a header of kind k, into *v; -1 when it is not one. */
static int
parse(enum kind k, const char *value, int64_t at, int64_t *v)
{
	int64_t ms;

	switch (k) {
	case K_LIMIT:
	case K_REMAINING:
		return count(value, v);
	case K_RESET:
		return ai_time_at(value, at, v);
	case K_RETRY_AFTER:
		ms = ai_retry_after_ms(value, NULL, at);
		break;
	default:
		ms = ai_retry_after_ms(NULL, value, at);
		break;
	}
	if (ms < 0)
		return -1;
	*v = at + ms;
	return 0;
}

/*
 * Takes in one header line of an answer, "Name: value" with its CRLF or
 * not, as libcurl hands them: keeps a rate-limit header's value in rl,
 * and drops one that does not parse.  A status line begins another
 * answer's headers, forgetting those of one before it (a 100 Continue,
 * a proxy's).  rl->at_ms, when 0, is set to now at the first header of
 * ours.  Returns 1 when the line was a rate-limit header, else 0.
 */
int
ai_ratelimit_header(struct ai_ratelimit *rl, const char *line, size_t len)
{
	char value[VALUE_MAX];
	const char *p, *end = line + len;
	size_t i, n;
	int64_t v;

	if (len == 0)
		return 0;
	switch (line[0]) {
	case 'x': case 'X': case 'a': case 'A': case 'r': case 'R':
		break;
	case 'H':
		if (len >= 5 && memcmp(line, "HTTP/", 5) == 0)
			memset(rl, 0, sizeof(*rl));
		return 0;
	default:
		return 0;
	}
	if ((p = memchr(line, ':', len <= NAME_MAX_LEN ? len :
	    NAME_MAX_LEN + 1)) == NULL)
		return 0;
	n = (size_t)(p - line);
	for (i = 0; i < NNAMES; i++)
		if (n == names[i].len &&
		    strncasecmp(line, names[i].name, n) == 0)
			break;
	if (i == NNAMES)
		return 0;
	for (p++; p < end && (*p == ' ' || *p == '\t'); p++)
		;
	while (end > p && (end[-1] == '\r' || end[-1] == '\n' ||
	    end[-1] == ' ' || end[-1] == '\t'))
		end--;
	if ((size_t)(end - p) >= sizeof(value) || memchr(p, '\0',
	    (size_t)(end - p)) != NULL)
		return 1;	/* no value of ours is that long, nor has a NUL */
	memcpy(value, p, (size_t)(end - p));
	value[end - p] = '\0';
	if (rl->at_ms == 0)
		rl->at_ms = ai_now_ms();
	if (parse(names[i].kind, value, rl->at_ms, &v) == 0) {
		rl->v[names[i].slot] = v;
		rl->have |= 1u << names[i].slot;
	}
	return 1;
}

/*
 * The JSON text is put together by hand in a buffer on the stack, of a
 * size that always holds it: four windows of two counts of 16 digits and
 * a time each, and retry_after.
 */
#define JSON_MAX	640

static char *
put(char *p, const char *s)
{
	size_t n = strlen(s);

	memcpy(p, s, n);
	return p + n;
}

static char *
put_count(char *p, int64_t v)
{
	char d[24];
	int n = 0;

	do
		d[n++] = (char)('0' + v % 10);
	while ((v /= 10) > 0);
	while (n > 0)
		*p++ = d[--n];
	return p;
}

static char *
put_time(char *p, int64_t ms)
{
	char when[32];

	ai_format_time(ms, when, sizeof(when));
	*p++ = '"';
	p = put(p, when);
	*p++ = '"';
	return p;
}

/* One window's object, when any of its headers came. */
static char *
put_window(char *p, const struct ai_ratelimit *rl, int w, const char **sep)
{
	static const char *const keys[] = { "\"limit\":", "\"remaining\":",
	    "\"reset\":" };
	const char *inner = "";
	int k, slot;

	if ((rl->have >> (w * 3) & 7) == 0)
		return p;
	p = put(p, *sep);
	*sep = ",";
	*p++ = '"';
	p = put(p, windows[w]);
	p = put(p, "\":{");
	for (k = K_LIMIT; k <= K_RESET; k++) {
		slot = w * 3 + k;
		if (!(rl->have & 1u << slot))
			continue;
		p = put(put(p, inner), keys[k]);
		inner = ",";
		p = k == K_RESET ? put_time(p, rl->v[slot]) :
		    put_count(p, rl->v[slot]);
	}
	*p++ = '}';
	return p;
}

/*
 * Appends the JSON text of what rl holds: {"requests": {"limit",
 * "remaining", "reset"}, "tokens", "input_tokens", "output_tokens",
 * "retry_after"}, each member present only when its headers came.
 * retry-after-ms wins over Retry-After, as it does for aiq's waits.
 */
int
ai_ratelimit_json(struct ai_buf *b, const struct ai_ratelimit *rl)
{
	char buf[JSON_MAX], *p = buf;
	const char *sep = "";
	int w, slot;

	*p++ = '{';
	for (w = 0; w < AI_RL_WINDOWS; w++)
		p = put_window(p, rl, w, &sep);
	slot = rl->have & 1u << AI_RL_RETRY_AFTER_MS ? AI_RL_RETRY_AFTER_MS :
	    AI_RL_RETRY_AFTER;
	if (rl->have & 1u << slot)
		p = put_time(put(put(p, sep), "\"retry_after\":"), rl->v[slot]);
	*p++ = '}';
	return ai_buf_append(b, buf, (size_t)(p - buf));
}
