#!/bin/sh
# aimock: the faults that send bytes that are not UTF-8 (bad_utf8,
# bad_utf8_error, bad_utf8_header) and long multibyte messages
# (long_error, stream_error), on both routes, plain and streamed, checked
# on the raw bytes sent.
. "$(dirname "$0")/lib.sh"

plan 40

words='{"model":"m","messages":[{"role":"user","content":"one two three four"}]}'
swords='{"model":"m","stream":true,"messages":[{"role":"user","content":"one two three four"}]}'
awords='{"model":"m","max_tokens":99,"messages":[{"role":"user","content":"one two three four"}]}'
aswords='{"model":"m","max_tokens":99,"stream":true,"messages":[{"role":"user","content":"one two three four"}]}'

# hex [FILE]: the bytes of FILE (or stdin) as lowercase hex, in one line.
hex() {
	od -An -v -tx1 ${1:+"$1"} | tr -d ' \n'
}

# The bytes of the bad_utf8 faults: " é€ ", 0xff 0xfe, " ", 0xc3 "(",
# " ", 0x80.
bad=20c3a9e282ac20fffe20c3282080
four=666f7572			# "four"
ff=$(printf '\377')
# 300 "é": the message of long_error and stream_error.
long=$(awk 'BEGIN { for (i = 0; i < 300; i++) printf "\303\251" }')

# nonascii FILE: FILE with every byte above 0x7f removed, so that jq can
# tell whether they were the only thing wrong.
nonascii() {
	LC_ALL=C tr -d '\200-\377' <"$1"
}

start_mock

# --- bad_utf8: a 200 body that is not UTF-8, so not JSON
post "$words" -H 'X-Mock-Fault: bad_utf8'
is "$code:$(header content-type)" 200:application/json 'bad_utf8: a 200 of type JSON'
like "$(hex out.json)" "${four}${bad}222c227265667573616c22" \
	'bad_utf8: the reply ends with the bytes, raw, before its closing quote'
check 'bad_utf8: the body is not UTF-8, so not JSON' \
	sh -c '! iconv -f UTF-8 -t UTF-8 out.json >/dev/null 2>&1'
is "$(nonascii out.json | jq -r '.choices[0].message.content')" 'Echo: one two three four   ( ' \
	'bad_utf8: and nothing but those bytes is wrong'

msg "$awords" -H 'X-Mock-Fault: bad_utf8'
like "$code:$(hex out.json)" "^200:.*${four}${bad}227d5d" \
	'bad_utf8: on the Anthropic route, at the end of the text block'

post "$swords" -H 'X-Mock-Fault: bad_utf8'
is "$code:$(grep -c "$ff" out.json)" 200:1 'bad_utf8: streamed, one event holds the bytes'
like "$(grep "$ff" out.json | hex)" "^646174613a207b.*22636f6e74656e74223a22${bad}227d" \
	'bad_utf8: the last piece of the reply, a data: line'
is "$(grep -v "$ff" out.json | sed -n 's/^data: //p' | grep -v DONE |
	jq -j '.choices[0].delta.content // empty'):$(tail -n 2 out.json | head -n 1)" \
	'Echo: one two three four:data: [DONE]' \
	'bad_utf8: the other events are whole, and the stream ends'

msg "$aswords" -H 'X-Mock-Fault: bad_utf8'
is "$(grep -c "$ff" out.json):$(grep "$ff" out.json | cut -c1-52)" \
	'1:data: {"type":"content_block_delta","index":0,"delta' \
	'bad_utf8: an Anthropic stream, in a content_block_delta'
is "$(grep -c '^event: message_stop' out.json)" 1 'bad_utf8: which ends as usual'

# --- bad_utf8_error: an error message with the bytes raw in the JSON text
post "$words" -H 'X-Mock-Fault: bad_utf8_error'
is "$code" 500 'bad_utf8_error: a 500 by default'
like "$(hex out.json)" "^7b226572726f72223a7b226d657373616765223a224261642062797465733a${bad}20286d6f636b29222c" \
	'bad_utf8_error: {"error":{"message":"Bad bytes:<the bytes> (mock)",'
is "$(nonascii out.json | jq -r .error.type)" server_error 'bad_utf8_error: of type server_error'
post "$words" -H 'X-Mock-Fault: bad_utf8_error' -H 'X-Mock-Status: 400'
is "$code:$(nonascii out.json | jq -r .error.type)" 400:invalid_request_error \
	'bad_utf8_error: the status knob chooses the error'
msg "$awords" -H 'X-Mock-Fault: bad_utf8_error'
like "$code:$(hex out.json)" "^500:.*226d657373616765223a224261642062797465733a${bad}20286d6f636b29227d7d" \
	'bad_utf8_error: on the Anthropic route'

# --- bad_utf8_header: byte 0xff in the request id
post "$words" -H 'X-Mock-Fault: bad_utf8_header'
is "$code:$(jq -r '.choices[0].message.content' out.json)" '200:Echo: one two three four' \
	'bad_utf8_header: the answer is as usual'
like "$(grep -i '^x-request-id' out.hdr | hex)" '^782d726571756573742d69643a207265715f6d6f636b5fff[0-9a-f]*0d0a$' \
	'bad_utf8_header: x-request-id: req_mock_<0xff>N'
