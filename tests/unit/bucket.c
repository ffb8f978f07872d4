/*
 * bucket.c: the arithmetic of rate limits and daily quotas (lib/bucket.c),
 * and the shared store of them (lib/limitstore.c): all or none, two
 * processes drawing from one key, a process that dies in a take.
 */
#include <sys/wait.h>

#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "aitools.h"
#include "tap.h"

#define SEC	INT64_C(1000000)
#define T0	(INT64_C(1796000000) * SEC)	/* a fixed now, in 2026 */

static const struct ai_limit rpm60 = { AI_LIMIT_RATE, 60, 60 };
static const struct ai_limit rpm60b1 = { AI_LIMIT_RATE, 60, 1 };

static void
test_rate(void)
{
	struct ai_bucket b = { 0 };
	int64_t w;
	int i, n;

	for (n = 0; ai_bucket_try(&b, &rpm60, 1, T0, &w) == AI_LIMIT_OK; n++)
		ai_bucket_take(&b, &rpm60, 1);
	is_int(n, 60, "rate: a new bucket is full: its burst at once");
	is_int(w, SEC, "  then one a second: the wait is 1 s");
	is_int(ai_bucket_try(&b, &rpm60, 1, T0 + SEC - 1, &w), AI_LIMIT_WAIT,
	    "  not a microsecond before");
	is_int(ai_bucket_try(&b, &rpm60, 1, T0 + SEC, &w), AI_LIMIT_OK,
	    "  and then");
	ai_bucket_take(&b, &rpm60, 1);
	for (i = 0, n = 0; i < 600; i++)	/* a minute, ten steps a second */
		if (ai_bucket_try(&b, &rpm60, 1, T0 + SEC + i * SEC / 10,
		    &w) == AI_LIMIT_OK) {
			ai_bucket_take(&b, &rpm60, 1);
			n++;
		}
	is_int(n, 59, "rate: 60 a minute exactly, tried ten times a second");
	is_int(ai_bucket_try(&b, &rpm60, 61, T0, &w), AI_LIMIT_NEVER,
	    "rate: more than a minute's never fits");
	is_int(ai_bucket_level(&b, &rpm60, T0 + 3600 * SEC), 60,
	    "rate: refilled to its burst, no more, after an hour");

	memset(&b, 0, sizeof(b));
	ai_bucket_try(&b, &rpm60b1, 1, T0, &w);
	ai_bucket_take(&b, &rpm60b1, 1);
	is_int(ai_bucket_try(&b, &rpm60b1, 1, T0 + SEC / 2, &w), AI_LIMIT_WAIT,
	    "rate: a burst of 1 spaces them out");
	is_int(w, SEC / 2, "  by the half second left");
	is_int(ai_bucket_try(&b, &rpm60b1, 30, T0 + SEC, &w), AI_LIMIT_OK,
	    "rate: more than the burst goes once the bucket is full");
	ai_bucket_take(&b, &rpm60b1, 30);
	is_int(ai_bucket_try(&b, &rpm60b1, 1, T0 + SEC, &w), AI_LIMIT_WAIT,
	    "  and leaves a debt");
	is_int(w, 30 * SEC, "  of 29 and the one: 30 s");
}

static void
test_give(void)
{
	static const struct ai_limit tpm = { AI_LIMIT_RATE, 6000, 1000 };
	struct ai_bucket b = { 0 };
	int64_t w;

	ai_bucket_try(&b, &tpm, 800, T0, &w);
	ai_bucket_take(&b, &tpm, 800);
	ai_bucket_give(&b, &tpm, 500, T0);
	is_int(ai_bucket_level(&b, &tpm, T0), 700,
	    "give: an estimate refunded");
	ai_bucket_give(&b, &tpm, 5000, T0);
	is_int(ai_bucket_level(&b, &tpm, T0), 1000, "  never past the burst");
	ai_bucket_give(&b, &tpm, -1500, T0);
	is_int(ai_bucket_level(&b, &tpm, T0), -500,
	    "give: a call that used more than reserved leaves a debt");
	is_int(ai_bucket_try(&b, &tpm, 100, T0, &w), AI_LIMIT_WAIT,
	    "  which later takes wait out");
	is_int(w, 6 * SEC, "  600 tokens at 100 a second: 6 s");
	ai_bucket_give(&b, &tpm, -(INT64_C(1) << 40), T0);
	is_int(ai_bucket_level(&b, &tpm, T0), -500,
	    "give: an absurd amount is ignored");
	ai_bucket_give(&b, &tpm, -100000, T0);
	is_int(ai_bucket_level(&b, &tpm, T0), -6000,
	    "give: a debt of a minute's units at most");
}

