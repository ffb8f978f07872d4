#!/bin/sh
# Fallbacks: a record whose model fails for good with a code of
# fallback_on goes on to the next model of its profile (another provider
# too), context_length to context_fallback; auth and codes not listed do
# not; the record lists what it left, the usage log has a row a model, and
# the cache key stays that of the request as first written.
. "$(dirname "$0")/lib.sh"

plan 17

start_mock --fail-rate 1 --fail 503 -L "$SCRATCH/down.log"
DOWN=$MOCK_URL
start_mock --fail-rate 1 --fail 400 --code context_length_exceeded \
    -L "$SCRATCH/small.log"
SMALL=$MOCK_URL
start_mock --fail-rate 1 --fail 429 -L "$SCRATCH/busy.log"
BUSY=$MOCK_URL
start_mock -L "$SCRATCH/up.log"
UP=$MOCK_URL
q() { sqlite3 -batch -noheader "$AIQ_USAGE_LOG" "$1"; }
n() { wc -l <"$SCRATCH/$1.log" | tr -d ' '; }

cat >.aitools.yaml <<EOF
service: fb
providers:
  down: {api: openai, base_url: "$DOWN"}
  small: {api: openai, base_url: "$SMALL"}
  busy: {api: openai, base_url: "$BUSY"}
  up: {api: openai, base_url: "$UP"}
  dead: {api: openai, base_url: "http://127.0.0.1:1/v1"}
ai_proxy:
  models:
    - name: storm
      provider: down
      model: gpt-4o-mini
      fallback: [up/gpt-4o]
    - name: chain
      provider: down
      model: gpt-4o-mini
      fallback: [dead/gpt-4o, up/gpt-4.1]
    - name: context
      provider: small
      model: gpt-4o-mini
      fallback: [up/gpt-4o]
      context_fallback: up/gpt-4.1
    - name: listed
      provider: busy
      model: gpt-4o-mini
      fallback: [up/gpt-4o]
      fallback_on: [server]
EOF

# A 503 storm: every record answered by the fallback, nothing lost.
awk 'BEGIN { for (i = 1; i <= 20; i++) printf "{\"custom_id\":\"r%d\",\"prompt\":\"p%d\"}\n", i, i }' >in.jsonl
aiq -p storm -J -j 4 --max-attempts 2 --max-wait 10ms <in.jsonl >out.jsonl 2>/dev/null
is "$?:$(wc -l <out.jsonl | tr -d ' '):$(jq -r .custom_id out.jsonl | paste -sd, -)" \
    "0:20:$(jq -r .custom_id in.jsonl | paste -sd, -)" \
    'a 503 storm: 20 records in, 20 answers out, in order'
is "$(jq -c '[.aitools.provider, .aitools.model]' out.jsonl | sort -u)" \
    '["up","gpt-4o"]' '  each from the fallback, which the record names'
is "$(jq -c .aitools.fallbacks out.jsonl | sort -u)" \
    '[{"model":"gpt-4o-mini","provider":"down","code":"server","attempts":2}]' \
    '  listing the model left, its code and attempts'
is "$(n down):$(n up)" '40:20' '  2 attempts each on the dead model, 1 on the fallback'
is "$(q "SELECT provider||'/'||model||':'||status||':'||attempts, count(*) FROM calls
    GROUP BY 1 ORDER BY 1" | paste -sd' ' -)" \
    'down/gpt-4o-mini:server:2|20 up/gpt-4o:ok:1|20' \
    '  the usage log: a row a model, each priced on its own'
is "$(head -n 1 out.jsonl | jq -r .aitools.key)" \
    "$(head -n 1 in.jsonl | aicache key -p storm)" \
    '  the cache key is the request'"'"'s as first written'

# A chain: a fallback that cannot be reached is left too.
echo '{"prompt":"c"}' | aiq -p chain -J --max-attempts 1 >out 2>/dev/null
is "$(jq -c '[.aitools.provider, .aitools.model, [.aitools.fallbacks[] | .provider + ":" + .code]]' out)" \
    '["up","gpt-4.1",["down:server","dead:network"]]' \
    'a chain: each model left in turn, to the first that answers'

