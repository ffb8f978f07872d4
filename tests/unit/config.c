/*
 * config.c: the config file (lib/config.c, lib/yaml.c): the seed shape
 * read verbatim, every key's value, each fault named by line and column,
 * keys in clear refused in a file others may read; and prompt templates
 * (lib/template.c).
 */
#include <sys/stat.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "aitools.h"
#include "tap.h"

static char dir[] = "/tmp/aitools-config-XXXXXX";

static const char seed[] =
    "service: product-service\n"
    "ai_proxy:\n"
    "  models:\n"
    "    - name: recommendation_engine\n"
    "      provider: openai\n"
    "      model: gpt-4-turbo\n"
    "      purpose: product_recommendations\n"
    "      cache_ttl: 3600\n"
    "    - name: fraud_detector\n"
    "      provider: claude\n"
    "      model: claude-3\n"
    "      purpose: fraud_detection\n"
    "      timeout: 2000ms\n"
    "    - name: auth_assistant\n"
    "      provider: openai\n"
    "      model: gpt-4\n"
    "      rate_limit: 100/min\n";

/* Writes text to a file of the scratch directory, of mode mode. */
static const char *
file(const char *name, const char *text, mode_t mode)
{
	static char path[256];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((fp = fopen(path, "w")) == NULL)
		return NULL;
	fputs(text, fp);
	fclose(fp);
	chmod(path, mode);
	return path;
}

/* Loads text; the config, or NULL with the error in err. */
static struct ai_config *
load(const char *text, char *err)
{
	*err = '\0';
	return ai_config_load(file("c.yaml", text, 0644), err);
}

/* The error text loads gives, the file's path taken off. */
static const char *
fault(const char *text)
{
	static char err[AI_ERRLEN];
	struct ai_config *cf = load(text, err);
	const char *p = strstr(err, "c.yaml:");

	ai_config_free(cf);
	return cf != NULL ? "(loaded)" : p != NULL ? p : err;
}

static void
test_seed(void)
{
	struct ai_config *cf;
	const struct ai_profile *p;
	char err[AI_ERRLEN], where[256];

	cf = load(seed, err);
	ok(cf != NULL, "the seed shape loads (%s)", err);
	if (cf == NULL)
		return;
	is_int((long long)cf->nprofiles, 3, "three profiles");
	is_str(cf->service, "product-service", "service");
	p = ai_config_profile(cf, "recommendation_engine", err);
	ok(p != NULL && p->provider->api == &ai_openai, "openai");
	is_str(p->model, "gpt-4-turbo", "model");
	is_str(p->purpose, "product_recommendations", "purpose");
	is_int(p->cache_ttl_ms, 3600000, "cache_ttl 3600 is an hour");
	is_int(p->timeout_ms, -1, "no timeout");
	is_str(p->service, "product-service", "the file's service");
	p = ai_config_profile(cf, "fraud_detector", err);
	ok(p != NULL && p->provider->api == &ai_anthropic,
	    "claude is anthropic");
	is_int(p->timeout_ms, 2000, "timeout 2000ms");
	ok(ai_config_where(cf, p, "timeout", where, sizeof(where)) != NULL &&
	    strstr(where, "c.yaml:13") != NULL, "timeout at line 13 (%s)",
	    where);
	ok(ai_config_where(cf, p, "system", where, sizeof(where)) == NULL,
	    "system not set");
	ok(ai_config_where(cf, NULL, "service", where, sizeof(where)) !=
	    NULL && strstr(where, "c.yaml:1") != NULL, "service at line 1");
	p = ai_config_profile(cf, "auth_assistant", err);
	ok(p != NULL && p->nrates == 1 && p->rates[0].amount == 100 &&
	    p->rates[0].unit == AI_RATE_REQUESTS && p->rates[0].per_s == 60,
	    "rate_limit 100/min");
	ok(ai_config_profile(cf, "nosuch", err) == NULL &&
	    strstr(err, "there are recommendation_engine, fraud_detector, "
	    "auth_assistant") != NULL, "a missing profile lists them (%s)",
	    err);
	ai_config_free(cf);
}

