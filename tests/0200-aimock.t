#!/bin/sh
# aimock: the fake OpenAI provider the other tests stand on.
. "$(dirname "$0")/lib.sh"

plan 64

hello='{"model":"gpt-test","messages":[{"role":"system","content":"You are terse."},{"role":"user","content":"Say hello"}]}'

# --- startup and the success body
start_mock -L "$SCRATCH/requests.log"
like "$MOCK_PORT" '^[1-9][0-9]*$' 'prints the port it listens on'
first_port=$MOCK_PORT first_pid=$MOCK_PID first_url=$MOCK_URL

post "$hello"
is "$code" 200 'chat completion succeeds'
is "$(jq -r '.choices[0].message.content' out.json)" 'Echo: Say hello' \
	'echoes the last user message'
is "$(jq -r .model out.json)" gpt-test 'echoes the model'
is "$(jq -r .object out.json)" chat.completion 'object is chat.completion'
like "$(jq -r .id out.json)" '^chatcmpl-mock-[0-9]+$' 'completion id'
is "$(jq -r '.choices[0].finish_reason' out.json)" stop 'finish_reason stop'
# 3 + (4 + ceil(14/4)) + (4 + ceil(9/4)) = 18; ceil(15/4) = 4
is "$(jq -c '[.usage.prompt_tokens, .usage.completion_tokens, .usage.total_tokens]' out.json)" \
	'[18,4,22]' 'usage counts the prompt and the reply'
like "$(header x-request-id)" '^req_mock_[0-9]+$' 'x-request-id header'
is "$(header content-type)" application/json 'content type is JSON'

post '{"messages":[{"role":"user","content":[{"type":"text","text":"a"},{"type":"image_url","image_url":{"url":"x"}},{"type":"text","text":"b"}]}]}'
is "$(jq -r '.choices[0].message.content + " " + .model' out.json)" 'Echo: ab mock' \
	'joins text parts; model defaults to mock'

post '{"messages":[{"role":"user","content":"Tell me a long story"}],"max_tokens":2}'
is "$(jq -r '.choices[0].finish_reason' out.json)" length 'max_tokens cuts the reply'
is "$(jq -r '.choices[0].message.content' out.json)" 'Echo: Te' \
	'the cut reply is 4 bytes a token'
is "$(jq .usage.completion_tokens out.json)" 2 'completion tokens within max_tokens'

# --- per-request overrides
post "$hello" -H 'X-Mock-Status: 503'
is "$code" 503 'X-Mock-Status sets the status'
is "$(jq -r .error.type out.json)" server_error '5xx is a server_error'
like "$(header x-request-id)" '^req_mock_' 'errors carry x-request-id'

post '{"messages":[{"role":"user","content":"hi [[mock status=429 code=insufficient_quota]]"}]}' \
	-H 'X-Mock-Status: 500'
is "$code" 429 'the directive beats the header'
is "$(jq -c .error out.json)" \
	'{"message":"You exceeded your current quota, please check your plan and billing details. (mock)","type":"insufficient_quota","param":null,"code":"insufficient_quota"}' \
	'insufficient_quota error body'

post "$hello" -H 'X-Mock-Status: 429'
is "$(jq -r '.error.type + " " + .error.code' out.json)" 'requests rate_limit_exceeded' \
	'plain 429 is a rate limit'

post "$hello" -H 'X-Mock-Status: 404'
is "$(jq -r .error.message out.json)" \
	'The model `gpt-test` does not exist or you do not have access to it.' \
	'404 names the model'

post "$hello" -H 'X-Mock-Status: nonsense'
is "$code" 400 'a bad X-Mock-Status is a bad request'

# --- bad requests
post '{"messages": [oops'
is "$code" 400 'invalid JSON is a bad request'
is "$(jq -r .error.type out.json)" invalid_request_error 'with an OpenAI error body'
post '{"model":"x"}'
like "$(jq -r .error.message out.json)" messages 'a missing messages array is named'
deep=$(awk 'BEGIN { for (i = 0; i < 300; i++) printf "["; for (i = 0; i < 300; i++) printf "]" }')
post "{\"messages\":[],\"x\":$deep}"
is "$code:$(jq -r .error.message out.json)" \
	'400:We could not parse the JSON body of your request: nested deeper than 128 levels (mock)' \
	'a deeply nested body is refused'

