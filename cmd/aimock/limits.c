/*
 * limits.c: the rate limits of --rpm, --tpm, --itpm and --otpm.  Each is
 * a token bucket that holds a minute's worth and refills continuously, a
 * sixtieth of it a second, which is what providers mean by "per minute":
 * a burst of the whole minute passes at once, then the bucket lets
 * through what has dripped back in.  Each wire format has buckets of its
 * own, as two providers would.  A chat request that fits takes its cost
 * from every bucket that applies; one that does not takes nothing and
 * gets 429, saying when it would fit.  The cost is ailimit's estimate
 * (lib/estimate.c), so that a gate and the server it paces for count
 * alike, and the rule is written once.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "aimock.h"

#define MINUTE_US	60000000LL	/* microseconds in the "per minute" */

/*
 * A bucket of N a minute gains N units a microsecond and holds at most
 * N * MINUTE_US of them: a token is MINUTE_US units.  Integers keep the
 * sums exact, so a test can count on them; the fullest bucket, 6e16
 * units, is far within int64_t.
 */
struct bucket {
	int64_t	 level;
	int64_t	 at;		/* ai_mono_us() of the last refill; 0: never */
};

static struct bucket buckets[API_ANTHROPIC + 1][NLIMITS];
static pthread_mutex_t limitmu = PTHREAD_MUTEX_INITIALIZER;

/* Whether the limit l applies to requests in the wire format api. */
static int
applies(enum api api, int l)
{
	if (cfg.limit[l] == 0)
		return 0;
	return api == API_ANTHROPIC || l == L_REQUESTS || l == L_TOKENS;
}

/* Whether any limit applies to the wire format api. */
static int
limited_api(enum api api)
{
	int l;

	for (l = 0; l < NLIMITS; l++)
		if (applies(api, l))
			return 1;
	return 0;
}

/* Adds what dripped in since the last refill; a new bucket is full. */
static void
refill(struct bucket *b, int64_t rate, int64_t now)
{
	int64_t full = rate * MINUTE_US, dt = now - b->at;

	if (b->at == 0 || dt >= MINUTE_US)	/* a minute fills any bucket */
		b->level = full;
	else if (dt > 0 && (b->level += dt * rate) > full)
		b->level = full;
	b->at = now;
}

/* Microseconds until the bucket holds units (at most full). */
static int64_t
wait_us(const struct bucket *b, int64_t rate, int64_t units)
{
	return units <= b->level ? 0 : (units - b->level + rate - 1) / rate;
}

/*
 * A request's cost in the limit l, counted as providers count against
 * their limits before answering: e, the body's estimate, of the prompt
 * and of the output tokens asked for at most, not given back when the
 * answer is shorter.  The cache knobs stand for a prompt prefix the body
 * does not hold: OpenAI counts its cache read within the prompt, and
 * Anthropic the prompt cache written as input, the cache read as free.
 */
static int64_t
cost(const struct mockreq *mr, const struct ai_estimate *e, int l)
{
	int64_t in, out = e->output;

	if (l == L_REQUESTS)
		return 1;
	in = e->input + (mr->route->api == API_ANTHROPIC ?
	    mr->k.cache_write : mr->k.cache_read);
	if (l == L_INPUT)
		return in;
	if (l == L_OUTPUT)
		return out;
	return out > INT64_MAX - in ? INT64_MAX : in + out;
}

/* Leaves the state of the buckets of api in mr->rl, for the headers. */
static void
view(struct mockreq *mr, enum api api)
{
	struct rlview *v = &mr->rl;
	const struct bucket *b;
	int l;

	v->now_ms = ai_now_ms();
	for (l = 0; l < NLIMITS; l++) {
		if (!applies(api, l))
			continue;
		b = &buckets[api][l];
		v->on = 1;
		v->limit[l] = cfg.limit[l];
		v->remaining[l] = b->level / MINUTE_US;
		v->reset_ms[l] = (wait_us(b, cfg.limit[l],
		    cfg.limit[l] * MINUTE_US) + 999) / 1000;
	}
}

/*
 * Refills the buckets of api and, given the request's estimate e (NULL:
 * it takes nothing), weighs the request against them: *huge is the first
 * limit it could never fit, *over the first it does not fit now, and the
 * result the microseconds until it fits them all; -1 when there is no
 * such limit.
 */
