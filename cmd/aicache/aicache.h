/* aicache.h: what the files of aicache share. */
#ifndef AICACHE_H
#define AICACHE_H

#include "aitools.h"

/* Said when there is no cache file, neither given nor found. */
#define AICACHE_NO_PATH	"no cache file: set AICACHE_DB or HOME, or use -f"

/*
 * The flags that set what a profile may set too, as --show-config names
 * them: NULL or 0 where none was given.
 */
struct given {
	const char	*model, *system, *provider, *base_url, *ttl, *path;
	int		 temperature, max_tokens;
	json_t		*tags;		/* the names --tag set */
};

/* The commands, a bit each, for the options to say which take them. */
enum {
	C_GET = 1 << 0, C_PUT = 1 << 1, C_KEY = 1 << 2, C_STATS = 1 << 3,
	C_PURGE = 1 << 4, C_VACUUM = 1 << 5, C_EXPORT = 1 << 6,
	C_IMPORT = 1 << 7,
	C_STAGE = C_GET | C_PUT,		/* the pipeline stages */
	C_REQUEST = C_GET | C_PUT | C_KEY,	/* they make keys */
	C_FILE = C_GET | C_PUT | C_STATS | C_PURGE | C_VACUUM | C_EXPORT |
	    C_IMPORT,
	C_ANY = C_FILE | C_KEY,
};

/* The command line, once read. */
struct opts {
	const char	*path;		/* the cache file; NULL: none */
	const char	*ns;		/* namespace */
	struct ai_defaults defaults;	/* as aiq's -m, -s, -t, --max-tokens */
	const char	*provider;	/* -P, or NULL */
	const char	*base_url;	/* --base-url, or NULL */
	struct ai_router rt;		/* where requests go, as in aiq */
	int64_t		 ttl_ms;	/* get: max age; put: lifetime */
	int64_t		 max_size;	/* put: bytes of responses, 0: no cap */
	int64_t		 older_ms;	/* purge --older-than */
	const char	*purge_model;	/* purge --model */
	int		 expired;	/* purge --expired */
	int		 all;		/* purge --all */
	int		 deterministic;	/* only temperature 0 or a seed */
	int		 fail_open;	/* get: pass through when the cache fails */
	int		 canonical;	/* key: print the canonical request */
	int		 no_usage_log;
	json_t		*tags;		/* get --tag, or NULL */
	int		 batch;		/* records per transaction, 0: as read */
	int		 given_ns;	/* -n was given, "" included */
	const char	*config;	/* -c */
	const char	*profile_name;	/* -p */
	int		 show_config;	/* --show-config */
	struct ai_config *file;		/* the config file, or NULL */
	const struct ai_profile *profile;	/* -p's, or NULL */
	const char	*service;	/* of the hits: the profile's or the
					   file's, as aiq's */
	struct given	 given;
};

/* What a record is to the cache. */
struct rec {
	long		 lineno;
	const char	*line;
	size_t		 len;
	json_t		*json;		/* NULL: not a JSON object */
	struct ai_request req;
	int		 is_request;	/* req is set */
	int		 answered;	/* has a response or an error already */
	const struct ai_provider *prov;
	unsigned char	 key[AI_KEYLEN];
	const struct ai_buf *canon;	/* the text the key digests */
	int		 keyed;		/* key is set */
	unsigned char	 sent[AI_KEYLEN];	/* aitools.key: that of the */
	int		 has_sent;	/* request sent, if set */
	int		 bad_sent;	/* aitools.key is set, not a key */
	int		 bypass;	/* aitools.cache_control says not to look */
	int		 no_store;	/* nor to store */
	char		 why[AI_ERRLEN];	/* why it has no key */
};

/* profile.c */
void	 profile_apply(struct opts *);
int	 profile_show(const struct opts *, unsigned);
/* records.c */
void	 rec_read(const struct opts *, struct rec *, long, const char *,
	    size_t, struct ai_buf *);
void	 rec_pass(const struct rec *, struct ai_buf *);
void	 rec_free(struct rec *);
const char *rec_provider(const struct opts *, const struct rec *);
struct ai_cache *stage_cache(const struct opts *, char *);
int	 deterministic(const json_t *);
int	 storable(const json_t *);

/*
 * A stage over the records of stdin: begin and end frame each batch (the
 * records read at once, or --batch of them), one handles a record and
 * appends what it writes to out, which goes out after end; written is
 * called once it went out, and not when it could not be written.  Each
 * returns -1 to stop; one may return 1 to end the batch after its record.
 */
struct stage {
	int	(*begin)(void *);
	int	(*one)(void *, struct rec *, struct ai_buf *);
	int	(*end)(void *);
	int	(*written)(void *);
	void	*arg;
	int	 keys;		/* writes keys, not records: aicache key */
};
int	 run_stage(const struct opts *, const struct stage *);

/* get.c, put.c, admin.c: the commands */
int	 cmd_get(const struct opts *);
int	 cmd_put(const struct opts *);
int	 cmd_key(const struct opts *);
int	 cmd_stats(const struct opts *);
int	 cmd_purge(const struct opts *);
int	 cmd_vacuum(const struct opts *);
int	 cmd_export(const struct opts *);
int	 cmd_import(const struct opts *);

#endif
