/*
 * record.c: the three input forms, defaults, final records and splicing
 * (lib/record.c).  Bodies are compared as compact JSON, whose key order
 * is the order jansson keeps: that of the record, then what was added.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aitools.h"
#include "tap.h"

#define MSGS	"[{\"role\":\"user\",\"content\":\"hi\"}]"
#define TRACE	"0123456789abcdef0123456789abcdef"

static json_t *
parse(const char *s)
{
	json_t *v;
	json_error_t je;

	if ((v = json_loads(s, JSON_DECODE_ANY, &je)) == NULL) {
		diag("bad fixture: %s: %s", s, je.text);
		abort();
	}
	return v;
}

/* The compact dump of v, in a static buffer. */
static const char *
dump(const json_t *v)
{
	static char s[4096];
	char *d = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);

	snprintf(s, sizeof(s), "%s", d != NULL ? d : "(dump failed)");
	free(d);
	return s;
}

static struct ai_defaults dflt;

/* Defaults: a model, a system prompt and always {"max_tokens":99}. */
static struct ai_defaults *
defaults(const char *model, const char *system)
{
	if (dflt.params == NULL)
		dflt.params = parse("{\"max_tokens\":99}");
	dflt.model = model;
	dflt.system = system;
	return &dflt;
}

static void
request_is(const char *line, const struct ai_defaults *d, enum ai_form form,
    const char *body, const char *model, const char *cid, const char *trace)
{
	char err[AI_ERRLEN] = "", before[4096];
	struct ai_request req;
	json_t *rec = parse(line);

	snprintf(before, sizeof(before), "%s", dump(rec));
	if (!is_int(ai_record_request(rec, d, &req, err), 0, "valid: %s",
	    line)) {
		diag("error: %s", err);
		json_decref(rec);
		return;
	}
	is_int(req.form, form, "  form");
	is_str(dump(req.body), body, "  body");
	is_str(req.model, model, "  model");
	is_str(req.custom_id, cid, "  custom_id");
	is_str(req.trace_id, trace, "  trace_id");
	is_str(dump(rec), before, "  the record is left as it was");
	ai_request_free(&req);
	ok(req.body == NULL, "  ai_request_free clears the body");
	json_decref(rec);
}

static void
request_bad(const char *line, const struct ai_defaults *d, const char *want)
{
	char err[AI_ERRLEN] = "";
	struct ai_request req;
	json_t *rec = parse(line);

	is_int(ai_record_request(rec, d, &req, err), -1, "invalid: %s", line);
	is_str(err, want, "  error");
	ok(req.body == NULL, "  no body left to free");
	json_decref(rec);
}

static void
test_batch(void)
{
	request_is("{\"custom_id\":\"r1\",\"method\":\"POST\","
	    "\"url\":\"/v1/chat/completions\",\"body\":{\"model\":\"gpt-x\","
	    "\"messages\":" MSGS ",\"max_tokens\":10}}", defaults("dflt", "S"),
	    AI_FORM_BATCH,
	    "{\"model\":\"gpt-x\",\"messages\":" MSGS ",\"max_tokens\":10}",
	    "gpt-x", "r1", NULL);
	request_is("{\"body\":{\"messages\":" MSGS ",\"temperature\":0}}",
	    defaults("dflt", NULL), AI_FORM_BATCH,
	    "{\"messages\":" MSGS ",\"temperature\":0,\"model\":\"dflt\","
	    "\"max_tokens\":99}", "dflt", NULL, NULL);
	request_is("{\"custom_id\":\"r2\",\"url\":"
	    "\"https://api.openai.com/v1/chat/completions\",\"body\":"
	    "{\"model\":\"m\",\"messages\":" MSGS "},\"aitools\":"
	    "{\"trace_id\":\"" TRACE "\"}}", defaults(NULL, NULL),
	    AI_FORM_BATCH, "{\"model\":\"m\",\"messages\":" MSGS
	    ",\"max_tokens\":99}", "m", "r2", TRACE);
	request_bad("{\"method\":\"GET\",\"body\":{\"messages\":" MSGS "}}",
	    defaults("m", NULL), "\"method\" is not \"POST\"");
	request_bad("{\"url\":\"/v1/embeddings\",\"body\":{\"messages\":"
	    MSGS "}}", defaults("m", NULL),
	    "unsupported \"url\" (only /v1/chat/completions is)");
	request_bad("{\"url\":7,\"body\":{\"messages\":" MSGS "}}",
	    defaults("m", NULL),
	    "unsupported \"url\" (only /v1/chat/completions is)");
	request_bad("{\"body\":\"hi\"}", defaults("m", NULL),
	    "\"body\" is not an object");
	request_bad("{\"body\":{\"model\":\"m\"}}", defaults("m", NULL),
	    "request has no \"messages\" array");
}

