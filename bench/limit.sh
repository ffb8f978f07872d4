#!/bin/sh
# bench/limit.sh BUILD: how fast, how exact and how cheap is ailimit, and
# how much of a provider's limits does it turn into answers?  Run as
# `make bench-limit` (not part of `make check`: about 12 minutes at the
# default sizes; BENCH_QUICK=1 for about 3).  Everything runs on loopback.
#
# pass-through: BENCH_RECORDS (200,000) records through a gate whose rates
#   are far above the input's, against `cat` in the same run.
#   Target: >= 100,000 records/s.
#
# pacing: 6,000 a minute (100 a second, a burst of 100) for BENCH_PACE_S
#   (60) seconds: the burst and then 100 x BENCH_PACE_S records, each line
#   stamped with the time it came out of the gate (perl's Time::HiRes, as
#   it is read from the pipe).  Targets: the rate after the burst within
#   1% of 100/s; no second after the burst holding more than the burst
#   (100: a provider enforcing 6,000 a minute as 100 a second), counted as
#   the records that follow any record, from the last of the burst on,
#   within one second (t_i, t_i + 1 s]; the gate's CPU (user + sys, GNU
#   time) under 1% of its wall time.  Printed beside it: the most in any
#   window of a second with the record that opens it counted too, which
#   a token bucket lets reach the burst + 1 whenever a record goes a
#   little late and the next on time.
#
# sharing: the same budget drawn by BENCH_SHARE ("2 8") processes at once,
#   one key (-k), one state file (AILIMIT_STATE), each given its share of
#   the records.  Target: all of them together within 1% of 100/s.
#   Printed beside it: each process's lines a second while all ran, the
#   most in one second, and their CPU.
#
# goodput: BENCH_GOODPUT_N (2,000) records sent to aimock enforcing
#   --rpm 600 --tpm 100000 and answering after 300 ms (-d 300), each of
#   three ways against a new aimock (its buckets full):
#
#     ailimit --rpm 600 --tpm 100000 | aiq -J -j 32 | ailimit settle
#     aiq -J -j 32                   (the provider's 429s and retries only)
#     ailimit --burst 1m --rpm 600 --tpm 100000 | aiq -J -j 32
#                                    (a cookbook pacer: a whole minute at
#                                    once, no settle)
#
#   aiq gets --max-attempts 100 in all three, so that every record ends
#   answered.  The 429s are counted as aimock saw them: the requests in
#   its -L log less the records answered 200 (cross-checked with the 429s
#   aiq noted in the records' failed_attempts).
#   Targets, for the first: within 3% of the theoretical minimum, and
#   under 0.5% of its requests answered 429.
#
#   The records cycle through four sizes (prompt bytes + max_tokens:
#   32+40, 240+100, 600+150, 120+120; estimated 55, 167, 307 and 157
#   tokens, 171.5 on average), so that both limits matter: the small ones
#   alone would be held by the requests a minute, the large ones by the
#   tokens, and on the whole 600 requests a minute would carry 102,900
#   tokens: the tokens bind, by 3%.  The costs summed are those ailimit
#   stamps on the records (aitools.limit), which count as aimock counts.
#
#   The theoretical minimum of a gate that lets out B of a limit at once
#   (its burst: a second's share, 10 requests and 1,666 tokens, as
#   ailimit's design allows) is the time its slower bucket needs to let
#   the rest out, plus one latency for the last answer:
#
#     T_min = 60 s x max((R - B_r) / 600, (T - B_t) / 100000) + 0.3 s
#
#   with R the records and T their estimated tokens.  Printed beside it,
#   not a target: the provider's own minimum, where B is a whole minute's
#   (aimock's buckets start full: 600 requests, 100,000 tokens), which only
#   a client that sends a minute's worth at once can reach.
#
# Every figure is measured in the run that compares it (the machine is
# shared: the load average is printed at each part).
#
# Environment:
#   BENCH_QUICK=1        BENCH_PACE_S=10, BENCH_GOODPUT_N=800
#   BENCH_RECORDS=200000 pass-through records
#   BENCH_PACE_S=60      seconds of pacing, alone and shared
#   BENCH_SHARE="2 8"    numbers of processes sharing one key
#   BENCH_GOODPUT_N=2000 records of each goodput run
#   BENCH_PARTS="pass pace share goodput"   the parts to run
#   BENCH_KEEP=1         keep the scratch directory under bench/out/
#
# Tools: perl (Time::HiRes) to stamp lines, GNU time (/usr/bin/time) for
# CPU, timeout (coreutils) so that a hung stage cannot hang the bench.
# Exit status: 0 when every target measured is met, 1 otherwise.

