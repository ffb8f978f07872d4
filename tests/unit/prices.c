/*
 * prices.c: price tables (lib/prices.c) and exact sums (lib/money.c).
 * The golden costs below are worked by hand from the table's prices, one
 * for every shape of usage a provider bills.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aitools.h"
#include "tap.h"

static const char table[] = "{\"aitools_prices\": 1, \"date\": \"2026-01-02\","
    " \"models\": {"
    "  \"m\": {\"input\": \"3.00\", \"output\": \"15\", \"cache_read\": \"0.30\","
    "   \"cache_write_5m\": \"3.75\", \"cache_write_1h\": \"6.00\","
    "   \"batch_input\": \"1.50\", \"batch_output\": \"7.50\","
    "   \"flex\": {\"input\": \"1.25\"},"
    "   \"long_context\": {\"threshold\": 200000, \"input\": \"6.00\","
    "    \"output\": \"22.50\", \"cache_read\": \"0.60\"}},"
    "  \"r\": {\"input\": \"1.00\", \"output\": \"8.00\", \"reasoning\": \"4.00\"},"
    "  \"tiny\": {\"input\": \"0.075\", \"output\": \"0.000001\"}"
    " }}";

static struct ai_prices P;

/* The cost of a call to model, in dollars to six places, or "error". */
static const char *
cost(const char *model, int tier, int64_t in, int64_t out, int64_t cached,
    int64_t write, int64_t write1h, int64_t reasoning)
{
	static char s[64];
	struct ai_usage u = { in, out, cached, write, write1h, reasoning };
	const struct ai_price *e = ai_prices_find(&P, model);
	struct ai_money m = { 0, 0 };
	int64_t pico;

	if (e == NULL)
		return "unpriced";
	if (ai_price_cost(e, &u, tier, &pico) == -1)
		return "error";
	ai_money_add(&m, pico);
	ai_money_format(&m, 6, s, sizeof(s));
	return s;
}

