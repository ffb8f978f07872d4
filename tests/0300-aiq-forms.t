#!/bin/sh
# aiq: every input form, the text modes, and what reaches the provider.
. "$(dirname "$0")/lib.sh"

plan 46

start_mock -L "$SCRATCH/sent.log"

# sent N FILTER: jq FILTER applied to the body of the Nth request received.
sent() {
	sed -n "${1}p" sent.log | jq -c "$2"
}

# --- text mode
is "$(aiq 'Write a haiku about pipes' </dev/null)" 'Echo: Write a haiku about pipes' \
	'text mode prints the answer'
is "$(sent 1 '[.body.model, .body.messages]')" \
	'["gpt-4o-mini",[{"role":"user","content":"Write a haiku about pipes"}]]' \
	'text mode sends the prompt to the default model'
printf 'line one\nline two\n' | aiq --stream -s 'Review this diff' -m gpt-4o Please >/dev/null
is "$(sent 2 '.body')" \
	'{"model":"gpt-4o","messages":[{"role":"system","content":"Review this diff"},{"role":"user","content":"Please\n\nline one\nline two\n"}],"stream":true,"stream_options":{"include_usage":true}}' \
	'stdin is appended to the prompt after a blank line; -s and -m; --stream streams, with usage'
printf 'only stdin' | aiq >/dev/null
is "$(sent 3 '.body.messages[0].content')" '"only stdin"' 'stdin alone is the prompt'
AIQ_MODEL=from-env aiq -t 0.5 --max-tokens 7 hi </dev/null >/dev/null
is "$(sent 4 '[.body.model, .body.temperature, .body.max_tokens]')" '["from-env",0.5,7]' \
	'AIQ_MODEL, -t and --max-tokens'
out=$(aiq hi </dev/null | od -c | head -1)
like "$out" 'h   i  \\n$' 'the answer ends with exactly one newline'

# --- -J: the three record forms
cat >in.jsonl <<'EOF'
{"custom_id":"req-1","method":"POST","url":"/v1/chat/completions","body":{"model":"gpt-4o","messages":[{"role":"user","content":"batch line"}],"seed":3}}
{"model":"gpt-4.1","messages":[{"role":"user","content":"bare body"}],"temperature":0}
{"custom_id":"p1","prompt":"short form","system":"Be brief.","model":"m-small","temperature":0.2,"team":"search"}
{ "prompt" : "spaced",  "x": [1, 2]  }
EOF
aiq -J -j 1 <in.jsonl >out.jsonl
st=$?
is "$st" 0 '-J exits 0 when every record succeeded'
is "$(wc -l <out.jsonl | tr -d ' ')" 4 'one output line per input line'
is "$(jq -r '.response.body.choices[0].message.content' out.jsonl | paste -sd'|')" \
	'Echo: batch line|Echo: bare body|Echo: short form|Echo: spaced' \
	'every form is answered, in order'
is "$(sent 6 '.body')" \
	'{"model":"gpt-4o","messages":[{"role":"user","content":"batch line"}],"seed":3}' \
	'a batch line sends its body unchanged'
is "$(sent 7 '.body')" \
	'{"model":"gpt-4.1","messages":[{"role":"user","content":"bare body"}],"temperature":0}' \
	'a bare body is sent as it is'
is "$(sent 8 '.body')" \
	'{"model":"m-small","messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"short form"}],"temperature":0.2}' \
	'the prompt form becomes messages; its parameters go along, other fields do not'
is "$(sent 9 '.body.model')" '"gpt-4o-mini"' 'a record without a model gets the default'
is "$(sent 6 '.path')" '"/v1/chat/completions"' 'requests go to <base>/chat/completions'

# output records: the input bytes, then response and aitools
for n in 1 2 3 4; do
	inl=$(sed -n "${n}p" in.jsonl)
	outl=$(sed -n "${n}p" out.jsonl)
	is "${outl%%,\"response\":*}" "${inl%\}}" "record $n: the input bytes come first, untouched"
done
r=$(sed -n 1p out.jsonl)
is "$(printf '%s' "$r" | jq -c '[.response.status_code, (.response.request_id | test("^req_mock_")), .response.body.object, .response.body.usage.total_tokens > 0]')" \
	'[200,true,"chat.completion",true]' 'response carries status_code, request_id and the body with usage'
is "$(printf '%s' "$r" | jq -c '.aitools | [.v, .line, .provider, .model, .attempts]')" \
	'[1,1,"openai","gpt-4o",1]' 'aitools metadata: version, line, provider, model, attempts'
like "$(printf '%s' "$r" | jq -r '.aitools | "\(.trace_id) \(.latency_ms) \(.started) \(.finished)"')" \
	'^[0-9a-f]{32} [0-9]+ 20[0-9-]{8}T[0-9:.]{12}Z 20[0-9-]{8}T[0-9:.]{12}Z$' \
	'aitools metadata: trace id, latency and timestamps'
is "$(sed -n 3p out.jsonl | jq -r '.team + " " + .custom_id')" 'search p1' \
	'unknown fields pass through'
like "$(sed -n 8p sent.log | jq -r '.headers.traceparent')" \
	"^00-$(sed -n 3p out.jsonl | jq -r .aitools.trace_id)-[0-9a-f]{16}-01\$" \
	'the trace id goes out in a traceparent header'
