#!/bin/sh
# bench/run.sh BUILD: how fast is aiq?  Run as `make bench`.
#
# Sends the same N chat requests (default 20,000) to a fast local server
# (nginx answering a fixed chat.completion, see bench/nginx.conf.in; aimock
# if nginx is missing or BENCH_SERVER=aimock) twice in the same run:
#
#   aiq -J -j 64 --no-usage-log < records > out
#   curl --parallel --parallel-max 64 -K config   (libcurl driven by its own tool)
#
# and checks the targets: aiq at least 2.5x curl's requests/s, at most 30 us
# of CPU (user+sys) per request, peak RSS under 16 MiB whatever the input
# length, and `aiq --version` starting within 3x of /bin/true.  The same
# N answers are then streamed (aiq --stream against an event stream) and
# reported beside the plain path, without a target.  Every
# answer is counted, so a run that lost requests fails instead of looking
# fast.  Ratios are always taken within one run: the machine is shared.
#
# Environment:
#   BENCH_N=20000        requests per run (aiq and curl alike)
#   BENCH_CURL_N=$N      requests for curl's run, if it must differ
#   BENCH_SMALL_N=2000   the size of the second, smaller comparison
#   BENCH_REPEAT=3       runs of each; the fastest is reported, all printed
#   BENCH_JOBS=64        -j for aiq, --parallel-max for curl
#   BENCH_LONG=1         also measure peak RSS at BENCH_LONG_N (100,000)
#                        records
#   BENCH_SERVER=nginx   or aimock
#   BENCH_PROFILE=1      also run aiq under valgrind --tool=callgrind on
#                        BENCH_SMALL_N records and print the top functions
#   BENCH_KEEP=1         keep the scratch directory under bench/out/
#
# Tools: nginx, curl, hyperfine, GNU time (/usr/bin/time), valgrind.  Each
# part whose tool is missing says so and is skipped; on Debian they are
# `apt-get install nginx-light curl hyperfine time valgrind`.
# curl gets one config with the header and body once and N url/output
# pairs: its time grows linearly with N (about 1.5 s for 20,000 here).
# Exit status: 0 when every target that was measured passed, 1 otherwise.

set -u

