/*
 * tap.h: a header-only TAP producer for the unit tests of lib/.
 *
 *	ok(cond, "what %s", ...);
 *	is_int(got, want, "what");
 *	is_str(got, want, "what");	(NULL is a value: "(null)")
 *	return done();
 *
 * The plan is printed by done() unless plan(n) was called first, and
 * done() returns the exit status: 1 if any test failed or the count
 * differs from the plan.  A failure names the file and line and shows
 * what was got and what was expected as "# " lines.  Every line is
 * flushed at once so that a crash or a fork loses nothing.
 */
#ifndef TAP_H
#define TAP_H

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static struct {
	int	 n;		/* tests run */
	int	 failed;
	int	 planned;	/* -1 until plan() */
} tap = { 0, 0, -1 };

#define ok(c, ...)	tap_ok((c) != 0, __FILE__, __LINE__, __VA_ARGS__)
#define is_int(g, w, ...) \
	tap_is_int((g), (w), __FILE__, __LINE__, __VA_ARGS__)
#define is_str(g, w, ...) \
	tap_is_str((g), (w), __FILE__, __LINE__, __VA_ARGS__)

static inline void
plan(int n)
{
	tap.planned = n;
	printf("1..%d\n", n);
	fflush(stdout);
}

static inline void diag(const char *, ...)
    __attribute__((format(printf, 1, 2)));
static inline int tap_ok(int, const char *, int, const char *, ...)
    __attribute__((format(printf, 4, 5)));
static inline int tap_is_int(long long, long long, const char *, int,
    const char *, ...) __attribute__((format(printf, 5, 6)));
static inline int tap_is_str(const char *, const char *, const char *, int,
    const char *, ...) __attribute__((format(printf, 5, 6)));

static inline void
diag(const char *fmt, ...)
{
	va_list ap;

	printf("# ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}

/* A description stays on its line, and a '#' in it starts no directive. */
static inline int
tap_vok(int pass, const char *file, int line, const char *fmt, va_list ap)
{
	char desc[1024], *s;

	vsnprintf(desc, sizeof(desc), fmt, ap);
	tap.n++;
	printf("%sok %d - ", pass ? "" : "not ", tap.n);
	for (s = desc; *s != '\0'; s++)
		if (*s == '\n')
			printf("\\n");
		else if ((unsigned char)*s < 0x20)
			printf("\\x%02x", (unsigned char)*s);
		else if (*s == '#')
			printf("\\#");
		else
			putchar(*s);
	printf("\n");
	if (!pass) {
		tap.failed++;
		printf("#   failed at %s:%d\n", file, line);
	}
	fflush(stdout);
	return pass;
}

static inline int
tap_ok(int pass, const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	tap_vok(pass, file, line, fmt, ap);
	va_end(ap);
	return pass;
}

static inline int
tap_is_int(long long got, long long want, const char *file, int line,
    const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	tap_vok(got == want, file, line, fmt, ap);
	va_end(ap);
	if (got != want) {
		diag("         got: %lld", got);
		diag("    expected: %lld", want);
	}
	return got == want;
}

/* Prints s quoted, with control bytes escaped so it stays on one line. */
static inline void
tap_quote(const char *s)
{
	if (s == NULL) {
		printf("(null)");
		return;
	}
	putchar('\'');
	for (; *s != '\0'; s++) {
		if (*s == '\n')
			printf("\\n");
		else if (*s == '\r')
			printf("\\r");
		else if (*s == '\t')
			printf("\\t");
		else if ((unsigned char)*s < 0x20 || *s == 0x7f)
			printf("\\x%02x", (unsigned char)*s);
		else
			putchar(*s);
	}
	putchar('\'');
}

static inline int
tap_is_str(const char *got, const char *want, const char *file, int line,
    const char *fmt, ...)
{
	va_list ap;
	int pass;

	pass = got == want || (got != NULL && want != NULL &&
	    strcmp(got, want) == 0);
	va_start(ap, fmt);
	tap_vok(pass, file, line, fmt, ap);
	va_end(ap);
	if (!pass) {
		printf("#          got: ");
		tap_quote(got);
		printf("\n#     expected: ");
		tap_quote(want);
		printf("\n");
		fflush(stdout);
	}
	return pass;
}

static inline int
done(void)
{
	if (tap.planned == -1)
		printf("1..%d\n", tap.n);
	else if (tap.planned != tap.n)
		diag("planned %d tests but ran %d", tap.planned, tap.n);
	if (tap.failed > 0)
		diag("failed %d of %d tests", tap.failed, tap.n);
	fflush(stdout);
	return tap.failed > 0 || (tap.planned != -1 && tap.planned != tap.n);
}

#endif
