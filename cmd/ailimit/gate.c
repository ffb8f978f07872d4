/*
 * gate.c: writes each record of stdin when every bucket it draws from
 * allows it, in input order, stamped with what it drew (aitools.limit),
 * so that a later stage can true the estimate up.  While a record waits
 * the process sleeps: no polling, no CPU.
 *
 * A record that already has its answer, or that is not a request aiq
 * would send, passes at once and draws nothing; one that no wait would
 * let through (more tokens than a minute's) fails as "over_limit".
 */
#include <err.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ailimit.h"

/* A lease: this share of a second of each rate, taken ahead at once. */
#define LEASE_MS	100

/* --auto looks for the limits settle learned this often. */
#define LEARN_US	1000000
#define RELEARNED	(-2)	/* take(): the limits changed, draw anew */
#define AGAIN		(-3)	/* sleep_until(): reserve anew */

/* A reservation due later than this looks again as often. */
#define RECHECK_US	250000

struct gate {
	const struct opts *o;		/* as given */
	struct opts	 lim;		/* the limits paced by: o's, or with
					   --auto the provider's */
	struct ai_limitstore *store;
	struct stage	 st;
	struct ai_buf	 tail;
	struct ai_defaults defaults;
	struct ai_prices prices;	/* with --usd-per-day */
	int64_t		 held[AI_MAX_DRAWS];	/* leased, not yet drawn */
	int		 failed[AI_E_NCODES];	/* records failed, by code */
	int		 told;		/* a wait for a quota was said */
	int		 learned;	/* --auto: the provider's limits came */
	int		 pacing;	/* the rates bind: no lease is taken */
	int64_t		 learn_us;	/* when they were looked for */
	int64_t		 sent;		/* records let through */
};

/*
 * The record failed by the gate, with code and message, never sent; a
 * line that is no record (rec NULL: too long to read) keeps the
 * custom_id it begins with.
 */
static void
fail(struct gate *g, const char *line, size_t len, const json_t *rec,
    enum ai_errcode code, const char *msg)
{
	struct ai_meta m = { .line = g->st.in.lineno };
	char *id = rec == NULL ? ai_record_salvage_id(line, len) : NULL;

	m.started_ms = m.finished_ms = ai_now_ms();
	if (ai_tail_error(&g->tail, code, msg, 0, &m) == -1 ||
	    (rec != NULL ? ai_record_splice(&g->st.out, line, len, rec,
	    g->tail.data, g->tail.len) : ai_record_bare(&g->st.out,
	    id, g->tail.data, g->tail.len)) == -1)
		errx(1, "out of memory");
	free(id);
	stage_made(&g->st);
	g->failed[code]++;
}

/* At the end: what was not sent, and why; 1 when some record was not. */
static int
say_failed(const struct gate *g)
{
	char what[256];
	size_t n = 0;
	int c, total = 0;

	for (c = 0; c < AI_E_NCODES; c++) {
		if (g->failed[c] == 0)
			continue;
		n += (size_t)snprintf(what + n, n < sizeof(what) ?
		    sizeof(what) - n : 0, "%s%d %s", total ? ", " : "",
		    g->failed[c], ai_errcode_name((enum ai_errcode)c));
		total += g->failed[c];
	}
	if (total > 0)
		warnx("%d record%s not sent, written as errors: %s%s", total,
		    total == 1 ? "" : "s", what, g->st.gone ? " (the reader "
		    "went away before all were written)" : "");
	return total > 0;
}

/*
 * The draws of a request of estimate e costing usd microdollars at most,
 * from the limits given.
 */
static int
draws(const struct opts *o, const struct ai_estimate *e, int64_t usd,
    struct ai_draw *d)
{
	int64_t amount[NBUCKETS];
	int b, n = 0;

	draw_amounts(e, usd, amount);
	for (b = 0; b < NBUCKETS; b++) {
		if (o->per[b] == 0)
			continue;
		d[n].name = bucket_names[b];
		bucket_limit(o, b, &d[n].limit);
		d[n].amount = amount[b];
		n++;
	}
	return n;
}

/* Sleeps us microseconds, or less when a signal comes. */
static void
nap(int64_t us)
{
	struct timespec ts = { (time_t)(us / 1000000),
	    (long)(us % 1000000) * 1000 };

	nanosleep(&ts, NULL);
}

