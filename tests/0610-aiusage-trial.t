#!/bin/sh
# aiusage as a new user meets it: a run and its re-run, an empty file,
# calls without a price, a filter that matches nothing, its messages.
. "$(dirname "$0")/lib.sh"

plan 12

export TZ=UTC
start_mock

# --- a run and its re-run with -R: the calls re-sent are calls
printf '%s\n' '{"custom_id":"a","prompt":"always [[mock fail_rate=1 fail=500]]"}' \
	'{"custom_id":"b","prompt":"fine"}' >jobs.jsonl
aiq -J --max-attempts 1 <jobs.jsonl >run1.jsonl 2>/dev/null
aiq -J -R --max-attempts 1 <run1.jsonl >run2.jsonl 2>/dev/null
JQ='select(.total) | "\(.requests) \(.errors) \(.duplicates)"'
is "$(aiusage -f jsonl run1.jsonl run2.jsonl 2>/dev/null | jq -r "$JQ")" '3 2 1' \
	'-R re-sent a failed record under its trace id: a new call, not a duplicate'
is "$(sqlite3 usage.db 'SELECT count(*), sum(status != "ok") FROM calls')" '3|2' \
	'  as the usage log has it'
is "$(aiusage -f jsonl run2.jsonl run2.jsonl 2>/dev/null | jq -r "$JQ")" '2 1 2' \
	'a file given twice: its records are duplicates'
is "$(cat run1.jsonl run2.jsonl | aiusage -f jsonl --no-dedup 2>/dev/null | jq -r "$JQ")" '4 2 0' \
	'--no-dedup counts the record passed through too'

# --- a file named that brings no record is a wrong file, not $0 spent
: >empty.jsonl
aiusage empty.jsonl >out.txt 2>err.txt
is "$?:$(cat err.txt):$(cat out.txt)" '1:aiusage: empty.jsonl: no records:' \
	'an empty file: exit 1, saying so, and no report of $0'
printf '\n \r\n\t\n' >blank.jsonl
aiusage -f jsonl blank.jsonl run1.jsonl >out.txt 2>err.txt
is "$?:$(jq -r 'select(.total) | .requests' out.txt):$(grep -c 'blank.jsonl: no records\|warning: 1 file has no results' err.txt)" \
	'1:2:2' 'blank lines only, among a good file: exit 1, the other reported, and the report says so'
aiusage - <empty.jsonl >out.txt 2>err.txt
is "$?:$(cat err.txt):$(cat out.txt)" '1:aiusage: stdin: no records:' \
	'an empty stdin named -: the same'

# --- calls without a price: the budget and the headline never read $0
printf '{"prompt":"p%d"}\n' 1 2 3 >c.jsonl
AIQ_USAGE_LOG=$SCRATCH/unp.db aiq -J -m my-private-model <c.jsonl >unp.jsonl 2>/dev/null
AIQ_USAGE_LOG=$SCRATCH/unp.db aiusage --budget 5 >b.txt 2>/dev/null
is "$?:$(grep '^spent\|^forecast' b.txt | sed 's/, [0-9]*% of the month gone//' | tr '\n' '|')" \
	'4:spent     unknown: 3 unpriced calls|forecast  unknown for the month|' \
	'--budget, every call unpriced: the spend is unknown, not $0 (0.0%)'
AIQ_USAGE_LOG=$SCRATCH/unp.db aiusage -f html >r.html 2>/dev/null
is "$(grep -o '<p>Total cost.*</p>' r.html)" \
	'<p>Total cost <strong>unknown</strong> for 3 requests (3 unpriced calls, not in the cost).</p>' \
	'HTML, every call unpriced: the headline says the cost is unknown'
sqlite3 unp.db "INSERT INTO calls (ts, model, status, input_tokens, output_tokens) VALUES ($(date +%s)000, 'gpt-4o', 'ok', 1000, 1000)"
AIQ_USAGE_LOG=$SCRATCH/unp.db aiusage --budget 0.01 >b.txt 2>b.err
is "$?:$(grep '^spent' b.txt | sed 's/, [0-9]*% of the month gone//'):$(grep -c '^forecast  at least \$' b.txt):$(cat b.err)" \
	'3:spent     at least $0.012500 (125.0%) + 3 unpriced calls:1:aiusage: over budget: at least $0.012500 spent of $0.01 this month' \
	'--budget, some calls unpriced: at least the sum of the others, and what it leaves out'
AIQ_USAGE_LOG=$SCRATCH/unp.db aiusage -f html >r.html 2>/dev/null
is "$(grep -o '<p>Total cost.*</p>' r.html)" \
	'<p>Total cost <strong>at least $0.0125</strong> for 4 requests (+ 3 unpriced calls, not in the cost).</p>' \
	'HTML, some calls unpriced: the headline says how many the cost leaves out'
{ grep -v '^$' unp.jsonl | head -n1
  printf '%s\n' '{"custom_id":"e","error":{"code":"server","message":"x"},"aitools":{"model":"my-private-model","trace_id":"00000000000000000000000000000abc"}}'; } >mixed.jsonl
is "$(aiusage -f jsonl -b model mixed.jsonl 2>/dev/null | jq -r 'select(.total) | "\(.requests) \(.errors) \(.cost)"')" '2 1 null' \
	'an unpriced call and an error (which costs nothing): the cost is unknown, not 0'

done_testing
