#!/bin/sh
# aiq and the config file: where it is found, what a profile sets and in
# what order (flag > profile > default), providers declared once (Azure's
# key header and query), prompt templates, the trace context,
# --show-config, and every fault of the file told by its line before
# anything is sent.
. "$(dirname "$0")/lib.sh"

plan 87

start_mock -L "$SCRATCH/mock.log"
last() { tail -n 1 "$SCRATCH/mock.log"; }
sent() { last | jq -r "$1"; }
n_sent() { wc -l < "$SCRATCH/mock.log" | tr -d ' '; }
q() { sqlite3 -batch -noheader "$AIQ_USAGE_LOG" "$1"; }
setting() { awk -v k="$1" '$1 == k { $1 = ""; sub(/^ +/, ""); print }'; }

mkdir -p svc/sub
cat > svc/.aitools.yaml <<CONFIG
service: product-service
ai_proxy:
  models:
    - name: recommendation_engine
      provider: openai
      model: gpt-4-turbo
      purpose: product_recommendations
      cache_ttl: 3600
    - name: fraud_detector
      provider: claude
      model: claude-3
      purpose: fraud_detection
      timeout: 2000ms
    - name: auth_assistant
      provider: openai
      model: gpt-4
      rate_limit: 100/min
    - name: summarize
      provider: local
      system: You summarize.
      template: "Summarize in {{lang}}: {{input}}"
      temperature: 0.5
      max_tokens: 77
      params: {seed: 7}
      tags: {team: search}
      service: summaries
    - name: tr
      provider: local
      template: "Translate to French: {{input}}"
    - name: azure_chat
      provider: azure
providers:
  local:
    api: openai
    base_url: $MOCK_URL
    headers: {X-Team: search, X-Api-Token: tok-123}
    trace_header: x-request-trace
  azure:
    api: openai
    base_url: http://127.0.0.1:$MOCK_PORT/openai/deployments/gpt-4o
    auth_header: api-key
    key_env: AZURE_OPENAI_API_KEY
    query: {api-version: 2024-10-21}
CONFIG
cfg=$SCRATCH/svc/.aitools.yaml
echo x | aiq -c "$cfg" >/dev/null 2>err
like "$?:$(cat err)" '^2:aiq: .*svc/.aitools.yaml: holds an API key in clear \(providers.local.headers.X-Api-Token\) and others may read it' \
    'a secret header in a file others may read is refused'
chmod 600 "$cfg"

# The seed shape's keys reach aiq, the file found from a subdirectory.
cd svc/sub
out=$(echo 'hello' | aiq -p recommendation_engine 2>&1)
is "$out" "Echo: hello" 'the nearest .aitools.yaml above is read'
is "$(sent .body.model)" gpt-4-turbo '  the profile'"'"'s model is sent'
is "$(q "SELECT service||' '||provider||' '||tags FROM calls
    ORDER BY rowid DESC LIMIT 1")" \
    'product-service openai {"purpose":"product_recommendations","profile":"recommendation_engine"}' \
    '  the service, the purpose and the profile reach the usage log'
out=$(echo '{"prompt":"hi"}' | aiq -p fraud_detector -J)
is "$(printf '%s' "$out" | jq -r '.aitools.provider + " " + .aitools.service')" \
    'anthropic product-service' 'claude is anthropic'
is "$(sent .path)" /v1/messages '  sent as a Messages API request'
is "$(echo '{"prompt":"slow [[mock latency=3000]]"}' |
    aiq -p fraud_detector -J --max-attempts 1 2>/dev/null |
    jq -r .error.code)" timeout 'the profile'"'"'s timeout ends a slow attempt'
is "$(echo '{"prompt":"slow [[mock latency=2500]]"}' |
    aiq -p fraud_detector -J --max-attempts 1 -T 5s | jq -r .error.code)" \
    null '  -T overrides it'
cd "$SCRATCH"

