#!/bin/sh
# aiusage as a new user meets it: a run and its re-run, an empty file,
# calls without a price, a filter that matches nothing, its messages.
. "$(dirname "$0")/lib.sh"

plan 26

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

# --- a filter that leaves out every call there was is said, not $0
nomatch() {	# nomatch ARGS...: exit status, stderr, stdout
	aiusage "$@" </dev/null >out.txt 2>err.txt
	echo "$?:$(cat err.txt):$(cat out.txt)"
}
is "$(nomatch -m gpt4o)" '1:aiusage: no calls of model gpt4o (the models here: gpt-4o-mini):' \
	'a model mistyped, on the usage log: exit 1, naming the models there are, no report'
is "$(nomatch -m gpt4o run1.jsonl run2.jsonl)" '1:aiusage: no calls of model gpt4o (the models here: gpt-4o-mini):' \
	'  and on records'
is "$(nomatch -S nosuch -f csv)" '1:aiusage: no calls of service nosuch (the services here: (no service)):' \
	'a service that is not there: the same'
is "$(nomatch -m gpt4o -S nosuch)" '1:aiusage: no calls of model gpt4o of service nosuch:' \
	'two filters that both miss: both said'
is "$(nomatch -s 2020-01-01 -u 2020-02-01T10:30)" '1:aiusage: no calls from 2020-01-01 to 2020-02-01T10:30:' \
	'a time range without calls, in a log that has some'
like "$(nomatch -s 2030-01-01 run1.jsonl)" '^1:aiusage: no calls since 2030-01-01 \(the calls here are on [0-9]{4}-[0-9]{2}-[0-9]{2}\):$' \
	'  and in records, saying when their calls are'
is "$(nomatch -m gpt4o --budget 5)" '1:aiusage: no calls of model gpt4o (the models here: gpt-4o-mini):' \
	'--budget of a model mistyped: the same, not $0 spent'
cp usage.db old.db
sqlite3 old.db 'UPDATE calls SET ts = 1000'
aiusage -L old.db --budget 5 >b.txt 2>/dev/null
is "$?:$(grep -c '^spent     \$0\.000000 (0\.0%)' b.txt)" '0:1' \
	"--budget's own period is no filter given: a period without calls yet spent \$0"
sqlite3 old.db 'DELETE FROM calls'
aiusage -L old.db -m x -f jsonl >out.txt 2>/dev/null
is "$?:$(jq -r 'select(.total) | .requests' out.txt)" '0:0' \
	'an empty log: nothing to leave out, a report of nothing'

# --- messages: the program's own name, the real problem
"$AI_BIN/aiusage" --nope </dev/null >/dev/null 2>err.txt
is "$?:$(head -n1 err.txt)" "2:aiusage: unrecognized option '--nope'" \
	'run by its path, aiusage names itself as the other tools do'
is "$(bad() { aiusage "$@" </dev/null 2>&1 >/dev/null | head -n1; }
	bad --budget 0.0000001; bad --budget 0; bad --budget 1e3)" \
	"$(printf '%s\n' "aiusage: --budget '0.0000001': more than 6 decimals: a budget is counted in microdollars (\$0.000001)" \
	"aiusage: --budget '0': not above 0: the smallest budget is \$0.000001" \
	"aiusage: --budget '1e3': not an amount of dollars, such as 50 or 49.99")" \
	'--budget: too fine, zero and not a number each say what is wrong'
comp() {	# comp WORD: what bash completes after aiusage -b WORD
	bash -c ". '$TESTS/../completions/aiusage.bash'; COMP_WORDS=(aiusage -b '$1'); COMP_CWORD=2; _aiusage; echo \"\${COMPREPLY[*]}\""
}
is "$(comp model,)" 'model,provider model,service model,status model,tier model,hour model,day model,week model,month model,tag: model,field:' \
	'bash completion of --by offers no dimension given already'
is "$(comp tag:team,t)" 'tag:team,tier' '  nor a second tag: or field:'
is "$(comp model,day,hour,week,)" '' '  nor a fifth dimension'

done_testing
