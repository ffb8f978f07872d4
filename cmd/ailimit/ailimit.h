/*
 * ailimit: paces records to a provider's rate limits, shared by every
 * process that names the same key.  main.c reads the options, gate.c
 * writes each record when its budget allows, admin.c shows and resets
 * the state.
 */
#ifndef AILIMIT_H
#define AILIMIT_H

#include <signal.h>

#include "aitools.h"

#define EXIT_USAGE	2

/*
 * The longest key: a profile's name (64 at most) under its service (64
 * at most, as it goes in a key), SERVICE/PROFILE.
 */
#define KEY_MAX		129
#define KEY_CHARS	"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ" \
			"0123456789._-"

/* The limits a run was given, one bucket each. */
enum bucket { B_RPM, B_TPM, B_ITPM, B_OTPM, B_RPD, B_TPD, B_USD, NBUCKETS };

#define MAX_PRICES	7	/* --prices files */

/* --auto's start, until the provider's headers say more: below the
   first tier of OpenAI and of Anthropic for their common models. */
#define AUTO_RPM	50
#define AUTO_TPM	20000

/*
 * The flags that set what a profile may set too, as --show-config names
 * them: 0 where none was given.
 */
struct given {
	int		 per[NBUCKETS];	/* --rpm... */
	int		 key, model, system, max_tokens, burst;
};

struct opts {
	const char	*key;		/* -k: the budget's name */
	char		 profile_key[KEY_MAX + 1];	/* -p's: SERVICE/PROFILE,
					   or PROFILE */
	const char	*state;		/* --state, or NULL: the default */
	int64_t		 per[NBUCKETS];	/* 0: not limited; usd: micro$ */
	int64_t		 burst_ms;	/* --burst */
	int		 wait_quota;	/* --wait-quota */
	int		 auto_limits;	/* --auto */
	int		 resend_errors;	/* -R */
	int		 given;		/* a gate's option was given */
	const char	*prices[MAX_PRICES + 1];	/* --prices, NULL-ended */
	int		 nprices;
	struct ai_defaults defaults;	/* -m, -s, --max-tokens: as aiq's */
	const char	*config;	/* -c */
	const char	*profile_name;	/* -p */
	int		 show_config;	/* --show-config */
	struct ai_config *file;		/* the config file, or NULL */
	const struct ai_profile *profile;	/* -p's, or NULL */
	int		 rate_of[NBUCKETS];	/* the profile's rate that set
					   each bucket: 1 + its index, or 0 */
	struct given	 flag;
};

extern volatile sig_atomic_t ailimit_signal;

extern const char *const bucket_names[NBUCKETS];

/* The rates a provider's headers tell, which --auto adopts. */
#define NLEARNED	4
extern const int learned_buckets[NLEARNED];	/* rpm, tpm, itpm, otpm */

/* stage.c: reading and writing records, as a pipeline stage. */
struct stage {
	struct ai_lines	 in;
	struct ai_buf	 out;		/* records made, not yet written */
	void		(*idle)(void *);	/* before waiting for input */
	void		*idle_arg;
	int		 drain;		/* reads on after a signal */
	int		 gone;		/* the reader went away */
};
void	 stage_init(struct stage *, size_t, int);
int	 stage_next(struct stage *, char **, size_t *, int *);
void	 stage_pass(struct stage *, const char *, size_t);
void	 stage_made(struct stage *);
void	 stage_flush(struct stage *);
void	 stage_free(struct stage *);

/* main.c */
void	 bucket_limit(const struct opts *, int, struct ai_limit *);
void	 load_prices(const struct opts *, struct ai_prices *);
void	 draw_amounts(const struct ai_estimate *, int64_t, int64_t[NBUCKETS]);
int64_t	 request_cost(const struct ai_prices *, const struct ai_request *,
	    const struct ai_estimate *);

/* gate.c */
int	 gate_run(const struct opts *, struct ai_limitstore *);

/* settle.c */
int	 settle_run(const struct opts *, struct ai_limitstore *);

/* dryrun.c */
int	 dryrun_run(const struct opts *);

/* profile.c */
void	 profile_apply(struct opts *);
void	 profile_rates(struct opts *);
int	 profile_show(const struct opts *, const char *);

/* admin.c */
int	 admin_status(const struct opts *, struct ai_limitstore *);
int	 admin_reset(const struct opts *, struct ai_limitstore *);

#endif
