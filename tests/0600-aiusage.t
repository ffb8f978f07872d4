#!/bin/sh
# aiusage: token and cost reports from records and from the usage log.
# The fixtures in tests/data/aiusage have one record of each usage shape;
# their costs, worked by hand from prices.json, are in the comments.
. "$(dirname "$0")/lib.sh"

plan 106

export TZ=UTC
D=$TESTS/data/aiusage
cp "$D/prices.json" prices.json
P='--prices prices.json'
golden() {	# golden NAME ARGS...: the report, the built-in table's date masked
	name=$1; shift
	aiusage $P "$@" <"$D/records.jsonl" 2>/dev/null | sed 's/built-in of [0-9-]*/built-in of DATE/' >"got.$name"
	if cmp -s "got.$name" "$D/golden.$name"; then
		pass "golden $name: $*"
	else
		fail "golden $name: $*"
		diff "$D/golden.$name" "got.$name" | sed 's/^/# /' >&2
	fi
}
jcost() { aiusage $P -f jsonl "$@" 2>/dev/null | jq -r "$JQ"; }

# --- every format, golden
golden table -b model
golden csv -b model -f csv
golden tsv -b model -f tsv
golden jsonl -b model -f jsonl
golden markdown -b model -f markdown
golden day-service.table -b day,service

# --- the cost of each usage shape, in dollars
# jq shows the costs (six decimals in the output) without trailing zeros
JQ='select(.model == "gpt-x") | .cost'
# plain 1000/500 at $2/$8: 0.006; 800 of 1000 cached at $0.50, 100 out:
# 0.0016; batch 1000/500 at $1/$4: 0.003; 500 out with 400 reasoning: 0.004
is "$(jcost -b model <"$D/records.jsonl")" 0.0146 'gpt-x: plain, cached read, batch discount, reasoning'
JQ='select(.model == "claude-x") | .cost'
# 100 in at $3, 900 written for 1h at $6, 100 out at $15: 0.0072;
# 250,000 in past the 200k tier at $6, 1000 out at $22.50: 1.5225
is "$(jcost -b model <"$D/records.jsonl")" 1.5297 'claude-x: 1-hour cache writes, long-context tier'
JQ='select(.total) | [.cost, .saved, .duplicates, .unpriced] | @tsv'
is "$(jcost <"$D/records.jsonl")" "$(printf '1.5443\t0.006\t1\t1')" \
	'totals: cost, what the cache hit saved, duplicates, unpriced calls'
JQ='select(.total) | [.requests, .cost] | @tsv'
is "$(jcost --no-dedup <"$D/records.jsonl")" "$(printf '9\t1.5503')" '--no-dedup counts the duplicate'
JQ='select(.model == "claude-x") | [.tier, .cost] | @tsv'
is "$(jcost -b model,tier "$D/anthropic-batch.jsonl")" "$(printf 'batch\t0.0105')" \
	'Anthropic batch results: read; no batch price, so the standard one'
JQ='select(.status == "ok") | [.provider, .model, .tier, .cost] | @tsv'
is "$(jcost -b provider,model,tier,status "$D/openai-batch.jsonl")" "$(printf 'openai\tgpt-4o-2024-08-06\tbatch\t0.00375')" \
	'OpenAI Batch output: gpt-4o at the built-in batch rates'
JQ='select(.total) | [.requests, .errors] | @tsv'
is "$(jcost "$D/openai-batch.jsonl" "$D/anthropic-batch.jsonl" "$D/openai-batch.jsonl")" "$(printf '4\t2')" \
	'files: several, with duplicates across them'
sed 's/msg_0/msg_9/' "$D/anthropic-batch.jsonl" >batch2.jsonl
is "$(jcost "$D/anthropic-batch.jsonl" batch2.jsonl)" "$(printf '4\t2')" \
	'two batches reusing custom_ids: their errors are not duplicates'
JQ='select(.model == "gpt-4o") | .cost'
printf '%s\n' '{"response":{"status_code":200,"body":{"id":"x","model":"gpt-4o","usage":{"prompt_tokens":1000000,"completion_tokens":1000000}}}}' >l.jsonl
is "$(aiusage --prices "$TESTS/data/litellm-model-prices-2024.json" -b model -f jsonl l.jsonl 2>/dev/null | jq -r "$JQ")" 20 \
	"LiteLLM's table: gpt-4o at its 2024 \$5 and \$15"

