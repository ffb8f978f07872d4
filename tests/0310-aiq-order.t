#!/bin/sh
# aiq: concurrency keeps input order, -u does not, and nothing is lost.
. "$(dirname "$0")/lib.sh"

plan 9

start_mock -d 0-40 -L "$SCRATCH/sent.log"

i=1
while [ $i -le 300 ]; do
	printf '{"custom_id":"r%d","prompt":"n%d"}\n' $i $i
	i=$((i + 1))
done >in.jsonl

start=$(date +%s%N)
aiq -J -j 16 <in.jsonl >out.jsonl
st=$?
ms=$((($(date +%s%N) - start) / 1000000))
is "$st" 0 'all 300 records succeed at -j 16'
is "$(jq -r .custom_id out.jsonl | paste -sd' ')" "$(jq -r .custom_id in.jsonl | paste -sd' ')" \
	'output order equals input order despite random latencies'
is "$(jq -r 'select(.response.body.choices[0].message.content != "Echo: " + .prompt) | .custom_id' out.jsonl)" '' \
	'every record got its own answer'
is "$(wc -l <sent.log | tr -d ' ')" 300 'each record was sent exactly once'
# 300 requests of 20 ms on average take 6 s one at a time; 16 at once, under 2 s
if [ "$ms" -lt 3000 ]; then pass "requests run concurrently (${ms} ms)"
else fail "requests run concurrently (${ms} ms)"; fi
# the answers arrive out of order; the mock logs them in arrival order
unlike "$(jq -r '.body.messages[-1].content' sent.log | head -50 | paste -sd' ')" \
	"^$(jq -r .prompt in.jsonl | head -50 | paste -sd' ')\$" \
	'the requests were in flight together (arrival order differs)'

aiq -J -j 16 -u <in.jsonl >u.jsonl
is "$(jq -r .custom_id u.jsonl | sort | paste -sd' ')" "$(jq -r .custom_id in.jsonl | sort | paste -sd' ')" \
	'-u: the same records'
isnt_order=$(jq -r .custom_id u.jsonl | paste -sd' ')
unlike "$isnt_order" "^$(jq -r .custom_id in.jsonl | paste -sd' ')\$" \
	'-u: in completion order'

# stdin is read while requests run: the first answer comes out before
# the input ends
mkfifo fifo
(printf '{"prompt":"early"}\n'; sleep 2; printf '{"prompt":"late"}\n') >fifo &
aiq -J <fifo >stream.jsonl &
apid=$!
sleep 1
is "$(jq -r '.response.body.choices[0].message.content' stream.jsonl 2>/dev/null)" 'Echo: early' \
	'a record is written as soon as it is final, before stdin ends'
wait $apid

done_testing
