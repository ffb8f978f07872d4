#!/bin/sh
# aiusage as a new user meets it: a run and its re-run, an empty file,
# calls without a price, a filter that matches nothing, its messages.
. "$(dirname "$0")/lib.sh"

plan 7

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

done_testing
