#!/bin/sh
# aicache: a response cache as two pipeline stages, and its upkeep.
. "$(dirname "$0")/lib.sh"

plan 75

start_mock -L "$SCRATCH/sent.log"
export AICACHE_DB=$SCRATCH/cache.db
sent() { wc -l <sent.log | tr -d ' '; }
run() { aicache get "$@" | aiq -J 2>/dev/null | aicache put "$@"; }

cat >in.jsonl <<'EOR'
{"custom_id":"a","prompt":"alpha","temperature":0}
{"custom_id":"b","prompt":"beta"}
not json
EOR

# --- a second run makes no provider call
run <in.jsonl >out1.jsonl
n1=$(sent)
run <in.jsonl >out2.jsonl
is "$(sent)" "$n1" 'the second run is answered from the cache: no provider call'
is "$n1" 2 'the first run called the provider for each request'
is "$(jq -c '[.custom_id, .aitools.cache.hit]' out2.jsonl 2>/dev/null | head -n 2 | paste -sd' ')" \
	'["a",true] ["b",true]' 'hits are marked in the metadata'
is "$(jq -c '.response.body.choices[0].message.content' out2.jsonl 2>/dev/null | head -n 2 | paste -sd' ')" \
	'"Echo: alpha" "Echo: beta"' 'with the stored answers'
is "$(sed -n 3p out2.jsonl | jq -r .error.code)" invalid_input 'an invalid line still gets its error record'
like "$(jq -r '.aitools.cache.key' out2.jsonl 2>/dev/null | head -n1)" '^[0-9a-f]{64}$' 'the key is shown'
printf '{"prompt":"unseen"}\n' | aicache get >miss.jsonl
is "$(cat miss.jsonl)" '{"prompt":"unseen"}' 'a miss passes through byte for byte'
is "$(stat -c %a cache.db)" 600 'the cache file is private'
is "$(sqlite3 usage.db "SELECT count(*) FROM calls WHERE status = 'cache_hit'")" 2 \
	'hits are recorded in the usage log'
now=$(date -u +%Y-%m-%dT%H)
is "$(head -n1 out2.jsonl | jq -r '.aitools | (.finished[0:13] == "'"$now"'"), (.trace_id | test("^[0-9a-f]{32}$"))' | paste -sd' ')" \
	'true true' 'a hit has its time and a trace id of its own'
printf '{"prompt":"alpha","temperature":0,"aitools":{"tags":{"team":"own"}}}\n' | aicache get >/dev/null
is "$(sqlite3 usage.db "SELECT tags FROM calls WHERE status = 'cache_hit' ORDER BY id DESC LIMIT 1")" '{"team":"own"}' \
	"a hit's usage log row has the record's own tags"
printf '{"prompt":"alpha","temperature":0}\n{"prompt":"alpha","temperature":0}\n' | aicache get >twice.jsonl
is "$(aiusage -f jsonl twice.jsonl 2>/dev/null | jq -r 'select(.total) | "\(.cache_hits) \(.duplicates)"')" '2 0' \
	'two hits of one answer at once are two hits to aiusage, not duplicates'

# --- the key: what makes two requests one entry
k() { printf '%s\n' "$1" | aicache key; }
base='{"model":"m","messages":[{"role":"user","content":"hi"}],"temperature":0.5}'
is "$(k '{"temperature":0.5,"messages":[{"content":"hi","role":"user"}],"model":"m"}')" "$(k "$base")" \
	'keys in another order: the same key'
is "$(k '{"model":"m","messages":[{"role":"user","content":"hi"}],"temperature":0.5,"stream":true,"user":"u1","metadata":{"x":1}}')" \
	"$(k "$base")" 'stream, user and metadata do not count'
unlike "$(k '{"model":"m","messages":[{"role":"user","content":"hi"}],"temperature":0.7}')" \
	"$(k "$base")" 'a changed temperature is another key'
is "$(k '{"model":"m","messages":[],"max_tokens":1.0}')" "$(k '{"model":"m","messages":[],"max_tokens":1}')" \
	'1.0 and 1 are one number'
unlike "$(k '{"model":"other","messages":[{"role":"user","content":"hi"}],"temperature":0.5}')" \
	"$(k "$base")" 'another model is another key'
is "$(k '{"prompt":"hi","model":"m","temperature":0.5}')" "$(k "$base")" \
	'a prompt record and its body share a key'
like "$(printf '%s\n' "$base" | aicache key --canonical)" \
	'^[0-9a-f]{64}	aitools-cache-key/1	openai	http://127.0.0.1:[0-9]+/v1	\{"messages":\[\{"content":"hi","role":"user"\}\],"model":"m","temperature":0.5\}$' \
	'--canonical shows what the key digests'

