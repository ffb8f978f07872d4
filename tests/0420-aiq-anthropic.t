#!/bin/sh
# aiq: Anthropic's Messages API, translated both ways, and batch lines.
. "$(dirname "$0")/lib.sh"

plan 32

export AIMOCK_API_KEY=sk-ant-mock-key
start_mock -L "$SCRATCH/sent.log"
export ANTHROPIC_API_KEY=sk-ant-mock-key OPENAI_API_KEY=sk-ant-mock-key
last() { tail -n 1 sent.log | jq -c "$1"; }

# --- the model picks the provider
out=$(aiq --no-stream -m claude-sonnet-4-5 'Summarise' </dev/null)
is "$out" 'Echo: Summarise' 'claude-* goes to Anthropic'
is "$(last '[.path, .headers["anthropic-version"], .headers["x-api-key"]]')" \
	'["/v1/messages","2023-06-01","[redacted]"]' \
	'to /v1/messages, with anthropic-version and x-api-key'
is "$(last '.headers | has("authorization")')" false 'and no Authorization header'
aiq --no-stream -m gpt-4o 'hi' >/dev/null
is "$(last .path)" '"/v1/chat/completions"' 'gpt-* goes to OpenAI'
aiq --no-stream -m o3-mini 'hi' >/dev/null
is "$(last .path)" '"/v1/chat/completions"' 'o3-mini goes to OpenAI'
aiq --no-stream -P openai -m claude-sonnet-4-5 'hi' >/dev/null
is "$(last .path)" '"/v1/chat/completions"' '-P openai overrides the model'
aiq --no-stream -P anthropic -m gpt-4o 'hi' >/dev/null
is "$(last .path)" '"/v1/messages"' '-P anthropic overrides the model'
aiq -P gemini 'hi' 2>err.txt; is "$?" 2 'an unknown provider is a usage error'

# --- requests in the common shape, translated
printf '%s\n' '{"custom_id":"t1","model":"claude-x","messages":[{"role":"system","content":"Be terse."},{"role":"developer","content":"No lists."},{"role":"user","content":"Hi"},{"role":"assistant","content":"Hello"},{"role":"user","content":[{"type":"text","text":"Again"},{"type":"image_url","image_url":{"url":"data:image/png;base64,iVBORw0KGgo="}}]}],"stop":"END","temperature":0.5,"user":"u42","seed":7}' |
    aiq -J >t1.json
is "$(last '.body | [.system, (.messages | length), .messages[0].role, .max_tokens, .stop_sequences, .temperature, .metadata.user_id, has("seed")]')" \
	'["Be terse.\n\nNo lists.",3,"user",4096,["END"],0.5,"u42",false]' \
	'system messages join, max_tokens defaults to 4096, stop and user map, seed is left out'
is "$(last '.body.messages[2].content')" \
	'[{"type":"text","text":"Again"},{"type":"image","source":{"type":"base64","media_type":"image/png","data":"iVBORw0KGgo="}}]' \
	'text and image parts become content blocks'
is "$(jq -c '[.custom_id, .response.status_code, .response.body.object, .response.body.choices[0].message.role, .response.body.choices[0].message.content, .response.body.choices[0].finish_reason]' t1.json)" \
	'["t1",200,"chat.completion","assistant","Echo: Again","stop"]' \
	'the answer comes back as a chat.completion'
like "$(jq -r .response.request_id t1.json)" '^req_mock_[0-9]+$' "Anthropic's request-id is kept"
is "$(jq -c '[.aitools.provider, .aitools.model, .aitools.attempts]' t1.json)" \
	'["anthropic","claude-x",1]' 'the metadata names the provider'

printf '{"prompt":"cached [[mock cache_read=100 cache_write=20]]","model":"claude-x"}\n' |
    aiq -J >u.json
is "$(jq -c '.response.body.usage | [.prompt_tokens - .input_tokens, .prompt_tokens_details.cached_tokens, .cache_read_input_tokens, .cache_creation_input_tokens, .total_tokens == .prompt_tokens + .completion_tokens]' u.json)" \
	'[120,100,100,20,true]' 'usage: prompt_tokens counts cache reads and writes, which are kept'
is "$(sqlite3 usage.db "SELECT provider, cached_tokens, cache_write_tokens FROM calls ORDER BY id DESC LIMIT 1")" \
	'anthropic|100|20' 'the usage log has the cache reads and writes'

