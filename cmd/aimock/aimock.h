/*
 * aimock.h: what the files of aimock share.
 *
 * aimock is a local fake LLM provider for tests, demos and offline work.
 * It speaks the OpenAI chat-completions wire format, on OpenAI's path and
 * Azure OpenAI's, and the Anthropic Messages one over libmicrohttpd,
 * answers by echoing the last user message (or a fixed reply), plainly
 * or as server-sent events, and lets every request choose its status,
 * latency, error code and faults through knobs, so that one server can
 * serve a whole test file.
 *
 * Each request goes through the same steps (server.c): the body is
 * collected, logged (log.c), parsed by its route (openai.c, azure.c,
 * anthropic.c) into a struct mockreq, its knobs are resolved (knobs.c),
 * its costs are checked against the rate limits (limits.c), the
 * behaviour is chosen (faults.c), and the route's wire format builds the
 * body that is sent whole (respond.c) or as events (stream.c); bodies
 * too large to hold are made as they are sent (fill.c).
 *
 * Ownership follows lib/aitools.h: a json_t * returned is a new
 * reference, an argument is borrowed unless the comment says "steals".
 */
#ifndef AIMOCK_H
#define AIMOCK_H

#include <netinet/in.h>

#include <stdint.h>

#include <jansson.h>
#include <microhttpd.h>

#include "aitools.h"

#define MAX_BODY	(64 * 1024 * 1024)	/* larger uploads get 413 */
#define MAX_ECHO	1000		/* bytes of echoed reply */
#define MAX_DEPTH	128		/* nesting of a body we parse */
#define MAX_LATENCY	3600000		/* one hour, in milliseconds */
#define MAX_FAIL	16		/* items of a fail list */
#define HANG_POLL	50		/* ms between checks of a hung client */
#define MAX_NAME	64		/* bytes of a name in a path */

/*
 * A byte a reply may end with, where a fault puts what jansson could not
 * (bytes that are not UTF-8) or would not hold (60 MB of filler): it is
 * looked for, as jansson writes it, after the body is made.
 */
#define MARK		'\001'
#define MARK_JSON	"\\u0001"
#define MARK_JSONLEN	6

/* What a request may be told to do instead of answering well. */
enum fault {
	F_NONE,
	F_HANG,		/* never answer */
	F_DROP,		/* close the connection without a response */
	F_MALFORMED,	/* 200 with a body that is not JSON */
	F_CUT,		/* abort the connection half-way through the body */
	F_TRUNCATE,	/* end a stream cleanly half-way */
	F_BAD_UTF8,	/* 200 whose reply holds bytes that are not UTF-8 */
	F_BAD_UTF8_ERROR, /* an error whose message holds them */
	F_BAD_UTF8_HEADER, /* the request id header holds byte 0xff */
	F_LONG_ERROR,	/* an error with a long multibyte message */
	F_STREAM_ERROR,	/* a stream that ends with such an error event */
	F_ENDLESS,	/* a body or SSE line that never ends */
	F_PADDED,	/* a good answer padded to the pad knob's size */
};

/* One item of a fail list: an HTTP status, or a fault when status is 0. */
struct failure {
	int		 status;
	enum fault	 fault;
};

/*
 * The knobs: how to answer.  The command line sets the defaults; a
 * request's X-Mock-* headers override them, and its [[mock ...]]
 * directive overrides both.
 */
struct knobs {
	int		 status;
	long		 lat_min, lat_max;	/* milliseconds */
	char		 code[64];		/* error code override, or "" */
	enum fault	 fault;			/* applied to every request */
	struct failure	 fail[MAX_FAIL];
	int		 nfail;
	double		 fail_rate;		/* 0 to 1 */
	long		 fail_first;		/* 0: off */
	long		 retry_after;		/* seconds, -1: no header */
	long		 retry_after_ms;	/* -1: no header */
	long		 chunk_delay;		/* ms between stream events */
	long		 cache_read, cache_write;	/* tokens */
	long long	 prompt_tokens;	/* reported as is, when prompt_set */
	int		 prompt_set;
	int64_t		 pad;			/* bytes, 0: none */
	long		 ratelimit;	/* 0: the rate limits pass it by */
};

