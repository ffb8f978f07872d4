#!/bin/sh
# bench/usage.sh BUILD: how fast is aiusage?  Run as `make bench-usage`.
#
# Makes BENCH_ROWS (1,000,000) calls of 8 models and 4 services over 30
# days, as rows of a usage log and as aiq records (about 800 bytes each),
# then times, in the same run:
#
#   aiusage --by day,model  over the log         (target: under 1 s)
#   aiusage --by day,model  over the records     (target: under 2 s)
#
# beside baselines: sqlite3 summing the same columns with GROUP BY (no
# prices, no percentiles), and `wc -l` reading the records.  Peak RSS is
# measured at two lengths of records: it must not grow with the input
# (but for --no-dedup's ids, so that is used for the second pair).
# Needs GNU time and sqlite3.  Exit status: 0 when both targets are met.

set -u
BUILD=$(cd "${1:-build}" && pwd) || exit 2
AU=$BUILD/aiusage
ROWS=${BENCH_ROWS:-1000000}
HERE=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$HERE/out"
WORK=$(mktemp -d "$HERE/out/usage.XXXXXX") || exit 1
[ "${BENCH_KEEP:-0}" = 1 ] || trap 'rm -rf "$WORK"' EXIT
trap 'exit 130' INT
export TZ=UTC LC_ALL=C HOME=$WORK
unset AITOOLS_PRICES XDG_CONFIG_HOME

say() { printf '%s\n' "$*"; }
timed() {	# timed NAME CMD...: "wall user sys maxrss_kib" in $WORK/NAME.t
	_n=$1; shift
	_t0=$(date +%s%N)
	/usr/bin/time -f '%U %S %M' -o "$WORK/$_n.raw" "$@" >/dev/null 2>&1
	_t1=$(date +%s%N)
	awk -v a="$_t0" -v b="$_t1" '{ printf "%.3f %s\n", (b - a) / 1e9, $0 }' \
	    "$WORK/$_n.raw" >"$WORK/$_n.t"
}
wall() { cut -d' ' -f1 "$WORK/$1.t"; }
rss() { awk '{ printf "%.0f", $4 / 1024 }' "$WORK/$1.t"; }

say "making $ROWS calls..."
# A usage log, with aiq's own schema: aiq makes it, then sqlite3 fills it.
printf '' | "$BUILD/aiq" --no-usage-log >/dev/null 2>&1
AIQ_USAGE_LOG=$WORK/usage.db sh -c 'printf "{\"prompt\":\"x\"}\n" |
    OPENAI_BASE_URL=http://127.0.0.1:1/v1 OPENAI_API_KEY=k "$0" -J --max-attempts 1 >/dev/null 2>&1' "$BUILD/aiq"
sqlite3 "$WORK/usage.db" "DELETE FROM calls;
WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < $ROWS - 1)
INSERT INTO calls (ts, provider, model, service, status, http_status,
    input_tokens, output_tokens, cached_tokens, cache_write_tokens,
    cache_write_1h_tokens, reasoning_tokens, latency_ms, attempts, trace_id)
SELECT 1793491200000 + i * (2592000000 / $ROWS), 'openai',
    CASE i % 8 WHEN 0 THEN 'gpt-4o' WHEN 1 THEN 'gpt-4o-mini' WHEN 2 THEN 'gpt-5'
      WHEN 3 THEN 'gpt-5-mini' WHEN 4 THEN 'claude-sonnet-4-5' WHEN 5 THEN 'claude-haiku-4-5'
      WHEN 6 THEN 'gemini-2.5-pro' ELSE 'gemini-2.5-flash' END,
    'svc' || (i % 4), CASE WHEN i % 50 = 0 THEN 'rate_limited' ELSE 'ok' END, 200,
    100 + i % 900, 20 + i % 300, (i % 3) * 50, 0, 0, 0, 50 + i % 1000, 1, printf('%032x', i)
FROM n;"
awk -v n="$ROWS" 'BEGIN {
	split("gpt-4o gpt-4o-mini gpt-5 gpt-5-mini claude-sonnet-4-5 claude-haiku-4-5 gemini-2.5-pro gemini-2.5-flash", m, " ");
	for (i = 0; i < n; i++) {
		s = 1793491200 + int(i * (2592000 / n));
		d = int(s / 86400) - 20758 + 1;
		printf "{\"custom_id\":\"%d\",\"prompt\":\"Say hello number %d\",\"response\":{\"status_code\":200,\"request_id\":\"req_%d\",\"body\":{\"id\":\"chatcmpl-%d\",\"object\":\"chat.completion\",\"created\":%d,\"model\":\"%s\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"Hello! This is answer number %d.\"},\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":%d,\"completion_tokens\":%d,\"total_tokens\":%d,\"prompt_tokens_details\":{\"cached_tokens\":%d}}}},\"aitools\":{\"v\":1,\"line\":%d,\"finished\":\"2026-11-%02dT10:00:00.000Z\",\"provider\":\"openai\",\"model\":\"%s\",\"attempts\":1,\"latency_ms\":%d,\"trace_id\":\"%032x\",\"service\":\"svc%d\"}}\n",
		    i, i, i, i, s, m[i % 8 + 1], i, 100 + i % 900, 20 + i % 300, 120 + i % 900 + i % 300, (i % 3) * 50, i + 1, i % 30 + 1, m[i % 8 + 1], 50 + i % 1000, i, i % 4
	}
}' >"$WORK/records.jsonl"
head -n $((ROWS / 10)) "$WORK/records.jsonl" >"$WORK/tenth.jsonl"
say "records: $(wc -c <"$WORK/records.jsonl" | awk '{ printf "%.0f MiB", $1 / 1048576 }')"

timed log "$AU" -L "$WORK/usage.db" --by day,model
timed sql sqlite3 "$WORK/usage.db" "SELECT date(ts / 1000, 'unixepoch'), model, count(*),
    sum(input_tokens), sum(output_tokens), sum(cached_tokens) FROM calls GROUP BY 1, 2"
timed jsonl sh -c '"$0" --by day,model <"$1"' "$AU" "$WORK/records.jsonl"
timed wc sh -c 'wc -l <"$0"' "$WORK/records.jsonl"
timed small sh -c '"$0" --no-dedup <"$1"' "$AU" "$WORK/tenth.jsonl"
timed large sh -c '"$0" --no-dedup <"$1"' "$AU" "$WORK/records.jsonl"

say ""
say "aiusage over $ROWS calls (ratios against baselines of this run)"
say "  usage log:   $(wall log) s   sqlite3 GROUP BY alone $(wall sql) s: $(awk -v a="$(wall log)" -v b="$(wall sql)" 'BEGIN { printf "%.2fx", a / b }') its time"
say "  JSON lines:  $(wall jsonl) s   wc -l alone $(wall wc) s: $(awk -v a="$(wall jsonl)" -v b="$(wall wc)" 'BEGIN { printf "%.1fx", a / b }') its time"
say "  peak RSS, --no-dedup: $(rss small) MiB at $((ROWS / 10)) records, $(rss large) MiB at $ROWS"
say "  peak RSS, deduplicating $ROWS records: $(rss jsonl) MiB"
awk -v a="$(wall log)" -v b="$(wall jsonl)" 'BEGIN { exit !(a < 1 && b < 2) }' &&
    say "targets met: log < 1 s, records < 2 s" || { say "targets NOT met"; exit 1; }