# Precedence: flag > profile > default; a record's own fields over all.
echo x | aiq -c "$cfg" -p auth_assistant >/dev/null
is "$(sent .body.model)" gpt-4 'the profile'"'"'s model'
echo x | aiq -c "$cfg" -p auth_assistant -m gpt-4o >/dev/null
is "$(sent .body.model)" gpt-4o '  -m overrides it'
echo x | AIQ_MODEL=o3-mini aiq -c "$cfg" -p auth_assistant >/dev/null
is "$(sent .body.model)" gpt-4 '  it overrides $AIQ_MODEL'
echo x | AIQ_MODEL=o3-mini aiq -c "$cfg" >/dev/null
is "$(sent .body.model)" o3-mini '  without -p, the default'
echo '{"prompt":"x","model":"gpt-5"}' |
    aiq -c "$cfg" -p auth_assistant -J >/dev/null
is "$(sent .body.model)" gpt-5 '  a record'"'"'s own model wins'
echo '{"prompt":"x","temperature":1.5}' |
    aiq -c "$cfg" -p summarize -t 0.1 -J >/dev/null 2>&1
echo '{"lang":"fr","prompt":"x"}' | aiq -c "$cfg" -p summarize -t 0.1 -J >/dev/null
is "$(sent .body.temperature)" 0.1 '  -t overrides the profile'"'"'s temperature'

# A provider declared in the file: its URL, headers, trace header.
echo '{"lang":"French","prompt":"the text"}' |
    aiq -c "$cfg" -p summarize -J >out
is "$(sent '.body.messages[1].content')" 'Summarize in French: the text' \
    'a template of a field and {{input}}'
is "$(sent '.body.messages[0].content')" 'You summarize.' '  the system prompt'
is "$(sent '[.body.temperature, .body.max_tokens, .body.seed] | @csv')" \
    '0.5,77,7' '  temperature, max_tokens and params'
is "$(sent '.headers["x-team"] + " " + .headers["x-api-token"]')" \
    'search [redacted]' '  the provider'"'"'s headers'
like "$(sent '.headers["x-request-trace"]')" \
    '^00-[0-9a-f]{32}-[0-9a-f]{16}-01$' \
    '  the trace context under the provider'"'"'s trace_header'
is "$(sent '.headers.traceparent')" null '  and no traceparent'
is "$(jq -c '[.aitools.provider, .aitools.service, .aitools.tags]' out)" \
    '["local","summaries",{"team":"search","profile":"summarize"}]' \
    '  the record names the provider as declared, the service and tags'
echo x | aiq -c "$cfg" -P local >/dev/null
is "$(sent '.headers["x-team"]')" search '-P names a declared provider'
aiq -c "$cfg" -P nosuch x >/dev/null 2>err
is "$?:$(head -n 1 err)" \
    "2:aiq: -P 'nosuch': not a provider: there are openai, anthropic (or claude), azure, local" \
    '  an unknown one lists those there are'

# Templates in every mode.
echo '{"prompt":"x"}' | aiq -c "$cfg" -p summarize -J >out 2>/dev/null
is "$(jq -r '.error.code + ": " + .error.message' out)" \
    'invalid_input: line 1: the template'"'"'s {{lang}} has no value: the record has no "lang"' \
    'a field the record lacks is an error record'
echo '{"lang":"German","text":"a"}' | aiq -c "$cfg" -p summarize -J >out \
    2>/dev/null
is "$(jq -r .error.code out)" invalid_input '  {{input}} with no prompt too'
echo '{"lang":"German","input":"da"}' | aiq -c "$cfg" -p summarize -J >/dev/null
is "$(sent '.body.messages[1].content')" 'Summarize in German: da' \
    '  {{input}} is a record'"'"'s "input" when it has no prompt'
printf 'one\ntwo\n' | aiq -c "$cfg" -p tr -l -j 1 >out
is "$(sent '.body.messages[0].content')" 'Translate to French: two' \
    '-l: each line is {{input}}'
is "$(jq -r .response.body.choices[0].message.content out | tr '\n' '|')" \
    'Echo: Translate to French: one|Echo: Translate to French: two|' \
    '  a record out each'
printf 'bonjour' | aiq -c "$cfg" -p tr >out
is "$(cat out)" 'Echo: Translate to French: bonjour' \
    'text mode: stdin is {{input}}, a prompt as a command'
n=$(n_sent)
echo hi | aiq -c "$cfg" -p summarize >out 2>err
is "$?:$(cat out):$(n_sent):$(cat err)" \
    "2::$n:aiq: the template of profile summarize names a record's field, {{lang}}: give -J and records that have it" \
    'a template of fields in text mode: exit 2 before sending'
