/*
 * aiq.h: what the files of aiq share.
 *
 * A record flows one way through them: job.c makes a job of an input
 * line (parsed, routed, keyed), engine.c sends it on a reused curl
 * handle, transfer.c's callbacks take in the answer, attempt.c decides
 * what the attempt came to and whether another is due, output.c writes
 * the output record (or the text-mode answer) and calls.c logs the call
 * in the usage log.  main.c fills the settings once; the run state lives
 * in struct aiq.
 */
#ifndef AIQ_H
#define AIQ_H

#include <curl/curl.h>
#include <signal.h>

#include "aitools.h"

#define MAX_PROVIDERS	16	/* ways to a provider: own, fallbacks */
#define BACKOFF_BASE_MS	500		/* the first retry's bound */

enum mode { MODE_TEXT, MODE_JSON, MODE_LINES };
enum stream { STREAM_AUTO, STREAM_ON, STREAM_OFF };
enum { SSE_UNKNOWN, SSE_YES, SSE_NO };	/* an attempt's body, once seen */
enum { EXIT_OK, EXIT_FAILED, EXIT_USAGE };	/* documented in aiq(1) */

/* Why the run stopped before its input ended. */
enum stop { STOP_NONE, STOP_SIGNAL, STOP_PIPE, STOP_WRITE };

/* Why an answer was refused for its size. */
enum { OVER_NONE, OVER_RESPONSE };

/* A provider as this run reaches it: base URL, key, headers. */
struct endpoint {
	const struct ai_provider *prov;
	const struct ai_provider_conf *conf;	/* its name, key, headers */
	char		*base;
	struct curl_slist *headers;	/* auth and fixed headers */
	char		*key;		/* kept only to mask it in messages */
	int		 refused;	/* the key was refused (401) */
	char		 refusal[AI_ERRLEN];	/* and the provider's words */
	struct denial	*denied;	/* models refused to the key (403) */
	size_t		 ndenied;
};

/* A model the provider refused to the run's key (403), and its words. */
struct denial {
	char		*model;
	char		 msg[AI_ERRLEN];
};

/*
 * The flags that set what a profile may set too, as --show-config names
 * them: NULL where no flag was given.
 */
struct given {
	const char	*provider, *model, *base_url, *key, *system;
	const char	*timeout, *service;
	int		 temperature, max_tokens;
	json_t		*tags;		/* the names --tag set */
};

/* The settings of the run, filled once from the command line. */
struct config {
	enum mode	 mode;
	int		 jobs;
	int		 unordered;
	int		 resend_errors;
	int		 log_content;
	int		 summary;
	int		 no_stdin;
	int		 progress;	/* -1: when stderr is a terminal */
	int64_t		 timeout_ms;	/* per attempt */
	int64_t		 deadline_ms;	/* per record, 0 for none */
	int64_t		 max_wait_ms;	/* longest wait between attempts */
	int64_t		 max_response;	/* bytes of one answer */
	int64_t		 max_buffer;	/* bytes of all answers held */
	int		 max_attempts;
	enum stream	 stream;
	const char	*service;
	json_t		*tags;		/* of --tag, or NULL */
	char		*tags_text;	/* and as JSON text */
	struct ai_defaults defaults;
	struct ai_router rt;		/* where requests go */
	struct ai_config *file;		/* the config file, or NULL */
	const struct ai_profile *profile;	/* -p's, or NULL */
	char		 trace_id[33];	/* $TRACEPARENT's, or "" */
	char		 trace_flags[3];	/* and its flags, else "01" */
	struct given	 given;
	struct curl_slist *extra;	/* -H headers, for the run's provider */
	int		 allow_http;
	const char	*resume[16];	/* --resume: earlier output files */
	int		 nresume;
	char		*command;	/* the command line, to resume with */
	int		 command_masked;	/* with the values of -H masked */
};

/* A place for one request in flight; its curl handle is reused. */
struct slot {
	CURL		*easy;
	struct job	*job;
};

/*
 * One input record on its way to becoming one output record, through one
 * or more attempts.
 */
