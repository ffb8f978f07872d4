/*
 * aitools.h: the shared library of the aitools programs.
 *
 * Ownership, once for the whole header: a function returning json_t * or
 * char * hands the caller a new reference or allocation to release with
 * json_decref() or free(); a json_t * argument is borrowed unless the
 * comment says "steals".  The library never prints and never exits: a
 * failing call returns -1 (or NULL) and writes a lowercase message without
 * a full stop into the caller's error buffer of AI_ERRLEN bytes.
 *
 * Sections follow the .c files of lib/.
 */
#ifndef AITOOLS_H
#define AITOOLS_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#define AI_ERRLEN 256
#define AI_RECORD_VERSION 1	/* "v" of the aitools metadata object */
#define AI_MAX_LINE	(64u << 20)	/* longest record line, in every tool */
#define AI_DEFAULT_MODEL "gpt-4o-mini"	/* of requests that name none */
#define AI_MAX_TOKENS	INT64_C(10000000000)	/* of one kind in one call */

/* buf.c: a growable byte buffer. */
struct ai_buf {
	char	*data;
	size_t	 len;
	size_t	 cap;
};
int	 ai_buf_append(struct ai_buf *, const void *, size_t);
int	 ai_buf_puts(struct ai_buf *, const char *);
void	 ai_buf_reset(struct ai_buf *);
void	 ai_buf_free(struct ai_buf *);
int	 ai_buf_json(struct ai_buf *, const json_t *);
int	 ai_buf_printf(struct ai_buf *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
int	 ai_buf_jstr(struct ai_buf *, const char *);
int	 ai_buf_oneline(struct ai_buf *, const char *, size_t);
int	 ai_buf_dump_cb(const char *, size_t, void *);

/* io.c: whole writes and incremental line reading. */
int	 ai_write_all(int, const void *, size_t);

struct ai_lines {
	int	 fd;
	struct ai_buf buf;
	size_t	 start;		/* first unconsumed byte of buf */
	size_t	 scanned;	/* bytes after start known to hold no '\n' */
	size_t	 max;		/* longest line kept; longer ones are cut */
	long	 lineno;	/* number of the last line returned */
	int	 eof;
	int	 skipping;	/* discarding the rest of an overlong line */
};
void	 ai_lines_init(struct ai_lines *, int, size_t);
int	 ai_lines_fill(struct ai_lines *);
int	 ai_lines_next(struct ai_lines *, char **, size_t *, int *);
long long ai_lines_left(const struct ai_lines *);
void	 ai_lines_free(struct ai_lines *);

/* stopsig.c: SIGINT, SIGTERM and SIGHUP caught, for an orderly end. */
void	 ai_catch_stop_signals(void (*)(int));
void	 ai_stop_signal(volatile sig_atomic_t *, int);

/* timeutil.c */
int64_t	 ai_now_ms(void);		/* wall clock, milliseconds */
int64_t	 ai_now_us(void);		/* and microseconds */
int64_t	 ai_mono_us(void);		/* monotonic clock, microseconds */
int	 ai_parse_duration(const char *, int64_t *);	/* "30s" -> ms */
void	 ai_format_time(int64_t, char *, size_t);	/* ms -> RFC 3339 UTC */
int	 ai_parse_rfc3339(const char *, size_t, int64_t *);	/* -> ms */
int	 ai_month_days(int, int);

/* opt.c: option values, checked one way in every tool. */
int	 ai_opt_number(const char *, int64_t, int64_t, int64_t *, char *);
int	 ai_opt_duration(const char *, int64_t, int64_t *, char *);
int	 ai_opt_temperature(const char *, double *, char *);
int	 ai_opt_size(const char *, int64_t *, char *);
int	 ai_opt_header(const char *, char *);
const char *ai_default_model(const char *);
int	 ai_params_set(json_t **, const char *, json_t *);

/* rand.c: fast non-cryptographic randomness seeded from the kernel. */
uint64_t ai_rand64(void);
void	 ai_trace_id(char [33]);	/* 32 lowercase hex digits */
int	 ai_traceparent_id(const char *, char [33], char [3]);

/* errcode.c: the stable error codes of records. */
enum ai_errcode {
	AI_OK,
	AI_E_AUTH,
	AI_E_BAD_REQUEST,
	AI_E_CONTEXT_LENGTH,
	AI_E_NOT_FOUND,
	AI_E_RATE_LIMITED,
	AI_E_QUOTA_EXCEEDED,
	AI_E_SERVER,
	AI_E_TIMEOUT,
	AI_E_NETWORK,
	AI_E_INVALID_INPUT,
	AI_E_BAD_RESPONSE,
	AI_E_INTERRUPTED,
	AI_E_OVERLOADED,
	AI_E_STREAM_TRUNCATED,
	AI_E_OVER_LIMIT,
	AI_E_NCODES
};
const char	*ai_errcode_name(enum ai_errcode);
int		 ai_errcode_find(const char *);
int		 ai_errf(char *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));
enum ai_errcode	 ai_errcode_from_http(long, const char *, const char *);

