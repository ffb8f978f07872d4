# tests/lib.sh: TAP helpers for the end-to-end tests.
#
# Each test sources this file, which moves it into a scratch directory of
# its own, points HOME and the usage log there, and finds the binaries in
# $AI_BIN (set by the Makefile).  Servers listen on 127.0.0.1 on ports the
# kernel picks.

set -u
AI_BIN=${AI_BIN:-$(cd "$(dirname "$0")/.." && pwd)/build}
TESTS=$(cd "$(dirname "$0")" && pwd)
PATH=$AI_BIN:$PATH
export PATH AI_BIN TESTS

SCRATCH=$(mktemp -d "${TMPDIR:-/tmp}/aitools-test.XXXXXX")
cd "$SCRATCH" || exit 1
export HOME=$SCRATCH
export AIQ_USAGE_LOG=$SCRATCH/usage.db
export LC_ALL=C
unset OPENAI_API_KEY OPENAI_BASE_URL ANTHROPIC_API_KEY ANTHROPIC_BASE_URL \
	AIQ_MODEL AIMOCK_API_KEY XDG_STATE_HOME XDG_CONFIG_HOME XDG_CACHE_HOME \
	AITOOLS_PRICES AICACHE_DB AILIMIT_STATE AITOOLS_CONFIG TRACEPARENT

_tap_n=0
_tap_failed=0
_mock_pids=

_tap_cleanup() {
	for p in $_mock_pids; do
		kill "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	cd / && rm -rf "$SCRATCH"
}
trap _tap_cleanup EXIT

plan() { echo "1..$1"; }

diag() { printf '# %s\n' "$@" | sed '2,$s/^/# /'; }

pass() { _tap_n=$((_tap_n + 1)); echo "ok $_tap_n - $1"; }

fail() {
	_tap_n=$((_tap_n + 1))
	_tap_failed=$((_tap_failed + 1))
	echo "not ok $_tap_n - $1"
}

# check DESC CMD...: passes when CMD exits 0.
check() {
	_d=$1; shift
	if "$@"; then pass "$_d"; else fail "$_d"; diag "command failed: $*"; fi
}

# is GOT WANT DESC: passes when the two strings are equal.
is() {
	if [ "$1" = "$2" ]; then
		pass "$3"
	else
		fail "$3"
		diag "got:      '$1'" "expected: '$2'"
	fi
}

# like GOT ERE DESC: passes when GOT matches the extended regular expression.
like() {
	if printf '%s' "$1" | grep -Eq -- "$2"; then
		pass "$3"
	else
		fail "$3"
		diag "got:      '$1'" "expected to match: '$2'"
	fi
}

# unlike GOT ERE DESC: passes when GOT does not match.
unlike() {
	if printf '%s' "$1" | grep -Eq -- "$2"; then
		fail "$3"
		diag "got:      '$1'" "expected not to match: '$2'"
	else
		pass "$3"
	fi
}

# start_mock [ARGS...]: starts aimock on a free port; sets MOCK_PORT, MOCK_URL
# and MOCK_PID and exports OPENAI_BASE_URL and ANTHROPIC_BASE_URL for aiq.
start_mock() {
	_mock_n=$((${_mock_n:-0} + 1))
	_pf=$SCRATCH/mock.port.$_mock_n
	aimock -p 0 "$@" >"$_pf" 2>"$_pf.err" &
	MOCK_PID=$!
	_mock_pids="$_mock_pids $MOCK_PID"
	_i=0
	while ! grep -q '^[0-9][0-9]*$' "$_pf" 2>/dev/null; do
		_i=$((_i + 1))
		if [ $_i -gt 500 ] || ! kill -0 "$MOCK_PID" 2>/dev/null; then
			echo "Bail out! aimock did not start: $(cat "$_pf.err")"
			exit 1
		fi
		sleep 0.01
	done
	MOCK_PORT=$(cat "$_pf")
	MOCK_URL=http://127.0.0.1:$MOCK_PORT/v1
	OPENAI_BASE_URL=$MOCK_URL
	ANTHROPIC_BASE_URL=http://127.0.0.1:$MOCK_PORT
	export OPENAI_BASE_URL ANTHROPIC_BASE_URL
}

# ms_since START: milliseconds since START, a `date +%s%N` reading.
ms_since() {
	echo $((($(date +%s%N) - $1) / 1000000))
}

stop_mock() {
	kill "$MOCK_PID" 2>/dev/null
	wait "$MOCK_PID" 2>/dev/null
}

# statuses N BODY [CURL-ARGS...]: the statuses of N requests with BODY,
# sent on one connection, one a line.
statuses() {
	_n=$1 _body=$2
	shift 2
	set -- "$@" -H 'Content-Type: application/json' --data-binary "$_body"
	_i=0
	while [ $_i -lt "$_n" ]; do
		set -- "$@" -o /dev/null "$MOCK_URL/chat/completions"
		_i=$((_i + 1))
	done
	curl -s -w '%{http_code}\n' "$@"
}

# post BODY [CURL-ARGS...]: POSTs BODY to aimock's OpenAI chat endpoint,
# leaving the body in out.json, the headers in out.hdr, the status in
# $code and curl's exit status in $rc.
post() {
	_body=$1
	shift
	code=$(curl -s -o out.json -D out.hdr -w '%{http_code}' "$@" \
	    -H 'Content-Type: application/json' --data-binary "$_body" \
	    "$MOCK_URL/chat/completions")
	rc=$?
}

# msg BODY [CURL-ARGS...]: the same on the Anthropic route, with an
# anthropic-version header.
msg() {
	_body=$1
	shift
	code=$(curl -s -o out.json -D out.hdr -w '%{http_code}' \
	    -H 'anthropic-version: 2023-06-01' "$@" \
	    -H 'Content-Type: application/json' --data-binary "$_body" \
	    "$MOCK_URL/messages")
	rc=$?
}

# header NAME: the value of a response header in out.hdr.
header() {
	tr -d '\r' <out.hdr | awk -v n="$1" -F': ' 'tolower($1) == n { print $2 }'
}

done_testing() {
	[ $_tap_failed -eq 0 ]
}