static void
test_keys(void)
{
	struct ai_config *cf;
	const struct ai_profile *p;
	const struct ai_provider_conf *pc;
	char err[AI_ERRLEN];

	cf = load("providers:\n"
	    "  azure:\n"
	    "    api: openai\n"
	    "    base_url: https://x.openai.azure.com/openai/deployments/g\n"
	    "    key_env: AZURE_OPENAI_API_KEY\n"
	    "    auth_header: api-key\n"
	    "    query: {api-version: 2024-10-21}\n"
	    "    headers: {X-Team: search}\n"
	    "    trace_header: none\n"
	    "ai_proxy:\n"
	    "  models:\n"
	    "    - name: s\n"
	    "      provider: azure\n"
	    "      system: Be brief.\n"
	    "      template: \"Summarize in {{lang}}: {{ input }}\"\n"
	    "      temperature: 0.2\n"
	    "      max_tokens: 300\n"
	    "      params: {top_p: 0.9, seed: 7}\n"
	    "      tags: {team: search, n: 3}\n"
	    "      service: summaries\n"
	    "      rate_limit: [5/s, 20000 tokens/min, 1000 requests/day]\n",
	    err);
	ok(cf != NULL, "every key loads (%s)", err);
	if (cf == NULL)
		return;
	p = ai_config_profile(cf, "s", err);
	pc = p->provider;
	is_str(pc->name, "azure", "provider azure");
	ok(pc->api == &ai_openai, "speaks openai");
	is_str(pc->auth_header, "api-key", "auth_header");
	is_str(pc->query_string, "api-version=2024-10-21", "query");
	is_str(json_string_value(json_object_get(pc->headers, "X-Team")),
	    "search", "headers");
	ok(pc->trace_header == NULL, "trace_header none");
	is_str(p->service, "summaries", "own service");
	ok(p->has_temperature && p->temperature == 0.2, "temperature");
	is_int(p->max_tokens, 300, "max_tokens");
	is_int(json_integer_value(json_object_get(p->params, "seed")), 7,
	    "params");
	is_int(p->nrates, 3, "three rates");
	ok(p->rates[0].per_s == 1 && p->rates[0].amount == 5, "5/s");
	ok(p->rates[1].unit == AI_RATE_TOKENS, "tokens/min");
	ok(p->rates[2].per_s == 86400, "requests/day");
	ai_config_free(cf);
}

