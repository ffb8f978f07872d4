#!/bin/sh
# aimock: Azure OpenAI's chat completions, on the deployment's path with
# an api-version in the query and the key in an api-key header.
. "$(dirname "$0")/lib.sh"

plan 36

# azure QUERY BODY [CURL-ARGS...]: POSTs BODY to the chat completions of
# the deployment $dep with the query QUERY ("" for none), leaving the
# body in out.json, the headers in out.hdr, the status in $code and
# curl's exit status in $rc.
azure() {
	_q=$1 _body=$2
	shift 2
	code=$(curl -sN -o out.json -D out.hdr -w '%{http_code}' "$@" \
	    -H 'Content-Type: application/json' --data-binary "$_body" \
	    "$AZURE/openai/deployments/$dep/chat/completions$_q")
	rc=$?
}

# data: the JSON of each data line of a stream in out.json but [DONE].
data() {
	sed -n 's/^data: //p' out.json | grep -v '^\[DONE\]$'
}

v='?api-version=2024-10-21'
hello='{"messages":[{"role":"user","content":"Say hello"}]}'
dep=gpt-4o-prod_1.5
notfound='{"error":{"code":"404","message":"Resource not found"}}'

start_mock -L "$SCRATCH/requests.log"
AZURE=http://127.0.0.1:$MOCK_PORT

# --- the answer, plain
azure "$v" "$hello" -H 'api-key: sk-azure-secret-123'
is "$code:$rc" 200:0 'the Azure path answers'
is "$(jq -r '.choices[0].message.content' out.json)" 'Echo: Say hello' \
	'with the echo of the OpenAI route'
is "$(jq -r .model out.json)" "$dep" 'a body without a model: the deployment is the model'
is "$(jq -r .object out.json)" chat.completion 'a chat.completion'
is "$(jq -c '[.usage.prompt_tokens, .usage.completion_tokens]' out.json)" \
	'[10,4]' 'counted as on the OpenAI route'
like "$(header x-request-id)" '^req_mock_[0-9]+$' 'x-request-id header'

azure "$v" '{"model":"gpt-test","messages":[{"role":"user","content":"hi"}]}'
is "$code:$(jq -r .model out.json)" 200:gpt-test 'a model the body names is echoed'

azure '?api-version=2025-04-01-preview' "$hello"
is "$code:$(jq -r .model out.json)" "200:$dep" 'a preview api-version'

# --- streamed
azure "$v" '{"stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"stream me please"}]}'
is "$code:$(header content-type)" 200:text/event-stream 'a stream on the Azure path'
is "$(data | jq -r .model | sort -u)" "$dep" 'every chunk names the deployment'
is "$(data | jq -j '.choices[0].delta.content // empty')" 'Echo: stream me please' \
	'the pieces make the reply'
is "$(data | tail -n1 | jq -c '[.choices, .usage.completion_tokens]')" '[[],6]' \
	'include_usage adds the usage'
is "$(sed -n 's/^data: //p' out.json | tail -n1)" '[DONE]' 'the stream ends with [DONE]'

# --- the api-version
azure '' "$hello"
is "$code:$(cat out.json)" "404:$notfound" 'no api-version: Azure'"'"'s 404'
azure '?api-version=0301' "$hello"
is "$code:$(cat out.json)" "404:$notfound" 'an api-version not a date: the same'
azure '?api-version=2024-10-21x' "$hello"
is "$code" 404 'a date followed by anything but -preview: the same'
azure '?api_version=2024-10-21' "$hello" -H 'X-Mock-Status: 200'
is "$code:$(cat out.json)" "404:$notfound" 'another argument is not the api-version, whatever the knobs'

# --- knobs, faults and bad requests, as on the OpenAI route
azure "$v" "$hello" -H 'X-Mock-Status: 429' -H 'X-Mock-Retry-After: 2'
is "$code:$(jq -r '.error.type + " " + .error.code' out.json):$(header retry-after)" \
	'429:requests rate_limit_exceeded:2' 'a header knob: an OpenAI error with its retry header'
