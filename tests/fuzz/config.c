/*
 * config.c: the config file (lib/yaml.c, lib/config.c) and prompt
 * templates (lib/template.c).  The input is read as YAML by ai_yaml_load,
 * then as a config file by ai_config_load, from a file of our own
 * rewritten for each input: both agree on what is not YAML, with the same
 * words; a config that loads holds what config.c promises of it, and each
 * profile's template, checked, expands with a record holding its names.
 * The whole input, cut at a NUL, is also a template as it comes, expanded
 * with and without {{input}} against a small record.
 */
#include <sys/stat.h>

#include <errno.h>
#include <unistd.h>

#include "fuzz.h"

static char path[4096];
static int fd = -1;

static void
unlink_file(void)
{
	unlink(path);
}

/*
 * The file the config is read from, made once in $TMPDIR and rewritten
 * for each input, which it holds alone; mode 600.
 */
static void
write_file(const uint8_t *data, size_t size)
{
	const char *tmp = getenv("TMPDIR");
	size_t off = 0;
	ssize_t n;

	if (fd == -1) {
		snprintf(path, sizeof(path), "%s/aitools-fuzz-config-"
		    "XXXXXX.yaml", tmp != NULL && *tmp != '\0' ? tmp : "/tmp");
		if ((fd = mkstemps(path, 5)) == -1)
			abort();
		atexit(unlink_file);
	}
	if (ftruncate(fd, 0) == -1 || fchmod(fd, 0600) == -1)
		abort();
	while (off < size) {
		n = pwrite(fd, data + off, size - off, (off_t)off);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			abort();
		}
		off += (size_t)n;
	}
}

/*
 * An error: said, within its buffer, and safe to show on a terminal
 * (but a template not checked may put anything in its {{name}}).
 */
static void
said(const char *err, int shown)
{
	size_t i, n = strnlen(err, AI_ERRLEN);

	FUZZ_ASSERT(n > 0 && n < AI_ERRLEN);
	for (i = 0; i < n && shown; i++)
		FUZZ_ASSERT((unsigned char)err[i] >= 0x20 && err[i] != 0x7f);
}

/*
 * Expands t with rec, with and without input: the result, or an error
 * (never, when it must expand); t was checked, or not.
 */
static void
expand(const char *t, const json_t *rec, int checked, int must)
{
	struct ai_buf b = { 0 };
	char err[AI_ERRLEN];
	int rc, i;

	for (i = 0; i < 2; i++) {
		*err = '\0';
		rc = ai_template_expand(&b, t, rec, i ? "hello" : NULL, err);
		if (rc == -1) {
			FUZZ_ASSERT(!must);
			said(err, checked);
			continue;
		}
		FUZZ_ASSERT(rc == 0 && b.data != NULL &&
		    b.data[b.len] == '\0');
		if (strstr(t, "{{") == NULL)
			FUZZ_ASSERT(strcmp(b.data, t) == 0);
	}
	ai_buf_free(&b);
}

/*
 * A checked template expands once the record has every name it may hold:
 * each run of letters, digits and _ in it.
 */
static void
template_names(const char *t)
{
	static const char word[] = "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_";
	json_t *rec = json_object();
	const char *s;
	char *name;
	size_t n;

	FUZZ_ASSERT(rec != NULL);
	for (s = t; *s != '\0'; s += n > 0 ? n : 1)
		if ((n = strspn(s, word)) > 0) {
			FUZZ_ASSERT((name = strndup(s, n)) != NULL);
			FUZZ_ASSERT(json_object_set_new(rec, name,
			    json_string("v")) == 0);
			free(name);
		}
	expand(t, rec, 1, 1);
	json_decref(rec);
}

/* What a loaded config promises. */
static void
loaded(const struct ai_config *cf)
{
	const struct ai_profile *p;
	char err[AI_ERRLEN], where[300];
	size_t i;

	FUZZ_ASSERT(cf->root != NULL && cf->where != NULL);
	for (i = 0; i < cf->nproviders; i++) {
		FUZZ_ASSERT(cf->providers[i].api != NULL);
		FUZZ_ASSERT(ai_config_provider(cf, cf->providers[i].name) ==
		    &cf->providers[i]);
	}
	for (i = 0; i < cf->nprofiles; i++) {
		p = &cf->profiles[i];
		FUZZ_ASSERT(p->name != NULL && *p->name != '\0');
		/* Found by name: the first ones and the last (a search). */
		if (i < 64 || i + 1 == cf->nprofiles)
			FUZZ_ASSERT(ai_config_profile(cf, p->name, err) == p);
		FUZZ_ASSERT(p->nrates >= 0 && p->nrates <= AI_MAX_RATES);
		FUZZ_ASSERT(p->timeout_ms == -1 || p->timeout_ms >= 1);
		FUZZ_ASSERT(p->cache_ttl_ms == -1 || p->cache_ttl_ms >= 1);
		FUZZ_ASSERT(p->provider == NULL || p->provider->api != NULL);
		(void)ai_config_where(cf, p, "name", where, sizeof(where));
		if (p->template != NULL) {
			template_names(p->template);
			expand(p->template, NULL, 1, 0);
		}
	}
	FUZZ_ASSERT(ai_config_profile(cf, "no such profile", err) == NULL);
	said(err, 1);
	(void)ai_config_where(cf, NULL, "service", where, sizeof(where));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ai_config *cf;
	json_t *root, *where, *rec;
	char err[AI_ERRLEN], cerr[AI_ERRLEN], *t;
	int rc;

	write_file(data, size);
	*err = '\0';
	rc = ai_yaml_load((const char *)data, size, path, &root, &where, err);
	if (rc == 0)
		FUZZ_ASSERT(root != NULL && json_is_object(where));
	else {
		FUZZ_ASSERT(rc == -1 && root == NULL && where == NULL);
		said(err, 1);
	}
	*cerr = '\0';
	if ((cf = ai_config_load(path, cerr)) != NULL) {
		FUZZ_ASSERT(rc == 0);
		loaded(cf);
		if (cf->secret_at[0] != '\0') {	/* refused once others read */
			ai_config_free(cf);
			FUZZ_ASSERT(fchmod(fd, 0644) == 0);
			FUZZ_ASSERT((cf = ai_config_load(path, cerr)) == NULL);
			FUZZ_ASSERT(strstr(cerr, "holds an API key in "
			    "clear") != NULL);
		}
	} else {
		said(cerr, 1);
		FUZZ_ASSERT(rc == 0 || size > 1 << 20 ||
		    strcmp(err, cerr) == 0);
	}
	ai_config_free(cf);
	json_decref(root);
	json_decref(where);

	t = fuzz_str(data, size);
	rec = json_pack("{s:s, s:i, s:[i, {s:n}], s:s%, s:n, s:s}", "lang",
	    "French", "n", 3, "list", 1, "a", "nul", "a\0b", (size_t)3,
	    "none", "prompt", "p");
	FUZZ_ASSERT(rec != NULL);
	expand(t, rec, 0, 0);
	free(t);
	json_decref(rec);
	return 0;
}
