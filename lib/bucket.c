/*
 * bucket.c: the arithmetic of rate limits, with no state of its own, so
 * that every store (a local file, later Redis) counts the same way.
 *
 * A rate is a token bucket that refills continuously: it holds at most
 * its burst, and gains per units a minute.  A draw larger than the burst
 * (a long prompt under a small burst) waits for a full bucket and leaves
 * it in debt, which later draws wait out: the rate holds on average; only
 * a draw of more than a minute's units never fits.  Its level is kept in units
 * times AI_BUCKET_SCALE, the microseconds of a minute, so that the refill
 * over dt microseconds is exactly per * dt: whole numbers, no drift
 * however long the run.
 *
 * A quota counts what a calendar day (local time, as aiusage's days) has
 * used of its per units, and is whole again at midnight; its bucket's
 * updated_us holds the day instead of a time.
 */
#include <time.h>

#include "aitools.h"

/* Keeps b->level whole: a burst this large would overflow it. */
static int
sane(const struct ai_limit *l)
{
	return l->per > 0 && l->per <= AI_BUCKET_MAX &&
	    (l->kind == AI_LIMIT_QUOTA || (l->burst > 0 &&
	    l->burst <= AI_BUCKET_MAX));
}

/* The bucket refilled to now (and to its burst, if that changed). */
static void
refill(struct ai_bucket *b, const struct ai_limit *l, int64_t now_us)
{
	int64_t cap = l->burst * AI_BUCKET_SCALE, dt = now_us - b->updated_us;

	if (b->updated_us == 0 || b->level > cap)
		b->level = cap;		/* new: full, as a provider starts */
	else if (dt > 0) {
		/* Past the time to fill up, full: per * dt stays small. */
		if (dt >= (cap - b->level) / l->per + 1)
			b->level = cap;
		else
			b->level += l->per * dt;
	}
	if (now_us > b->updated_us)
		b->updated_us = now_us;
}

/* The local calendar day of a time, as a number that grows by one a day. */
static int64_t
day_of(int64_t now_us, int64_t *next_us)
{
	time_t t = (time_t)(now_us / 1000000);
	struct tm tm;
	int64_t day;

	if (localtime_r(&t, &tm) == NULL)
		return now_us / 86400000000LL;
	day = (int64_t)tm.tm_year * 400 + tm.tm_yday;
	tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
	tm.tm_mday++;		/* mktime makes it the next day's midnight */
	tm.tm_isdst = -1;
	*next_us = (int64_t)mktime(&tm) * 1000000;
	return day;
}

static int
quota_try(struct ai_bucket *b, const struct ai_limit *l, int64_t amount,
    int64_t now_us, int64_t *wait_us)
{
	int64_t next = now_us + 86400000000LL, day = day_of(now_us, &next);

	if (b->updated_us != day) {	/* a new day: nothing used yet */
		b->updated_us = day;
		b->level = 0;
	}
	if (amount > l->per)
		return AI_LIMIT_NEVER;
	if (b->level + amount <= l->per) {
		*wait_us = 0;
		return AI_LIMIT_OK;
	}
	*wait_us = next > now_us ? next - now_us : 1;
	return AI_LIMIT_WAIT;
}

/*
 * Whether amount can be taken from b now: AI_LIMIT_OK, AI_LIMIT_WAIT
 * with *wait_us until it can, or AI_LIMIT_NEVER when it is more than a
 * minute's (a day's) units.  b is brought up to now, nothing taken.
 */
int
ai_bucket_try(struct ai_bucket *b, const struct ai_limit *l, int64_t amount,
    int64_t now_us, int64_t *wait_us)
{
	int64_t need;

	*wait_us = 0;
	if (!sane(l) || amount < 0)
		return AI_LIMIT_NEVER;
	if (l->kind == AI_LIMIT_QUOTA)
		return quota_try(b, l, amount, now_us, wait_us);
	if (amount > l->per)
		return AI_LIMIT_NEVER;
	refill(b, l, now_us);
	/* More than the burst waits for a full bucket, then goes in debt. */
	if ((need = (amount < l->burst ? amount : l->burst) *
	    AI_BUCKET_SCALE - b->level) <= 0)
		return AI_LIMIT_OK;
	*wait_us = (need + l->per - 1) / l->per;
	return AI_LIMIT_WAIT;
}

/* Takes amount (after ai_bucket_try said it may be taken). */
void
ai_bucket_take(struct ai_bucket *b, const struct ai_limit *l, int64_t amount)
{
	if (l->kind == AI_LIMIT_QUOTA)
		b->level += amount;
	else
		b->level -= amount * AI_BUCKET_SCALE;
}

/*
 * Gives back amount, or takes more when it is negative: the true-up of
 * an estimate.  A bucket never holds more than its burst, and may go
 * below empty (a call used more than reserved), down to a minute's
 * units: later takes wait for it.
 */
void
ai_bucket_give(struct ai_bucket *b, const struct ai_limit *l, int64_t amount,
    int64_t now_us)
{
	int64_t cap = l->burst * AI_BUCKET_SCALE, wait;

	if (!sane(l) || amount < -AI_BUCKET_MAX || amount > AI_BUCKET_MAX)
		return;
	if (l->kind == AI_LIMIT_QUOTA) {
		(void)quota_try(b, l, 0, now_us, &wait);	/* the day */
		b->level -= amount;
		if (b->level < 0)
			b->level = 0;
		return;
	}
	refill(b, l, now_us);
	b->level += amount * AI_BUCKET_SCALE;
	if (b->level > cap)
		b->level = cap;
	if (b->level < -l->per * AI_BUCKET_SCALE)	/* a minute's, at most */
		b->level = -l->per * AI_BUCKET_SCALE;
}

/* What b holds now, in whole units (a quota: what is left of the day). */
int64_t
ai_bucket_level(struct ai_bucket *b, const struct ai_limit *l, int64_t now_us)
{
	int64_t wait;

	if (!sane(l))
		return 0;
	if (l->kind == AI_LIMIT_QUOTA) {
		(void)quota_try(b, l, 0, now_us, &wait);
		return l->per - b->level;
	}
	refill(b, l, now_us);
	return b->level / AI_BUCKET_SCALE;
}
