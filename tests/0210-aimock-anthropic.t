#!/bin/sh
# aimock: the Anthropic Messages API, its checks, its errors and the cache
# token knobs.
. "$(dirname "$0")/lib.sh"

plan 37

hello='{"model":"claude-test","max_tokens":64,"system":"You are terse.","messages":[{"role":"user","content":"Say hello"}]}'

start_mock -L "$SCRATCH/requests.log"

# --- the success body
msg "$hello"
is "$code" 200 'a message succeeds'
# 3 + (4 + ceil(14/4)) for the system prompt + (4 + ceil(9/4)) = 18, as on
# the OpenAI route; the reply "Echo: Say hello" is ceil(15/4) = 4 tokens
is "$(jq -c . out.json)" \
	'{"id":"msg_mock_1","type":"message","role":"assistant","model":"claude-test","content":[{"type":"text","text":"Echo: Say hello"}],"stop_reason":"end_turn","stop_sequence":null,"usage":{"input_tokens":18,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":4}}' \
	'the body has the shape of the real API'
is "$(header request-id)" req_mock_1 'request-id header'
is "$(header x-request-id)" '' 'no x-request-id on the Anthropic route'
is "$(header content-type)" application/json 'content type is JSON'

msg '{"model":"m","max_tokens":9,"system":[{"type":"text","text":"abcd"},{"type":"text","text":"efgh"}],"messages":[{"role":"user","content":"hi"},{"role":"assistant","content":"ho"},{"role":"user","content":[{"type":"text","text":"a"},{"type":"image","source":{"type":"url","url":"x"}},{"type":"text","text":"b"}]}]}'
is "$(jq -r '.content[0].text' out.json)" 'Echo: ab' \
	'echoes the text blocks of the last user message'
# 3 + (4 + 2) system + (4 + 1) + (4 + 1) + (4 + 1)
is "$(jq .usage.input_tokens out.json)" 24 'system blocks and every message count'

msg '{"model":"m","max_tokens":2,"messages":[{"role":"user","content":"Tell me a long story"}]}'
is "$(jq -c '[.content[0].text, .stop_reason, .usage.output_tokens]' out.json)" \
	'["Echo: Te","max_tokens",2]' 'max_tokens cuts the reply: stop_reason max_tokens'

# --- the checks of the real API
code=$(curl -s -o out.json -w '%{http_code}' --data-binary "$hello" "$MOCK_URL/messages")
is "$code:$(jq -c . out.json)" \
	'400:{"type":"error","error":{"type":"invalid_request_error","message":"anthropic-version header is required"}}' \
	'a missing anthropic-version header is a 400'
msg '{"model":"m","messages":[{"role":"user","content":"hi"}]}'
is "$code:$(jq -r '.type + " " + .error.type + " " + .error.message' out.json)" \
	'400:error invalid_request_error max_tokens: Field required' \
	'a missing max_tokens is a 400'
msg '{"model":"m","max_tokens":0,"messages":[{"role":"user","content":"hi"}]}'
is "$code" 400 'max_tokens below 1 is a 400'
msg '{"max_tokens":5,"messages":[{"role":"user","content":"hi"}]}'
is "$code:$(jq -r .error.message out.json)" '400:model: Field required' \
	'a missing model is a 400'
msg '{"model":"m","max_tokens":5,"messages":"hi"}'
like "$code:$(jq -r .error.message out.json)" '^400:messages: ' \
	'messages that are not a list are a 400'
msg '{"model":"m","max_tokens":5,"messages":[]}'
is "$code" 400 'an empty messages list is a 400'
msg '{"model":"m","max_tokens":5,"system":7,"messages":[{"role":"user","content":"hi"}]}'
like "$code:$(jq -r .error.message out.json)" '^400:system: ' \
	'a system prompt that is neither text nor blocks is a 400'
msg '{"model": [oops'
is "$code:$(jq -r .error.type out.json)" 400:invalid_request_error \
	'invalid JSON is a 400 in the Anthropic shape'
like "$(header request-id)" '^req_mock_[0-9]+$' 'errors carry request-id'

# --- error types by status, and the code knob
types=
for s in 400 403 404 413 429 500 503 529; do
	msg "$hello" -H "X-Mock-Status: $s"
	types="$types $code:$(jq -r .error.type out.json)"
done
is "$types" \
	' 400:invalid_request_error 403:permission_error 404:not_found_error 413:request_too_large 429:rate_limit_error 500:api_error 503:api_error 529:overloaded_error' \
	'each status has its error type'