if [ $# -gt 1 ]; then
	echo "usage: sh bench/run.sh [build-dir]" >&2
	exit 2
fi
BUILD=${1:-build}
HERE=$(cd "$(dirname "$0")" && pwd)
case $BUILD in
/*)	;;
*)	BUILD=$(cd "$BUILD" 2>/dev/null && pwd) || {
		echo "bench: no build directory '${1:-build}'" >&2; exit 2; } ;;
esac
AIQ=$BUILD/aiq
AIMOCK=$BUILD/aimock
if [ ! -x "$AIQ" ]; then
	echo "bench: $AIQ not found: run make first" >&2
	exit 2
fi

N=${BENCH_N:-20000}
CURL_N=${BENCH_CURL_N:-$N}
SMALL_N=${BENCH_SMALL_N:-2000}
REPEAT=${BENCH_REPEAT:-3}
JOBS=${BENCH_JOBS:-64}
LONG=${BENCH_LONG:-0}
SERVER=${BENCH_SERVER:-nginx}
LONG_N=${BENCH_LONG_N:-100000}
RSS_MIB=16
US_PER_REQ=30
MIN_RATIO=2.5
MAX_STARTUP=3

have() { command -v "$1" >/dev/null 2>&1; }
say() { printf '%s\n' "$*"; }
note() { printf 'bench: %s\n' "$*" >&2; }

# Only loopback traffic, with nobody's key and nobody's config.
unset AIQ_MODEL AIQ_USAGE_LOG CURL_HOME
NO_PROXY='*' no_proxy='*'
OPENAI_API_KEY=sk-bench-not-a-key
export NO_PROXY no_proxy OPENAI_API_KEY

mkdir -p "$HERE/out"
WORK=$(mktemp -d "$HERE/out/run.XXXXXX") || exit 1
SRV_PID=
# shellcheck disable=SC2317	# called by the trap
cleanup() {
	if [ -n "$SRV_PID" ]; then
		kill "$SRV_PID" 2>/dev/null
		wait "$SRV_PID" 2>/dev/null
		SRV_PID=
	fi
	if [ "${BENCH_KEEP:-0}" = 1 ]; then
		note "scratch files kept in $WORK"
	else
		rm -rf "$WORK"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

# ---------------------------------------------------------------- timing
# timed NAME CMD...: runs CMD (stdin/stdout as redirected by the caller)
# and leaves "wall user sys maxrss_kib status" in $WORK/NAME.t.
if [ -x /usr/bin/time ] && /usr/bin/time -f %e true >/dev/null 2>&1; then
	TIMER="GNU time"
	timed() {
		_tn=$1; shift
		_t0=$(date +%s%N)
		/usr/bin/time -f '%U %S %M %x' -o "$WORK/$_tn.t.raw" "$@"
		_t1=$(date +%s%N)
		# GNU time's %e has 10 ms steps: the wall time is taken here.
		tail -n 1 "$WORK/$_tn.t.raw" | awk -v a="$_t0" -v b="$_t1" \
		    '{ printf "%.4f %s\n", (b - a) / 1e9, $0 }' > "$WORK/$_tn.t"
	}
elif have python3; then
	TIMER="python3 wait4 (install the time package for GNU time)"
	cat > "$WORK/timed.py" <<'EOF'
import os, sys, time
# wait4 gives this child's own usage: RUSAGE_CHILDREN would also count
# whatever ran before an exec into this python (a pyenv shim, say).
out = sys.argv[1]
t = time.monotonic()
pid = os.fork()
if pid == 0:
    try:
        os.execvp(sys.argv[2], sys.argv[2:])
    finally:
        os._exit(127)
_, status, ru = os.wait4(pid, 0)
wall = time.monotonic() - t
with open(out, "w") as f:
    f.write("%.4f %.3f %.3f %d %d\n" % (wall, ru.ru_utime, ru.ru_stime,
        ru.ru_maxrss, os.WEXITSTATUS(status) if os.WIFEXITED(status)
        else 128 + os.WTERMSIG(status)))
EOF
	timed() {
		_tn=$1; shift
		python3 "$WORK/timed.py" "$WORK/$_tn.t" "$@"
	}
else
	TIMER="date (no CPU or RSS figures: apt-get install time)"
	timed() {
		_tn=$1; shift
		_t0=$(date +%s%N)
		"$@"
		_rc=$?
		_t1=$(date +%s%N)
		awk -v a="$_t0" -v b="$_t1" -v rc="$_rc" \
		    'BEGIN { printf "%.4f -1 -1 -1 %d\n", (b - a) / 1e9, rc }' \
		    > "$WORK/$_tn.t"
	}
fi
field() { awk -v i="$2" '{ print $i }' "$WORK/$1.t"; }

# ---------------------------------------------------------------- server
rand_port() {
	od -An -N2 -tu2 /dev/urandom | awk '{ print 20000 + $1 % 40000 }'
}

# probe URL: does our server answer there?
probe() {
	if have curl; then
		curl -q -sS --max-time 2 -o /dev/null -D - -X POST \
		    -H 'Content-Type: application/json' -d '{}' \
		    "$1/chat/completions" 2>/dev/null |
		    grep -qi "^x-request-id: *$2"
	else
		echo '{"prompt":"hi"}' | OPENAI_BASE_URL=$1 "$AIQ" -J -T 2 \
		    --no-usage-log 2>/dev/null | grep -q '"status_code":200'
	fi
}

start_nginx() {
	mkdir -p "$WORK/nginx/body"
	_try=0
	while [ $_try -lt 10 ]; do
		_try=$((_try + 1))
		PORT=$(rand_port)
		sed -e "s|@DIR@|$WORK/nginx|g" -e "s|@PORT@|$PORT|g" \
		    "$HERE/nginx.conf.in" > "$WORK/nginx/nginx.conf"
		nginx -p "$WORK/nginx" -e "$WORK/nginx/error.log" \
		    -c "$WORK/nginx/nginx.conf" >"$WORK/nginx/stderr" 2>&1 &
		SRV_PID=$!
		_w=0
		while [ $_w -lt 50 ]; do
			if ! kill -0 "$SRV_PID" 2>/dev/null; then
				break			# port taken: another
			fi
			if probe "http://127.0.0.1:$PORT/v1" req_bench; then
				SERVER_DESC="nginx $(nginx -v 2>&1 |
				    sed 's|.*/||'), 1 worker, port $PORT"
				return 0
			fi
			sleep 0.1
			_w=$((_w + 1))
		done
		kill "$SRV_PID" 2>/dev/null
		wait "$SRV_PID" 2>/dev/null
		SRV_PID=
	done
	note "nginx did not start:"
	cat "$WORK/nginx/stderr" "$WORK/nginx/error.log" >&2 2>/dev/null
	return 1
}