set -u
BUILD=$(cd "${1:-build}" && pwd) || exit 2
AL=$BUILD/ailimit
AIQ=$BUILD/aiq
AIMOCK=$BUILD/aimock
for b in "$AL" "$AIQ" "$AIMOCK"; do
	[ -x "$b" ] || { echo "bench: $b not found: run make first" >&2; exit 2; }
done
if [ "${BENCH_QUICK:-0}" = 1 ]; then
	PACE_S=${BENCH_PACE_S:-10}
	GP_N=${BENCH_GOODPUT_N:-800}
else
	PACE_S=${BENCH_PACE_S:-60}
	GP_N=${BENCH_GOODPUT_N:-2000}
fi
N=${BENCH_RECORDS:-200000}
SHARE=${BENCH_SHARE:-2 8}
PARTS=${BENCH_PARTS:-pass pace share goodput}
HERE=$(cd "$(dirname "$0")" && pwd)

# Only loopback, with nobody's key, config or state.
unset AIQ_MODEL AIQ_USAGE_LOG CURL_HOME XDG_STATE_HOME
NO_PROXY='*' no_proxy='*' OPENAI_API_KEY=sk-bench-not-a-key
export NO_PROXY no_proxy OPENAI_API_KEY

mkdir -p "$HERE/out"
WORK=$(mktemp -d "$HERE/out/limit.XXXXXX") || exit 1
AILIMIT_STATE=$WORK/limits.db HOME=$WORK
export AILIMIT_STATE HOME
PIDS=		# the background processes running, killed on exit
# shellcheck disable=SC2317	# called by the trap
cleanup() {
	for p in $PIDS; do
		kill "$p" 2>/dev/null
	done
	for p in $PIDS; do
		wait "$p" 2>/dev/null
	done
	PIDS=
	if [ "${BENCH_KEEP:-0}" = 1 ]; then
		echo "bench: scratch files kept in $WORK" >&2
	else
		rm -rf "$WORK"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP
status=0
# The state file made (and switched to write-ahead logging) before any
# gate: gates that open a new file at once race to switch it, and the
# loser fails with "database is locked" (aicache retries that race;
# ailimit does not yet).  A user's state file is there already.
"$AL" status -k bench >/dev/null || exit 1

say() { printf '%s\n' "$*"; }
have() { command -v "$1" >/dev/null 2>&1; }
now_ms() { echo $(($(date +%s%N) / 1000000)); }
load() { cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo '?'; }
part() { case " $PARTS " in *" $1 "*) return 0 ;; esac; return 1; }
# verdict OK TEXT: a PASS or FAIL line, and the exit status.
verdict() {
	if [ "$1" = 1 ]; then say "PASS $2"; else say "FAIL $2"; status=1; fi
}

HAVE_TIME=0
[ -x /usr/bin/time ] && /usr/bin/time -f %e true >/dev/null 2>&1 && HAVE_TIME=1
HAVE_PERL=0
perl -MTime::HiRes=time -e 1 2>/dev/null && HAVE_PERL=1
# bounded SECONDS CMD...: CMD, killed if it runs longer.
TIMEOUT=
have timeout && TIMEOUT=timeout
bounded() {
	_s=$1; shift
	if [ -n "$TIMEOUT" ]; then timeout "$_s" "$@"; else "$@"; fi
}
# cputime FILE SECONDS CMD...: CMD, bounded, with "wall user sys status"
# in FILE (wall only, -1 -1, without GNU time).
cputime() {
	_f=$1 _s=$2; shift 2
	[ -n "$TIMEOUT" ] && set -- timeout "$_s" "$@"
	if [ "$HAVE_TIME" = 1 ]; then
		/usr/bin/time -f '%e %U %S %x' -o "$_f" "$@"
	else
		_t0=$(now_ms)
		"$@"
		_rc=$?
		echo "$(($(now_ms) - _t0)) $_rc" |
		    awk '{ printf "%.2f -1 -1 %d\n", $1 / 1000, $2 }' >"$_f"
	fi
}
# stamp FIFO: each line read from FIFO, as the time it was read (it was
# written just before).  perl opens FIFO itself, once it has started, so
# that no line waits in the pipe for it to start: give it a moment.
stamp() {
	perl -MTime::HiRes=time -e 'open(my $f, "<", $ARGV[0]) or die "$ARGV[0]: $!";
	    while (<$f>) { printf "%.6f\n", time }' "$1"
}