# --- groups and filters
JQ='[.day, .requests] | @tsv'
is "$(jcost -b day --since 2026-11-21 --until 2026-11-22 <"$D/records.jsonl" | head -n1)" "$(printf '2026-11-21\t2')" \
	'--since and --until: absolute dates, the end left out'
JQ='select(.total) | .requests'
is "$(jcost --model claude-x <"$D/records.jsonl")" 2 '--model'
is "$(jcost --service chat <"$D/records.jsonl")" 3 '--service'
JQ='.week // .month // .hour'
is "$(jcost -b week <"$D/records.jsonl" | paste -sd' ')" '2026-W47 2026-W48 null' 'by week (ISO)'
is "$(jcost -b month <"$D/records.jsonl" | paste -sd' ')" '2026-11 null' 'by month'
is "$(jcost -b hour --since 2026-11-22 <"$D/records.jsonl" | head -n2 | paste -sd' ')" '2026-11-22T09 2026-11-22T10' 'by hour'
JQ='select(.total | not) | [.["metadata.team"], .requests] | @tsv'
is "$(jcost -b field:metadata.team <"$D/records.jsonl" | sort | paste -sd' ')" "$(printf -- '-\t5 blue\t1 red\t2')" \
	'by a field of the records: a team tag'
JQ='select(.total | not) | .status'
is "$(jcost -b status <"$D/records.jsonl" | sort | paste -sd' ')" 'cache_hit ok rate_limited' 'by status'

# --- no cost that is not zero reads as zero, for people
rs() { printf '{"response":{"status_code":200,"body":{"id":"%s","model":"gpt-x","usage":{"prompt_tokens":%s,"completion_tokens":0}}},"aitools":{"service":"%s"}}\n' "$1" "$2" "$1"; }
{ rs big 10000; rs tiny 1; } >tiny.jsonl
is "$(aiusage $P -b service --no-bars tiny.jsonl 2>/dev/null | awk '$1 == "tiny" { print $7 }')" '<0.0001' \
	'table: $0.000002 beside $0.02 is <0.0001, not 0.0000'
is "$(aiusage $P -b service -f markdown tiny.jsonl 2>/dev/null | grep -c '^| tiny .*| <0\.0001 |')" 1 'Markdown: the same'
is "$(aiusage $P -b service -f html tiny.jsonl 2>/dev/null | grep -c '<td>tiny</td>.*<td class="n">&lt;0\.0001</td>')" 1 'HTML: the same'
is "$(aiusage $P -b service --decimals 2 --no-bars tiny.jsonl 2>/dev/null | awk '$1 == "tiny" || $1 == "big" { print $7 }' | tr '\n' ' ')" '0.02 <0.01 ' \
	'--decimals 2: <0.01'
is "$(aiusage $P -b service -f csv tiny.jsonl 2>/dev/null | grep '^tiny' | cut -d, -f7)" 0.000002 'CSV keeps the number'

# --- unpriced models, budgets and exit codes
aiusage $P <"$D/records.jsonl" >/dev/null 2>&1
is "$?" 4 'a model without a price: exit 4'
like "$(aiusage $P <"$D/records.jsonl" 2>/dev/null | grep warning)" 'mystery \(1\)' 'and a warning naming it'
aiusage $P --model gpt-x <"$D/records.jsonl" >/dev/null 2>&1
is "$?" 0 'every call priced: exit 0'
bad() {	# bad ARGS...: exit status, then the first line of stderr
	aiusage "$@" </dev/null >/dev/null 2>err.txt
	echo "$?:$(head -n1 err.txt)"
}
is "$(bad -b nope)" "2:aiusage: --by 'nope': unknown dimension nope (model, provider, service, status, tier, hour, day, week, month, tag:NAME or field:PATH)" \
	'a bad --by: exit 2, saying why'
is "$(bad -b model,day,model)" "2:aiusage: --by 'model,day,model': model given twice" '--by: a dimension twice is said so'
is "$(bad -b model,service,status,day,hour)" "2:aiusage: --by 'model,service,status,day,hour': more than 4 dimensions" \
	'five dimensions: exit 2, saying so'