static void
test_faults(void)
{
	char long_header[600];

	snprintf(long_header, sizeof(long_header), "providers:\n  p:\n    "
	    "api: openai\n    headers:\n      X-A: \"%0300d\\r\\nX-B: 1\"\n",
	    0);
	is_str(fault("ai_proxy:\n  models:\n    - name: a\n      cache_tll: 3\n"),
	    "c.yaml:4:7: ai_proxy.models.0.cache_tll: unknown key cache_tll "
	    "(did you mean cache_ttl?)", "unknown key");
	is_str(fault("ai_proxy:\n  models:\n    - name: a\n      colour: 3\n"),
	    "c.yaml:4:7: ai_proxy.models.0.colour: unknown key colour; "
	    "aitools.yaml(5) says what a model takes",
	    "unknown key, and where the keys are");
	is_str(fault("providers:\n  x: {api: openai, base_url: http://h, hue: 1}\n"),
	    "c.yaml:2:40: providers.x.hue: unknown key hue; a provider takes "
	    "api, base_url, key_env, key_file, key_command, api_key, "
	    "auth_header, headers, query, trace_header",
	    "unknown key, and the keys there are");
	is_str(fault("ai_proxy:\n  models:\n    - name: a\n      timeout: 1.5\n"),
	    "(loaded)", "timeout 1.5 is a second and a half");
	is_str(fault("x-defaults: &d {temperature: 0.2, service: s}\nai_proxy:\n"
	    "  models:\n    - name: a\n      params: *d\n"), "(loaded)",
	    "x- keys at the top hold anchors");
	is_str(fault("ai_proxy:\n  models:\n    - name: b\n      params: &d "
	    "{n: 1}\n    - name: a\n      params: *d\n      tags: *d\n"
	    "      system: *d\n"), "c.yaml:8:7: ai_proxy.models.1.system: not a "
	    "text (a string, not empty)", "a bad alias: where the alias is");
	is_str(fault("ai_proxy:\n  models:\n    - name: a\n      timeout: soon\n"),
	    "c.yaml:4:7: ai_proxy.models.0.timeout: not a duration such as "
	    "2000ms, 30s or 1h (a bare number is seconds)", "bad timeout");
	ok(strstr(fault("ai_proxy:\n  models:\n    - name: a\n"
	    "     model: b\n"), "c.yaml:4:") != NULL, "bad indentation: %s",
	    fault("ai_proxy:\n  models:\n    - name: a\n     model: b\n"));
	ok(strstr(fault("ai_proxy:\n  models:\n    - name: a\n"
	    "     model: b\n"), "after ai_proxy.models.0.name") != NULL,
	    "  names the key before");
	is_str(fault("service: a\nservice: b\n"),
	    "c.yaml:2:1: service: the key is given twice", "twice");
	is_str(fault("ai_proxy:\n  models:\n    - name: a\n      provider: x\n"),
	    "c.yaml:4:7: ai_proxy.models.0.provider: no such provider: there "
	    "are openai, anthropic (or claude)", "no such provider");
	is_str(fault("ai_proxy:\n  models:\n    - name: a\n      rate_limit: "
	    "100/fortnight\n"), "c.yaml:4:7: ai_proxy.models.0.rate_limit: not "
	    "a rate such as 100/min, 5/s, 20000 tokens/min or 1000 "
	    "requests/day", "bad rate");
	is_str(fault("ai_proxy:\n  models:\n    - model: a\n"),
	    "c.yaml:3:7: ai_proxy.models.0: a model needs a name of 1 to 64 "
	    "letters, digits, ., - and _", "a model without a name");
	is_str(fault("providers:\n  x:\n    base_url: https://h\n"),
	    "c.yaml:2:3: providers.x: a provider needs api: openai or "
	    "anthropic (the wire format it speaks)", "a provider without api");
	is_str(fault("ai_proxy:\n  models:\n    - name: a\n      template: "
	    "\"{{ in put }}\"\n"), "c.yaml:4:7: ai_proxy.models.0.template: "
	    "{{ }} holds a name of letters, digits and _, such as {{input}}",
	    "bad template");
	is_str(fault("ai_proxy:\n  models:\n    - name: a\n      template: "
	    "\"{{lang}: {{input}}\"\n"), "c.yaml:4:7: ai_proxy.models.0.template: "
	    "{{ }} holds a name of letters, digits and _, such as {{input}}",
	    "a template closed by one brace");
	is_str(fault("providers:\n  claude: {base_url: http://h}\n"),
	    "c.yaml:2:3: providers.claude: claude is the alias of anthropic: "
	    "declare it as anthropic", "claude declared");
	is_str(fault("providers:\n  groq: {api: openai, key_env: G}\n"),
	    "c.yaml:2:3: providers.groq: a provider of its own needs a "
	    "base_url", "a provider of its own without a base_url");
	is_str(fault("providers:\n  openai: {trace_header: null}\n"), "(loaded)",
	    "trace_header null is the default");
	is_str(fault("ai_proxy:\n  models:\n    - name: a\n      params: "
	    "{n: 2, model: gpt-5}\n"), "c.yaml:4:22: ai_proxy.models.0.params.model: "
	    "use the profile's model", "params.model refused");
	is_str(fault("a: &x [*x]\n"), "c.yaml:1:8: an alias of no anchor",
	    "an alias of itself");
	ok(strstr(fault("a: &a [x,x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,"
	    "*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,"
	    "*c,*c,*c,*c,*c,*c,*c]\ne: [*d,*d,*d,*d,*d,*d,*d,*d,*d,*d]\n"),
	    "more than 100000 values") != NULL, "the billion laughs refused");
	is_str(fault("ai_proxy:\n  models:\n    - name: a\n      tags: "
	    "{\"a\\e]0;x\\a\": 1}\n"), "c.yaml:4:14: ai_proxy.models.0.tags."
	    "a\\x1b]0;x\\x07: a tag's name is 1 to 64 letters, digits, - and "
	    "_", "a key's escapes shown, not sent to the terminal");
	is_str(fault("ai_proxy:\n  models:\n    - name: a\n    - name: a\n"),
	    "c.yaml:4:7: ai_proxy.models.1.name: a second model of this name",
	    "two models of one name");
	is_str(fault("ai_proxy:\n  models:\n    - name: a\n      template: "
	    "\"{{a}b}}\"\n"), "c.yaml:4:7: ai_proxy.models.0.template: "
	    "{{ }} holds a name of letters, digits and _, such as {{input}}",
	    "a name not closed by the }} found");
	is_str(fault("ai_proxy:\n  models:\n    - name: a\n      temperature: "
	    "1e999\n"), "c.yaml:4:7: ai_proxy.models.0.temperature: not a "
	    "number from 0 to 2", "1e999 is no number (not out of memory)");
	is_str(fault("providers:\n  p:\n    api: openai\n    headers:\n      "
	    "X-A: \"a\\0\\r\\nX-B: 1\"\n"), "c.yaml:5:7: providers.p.headers."
	    "X-A: a value cannot hold a NUL byte", "a NUL in a header");
	is_str(fault("providers:\n  p:\n    api: openai\n    query:\n      "
	    "k: \"a\\0b\"\n"), "c.yaml:5:7: providers.p.query.k: a value "
	    "cannot hold a NUL byte", "a NUL in a query value");
	is_str(fault(long_header), "c.yaml:5:7: providers.p.headers.X-A: a "
	    "header's value cannot hold control characters",
	    "a CR LF past the first 256 bytes of a header");
	is_str(fault(""), "(loaded)", "an empty file is a config");
	is_str(fault("[1, 2]\n"), "c.yaml:1:1: not a mapping: a config "
	    "file holds service, ai_proxy and providers", "not a mapping");
}