/* retry.c: which failures are worth another attempt, and when. */
int	 ai_retryable(enum ai_errcode);
int64_t	 ai_retry_after_ms(const char *, const char *, int64_t);
int64_t	 ai_backoff_ms(int, int64_t, int64_t, uint64_t);
int	 ai_time_at(const char *, int64_t, int64_t *);

/*
 * ratelimit.c: what an answer's headers say of the provider's rate
 * limits.  v[] holds, for each window, its limit and remaining count and
 * the time it resets, at v[window * 3 + 0, 1, 2]; times are milliseconds
 * since the epoch.  All zero: nothing came.
 */
enum { AI_RL_REQUESTS, AI_RL_TOKENS, AI_RL_INPUT_TOKENS,
	AI_RL_OUTPUT_TOKENS, AI_RL_WINDOWS };
#define AI_RL_RETRY_AFTER	(AI_RL_WINDOWS * 3)	/* Retry-After's time */
#define AI_RL_RETRY_AFTER_MS	(AI_RL_RETRY_AFTER + 1)	/* retry-after-ms's */
struct ai_ratelimit {
	int64_t		 at_ms;		/* when the headers came */
	int64_t		 v[AI_RL_RETRY_AFTER_MS + 1];
	uint32_t	 have;		/* bit i: v[i] came */
};
int	 ai_ratelimit_header(struct ai_ratelimit *, const char *, size_t);
int	 ai_ratelimit_json(struct ai_buf *, const struct ai_ratelimit *);

/* url.c */
int	 ai_url_is_loopback(const char *);
int	 ai_url_check(const char *, int, char *);
const char *ai_url_redact(const char *, char *, size_t);

/* key.c: API keys from the environment, a file or a command. */
char	*ai_key_from_file(const char *, char *);
char	*ai_key_from_command(const char *, char *);
struct ai_provider_conf;
char	*ai_key_load(const struct ai_provider_conf *, char *);
const char *ai_key_origin(const struct ai_provider_conf *, char *, size_t);
int	 ai_header_secret(const char *);
void	 ai_scrub_secrets(char *, const char *);

/* usage.c: token counts as every provider reports them, normalised. */
struct ai_usage {
	int64_t	 input;		/* all prompt tokens, cached ones included */
	int64_t	 output;	/* completion tokens, reasoning included */
	int64_t	 cached;	/* prompt tokens read from the provider's cache */
	int64_t	 cache_write;	/* prompt tokens written to the provider's cache */
	int64_t	 cache_write_1h; /* of them, written to last an hour */
	int64_t	 reasoning;
};
int	 ai_token_count_ok(int64_t);
int	 ai_usage_from_openai(const json_t *, struct ai_usage *);
json_t	*ai_usage_anthropic_to_openai(const json_t *);

