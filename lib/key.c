/*
 * key.c: API keys from a file or a command's output.  Keys never come
 * from argv, and no message here ever quotes one.
 */
#include <sys/wait.h>

#include <ctype.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "aitools.h"

#define KEY_MAX 4096
#define KEY_OUT_MAX	65536	/* a key command's output kept */
#define KEY_DRAIN_MAX	(16 << 20)	/* and all of it, at most */
#ifndef KEY_CMD_SECS
#define KEY_CMD_SECS	60	/* its time, at most */
#endif

extern char **environ;

/*
 * Reads the first line of fp, trimmed of surrounding white space.  A line
 * too long to be a key is refused rather than cut.
 */
static char *
first_line(FILE *fp, int *toolong)
{
	char buf[KEY_MAX], *s, *e;

	*toolong = 0;
	if (fgets(buf, sizeof(buf), fp) == NULL)
		return NULL;
	if (strchr(buf, '\n') == NULL && !feof(fp)) {
		*toolong = 1;
		explicit_bzero(buf, sizeof(buf));
		return NULL;
	}
	for (s = buf; *s == ' ' || *s == '\t'; s++)
		;
	e = s + strlen(s);
	while (e > s && strchr(" \t\r\n", e[-1]) != NULL)
		e--;
	*e = '\0';
	s = *s != '\0' ? strdup(s) : NULL;
	explicit_bzero(buf, sizeof(buf));
	return s;
}

char *
ai_key_from_file(const char *path, char *err)
{
	FILE *fp;
	char *key;
	int toolong;

	if ((fp = fopen(path, "r")) == NULL) {
		snprintf(err, AI_ERRLEN, "key file %s: %s", path,
		    strerror(errno));
		return NULL;
	}
	key = first_line(fp, &toolong);
	fclose(fp);
	if (key == NULL)
		snprintf(err, AI_ERRLEN, "key file %s: %s", path, toolong ?
		    "key longer than 4095 bytes" : "no key in file");
	return key;
}

/*
 * The output of sh -c cmd, its first KEY_OUT_MAX bytes into out, for at
 * most KEY_CMD_SECS seconds and KEY_DRAIN_MAX bytes: a command that waits
 * for ever (a pinentry with no terminal, under cron) or writes without
 * end (yes) is killed and said, not waited for.  Returns its wait status,
 * or -1.
 */
