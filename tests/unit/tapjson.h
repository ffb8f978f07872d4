/*
 * tapjson.h: TAP checks of JSON values, for the unit tests that compare
 * what the library built with the JSON text they expect.
 */
#ifndef TAPJSON_H
#define TAPJSON_H

#include <stdlib.h>

#include <jansson.h>

#include "tap.h"

static inline char *
dump(const json_t *v)
{
	return v != NULL ? json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY) :
	    NULL;
}

/* Compares a JSON value with the JSON text want, showing it on failure. */
static inline void
json_is(const json_t *got, const char *want, const char *what)
{
	json_t *w = json_loads(want, JSON_DECODE_ANY, NULL);
	char *s;

	if (w == NULL)
		diag("bad fixture: %s", want);
	if (!ok(got != NULL && w != NULL && json_equal((json_t *)got, w),
	    "%s", what)) {
		s = dump(got);
		diag("     got: %s", s != NULL ? s : "(null)");
		diag("expected: %s", want);
		free(s);
	}
	json_decref(w);
}

#endif