struct job {
	struct aiq	*q;
	size_t		 seq;
	long		 lineno;
	char		*line;		/* the input line, as read */
	size_t		 len;
	json_t		*rec;		/* the parsed record */
	char		*salvaged;	/* the custom_id of a line too long */
	struct ai_request req;
	struct endpoint	*ep;
	struct ai_call	 call;
	char		 key[AI_KEYHEX];	/* the cache key of the request */
	struct ai_buf	 resp;		/* the response body as received */
	int		 stream;	/* the answer comes as events */
	int		 sse;		/* SSE_UNKNOWN, SSE_YES or SSE_NO */
	struct ai_stream st;
	size_t		 held;		/* bytes of answer held, counted in
					   q->held */
	int		 over;		/* OVER_*: the answer was too big */
	int		 paused;	/* waits for room under --max-buffer */
	size_t		 want;		/* the bytes it waits to take */
	int		 timer_off;	/* -T does not run while it waits */
	int64_t		 paused_us;	/* since when */
	int64_t		 paused_ms;	/* all its waits, not counted as time */
	int64_t		 attempt_paused_ms;	/* of them, this attempt's */
	long		 timeout_ms;	/* this attempt's limit, waits aside */
	int		 sent;		/* this attempt's request went out */
	int		 resent;	/* times libcurl sent one again */
	int		 answering;	/* and its answer began */
	int		 emitted;	/* answer text already written out */
	int		 line_open;	/* and it does not end in a newline */
	CURL		*easy;
	int		 slot;
	struct curl_slist trace_hdr;	/* heads the endpoint's headers */
	char		 trace_line[160];
	char		 trace_id[33];
	char		 request_id[96];
	char		 retry_after[64];	/* headers of the last answer */
	char		 retry_after_ms[24];
	struct ai_ratelimit rl;		/* its rate-limit headers */
	char		 curl_err[CURL_ERROR_SIZE];
	int64_t		 started_ms;
	int64_t		 t0_us;		/* when this attempt began */
	int64_t		 first_us;	/* when the first attempt began */
	int64_t		 due_us;	/* when the next attempt may begin */
	int		 attempts;
	int		 final;	/* this failure must not be retried */
	int		 refused;	/* ended unsent: its key or model refused */
	int		 by_deadline;	/* this attempt ends at the deadline */
	struct ai_buf	 failures;	/* a JSON object per failed attempt */
	json_t		*written;	/* the body as written, for fallbacks */
	int		 hops;		/* models fallen back from */
	int		 next_fallback;	/* in the profile's chain */
	int		 context_used;	/* context_fallback was taken */
	int		 logged;	/* its last call is in the usage log */
	struct ai_buf	 fallbacks;	/* a JSON object per model left */
	const char	*tags;		/* JSON text: the run's, or own_tags */
	char		*own_tags;	/* the record's merged with the run's */
	int		 done;
	enum ai_errcode	 code;
	struct ai_buf	 out;		/* the output, once final */
};

struct stats {
	size_t		 records;
	size_t		 ok;
	size_t		 passed;
	size_t		 resumed;	/* of them, answers of --resume's file */
	size_t		 passed_errors;	/* of them, errors of an earlier run */
	size_t		 failed;
	size_t		 by_code[AI_E_NCODES];
	int64_t		 input_tokens;
	int64_t		 output_tokens;
	int64_t		 unknown_tokens;	/* calls whose tokens are not known */
	struct ai_money	 cost;		/* of the calls priced */
	size_t		 priced;	/* calls in it */
	size_t		 unpriced;	/* calls not in it */
};

struct progress;
struct resume;

/* The run. */
struct aiq {
	const struct config *cf;
	struct endpoint	 eps[MAX_PROVIDERS];	/* set up on first use */
	struct ai_usagelog *log;
	int		 log_broken;	/* the log could not be opened */
	int64_t		 unlogged;	/* calls made while it was */
	int		 log_warned;	/* a failure to write it was said */
	int		 stale_warned;	/* a hit for another request was said */

	CURLM		*multi;
	struct slot	*slots;		/* one per request in flight */
	int		*idle;		/* stack of free slot numbers */
	int		 nidle;
	int		 inflight;
	struct job	**waiting;	/* a heap of jobs by due_us */
	int		 nwaiting;
	int		 input_done;
	enum stop	 stop;		/* the run stops early, and why */
	int		 out_dead;	/* the output cannot be written */
	int64_t		 held;		/* bytes of answers held by all jobs */
	int		 npaused;	/* transfers waiting for room */
	struct job	*leader;	/* with -u, the one that never waits */