static void
test_shapes(void)
{
	/* 1000 in at $3, 500 out at $15 */
	is_str(cost("m", 0, 1000, 500, 0, 0, 0, 0), "0.010500", "plain");
	/* 200 at $3, 800 read at $0.30, 500 out */
	is_str(cost("m", 0, 1000, 500, 800, 0, 0, 0), "0.008340",
	    "cached input read");
	/* 400 at $3, 600 written at $3.75, 500 out */
	is_str(cost("m", 0, 1000, 500, 0, 600, 0, 0), "0.010950",
	    "cache write, 5 minutes");
	/* 400 at $3, 600 written at $6, 500 out */
	is_str(cost("m", 0, 1000, 500, 0, 600, 600, 0), "0.012300",
	    "cache write, 1 hour");
	/* 100 at $3, 300 read, 200 5m, 400 1h */
	is_str(cost("m", 0, 1000, 0, 300, 600, 400, 0), "0.003540",
	    "reads and writes of both lifetimes in one call");
	is_str(cost("m", 0, 1000, 500, 0, 0, 0, 400), "0.010500",
	    "reasoning tokens are output tokens");
	/* 1000 at $1, 100 out at $8, 400 reasoning at $4 */
	is_str(cost("r", 0, 1000, 500, 0, 0, 0, 400), "0.003400",
	    "a reasoning price of its own");
	/* 1000 at $1.50, 500 at $7.50 */
	is_str(cost("m", AI_TIER_BATCH, 1000, 500, 0, 0, 0, 0), "0.005250",
	    "batch discount");
	/* 200 at $1.50, 800 read at $0.15 (half, as batch input), 500 out */
	is_str(cost("m", AI_TIER_BATCH, 1000, 500, 800, 0, 0, 0), "0.004170",
	    "batch: cache reads get the batch discount too");
	/* 1000 at $1.25, 500 out at $15 * 1.25 / 3 = $6.25 */
	is_str(cost("m", AI_TIER_FLEX, 1000, 500, 0, 0, 0, 0), "0.004375",
	    "flex: a missing output price gets the input's discount");
	is_str(cost("r", AI_TIER_BATCH, 1000, 0, 0, 0, 0, 0), "0.001000",
	    "no batch price: the standard one");
	is_str(cost("m", 0, 200000, 1000, 0, 0, 0, 0), "0.615000",
	    "long context: at the threshold, standard prices");
	/* 250000 at $6, 1000 out at $22.50 */
	is_str(cost("m", 0, 250000, 1000, 0, 0, 0, 0), "1.522500",
	    "long context: past it, every token at the long prices");
	/* 50000 at $6, 200000 read at $0.60, 0 out */
	is_str(cost("m", 0, 250000, 0, 200000, 0, 0, 0), "0.420000",
	    "long context counts cached tokens, reads at the long price");
	/* 150000 at $6, 100000 written 5m at $3.75 * 6 / 3 = $7.50 */
	is_str(cost("m", 0, 250000, 0, 0, 100000, 0, 0), "1.650000",
	    "long context: a missing long price gets the input's premium");
	/* 250000 at $6 / 2, 1000 out at $22.50 / 2 */
	is_str(cost("m", AI_TIER_BATCH, 250000, 1000, 0, 0, 0, 0), "0.761250",
	    "long context and batch: the discount on the long prices");
	/* 50000 at $3, 200000 read at $0.60 / 2 */
	is_str(cost("m", AI_TIER_BATCH, 250000, 0, 200000, 0, 0, 0),
	    "0.210000", "long context, batch and cache reads: all three stack");
	is_str(cost("m", 0, -1, 0, 0, 0, 0, 0), "error", "negative tokens");
	is_str(cost("m", 0, INT64_MAX / 2, 0, 0, 0, 0, 0), "error",
	    "an overflowing cost is an error, not a wrong sum");
	is_str(cost("nope", 0, 1, 1, 0, 0, 0, 0), "unpriced", "unknown model");
}

static void
test_money(void)
{
	struct ai_money m = { 0, 0 };
	char s[64];
	double d = 0;
	long i;

	/* a million one-token calls at $0.075 a million tokens */
	for (i = 0; i < 1000000; i++) {
		ai_money_add(&m, 75000);
		d += 0.075e-6;
	}
	ai_money_format(&m, 6, s, sizeof(s));
	is_str(s, "0.075000", "a million tiny costs sum exactly");
	ok(d != 0.075, "where doubles drift (%.17g)", d);
	is_str(cost("tiny", 0, 0, 1, 0, 0, 0, 0), "0.000000",
	    "a millionth of a microdollar shows as zero");
	m = (struct ai_money){ 0, 0 };
	ai_money_add(&m, 499999);
	ai_money_format(&m, 6, s, sizeof(s));
	is_str(s, "0.000000", "rounds half up: below");
	ai_money_add(&m, 1);
	ai_money_format(&m, 6, s, sizeof(s));
	is_str(s, "0.000001", "rounds half up: at half");
	m = (struct ai_money){ 1234567, 0 };
	ai_money_format(&m, 2, s, sizeof(s));
	is_str(s, "1.23", "two decimals");
	m = (struct ai_money){ 1235000, 0 };
	ai_money_format(&m, 2, s, sizeof(s));
	is_str(s, "1.24", "two decimals, half up");
	m = (struct ai_money){ 4999, 600000 };	/* $0.0049996 */
	ai_money_format(&m, 2, s, sizeof(s));
	is_str(s, "0.00", "rounded once, from the exact sum, not twice");
	m = (struct ai_money){ 4999, 999999 };
	ai_money_format(&m, 2, s, sizeof(s));
	is_str(s, "0.00", "  just below half a cent");
	m = (struct ai_money){ 5000, 0 };
	ai_money_format(&m, 2, s, sizeof(s));
	is_str(s, "0.01", "  at half a cent");
	m = (struct ai_money){ -1, 400000 };	/* -$0.0000006 */
	ai_money_format(&m, 6, s, sizeof(s));
	is_str(s, "-0.000001", "a negative sum rounds away from zero");
	m = (struct ai_money){ 5, 0 };
	ai_money_add(&m, -6000000);
	is_int(m.micro, -1, "subtracting borrows");
	ai_money_format(&m, 6, s, sizeof(s));
	is_str(s, "-0.000001", "a negative sum");
}

