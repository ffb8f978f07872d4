#!/bin/sh
# Ctrl-C on a whole pipeline: aiq writes the calls it made as it stops
# (interrupted), and the pass-through stages after it (ailimit settle,
# aicache put) read on to the end of their input so that none is lost;
# the gate before it sends no more but loses nothing it reads.  A second
# signal a second or more later ends a stage at once.
. "$(dirname "$0")/lib.sh"

plan 14

export AICACHE_DB=$SCRATCH/cache.db AILIMIT_STATE=$SCRATCH/limits.db

# A background job of a script ignores SIGINT: $dfl gives a stage the
# default, as a terminal's foreground job has it.
dfl=
if env --default-signal=INT true 2>/dev/null; then dfl='env --default-signal=INT'; fi

# reap PID: waits for PID at most 10 s, then kills it; its status in $st
reap() {
	_i=0
	while kill -0 "$1" 2>/dev/null && [ $_i -lt 500 ]; do sleep 0.02; _i=$((_i + 1)); done
	kill -KILL "$1" 2>/dev/null
	wait "$1"
	st=$?
}
# lines FILE N: waits until FILE has N lines, at most 10 s
lines() {
	_i=0
	while [ "$(wc -l <"$1" 2>/dev/null || echo 0)" -lt "$2" ] && [ $_i -lt 500 ]; do
		sleep 0.02; _i=$((_i + 1))
	done
}
# feed FIFO FIRST LATER: writes FIRST to FIFO, then LATER once the file
# go exists (10 s at most), in the background; its pid in $feeder
feed() {
	rm -f go
	( printf '%s' "$2"
	  _i=0
	  while [ ! -e go ] && [ $_i -lt 500 ]; do sleep 0.02; _i=$((_i + 1)); done
	  printf '%s' "$3" ) >"$1" 2>/dev/null &
	feeder=$!
}

# --- ailimit settle: records that come after the signal are passed on
printf '{"custom_id":"s%d","prompt":"x"}\n' 1 2 3 4 | ailimit -k st --rpm 6000 |
    jq -c '.response = {"status_code":200,"body":{"usage":{"prompt_tokens":1,"completion_tokens":1}}}' >stamped.jsonl
mkfifo s.fifo
: >settle.out
$dfl ailimit settle <s.fifo >settle.out 2>settle.err &
pid=$!
feed s.fifo "$(sed -n 1p stamped.jsonl)
" "$(sed -n '2,4p' stamped.jsonl)
"
lines settle.out 1
kill -INT $pid
sleep 0.1
kill -INT $pid		# within the second: the same stop
touch go
reap $pid
is "$st:$(jq -r .custom_id settle.out | paste -sd' ')" '130:s1 s2 s3 s4' \
	'settle: SIGINT, then 3 more records: every one passed on, then ended by the signal'
is "$(jq -r .aitools.limit.settled settle.out | sort -u)" true '  each settled'
reap $feeder

# --- a second signal a second or more later ends it at once
: >settle2.out
$dfl ailimit settle <s.fifo >settle2.out 2>/dev/null &
pid=$!
feed s.fifo "$(sed -n 1p stamped.jsonl)
" "$(sed -n 2p stamped.jsonl)
"
lines settle2.out 1
kill -INT $pid
sleep 1.2
t0=$(date +%s%N)
kill -INT $pid
reap $pid
ms=$(ms_since "$t0")
alive=$(kill -0 $feeder 2>/dev/null && echo feeding)
is "$st:$alive:$(wc -l <settle2.out | tr -d ' ')" '130:feeding:1' \
	'settle: a second SIGINT 1.2 s later ends it at once, its input still open'
if [ "$ms" -lt 2000 ]; then pass "  at once ($ms ms)"; else fail "  at once ($ms ms)"; fi
touch go
reap $feeder

# --- aicache put: the same, and what comes after the signal is stored
answer() {
	printf '{"custom_id":"%s","prompt":"%s","response":{"status_code":200,"body":{"id":"c","object":"chat.completion","model":"gpt-4o-mini","choices":[{"index":0,"message":{"role":"assistant","content":"A %s"},"finish_reason":"stop"}],"usage":{"prompt_tokens":3,"completion_tokens":2,"total_tokens":5}}}}\n' "$1" "$1" "$1"
}
mkfifo p.fifo
: >put.out
$dfl aicache put <p.fifo >put.out 2>put.err &
pid=$!
feed p.fifo "$(answer p1)
" "$(answer p2)
$(answer p3)
"
lines put.out 1
kill -INT $pid
sleep 0.1
kill -INT $pid
touch go
reap $pid
is "$st:$(jq -r .custom_id put.out | paste -sd' ')" '130:p1 p2 p3' \
	'aicache put: SIGINT, then 2 more records: every one passed on, then ended by the signal'