is "$(bad -b tag:team,field:x)" "2:aiusage: --by 'tag:team,field:x': field:x: a second tag: or field: (one at a time)" \
	'--by: a second tag: or field: is said so'
is "$(bad -b tag:team,tag:team)" "2:aiusage: --by 'tag:team,tag:team': tag:team given twice" '--by: a tag twice is said so'
is "$(bad -b 'tag:a b')" "2:aiusage: --by 'tag:a b': tag:a b: not a tag name (1 to 64 letters, digits, - and _)" \
	'--by: a tag name that is not one'
is "$(bad --decimals 7)" "2:aiusage: --decimals '7': not a whole number from 0 to 6" '--decimals: the one message of a bad number'
is "$(sed -n '2,$p' err.txt | grep -c '^usage: aiusage\|^  *\[')" "$(sed -n '2,$p' err.txt | wc -l | tr -d ' ')" \
	'  followed by the synopsis only'
aiusage -h >help.txt 2>&1
missing=
for o in $(sed -n '/struct option longopts/,/{ *NULL/p' "$TESTS/../cmd/aiusage/main.c" | sed -n 's/.*{ *"\([a-z-]*\)".*/\1/p'); do
	grep -q -- "--$o\b" help.txt || missing="$missing $o"
done
is "$?:$(head -n1 help.txt | cut -c1-14):$missing" '0:usage: aiusage:' '-h: the synopsis, then every option, a line each'
is "$(sed -n '/^ *-/p' help.txt | awk 'length > 80' | wc -l | tr -d ' ')" 0 '  in 80 columns'
aiusage -h >/dev/full 2>err.txt
is "$?:$(cat err.txt)" '1:aiusage: write error: No space left on device' '-h >/dev/full: exit 1, saying so'
aiusage -V >/dev/full 2>err.txt
is "$?:$(cat err.txt)" '1:aiusage: write error: No space left on device' '-V >/dev/full: the same'
aiusage --since someday </dev/null >/dev/null 2>/dev/null; is "$?" 2 'a bad --since: exit 2'
aiusage -s 2026-02-30 </dev/null >/dev/null 2>/dev/null; is "$?" 2 'February 30 is no date'
aiusage -s today -u yesterday </dev/null >/dev/null 2>err.txt
is "$?:$(head -n1 err.txt)" '2:aiusage: --since must be before --until' '--since after --until: exit 2'
r='{"response":{"status_code":200,"body":{"model":"gpt-x","usage":{"prompt_tokens":1,"completion_tokens":1}}},"aitools":{"finished":"%s"}}\n'
printf "$r$r$r" 2026-11-20T23:30:00-05:00 2026-11-21T04:29:59.999Z 2026-11-21T04:30:00.000Z >tz.jsonl
is "$(aiusage $P -f jsonl -s 2026-11-21T04:30:00.000Z tz.jsonl 2>/dev/null | jq -r 'select(.total) | .requests')" 2 \
	'RFC 3339 times with an offset or milliseconds, in records and in --since'
aiusage -f pdf </dev/null >/dev/null 2>/dev/null; is "$?" 2 'a bad --format: exit 2'

# --- the usage log, written by aiq against aimock
start_mock
printf '{"prompt":"one"}\n{"prompt":"two"}\n{"prompt":"three","model":"gpt-4o"}\n' >jobs.jsonl
aiq -J --service batchjob <jobs.jsonl >out.jsonl 2>/dev/null
JQ='select(.total) | [.requests, .errors] | @tsv'
is "$(aiusage --since today -f jsonl </dev/null 2>/dev/null | jq -r "$JQ")" "$(printf '3\t0')" \
	'from the usage log when stdin has no records'
is "$(: | aiusage -f jsonl 2>/dev/null | jq -r "$JQ")" "$(printf '3\t0')" \
	'an empty pipe (cron) is no records: the usage log'
JQ='select(.service == "batchjob") | .requests'
is "$(aiusage --log -b service -f jsonl <out.jsonl 2>/dev/null | jq -r "$JQ")" 3 '--log: the log even with records on stdin; services'
JQ='select(.total) | .cost'
is "$(aiusage --log -f jsonl 2>/dev/null | jq -r "$JQ")" "$(aiusage -f jsonl <out.jsonl 2>/dev/null | jq -r "$JQ")" \
	'the log and the records of one run cost the same'
