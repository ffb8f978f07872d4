/*
 * dryrun.c: "ailimit estimate", what a run will draw, cost and take,
 * with nothing sent: per model, the records, the input tokens estimated
 * and the output reserved as the gate counts them, their price at the
 * standard and the batch tiers as aiusage prices calls, and the time the
 * limits given let the run take, from full buckets.
 *
 * The output reserved is what a request may use at most, so the costs
 * are an upper bound; settle's refunds and short answers make the real
 * run cheaper, and no faster than the time shown.
 */
#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ailimit.h"

#define RECORDS(n)	((n) == 1 ? "record" : "records")
#define MAX_WHY		5	/* lines that are no request, said why */

struct model_sum {
	char		*model;
	int64_t		 records, input, output;
	struct ai_money	 cost[2];	/* standard, batch */
	int		 unpriced;
};

struct dryrun {
	const struct opts *o;
	struct stage	 st;
	struct ai_defaults defaults;
	struct ai_prices prices;
	struct model_sum *m;
	size_t		 n, cap;
	int64_t		 total[NBUCKETS];	/* what the gate would draw */
	int64_t		 passed, invalid, never;
	int		 never_b;	/* a bucket some record can never fit */
	struct {
		long	 line;
		char	 why[AI_ERRLEN];
	}		 why[MAX_WHY];	/* the first lines that are no request */
	int		 not_json;	/* some line is not JSON */
};

static struct model_sum *
sum_of(struct dryrun *r, const char *model)
{
	struct model_sum *m;
	size_t i;

	for (i = 0; i < r->n; i++)
		if (strcmp(r->m[i].model, model) == 0)
			return &r->m[i];
	if (r->n == r->cap) {
		r->cap = r->cap ? r->cap * 2 : 8;
		if ((m = reallocarray(r->m, r->cap, sizeof(*m))) == NULL)
			err(1, NULL);
		r->m = m;
	}
	m = &r->m[r->n++];
	memset(m, 0, sizeof(*m));
	if ((m->model = strdup(model)) == NULL)
		err(1, NULL);
	return m;
}

/* One request: priced, and counted unless a limit given never lets it. */
static void
count(struct dryrun *r, const struct ai_request *req)
{
	const char *tier = ai_service_tier(req->body);
	const struct ai_price *p = ai_prices_find(&r->prices, req->model);
	struct ai_usage u = { 0 };
	struct ai_estimate e;
	struct ai_limit l;
	struct model_sum *m;
	int64_t amount[NBUCKETS], pico;
	int b, t = ai_tier_find(tier);

	ai_estimate_request(req->body, &e);
	u.input = e.input;
	u.output = e.output;
	draw_amounts(&e, request_cost(&r->prices, req, &e), amount);
	for (b = 0; b < NBUCKETS; b++) {
		if (r->o->per[b] == 0)
			continue;
		bucket_limit(r->o, b, &l);
		if (amount[b] < 0 || amount[b] > l.per) {
			r->never++;
			r->never_b = b;
			return;
		}
	}
	for (b = 0; b < NBUCKETS; b++)
		r->total[b] += amount[b] > 0 ? amount[b] : 0;
	m = sum_of(r, req->model);
	m->records++;
	m->input += e.input;
	m->output += e.output;
	if (p == NULL || ai_price_cost(p, &u, t >= 0 && t != AI_TIER_BATCH ?
	    t : AI_TIER_STANDARD, &pico) == -1) {
		m->unpriced++;
		return;
	}
	ai_money_add(&m->cost[0], pico);
	if (ai_price_cost(p, &u, AI_TIER_BATCH, &pico) == 0)
		ai_money_add(&m->cost[1], pico);
}

/*
 * A line that is no request aiq would send: counted, and for the first
 * few, why, in the words of aiq.
 */
static void
invalid(struct dryrun *r, const char *why)
{
	if (r->invalid < MAX_WHY) {
		r->why[r->invalid].line = r->st.in.lineno;
		snprintf(r->why[r->invalid].why, sizeof(r->why[0].why), "%s",
		    why);
	}
	r->invalid++;
}

