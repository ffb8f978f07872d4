#!/bin/sh
# bench/limit.sh BUILD: how fast and how exact is ailimit?  Run as
# `make bench-limit`.
#
#   pass-through: BENCH_RECORDS (200,000) records at a rate far above the
#     input's, against `cat` in the same run.  Target: 100,000 records/s.
#   pacing: BENCH_PACE_S (10) seconds of records at 6,000 a minute: the
#     burst at once, then the rate emitted against the target (within
#     1%), and the most in any one second after it (sampled: within 5%
#     of the rate).
#
# Exit status: 0 when the targets are met, 1 otherwise.

set -u
BUILD=$(cd "${1:-build}" && pwd) || exit 2
AL=$BUILD/ailimit
N=${BENCH_RECORDS:-200000}
PACE_S=${BENCH_PACE_S:-10}
HERE=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$HERE/out"
WORK=$(mktemp -d "$HERE/out/limit.XXXXXX") || exit 1
[ "${BENCH_KEEP:-0}" = 1 ] || trap 'rm -rf "$WORK"' EXIT
trap 'exit 130' INT
export AILIMIT_STATE=$WORK/limits.db
status=0

now_ms() { echo $(($(date +%s%N) / 1000000)); }

awk -v n="$N" 'BEGIN { for (i = 1; i <= n; i++)
	printf "{\"custom_id\":\"r%d\",\"prompt\":\"question %d\",\"max_tokens\":64}\n", i, i }' \
	>"$WORK/in.jsonl"

t=$(now_ms); cat "$WORK/in.jsonl" >/dev/null; cat_ms=$(($(now_ms) - t + 1))
t=$(now_ms); "$AL" -k fast --rpm 1000000000 --tpm 1000000000 <"$WORK/in.jsonl" >"$WORK/fast.out"
fast_ms=$(($(now_ms) - t + 1))
rate=$((N * 1000 / fast_ms))
lines=$(wc -l <"$WORK/fast.out")
printf 'pass-through: %d records/s (%d records in %d ms); cat: %d ms (%s x cat)\n' \
	"$rate" "$N" "$fast_ms" "$cat_ms" "$(echo "$fast_ms $cat_ms" | awk '{ printf "%.1f", $1 / $2 }')"
[ "$lines" -eq "$N" ] || { echo "FAIL: $lines records out of $N"; status=1; }
if [ "$rate" -ge 100000 ]; then echo 'PASS pass-through >= 100,000 records/s'
else echo 'FAIL pass-through >= 100,000 records/s'; status=1; fi

# pacing: the records out, counted every second
M=$((PACE_S * 100 + 200))
head -n "$M" "$WORK/in.jsonl" | "$AL" -k pace --rpm 6000 >"$WORK/pace.out" &
pid=$!
sleep 0.5
prev=$(wc -l <"$WORK/pace.out") first=$prev most=0 t0=$(now_ms)
i=0
while [ $i -lt "$PACE_S" ]; do
	sleep 1
	n=$(wc -l <"$WORK/pace.out")
	[ $((n - prev)) -gt $most ] && most=$((n - prev))
	prev=$n
	i=$((i + 1))
done
t1=$(now_ms)
kill $pid 2>/dev/null
wait $pid 2>/dev/null
echo "$first $prev $t0 $t1 $most" | awk '{
	r = ($2 - $1) * 1000 / ($4 - $3)
	printf "pacing at 6,000 a minute: %d out in the first 0.5 s (the burst of 100 and 50), then %.2f a second (target 100, %+.2f%%); most in one second after: %d\n", $1, r, r - 100, $5
	exit (r > 101 || r < 99 || $1 > 152 || $5 > 106) ? 1 : 0
}' || status=1
exit $status