# context_length goes to context_fallback, not to fallback.
echo '{"prompt":"long"}' | aiq -p context -J --max-attempts 1 >out 2>/dev/null
is "$(jq -c '[.aitools.model, .aitools.fallbacks[0].code]' out)" \
    '["gpt-4.1","context_length"]' 'context_length goes to context_fallback'

# Codes not in fallback_on, and auth, do not fall back.
up=$(n up)
echo '{"prompt":"r"}' | aiq -p listed -J --max-attempts 1 >out 2>/dev/null
is "$(jq -c '[.error.code, .aitools.fallbacks, .aitools.provider]' out):$(n up)" \
    "[\"rate_limited\",null,\"busy\"]:$up" \
    'rate_limited, not in fallback_on [server]: no fallback'
AIMOCK_API_KEY=sk-right-1 start_mock -L "$SCRATCH/auth.log"
sed -i "s#down: {api: openai, base_url: \"[^\"]*\"}#down: {api: openai, base_url: \"$MOCK_URL\", key_env: DOWN_KEY}#" .aitools.yaml
echo '{"prompt":"a"}' | DOWN_KEY=sk-wrong-1 aiq -p storm -J >out 2>/dev/null
is "$(jq -c '[.error.code, .aitools.fallbacks]' out):$(n up)" \
    "[\"auth\",null]:$up" 'auth does not fall back'

# The deadline bounds the chain.
start_mock -d 400 -L "$SCRATCH/slow.log"
sed -i "s#down: {api: openai, base_url: \"[^\"]*\", key_env: DOWN_KEY}#down: {api: openai, base_url: \"$MOCK_URL\"}#" .aitools.yaml
echo '{"prompt":"d"}' | aiq -p storm -J -T 1s --max-attempts 1 \
    --deadline 150ms >out 2>/dev/null
is "$(jq -r '.error.code' out):$(n up)" "timeout:$up" \
    'no fallback once the deadline has passed'
echo '{"prompt":"d"}' | aiq -p storm -J -T 100ms --max-attempts 1 \
    --deadline 5s >out 2>/dev/null
is "$(jq -c '[.aitools.model, .aitools.fallbacks[0].code]' out)" \
    '["gpt-4o","timeout"]' '  and a timeout falls back within it'

# Text mode falls back too.
echo 'hi' | aiq -p storm -T 100ms --max-attempts 1 >out 2>err
is "$?:$(cat out)" '0:Echo: hi' 'text mode falls back too'

# A profile's fallbacks are checked with the file.
printf 'ai_proxy:\n  models:\n    - {name: x, fallback_on: [server, nosuch]}\n' >bad.yaml
aiq -c bad.yaml -p x hi >/dev/null 2>err
is "$?:$(cat err)" \
    '2:aiq: bad.yaml:3:39: ai_proxy.models.0.fallback_on.1: not an error code, such as server, timeout or rate_limited' \
    'an unknown code in fallback_on is refused'
printf 'ai_proxy:\n  models:\n    - {name: x, fallback: [openai/]}\n' >bad.yaml
aiq -c bad.yaml -p x hi >/dev/null 2>err
like "$?:$(cat err)" '^2:aiq: bad.yaml:3:.*fallback.0: provider/ names no model' \
    'a provider with no model is refused'
aiq -p chain --show-config </dev/null >out
like "$(grep '^fallback' out | paste -sd'|' -)" \
    '^fallback +dead/gpt-4o, up/gpt-4.1 .*aitools.yaml:[0-9]+\|fallback_on +rate_limited, server, timeout, network, overloaded' \
    '--show-config shows the chain and its codes'
is "$(aiq -p chain --show-config </dev/null | grep -c '^context_fallback')" 0 \
    '  and no context_fallback when none'

done_testing