/*
 * The rate limits, per minute (limits.c).  Each wire format has a
 * bucket of each; input and output are Anthropic's alone.
 */
enum limit {
	L_REQUESTS,		/* --rpm: one a request */
	L_TOKENS,		/* --tpm: prompt and output tokens */
	L_INPUT,		/* --itpm: prompt tokens */
	L_OUTPUT,		/* --otpm: output tokens */
	NLIMITS
};
#define MAX_RATE	1000000000L	/* the largest limit a minute */

/* The command line, read-only once the daemon runs. */
struct config {
	struct sockaddr_in addr;
	struct knobs	 knobs;
	const char	*reply;
	const char	*apikey;
	int		 logfd;
	int64_t		 limit[NLIMITS];	/* a minute; 0: no limit */
};
extern struct config cfg;

/* The upload of one request, collected across handler calls. */
struct upload {
	struct ai_buf	 data;
	int		 toobig;
};

/* The wire formats; each has its own error bodies and headers. */
enum api {
	API_OPENAI,
	API_ANTHROPIC,
};

struct mockreq;
struct sse;

/*
 * A URL the mock serves, and the wire format it answers in.  A '*' in
 * the path stands for a name: 1 to MAX_NAME letters, digits, '.', '_'
 * and '-', such as the deployment of Azure OpenAI's paths.
 */
struct route {
	const char	*method;
	const char	*path;
	enum api	 api;
	void		(*parse)(struct mockreq *);	/* a chat route's */
	json_t		*(*success)(struct mockreq *);
	int		(*stream)(struct mockreq *, struct sse *);
	json_t		*(*error)(struct mockreq *);
};

/* The buckets as a request left them, for its rate-limit headers. */
struct rlview {
	int		 on;		/* a limit applies: send the headers */
	int64_t		 limit[NLIMITS];	/* 0: not set */
	int64_t		 remaining[NLIMITS];
	int64_t		 reset_ms[NLIMITS];	/* until full again */
	int64_t		 now_ms;	/* the wall clock then */
};

/*
 * One request: what was received, what its route parsed out of it, and
 * what the mock was told to do.  A real problem with the request
 * (err_status) beats every simulated behaviour.
 */
struct mockreq {
	struct MHD_Connection *conn;
	const char	*method;
	const char	*path;
	const struct upload *up;
	const struct route *route;
	char		 name[MAX_NAME + 1];	/* what the route's '*' matched */
	unsigned long long id;

	json_t		*body;		/* the parsed body, or NULL */
	char		 bodyerr[JSON_ERROR_TEXT_LENGTH];	/* why not */
	const char	*model;		/* borrowed from body, or "mock" */
	struct ai_buf	 user;		/* text of the last user message */
	json_int_t	 prompt_tokens;
	json_int_t	 max_tokens;	/* 0 when not limited */
	int		 stream;	/* answer with server-sent events */
	int		 stream_usage;	/* OpenAI's include_usage */

	struct knobs	 k;
	long		 latency;	/* milliseconds, once picked */
	enum fault	 fault;		/* the fault chosen, if any */
	int		 mark;		/* end the reply with MARK */
	uint64_t	 pad_text;	/* bytes of filler after the reply */

	int		 err_status;	/* 0 when the request is fine */
	const char	*err_code;
	const char	*err_type;	/* NULL for the status's own type */
	char		 err_msg[512];	/* "" for the status's own message */

	struct rlview	 rl;
};

/* An answer of the chat routes, in the terms of both wire formats. */
struct answer {
	struct ai_buf	 text;
	int		 cut;		/* stopped by the token limit */
	json_int_t	 tokens;	/* completion tokens, at least 1 */
};

/* What to do with a request, once it is understood. */
enum behaviour {
	B_REPLY,
	B_ERROR,
	B_FAULT,
};

/*
 * main.c: MHD logs the connections we close on purpose as errors; a
 * connection's thread sets this when it does, to keep stderr for real ones.
 */
extern _Thread_local int mhd_quiet;

