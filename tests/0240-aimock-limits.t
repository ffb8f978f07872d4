#!/bin/sh
# aimock: rate limits (--rpm, --tpm, --itpm, --otpm): token buckets that
# hold a minute's worth and refill continuously, 429s that say when to
# come back and take nothing, how tokens are counted, and the rate-limit
# headers of both wire formats.
#
# The buckets drip back while the test runs (--tpm 60: a token a
# second), so a count is checked to be what it should be, or more by no
# more than could have dripped back since the bucket was first used, as
# timed here; on an idle machine that is nothing, and the checks exact.
. "$(dirname "$0")/lib.sh"

plan 72

# between N LO HI: whether N is a whole number from LO to HI.
between() {
	case $1 in ''|*[!0-9]*) return 1 ;; esac
	[ "$1" -ge "$2" ] && [ "$1" -le "$3" ]
}

# drips T0 DESC GOT WANT PERMIN...: passes when each GOT is its WANT, or
# more by what a bucket of PERMIN a minute can have dripped back since
# T0, a `date +%s%N` reading taken before the bucket was first used.
drips() {
	_el=$(ms_since "$1") _d=$2 _bad=
	shift 2
	while [ $# -ge 3 ]; do
		_hi=$(($2 + _el * $3 / 60000))
		between "$1" "$2" "$_hi" || _bad="$_bad got '$1', not $2 to $_hi;"
		shift 3
	done
	if [ -z "$_bad" ]; then pass "$_d"; else fail "$_d"; diag "$_bad"; fi
}

# waits T0 DESC GOT NEED: passes when GOT milliseconds is NEED, or less by
# no more than the time since T0, as the bucket drips towards the cost.
waits() {
	_lo=$(($4 - $(ms_since "$1")))
	[ $_lo -ge 1 ] || _lo=1
	if between "$3" "$_lo" "$4"; then
		pass "$2"
	else
		fail "$2"
		diag "got:      '$3'" "expected: $_lo to $4"
	fi
}

# go_ms DURATION: a Go duration (1m30.5s, 12ms, 0s) in milliseconds, or
# -1 if it is not one.
go_ms() {
	echo "$1" | awk '
	/^[0-9]+ms$/ { print $0 + 0; exit }
	!/^([0-9]+h)?([0-9]+m)?[0-9]+(\.[0-9]+)?s$/ { print -1; exit }
	{
		s = $0; t = 0
		if (match(s, /^[0-9]+h/)) {
			t += substr(s, 1, RLENGTH - 1) * 3600000
			s = substr(s, RLENGTH + 1)
		}
		if (match(s, /^[0-9]+m/)) {
			t += substr(s, 1, RLENGTH - 1) * 60000
			s = substr(s, RLENGTH + 1)
		}
		printf "%d\n", t + substr(s, 1, length(s) - 1) * 1000 + 0.5
	}'
}

# secs_to RFC3339: seconds from now to that time.
secs_to() {
	echo $(($(date -u -d "$1" +%s) - $(date +%s)))
}

# retry_ok: whether retry-after is retry-after-ms in seconds, rounded up.
retry_ok() {
	_ms=$(header retry-after-ms)
	[ -n "$_ms" ] && [ "$(header retry-after)" = $(((_ms + 999) / 1000)) ]
}

# rl FAMILY: the OpenAI limit and remaining of FAMILY.
rl() {
	echo "$(header x-ratelimit-limit-$1)/$(header x-ratelimit-remaining-$1)"
}

# arl FAMILY: the Anthropic limit and remaining of FAMILY.
arl() {
	echo "$(header anthropic-ratelimit-$1-limit)/$(header anthropic-ratelimit-$1-remaining)"
}

one='{"model":"gpt-t","messages":[{"role":"user","content":"hi"}]}'
small='{"max_tokens":1,"messages":[]}'

# --- no limits, no headers
start_mock
post "$one"
is "$code:$(grep -ci 'ratelimit' out.hdr)" 200:0 'without limits, no rate-limit headers'
stop_mock

# --- requests: a burst of a minute's worth, then one every 2 s
start_mock --rpm 30 -L log.jsonl
t0=$(date +%s%N)
st=$(statuses 30 "$one")
is "$(echo "$st" | sort | uniq -c | awk '{ print $1 ":" $2 }')" 30:200 \
	'--rpm 30: a burst of 30 passes'
post "$one"
el=$(ms_since "$t0")
if [ "$el" -lt 2000 ]; then
	is "$code" 429 'and the 31st gets 429'
else
	pass "the 31st (skipped: the burst took $el ms, one may have dripped back)"
fi
is "$(jq -r '.error.type + ":" + .error.code' out.json)" requests:rate_limit_exceeded \
	'a 429 of type requests, rate_limit_exceeded'
like "$(jq -r .error.message out.json)" \
	'^Rate limit reached for gpt-t in organization org-mock on requests per min \(RPM\): Limit 30, Used 30, Requested 1\. Please try again in [0-9.]+m?s\. \(mock\)$' \
	'the message says what OpenAI says'
ms=$(header retry-after-ms)
waits "$t0" "retry-after-ms: a request drips back in 2 s ($ms)" "$ms" 2000
check 'retry-after is that in whole seconds, rounded up' retry_ok
is "$(go_ms "$(jq -r .error.message out.json | sed 's/.*try again in \([^ ]*\)\. .*/\1/')")" \
	"$ms" 'the message gives the same wait'
is "$(rl requests)" 30/0 'the 429 carries the limit and nothing remaining'
waits "$t0" 'and a minute until the bucket is full' \
	"$(go_ms "$(header x-ratelimit-reset-requests)")" 60000
is "$(header x-ratelimit-limit-tokens)" '' 'no token headers without --tpm'

# 429s take nothing: after three more, the first wait still suffices (a
# slow machine may have let one through, which as well takes the rest)
statuses 3 "$one" >/dev/null
post "$one"
ms=$(header retry-after-ms)
[ "$code" = 429 ] || ms=2000
check "more 429s do not push the wait back ($code, $ms ms)" between "$ms" 1 2000
sleep "$(echo "$ms" | awk '{ printf "%.3f", $1 / 1000 + 0.05 }')"
t1=$(date +%s%N)
post "$one"
is "$code" 200 'after retry-after-ms, one request has dripped back in'
post "$one"
ms=$(header retry-after-ms)
if [ "$(ms_since "$t1")" -lt 2000 ]; then
	check "and the next has to wait again ($code, $ms ms)" between "$ms" 1 2000
else
	pass 'and the next has to wait again (skipped: slower than a drip)'
fi
stop_mock
is "$(wc -l <log.jsonl | tr -d ' ')" $((30 + 1 + 3 + 3)) \
	'the log has every request, 429s included'

# --- tokens: prompt and max_tokens, as the answer counts them
start_mock --rpm 6 --tpm 60
q='{"model":"gpt-t","max_tokens":10,"messages":[{"role":"user","content":"abcd"}]}'
t0=$(date +%s%N)
post "$q"
is "$code:$(jq .usage.prompt_tokens out.json)" 200:8 'a prompt of 8 tokens'
is "$(rl requests) $(header x-ratelimit-reset-requests)" '6/5 10s' \
	'it costs a request, full again in 10 s'
is "$(rl tokens) $(header x-ratelimit-reset-tokens)" '60/42 18s' \
	'and 8 + 10 tokens, full again in 18 s'
post "$q"
drips "$t0" 'remaining counts down' \
	"$(header x-ratelimit-remaining-requests)" 4 6 \
	"$(header x-ratelimit-remaining-tokens)" 24 60
waits "$t0" 'the resets grow' "$(go_ms "$(header x-ratelimit-reset-tokens)")" 36000
post "$q"
drips "$t0" 'then 6 tokens are left' "$(header x-ratelimit-remaining-tokens)" 6 60
post "$q"
is "$code:$(jq -r .error.type out.json)" 429:tokens 'the fourth gets 429 of type tokens'
left=$(header x-ratelimit-remaining-tokens)
like "$(jq -r .error.message out.json)" \
	"on tokens per min \\(TPM\\): Limit 60, Used $((60 - left)), Requested 18\\. Please try again in [0-9.]+s\\." \
	'saying the limit, what is used and what was asked'
waits "$t0" "retry-after-ms: 12 tokens at 1 a second ($(header retry-after-ms))" \
	"$(header retry-after-ms)" 12000
check 'retry-after: in whole seconds' retry_ok
drips "$t0" 'the 429 took neither a request nor tokens' \
	"$(header x-ratelimit-remaining-requests)" 3 6 "$left" 6 60
post "$small"
drips "$t0" 'a smaller request fits in what is left: 3 + 1 tokens' \
	"$code" 200 0 "$(header x-ratelimit-remaining-tokens)" 2 60
post "$q" -H 'X-Mock-Retry-After: 99'
waits "$t0" 'the limiter says when: 16 tokens short' "$(header retry-after-ms)" 16000
check 'and retry-after, not the knob' retry_ok
post "$q" -H 'X-Mock-Status: 503'
is "$code:$(jq -r .error.type out.json)" 429:tokens 'the limits come before the status knob'

# bypasses, and what is not limited
post "$q" -H 'X-Mock-Ratelimit: 0'
drips "$t0" 'X-Mock-Ratelimit: 0 passes the limits by, taking nothing' \
	"$code" 200 0 "$(header x-ratelimit-remaining-tokens)" 2 60
post '{"max_tokens":10,"messages":[{"role":"user","content":"abcd [[mock ratelimit=0]]"}]}'
is "$code" 200 'so does [[mock ratelimit=0]]'
post "$q"
is "$code" 429 'and neither took tokens from the bucket'
post '{"messages": [oops'
is "$code:$(rl requests)" 400:6/2 'a bad request is answered as such, with the headers'
post "$q" -H 'X-Mock-Ratelimit: 2'
is "$code" 400 'ratelimit is 0 or 1'
code=$(curl -s -o out.json -D out.hdr -w '%{http_code}' "$MOCK_URL/models")
is "$code:$(grep -ci ratelimit out.hdr)" 200:0 '/v1/models is not limited'
stop_mock

start_mock --tpm 60
t0=$(date +%s%N)
post '{"messages":[{"role":"user","content":"abcd"}]}'
is "$code:$(jq -r .error.type out.json)" 429:tokens \
	'a request larger than the limit gets 429'
like "$(jq -r .error.message out.json)" \
	'^Request too large for mock in organization org-mock on tokens per min \(TPM\): Limit 60, Requested 4104\.' \
	'saying so: without max_tokens, 4096 output tokens count'
is "$(header retry-after):$(header retry-after-ms)" : 'no retry headers: it never fits'
is "$(rl tokens) $(header x-ratelimit-reset-tokens)" '60/60 0s' 'it took nothing'
post '{"max_completion_tokens":2,"max_tokens":50,"messages":[{"role":"user","content":"abcd"}]}'
is "$code:$(rl tokens)" 200:60/50 'max_completion_tokens beats max_tokens'
post '{"max_tokens":2,"messages":[{"role":"user","content":"abcd"}]}' -H 'X-Mock-Cache-Read: 20'
drips "$t0" 'cached tokens count, within prompt_tokens' \
	"$(jq .usage.prompt_tokens out.json)" 28 0 \
	"$(header x-ratelimit-remaining-tokens)" 20 60
post '{"max_tokens":2,"messages":[{"role":"user","content":"abcd"}]}' -H 'X-Mock-Prompt-Tokens: 4000'
drips "$t0" 'the prompt_tokens knob is reported, not counted' \
	"$(jq .usage.prompt_tokens out.json)" 4000 0 \
	"$(header x-ratelimit-remaining-tokens)" 10 60
post '{"stream":true,"max_tokens":1,"messages":[]}'
is "$code:$(header content-type)" 200:text/event-stream 'a stream is limited too'
drips "$t0" 'and carries the headers' "$(header x-ratelimit-remaining-tokens)" 6 60
stop_mock

# --- Anthropic: input and output tokens apart
start_mock --rpm 6 --itpm 60 --otpm 20
am='{"model":"claude-t","max_tokens":8,"messages":[{"role":"user","content":"abcd"}]}'
t0=$(date +%s%N)
msg "$am"
is "$code:$(jq .usage.input_tokens out.json)" 200:8 'an Anthropic prompt of 8 tokens'
is "$(arl requests) $(arl input-tokens) $(arl output-tokens)" '6/5 60/52 20/12' \
	'it costs a request, 8 input and 8 output tokens'
is "$(arl tokens)" 80/64 'the tokens family adds input and output up'
rfc='^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$'
r=$(header anthropic-ratelimit-requests-reset)
like "$r" "$rfc" 'resets are RFC 3339 UTC times'
s=$(secs_to "$r")
check "the requests reset is 10 s away ($s)" between "$s" $((9 - $(ms_since "$t0") / 1000)) 11
s=$(secs_to "$(header anthropic-ratelimit-output-tokens-reset)")
check "the output reset is 24 s away ($s)" between "$s" $((23 - $(ms_since "$t0") / 1000)) 25
is "$(header anthropic-ratelimit-tokens-reset)" \
	"$(header anthropic-ratelimit-output-tokens-reset)" \
	'tokens resets when both input and output are full'
is "$(grep -ci '^x-ratelimit' out.hdr)" 0 'no OpenAI headers on the Anthropic route'
post '{"max_tokens":50,"messages":[{"role":"user","content":"abcd"}]}'
is "$code:$(grep -ci '^x-ratelimit' out.hdr):$(rl requests)" 200:3:6/5 \
	'--itpm and --otpm do not limit the OpenAI route'
msg "$am"
drips "$t0" 'output tokens count down by max_tokens' \
	"$(header anthropic-ratelimit-output-tokens-remaining)" 4 20
msg "$am"
is "$code:$(jq -r .error.type out.json)" 429:rate_limit_error \
	'then 429 rate_limit_error'
like "$(jq -r .error.message out.json)" \
	'rate limit for your organization of 20 output tokens per minute' \
	'naming the output token limit'
waits "$t0" "4 output tokens at 1/3 a second: 12 s ($(header retry-after-ms))" \
	"$(header retry-after-ms)" 12000
check 'retry-after: in whole seconds' retry_ok
drips "$t0" 'the 429 carries the headers and took nothing' \
	"$(header anthropic-ratelimit-requests-remaining)" 4 6 \
	"$(header anthropic-ratelimit-input-tokens-remaining)" 44 60 \
	"$(header anthropic-ratelimit-output-tokens-remaining)" 4 20
msg '{"model":"claude-t","max_tokens":4,"messages":[{"role":"user","content":"abcd"}]}' \
	-H 'X-Mock-Cache-Write: 10' -H 'X-Mock-Cache-Read: 1000'
drips "$t0" 'cache writes count as input, cache reads are free' \
	"$code" 200 0 \
	"$(header anthropic-ratelimit-input-tokens-remaining)" 26 60 \
	"$(header anthropic-ratelimit-output-tokens-remaining)" 0 20
msg '{"model":"claude-t","max_tokens":21,"messages":[{"role":"user","content":"abcd"}]}'
like "$code:$(header retry-after):$(jq -r .error.message out.json)" \
	'^429::.*20 output tokens per minute: it asks for 21\.' \
	'a request over the output limit never fits'
stop_mock

# --- each wire format has its own buckets; --tpm on Anthropic
start_mock --rpm 1 --tpm 60
t0=$(date +%s%N)
post "$small"
is "$code:$(rl requests) $(header x-ratelimit-reset-requests)" '200:1/0 1m0s' \
	'OpenAI: the one request of the minute'
is "$(rl tokens) $(header x-ratelimit-reset-tokens)" '60/56 4s' 'and 4 tokens'
msg "$am"
is "$code:$(arl requests) $(arl tokens)" '200:1/0 60/44' \
	'Anthropic has buckets of its own: prompt and max_tokens against --tpm'
is "$(header anthropic-ratelimit-input-tokens-limit)" '' 'no input family without --itpm'
post "$small"
is "$code" 429 'OpenAI: no second request'
waits "$t0" 'before a minute' "$(header retry-after-ms)" 60000
stop_mock

# --- the cost is ailimit's estimate, which counts what the usage does not
start_mock --tpm 60
t0=$(date +%s%N)
post '{"max_tokens":1,"messages":[],"tools":[{"type":"function","function":{"name":"f"}}]}'
drips "$t0" "tools cost a quarter of their JSON (45 bytes): 3 + 12 + 1 tokens; the usage says 3" \
	"$(jq .usage.prompt_tokens out.json)" 3 0 \
	"$(header x-ratelimit-remaining-tokens)" 44 60
post '{"max_tokens":1,"messages":[{"role":"user","content":"1+1=2"}]}'
drips "$t0" "digits and punctuation cost three quarters each: 3 + 4 + 4 + 1; the usage says 9" \
	"$(jq .usage.prompt_tokens out.json)" 9 0 \
	"$(header x-ratelimit-remaining-tokens)" 32 60
stop_mock

# --- bad values
aimock --rpm 0 >/dev/null 2>err.txt
is "$?:$(head -n 1 err.txt)" \
	"2:aimock: --rpm '0': not a whole number from 1 to 1000000000" \
	'a limit of 0 is a usage error'
aimock --otpm 1k >/dev/null 2>err.txt
is "$?" 2 'a limit is a whole number'

done_testing
