#!/bin/sh
# aiq: records that already carry a response or an error pass through
# untouched and unsent; -R re-sends the errors; a re-run fills the gaps.
. "$(dirname "$0")/lib.sh"

plan 10

start_mock -L "$SCRATCH/sent.log"

cat >in.jsonl <<'EOF'
{"custom_id":"hit",  "prompt":"cached", "response":{"status_code":200,"body":{"x":1}}, "aitools":{"cache":"hit"}}
{"custom_id":"new","prompt":"fresh"}
{"custom_id":"err","prompt":"again","error":{"code":"server","message":"boom"}}
EOF
aiq -J <in.jsonl >out.jsonl 2>err.txt
st=$?
is "$(sed -n 1p out.jsonl)" "$(sed -n 1p in.jsonl)" 'a record with a response passes byte for byte'
is "$(sed -n 3p out.jsonl)" "$(sed -n 3p in.jsonl)" 'a record with an error passes byte for byte'
is "$(jq -r '.body.messages[-1].content' sent.log | paste -sd' ')" 'fresh' \
	'only the record without an answer is sent'
is "$st" 0 'passed-through records do not make the run fail'
printf '%s\n' '{"custom_id":"e","error":{"code":"server","message":"boom"}}' | aiq -J --summary 2>&1 >/dev/null |
	grep -q '1 passed through' && pass 'the summary counts passed-through records' ||
	fail 'the summary counts passed-through records'

: >sent.log
aiq -J -R <in.jsonl >r.jsonl
is "$(jq -r '.body.messages[-1].content' sent.log | sort | paste -sd' ')" 'again fresh' \
	'-R re-sends records that carry an error'
is "$(sed -n 3p r.jsonl | jq -c '[.custom_id, .response.status_code, has("error")]')" \
	'["err",200,false]' '-R: the new answer replaces the old error'
is "$(sed -n 1p r.jsonl)" "$(sed -n 1p in.jsonl)" '-R still passes answered records'

# A re-run over a partial output file fills only the gaps.
printf '{"prompt":"a [[mock status=500]]"}\n{"prompt":"b"}\n' | aiq -J >run1.jsonl 2>/dev/null
: >sent.log
sed 's/status=500/status=200/' run1.jsonl | aiq -J -R >run2.jsonl
is "$(jq -r '.response.status_code' run2.jsonl | paste -sd' ')" '200 200' \
	'a re-run with -R fills the failed record'
is "$(wc -l <sent.log | tr -d ' ')" 1 'and sends nothing else'

done_testing
