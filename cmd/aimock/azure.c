/*
 * azure.c: Azure OpenAI's chat completions, POST
 * /openai/deployments/NAME/chat/completions?api-version=VERSION: the
 * OpenAI wire format, on a path that names the deployment, whose bodies
 * need not name a model, and whose version is in the query.
 */
#include <ctype.h>
#include <string.h>

#include "aimock.h"

/*
 * Whether v has the shape of Azure's API versions, 2024-10-21 or
 * 2025-04-01-preview.  Azure answers others as it answers none, 404.
 */
static int
api_version_ok(const char *v)
{
	static const char shape[] = "dddd-dd-dd";
	size_t i;

	for (i = 0; shape[i] != '\0'; i++)
		if (shape[i] == 'd' ? !isdigit((unsigned char)v[i]) :
		    v[i] != shape[i])
			return 0;
	return v[i] == '\0' || strcmp(v + i, "-preview") == 0;
}

/*
 * Checks the API version, then parses the body as OpenAI's; the
 * deployment is the model unless the body names one.
 */
void
azure_parse(struct mockreq *mr)
{
	const char *v;

	v = MHD_lookup_connection_value(mr->conn, MHD_GET_ARGUMENT_KIND,
	    "api-version");
	if (v == NULL || !api_version_ok(v)) {
		reject(mr, 404, "404", "Resource not found");
		return;
	}
	mr->model = mr->name;
	openai_parse(mr);
}

/*
 * A missing API version, the one 404 of this route's own, gets Azure's
 * bare body; the rest are as OpenAI's, as Azure's mostly are.
 */
json_t *
azure_error(struct mockreq *mr)
{
	if (mr->err_status == 404)
		return json_pack("{s:{s:s,s:s}}", "error", "code",
		    mr->err_code, "message", mr->err_msg);
	return openai_error(mr);
}