/*
 * The units of a lease of limit l: LEASE_MS of its rate, a quarter of
 * its burst at most, so that a lease never holds much of what another
 * process sharing the key could use.  A quota leases nothing.
 */
static int64_t
lease_of(const struct ai_limit *l)
{
	int64_t n = l->per * LEASE_MS / 60000;

	if (l->kind == AI_LIMIT_QUOTA)
		return 0;
	return n < l->burst / 4 ? n : l->burst / 4;
}

/* Draws from the units leased, when they cover every draw. */
static int
from_lease(struct gate *g, const struct ai_draw *d, int n)
{
	int i;

	for (i = 0; i < n; i++)
		if (g->held[i] < d[i].amount)
			return 0;
	for (i = 0; i < n; i++)
		g->held[i] -= d[i].amount;
	return 1;
}

/*
 * Takes the draws and a new lease in one go, when the buckets have them
 * now: a transaction for many records, not one each, when the rates are
 * far above the input's.
 */
static int
lease(struct gate *g, const struct ai_draw *d, int n)
{
	struct ai_draw l[AI_MAX_DRAWS];
	char err[AI_ERRLEN];
	int64_t w, more = 0;
	int i, which, r;

	for (i = 0; i < n; i++) {
		l[i] = d[i];
		l[i].amount = (d[i].amount > g->held[i] ? d[i].amount -
		    g->held[i] : 0) + lease_of(&d[i].limit);
		more |= lease_of(&d[i].limit);
	}
	if (more == 0)
		return 0;
	r = ai_limitstore_take(g->store, g->o->key, l, n, ai_now_us(),
	    &w, &which, err);
	if (r == -1)
		errx(1, "%s", err);
	if (r != AI_LIMIT_OK)
		return 0;
	for (i = 0; i < n; i++)
		g->held[i] += l[i].amount - d[i].amount;
	return 1;
}

/* Gives back what is leased and not drawn: at the end, or before a wait. */
static void
give_back(struct gate *g, struct ai_draw *d, int n)
{
	char err[AI_ERRLEN];
	int64_t sum = 0;
	int i;

	for (i = 0; i < n; i++) {
		d[i].amount = g->held[i];
		sum += g->held[i];
		g->held[i] = 0;
	}
	if (sum > 0 && ai_limitstore_give(g->store, g->o->key, d, n,
	    ai_now_us(), err) == -1)
		warnx("%s", err);
}

/* Gives back the whole lease, of the limits paced by now. */
static void
give_back_lease(struct gate *g)
{
	struct ai_draw d[AI_MAX_DRAWS];
	int n;

	n = draws(&g->lim, &(struct ai_estimate){ 0, 0, 0 }, 0, d);
	give_back(g, d, n);
}

/*
 * --auto: paces by the limits settle learned from the provider's headers
 * for the key, each under the rate given for it, if one was; until some
 * came, by the rates given and a conservative start.  What is leased is
 * given back first: the draws change with the limits.  1 when they did.
 */
static int
learn(struct gate *g)
{
	struct opts lim = g->lim;
	char err[AI_ERRLEN];
	int64_t said[NLEARNED], given;
	int i, b, any = 0;

	g->learn_us = ai_mono_us();
	for (i = 0; i < NLEARNED; i++) {
		if (ai_limitstore_learned(g->store, g->o->key,
		    bucket_names[learned_buckets[i]], &said[i], err) == -1)
			errx(1, "%s", err);
		any |= said[i] > 0;
	}
	if (!any)
		return 0;
	g->learned = 1;
	for (i = 0; i < NLEARNED; i++) {
		b = learned_buckets[i];
		given = g->o->per[b];
		lim.per[b] = said[i] > 0 && (given == 0 || said[i] < given) ?
		    said[i] : given;
	}
	if (memcmp(lim.per, g->lim.per, sizeof(lim.per)) == 0)
		return 0;
	give_back_lease(g);
	g->lim = lim;
	return 1;
}

/*
 * Sleeps until a reservation is due, due_us on the monotonic clock.  A
 * long wait looks again every RECHECK_US: what settle gave back
 * meanwhile (the output a call reserved and did not use) may let the
 * record go sooner, so the reservation is given back to be made anew
 * (AGAIN).  A signal ends the sleep (-1), and so do --auto's limits
 * changing (RELEARNED); in each case what was reserved is given back.
 * 0 once it is due.
 */