/* Providers found however many there are; claude is a declared anthropic. */
static void
test_providers(void)
{
	static const char *const names[] = { "zeta", "alpha", "m.1",
	    "anthropic", "openai", "b-2" };
	struct ai_config *cf;
	const struct ai_profile *p;
	char err[AI_ERRLEN];
	size_t i;

	cf = load("providers:\n  zeta: {api: openai, base_url: http://z}\n"
	    "  alpha: {api: openai, base_url: http://a}\n"
	    "  m.1: {api: anthropic, base_url: http://m}\n"
	    "  anthropic: {base_url: http://h}\n"
	    "  openai: {}\n  b-2: {api: anthropic, base_url: http://b}\n"
	    "ai_proxy:\n  models:\n    - {name: x, provider: claude}\n"
	    "    - {name: y, provider: m.1}\n", err);
	ok(cf != NULL, "six providers load (%s)", err);
	if (cf == NULL)
		return;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		ok(ai_config_provider(cf, names[i]) != NULL &&
		    strcmp(ai_config_provider(cf, names[i])->name, names[i]) ==
		    0, "provider %s found", names[i]);
	ok(ai_config_provider(cf, "nosuch") == NULL, "nosuch is not");
	p = ai_config_profile(cf, "x", err);
	ok(p != NULL && p->provider == ai_config_provider(cf, "anthropic") &&
	    strcmp(p->provider->base_url, "http://h") == 0,
	    "claude is the anthropic declared");
	p = ai_config_profile(cf, "y", err);
	ok(p != NULL && p->provider->api == &ai_anthropic, "m.1");
	ai_config_free(cf);
}

/* A path too long to name a fault by is not noted: where stays small. */
static void
test_where(void)
{
	char text[2048], err[AI_ERRLEN];
	json_t *root, *where;
	int rc;

	snprintf(text, sizeof(text), "a:\n  %0600d: [1, 2, 3]\n  b: [4]\n", 0);
	rc = ai_yaml_load(text, strlen(text), "w.yaml", &root, &where, err);
	ok(rc == 0, "long keys load (%s)", rc == 0 ? "" : err);
	if (rc != 0)
		return;
	ok(json_object_get(where, "a.b.0") != NULL &&
	    json_object_get(where, "a") != NULL, "short paths noted");
	is_int((long long)json_object_size(where), 4, "long ones not");
	text[5 + 600] = '\0';
	is_int((long long)json_array_size(json_object_get(json_object_get(
	    root, "a"), text + 5)), 3, "  and their values read");
	json_decref(root);
	json_decref(where);
}

static void
test_secret(void)
{
	static const char text[] = "providers:\n  openai:\n    api_key: "
	    "sk-abc\n";
	struct ai_config *cf;
	char err[AI_ERRLEN];

	cf = ai_config_load(file("k.yaml", text, 0644), err);
	ok(cf == NULL && strstr(err, "holds an API key in clear "
	    "(providers.openai.api_key) and others may read it: chmod 600") !=
	    NULL, "a key in a file others read is refused (%s)", err);
	ok(strstr(err, "sk-abc") == NULL, "  without the key");
	cf = ai_config_load(file("k.yaml", text, 0600), err);
	ok(cf != NULL, "and taken from a file of mode 600 (%s)", err);
	ai_config_free(cf);
}

/* A provider of its own never gets another provider's key. */
static void
test_own_key(void)
{
	struct ai_config *cf;
	const struct ai_provider_conf *pc;
	char err[AI_ERRLEN], *key;

	setenv("OPENAI_API_KEY", "sk-openai-1", 1);
	cf = load("providers:\n  groq: {api: openai, base_url: http://h/v1}\n"
	    "  openai: {base_url: http://o/v1}\n", err);
	ok(cf != NULL, "loads (%s)", err);
	if (cf == NULL)
		return;
	pc = ai_config_provider(cf, "groq");
	ok(pc != NULL && pc->own, "groq is a provider of its own");
	key = ai_key_load(pc, err);
	ok(key == NULL && *err == '\0', "  and gets no $OPENAI_API_KEY");
	free(key);
	key = ai_key_load(ai_config_provider(cf, "openai"), err);
	is_str(key, "sk-openai-1", "openai, declared, still gets it");
	free(key);
	unsetenv("OPENAI_API_KEY");
	ai_config_free(cf);
}

