#!/bin/sh
# aicache and the config file: a profile's settings under the flags, its
# cache_ttl, its provider and the file's; the keys of get, aiq and put
# under one profile the same; --show-config; a bad file or profile
# refused before anything is read.
. "$(dirname "$0")/lib.sh"

plan 39

start_mock -L "$SCRATCH/sent.log"
export AICACHE_DB=$SCRATCH/cache.db
sent() { wc -l <sent.log | tr -d ' '; }
CF=$SCRATCH/.aitools.yaml
cat >"$CF" <<EOF
service: shop
providers:
  local:
    api: openai
    base_url: $MOCK_URL
ai_proxy:
  models:
    - name: fast
      model: gpt-4o-mini
      temperature: 0
      max_tokens: 50
      system: Be brief.
      cache_ttl: 1h
      tags:
        team: docs
    - name: loc
      provider: local
      model: mock-small
      cache_ttl: 90s
EOF
# show NAME [ARGS...]: the value and origin of the row NAME of --show-config
show() {
	_n=$1
	shift
	aicache "$@" --show-config </dev/null | awk -v n="$_n" '
	    substr($0, 1, 18) ~ "^" n " *$" { v = substr($0, 20, 40); sub(/ +$/, "", v);
	    print v "|" substr($0, 61) }'
}

# --- precedence: flag > profile > default
is "$(show model put -c /dev/null)" 'gpt-4o-mini|default' 'without a profile: the default model'
is "$(show model put -p fast)" "gpt-4o-mini|$CF:9" 'with -p: the profile'"'"'s, at its line'
is "$(show model put -p fast -m gpt-4o)" 'gpt-4o|flag -m' 'a flag overrides the profile'
is "$(show 'ttl \(expires\)' put -p fast)" "1h|$CF:13" "put's ttl: the profile's cache_ttl"
is "$(show 'ttl \(expires\)' put -p fast --ttl 5m)" '5m|flag --ttl' '--ttl overrides it'
is "$(show 'ttl \(expires\)' put)" 'none|default' 'and without either, entries never expire'
is "$(show 'ttl \(max age\)' get -p loc)" "90s|$CF:19" "get's oldest entry: the profile's cache_ttl too"
is "$(show params.temperature key -p fast -t 1):$(show params.max_tokens key -p fast)" \
	"1.0|flag -t:50|$CF:11" 'parameters: the flag, else the profile'
is "$(show provider key -p loc):$(show base_url key -p loc)" \
	"local|$CF:17:$MOCK_URL|$CF:5" 'the provider of the profile, declared in the file'
is "$(show provider key -p loc -P openai)" 'openai|flag -P' '-P overrides it'
is "$(show service get -p fast):$(aicache get -p fast --show-config | awk '$1 == "cache" { print $2, $3 }'):$(show cache get -f x.db)" \
	"shop|$CF:1:$SCRATCH/cache.db AICACHE_DB:x.db|flag -f" 'the service of the hits, and the cache file'
printf '{"prompt":"hi"}\n' >hi.jsonl
k() { aicache key "$@" <hi.jsonl; }
is "$(k -p fast)" "$(k -c /dev/null -s 'Be brief.' -t 0 --max-tokens 50)" \
	'the key under -p is that of the same settings given as flags'
is "$(k -p fast -t 1)" "$(k -c /dev/null -s 'Be brief.' -t 1 --max-tokens 50)" \
	'and a flag changes it as it changes the request'
printf 'providers:\n  openai:\n    base_url: http://127.0.0.1:1/v9\n' >base.yaml
is "$(k -c base.yaml)" "$(k -c /dev/null --base-url http://127.0.0.1:1/v9)" \
	'without -p, the base URL the file gives a provider is part of the key'
aicache put -p fast -f never.db --show-config </dev/null >/dev/null
is "$?:$(test -e never.db && echo made)" '0:' '--show-config exits 0 without opening the cache'
is "$( (aicache get -p fast --show-config >/dev/null; cat) <hi.jsonl)" "$(cat hi.jsonl)" \
	'nor reading the standard input'

# --- get | aiq | put under one profile: stored, then all hits
cat >in.jsonl <<'EOR'
{"custom_id":"a","prompt":"alpha"}
{"custom_id":"b","prompt":"beta"}
EOR
run() { aicache get -p "$1" <in.jsonl | aiq -J -p "$1" 2>/dev/null | aicache put -p "$1"; }
run fast >out1.jsonl
n1=$(sent)
run fast >out2.jsonl
is "$n1:$(sent)" '2:2' 'get -p | aiq -p | put -p: the second run reaches no provider'
is "$(jq -r '.aitools.cache.hit' out2.jsonl | paste -sd' ')" 'true true' 'every record a hit'
is "$(jq -r '.response.body.choices[0].message.content' out2.jsonl | paste -sd' ')" \
	"$(jq -r '.response.body.choices[0].message.content' out1.jsonl | paste -sd' ')" 'with the answers stored'
is "$(jq -r '.aitools.cache.key' out2.jsonl | paste -sd' ')" "$(jq -r '.aitools.key' out1.jsonl | paste -sd' ')" \
	"under the keys aiq stamped"
is "$(aicache export | jq -r '.expires_ms - .created_ms' | sort -u)" 3600000 \
	'the entries expire after the profile'"'"'s cache_ttl'