sqlite3 usage.db "INSERT INTO calls (ts, model, status, input_tokens, output_tokens) VALUES (1000, 'gpt-4o', 'ok', 5, 5)"
JQ='select(.total) | .requests'
is "$(aiusage --log --since 2026-01-01 -f jsonl 2>/dev/null | jq -r "$JQ")" 3 '--since filters the log'
printf '%s\n' '{"prompt":"t1"}' '{"prompt":"t2","aitools":{"tags":{"team":"ads"}}}' |
	aiq -J --tag team=search --tag env=prod >tags.jsonl 2>/dev/null
JQ='select(.team) | [.team, .requests] | @tsv'
is "$(aiusage --log -b tag:team -f jsonl 2>/dev/null | jq -r "$JQ" | sort | tr '\n' ' ')" "$(printf -- '-\t4 ads\t1 search\t1 ')" \
	'--by tag:NAME from the usage log (aiq --tag); untagged calls are -'
is "$(aiusage -b tag:team -f jsonl tags.jsonl 2>/dev/null | jq -r "$JQ" | sort | tr '\n' ' ')" "$(printf 'ads\t1 search\t1 ')" \
	'--by tag:NAME from records'
is "$(aiusage --log -b tag:env -f csv 2>/dev/null | cut -d, -f1-3 | tr '\n' ' ')" \
	'env,requests,errors ,4,0 prod,2,0 TOTAL,6,0 ' \
	'the tag names its column'
aiusage -b field:team </dev/null >/dev/null 2>err2.txt
is "$?:$(head -n1 err2.txt)" "2:aiusage: --by 'field:team': the usage log keeps no record fields; tag the calls with aiq --tag and group by tag:NAME" \
	'field: with no records on stdin, so the usage log: exit 2 too'
aiusage --log --budget 50 >b.txt 2>/dev/null
like "$(grep '^budget\|^spent' b.txt | tr '\n' ' ')" '^budget +\$50\.00 a month.* spent +\$0\.0000[0-9]{2} ' 'the budget in cents, a small spend to the microdollar'
like "$(aiusage --log --budget 50 --decimals 2 2>/dev/null | grep '^spent')" '^spent +<\$0\.01 ' '  and to 2 decimals, <$0.01, not $0.00'
aiusage --log -b field:team >/dev/null 2>err.txt
is "$?:$(head -n1 err.txt)" "2:aiusage: --by 'field:team': the usage log keeps no record fields; tag the calls with aiq --tag and group by tag:NAME" \
	'field: on the log: exit 2, pointing to tags'
aiusage -L "$SCRATCH/none.db" >out.txt 2>err.txt
is "$?:$(cat err.txt):$(cat out.txt)" "1:aiusage: $SCRATCH/none.db: no usage log here:" 'no usage log: exit 1, saying so, and no report of nothing'
aiusage -f jsonl nosuch.jsonl "$D/anthropic-batch.jsonl" >out.txt 2>err.txt
is "$?:$(jq -r 'select(.total) | .requests' out.txt):$(grep -c 'warning: 1 file could not be read' err.txt)" '1:2:1' \
	'a file that cannot be read: exit 1, the others reported, and the report says so'

printf '\177ELF\002\001\001\000\000\000\n\000\000garbage\n' >bin.dat
aiusage bin.dat >out.txt 2>err.txt
is "$?:$(cat err.txt):$(cat out.txt)" '1:aiusage: bin.dat: no results in 2 lines:' \
	'a file with no result in its lines (a binary): exit 1, saying so, and no report of nothing'
aiusage <jobs.jsonl >out.txt 2>err.txt
is "$?:$(cat err.txt):$(cat out.txt)" '1:aiusage: stdin: no results in 3 lines:' \
	'requests, not results, on stdin: the same'
aiusage $P -f jsonl bin.dat "$D/anthropic-batch.jsonl" >out.txt 2>err.txt
is "$?:$(jq -r 'select(.total) | .requests' out.txt):$(grep -c 'bin.dat: no results in 2 lines\|warning: 1 file has no results' err.txt)" '1:2:2' \
	'a wrong file among good ones: exit 1, the others reported, and the report says so'