/* server.c: the request flow. */
void	 reject(struct mockreq *, int, const char *, const char *, ...)
	    __attribute__((format(printf, 4, 5)));
int	 error_status(const struct mockreq *);
enum MHD_Result access_cb(void *, struct MHD_Connection *, const char *,
	    const char *, const char *, const char *, size_t *, void **);
void	 completed_cb(void *, struct MHD_Connection *, void **,
	    enum MHD_RequestTerminationCode);

/* knobs.c: the knobs from flags, headers and directives. */
void	 knobs_init(struct knobs *);
int	 knob_number(const char *, size_t, long, long, long *, char *);
int	 knob_set(struct knobs *, const char *, size_t, const char *, size_t,
	    char *);
int	 knob_headers(struct knobs *, struct MHD_Connection *, char *, size_t);
void	 knob_directive(struct mockreq *, const char *);

/* chat.c: prompts, token counts and the echo reply. */
json_int_t ceil4(size_t);
json_t	*lossy_string(const char *, size_t);
long long content_text(const json_t *, struct ai_buf *);
int	 chat_prompt(struct mockreq *, const json_t *);
int	 chat_answer(const struct mockreq *, struct answer *);

/* openai.c and anthropic.c: the routes' wire formats. */
void	 openai_parse(struct mockreq *);
json_t	*openai_success(struct mockreq *);
int	 openai_stream(struct mockreq *, struct sse *);
json_t	*openai_models(struct mockreq *);
json_t	*openai_error(struct mockreq *);
void	 openai_limited(struct mockreq *, enum limit, int64_t, int64_t);
int	 openai_limit_headers(const struct mockreq *, struct MHD_Response *);
void	 anthropic_parse(struct mockreq *);
json_t	*anthropic_success(struct mockreq *);
int	 anthropic_stream(struct mockreq *, struct sse *);
json_t	*anthropic_error(struct mockreq *);
void	 anthropic_limited(struct mockreq *, enum limit, int64_t, int64_t);
int	 anthropic_limit_headers(const struct mockreq *,
	    struct MHD_Response *);

/* azure.c: Azure OpenAI's path and errors, on the OpenAI wire format. */
void	 azure_parse(struct mockreq *);
json_t	*azure_error(struct mockreq *);

/* respond.c: whole responses. */
enum MHD_Result queue(const struct mockreq *, int, struct MHD_Response *,
	    const char *);
char	*find_mark(char *, size_t);
int	 put_bad_bytes(struct ai_buf *, size_t *);
enum MHD_Result send_json(const struct mockreq *, int, json_t *);
enum MHD_Result send_broken(const struct mockreq *, json_t *, enum fault);

/* stream.c: server-sent events. */
int	 sse_event(struct sse *, const char *, json_t *);
int	 sse_raw(struct sse *, const char *);
void	 sse_pieces_start(struct sse *);
void	 sse_pieces_end(struct sse *);
size_t	 piece_len(const char *, size_t);
struct sse *sse_build(struct mockreq *);
const struct ai_buf *sse_text(const struct sse *);
void	 sse_event_bounds(const struct sse *, size_t, size_t *, size_t *);
void	 sse_free(void *);
enum MHD_Result send_stream(struct mockreq *);

/* fill.c: the padded and endless bodies, made as they are sent. */
enum MHD_Result send_fill(struct mockreq *);

/* faults.c: choosing how a request goes wrong. */
#define BAD_BYTES	" \xc3\xa9\xe2\x82\xac \xff\xfe \xc3( \x80"
uint64_t mock_rand(void);
enum behaviour choose(struct mockreq *);
json_t	*fault_message(const struct mockreq *);

/* limits.c: the rate limits. */
void	 limit_request(struct mockreq *);
void	 go_duration(int64_t, char *, size_t);
void	 rfc3339_after(int64_t, int64_t, char *, size_t);

/* wait.c: waits that shutdown cuts short. */
int	 wait_init(void);
void	 wait_stop(void);
int	 mock_sleep(long);
int	 stopping(void);
void	 hang(struct MHD_Connection *);

/* log.c: the request log. */
void	 log_request(const struct mockreq *);

#endif /* AIMOCK_H */
