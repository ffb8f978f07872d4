/*
 * replay.c: a main() for a harness without libFuzzer.  Runs
 * LLVMFuzzerTestOneInput once on each file named, or on each file of a
 * directory named, each in a buffer of exactly its size so that the
 * sanitizers see any read past its end.  make check replays the corpora
 * this way: a crash once found and fixed stays fixed.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

static int
run_file(const char *path)
{
	FILE *f;
	uint8_t *buf = NULL, *p;
	size_t len = 0, cap = 0, n;

	if ((f = fopen(path, "rb")) == NULL) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		return -1;
	}
	for (;;) {
		if (len == cap) {
			cap = cap ? 2 * cap : 4096;
			if ((p = realloc(buf, cap)) == NULL)
				abort();
			buf = p;
		}
		if ((n = fread(buf + len, 1, cap - len, f)) == 0)
			break;
		len += n;
	}
	if (ferror(f)) {
		fprintf(stderr, "replay: %s: read error\n", path);
		fclose(f);
		free(buf);
		return -1;
	}
	fclose(f);
	if ((p = malloc(len ? len : 1)) == NULL)	/* exactly its size */
		abort();
	memcpy(p, buf, len);
	free(buf);
	LLVMFuzzerTestOneInput(p, len);
	free(p);
	return 0;
}

static int
by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The files of a directory, in name order, skipping dot files. */
static int
run_dir(const char *dir, long *count)
{
	DIR *d;
	struct dirent *e;
	char **names = NULL, **v, path[4096];
	size_t n = 0, i;
	int rc = 0;

	if ((d = opendir(dir)) == NULL) {
		fprintf(stderr, "replay: %s: %s\n", dir, strerror(errno));
		return -1;
	}
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		if ((v = realloc(names, (n + 1) * sizeof(*names))) == NULL ||
		    (v[n] = strdup(e->d_name)) == NULL)
			abort();
		names = v;
		n++;
	}
	closedir(d);
	if (n > 0)
		qsort(names, n, sizeof(*names), by_name);
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		if (rc == 0 && (rc = run_file(path)) == 0)
			++*count;
		free(names[i]);
	}
	free(names);
	return rc;
}

int
main(int argc, char **argv)
{
	struct stat st;
	long count = 0;
	int i, rc = 0;

	for (i = 1; i < argc && rc == 0; i++) {
		if (stat(argv[i], &st) == -1) {
			fprintf(stderr, "replay: %s: %s\n", argv[i],
			    strerror(errno));
			rc = -1;
		} else if (S_ISDIR(st.st_mode))
			rc = run_dir(argv[i], &count);
		else if ((rc = run_file(argv[i])) == 0)
			count++;
	}
	printf("%ld inputs\n", count);
	return rc == 0 ? 0 : 1;
}