code=$(curl -s -o out.json -w '%{http_code}' "$MOCK_URL/nowhere")
is "$code" 404 'unknown path is 404'
is "$(jq -r .error.message out.json)" 'Unknown request URL: GET /v1/nowhere' \
	'the 404 names the method and path'

is "$(curl -s "$MOCK_URL/models" | jq -r '.data[0].id')" mock 'lists the mock model'

# --- latency
post '{"messages":[{"role":"user","content":"wait [[mock latency=300]]"}]}' \
	-H 'X-Mock-Latency: 5000' -o /dev/null -w ' %{time_total}'
t=${code#* }
check 'a 300 ms latency takes at least 0.3 s' \
	awk -v t="$t" 'BEGIN { exit !(t >= 0.3 && t < 3) }'
is "$(header openai-processing-ms)" 300 'openai-processing-ms reports the latency'

# --- the request log
n=$(wc -l <"$SCRATCH/requests.log")
is "$n" 14 'the log has one line per request'
is "$(head -n1 "$SCRATCH/requests.log" | jq -r '.method + " " + .path + " " + .body.model')" \
	'POST /v1/chat/completions gpt-test' 'logs method, path and body'
is "$(head -n1 "$SCRATCH/requests.log" | jq -r '.headers["content-type"]')" \
	application/json 'logs lowercased headers'
is "$(jq -r 'select(.headers["x-mock-status"] == "503") | .body.model' \
	"$SCRATCH/requests.log")" gpt-test 'logs the X-Mock headers'
is "$(grep nowhere "$SCRATCH/requests.log" | jq -c .body)" null \
	'a request without a body logs null'
is "$(jq -r 'select(.body | type == "string") | .body' "$SCRATCH/requests.log" | head -n1)" '{"messages": [oops' \
	'a body that is not JSON is logged as a string'
curl -s -o /dev/null "$MOCK_URL/models?a=1&b&a=2&c=&key=sk-q-789"
is "$(tail -n1 "$SCRATCH/requests.log" | jq -c .query)" \
	'{"a":["1","2"],"b":null,"c":"","key":"[redacted]"}' \
	'logs the query arguments, repeats as an array, a key redacted'
is "$(head -n1 "$SCRATCH/requests.log" | jq -c 'has("query")')" false \
	'and no query member for a URL without a query'
curl -s -o /dev/null -H "$(printf 'X-\377\376: v')" -H "$(printf 'X-\303\251: w')" "$MOCK_URL/models"
is "$(tail -n1 "$SCRATCH/requests.log" | jq -c '[.headers["x-??"], .headers["x-é"]]')" \
	'["v","w"]' 'a header name that is not UTF-8 is logged with ? for its bytes'

# --- flags, on a second mock beside the first
start_mock -r 'Fixed answer.' -s 201
check 'two mocks listen side by side' test "$MOCK_PORT" != "$first_port"
post "$hello"
is "$code:$(jq -r '.choices[0].message.content' out.json)" '201:Fixed answer.' \
	'--reply and a 2xx --status'
stop_mock

start_mock --status 502
post "$hello"
is "$code:$(jq -r .error.type out.json)" 502:server_error '--status 502 fails every call'
stop_mock

AIMOCK_API_KEY=sk-mock-secret-123 start_mock -L "$SCRATCH/keys.log"
code=$(curl -s -o out.json -w '%{http_code}' -H 'Authorization: Bearer sk-wrong-456' \
	"$MOCK_URL/models")
is "$code:$(jq -r .error.code out.json)" 401:invalid_api_key 'a wrong key gets 401'
unlike "$(cat out.json)" 'sk-wrong|sk-mock' 'the 401 never echoes a key'
is "$(curl -s -H 'Authorization: Bearer sk-mock-secret-123' "$MOCK_URL/models" | jq -r .object)" \
	list 'the right bearer key is accepted'
is "$(curl -s -H 'x-api-key: sk-mock-secret-123' "$MOCK_URL/models" | jq -r .object)" \
	list 'the right x-api-key is accepted'
is "$(curl -s -H 'api-key: sk-mock-secret-123' "$MOCK_URL/models" | jq -r .object)" \
	list 'the right api-key is accepted'
stop_mock
is "$(head -n1 "$SCRATCH/keys.log" | jq -r .headers.authorization)$(cat "$SCRATCH/keys.log" "$SCRATCH"/mock.port.* | grep -c sk-)" \
	'Bearer [redacted]0' 'neither the log nor stderr holds a key'
# --- the first mock still answers, then stops cleanly
MOCK_URL=$first_url
post "$hello"
is "$code" 200 'the first mock still answers'
kill -TERM "$first_pid"
wait "$first_pid"
is "$?" 0 'SIGTERM stops aimock with status 0'

# --- the command line
synopsis='usage: aimock [-hV] [-b addr] [-d latency] [-L file] [-p port] [-r reply]
              [-s status] [--cache-read tokens] [--cache-write tokens]
              [--chunk-delay ms] [--code code] [--fail list] [--fail-first n]
              [--fail-rate p] [--fault kind] [--itpm tokens]
              [--otpm tokens] [--pad size] [--prompt-tokens n]
              [--retry-after seconds] [--retry-after-ms ms]
              [--rpm requests] [--tpm tokens]'
aimock -h >help.txt
is "$?:$(sed '/^$/,$d' help.txt)" "0:$synopsis" '-h prints the synopsis'
missing=
for o in $(sed -n '/struct option longopts/,/{ *NULL/p' "$TESTS/../cmd/aimock/main.c" |
    sed -n 's/.*{ *"\([a-z-]*\)".*/\1/p'); do
	grep -Eq -- "^  (-[a-zA-Z], |    )--$o( [a-z]+)? +[a-z][^ ]* [^ ]" help.txt ||
	    missing="$missing $o"
done
is "$missing" '' '-h then gives every option a line with a description'
check '-h: lines of 80 columns at most' sh -c "! awk 'length > 80' help.txt | grep -q ."
aimock --bogus >/dev/null 2>err.txt
is "$?" 2 'a bad option exits 2'
like "$(head -n 1 err.txt)" '^aimock: .*bogus' 'and says why'
is "$(sed 1d err.txt)" "$synopsis" 'then prints only the synopsis'
aimock -p 70000 >/dev/null 2>err.txt
is "$?:$(head -n 1 err.txt)" "2:aimock: --port '70000': not a whole number from 0 to 65535" \
	'a bad port exits 2 and says why in the shape of every option'
aimock -b 1.2.3 -r "$(printf 'a\377')" >/dev/null 2>err.txt
is "$?:$(head -n 1 err.txt)" "2:aimock: --bind '1.2.3': not an IPv4 address" '--bind'
aimock -r "$(printf 'a\377')" >/dev/null 2>err.txt
is "$?:$(head -n 1 err.txt)" "2:aimock: --reply 'a\\xff': not UTF-8" \
	'--reply that is not UTF-8, shown escaped'
aimock x >/dev/null 2>err.txt
is "$?:$(head -n 1 err.txt)" "2:aimock: unexpected argument: 'x'" 'an argument is a usage error'
is "$(aimock --version)" 'aimock 0.1.0' '--version'
if [ -w /dev/full ]; then
	aimock -h >/dev/full 2>err.txt
	is "$?:$(cat err.txt)" '1:aimock: write error: No space left on device' \
		'-h to a full disk fails'
	aimock -V >/dev/full 2>err.txt
	is "$?:$(cat err.txt)" '1:aimock: write error: No space left on device' \
		'-V to a full disk fails'
else
	pass '-h to a full disk (skipped: no /dev/full)'
	pass '-V to a full disk (skipped: no /dev/full)'
fi

done_testing
