#!/bin/sh
# aiq: malformed input and provider errors become error records with
# stable codes; processing goes on; the exit status and summary say so.
. "$(dirname "$0")/lib.sh"

plan 40

start_mock

# --- malformed lines
cat >bad.jsonl <<'EOF'
{"prompt":"fine"}
{"prompt": "truncated
[1,2,3]
{"nothing":"to send"}

{"prompt":42}
{"custom_id":"b","body":"not an object"}
{"messages":"not an array"}
{"prompt":"last"}
EOF
aiq -J <bad.jsonl >out.jsonl 2>err.txt
st=$?
is "$st" 1 'exit 1 when some records failed'
is "$(wc -l <out.jsonl | tr -d ' ')" 9 'every line yields one record, blank ones too'
is "$(jq -r '.error.code // "ok"' out.jsonl | paste -sd' ')" \
	'ok invalid_input invalid_input invalid_input invalid_input invalid_input invalid_input invalid_input ok' \
	'malformed records are invalid_input, the others are answered'
is "$(jq -r 'select(.error) | .aitools.line' out.jsonl | paste -sd' ')" '2 3 4 5 6 7 8' \
	'error records carry their line number'
like "$(sed -n 2p out.jsonl | jq -r .error.message)" '^line 2: invalid JSON' \
	'the message names the line'
like "$(sed -n 4p out.jsonl | jq -r .error.message)" '^line 4: record has none of' \
	'a record with nothing to send is named as such'
is "$(sed -n 7p out.jsonl | jq -r .custom_id)" b \
	'a parsed but invalid record keeps its fields'
like "$(cat err.txt)" 'aiq: <stdin>:2: invalid JSON' 'stderr names the line, prefixed by aiq'
like "$(tail -n1 err.txt)" '^aiq: 9 records: 2 ok, 7 failed \(7 invalid_input\), 0 passed through; [0-9]+ tokens in, [0-9]+ out$' \
	'a one-line summary on stderr'
is "$(jq 'has("response")' out.jsonl | sort -u | paste -sd' ')" 'false true' \
	'a record has a response or an error, never both'
is "$(jq -r 'select(.error) | has("response")' out.jsonl | sort -u)" false \
	'an error record has no response'

# --- provider errors and their codes
code_of() {
	printf '{"prompt":"x [[mock %s]]"}\n' "$1" | aiq -J --max-attempts 1 2>/dev/null |
	    jq -r '"\(.error.code) \(.error.status)"'
}
is "$(code_of status=401)" 'auth 401' '401 is auth'
is "$(code_of status=403)" 'auth 403' '403 is auth'
is "$(code_of status=404)" 'not_found 404' '404 is not_found'
is "$(code_of status=400)" 'bad_request 400' '400 is bad_request'
is "$(code_of 'status=400 code=context_length_exceeded')" 'context_length 400' \
	'a context length 400 is context_length'
is "$(code_of status=429)" 'rate_limited 429' '429 is rate_limited'
is "$(code_of 'status=429 code=insufficient_quota')" 'quota_exceeded 429' \
	'an exhausted quota is quota_exceeded'
is "$(code_of status=500)" 'server 500' '500 is server'
is "$(code_of status=503)" 'server 503' '503 is server'
printf '{"prompt":"x [[mock status=404]]","model":"gpt-nope"}\n' | aiq -J 2>/dev/null >nf.jsonl
like "$(jq -r .error.message nf.jsonl)" 'gpt-nope' "the provider's message is kept"
is "$(jq -r '[.aitools.attempts, .aitools.model] | @tsv' nf.jsonl)" "$(printf '1\tgpt-nope')" \
	'an error record carries the metadata too'

# --- timeout and network errors
start=$(date +%s%N)
printf '{"prompt":"slow [[mock latency=3000]]"}\n' | aiq -J --max-attempts 1 -T 300ms >to.jsonl 2>/dev/null
ms=$((($(date +%s%N) - start) / 1000000))
is "$(jq -r .error.code to.jsonl)" timeout 'a slow answer is a timeout'
if [ "$ms" -lt 2000 ]; then pass "-T bounds the wait (${ms} ms)"
else fail "-T bounds the wait (${ms} ms)"; fi
stop_mock
printf '{"prompt":"x"}\n{"prompt":"y"}\n' | aiq -J --max-attempts 1 >net.jsonl 2>net.err
st=$?
is "$(jq -r .error.code net.jsonl | paste -sd' ')" 'network network' 'a closed port is a network error'
is "$st" 1 'and the exit status is 1'
like "$(tail -n1 net.err)" '2 failed \(2 network\)' 'the summary counts codes'
start_mock

# --- text mode errors
aiq 'x [[mock status=401]]' </dev/null >t.out 2>t.err
st=$?
is "$st:$(wc -c <t.out | tr -d ' ')" '1:0' 'text mode: exit 1 and no answer on error'
like "$(cat t.err)" '^aiq: auth: ' 'text mode: the error code and message on stderr'

# --- malformed answers
printf '{"prompt":"x"}\n' | aiq -J --base-url "http://127.0.0.1:$MOCK_PORT/nothing" >b.jsonl 2>/dev/null
is "$(jq -r .error.code b.jsonl)" not_found 'a wrong path is not_found'

# --- exit status 0 and --summary
printf '{"prompt":"ok"}\n' | aiq -J >/dev/null 2>s.err
is "$?:$(wc -c <s.err | tr -d ' ')" '0:0' 'all ok: exit 0, nothing on stderr'
printf '{"prompt":"ok"}\n' | aiq -J --summary >/dev/null 2>s.err
like "$(cat s.err)" '^aiq: 1 record: 1 ok, 0 failed, 0 passed through; 8 tokens in, 2 out$' \
	'--summary prints the summary anyway'

# --- usage errors
aiq -j 0 </dev/null >/dev/null 2>u.err
is "$?" 2 'a bad option value exits 2'
like "$(head -n1 u.err)" '^aiq: -j .0.: not a whole number from 1 to 4096$' 'and says why, prefixed by aiq'
aiq -J extra </dev/null >/dev/null 2>/dev/null
is "$?" 2 'prompt arguments with -J exit 2'
printf '"str"\n\n' | aiq -J 2>/dev/null | jq -r .error.message >m.txt
is "$(paste -sd'|' m.txt)" 'line 1: record is not a JSON object|line 2: empty line' \
	'a JSON value that is not an object, and an empty line, are named as such'
aiq -J -l </dev/null >/dev/null 2>u.err
is "$?" 2 '-J with -l exits 2'
aiq -m '' x </dev/null >/dev/null 2>u.err
is "$?" 2 'an empty -m exits 2'
aiq -J --key-file a --key-command b </dev/null >/dev/null 2>u.err
is "$?" 2 '--key-file with --key-command exits 2'
"$AI_BIN/aiq" --bogus </dev/null >/dev/null 2>u.err
like "$(head -n1 u.err)" '^aiq: unrecognized option' 'getopt errors name aiq, not its path'

done_testing
