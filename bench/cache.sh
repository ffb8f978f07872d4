#!/bin/sh
# bench/cache.sh BUILD: how fast is aicache?  Run as `make bench-cache`.
#
# Fills a cache with BENCH_ENTRIES (1,000,000) entries through `aicache
# import`, then times, in the same run:
#
#   aicache get  over BENCH_GET (100,000) records, every one a hit
#   aicache put  over BENCH_PUT (100,000) answered records, each new
#
# each also with --batch 1 (one transaction per record: the naive way) over
# BENCH_NAIVE (20,000) records, and reports records/s, the ratios, and
# peak RSS at two input lengths (memory must not grow with the input).
# Targets: get >= 50,000 records/s, put >= 20,000.  Needs GNU time.
# Exit status: 0 when both targets are met, 1 otherwise.

set -u
BUILD=$(cd "${1:-build}" && pwd) || exit 2
AC=$BUILD/aicache
ENTRIES=${BENCH_ENTRIES:-1000000}
NGET=${BENCH_GET:-100000}
NPUT=${BENCH_PUT:-100000}
NAIVE=${BENCH_NAIVE:-20000}
HERE=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$HERE/out"
WORK=$(mktemp -d "$HERE/out/cache.XXXXXX") || exit 1
[ "${BENCH_KEEP:-0}" = 1 ] || trap 'rm -rf "$WORK"' EXIT
trap 'exit 130' INT
export AICACHE_DB=$WORK/cache.db OPENAI_BASE_URL=http://127.0.0.1:1/v1
unset AIQ_MODEL

say() { printf '%s\n' "$*"; }

# timed NAME CMD...: leaves "wall user sys maxrss_kib" in $WORK/NAME.t
timed() {
	_n=$1; shift
	_t0=$(date +%s%N)
	/usr/bin/time -f '%U %S %M' -o "$WORK/$_n.raw" "$@" || say "$_n: exit $?"
	_t1=$(date +%s%N)
	awk -v a="$_t0" -v b="$_t1" '{ printf "%.3f %s\n", (b - a) / 1e9, $0 }' \
	    "$WORK/$_n.raw" >"$WORK/$_n.t"
}
rate() { awk -v n="$2" '{ printf "%.0f", n / $1 }' "$WORK/$1.t"; }
show() {	# show NAME N LABEL
	awk -v n="$2" -v l="$3" '{ printf "  %-34s %7d records %7.3f s %8.0f/s" \
	    "  RSS %.1f MiB\n", l, n, $1, n / $1, $4 / 1024 }' "$WORK/$1.t"
}

ANSWER='{"status_code":200,"request_id":"req_bench","body":{"id":"chatcmpl-bench","object":"chat.completion","created":1763890000,"model":"gpt-4o-mini","choices":[{"index":0,"message":{"role":"assistant","content":"A fixed answer from the benchmark.","refusal":null},"finish_reason":"stop"}],"usage":{"prompt_tokens":12,"completion_tokens":9,"total_tokens":21}}}'

# The records get will look up, and their keys.
awk -v n="$NGET" 'BEGIN { for (i = 1; i <= n; i++)
	printf "{\"custom_id\":\"g%d\",\"prompt\":\"question %d\"}\n", i, i }' \
	>"$WORK/get.jsonl"
"$AC" key <"$WORK/get.jsonl" >"$WORK/get.keys"

# The cache: those entries, and made-up ones up to ENTRIES.
say "aicache bench: $("$AC" --version), $(nproc) cores; filling $ENTRIES entries"
awk -v n="$ENTRIES" -v a="$ANSWER" -v keys="$WORK/get.keys" 'BEGIN {
	i = 0
	while ((getline k < keys) > 0 && i < n) {
		printf "{\"v\":1,\"namespace\":\"\",\"key\":\"%s\",\"provider\":\"openai\",\"model\":\"gpt-4o-mini\",\"created_ms\":1763890000000,\"expires_ms\":0,\"used_ms\":1763890000000,\"hits\":0,\"response\":%s}\n", k, a
		i++
	}
	for (; i < n; i++)
		printf "{\"v\":1,\"namespace\":\"\",\"key\":\"%064d\",\"provider\":\"openai\",\"model\":\"gpt-4o-mini\",\"created_ms\":1763890000000,\"expires_ms\":0,\"used_ms\":1763890000000,\"hits\":0,\"response\":%s}\n", i, a
}' | timed import "$AC" import 2>/dev/null
show import "$ENTRIES" "import (filling the cache)"

# Answered records for put, new to the cache.
answered() {	# answered N FIRST
	awk -v n="$1" -v f="$2" -v a="$ANSWER" 'BEGIN { for (i = f; i < f + n; i++)
	    printf "{\"custom_id\":\"p%d\",\"prompt\":\"new question %d\",\"response\":%s}\n", i, i, a }'
}
answered "$NPUT" 1 >"$WORK/put.jsonl"
answered "$NAIVE" 5000000 >"$WORK/naive.jsonl"
head -n "$NAIVE" "$WORK/get.jsonl" >"$WORK/get.small.jsonl"

say ""
say "== get: $NGET lookups, all hits, in a cache of $ENTRIES entries"
timed get "$AC" get --no-usage-log <"$WORK/get.jsonl" >"$WORK/get.out"
hits=$(grep -c '"hit":true' "$WORK/get.out")
[ "$hits" = "$NGET" ] || say "get: only $hits hits of $NGET"
show get "$NGET" "aicache get"
timed get.small "$AC" get --no-usage-log <"$WORK/get.small.jsonl" >/dev/null
show get.small "$NAIVE" "aicache get (shorter input)"
timed get.naive "$AC" get --no-usage-log --batch 1 <"$WORK/get.small.jsonl" >/dev/null
show get.naive "$NAIVE" "aicache get --batch 1 (naive)"

say ""
say "== put: $NPUT new answers into the same cache"
timed put "$AC" put <"$WORK/put.jsonl" >/dev/null
show put "$NPUT" "aicache put"
timed put.naive "$AC" put --batch 1 <"$WORK/naive.jsonl" >/dev/null
show put.naive "$NAIVE" "aicache put --batch 1 (naive)"

say ""
say "== summary"
G=$(rate get "$NGET"); P=$(rate put "$NPUT")
GN=$(rate get.naive "$NAIVE"); PN=$(rate put.naive "$NAIVE")
ok=0
awk -v g="$G" -v p="$P" -v gn="$GN" -v pn="$PN" 'BEGIN {
	printf "get: %d records/s (target >= 50000: %s), %.1fx the naive one transaction a record (%d/s)\n",
	    g, (g >= 50000 ? "PASS" : "FAIL"), g / gn, gn
	printf "put: %d records/s (target >= 20000: %s), %.1fx the naive one transaction a record (%d/s)\n",
	    p, (p >= 20000 ? "PASS" : "FAIL"), p / pn, pn
	exit !(g >= 50000 && p >= 20000)
}' || ok=1
awk '{ print $4 }' "$WORK/get.small.t" "$WORK/get.t" | paste -sd' ' |
    awk -v a="$NAIVE" -v b="$NGET" '{ printf "get peak RSS at %d / %d records: %.1f / %.1f MiB\n", a, b, $1 / 1024, $2 / 1024 }'
exit $ok