printf '{"prompt":"a long answer here","model":"claude-x","max_tokens":2}\n' | aiq -J >len.json
is "$(jq -r '.response.body.choices[0].finish_reason' len.json)" length 'max_tokens stop is finish_reason length'
is "$(last .body.max_tokens)" 2 'and max_tokens is sent'

n0=$(wc -l <sent.log)
printf '{"prompt":"x","model":"claude-x","tools":[{"type":"function","function":{"name":"f"}}]}\n' |
    aiq -J >tools.json 2>/dev/null
is "$(jq -r .error.code tools.json)" bad_request 'tools cannot be translated: bad_request'
like "$(jq -r .error.message tools.json)" '"tools" cannot be sent to anthropic' 'naming what'
is "$(($(wc -l <sent.log) - n0))" 0 'and nothing is sent'
is "$(jq -c '.aitools | [has("attempts"), has("trace_id"), .provider]' tools.json)" \
	'[false,false,"anthropic"]' 'so the record counts no attempt'

# --- -H goes to the run's own provider only: it may hold its secrets
# (sent at once: in either order)
printf '{"prompt":"o"}\n{"prompt":"a","model":"claude-x"}\n' |
    aiq -J -H 'X-Gateway-Route: s3cret' >/dev/null
is "$(tail -n 2 sent.log | jq -c '[.path, .headers["x-gateway-route"]]' | sort | paste -sd' ')" \
	'["/v1/chat/completions","s3cret"] ["/v1/messages",null]' \
	'-H headers are sent to the run'"'"'s provider, not to another one'

# --- Anthropic Message Batches lines, sent as they are
params='{"model":"claude-x","max_tokens":100,"system":[{"type":"text","text":"Terse."}],"messages":[{"role":"user","content":"Batch hello"}]}'
printf '{"custom_id":"b1","params":%s}\n' "$params" | aiq -J >b1.json
is "$(last .body)" "$params" 'a batch line sends its params unchanged'
is "$(jq -c '[.custom_id, .response.body.choices[0].message.content]' b1.json)" \
	'["b1","Echo: Batch hello"]' 'and gets its answer'
printf '{"custom_id":"b2","params":%s}\n' "$params" | aiq -J -P openai >b2.json 2>/dev/null
is "$(jq -r .error.code b2.json)" invalid_input 'a batch line cannot go to OpenAI'
printf '{"custom_id":"b3","params":{"max_tokens":9,"messages":[]}}\n' | aiq -J >b3.json 2>/dev/null
like "$(jq -r .error.message b3.json)" '"params" has no "model"' \
	'a batch line without a model is invalid, not sent with the default one'
printf '{"custom_id":"b4","params":%s}\n' "$params" |
    OPENAI_API_KEY= OPENAI_BASE_URL=https://api.openai.invalid/v1 aiq -J >b4.json 2>b4.err
is "$?:$(jq -r .response.status_code b4.json)" 0:200 \
	'batch lines need no OpenAI key, though OpenAI is the default provider'

# --- errors
code() {
	printf '{"prompt":"x [[mock %s]]","model":"claude-x"}\n' "$1" |
	    aiq -J --max-attempts 1 2>/dev/null | jq -r '"\(.error.code) \(.error.status)"'
}
is "$(code status=529)" 'overloaded 529' '529 overloaded_error is overloaded'
is "$(code status=429)" 'rate_limited 429' '429 rate_limit_error is rate_limited'
is "$(code status=401)" 'auth 401' '401 authentication_error is auth'

printf '{"prompt":"x","model":"claude-x"}\n' |
    ANTHROPIC_BASE_URL=$ANTHROPIC_BASE_URL/v1 aiq -J >nf.json 2>/dev/null
is "$(jq -r '"\(.error.code) \(.error.status)"' nf.json)" 'not_found 404' \
	'a 404 from Anthropic (here /v1/v1/messages) is not_found'

# --- keys: each provider its own
unset ANTHROPIC_API_KEY
ANTHROPIC_BASE_URL=https://api.anthropic.invalid \
    aiq -J <<'EOR' >nokey.json 2>/dev/null
{"prompt":"x","model":"claude-x"}
EOR
like "$(jq -r '"\(.error.code) \(.error.message)"' nokey.json)" \
	'^auth no API key for anthropic: set ANTHROPIC_API_KEY, or make it the run.s provider with -P anthropic' \
	'a record for a provider without a key fails alone, saying how to give one'

done_testing