mkdir -p other
env -i PATH="$PATH" HOME="$SCRATCH/other" aiusage --budget 10 </dev/null >out.txt 2>err.txt
is "$?:$(cat err.txt):$(cat out.txt)" "1:aiusage: $SCRATCH/other/.local/state/aitools/usage.db: no usage log here (the path is under HOME, as neither AIQ_USAGE_LOG nor XDG_STATE_HOME is set):" \
	'--budget with no usage log, as in cron: exit 1, naming the path and how it was found, never $0 spent'
AIQ_USAGE_LOG=$SCRATCH/nowhere.db aiusage --budget 10 </dev/null >/dev/null 2>err.txt
is "$?:$(cat err.txt)" "1:aiusage: $SCRATCH/nowhere.db: no usage log here (the path is AIQ_USAGE_LOG)" \
	'  and when AIQ_USAGE_LOG names it'

aiusage --log --budget 1000 --period month >b.txt 2>b.err
is "$?" 0 'under budget: exit 0'
like "$(grep -c '^budget\|^spent\|^forecast' b.txt)" '^3$' 'the budget, the spend and the forecast are told'
like "$(grep '^spent' b.txt)" '^spent +\$0\.[0-9]+ \([0-9.]+%\), [0-9]+% of the month gone$' '  the spend, in dollars and share'
aiusage --log --budget 0.000001 --period day >b.txt 2>b.err
is "$?:$(cat b.err)" "3:aiusage: over budget: \$$(awk '/^spent/ { print substr($2, 2) }' b.txt) spent of \$0.000001 today" \
	'over budget: exit 3, saying so (a cron alert)'
aiusage --log --budget 10 --since 7d >/dev/null 2>&1; is "$?" 2 '--budget has its own period: no --since'

# --- calls whose tokens are not known are said, not costed as nothing
u() { printf '{"response":{"status_code":200,"body":{"id":"%s","model":"gpt-x"%s}},"aitools":{"latency_ms":%s}}\n' "$1" "$2" "$3"; }
{ u n1 '' 100; u n2 ',"usage":{"prompt_tokens":-5,"completion_tokens":1}' null
  u n3 ',"usage":{"prompt_tokens":"7","completion_tokens":1}' 300; u n4 ',"usage":{"prompt_tokens":1e20,"completion_tokens":1}' 1.5
  u ok ',"usage":{"prompt_tokens":1000,"completion_tokens":0}' 500; } >nousage.jsonl
aiusage $P -f jsonl nousage.jsonl >nu.out 2>nu.err
like "$?:$(jq -r 'select(.total) | "\(.requests) \(.input_tokens) \(.cost) \(.no_usage) \(.p50_ms)"' nu.out)" '^4:5 1000 0.002 4 30[0-5]$' \
	'no usage, or counts that are not counts: exit 4, counted apart; a latency that is not one is unknown'
is "$(grep -c 'warning: 4 successful calls have no token counts' nu.err)" 1 'and the warning says so'
sed 's/"aitools":{/"aitools":{"service":"unknown",/; /"id":"ok"/s/"unknown"/"known"/' nousage.jsonl >nu2.jsonl
is "$(aiusage $P -b service -f jsonl nu2.jsonl 2>/dev/null | jq -r 'select(.service) | "\(.service) \(.cost)"' | sort | tr '\n' ' ')" \
	'known 0.002 unknown null ' 'a group of calls of unknown tokens only: its cost is unknown, not 0'
printf '{"prompt":"quiet","stream":true,"stream_options":{"include_usage":false}}\n' | aiq -J >/dev/null 2>&1
is "$(aiusage --log --since today -f jsonl 2>/dev/null | jq -r 'select(.total) | .no_usage'):$(sqlite3 usage.db "SELECT quote(input_tokens) FROM calls ORDER BY id DESC LIMIT 1")" \
	'1:NULL' 'aiq logs no tokens as NULL, and aiusage counts such a call apart'

