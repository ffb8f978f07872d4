/*
 * admin.c: the state of a key, for people and for cron: what each of the
 * limits given holds now, and whether a provider's pause is on; and a
 * reset, which makes the key's buckets full again.
 */
#include <err.h>
#include <stdio.h>

#include "ailimit.h"

/*
 * One line a bucket: "tpm    1234 of 3333 now (the burst)", of the
 * limits given, else of every bucket the key was drawn from, with the
 * limits it was last drawn with.
 */
int
admin_status(const struct opts *o, struct ai_limitstore *s)
{
	struct ai_draw d[NBUCKETS];
	int64_t levels[NBUCKETS], paused, now = ai_now_ms() * 1000;
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
		printf("%-6s %lld of %lld %s\n", d[b].name,
		    (long long)levels[b], (long long)(d[b].limit.kind ==
		    AI_LIMIT_QUOTA ? d[b].limit.per : d[b].limit.burst),
		    d[b].limit.kind == AI_LIMIT_QUOTA ? "left today" :
		    "now (the burst)");
	}
	if (shown == 0 && !any)
		printf("nothing drawn from this key yet\n");
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
