#!/bin/sh
# aiq: what the provider's headers say of its rate limits, in the output
# record's aitools.ratelimit.  aimock does not send those headers: a
# server of a few lines of Perl (perl-base, which every Debian has)
# answers with fixed bytes instead.
. "$(dirname "$0")/lib.sh"

plan 25

# answer FILE STATUS BODY [HEADER...]: writes to FILE the bytes of an
# HTTP answer, with its Content-Length.
answer() {
	_f=$1 _st=$2 _b=$3
	shift 3
	{
		printf 'HTTP/1.1 %s X\r\nContent-Type: application/json\r\n' "$_st"
		printf 'Connection: close\r\nContent-Length: %d\r\n' ${#_b}
		for _h; do printf '%s\r\n' "$_h"; done
		printf '\r\n%s' "$_b"
	} >"$_f"
}

# serve FILE...: a server on a free port whose Nth connection gets the
# bytes of the Nth FILE (the last for those after), once it has read the
# request.  Sets OPENAI_BASE_URL and ANTHROPIC_BASE_URL to it; the server
# before it ends.
serve() {
	[ -n "${_srv:-}" ] && kill "$_srv" 2>/dev/null
	_n=$((${_n:-0} + 1))
	_pf=$SCRATCH/srv.port.$_n
	perl -e '
		use IO::Socket::INET;
		my $s = IO::Socket::INET->new(Listen => 16, ReuseAddr => 1,
		    LocalAddr => "127.0.0.1", LocalPort => 0) or die "$!\n";
		$| = 1;
		print $s->sockport, "\n";
		for (my $n = 0; my $c = $s->accept; $n++) {
			my ($req, $buf) = ("", "");
			while ($req !~ /\r\n\r\n/) {
				sysread($c, $req, 65536, length $req) or last;
			}
			my ($len) = $req =~ /^content-length:\s*(\d+)/mi;
			my $got = length($req) - index($req, "\r\n\r\n") - 4;
			while ($got < ($len // 0)) {
				my $k = sysread($c, $buf, 65536) or last;
				$got += $k;
			}
			open(my $f, "<", $ARGV[$n < @ARGV ? $n : -1]) or die;
			local $/;
			my $answer = <$f>;
			print {$c} $answer;
			close $c;
		}' "$@" >"$_pf" 2>"$_pf.err" &
	_srv=$!
	_mock_pids="$_mock_pids $_srv"
	_i=0
	while ! grep -q '^[0-9][0-9]*$' "$_pf" 2>/dev/null; do
		_i=$((_i + 1))
		if [ $_i -gt 500 ]; then
			echo "Bail out! the server did not start: $(cat "$_pf.err")"
			exit 1
		fi
		sleep 0.01
	done
	OPENAI_BASE_URL=http://127.0.0.1:$(cat "$_pf")/v1
	ANTHROPIC_BASE_URL=http://127.0.0.1:$(cat "$_pf")
	export OPENAI_BASE_URL ANTHROPIC_BASE_URL
}

# run [AIQ-ARGS...]: one prompt record through aiq -J into out.json.
run() {
	printf '{"prompt":"hi"}\n' | aiq -J "$@" >out.json 2>err.txt
}
j() { jq -c "$1" out.json; }

# The milliseconds of an RFC 3339 time, and whether a time, less a
# span, falls between the record's start and end: when the headers came.
MS='def ms: (.[0:19] + "Z" | fromdateiso8601) * 1000 + (.[20:23] | tonumber);'
within() {
	j "$MS"' .aitools as $a | ($a.ratelimit'"$1"' | ms) - '"$2"' |
	    . >= ($a.started | ms) and . <= ($a.finished | ms)'
}

CHAT='{"id":"chatcmpl-1","object":"chat.completion","created":1,"model":"gpt-4o-mini","choices":[{"index":0,"message":{"role":"assistant","content":"hello"},"finish_reason":"stop"}],"usage":{"prompt_tokens":1,"completion_tokens":1,"total_tokens":2}}'
MSG='{"id":"msg_1","type":"message","role":"assistant","model":"claude-x","content":[{"type":"text","text":"hello"}],"stop_reason":"end_turn","usage":{"input_tokens":1,"output_tokens":1}}'
LIMIT='{"error":{"message":"Rate limit reached for requests","type":"requests","code":"rate_limit_exceeded"}}'

# --- OpenAI's headers: counts, and resets as Go durations
answer openai.http 200 "$CHAT" 'x-request-id: req_1' \
	'x-ratelimit-limit-requests: 500' 'x-ratelimit-limit-tokens: 150000000' \
	'x-ratelimit-remaining-requests: 499' \
	'x-ratelimit-remaining-tokens: 149999976' \
	'x-ratelimit-reset-requests: 12ms' 'x-ratelimit-reset-tokens: 6m0s'
serve openai.http
run
is "$(j '[.response.status_code, .response.request_id, .aitools.attempts]')" \
	'[200,"req_1",1]' 'an answer with OpenAI'"'"'s rate-limit headers'
is "$(j '.aitools.ratelimit | [keys_unsorted, .requests.limit, .requests.remaining, .tokens.limit, .tokens.remaining]')" \
	'[["requests","tokens"],500,499,150000000,149999976]' \
	'aitools.ratelimit has their limits and remaining counts'
is "$(j '.aitools.ratelimit | [.requests, .tokens] | map(keys_unsorted)')" \
	'[["limit","remaining","reset"],["limit","remaining","reset"]]' \
	'and the resets'
is "$(within .requests.reset 12)" true \
	'reset-requests 12ms: 12 ms after the headers came'
is "$(within .tokens.reset 360000)" true \
	'reset-tokens 6m0s: 6 minutes after'
like "$(j .aitools.ratelimit.tokens.reset)" \
	'^"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z"$' \
	'an RFC 3339 time in UTC, with milliseconds'

# --- Anthropic's: four windows, resets as RFC 3339 times
answer anthropic.http 200 "$MSG" 'request-id: req_2' \
	'anthropic-ratelimit-requests-limit: 50' \
	'anthropic-ratelimit-requests-remaining: 49' \
	'anthropic-ratelimit-requests-reset: 2026-12-07T19:55:00Z' \
	'anthropic-ratelimit-tokens-limit: 48000' \
	'anthropic-ratelimit-tokens-remaining: 47000' \
	'anthropic-ratelimit-tokens-reset: 2026-12-07T19:55:00.123456Z' \
	'anthropic-ratelimit-input-tokens-limit: 40000' \
	'anthropic-ratelimit-input-tokens-remaining: 39000' \
	'anthropic-ratelimit-input-tokens-reset: 2026-12-07T20:55:01+01:00' \
	'anthropic-ratelimit-output-tokens-limit: 8000' \
	'anthropic-ratelimit-output-tokens-remaining: 8000' \
	'anthropic-ratelimit-output-tokens-reset: 2026-12-07T19:55:00Z'
serve anthropic.http
run -m claude-x
is "$(j '[.response.status_code, .response.request_id, .aitools.provider]')" \
	'[200,"req_2","anthropic"]' 'an answer with Anthropic'"'"'s headers'
is "$(j .aitools.ratelimit)" \
	'{"requests":{"limit":50,"remaining":49,"reset":"2026-12-07T19:55:00.000Z"},"tokens":{"limit":48000,"remaining":47000,"reset":"2026-12-07T19:55:00.124Z"},"input_tokens":{"limit":40000,"remaining":39000,"reset":"2026-12-07T19:55:01.000Z"},"output_tokens":{"limit":8000,"remaining":8000,"reset":"2026-12-07T19:55:00.000Z"}}' \
	'all four windows, in UTC, a fraction of a millisecond rounded up'

# --- a 429 and the wait it asks for
answer limited.http 429 "$LIMIT" 'retry-after: 2' \
	'x-ratelimit-remaining-requests: 0' 'x-ratelimit-reset-requests: 2s'
serve limited.http
run --max-attempts 1
is "$(j '[.error.code, .error.status, (.aitools.ratelimit | keys_unsorted)]')" \
	'["rate_limited",429,["requests","retry_after"]]' \
	'a 429: its error record has the headers too'
is "$(j .aitools.ratelimit.requests.remaining)" 0 'a count of 0 is kept'
is "$(within .retry_after 2000)" true 'retry-after 2: 2 s after the headers came'
answer limited-ms.http 429 "$LIMIT" 'retry-after: 9' 'retry-after-ms: 1500'
serve limited-ms.http
run --max-attempts 1
is "$(within .retry_after 1500)" true 'retry-after-ms wins over retry-after'
answer limited-date.http 503 '{"error":{"message":"busy"}}' \
	'Retry-After: Sun, 01 Jan 2040 00:00:00 GMT'
serve limited-date.http
run --max-attempts 1
is "$(j '[.error.code, .aitools.ratelimit]')" \
	'["server",{"retry_after":"2040-01-01T00:00:00.000Z"}]' \
	'Retry-After as an HTTP date, with any status'

# --- the last attempt's answer, not an earlier one's
answer plain.http 200 "$CHAT" 'x-request-id: req_3'
answer later.http 200 "$CHAT" 'x-ratelimit-remaining-requests: 7'
answer first.http 429 "$LIMIT" 'retry-after-ms: 10' \
	'x-ratelimit-remaining-requests: 0' 'x-ratelimit-limit-tokens: 1000'
serve first.http later.http
run
is "$(j '[.response.status_code, .aitools.attempts, .aitools.ratelimit]')" \
	'[200,2,{"requests":{"remaining":7}}]' \
	'a 429 then an answer: only the answer'"'"'s headers'
serve first.http plain.http
run
is "$(j '[.response.status_code, .aitools.attempts, (.aitools | has("ratelimit"))]')" \
	'[200,2,false]' 'none when the last answer had none'

# --- absent or garbage
serve plain.http
run
is "$(j '.aitools | has("ratelimit")')" false 'no headers: no member'
answer garbage.http 200 "$CHAT" 'x-ratelimit-limit-requests: -1' \
	'x-ratelimit-remaining-requests: 12' 'x-ratelimit-limit-tokens: 1e6' \
	'x-ratelimit-remaining-tokens: 99999999999999999999' \
	'x-ratelimit-reset-requests: soon' 'x-ratelimit-reset-tokens: 1d' \
	'anthropic-ratelimit-tokens-reset: 2026-13-07T19:55:00Z' \
	'anthropic-ratelimit-input-tokens-limit: 5 tokens' \
	'retry-after: later' 'retry-after-ms: -5' \
	'x-ratelimit-limit: 100' 'X-RateLimit-Reset: 1795430141'
serve garbage.http
run
is "$(j '[.response.status_code, .aitools.ratelimit]')" \
	'[200,{"requests":{"remaining":12}}]' \
	'values that do not parse are left out, and other names ignored'
answer allbad.http 200 "$CHAT" 'x-ratelimit-limit-requests: lots' \
	'anthropic-ratelimit-requests-reset: tomorrow' 'retry-after: 1e3'
serve allbad.http
run
is "$(j '[.response.status_code, (.aitools | has("ratelimit"))]')" '[200,false]' \
	'only garbage: no member, and a good record'
answer case.http 200 "$CHAT" 'X-RATELIMIT-LIMIT-REQUESTS:5' \
	'X-RateLimit-Remaining-Requests:   4   '
serve case.http
run
is "$(j .aitools.ratelimit)" '{"requests":{"limit":5,"remaining":4}}' \
	'names in any case, values with or without blanks'

# --- a result replaces an old record's member
serve plain.http
printf '%s\n' '{"prompt":"hi","aitools":{"ratelimit":{"requests":{"limit":1}},"x":1}}' |
    aiq -J >out.json
is "$(j '[.response.status_code, .aitools.x, (.aitools | has("ratelimit"))]')" \
	'[200,1,false]' 'an old record'"'"'s ratelimit goes with its result'
serve openai.http
printf '%s\n' '{"prompt":"hi","aitools":{"ratelimit":{"requests":{"limit":1}},"x":1}}' |
    aiq -J >out.json
is "$(j '[.aitools.x, .aitools.ratelimit.requests.limit]')" '[1,500]' \
	'or is replaced by the new one'
printf '%s\n' '{"custom_id":"a","prompt":"hi"}' '{"custom_id":"b","prompt":"hi"}' |
    aiq -J -j 2 >out.json
is "$(jq -c '[.custom_id, .aitools.ratelimit.requests.limit]' out.json | sort | tr -d '\n')" \
	'["a",500]["b",500]' 'every record of a run has its own'

# --- -l and text mode
printf 'hi\n' | aiq -l >out.json 2>err.txt
is "$(j .aitools.ratelimit.requests.remaining)" 499 '-l records have it too'
is "$(aiq --no-stream hi </dev/null 2>err.txt)" hello 'text mode prints the answer alone'
is "$(cat err.txt)" '' 'and says nothing of the headers'

done_testing