static void
test_bare(void)
{
	request_is("{\"custom_id\":\"b1\",\"model\":\"m\",\"messages\":" MSGS
	    ",\"temperature\":0.5,\"aitools\":{\"trace_id\":\"" TRACE "\"},"
	    "\"metadata\":{\"k\":\"v\"}}", defaults("dflt", "S"), AI_FORM_BODY,
	    "{\"model\":\"m\",\"messages\":" MSGS ",\"temperature\":0.5,"
	    "\"metadata\":{\"k\":\"v\"},\"max_tokens\":99}", "m", "b1", TRACE);
	request_is("{\"model\":null,\"messages\":" MSGS ",\"max_tokens\":1}",
	    defaults("dflt", NULL), AI_FORM_BODY,
	    "{\"model\":\"dflt\",\"messages\":" MSGS ",\"max_tokens\":1}",
	    "dflt", NULL, NULL);
	/* A trace id must be 32 lowercase hex digits to be taken; a numeric
	 * custom_id is kept as text. */
	request_is("{\"messages\":" MSGS ",\"aitools\":{\"trace_id\":"
	    "\"0123456789ABCDEF0123456789abcdef\"},\"custom_id\":5}",
	    defaults("dflt", NULL), AI_FORM_BODY,
	    "{\"messages\":" MSGS ",\"model\":\"dflt\",\"max_tokens\":99}",
	    "dflt", "5", NULL);
	request_is("{\"messages\":" MSGS ",\"aitools\":{\"trace_id\":"
	    "\"0123456789abcdef\"}}", defaults("dflt", NULL), AI_FORM_BODY,
	    "{\"messages\":" MSGS ",\"model\":\"dflt\",\"max_tokens\":99}",
	    "dflt", NULL, NULL);
	request_bad("{\"messages\":" MSGS "}", defaults(NULL, "S"),
	    "request names no model");
	request_bad("{\"model\":5,\"messages\":" MSGS "}", defaults("m", NULL),
	    "\"model\" is not a string");
	request_bad("{\"model\":\"m\",\"messages\":\"hi\"}",
	    defaults("m", NULL), "request has no \"messages\" array");
}

static void
test_prompt(void)
{
	request_is("{\"prompt\":\"Say hi\"}", defaults("dflt", "Be terse."),
	    AI_FORM_PROMPT, "{\"model\":\"dflt\",\"messages\":[{\"role\":"
	    "\"system\",\"content\":\"Be terse.\"},{\"role\":\"user\","
	    "\"content\":\"Say hi\"}],\"max_tokens\":99}",
	    "dflt", NULL, NULL);
	request_is("{\"custom_id\":\"p1\",\"prompt\":\"Q\",\"system\":\"S\","
	    "\"model\":\"m2\",\"temperature\":0.25,\"seed\":7,\"params\":"
	    "{\"top_p\":0.5,\"temperature\":0.75},\"extra\":\"not sent\"}",
	    defaults("dflt", "Be terse."), AI_FORM_PROMPT,
	    "{\"model\":\"m2\",\"messages\":[{\"role\":\"system\","
	    "\"content\":\"S\"},{\"role\":\"user\",\"content\":\"Q\"}],"
	    "\"temperature\":0.75,\"seed\":7,\"top_p\":0.5,\"max_tokens\":99}",
	    "m2", "p1", NULL);
	request_is("{\"prompt\":\"Q\",\"system\":null,\"model\":null}",
	    defaults("dflt", "Be terse."), AI_FORM_PROMPT,
	    "{\"model\":\"dflt\",\"messages\":[{\"role\":\"system\","
	    "\"content\":\"Be terse.\"},{\"role\":\"user\",\"content\":"
	    "\"Q\"}],\"max_tokens\":99}", "dflt", NULL, NULL);
	request_is("{\"prompt\":\"Q\",\"max_tokens\":3,\"custom_id\":\"c\"}",
	    defaults("dflt", NULL), AI_FORM_PROMPT,
	    "{\"model\":\"dflt\",\"messages\":[{\"role\":\"user\","
	    "\"content\":\"Q\"}],\"max_tokens\":3}", "dflt", "c", NULL);
	request_bad("{\"prompt\":\"\"}", defaults("m", NULL),
	    "\"prompt\" is empty");
	request_bad("{\"prompt\":5}", defaults("m", NULL),
	    "\"prompt\" is not a string");
	request_bad("{\"prompt\":\"Q\",\"system\":[\"S\"]}",
	    defaults("m", NULL), "\"system\" is not a string");
	request_bad("{\"prompt\":\"Q\",\"params\":[1]}", defaults("m", NULL),
	    "\"params\" is not an object");
	request_bad("{\"prompt\":\"Q\"}", defaults(NULL, NULL),
	    "request names no model");
}

