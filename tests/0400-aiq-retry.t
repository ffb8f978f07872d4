#!/bin/sh
# aiq: retries with backoff, Retry-After, attempts, timeouts and deadlines.
. "$(dirname "$0")/lib.sh"

plan 43

start_mock -L "$SCRATCH/sent.log"

# one DIRECTIVE [AIQ-ARGS...]: sends one prompt record carrying the mock
# directive, leaving the output record in out.json and the time in $ms.
one() {
	_d=$1; shift
	_t0=$(date +%s%N)
	printf '{"prompt":"p%s [[mock %s]]"}\n' "$_t0" "$_d" |
	    aiq -J "$@" >out.json 2>err.txt
	ms=$(ms_since "$_t0")
}
j() { jq -c "$1" out.json; }

# --- 429 then success, the wait asked for honoured
one 'fail_first=1 fail=429 retry_after=1'
is "$(j '[.response.status_code, .aitools.attempts]')" '[200,2]' \
	'429 then success: answered on the second attempt'
is "$(j '.aitools.failed_attempts')" \
	'[{"attempt":1,"code":"rate_limited","status":429,"message":"Rate limit reached for requests (mock)","retry_in_ms":1000}]' \
	'the record says why the first attempt failed and how long aiq waited'
if [ "$ms" -ge 1000 ]; then pass "Retry-After: 1 was honoured (${ms} ms)"
else fail "Retry-After: 1 was honoured (${ms} ms)"; fi

one 'fail_first=1 fail=429 retry_after_ms=300 retry_after=9'
is "$(j '.aitools.failed_attempts[0].retry_in_ms')" 300 'retry-after-ms wins over Retry-After'
one 'fail_first=1 fail=429 retry_after=30' --max-wait 200ms
is "$(j '[.aitools.attempts, .aitools.failed_attempts[0].retry_in_ms]')" '[2,200]' \
	'--max-wait caps what the provider asks for'
if [ "$ms" -lt 5000 ]; then pass "and the wait is short (${ms} ms)"
else fail "and the wait is short (${ms} ms)"; fi

# --- failures that pass, until the attempts run out
one 'status=500' --max-attempts 3 --max-wait 50ms
is "$(j '[.error.code, .error.status, .aitools.attempts]')" '["server",500,3]' \
	'500s exhaust the attempts'
is "$(j '[.aitools.failed_attempts[] | .code] | join(",")')" '"server,server,server"' \
	'each failed attempt is listed'
is "$(j '[.aitools.failed_attempts[] | has("retry_in_ms")]')" '[true,true,false]' \
	'with the waits before attempts 2 and 3, none after the last'
one 'status=500' --max-attempts 1
is "$(j '.aitools.attempts')" 1 '--max-attempts 1 turns retries off'
one 'fail_first=2 fail=529' --max-wait 50ms
is "$(j '[.response.status_code, .aitools.attempts, .aitools.failed_attempts[0].code]')" \
	'[200,3,"overloaded"]' '529 is overloaded, and retried'
one 'fail_first=1 fail=503' --max-wait 50ms
is "$(j '.aitools.attempts')" 2 '503 is retried'
one 'fail_first=1 fail=drop' --max-wait 50ms
is "$(j '[.aitools.attempts, .aitools.failed_attempts[0].code]')" '[2,"network"]' \
	'a dropped connection is a network error, and retried'

# --- failures that do not pass, at once
for st in 400 401 403 404; do
	one "status=$st" --max-wait 50ms
	is "$(j '.aitools.attempts')" 1 "$st is not retried"
done
is "$(j '.aitools | has("failed_attempts")')" false \
	'one attempt: the error says it all, no failed_attempts'
one 'status=429 code=insufficient_quota' --max-wait 50ms
is "$(j '[.error.code, .aitools.attempts]')" '["quota_exceeded",1]' \
	'an exhausted quota is not retried'
one 'fault=malformed' --max-wait 50ms
is "$(j '[.error.code, .aitools.attempts]')" '["bad_response",1]' \
	'a malformed body is bad_response, not retried'

# --- timeouts and the deadline
one 'fault=hang' -T 300ms --max-attempts 2 --max-wait 10ms
is "$(j '[.error.code, .aitools.attempts]')" '["timeout",2]' \
	'a hung server: each attempt times out, and is retried'
