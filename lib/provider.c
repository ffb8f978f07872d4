/*
 * provider.c: the table of wire formats.  A provider turns the common
 * chat-completion request into its own (prepare) and its answer back into
 * a chat.completion with usage, or a stable error code (parse).
 */
#include <stdio.h>
#include <string.h>

#include "aitools.h"

static const struct ai_provider *const providers[] = {
	&ai_openai,
	&ai_anthropic,
	NULL
};

/* The i-th provider of the table, or NULL past its end. */
const struct ai_provider *
ai_provider_at(size_t i)
{
	return i < sizeof(providers) / sizeof(providers[0]) ? providers[i] :
	    NULL;
}

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
 * The provider a model name implies, by the prefixes of the table
 * (claude-* is Anthropic's).  Any other name (gpt-*, o3-mini, and the
 * models of Ollama, vLLM and the like) goes to the first provider, the
 * OpenAI wire format, which most servers speak.
 */
const struct ai_provider *
ai_provider_for_model(const char *model)
{
	const char *const *pre;
	size_t i;

	for (i = 0; model != NULL && providers[i] != NULL; i++)
		for (pre = providers[i]->model_prefixes; pre != NULL &&
		    *pre != NULL; pre++)
			if (strncmp(model, *pre, strlen(*pre)) == 0)
				return providers[i];
	return providers[0];
}

/*
 * The provider whose own request form the record holds, by the member
 * that carries it (Anthropic's Message Batches "params"), or NULL.
 */
const struct ai_provider *
ai_provider_of_record(const json_t *rec)
{
	size_t i;

	for (i = 0; providers[i] != NULL; i++)
		if (providers[i]->native_key != NULL &&
		    json_object_get(rec, providers[i]->native_key) != NULL)
			return providers[i];
	return NULL;
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