# --- streamed or not, one entry; only answers are stored
printf '{"prompt":"stream or not","stream":true}\n' | aicache get | aiq -J 2>/dev/null | aicache put >/dev/null
n0=$(sent)
printf '{"prompt":"stream or not"}\n' | run >/dev/null
is "$(sent)" "$n0" 'a streamed answer serves the same request unstreamed'
printf '{"prompt":"fails [[mock status=500]]"}\n' | aicache get | aiq -J --max-attempts 1 2>/dev/null | aicache put >/dev/null
printf '{"prompt":"fails [[mock status=500]]"}\n' | aicache get >f.jsonl
is "$(jq 'has("response")' f.jsonl)" false 'an error is never stored'
printf '{"prompt":"cut [[mock fault=truncate]]","stream":true}\n' | aiq -J --max-attempts 1 2>/dev/null | aicache put >/dev/null
printf '{"prompt":"cut [[mock fault=truncate]]"}\n' | aicache get >t.jsonl
is "$(jq 'has("response")' t.jsonl)" false 'nor a truncated stream'

# --- per-record control and --deterministic
printf '{"prompt":"alpha","temperature":0,"aitools":{"cache_control":"bypass"}}\n' | aicache get >by.jsonl
is "$(jq 'has("response")' by.jsonl)" false 'cache_control "bypass" is not answered from the cache'
printf '{"prompt":"nostore","aitools":{"cache_control":"no-store"}}\n' | run >/dev/null
printf '{"prompt":"nostore"}\n' | aicache get >ns.jsonl
is "$(jq 'has("response")' ns.jsonl)" false 'cache_control "no-store" is not stored'
printf '{"prompt":"warm","temperature":0.7}\n{"prompt":"cold","temperature":0}\n{"prompt":"seeded","seed":1}\n' |
    aiq -J 2>/dev/null | aicache put --deterministic -n det >/dev/null
printf '{"prompt":"warm","temperature":0.7}\n{"prompt":"cold","temperature":0}\n{"prompt":"seeded","seed":1}\n' |
    aicache get -n det | jq -c 'has("response")' >det.txt
is "$(paste -sd' ' det.txt)" 'false true true' '--deterministic stores only temperature 0 or a seed'

# --- namespaces
printf '{"prompt":"alpha","temperature":0}\n' | aicache get -n other >o.jsonl
is "$(jq 'has("response")' o.jsonl)" false 'another namespace does not see the entries'
printf '{"prompt":"cold","temperature":0}\n' | aicache get -n det >d.jsonl
is "$(jq 'has("response")' d.jsonl)" true 'its own does'

# --- freshness
printf '{"prompt":"brief"}\n' | aiq -J 2>/dev/null | aicache put --ttl 1s >/dev/null
printf '{"prompt":"brief"}\n' | aicache get >b1.jsonl
sleep 1.2
printf '{"prompt":"brief"}\n' | aicache get >b2.jsonl
is "$(jq -c 'has("response")' b1.jsonl b2.jsonl | paste -sd' ')" 'true false' \
	'put --ttl: the entry expires'
printf '{"prompt":"beta"}\n' | aicache get --ttl 1s >old.jsonl
is "$(jq 'has("response")' old.jsonl)" false 'get --ttl: an older entry is not used'

# --- the size cap, least recently used first
export AICACHE_DB=$SCRATCH/small.db
awk 'BEGIN { for (i = 1; i <= 30; i++) printf "{\"prompt\":\"entry %d\"}\n", i }' >many.jsonl
head -n 1 many.jsonl | aiq -J 2>/dev/null | aicache put >/dev/null
sed -n '2,10p' many.jsonl | aiq -J 2>/dev/null | aicache put >/dev/null
head -n 1 many.jsonl | aicache get >/dev/null		# entry 1 is used again
sed -n '11,30p' many.jsonl | aiq -J 2>/dev/null | aicache put --max-size 4K >/dev/null
bytes=$(sqlite3 small.db 'SELECT bytes FROM size')
if [ "$bytes" -le 4096 ]; then pass "--max-size holds ($bytes bytes of answers)"
else fail "--max-size holds ($bytes bytes of answers)"; fi
is "$(head -n 1 many.jsonl | aicache get | jq 'has("response")')" false \
	'the entries used longest ago went first'
is "$(sed -n 30p many.jsonl | aicache get | jq 'has("response")')" true 'the newest stay'