printf 'service: s\nai_proxy:\n  models:\n    - name: fixed\n      template: Tell a joke about {{topic}}.\n    - name: joke\n      template: Tell a joke.\n' >fixed.yaml
echo hi | aiq -c fixed.yaml -p joke >out 2>err
is "$?:$(cat err)" "2:aiq: the template of profile joke has no {{input}} for the prompt: give -J and records ({} is one)" \
    'a template without {{input}} in text mode: exit 2 up front'
echo '{}' | aiq -c fixed.yaml -p joke -J >/dev/null
is "$(sent '.body.messages[0].content')" 'Tell a joke.' '  and {} is a record of it'
printf 'providers:\n  openai:\n    base_url: %s\n    query: {key: AIzaSECRET}\n' "$MOCK_URL" >q.yaml
chmod 644 q.yaml
aiq -c q.yaml x >/dev/null 2>err
like "$?:$(cat err)" '^2:aiq: q.yaml: holds an API key in clear \(providers.openai.query.key\)' \
    'a key in the query (?key=) is a key in clear too'
chmod 600 q.yaml
is "$(aiq -c q.yaml --show-config | setting query.key)" "*** q.yaml:4" \
    '  masked by --show-config'
printf 'providers:\n  openai:\n    base_url: https://api.example.com/v1\n    key_command: exit 3\n' >kc.yaml
printf '{"prompt":"a","response":{"status_code":200,"body":{}}}\n{"prompt":"b"}\n' |
    aiq -c kc.yaml -J >out 2>/dev/null
is "$?:$(jq -c '[.response.status_code, .error.code]' out | paste -sd' ')" \
    '1:[200,null] [null,"auth"]' \
    'a key_command that fails: answered records pass, the rest fail as auth'
like "$(jq -r .error.message out | tail -n 1)" '^not sent: no API key for openai: key command failed \(status 3\)' \
    '  saying why'
echo '{"topic":"cats","prompt":"dogs"}' | aiq -c fixed.yaml -p fixed -J >out 2>/dev/null
is "$(jq -r .error.message out)" 'line 1: the template has no {{input}} for the record'"'"'s "prompt"' \
    'a record'"'"'s prompt a template has no place for: an error, not dropped'
aiq -c "$cfg" -p tr -n 'au revoir' >/dev/null
is "$(sent '.body.messages[0].content')" 'Translate to French: au revoir' \
    '  so are the arguments'

# The trace context: the record's, $TRACEPARENT's, or a new one.
tid=0af7651916cd43dd8448eb211c80319c
echo "{\"prompt\":\"t\",\"aitools\":{\"trace_id\":\"4bf92f3577b34da6a3ce929d0e0e4736\"}}" |
    aiq -J >/dev/null
like "$(sent .headers.traceparent)" '^00-4bf92f3577b34da6a3ce929d0e0e4736-' \
    'the record'"'"'s trace id in traceparent'
echo '{"prompt":"t"}' |
    TRACEPARENT=00-$tid-b7ad6b7169203331-01 aiq -J >out
like "$(sent .headers.traceparent)" "^00-$tid-[0-9a-f]{16}-01\$" \
    '$TRACEPARENT'"'"'s trace id, with a span of its own'
is "$(jq -r .aitools.trace_id out)" $tid '  and in the record'
echo '{"prompt":"t"}' |
    TRACEPARENT=00-$tid-b7ad6b7169203331-00 aiq -J >/dev/null
like "$(sent .headers.traceparent)" "^00-$tid-[0-9a-f]{16}-00\$" \
    '  its flags passed on (not sampled)'
echo '{"prompt":"t"}' | TRACEPARENT=junk aiq -J >out
like "$(jq -r .aitools.trace_id out)" '^[0-9a-f]{32}$' \
    '  a malformed one is ignored: a new id'
printf 'providers:\n  openai:\n    trace_header: none\n' > quiet.yaml
echo t | aiq -c quiet.yaml >/dev/null
is "$(sent '.headers.traceparent')" null 'trace_header: none sends none'

