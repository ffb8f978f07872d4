/*
 * tally.c: calls summed by group.  Each call is counted once (a call seen
 * before, by its ids, is a duplicate), priced exactly, and its latency
 * kept in a histogram of fixed size, so that memory grows with the number
 * of groups and of distinct ids, never with the calls' text.
 */
#include <err.h>
#include <stdlib.h>
#include <string.h>

#include "aiusage.h"

/*
 * Latencies in milliseconds, to within 1/64 (1.6%): exact below 128,
 * then 64 buckets for each power of two up to 2^40 ms.
 */
#define H_EXACT		128
#define H_SUB		64
#define H_OCTAVES	34
#define H_N		(H_EXACT + H_SUB * H_OCTAVES)
#define NUNP		(int)(sizeof(((struct tally *)0)->unp) / \
			    sizeof(((struct tally *)0)->unp[0]))

struct hist {
	int64_t	 n;
	uint32_t b[H_N];
};

static int
hist_index(int64_t v)
{
	int e;

	if (v < H_EXACT)
		return v < 0 ? 0 : (int)v;
	e = 63 - __builtin_clzll((unsigned long long)v);	/* >= 7 */
	if (e - 7 >= H_OCTAVES)
		return H_N - 1;
	return H_EXACT + (e - 7) * H_SUB + (int)((v >> (e - 6)) & (H_SUB - 1));
}

/* The middle of a bucket. */
static int64_t
hist_value(int i)
{
	int e, sub;
	int64_t lo, width;

	if (i < H_EXACT)
		return i;
	e = (i - H_EXACT) / H_SUB + 7;
	sub = (i - H_EXACT) % H_SUB;
	width = (int64_t)1 << (e - 6);
	lo = ((int64_t)1 << e) + sub * width;
	return lo + width / 2;
}

int64_t
hist_percentile(const struct hist *h, double p)
{
	int64_t want, seen = 0;
	int i;

	if (h == NULL || h->n == 0)
		return -1;
	want = (int64_t)(p * (double)h->n + 0.999999);	/* nearest rank */
	if (want < 1)
		want = 1;
	for (i = 0; i < H_N; i++)
		if ((seen += h->b[i]) >= want)
			return hist_value(i);
	return hist_value(H_N - 1);
}

static void
hist_add(struct hist **hp, int64_t v)
{
	int i = hist_index(v);

	if (*hp == NULL && (*hp = calloc(1, sizeof(**hp))) == NULL)
		err(1, NULL);
	if ((*hp)->b[i] == UINT32_MAX)
		return;		/* full: the percentiles stay near */
	(*hp)->n++;
	(*hp)->b[i]++;
}

/* FNV-1a, 64 bits: ids and group keys are short. */
uint64_t
hash64(const void *p, size_t n, uint64_t h)
{
	const unsigned char *s = p;

	if (h == 0)
		h = 0xcbf29ce484222325ULL;
	while (n-- > 0)
		h = (h ^ *s++) * 0x100000001b3ULL;
	return h;
}

void
tally_init(struct tally *t, const struct opts *o, const struct ai_prices *p)
{
	memset(t, 0, sizeof(*t));
	t->o = o;
	t->prices = p;
	t->total.key = (char *)"";
}

/* --- duplicates */

/* Whether the id was seen before; notes it if not. */
static int
seen_before(struct tally *t, uint64_t id)
{
	size_t i, mask;

	if (t->nseen * 2 >= t->capseen) {
		size_t cap = t->capseen ? 2 * t->capseen : 1024, j;
		uint64_t *v = calloc(cap, sizeof(*v));

		if (v == NULL)
			err(1, NULL);
		for (j = 0; j < t->capseen; j++)
			if (t->seen[j] != 0)
				for (i = t->seen[j] & (cap - 1); ;
				    i = (i + 1) & (cap - 1))
					if (v[i] == 0) {
						v[i] = t->seen[j];
						break;
					}
		free(t->seen);
		t->seen = v;
		t->capseen = cap;
	}
	mask = t->capseen - 1;
	for (i = id & mask; t->seen[i] != 0; i = (i + 1) & mask)
		if (t->seen[i] == id)
			return 1;
	t->seen[i] = id;
	t->nseen++;
	return 0;
}

/* --- groups */

/*
 * Appends a value to a group key, '\x1f' apart, cut to fit; cleaned, so
 * that no value holds the separator and every format can show it.
 */