static int
sleep_until(struct gate *g, struct ai_draw *d, int n, int64_t due_us)
{
	int64_t w;
	int i, r = 0;

	while (r == 0 && (w = due_us - ai_mono_us()) > 0) {
		nap(w < RECHECK_US ? w : RECHECK_US);
		if (ailimit_signal != 0)
			r = -1;
		else if (g->o->auto_limits && ai_mono_us() - g->learn_us >=
		    LEARN_US && learn(g))
			r = RELEARNED;
		else if (due_us - ai_mono_us() > RECHECK_US)
			r = AGAIN;
	}
	if (r != 0) {
		for (i = 0; i < n; i++)
			g->held[i] = d[i].amount;
		give_back(g, d, n);
	}
	return r;
}

/*
 * Takes the draws, waiting as long as it takes, and adds the time waited
 * to *waited_ms.  From what is leased, else with a new lease, when the
 * rates are far above the input's; else, pacing, by one reservation a
 * record: the draws are taken now and the gate sleeps until they are
 * due, so that a paced record costs one transaction and a wake-up, and
 * gates sharing a key queue behind one another rather than all waking
 * for every unit.  Returns AI_LIMIT_OK; AI_LIMIT_NEVER with *which the
 * draw that never fits; AI_LIMIT_WAIT with *which a day's quota that is
 * spent, unless --wait-quota; RELEARNED when --auto's limits changed
 * meanwhile, so the draws must be made anew; or -1 when a signal came
 * first.
 */
static int
take(struct gate *g, struct ai_draw *d, int n, int *which,
    int64_t *waited_ms)
{
	struct ai_draw back[AI_MAX_DRAWS];
	char err[AI_ERRLEN];
	int64_t t0 = ai_mono_us(), w;
	int r, slept = 0;

	if (from_lease(g, d, n) || (!g->pacing && lease(g, d, n)))
		return AI_LIMIT_OK;
	memcpy(back, d, (size_t)n * sizeof(*d));
	give_back(g, back, n);	/* short of room: nothing held aside */
	stage_flush(&g->st);		/* those before it go now */
	for (;;) {
		if (ailimit_signal != 0)
			return -1;
		r = ai_limitstore_reserve(g->store, g->o->key, d, n,
		    ai_now_us(), &w, which, err);
		if (r == -1)
			errx(1, "%s", err);
		if (r == AI_LIMIT_WAIT) {	/* a quota is spent */
			if (!g->o->wait_quota)
				return AI_LIMIT_WAIT;
			if (!g->told++)
				warnx("the %s quota is spent: waiting for "
				    "midnight, local time (--wait-quota)",
				    *which >= 0 ? d[*which].name : "day's");
			nap(w < 1000000 ? w : 1000000);
			slept = 1;
			continue;
		}
		g->pacing = r == AI_LIMIT_OK && w > 0;	/* lease no more */
		if (r != AI_LIMIT_OK || w == 0)
			break;
		slept = 1;
		if ((r = sleep_until(g, d, n, ai_mono_us() + w)) != AGAIN)
			break;
	}
	if (r != AI_LIMIT_OK)
		return r;
	if (slept)
		*waited_ms += (ai_mono_us() - t0 + 999) / 1000;
	return r;
}

/* A day's quota spent: the record fails, saying which and until when. */
static void
spent(struct gate *g, const char *line, size_t len, const json_t *rec,
    const struct ai_draw *d)
{
	char msg[AI_ERRLEN], a[AI_MONEY_LEN], b[AI_MONEY_LEN];

	if (strcmp(d->name, "usd") == 0)
		snprintf(msg, sizeof(msg), "the quota of $%s a day "
		    "(--usd-per-day) has not the $%s this record may cost "
		    "left: it is whole again at midnight, local time "
		    "(--wait-quota waits)", ai_money_show(d->limit.per, a),
		    ai_money_show(d->amount, b));
	else
		snprintf(msg, sizeof(msg), "the %s quota of %lld a day has "
		    "not the %lld this record needs left: it is whole again "
		    "at midnight, local time (--wait-quota waits)", d->name,
		    (long long)d->limit.per, (long long)d->amount);
	fail(g, line, len, rec, AI_E_QUOTA_EXCEEDED, msg);
}