# --- two writers at once, and a killed one
export AICACHE_DB=$SCRATCH/shared.db
awk 'BEGIN { for (i = 1; i <= 400; i++) printf "{\"prompt\":\"w%d\"}\n", i }' | aiq -J -j 16 2>/dev/null >ans.jsonl
sed -n '1,200p' ans.jsonl | aicache put --batch 7 >/dev/null &
p1=$!
sed -n '201,400p' ans.jsonl | aicache put --batch 5 >/dev/null &
p2=$!
wait $p1; s1=$?
wait $p2; s2=$?
is "$s1$s2" 00 'two writers at once both succeed'
is "$(sqlite3 shared.db 'SELECT count(*) FROM entries')" 400 'and no entry is lost'
mkfifo feed
aicache put -f killed.db <feed >kept.jsonl &
kp=$!
exec 3>feed
sed -n '1,50p' ans.jsonl >&3
i=0
while [ "$(grep -c . kept.jsonl)" -lt 50 ] && [ $i -lt 400 ]; do sleep 0.05; i=$((i + 1)); done
kill -9 $kp
exec 3>&-
wait $kp 2>/dev/null
is "$(sqlite3 killed.db 'PRAGMA integrity_check')" ok 'a writer killed mid-run leaves a sound file'
# each record passed on was committed first; a batch committed but not yet
# passed on when killed is more entries, not fewer
is "$(grep -c . kept.jsonl):$(jq -c '{prompt}' kept.jsonl | aicache get -f killed.db |
	jq -s 'map(select(has("response"))) | length')" 50:50 \
	'and every record it passed on has its entry'

# --- a corrupt or unreadable cache
head -c 8192 /dev/urandom >bad.db
printf '{"prompt":"x"}\n' | aicache get -f bad.db >bad.out 2>bad.err
is "$?" 1 'a corrupt cache: get fails'
like "$(cat bad.err)" '^aicache: .*bad.db: (file is not a database|database disk image is malformed)' 'with a clear message'
printf '{"prompt":"x"}\n' | aicache get -f bad.db --fail-open >fo.out 2>fo.err
is "$?:$(cat fo.out)" '0:{"prompt":"x"}' '--fail-open passes records through'

# --- upkeep: stats, purge, export and import
export AICACHE_DB=$SCRATCH/cache.db
aicache stats >stats.txt
like "$(grep '^hits' stats.txt)" '^hits +[0-9]+ \([0-9.]+%\)$' 'stats: hits and their ratio'
like "$(grep '^tokens saved' stats.txt)" '^tokens saved +[1-9][0-9]* in, [1-9][0-9]* out$' 'stats: tokens saved'
like "$(grep '^  gpt-4o-mini ' stats.txt)" '^  gpt-4o-mini +[1-9][0-9]* hits, [1-9][0-9]* in, [1-9][0-9]* out, \$0\.0000[0-9][1-9]$' \
	'stats: and by model'
like "$(grep '^dollars saved' stats.txt)" '^dollars saved \$0\.0000[0-9][1-9]$' \
	'stats: dollars saved, priced by the built-in table'

# --- dollars saved: each hit priced as the call it replaced, by the price
# table (the user's own here), a model without a price counted apart
cat >prices.json <<'EOP'
{"aitools_prices": 1, "date": "t", "models": {"gpt-4o-mini": {"input": "1000000", "output": "1000000"}}}
EOP
printf '{"prompt":"d%s"}\n' 1 2 3 >d.jsonl
printf '{"prompt":"u1","model":"mystery-1"}\n' >>d.jsonl
run -f dollars.db <d.jsonl >/dev/null
AITOOLS_PRICES=$SCRATCH/prices.json run -f dollars.db <d.jsonl >/dev/null
aicache stats -f dollars.db >d.txt
tok=$(awk '/^tokens saved/ { print $3 }' d.txt)
set -- $(awk '$1 == "gpt-4o-mini" { print $4, $6 }' d.txt)
is "$(grep '^dollars saved' d.txt)" "dollars saved \$$(($1 + $2)).000000, and 1 hits of unpriced models" \
	'stats: dollars saved at the price of the time of the hit, unpriced hits counted'
like "$(grep '^  gpt-4o-mini' d.txt)" "3 hits, $1 in, $2 out, \\\$$(($1 + $2))\\.000000\$" 'and by model'
like "$(grep '^  mystery-1' d.txt)" '1 hits, [0-9]+ in, [0-9]+ out, unpriced$' \
	'a model without a price is shown as unpriced, not as free'
printf '{not json\n' >bad-prices.json
printf '{"prompt":"d1"}\n' | AITOOLS_PRICES=$SCRATCH/bad-prices.json aicache get -f dollars.db 2>bp.err |
    jq -r .aitools.cache.hit >bp.out