is "$(aicache export | wc -l | tr -d ' ')" 3 '  and every answer stored'
reap $feeder

# --- the gate: sends no more after the signal, but loses no record
mkfifo g.fifo
: >gate.out
$dfl ailimit -k g --rpm 60 <g.fifo >gate.out 2>gate.err &
pid=$!
feed g.fifo '{"custom_id":"g1","prompt":"a"}
{"custom_id":"g2","prompt":"b"}
' '{"custom_id":"g3","prompt":"c"}
{"custom_id":"g4","prompt":"d","response":{"status_code":200,"body":{}}}
'
lines gate.out 1
sleep 0.2
kill -INT $pid
touch go
reap $pid
is "$st:$(jq -r '"\(.custom_id):\(.error.code // "out")"' gate.out | paste -sd' ')" \
	'130:g1:out g2:interrupted g3:interrupted g4:out' \
	'the gate: the record waiting and those read after the signal written as interrupted, an answered one as it came'
is "$(jq -r 'select(.custom_id == "g3") | .error.message' gate.out)" 'stopped by a signal before its turn' \
	'  none sent unpaced'
reap $feeder

# --- the whole pipeline, sent SIGINT as a group (Ctrl-C): every record aiq
# wrote comes out of the last stage
if [ -n "$dfl" ] && command -v setsid >/dev/null; then
	start_mock -d 3000 -L "$SCRATCH/sent.log"
	cat >.aitools.yaml <<'EOY'
service: trial
ai_proxy:
  models:
    - name: x
      max_tokens: 50
EOY
	awk 'BEGIN { for (i = 1; i <= 40; i++)
		printf "{\"custom_id\":\"c%d\",\"prompt\":\"p%d%s\"}\n", i, i, i <= 4 ? " [[mock latency=0]]" : "" }' >in.jsonl
	: >sent.log
	# each stage's status kept; tee, which ignores SIGINT (and with -p a
	# reader gone), keeps what aiq wrote
	$dfl setsid sh -c 'trap : INT
	aicache get -p x <in.jsonl 2>get.err |
	    { trap : INT; ailimit -p x --rpm 600 2>gate.err; echo $? >gate.rc; } |
	    { trap : INT; aiq -p x -J -j 8 2>aiq.err; echo $? >aiq.rc; } |
	    (trap "" INT; exec tee -p aiq.out) |
	    { trap : INT; ailimit settle 2>settle.err; echo $? >settle.rc; } |
	    { trap : INT; aicache put -p x >out.jsonl 2>put.err; echo $? >put.rc; }' &
	pg=$!
	lines sent.log 12	# 4 answered at once, 8 in flight; the gate paces the rest
	sleep 0.3
	kill -INT -$pg
	reap $pg
	is "$(jq -r '.error.code // "ok"' aiq.out | sort | uniq -c | tr -s ' ' | paste -sd,)" ' 8 interrupted, 4 ok' \
		'the pipeline: aiq wrote its 4 answers and its 8 calls in flight as interrupted'
	is "$(jq -r .custom_id out.jsonl | sort | paste -sd' ')" "$(jq -r .custom_id aiq.out | sort | paste -sd' ')" \
		'  every record aiq wrote came out of aicache put'
	is "$(jq -r .aitools.limit.settled out.jsonl | sort -u)" true '  each settled'
	is "$(cat aiq.rc):$(cat settle.rc):$(cat put.rc)" '130:130:130' '  aiq, settle and put ended by the signal'
	is "$(cat gate.rc):$(cat settle.err put.err)" '130:' \
		'  so did the gate, its reader gone; settle and put said nothing'
	is "$(aicache export | jq -r 'select(.response.body.choices[0].message.content | startswith("Echo: p")) | .key' | wc -l | tr -d ' ')" 4 \
		'  the 4 answers are stored'
else
	for i in 1 2 3 4 5 6; do pass 'the pipeline (skipped: no env --default-signal or setsid)'; done
fi

done_testing
