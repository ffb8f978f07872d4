/*
 * admin.c: the commands that look after the cache rather than stand in a
 * pipeline: key, stats, purge, vacuum, export and import.
 */
#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "aicache.h"

#define IMPORT_BATCH	1000

static struct ai_cache *
open_or_die(const struct opts *o, int mode)
{
	struct ai_cache *c;
	char err[AI_ERRLEN];

	if ((c = ai_cache_open(o->path, mode, err)) == NULL)
		errx(1, "%s", err);
	return c;
}

static void
close_or_die(struct ai_cache *c)
{
	char err[AI_ERRLEN];

	if (ai_cache_close(c, err) == -1)
		errx(1, "%s", err);
}

/* --- key: each record's key, and with --canonical what it digests. */

static int
key_one(void *arg, struct rec *r, struct ai_buf *out)
{
	const struct opts *o = arg;
	char hex[AI_KEYHEX], why[4 * AI_ERRLEN];
	size_t i;
	int rc;

	if (!r->keyed || r->answered)	/* why may quote the input */
		rc = ai_buf_printf(out, "-\tline %ld: %s\n", r->lineno,
		    r->answered ? "already answered" :
		    ai_text_show(why, sizeof(why), r->why));
	else {
		ai_cache_key_hex(r->key, hex);
		rc = ai_buf_puts(out, hex);
		if (rc == 0 && o->canonical) {
			rc = ai_buf_puts(out, "\t");
			for (i = 0; rc == 0 && i < r->canon->len; i++)
				rc = ai_buf_append(out, r->canon->data[i] ==
				    '\n' ? "\t" : &r->canon->data[i], 1);
		}
		if (rc == 0)
			rc = ai_buf_puts(out, "\n");
	}
	if (rc == -1)
		errx(1, "out of memory");
	return 0;
}

int
cmd_key(const struct opts *o)
{
	struct stage s = { NULL, key_one, NULL, NULL, (void *)o, 1 };

	return run_stage(o, &s) == -1 ? 1 : 0;
}

/* --- stats */

static void
human(int64_t n, char *buf, size_t size)
{
	if (n < 1024)
		snprintf(buf, size, "%lld B", (long long)n);
	else if (n < 1024 * 1024)
		snprintf(buf, size, "%.1f KiB", n / 1024.0);
	else if (n < 1024LL * 1024 * 1024)
		snprintf(buf, size, "%.1f MiB", n / 1048576.0);
	else
		snprintf(buf, size, "%.1f GiB", n / 1073741824.0);
}

/* Dollars of a tally, to six decimals. */
static void
dollars(const struct ai_cache_tally *t, char *out, size_t size)
{
	ai_money_format(&t->saved, 6, out, size);
}

/* One model's line of stats: its hits and what they saved. */
static int
model_line(void *arg, const char *model, const struct ai_cache_tally *t)
{
	char usd[32];

	dollars(t, usd, sizeof(usd));
	printf("  %-26s %lld hits, %lld in, %lld out, ", model,
	    (long long)t->hits, (long long)t->tokens_in,
	    (long long)t->tokens_out);
	if (t->unpriced == t->hits)
		printf("unpriced\n");
	else if (t->unpriced > 0)
		printf("$%s, and %lld hits unpriced\n", usd,
		    (long long)t->unpriced);
	else
		printf("$%s\n", usd);
	return 0;
}

/* The namespace a command covers: -n's, else NULL for every one. */
static const char *
ns_of(const struct opts *o)
{
	return o->given_ns ? o->ns : NULL;
}