/*
 * The default system prompt must belong to its message alone, or it
 * outlives the body: a reference count of 2 here is a leak.
 */
static void
test_system_owned(void)
{
	char err[AI_ERRLEN];
	struct ai_request req;
	json_t *rec = parse("{\"prompt\":\"Q\"}"), *content;

	if (ai_record_request(rec, defaults("m", "Be terse."), &req,
	    err) == -1)
		abort();
	content = json_object_get(json_array_get(json_object_get(req.body,
	    "messages"), 0), "content");
	is_str(json_string_value(content), "Be terse.",
	    "default system prompt");
	is_int(content != NULL ? (long long)content->refcount : -1, 1,
	    "  is referenced by its message only (else it leaks)");
	ai_request_free(&req);
	json_decref(rec);
}

/* A default system prompt jansson refuses must not vanish in silence. */
static void
test_system_invalid(void)
{
	char err[AI_ERRLEN] = "";
	struct ai_request req;
	json_t *rec = parse("{\"prompt\":\"Q\"}");
	const char *role;
	int r;

	r = ai_record_request(rec, defaults("m", "bad \xff"), &req, err);
	role = json_string_value(json_object_get(json_array_get(
	    json_object_get(req.body, "messages"), 0), "role"));
	ok(r == -1 || (role != NULL && strcmp(role, "system") == 0),
	    "invalid UTF-8 default system prompt: an error, not dropped "
	    "(got %d, first role %s)", r, role != NULL ? role : "none");
	if (r == 0)
		ai_request_free(&req);
	json_decref(rec);
}

/* A record's own tags, borrowed for the usage log; bad ones refused. */
static void
test_tags(void)
{
	char err[AI_ERRLEN] = "";
	struct ai_request req;
	json_t *rec = parse("{\"prompt\":\"Q\",\"aitools\":{\"tags\":"
	    "{\"team\":\"search\",\"n\":2,\"ab\":true}}}");

	is_int(ai_record_request(rec, defaults("m", NULL), &req, err), 0,
	    "tags: a record with aitools.tags");
	is_str(dump(req.tags), "{\"team\":\"search\",\"n\":2,\"ab\":true}",
	    "  are borrowed as they are");
	ai_request_free(&req);
	json_decref(rec);
	rec = parse("{\"prompt\":\"Q\",\"aitools\":{\"tags\":{}}}");
	is_int(ai_record_request(rec, defaults("m", NULL), &req, err), 0,
	    "tags: empty");
	ok(req.tags == NULL, "  are none");
	ai_request_free(&req);
	json_decref(rec);
	request_bad("{\"prompt\":\"Q\",\"aitools\":{\"tags\":[\"a\"]}}",
	    defaults("m", NULL), "\"aitools.tags\" is not an object");
	request_bad("{\"prompt\":\"Q\",\"aitools\":{\"tags\":{\"a\":{}}}}",
	    defaults("m", NULL), "\"aitools.tags\" holds a value that is not"
	    " a string, number or boolean");
	request_bad("{\"prompt\":\"Q\",\"aitools\":{\"tags\":{\"a b\":1}}}",
	    defaults("m", NULL), "\"aitools.tags\" has a name that is not 1"
	    " to 64 letters, digits, - and _");
}

static void
test_no_form(void)
{
	request_bad("{\"model\":\"m\",\"input\":\"hi\"}", defaults("m", NULL),
	    "record has none of \"body\", \"messages\", \"params\" or \"prompt\"");
	request_bad("{}", defaults("m", NULL),
	    "record has none of \"body\", \"messages\", \"params\" or \"prompt\"");
	request_bad("[\"prompt\"]", defaults("m", NULL),
	    "record is not a JSON object");
	request_bad("\"prompt\"", defaults("m", NULL),
	    "record is not a JSON object");
}

