/*
 * prices.c: a price table, in the aitools format or LiteLLM's, loaded
 * twice (the second load replaces the first model by model), then each
 * model found by its name and with a provider's prefix and a date, and
 * priced for calls of every tier, short and long.
 */
#include "fuzz.h"

static const struct ai_usage usages[] = {
	{ 1000, 500, 0, 0, 0, 0 },
	{ 300000, 2000, 100000, 20000, 5000, 1000 },
	{ 10, 10, 20, 30, 40, 50 },
	{ 3, 2, 1, 1, 0, 1 },
	{ AI_MAX_TOKENS, AI_MAX_TOKENS, AI_MAX_TOKENS, AI_MAX_TOKENS,
	    AI_MAX_TOKENS, AI_MAX_TOKENS },
};

#define PICO_MAX	INT64_C(1000000000000)	/* the most a token costs */

/*
 * A token costs no more than a rate may be, whatever the tier; cache
 * writes may be counted outside the input.
 */
static void
price(const struct ai_price *e)
{
	const struct ai_usage *u;
	int64_t pico;
	size_t i;
	int t;

	for (i = 0; i < sizeof(usages) / sizeof(usages[0]); i++)
		for (t = -1; t <= AI_TIERS; t++) {
			u = &usages[i];
			if (ai_price_cost(e, u, t, &pico) == -1)
				continue;
			FUZZ_ASSERT(pico >= 0 && pico <= (__int128)(u->input +
			    u->cache_write + u->output) * PICO_MAX);
		}
}

static void
find(const struct ai_prices *p, const char *model)
{
	static const char *const forms[] = { "%s", "openai/%s",
	    "%s-2024-08-06", "%s-20250929", "%s@20240620", "%s-latest" };
	char name[512];
	size_t i;

	for (i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
		snprintf(name, sizeof(name), forms[i], model);
		FUZZ_ASSERT(i > 0 || *model == '\0' ||
		    ai_prices_find(p, name) != NULL);
		(void)ai_prices_find(p, name);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ai_prices p;
	char err[AI_ERRLEN];
	json_t *t;
	size_t i;
	int rc;

	if ((t = json_loadb((const char *)data, size, 0, NULL)) == NULL)
		return 0;
	memset(&p, 0, sizeof(p));
	if ((rc = ai_prices_load_json(&p, t, "fuzz", err)) == 0)
		FUZZ_ASSERT(ai_prices_load_json(&p, t, "again", err) == 0);
	for (i = 0; i < p.n; i++) {
		FUZZ_ASSERT(i == 0 || strcmp(p.v[i - 1].model,
		    p.v[i].model) < 0);
		price(&p.v[i]);
		find(&p, p.v[i].model);
	}
	(void)ai_tier_find(ai_tier_name((int)(size % 6) - 1));
	ai_prices_free(&p);
	json_decref(t);
	return 0;
}