static void
key_part(char *key, size_t size, size_t *len, const char *v)
{
	if (v == NULL || *v == '\0')
		v = "-";
	if (*len > 0 && *len + 1 < size)
		key[(*len)++] = '\x1f';
	*len += ai_text_clean(key + *len, size - *len, v, strlen(v));
}

/*
 * The name of the hour, day, week or month of a time.  localtime(3) stats
 * the zone file at each call, too slow for millions of records: names are
 * kept by quarter hour (every zone's offset is a whole number of them).
 */
#define QUARTER_MS	900000
#define NQUARTERS	8192

static const char *
time_name(enum dim d, int64_t ms)
{
	static struct {
		int64_t	 q;		/* quarter + 1; 0: empty */
		char	 name[D_MONTH - D_HOUR + 1][24];
	} c[NQUARTERS];
	int64_t q = ms / QUARTER_MS;
	size_t i = (size_t)q % NQUARTERS;
	int k;

	if (c[i].q != q + 1) {
		for (k = D_HOUR; k <= D_MONTH; k++)
			when_bucket((enum dim)k, q * QUARTER_MS,
			    c[i].name[k - D_HOUR], sizeof(c[i].name[0]));
		c[i].q = q + 1;
	}
	return c[i].name[d - D_HOUR];
}

/* The key of the call's group: its value of each --by, '\x1f' apart. */
static void
group_key(struct tally *t, const struct call *c, char *key, size_t size)
{
	size_t len = 0;
	int i;

	key[0] = '\0';
	for (i = 0; i < t->o->nby; i++) {
		enum dim d = t->o->by[i];

		switch (d) {
		case D_MODEL:	key_part(key, size, &len, c->model); break;
		case D_PROVIDER: key_part(key, size, &len, c->provider); break;
		case D_SERVICE: key_part(key, size, &len, c->service); break;
		case D_STATUS:	key_part(key, size, &len, c->status); break;
		case D_TIER:	key_part(key, size, &len,
				    ai_tier_name(c->tier)); break;
		case D_FIELD:	key_part(key, size, &len, c->field); break;
		default:
			key_part(key, size, &len, c->ts_ms > 0 ?
			    time_name(d, c->ts_ms) : "-");
		}
	}
}

static struct group *
group_find(struct tally *t, const char *key)
{
	size_t i, mask;
	uint64_t h = hash64(key, strlen(key), 0);

	if (t->n * 2 >= t->cap) {
		size_t cap = t->cap ? 2 * t->cap : 64, j;
		struct group **v = calloc(cap, sizeof(*v));

		if (v == NULL)
			err(1, NULL);
		for (j = 0; j < t->cap; j++) {
			if (t->v[j] == NULL)
				continue;
			i = t->v[j]->hash & (cap - 1);
			while (v[i] != NULL)
				i = (i + 1) & (cap - 1);
			v[i] = t->v[j];
		}
		free(t->v);
		t->v = v;
		t->cap = cap;
	}
	mask = t->cap - 1;
	for (i = h & mask; t->v[i] != NULL; i = (i + 1) & mask)
		if (t->v[i]->hash == h && strcmp(t->v[i]->key, key) == 0)
			return t->v[i];
	if ((t->v[i] = calloc(1, sizeof(**t->v))) == NULL ||
	    (t->v[i]->key = strdup(key)) == NULL)
		err(1, NULL);
	t->v[i]->hash = h;
	t->n++;
	return t->v[i];
}

static void
note_unpriced(struct tally *t, const char *name)
{
	char model[sizeof(t->unp[0].model)];
	int i;

	if (name == NULL || *name == '\0')
		name = "(no model)";
	ai_text_clean(model, sizeof(model), name, strlen(name));
	for (i = 0; i < t->nunp; i++)
		if (strcmp(t->unp[i].model, model) == 0)
			break;
	if (i == t->nunp) {
		if (t->nunp == NUNP)	/* the last one stands for the rest */
			snprintf(model, sizeof(model), "%s", "(others)");
		else
			t->nunp++;
		i = t->nunp - 1;
		memcpy(t->unp[i].model, model, sizeof(model));
	}
	t->unp[i].calls++;
}

/*
 * Sums are held at their limit, never wrapped, whatever the input: a
 * count is at most AI_MAX_TOKENS, but a file may repeat it without end.
 */
