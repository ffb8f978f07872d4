/*
 * dbfile.c: the SQLite files of the tools (usage log, cache) hold what
 * users asked and paid for: they are created private, 0600 in 0700
 * directories, before SQLite opens them, whatever the umask.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
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

#define BUSY_MS		30000	/* wait this long for another's lock */

/*
 * Opens the database at path, waiting out other processes' locks.  *db
 * is set even on failure, for sqlite3_errmsg(); close it.  Returns an
 * SQLite result code.
 */
int
ai_db_open(const char *path, int readonly, struct sqlite3 **db)
{
	int rc;

	rc = sqlite3_open_v2(path, db, readonly ? SQLITE_OPEN_READONLY :
	    SQLITE_OPEN_READWRITE, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_busy_timeout(*db, BUSY_MS);
	return rc;
}

/*
 * Makes a database shareable by many processes at once: write-ahead
 * logging, so readers never wait for a writer, and no fsync at every
 * commit, only at checkpoints.  Processes that open a new file together
 * (xargs -P, gates started at once) race to switch it to WAL, and the
 * loser may be told "database is locked" at once, whatever the busy
 * timeout: it tries again, for as long as a lock is waited for.
 */
int
ai_db_share(struct sqlite3 *db)
{
	struct timespec ts = { 0, 10 * 1000000 };
	int rc, waited_ms = 0;

	while ((rc = sqlite3_exec(db, "PRAGMA journal_mode=WAL;", NULL, NULL,
	    NULL)) == SQLITE_BUSY && waited_ms < BUSY_MS) {
		nanosleep(&ts, NULL);
		waited_ms += 10;
	}
	if (rc != SQLITE_OK)
		return rc;
	return sqlite3_exec(db, "PRAGMA synchronous=NORMAL;", NULL, NULL,
	    NULL);
}

/* Whether table has the column: a file of an older version may not. */
int
ai_db_has_column(struct sqlite3 *db, const char *table, const char *col,
    size_t len)
{
	sqlite3_stmt *st;
	int have;

	if (sqlite3_prepare_v2(db, "SELECT 1 FROM pragma_table_info(?1)"
	    " WHERE name = ?2", -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(st, 1, table, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, col, (int)len, SQLITE_STATIC);
	switch (sqlite3_step(st)) {
	case SQLITE_ROW:	have = 1; break;
	case SQLITE_DONE:	have = 0; break;
	default:		have = -1; break;
	}
	sqlite3_finalize(st);
	return have;
}

/*
 * Adds to table the columns ("name TYPE") it lacks: a file made by an
 * older version gains what the newer one writes.  Call it inside the
 * transaction that makes the schema, so two processes do not both add.
 */
int
ai_db_add_columns(struct sqlite3 *db, const char *table,
    const char *const *cols)
{
	char sql[256];
	int have, rc = SQLITE_OK;

	for (; rc == SQLITE_OK && *cols != NULL; cols++) {
		if ((have = ai_db_has_column(db, table, *cols,
		    strcspn(*cols, " "))) == -1)
			return sqlite3_errcode(db);
		if (!have) {
			snprintf(sql, sizeof(sql), "ALTER TABLE %s ADD COLUMN %s",
			    table, *cols);
			rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
		}
	}
	return rc;
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
	int r;

	if (env != NULL && *env != '\0')
		return strdup(env);
	if ((env = getenv(xdg_env)) != NULL && *env == '/')
		r = ai_buf_puts(&b, env);
	else if ((home = getenv("HOME")) != NULL && *home != '\0')
		r = ai_buf_printf(&b, "%s/%s", home, home_dir);
	else
		return NULL;
	if (r == -1 || ai_buf_puts(&b, "/") == -1 ||
	    ai_buf_puts(&b, tail) == -1) {
		ai_buf_free(&b);
		return NULL;
	}
	return b.data;
}