static void
test_quota(void)
{
	static const struct ai_limit day = { AI_LIMIT_QUOTA, 1000, 0 };
	struct ai_bucket b = { 0 };
	struct tm tm;
	time_t t;
	int64_t w, now, midnight;

	/* Noon local time, so that the next midnight is 12 hours away. */
	t = (time_t)(T0 / SEC);
	localtime_r(&t, &tm);
	tm.tm_hour = 12;
	tm.tm_min = tm.tm_sec = 0;
	tm.tm_isdst = -1;
	now = (int64_t)mktime(&tm) * SEC;
	tm.tm_hour = 0;
	tm.tm_mday++;
	tm.tm_isdst = -1;
	midnight = (int64_t)mktime(&tm) * SEC;
	is_int(ai_bucket_try(&b, &day, 600, now, &w), AI_LIMIT_OK,
	    "quota: 600 of 1000");
	ai_bucket_take(&b, &day, 600);
	is_int(ai_bucket_try(&b, &day, 600, now, &w), AI_LIMIT_WAIT,
	    "quota: 600 more do not fit today");
	is_int(w, midnight - now, "  the wait is to midnight");
	is_int(ai_bucket_level(&b, &day, now), 400, "quota: 400 left");
	ai_bucket_give(&b, &day, 100, now);
	is_int(ai_bucket_level(&b, &day, now), 500, "  and a refund counts");
	is_int(ai_bucket_try(&b, &day, 600, midnight, &w), AI_LIMIT_OK,
	    "quota: whole again at midnight");
	is_int(ai_bucket_try(&b, &day, 1001, now, &w), AI_LIMIT_NEVER,
	    "quota: more than a day's never fits");
}

static struct ai_draw
draw(const char *name, const struct ai_limit *l, int64_t amount)
{
	struct ai_draw d = { name, *l, amount };

	return d;
}

static void
test_store(const char *path)
{
	static const struct ai_limit tpm = { AI_LIMIT_RATE, 600, 100 };
	struct ai_limitstore *s;
	struct ai_draw d[2];
	char err[AI_ERRLEN] = "";
	int64_t w, lv[2], paused;
	int never = -1, n;

	if (!ok((s = ai_limitstore_open(path, err)) != NULL, "store: open %s",
	    err))
		return;
	d[0] = draw("rpm", &rpm60, 1);
	d[1] = draw("tpm", &tpm, 40);
	is_int(ai_limitstore_take(s, "k", d, 2, T0, &w, &never, err),
	    AI_LIMIT_OK, "store: a take from two buckets");
	ai_limitstore_take(s, "k", d, 2, T0, &w, &never, err);
	is_int(ai_limitstore_take(s, "k", d, 2, T0, &w, &never, err),
	    AI_LIMIT_WAIT, "store: the tokens run out first");
	is_int(w, 2 * SEC, "  20 more tokens at 10 a second: 2 s");
	ai_limitstore_levels(s, "k", d, 2, T0, lv, &paused, err);
	is_int(lv[0] * 1000 + lv[1], 58 * 1000 + 20,
	    "store: all or none: the requests of the refused take are kept");
	is_int(ai_limitstore_take(s, "other", d, 2, T0, &w, &never, err),
	    AI_LIMIT_OK, "store: another key has buckets of its own");
	d[1].amount = 601;
	is_int(ai_limitstore_take(s, "k", d, 2, T0, &w, &never, err),
	    AI_LIMIT_NEVER, "store: a draw past a minute's never fits");
	is_int(never, 1, "  and which one is said");
	d[1].amount = 30;
	ai_limitstore_give(s, "k", d + 1, 1, T0, err);
	d[1].amount = 40;
	is_int(ai_limitstore_take(s, "k", d, 2, T0, &w, &never, err),
	    AI_LIMIT_OK, "store: a refund makes room");
	ai_limitstore_pause(s, "k", T0 + 5 * SEC, err);
	ai_limitstore_pause(s, "k", T0 + 2 * SEC, err);
	is_int(ai_limitstore_take(s, "k", d, 1, T0 + SEC, &w, &never, err),
	    AI_LIMIT_WAIT, "store: a pause stops every take on the key");
	is_int(w, 4 * SEC, "  until its end, the later of two pauses");
	ai_limitstore_reset(s, "k", err);
	for (n = 0; ai_limitstore_take(s, "k", d, 1, T0, &w, &never, err) ==
	    AI_LIMIT_OK; n++)
		continue;
	is_int(n, 60, "store: reset: full again, no pause");
	is_str(err, "", "store: no error on the way");
	ai_limitstore_close(s);
}

