/*
 * prices.c: what a call costs.  Price tables come in two formats: the
 * aitools one (lib/prices.json, built in; dollars per million tokens as
 * decimal strings) and LiteLLM's model_prices_and_context_window.json
 * (dollars per token as numbers), which many teams already keep.  Tables
 * loaded later override earlier ones model by model.  Prices are held as
 * whole picodollars per token, so a call's cost is exact.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aitools.h"

extern const char ai_prices_builtin[];	/* lib/prices.json, made into C */

#define UNSET		(-1)
#define PICO_MAX	INT64_C(1000000000000)	/* $1,000,000 a token: absurd */

static const char *const tier_names[AI_TIERS] = {
	"standard", "batch", "flex", "priority"
};

const char *
ai_tier_name(int tier)
{
	return tier >= 0 && tier < AI_TIERS ? tier_names[tier] : "standard";
}

int
ai_tier_find(const char *s)
{
	int t;

	for (t = 0; t < AI_TIERS; t++)
		if (s != NULL && strcmp(s, tier_names[t]) == 0)
			return t;
	if (s != NULL && (strcmp(s, "default") == 0 || strcmp(s, "auto") == 0))
		return AI_TIER_STANDARD;
	return -1;
}

static void
rates_unset(struct ai_rates *r)
{
	r->input = r->output = r->cache_read = r->cache_write_5m =
	    r->cache_write_1h = r->reasoning = UNSET;
}

static void
price_unset(struct ai_price *p)
{
	int l, t;

	memset(p, 0, sizeof(*p));
	for (l = 0; l < 2; l++)
		for (t = 0; t < AI_TIERS; t++)
			rates_unset(&p->rate[l][t]);
}

/* A price in the aitools table: a decimal string, or a whole number. */
static int
per_million(const json_t *v, int64_t *out)
{
	/* dollars a million tokens, as microdollars, are picodollars a token */
	if (json_is_string(v))
		return ai_money_parse(json_string_value(v), out) == 0 &&
		    *out <= PICO_MAX ? 0 : -1;
	if (json_is_integer(v) && json_integer_value(v) >= 0 &&
	    json_integer_value(v) <= PICO_MAX / 1000000) {
		*out = json_integer_value(v) * 1000000;
		return 0;
	}
	return -1;
}

/* A price in a LiteLLM table: dollars a token, a double such as 3e-06. */
static int
per_token(const json_t *v, int64_t *out)
{
	double d;

	if (!json_is_number(v))
		return -1;
	d = json_number_value(v) * 1e12;
	if (!(d >= 0 && d <= (double)PICO_MAX))
		return -1;
	*out = llround(d);
	return 0;
}

/* The member of struct ai_rates that a field name sets, or NULL. */
static int64_t *
rate_field(struct ai_rates *r, const char *name)
{
	static const struct {
		const char	*name;
		size_t		 off;
	} f[] = {
		{ "input", offsetof(struct ai_rates, input) },
		{ "output", offsetof(struct ai_rates, output) },
		{ "cache_read", offsetof(struct ai_rates, cache_read) },
		{ "cache_write_5m", offsetof(struct ai_rates, cache_write_5m) },
		{ "cache_write_1h", offsetof(struct ai_rates, cache_write_1h) },
		{ "reasoning", offsetof(struct ai_rates, reasoning) },
	};
	size_t i;

	for (i = 0; i < sizeof(f) / sizeof(f[0]); i++)
		if (strcmp(name, f[i].name) == 0)
			return (int64_t *)(void *)((char *)r + f[i].off);
	return NULL;
}

/* --- the table */

static int
table_add(struct ai_prices *p, struct ai_price *e, char *err)
{
	struct ai_price *v;

	if (p->n == p->cap) {
		size_t cap = p->cap ? 2 * p->cap : 64;

		if ((v = realloc(p->v, cap * sizeof(*v))) == NULL) {
			snprintf(err, AI_ERRLEN, "out of memory");
			return -1;
		}
		p->v = v;
		p->cap = cap;
	}
	e->seq = p->seq++;
	p->v[p->n++] = *e;
	return 0;
}