static void
dryrun_one(struct dryrun *r, const char *line, size_t len)
{
	struct ai_request req;
	char err[AI_ERRLEN], near[160];
	json_error_t je;
	json_t *rec;

	if (len == strspn(line, " \t")) {
		invalid(r, "empty line");
		return;
	}
	if ((rec = json_loadb(line, len, JSON_DECODE_ANY, &je)) == NULL) {
		/* jansson quotes the bytes near the error: they may be any */
		ai_text_utf8(near, sizeof(near), je.text, strlen(je.text));
		snprintf(err, sizeof(err), "invalid JSON: %s (column %d)", near,
		    je.column);
		r->not_json = 1;
		invalid(r, err);
	} else if (!json_is_object(rec))
		invalid(r, json_is_array(rec) ? "record is not a JSON object: "
		    "an array, whose records jq -c '.[]' puts one a line" :
		    "record is not a JSON object");
	else if (ai_record_is_done(rec, r->o->resend_errors))
		r->passed++;
	else if (ai_record_request(rec, &r->defaults, &req, err) == -1)
		invalid(r, err);
	else {
		count(r, &req);
		ai_request_free(&req);
	}
	json_decref(rec);
}

/* The lines that are no request, the first few with why. */
static void
show_invalid(const struct dryrun *r)
{
	char shown[AI_ERRLEN];
	int i;

	printf("%lld %s no request aiq would send:\n", (long long)r->invalid,
	    r->invalid == 1 ? "line is" : "lines are");
	for (i = 0; i < r->invalid && i < MAX_WHY; i++)
		printf("  line %ld: %s\n", r->why[i].line, ai_text_show(shown,
		    sizeof(shown), r->why[i].why));
	if (r->invalid > MAX_WHY)
		printf("  and %lld more\n", (long long)(r->invalid - MAX_WHY));
	if (r->not_json)
		printf("  (records are JSON lines: jq -c . makes them of "
		    "pretty-printed JSON)\n");
}

/* A time for people: "12.5 s", "7 min 12 s", "3 h 20 min". */
static void
show_time(double s, char *out, size_t size)
{
	long t = (long)(s + 0.5);

	if (s < 60)
		snprintf(out, size, "%.1f s", s);
	else if (t < 3600)
		snprintf(out, size, "%ld min %ld s", t / 60, t % 60);
	else
		snprintf(out, size, "%ld h %ld min", t / 3600, t % 3600 / 60);
}

static void
show_cost(const struct model_sum *m, int tier, char *out, size_t size)
{
	char d[AI_MONEY_LEN];

	if (m->unpriced == m->records)
		snprintf(out, size, "-");
	else {
		ai_money_format(&m->cost[tier], 6, d, sizeof(d));
		snprintf(out, size, "$%s%s", d, m->unpriced ? "+" : "");
	}
}

static void
row(const struct model_sum *m)
{
	char std[48], batch[48];

	show_cost(m, 0, std, sizeof(std));
	show_cost(m, 1, batch, sizeof(batch));
	printf("%-20s %7lld %10lld %12lld %11s %11s\n", m->model,
	    (long long)m->records, (long long)m->input, (long long)m->output,
	    std, batch);
}

/* A day's quota the run needs more of than a day's, said in days. */
static void
quota_days(int b, int64_t per, int64_t total)
{
	char a[AI_MONEY_LEN], t[AI_MONEY_LEN];
	long long days = (total + per - 1) / per;

	if (b == B_USD)
		printf("the run may cost $%s, the usd quota is $%s a day: %lld "
		    "days with --wait-quota\n", ai_money_show(total, t),
		    ai_money_show(per, a), days);
	else
		printf("the run needs %lld of %s, the quota is %lld a day: "
		    "%lld days with --wait-quota\n", (long long)total,
		    bucket_names[b], (long long)per, days);
}

