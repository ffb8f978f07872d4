#!/bin/sh
# aimock: faults (hang, drop, malformed, cut, truncate), retry headers,
# scripted failures (fail, fail_first, fail_rate), and the precedence of
# directive over header over flag.
. "$(dirname "$0")/lib.sh"

plan 55

# ms: milliseconds since the epoch.
ms() {
	echo $(($(date +%s%N) / 1000000))
}

words='{"model":"m","messages":[{"role":"user","content":"one two three four five six"}]}'
swords='{"model":"m","stream":true,"messages":[{"role":"user","content":"one two three four five six"}]}'
aswords='{"model":"m","max_tokens":99,"stream":true,"messages":[{"role":"user","content":"one two three four five six"}]}'

start_mock

# --- hang
t0=$(ms)
post "$words" -H 'X-Mock-Fault: hang' --max-time 1
t1=$(ms)
is "$rc" 28 'hang: the client times out'
check 'hang: after its own timeout' test $((t1 - t0)) -ge 900

# --- drop
post "$words" -H 'X-Mock-Fault: drop'
is "$rc" 52 'drop: the connection closes with no response'
post "$swords" -H 'X-Mock-Fault: drop'
is "$rc" 52 'drop: streamed or not'

# --- malformed
post "$words" -H 'X-Mock-Fault: malformed'
is "$code:$rc:$(header content-type)" 200:0:application/json \
	'malformed: a 200 of type JSON'
check 'malformed: the body is not JSON' sh -c '! jq . out.json >/dev/null 2>&1'
like "$(cat out.json)" '^\{"id":"chatcmpl-mock-' 'malformed: it starts like the real body'
msg "$aswords" -H 'X-Mock-Fault: malformed'
check 'malformed: on the Anthropic route too, streamed or not' \
	sh -c '! jq . out.json >/dev/null 2>&1'

# --- cut
post "$words" -H 'X-Mock-Fault: cut'
is "$code:$rc" 200:18 'cut: the body stops short of its length'
post "$swords" -H 'X-Mock-Fault: cut'
is "$rc" 18 'cut: a stream is aborted mid-body'
is "$(sed -n 's/^data: //p' out.json | jq -j '.choices[0].delta.content // empty')" \
	'Echo: one two ' 'cut: after half the pieces'
msg "$aswords" -H 'X-Mock-Fault: cut'
is "$rc:$(grep -c '^event: content_block_delta' out.json)" 18:3 'cut: an Anthropic stream too'

# --- truncate
post "$swords" -H 'X-Mock-Fault: truncate'
is "$code:$rc" 200:0 'truncate: the stream ends cleanly'
is "$(grep -c '\[DONE\]' out.json):$(grep -c finish_reason\":\"stop out.json)" 0:0 \
	'truncate: without the finish chunk or [DONE]'
is "$(sed -n 's/^data: //p' out.json | jq -j '.choices[0].delta.content // empty')" \
	'Echo: one two ' 'truncate: after half the pieces'
msg "$aswords" -H 'X-Mock-Fault: truncate'
is "$rc:$(grep -c 'message_stop\|message_delta' out.json)" 0:0 \
	'truncate: an Anthropic stream without message_delta or message_stop'
post "$words" -H 'X-Mock-Fault: truncate'
check 'truncate: a plain body is not JSON' sh -c '! jq . out.json >/dev/null 2>&1'

post "$words" -H 'X-Mock-Fault: nope'
is "$code:$(jq -r .error.message out.json)" '400:Invalid X-Mock-Fault header (mock)' \
	'an unknown fault is a bad request'
post '{"messages": [oops' -H 'X-Mock-Fault: drop'
is "$code" 400 'a real problem beats a fault'

# --- retry headers
post "$words" -H 'X-Mock-Status: 429' -H 'X-Mock-Retry-After: 7'
is "$code:$(header retry-after)" 429:7 'X-Mock-Retry-After gives Retry-After'
post "$words" -H 'X-Mock-Status: 503' -H 'X-Mock-Retry-After-Ms: 1500'
is "$code:$(header retry-after-ms):$(header retry-after)" 503:1500: \
	'X-Mock-Retry-After-Ms gives retry-after-ms alone'