/* record.c: input records in any accepted form, normalised. */
enum ai_form {
	AI_FORM_BATCH,		/* {"custom_id","method","url","body"} */
	AI_FORM_BODY,		/* {"model","messages",...} */
	AI_FORM_PROMPT,		/* {"prompt","system","model",...} */
	AI_FORM_PARAMS,		/* {"custom_id","params"}: Anthropic's */
};
struct ai_defaults {
	const char	*model;		/* used when a request names none */
	const char	*system;	/* system prompt for prompt records */
	json_t		*params;	/* added to every body lacking them */
	const char	*template;	/* makes the prompt of prompt records
					   and of records of fields alone */
};
struct ai_request {
	enum ai_form	 form;
	json_t		*body;		/* chat-completion request body */
	const struct ai_provider *native;	/* whose own form body is in,
					   or NULL for the common one */
	const char	*model;		/* borrowed from body */
	int		 model_defaulted;	/* model is the default one */
	const char	*custom_id;	/* borrowed from the record, or NULL */
	char		 idnum[24];	/* a numeric custom_id, as text */
	const char	*trace_id;	/* borrowed from the record, or NULL */
	const json_t	*tags;		/* aitools.tags of the record, or NULL */
};
int	 ai_in_list(const char *const *, const char *);
int	 ai_tag_name_ok(const char *);
int	 ai_record_is_done(const json_t *, int);
const char *ai_record_key(const json_t *, int *);
int	 ai_record_request(const json_t *, const struct ai_defaults *,
	    struct ai_request *, char *);
void	 ai_request_free(struct ai_request *);
json_t	*ai_prompt_record(const char *, size_t);
int	 ai_record_splice(struct ai_buf *, const char *, size_t,
	    const json_t *, const char *, size_t);
int	 ai_record_bare(struct ai_buf *, const char *, const char *, size_t);
int	 ai_record_mark(struct ai_buf *, const char *, size_t, const json_t *,
	    const char *, const char *);
char	*ai_record_salvage_id(const char *, size_t);

/*
 * The "aitools" object of an output record, as the writer of a result
 * fills it; members that are NULL or 0 are left out.
 */
struct ai_meta {
	long		 line;		/* the input line */
	int64_t		 started_ms, finished_ms;
	const char	*provider;
	const char	*model;
	int		 attempts;	/* 0: no call was made */
	int64_t		 latency_ms;	/* with attempts */
	const char	*trace_id;
	const char	*failed_attempts;	/* JSON text: the list's members */
	size_t		 failed_len;
	const char	*fallbacks;	/* JSON text: the models left */
	size_t		 fallbacks_len;
	const char	*service;
	const char	*tags;		/* JSON text of an object */
	const char	*key;		/* hex cache key of the request sent */
	const struct ai_ratelimit *ratelimit;	/* the last answer's headers */
	const char	*cache;		/* JSON text of aicache's mark of a hit */
};
int	 ai_tail_response(struct ai_buf *, long, const char *, const char *,
	    size_t, const struct ai_meta *);
int	 ai_tail_stored(struct ai_buf *, const char *, size_t,
	    const struct ai_meta *);
int	 ai_tail_error(struct ai_buf *, enum ai_errcode, const char *, long,
	    const struct ai_meta *);

/* template.c: prompt templates, {{input}} and {{field}}. */
int	 ai_template_expand(struct ai_buf *, const char *, const json_t *,
	    const char *, char *);
int	 ai_template_has(const char *, const char *);
const char *ai_template_field(const char *, char *, size_t);

/* sse.c: the server-sent events framing of streamed answers. */
typedef int (*ai_sse_cb)(void *, const char *, const char *, size_t);
struct ai_sse {
	struct ai_buf	 line;		/* a line not yet ended */
	struct ai_buf	 data;		/* the data lines of this event */
	char		 event[32];
	int		 has_data;
	int		 cr;		/* the last byte was CR */
};
int	 ai_sse_feed(struct ai_sse *, const char *, size_t, ai_sse_cb, void *);
void	 ai_sse_free(struct ai_sse *);

/* provider.c and the provider files: wire formats. */
struct ai_call {
	const char	*base_url;	/* without a trailing slash */
	json_t		*body;		/* the request body; prepare may add
					   the fields streaming needs */
	int		 native;	/* body is already in this provider's
					   own format */
	struct ai_buf	 url;		/* filled by prepare */
	struct ai_buf	 payload;	/* filled by prepare */
};
struct ai_result {
	enum ai_errcode	 code;
	char		 message[AI_ERRLEN];
	json_t		*body;		/* chat.completion, or the error body */
	struct ai_usage	 usage;
	const char	*model;		/* borrowed from body */
	int		 native;	/* body is the answer's own bytes, as is */
	int		 no_usage;	/* a success whose tokens are not known:
					   no usage, or counts that are not */
};

/*
 * A streamed answer being put together from its events.  on_text, when
 * set, sees each piece of answer text as it arrives.
 */
