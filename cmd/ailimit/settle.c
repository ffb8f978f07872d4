/*
 * settle.c: after aiq, trues up what the gate drew for each record it
 * stamped (aitools.limit) with what the call really used, as providers
 * count it:
 *
 *	tpm, tpd   the day's quota is ours: trued up with the real tokens;
 *		   a provider's tokens a minute count the estimate made
 *		   when the request came (OpenAI's), so only a call that
 *		   failed unbilled gives them back
 *	itpm	   the real input tokens (Anthropic counts them)
 *	otpm	   the real output tokens (Anthropic adjusts to them)
 *	usd	   the real cost, priced as aiusage prices the call: by the
 *		   model that answered and the tier it was served at
 *
 * A request stays drawn: a provider counts refused requests too.  A 429
 * that said when to come back pauses the key until then, and the limits
 * an answer's headers said (aitools.ratelimit) are kept for the key, for
 * the gates that pace by them (--auto).  Each stamp is
 * settled once: settle marks it ("settled": true), so a record that goes
 * through a pipeline again is not given back twice.  The corrections are
 * summed by key and given back a few times a second while records come,
 * and at once when the input waits.
 */
#include <err.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ailimit.h"

#define MAX_KEYS	16
#define SETTLE_US	100000	/* corrections given back this often */

/* The windows of aitools.ratelimit that are learned_buckets[i]. */
static const char *const windows[NLEARNED] = {
	"requests", "tokens", "input_tokens", "output_tokens",
};

struct correction {
	char		 key[KEY_MAX + 1];
	int64_t		 tpm, tpd, itpm, otpm, usd;	/* to give back;
							   < 0: take */
	int64_t		 said[NLEARNED];	/* limits reported; 0: none */
};

struct settle {
	const struct opts *o;
	struct ai_limitstore *store;
	struct ai_prices prices;	/* loaded for the first dollar stamp */
	int		 priced;	/* 1: loaded; -1: they could not be */
	int		 unpriced;	/* calls of a model without a price */
	struct stage	 st;
	struct correction c[MAX_KEYS];
	int		 n;
	int64_t		 last_us;
};

/* Gives every key's corrections back, to the buckets it drew from. */
static void
settle_flush(struct settle *s)
{
	static const int b[] = { B_TPM, B_ITPM, B_OTPM, B_TPD, B_USD };
	struct ai_draw d[5];
	char err[AI_ERRLEN];
	int i, k;

	for (k = 0; k < s->n; k++) {
		for (i = 0; i < 5; i++) {
			memset(&d[i], 0, sizeof(d[i]));	/* the stored limit */
			d[i].name = bucket_names[b[i]];
		}
		d[0].amount = s->c[k].tpm;
		d[1].amount = s->c[k].itpm;
		d[2].amount = s->c[k].otpm;
		d[3].amount = s->c[k].tpd;
		d[4].amount = s->c[k].usd;
		if (ai_limitstore_give(s->store, s->c[k].key, d, 5,
		    ai_now_us(), err) == -1)
			warnx("%s", err);
		for (i = 0; i < NLEARNED; i++)
			if (s->c[k].said[i] > 0 && ai_limitstore_learn(
			    s->store, s->c[k].key,
			    bucket_names[learned_buckets[i]], s->c[k].said[i],
			    ai_now_us(), err) == -1)
				warnx("%s", err);
	}
	s->n = 0;
	s->last_us = ai_mono_us();
}

/* Before the input waits: nothing is held back meanwhile. */
static void
settle_idle(void *arg)
{
	struct settle *s = arg;

	if (s->n > 0)
		settle_flush(s);
}