# prompts N FILE: N short records.
prompts() {
	awk -v n="$1" 'BEGIN { for (i = 1; i <= n; i++)
		printf "{\"custom_id\":\"r%d\",\"prompt\":\"question %d\",\"max_tokens\":64}\n", i, i }' >"$2"
}

say "ailimit bench: $("$AL" --version 2>&1 | head -n 1), $(nproc 2>/dev/null || echo '?') cores, load $(load)"

# ------------------------------------------------------------ pass-through
if part pass; then
	say ""
	say "== pass-through: $N records, rates far above the input's"
	prompts "$N" "$WORK/in.jsonl"
	t=$(now_ms); cat "$WORK/in.jsonl" >/dev/null; cat_ms=$(($(now_ms) - t + 1))
	t=$(now_ms)
	"$AL" -k fast --rpm 1000000000 --tpm 1000000000 <"$WORK/in.jsonl" >"$WORK/fast.out"
	fast_ms=$(($(now_ms) - t + 1))
	rate=$((N * 1000 / fast_ms))
	lines=$(wc -l <"$WORK/fast.out")
	printf 'pass-through: %d records/s (%d records in %d ms); cat: %d ms (%s x cat); load %s\n' \
	    "$rate" "$N" "$fast_ms" "$cat_ms" \
	    "$(echo "$fast_ms $cat_ms" | awk '{ printf "%.1f", $1 / $2 }')" "$(load)"
	[ "$lines" -eq "$N" ] || { say "FAIL: $lines records out of $N"; status=1; }
	verdict "$([ "$rate" -ge 100000 ] && echo 1)" "pass-through >= 100,000 records/s ($rate)"
	rm -f "$WORK/in.jsonl" "$WORK/fast.out"
fi

# ------------------------------------------------------------ pacing
RPM=6000 RATE=100 BURST=100
# windows FILES...: the timestamps of FILES, merged: the burst (the lines
# within half an interval of the first), the rate after the burst (from
# record B + 1 to the last), and the most records in one second after
# it, two ways: in (t_i, t_i + 1 s] after each record i from the B-th
# on (a bucket of B lets out no more than B after any record, with
# the refill of that second), and in [t_i, t_i + 1 s), the record i
# opening the window counted too (B + 1 whenever record i went a little
# late and the next on time); and the gaps between records after the
# burst longer than one and a half intervals (a stall of the gate, or of
# the reader that stamps its lines, which the bucket then catches up).
# Prints "lines burst rate after at_after with at_with span longest_gap_ms
# at_gap gaps" (times from the first line).
windows() {
	sort -n "$@" | awk -v B="$BURST" -v rate="$RATE" '
	{ t[NR] = $1 }
	END {
		n = NR
		if (n <= B + 1) { print n, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0; exit }
		for (burst = 0; burst < n && t[burst + 1] - t[1] < 0.5 / rate; )
			burst++
		r = (n - B - 1) / (t[n] - t[B + 1])
		ma = 0; aa = 0; mw = 0; aw = 0; j = B; k = B; gap = 0; ag = 0; ng = 0
		for (i = B; i <= n; i++) {
			if (i > B + 1 && t[i] - t[i - 1] > 1.5 / rate) {
				ng++
				if (t[i] - t[i - 1] > gap) { gap = t[i] - t[i - 1]; ag = t[i] - t[1] }
			}
			if (j < i) j = i
			while (j < n && t[j + 1] <= t[i] + 1) j++
			if (j - i > ma) { ma = j - i; aa = t[i] - t[1] }
			if (i == B) continue
			if (k < i) k = i
			while (k <= n && t[k] < t[i] + 1) k++
			if (k - i > mw) { mw = k - i; aw = t[i] - t[1] }
		}
		printf "%d %d %.4f %d %.3f %d %.3f %.3f %.1f %.3f %d\n", n, burst, r,
		    ma, aa, mw, aw, t[n] - t[1], gap * 1000, ag, ng
	}'
}