msg '{"model":"m","max_tokens":9,"messages":[{"role":"user","content":"[[mock status=529 retry_after=2 retry_after_ms=2000]]"}]}'
is "$code:$(header retry-after):$(header retry-after-ms)" 529:2:2000 \
	'a directive sets both, on the Anthropic route'
post "$words" -H 'X-Mock-Retry-After: 7'
is "$code:$(header retry-after)" 200: 'no Retry-After on a success'

# --- fail_first
b1='{"messages":[{"role":"user","content":"first body [[mock fail_first=2]]"}]}'
b2='{"messages":[{"role":"user","content":"second body [[mock fail_first=2]]"}]}'
is "$(statuses 3 "$b1" | tr '\n' ' ')" '500 500 200 ' \
	'fail_first=2: two failures (500 by default), then success'
is "$(statuses 1 "$b2")" 500 'a different body counts apart'
is "$(statuses 2 "$b1" | tr '\n' ' ')" '200 200 ' 'and the first body keeps succeeding'

post '{"messages":[{"role":"user","content":"[[mock fail_first=1 fail=429 retry_after=1]]"}]}'
is "$code:$(jq -r .error.code out.json):$(header retry-after)" 429:rate_limit_exceeded:1 \
	'fail=429 with retry_after: a rate limit to wait out'
post '{"messages":[{"role":"user","content":"[[mock fail_first=1 fail=429 retry_after=1]]"}]}'
is "$code" 200 'then success'

is "$(statuses 4 '{"messages":[{"role":"user","content":"turns"}]}' \
	-H 'X-Mock-Fail-First: 3' -H 'X-Mock-Fail: 429,503' | tr '\n' ' ')" \
	'429 503 429 200 ' 'fail_first takes the fail list in turn'

body='{"messages":[{"role":"user","content":"[[mock fail_first=1 fail=drop]]"}]}'
post "$body"
is "$rc" 52 'a fault in the fail list: drop first'
post "$body"
is "$code" 200 'then success'

post '{"messages":[{"role":"user","content":"q [[mock fail_first=1 fail=429 code=insufficient_quota]]"}]}'
is "$code:$(jq -r .error.type out.json)" 429:insufficient_quota \
	'a failing 429 with code insufficient_quota is a quota error'

msg '{"model":"m","max_tokens":9,"messages":[{"role":"user","content":"[[mock fail_first=1 fail=529]]"}]}'
is "$code:$(jq -r .error.type out.json)" 529:overloaded_error \
	'a failure on the Anthropic route has its error body'

# --- fail_rate
is "$(statuses 5 "$words" -H 'X-Mock-Fail-Rate: 1' | sort -u)" 500 \
	'fail_rate=1 fails every request'
is "$(statuses 5 "$words" -H 'X-Mock-Fail-Rate: 0' | sort -u)" 200 \
	'fail_rate=0 fails none'
statuses 40 "$words" -H 'X-Mock-Fail-Rate: 1' -H 'X-Mock-Fail: 429,529' |
	sort | uniq -c | awk '{ print $2 }' | tr '\n' ' ' >picked.txt
is "$(cat picked.txt)" '429 529 ' 'fail_rate picks among the fail list'
post "$words" -H 'X-Mock-Fail-Rate: 1.5'
is "$code:$(jq -r .error.message out.json)" '400:Invalid X-Mock-Fail-Rate header (mock)' \
	'a rate above 1 is a bad request'
post "$words" -H 'X-Mock-Fail: 200'
is "$code" 400 'a fail list holds error statuses only'
post '{"messages":[{"role":"user","content":"[[mock fail=429,,500]]"}]}'
is "$code:$(jq -r .error.message out.json)" \
	'400:Invalid [[mock fail=429,,500]] directive (mock)' 'a bad directive is a bad request'
stop_mock

# --- hung connections do not delay shutdown
start_mock
curl -s --max-time 10 -H 'X-Mock-Fault: hang' -d "$words" \
	"$MOCK_URL/chat/completions" >/dev/null 2>&1 &