struct ai_stream {
	const struct ai_provider *prov;
	struct ai_sse	 sse;
	struct ai_buf	 text;		/* the answer so far */
	struct ai_buf	 refusal;	/* a refusal instead, as it came */
	json_t		*tools;		/* tool calls, in chat.completion form */
	json_t		*usage;		/* usage, in chat.completion form once
					   the stream has ended */
	json_t		*extra;		/* more members of the answer, such as
					   system_fingerprint */
	struct ai_buf	*args;		/* each tool call's arguments so far */
	size_t		 nargs;
	size_t		 tool_bytes;	/* of them all */
	char		 id[128];
	char		 model[128];
	char		 finish[32];	/* chat.completion finish_reason */
	int64_t		 created;
	int		 terminal;	/* the stream's end event was seen */
	enum ai_errcode	 code;		/* an error event, else AI_OK */
	char		 message[AI_ERRLEN];
	void		(*on_text)(void *, const char *, size_t);
	void		*arg;
};

struct ai_provider {
	const char	*name;
	const char	*default_base;
	const char	*key_env;	/* API key variable */
	const char	*base_env;	/* base URL variable */
	const char	*auth_header;	/* "Authorization: Bearer " etc. */
	const char *const *headers;	/* sent with every request */
	const char *const *model_prefixes;	/* of the models it serves */
	const char	*native_key;	/* a record's member holding a request
					   in this provider's own form */
	const char *const *key_prefixes;	/* how its API keys begin */
	int	(*prepare)(struct ai_call *, char *);
	void	(*parse)(long, const char *, size_t, struct ai_result *);
	int	(*stream_event)(struct ai_stream *, const char *, const char *,
		    size_t);
};
const struct ai_provider *ai_provider_at(size_t);
const struct ai_provider *ai_provider_find(const char *);
const struct ai_provider *ai_provider_for_model(const char *);
const struct ai_provider *ai_provider_of_record(const json_t *);
void	 ai_call_free(struct ai_call *);
void	 ai_result_free(struct ai_result *);
extern const struct ai_provider ai_openai;
extern const struct ai_provider ai_anthropic;

/* yaml.c: YAML text as JSON values, with where each was written. */
int	 ai_yaml_load(const char *, size_t, const char *, json_t **, json_t **,
	    char *);

/*
 * config.c: aitools.yaml, the config file: the service, the providers
 * declared once and the profiles.  Strings are borrowed from the config.
 */
enum { AI_RATE_REQUESTS, AI_RATE_TOKENS, AI_RATE_INPUT, AI_RATE_OUTPUT };
struct ai_rate {			/* "20000 tokens/min" */
	int64_t		 amount;
	int		 unit;		/* AI_RATE_* */
	int64_t		 per_s;		/* the period: 1, 60, 3600 or 86400 */
};
struct ai_provider_conf {
	const char	*name;
	const struct ai_provider *api;	/* the wire format it speaks */
	const char	*base_url;	/* or NULL: the api's own */
	const char	*key_env, *key_file, *key_command, *api_key;
	const char	*auth_header;	/* the key's header, or NULL: the
					   api's own */
	const json_t	*headers;	/* name -> value, or NULL */
	const json_t	*query;		/* name -> value, or NULL */
	char		*query_string;	/* and escaped, "a=b&c=d" */
	const char	*trace_header;	/* "traceparent", another, or NULL */
	char		*key_file_buf;
	int		 own;		/* not a built-in provider's name: its
					   key is only what it declares */
};
#define AI_MAX_RATES	6
#define AI_MAX_FALLBACKS 8
/* The codes a model's failure falls back on, by default: bit code. */
#define AI_FALLBACK_ON	((1u << AI_E_RATE_LIMITED) | (1u << AI_E_OVERLOADED) | \
	(1u << AI_E_SERVER) | (1u << AI_E_TIMEOUT) | (1u << AI_E_NETWORK))
