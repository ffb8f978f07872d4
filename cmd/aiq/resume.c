/*
 * resume.c: the answers of an earlier run, so that a run cut short (a
 * cron job killed at 3 a.m.) is finished by one command:
 *
 *	aiq -J --resume out.jsonl < in.jsonl > new.jsonl
 *
 * (--resume may be given more than once: a resumed run cut short is
 * finished with its own --resume files and its output.)
 * Every record of out.jsonl that has a response is found by its
 * custom_id, or by its input line (aitools.line) when it has none, and
 * by the request it answered (aitools.key): an input record that makes
 * the same request under the same id is passed through as that answer,
 * the others are sent.  So a custom_id used twice, or lines that moved,
 * never get another record's answer.  Only the hash of each id and key
 * and where its line is are kept, so memory is a few bytes a record,
 * whatever their size; a line found is read again, and checked, when its
 * input record comes.
 */
#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "aiq.h"

#define MAX_FILES	16

struct entry {
	uint64_t	 hash;		/* 0: a free slot */
	off_t		 off;
	size_t		 len;
	int		 file;
};

struct resume {
	FILE		*fp[MAX_FILES];
	int		 nfp;
	long		 answers;	/* records with a response */
	long		 keyless;	/* of them, without aitools.key */
	struct entry	*v;		/* open addressing */
	size_t		 n, cap;
	char		*line;		/* a line read again */
	size_t		 linecap;
};

/* FNV-1a of the strings, each ended, made non-zero. */
static uint64_t
hash(const char *kind, const char *id, const char *key)
{
	const char *v[3] = { kind, id, key };
	uint64_t h = 0xcbf29ce484222325ULL;
	const char *s;
	int i;

	for (i = 0; i < 3; i++) {
		for (s = v[i]; *s != '\0'; s++)
			h = (h ^ (unsigned char)*s) * 0x100000001b3ULL;
		h = (h ^ 0xff) * 0x100000001b3ULL;
	}
	return h | 1;
}

/*
 * What a record is matched by: its custom_id, else its line, and the key
 * of its request.
 */
static uint64_t
id_of(const json_t *rec, long line, const char *key)
{
	const json_t *c = json_object_get(rec, "custom_id");
	char num[32];

	if (json_is_string(c))
		return hash("c", json_string_value(c), key);
	if (json_is_integer(c)) {
		snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT,
		    json_integer_value(c));
		return hash("c", num, key);
	}
	snprintf(num, sizeof(num), "%ld", line);
	return hash("l", num, key);
}

/* The key of the request an earlier record answered, or NULL. */
static const char *
key_of(const json_t *rec)
{
	int bad;

	return ai_record_key(rec, &bad);
}

static int
grow(struct resume *rs)
{
	struct entry *old = rs->v;
	size_t i, j, cap = rs->cap ? rs->cap * 2 : 4096;

	if ((rs->v = calloc(cap, sizeof(*rs->v))) == NULL) {
		rs->v = old;
		return -1;
	}
	for (i = 0; i < rs->cap; i++)
		if (old[i].hash != 0) {
			for (j = old[i].hash & (cap - 1); rs->v[j].hash != 0;
			    j = (j + 1) & (cap - 1))
				;
			rs->v[j] = old[i];
		}
	free(old);
	rs->cap = cap;
	return 0;
}

static int
add(struct resume *rs, uint64_t h, off_t off, size_t len, int file)
{
	size_t j;

	if (rs->n * 2 >= rs->cap && grow(rs) == -1)
		return -1;
	for (j = h & (rs->cap - 1); rs->v[j].hash != 0;
	    j = (j + 1) & (rs->cap - 1))
		if (rs->v[j].hash == h)
			return 0;	/* the first answer of an id stands */
	rs->v[j] = (struct entry){ h, off, len, file };
	rs->n++;
	return 0;
}

/* The line of an answered record's id, from aitools.line. */
static long
line_of(const json_t *rec)
{
	return (long)json_integer_value(json_object_get(json_object_get(rec,
	    "aitools"), "line"));
}