static struct correction *
correction_of(struct settle *s, const char *key)
{
	int k;

	for (k = 0; k < s->n; k++)
		if (strcmp(s->c[k].key, key) == 0)
			return &s->c[k];
	if (s->n == MAX_KEYS)
		settle_flush(s);
	k = s->n++;
	snprintf(s->c[k].key, sizeof(s->c[k].key), "%s", key);
	s->c[k].tpm = s->c[k].tpd = s->c[k].itpm = s->c[k].otpm = 0;
	s->c[k].usd = 0;
	memset(s->c[k].said, 0, sizeof(s->c[k].said));
	return &s->c[k];
}

/*
 * The tokens a record's call used, into u: 1 when known; 0 when it used
 * none the provider bills (an error before any answer); -1 when not known
 * (an answer without counts, a stream cut short): nothing is corrected.
 */
static int
used(const json_t *rec, struct ai_usage *u)
{
	const json_t *resp = json_object_get(rec, "response");
	const char *code = json_string_value(json_object_get(
	    json_object_get(rec, "error"), "code"));

	memset(u, 0, sizeof(*u));
	if (json_is_object(resp))
		return ai_usage_from_openai(json_object_get(json_object_get(
		    resp, "body"), "usage"), u) == 0 ? 1 : -1;
	if (code == NULL || strcmp(code, "stream_truncated") == 0 ||
	    strcmp(code, "interrupted") == 0)
		return -1;	/* billed in part, or not known */
	return 0;
}

/*
 * A 429 whose answer said when to come back (aitools.ratelimit, from its
 * Retry-After): no record of the key goes out before then, from any gate.
 */
static void
follow_pause(struct settle *s, const json_t *rec, const char *key)
{
	const char *code = json_string_value(json_object_get(
	    json_object_get(rec, "error"), "code"));
	const char *at = json_string_value(json_object_get(json_object_get(
	    json_object_get(rec, "aitools"), "ratelimit"), "retry_after"));
	char err[AI_ERRLEN];
	int64_t now = ai_now_ms(), at_ms;

	if (code == NULL || strcmp(code, "rate_limited") != 0 || at == NULL ||
	    ai_time_at(at, now, &at_ms) == -1 || at_ms <= now)
		return;
	if (ai_limitstore_pause(s->store, key, at_ms * 1000, err) == -1)
		warnx("%s", err);
}

/*
 * What a call that used u cost, in microdollars: priced by the model
 * that answered, else the one the gate priced, at the tier it was served
 * at; the gate's own figure when neither has a price here (said once:
 * settle needs the price tables the gate had), or no tables could be
 * read.
 */
static int64_t
real_cost(struct settle *s, const json_t *rec, const json_t *mark,
    const struct ai_usage *u, int64_t drawn)
{
	const json_t *body = json_object_get(json_object_get(rec,
	    "response"), "body");
	const char *model = json_string_value(json_object_get(body, "model"));
	const char *tier = ai_service_tier(body);
	char err[AI_ERRLEN];
	int64_t usd;

	if (s->priced == 0) {
		s->priced = 1;
		if (ai_prices_load_default(&s->prices, s->o->prices, err) ==
		    -1) {
			warnx("%s: dollars are not trued up", err);
			s->priced = -1;
		}
	}
	if (s->priced == -1)
		return drawn;
	if ((model != NULL && ai_cost_micro(&s->prices, model, u, tier,
	    &usd) == 0) || ((model = json_string_value(json_object_get(mark,
	    "model"))) != NULL && ai_cost_micro(&s->prices, model, u, tier,
	    &usd) == 0))
		return usd;
	if (!s->unpriced++)
		warnx("the model '%s' has no price here: its dollars are not "
		    "trued up (give settle the gate's --prices)",
		    model != NULL ? model : "?");
	return drawn;
}

/*
 * The limits the answer's headers said, kept for the key: a minute's
 * requests and tokens, or Anthropic's input and output tokens, whose
 * "tokens" is then only the tighter of the two.
 */