start_aimock() {
	"$AIMOCK" -b 127.0.0.1 -p 0 -r 'A fixed answer from the benchmark server.' \
	    > "$WORK/aimock.port" 2>"$WORK/aimock.err" &
	SRV_PID=$!
	_w=0
	while [ $_w -lt 50 ] && [ ! -s "$WORK/aimock.port" ]; do
		kill -0 "$SRV_PID" 2>/dev/null || break
		sleep 0.1
		_w=$((_w + 1))
	done
	PORT=$(head -n 1 "$WORK/aimock.port" 2>/dev/null)
	if [ -z "$PORT" ]; then
		note "aimock did not start:"
		cat "$WORK/aimock.err" >&2
		return 1
	fi
	SERVER_DESC="aimock, port $PORT"
}

case $SERVER in
nginx)	if ! have nginx; then
		note "nginx not found (apt-get install nginx-light): using aimock"
		SERVER=aimock
	fi ;;
aimock)	;;
*)	note "BENCH_SERVER must be nginx or aimock"; exit 2 ;;
esac
if [ "$SERVER" = nginx ]; then
	start_nginx || exit 1
else
	start_aimock || exit 1
fi
URL=http://127.0.0.1:$PORT/v1
# Streamed answers: nginx serves a fixed event stream under /stream/;
# aimock streams whenever the request asks.
STREAM_URL=$URL
[ "$SERVER" = nginx ] && STREAM_URL=http://127.0.0.1:$PORT/stream/v1

# ---------------------------------------------------------------- inputs
records() {	# records N FILE
	awk -v n="$1" 'BEGIN {
		for (i = 1; i <= n; i++)
			printf "{\"custom_id\":\"r%d\",\"prompt\":\"hi\"}\n", i
	}' > "$2"
}

# The body aiq sends for such a record; curl sends the same to each URL.
BODY='{"model":"gpt-4o-mini","messages":[{"role":"user","content":"hi"}]}'
SBODY='{"model":"gpt-4o-mini","messages":[{"role":"user","content":"hi"}],"stream":true,"stream_options":{"include_usage":true}}'
curl_config() {	# curl_config N FILE [URL BODY]
	awk -v n="$1" -v url="${3:-$URL}/chat/completions" \
	    -v body="${4:-$BODY}" 'BEGIN {
		gsub(/"/, "\\\"", body)
		print "header = \"Content-Type: application/json\""
		print "data = \"" body "\""
		print "write-out = \"%{http_code}\\n\""
		for (i = 1; i <= n; i++) {
			print "url = \"" url "\""
			print "output = \"/dev/null\""
		}
	}' > "$2"
}

# ---------------------------------------------------------------- runs
FAILED=0
fail() { note "$*"; FAILED=1; }

# run_aiq NAME N [URL ARGS...]: one aiq run over N records; counts the
# answers.
run_aiq() {
	_name=$1 _n=$2 _url=${3:-$URL}
	shift 2
	[ $# -gt 0 ] && shift
	[ -f "$WORK/in.$_n" ] || records "$_n" "$WORK/in.$_n"
	OPENAI_BASE_URL=$_url timed "$_name" "$AIQ" -J -j "$JOBS" \
	    --no-usage-log "$@" < "$WORK/in.$_n" > "$WORK/out"
	set -- "$_name" "$_n"
	_ok=$(grep -c '"status_code":200' "$WORK/out")
	rm -f "$WORK/out"
	if [ "$(field "$1" 5)" != 0 ] || [ "$_ok" != "$2" ]; then
		fail "aiq run $1: exit $(field "$1" 5), $_ok of $2 answered"
		return 1
	fi
}

# run_curl NAME N [CONFIG]: one curl run over N transfers; counts the 200s.
run_curl() {
	_cfg=${3:-$WORK/cfg.$2}
	[ -f "$_cfg" ] || curl_config "$2" "$_cfg"
	timed "$1" curl -q -sS --no-progress-meter --parallel \
	    --parallel-max "$JOBS" -K "$_cfg" > "$WORK/out" \
	    2>"$WORK/curl.err"
	_ok=$(grep -c '^200$' "$WORK/out")
	rm -f "$WORK/out"
	if [ "$(field "$1" 5)" != 0 ] || [ "$_ok" != "$2" ]; then
		fail "curl run $1: exit $(field "$1" 5), $_ok of $2 answered"
		head -n 5 "$WORK/curl.err" >&2
		return 1
	fi
}

# best PREFIX: the name of the fastest run of PREFIX.1 .. PREFIX.REPEAT.
best() {
	for _f in "$WORK/$1".[0-9]*.t; do
		[ -f "$_f" ] && printf '%s %s\n' "$(awk '{ print $1 }' "$_f")" \
		    "$(basename "$_f" .t)"
	done | sort -n | awk 'NR == 1 { print $2 }'
}

# maxrss PREFIX: the name of the run of PREFIX.1 .. PREFIX.REPEAT that
# peaked highest.
maxrss() {
	for _f in "$WORK/$1".[0-9]*.t; do
		[ -f "$_f" ] && printf '%s %s\n' "$(awk '{ print $4 }' "$_f")" \
		    "$(basename "$_f" .t)"
	done | sort -n -r | awk 'NR == 1 { print $2 }'
}

show() {	# show TOOL NAME N
	awk -v tool="$1" -v n="$3" '{
		printf "  %-5s %6d requests: %7.3f s  %8.0f req/s", tool, n, $1,
		    n / ($1 > 0 ? $1 : 0.005)
		if ($2 >= 0)
			printf "  CPU %.0f us/request (%.0f user + %.0f sys)" \
			    "  RSS %.1f MiB", ($2 + $3) * 1e6 / n, $2 * 1e6 / n,
			    $3 * 1e6 / n, $4 / 1024
		printf "\n"
	}' "$WORK/$2.t"
}