azure "$v" '{"messages":[{"role":"user","content":"hi [[mock status=404]]"}]}'
is "$code:$(jq -r .error.message out.json)" \
	"404:The model \`$dep\` does not exist or you do not have access to it." \
	'a simulated 404 is OpenAI'"'"'s, naming the deployment'
azure "$v" '{"stream":true,"messages":[{"role":"user","content":"one two three four"}]}' \
	-H 'X-Mock-Fault: stream_error'
is "$code:$(data | tail -n1 | jq -r .error.type)" 200:server_error \
	'the stream_error fault ends the stream with an error event'
azure "$v" '{"messages": [oops'
is "$code:$(jq -r .error.type out.json)" 400:invalid_request_error 'invalid JSON is a bad request'

# --- paths that are not a deployment's
good=$dep
dep=$(printf '%064d' 0)
azure "$v" "$hello"
is "$code:$(jq -r .model out.json)" "200:$dep" 'a name of 64 bytes is a deployment'
dep=${dep}1
azure "$v" "$hello"
is "$code:$(jq -r .error.code out.json)" 404:unknown_url 'one of 65 bytes is an unknown path'
dep='a%20b'
azure "$v" "$hello"
is "$code:$(jq -r .error.code out.json)" 404:unknown_url 'a name with a space is an unknown path'
dep=
azure "$v" "$hello"
is "$code:$(jq -r .error.code out.json)" 404:unknown_url 'an empty name is an unknown path'
dep=$good
code=$(curl -s -o out.json -w '%{http_code}' "$AZURE/openai/deployments/$dep/chat/completions$v")
is "$code:$(jq -r .error.code out.json)" 404:unknown_url 'GET is an unknown path'

# --- the request log
line=$(head -n1 "$SCRATCH/requests.log")
is "$(printf '%s' "$line" | jq -c '[.path, .query]')" \
	"[\"/openai/deployments/$dep/chat/completions\",{\"api-version\":\"2024-10-21\"}]" \
	'the log has the path and the query'
is "$(printf '%s' "$line" | jq -r '.headers["api-key"]')" '[redacted]' \
	'and the api-key header redacted'
is "$(grep -c sk-azure "$SCRATCH/requests.log")" 0 'the key is nowhere in the log'
is "$(grep '"api-version":"0301"' "$SCRATCH/requests.log" | jq -c .query)" \
	'{"api-version":"0301"}' 'a refused request is logged with its query'
is "$(jq -c 'select(.headers["x-mock-status"] == "200") | .query' \
	"$SCRATCH/requests.log")" '{"api_version":"2024-10-21"}' \
	'and one without an api-version'
stop_mock

# --- a key, and the rate limits shared with the OpenAI route
AIMOCK_API_KEY=sk-azure-secret-123 start_mock --rpm 2
AZURE=http://127.0.0.1:$MOCK_PORT
azure "$v" "$hello" -H 'api-key: sk-azure-secret-123'
is "$code:$(jq -r .model out.json)" "200:$dep" 'the right api-key is accepted'
azure "$v" "$hello" -H 'api-key: sk-wrong-456'
is "$code:$(jq -r .error.code out.json)" 401:invalid_api_key 'a wrong api-key gets 401'
unlike "$(cat out.json)" 'sk-wrong|sk-azure' 'the 401 never echoes a key'
post "$hello" -H 'api-key: sk-azure-secret-123'
is "$code:$(header x-ratelimit-remaining-requests)" 200:0 \
	'the OpenAI route takes an api-key too, and the last request of --rpm 2'
azure "$v" "$hello" -H 'Authorization: Bearer sk-azure-secret-123'
is "$code:$(jq -r .error.type out.json)" 429:requests \
	'the Azure route takes a bearer key, and shares the OpenAI route'"'"'s limits'
stop_mock

done_testing
