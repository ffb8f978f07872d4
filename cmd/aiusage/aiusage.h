/* aiusage.h: what the files of aiusage share. */
#ifndef AIUSAGE_H
#define AIUSAGE_H

#include <stdio.h>

#include "aitools.h"

#define MAX_BY		4	/* group-by dimensions */
#define MAX_PRICES	7	/* --prices files */

enum dim {
	D_MODEL, D_PROVIDER, D_SERVICE, D_STATUS, D_TIER,
	D_HOUR, D_DAY, D_WEEK, D_MONTH, D_FIELD
};

enum format { F_TABLE, F_CSV, F_TSV, F_JSONL, F_MARKDOWN, F_HTML };

/* The filters that left a call out, in struct call's miss. */
#define MISS_MODEL	0x1
#define MISS_SERVICE	0x2
#define MISS_TIME	0x4	/* out of the time range, or undated in one */

/* One call, from a log row or a record; strings are borrowed. */
struct call {
	int64_t		 ts_ms;		/* 0: not known */
	const char	*provider;
	const char	*model;
	const char	*service;
	const char	*status;	/* "ok", an error code, "cache_hit" */
	const char	*field;		/* the value of --by field: or tag: */
	struct ai_usage	 usage;
	int		 tier;		/* AI_TIER_* */
	int64_t		 latency_ms;	/* -1: not known */
	int		 hit;		/* answered from aicache */
	int		 no_usage;	/* ok, but its tokens are not known */
	uint64_t	 id;		/* dedup key's hash, 0: none */
	int		 miss;		/* MISS_*: the filters it fails */
};

/* The command line, once read. */
struct opts {
	enum dim	 by[MAX_BY];
	int		 nby;
	const char	*field;		/* PATH of --by field:PATH */
	const char	*field_label;	/* its column: PATH, or NAME of tag: */
	const char	*tag;		/* NAME of --by tag:NAME, or NULL */
	char		 tag_path[96];	/* and its field, aitools.tags.NAME */
	enum format	 format;
	int64_t		 since_ms;	/* 0: from the start */
	int64_t		 until_ms;	/* 0: to now */
	int		 time_given;	/* by --since or --until, not --budget */
	const char	*model;		/* --model filter */
	const char	*service;	/* --service filter */
	const char	*log_path;
	int		 from_log;	/* -L, or no records on stdin */
	char		**files;
	int		 nfiles;
	const char	*prices[MAX_PRICES + 1]; /* --prices, NULL-ended */
	int		 nprices;
	int64_t		 budget_micro;	/* 0: none */
	int		 period;	/* D_DAY, D_WEEK, D_MONTH */
	int		 period_set;	/* by --period */
	int		 batch_tier;	/* --batch: price records as batch */
	int		 no_dedup;
	int		 decimals;
	int		 decimals_set;	/* by --decimals */
	int		 no_bars;
};

/* when.c: times, periods and the names of groups. */
int	 when_parse(const char *, int64_t, int64_t *);
int64_t	 when_period_start(int, int64_t);
int64_t	 when_period_end(int, int64_t);
void	 when_bucket(enum dim, int64_t, char *, size_t);
int64_t	 when_rfc3339(const char *, size_t);
void	 when_text(int64_t, char *, size_t);

/* tally.c: calls summed by group, once each, priced. */
struct hist;
struct group {
	char		*key;		/* the group's values, '\x1f' apart */
	uint64_t	 hash;		/* of key */
	int64_t		 requests, errors, hits, unpriced;
	int64_t		 no_usage;	/* ok calls of unknown tokens */
	int64_t		 in, out, cached;
	struct ai_money	 cost;
	struct ai_money	 saved;		/* what the hits would have cost */
	struct hist	*lat;
};
struct tally {
	const struct opts *o;
	struct tally	*next;		/* fed the same calls: HTML's charts */
	const struct ai_prices *prices;
	struct group	**v;		/* the groups, hashed by key */
	size_t		 n, cap;
	struct group	 total;
	int64_t		 lines, duplicates, undated, bad_lines;
	int64_t		 unsent;	/* error records of no call */
	int64_t		 no_usage;	/* ok calls of unknown tokens */
	int64_t		 results;	/* lines that are results */
	int		 unread;	/* files that could not be opened */
	int		 no_results;	/* files of lines but no result */
	long		 first_bad_line;
	char		 first_bad_name[256];
	uint64_t	*seen;		/* dedup: hashes of ids, open addressing */
	size_t		 nseen, capseen;
	struct unpriced {
		char	 model[128];
		int64_t	 calls;
	}		 unp[16];
	int		 nunp;
	int64_t		 missed;	/* calls the filters given left out */
	struct values {			/* of those that one filter left out */
		char	 v[8][128];
		int	 n, more;
	}		 miss_models, miss_services;
	int64_t		 miss_first, miss_last, miss_undated;
};
void	 tally_init(struct tally *, const struct opts *,
	    const struct ai_prices *);
int	 tally_add(struct tally *, const struct call *);
void	 tally_bad_line(struct tally *, const char *, long);
struct group **tally_sorted(struct tally *);
int64_t	 group_uncosted(const struct group *);
int	 group_cost_unknown(const struct group *);
void	 tally_free(struct tally *);
int64_t	 hist_percentile(const struct hist *, double);
uint64_t hash64(const void *, size_t, uint64_t);

/* fromlog.c: the usage log as a source. */
int	 from_log(struct tally *, const char *);
void	 from_log_missed(struct tally *, const char *);

/* nomatch.c: the calls the filters left out, when they left out all. */
int	 filters_given(const struct opts *);
void	 tally_missed(struct tally *, const struct call *);
int	 no_match(const struct tally *);

/* fromrecords.c: a line of records read as a call. */
struct call_text {		/* the strings a call points to */
	char	 model[256], provider[64], service[256], status[64];
	char	 field[256];
};
enum parsed_kind { PARSED_CALL, PARSED_BAD, PARSED_UNDATED, PARSED_OUT,
	PARSED_UNSENT };
struct parsed {
	enum parsed_kind kind;
	struct call	 c;
	struct call_text s;
};
struct parser;
struct parser *parser_new(void);
void	 parser_free(struct parser *);
void	 parse_record(struct parser *, const struct opts *, const char *,
	    size_t, struct parsed *);

/* readrecords.c: records read and summed here, parsed in a thread. */
int	 from_records(struct tally *, int, const char *);

/* report.c, html.c: the formats. */
int	 report(FILE *, struct tally *, const char *);
int	 report_html(FILE *, struct tally *, const char *);
const char *dim_name(enum dim);
typedef void (*note_fn)(void *, int, const char *);
void	 report_notes(const struct tally *, note_fn, void *);
void	 group_value(const struct group *, int, char *, size_t);
void	 money_text(const struct ai_money *, int, int, char *, size_t);
int	 human_format(const struct opts *);
void	 cost_text(const struct tally *, const struct group *, char *,
	    size_t);
void	 uncosted_text(const struct group *, char *, size_t);

/* budget.c */
int	 budget_parse(const char *, int64_t *, char *, size_t);
int	 budget_report(FILE *, const struct opts *, const struct tally *,
	    int64_t);

extern const char *prog_label;	/* the price tables used, for reports */

#endif
