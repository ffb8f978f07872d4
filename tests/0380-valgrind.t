#!/bin/sh
# No leaks or memory errors under valgrind, in every mode of aiq and in
# aimock, aicache, aiusage and ailimit.  Skipped without valgrind and for sanitized builds.
. "$(dirname "$0")/lib.sh"

if ! command -v valgrind >/dev/null || [ "${AI_BIN##*/}" = build-san ]; then
	echo "1..0 # SKIP valgrind not installed, or a sanitized build"
	exit 0
fi

plan 13

VG="valgrind -q --leak-check=full --show-leak-kinds=definite,indirect --errors-for-leak-kinds=definite,indirect --error-exitcode=99"

$VG "$AI_BIN/aimock" -p 0 -L "$SCRATCH/sent.log" >port 2>mock.err &
vpid=$!
_mock_pids=$vpid
i=0
until [ -s port ] || [ $i -gt 1000 ]; do sleep 0.02; i=$((i + 1)); done
export OPENAI_BASE_URL=http://127.0.0.1:$(cat port)/v1
export ANTHROPIC_BASE_URL=http://127.0.0.1:$(cat port)

cat >in.jsonl <<'EOF'
{"custom_id":"a","prompt":"hello"}
not json
{"prompt":"fail [[mock status=500]]"}
{"prompt":"done","response":{"status_code":200}}
{"model":"m","messages":[{"role":"user","content":"bare"}],"aitools":{"x":1}}
EOF
$VG aiq -J -j 2 --log-content <in.jsonl >out.jsonl 2>vg1.txt
is "$?" 1 'aiq -J: no valgrind errors (exit 1 for the failed records)'
$VG aiq -s sys hello </dev/null >/dev/null 2>vg2.txt
is "$?" 0 'aiq text mode: no valgrind errors'
printf 'a\n\nb\n' | $VG aiq -l -u >/dev/null 2>vg3.txt
is "$?" 1 'aiq -l: no valgrind errors'
printf '{"prompt":"x"}\n' | $VG aiq -J --base-url http://127.0.0.1:1/v1 >/dev/null 2>vg4.txt
is "$?" 1 'aiq with a network error: no valgrind errors'
cat >in2.jsonl <<'EOF'
{"prompt":"streamed","stream":true}
{"prompt":"claude","model":"claude-x"}
{"prompt":"claude streamed","model":"claude-x","stream":true}
{"custom_id":"b","params":{"model":"claude-x","max_tokens":50,"messages":[{"role":"user","content":"batch"}]}}
{"prompt":"retried [[mock fail_first=1 fail=429 retry_after_ms=10]]"}
{"prompt":"cut [[mock fault=truncate]]","stream":true}
{"prompt":"tools","model":"claude-x","tools":[]}
EOF
$VG aiq -J -j 3 --max-wait 10ms <in2.jsonl >out2.jsonl 2>vg5.txt
is "$?" 1 'aiq: streams, Anthropic, retries: no valgrind errors'
$VG aiq --stream -m claude-x 'hello there' </dev/null >/dev/null 2>vg6.txt
is "$?" 0 'aiq text mode, streaming from Anthropic: no valgrind errors'
AICACHE_DB=$SCRATCH/vg.db $VG aicache get <in2.jsonl 2>vg7.txt |
    aiq -J --max-wait 10ms 2>/dev/null | AICACHE_DB=$SCRATCH/vg.db $VG aicache put --max-size 1K >/dev/null 2>vg8.txt
st=$?
is "$st:$(cat vg7.txt vg8.txt | grep -c '==[0-9]*==')" 0:0 'aicache get and put: no valgrind errors'
AICACHE_DB=$SCRATCH/vg.db $VG aicache get <in2.jsonl >/dev/null 2>vg9.txt &&
    AICACHE_DB=$SCRATCH/vg.db $VG aicache stats >/dev/null 2>>vg9.txt &&
    AICACHE_DB=$SCRATCH/vg.db $VG aicache export 2>>vg9.txt |
    $VG aicache import -f "$SCRATCH/vg2.db" 2>>vg9.txt
