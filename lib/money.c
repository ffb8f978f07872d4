/*
 * money.c: sums of dollars kept exactly.  A call's cost is a whole number
 * of picodollars (tokens times a price per token in picodollars), and a
 * sum keeps whole microdollars apart from the picodollars below them, so
 * that millions of calls add up with no rounding until the sum is shown.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "aitools.h"

#define PICO_PER_MICRO	1000000
#define MICRO_PER_DOLLAR 1000000
#define MICRO_MAX	INT64_C(1000000000000000000)	/* a trillion dollars */

/*
 * "2.50": dollars, exactly, as microdollars; at most six decimals, no
 * sign.  -1 for anything else.
 */
int
ai_money_parse(const char *s, int64_t *micro)
{
	int64_t whole = 0, frac = 0;
	int digits = 0, nfrac = 0;

	for (; isdigit((unsigned char)*s); s++, digits++)
		if ((whole = whole * 10 + (*s - '0')) > MICRO_MAX /
		    MICRO_PER_DOLLAR)
			return -1;	/* and whole * 10 never overflows */
	if (*s == '.')
		for (s++; isdigit((unsigned char)*s); s++, nfrac++, digits++) {
			if (nfrac == 6)
				return -1;	/* finer than a microdollar */
			frac = frac * 10 + (*s - '0');
		}
	if (*s != '\0' || digits == 0)
		return -1;
	for (; nfrac < 6; nfrac++)
		frac *= 10;
	*micro = whole * MICRO_PER_DOLLAR + frac;
	return *micro > MICRO_MAX ? -1 : 0;
}

void
ai_money_add(struct ai_money *m, int64_t pico)
{
	m->micro += pico / PICO_PER_MICRO;
	m->pico += pico % PICO_PER_MICRO;
	if (m->pico >= PICO_PER_MICRO) {
		m->micro++;
		m->pico -= PICO_PER_MICRO;
	} else if (m->pico < 0) {
		m->micro--;
		m->pico += PICO_PER_MICRO;
	}
}

/* The sum in microdollars, rounded half up. */
int64_t
ai_money_micro(const struct ai_money *m)
{
	return m->micro + (m->pico >= PICO_PER_MICRO / 2);
}

/*
 * Dollars with the given number of decimals (0 to 6), rounded once, half
 * away from zero, from the exact sum: "12.345678", or "12.35" with 2.
 */
void
ai_money_format(const struct ai_money *m, int decimals, char *out,
    size_t size)
{
	static const int64_t pow10[] = { 1, 10, 100, 1000, 10000, 100000,
	    1000000 };
	int64_t micro = m->micro, pico = m->pico, unit, v, rem;
	int neg = micro < 0;

	if (decimals < 0)
		decimals = 0;
	if (decimals > 6)
		decimals = 6;
	if (neg) {			/* the magnitude, as micro + pico */
		micro = -micro - (pico > 0);
		pico = pico > 0 ? PICO_PER_MICRO - pico : 0;
	}
	unit = pow10[6 - decimals];
	v = micro / unit;
	rem = micro % unit;
	if (rem * PICO_PER_MICRO + pico >= unit * PICO_PER_MICRO / 2)
		v++;
	if (decimals == 0)
		snprintf(out, size, "%s%lld", neg && v ? "-" : "",
		    (long long)v);
	else
		snprintf(out, size, "%s%lld.%0*lld", neg && v ? "-" : "",
		    (long long)(v / pow10[decimals]), decimals,
		    (long long)(v % pow10[decimals]));
}

/* Dollars as a double, for charts and ratios only, never for sums. */
double
ai_money_dollars(const struct ai_money *m)
{
	return (double)m->micro / 1e6 + (double)m->pico / 1e12;
}

/*
 * Whole microdollars as dollars for people: two decimals at least, and
 * as many more as it takes to be exact ("20.00", "0.001234"); into out
 * (AI_MONEY_LEN bytes), which is returned.
 */
const char *
ai_money_show(int64_t micro, char *out)
{
	struct ai_money m = { micro, 0 };
	size_t n;

	ai_money_format(&m, 6, out, AI_MONEY_LEN);
	n = strlen(out);
	while (n > 0 && out[n - 1] == '0' && strchr(out, '.') + 3 < out + n)
		out[--n] = '\0';
	return out;
}