is "$(jq -c '[.aitools.service, .aitools.tags]' out2.jsonl | sort -u)" '["shop",{"team":"docs","profile":"fast"}]' \
	'hits carry the service and the tags aiq gives its calls'
is "$(sqlite3 usage.db "SELECT DISTINCT provider || ' ' || service || ' ' || tags FROM calls WHERE status = 'cache_hit'")" \
	'openai shop {"team":"docs","profile":"fast"}' 'and so do their usage log rows'
run loc >loc1.jsonl
n1=$(sent)
run loc >loc2.jsonl
is "$(sent):$(jq -r '.aitools.cache.hit' loc2.jsonl | paste -sd' ')" "$n1:true true" \
	'a provider the file declares: stored, then hits'
is "$(jq -r '.aitools.provider' loc1.jsonl | sort -u):$(sqlite3 usage.db "SELECT DISTINCT provider FROM calls WHERE status = 'cache_hit' AND model = 'mock-small'")" \
	'local:local' 'hits name it by its name, as aiq does'
aicache put --ttl 2m -f ttl.db <out1.jsonl >/dev/null
aicache put -p fast --ttl 2m -f ttl2.db <out1.jsonl >/dev/null
is "$(aicache export -f ttl.db | jq -r '.expires_ms - .created_ms' | sort -u):$(aicache export -f ttl2.db | jq -r '.expires_ms - .created_ms' | sort -u)" \
	'120000:120000' '--ttl over the profile'"'"'s'

# --- get's oldest entry: an entry older than the profile's cache_ttl
aicache export | jq -c 'select(.provider == "openai") | .created_ms -= 7200000 | .expires_ms = 0' >old.jsonl
aicache import -f old.db <old.jsonl
is "$(aicache get -p fast -f old.db <in.jsonl | jq -r '.aitools.cache.hit // false' | paste -sd' ')" 'false false' \
	'get -p: an entry older than the cache_ttl is not used'
is "$(aicache get -p fast -f old.db --ttl 3h <in.jsonl | jq -r '.aitools.cache.hit // false' | paste -sd' ')" 'true true' \
	'--ttl overrides it'

# --- put's check of the provider, for records without aitools.key
jq -c 'del(.aitools.key)' loc1.jsonl >nokey.jsonl
aicache put -c /dev/null -f chk1.db <nokey.jsonl 2>chk1.err >/dev/null
is "$(sqlite3 chk1.db 'SELECT count(*) FROM entries'):$(cat chk1.err)" \
	'0:aicache: line 1: sent to local, not to openai: not stored (give aicache the -P or -p of aiq)' \
	'put without the profile: an answer of the provider of the file is not stored'
aicache put -p loc -f chk2.db <nokey.jsonl 2>chk2.err >/dev/null
is "$(sqlite3 chk2.db 'SELECT count(*) FROM entries'):$(cat chk2.err)" '2:' \
	'put -p: the provider of the profile, by its name'

# --- where the file is found
mkdir -p sub/dir
is "$(cd sub/dir && show profile key -p fast)" "fast|$CF:8" '.aitools.yaml of a directory above'
cp "$CF" other.yaml
conf() { aicache key "$@" --show-config | awk '$1 == "config" { print $2 }'; }
is "$(cd / && AITOOLS_CONFIG=$SCRATCH/other.yaml conf -p fast)" "$SCRATCH/other.yaml" '$AITOOLS_CONFIG'
is "$(cd / && conf -c "$SCRATCH/other.yaml")" "$SCRATCH/other.yaml" '-c'

# --- refusals: before anything is read or written
cat >bad.yaml <<'EOF'
ai_proxy:
  models:
    - name: x
      temprature: 1
EOF
aicache get -c bad.yaml <in.jsonl >bad.out 2>bad.err
is "$?:$(wc -c <bad.out | tr -d ' ')" '2:0' 'a bad config file: exit 2, nothing on stdout'
like "$(cat bad.err)" '^aicache: bad.yaml:4:7: ai_proxy\.models\.0\.temprature: unknown key' \
	'the fault as FILE:LINE:COL'
aicache put -p nope <in.jsonl >nope.out 2>nope.err
is "$?:$(wc -c <nope.out | tr -d ' '):$(cat nope.err)" "2:0:aicache: no profile nope in $CF; there are fast, loc" \
	'a missing profile: the profiles there are'
aicache key -c missing.yaml <in.jsonl >/dev/null 2>miss.err
is "$?:$(cat miss.err)" '2:aicache: config file missing.yaml: No such file or directory' 'a missing config file'
aicache stats -p fast >/dev/null 2>stats.err
is "$?:$(head -n1 stats.err)" '2:aicache: stats does not take -p' 'stats takes no profile'

# --- no secret shown
cat >sec.yaml <<'EOF'
providers:
  vault:
    api: openai
    base_url: http://user:pw-SECRET@127.0.0.1:1/v1
    api_key: sk-SECRET-KEY
ai_proxy:
  models:
    - name: s
      provider: vault
EOF
chmod 600 sec.yaml
aicache get -c sec.yaml -p s --show-config >sec.out
is "$(grep -c SECRET sec.out):$(show base_url get -c sec.yaml -p s)" \
	"0:http://***@127.0.0.1:1/v1|sec.yaml:4" '--show-config shows no key, and masks a password in a URL'

done_testing
