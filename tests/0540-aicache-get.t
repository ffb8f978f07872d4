#!/bin/sh
# aicache get: what a hit writes, and what it counts once written.  The
# entries are imported under the keys aicache key gives, so no provider
# is needed.
. "$(dirname "$0")/lib.sh"

plan 15

export AICACHE_DB=$SCRATCH/cache.db
answer='{"status_code":200,"request_id":"req-1","body":{"id":"c1","object":"chat.completion","model":"gpt-4o-mini","choices":[{"index":0,"message":{"role":"assistant","content":"stored"},"finish_reason":"stop"}],"usage":{"prompt_tokens":7,"completion_tokens":3,"total_tokens":10}}}'

# store RECORD [AICACHE-KEY-OPTIONS...]: an entry answering RECORD
store() {
	_r=$1; shift
	printf '{"v":1,"namespace":"","key":"%s","provider":"openai","model":"gpt-4o-mini","created_ms":%s000,"expires_ms":0,"used_ms":0,"hits":0,"response":%s}\n' \
	    "$(printf '%s\n' "$_r" | aicache key "$@")" "$(date +%s)" "$answer" | aicache import
}
hits() { aicache export | jq -r .hits; }
logged() { sqlite3 usage.db "SELECT count(*) FROM calls WHERE status = 'cache_hit'"; }

store '{"prompt":"alpha"}'

# --- a hit that could not be written is not counted
printf '{"prompt":"alpha"}\n' | aicache get >/dev/full 2>full.err
is "$?:$(cat full.err)" '1:aicache: write error: No space left on device' \
	'get to a full disk: exit 1, a write error'
is "$(hits):$(logged):$(aicache stats | awk '/^hits/ { print $2 }')" '0:0:0' \
	'and the hit it could not write is neither touched, nor logged, nor counted'
printf '{"prompt":"alpha"}\n' | aicache get >hit.jsonl
is "$(jq -r .response.body.choices[0].message.content hit.jsonl):$(hits):$(logged):$(aicache stats | awk '/^hits/ { print $2 }')" \
	'stored:1:1:1' 'a hit written is touched, logged and counted'
aicache stats >/dev/full 2>full.err
is "$?:$(cat full.err)" '1:aicache: write error: No space left on device' 'stats to a full disk: a write error'
printf '{"prompt":"alpha"}\n' | aicache key >/dev/full 2>full.err
is "$?:$(cat full.err)" '1:aicache: write error: No space left on device' 'key to a full disk: a write error'

# --- the records get writes, by the tail writer of every tool
k=$(printf '{"prompt":"alpha"}\n' | aicache key)
shape() { sed -E 's/"finished":"[0-9T:.-]+Z"/"finished":"T"/; s/"trace_id":"[0-9a-f]{32}"/"trace_id":"X"/; s/"age_ms":[0-9]+/"age_ms":0/' "$@"; }
is "$(shape hit.jsonl)" '{"prompt":"alpha","response":'"$answer"',"aitools":{"v":1,"finished":"T","trace_id":"X","cache":{"hit":true,"key":"'"$k"'","age_ms":0}}}' \
	'a hit: the record, its stored response and the mark of the hit'
printf '{"prompt":"alpha","aitools":{"cache_control":"no-store","line":3}}\n' | aicache get | shape >h2.jsonl
is "$(cat h2.jsonl)" '{"prompt":"alpha","aitools":{"cache_control":"no-store","v":1,"finished":"T","trace_id":"X","cache":{"hit":true,"key":"'"$k"'","age_ms":0}},"response":'"$answer"'}' \
	"a record with an aitools of its own keeps its members, not an old result's"
{ printf '{"prompt":"first"}\n{"custom_id":"big-7","prompt":"'; head -c 67108870 /dev/zero | tr '\0' a; printf '"}\n'; } |
    aicache get 2>long.err | sed 1d >long.jsonl
is "$(cat long.jsonl):$(cat long.err)" '{"custom_id":"big-7","error":{"code":"invalid_input","message":"line 2: longer than 67108864 bytes"},"aitools":{"v":1,"line":2}}:aicache: <stdin>:2: line longer than 67108864 bytes' \
	'a line too long: an invalid_input record with its custom_id and the limit'

# --- get --tag: the hits' tags, under the record's own
printf '{"prompt":"alpha","aitools":{"tags":{"team":"own","n":1}}}\n{"prompt":"alpha"}\n' |
    aicache get --tag team=cli --tag run=r1 >tag.jsonl
is "$(jq -c .aitools.tags tag.jsonl | paste -sd' ')" '{"team":"own","n":1,"run":"r1"} {"team":"cli","run":"r1"}' \
	"a hit's record has its own tags, then those of --tag it does not set"
is "$(sqlite3 usage.db "SELECT tags FROM calls WHERE status = 'cache_hit' ORDER BY id DESC LIMIT 2" | sort | paste -sd' ')" \
	'{"team":"cli","run":"r1"} {"team":"own","n":1,"run":"r1"}' 'and so has its usage log row'
is "$(aiusage --log -b tag:team -f tsv 2>/dev/null | awk -F'\t' '$1 == "cli" || $1 == "own" { print $1 }' | sort | paste -sd' ')" \
	'cli own' 'so that aiusage --by tag:NAME puts the hits in their groups'
aicache get --tag 'bad name=1' </dev/null 2>tag.err
is "$?:$(head -n1 tag.err)" "2:aicache: --tag 'bad name=1': the name is not 1 to 64 letters, digits, - and _" \
	'a tag name aiusage could not name is refused'
aicache put --tag a=1 </dev/null 2>tag.err
is "$?:$(head -n1 tag.err)" "2:aicache: put does not take --tag" 'put does not take --tag'

# --- hits the usage log could not take are counted and said
mkdir -p nolog.db
printf '{"prompt":"alpha"}\n{"prompt":"alpha"}\n' |
	AIQ_USAGE_LOG=$SCRATCH/nolog.db aicache get >nolog.jsonl 2>nolog.err
is "$?:$(wc -l <nolog.jsonl | tr -d ' ')" '1:2' \
	'a usage log that cannot be opened: both hits written, exit 1'
like "$(cat nolog.err)" 'usage log: 2 hits were not logged' 'saying how many'

done_testing
