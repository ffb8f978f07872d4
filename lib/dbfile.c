/*
 * dbfile.c: the SQLite files of the tools (usage log, cache) hold what
 * users asked and paid for: they are created private, 0600 in 0700
 * directories, before SQLite opens them, whatever the umask.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "aitools.h"

/* Creates the missing directories of path, mode 0700, like mkdir -p. */
static int
make_parents(const char *path)
{
	char *p, *s;
	int r = 0;

	if ((p = strdup(path)) == NULL)
		return -1;
	for (s = p + 1; r == 0 && (s = strchr(s, '/')) != NULL; s++) {
		*s = '\0';
		if (mkdir(p, 0700) == -1 && errno != EEXIST)
			r = -1;
		*s = '/';
	}
	free(p);
	return r;
}

int
ai_db_create_private(const char *path, char *err)
{
	int fd;

	if (make_parents(path) == -1 ||
	    (fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) == -1) {
		snprintf(err, AI_ERRLEN, "%s: %s", path, strerror(errno));
		return -1;
	}
	close(fd);
	return 0;
}

/*
 * A file under the user's XDG directory: $var_env if set, else
 * $xdg_env/tail if absolute, else $HOME/home_dir/tail.  NULL when there
 * is no home.
 */
char *
ai_db_default_path(const char *var_env, const char *xdg_env,
    const char *home_dir, const char *tail)
{
	const char *env = getenv(var_env), *home;
	struct ai_buf b = { 0 };

	if (env != NULL && *env != '\0')
		return strdup(env);
	if ((env = getenv(xdg_env)) != NULL && *env == '/')
		ai_buf_puts(&b, env);
	else if ((home = getenv("HOME")) != NULL && *home != '\0') {
		ai_buf_puts(&b, home);
		ai_buf_puts(&b, "/");
		ai_buf_puts(&b, home_dir);
	} else
		return NULL;
	if (ai_buf_puts(&b, "/") == -1 || ai_buf_puts(&b, tail) == -1) {
		ai_buf_free(&b);
		return NULL;
	}
	return b.data;
}