static void
sum(int64_t *s, int64_t v)
{
	if (__builtin_add_overflow(*s, v, s))
		*s = INT64_MAX;
}

/* Dollars held at MONEY_MAX, far enough from the end of int64_t. */
#define MONEY_MAX	(INT64_C(1) << 62)	/* microdollars */

static void
money_sum(struct ai_money *m, int64_t pico)
{
	if (m->micro >= MONEY_MAX) {
		m->micro = MONEY_MAX;
		m->pico = 0;
		return;
	}
	ai_money_add(m, pico);	/* a call adds at most 2^63 picodollars */
}

static void
group_add(struct group *g, const struct call *c, int priced, int64_t pico)
{
	if (c->hit) {
		g->hits++;
		if (priced)
			money_sum(&g->saved, pico);
		return;
	}
	g->requests++;
	g->no_usage += c->no_usage;
	if (c->status != NULL && strcmp(c->status, "ok") != 0)
		g->errors++;
	sum(&g->in, c->usage.input);
	sum(&g->out, c->usage.output);
	sum(&g->cached, c->usage.cached);
	if (priced)
		money_sum(&g->cost, pico);
	else
		g->unpriced++;
	if (c->latency_ms >= 0)
		hist_add(&g->lat, c->latency_ms);
}

static int
has_tokens(const struct ai_usage *u)
{
	return u->input > 0 || u->output > 0;
}

/* Counts a call that passed the filters. */
int
tally_add(struct tally *t, const struct call *c)
{
	const struct ai_price *p;
	char key[1024];
	int64_t pico = 0;
	int priced = 1;

	if (c->id != 0 && !t->o->no_dedup && seen_before(t, c->id)) {
		t->duplicates++;
		return 0;
	}
	t->no_usage += c->no_usage;
	if (has_tokens(&c->usage)) {
		p = ai_prices_find(t->prices, c->model);
		if (p == NULL || ai_price_cost(p, &c->usage, c->tier, &pico) ==
		    -1) {
			priced = 0;
			if (!c->hit)
				note_unpriced(t, c->model);
		}
	}
	group_key(t, c, key, sizeof(key));
	group_add(group_find(t, key), c, priced, pico);
	group_add(&t->total, c, priced, pico);
	return t->next != NULL ? tally_add(t->next, c) : 0;
}

/* The calls of the group left out of its cost: no price, or no tokens. */
int64_t
group_uncosted(const struct group *g)
{
	return g->unpriced + g->no_usage;
}

/*
 * Whether the group's cost is not known: some calls are left out of it
 * and the others cost nothing (errors, say), so that it is not $0.
 */
int
group_cost_unknown(const struct group *g)
{
	return group_uncosted(g) > 0 && g->cost.micro == 0 &&
	    g->cost.pico == 0;
}

void
tally_bad_line(struct tally *t, const char *name, long line)
{
	if (t->bad_lines++ == 0) {
		snprintf(t->first_bad_name, sizeof(t->first_bad_name), "%s",
		    name);
		t->first_bad_line = line;
	}
}

/* --- order */

static int time_first;

static int
by_cost(const void *a, const void *b)
{
	const struct group *x = *(struct group *const *)a;
	const struct group *y = *(struct group *const *)b;
	int64_t cx = ai_money_micro(&x->cost), cy = ai_money_micro(&y->cost);

	if (time_first || cx == cy)
		return strcmp(x->key, y->key);
	return cx < cy ? 1 : -1;
}

/*
 * The groups in the order of the report: by time when grouped by a time
 * first, else by cost, the highest first.  The array ends with NULL.
 */
struct group **
tally_sorted(struct tally *t)
{
	struct group **v;
	size_t i, n = 0;

	if ((v = calloc(t->n + 1, sizeof(*v))) == NULL)
		err(1, NULL);
	for (i = 0; i < t->cap; i++)
		if (t->v[i] != NULL)
			v[n++] = t->v[i];
	time_first = t->o->nby > 0 && t->o->by[0] >= D_HOUR &&
	    t->o->by[0] <= D_MONTH;
	qsort(v, n, sizeof(*v), by_cost);
	return v;
}

void
tally_free(struct tally *t)
{
	size_t i;

	for (i = 0; i < t->cap; i++)
		if (t->v[i] != NULL) {
			free(t->v[i]->key);
			free(t->v[i]->lat);
			free(t->v[i]);
		}
	free(t->v);
	free(t->total.lat);
	free(t->seen);
}