int
cmd_stats(const struct opts *o)
{
	struct ai_cache *c = open_or_die(o, AI_CACHE_READ);
	struct ai_cache_stats s;
	const struct ai_cache_tally *t = &s.total;
	char b1[32], b2[32], usd[32], err[AI_ERRLEN];

	if (ai_cache_stats(c, ns_of(o), &s, err) == -1)
		errx(1, "%s", err);
	dollars(t, usd, sizeof(usd));
	human(ai_cache_disk_bytes(c), b1, sizeof(b1));
	human(s.bytes, b2, sizeof(b2));
	printf("cache         %s%s%s%s\n", o->path, o->given_ns ?
	    ", namespace \"" : "", o->ns, o->given_ns ? "\"" : "");
	printf("size on disk  %s\n", b1);
	printf("entries       %lld (%s of answers)\n", (long long)s.entries,
	    b2);
	printf("lookups       %lld\n", (long long)t->lookups);
	printf("hits          %lld (%.1f%%)\n", (long long)t->hits,
	    t->lookups > 0 ? 100.0 * (double)t->hits / (double)t->lookups :
	    0.0);
	printf("tokens saved  %lld in, %lld out\n", (long long)t->tokens_in,
	    (long long)t->tokens_out);
	if (t->unpriced > 0)
		printf("dollars saved $%s, and %lld hits of unpriced models\n",
		    usd, (long long)t->unpriced);
	else
		printf("dollars saved $%s\n", usd);
	if (ai_cache_savings(c, ns_of(o), model_line, NULL, err) == -1)
		errx(1, "%s", err);
	close_or_die(c);
	return 0;
}

/*
 * The file's size on disk now, and before if it was known: what vacuum
 * gave back.
 */
static void
disk_line(struct ai_cache *c, int64_t before)
{
	char now[32], was[32];

	human(ai_cache_disk_bytes(c), now, sizeof(now));
	human(before, was, sizeof(was));
	printf("size on disk  %s (was %s)\n", now, was);
}

static void
vacuum(struct ai_cache *c)
{
	int64_t before = ai_cache_disk_bytes(c);
	char err[AI_ERRLEN];

	if (ai_cache_vacuum(c, err) == -1)
		errx(1, "%s", err);
	disk_line(c, before);
}

/*
 * --- purge (main has checked that it has --all or a filter): it says
 * what went, on stdout as the result of the command.  The file keeps the
 * space for new entries; --all gives it back, as vacuum does.
 */
int
cmd_purge(const struct opts *o)
{
	struct ai_cache *c;
	struct ai_cache_filter f = { .ns = ns_of(o), .model = o->purge_model };
	int64_t now = ai_now_ms(), entries, bytes;
	char err[AI_ERRLEN];

	if (o->older_ms > 0)
		f.created_before = now - o->older_ms;
	if (o->expired)
		f.expired_at = now;
	c = open_or_die(o, AI_CACHE_WRITE);
	if (ai_cache_purge(c, &f, &entries, &bytes, err) == -1)
		errx(1, "%s", err);
	printf("purged %lld entr%s, %lld bytes of answers\n",
	    (long long)entries, entries == 1 ? "y" : "ies", (long long)bytes);
	if (o->all)
		vacuum(c);
	close_or_die(c);
	return 0;
}

/* --- vacuum: the space of removed entries given back */
int
cmd_vacuum(const struct opts *o)
{
	struct ai_cache *c = open_or_die(o, AI_CACHE_WRITE);

	vacuum(c);
	close_or_die(c);
	return 0;
}

/* --- export and import: entries as JSON lines, one an entry */

/* One entry as a line of export, into b. */
static void
export_line(const struct ai_cache_entry *e, struct ai_buf *b)
{
	char hex[AI_KEYHEX];

	ai_cache_key_hex(e->key, hex);
	ai_buf_reset(b);
	if (ai_buf_puts(b, "{\"v\":1,\"namespace\":") == -1 ||
	    ai_buf_jstr(b, e->ns) == -1 ||
	    ai_buf_printf(b, ",\"key\":\"%s\",\"provider\":", hex) == -1 ||
	    ai_buf_jstr(b, e->provider) == -1 ||
	    ai_buf_puts(b, ",\"model\":") == -1 ||
	    ai_buf_jstr(b, e->model) == -1 ||
	    ai_buf_printf(b, ",\"created_ms\":%lld,\"expires_ms\":%lld,"
	    "\"used_ms\":%lld,\"hits\":%lld,\"response\":",
	    (long long)e->created_ms, (long long)e->expires_ms,
	    (long long)e->used_ms, (long long)e->hits) == -1 ||
	    ai_buf_append(b, e->response, e->response_len) == -1 ||
	    ai_buf_puts(b, "}\n") == -1)
		errx(1, "out of memory");
}

