#!/bin/sh
# aimock: streamed answers (server-sent events) on both routes, and the
# chunk_delay knob that spaces them out.
. "$(dirname "$0")/lib.sh"

plan 31

# sse PATH BODY [CURL-ARGS...]: POSTs BODY to $MOCK_URL/PATH without
# buffering, leaving the events in out.sse, the headers in out.hdr, the
# status in $code and curl's exit status in $rc.
sse() {
	_path=$1 _body=$2
	shift 2
	code=$(curl -sN -o out.sse -D out.hdr -w '%{http_code}' \
	    -H 'anthropic-version: 2023-06-01' "$@" \
	    -H 'Content-Type: application/json' --data-binary "$_body" \
	    "$MOCK_URL/$_path")
	rc=$?
}

# data: the JSON of each data line of out.sse but [DONE], one a line.
data() {
	sed -n 's/^data: //p' out.sse | grep -v '^\[DONE\]$'
}

start_mock

# --- OpenAI
ask='{"model":"gpt-test","stream":true,"messages":[{"role":"user","content":"stream me please"}]}'
sse chat/completions "$ask"
is "$code:$rc" 200:0 'a streamed completion succeeds'
is "$(header content-type)" text/event-stream 'content type is text/event-stream'
is "$(header transfer-encoding)" chunked 'the body is chunked'
like "$(header x-request-id)" '^req_mock_[0-9]+$' 'x-request-id header'
is "$(data | head -n1 | jq -c '[.object, .model, .choices]')" \
	'["chat.completion.chunk","gpt-test",[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}]]' \
	'the first chunk gives the role'
is "$(data | jq -j '.choices[0].delta.content // empty')" 'Echo: stream me please' \
	'the pieces make the reply'
is "$(data | jq -c 'select(.choices[0].delta.content != null and .choices[0].delta.content != "") | .choices[0].delta.content' | tr '\n' '|')" \
	'"Echo: "|"stream "|"me "|"please"|' 'one piece a word and its blanks'
is "$(data | tail -n1 | jq -c '.choices[0] | [.delta, .finish_reason]')" '[{},"stop"]' \
	'the last chunk gives the finish reason'
is "$(sed -n 's/^data: //p' out.sse | tail -n1)" '[DONE]' 'the stream ends with [DONE]'
is "$(grep -c usage out.sse)" 0 'no usage without include_usage'
is "$(data | jq -r .id | sort -u | wc -l)" 1 'every chunk has the same id'
check 'each event is one data line and a blank line' \
	awk 'NR % 2 == 1 && !/^data: / { exit 1 } NR % 2 == 0 && $0 != "" { exit 1 }' out.sse

sse chat/completions '{"model":"gpt-test","stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"stream me please"}]}'
is "$(data | tail -n1 | jq -c '[.choices, .usage.prompt_tokens, .usage.completion_tokens, .usage.total_tokens]')" \
	'[[],11,6,17]' 'include_usage adds a last chunk with the usage'
is "$(sed -n 's/^data: //p' out.sse | tail -n1)" '[DONE]' 'and [DONE] after it'

sse chat/completions '{"stream":true,"max_tokens":3,"messages":[{"role":"user","content":"héllo wörld, how are you"}]}'
is "$(data | jq -j '.choices[0].delta.content // empty'):$(data | tail -n1 | jq -r '.choices[0].finish_reason')" \
	'Echo: héllo:length' 'max_tokens cuts the stream: finish_reason length'

sse chat/completions '{"stream":"yes","messages":[]}'
is "$code:$(jq -r .error.message out.sse)" \
	"400:Invalid type for 'stream': expected a boolean." 'stream must be a boolean'

sse chat/completions "$ask" -H 'X-Mock-Status: 429'
is "$code:$(header content-type):$(jq -r .error.code out.sse)" \
	'429:application/json:rate_limit_exceeded' 'errors are never streamed'

