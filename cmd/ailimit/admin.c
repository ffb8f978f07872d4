/*
 * admin.c: the state of a key, for people and for cron: what each of the
 * limits given holds now, and whether a provider's pause is on; and a
 * reset, which makes the key's buckets full again.
 */
#include <err.h>
#include <stdio.h>
#include <string.h>

#include "ailimit.h"

/* One line: "tpm    1234 of 3333 now (the burst)", "usd    $1.20 spent...". */
static void
show(const struct ai_draw *d, int64_t level)
{
	char a[AI_MONEY_LEN], b[AI_MONEY_LEN], c[AI_MONEY_LEN];
	char o[AI_MONEY_LEN];

	if (d->limit.kind == AI_LIMIT_RATE && level < 0)   /* a long draw */
		printf("%-6s 0 of %lld now (the burst), %lld owed: %.1f s "
		    "to wait\n", d->name, (long long)d->limit.burst,
		    (long long)-level, (double)-level * 60 /
		    (double)d->limit.per);
	else if (d->limit.kind == AI_LIMIT_RATE)
		printf("%-6s %lld of %lld now (the burst)\n", d->name,
		    (long long)level, (long long)d->limit.burst);
	else if (strcmp(d->name, "usd") == 0)
		printf("%-6s $%s drawn today, $%s of $%s left%s%s%s\n",
		    d->name, ai_money_show(d->limit.per - level, a),
		    ai_money_show(level > 0 ? level : 0, b),
		    ai_money_show(d->limit.per, c), level < 0 ? " ($" : "",
		    level < 0 ? ai_money_show(-level, o) : "",
		    level < 0 ? " over)" : "");
	else
		printf("%-6s %lld drawn today, %lld of %lld left\n", d->name,
		    (long long)(d->limit.per - level),
		    (long long)(level > 0 ? level : 0),
		    (long long)d->limit.per);
}

/* The limits the provider's headers said, which --auto paces by. */
static void
show_learned(const struct opts *o, struct ai_limitstore *s)
{
	const char *sep = "said  ", *name;
	char msg[AI_ERRLEN];
	int64_t per;
	int i;

	for (i = 0; i < NLEARNED; i++) {
		name = bucket_names[learned_buckets[i]];
		if (ai_limitstore_learned(s, o->key, name, &per, msg) == -1)
			errx(1, "%s", msg);
		if (per > 0) {
			printf("%s %s %lld", sep, name, (long long)per);
			sep = ",";
		}
	}
	if (*sep == ',')
		printf(" (the provider's headers, for --auto)\n");
}

/*
 * One line a bucket, of the limits given, else of every bucket the key
 * was drawn from, with the limits it was last drawn with.
 */
int
admin_status(const struct opts *o, struct ai_limitstore *s)
{
	struct ai_draw d[NBUCKETS];
	int64_t levels[NBUCKETS], paused, now = ai_now_us();
	char msg[AI_ERRLEN];
	int b, any = 0, shown = 0;

	for (b = 0; b < NBUCKETS; b++)
		any |= o->per[b] != 0;
	for (b = 0; b < NBUCKETS; b++) {
		d[b].name = bucket_names[b];
		d[b].amount = 0;
		if (o->per[b] != 0)
			bucket_limit(o, b, &d[b].limit);
		else
			d[b].limit = (struct ai_limit){ 0, 0, 0 };
	}
	if (ai_limitstore_levels(s, o->key, d, NBUCKETS, now, levels, &paused,
	    msg) == -1)
		errx(1, "%s", msg);
	printf("key    %s\n", o->key);
	for (b = 0; b < NBUCKETS; b++) {
		if ((any && o->per[b] == 0) || d[b].limit.per == 0)
			continue;	/* not asked about, or never drawn */
		shown++;
		show(&d[b], levels[b]);
	}
	if (shown == 0 && !any)
		printf("nothing drawn from this key yet\n");
	show_learned(o, s);
	if (paused > now)
		printf("paused %lld ms more, as the provider asked\n",
		    (long long)((paused - now) / 1000));
	if (fflush(stdout) == EOF || ferror(stdout))
		err(1, "write error");
	return 0;
}

int
admin_reset(const struct opts *o, struct ai_limitstore *s)
{
	char msg[AI_ERRLEN];

	if (ai_limitstore_reset(s, o->key, msg) == -1)
		errx(1, "%s", msg);
	return 0;
}
