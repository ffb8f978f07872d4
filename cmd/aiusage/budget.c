/*
 * budget.c: spend against a budget for a day, week or month, and the
 * forecast for the whole period from the trend so far: what was spent,
 * spread over the time gone, carried on to the period's end.
 */
#include <stdio.h>
#include <string.h>

#include "aiusage.h"

/* A forecast in microdollars, held below the end of int64_t. */
#define FORECAST_MAX	INT64_C(4000000000000000000)

/*
 * "50", "$49.99": dollars to the microdollar, more than zero; -1 with
 * why it is not one, in why: a user who gave 0.0000001 must learn of the
 * microdollar, not be told the number is none.
 */
int
budget_parse(const char *s, int64_t *micro, char *why, size_t size)
{
	const char *p = s + (*s == '$'), *end;
	size_t whole, frac = 0;

	if (ai_money_parse(p, micro) == 0 && *micro > 0)
		return 0;
	whole = strspn(p, "0123456789");
	end = p + whole;
	if (*end == '.') {
		frac = strspn(end + 1, "0123456789");
		end += 1 + frac;
	}
	if (whole + frac == 0 || *end != '\0')
		snprintf(why, size, "not an amount of dollars, such as 50 or"
		    " 49.99");
	else if (frac > 6)
		snprintf(why, size, "more than 6 decimals: a budget is counted"
		    " in microdollars ($0.000001)");
	else if (strspn(p, "0.") != strlen(p))
		snprintf(why, size, "too large: a trillion dollars at most");
	else
		snprintf(why, size, "not above 0: the smallest budget is"
		    " $0.000001");
	return -1;
}

static const char *
period_name(int p)
{
	return p == D_DAY ? "day" : p == D_WEEK ? "week" : "month";
}

/* Decimals that show a sum: all under a dollar, cents from $100. */
static int
places(int64_t micro)
{
	return micro < 1000000 ? 6 : micro < 100000000 ? 4 : 2;
}

/* "$1.25"; a spend below the last decimal, "<$0.01", never "$0.00". */
static void
dollars(const struct ai_money *m, int dec, char *out, size_t size)
{
	char v[32];

	money_text(m, dec, 1, v, sizeof(v));
	snprintf(out, size, "%s$%s", *v == '<' ? "<" : "", v + (*v == '<'));
}

/*
 * The spend as the budget lines say it: a sum that leaves calls out
 * (no price, tokens not known) is a floor, "at least $1.25", or not
 * known at all when the calls it has cost nothing; never a known $0.
 */
static void
spend_text(const struct tally *t, const char *amount, char *out, size_t size)
{
	if (group_cost_unknown(&t->total))
		snprintf(out, size, "unknown");
	else
		snprintf(out, size, "%s%s", group_uncosted(&t->total) > 0 ?
		    "at least " : "", amount);
}

/*
 * Says the spend of the period so far, its share of the budget and the
 * forecast; 1 when the spend is over the budget.
 */
int
budget_report(FILE *f, const struct opts *o, const struct tally *t,
    int64_t now)
{
	int64_t start = when_period_start(o->period, now);
	int64_t end = when_period_end(o->period, now);
	struct ai_money budget = { o->budget_micro, 0 }, forecast = { 0, 0 };
	char b[40], amount[40], spent[64], fc[64], from[32], to[32];
	char u[96], left[128] = "", share[32] = "";
	double gone;
	int64_t micro = ai_money_micro(&t->total.cost);
	int dec = o->decimals_set ? o->decimals : o->budget_micro % 10000 ==
	    0 ? 2 : 6;		/* as given: in cents, or finer */
	int sdec = o->decimals_set ? o->decimals : places(micro);

	gone = (double)(now - start) / (double)(end - start);
	if (gone > 0)		/* held in range early in the period */
		forecast.micro = (double)micro / gone < (double)FORECAST_MAX ?
		    (int64_t)((double)micro / gone + 0.5) : FORECAST_MAX;
	dollars(&budget, dec, b, sizeof(b));
	dollars(&t->total.cost, sdec, amount, sizeof(amount));
	spend_text(t, amount, spent, sizeof(spent));
	dollars(&forecast, sdec, amount, sizeof(amount));
	spend_text(t, amount, fc, sizeof(fc));
	if (group_uncosted(&t->total) > 0) {	/* what the sum leaves out */
		uncosted_text(&t->total, u, sizeof(u));
		snprintf(left, sizeof(left), "%s%s",
		    group_cost_unknown(&t->total) ? ": " : " + ", u);
	}
	when_bucket(D_DAY, start, from, sizeof(from));
	when_bucket(D_DAY, end - 1, to, sizeof(to));
	if (!group_cost_unknown(&t->total))
		snprintf(share, sizeof(share), " (%.1f%%)", 100.0 *
		    (double)micro / (double)o->budget_micro);
	fprintf(f, "budget    %s a %s, %s to %s\n", b,
	    period_name(o->period), from, to);
	fprintf(f, "spent     %s%s%s, %.0f%% of the %s gone\n", spent, share,
	    left, 100 * gone, period_name(o->period));
	fprintf(f, "forecast  %s for the %s%s\n", fc, period_name(o->period),
	    forecast.micro > o->budget_micro && micro <= o->budget_micro ?
	    ", over the budget" : "");
	if (micro > o->budget_micro) {
		fprintf(stderr, "aiusage: over budget: %s spent of %s %s\n",
		    spent, b, o->period == D_DAY ? "today" : o->period ==
		    D_WEEK ? "this week" : "this month");
		return 1;
	}
	return 0;
}
