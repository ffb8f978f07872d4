/* money.c: amounts of dollars read exactly, in microdollars (lib/money.c). */
#include <stdint.h>

#include "aitools.h"
#include "tap.h"

static void
parse_is(const char *s, int want_rc, int64_t want, const char *what)
{
	int64_t v = -7;
	int rc = ai_money_parse(s, &v);

	ok(rc == want_rc && (rc == -1 || v == want), "parse %s: %s", s, what);
}

int
main(void)
{
	parse_is("50", 0, 50000000, "whole dollars");
	parse_is("49.99", 0, 49990000, "cents");
	parse_is("0.000001", 0, 1, "a microdollar");
	parse_is("0.0000001", -1, 0, "finer than a microdollar");
	parse_is("1000000000000", 0, INT64_C(1000000000000000000),
	    "a trillion dollars");
	parse_is("1000000000000.000001", -1, 0, "a microdollar more");
	parse_is("1000000000001", -1, 0, "a dollar more");
	parse_is("99999999999999999999999", -1, 0, "far more, no overflow");
	parse_is("", -1, 0, "nothing");
	parse_is(".", -1, 0, "a point alone");
	parse_is("5x", -1, 0, "trailing letters");
	return done();
}
