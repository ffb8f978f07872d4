#!/bin/sh
# aiq: streamed answers, OpenAI and Anthropic, whole or cut short.
. "$(dirname "$0")/lib.sh"

plan 29

start_mock -L "$SCRATCH/sent.log"
sent() { sed -n "${1}p" sent.log | jq -c "$2"; }
last() { tail -n 1 sent.log | jq -c "$1"; }

# --- text mode: the answer appears as it arrives
mkfifo pipe
t0=$(date +%s%N)
aiq --stream 'one two three four five six seven eight [[mock chunk_delay=150]]' >pipe 2>/dev/null &
apid=$!
first=$(dd if=pipe bs=1 count=5 2>/dev/null)
t1=$(ms_since "$t0")
rest=$(cat pipe)
t2=$(ms_since "$t0")
wait $apid
is "$first$rest" 'Echo: one two three four five six seven eight [[mock chunk_delay=150]]' \
	'text mode prints the streamed answer whole'
if [ $((t2 - t1)) -ge 800 ]; then
	pass "its first words came ${t1} ms in, the end at ${t2} ms"
else
	fail "its first words came ${t1} ms in, the end at ${t2} ms"
fi
is "$(last '[.body.stream, .body.stream_options.include_usage]')" '[true,true]' \
	'text mode with --stream streams, asking for usage'
aiq --no-stream 'plain' >/dev/null
is "$(last '.body | has("stream")')" false '--no-stream sends a plain request'
# off a terminal, the answer is written whole, in one write(2), so that
# answers of aiq processes sharing a pipe (xargs -P) do not interleave
if command -v strace >/dev/null; then
	strace -f -e trace=write -o w.trace aiq 'one two three [[mock chunk_delay=50]]' >whole.txt 2>/dev/null
	is "$(grep -c 'write(1,' w.trace)" 1 'off a terminal the answer is one write'
else
	aiq 'one two three [[mock chunk_delay=50]]' >whole.txt
	pass 'skip: no strace'
fi
is "$(last '.body | has("stream")')" false '  from a request that is not streamed'
is "$(cat whole.txt)" 'Echo: one two three [[mock chunk_delay=50]]' '  the answer, whole'

# --- record mode: one final record with the whole answer and usage
printf '{"custom_id":"s1","prompt":"stream me","stream":true}\n{"custom_id":"p1","prompt":"plain"}\n' |
    aiq -J >rec.jsonl
is "$(jq -c 'select(.custom_id == "s1") | [.response.body.object, .response.body.choices[0].message.content, .response.body.choices[0].finish_reason]' rec.jsonl)" \
	'["chat.completion","Echo: stream me","stop"]' 'a streamed record yields one chat.completion'
is "$(jq -c 'select(.custom_id == "s1") | .response.body.usage | [.prompt_tokens > 0, .completion_tokens > 0]' rec.jsonl)" \
	'[true,true]' 'with its usage'
like "$(jq -r 'select(.custom_id == "s1") | .response.body.id' rec.jsonl)" '^chatcmpl-mock-' \
	'and the id of the stream'
is "$(wc -l <rec.jsonl | tr -d ' ')" 2 'one output line per record'
printf '{"prompt":"x"}\n' | aiq -J --stream >/dev/null
is "$(last '.body.stream')" true '--stream streams every record'
printf '{"prompt":"x","stream":true}\n' | aiq -J --no-stream >/dev/null
is "$(last '.body | [has("stream"), has("stream_options")]')" '[false,false]' \
	'--no-stream takes stream out of every record'
printf '{"prompt":"x","stream":true,"stream_options":{"include_usage":false}}\n' | aiq -J >/dev/null
is "$(last '.body.stream_options')" '{"include_usage":false}' \
	'a record keeps its own stream_options'

# --- cut short: never a short answer
printf '{"prompt":"a b c d e f [[mock fault=truncate]]","stream":true}\n' |
    aiq -J --max-attempts 1 >tr.json 2>/dev/null
is "$(jq -c '[.error.code, has("response")]' tr.json)" '["stream_truncated",false]' \
	'a stream without its end event is stream_truncated'
like "$(jq -r .error.message tr.json)" 'ended before its end event' 'and says so'
printf '{"prompt":"a b c d e f [[mock fault=cut]]","stream":true}\n' |
    aiq -J --max-attempts 1 >cut.json 2>/dev/null
is "$(jq -r .error.code cut.json)" stream_truncated 'a stream whose connection breaks is stream_truncated'
printf '{"prompt":"a b c [[mock fail_first=1 fail=truncate]]","stream":true}\n' |
    aiq -J --max-wait 10ms >re.json 2>/dev/null
is "$(jq -c '[.response.body.choices[0].message.content, .aitools.attempts, .aitools.failed_attempts[0].code]' re.json)" \
	'["Echo: a b c [[mock fail_first=1 fail=truncate]]",2,"stream_truncated"]' \
	'a truncated stream that showed nothing is retried'
n0=$(wc -l <sent.log)
out=$(aiq --stream --max-wait 10ms 'a b c d e f g h [[mock fault=truncate]]' 2>tt.err)
st=$?
like "$out" '^Echo: a b' 'text mode: what came is shown'
like "$(cat tt.err)" 'stream_truncated' 'and the truncation reported'
is "$(printf '%s\n' "$out" | wc -l | tr -d ' ')" 1 'the shown text ends its line'
is "$st" 1 'with exit status 1'
is "$(($(wc -l <sent.log) - n0))" 1 'an answer partly shown is not sent again'
out=$(aiq --max-tokens 2 'one two three four' 2>&1)
is "$(printf '%s\n' "$out" | sed -n 2p)" 'aiq: the answer was cut at the token limit' \
	'a warning comes on a line of its own, after the answer'

# --- Anthropic streams: usage from message_start and message_delta merged
printf '{"prompt":"hello there [[mock cache_read=5 cache_write=3]]","model":"claude-test","stream":true}\n' |
    aiq -J >an.json
is "$(jq -c '[.response.body.object, .response.body.choices[0].message.content, .response.body.choices[0].finish_reason]' an.json)" \
	'["chat.completion","Echo: hello there [[mock cache_read=5 cache_write=3]]","stop"]' \
	'an Anthropic stream becomes one chat.completion'
is "$(jq -c '.response.body.usage | [.prompt_tokens == .input_tokens + 8, .completion_tokens == .output_tokens, .completion_tokens > 1, .prompt_tokens_details.cached_tokens, .cache_creation_input_tokens]' an.json)" \
	'[true,true,true,5,3]' 'with input and cache tokens from message_start, output from message_delta'
is "$(jq -r .aitools.provider an.json)" anthropic 'the provider is named'
printf '{"prompt":"a b c d [[mock fault=truncate]]","model":"claude-test","stream":true}\n' |
    aiq -J --max-attempts 1 >antr.json 2>/dev/null
is "$(jq -r .error.code antr.json)" stream_truncated 'an Anthropic stream without message_stop is truncated'
out=$(aiq --stream -m claude-test 'Summarise this')
is "$out" 'Echo: Summarise this' 'text mode streams from Anthropic too'

done_testing
