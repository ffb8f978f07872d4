/*
 * nomatch.c: the calls that the filters given (--model, --service,
 * --since, --until) left out.  When they left out every call there was,
 * the report would be one of $0 spent, as if nothing had been: a model
 * name mistyped is said instead, with the names there are, and aiusage
 * exits 1.  --budget's period is no filter given: a month with no calls
 * yet has spent $0.
 */
#include <err.h>
#include <string.h>

#include "aiusage.h"

/* The filters given, as MISS_* bits. */
static int
given(const struct opts *o)
{
	return (o->model != NULL ? MISS_MODEL : 0) |
	    (o->service != NULL ? MISS_SERVICE : 0) |
	    (o->time_given ? MISS_TIME : 0);
}

int
filters_given(const struct opts *o)
{
	return given(o) != 0;
}

/* Adds a value to a short list of distinct ones. */
static void
add_value(struct values *l, const char *v, const char *none)
{
	char clean[sizeof(l->v[0])];
	int i;

	if (v == NULL || *v == '\0')
		v = none;
	ai_text_clean(clean, sizeof(clean), v, strlen(v));
	for (i = 0; i < l->n; i++)
		if (strcmp(l->v[i], clean) == 0)
			return;
	if (l->n == (int)(sizeof(l->v) / sizeof(l->v[0]))) {
		l->more = 1;
		return;
	}
	memcpy(l->v[l->n++], clean, sizeof(clean));
}

/*
 * Notes a call the filters left out.  One that --budget's period left
 * out is not of the input; one that a single filter left out tells what
 * that filter would have found: its model, service or time.
 */
void
tally_missed(struct tally *t, const struct call *c)
{
	if (c->miss == 0 || (c->miss & ~given(t->o)) != 0)
		return;
	t->missed++;
	switch (c->miss) {
	case MISS_MODEL:
		add_value(&t->miss_models, c->model, "(no model)");
		break;
	case MISS_SERVICE:
		add_value(&t->miss_services, c->service, "(no service)");
		break;
	case MISS_TIME:
		if (c->ts_ms == 0)
			t->miss_undated++;
		else {
			if (t->miss_first == 0 || c->ts_ms < t->miss_first)
				t->miss_first = c->ts_ms;
			if (c->ts_ms > t->miss_last)
				t->miss_last = c->ts_ms;
		}
		break;
	}
}

/* Appends to a message, cut to fit. */
static void
put(char *msg, size_t size, const char *s)
{
	size_t len = strlen(msg);

	snprintf(msg + len, size - len, "%s", s);
}

static void
put_values(char *msg, size_t size, const char *what,
    const struct values *l, int *hints)
{
	int i;

	if (l->n == 0)
		return;
	put(msg, size, (*hints)++ ? "; " : " (");
	put(msg, size, what);
	for (i = 0; i < l->n; i++) {
		put(msg, size, i ? ", " : "");
		put(msg, size, l->v[i]);
	}
	if (l->more)
		put(msg, size, ", ...");
}

/* "the calls here are from 2026-11-20 to 2026-11-23; 2 have no time" */
static void
put_times(char *msg, size_t size, const struct tally *t, int *hints)
{
	char a[32], b[32], line[128];

	if (t->miss_last != 0) {
		when_bucket(D_DAY, t->miss_first, a, sizeof(a));
		when_bucket(D_DAY, t->miss_last, b, sizeof(b));
		snprintf(line, sizeof(line), "the calls here are %s %s%s%s",
		    strcmp(a, b) == 0 ? "on" : "from", a,
		    strcmp(a, b) == 0 ? "" : " to ", strcmp(a, b) == 0 ? "" :
		    b);
		put(msg, size, (*hints)++ ? "; " : " (");
		put(msg, size, line);
	}
	if (t->miss_undated != 0) {
		snprintf(line, sizeof(line), "%lld %s no time",
		    (long long)t->miss_undated, t->miss_undated == 1 ?
		    "record has" : "records have");
		put(msg, size, (*hints)++ ? "; " : " (");
		put(msg, size, line);
	}
}

/* The filters given, in words: "of model x of service y since 7d". */
static void
put_filters(char *msg, size_t size, const struct opts *o)
{
	char shown[300], at[32];

	if (o->model != NULL) {
		put(msg, size, " of model ");
		put(msg, size, ai_text_show(shown, sizeof(shown), o->model));
	}
	if (o->service != NULL) {
		put(msg, size, " of service ");
		put(msg, size, ai_text_show(shown, sizeof(shown),
		    o->service));
	}
	if (o->time_given && o->since_ms != 0) {
		when_text(o->since_ms, at, sizeof(at));
		put(msg, size, o->until_ms != 0 ? " from " : " since ");
		put(msg, size, at);
	}
	if (o->time_given && o->until_ms != 0) {
		when_text(o->until_ms, at, sizeof(at));
		put(msg, size, o->since_ms != 0 ? " to " : " before ");
		put(msg, size, at);
	}
}

/*
 * Says that the filters given left out every call there was, naming
 * what there was instead; 1 when it did, 0 when there was nothing to
 * leave out, or calls are counted.
 */
int
no_match(const struct tally *t)
{
	char msg[2048] = "no calls";
	int hints = 0;

	if (t->missed == 0 || t->total.requests > 0 || t->total.hits > 0 ||
	    t->duplicates > 0)
		return 0;
	put_filters(msg, sizeof(msg), t->o);
	put_values(msg, sizeof(msg), "the models here: ", &t->miss_models,
	    &hints);
	put_values(msg, sizeof(msg), "the services here: ",
	    &t->miss_services, &hints);
	put_times(msg, sizeof(msg), t, &hints);
	if (hints)
		put(msg, sizeof(msg), ")");
	warnx("%s", msg);
	return 1;
}
