/* openai.c: the OpenAI chat-completions wire format, spoken by most servers. */
#include <stdio.h>
#include <string.h>

#include "aitools.h"

static int
prepare(struct ai_call *c, char *err)
{
	ai_buf_reset(&c->url);
	ai_buf_reset(&c->payload);
	if (ai_buf_puts(&c->url, c->base_url) == -1 ||
	    ai_buf_puts(&c->url, "/chat/completions") == -1 ||
	    ai_buf_json(&c->payload, c->body) == -1) {
		snprintf(err, AI_ERRLEN, "out of memory");
		return -1;
	}
	return 0;
}

static void
parse_error(long status, json_t *body, struct ai_result *r)
{
	json_t *e = json_object_get(body, "error");
	const char *msg, *type, *code;

	if (json_is_string(e)) {	/* some compatible servers do this */
		msg = json_string_value(e);
		type = code = NULL;
	} else {
		msg = json_string_value(json_object_get(e, "message"));
		type = json_string_value(json_object_get(e, "type"));
		code = json_string_value(json_object_get(e, "code"));
	}
	r->code = ai_errcode_from_http(status, type, code);
	if (msg != NULL && *msg != '\0')
		snprintf(r->message, sizeof(r->message), "%s", msg);
	else
		snprintf(r->message, sizeof(r->message), "HTTP %ld", status);
}

static void
parse(long status, const char *data, size_t len, struct ai_result *r)
{
	json_error_t je;
	json_t *body;

	memset(r, 0, sizeof(*r));
	body = json_loadb(data, len, 0, &je);
	if (status < 200 || status >= 300) {
		parse_error(status, body, r);
		r->body = body;
		return;
	}
	if (!json_is_object(body) || !json_is_array(json_object_get(body,
	    "choices"))) {
		r->code = AI_E_BAD_RESPONSE;
		snprintf(r->message, sizeof(r->message), body == NULL ?
		    "invalid JSON in response: %s" : "response has no choices%s",
		    body == NULL ? je.text : "");
		json_decref(body);
		return;
	}
	r->code = AI_OK;
	r->native = 1;		/* already a chat.completion: keep its bytes */
	r->body = body;
	r->model = json_string_value(json_object_get(body, "model"));
	ai_usage_from_openai(json_object_get(body, "usage"), &r->usage);
}

const struct ai_provider ai_openai = {
	.name = "openai",
	.default_base = "https://api.openai.com/v1",
	.key_env = "OPENAI_API_KEY",
	.base_env = "OPENAI_BASE_URL",
	.auth_header = "Authorization: Bearer ",
	.prepare = prepare,
	.parse = parse,
};