static int
run_bounded(const char *cmd, char *out, size_t *len, char *err)
{
	char *argv[] = { "sh", "-c", (char *)cmd, NULL };
	posix_spawn_file_actions_t fa;
	int64_t end = ai_mono_us() + KEY_CMD_SECS * 1000000LL, left;
	struct pollfd pfd;
	int fds[2], status, rc;
	const char *why = NULL;
	char sink[4096];
	size_t total = 0;
	ssize_t n;
	pid_t pid;

	*len = 0;
	if (pipe(fds) == -1 || posix_spawn_file_actions_init(&fa) != 0) {
		snprintf(err, AI_ERRLEN, "key command: %s", strerror(errno));
		return -1;
	}
	posix_spawn_file_actions_adddup2(&fa, fds[1], STDOUT_FILENO);
	posix_spawn_file_actions_addclose(&fa, fds[0]);
	posix_spawn_file_actions_addclose(&fa, fds[1]);
	rc = posix_spawn(&pid, "/bin/sh", &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(fds[1]);
	if (rc != 0) {
		close(fds[0]);
		snprintf(err, AI_ERRLEN, "key command: %s", strerror(rc));
		return -1;
	}
	pfd = (struct pollfd){ .fd = fds[0], .events = POLLIN };
	for (;;) {
		left = (end - ai_mono_us()) / 1000;
		if (left <= 0 || (rc = poll(&pfd, 1, (int)left)) == 0) {
			why = "did not finish in time";
			break;
		}
		if (rc == -1 && errno == EINTR)
			continue;
		if (rc == -1 || (n = read(fds[0], *len < KEY_OUT_MAX ? out +
		    *len : sink, *len < KEY_OUT_MAX ? KEY_OUT_MAX - *len :
		    sizeof(sink))) == 0)
			break;
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			break;
		/* Past the key's room, read and dropped, up to a bound. */
		if (*len < KEY_OUT_MAX)
			*len += (size_t)n;
		else if ((total += (size_t)n) > KEY_DRAIN_MAX) {
			why = "printed more than a key could be";
			break;
		}
	}
	close(fds[0]);
	if (why != NULL)
		kill(pid, SIGKILL);
	while (waitpid(pid, &status, 0) == -1)
		if (errno != EINTR) {
			status = -1;
			break;
		}
	if (why != NULL) {
		snprintf(err, AI_ERRLEN, "key command %s (%d seconds, %d MiB "
		    "at most): killed", why, KEY_CMD_SECS, KEY_DRAIN_MAX >> 20);
		return -1;
	}
	return status;
}

/* Runs cmd with sh -c (as pass(1) or a keyring tool would be run). */
char *
ai_key_from_command(const char *cmd, char *err)
{
	char out[KEY_OUT_MAX];
	FILE *fp;
	char *key = NULL;
	size_t len;
	int status, toolong = 0;

	fflush(NULL);
	if ((status = run_bounded(cmd, out, &len, err)) == -1)
		goto out;
	if (status != 0) {
		snprintf(err, AI_ERRLEN, "key command failed (status %d)",
		    WIFEXITED(status) ? WEXITSTATUS(status) : -1);
		goto out;
	}
	if (len > 0 && (fp = fmemopen(out, len, "r")) != NULL) {
		key = first_line(fp, &toolong);
		fclose(fp);
	}
	if (key == NULL)
		snprintf(err, AI_ERRLEN, "key command printed %s", toolong ?
		    "a key longer than 4095 bytes" : "no key");
out:
	explicit_bzero(out, sizeof(out));
	return key;
}

static int
key_char(int c)
{
	return isalnum(c) || c == '-' || c == '_' || c == '*' || c == '.';
}

/* Where s holds word, whatever the case, or NULL. */
static char *
find_nocase(char *s, const char *word)
{
	size_t n = strlen(word);

	for (; *s != '\0'; s++)
		if (strncasecmp(s, word, n) == 0)
			return s;
	return NULL;
}

/* Replaces s up to e with "***". */
static void
mask(char *s, char *e)
{
	memmove(s + 3, e, strlen(e) + 1);
	memcpy(s, "***", 3);
}

/*
 * Masks, in the message msg, the key in use (when not NULL), and
 * anything that looks like an API key of a provider of the table ("sk-",
 * "AIza"...: "Incorrect API key provided: sk-ab***yz"), whatever its
 * case, so that no key, whole or in part, reaches a record, a log or the
 * terminal.
 */
void
ai_scrub_secrets(char *msg, const char *key)
{
	const struct ai_provider *p;
	const char *const *pre;
	char *s, *e;
	size_t i, n;

	if (key != NULL && (n = strlen(key)) >= 4)
		while ((s = find_nocase(msg, key)) != NULL)
			mask(s, s + n);
	for (i = 0; (p = ai_provider_at(i)) != NULL; i++)
		for (pre = p->key_prefixes; pre != NULL && *pre != NULL; pre++)
			for (s = msg; (s = find_nocase(s, *pre)) != NULL;
			    s = e) {
				e = s + strlen(*pre);
				if (s > msg && key_char((unsigned char)s[-1]))
					continue;
				while (key_char((unsigned char)*e))
					e++;
				mask(s, e);
				e = s + 3;
			}
}

/*
 * The key of provider conf c, from where the config file says (api_key,
 * key_file, key_command, key_env), else from its wire format's variable
 * (OPENAI_API_KEY...).  NULL with err empty: none is set; NULL with err
 * set: the file or command failed.
 */
char *
ai_key_load(const struct ai_provider_conf *c, char *err)
{
	const char *env;
	char *key;

	*err = '\0';
	if (c->api_key != NULL)
		return (key = strdup(c->api_key)) != NULL ? key :
		    (ai_errf(err, "out of memory"), NULL);
	if (c->key_file != NULL)
		return ai_key_from_file(c->key_file, err);
	if (c->key_command != NULL)
		return ai_key_from_command(c->key_command, err);
	if (c->key_env == NULL && c->own)
		return NULL;	/* never another provider's key */
	env = getenv(c->key_env != NULL ? c->key_env : c->api->key_env);
	if (env == NULL || *env == '\0')
		return NULL;
	return (key = strdup(env)) != NULL ? key : (ai_errf(err,
	    "out of memory"), NULL);
}

/* Where c's key comes from, for messages: "$GROQ_API_KEY", "key_file F". */
const char *
ai_key_origin(const struct ai_provider_conf *c, char *buf, size_t size)
{
	if (c->api_key != NULL)
		snprintf(buf, size, "api_key (in the config file)");
	else if (c->key_file != NULL)
		snprintf(buf, size, "key_file %s", c->key_file);
	else if (c->key_command != NULL)
		snprintf(buf, size, "key_command");
	else if (c->key_env == NULL && c->own)
		snprintf(buf, size, "no key_env, key_file, key_command or "
		    "api_key");
	else
		snprintf(buf, size, "$%s", c->key_env != NULL ? c->key_env :
		    c->api->key_env);
	return buf;
}

/*
 * Whether a header's (or a URL query argument's) value is a secret, by
 * its name: Authorization,
 * Cookie, and any name holding "key", "token", "secret" or "auth"
 * (x-api-key, api-key, x-goog-api-key...).  Such values are masked
 * wherever they are shown, and make a config file holding them private.
 */
int
ai_header_secret(const char *name)
{
	static const char *const words[] = { "key", "token", "secret", "auth",
	    "cookie", "password" };
	char low[128];
	size_t i;

	for (i = 0; name[i] != '\0' && i < sizeof(low) - 1; i++)
		low[i] = (char)tolower((unsigned char)name[i]);
	low[i] = '\0';
	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (strstr(low, words[i]) != NULL)
			return 1;
	return 0;
}