like "$(cat bp.out) $(cat bp.err)" '^true aicache: .*bad-prices.json:1: .*\(dollars saved are priced without it\)$' \
	'a broken price file is told, and the cache still answers'
aicache export >dump.jsonl
n=$(wc -l <dump.jsonl | tr -d ' ')
aicache import -f copy.db <dump.jsonl 2>/dev/null
is "$(sqlite3 copy.db 'SELECT count(*) FROM entries')" "$n" 'export then import: every entry'
is "$(printf '{"prompt":"alpha","temperature":0}\n' | aicache get -f copy.db | jq 'has("response")')" true \
	'and the copy answers'
aicache purge --model gpt-4o-mini -f copy.db
is "$(sqlite3 copy.db 'SELECT count(*) FROM entries')" 0 'purge --model'

aicache purge 2>/dev/null; is "$?" 2 'purge without a filter is a usage error'

# --- found by the first users and the review; each failed before
export AICACHE_DB=$SCRATCH/cache.db
answered='{"prompt":"alpha","temperature":0,"response":{"status_code":200,"body":{"mine":1}},"aitools":{"v":1,"line":7}}'
is "$(printf '%s\n' "$answered" | aicache get)" "$answered" 'a record already answered passes get untouched'
is "$(printf '%s\n' "$answered" | aicache key)" '-	line 1: already answered' 'and has no key'
printf '{"prompt":"sys"}\n' | aicache get -s French | aiq -J -s French 2>/dev/null | aicache put -s French >/dev/null
printf '{"prompt":"sys"}\n' | aicache get -s German >sg.jsonl
printf '{"prompt":"sys"}\n' | aicache get -s French >sf.jsonl
is "$(jq -c 'has("response")' sg.jsonl sf.jsonl | paste -sd' ')" 'false true' \
	"aiq's -s is part of the key when aicache is given it too"
printf '{"prompt":"m"}\n' | aiq -J -m gpt-4o 2>/dev/null | aicache put >/dev/null 2>pm.err
printf '{"prompt":"m"}\n' | aicache get >pm.jsonl
is "$(jq 'has("response")' pm.jsonl)" false "an answer from another model than put's -m is not stored"
printf '{"prompt":"m"}\n' | aicache get -m gpt-4o >pm2.jsonl
is "$(jq -r '.response.body.model' pm2.jsonl)" gpt-4o \
	"it is stored under the request aiq sent (aitools.key): get -m gpt-4o hits"
printf '{"prompt":"wrong"}\n' | aicache get | aiq -J -t 1.5 --max-tokens 2 2>/dev/null | aicache put >/dev/null
printf '{"prompt":"wrong"}\n' | aicache get >w1.jsonl
printf '{"prompt":"wrong"}\n' | aicache get -t 1.5 --max-tokens 2 >w2.jsonl
is "$(jq -c 'has("response")' w1.jsonl w2.jsonl | paste -sd' ')" 'false true' \
	"aiq's -t and --max-tokens not given to put: the 2-token answer is not served to the plain request"
printf '{"prompt":"x","response":{"status_code":200,"body":{"choices":[],"usage":{}}}}\n' >ans.jsonl
aicache put -f bad.db <ans.jsonl >pb.out 2>/dev/null
is "$?:$(cat pb.out)" "1:$(cat ans.jsonl)" 'put on a corrupt cache still passes every record on, exit 1'
aicache put -f bad.db --fail-open <ans.jsonl >/dev/null 2>&1
is "$?" 0 'and exits 0 with --fail-open'
aicache get --max-size 1M </dev/null 2>opt.err
is "$?" 2 'an option of another command is a usage error'
like "$(head -n1 opt.err)" '^aicache: get does not take --max-size' 'naming it'
aicache stats -f "$SCRATCH/typo/none.db" >/dev/null 2>st.err
is "$?:$(test -e "$SCRATCH/typo" && echo made)" 1: 'stats on a missing cache fails, creating nothing'
sqlite3 other.db 'CREATE TABLE calls (id INTEGER)'
printf '{"prompt":"x"}\n' | aicache get -f other.db >/dev/null 2>ot.err
like "$(cat ot.err)" 'not an aicache cache' 'a database of something else is left alone'
export AICACHE_DB=$SCRATCH/utf8.db
awk 'BEGIN { for (i = 1; i <= 40; i++) printf "{\"prompt\":\"\u00e9\u00e9\u00e9 %d\"}\n", i }' |
    aiq -J 2>/dev/null >utf8.jsonl
