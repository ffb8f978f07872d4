/*
 * key.c: API keys from a file or a command's output.  Keys never come
 * from argv, and no message here ever quotes one.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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