cpid=$!
curl -s --max-time 10 -H 'X-Mock-Latency: 60000' -d "$words" \
	"$MOCK_URL/chat/completions" >/dev/null 2>&1 &
lpid=$!
curl -sN --max-time 10 -H 'X-Mock-Chunk-Delay: 60000' -d "$swords" \
	"$MOCK_URL/chat/completions" >/dev/null 2>&1 &
spid=$!
sleep 0.3
t0=$(ms)
kill -TERM "$MOCK_PID"
wait "$MOCK_PID"
st=$?
t1=$(ms)
is "$st" 0 'SIGTERM stops aimock with hung, slow and streaming clients'
check 'within a second' test $((t1 - t0)) -lt 1000
diag "stopped in $((t1 - t0)) ms"
wait "$cpid" "$lpid" "$spid"
check 'stderr stays quiet about faults and shutdown' test ! -s "$SCRATCH/mock.port.$_mock_n.err"

# --- flags, headers and directives
start_mock --fault drop
post "$words"
is "$rc" 52 '--fault drop drops every request'
post "$words" -H 'X-Mock-Fault: none'
is "$code" 200 'X-Mock-Fault: none lifts it for one request'
stop_mock

start_mock --fail-first 1 --fail 503 --retry-after 5 --retry-after-ms 250
post "$words"
is "$code:$(header retry-after):$(header retry-after-ms)" 503:5:250 \
	'--fail-first, --fail, --retry-after and --retry-after-ms'
post "$words"
is "$code" 200 'then success'
post "$words" -H 'X-Mock-Status: 500' -H 'X-Mock-Retry-After: 6'
is "$(header retry-after)" 6 'the header beats the flag'
post '{"messages":[{"role":"user","content":"x [[mock retry_after=7]]"}]}' \
	-H 'X-Mock-Status: 500' -H 'X-Mock-Retry-After: 6'
is "$(header retry-after)" 7 'the directive beats the header'
stop_mock

start_mock --fail-rate 1 --fail 429 --code custom_code
post "$words"
is "$code:$(jq -r .error.code out.json)" 429:custom_code '--fail-rate 1 and --code'
post "$words" -H 'X-Mock-Fail-Rate: 0'
is "$code" 200 'X-Mock-Fail-Rate: 0 beats --fail-rate 1'
post '{"messages":[{"role":"user","content":"[[mock fail_rate=1]]"}]}' -H 'X-Mock-Fail-Rate: 0'
is "$code" 429 'a directive beats the header'
stop_mock

# --- bad flags
bad=
for f in --fault=nope --fail=200 --fail=abc --fail=429,,500 --fail-rate=1.5 \
    --fail-rate=x --fail-rate=.. --fail-rate=-0 --fail-first=-1 \
    --retry-after=x --retry-after-ms=1e3 --chunk-delay=-5 --cache-read=x \
    --cache-write=-1 --code='a b' --code= --pad=1.5M --pad=-1 --pad=9X \
    --latency=5-3 --latency=x --status=199 --status=600; do
	aimock "$f" </dev/null >/dev/null 2>err.txt
	st=$?
	name=${f%%=*} value=${f#*=}
	grep -q -- "^aimock: $name '$value': [a-z]" err.txt ||
	    st="$st(not in the shape: $(head -n1 err.txt))"
	[ "$st" = 2 ] || bad="$bad $f:$st"
done
is "$bad" '' "a bad knob flag exits 2 and says \"--flag 'value': reason\""
aimock --fail-rate 2 2>err.txt
is "$(head -n 1 err.txt)" "aimock: --fail-rate '2': not a probability from 0 to 1" \
	'a bad probability'
aimock -s 99 2>err.txt
is "$(head -n 1 err.txt)" "aimock: --status '99': not a whole number from 200 to 599" \
	'a bad status, named by its long option'
aimock --fault nope 2>err.txt
like "$(head -n 1 err.txt)" "^aimock: --fault 'nope': not a fault: none, hang, drop, malformed, cut, truncate, bad_utf8, .*, padded$" \
	'a bad fault lists the faults'

done_testing