# --- a log of an older aiq, or written by hand: counts that are not counts
V1='CREATE TABLE calls (id INTEGER PRIMARY KEY, ts INTEGER NOT NULL, provider TEXT, model TEXT, service TEXT, status TEXT NOT NULL, http_status INTEGER, input_tokens INTEGER, output_tokens INTEGER, cached_tokens INTEGER, cache_write_tokens INTEGER, reasoning_tokens INTEGER, latency_ms INTEGER, attempts INTEGER, trace_id TEXT, request_id TEXT, custom_id TEXT, prompt TEXT, response TEXT); CREATE INDEX calls_ts ON calls(ts);'
sqlite3 old.db "$V1 INSERT INTO calls (ts, model, status, input_tokens, output_tokens) VALUES
    (1000, 'gpt-x', 'ok', -5000, 10), (2000, 'gpt-x', 'ok', 9223372036854775807, 10),
    (3000, 'gpt-x', 'ok', 9223372036854775807, 10), (4000, 'gpt-x', 'ok', 'many', 10), (5000, 'gpt-x', 'ok', 1000, 500)"
aiusage $P -L old.db -b model -f jsonl >old.out 2>old.err
is "$?:$(jq -r 'select(.total) | "\(.requests) \(.input_tokens) \(.output_tokens) \(.cost) \(.no_usage)"' old.out)" '4:5 1000 500 0.006 4' \
	'a v1 log with -5000, 2^63-1 and text for tokens: those calls are of unknown tokens, never summed'
is "$(aiusage $P -L old.db 2>/dev/null | awk '/^TOTAL/ { print $4 }')" 1000 '  and the table sums only the counts'
printf '%s\n' '{"aitools_prices": 1, "date": "2026-01-01", "models": {"big": {"input": "900", "output": "900"}}}' >big.json
sqlite3 big.db "$V1 WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 1099999)
    INSERT INTO calls (ts, model, status, input_tokens, output_tokens) SELECT 1000 + i, 'big', 'ok', 10000000000, 0 FROM n"
is "$(aiusage --prices big.json -L big.db -f jsonl 2>/dev/null | grep total | grep -o '"input_tokens":[0-9]*\|"cost":[0-9.-]*' | tr '\n' ' ')" \
	'"input_tokens":11000000000000000 "cost":4611686018427.387904 ' \
	'1.1 million calls of $9 million each: the sum is held at its limit, not wrapped'

# --- lines that are not JSON are skipped, whatever jsmn lets through
b='"body":{"id":"%s","model":"gpt-x","usage":{"prompt_tokens":1000,"completion_tokens":0}}'
{ printf '{"response":{"status_code":200 '"$b"'}}\n' j1	# a comma missing
  printf '{"response":{"status_code":200,'"$b"',}}\n' j2	# one too many
  printf '{"response":{"status_code":200,"x" 1,'"$b"'}}\n' j3	# a colon missing
  printf '{"response":{"status_code":200,'"$b"'}}x\n' j4
  printf '{"response":{"status_code":200,'"$b"'}}  \t\r\n' j5	# blanks after: fine
  printf '{"response":{"status_code":200,"a":[1, 2 ,{}],'"$b"'}}\n' j6; } >broken.jsonl
is "$(aiusage $P -f jsonl broken.jsonl 2>/dev/null | jq -r 'select(.total) | "\(.requests) \(.skipped_lines)"')" '2 4' \
	'missing or extra commas and colons, and text after the object: skipped lines; blanks after it are fine'

# --- deep or wide lines take time linear in their length
ok1='{"response":{"status_code":200,"body":{"id":"w1","model":"gpt-x","usage":{"prompt_tokens":1000,"completion_tokens":0}}}}'
brackets() { head -c "$2" /dev/zero | tr '\0' "$1"; }
{ echo "$ok1"; printf '{"a":'; brackets '[' 200000; brackets ']' 200000; echo '}'; } >deep.jsonl
t0=$(date +%s%N)
got=$(aiusage $P -f jsonl deep.jsonl 2>/dev/null | jq -r 'select(.total) | "\(.requests) \(.skipped_lines)"')
ms=$(ms_since "$t0")
is "$got" '1 1' 'a line nested 200,000 deep is skipped, not a result'
# it takes some 50 ms; the bound leaves room for a loaded machine
is "$([ "$ms" -lt 3000 ] && echo fast)" fast "  in well under a second (${ms} ms; it took 8 s)"
{ echo "$ok1"; printf '{"a":['; brackets '{' 200000 | sed 's/{/{},/g'; printf '{}],'; i=0
  awk 'BEGIN { for (i = 0; i < 100000; i++) printf "\"k%d\":1,", i }'; echo '"z":1}'; } >wide.jsonl
