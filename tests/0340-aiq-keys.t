#!/bin/sh
# aiq: keys from the environment, a file or a command; never leaked;
# plain http only to loopback.
. "$(dirname "$0")/lib.sh"

plan 21

KEY=sk-test-SECRET0123456789abcdef
export AIMOCK_API_KEY=$KEY
start_mock -L "$SCRATCH/sent.log"
unset AIMOCK_API_KEY

run() {
	printf '{"prompt":"hello"}\n{"prompt":"x [[mock status=401]]"}\n' |
	    aiq -J --log-content "$@" >>out.jsonl 2>>err.txt
}

OPENAI_API_KEY=$KEY run
is "$(head -n1 out.jsonl | jq -r .response.status_code)" 200 'the key from OPENAI_API_KEY is sent'
is "$(head -n1 sent.log | jq -r .headers.authorization)" 'Bearer [redacted]' \
	'as a bearer token'

printf '%s\n' "$KEY" >key.txt
chmod 600 key.txt
OPENAI_API_KEY=sk-wrong run --key-file key.txt
is "$(sed -n 3p out.jsonl | jq -r .response.status_code)" 200 '--key-file beats the environment'

run --key-command "printf %s $KEY"
is "$(sed -n 5p out.jsonl | jq -r .response.status_code)" 200 '--key-command'
# the command runs as from the shell: SIGPIPE ends yes(1) quietly
aiq -J --key-command "yes 2>kc.err | head -c1 >/dev/null; printf %s $KEY" </dev/null >/dev/null
is "$?:$(cat kc.err)" '0:' '--key-command runs with the signals of the shell, SIGPIPE not ignored'
aiq -J --key-command yes </dev/null >/dev/null 2>yes.err
is "$?:$(cat yes.err)" '1:aiq: key command printed more than a key could be (60 seconds, 16 MiB at most): killed' \
	'a key command that writes without end is killed, not read for ever'

OPENAI_API_KEY=sk-wrong-key-000000000000 run
is "$(sed -n 7p out.jsonl | jq -r .error.code)" auth 'a wrong key is an auth error'

aiq -J --key-file missing.txt </dev/null >/dev/null 2>>err.txt
is "$?" 1 'a missing key file is a fatal error'
aiq -J --key-command false </dev/null >/dev/null 2>>err.txt
is "$?" 1 'a failing key command is a fatal error'
printf '' >empty.txt
aiq -J --key-file empty.txt </dev/null >/dev/null 2>>err.txt
is "$?" 1 'an empty key file is a fatal error'

# the key must appear nowhere
sqlite3_dump() {
	# the usage log, as text, without needing the sqlite3 program
	strings "$AIQ_USAGE_LOG"* 2>/dev/null
}
for f in out.jsonl err.txt; do
	if grep -q "SECRET0123" "$f"; then fail "no key in $f"; else pass "no key in $f"; fi
done
if sqlite3_dump | grep -q SECRET0123; then fail 'no key in the usage log'
else pass 'no key in the usage log'; fi
if grep -q SECRET0123 sent.log; then fail 'no key in the mock log'
else pass 'no key in the mock log (the mock redacts it)'; fi

# off loopback: a key is required, and https
printf '{"prompt":"x"}\n' |
    OPENAI_BASE_URL=https://api.example.invalid/v1 aiq -J >k.jsonl 2>/dev/null
is "$?:$(jq -r .error.code k.jsonl)" 1:auth 'no key off loopback: the records for it fail'
like "$(jq -r .error.message k.jsonl)" 'no API key for openai: set OPENAI_API_KEY' \
	'and say how to give one'
OPENAI_BASE_URL=https://api.example.invalid/v1 aiq -J -P openai </dev/null >/dev/null 2>k.err
is "$?" 1 'with the provider named, no key is fatal at once'
like "$(cat k.err)" 'no API key for openai: set OPENAI_API_KEY' 'saying how to give one'
OPENAI_API_KEY=$KEY OPENAI_BASE_URL=http://api.example.invalid/v1 aiq -J </dev/null >/dev/null 2>h.err
is "$?" 1 'plain http off loopback is refused'
like "$(cat h.err)" 'allow-http' 'and the message names --allow-http'
printf '{"prompt":"x"}\n' | OPENAI_API_KEY=$KEY aiq -J -T 2s --allow-http \
	--base-url http://example.invalid/v1 >h.jsonl 2>/dev/null
is "$(jq -r .error.code h.jsonl)" network '--allow-http lets plain http through'

done_testing