# Azure OpenAI's shape: the deployment's URL, api-key, api-version.
stop_mock
start_mock -L "$SCRATCH/mock.log"
sed -i "s#127.0.0.1:[0-9]*/#127.0.0.1:$MOCK_PORT/#" "$cfg"
echo '{"prompt":"az"}' | AZURE_OPENAI_API_KEY=az-key-1 \
    aiq -c "$cfg" -p azure_chat -J >out 2>/dev/null
is "$(jq -r .response.status_code out)" 200 'Azure-style: answered'
is "$(sent .path)" /openai/deployments/gpt-4o/chat/completions \
    '  at the deployment'"'"'s path'
is "$(sent '.query["api-version"]')" 2024-10-21 '  with the api-version query'
is "$(sent '.headers["api-key"]')" '[redacted]' '  the key in api-key'
is "$(sent '.headers.authorization')" null '  and not in Authorization'
unset AZURE_OPENAI_API_KEY
echo '{"prompt":"az"}' | aiq -c "$cfg" -p azure_chat -J >out 2>/dev/null
is "$(sent '.headers["api-key"]')" null '  none set, none sent (loopback)'

# A key in clear: only in a file others cannot read.
cat > keyed.yaml <<CONFIG
providers:
  openai:
    base_url: $MOCK_URL
    api_key: sk-clear-secret-1
CONFIG
chmod 644 keyed.yaml
n=$(n_sent)
echo x | aiq -c keyed.yaml >out 2>err
is "$?" 2 'a key in a file others may read: exit 2'
like "$(cat err)" 'keyed.yaml: holds an API key in clear \(providers.openai.api_key\) and others may read it: chmod 600' \
    '  told as ssh would'
is "$(n_sent):$(cat out)" "$n:" '  nothing sent, nothing out'
unlike "$(cat err)" 'sk-clear' '  the key not shown'
chmod 600 keyed.yaml
stop_mock
AIMOCK_API_KEY=sk-clear-secret-1 start_mock -L "$SCRATCH/mock.log"
sed -i "s#127.0.0.1:[0-9]*/#127.0.0.1:$MOCK_PORT/#" keyed.yaml
echo '{"prompt":"k"}' | aiq -c keyed.yaml -J >out
is "$(jq -r .response.status_code out)" 200 '  mode 600: the key is used'
unlike "$(cat out; q 'SELECT * FROM calls')" sk-clear \
    '  and is in no record nor log row'
aiq -c keyed.yaml --show-config >out
like "$(setting key <out)" '^api_key \(in the config file\) \(set, not shown\) ' \
    '  --show-config says where, not what'
unlike "$(cat out)" sk-clear '  nowhere'
stop_mock
start_mock -L "$SCRATCH/mock.log"
sed -i "s#127.0.0.1:[0-9]*/#127.0.0.1:$MOCK_PORT/#" "$cfg"

# --show-config: reads no key file, runs no key command.
printf 'providers:\n  openai:\n    key_command: touch ran; echo k\n' >cmd.yaml
like "$(aiq -c cmd.yaml --show-config | setting key)" '^key_command \(not run\) .*cmd.yaml:3$' \
    '--show-config names the key command'
test -e ran
is "$?" 1 '  and does not run it'
printf 'providers:\n  own:\n    api: openai\n    base_url: https://example.com/v1\n' >own.yaml
OPENAI_API_KEY=sk-other-1 aiq -c own.yaml -P own x >out 2>err
is "$?:$(cat err)" "1:aiq: no API key for own: its entry in the config file has no key_env, key_file, key_command or api_key" \
    'a provider of its own never gets $OPENAI_API_KEY'

# --show-config: each setting and where it came from.
aiq -c "$cfg" -p summarize -t 1 --show-config >out </dev/null
is "$(setting profile <out)" "summarize $cfg:18" 'the profile and its line'
is "$(setting service <out)" "summaries $cfg:26" '  its service'
is "$(setting system <out)" "You summarize. $cfg:20" '  its system prompt'
is "$(setting params.max_tokens <out)" "77 $cfg:23" '  its max_tokens'
is "$(setting params.temperature <out)" "1.0 flag -t" '  a flag over it'
is "$(setting model <out)" "gpt-4o-mini default" '  a default'
is "$(setting headers.X-Api-Token <out)" "*** $cfg:36" \
    '  a secret header masked'