t0=$(date +%s%N)
got=$(aiusage $P -f jsonl wide.jsonl 2>/dev/null | jq -r 'select(.total) | "\(.requests) \(.skipped_lines)"')
ms=$(ms_since "$t0")
is "$got" '1 1' 'a line of 200,000 objects in an array and 100,000 members'
is "$([ "$ms" -lt 3000 ] && echo fast)" fast "  in well under a second too (${ms} ms; it took 11 s)"
nest() {	# nest N: a result whose "x" is nested so that the line is N deep
	printf '{"x":'; brackets '[' $(($1 - 1)); brackets ']' $(($1 - 1))
	printf ',%s\n' "${ok1#?}" | sed "s/w1/d$1/"
}
{ nest 64; nest 65; } >depth.jsonl
is "$(aiusage $P -f jsonl depth.jsonl 2>/dev/null | jq -r 'select(.total) | "\(.requests) \(.skipped_lines)"')" '1 1' \
	'64 levels are a record, 65 a bad line'
B=$(brackets '[' 100)
printf '%s\n' "{\"s\":\"\\\\\\\"$B\\\\\",${ok1#?}" >str.jsonl
is "$(aiusage $P -f jsonl str.jsonl 2>/dev/null | jq -r 'select(.total) | "\(.requests) \(.skipped_lines)"')" '1 0' \
	'brackets in a string, after escaped quotes and backslashes, are not nesting'

# --- hostile strings: every format stays whole
rec() { printf '{"response":{"status_code":200,"body":{"model":"%s","usage":{"prompt_tokens":1,"completion_tokens":1}}},"aitools":{"service":"%s"}}\n' "$1" "$2"; }
{ rec 'a|b' s; rec '=1+2' s; rec "$(printf 'bad\377x')" s; rec 'x\u001fy' z; rec 'e\u001b[31m' s; } >hostile.jsonl
is "$(aiusage -b model -f markdown hostile.jsonl 2>/dev/null | grep -c '^| a\\|b ')" 1 'Markdown: a | in a value is escaped'
is "$(aiusage -b model -f csv hostile.jsonl 2>/dev/null | grep -c "^'=1+2,")" 1 'CSV: a value a spreadsheet would run is made text'
is "$(aiusage -b model,service -f jsonl hostile.jsonl 2>/dev/null | jq -r 'select(.model) | .model + "/" + .service' | sort | tr '\n' ' ')" \
	'=1+2/s a|b/s bad?x/s e?[31m/s x?y/z ' \
	'JSON lines: bad UTF-8 and control characters (the key separator, ESC) become ?'
aiusage -b model hostile.jsonl 2>&1 | grep -c "$(printf '\033')" >n.txt
is "$(cat n.txt)" 0 'the table and its warnings write no escape to the terminal'
E=$(printf 'x\033[31m')
cp bin.dat "$E.jsonl"; cp prices.json "$E-prices.json"
{ aiusage "$E-none.jsonl"; aiusage -L "$E.db"; aiusage --prices "$E-none.json"
  aiusage -b "$E" </dev/null; aiusage --since "$E" </dev/null
  aiusage --prices "$E-prices.json" "$E.jsonl" "$D/anthropic-batch.jsonl"
  aiusage --prices "$E-prices.json" -f csv "$E.jsonl" "$D/anthropic-batch.jsonl"; } >esc.out 2>esc.err
is "$(cat esc.out esc.err | grep -c "$(printf '\033')")" 0 'file names, a price table and option values with an ESC: none reaches the terminal'
is "$(grep -c 'x\\x1b\[31m' esc.err):$(grep -c 'x\\x1b\[31m' esc.out)" '9:2' '  they are shown escaped, in messages and notes'
is "$(aiusage -b model -f jsonl hostile.jsonl 2>/dev/null | jq -c 'select(.total) | .unpriced_models | keys')" \
	'["=1+2","a|b","bad?x","e?[31m","x?y"]' 'the totals of JSON lines name the unpriced models'