aicache put --max-size 4K <utf8.jsonl >/dev/null
aicache put --max-size 4K <utf8.jsonl >/dev/null
is "$(sqlite3 utf8.db 'SELECT bytes = (SELECT sum(length(CAST(response AS BLOB))) FROM entries), entries = (SELECT count(*) FROM entries) FROM size')" \
	'1|1' 'the size counts stay exact with text that is not ASCII'
export AICACHE_DB=$SCRATCH/hits.db
printf '{"prompt":"often"}\n' | aiq -J 2>/dev/null | aicache put >/dev/null
awk 'BEGIN { for (i = 1; i <= 5000; i++) print "{\"prompt\":\"often\"}" }' |
    aicache get --no-usage-log | grep -c '"hit":true' >many.txt
is "$(cat many.txt):$(aicache stats | awk '/^hits/ { print $2 }')" 5000:5000 \
	'a long batch counts every hit'
printf '{"v":1,"namespace":"","key":"%s","response":{}}\n' \
    "$(printf ':%.0s' $(seq 64))" | aicache import 2>/dev/null
is "$?" 1 'import refuses a key that is not hex'
aicache purge -n '' -f "$SCRATCH/cache.db"
is "$(sqlite3 "$SCRATCH/cache.db" "SELECT count(*) FROM entries WHERE ns = ''"):$(sqlite3 "$SCRATCH/cache.db" "SELECT count(*) > 0 FROM entries WHERE ns <> ''")" \
	'0:1' "-n '' names the default namespace alone"

# --- found by the second trial; each failed before
printf '{"prompt":"where"}\n' >w.jsonl
aicache get -f where.db <w.jsonl | aiq -J --base-url "$OPENAI_BASE_URL" 2>/dev/null |
    env -u OPENAI_BASE_URL aicache put -f where.db --base-url "$OPENAI_BASE_URL" >/dev/null
is "$(env -u OPENAI_BASE_URL aicache get -f where.db <w.jsonl | jq -r '.aitools.cache.hit // false')" false \
	'--base-url is part of the key: an answer of one server is not served for another'
is "$(env -u OPENAI_BASE_URL aicache get -f where.db --base-url "$OPENAI_BASE_URL" <w.jsonl | jq -r '.aitools.cache.hit')" true \
	'and serves requests to the same server'
printf '{"prompt":"p","model":"gpt-4o","response":{"status_code":200,"body":{"choices":[],"usage":{"prompt_tokens":1}}},"aitools":{"provider":"anthropic"}}\n' |
    aicache put -f prov.db 2>prov.err >/dev/null
is "$(sqlite3 prov.db 'SELECT count(*) FROM entries'):$(grep -c 'sent to anthropic, not to openai' prov.err)" 0:1 \
	'put does not store an answer of another provider than the key says'
aicache export -f dollars.db | head -n1 >one.jsonl
jq -c '.response.status_code = 500' one.jsonl >bad1.jsonl
jq -c 'del(.response.body.usage)' one.jsonl >bad2.jsonl
jq -c '.response = {"foo": 1}' one.jsonl >bad3.jsonl
cat bad1.jsonl bad2.jsonl bad3.jsonl | aicache import -f imp.db 2>/dev/null
is "$?:$(sqlite3 imp.db 'SELECT count(*) FROM entries')" 1:0 'import refuses what put would not store'
head -c 67108870 /dev/zero | tr '\0' a >huge.txt; echo >>huge.txt
is "$(aicache key <huge.txt 2>/dev/null)" '-	line 1: line too long' 'key: a line too long is a key-less line, not a record'

# --- a hit that get made for another request than aiq sends (get was not
# given aiq's -m): aiq sends it again, and put stores the new answer
printf '{"prompt":"st1"}\n' | aicache get -f stale.db | aiq -J | aicache put -f stale.db >/dev/null
printf '{"prompt":"st1"}\n' | aicache get -f stale.db | aiq -J -m gpt-4o 2>st.err |
	aicache put -f stale.db >st.out
is "$(jq -c '[.response.body.model, .aitools.cache]' st.out)" '["gpt-4o",null]' \
	'a hit for another request is sent again, its mark gone'
like "$(cat st.err)" 'line 1: a hit of aicache get for another request' 'and that is said'
is "$(printf '{"prompt":"st1"}\n' | aicache get -f stale.db -m gpt-4o | aiq -J -m gpt-4o 2>/dev/null |
	jq -c '[.response.body.model, .aitools.cache.hit]')" '["gpt-4o",true]' \
	'put stored it under the request sent; a hit of the same request passes'

done_testing