struct ai_profile {
	const char	*name;
	const char	*service;	/* its own, else the file's */
	const struct ai_provider_conf *provider;	/* or NULL */
	const char	*model, *purpose, *system, *template;
	int64_t		 timeout_ms, cache_ttl_ms;	/* -1: not set */
	double		 temperature;
	int		 has_temperature;
	int64_t		 max_tokens;	/* 0: not set */
	const json_t	*params, *tags;	/* objects, or NULL */
	struct ai_rate	 rates[AI_MAX_RATES];
	int		 nrates;
	const char	*fallback[AI_MAX_FALLBACKS];	/* [provider/]model */
	int		 nfallback;
	uint32_t	 fallback_on;	/* bit code: the codes that fall back */
	const char	*context_fallback;	/* on context_length, or NULL */
	size_t		 index;		/* in ai_proxy.models */
};
struct ai_config {
	char		*path;
	json_t		*root, *where;
	const char	*service;
	struct ai_provider_conf *providers;	/* sorted by name */
	size_t		 nproviders;
	struct ai_profile *profiles;
	size_t		 nprofiles;
	char		 secret_at[128];	/* a key in clear, or "" */
};
char	*ai_config_path(const char *, char *);
struct ai_config *ai_config_load(const char *, char *);
void	 ai_config_free(struct ai_config *);
const struct ai_profile *ai_config_profile(const struct ai_config *,
	    const char *, char *);
const struct ai_provider_conf *ai_config_provider(const struct ai_config *,
	    const char *);
const char *ai_config_where(const struct ai_config *,
	    const struct ai_profile *, const char *, char *, size_t);
int	 ai_rate_parse(const char *, struct ai_rate *, char *);
int	 ai_config_target(const struct ai_config *, const char *,
	    const struct ai_provider_conf **, const char **);
int	 ai_rate_minute(const struct ai_rate *, int *, int64_t *, char *);
int	 ai_config_open(const char *, const char *, struct ai_config **,
	    const struct ai_profile **, char *);
int	 ai_profile_defaults(const struct ai_profile *, struct ai_defaults *,
	    char *);
json_t	*ai_profile_tags(const struct ai_profile *);

/* show.c: --show-config's lines, and the first reading of argv. */
struct option;
const char *ai_show_line(char *, size_t, const char *, const char *,
	    const char *);
const char *ai_show_from(const struct ai_config *, const struct ai_profile *,
	    const char *, const char *, const char *, char *, size_t);
const char *ai_show_var(const char *);
const char *ai_show_ms(int64_t, char *, size_t);
const char *ai_show_value(const json_t *, char *, size_t);
const char *ai_show_set_by(const struct ai_config *, const struct ai_profile *,
	    int, const char *, char *, size_t);
int	 ai_opt_prescan(int, char **, const char *, const struct option *,
	    const char **, const char **);

/* route.c: which provider and base URL a request goes to. */
#define AI_BASELEN	1024
struct ai_router {
	const struct ai_config *cf;	/* the config file, or NULL */
	const struct ai_provider_conf *own_conf;	/* -P's or the
					   profile's, or NULL */
	const struct ai_provider *forced;	/* its wire format, or NULL */
	const struct ai_provider *own;	/* forced, else the default model's */
	const char	*own_base;	/* --base-url, for own, or NULL */
};
int	 ai_router_init(struct ai_router *, const struct ai_config *,
	    const char *, const char *, const char *, char *);
const struct ai_provider *ai_route_provider(const struct ai_router *,
	    const struct ai_request *, char *);
const struct ai_provider_conf *ai_route_conf(const struct ai_router *,
	    const struct ai_provider *);
int	 ai_route_base(const struct ai_router *, const struct ai_provider *,
	    char *, size_t, char *);
int	 ai_route_base_conf(const struct ai_router *,
	    const struct ai_provider_conf *, char *, size_t, char *);

/* stream.c: streamed answers, whatever the provider. */
void	 ai_stream_init(struct ai_stream *, const struct ai_provider *);
int	 ai_stream_feed(struct ai_stream *, const char *, size_t);
int	 ai_stream_text(struct ai_stream *, const char *, size_t);
void	 ai_stream_copy(char *, size_t, const json_t *);
void	 ai_stream_error(struct ai_stream *, enum ai_errcode, const char *);
void	 ai_stream_finish(struct ai_stream *, struct ai_result *);
size_t	 ai_stream_held(const struct ai_stream *);
int	 ai_stream_tool_args(struct ai_stream *, size_t, const char *, size_t);
size_t	 ai_stream_tool_args_len(const struct ai_stream *, size_t);
void	 ai_stream_free(struct ai_stream *);

