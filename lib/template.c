/*
 * template.c: a profile's prompt template made a prompt.  {{input}} is
 * the prompt given (stdin, a line, a record's "prompt"); {{name}} is the
 * record's field of that name, strings as they are and other values as
 * JSON.  A name the record lacks is an error, never an empty hole.
 * config.c has checked the template's shape.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aitools.h"

/* The value of {{name}}, appended to out. */
static int
value(struct ai_buf *out, const char *name, const json_t *rec,
    const char *input, char *err)
{
	const json_t *v = json_object_get(rec, name);
	char *s;
	int rc;

	if (strcmp(name, "input") == 0 && input != NULL)
		return ai_buf_puts(out, input);
	if (v == NULL || json_is_null(v)) {
		snprintf(err, AI_ERRLEN, "the template's {{%s}} has no value: "
		    "the record has no \"%s\"%s", name, name,
		    strcmp(name, "input") == 0 ? " nor \"prompt\"" : "");
		return -1;
	}
	if (json_is_string(v))
		return ai_buf_append(out, json_string_value(v),
		    json_string_length(v));
	if ((s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY)) == NULL)
		return -1;
	rc = ai_buf_puts(out, s);
	free(s);
	return rc;
}

/*
 * Expands template t into out (reset first) with the fields of rec (NULL
 * for none) and input (NULL when none was given).
 */
int
ai_template_expand(struct ai_buf *out, const char *t, const json_t *rec,
    const char *input, char *err)
{
	const char *s, *e;
	char *name;
	size_t n;
	int rc;

	*err = '\0';
	ai_buf_reset(out);
	for (; (s = strstr(t, "{{")) != NULL; t = e + 2) {
		if ((e = strstr(s + 2, "}}")) == NULL)
			break;
		if (ai_buf_append(out, t, (size_t)(s - t)) == -1)
			goto oom;
		s += 2 + strspn(s + 2, " ");
		n = strcspn(s, " }");
		if ((name = strndup(s, n)) == NULL)	/* however long */
			goto oom;
		rc = value(out, name, rec, input, err);
		free(name);
		if (rc == -1)
			return *err != '\0' ? -1 : (snprintf(err, AI_ERRLEN,
			    "out of memory"), -1);
	}
	if (ai_buf_puts(out, t) == -1 || ai_buf_append(out, "", 1) == -1)
		goto oom;
	out->len--;
	return 0;
oom:
	snprintf(err, AI_ERRLEN, "out of memory");
	return -1;
}

/*
 * The names the template t holds, each in turn: *t moves past the
 * {{name}} found, whose name goes to name.  Returns 0 when none is left.
 */
static int
next_name(const char **t, char name[72])
{
	const char *s, *e;
	size_t n;

	if ((s = strstr(*t, "{{")) == NULL || (e = strstr(s + 2, "}}")) ==
	    NULL)
		return 0;
	s += 2 + strspn(s + 2, " ");
	n = strcspn(s, " }");
	snprintf(name, 72, "%.*s", (int)n, s);
	*t = e + 2;
	return 1;
}

/* Whether template t holds {{name}}. */
int
ai_template_has(const char *t, const char *name)
{
	char got[72];

	while (next_name(&t, got))
		if (strcmp(got, name) == 0)
			return 1;
	return 0;
}

/*
 * The first field of a record template t names ({{name}} but {{input}}),
 * into buf, or NULL: a template that needs one needs records (-J).
 */
const char *
ai_template_field(const char *t, char *buf, size_t size)
{
	char got[72];

	while (next_name(&t, got))
		if (strcmp(got, "input") != 0) {
			snprintf(buf, size, "%s", got);
			return buf;
		}
	return NULL;
}