/* Takes one request at a time, at the same instant, until none is left. */
static int
drain(const char *path, const char *key)
{
	struct ai_limitstore *s;
	struct ai_draw d = draw("rpm", &rpm60, 1);
	char err[AI_ERRLEN];
	int64_t w;
	int n = 0, never, r;

	if ((s = ai_limitstore_open(path, err)) == NULL)
		return -1;
	while ((r = ai_limitstore_take(s, key, &d, 1, T0, &w, &never,
	    err)) == AI_LIMIT_OK)
		n++;
	ai_limitstore_close(s);
	return r == AI_LIMIT_WAIT ? n : -1;
}

static void
test_shared(const char *path)
{
	int fds[2], st, n, m = -1, i;
	pid_t pid[3];

	if (pipe(fds) == -1)
		abort();
	for (i = 0; i < 3; i++)
		if ((pid[i] = fork()) == 0) {
			n = drain(path, "shared");
			_exit(write(fds[1], &n, sizeof(n)) == sizeof(n) ?
			    0 : 1);
		}
	close(fds[1]);
	n = drain(path, "shared");
	ok(n >= 0, "shared: the parent drew %d", n);
	for (i = 0; i < 3; i++) {
		waitpid(pid[i], &st, 0);
		if (read(fds[0], &m, sizeof(m)) == sizeof(m) && m >= 0)
			n += m;
	}
	close(fds[0]);
	is_int(n, 60,
	    "shared: four processes on one key take its 60 between them");
}

/*
 * A process that dies in the middle of a take, its write lock held and
 * the bucket emptied but not committed, holds nothing and takes nothing.
 */
static void
test_killed(const char *path)
{
	struct ai_limitstore *s;
	struct ai_draw d = draw("rpm", &rpm60, 1);
	char err[AI_ERRLEN];
	sqlite3 *db;
	int64_t w;
	int never, st, n;
	pid_t pid;

	if ((s = ai_limitstore_open(path, err)) == NULL)
		abort();
	ai_limitstore_take(s, "dead", &d, 1, T0, &w, &never, err);
	if ((pid = fork()) == 0) {
		if (sqlite3_open(path, &db) == SQLITE_OK &&
		    sqlite3_exec(db, "BEGIN IMMEDIATE; UPDATE buckets"
		    " SET level = 0 WHERE key = 'dead'", NULL, NULL,
		    NULL) == SQLITE_OK)
			_exit(0);	/* dead, in the transaction */
		_exit(1);
	}
	waitpid(pid, &st, 0);
	/* 1: it could not lock; valgrind's 99 for the leak is dying too. */
	ok(WIFEXITED(st) && WEXITSTATUS(st) != 1,
	    "killed: a process died holding the write lock");
	for (n = 0; ai_limitstore_take(s, "dead", &d, 1, T0, &w, &never,
	    err) == AI_LIMIT_OK; n++)
		continue;
	is_int(n, 59, "killed: the key is free, and its budget whole");
	ai_limitstore_close(s);
}

int
main(void)
{
	char dir[] = "/tmp/aitools-bucket.XXXXXX", path[64];

	test_rate();
	test_give();
	test_quota();
	if (mkdtemp(dir) == NULL)
		abort();
	snprintf(path, sizeof(path), "%s/limits.db", dir);
	test_store(path);
	test_shared(path);
	test_killed(path);
	unlink(path);
	snprintf(path, sizeof(path), "%s/limits.db-wal", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/limits.db-shm", dir);
	unlink(path);
	rmdir(dir);
	return done();
}