if part pace || part share; then
	if [ "$HAVE_PERL" = 0 ]; then
		say "bench: no perl with Time::HiRes: pacing and sharing not measured" >&2
		PARTS=$(echo " $PARTS " | sed 's/ pace / /; s/ share / /')
	fi
fi
M=$((BURST + RATE * PACE_S))
if part pace; then
	say ""
	say "== pacing: $M records at $RPM a minute (a burst of $BURST, then $PACE_S s), load $(load)"
	prompts "$M" "$WORK/pace.in"
	mkfifo "$WORK/pace.fifo"
	stamp "$WORK/pace.fifo" >"$WORK/pace.ts" &
	sp=$!
	PIDS="$PIDS $sp"
	sleep 0.3
	cputime "$WORK/pace.time" $((PACE_S * 2 + 30)) "$AL" -k pace --rpm "$RPM" \
	    <"$WORK/pace.in" >"$WORK/pace.fifo"
	wait "$sp"
	PIDS=
	# shellcheck disable=SC2046	# the figures: words
	set -- $(windows "$WORK/pace.ts") $(cat "$WORK/pace.time")
	# 1 lines 2 burst 3 rate 4 after 5 at 6 with 7 at 8 span 9 gap
	# 10 at 11 gaps; 12 wall 13 user 14 sys 15 exit
	say "$*" | awk -v B="$BURST" -v R="$RATE" '{
		printf "pacing at %d a minute: %d records out in %.3f s (ailimit exit %d), %d in the first burst (%d expected)\n",
		    R * 60, $1, $8, $15, $2, B
		printf "  rate after the burst: %.3f a second (target %d: %+.3f%%)\n", $3, R, ($3 - R) * 100 / R
		printf "  most in 1 s after a record, from the last of the burst on: %d (burst %d), after the record at %.3f s\n", $4, B, $5
		printf "  most in a window of 1 s, its first record counted: %d, at %.3f s\n", $6, $7
		printf "  gaps over %.0f ms between records: %d, the longest %.1f ms, before the record at %.3f s\n",
		    1500 / R, $11, $9, $10
		if ($13 >= 0)
			printf "  CPU: %.2f s user + %.2f s sys in %.2f s = %.2f%% of wall (%.0f us a record)\n",
			    $13, $14, $12, ($13 + $14) * 100 / $12, ($13 + $14) * 1e6 / $1
	}'
	ok=$(echo "$3" | awk -v R="$RATE" '{ print (($1 >= R * 0.99 && $1 <= R * 1.01) ? 1 : 0) }')
	[ "$1" -eq "$M" ] && [ "${15}" -eq 0 ] || ok=0
	verdict "$ok" "pacing rate within 1% of $RATE/s ($3/s, $1 of $M records)"
	verdict "$([ "$4" -le "$BURST" ] && echo 1)" "pacing: no second after the burst holds more than the burst ($4 <= $BURST)"
	if [ "${13}" != -1 ]; then
		cpu=$(echo "${12} ${13} ${14}" | awk '{ printf "%.2f", ($2 + $3) * 100 / $1 }')
		verdict "$(echo "$cpu" | awk '{ print ($1 < 1 ? 1 : 0) }')" "pacing CPU under 1% of wall (${cpu}%)"
	else
		say "SKIP pacing CPU: no GNU time (apt-get install time)"
	fi
	say "  load after: $(load)"
	rm -f "$WORK/pace.in" "$WORK/pace.fifo"
fi

