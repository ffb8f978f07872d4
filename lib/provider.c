/*
 * provider.c: the table of wire formats.  A provider turns the common
 * chat-completion request into its own (prepare) and its answer back into
 * a chat.completion with usage, or a stable error code (parse).
 */
#include <string.h>

#include "aitools.h"

static const struct ai_provider *const providers[] = {
	&ai_openai,
	&ai_anthropic,
	NULL
};

const struct ai_provider *
ai_provider_find(const char *name)
{
	size_t i;

	for (i = 0; providers[i] != NULL; i++)
		if (strcmp(providers[i]->name, name) == 0)
			return providers[i];
	return NULL;
}

/*
 * The provider a model name implies: claude-* is Anthropic's.  Any other
 * name (gpt-*, o1, o3-mini, and the models of Ollama, vLLM and the like)
 * goes to the OpenAI wire format, which most servers speak.
 */
const struct ai_provider *
ai_provider_for_model(const char *model)
{
	if (model != NULL && strncmp(model, "claude-", 7) == 0)
		return &ai_anthropic;
	return &ai_openai;
}

void
ai_call_free(struct ai_call *c)
{
	ai_buf_free(&c->url);
	ai_buf_free(&c->payload);
}

void
ai_result_free(struct ai_result *r)
{
	json_decref(r->body);
	r->body = NULL;
}