static void
done_is(const char *line, int want, int want_resend)
{
	json_t *rec = parse(line);

	is_int(ai_record_is_done(rec, 0), want, "is_done %s", line);
	is_int(ai_record_is_done(rec, 1), want_resend,
	    "is_done %s, resending errors", line);
	json_decref(rec);
}

static void
test_done(void)
{
	done_is("{\"prompt\":\"x\"}", 0, 0);
	done_is("{\"prompt\":\"x\",\"response\":{\"id\":\"r\"}}", 1, 1);
	done_is("{\"prompt\":\"x\",\"error\":{\"code\":\"server\"}}", 1, 0);
	done_is("{\"prompt\":\"x\",\"response\":{},\"error\":{}}", 1, 1);
	done_is("{\"prompt\":\"x\",\"response\":null,\"error\":null}", 0, 0);
	done_is("{\"prompt\":\"x\",\"error\":false}", 1, 0);
}

static void
key_is(const char *text, const char *want, int want_bad, const char *what)
{
	json_t *rec = json_loads(text, 0, NULL);
	const char *k;
	int bad = -1;

	k = ai_record_key(rec, &bad);
	ok((want == NULL ? k == NULL : k != NULL && strcmp(k, want) == 0) &&
	    bad == want_bad, "key: %s", what);
	json_decref(rec);
}

static void
test_key(void)
{
	char hex[AI_KEYHEX], rec[200];
	unsigned char key[AI_KEYLEN], back[AI_KEYLEN];
	int i;

	for (i = 0; i < AI_KEYLEN; i++)
		key[i] = (unsigned char)(i * 37);
	ai_cache_key_hex(key, hex);
	ok(ai_cache_key_unhex(hex, back) == 0 &&
	    memcmp(key, back, AI_KEYLEN) == 0, "key: unhex undoes hex");
	snprintf(rec, sizeof(rec), "{\"aitools\":{\"key\":\"%s\"}}", hex);
	key_is(rec, hex, 0, "aitools.key read");
	key_is("{\"aitools\":{}}", NULL, 0, "none");
	key_is("{\"aitools\":{\"key\":null}}", NULL, 0, "null is none");
	key_is("{\"aitools\":{\"key\":\"abc\"}}", NULL, 1, "too short");
	hex[0] = 'A';
	snprintf(rec, sizeof(rec), "{\"aitools\":{\"key\":\"%s\"}}", hex);
	key_is(rec, NULL, 1, "upper case is not ai_cache_key_hex's");
	key_is("{\"aitools\":{\"key\":7}}", NULL, 1, "a number");
}

static void
mark_is(const char *line, const char *want, const char *what)
{
	json_t *rec = json_loads(line, 0, NULL);
	struct ai_buf b = { 0 };

	is_int(ai_record_mark(&b, line, strlen(line), rec, "limit",
	    "{\"key\":\"k\"}"), 0, "mark: %s", what);
	is_str(b.data, want, "mark: %s: the record", what);
	ai_buf_free(&b);
	json_decref(rec);
}

static void
test_mark(void)
{
	mark_is("{\"prompt\":\"x\", \"t\":0.7 } ",
	    "{\"prompt\":\"x\", \"t\":0.7 ,\"aitools\":{\"limit\":"
	    "{\"key\":\"k\"}}}\n", "a record without aitools keeps its bytes");
	mark_is("{}", "{\"aitools\":{\"limit\":{\"key\":\"k\"}}}\n",
	    "an empty record");
	mark_is("{\"prompt\":\"x\",\"aitools\":{\"trace_id\":\"t\","
	    "\"limit\":1}}", "{\"prompt\":\"x\",\"aitools\":{\"trace_id\":"
	    "\"t\",\"limit\":{\"key\":\"k\"}}}\n",
	    "aitools kept, the old mark replaced");
}

static void
test_prompt_record(void)
{
	json_t *r;

	r = ai_prompt_record("say \"hi\"\tnow\nplease", 19);
	is_str(dump(r), "{\"prompt\":\"say \\\"hi\\\"\\tnow\\nplease\"}",
	    "prompt record of a text line");
	json_decref(r);
	r = ai_prompt_record("a\0b", 3);
	is_str(dump(r), "{\"prompt\":\"a\\u0000b\"}",
	    "the length is taken, NUL included");
	json_decref(r);
	r = ai_prompt_record("caf\xc3\xa9 and more", 5);
	is_str(dump(r), "{\"prompt\":\"caf\xc3\xa9\"}", "only len bytes");
	json_decref(r);
	r = ai_prompt_record("bad \xff byte", 10);
	ok(r == NULL, "invalid UTF-8 gives NULL");
	json_decref(r);
}

