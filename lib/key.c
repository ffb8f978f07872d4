/*
 * key.c: API keys from a file or a command's output.  Keys never come
 * from argv, and no message here ever quotes one.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>

#include "aitools.h"

#define KEY_MAX 4096

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

/* Runs cmd with sh -c (as pass(1) or a keyring tool would be run). */
char *
ai_key_from_command(const char *cmd, char *err)
{
	FILE *fp;
	char *key;
	int status, toolong;

	fflush(NULL);
	if ((fp = popen(cmd, "r")) == NULL) {
		snprintf(err, AI_ERRLEN, "key command: %s", strerror(errno));
		return NULL;
	}
	key = first_line(fp, &toolong);
	while (fgetc(fp) != EOF)	/* let the command finish writing */
		;
	status = pclose(fp);
	if (status != 0) {
		snprintf(err, AI_ERRLEN, "key command failed (status %d)",
		    WIFEXITED(status) ? WEXITSTATUS(status) : -1);
		free(key);
		return NULL;
	}
	if (key == NULL)
		snprintf(err, AI_ERRLEN, "key command printed %s", toolong ?
		    "a key longer than 4095 bytes" : "no key");
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
