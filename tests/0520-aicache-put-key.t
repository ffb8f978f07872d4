#!/bin/sh
# aicache put: an answer is stored under the key of the request that was
# sent, aitools.key, which aiq stamps; records without it are keyed as
# before.  The records are made by hand: no aiq, no provider.
. "$(dirname "$0")/lib.sh"

plan 10

export AICACHE_DB=$SCRATCH/cache.db
answer='{"status_code":200,"request_id":"req-1","body":{"id":"c1","object":"chat.completion","model":"gpt-4o-mini-2024-07-18","choices":[{"index":0,"message":{"role":"assistant","content":"two tokens"},"finish_reason":"length"}],"usage":{"prompt_tokens":7,"completion_tokens":2,"total_tokens":9}}}'
key() { printf '%s\n' "$1" | { shift; aicache key "$@"; }; }
hit() { printf '%s\n' "$1" | { shift; aicache get "$@"; } | jq -r '.aitools.cache.hit // false'; }

# --- the wrong answer: aiq -t 1.5 --max-tokens 2 answered a plain record
plain=$(key '{"prompt":"wrong"}')
sent=$(key '{"prompt":"wrong"}' -t 1.5 --max-tokens 2)
unlike "$sent" "^$plain\$" 'aiq'"'"'s -t and --max-tokens make another key'
rec='{"prompt":"wrong","response":'$answer',"aitools":{"v":1,"provider":"openai","model":"gpt-4o-mini-2024-07-18","key":"'$sent'"}}'
printf '%s\n' "$rec" | aicache put >out.jsonl 2>put.err
is "$(cat out.jsonl):$(cat put.err)" "$rec:" 'put passes the record on unchanged, silently'
is "$(aicache export | jq -r '"\(.key) \(.model)"')" "$sent gpt-4o-mini-2024-07-18" \
	'and stores the answer under aitools.key, with the model of aitools.model'
is "$(hit '{"prompt":"wrong"}')" false 'a plain request is not answered with the 2-token answer'
is "$(hit '{"prompt":"wrong"}' -t 1.5 --max-tokens 2)" true 'the request that was sent is'

# --- put's own options do not count when the record says its key
rec='{"prompt":"other model","response":'$answer',"aitools":{"v":1,"provider":"openai","model":"gpt-4o","key":"'$(key '{"prompt":"other model"}' -m gpt-4o)'"}}'
printf '%s\n' "$rec" | aicache put -t 0.3 >/dev/null 2>om.err
is "$(hit '{"prompt":"other model"}' -m gpt-4o):$(cat om.err)" 'true:' \
	"an answer of aiq -m gpt-4o is stored under its key, whatever put's -m and -t"
is "$(hit '{"prompt":"other model"}' -t 0.3):$(hit '{"prompt":"other model"}')" 'false:false' \
	"and under no key of put's own"

# --- records of an older aiq, without aitools.key: keyed as before
rec='{"prompt":"old","response":'$answer',"aitools":{"v":1,"provider":"openai","model":"gpt-4o-mini-2024-07-18"}}'
printf '%s\n' "$rec" | aicache put -t 0.5 >/dev/null
is "$(hit '{"prompt":"old"}' -t 0.5):$(hit '{"prompt":"old"}')" 'true:false' \
	"without aitools.key, put keys the record with its own options"

# --- an aitools.key that is not one
rec='{"prompt":"bad key","response":'$answer',"aitools":{"v":1,"key":"C0FFEE"}}'
printf '%s\n' "$rec" | aicache put >out.jsonl 2>bad.err
is "$(cat out.jsonl)" "$rec" 'a record whose aitools.key is not a key passes on'
is "$(hit '{"prompt":"bad key"}'):$(cat bad.err)" \
	'false:aicache: line 1: aitools.key is not 64 hex digits: not stored' 'unstored, and put says why'

done_testing