if [ "$ms" -lt 3000 ]; then pass "-T bounds each attempt (${ms} ms)"
else fail "-T bounds each attempt (${ms} ms)"; fi
one 'fault=hang' -T 1m --deadline 700ms --max-attempts 5
is "$(j '[.error.code, .aitools.attempts]')" '["timeout",1]' \
	'the deadline cuts a hung attempt short'
like "$(j .error.message)" 'deadline' 'and the message says so'
if [ "$ms" -ge 600 ] && [ "$ms" -lt 3000 ]; then pass "--deadline 700ms holds (${ms} ms)"
else fail "--deadline 700ms holds (${ms} ms)"; fi
one 'status=429 retry_after=5' --deadline 1s
is "$(j '[.error.code, .aitools.attempts]')" '["rate_limited",1]' \
	'no attempt is started that the deadline would cut'
like "$(j .error.message)" 'no attempt 2: the deadline would pass first' \
	'and the message says why'
if [ "$ms" -lt 900 ]; then pass "without waiting for nothing (${ms} ms)"
else fail "without waiting for nothing (${ms} ms)"; fi

# --- a record waiting for a retry holds up nobody
n0=$(wc -l <sent.log)
{
	printf '{"custom_id":"slow","prompt":"s [[mock fail_first=1 fail=429 retry_after=2]]"}\n'
	for i in 1 2 3 4 5 6 7 8 9 10; do
		printf '{"custom_id":"f%d","prompt":"f%d [[mock latency=100]]"}\n' $i $i
	done
} >mixed.jsonl
t0=$(date +%s%N)
aiq -J -u -j 2 <mixed.jsonl >mixed.out 2>/dev/null
ms=$(ms_since "$t0")
is "$(jq -r .custom_id mixed.out | tail -n1)" slow \
	'with -u the retried record comes last: the others went on'
is "$(jq -r 'select(.response) | .custom_id' mixed.out | wc -l | tr -d ' ')" 11 \
	'every record is answered'
# 10 records of 100 ms on the one free slot while the other waits 2 s.
if [ "$ms" -lt 3500 ]; then pass "the wait overlapped the other requests (${ms} ms)"
else fail "the wait overlapped the other requests (${ms} ms)"; fi
is "$(($(wc -l <sent.log) - n0))" 12 'twelve requests for eleven records'
aiq -J -j 2 <mixed.jsonl >ordered.out 2>/dev/null
is "$(jq -r .custom_id ordered.out | paste -sd' ')" \
	'slow f1 f2 f3 f4 f5 f6 f7 f8 f9 f10' 'without -u the input order is kept'

# --- text mode announces retries
out=$(aiq --max-wait 50ms 'tm [[mock fail_first=1 fail=500]]' 2>tm.err)
is "$out" 'Echo: tm [[mock fail_first=1 fail=500]]' 'text mode: answered after a retry'
like "$(cat tm.err)" '^aiq: attempt 1 failed \(server: .*\); retrying in [0-9]+ ms$' \
	'and the retry is announced on stderr'

# --- the usage log: one row per record, with its attempts
one 'fail_first=2 fail=500' --max-wait 10ms
is "$(sqlite3 usage.db "SELECT attempts, status FROM calls ORDER BY id DESC LIMIT 1")" \
	'3|ok' 'the usage log row counts the attempts'

# --- a record sent again with -R keeps nothing of its old attempts
printf '{"prompt":"stale [[mock status=503]]"}\n' | aiq -J --max-wait 10ms >st1.jsonl 2>/dev/null
sed 's/ \[\[mock status=503\]\]//' st1.jsonl | aiq -J -R >st2.jsonl
is "$(jq -c '[.aitools.attempts, (.aitools | has("failed_attempts")), has("error")]' st2.jsonl)" \
	'[1,false,false]' 'the new result replaces the old attempts'

# --- bad option values
aiq -J --max-attempts 0 </dev/null 2>err.txt; is "$?" 2 '--max-attempts 0 is a usage error'
aiq -J --deadline soon </dev/null 2>err.txt; is "$?" 2 'a bad --deadline is a usage error'
like "$(cat err.txt)" "^aiq: --deadline 'soon': " 'naming the option'
like "$(cat err.txt)" 'not a positive duration such as 500ms' 'and saying what it takes'
aiq -J --max-wait -1s </dev/null 2>err.txt; is "$?" 2 'a negative --max-wait is a usage error'
one 'fail_first=1 fail=500' --max-wait 0
is "$(j '[.aitools.attempts, .aitools.failed_attempts[0].retry_in_ms]')" '[2,0]' \
	'--max-wait 0 retries at once'

done_testing