unlike "$(cat out)" tok-123 '  nowhere shown'
cp "$TESTS/../lib/aitools.example.yaml" example.yaml
chmod 644 example.yaml
ok=0
for p in $(aiq -c example.yaml --list-profiles); do
	aiq -c example.yaml -p "$p" --show-config </dev/null >/dev/null && ok=$((ok + 1))
done
is "$ok:$(aiq -c example.yaml --list-profiles | wc -l | tr -d ' ')" "9:9" \
    'the example config loads, installed 644, and so does each profile'
is "$(aiq -c "$cfg" --list-profiles | tr '\n' ' ')" \
    'recommendation_engine fraud_detector auth_assistant summarize tr azure_chat ' \
    '--list-profiles'

# Where the file is: -c, $AITOOLS_CONFIG, the nearest, the user's.
mkdir -p proj/deep xdg/aitools .config/aitools elsewhere
for w in c env near xdg home; do printf 'service: %s\n' $w > $w.yaml; done
cp near.yaml proj/.aitools.yaml
cp xdg.yaml xdg/aitools/config.yaml
cp home.yaml .config/aitools/config.yaml
svc() { aiq --show-config "$@" </dev/null | setting service | cut -d' ' -f1; }
cd proj/deep
is "$(AITOOLS_CONFIG=$SCRATCH/env.yaml svc -c "$SCRATCH/c.yaml")" c \
    '-c comes first'
is "$(AITOOLS_CONFIG=$SCRATCH/env.yaml svc)" env '  then $AITOOLS_CONFIG'
is "$(XDG_CONFIG_HOME=$SCRATCH/xdg svc)" near '  then the nearest .aitools.yaml'
cd "$SCRATCH/elsewhere"
is "$(XDG_CONFIG_HOME=$SCRATCH/xdg svc)" xdg \
    '  then $XDG_CONFIG_HOME/aitools/config.yaml'
is "$(svc)" home '  else ~/.config/aitools/config.yaml'
AITOOLS_CONFIG=$SCRATCH/none.yaml aiq x >/dev/null 2>err
is "$?:$(cat err)" "2:aiq: config file $SCRATCH/none.yaml (\$AITOOLS_CONFIG): No such file or directory" \
    'a missing $AITOOLS_CONFIG is refused'
cd "$SCRATCH"

# Faults: the file, line, column and key; exit 2; nothing sent.
bad() {
	printf "$1" > bad.yaml
	n=$(n_sent)
	echo x | aiq -c bad.yaml -p a >out 2>err
	rc=$?
	is "$rc:$(cat out):$(n_sent)" "2::$n" "$2: exit 2, nothing sent"
	is "$(cat err)" "aiq: $3" "  $2: told"
}
bad 'ai_proxy:\n  models:\n    - name: a\n      cache_tll: 3\n' \
    'an unknown key' \
    'bad.yaml:4:7: ai_proxy.models.0.cache_tll: unknown key cache_tll (did you mean cache_ttl?)'
bad 'ai_proxy:\n  models:\n    - name: a\n      timeout: soon\n' \
    'a bad value' \
    'bad.yaml:4:7: ai_proxy.models.0.timeout: not a duration such as 2000ms, 30s or 1h (a bare number is seconds)'
bad 'ai_proxy:\n  models:\n    - name: a\n     model: b\n' \
    'a bad indentation' \
    "bad.yaml:4:6: did not find expected '-' indicator while parsing a block collection (after ai_proxy.models.0.name; is the indentation right?)"
bad 'ai_proxy:\n  models:\n    - name: b\n    - name: c\n' \
    'a profile not there' \
    'no profile a in bad.yaml; there are b, c'
mkdir -p empty && cd empty
echo x | HOME=$SCRATCH/empty aiq -p a >out 2>err
like "$?:$(cat err)" '^2:aiq: -p a: no config file' '-p with no config file'
printf 'servce: x\n' > .aitools.yaml
echo x | aiq >out 2>err
like "$?:$(cat err)" '^2:aiq: .*/empty/.aitools.yaml:1:1: servce: unknown key' \
    'a broken config file is refused even without -p'
cd "$SCRATCH"

done_testing