/*
 * How long the limits given hold the run back: each rate lets its burst
 * go at once, then its rate; the slowest one binds.  A day's quota that
 * the run needs more of than a day's is said, in days.
 */
static void
show_limits(const struct dryrun *r)
{
	struct ai_limit l;
	double s, most = 0;
	char shown[32], at[32];
	time_t now = time(NULL), done;
	struct tm today, then;
	int b, binds = -1;

	for (b = 0; b < NBUCKETS; b++) {
		if (r->o->per[b] == 0)
			continue;
		bucket_limit(r->o, b, &l);
		if (l.kind == AI_LIMIT_QUOTA) {
			if (r->total[b] > l.per)
				quota_days(b, l.per, r->total[b]);
			continue;
		}
		s = r->total[b] > l.burst ? (double)(r->total[b] - l.burst) *
		    60 / (double)l.per : 0;
		if (binds == -1 || s > most)
			most = s, binds = b;
	}
	if (binds == -1)
		return;
	show_time(most, shown, sizeof(shown));
	done = now + (time_t)most;
	localtime_r(&now, &today);
	localtime_r(&done, &then);
	strftime(at, sizeof(at), then.tm_yday == today.tm_yday &&
	    then.tm_year == today.tm_year ? "%H:%M" : "%a %d %b %H:%M",
	    &then);
	printf("time at the limits: %s (%s binds), done by %s if started "
	    "now\n", shown, bucket_names[binds], at);
}

static void
report(struct dryrun *r)
{
	struct model_sum t = { .model = "total" };
	size_t i;

	printf("%-20s %7s %10s %12s %11s %11s\n", "model", "records",
	    "input", "output (max)", "standard", "batch");
	for (i = 0; i < r->n; i++) {
		row(&r->m[i]);
		t.records += r->m[i].records;
		t.input += r->m[i].input;
		t.output += r->m[i].output;
		t.unpriced += r->m[i].unpriced;
		t.cost[0].micro += r->m[i].cost[0].micro;
		ai_money_add(&t.cost[0], r->m[i].cost[0].pico);
		t.cost[1].micro += r->m[i].cost[1].micro;
		ai_money_add(&t.cost[1], r->m[i].cost[1].pico);
	}
	row(&t);
	if (t.unpriced > 0)
		printf("%lld %s of a model without a price %s not in the "
		    "costs (\"+\"): add prices with --prices\n",
		    (long long)t.unpriced, RECORDS(t.unpriced),
		    t.unpriced == 1 ? "is" : "are");
	if (r->passed > 0)
		printf("%lld %s pass%s without a call: answered already\n",
		    (long long)r->passed, RECORDS(r->passed),
		    r->passed == 1 ? "es" : "");
	if (r->invalid > 0)
		show_invalid(r);
	if (r->never > 0)
		printf("%lld %s can never pass the %s limit (over_limit)%s\n",
		    (long long)r->never, RECORDS(r->never),
		    bucket_names[r->never_b], r->o->per[B_USD] != 0 ?
		    ", or have no price" : "");
	show_limits(r);
}

int
dryrun_run(const struct opts *o)
{
	struct dryrun r = { .o = o };
	char *line, why[64];
	size_t len, i;
	int cut, status;

	r.defaults = o->defaults;
	r.defaults.model = ai_default_model(o->defaults.model);
	load_prices(o, &r.prices);
	stage_init(&r.st, AI_MAX_LINE, 0);
	while (stage_next(&r.st, &line, &len, &cut) == 1)
		if (cut) {
			snprintf(why, sizeof(why), "longer than %u bytes",
			    AI_MAX_LINE);
			invalid(&r, why);
		} else
			dryrun_one(&r, line, len);
	if (ailimit_signal == 0)
		report(&r);
	status = r.invalid > 0 ? 1 : 0;
	if (fflush(stdout) == EOF || ferror(stdout))
		err(1, "write error");
	for (i = 0; i < r.n; i++)
		free(r.m[i].model);
	free(r.m);
	stage_free(&r.st);
	ai_prices_free(&r.prices);
	return status;
}
