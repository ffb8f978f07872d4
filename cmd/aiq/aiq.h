/* aiq.h: what the files of aiq share. */
#ifndef AIQ_H
#define AIQ_H

#include <curl/curl.h>
#include <signal.h>

#include "aitools.h"

#define MAX_RESPONSE	(64u << 20)	/* longest response body */
#define MAX_PROVIDERS	4
#define BACKOFF_BASE_MS	500		/* the first retry's bound */

enum mode { MODE_TEXT, MODE_JSON, MODE_LINES };
enum stream { STREAM_AUTO, STREAM_ON, STREAM_OFF };
enum { SSE_UNKNOWN, SSE_YES, SSE_NO };	/* an attempt's body, once seen */

/* A provider as this run reaches it: base URL, key, headers. */
struct endpoint {
	const struct ai_provider *prov;
	char		*base;
	struct curl_slist *headers;	/* auth and fixed headers */
	char		*key;		/* kept only to mask it in messages */
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
	struct ai_request req;
	struct endpoint	*ep;
	struct ai_call	 call;
	struct ai_buf	 resp;		/* the response body as received */
	size_t		 received;	/* bytes of body this attempt */
	int		 stream;	/* the answer comes as events */
	int		 sse;		/* SSE_UNKNOWN, SSE_YES or SSE_NO */
	struct ai_stream st;
	int		 emitted;	/* answer text already written out */
	int		 line_open;	/* and it does not end in a newline */
	CURL		*easy;
	int		 slot;
	struct curl_slist trace_hdr;	/* heads the endpoint's headers */
	char		 trace_line[80];
	char		 trace_id[33];
	char		 request_id[96];
	char		 retry_after[64];	/* headers of the last answer */
	char		 retry_after_ms[24];
	char		 curl_err[CURL_ERROR_SIZE];
	int64_t		 started_ms;
	int64_t		 t0_us;		/* when this attempt began */
	int64_t		 first_us;	/* when the first attempt began */
	int64_t		 due_us;	/* when the next attempt may begin */
	int		 attempts;
	int		 final;	/* this failure must not be retried */
	int		 by_deadline;	/* this attempt ends at the deadline */
	struct ai_buf	 failures;	/* a JSON object per failed attempt */
	const char	*tags;		/* JSON text: q's, or own_tags */
	char		*own_tags;	/* the record's merged with q's */
	int		 done;
	enum ai_errcode	 code;
	struct ai_usage	 usage;
	struct ai_buf	 out;		/* the output, once final */
};

struct stats {
	size_t		 records;
	size_t		 ok;
	size_t		 passed;
	size_t		 failed;
	size_t		 by_code[AI_E_NCODES];
	int64_t		 input_tokens;
	int64_t		 output_tokens;
};

struct aiq {
	enum mode	 mode;
	int		 jobs;
	int		 unordered;
	int		 resend_errors;
	int		 log_content;
	int		 summary;
	int64_t		 timeout_ms;	/* per attempt */
	int64_t		 deadline_ms;	/* per record, 0 for none */
	int64_t		 max_wait_ms;	/* longest wait between attempts */
	int		 max_attempts;
	enum stream	 stream;
	struct ai_router rt;		/* where requests go */
	const char	*service;
	json_t		*tags;		/* of --tag, or NULL */
	char		*tags_text;	/* and as JSON text */
	struct ai_defaults defaults;
	struct endpoint	 eps[MAX_PROVIDERS];	/* set up on first use */
	struct curl_slist *extra;	/* -H headers, for every endpoint */
	int		 allow_http;
	struct ai_usagelog *log;
	int		 log_warned;

	CURLM		*multi;
	struct slot	*slots;		/* one per request in flight */
	int		*idle;		/* stack of free slot numbers */
	int		 nidle;
	int		 inflight;
	struct job	**waiting;	/* a heap of jobs by due_us */
	int		 nwaiting;
	int		 input_done;
	int		 write_failed;

	struct ai_lines	 in;
	struct job	**ring;		/* held jobs, by seq modulo window */
	size_t		 window;
	size_t		 head;		/* oldest job not yet written */
	size_t		 next;		/* seq of the next job */
	struct ai_buf	 outbuf;	/* records ready to write */
	struct ai_buf	 tail;		/* scratch: what a record gets added */
	struct stats	 st;
	char		*text;		/* the text-mode answer */
};

extern volatile sig_atomic_t aiq_signal;

/* engine.c */
int	 engine_run(struct aiq *, const char *);

/* job.c */
struct job *job_new(struct aiq *, const char *, size_t, long, int);
int	 job_start(struct aiq *, struct job *, CURL *);
int	 job_finish(struct aiq *, struct job *, CURLcode);
void	 job_fail(struct aiq *, struct job *, enum ai_errcode, const char *);
void	 job_interrupt(struct aiq *, struct job *);
void	 job_free(struct job *);

/* output.c */
void	 output_job(struct aiq *, struct job *);
int	 output_flush(struct aiq *);
void	 output_summary(const struct aiq *);

/* endpoint.c */
struct endpoint *endpoint_init(struct aiq *, const struct ai_provider *,
	    const char *, const char *, enum ai_errcode *, char *);
struct endpoint *endpoint_get(struct aiq *, const struct ai_provider *,
	    enum ai_errcode *, char *);
void	 endpoints_free(struct aiq *);
void	 scrub_secrets(const struct endpoint *, char *);

#endif
