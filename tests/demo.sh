#!/bin/sh
# demo.sh [BUILD-DIR]: starts aimock on a free loopback port and runs
# prompts through aiq, as in the README's quick start.  Needs no key and
# no network.
set -eu

BIN=$(cd "${1:-build}" && pwd)
PATH=$BIN:$PATH
WORK=$(mktemp -d "${TMPDIR:-/tmp}/aitools-demo.XXXXXX")
MOCK_PID=
trap 'kill $MOCK_PID 2>/dev/null; rm -rf "$WORK"' EXIT INT TERM

aimock -p 0 -d 50-300 -L "$WORK/requests.log" >"$WORK/port" &
MOCK_PID=$!
i=0
until [ -s "$WORK/port" ]; do
	i=$((i + 1))
	[ $i -lt 500 ] || { echo "demo: aimock did not start" >&2; exit 1; }
	sleep 0.01
done
export OPENAI_BASE_URL=http://127.0.0.1:$(cat "$WORK/port")/v1
export AIQ_USAGE_LOG=$WORK/usage.db AICACHE_DB=$WORK/cache.db
export AILIMIT_STATE=$WORK/limits.db
echo "aimock is listening: OPENAI_BASE_URL=$OPENAI_BASE_URL"

step() { printf '\n$ %s\n' "$*"; }

step 'aiq "Write a haiku about pipes"'
aiq "Write a haiku about pipes"

step "printf 'int main() { return 0 }\\n' | aiq -s 'Review this code'"
printf 'int main() { return 0 }\n' | aiq -s 'Review this code'

cat >"$WORK/prompts.txt" <<'EOF'
What is a pipe?
Name three Unix filters.
[[mock fail_first=1 fail=429 retry_after_ms=200]] Rate-limited once, then answered.
[[mock status=429]] This one hits a rate limit every time.
Explain exit status 141.
EOF
step 'aiq -l -j 4 --max-wait 300ms --summary < prompts.txt | jq -r ...'
aiq -l -j 4 --max-wait 300ms --summary <"$WORK/prompts.txt" \
    2>"$WORK/summary" |
    jq -r '"\(.aitools.line): \(.response.body.choices[0].message.content // "error: \(.error.code)") (\(.response.body.usage.total_tokens // 0) tokens, \(.aitools.attempts) attempt(s), \(.aitools.latency_ms) ms)"' ||
    true
cat "$WORK/summary"

step 'sqlite3 -column -header usage.db "SELECT model, status, count(*) AS calls, sum(input_tokens) AS tokens_in, sum(output_tokens) AS tokens_out FROM calls GROUP BY 1, 2"'
if command -v sqlite3 >/dev/null; then
	sqlite3 -column -header "$AIQ_USAGE_LOG" \
	    "SELECT model, status, count(*) AS calls, sum(input_tokens) AS tokens_in, sum(output_tokens) AS tokens_out FROM calls GROUP BY 1, 2"
else
	echo "(install sqlite3 to query the usage log)"
fi

# The same batch twice through the cache, paced to the account's limits
# (120 a minute: two a second after a burst of two); the second run calls
# nobody, and waits for nothing.
requests() { wc -l <"$WORK/requests.log" | tr -d ' '; }
awk '{ printf "{\"custom_id\":\"q%d\",\"prompt\":\"%s\",\"max_tokens\":200}\n", NR, $0 }' \
    "$WORK/prompts.txt" | grep -v mock >"$WORK/jobs.jsonl"
step 'ailimit estimate --rpm 120 --tpm 20000 < jobs.jsonl'
ailimit estimate --rpm 120 --tpm 20000 <"$WORK/jobs.jsonl"
for run in first second; do
	step "aicache get < jobs.jsonl | ailimit -k demo --rpm 120 --tpm 20000 | aiq -J | ailimit settle | aicache put > out.jsonl   # $run run"
	before=$(requests)
	t0=$(date +%s%N)
	aicache get <"$WORK/jobs.jsonl" |
	    ailimit -k demo --rpm 120 --tpm 20000 | aiq -J | ailimit settle |
	    aicache put >"$WORK/out.jsonl"
	t1=$(date +%s%N)
	echo "$(wc -l <"$WORK/out.jsonl" | tr -d ' ') records," \
	    "$(($(requests) - before)) provider calls," \
	    "$(grep -c '"hit":true' "$WORK/out.jsonl") answered from the cache," \
	    "$(((t1 - t0) / 1000000)) ms"
done
step 'aicache stats'
aicache stats
step 'ailimit status -k demo'
ailimit status -k demo

# What it all cost: every call of the demo, from the usage log.
step 'aiusage --by model,status'
aiusage --by model,status || [ $? -eq 4 ]