static int64_t
weigh(struct mockreq *mr, enum api api, const struct ai_estimate *e,
    int64_t *c, int *huge, int *over)
{
	int64_t now = ai_mono_us(), wait = 0, w;
	struct bucket *b;
	int l;

	*huge = *over = -1;
	for (l = 0; l < NLIMITS; l++) {
		if (!applies(api, l))
			continue;
		b = &buckets[api][l];
		refill(b, cfg.limit[l], now);
		if (e == NULL)
			continue;
		if ((c[l] = cost(mr, e, l)) > cfg.limit[l]) {
			if (*huge == -1)
				*huge = l;
		} else if ((w = wait_us(b, cfg.limit[l], c[l] * MINUTE_US)) >
		    0) {
			if (*over == -1)
				*over = l;
			if (w > wait)
				wait = w;
		}
	}
	return wait;
}

/* Refuses the request in its wire format; wait_ms -1: it never fits. */
static void
limited(struct mockreq *mr, int l, int64_t c, int64_t wait_ms)
{
	if (mr->route->api == API_ANTHROPIC)
		anthropic_limited(mr, (enum limit)l, c, wait_ms);
	else
		openai_limited(mr, (enum limit)l, c, wait_ms);
	/* the limiter knows better than the retry knobs */
	mr->k.retry_after = wait_ms < 0 ? -1 : (long)((wait_ms + 999) / 1000);
	mr->k.retry_after_ms = wait_ms < 0 ? -1 : (long)wait_ms;
}

/*
 * Weighs a chat request against the limits and takes its cost if it
 * fits.  One that does not fit, has a problem of its own or bypasses the
 * limits (ratelimit=0) takes nothing; every one leaves the buckets'
 * state in mr->rl.  Other routes are not limited.
 */
void
limit_request(struct mockreq *mr)
{
	enum api api = mr->route->api;
	int64_t c[NLIMITS] = { 0 }, wait;
	struct ai_estimate e;
	int take, huge, over, l;

	if (mr->route->parse == NULL || !limited_api(api))
		return;			/* no lock taken without limits */
	take = mr->err_status == 0 && mr->k.ratelimit != 0;
	if (take)		/* a walk of the body: outside the lock */
		ai_estimate_request(mr->body, &e);
	pthread_mutex_lock(&limitmu);
	wait = weigh(mr, api, take ? &e : NULL, c, &huge, &over);
	if (take && huge == -1 && over == -1)
		for (l = 0; l < NLIMITS; l++)
			if (applies(api, l))
				buckets[api][l].level -= c[l] * MINUTE_US;
	view(mr, api);
	pthread_mutex_unlock(&limitmu);
	if (take && huge != -1)
		limited(mr, huge, c[huge], -1);
	else if (take && over != -1)
		limited(mr, over, c[over], (wait + 999) / 1000);
}

/*
 * ms as Go prints a time.Duration, as OpenAI's reset headers are:
 * 0s, 12ms, 1s, 1.5s, 6m0s, 1h0m0s.
 */
void
go_duration(int64_t ms, char *buf, size_t len)
{
	long long h = ms / 3600000, m = ms / 60000 % 60, s = ms / 1000 % 60;
	char frac[8] = "";
	size_t n;

	if (ms == 0) {
		snprintf(buf, len, "0s");
		return;
	}
	if (ms < 1000) {
		snprintf(buf, len, "%lldms", (long long)ms);
		return;
	}
	if (ms % 1000 != 0) {
		snprintf(frac, sizeof(frac), ".%03lld", (long long)(ms % 1000));
		for (n = strlen(frac); frac[n - 1] == '0'; n--)
			frac[n - 1] = '\0';
	}
	if (h > 0)
		snprintf(buf, len, "%lldh%lldm%lld%ss", h, m, s, frac);
	else if (m > 0)
		snprintf(buf, len, "%lldm%lld%ss", m, s, frac);
	else
		snprintf(buf, len, "%lld%ss", s, frac);
}

/*
 * The time after_ms after now_ms (wall clock), in RFC 3339 UTC to the
 * second, as Anthropic's reset headers are: rounded up, so that the
 * bucket is full by then.
 */
void
rfc3339_after(int64_t now_ms, int64_t after_ms, char *buf, size_t len)
{
	time_t t = (time_t)((now_ms + after_ms + 999) / 1000);
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(buf, len, "1970-01-01T00:00:00Z");
}
