#!/bin/sh
# aimock: the faults that test a client's bounds on memory: padded (a
# good answer of exactly pad bytes) and endless (a body or SSE line that
# never ends), on both routes, plain and streamed; aimock sends them from
# a callback, so its own memory stays small, and stops when the client
# goes away or it is told to stop.
. "$(dirname "$0")/lib.sh"

plan 30

words='{"model":"m","messages":[{"role":"user","content":"one two"}]}'
swords='{"model":"m","stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"one two"}]}'
awords='{"model":"m","max_tokens":9,"messages":[{"role":"user","content":"one two"}]}'
aswords='{"model":"m","max_tokens":9,"stream":true,"messages":[{"role":"user","content":"one two"}]}'
mib60=62914560

# hwm: aimock's peak resident memory in KiB, or nothing without /proc.
hwm() {
	awk '$1 == "VmHWM:" { print $2 }' "/proc/$MOCK_PID/status" 2>/dev/null
}

# threads: aimock's threads (one more for each connection being served).
threads() {
	ls "/proc/$MOCK_PID/task" 2>/dev/null | wc -l | tr -d ' '
}

# small BEFORE: passes when aimock's peak memory grew by less than 8 MiB
# since BEFORE, a hwm reading.
small() {
	_now=$(hwm)
	if [ -z "$1" ] || [ -z "$_now" ]; then
		pass "$2 (skipped: no /proc)"
		return
	fi
	diag "peak RSS $1 KiB before, $_now KiB after"
	check "$2" test $((_now - $1)) -lt 8192
}

# content FILE: the reply text of an OpenAI stream.
content() {
	sed -n 's/^data: //p' "$1" | grep -v '^\[DONE\]' |
	    jq -j '.choices[0].delta.content // empty'
}

start_mock
base_threads=$(threads)

# --- padded, plain: exactly pad bytes, with its length, and good JSON
before=$(hwm)
post "$words" -H 'X-Mock-Fault: padded' -H 'X-Mock-Pad: 60M'
is "$code:$(wc -c <out.json | tr -d ' '):$(header content-length)" \
	"200:$mib60:$mib60" 'padded: 60M is 62914560 bytes, announced'
jq -c '[.choices[0].finish_reason, (.choices[0].message.content | length),
    .usage.completion_tokens, (.choices[0].message.content | .[0:14])]' \
	out.json >got.txt
read -r got <got.txt
n=${got#*,} n=${n%%,*}
is "$got" "[\"stop\",$n,$(((n + 3) / 4)),\"Echo: one twox\"]" \
	'padded: a chat.completion whose reply, and its tokens, fill it'
small "$before" 'padded: aimock did not hold the 60 MiB'
rm -f out.json

# --- padded, streamed: exactly pad bytes of whole events
before=$(hwm)
post "$swords" -H 'X-Mock-Fault: padded' -H 'X-Mock-Pad: 60M'
is "$code:$(wc -c <out.json | tr -d ' '):$(header content-type)" \
	"200:$mib60:text/event-stream" 'padded: a stream of 60M is 62914560 bytes'
content out.json >text.txt
len=$(wc -c <text.txt | tr -d ' ')
is "$(head -c 12 text.txt):$(sed -n 's/^data: //p' out.json | grep -v DONE |
	jq 'select(.usage) | .usage.completion_tokens')" \
	"Echo: one tw:$(((len + 3) / 4))" 'padded: the reply and its tokens fill it'
is "$(awk 'length > 17000' out.json | wc -l | tr -d ' '):$(tail -n 2 out.json)" \
	'0:data: [DONE]' 'padded: in events of 16 KiB, ended by [DONE]'
small "$before" 'padded: aimock did not hold the 60 MiB stream'
rm -f out.json text.txt

# --- padded on the Anthropic route
msg "$awords" -H 'X-Mock-Fault: padded' -H 'X-Mock-Pad: 1M'
is "$code:$(wc -c <out.json | tr -d ' ')" 200:1048576 'padded: an Anthropic message of 1M'
n=$(jq '.content[0].text | length' out.json)
is "$(jq -c '[.stop_reason, .usage.output_tokens]' out.json)" \
	"[\"end_turn\",$(((n + 3) / 4))]" 'padded: whose tokens count the filler'
msg "$aswords" -H 'X-Mock-Fault: padded' -H 'X-Mock-Pad: 1M'
n=$(sed -n 's/^data: //p' out.json | jq -j 'select(.type == "content_block_delta") | .delta.text' | wc -c)
is "$(wc -c <out.json | tr -d ' '):$(sed -n 's/^data: //p' out.json |
	jq 'select(.type == "message_delta") | .usage.output_tokens')" \
	"1048576:$(((n + 3) / 4))" 'padded: an Anthropic stream of 1M'
is "$(tail -n 3 out.json)" 'event: message_stop
data: {"type":"message_stop"}' 'padded: which ends as usual'