st=$?
is "$st:$(grep -c '==[0-9]*==' vg9.txt)" 0:0 'aicache hits, stats, export, import: no valgrind errors'
cat >cfg.yaml <<EOF
service: vg
ai_proxy:
  models:
    - &base
      name: t
      provider: local
      template: "In {{lang}}: {{input}}"
      params: {seed: 1}
      tags: {team: a}
      rate_limit: [5/s, 100 tokens/min]
    - {name: f, provider: dead, fallback: [local/gpt-4o], context_fallback: local/gpt-4.1}
providers:
  dead: {api: openai, base_url: "http://127.0.0.1:1/v1"}
  local: {api: openai, base_url: "$OPENAI_BASE_URL", headers: {X-A: b},
    query: {v: 1}, key_env: NO_SUCH_KEY, trace_header: x-t}
EOF
{
	printf '{"lang":"fr","prompt":"a"}\n{"prompt":"b"}\n' |
	    $VG aiq -c cfg.yaml -p t -J
	$VG aiq -c cfg.yaml -p t --show-config
	$VG aiq -c cfg.yaml --list-profiles
	printf '{"prompt":"a"}\n{"prompt":"b [[mock status=400 code=context_length_exceeded]]"}\n' |
	    $VG aiq -c cfg.yaml -p f -J --max-attempts 1
	$VG aicache get -c cfg.yaml -p t --show-config
	$VG ailimit -c cfg.yaml -p t --show-config
	printf 'bad: [\n' >bad.yaml
	$VG aiq -c bad.yaml -p t x
	$VG aiq -c cfg.yaml -p nope x
} >/dev/null 2>vg13.txt
is "$(grep -c '==[0-9]*==' vg13.txt)" 0 'aiq with a config file, good and bad: no valgrind errors'
D=$TESTS/data/aiusage
{
	for f in html csv jsonl markdown; do
		$VG aiusage -f $f -b model,day,field:custom_id --prices "$D/prices.json" \
		    --prices "$TESTS/data/litellm-model-prices-2024.json" \
		    out.jsonl out2.jsonl "$D/records.jsonl" "$D/anthropic-batch.jsonl" \
		    "$D/openai-batch.jsonl" in.jsonl
		echo "exit $?"
	done
} >/dev/null 2>vg10.txt
is "$(grep -c '==[0-9]*==' vg10.txt)" 0 'aiusage over records, every format: no valgrind errors'
{
	$VG aiusage -b service,status,hour --since 7d -f html
	$VG aiusage --budget 0.000001 --period month
	$VG aiusage -b week,provider,tier -m nothing -f tsv
} >/dev/null 2>vg11.txt
is "$(grep -c '==[0-9]*==' vg11.txt)" 0 'aiusage over the usage log, and a budget: no valgrind errors'
{
	printf '{"prompt":"a","max_tokens":3}\n{"prompt":"x","response":{}}\nnot json\n{"prompt":"b","max_tokens":5000}\n' |
	    $VG ailimit -k vg --tpm 1000 --rpd 5
	$VG ailimit status -k vg --tpm 1000 --rpd 5
	$VG ailimit reset -k vg
} >/dev/null 2>vg12.txt
is "$(grep -c '==[0-9]*==' vg12.txt)" 0 'ailimit: the gate, status and reset: no valgrind errors'
kill -TERM $vpid
wait $vpid
is "$?" 0 'aimock: no valgrind errors after serving and SIGTERM'
for f in vg1.txt vg2.txt vg3.txt vg4.txt vg5.txt vg6.txt vg7.txt vg8.txt vg9.txt vg10.txt vg11.txt mock.err; do
	grep -q '==[0-9]*==' $f && diag "$f:" "$(cat $f)"
done
_mock_pids=

done_testing