/* Splices tail into line after the prefix already in the buffer. */
static void
splice_is(const char *line, const char *tail, const char *want)
{
	struct ai_buf out = { 0 };
	json_t *rec;
	size_t len = strlen(line);

	/* Parse what a reader hands on: the line without its newline. */
	rec = json_loadb(line, len, 0, NULL);
	if (rec == NULL)
		abort();
	ai_buf_puts(&out, "prev\n");
	is_int(ai_record_splice(&out, line, len, rec, tail, strlen(tail)), 0,
	    "splice %s", line);
	is_str(out.data, want, "  output");
	is_int(out.len, strlen(want), "  length");
	ai_buf_free(&out);
	json_decref(rec);
}

#define TAIL	"{\"response\":{\"id\":\"r\"},\"aitools\":{\"v\":1}}"
#define SPLICED	"\"response\":{\"id\":\"r\"},\"aitools\":{\"v\":1}}\n"

static void
test_splice(void)
{
	splice_is("{\"prompt\":\"hi\"}", TAIL,
	    "prev\n{\"prompt\":\"hi\"," SPLICED);
	splice_is("  { \"prompt\" : \"hi\" ,\t\"n\": 1.50e0 }  \r", TAIL,
	    "prev\n  { \"prompt\" : \"hi\" ,\t\"n\": 1.50e0 ," SPLICED);
	splice_is("{\"prompt\":\"caf\\u00e9 {}\",\"m\":{\"a\":{}}}", TAIL,
	    "prev\n{\"prompt\":\"caf\\u00e9 {}\",\"m\":{\"a\":{}}," SPLICED);
	splice_is("{}", TAIL, "prev\n{" SPLICED);
	splice_is("{ \t}", TAIL, "prev\n{ \t" SPLICED);
	splice_is("{\"prompt\":\"x\"}", "{\"error\":{\"code\":\"auth\"}}",
	    "prev\n{\"prompt\":\"x\",\"error\":{\"code\":\"auth\"}}\n");
	/* An input that has a key of the tail is rebuilt, compact. */
	splice_is("{ \"prompt\": \"hi\", \"error\": {\"code\": \"server\"},"
	    " \"aitools\": {\"v\": 1, \"attempts\": 3, \"x\": true} }",
	    "{\"response\":{\"id\":\"r\"},"
	    "\"aitools\":{\"v\":1,\"attempts\":1}}",
	    "prev\n{\"prompt\":\"hi\",\"aitools\":{\"x\":true,\"v\":1,"
	    "\"attempts\":1},\"response\":{\"id\":\"r\"}}\n");
	/* The old result's own metadata goes: no stale failed_attempts. */
	splice_is("{\"prompt\":\"hi\",\"error\":{\"code\":\"server\"},"
	    "\"aitools\":{\"attempts\":3,\"failed_attempts\":[{}],"
	    "\"cache\":\"miss\"}}",
	    "{\"response\":{\"id\":\"r\"},\"aitools\":{\"attempts\":1}}",
	    "prev\n{\"prompt\":\"hi\",\"aitools\":{\"cache\":\"miss\","
	    "\"attempts\":1},\"response\":{\"id\":\"r\"}}\n");
	splice_is("{\"prompt\":\"hi\",\"response\":{\"old\":1},\"n\":1.50}",
	    "{\"error\":{\"code\":\"auth\"}}",
	    "prev\n{\"prompt\":\"hi\",\"n\":1.5,"
	    "\"error\":{\"code\":\"auth\"}}\n");
	splice_is("{\"prompt\":\"hi\", \"error\":{\"code\":\"server\"}}",
	    "{\"error\":{\"code\":\"timeout\"},\"aitools\":{\"v\":1}}",
	    "prev\n{\"prompt\":\"hi\",\"error\":{\"code\":\"timeout\"},"
	    "\"aitools\":{\"v\":1}}\n");
	splice_is("{\"prompt\":\"hi\", \"response\":null}", TAIL,
	    "prev\n{\"prompt\":\"hi\"," SPLICED);
	splice_is("{\"prompt\":\"hi\",\"aitools\":\"junk\"}", TAIL,
	    "prev\n{\"prompt\":\"hi\",\"aitools\":{\"v\":1},"
	    "\"response\":{\"id\":\"r\"}}\n");
}