# compare TAG NA NC: REPEAT interleaved runs of aiq over NA and curl over NC.
compare() {
	_i=1
	while [ "$_i" -le "$REPEAT" ]; do
		run_aiq "aiq$1.$_i" "$2" && show aiq "aiq$1.$_i" "$2"
		if [ "$HAVE_CURL" = 1 ]; then
			run_curl "curl$1.$_i" "$3" && show curl "curl$1.$_i" "$3"
		fi
		_i=$((_i + 1))
	done
}

say "aiq bench: $("$AIQ" --version 2>&1 | head -n 1), $(nproc 2>/dev/null || echo '?') cores"
say "server: $SERVER_DESC; timer: $TIMER; fastest of $REPEAT runs is reported"
HAVE_CURL=0
if have curl; then
	HAVE_CURL=1
	say "curl: $(curl --version | head -n 1 | cut -d' ' -f1-3)"
else
	note "curl not found (apt-get install curl): no comparison with curl"
fi

say ""
say "== throughput: aiq -J -j $JOBS vs curl --parallel --parallel-max $JOBS"
[ "$CURL_N" != "$N" ] &&
    note "curl runs $CURL_N requests (BENCH_CURL_N), aiq $N: not the same work"
compare "" "$N" "$CURL_N"
if [ "$SMALL_N" != "$N" ]; then
	say "-- the same at $SMALL_N requests"
	compare ".small" "$SMALL_N" "$SMALL_N"
fi

say ""
say "== streaming: aiq -J -j $JOBS --stream vs curl, $N streamed answers"
curl_config "$N" "$WORK/scfg.$N" "$STREAM_URL" "$SBODY"
_i=1
while [ "$_i" -le "$REPEAT" ]; do
	run_aiq "aiqs.$_i" "$N" "$STREAM_URL" --stream && show aiq "aiqs.$_i" "$N"
	if [ "$HAVE_CURL" = 1 ]; then
		run_curl "curls.$_i" "$N" "$WORK/scfg.$N" && show curl "curls.$_i" "$N"
	fi
	_i=$((_i + 1))
done

say ""
say "== peak RSS by input length (the highest of the runs above)"
RSS_SIZES="$SMALL_N $N"
[ "$LONG" = 1 ] && RSS_SIZES="$RSS_SIZES $LONG_N"
for size in $RSS_SIZES; do
	if [ ! -f "$WORK/aiq.rss.$size.t" ]; then
		pick=
		[ "$size" = "$N" ] && pick=$(maxrss aiq)
		[ "$size" = "$SMALL_N" ] && pick=$(maxrss aiq.small)
		if [ -n "$pick" ]; then
			cp "$WORK/$pick.t" "$WORK/aiq.rss.$size.t"
		else
			run_aiq "aiq.rss.$size" "$size"
		fi
	fi
	[ -f "$WORK/aiq.rss.$size.t" ] && show aiq "aiq.rss.$size" "$size"
done
rm -f "$WORK"/in.* "$WORK"/cfg.*