/*
 * A record no wait lets through, saying which limit; and when the output
 * it reserves is the default, for want of a max_tokens, saying that too.
 */
static void
never_fits(struct gate *g, const char *line, size_t len, const json_t *rec,
    const struct ai_draw *d, const struct ai_estimate *e)
{
	char msg[AI_ERRLEN], a[AI_MONEY_LEN], b[AI_MONEY_LEN], why[160] = "";

	if (e->defaulted && strcmp(d->name, "rpm") != 0 &&
	    strcmp(d->name, "rpd") != 0 && strcmp(d->name, "itpm") != 0)
		snprintf(why, sizeof(why), " (%d output tokens reserved, as "
		    "the request sets no max_tokens: set one, or give "
		    "--max-tokens)", AI_EST_RESERVE);
	if (strcmp(d->name, "usd") == 0)
		snprintf(msg, sizeof(msg), "may cost $%s, more than the $%s a "
		    "day of --usd-per-day allows%s", ai_money_show(d->amount,
		    a), ai_money_show(d->limit.per, b), why);
	else
		snprintf(msg, sizeof(msg), "needs %lld of %s, more than its "
		    "limit of %lld %s allows%s", (long long)d->amount, d->name,
		    (long long)d->limit.per, d->limit.kind == AI_LIMIT_QUOTA ?
		    "a day" : "a minute", why);
	fail(g, line, len, rec, AI_E_OVER_LIMIT, msg);
}

/*
 * Before the input waits: what is leased goes back, so that a gate idle
 * on its input holds nothing another process on the key could use.
 */
static void
gate_idle(void *arg)
{
	struct gate *g = arg;
	int i;

	for (i = 0; i < AI_MAX_DRAWS; i++)
		if (g->held[i] > 0) {
			give_back_lease(g);
			return;
		}
}

static void
auto_start(struct gate *g)
{
	if (!g->o->auto_limits)
		return;
	if (g->lim.per[B_RPM] == 0)
		g->lim.per[B_RPM] = AUTO_RPM;
	if (g->lim.per[B_TPM] == 0 && g->lim.per[B_ITPM] == 0 &&
	    g->lim.per[B_OTPM] == 0)
		g->lim.per[B_TPM] = AUTO_TPM;
	learn(g);
}

/*
 * At the end: an --auto that never heard from the provider says so.  A
 * short run ends before its answers come back, so it is said as it is:
 * none had come by then.
 */
static void
auto_end(struct gate *g)
{
	if (g->o->auto_limits && !g->learned && g->sent > 0)
		warnx("--auto: no limits had come from the provider's headers "
		    "when the input ended (they come by 'ailimit settle' after "
		    "aiq): paced at %lld requests and %lld tokens a minute",
		    (long long)g->lim.per[B_RPM], (long long)g->lim.per[B_TPM]);
}

/* What the request may cost, for --usd-per-day: 0 without one. */
static int64_t
cost_of(struct gate *g, const struct ai_request *req,
    const struct ai_estimate *e)
{
	return g->o->per[B_USD] == 0 ? 0 : request_cost(&g->prices, req, e);
}

/*
 * The stamp of a record let through: what it drew, for settle; with a
 * dollar quota, the model it was priced as and the cost drawn too.
 */
static void
stamp(struct gate *g, const char *line, size_t len, const json_t *rec,
    const struct ai_estimate *e, const char *model, int64_t usd,
    int64_t waited)
{
	char base[KEY_MAX + 256], *name = NULL, *text = base;
	json_t *js;
	int n;

	snprintf(base, sizeof(base), "{\"key\":\"%s\",\"input\":%lld,"
	    "\"output\":%lld,\"waited_ms\":%lld}", g->o->key,
	    (long long)e->input, (long long)e->output, (long long)waited);
	if (g->o->per[B_USD] != 0) {
		if ((js = json_string(model)) == NULL || (name = json_dumps(js,
		    JSON_ENCODE_ANY)) == NULL)
			errx(1, "out of memory");
		json_decref(js);
		base[strlen(base) - 1] = '\0';		/* the closing brace */
		n = snprintf(NULL, 0, "%s,\"model\":%s,\"usd_micro\":%lld}",
		    base, name, (long long)usd);
		if (n < 0 || (text = malloc((size_t)n + 1)) == NULL)
			errx(1, "out of memory");
		snprintf(text, (size_t)n + 1, "%s,\"model\":%s,"
		    "\"usd_micro\":%lld}", base, name, (long long)usd);
	}
	if (ai_record_mark(&g->st.out, line, len, rec, "limit", text) == -1)
		errx(1, "out of memory");
	if (text != base)
		free(text);
	free(name);
	stage_made(&g->st);
}