static void
salvage_is(const char *line, const char *want, const char *desc)
{
	char *id = ai_record_salvage_id(line, strlen(line));

	is_str(id, want, "salvage: %s", desc);
	free(id);
}

static void
test_tail(void)
{
	struct ai_buf t = { 0 }, out = { 0 };
	struct ai_meta m = { .line = 3, .started_ms = 1000, .finished_ms = 2000,
	    .provider = "openai", .model = "m\xff", .attempts = 2,
	    .latency_ms = 5, .trace_id = "abc", .failed_attempts = "{\"a\":1}",
	    .failed_len = 7, .service = "svc", .tags = "{\"t\":1}",
	    .key = "k" };
	struct ai_meta hit = { .finished_ms = 2000, .trace_id = "abc",
	    .cache = "{\"hit\":true}" };

	ai_tail_response(&t, 200, NULL, "{\"x\":1}", 7, &m);
	is_str(t.data, "{\"response\":{\"status_code\":200,\"request_id\":"
	    "null,\"body\":{\"x\":1}},\"aitools\":{\"v\":1,\"line\":3,"
	    "\"started\":\"1970-01-01T00:00:01.000Z\",\"finished\":"
	    "\"1970-01-01T00:00:02.000Z\",\"provider\":\"openai\",\"model\":"
	    "\"m\xef\xbf\xbd\",\"attempts\":2,\"latency_ms\":5,\"trace_id\":"
	    "\"abc\",\"failed_attempts\":[{\"a\":1}],\"service\":\"svc\","
	    "\"tags\":{\"t\":1},\"key\":\"k\"}}",
	    "tail of an answer: every member, in order, text made UTF-8");
	ai_tail_error(&t, AI_E_INVALID_INPUT, "bad \xc3", 0, &(struct ai_meta){
	    .line = 9 });
	is_str(t.data, "{\"error\":{\"code\":\"invalid_input\",\"message\":"
	    "\"bad \xef\xbf\xbd\"},\"aitools\":{\"v\":1,\"line\":9}}",
	    "tail of an error: no call, no attempts");
	ai_tail_stored(&t, "{\"status_code\":200}", 19, &hit);
	is_str(t.data, "{\"response\":{\"status_code\":200},\"aitools\":"
	    "{\"v\":1,\"finished\":\"1970-01-01T00:00:02.000Z\",\"trace_id\":"
	    "\"abc\",\"cache\":{\"hit\":true}}}", "tail of a stored answer");
	ai_tail_error(&t, AI_E_INVALID_INPUT, "too long", 0,
	    &(struct ai_meta){ .line = 1 });
	ai_record_bare(&out, "c1", t.data, t.len);
	ai_record_bare(&out, NULL, t.data, t.len);
	is_str(out.data, "{\"custom_id\":\"c1\",\"error\":{\"code\":"
	    "\"invalid_input\",\"message\":\"too long\"},\"aitools\":{\"v\":1,"
	    "\"line\":1}}\n{\"error\":{\"code\":\"invalid_input\",\"message\":"
	    "\"too long\"},\"aitools\":{\"v\":1,\"line\":1}}\n",
	    "a bare record: the tail, with a custom_id found");
	ai_buf_free(&t);
	ai_buf_free(&out);
}

static void
test_salvage(void)
{
	salvage_is("{\"custom_id\":\"req-1\",\"body\":{\"x\":", "req-1",
	    "a string id first");
	salvage_is(" { \"custom_id\" : 42 , \"x\"", "42", "a numeric id");
	salvage_is("{\"custom_id\":\"a\\\"b\",", "a\"b", "escapes decoded");
	salvage_is("{\"body\":1,\"custom_id\":\"x\"}", NULL,
	    "not first: not found");
	salvage_is("{\"custom_id\":\"unterminated", NULL, "a cut string");
	salvage_is("{\"custom_id\":null}", NULL, "null is no id");
}

int
main(void)
{
	test_tail();
	test_salvage();
	test_batch();
	test_bare();
	test_prompt();
	test_system_owned();
	test_system_invalid();
	test_tags();
	test_no_form();
	test_done();
	test_key();
	test_mark();
	test_prompt_record();
	test_splice();
	is_str(dump(dflt.params), "{\"max_tokens\":99}",
	    "the default params were never changed");
	json_decref(dflt.params);
	return done();
}