say ""
say "== startup: aiq --version vs /bin/true"
START_RATIO=
if have hyperfine; then
	if hyperfine -N --warmup 20 --runs 500 --export-csv "$WORK/start.csv" \
	    "$AIQ --version" /bin/true > "$WORK/hyperfine.log" 2>&1; then
		# command,mean,stddev,median,user,system,min,max
		START_RATIO=$(awk -F, 'NR == 2 { am = $2; amed = $4 }
		    NR == 3 { printf "%.2f %.2f %.0f %.0f %.0f %.0f", amed / $4,
			am / $2, amed * 1e6, $4 * 1e6, am * 1e6, $2 * 1e6 }' \
		    "$WORK/start.csv")
		say "$START_RATIO" | awk '{ printf "  hyperfine -N, 500 runs: " \
		    "median %s us vs %s us, mean %s us vs %s us\n", $3, $4, $5, $6 }'
	else
		note "hyperfine failed:"
		cat "$WORK/hyperfine.log" >&2
	fi
else
	note "hyperfine not found (apt-get install hyperfine): timing 1000 runs in a loop"
	loop1000() {
		_t0=$(date +%s%N)
		_i=0
		while [ $_i -lt 1000 ]; do
			"$@" > /dev/null
			_i=$((_i + 1))
		done
		_t1=$(date +%s%N)
		echo $(((_t1 - _t0) / 1000))
	}
	_a=$(loop1000 "$AIQ" --version)
	_t=$(loop1000 /bin/true)
	START_RATIO=$(awk -v a="$_a" -v t="$_t" \
	    'BEGIN { printf "%.2f %.2f %.0f %.0f", a / t, a / t, a / 1000, t / 1000 }')
	say "  1000 runs from sh: $_a us vs $_t us in all (fork and exec included)"
fi

if [ "${BENCH_PROFILE:-0}" = 1 ]; then
	say ""
	say "== profile: callgrind, aiq -J -j $JOBS over $SMALL_N records"
	if have valgrind && have callgrind_annotate; then
		records "$SMALL_N" "$WORK/in.prof"
		OPENAI_BASE_URL=$URL valgrind --tool=callgrind \
		    --callgrind-out-file="$WORK/callgrind.out" \
		    "$AIQ" -J -j "$JOBS" --no-usage-log < "$WORK/in.prof" \
		    > "$WORK/out" 2>"$WORK/valgrind.log"
		say "  answered: $(grep -c '"status_code":200' "$WORK/out") of $SMALL_N"
		rm -f "$WORK/out"
		say "-- top 15 by inclusive cost (instructions; ??? = no symbols)"
		callgrind_annotate --inclusive=yes "$WORK/callgrind.out" 2>/dev/null |
		    awk '/^ *[0-9,]+ \([ 0-9.]+%\) .*\[/ &&
			!/below main|__libc_start|ld-linux|:main \[/ &&
			n++ < 15' | cut -c1-150
		say "-- top 15 by self cost"
		callgrind_annotate "$WORK/callgrind.out" 2>/dev/null |
		    awk '/^ *[0-9,]+ \([ 0-9.]+%\) .*\[/ && n++ < 15' | cut -c1-150
		say "-- self cost by object"
		callgrind_annotate --threshold=100 --auto=no \
		    "$WORK/callgrind.out" 2>/dev/null | awk '
			/PROGRAM TOTALS/ { gsub(/,/, "", $1); total = $1 + 0 }
			/file:function/ { infn = 1; next }
			infn && /^$/ { infn = 0 }
			infn && /^ *[0-9,]+ \([ 0-9.]+%\) .*\[/ {
				c = $1; gsub(/,/, "", c)
				o = $NF; sub(/^.*\//, "", o); sub(/\]$/, "", o)
				sum[o] += c + 0
			}
			END { for (o in sum) if (sum[o] * 200 > total)
				printf "%6.1f%%  %s\n", sum[o] * 100 / total, o
			}' | sort -rn
	else
		note "valgrind not found (apt-get install valgrind): no profile"
	fi
fi

# ---------------------------------------------------------------- summary
say ""
say "== summary"
A=$(best aiq)
C=$(best curl)
if [ -n "$A" ]; then
	awk -v n="$N" -v j="$JOBS" -v lim="$US_PER_REQ" '{
		cpu = ($2 + $3) * 1e6 / n
		printf "aiq -J -j %d: %d requests in %.3f s = %.0f req/s", j, n,
		    $1, n / ($1 > 0 ? $1 : 0.005)
		if ($2 >= 0)
			printf "; CPU %.0f us/request (target <= %d us: %s); " \
			    "peak RSS %.1f MiB", cpu, lim,
			    cpu <= lim ? "PASS" : "FAIL", $4 / 1024
		printf "\n"
	}' "$WORK/$A.t"
	awk -v n="$N" -v lim="$US_PER_REQ" '$2 >= 0 &&
	    ($2 + $3) * 1e6 / n > lim { exit 1 }' "$WORK/$A.t" || FAILED=1
else
	say "aiq: no successful run"
	FAILED=1
fi
ratio_line() {	# ratio_line AIQNAME CURLNAME NA NC LABEL
	[ -n "$1" ] && [ -n "$2" ] || return 0
	awk -v na="$3" -v nc="$4" -v min="$MIN_RATIO" -v label="$5" '
	    NR == FNR { a = na / ($1 > 0 ? $1 : 0.005); next }
	    { c = nc / ($1 > 0 ? $1 : 0.005) }
	    END {
		ok = a / c >= min
		printf "ratio aiq/curl%s: %.2fx (%.0f / %.0f req/s", label,
		    a / c, a, c
		if (label == "")
			printf ", target >= %sx: %s", min, ok ? "PASS" : "FAIL"
		printf ")\n"
		exit label == "" && !ok
	    }' "$WORK/$1.t" "$WORK/$2.t"
}
if [ -n "$C" ]; then
	awk -v n="$CURL_N" -v j="$JOBS" '{
		printf "curl --parallel-max %d: %d requests in %.3f s = %.0f req/s", j,
		    n, $1, n / ($1 > 0 ? $1 : 0.005)
		if ($2 >= 0)
			printf "; CPU %.0f us/request", ($2 + $3) * 1e6 / n
		printf "\n"
	}' "$WORK/$C.t"
	ratio_line "$A" "$C" "$N" "$CURL_N" "" || FAILED=1
	if [ "$SMALL_N" != "$N" ]; then
		ratio_line "$(best aiq.small)" "$(best curl.small)" "$SMALL_N" \
		    "$SMALL_N" " at $SMALL_N requests (not a target)" || :
	fi
elif [ "$HAVE_CURL" = 1 ]; then
	say "curl: no successful run"
	FAILED=1
fi
AS=$(best aiqs)
if [ -n "$AS" ] && [ -n "$A" ]; then
	awk -v n="$N" 'FNR == NR { p = ($2 + $3) * 1e6 / n; next }
	    { s = ($2 + $3) * 1e6 / n; r = n / ($1 > 0 ? $1 : 0.005)
	      printf "streaming (not a target): %.0f req/s, CPU %.0f us/", r, s
	      printf "request, %.2fx the CPU of a plain request\n", s / p }' \
	    "$WORK/$A.t" "$WORK/$AS.t"
	ratio_line "$AS" "$(best curls)" "$N" "$N" " streaming (not a target)" || :
fi
RSS_LINE=
RSS_OK=1
for size in $RSS_SIZES; do
	[ -f "$WORK/aiq.rss.$size.t" ] || continue
	rss=$(field "aiq.rss.$size" 4)
	[ "$rss" -lt 0 ] && continue
	RSS_LINE="$RSS_LINE $size:$rss"
	[ "$rss" -ge $((RSS_MIB * 1024)) ] && RSS_OK=0
done
if [ -n "$RSS_LINE" ]; then
	say "$RSS_LINE" | awk -v ok="$RSS_OK" -v lim="$RSS_MIB" '{
		for (i = 1; i <= NF; i++) {
			split($i, p, ":")
			ns = ns (i > 1 ? " / " : "") p[1]
			rs = rs (i > 1 ? " / " : "") sprintf("%.1f", p[2] / 1024)
		}
		printf "peak RSS at %s records: %s MiB (target < %d MiB: %s)\n",
		    ns, rs, lim, ok ? "PASS" : "FAIL"
	}'
	[ "$RSS_OK" = 1 ] || FAILED=1
fi
if [ -n "$START_RATIO" ]; then
	say "$START_RATIO" | awk -v m="$MAX_STARTUP" '{
		printf "startup aiq --version / /bin/true: %.2fx by median, " \
		    "%.2fx by mean (target <= %sx: %s)\n", $1, $2, m,
		    $1 <= m ? "PASS" : "FAIL"
		exit !($1 <= m)
	}' || FAILED=1
fi
exit $FAILED