int
cmd_export(const struct opts *o)
{
	struct ai_cache *c = open_or_die(o, AI_CACHE_READ);
	struct ai_cache_iter *it;
	struct ai_cache_entry e;
	struct ai_buf b = { 0 };
	char msg[AI_ERRLEN];
	int rc;

	if ((it = ai_cache_iter_open(c, ns_of(o), msg)) == NULL)
		errx(1, "%s", msg);
	while ((rc = ai_cache_iter_next(it, &e, msg)) == 1) {
		export_line(&e, &b);
		if (ai_write_all(STDOUT_FILENO, b.data, b.len) == -1)
			err(1, "write error");
	}
	if (rc == -1)
		errx(1, "%s", msg);
	ai_cache_iter_close(it);
	ai_buf_free(&b);
	close_or_die(c);
	return 0;
}

static int64_t
int_of(const json_t *o, const char *k)
{
	return json_integer_value(json_object_get(o, k));
}

/* One exported entry into e; -1 when the line is not one. */
static int
import_entry(const json_t *j, struct ai_cache_entry *e, struct ai_buf *b)
{
	const json_t *resp = json_object_get(j, "response");

	memset(e, 0, sizeof(*e));
	if (!json_is_object(j) || !storable(resp) ||
	    ai_cache_key_unhex(json_string_value(json_object_get(j, "key")), e->key) == -1 ||
	    !json_is_string(json_object_get(j, "namespace")))
		return -1;
	e->ns = json_string_value(json_object_get(j, "namespace"));
	e->provider = json_string_value(json_object_get(j, "provider"));
	e->model = json_string_value(json_object_get(j, "model"));
	e->created_ms = int_of(j, "created_ms");
	e->expires_ms = int_of(j, "expires_ms");
	e->used_ms = int_of(j, "used_ms");
	ai_usage_from_openai(json_object_get(json_object_get(resp, "body"),
	    "usage"), &e->usage);
	ai_buf_reset(b);
	if (ai_buf_json(b, resp) == -1)
		errx(1, "out of memory");
	e->response = b->data;
	e->response_len = b->len;
	return 0;
}

int
cmd_import(const struct opts *o)
{
	struct ai_cache *c = open_or_die(o, AI_CACHE_CREATE);
	struct ai_cache_entry e;
	struct ai_lines in;
	struct ai_buf b = { 0 };
	char *line, msg[AI_ERRLEN];
	size_t len;
	long n = 0, bad = 0;
	int got, cut;
	json_t *j;

	ai_lines_init(&in, STDIN_FILENO, AI_MAX_LINE);
	if (ai_cache_begin(c, msg) == -1)
		errx(1, "%s", msg);
	while ((got = ai_lines_next(&in, &line, &len, &cut)) != -1) {
		if (got == 0) {
			if (ai_lines_fill(&in) == -1)
				err(1, "stdin");
			continue;
		}
		if (!cut && len == strspn(line, " \t\r"))
			continue;		/* a blank line */
		j = cut ? NULL : json_loadb(line, len, 0, NULL);
		if (import_entry(j, &e, &b) == -1) {
			warnx("<stdin>:%ld: not an exported cache entry",
			    in.lineno);
			bad++;
		} else if (ai_cache_put(c, &e, msg) == -1)
			errx(1, "%s", msg);
		json_decref(j);
		if (++n % IMPORT_BATCH == 0 && (ai_cache_commit(c, msg) == -1 ||
		    ai_cache_begin(c, msg) == -1))
			errx(1, "%s", msg);
	}
	if (ai_cache_commit(c, msg) == -1)
		errx(1, "%s", msg);
	ai_lines_free(&in);
	ai_buf_free(&b);
	close_or_die(c);
	if (bad > 0)
		warnx("imported %ld entr%s; %ld line%s skipped", n - bad,
		    n - bad == 1 ? "y" : "ies", bad, bad == 1 ? "" : "s");
	return bad > 0 ? 1 : 0;
}