/* money.c: dollars summed exactly, in micro- and picodollars. */
struct ai_money {
	int64_t	 micro;		/* whole microdollars */
	int64_t	 pico;		/* and picodollars below them, 0 to 999999 */
};
int	 ai_money_parse(const char *, int64_t *);
void	 ai_money_add(struct ai_money *, int64_t);
int64_t	 ai_money_micro(const struct ai_money *);
void	 ai_money_format(const struct ai_money *, int, char *, size_t);
double	 ai_money_dollars(const struct ai_money *);
#define AI_MONEY_LEN	32	/* the longest amount shown, and its NUL */
const char *ai_money_show(int64_t, char *);

/* cachekey.c: what makes two requests one cache entry. */
#define AI_KEYLEN	32		/* SHA-256 */
#define AI_KEYHEX	(2 * AI_KEYLEN + 1)
int	 ai_cache_key(const char *, const char *, const json_t *,
	    struct ai_buf *, unsigned char [AI_KEYLEN], char *);
void	 ai_cache_key_hex(const unsigned char [AI_KEYLEN], char [AI_KEYHEX]);
int	 ai_cache_key_unhex(const char *, unsigned char [AI_KEYLEN]);

/* cache.c: the response cache, shared by processes; no other file knows
   its tables. */
struct ai_cache;
struct ai_cache_entry {
	const char	*ns;		/* namespace, "" by default */
	unsigned char	 key[AI_KEYLEN];
	const char	*provider;
	const char	*model;
	int64_t		 created_ms;
	int64_t		 expires_ms;	/* 0: never */
	int64_t		 used_ms;	/* 0: when created */
	int64_t		 hits;		/* read by ai_cache_iter_next */
	struct ai_usage	 usage;
	const char	*response;	/* JSON text of the record's response */
	size_t		 response_len;
	char		 model_buf[128];	/* the model, as get found it */
};
struct ai_cache_tally {		/* what lookups of one model came to */
	int64_t		 lookups, hits, tokens_in, tokens_out;
	struct ai_money	 saved;		/* the hits' cost, had they been calls */
	int64_t		 unpriced;	/* hits of a model without a price */
};
struct ai_cache_stats {
	int64_t		 entries, bytes;	/* held, bytes of responses */
	struct ai_cache_tally total;	/* get's lookups, every model */
};
struct ai_cache_filter {	/* entries to purge; NULL or 0: any */
	const char	*ns;
	const char	*model;
	int64_t		 created_before;	/* ms since the epoch */
	int64_t		 expired_at;	/* expired by this time, in ms */
};
typedef int (*ai_cache_model_cb)(void *, const char *,
	    const struct ai_cache_tally *);
struct ai_cache_iter;
enum { AI_CACHE_READ, AI_CACHE_WRITE, AI_CACHE_CREATE };
struct ai_cache *ai_cache_open(const char *, int, char *);
int	 ai_cache_close(struct ai_cache *, char *);
int	 ai_cache_begin(struct ai_cache *, char *);
int	 ai_cache_begin_read(struct ai_cache *, char *);
int	 ai_cache_commit(struct ai_cache *, char *);
void	 ai_cache_rollback(struct ai_cache *);
int	 ai_cache_get(struct ai_cache *, const char *, const unsigned char *,
	    int64_t, int64_t, struct ai_buf *, struct ai_cache_entry *, char *);
int	 ai_cache_touch(struct ai_cache *, const char *, const unsigned char *,
	    int64_t, char *);
int	 ai_cache_count(struct ai_cache *, const char *, const char *,
	    const struct ai_cache_tally *, char *);
int	 ai_cache_put(struct ai_cache *, const struct ai_cache_entry *, char *);
int64_t	 ai_cache_bytes(struct ai_cache *);
int64_t	 ai_cache_evict(struct ai_cache *, int64_t, char *);
int	 ai_cache_stats(struct ai_cache *, const char *,
	    struct ai_cache_stats *, char *);
int	 ai_cache_savings(struct ai_cache *, const char *, ai_cache_model_cb,
	    void *, char *);
int	 ai_cache_purge(struct ai_cache *, const struct ai_cache_filter *,
	    int64_t *, int64_t *, char *);
struct ai_cache_iter *ai_cache_iter_open(struct ai_cache *, const char *,
	    char *);