	struct ai_lines	 in;
	struct job	**ring;		/* held jobs, by seq modulo window */
	size_t		 window;
	size_t		 head;		/* oldest job not yet written */
	size_t		 next;		/* seq of the next job */
	struct ai_buf	 outbuf;	/* records ready to write */
	int		 out_pipe;	/* stdout is a pipe: 1, not: -1, 0: not
					   known yet */
	struct ai_buf	 tail;		/* scratch: what a record gets added */
	struct ai_buf	 body;		/* scratch: an answer's body, one line */
	struct ai_buf	 canon;		/* scratch: a request's canonical form */
	struct stats	 st;
	struct ai_prices prices;	/* for the cost in the progress line */
	int		 priced;	/* prices are loaded */
	struct progress	*pg;		/* the progress line, or NULL */
	struct resume	*rs;		/* --resume's answers, or NULL */
};

extern volatile sig_atomic_t aiq_signal;

/* engine.c: the event loop. */
int	 engine_run(struct aiq *, const char *, size_t);

/* job.c: a record made a job: parsed, routed, keyed. */
struct job *job_new(struct aiq *, const char *, size_t, long, int);
int	 job_prepare(struct aiq *, struct job *, char *);
void	 job_headers(struct aiq *, struct job *);
int	 job_start(struct aiq *, struct job *, CURL *);
const char *not_text(char);
void	 job_free(struct job *);

/* transfer.c: a transfer's callbacks, and the memory answers hold. */
void	 transfer_setup(struct job *, CURL *);
void	 transfer_release(struct aiq *, struct job *);
void	 transfer_written(struct aiq *, struct job *);
void	 transfer_unpause(struct aiq *);
void	 transfer_go(struct aiq *, struct job *);
int	 transfer_is_sse(struct job *);

/* attempt.c: what an attempt came to, and whether another is due. */
int	 attempt_finish(struct aiq *, struct job *, CURLcode);
void	 attempt_stop(struct aiq *, struct job *);

/* output.c: output records, the text-mode answer, and writing them. */
void	 output_answer(struct aiq *, struct job *, const struct ai_result *,
	    long);
void	 output_error(struct aiq *, struct job *, enum ai_errcode,
	    const char *, long);
void	 output_text(struct job *, const char *, size_t);
void	 output_end_line(struct job *);
void	 output_job(struct aiq *, struct job *);
int	 output_flush(struct aiq *);
int	 output_dead(const struct aiq *);
void	 output_summary(const struct aiq *);
void	 output_stopped(const struct aiq *);
int	 shell_word(struct ai_buf *, const char *);

/* fallback.c: a failed model's record on to the next of the chain. */
int	 fallback_next(struct aiq *, struct job *, struct ai_result *, long);

/* profile.c: the config file's profile made the run's settings. */
void	 profile_apply(struct config *, const char **);
int	 profile_show(const struct config *, const char *);
int	 profile_list(const struct ai_config *);

/* calls.c: the usage log, a row for every call made. */
void	 calls_open(struct aiq *, const char *, int);
void	 calls_log(struct aiq *, struct job *, const struct ai_result *, long);
void	 calls_tick(struct aiq *);
int	 calls_close(struct aiq *);

/* endpoint.c: providers as reached by this run; keys kept secret. */
struct endpoint *endpoint_init(struct aiq *, const struct ai_provider_conf *,
	    const char *, const char *, enum ai_errcode *, char *);
struct endpoint *endpoint_keyless(struct aiq *,
	    const struct ai_provider_conf *, const char *, const char *);
struct endpoint *endpoint_conf(struct aiq *, const struct ai_provider_conf *,
	    enum ai_errcode *, char *);
struct endpoint *endpoint_get(struct aiq *, const struct ai_provider *,
	    enum ai_errcode *, char *);
void	 endpoint_refused(struct endpoint *, long, const char *,
	    const char *);
const char *endpoint_refusal(const struct endpoint *, const char *);
void	 endpoints_free(struct aiq *);

/* progress.c: the progress line on a terminal, and messages around it. */
void	 progress_start(struct aiq *);
void	 progress_update(struct aiq *, int);
void	 progress_end(struct aiq *);
void	 say(const struct aiq *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));

/* resume.c: the answers of an earlier run's output, by id or line. */
struct resume *resume_new(void);
int	 resume_add(struct resume *, const char *, char *);
int	 resume_find(struct resume *, const json_t *, long, const char *,
	    struct ai_buf *);
void	 resume_counts(const struct resume *, long *, long *);
void	 resume_close(struct resume *);

/* prompt.c: the text-mode prompt, from arguments and stdin. */
char	*prompt_read(struct aiq *, char **, int, size_t *);

#endif