printf '%s\n' '{"prompt":"again","aitools":{"trace_id":"0123456789abcdef0123456789abcdef"}}' |
	aiq -J >again.jsonl
is "$(jq -r .aitools.trace_id again.jsonl)" 0123456789abcdef0123456789abcdef \
	'a trace id already on the record is kept'
is "$(jq -c 'keys_unsorted' again.jsonl)" '["prompt","aitools","response"]' \
	'the record keeps a single aitools object'

# --- -l: each line of text is a prompt
printf 'first\n\nsecond line\n' | aiq -l >lines.jsonl 2>lines.err
is "$(jq -r '.prompt' lines.jsonl | paste -sd'|')" 'first||second line' \
	'-l makes one prompt record a line'
is "$(jq -r '.response.body.choices[0].message.content // .error.code' lines.jsonl | paste -sd'|')" \
	'Echo: first|invalid_input|Echo: second line' '-l answers each line; an empty line is an error'
is "$(jq -r '.aitools.line' lines.jsonl | paste -sd' ')" '1 2 3' '-l records carry their line numbers'

# --- options reach the request
printf '{"prompt":"p"}\n{"prompt":"q","temperature":1}\n' |
	aiq -J -j 1 -t 0.3 -s 'Sys' -m opt-model >/dev/null
n=$(wc -l <sent.log)
is "$(sent $((n - 1)) '[.body.model, .body.temperature, .body.messages[0].content]')" \
	'["opt-model",0.3,"Sys"]' '-m, -t and -s apply to prompt records'
is "$(sent $n '.body.temperature')" 1 'a record parameter beats the option'
printf '{"model":"own","messages":[{"role":"user","content":"x"}]}\n' |
	aiq -J -m other -H 'X-Team: blue' >/dev/null
n=$(wc -l <sent.log)
is "$(sent $n '.body.model')" '"own"' 'a record model beats -m'
is "$(sent $n '.headers["x-team"]')" '"blue"' '-H adds a header'
is "$(sent $n '.headers["content-type"]')" '"application/json"' 'the body is sent as JSON'
printf '{"prompt":"svc"}\n' | aiq -J --service billing >svc.jsonl
is "$(jq -r .aitools.service svc.jsonl)" billing '--service tags the record'

# --- the base URL
printf '{"prompt":"u"}\n' | OPENAI_BASE_URL= aiq -J --base-url "$MOCK_URL/" >u.jsonl
is "$(jq -r '.response.status_code' u.jsonl)" 200 '--base-url, with a trailing slash'
printf '{"prompt":"u"}\n' | OPENAI_BASE_URL="$MOCK_URL" aiq -J >u.jsonl
is "$(jq -r '.response.status_code' u.jsonl)" 200 'OPENAI_BASE_URL'

# --- the same records from a file in -j 1 and -j 4 give the same answers
aiq -J -j 1 <in.jsonl | jq -c '.response.body.choices' >a
aiq -J -j 4 <in.jsonl | jq -c '.response.body.choices' >b
check 'the answers do not depend on -j' cmp -s a b

# --- an empty input is no work
: | aiq -J >empty.out
is "$?:$(wc -c <empty.out | tr -d ' ')" 0:0 'empty input: no output, exit 0'

# --- CRLF input lines
printf '{"prompt":"crlf"}\r\n' | aiq -J >crlf.jsonl
is "$(jq -r '.response.body.choices[0].message.content' crlf.jsonl)" 'Echo: crlf' \
	'a CRLF line is read as one record'
is "$(tail -c 2 crlf.jsonl | od -An -c | tr -d ' ')" '}\n' 'and written back with LF'
printf '{"prompt":"done","error":{"code":"server"}}\r\n' | aiq -J >crlf2.jsonl
is "$(tr -dc '\r' <crlf2.jsonl | wc -c | tr -d ' '):$(wc -l <crlf2.jsonl | tr -d ' ')" '0:1' \
	'a passed-through CRLF record is written with LF too'
printf '{"prompt":"mct","max_completion_tokens":5}\n' | aiq -J -j 1 --max-tokens 9 >/dev/null
n=$(wc -l <sent.log)
is "$(sent $n '[.body.max_tokens, .body.max_completion_tokens]')" '[null,5]' \
	'--max-tokens does not join a max_completion_tokens'
printf '{"prompt":"x"}\n' | OPENAI_BASE_URL= aiq -J --base-url "$MOCK_URL" >e.jsonl
is "$(jq -r .response.status_code e.jsonl)" 200 'an empty OPENAI_BASE_URL counts as unset'

# --- a long prompt
head -c 300000 /dev/zero | tr '\0' 'a' >big.txt
printf '{"prompt":"%s"}\n' "$(cat big.txt)" | aiq -J >big.jsonl
is "$(jq -r '.response.body.usage.prompt_tokens' big.jsonl)" 75007 'a 300 kB prompt goes through whole'
aiq -l <big.txt >bigl.jsonl
is "$(jq -r '.response.status_code' bigl.jsonl)" 200 'a 300 kB line in -l mode'

aiq --max-tokens 2 'Tell me a long story' </dev/null >cut.out 2>cut.err
is "$(cat cut.out)|$(cat cut.err)" 'Echo: Te|aiq: the answer was cut at the token limit' \
	'text mode says when the answer was cut at the token limit'

done_testing