int	 ai_cache_iter_next(struct ai_cache_iter *, struct ai_cache_entry *,
	    char *);
void	 ai_cache_iter_close(struct ai_cache_iter *);
int64_t	 ai_cache_disk_bytes(const struct ai_cache *);
int	 ai_cache_vacuum(struct ai_cache *, char *);

/* dbfile.c: the tools' private SQLite files. */
struct sqlite3;
int	 ai_db_create_private(const char *, char *);
int	 ai_db_open(const char *, int, struct sqlite3 **);
int	 ai_db_share(struct sqlite3 *);
int	 ai_db_has_column(struct sqlite3 *, const char *, const char *,
	    size_t);
int	 ai_db_add_columns(struct sqlite3 *, const char *, const char *const *);
char	*ai_db_default_path(const char *, const char *, const char *,
	    const char *);

/* bucket.c: the arithmetic of rate limits and daily quotas. */
#define AI_BUCKET_SCALE	INT64_C(60000000)	/* microseconds a minute */
#define AI_BUCKET_MAX	(INT64_C(1) << 36)	/* units a limit may have */
enum { AI_LIMIT_RATE, AI_LIMIT_QUOTA };		/* per minute, per day */
enum { AI_LIMIT_OK, AI_LIMIT_WAIT, AI_LIMIT_NEVER };
struct ai_limit {
	int		 kind;		/* AI_LIMIT_RATE or AI_LIMIT_QUOTA */
	int64_t		 per;		/* units a minute, or a local day */
	int64_t		 burst;		/* a rate's capacity */
};
struct ai_bucket {
	int64_t		 level;		/* rate: units * SCALE; quota: used */
	int64_t		 updated_us;	/* rate: when; quota: which day */
};
int	 ai_bucket_try(struct ai_bucket *, const struct ai_limit *, int64_t,
	    int64_t, int64_t *);
void	 ai_bucket_take(struct ai_bucket *, const struct ai_limit *, int64_t);
void	 ai_bucket_give(struct ai_bucket *, const struct ai_limit *, int64_t,
	    int64_t);
int64_t	 ai_bucket_level(struct ai_bucket *, const struct ai_limit *, int64_t);

/* estimate.c: a request's tokens before it is sent, as limits count them. */
#define AI_EST_PRIMING		3	/* tokens of every prompt's framing */
#define AI_EST_PER_MESSAGE	4	/* and of each message's */
#define AI_EST_RESERVE		4096	/* output reserved without max_tokens */
struct ai_estimate {
	int64_t		 input;		/* the prompt, estimated */
	int64_t		 output;	/* reserved: max_tokens or the default */
	int		 defaulted;	/* the request set no max_tokens */
};
void	 ai_estimate_request(const json_t *, struct ai_estimate *);

/* limitstore.c: the shared state of limits, by key, behind one interface. */
#define AI_MAX_DRAWS	8
struct ai_draw {
	const char	*name;		/* the bucket: "rpm", "tpm", "tpd"... */
	struct ai_limit	 limit;
	int64_t		 amount;	/* to take, or to give back */
};
struct ai_limitstore;
char	*ai_limitstore_default_path(void);
struct ai_limitstore *ai_limitstore_open(const char *, char *);
int	 ai_limitstore_take(struct ai_limitstore *, const char *,
	    const struct ai_draw *, int, int64_t, int64_t *, int *, char *);
int	 ai_limitstore_reserve(struct ai_limitstore *, const char *,
	    const struct ai_draw *, int, int64_t, int64_t *, int *, char *);
int	 ai_limitstore_give(struct ai_limitstore *, const char *,
	    const struct ai_draw *, int, int64_t, char *);
int	 ai_limitstore_pause(struct ai_limitstore *, const char *, int64_t,
	    char *);
int	 ai_limitstore_levels(struct ai_limitstore *, const char *,
	    struct ai_draw *, int, int64_t, int64_t *, int64_t *, char *);
int	 ai_limitstore_learn(struct ai_limitstore *, const char *,
	    const char *, int64_t, int64_t, char *);
int	 ai_limitstore_learned(struct ai_limitstore *, const char *,
	    const char *, int64_t *, char *);
int	 ai_limitstore_reset(struct ai_limitstore *, const char *, char *);
void	 ai_limitstore_close(struct ai_limitstore *);