static void
test_lookup(void)
{
	struct ai_prices b = { 0 };
	char err[AI_ERRLEN];
	const struct ai_price *e;

	ok(ai_prices_load_builtin(&b, err) == 0, "the built-in table loads");
	ok(strstr(b.label, "built-in of 20") != NULL, "its label has a date:"
	    " %s", b.label);
	ok(ai_prices_find(&b, "gpt-4o") != NULL &&
	    ai_prices_find(&b, "claude-sonnet-4-5") != NULL &&
	    ai_prices_find(&b, "gemini-2.5-pro") != NULL,
	    "it prices OpenAI, Anthropic and Gemini models");
	e = ai_prices_find(&b, "gpt-4o-2024-08-06");
	is_str(e ? e->model : NULL, "gpt-4o", "a dated name finds its model");
	e = ai_prices_find(&b, "claude-sonnet-4-5-20250929");
	is_str(e ? e->model : NULL, "claude-sonnet-4-5", "an Anthropic date");
	e = ai_prices_find(&b, "openai/gpt-4o-mini");
	is_str(e ? e->model : NULL, "gpt-4o-mini", "a provider's prefix");
	ok(ai_prices_find(&b, "gpt-4o-mini-tts") == NULL,
	    "never the nearest name");
	ai_prices_free(&b);
}

static void
test_override_and_errors(void)
{
	struct ai_prices p = { 0 };
	char err[AI_ERRLEN];
	json_t *j;

	j = json_loads("{\"aitools_prices\":1,\"date\":\"d\",\"models\":"
	    "{\"m\":{\"input\":\"9\",\"output\":\"9\"}}}", 0, NULL);
	ok(ai_prices_load_json(&P, j, "mine", err) == 0, "a second table");
	json_decref(j);
	is_str(cost("m", 0, 1000000, 0, 0, 0, 0, 0), "9.000000",
	    "overrides the first, model by model");
	is_str(cost("r", 0, 1000000, 0, 0, 0, 0, 0), "1.000000",
	    "and keeps the others");
	is_str(P.label, "test of 2026-01-02, mine of d", "both are named");

	j = json_loads("{\"aitools_prices\":1,\"models\":"
	    "{\"x\":{\"input\":\"1.0000001\",\"output\":\"1\"}}}", 0, NULL);
	ok(ai_prices_load_json(&p, j, "t", err) == -1 &&
	    strstr(err, "x: input") != NULL, "a price finer than a picodollar"
	    " a token is refused: %s", err);
	json_decref(j);
	j = json_loads("{\"aitools_prices\":1,\"models\":"
	    "{\"x\":{\"input\":\"1\"}}}", 0, NULL);
	ok(ai_prices_load_json(&p, j, "t", err) == -1 &&
	    strstr(err, "input and output") != NULL, "output is needed: %s",
	    err);
	json_decref(j);
	j = json_loads("{\"aitools_prices\":1,\"models\":"
	    "{\"x\":{\"input\":\"-1\",\"output\":\"1\"}}}", 0, NULL);
	ok(ai_prices_load_json(&p, j, "t", err) == -1, "negative prices");
	json_decref(j);
	ok(ai_prices_load_file(&p, "/nonexistent/prices.json", err) == -1 &&
	    strstr(err, "/nonexistent/prices.json") != NULL,
	    "a missing file names itself: %s", err);
	ai_prices_free(&p);
}

