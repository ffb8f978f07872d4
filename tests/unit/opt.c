/* opt.c: option values of every tool, and routing (lib/opt.c, route.c). */
#include <stdlib.h>
#include <string.h>

#include "aitools.h"
#include "tap.h"

static void
test_number(void)
{
	char err[AI_ERRLEN];
	int64_t v = -1;

	is_int(ai_opt_number("16", 1, 4096, &v, err), 0, "number: 16");
	is_int(v, 16, "  is 16");
	is_int(ai_opt_number("0", 1, 4096, &v, err), -1, "number: too small");
	is_str(err, "not a whole number from 1 to 4096", "  says the range");
	is_int(ai_opt_number("4097", 1, 4096, &v, err), -1, "number: too big");
	is_int(ai_opt_number("", 1, 9, &v, err), -1, "number: empty");
	is_int(ai_opt_number(" 5", 1, 9, &v, err), -1, "number: a blank");
	is_int(ai_opt_number("-5", -9, 9, &v, err), -1, "number: no sign");
	is_int(ai_opt_number("5x", 1, 9, &v, err), -1, "number: trailing");
	is_int(ai_opt_number("99999999999999999999", 1, INT64_MAX, &v, err),
	    -1, "number: past int64");
}

static void
test_others(void)
{
	char err[AI_ERRLEN];
	int64_t ms = 0, n = 0;
	double t = -1;

	is_int(ai_opt_duration("2m", 1, &ms, err), 0, "duration: 2m");
	is_int(ms, 120000, "  is 120000 ms");
	is_int(ai_opt_duration("0", 1, &ms, err), -1, "duration: 0 < min");
	is_str(err, "not a positive duration such as 500ms, 30s, 2m or 7d",
	    "  says what one is");
	is_int(ai_opt_duration("0", 0, &ms, err), 0, "duration: 0 if min 0");
	is_int(ai_opt_temperature("0.7", &t, err), 0, "temperature 0.7");
	ok(t == 0.7, "  is 0.7");
	is_int(ai_opt_temperature("2.5", &t, err), -1, "temperature 2.5");
	is_int(ai_opt_temperature("nan", &t, err), -1, "temperature nan");
	is_int(ai_opt_temperature("-0", &t, err), -1, "temperature -0");
	is_int(ai_opt_temperature("0x1", &t, err), -1, "temperature 0x1 (hex)");
	is_int(ai_opt_temperature("1e0", &t, err), -1, "temperature 1e0");
	is_int(ai_opt_temperature("1.", &t, err), 0, "temperature 1.");
	is_int(ai_opt_size("500M", &n, err), 0, "size 500M");
	is_int(n, 500LL << 20, "  in bytes");
	is_int(ai_opt_size("0", &n, err), -1, "size 0");
	is_int(ai_opt_size("1T", &n, err), -1, "size 1T");
	is_int(ai_opt_header("X-Team: docs", err), 0, "header");
	is_int(ai_opt_header("X-Team: docs\r\nX-Evil: 1", err), -1,
	    "header with CR LF");
	is_str(err, "a header cannot hold control characters (byte 0x0d)",
	    "  says why");
	is_int(ai_opt_header("X-Team: a\nb", err), -1, "header with LF");
	is_int(ai_opt_header("X Team: a", err), -1, "header name with a blank");
	is_int(ai_opt_header(": a", err), -1, "header without a name");
	is_int(ai_opt_header("X-Tab:\ta", err), 0, "header value with a tab");
}

static void
test_defaults(void)
{
	json_t *p = NULL;

	unsetenv("AIQ_MODEL");
	is_str(ai_default_model(NULL), AI_DEFAULT_MODEL, "default model");
	setenv("AIQ_MODEL", "m-env", 1);
	is_str(ai_default_model(NULL), "m-env", "  from AIQ_MODEL");
	is_str(ai_default_model("m-opt"), "m-opt", "  -m wins");
	setenv("AIQ_MODEL", "", 1);
	is_str(ai_default_model(NULL), AI_DEFAULT_MODEL, "  empty is unset");
	is_int(ai_params_set(&p, "max_tokens", json_integer(5)), 0,
	    "params_set makes the object");
	is_int(json_integer_value(json_object_get(p, "max_tokens")), 5,
	    "  with the value");
	is_int(ai_params_set(&p, "x", NULL), -1, "params_set of NULL fails");
	json_decref(p);
}

static void
test_route(void)
{
	struct ai_router rt;
	struct ai_request req = { 0 };
	char err[AI_ERRLEN], base[AI_BASELEN];

	unsetenv("OPENAI_BASE_URL");
	setenv("ANTHROPIC_BASE_URL", "http://127.0.0.1:9/", 1);
	is_int(ai_router_init(&rt, NULL, "nope", "gpt-4o", NULL, err), -1,
	    "route: unknown -P");
	is_str(err, "not a provider: there are openai, anthropic (or claude)", "  names them");
	is_int(ai_router_init(&rt, NULL, NULL, "claude-haiku-4-5", "https://x/v1/",
	    err), 0, "route: no -P");
	is_str(rt.own->name, "anthropic", "  own is the default model's");
	req.model = "gpt-4o";
	is_str(ai_route_provider(&rt, &req, err)->name, "openai",
	    "  gpt-4o goes to openai");
	req.model = "claude-x";
	is_str(ai_route_provider(&rt, &req, err)->name, "anthropic",
	    "  claude-x to anthropic");
	ai_route_base(&rt, &ai_anthropic, base, sizeof(base), err);
	is_str(base, "https://x/v1", "  --base-url is own's, without the /");
	ai_route_base(&rt, &ai_openai, base, sizeof(base), err);
	is_str(base, "https://api.openai.com/v1", "  others: their default");
	ai_router_init(&rt, NULL, "openai", "claude-x", NULL, err);
	ai_route_base(&rt, &ai_anthropic, base, sizeof(base), err);
	is_str(base, "http://127.0.0.1:9", "  or their variable");
	req.native = &ai_anthropic;
	ok(ai_route_provider(&rt, &req, err) == NULL,
	    "route: a native request cannot go to another -P");
	is_str(err, "a request in anthropic's own form (\"params\") cannot go "
	    "to openai", "  says why");
	unsetenv("ANTHROPIC_BASE_URL");
}

int
main(void)
{
	test_number();
	test_others();
	test_defaults();
	test_route();
	return done();
}