/* Reads an earlier output, keeping where each answer is. */
static int
index_file(struct resume *rs, FILE *fp, char *err)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	off_t off = 0;
	json_t *rec;
	int r = 0;

	while (r == 0 && (len = getline(&line, &cap, fp)) != -1) {
		rec = json_loadb(line, (size_t)len, 0, NULL);
		if (json_is_object(json_object_get(rec, "response"))) {
			rs->answers++;
			if (key_of(rec) == NULL)
				rs->keyless++;
			else
				r = add(rs, id_of(rec, line_of(rec),
				    key_of(rec)), off, (size_t)len, rs->nfp);
		}
		json_decref(rec);
		off += len;
	}
	free(line);
	if (r == -1 || ferror(fp)) {
		snprintf(err, AI_ERRLEN, "%s", r == -1 ? "out of memory" :
		    strerror(errno));
		return -1;
	}
	return 0;
}

struct resume *
resume_new(void)
{
	return calloc(1, sizeof(struct resume));
}

/*
 * Adds the answers of the file at path.  It is read again as the records
 * it answers come, so it must be a regular file, not a pipe.
 */
int
resume_add(struct resume *rs, const char *path, char *err)
{
	struct stat sb;
	FILE *fp;

	if (rs->nfp == MAX_FILES) {
		snprintf(err, AI_ERRLEN, "more than %d files", MAX_FILES);
		return -1;
	}
	if ((fp = fopen(path, "r")) == NULL) {
		snprintf(err, AI_ERRLEN, "%s", strerror(errno));
		return -1;
	}
	if (fstat(fileno(fp), &sb) == -1 || !S_ISREG(sb.st_mode)) {
		snprintf(err, AI_ERRLEN, "not a regular file: it is read again "
		    "as its records come (save a pipe's output to a file)");
		fclose(fp);
		return -1;
	}
	if (index_file(rs, fp, err) == -1) {
		fclose(fp);
		return -1;
	}
	rs->fp[rs->nfp++] = fp;
	return 0;
}

/* How many answers the files hold, and of them how many have no key. */
void
resume_counts(const struct resume *rs, long *answers, long *keyless)
{
	*answers = rs->answers;
	*keyless = rs->keyless;
}

/*
 * Appends to out the earlier answer of the input record rec (read at
 * line), whose request has the cache key key: 1 when there is one, 0
 * when not, -1 when out of memory.
 */
int
resume_find(struct resume *rs, const json_t *rec, long line, const char *key,
    struct ai_buf *out)
{
	uint64_t h = id_of(rec, line, key);
	const struct entry *e;
	json_t *old;
	char *p;
	size_t j;
	int same;

	if (rs->cap == 0)
		return 0;
	for (j = h & (rs->cap - 1); rs->v[j].hash != h; j = (j + 1) &
	    (rs->cap - 1))
		if (rs->v[j].hash == 0)
			return 0;
	e = &rs->v[j];
	if (e->len > rs->linecap) {
		if ((p = realloc(rs->line, e->len)) == NULL)
			return -1;
		rs->line = p;
		rs->linecap = e->len;
	}
	if (pread(fileno(rs->fp[e->file]), rs->line, e->len, e->off) !=
	    (ssize_t)e->len)
		return 0;	/* the file changed under us */
	old = json_loadb(rs->line, e->len, 0, NULL);
	same = old != NULL && key_of(old) != NULL &&
	    strcmp(key_of(old), key) == 0 && id_of(old, line_of(old), key) == h;
	json_decref(old);
	if (!same)
		return 0;
	if (ai_buf_append(out, rs->line, e->len) == -1 ||
	    (rs->line[e->len - 1] != '\n' && ai_buf_append(out, "\n", 1) == -1))
		return -1;
	return 1;
}

void
resume_close(struct resume *rs)
{
	if (rs == NULL)
		return;
	while (rs->nfp > 0)
		fclose(rs->fp[--rs->nfp]);
	free(rs->v);
	free(rs->line);
	free(rs);
}