static void
test_litellm(void)
{
	struct ai_prices p = { 0 };
	char err[AI_ERRLEN], path[4096];
	const char *dir = getenv("TESTS");
	const struct ai_price *e;
	json_t *j;

	snprintf(path, sizeof(path), "%s/data/litellm-model-prices-2024.json",
	    dir ? dir : "tests");
	ok(ai_prices_load_file(&p, path, err) == 0, "LiteLLM's 2024 table"
	    " loads: %s", p.n ? p.label : err);
	ok(p.n > 300, "with its %zu token-priced models", p.n);
	e = ai_prices_find(&p, "gpt-4o");
	ok(e && e->rate[0][0].input == 5000000 &&
	    e->rate[0][0].output == 15000000, "gpt-4o at $5 and $15");
	ai_prices_free(&p);

	j = json_loads("{\"sample_spec\":{\"input_cost_per_token\":0},"
	    "\"n\":{\"input_cost_per_token\":3e-06,\"output_cost_per_token\":"
	    "1.5e-05,\"cache_read_input_token_cost\":3e-07,"
	    "\"cache_creation_input_token_cost\":3.75e-06,"
	    "\"cache_creation_input_token_cost_above_1hr\":6e-06,"
	    "\"input_cost_per_token_above_200k_tokens\":6e-06,"
	    "\"output_cost_per_token_above_200k_tokens\":2.25e-05,"
	    "\"cache_read_input_token_cost_above_200k_tokens\":6e-07,"
	    "\"input_cost_per_token_batches\":1.5e-06,"
	    "\"output_cost_per_token_batches\":7.5e-06,"
	    "\"input_cost_per_token_flex\":1.25e-06,"
	    "\"output_cost_per_token_priority\":3e-05,"
	    "\"output_cost_per_reasoning_token\":1e-05,"
	    "\"litellm_provider\":\"anthropic\",\"mode\":\"chat\"},"
	    "\"img\":{\"input_cost_per_image\":0.04}}", 0, NULL);
	ok(ai_prices_load_json(&p, j, "new", err) == 0 && p.n == 1,
	    "newer LiteLLM fields; models not priced by the token are left"
	    " out");
	json_decref(j);
	ai_prices_free(&P);
	P = p;
	is_str(cost("n", 0, 1000, 500, 800, 0, 0, 0), "0.008340",
	    "LiteLLM: cache reads");
	is_str(cost("n", 0, 1000, 500, 0, 600, 600, 0), "0.012300",
	    "LiteLLM: 1-hour cache writes");
	is_str(cost("n", AI_TIER_BATCH, 1000, 500, 0, 0, 0, 0), "0.005250",
	    "LiteLLM: batches");
	is_str(cost("n", 0, 250000, 1000, 200000, 0, 0, 0), "0.442500",
	    "LiteLLM: the tier above 200k tokens");
	is_str(cost("n", AI_TIER_FLEX, 1000, 0, 0, 0, 0, 0), "0.001250",
	    "LiteLLM: flex");
	is_str(cost("n", AI_TIER_PRIORITY, 0, 1000, 0, 0, 0, 0), "0.030000",
	    "LiteLLM: priority");
	/* 100 out at $15, 400 reasoning at $10 */
	is_str(cost("n", 0, 0, 500, 0, 0, 0, 400), "0.005500",
	    "LiteLLM: a reasoning price");
}

int
main(void)
{
	char err[AI_ERRLEN];
	json_t *j = json_loads(table, 0, NULL);

	if (j == NULL || ai_prices_load_json(&P, j, "test", err) == -1) {
		fprintf(stderr, "test table: %s\n", j ? err : "bad JSON");
		return 1;
	}
	json_decref(j);
	test_shapes();
	test_money();
	test_lookup();
	test_override_and_errors();
	test_litellm();
	ai_prices_free(&P);
	is_int(ai_tier_find("batch"), AI_TIER_BATCH, "tier names");
	return done();
}