static void
learn(struct settle *s, const json_t *rec, const char *key)
{
	const json_t *rl = json_object_get(json_object_get(rec, "aitools"),
	    "ratelimit"), *v;
	int split = json_object_get(rl, "input_tokens") != NULL ||
	    json_object_get(rl, "output_tokens") != NULL;
	struct correction *c = NULL;
	size_t i;

	for (i = 0; rl != NULL && i < NLEARNED; i++) {
		v = json_object_get(json_object_get(rl, windows[i]),
		    "limit");
		if (!json_is_integer(v) || json_integer_value(v) < 1 ||
		    json_integer_value(v) > AI_BUCKET_MAX ||
		    (split && learned_buckets[i] == B_TPM))
			continue;
		if (c == NULL)
			c = correction_of(s, key);
		c->said[i] = json_integer_value(v);
	}
}

/* The stamp marked settled, the record otherwise as it came. */
static void
mark_settled(struct settle *s, const char *line, size_t len,
    const json_t *rec, const json_t *mark)
{
	json_t *m = json_copy((json_t *)mark);
	char *text = NULL;

	if (m == NULL || json_object_set_new(m, "settled", json_true()) ==
	    -1 || (text = json_dumps(m, JSON_COMPACT)) == NULL ||
	    ai_record_mark(&s->st.out, line, len, rec, "limit", text) == -1)
		errx(1, "out of memory");
	free(text);
	json_decref(m);
	stage_made(&s->st);
}

static void
settle_one(struct settle *s, const char *line, size_t len)
{
	json_t *rec = json_loadb(line, len, 0, NULL);
	const json_t *mark = json_object_get(json_object_get(rec, "aitools"),
	    "limit");
	const char *key = json_string_value(json_object_get(mark, "key"));
	const json_t *in = json_object_get(mark, "input"),
	    *out = json_object_get(mark, "output"),
	    *usd = json_object_get(mark, "usd_micro");
	int64_t ein, eout, eusd = 0;
	struct correction *c;
	struct ai_usage u;
	int r;

	if (key == NULL || strlen(key) >= sizeof(s->c[0].key) ||
	    json_is_true(json_object_get(mark, "settled")) ||
	    !json_is_integer(in) || !json_is_integer(out) ||
	    !ai_token_count_ok(ein = json_integer_value(in)) ||
	    !ai_token_count_ok(eout = json_integer_value(out)) ||
	    (usd != NULL && (!json_is_integer(usd) || (eusd =
	    json_integer_value(usd)) < 0 || eusd > AI_BUCKET_MAX))) {
		stage_pass(&s->st, line, len);	/* none, or done before */
		json_decref(rec);
		return;
	}
	if ((r = used(rec, &u)) >= 0) {
		c = correction_of(s, key);
		c->tpd += ein + eout - u.input - u.output;
		c->itpm += ein - u.input;
		c->otpm += eout - u.output;
		if (r == 0)	/* unbilled: the provider counted nothing */
			c->tpm += ein + eout;
		if (usd != NULL)
			c->usd += eusd - (r == 0 ? 0 : real_cost(s, rec, mark,
			    &u, eusd));
	}
	follow_pause(s, rec, key);
	learn(s, rec, key);
	mark_settled(s, line, len, rec, mark);
	json_decref(rec);
	if (ai_mono_us() - s->last_us >= SETTLE_US)
		settle_flush(s);
}

int
settle_run(const struct opts *o, struct ai_limitstore *store)
{
	struct settle s = { .o = o, .store = store };
	char *line;
	size_t len;
	int cut;

	/*
	 * An answer may be long (aiq --max-response): never cut one.  After
	 * a signal, every record is still settled and passed on, to the end
	 * of the input: aiq, stopping, writes the calls it made.
	 */
	stage_init(&s.st, SIZE_MAX / 2, 1);
	s.st.idle = settle_idle;
	s.st.idle_arg = &s;
	s.last_us = ai_mono_us();
	while (stage_next(&s.st, &line, &len, &cut) == 1)
		settle_one(&s, line, len);
	stage_free(&s.st);
	settle_flush(&s);
	ai_prices_free(&s.prices);
	return 0;
}