/* One record: passed, paced and stamped, or failed. */
static void
gate_one(struct gate *g, const char *line, size_t len)
{
	struct ai_draw d[AI_MAX_DRAWS];
	struct ai_request req;
	struct ai_estimate e;
	char err[AI_ERRLEN];
	int64_t waited = 0, usd;
	json_t *rec;
	int n, which = 0, r;

	rec = json_loadb(line, len, 0, NULL);
	if (!json_is_object(rec) ||
	    ai_record_is_done(rec, g->o->resend_errors) ||
	    ai_record_request(rec, &g->defaults, &req, err) == -1) {
		/* answered, or aiq says what is wrong with it */
		stage_pass(&g->st, line, len);
		json_decref(rec);
		return;
	}
	ai_estimate_request(req.body, &e);
	if (g->o->auto_limits && ai_mono_us() - g->learn_us >= LEARN_US)
		learn(g);
	if ((usd = cost_of(g, &req, &e)) == -1) {
		snprintf(err, sizeof(err), "the model '%s' has no price in the "
		    "price table, so --usd-per-day cannot count it: add one "
		    "(--prices, see aiusage(1))", req.model);
		fail(g, line, len, rec, AI_E_OVER_LIMIT, err);
		goto done;
	}
	do {
		n = draws(&g->lim, &e, usd, d);
	} while ((r = take(g, d, n, &which, &waited)) == RELEARNED);
	if (r == AI_LIMIT_NEVER)
		never_fits(g, line, len, rec, &d[which], &e);
	else if (r == AI_LIMIT_WAIT)
		spent(g, line, len, rec, &d[which]);
	else if (r == -1)
		fail(g, line, len, rec, AI_E_INTERRUPTED, "stopped by a signal "
		    "while waiting for its turn");
	else {
		stamp(g, line, len, rec, &e, req.model, usd, waited);
		g->sent++;
	}
done:
	ai_request_free(&req);
	json_decref(rec);
}

static void
too_long(struct gate *g, const char *line, size_t len)
{
	char msg[96];

	snprintf(msg, sizeof(msg), "line %ld: longer than %u bytes: not read",
	    g->st.in.lineno, AI_MAX_LINE);
	fail(g, line, len, NULL, AI_E_INVALID_INPUT, msg);
}

/*
 * After a signal, the gate sends no more, and reads on to the end of its
 * input: each record is written as interrupted (an answered one as it
 * came), so that none is lost and none goes out unpaced.
 */
static void
interrupted(struct gate *g, const char *line, size_t len, int cut)
{
	json_t *rec = cut ? NULL : json_loadb(line, len, 0, NULL);

	if (rec != NULL && json_is_object(rec) && ai_record_is_done(rec, 0))
		stage_pass(&g->st, line, len);
	else
		fail(g, line, len, json_is_object(rec) ? rec : NULL,
		    AI_E_INTERRUPTED, "stopped by a signal before its turn");
	json_decref(rec);
}

int
gate_run(const struct opts *o, struct ai_limitstore *store)
{
	struct gate g = { .o = o, .lim = *o, .store = store };
	char *line;
	size_t len;
	int cut, status;

	g.defaults = o->defaults;
	g.defaults.model = ai_default_model(o->defaults.model);
	if (o->per[B_USD] != 0)
		load_prices(o, &g.prices);
	stage_init(&g.st, AI_MAX_LINE, 1);
	g.st.idle = gate_idle;
	g.st.idle_arg = &g;
	auto_start(&g);
	while (stage_next(&g.st, &line, &len, &cut) == 1)
		if (ailimit_signal != 0)
			interrupted(&g, line, len, cut);
		else if (cut)
			too_long(&g, line, len);
		else
			gate_one(&g, line, len);
	stage_flush(&g.st);
	give_back_lease(&g);
	auto_end(&g);
	status = say_failed(&g);
	stage_free(&g.st);
	ai_buf_free(&g.tail);
	ai_prices_free(&g.prices);
	return status;
}
