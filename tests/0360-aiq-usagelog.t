#!/bin/sh
# aiq: the usage log, a SQLite database shared by concurrent processes.
. "$(dirname "$0")/lib.sh"

plan 22

start_mock -d 0-10

q() { sqlite3 -batch -noheader "$AIQ_USAGE_LOG" "$1"; }

printf '{"custom_id":"c1","prompt":"hello","model":"gpt-x"}\n{"prompt":"no [[mock status=429]]"}\n' |
	aiq -J --service billing >out.jsonl 2>/dev/null
is "$(stat -c %a "$AIQ_USAGE_LOG")" 600 'the usage log is created 0600'
is "$(q 'PRAGMA journal_mode')" wal 'in WAL mode'
is "$(q 'SELECT count(*) FROM calls')" 2 'one row per call'
is "$(q "SELECT provider, model, service, status, http_status, input_tokens, output_tokens, cached_tokens, attempts, custom_id FROM calls WHERE status = 'ok'")" \
	'openai|gpt-x|billing|ok|200|9|3|0|1|c1' 'the row of a success'
is "$(q "SELECT status, http_status FROM calls WHERE status != 'ok'")" 'rate_limited|429' \
	'the row of a failure'
is "$(q "SELECT trace_id FROM calls WHERE custom_id = 'c1'")" \
	"$(head -n1 out.jsonl | jq -r .aitools.trace_id)" 'the trace id matches the record'
is "$(q "SELECT request_id FROM calls WHERE custom_id = 'c1'")" \
	"$(head -n1 out.jsonl | jq -r .response.request_id)" 'the request id matches the record'
now=$(date +%s)
is "$(q "SELECT abs(ts / 1000 - $now) < 60 AND latency_ms >= 0 FROM calls LIMIT 1")" 1 \
	'time in ms since the epoch, and latency'
is "$(q 'SELECT count(prompt) + count(response) FROM calls')" 0 \
	'no prompt or answer text by default'

printf '{"prompt":"keep me"}\n' | aiq -J --log-content >/dev/null
is "$(q "SELECT prompt FROM calls WHERE prompt IS NOT NULL")" \
	'[{"role":"user","content":"keep me"}]' '--log-content stores the prompt'
like "$(q "SELECT response FROM calls WHERE response IS NOT NULL")" 'Echo: keep me' \
	'and the answer'

printf '{"custom_id":42,"prompt":"numbered"}\n' | aiq -J >/dev/null
is "$(q "SELECT custom_id FROM calls WHERE custom_id = '42'")" 42 'a numeric custom_id is logged as text'

# tags: --tag for every record, a record's own aitools.tags first
printf '%s\n' '{"custom_id":"t1","prompt":"a"}' \
	'{"custom_id":"t2","prompt":"b","aitools":{"tags":{"team":"ads","n":2}}}' \
	'{"custom_id":"t3","prompt":"c","aitools":{"tags":"x"}}' |
	aiq -J --tag team=search --tag env=prod >tags.jsonl 2>/dev/null
is "$(jq -c '[.custom_id, .aitools.tags]' tags.jsonl | tr '\n' ' ')" \
	'["t1",{"team":"search","env":"prod"}] ["t2",{"team":"ads","n":2,"env":"prod"}] ["t3",{"team":"search","env":"prod"}] ' \
	'--tag stamps aitools.tags; a record keeps its own values'
is "$(tail -n1 tags.jsonl | jq -r .error.message)" 'line 3: "aitools.tags" is not an object' \
	'tags that are not an object: an invalid_input record'
is "$(q "SELECT custom_id || ' ' || tags FROM calls WHERE tags IS NOT NULL ORDER BY custom_id")" \
	"$(printf 't1 {"team":"search","env":"prod"}\nt2 {"team":"ads","n":2,"env":"prod"}')" \
	'the usage log keeps the tags as a JSON object'
aiq -J --tag 'bad name=1' </dev/null >/dev/null 2>err.txt
is "$?:$(head -n1 err.txt)" "2:aiq: --tag 'bad name=1': not name=value, the name of letters, digits, '-' and '_'" \
	'a bad --tag: exit 2, saying why'

n=$(q 'SELECT count(*) FROM calls')
printf '{"prompt":"quiet"}\n' | aiq -J --no-usage-log >/dev/null
is "$(q 'SELECT count(*) FROM calls')" "$n" '--no-usage-log logs nothing'

printf '{"prompt":"elsewhere"}\n' | aiq -J --usage-log "$SCRATCH/deep/er/u.db" >/dev/null
is "$(sqlite3 "$SCRATCH/deep/er/u.db" 'SELECT count(*) FROM calls'):$(stat -c %a "$SCRATCH/deep/er")" \
	'1:700' '--usage-log, with its directories made 0700'

printf '{"prompt":"default"}\n' | env -u AIQ_USAGE_LOG aiq -J >/dev/null
is "$(sqlite3 "$HOME/.local/state/aitools/usage.db" 'SELECT count(*) FROM calls')" 1 \
	'the default path is ~/.local/state/aitools/usage.db'
printf '{"prompt":"default"}\n' | env -u AIQ_USAGE_LOG XDG_STATE_HOME="$SCRATCH/xdg" aiq -J >/dev/null
is "$(sqlite3 "$SCRATCH/xdg/aitools/usage.db" 'SELECT count(*) FROM calls')" 1 \
	'or under $XDG_STATE_HOME'

# many writers at once
awk 'BEGIN { for (i = 0; i < 300; i++) printf "{\"prompt\":\"w%d\"}\n", i }' >w.jsonl
rm -f "$SCRATCH/shared.db"
export AIQ_USAGE_LOG=$SCRATCH/shared.db
aiq -J -j 8 <w.jsonl >w1.jsonl &
p1=$!
aiq -J -j 8 <w.jsonl >w2.jsonl &
p2=$!
seq 1 40 | xargs -P 8 -I{} sh -c 'printf "{\"prompt\":\"x{}\"}\n" | aiq -J >/dev/null' 
wait $p1; s1=$?
wait $p2; s2=$?
is "$s1:$s2" 0:0 'two aiq processes and an xargs -P 8 run at once all succeed'
is "$(q 'SELECT count(*), count(DISTINCT trace_id) FROM calls')" '640|640' \
	'every call of every process is logged, once'

done_testing