# ------------------------------------------------------------ sharing
if part share; then
	for np in $SHARE; do
		each=$(((M + np - 1) / np))
		say ""
		say "== sharing: $np processes, one key, $each records each at $RPM a minute in all, load $(load)"
		prompts "$each" "$WORK/share.in"
		i=1 sps=
		while [ $i -le "$np" ]; do
			mkfifo "$WORK/share.$i.fifo"
			stamp "$WORK/share.$i.fifo" >"$WORK/share.$i.ts" &
			sps="$sps $!"
			i=$((i + 1))
		done
		PIDS="$PIDS $sps"
		sleep 0.5
		i=1 gps=
		while [ $i -le "$np" ]; do
			cputime "$WORK/share.$i.time" $((PACE_S * 2 + 30)) "$AL" -k "share$np" \
			    --rpm "$RPM" <"$WORK/share.in" >"$WORK/share.$i.fifo" &
			gps="$gps $!"
			i=$((i + 1))
		done
		PIDS="$PIDS $gps"
		for p in $gps $sps; do
			wait "$p"
		done
		# shellcheck disable=SC2046
		set -- $(windows "$WORK"/share.*.ts)
		total=$((each * np))
		say "$*" | awk -v B="$BURST" -v R="$RATE" -v np="$np" '{
			printf "%d processes: %d records out in %.3f s, %d in the first burst; together %.3f a second (target %d: %+.3f%%)\n",
			    np, $1, $8, $2, $3, R, ($3 - R) * 100 / R
			printf "  most in 1 s after a record, from the last of the burst on: %d (burst %d, not a target), after the record at %.3f s; its first counted: %d\n", $4, B, $5, $6
			printf "  gaps over %.0f ms between records: %d, the longest %.1f ms, before the record at %.3f s\n",
			    1500 / R, $11, $9, $10
		}'
		# each process: its lines a second while all ran, after the burst
		i=1
		while [ $i -le "$np" ]; do
			printf '%s %s\n' "$i" "$(awk 'NR == 1 { a = $1 } { b = $1 } END { printf "%s %s %d", a, b, NR }' "$WORK/share.$i.ts") $(cat "$WORK/share.$i.time")"
			i=$((i + 1))
		done | awk -v R="$RATE" -v np="$np" -v dir="$WORK" '
		{ id[NR] = $1; first[NR] = $2; last[NR] = $3; n[NR] = $4
		  wall[NR] = $5; u[NR] = $6; s[NR] = $7; x[NR] = $8
		  if (NR == 1 || $2 < t0) t0 = $2
		  if (NR == 1 || $3 < tend) tend = $3 }
		END {
			a = t0 + 1; b = tend	# all ran, the burst over
			line = ""; sum = 0; cpu = 0; w = 0
			for (k = 1; k <= NR; k++) {
				c = 0
				f = dir "/share." id[k] ".ts"
				while ((getline v < f) > 0)
					if (v >= a && v < b) c++
				close(f)
				r = b > a ? c / (b - a) : 0
				sum += r
				line = line sprintf(" %.2f", r)
				cpu += u[k] + s[k]; if (wall[k] > w) w = wall[k]
				bad += (x[k] != 0)
			}
			printf "  lines a second of each while all ran (%.1f s):%s; sum %.2f\n", b - a, line, sum
			if (u[1] >= 0)
				printf "  CPU: %.2f s in all over %.2f s = %.2f%% of one core (%.2f%% a process)\n",
				    cpu, w, cpu * 100 / w, cpu * 100 / w / np
			if (bad) printf "  %d ailimit processes did not exit 0\n", bad
		}'
		bad=0
		i=1
		while [ $i -le "$np" ]; do
			[ "$(cut -d' ' -f4 "$WORK/share.$i.time")" = 0 ] || bad=1
			i=$((i + 1))
		done
		ok=$(echo "$3" | awk -v R="$RATE" '{ print (($1 >= R * 0.99 && $1 <= R * 1.01) ? 1 : 0) }')
		[ "$1" -eq "$total" ] && [ $bad = 0 ] || ok=0
		verdict "$ok" "$np processes on one key together within 1% of $RATE/s ($3/s, $1 of $total records)"
		mkdir "$WORK/share$np"
		mv "$WORK"/share.* "$WORK/share$np/"
		rm -f "$WORK/share$np"/*.fifo
		PIDS=
	done
	say "  load after: $(load)"
fi

# ------------------------------------------------------------ goodput
GP_RPM=600 GP_TPM=100000 GP_LAT=300 GP_JOBS=32 GP_ATTEMPTS=100
start_aimock() {	# start_aimock NAME: a new aimock; sets MOCK_PID, MOCK_URL
	"$AIMOCK" -b 127.0.0.1 -p 0 -d "$GP_LAT" --rpm "$GP_RPM" --tpm "$GP_TPM" \
	    -L "$WORK/$1.log" >"$WORK/$1.port" 2>"$WORK/$1.err" &
	MOCK_PID=$!
	PIDS="$PIDS $MOCK_PID"
	_w=0
	while [ $_w -lt 50 ] && [ ! -s "$WORK/$1.port" ]; do
		kill -0 "$MOCK_PID" 2>/dev/null || break
		sleep 0.1
		_w=$((_w + 1))
	done
	_port=$(head -n 1 "$WORK/$1.port" 2>/dev/null)
	if [ -z "$_port" ]; then
		say "bench: aimock did not start:" >&2
		cat "$WORK/$1.err" >&2
		exit 1
	fi
	MOCK_URL=http://127.0.0.1:$_port/v1
}
stop_aimock() {
	kill "$MOCK_PID" 2>/dev/null
	wait "$MOCK_PID" 2>/dev/null
	PIDS=
}
# tally NAME MS: "ms records ok requests 429s(aimock) 429s(records) errors"
tally() {
	_ok=$(grep -c '"status_code":200' "$WORK/$1.out")
	_req=$(wc -l <"$WORK/$1.log")
	_seen=$(grep -o '"status":429' "$WORK/$1.out" | wc -l)
	_err=$(grep -c '"error":{' "$WORK/$1.out")
	echo "$2 $(wc -l <"$WORK/$1.out") $_ok $_req $((_req - _ok)) $_seen $_err"
}

if part goodput; then
	say ""
	say "== goodput: $GP_N records, aimock --rpm $GP_RPM --tpm $GP_TPM -d $GP_LAT, aiq -J -j $GP_JOBS --max-attempts $GP_ATTEMPTS, load $(load)"
	awk -v n="$GP_N" 'BEGIN {
		w = "lorem ipsum dolor sit amet, consectetur adipiscing elit "
		while (length(text) < 700) text = text w
		split("32 240 600 120", pb, " "); split("40 100 150 120", mt, " ")
		for (i = 1; i <= n; i++) {
			k = (i - 1) % 4 + 1
			printf "{\"custom_id\":\"g%d\",\"prompt\":\"%s\",\"max_tokens\":%d}\n",
			    i, substr(sprintf("%d %s", i, text), 1, pb[k]), mt[k]
		}
	}' >"$WORK/gp.in"
	# The costs, as ailimit estimates them (and aimock counts them).
	"$AL" -k estimate --rpm 1000000000 --tpm 1000000000 <"$WORK/gp.in" |
	    awk '{ if (match($0, /"limit":\{"key":"estimate","input":[0-9]+,"output":[0-9]+/)) {
			s = substr($0, RSTART, RLENGTH); gsub(/[^0-9,]/, "", s)
			split(s, v, ","); r++; tok += v[2] + v[3] } }
		END { print r + 0, tok + 0 }' >"$WORK/gp.cost"
	read -r R T <"$WORK/gp.cost"
	TMIN=$(echo "$R $T" | awk -v rpm="$GP_RPM" -v tpm="$GP_TPM" -v lat="$GP_LAT" '{
		br = int(rpm / 60); bt = int(tpm / 60)
		a = ($1 - br) / rpm; b = ($2 - bt) / tpm
		printf "%.3f", 60 * (a > b ? a : b) + lat / 1000 }')
	PMIN=$(echo "$R $T" | awk -v rpm="$GP_RPM" -v tpm="$GP_TPM" -v lat="$GP_LAT" '{
		a = ($1 - rpm) / rpm; b = ($2 - tpm) / tpm
		if (a < 0) a = 0; if (b < 0) b = 0
		printf "%.3f", 60 * (a > b ? a : b) + lat / 1000 }')
	echo "$R $T" | awk -v rpm="$GP_RPM" -v tpm="$GP_TPM" -v tmin="$TMIN" -v pmin="$PMIN" '{
		bind = "tokens"
		if ($1 / rpm > $2 / tpm) bind = "requests"
		printf "records: %d, %d tokens estimated (%.1f a record): %.2f min of requests, %.2f min of tokens: the %s bind\n",
		    $1, $2, $2 / $1, $1 / rpm, $2 / tpm, bind
		printf "theoretical minimum, a second'"'"'s burst (ailimit'"'"'s): %.1f s; with a minute'"'"'s (the provider'"'"'s, not a target): %.1f s\n",
		    tmin, pmin
	}'
	lim=$(echo "$TMIN" | awk '{ printf "%d", $1 * 4 + 120 }')
	aiqargs="-J -j $GP_JOBS --max-attempts $GP_ATTEMPTS --no-usage-log"

	start_aimock gate
	t=$(now_ms)
	# shellcheck disable=SC2086	# aiqargs: words
	bounded "$lim" "$AL" -k goodput --rpm "$GP_RPM" --tpm "$GP_TPM" <"$WORK/gp.in" |
	    OPENAI_BASE_URL=$MOCK_URL bounded "$lim" "$AIQ" $aiqargs 2>"$WORK/gate.aiq.err" |
	    bounded "$lim" "$AL" settle >"$WORK/gate.out"
	tally gate $(($(now_ms) - t)) >"$WORK/gate.t"
	stop_aimock
	say "  ailimit | aiq | ailimit settle: done, load $(load)"

	start_aimock alone
	t=$(now_ms)
	# shellcheck disable=SC2086
	OPENAI_BASE_URL=$MOCK_URL bounded "$lim" "$AIQ" $aiqargs <"$WORK/gp.in" \
	    >"$WORK/alone.out" 2>"$WORK/alone.aiq.err"
	tally alone $(($(now_ms) - t)) >"$WORK/alone.t"
	stop_aimock
	say "  aiq alone: done, load $(load)"

	start_aimock cook
	t=$(now_ms)
	# shellcheck disable=SC2086
	bounded "$lim" "$AL" -k cookbook --burst 1m --rpm "$GP_RPM" --tpm "$GP_TPM" <"$WORK/gp.in" |
	    OPENAI_BASE_URL=$MOCK_URL bounded "$lim" "$AIQ" $aiqargs >"$WORK/cook.out" \
	    2>"$WORK/cook.aiq.err"
	tally cook $(($(now_ms) - t)) >"$WORK/cook.t"
	stop_aimock
	say "  ailimit --burst 1m | aiq: done, load $(load)"

	for c in gate alone cook; do
		printf '%s %s\n' "$c" "$(cat "$WORK/$c.t")"
	done | awk -v tmin="$TMIN" -v pmin="$PMIN" -v n="$GP_N" -v tok="$T" '
	BEGIN {
		name["gate"] = "ailimit | aiq -J -j 32 | ailimit settle"
		name["alone"] = "aiq -J -j 32 alone, retrying 429s"
		name["cook"] = "ailimit --burst 1m | aiq -J -j 32 (cookbook)"
	}
	{
		s = $2 / 1000
		if ($1 == "gate") g = s
		printf "%-46s %7.1f s = %.3fx the minimum (%.3fx the provider'"'"'s); %d of %d answered, %.0f records/min, %.0f tokens/min\n",
		    name[$1], s, s / tmin, s / pmin, $4, n, $4 * 60 / s, tok * 60 / s
		pct = 0
		if ($5 > 0) pct = $6 * 100 / $5
		extra = ""
		if ($8 > 0) extra = sprintf("; %d records failed", $8)
		if ($1 != "gate" && g > 0) extra = extra sprintf("; %.3fx the gate'"'"'s time", s / g)
		printf "%-46s requests %d, answered 429: %d = %.2f%% (aiq noted %d)%s\n", "",
		    $5, $6, pct, $7, extra
	}'
	# shellcheck disable=SC2046
	set -- $(cat "$WORK/gate.t")
	ok=$(echo "$1 $TMIN" | awk '{ print (($1 / 1000 <= $2 * 1.03) ? 1 : 0) }')
	[ "$3" -eq "$GP_N" ] || ok=0
	verdict "$ok" "goodput: ailimit | aiq | settle within 3% of the theoretical minimum ($(echo "$1 $TMIN" | awk '{ printf "%.1f s, %.3fx %.1f s", $1 / 1000, $1 / 1000 / $2, $2 }'), $3 of $GP_N answered)"
	verdict "$(echo "$5 $4" | awk '{ print (($2 > 0 && $1 * 1000 < $2 * 5) ? 1 : 0) }')" \
	    "goodput: under 0.5% of requests answered 429 ($5 of $4)"
	for c in gate alone cook; do
		[ "$(cut -d' ' -f3 "$WORK/$c.t")" -eq "$GP_N" ] && continue
		say "  $c: not every record answered; aiq's stderr ends:"
		tail -n 3 "$WORK/$c.aiq.err" | sed 's/^/    /'
	done
fi
exit $status