static void
test_template(void)
{
	struct ai_buf b = { 0 };
	json_t *rec = json_pack("{s:s, s:i}", "lang", "French", "n", 3);
	char err[AI_ERRLEN] = "", name[101], t[128];

	ok(ai_template_expand(&b, "In {{lang}} ({{ n }}): {{input}}", rec,
	    "hello", err) == 0, "expands");
	is_str(b.data, "In French (3): hello", "  fields and input");
	ok(ai_template_expand(&b, "{{missing}}", rec, NULL, err) == -1 &&
	    strstr(err, "no \"missing\"") != NULL, "a missing field: %s",
	    err);
	ok(ai_template_expand(&b, "{{input}}", rec, NULL, err) == -1,
	    "no input");
	ok(ai_template_has("x {{ input }}", "input") &&
	    !ai_template_has("{{lang}}", "input"), "ai_template_has");
	is_str(ai_template_field("{{input}} {{ lang }}", err, AI_ERRLEN), "lang",
	    "ai_template_field");
	ok(ai_template_field("{{input}}", err, AI_ERRLEN) == NULL,
	    "  none but input");
	ok(ai_template_expand(&b, "a }} {{ b", rec, NULL, err) == 0 &&
	    strcmp(b.data, "a }} {{ b") == 0, "unclosed braces stay");
	memset(name, 'n', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	json_object_set_new(rec, name, json_string("long"));
	name[71] = '\0';
	json_object_set_new(rec, name, json_string("cut"));
	name[71] = 'n';
	snprintf(t, sizeof(t), "{{ %s }}", name);
	ok(ai_template_expand(&b, t, rec, NULL, err) == 0 &&
	    strcmp(b.data, "long") == 0, "a long name, whole (%s)", b.data);
	ai_buf_free(&b);
	json_decref(rec);
}

static void
test_rates(void)
{
	struct ai_rate r;
	char err[AI_ERRLEN];
	int64_t per;
	int daily;

	ok(ai_rate_parse("20000 tokens/min", &r, err) == 0 &&
	    r.amount == 20000 && r.unit == AI_RATE_TOKENS && r.per_s == 60,
	    "20000 tokens/min");
	ok(ai_rate_parse("8000 output tokens/minute", &r, err) == 0 &&
	    r.unit == AI_RATE_OUTPUT, "output tokens");
	ok(ai_rate_parse("0/min", &r, err) == -1, "0 refused");
	ok(ai_rate_parse("5/", &r, err) == -1, "no period refused");
	ok(ai_rate_parse("/min", &r, err) == -1, "no amount refused");
	ok(ai_rate_parse("5 bananas/min", &r, err) == -1, "bananas refused");
	ai_rate_parse("5/s", &r, err);
	ok(ai_rate_minute(&r, &daily, &per, err) == 0 && per == 300 && !daily,
	    "5/s is 300 a minute");
	ai_rate_parse("120/h", &r, err);
	ok(ai_rate_minute(&r, &daily, &per, err) == 0 && per == 2,
	    "120/h is 2 a minute");
	ai_rate_parse("100/h", &r, err);
	ok(ai_rate_minute(&r, &daily, &per, err) == -1, "100/h cannot be kept");
	ai_rate_parse("9 output tokens/day", &r, err);
	ok(ai_rate_minute(&r, &daily, &per, err) == -1,
	    "output tokens a day cannot be kept");
	ai_rate_parse("9000 tokens/day", &r, err);
	ok(ai_rate_minute(&r, &daily, &per, err) == 0 && daily && per == 9000,
	    "tokens a day are a quota");
	ok(ai_header_secret("X-Api-Key") && ai_header_secret("Authorization") &&
	    ai_header_secret("x-goog-api-key") && ai_header_secret("Cookie") &&
	    !ai_header_secret("X-Team") && !ai_header_secret("HTTP-Referer"),
	    "secret headers, by name");
}

int
main(void)
{
	if (mkdtemp(dir) == NULL)
		return 1;
	test_seed();
	test_keys();
	test_faults();
	test_providers();
	test_where();
	test_secret();
	test_own_key();
	test_template();
	test_rates();
	return done();
}
