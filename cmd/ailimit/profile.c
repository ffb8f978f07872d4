/*
 * profile.c: the config file's say in ailimit, as in aiq.  The profile
 * of -p names the key (SERVICE/PROFILE), gives the defaults of the requests
 * the gate and estimate count (model, system prompt, template, params
 * with max_tokens) and, through its rate_limit, the limits: each rate
 * becomes the bucket that holds it, unless the flag of that bucket is
 * given.  --show-config prints what came of it, and from where.
 */
#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ailimit.h"

/*
 * The key of the profile: SERVICE/PROFILE when the profile or the file
 * names a service, so that the profiles of one name of two projects,
 * each for a service of its own, draw from buckets of their own; else
 * its name alone.  The service goes in as a key's characters, any other
 * byte as '_', cut at 64; the name is a key's already.
 */
static void
profile_key(struct opts *o, const struct ai_profile *p)
{
	const char *sv = p->service;
	size_t i, n = 0;

	for (i = 0; sv != NULL && sv[i] != '\0' && n < 64; i++)
		o->profile_key[n++] = strchr(KEY_CHARS, sv[i]) != NULL ? sv[i] :
		    '_';
	if (n > 0)
		o->profile_key[n++] = '/';
	snprintf(o->profile_key + n, sizeof(o->profile_key) - n, "%s",
	    p->name);
	o->key = o->profile_key;
}

/*
 * Applies the profile before the flags are read: it names the key (-k
 * overrides), and its request defaults are the gate's (-m, -s and
 * --max-tokens override).  The limits wait for the flags: see
 * profile_rates().
 */
void
profile_apply(struct opts *o)
{
	const struct ai_profile *p = o->profile;
	char err[AI_ERRLEN];

	if (p == NULL)
		return;
	profile_key(o, p);
	if (ai_profile_defaults(p, &o->defaults, err) == -1)
		errx(1, "out of memory");
}

/* A rate as people write it: "5/s", "20000 tokens/min". */
static const char *
rate_text(const struct ai_rate *r, char *buf, size_t size)
{
	static const char *const units[] = { "", " tokens", " input tokens",
	    " output tokens" };

	snprintf(buf, size, "%lld%s/%s", (long long)r->amount, units[r->unit],
	    r->per_s == 1 ? "s" : r->per_s == 60 ? "min" : r->per_s == 3600 ?
	    "h" : "day");
	return buf;
}

/* Where the profile's rate i was written: FILE:LINE, else the file. */
static const char *
rate_where(const struct opts *o, int i, char *buf, size_t size)
{
	char key[32];

	snprintf(key, sizeof(key), "rate_limit.%d", i);
	if (ai_config_where(o->file, o->profile, key, buf, size) == NULL &&
	    ai_config_where(o->file, o->profile, "rate_limit", buf, size) ==
	    NULL)
		snprintf(buf, size, "%s", o->file->path);
	return buf;
}

/*
 * The bucket rate r fills and its amount there, a minute or a day, as
 * ai_rate_minute() keeps it; the config file was refused if it cannot.
 */
static int
bucket_of(const struct ai_rate *r, int64_t *per)
{
	static const int minute[] = { B_RPM, B_TPM, B_ITPM, B_OTPM };
	static const int day[] = { B_RPD, B_TPD, -1, -1 };
	char err[AI_ERRLEN];
	int daily;

	if (ai_rate_minute(r, &daily, per, err) == -1)
		return -1;
	return daily ? day[r->unit] : minute[r->unit];
}

/*
 * The profile's rate_limit as limits, after the flags were read: each
 * rate sets its bucket unless the flag of that bucket was given; two
 * rates of one bucket (100/min and 5/s), the stricter.  A rate that
 * ailimit cannot keep is refused, naming its line, unless its bucket's
 * flag stands in for it.
 */
void
profile_rates(struct opts *o)
{
	const struct ai_profile *p = o->profile;
	int64_t per;
	int i, b;

	for (i = 0; p != NULL && i < p->nrates; i++) {
		if ((b = bucket_of(&p->rates[i], &per)) == -1)
			continue;	/* refused with the file */
		if (o->flag.per[b] || (o->rate_of[b] != 0 && o->per[b] <= per))
			continue;
		o->per[b] = per;
		o->rate_of[b] = i + 1;
	}
}

/* Prints one setting: its name, its value, and where it came from. */
static int
row(const char *name, const char *value, const char *from)
{
	char line[1024];

	return fputs(ai_show_line(line, sizeof(line), name, value, from),
	    stdout) == EOF ? -1 : 0;
}

/* Where a setting came from: flag, else the profile's key, else other. */
static const char *
from(const struct opts *o, int flag, const char *flagname, const char *key,
    const char *other, char *buf, size_t size)
{
	return ai_show_from(o->file, o->profile, flag ? flagname : NULL, key,
	    other, buf, size);
}

/*
 * Where the key came from: -k; else the profile's name, under the
 * service the profile or else the file names.
 */
static const char *
key_from(const struct opts *o, char *buf, size_t size)
{
	char sv[256], name[256];

	if (o->flag.key || o->profile == NULL ||
	    strchr(o->key, '/') == NULL)
		return from(o, o->flag.key, "-k", "name", "default", buf, size);
	if (ai_config_where(o->file, o->profile, "service", sv, sizeof(sv)) ==
	    NULL && ai_config_where(o->file, NULL, "service", sv,
	    sizeof(sv)) == NULL)
		snprintf(sv, sizeof(sv), "%s", o->file->path);
	from(o, 0, NULL, "name", "", name, sizeof(name));
	snprintf(buf, size, "service %s, name %s", sv, name);
	return buf;
}