msg "$hello" -H 'X-Mock-Status: 404'
is "$(jq -r .error.message out.json)" 'model: claude-test' '404 names the model'
msg "$hello" -H 'X-Mock-Status: 429' -H 'X-Mock-Code: billing_error'
is "$code:$(jq -r .error.type out.json)" 429:billing_error \
	'X-Mock-Code replaces the error type'
msg '{"model":"m","max_tokens":5,"messages":[{"role":"user","content":"x [[mock status=529 code=custom_error]]"}]}' \
	-H 'X-Mock-Status: 500'
is "$code:$(jq -r .error.type out.json)" 529:custom_error \
	'the directive beats the header'
msg "$hello" -H 'X-Mock-Status: nonsense'
is "$code:$(jq -r .error.message out.json)" \
	'400:Invalid X-Mock-Status header (mock)' 'a bad header is a 400'

code=$(curl -s -o out.json -w '%{http_code}' -H 'anthropic-version: 2023-06-01' \
	-d '{}' "$MOCK_URL/messages/batches")
is "$code:$(jq -r .error.message out.json)" \
	'404:Unknown request URL: POST /v1/messages/batches' \
	'unknown paths keep the OpenAI 404'

# --- cache tokens
msg '{"model":"m","max_tokens":50,"messages":[{"role":"user","content":"hi [[mock cache_read=100 cache_write=20]]"}]}'
is "$(jq -c .usage out.json)" \
	'{"input_tokens":18,"cache_creation_input_tokens":20,"cache_read_input_tokens":100,"output_tokens":12}' \
	'cache_read and cache_write fill the cache usage; input_tokens excludes them'
msg "$hello" -H 'X-Mock-Cache-Read: 7' -H 'X-Mock-Cache-Write: 3'
is "$(jq -c '[.usage.input_tokens, .usage.cache_read_input_tokens, .usage.cache_creation_input_tokens]' out.json)" \
	'[18,7,3]' 'X-Mock-Cache-Read and X-Mock-Cache-Write'
curl -s -o out.json -H 'X-Mock-Cache-Read: 7' -H 'X-Mock-Cache-Write: 3' \
	-d '{"messages":[{"role":"user","content":"Say hello"}]}' "$MOCK_URL/chat/completions"
# 3 + (4 + 3) = 10, and the 7 cached tokens within
is "$(jq -c '[.usage.prompt_tokens, .usage.prompt_tokens_details.cached_tokens, .usage.total_tokens]' out.json)" \
	'[17,7,21]' 'OpenAI counts cached tokens within prompt_tokens'

# --- the log
is "$(grep -c '"path":"/v1/messages"' "$SCRATCH/requests.log")" 25 \
	'the log has a line per message request'
is "$(head -n1 "$SCRATCH/requests.log" | jq -r '.headers["anthropic-version"] + " " + .body.model')" \
	'2023-06-01 claude-test' 'logs the headers and body'
stop_mock

# --- flags
start_mock --cache-read 5 --cache-write 6 -r 'Fixed.'
msg "$hello"
is "$(jq -c '[.content[0].text, .usage.cache_read_input_tokens, .usage.cache_creation_input_tokens]' out.json)" \
	'["Fixed.",5,6]' '--cache-read, --cache-write and --reply'
msg '{"model":"m","max_tokens":5,"messages":[{"role":"user","content":"[[mock cache_read=0]]"}]}' \
	-H 'X-Mock-Cache-Read: 9'
is "$(jq .usage.cache_read_input_tokens out.json)" 0 'the directive beats header and flag'
stop_mock

start_mock -s 529
msg "$hello"
is "$code:$(jq -r .error.type out.json)" 529:overloaded_error '-s 529 fails every message'
stop_mock

# --- keys
AIMOCK_API_KEY=sk-ant-mock-123 start_mock -L "$SCRATCH/keys.log"
msg "$hello" -H 'x-api-key: sk-ant-mock-123'
is "$code" 200 'the right x-api-key is accepted'
msg "$hello" -H 'x-api-key: sk-ant-wrong-456'
is "$code:$(jq -c . out.json)" \
	'401:{"type":"error","error":{"type":"authentication_error","message":"invalid x-api-key"}}' \
	'a wrong key is an authentication_error'
unlike "$(cat out.json)" 'sk-ant' 'the 401 never echoes a key'
code=$(curl -s -o out.json -w '%{http_code}' --data-binary "$hello" "$MOCK_URL/messages")
is "$code:$(jq -r .error.type out.json)" 401:authentication_error \
	'the key is checked before the version header'
msg "$hello" -H 'Authorization: Bearer sk-ant-mock-123'
is "$code" 200 'a bearer key is accepted too'
stop_mock
is "$(grep -c sk-ant "$SCRATCH/keys.log")" 0 'the log holds no key'

done_testing