/* Adds e, named model, of provider prov (a JSON string or not). */
static int
table_keep(struct ai_prices *p, struct ai_price *e, const char *model,
    const json_t *prov, char *err)
{
	e->model = strdup(model);
	e->provider = json_is_string(prov) ? strdup(json_string_value(prov)) :
	    NULL;
	if (e->model == NULL || (json_is_string(prov) && e->provider == NULL) ||
	    table_add(p, e, err) == -1) {
		free(e->model);
		free(e->provider);
		snprintf(err, AI_ERRLEN, "out of memory");
		return -1;
	}
	return 0;
}

static int
by_name_then_seq(const void *a, const void *b)
{
	const struct ai_price *x = a, *y = b;
	int c = strcmp(x->model, y->model);

	if (c != 0)
		return c;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static void
price_free(struct ai_price *e)
{
	free(e->model);
	free(e->provider);
}

/* Sorts by name, keeping of each model the entry loaded last. */
static void
table_settle(struct ai_prices *p)
{
	size_t i, n = 0;

	if (p->n == 0)
		return;
	qsort(p->v, p->n, sizeof(*p->v), by_name_then_seq);
	for (i = 0; i < p->n; i++) {
		if (i + 1 < p->n && strcmp(p->v[i].model, p->v[i + 1].model)
		    == 0) {
			price_free(&p->v[i]);
			continue;
		}
		p->v[n++] = p->v[i];
	}
	p->n = n;
}

static int
label_add(struct ai_prices *p, const char *label, char *err)
{
	size_t len = p->label ? strlen(p->label) : 0;
	char *s;

	if ((s = realloc(p->label, len + strlen(label) + 3)) == NULL) {
		snprintf(err, AI_ERRLEN, "out of memory");
		return -1;
	}
	sprintf(s + len, "%s%s", len ? ", " : "", label);
	p->label = s;
	return 0;
}

/* --- the aitools format */

static int
own_rates(struct ai_price *e, int lng, int tier, const json_t *o,
    const char *model, char *err)
{
	const char *k;
	json_t *v;
	int64_t *f;

	json_object_foreach((json_t *)o, k, v) {
		int t = tier;
		const char *name = k;

		if (tier == AI_TIER_STANDARD && strncmp(k, "batch_", 6) == 0) {
			t = AI_TIER_BATCH;	/* batch_input, batch_output */
			name = k + 6;
		}
		if ((f = rate_field(&e->rate[lng][t], name)) == NULL)
			continue;	/* note, provider, tiers: not rates */
		if (per_million(v, f) == -1) {
			snprintf(err, AI_ERRLEN, "model %s: %s: not a price in"
			    " dollars per million tokens, such as \"2.50\"",
			    model, k);
			return -1;
		}
	}
	return 0;
}

static int
own_tiers(struct ai_price *e, int lng, const json_t *o, const char *model,
    char *err)
{
	int t;

	if (own_rates(e, lng, AI_TIER_STANDARD, o, model, err) == -1)
		return -1;
	for (t = AI_TIER_BATCH; t < AI_TIERS; t++) {
		json_t *sub = json_object_get(o, tier_names[t]);

		if (json_is_object(sub) &&
		    own_rates(e, lng, t, sub, model, err) == -1)
			return -1;
	}
	return 0;
}

static int
own_model(struct ai_prices *p, const char *model, const json_t *o, char *err)
{
	struct ai_price e;
	const json_t *lc = json_object_get(o, "long_context");
	const json_t *prov = json_object_get(o, "provider");

	price_unset(&e);
	if (!json_is_object(o)) {
		snprintf(err, AI_ERRLEN, "model %s: not an object", model);
		return -1;
	}
	if (own_tiers(&e, 0, o, model, err) == -1)
		return -1;
	if (json_is_object(lc)) {
		json_int_t th = json_integer_value(json_object_get(lc,
		    "threshold"));

		if (th <= 0) {
			snprintf(err, AI_ERRLEN, "model %s: long_context needs"
			    " a threshold in tokens", model);
			return -1;
		}
		e.threshold = th;
		if (own_tiers(&e, 1, lc, model, err) == -1)
			return -1;
	}
	if (e.rate[0][0].input == UNSET || e.rate[0][0].output == UNSET) {
		snprintf(err, AI_ERRLEN, "model %s: needs input and output"
		    " prices", model);
		return -1;
	}
	return table_keep(p, &e, model, prov, err);
}

static int
load_own(struct ai_prices *p, const json_t *t, const char *name, char *err)
{
	const json_t *models = json_object_get(t, "models");
	const json_t *date = json_object_get(t, "date");
	char label[1024], sub[AI_ERRLEN];
	const char *k;
	json_t *v;

	if (json_integer_value(json_object_get(t, "aitools_prices")) != 1 ||
	    !json_is_object(models)) {
		snprintf(err, AI_ERRLEN, "%s: not a version 1 aitools price"
		    " table", name);
		return -1;
	}
	json_object_foreach((json_t *)models, k, v)
		if (own_model(p, k, v, sub) == -1) {
			snprintf(err, AI_ERRLEN, "%s: %.200s", name, sub);
			return -1;
		}
	snprintf(label, sizeof(label), "%s of %s", name,
	    json_is_string(date) ? json_string_value(date) : "no date");
	return label_add(p, label, err);
}

/* --- LiteLLM's format */

/* Which rate a LiteLLM key sets: tier, and whether the long-context one. */
struct litellm_key {
	const char	*name;
	const char	*field;
	int		 tier;
};

static const struct litellm_key litellm_keys[] = {
	{ "input_cost_per_token", "input", AI_TIER_STANDARD },
	{ "output_cost_per_token", "output", AI_TIER_STANDARD },
	{ "cache_read_input_token_cost", "cache_read", AI_TIER_STANDARD },
	{ "cache_creation_input_token_cost", "cache_write_5m",
	    AI_TIER_STANDARD },
	{ "cache_creation_input_token_cost_above_1hr", "cache_write_1h",
	    AI_TIER_STANDARD },
	{ "output_cost_per_reasoning_token", "reasoning", AI_TIER_STANDARD },
	{ "input_cost_per_token_batches", "input", AI_TIER_BATCH },
	{ "output_cost_per_token_batches", "output", AI_TIER_BATCH },
	{ "input_cost_per_token_flex", "input", AI_TIER_FLEX },
	{ "output_cost_per_token_flex", "output", AI_TIER_FLEX },
	{ "cache_read_input_token_cost_flex", "cache_read", AI_TIER_FLEX },
	{ "input_cost_per_token_priority", "input", AI_TIER_PRIORITY },
	{ "output_cost_per_token_priority", "output", AI_TIER_PRIORITY },
	{ "cache_read_input_token_cost_priority", "cache_read",
	    AI_TIER_PRIORITY },
};

/*
 * Splits "input_cost_per_token_above_200k_tokens" into its base key and
 * its threshold, 200000; 0 for a key without one.
 */
static int64_t
above(const char *k, char *base, size_t size)
{
	const char *a = strstr(k, "_above_");
	char *end;
	long n;

	snprintf(base, size, "%s", k);
	if (a == NULL || a[7] < '0' || a[7] > '9')
		return 0;
	n = strtol(a + 7, &end, 10);
	if (strcmp(end, "k_tokens") != 0 || n <= 0 ||
	    n > AI_MAX_TOKENS / 1000)
		return 0;	/* no call has that many tokens */
	base[a - k < (ptrdiff_t)size ? a - k : (ptrdiff_t)size - 1] = '\0';
	return (int64_t)n * 1000;
}

static int
litellm_model(struct ai_prices *p, const char *model, const json_t *o,
    char *err)
{
	struct ai_price e;
	const json_t *prov = json_object_get(o, "litellm_provider");
	char base[128];
	const char *k;
	json_t *v;
	size_t i;

	price_unset(&e);
	json_object_foreach((json_t *)o, k, v) {
		int64_t th = above(k, base, sizeof(base)), pico;
		int lng = th > 0;

		for (i = 0; i < sizeof(litellm_keys) / sizeof(litellm_keys[0]);
		    i++)
			if (strcmp(base, litellm_keys[i].name) == 0)
				break;
		if (i == sizeof(litellm_keys) / sizeof(litellm_keys[0]) ||
		    per_token(v, &pico) == -1)
			continue;
		if (lng && e.threshold != 0 && e.threshold != th)
			continue;	/* one long-context tier is kept */
		if (lng)
			e.threshold = th;
		*rate_field(&e.rate[lng][litellm_keys[i].tier],
		    litellm_keys[i].field) = pico;
	}
	if (e.rate[0][0].input == UNSET || e.rate[0][0].output == UNSET)
		return 0;	/* not priced by the token: images, audio */
	return table_keep(p, &e, model, prov, err);
}

static int
load_litellm(struct ai_prices *p, const json_t *t, const char *name,
    char *err)
{
	char label[1024];
	size_t before = p->n;
	const char *k;
	json_t *v;

	json_object_foreach((json_t *)t, k, v) {
		if (!json_is_object(v) || strcmp(k, "sample_spec") == 0)
			continue;
		if (litellm_model(p, k, v, err) == -1)
			return -1;
	}
	if (p->n == before) {
		snprintf(err, AI_ERRLEN, "%s: no prices: neither an aitools"
		    " nor a LiteLLM price table", name);
		return -1;
	}
	snprintf(label, sizeof(label), "%s (LiteLLM format)", name);
	return label_add(p, label, err);
}

/* --- loading */

int
ai_prices_load_json(struct ai_prices *p, const json_t *t, const char *name,
    char *err)
{
	int rc;

	if (!json_is_object(t)) {
		snprintf(err, AI_ERRLEN, "%s: not a price table", name);
		return -1;
	}
	if (json_object_get(t, "aitools_prices") != NULL)
		rc = load_own(p, t, name, err);
	else
		rc = load_litellm(p, t, name, err);
	table_settle(p);
	return rc;
}

int
ai_prices_load_file(struct ai_prices *p, const char *path, char *err)
{
	json_error_t je;
	json_t *t;
	int rc;

	if ((t = json_load_file(path, 0, &je)) == NULL) {
		if (je.line <= 0)
			snprintf(err, AI_ERRLEN, "%s: %s", path, je.text);
		else
			snprintf(err, AI_ERRLEN, "%s:%d: %s", path, je.line,
			    je.text);
		return -1;
	}
	rc = ai_prices_load_json(p, t, path, err);
	json_decref(t);
	return rc;
}

int
ai_prices_load_builtin(struct ai_prices *p, char *err)
{
	json_error_t je;
	json_t *t;
	int rc;

	if ((t = json_loads(ai_prices_builtin, 0, &je)) == NULL) {
		snprintf(err, AI_ERRLEN, "built-in prices: %s", je.text);
		return -1;
	}
	rc = ai_prices_load_json(p, t, "built-in", err);
	json_decref(t);
	return rc;
}

/*
 * The user's own table, loaded over the built-in one when it exists:
 * $AITOOLS_PRICES, else prices.json in the XDG config directory.
 */
char *
ai_prices_user_path(void)
{
	return ai_db_default_path("AITOOLS_PRICES", "XDG_CONFIG_HOME",
	    ".config", "aitools/prices.json");
}

/* The built-in table, the user's if any, then files, later ones winning. */
int
ai_prices_load_default(struct ai_prices *p, const char *const *files,
    char *err)
{
	char *user;
	FILE *f;
	int rc = 0;

	if (ai_prices_load_builtin(p, err) == -1)
		return -1;
	if ((user = ai_prices_user_path()) != NULL) {
		if ((f = fopen(user, "r")) != NULL) {
			fclose(f);
			rc = ai_prices_load_file(p, user, err);
		} else if (errno != ENOENT || getenv("AITOOLS_PRICES")) {
			snprintf(err, AI_ERRLEN, "%s: %s", user,
			    strerror(errno));
			rc = -1;
		}
		free(user);
	}
	for (; rc == 0 && files != NULL && *files != NULL; files++)
		rc = ai_prices_load_file(p, *files, err);
	return rc;
}

void
ai_prices_free(struct ai_prices *p)
{
	size_t i;

	for (i = 0; i < p->n; i++)
		price_free(&p->v[i]);
	free(p->v);
	free(p->label);
	memset(p, 0, sizeof(*p));
}

/* --- finding a model */

static int
by_model(const void *key, const void *elem)
{
	return strcmp(key, ((const struct ai_price *)elem)->model);
}

static const struct ai_price *
lookup(const struct ai_prices *p, const char *model)
{
	return p->n ? bsearch(model, p->v, p->n, sizeof(*p->v), by_model) :
	    NULL;
}

/* Cuts a date the provider appends: -2024-08-06, -20250929, @20240620. */
static int
cut_date(char *s)
{
	size_t n = strlen(s), i;

	if (n > 11 && s[n - 11] == '-' && s[n - 6] == '-' && s[n - 3] == '-') {
		for (i = n - 10; i < n; i++)
			if (i != n - 6 && i != n - 3 &&
			    !isdigit((unsigned char)s[i]))
				return 0;
		s[n - 11] = '\0';
		return 1;
	}
	if (n > 9 && (s[n - 9] == '-' || s[n - 9] == '@')) {
		for (i = n - 8; i < n; i++)
			if (!isdigit((unsigned char)s[i]))
				return 0;
		s[n - 9] = '\0';
		return 1;
	}
	return 0;
}

/*
 * The price of a model: its own name, else without a provider's prefix
 * ("openai/"), a "-latest" or a date.  Never the nearest name: gpt-4o
 * must not price gpt-4o-mini.
 */
const struct ai_price *
ai_prices_find(const struct ai_prices *p, const char *model)
{
	const struct ai_price *e;
	const char *slash;
	char name[256];
	size_t n;

	if (model == NULL || *model == '\0')
		return NULL;
	if ((e = lookup(p, model)) != NULL)
		return e;
	slash = strrchr(model, '/');
	snprintf(name, sizeof(name), "%s", slash ? slash + 1 : model);
	if (slash && (e = lookup(p, name)) != NULL)
		return e;
	n = strlen(name);
	if (n > 7 && strcmp(name + n - 7, "-latest") == 0) {
		name[n - 7] = '\0';
		return lookup(p, name);
	}
	if (cut_date(name))
		return lookup(p, name);
	return NULL;
}

/* --- what a call costs */

/* The rate of one field as the table gives it, or UNSET. */
static int64_t
given(const struct ai_price *e, int lng, int tier, size_t off)
{
	return *(const int64_t *)(const void *)((const char *)
	    &e->rate[lng][tier] + off);
}

/* The side a field is priced with: input (and cache) or output. */
static size_t
side(size_t off)
{
	return off == offsetof(struct ai_rates, output) ||
	    off == offsetof(struct ai_rates, reasoning) ?
	    offsetof(struct ai_rates, output) : offsetof(struct ai_rates, input);
}

/*
 * v scaled by the ratio of two given rates, a and b, of the field's side,
 * else of the other side; unscaled when neither side has both.  No more
 * than a rate may be: a table whose rates differ a trillion times would
 * overflow.
 */
static int64_t
scale(const struct ai_price *e, int64_t v, int la, int ta, int lb, int tb,
    size_t off)
{
	size_t s[2] = { side(off), side(off) == offsetof(struct ai_rates,
	    input) ? offsetof(struct ai_rates, output) :
	    offsetof(struct ai_rates, input) };
	int64_t a, b;
	__int128 r;
	int i;

	if (v == UNSET)
		return UNSET;
	for (i = 0; i < 2; i++) {
		a = given(e, la, ta, s[i]);
		b = given(e, lb, tb, s[i]);
		if (a != UNSET && b > 0) {
			r = ((__int128)v * a + b / 2) / b;
			return r > PICO_MAX ? PICO_MAX : (int64_t)r;
		}
	}
	return v;
}

/*
 * The rate of one field for a tier, in a long-context call or not: the
 * table's own, else derived so that discounts stack as providers bill
 * them.  A missing tier rate is the standard one times the tier's
 * discount (batch cache reads are half price when batch input is); a
 * missing long-context rate is the short one times the long-context
 * premium (long cache reads cost double when long input does).
 */
static int64_t
rate(const struct ai_price *e, int lng, int tier, size_t off)
{
	const int S = AI_TIER_STANDARD;
	int64_t v;

	if ((v = given(e, lng, tier, off)) != UNSET)
		return v;
	if (lng && tier != S && (v = given(e, 1, S, off)) != UNSET)
		return scale(e, v, 0, tier, 0, S, off);
	if (lng)
		return scale(e, rate(e, 0, tier, off), 1, S, 0, S, off);
	if (tier != S)
		return scale(e, given(e, 0, S, off), 0, tier, 0, S, off);
	return UNSET;
}

#define RATE(field) rate(e, lng, tier, offsetof(struct ai_rates, field))

static int
add_cost(int64_t *sum, int64_t tokens, int64_t pico)
{
	int64_t c;

	if (tokens <= 0)
		return 0;
	if (__builtin_mul_overflow(tokens, pico, &c) ||
	    __builtin_add_overflow(*sum, c, sum))
		return -1;
	return 0;
}

/*
 * The cost of one call in picodollars.  Input counts every prompt token;
 * of them, cached ones are cache reads and cache_write ones (of which
 * cache_write_1h for an hour) are cache writes.  Output counts reasoning
 * tokens, priced as output unless the table has a reasoning price.  A
 * missing rate is derived (see rate()), else falls back to the one it is
 * a variant of: cache reads and writes to input, reasoning to output.
 * Past the long-context threshold, every token of the call is at the long
 * rates.
 */
int
ai_price_cost(const struct ai_price *e, const struct ai_usage *u, int tier,
    int64_t *pico)
{
	int64_t in, rd, w5, w1, out, rs, r_in, r_out, r_rd, r_w5, r_w1, r_rs;
	int lng = e->threshold > 0 && u->input > e->threshold;

	if (tier < 0 || tier >= AI_TIERS)
		tier = AI_TIER_STANDARD;
	if (u->input < 0 || u->output < 0 || u->cached < 0 ||
	    u->cache_write < 0 || u->cache_write_1h < 0 || u->reasoning < 0)
		return -1;
	r_in = RATE(input);
	r_out = RATE(output);
	r_rd = (r_rd = RATE(cache_read)) != UNSET ? r_rd : r_in;
	r_w5 = (r_w5 = RATE(cache_write_5m)) != UNSET ? r_w5 : r_in;
	r_w1 = (r_w1 = RATE(cache_write_1h)) != UNSET ? r_w1 : r_w5;
	r_rs = (r_rs = RATE(reasoning)) != UNSET ? r_rs : r_out;
	rd = u->cached < u->input ? u->cached : u->input;
	w1 = u->cache_write_1h < u->cache_write ? u->cache_write_1h :
	    u->cache_write;
	w5 = u->cache_write - w1;
	in = u->input - rd - u->cache_write;
	rs = u->reasoning < u->output ? u->reasoning : u->output;
	out = u->output - rs;
	*pico = 0;
	if (in < 0)		/* writes counted outside input: trust input */
		in = 0;
	return add_cost(pico, in, r_in) | add_cost(pico, rd, r_rd) |
	    add_cost(pico, w5, r_w5) | add_cost(pico, w1, r_w1) |
	    add_cost(pico, out, r_out) | add_cost(pico, rs, r_rs);
}

/*
 * The tier an answer (or a request) names: its "service_tier", else its
 * usage's (Anthropic's); NULL when it names none.
 */
const char *
ai_service_tier(const json_t *body)
{
	const json_t *t = json_object_get(body, "service_tier");

	if (!json_is_string(t))
		t = json_object_get(json_object_get(body, "usage"),
		    "service_tier");
	return json_is_string(t) ? json_string_value(t) : NULL;
}

/*
 * What usage u of model costs at tier (a name, or NULL: standard), in
 * whole microdollars rounded up, as a budget counts it: never less than
 * the call cost.  -1 when the model has no price.
 */
int
ai_cost_micro(const struct ai_prices *p, const char *model,
    const struct ai_usage *u, const char *tier, int64_t *micro)
{
	const struct ai_price *e;
	int64_t pico;
	int t = ai_tier_find(tier);

	if ((e = ai_prices_find(p, model)) == NULL ||
	    ai_price_cost(e, u, t >= 0 ? t : AI_TIER_STANDARD, &pico) == -1)
		return -1;
	*micro = pico / 1000000 + (pico % 1000000 != 0);
	return 0;
}