post "$swords" -H 'X-Mock-Fault: bad_utf8_header'
is "$(grep -ci "^x-request-id: req_mock_$ff" out.hdr):$(grep -c '^data: \[DONE\]' out.json)" 1:1 \
	'bad_utf8_header: streamed too'
msg "$awords" -H 'X-Mock-Fault: bad_utf8_header'
like "$code:$(grep -i '^request-id' out.hdr | hex)" '^200:726571756573742d69643a207265715f6d6f636b5fff' \
	'bad_utf8_header: request-id on the Anthropic route'
post "$words" -H 'X-Mock-Fault: bad_utf8_header' -H 'X-Mock-Status: 503'
is "$code:$(grep -ci "^x-request-id: req_mock_$ff" out.hdr)" 503:1 \
	'bad_utf8_header: on an error too'

# --- long_error: 600 bytes of "é", cut mid-character at 255 bytes
post "$words" -H 'X-Mock-Fault: long_error'
is "$code:$(jq -r .error.type out.json)" 500:server_error 'long_error: a 500 by default'
jq -j .error.message out.json >message.txt
is "$(cat message.txt)" "$long" 'long_error: the message is 300 "é"'
is "$(wc -c <message.txt | tr -d ' '):$(head -c 255 message.txt | tail -c 1 | hex)" 600:c3 \
	'long_error: 600 bytes; the 255th is the first of a character'
post "$swords" -H 'X-Mock-Fault: long_error' -H 'X-Mock-Status: 400'
is "$code:$(header content-type):$(jq -r .error.type out.json)" \
	400:application/json:invalid_request_error \
	'long_error: with the status knob, and as JSON for a streamed request'
msg "$awords" -H 'X-Mock-Fault: long_error' -H 'X-Mock-Status: 529'
is "$code:$(jq -r .error.type out.json):$(jq -j .error.message out.json | wc -c | tr -d ' ')" \
	529:overloaded_error:600 'long_error: on the Anthropic route'
body='{"messages":[{"role":"user","content":"x [[mock fail_first=1 fail=long_error]]"}]}'
post "$body"
is "$code:$(jq -j .error.message out.json | wc -c | tr -d ' ')" 500:600 \
	'long_error: an item of a fail list'
post "$body"
is "$code" 200 'then success'

# --- stream_error: a stream broken off by an error event
post "$swords" -H 'X-Mock-Fault: stream_error'
is "$code:$(header content-type)" 200:text/event-stream 'stream_error: a 200 stream'
is "$(sed -n 's/^data: //p' out.json | grep -v error | jq -j '.choices[0].delta.content // empty')" \
	'Echo: one ' 'stream_error: after half the pieces of the reply'
is "$(tail -n 2 out.json | head -n 1 | sed 's/^data: //' | jq -c '.error | [.type, .code, (.message | length)]')" \
	'["server_error",null,300]' 'stream_error: the last event is data: {"error":...}'
is "$(sed -n 's/^data: //p' out.json | jq -r 'select(.error) | .error.message')" "$long" \
	'stream_error: its message is that of long_error'
is "$(grep -c DONE out.json):$(tail -c 2 out.json | hex)" 0:0a0a \
	'stream_error: no [DONE], and the event is whole'

msg "$aswords" -H 'X-Mock-Fault: stream_error' -H 'X-Mock-Status: 529'
is "$(tail -n 3 out.json | head -n 1)" 'event: error' 'stream_error: Anthropic: event: error'
is "$(tail -n 2 out.json | head -n 1 | sed 's/^data: //' | jq -c '[.type, .error.type, (.error.message | length)]')" \
	'["error","overloaded_error",300]' 'stream_error: with the type of the status knob'
is "$(grep -c '^event: content_block_delta' out.json):$(grep -c 'message_stop' out.json)" 2:0 \
	'stream_error: after half the pieces, and no message_stop'

post "$words" -H 'X-Mock-Fault: stream_error'
is "$code:$(jq -j .error.message out.json | wc -c | tr -d ' ')" 500:600 \
	'stream_error: a plain request gets long_error'

# --- prompt_tokens: counts a careless server would send
post '{"model":"m","messages":[{"role":"user","content":"hi [[mock prompt_tokens=-5000]]"}]}'
is "$(jq -c '.usage.prompt_tokens' out.json)" -5000 'prompt_tokens=-5000 is reported as is'
post '{"model":"m","messages":[{"role":"user","content":"hi"}]}' -H 'X-Mock-Prompt-Tokens: 9223372036854775807'
is "$(grep -o '"prompt_tokens":[0-9-]*' out.json)" '"prompt_tokens":9223372036854775807' \
	'2^63-1 too (its total wraps, as a careless server would)'
msg '{"model":"claude-x","max_tokens":5,"messages":[{"role":"user","content":"hi [[mock prompt_tokens=-7]]"}]}'
is "$(jq -c '.usage.input_tokens' out.json)" -7 'and as Anthropic input_tokens'

is "$(cat "$SCRATCH/mock.port.$_mock_n.err")" '' 'stderr stays quiet'

done_testing