# --- padded: sizes it cannot reach, and the knob
post "$words" -H 'X-Mock-Fault: padded' -H 'X-Mock-Pad: 100'
is "$(jq -r '.choices[0].message.content' out.json)" 'Echo: one two' \
	'padded: a pad smaller than the answer leaves it as it is'
post "$words" -H 'X-Mock-Fault: padded'
is "$(jq -r '.choices[0].message.content' out.json)" 'Echo: one two' \
	'padded: so does no pad'
post "$words" -H 'X-Mock-Fault: padded' -H 'X-Mock-Pad: 1.5M'
is "$code:$(jq -r .error.message out.json)" '400:Invalid X-Mock-Pad header (mock)' \
	'a pad that is not a size is a bad request'
body='{"messages":[{"role":"user","content":"[[mock fail_first=1 fail=padded pad=4K]]"}]}'
post "$body"
is "$code:$(wc -c <out.json | tr -d ' ')" 200:4096 'padded: an item of a fail list'
post "$body"
is "$(jq -r '.choices[0].message.content' out.json)" \
	'Echo: [[mock fail_first=1 fail=padded pad=4K]]' 'then the usual answer'

# --- endless, up to pad bytes
post "$swords" -H 'X-Mock-Fault: endless' -H 'X-Mock-Pad: 1M'
is "$code:$rc:$(wc -c <out.json | tr -d ' ')" 200:0:1048576 \
	'endless: with pad=1M, the stream stops cleanly at 1 MiB'
is "$(tail -n 1 out.json | cut -c1-7):$(tail -c 1 out.json)" 'data: {:x' \
	'endless: inside a data: line that never ended'
like "$(tail -n 1 out.json | tr -d x)" '^data: \{"id":"chatcmpl-mock-[0-9]+",.*"delta":\{"content":"$' \
	'endless: the line of a piece of the reply, which goes on with x'
msg "$aswords" -H 'X-Mock-Fault: endless' -H 'X-Mock-Pad: 64K'
is "$code:$(wc -c <out.json | tr -d ' '):$(tail -n 1 out.json | cut -c1-60)" \
	'200:65536:data: {"type":"content_block_delta","index":0,"delta":{"type' \
	'endless: an Anthropic stream too'
post "$words" -H 'X-Mock-Fault: endless' -H 'X-Mock-Pad: 64K'
is "$code:$(wc -c <out.json | tr -d ' '):$(head -c 12 out.json):$(grep -c '' out.json)" \
	'200:65536:{"id":"chatc:1' 'endless: a plain body, 64 KiB of one JSON text that never ends'
like "$(tr -d x <out.json)" '"content":"Echo: one two$' 'endless: in the reply'

# --- endless, forever: until the client goes away
before=$(hwm)
got=$(curl -s -H 'X-Mock-Fault: endless' -d "$swords" "$MOCK_URL/chat/completions" |
	head -c 100000000 | wc -c | tr -d ' ')
is "$got" 100000000 'endless: without pad, a client reads 100 MB and more'
small "$before" 'endless: aimock holds none of it'
i=0
while [ "$(threads)" != "$base_threads" ] && [ $i -lt 100 ]; do
	sleep 0.01
	i=$((i + 1))
done
is "$(threads)" "$base_threads" 'endless: the connection ends when the client goes away'

start=$(awk '{ print $14 + $15 }' "/proc/$MOCK_PID/stat" 2>/dev/null)
sleep 0.3
is "$(awk '{ print $14 + $15 }' "/proc/$MOCK_PID/stat" 2>/dev/null)" "$start" \
	'endless: and sends nothing more'

stop_mock

# --- endless: shutdown with slow and fast clients
start_mock
curl -s --limit-rate 10k -H 'X-Mock-Fault: endless' -d "$swords" \
	--max-time 10 "$MOCK_URL/chat/completions" >/dev/null 2>&1 &
c1=$!
curl -s -H 'X-Mock-Fault: padded' -H 'X-Mock-Pad: 2G' -d "$words" \
	--max-time 10 "$MOCK_URL/chat/completions" >/dev/null 2>&1 &
c2=$!
sleep 0.3
t0=$(date +%s%N)
kill -TERM "$MOCK_PID"
wait "$MOCK_PID"
st=$?
is "$st:$(($(ms_since "$t0") < 1000))" 0:1 'SIGTERM stops aimock within a second while it sends them'
# the slow one has megabytes in its socket to read before it sees the end
kill "$c1" "$c2" 2>/dev/null
wait "$c1" "$c2" 2>/dev/null
is "$(cat "$SCRATCH/mock.port.$_mock_n.err")" '' 'stderr stays quiet'

start_mock --fault padded --pad 8K
post "$words"
is "$code:$(wc -c <out.json | tr -d ' ')" 200:8192 '--fault padded --pad 8K'
post "$words" -H 'X-Mock-Pad: 0'
is "$(jq -r '.choices[0].message.content' out.json)" 'Echo: one two' 'X-Mock-Pad: 0 lifts it'

done_testing