# --- Anthropic
ask='{"model":"claude-test","max_tokens":64,"stream":true,"messages":[{"role":"user","content":"stream me please"}]}'
sse messages "$ask" -H 'X-Mock-Cache-Read: 30' -H 'X-Mock-Cache-Write: 4'
is "$code:$rc:$(header content-type)" 200:0:text/event-stream 'a streamed message succeeds'
like "$(header request-id)" '^req_mock_[0-9]+$' 'request-id header'
is "$(sed -n 's/^event: //p' out.sse | tr '\n' ' ')" \
	'message_start content_block_start ping content_block_delta content_block_delta content_block_delta content_block_delta content_block_stop message_delta message_stop ' \
	'the events come in the order of the real API'
is "$(data | jq -r .type | tr '\n' ' ')" "$(sed -n 's/^event: //p' out.sse | tr '\n' ' ')" \
	'each data names its event'
is "$(data | head -n1 | jq -c .message)" \
	'{"id":"msg_mock_6","type":"message","role":"assistant","model":"claude-test","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":11,"cache_creation_input_tokens":4,"cache_read_input_tokens":30,"output_tokens":1}}' \
	'message_start has the message and its input usage'
is "$(data | sed -n 2p)" \
	'{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}' \
	'content_block_start opens a text block'
is "$(data | jq -j 'select(.type == "content_block_delta") | .delta.text')" \
	'Echo: stream me please' 'the text deltas make the reply'
is "$(data | jq -c 'select(.type == "message_delta")')" \
	'{"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"output_tokens":6}}' \
	'message_delta has the stop reason and the output tokens'

sse messages '{"model":"m","max_tokens":2,"stream":true,"messages":[{"role":"user","content":"Tell me a long story"}]}'
is "$(data | jq -r 'select(.type == "message_delta") | .delta.stop_reason')" max_tokens \
	'max_tokens cuts the stream: stop_reason max_tokens'

sse messages '{"model":"m","stream":true,"messages":[{"role":"user","content":"hi"}]}'
is "$code:$(header content-type):$(jq -r .error.type out.sse)" \
	'400:application/json:invalid_request_error' 'a bad request is not streamed'
stop_mock

# --- an empty reply has no pieces
start_mock -r ''
sse chat/completions '{"stream":true,"messages":[]}'
is "$(data | wc -l):$(data | jq -j '.choices[0].delta.content // empty')" 2: \
	'OpenAI: the role and the finish, nothing between'
sse messages '{"model":"m","max_tokens":5,"stream":true,"messages":[{"role":"user","content":"x"}]}'
is "$(grep -c content_block_delta out.sse)" 0 'Anthropic: no content_block_delta'
stop_mock

# --- chunk_delay: the first event comes long before the last
# ms: milliseconds since the epoch.
ms() {
	echo $(($(date +%s%N) / 1000000))
}

start_mock --chunk-delay 150
t0=$(ms)
curl -sN -d '{"stream":true,"messages":[{"role":"user","content":"a b"}]}' \
	"$MOCK_URL/chat/completions" | {
	read -r first
	t1=$(ms)
	cat >/dev/null
	t2=$(ms)
	echo "$((t1 - t0)) $((t2 - t1))"
} >times.txt
# role, 3 pieces, finish, [DONE]: 5 pauses of 150 ms after the first event
check 'the first event arrives at once, the rest 150 ms apart' \
	awk '{ exit !($1 < 500 && $2 >= 600 && $2 < 3000) }' times.txt
diag "first event after $(cut -d' ' -f1 times.txt) ms, the rest in $(cut -d' ' -f2 times.txt) ms"
t=$(curl -sN -o /dev/null -w '%{time_total}' -H 'X-Mock-Chunk-Delay: 2000' \
	-d '{"stream":true,"messages":[{"role":"user","content":"a b [[mock chunk_delay=0]]"}]}' \
	"$MOCK_URL/chat/completions")
check 'the directive beats the header and the flag' \
	awk -v t="$t" 'BEGIN { exit !(t < 1) }'
stop_mock

done_testing