/* The limits, each with the rate or flag it came from. */
static int
limit_rows(const struct opts *o)
{
	char flag[32], value[96], at[256], r[64], usd[AI_MONEY_LEN];
	const char *f;
	int b, rc = 0;

	for (b = 0; b < NBUCKETS; b++) {
		snprintf(flag, sizeof(flag), "--%s", b == B_USD ?
		    "usd-per-day" : bucket_names[b]);
		if (o->per[b] == 0)
			snprintf(value, sizeof(value), "none");
		else if (b == B_USD)
			snprintf(value, sizeof(value), "$%s/day",
			    ai_money_show(o->per[b], usd));
		else if (o->rate_of[b] != 0 && o->profile->rates[o->rate_of[b]
		    - 1].per_s != (b >= B_RPD ? 86400 : 60))	/* converted */
			snprintf(value, sizeof(value), "%lld/min (%s)",
			    (long long)o->per[b], rate_text(&o->profile->rates[
			    o->rate_of[b] - 1], r, sizeof(r)));
		else
			snprintf(value, sizeof(value), "%lld/%s",
			    (long long)o->per[b], b >= B_RPD ? "day" : "min");
		f = o->flag.per[b] ? (snprintf(at, sizeof(at), "flag %s",
		    flag), at) : o->rate_of[b] != 0 ? rate_where(o,
		    o->rate_of[b] - 1, at, sizeof(at)) : o->per[b] == 0 ?
		    "" : "default";
		rc |= row(bucket_names[b], value, f);
	}
	return rc;
}

/* The state file, as open_state() finds it. */
static int
state_row(const struct opts *o)
{
	char *path = NULL;
	const char *f;
	int rc;

	if (o->state != NULL)
		f = "flag --state";
	else if ((f = ai_show_var("AILIMIT_STATE")) == NULL)
		f = ai_show_var("XDG_STATE_HOME") != NULL &&
		    *getenv("XDG_STATE_HOME") == '/' ? "XDG_STATE_HOME" :
		    "default";
	if (o->state == NULL)
		path = ai_limitstore_default_path();
	rc = row("state", o->state != NULL ? o->state : path != NULL ? path :
	    "none: this process alone", f);
	free(path);
	return rc;
}

/* A parameter's origin: a flag, else where the profile set it. */
static const char *
param_from(const struct opts *o, const char *k, char *buf, size_t size)
{
	if (strcmp(k, "max_tokens") == 0 && o->flag.max_tokens)
		return "flag --max-tokens";
	return ai_show_set_by(o->file, o->profile, 0, k, buf, size);
}

/* What the estimates of requests take: model, prompts, parameters. */
static int
request_rows(const struct opts *o)
{
	const char *menv = ai_show_var("AIQ_MODEL"), *k;
	char at[256], name[160], v[256];
	json_t *val;
	int rc = 0;

	rc |= row("model", ai_default_model(o->defaults.model), from(o,
	    o->flag.model, "-m", "model", menv != NULL ? menv : "default", at,
	    sizeof(at)));
	rc |= row("system", o->defaults.system, o->defaults.system == NULL ?
	    "" : from(o, o->flag.system, "-s", "system", "", at, sizeof(at)));
	rc |= row("template", o->defaults.template, o->defaults.template ==
	    NULL ? "" : from(o, 0, NULL, "template", "", at, sizeof(at)));
	json_object_foreach(o->defaults.params, k, val) {
		snprintf(name, sizeof(name), "params.%s", k);
		rc |= row(name, ai_show_value(val, v, sizeof(v)), param_from(o,
		    k, at, sizeof(at)));
	}
	return rc;
}

/*
 * --show-config: the settings of the command (the gate's when cmd is
 * NULL), each with where it came from (a flag, FILE:LINE, a variable,
 * the default); nothing is read or drawn.  ailimit holds no secret.
 */
int
profile_show(const struct opts *o, const char *cmd)
{
	int gate = cmd == NULL, est = cmd != NULL && strcmp(cmd,
	    "estimate") == 0, reset = cmd != NULL && strcmp(cmd, "reset") == 0;
	char at[256], kat[600], t[32];
	int rc = 0;

	rc |= row("config", o->file != NULL ? o->file->path : "none", "");
	rc |= row("profile", o->profile != NULL ? o->profile->name : NULL,
	    o->profile != NULL ? from(o, 0, NULL, "name", "", at, sizeof(at)) :
	    "");
	if (!est)
		rc |= row("key", o->key, key_from(o, kat, sizeof(kat)));
	if (!reset) {
		rc |= limit_rows(o);
		rc |= row("burst", ai_show_ms(o->burst_ms, t, sizeof(t)),
		    o->flag.burst ? "flag --burst" : "default");
	}
	if (gate) {
		rc |= row("auto", o->auto_limits ? "on" : "off",
		    o->auto_limits ? "flag --auto" : "default");
		rc |= row("wait_quota", o->wait_quota ? "on" : "off",
		    o->wait_quota ? "flag --wait-quota" : "default");
	}
	if (!est)
		rc |= state_row(o);
	if (gate || est)
		rc |= request_rows(o);
	if (rc != 0 || fflush(stdout) == EOF || ferror(stdout))
		err(1, "write error");
	return 0;
}