/* prices.c: price tables, and what a call costs. */
enum { AI_TIER_STANDARD, AI_TIER_BATCH, AI_TIER_FLEX, AI_TIER_PRIORITY,
	AI_TIERS };
struct ai_rates {		/* picodollars a token; -1: not given */
	int64_t	 input, output, cache_read, cache_write_5m, cache_write_1h;
	int64_t	 reasoning;
};
struct ai_price {
	char		*model;
	char		*provider;	/* or NULL */
	int64_t		 threshold;	/* long-context prompts: more tokens
					   than this; 0: no such tier */
	struct ai_rates	 rate[2][AI_TIERS];	/* [long context][tier] */
	size_t		 seq;		/* load order: later wins */
};
struct ai_prices {
	struct ai_price	*v;		/* sorted by model */
	size_t		 n, cap, seq;
	char		*label;		/* the tables loaded, for reports */
};
const char *ai_tier_name(int);
int	 ai_tier_find(const char *);
int	 ai_prices_load_json(struct ai_prices *, const json_t *, const char *,
	    char *);
int	 ai_prices_load_file(struct ai_prices *, const char *, char *);
int	 ai_prices_load_builtin(struct ai_prices *, char *);
char	*ai_prices_user_path(void);
int	 ai_prices_load_default(struct ai_prices *, const char *const *,
	    char *);
void	 ai_prices_free(struct ai_prices *);
const struct ai_price *ai_prices_find(const struct ai_prices *, const char *);
int	 ai_price_cost(const struct ai_price *, const struct ai_usage *, int,
	    int64_t *);
const char *ai_service_tier(const json_t *);
int	 ai_cost_micro(const struct ai_prices *, const char *,
	    const struct ai_usage *, const char *, int64_t *);

/* text.c: strings from outside made safe to keep and to show. */
size_t	 ai_utf8_char(const unsigned char *, size_t);
size_t	 ai_text_end(const char *, size_t, int);
size_t	 ai_text_clean(char *, size_t, const char *, size_t);
size_t	 ai_text_utf8(char *, size_t, const char *, size_t);
int	 ai_buf_utf8(struct ai_buf *, const char *, size_t);
const char *ai_text_show(char *, size_t, const char *);
json_t	*ai_json_loadb_lossy(const char *, size_t, json_error_t *, int *);

/* usagelog.c: the SQLite log of every call. */
struct ai_usagelog;
struct ai_logrow {
	int64_t		 ts_ms;
	const char	*provider;
	const char	*model;
	const char	*service;
	const char	*status;	/* "ok" or an error code */
	long		 http_status;
	struct ai_usage	 usage;
	int		 no_usage;	/* the answer told no tokens */
	const char	*tier;		/* the answer's service_tier, or NULL */
	const char	*tags;		/* a JSON object's text, or NULL */
	int64_t		 latency_ms;
	int		 attempts;
	const char	*trace_id;
	const char	*request_id;
	const char	*custom_id;
	const char	*prompt;	/* NULL unless content is logged */
	const char	*response;
};
char	*ai_usagelog_default_path(void);
struct ai_usagelog *ai_usagelog_open(const char *, char *);
int	 ai_usagelog_add(struct ai_usagelog *, const struct ai_logrow *, char *);
int	 ai_usagelog_flush(struct ai_usagelog *, char *);
int	 ai_usagelog_tick(struct ai_usagelog *, char *);
int	 ai_usagelog_close(struct ai_usagelog *, char *);
int64_t	 ai_usagelog_lost(const struct ai_usagelog *);

/* The calls a query of the usage log reads. */
struct ai_logfilter {
	int64_t		 since_ms;	/* at or after; 0: from the first */
	int64_t		 until_ms;	/* before; 0: to the last */
	const char	*model;		/* this model only, or NULL */
	const char	*service;	/* this service only, or NULL */
	const char	*tag;		/* a tag to read the value of, or NULL */
};
struct ai_logquery;
struct ai_logquery *ai_usagelog_query_open(const char *,
	    const struct ai_logfilter *, char *);
int	 ai_usagelog_next(struct ai_logquery *, struct ai_logrow *, char *);
const char *ai_usagelog_tag(const struct ai_logquery *);
void	 ai_usagelog_query_close(struct ai_logquery *);

#endif
