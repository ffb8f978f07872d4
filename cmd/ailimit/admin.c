/*
 * admin.c: the state of a key, for people and for cron: what each of the
 * limits given holds now, and whether a provider's pause is on; and a
 * reset, which makes the key's buckets full again.
 */
#include <err.h>
#include <stdio.h>

#include "ailimit.h"

/* One line a bucket of the limits given: "tpm  1234 of 200000 a minute". */
int
admin_status(const struct opts *o, struct ai_limitstore *s)
{
	struct ai_draw d[NBUCKETS];
	int64_t levels[NBUCKETS], paused, now = ai_now_ms() * 1000;
	char msg[AI_ERRLEN];
	int b, n = 0;

	for (b = 0; b < NBUCKETS; b++) {
		if (o->per[b] == 0)
			continue;
		d[n].name = bucket_names[b];
		bucket_limit(o, b, &d[n].limit);
		d[n++].amount = 0;
	}
	if (ai_limitstore_levels(s, o->key, d, n, now, levels, &paused,
	    msg) == -1)
		errx(1, "%s", msg);
	printf("key    %s\n", o->key);
	for (b = 0; b < n; b++)
		printf("%-6s %lld of %lld %s\n", d[b].name,
		    (long long)levels[b], (long long)(d[b].limit.kind ==
		    AI_LIMIT_QUOTA ? d[b].limit.per : d[b].limit.burst),
		    d[b].limit.kind == AI_LIMIT_QUOTA ? "left today" :
		    "now (the burst)");
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