# --- the HTML report
aiusage $P -f html --title 'Usage <test>' <"$D/records.jsonl" >r.html 2>/dev/null
like "$(grep -c '<svg id="cost-per-day"\|<svg id="tokens-by-service"' r.html)" '^2$' 'HTML: two inline SVG charts'
is "$(grep -o 'https*://[^"]*' r.html | sort -u)" 'http://www.w3.org/2000/svg' 'HTML: nothing from the network (the only URL is the SVG namespace)'
like "$(grep -o '<title>[^<]*</title>' r.html | head -n1)" 'Usage &lt;test&gt;' 'HTML: the title, escaped'
is "$(grep -c '<p class="note">1 line skipped, not results\|<p class="warn">warning: 1 call of models without a price' r.html)" 2 \
	'HTML: the notes of the other formats, skipped lines too'
is "$(sed -n '/id="cost-per-day"/,/<\/svg>/p' r.html | grep -c 'mystery:')" 0 'HTML: an unpriced model has no bar, never one of $0'
is "$(aiusage $P -b model -f html <"$D/records.jsonl" 2>/dev/null | grep -c '<td>mystery</td>\(<td class="n">[0-9]*</td>\)\{5\}<td class="n">-</td>')" 1 \
	'HTML: an unpriced model costs -, never 0'
awk 'BEGIN { for (i = 0; i < 420; i++) printf "{\"response\":{\"status_code\":200,\"body\":{\"id\":\"d%d\",\"created\":%d,\"model\":\"gpt-x\",\"usage\":{\"prompt_tokens\":1000,\"completion_tokens\":1}}}}\n", i, 1700000000 + i * 86400 }' >days.jsonl
aiusage $P -f html days.jsonl 2>/dev/null | sed -n '/id="cost-per-day"/,/<\/svg>/p' | grep -o '<title>20[0-9-]*' | sed 's/<title>//' >days.txt
is "$(wc -l <days.txt | tr -d ' ') $(head -n1 days.txt) $(tail -n1 days.txt)" '400 2023-12-04 2025-01-06' 'HTML: over 400 days, the chart shows the last 400'
if command -v chromium >/dev/null 2>&1; then
	# Rendered by the browser: each chart's bars laid out with a size.
	sed 's#</body>#<script>var o=[];document.querySelectorAll("svg").forEach(function(s){var n=0;s.querySelectorAll("rect.bar").forEach(function(r){var b=r.getBBox();if(b.width>0\&\&b.height>0)n++;});o.push(s.id+"="+n);});document.body.setAttribute("data-bars",o.join(" "));</script></body>#' r.html >probe.html
	timeout 60 chromium --headless --no-sandbox --disable-gpu --no-first-run \
	    --dump-dom "file://$SCRATCH/probe.html" >dom.html 2>/dev/null
	is "$(sed -n 's/.*data-bars="\([^"]*\)".*/\1/p' dom.html)" 'cost-per-day=6 tokens-by-service=6' \
		'HTML in headless Chromium: both charts render their bars'
else
	pass '# SKIP chromium not installed'
fi

# an empty pipe (the stage before failed): the log's report, said so
true | aiusage >/dev/null 2>empty.err
like "$(cat empty.err)" '^aiusage: no records on stdin: a report of the usage log ' \
	'records from an empty pipe: the usage log is reported, and that is said'
: >empty-in.jsonl
aiusage <empty-in.jsonl >/dev/null 2>empty-in.err
is "$?:$(cat empty-in.err)" '1:aiusage: stdin: no records' \
	'an empty file on stdin is as one named: an error, not the usage log'
printf '\n \n\r\n' | aiusage >/dev/null 2>blank.err
like "$(cat blank.err)" '^aiusage: no records on stdin: a report of the usage log ' \
	'blank lines are no records either: not a silent report of $0'

aiusage --period week </dev/null >/dev/null 2>period.err
is "$?:$(head -n1 period.err)" '2:aiusage: --period is of --budget: give --budget too, or use --since' \
	'--period without --budget is a usage error, not ignored'

# a usage without its counts of input and output: the tokens are unknown
printf '{"response":{"status_code":200,"body":{"model":"gpt-4o","usage":{"total_tokens":50}}},"aitools":{"trace_id":"00000000000000000000000000000abc"}}\n' |
	aiusage >nc.out 2>&1
is "$?:$(grep -c 'has no token counts' nc.out)" '4:1' 'usage without prompt and completion counts: tokens not known, exit 4'

done_testing
