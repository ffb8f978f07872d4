/* key.c: API keys from a file or a command (lib/key.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "aitools.h"
#include "tap.h"

static char dir[] = "/tmp/aitools-key.XXXXXX";

/* Writes a key file holding exactly s and returns its path. */
static const char *
keyfile(const char *name, const char *s)
{
	static char path[64];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((fp = fopen(path, "w")) == NULL || fputs(s, fp) == EOF ||
	    fclose(fp) == EOF)
		abort();
	return path;
}

static void
file_ok(const char *name, const char *content, const char *want)
{
	char err[AI_ERRLEN] = "";
	char *key;

	key = ai_key_from_file(keyfile(name, content), err);
	is_str(key, want, "key file %s", name);
	is_str(err, "", "key file %s: no error", name);
	free(key);
}

static void
file_bad(const char *name, const char *content)
{
	char err[AI_ERRLEN] = "", want[AI_ERRLEN];
	const char *path = keyfile(name, content);
	char *key;

	snprintf(want, sizeof(want), "key file %s: no key in file", path);
	key = ai_key_from_file(path, err);
	is_str(key, NULL, "key file %s: no key", name);
	is_str(err, want, "key file %s: error", name);
	free(key);
}

static void
test_file(void)
{
	char err[AI_ERRLEN] = "", path[64], want[AI_ERRLEN];
	char *key;

	file_ok("plain", "sk-test\n", "sk-test");
	file_ok("nonl", "sk-test", "sk-test");
	file_ok("crlf", "sk-test\r\n", "sk-test");
	file_ok("spaces", "  \tsk-test \t\n", "sk-test");
	file_ok("twolines", "sk-first\nsk-second\n", "sk-first");
	file_bad("empty", "");
	file_bad("newline", "\n");
	file_bad("blank", "  \t \r\n");
	file_ok("long", "k123456789012345678901234567890\n", "k123456789012345678901234567890");
	snprintf(path, sizeof(path), "%s/missing", dir);
	snprintf(want, sizeof(want), "key file %s: No such file or directory", path);
	key = ai_key_from_file(path, err);
	is_str(key, NULL, "missing key file: NULL");
	is_str(err, want, "missing key file: error names the file");
}

static void
cmd_ok(const char *cmd, const char *want)
{
	char err[AI_ERRLEN] = "";
	char *key;

	key = ai_key_from_command(cmd, err);
	is_str(key, want, "key command `%s`", cmd);
	is_str(err, "", "key command `%s`: no error", cmd);
	free(key);
}

static void
cmd_bad(const char *cmd, const char *want)
{
	char err[AI_ERRLEN] = "";
	char *key;

	key = ai_key_from_command(cmd, err);
	is_str(key, NULL, "key command `%s`: no key", cmd);
	is_str(err, want, "key command `%s`: error", cmd);
	ok(strstr(err, "sk-") == NULL, "key command `%s`: error quotes no key",
	    cmd);
	free(key);
}

static void
test_command(void)
{
	cmd_ok("printf sk-test", "sk-test");
	cmd_ok("printf 'sk-test\\n'", "sk-test");
	cmd_ok("printf '  sk-test  \\r\\n\\nsk-other\\n'", "sk-test");
	/* The command may write on after the key without dying of SIGPIPE. */
	cmd_ok("echo sk-big; head -c 300000 /dev/zero | tr '\\0' x", "sk-big");
	cmd_bad("exit 3", "key command failed (status 3)");
	cmd_bad("printf sk-secret; exit 1", "key command failed (status 1)");
	cmd_bad("printf sk-secret; kill -9 $$",
	    "key command failed (status -1)");
	cmd_bad("true", "key command printed no key");
	cmd_bad("head -c 5000 /dev/zero | tr '\\0' k",
	    "key command printed a key longer than 4095 bytes");
	cmd_bad("printf '\\n\\n'", "key command printed no key");
	cmd_bad("/nonexistent/key-helper 2>/dev/null",
	    "key command failed (status 127)");
}

static void
scrub_is(const char *msg, const char *key, const char *want, const char *what)
{
	char buf[AI_ERRLEN];

	snprintf(buf, sizeof(buf), "%s", msg);
	ai_scrub_secrets(buf, key);
	is_str(buf, want, "scrub: %s", what);
}

static void
test_scrub(void)
{
	char url[AI_ERRLEN];

	scrub_is("Incorrect API key provided: sk-abc123XYZ.", NULL,
	    "Incorrect API key provided: ***",
	    "a key by its prefix, to its end (dots of masked forms too)");
	scrub_is("bad key SK-ABC123XYZ here", NULL, "bad key *** here",
	    "a key echoed in upper case");
	scrub_is("key: mysecretvalue", "MySecretValue", "key: ***",
	    "the key in use, echoed in another case");
	scrub_is("gemini AIzaSyD-xyz_1 refused", NULL, "gemini *** refused",
	    "a Gemini key");
	scrub_is("task-sk-1 is fine", NULL, "task-sk-1 is fine",
	    "sk- inside a word is not a key");
	is_str(ai_url_redact("https://user:pa55@example.com/v1", url,
	    sizeof(url)), "https://***@example.com/v1",
	    "a URL's user and password are redacted");
	is_str(ai_url_redact("https://user:p@ss@example.com/v1", url,
	    sizeof(url)), "https://***@example.com/v1",
	    "a password holding an @ is redacted whole");
	is_str(ai_url_redact("https://example.com/v1?a=b@c", url,
	    sizeof(url)), "https://example.com/v1?a=b@c",
	    "an @ after the host is not userinfo");
	is_str(ai_url_redact("http://x\x1b[2J/", url, sizeof(url)),
	    "http://x\\x1b[2J/", "control characters escaped");
}

int
main(void)
{
	char cmd[300];

	test_scrub();

	if (mkdtemp(dir) == NULL)
		abort();
	test_file();
	test_command();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		diag("could not remove %s", dir);
	return done();
}
