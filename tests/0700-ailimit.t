#!/bin/sh
# ailimit: records paced to limits, in order, shared by key, none lost.
# Windows are short (a limit of 600 a minute is 10 a second) so that the
# whole file takes a few seconds.
. "$(dirname "$0")/lib.sh"

plan 77

awk 'BEGIN { for (i = 1; i <= 30; i++) printf "{\"custom_id\":\"r%d\",\"prompt\":\"p%d\",\"max_tokens\":10}\n", i, i }' >in.jsonl

# --- pacing: a burst of one second's share, then the rate
t0=$(date +%s%N)
ailimit -k pace --rpm 600 <in.jsonl >pace.out
st=$? ms=$(ms_since "$t0")
is "$st:$(wc -l <pace.out | tr -d ' ')" '0:30' 'every record out, exit 0'
is "$(jq -r .custom_id pace.out | paste -sd' ')" "$(jq -r .custom_id in.jsonl | paste -sd' ')" \
	'in input order'
# at once: 10, or one or two more that refilled while those were taken
at_once() {
	n=$(cat "$@" | jq -r 'select(.aitools.limit.waited_ms == 0) | .custom_id' | wc -l)
	[ "$n" -ge "$want" ] && [ "$n" -le $((want + 2)) ] && echo "$want" || echo "$n"
}
want=10
is "$(at_once pace.out)" 10 'a burst of 10 (1 s of 600 a minute) goes at once'
if [ "$ms" -ge 1800 ] && [ "$ms" -lt 6000 ]; then pass "the other 20 at 10 a second ($ms ms)"
else fail "the other 20 at 10 a second ($ms ms)"; fi
is "$(head -n1 pace.out | jq -c .aitools.limit)" '{"key":"pace","input":8,"output":10,"waited_ms":0}' \
	'each is stamped with its key, its estimate and its wait'
is "$(head -n1 pace.out | jq -c 'del(.aitools)')" "$(head -n1 in.jsonl)" 'and is otherwise as it came'
is "$(stat -c %a "$HOME/.local/state/aitools/limits.db")" 600 'the state file is private'

# --- --burst: a larger share at once
ailimit -k burst --rpm 600 --burst 2s <in.jsonl >burst.out
want=20
is "$(at_once burst.out)" 20 '--burst 2s: 20 at once'

# --- two processes on one key share its budget
t0=$(date +%s%N)
head -n 15 in.jsonl | ailimit -k shared --rpm 600 >sh1.out &
p1=$!
tail -n 15 in.jsonl | ailimit -k shared --rpm 600 >sh2.out &
p2=$!
wait $p1; wait $p2
ms=$(ms_since "$t0")
is "$(cat sh1.out sh2.out | wc -l | tr -d ' ')" 30 'two gates on one key: every record out'
if [ "$ms" -ge 1800 ]; then pass "30 records at 600 a minute between them: 2 s at least ($ms ms)"
else fail "30 records at 600 a minute between them: 2 s at least ($ms ms)"; fi
want=10
is "$(at_once sh1.out sh2.out)" 10 'and one burst of 10 between them, not two'

# --- a process killed at any moment leaves no lock held, no budget lost:
# one killed inside a transaction on the state, and a gate killed pacing
db=$HOME/.local/state/aitools/limits.db
{ echo 'BEGIN IMMEDIATE; UPDATE buckets SET level = level;'; sleep 30; } | sqlite3 "$db" &
lpid=$!
sleep 0.3
kill -9 $lpid
wait $lpid 2>/dev/null
head -n 3 in.jsonl | timeout 5 ailimit -k killed --rpm 600 >killed.out
is "$?:$(wc -l <killed.out | tr -d ' ')" '0:3' 'a process killed holding the state'"'"'s lock: the next gate goes at once'
ailimit -k killed2 --rpm 600 <in.jsonl >/dev/null &
kpid=$!
sleep 0.5
kill -9 $kpid
wait $kpid 2>/dev/null
sleep 1
t0=$(date +%s%N)
head -n 10 in.jsonl | timeout 10 ailimit -k killed2 --rpm 600 >killed2.out
ms=$(ms_since "$t0")
if [ "$(wc -l <killed2.out)" -eq 10 ] && [ "$ms" -lt 1500 ]; then
	pass "a gate killed pacing: its key refills, and the next gate keeps the rate ($ms ms for 10)"
else
	fail "a gate killed pacing: its key refills, and the next gate keeps the rate ($ms ms for 10)"
fi

# --- a lease taken ahead is given back at the end
head -n 3 in.jsonl | ailimit -k lease --rpm 6000 >/dev/null
lv=$(ailimit status -k lease --rpm 6000 | awk '$1 == "rpm" { print $2 }')
if [ "$lv" -ge 96 ] && [ "$lv" -le 100 ]; then pass "what a run leased and did not draw is given back ($lv of 100)"
else fail "what a run leased and did not draw is given back ($lv of 100)"; fi

(head -n 1 in.jsonl; sleep 1) | ailimit -k idlelease --rpm 6000 >/dev/null &
ipid=$!
sleep 0.5
lv=$(ailimit status -k idlelease | awk '$1 == "rpm" { print $2 }')
wait $ipid
if [ "$lv" -ge 98 ]; then pass "  and while its input waits, so that an idle gate holds nothing ($lv of 100)"
else fail "  and while its input waits, so that an idle gate holds nothing ($lv of 100)"; fi

# --- what passes at once, untouched
printf '{"prompt":"a","response":{"x":1}}\n{"prompt":"b","error":{"code":"server"}}\nnot json\n{"nothing":1}\n' >pass.jsonl
ailimit -k pass --rpm 1 <pass.jsonl >pass.out
is "$?" 0 'records answered, and lines aiq will refuse, pass: exit 0'
cmp -s pass.jsonl pass.out
is "$?" 0 '  byte for byte, drawing nothing'
is "$(ailimit status -k pass --rpm 1 | sed -n 2p)" 'rpm    1 of 1 now (the burst)' '  the bucket is full still'

# --- a record that could never pass
printf '{"prompt":"big","max_tokens":5000}\n{"prompt":"small","max_tokens":1}\n' |
	ailimit -k never --tpm 1000 >never.out 2>never.err
is "$?" 1 'a record over a limit: exit 1'
is "$(jq -r '.error.code // "sent"' never.out | paste -sd' ')" 'over_limit sent' \
	'it fails as over_limit, and the next one goes'
is "$(head -n1 never.out | jq -r .error.message)" 'needs 5008 of tpm, more than its limit of 1000 a minute allows' \
	'saying which limit'
printf '{"prompt":"hi"}\n' | ailimit -k never --tpm 4000 2>/dev/null | jq -r .error.message >never2.out
is "$(cat never2.out)" 'needs 4104 of tpm, more than its limit of 4000 a minute allows (4096 output tokens reserved, as the request sets no max_tokens: set one, or give --max-tokens)' \
	'  and when the output reserved is the default, saying so'

# --- a draw larger than the burst leaves the bucket owing, which status says
printf '{"prompt":"x","max_tokens":5000}\n' | ailimit -k debt --tpm 6000 >/dev/null
like "$(ailimit status -k debt | sed -n 2p)" '^tpm    0 of 100 now \(the burst\), 4[6-9][0-9][0-9] owed: 4[6-9]\.[0-9] s to wait$' \
	'status: a bucket a long record left owing says what is owed and how long it takes'

# --- a day's quota
head -n 5 in.jsonl | ailimit -k day --rpd 3 >day.out 2>/dev/null
is "$?:$(jq -r '.error.code // "sent"' day.out | paste -sd' ')" \
	'1:sent sent sent quota_exceeded quota_exceeded' 'a quota spent: the rest fail as quota_exceeded, exit 1'
like "$(sed -n 4p day.out | jq -r .error.message)" '^the rpd quota of 3 a day has not the 1 this record needs left: it is whole again at midnight' \
	'saying which quota, and when it is whole again'
is "$(ailimit status -k day --rpd 3 | sed -n 2p)" 'rpd    3 drawn today, 0 of 3 left' 'status: nothing left today'
ailimit reset -k day
is "$(ailimit status -k day --rpd 3 | sed -n 2p)" 'rpd    0 drawn today, 3 of 3 left' 'reset: whole again'

# --- a signal while records wait: every record read is written
awk 'BEGIN { for (i = 1; i <= 5; i++) printf "{\"prompt\":\"s%d\"}\n", i }' >sig.jsonl
: >sig.out
ailimit -k sig --rpm 60 <sig.jsonl >sig.out 2>/dev/null &
pid=$!
i=0
while [ "$(wc -l <sig.out)" -lt 1 ] && [ $i -lt 100 ]; do sleep 0.02; i=$((i + 1)); done
sleep 0.2
kill -INT $pid
wait $pid
st=$?
is "$st:$(wc -l <sig.out | tr -d ' ')" '130:5' 'SIGINT: every record out, ended by the signal'
is "$(jq -r '.error.code // "sent"' sig.out | sort | uniq -c | tr -s ' ' | paste -sd'|')" \
	' 4 interrupted| 1 sent' '  those that waited as interrupted'

# --- through aiq: the stamp stays on the answer
start_mock
head -n 3 in.jsonl | ailimit -k aiq --rpm 600 | aiq -J >aiq.out 2>/dev/null
is "$(jq -c '[.response.status_code, .aitools.limit.key]' aiq.out | sort -u)" '[200,"aiq"]' \
	'aiq answers the records and keeps their stamp'
is "$(jq -c 'select(.aitools.limit.input != .response.body.usage.prompt_tokens)' aiq.out | wc -l | tr -d ' ')" 0 \
	'the estimate of each prompt (a letter and a digit) is the count aimock reports'

# --- against a server that enforces a limit: no 429.  aimock's bucket
# holds a whole minute, so the gate's burst is one too; the 103 records of
# 62 tokens are 386 over a minute's 6,000: without the gate, the last of
# them are refused.  The gate is a little below it, as a client must be:
# it counts when a record leaves, the server when the request comes.
stop_mock
start_mock -L "$SCRATCH/lim.log" --tpm 6000
awk 'BEGIN { for (i = 1; i <= 103; i++) printf "{\"prompt\":\"question %03d\",\"max_tokens\":50}\n", i }' >lim.jsonl
aiq -J -j 8 --max-attempts 1 <lim.jsonl 2>/dev/null | jq -r '.error.code // empty' | sort -u >nolim.codes
is "$(cat nolim.codes)" 'rate_limited' 'without the gate, aimock refuses some of them'
stop_mock
start_mock -L "$SCRATCH/lim.log" --tpm 6000
ailimit -k enforced --tpm 5800 --burst 1m <lim.jsonl | aiq -J -j 8 --max-attempts 1 >lim.out 2>/dev/null
is "$(jq -r '.response.status_code // .error.code' lim.out | sort | uniq -c | tr -s ' ')" ' 103 200' \
	'paced a little below the limit aimock enforces, every one passes: no 429'

# --- settle: what was drawn and not used is given back, once
stop_mock
start_mock
awk 'BEGIN { for (i = 1; i <= 3; i++) printf "{\"prompt\":\"s%d\",\"max_tokens\":1000}\n", i }' |
	ailimit -k settle --tpm 600000 --tpd 6000 | aiq -J 2>/dev/null >settle.in
before=$(ailimit status -k settle | awk '$1 == "tpd" { print $5 }')
ailimit settle <settle.in >settle.out
st=$?
after=$(ailimit status -k settle | awk '$1 == "tpd" { print $5 }')
is "$st:$(jq -c 'del(.aitools.limit.settled)' settle.out | cmp -s - settle.in; echo $?)" '0:0' \
	'settle: exit 0, the records as they came'
is "$(jq -r .aitools.limit.settled settle.out | sort -u)" true '  but for their stamp, marked settled'
if [ "$before" -le 3000 ] && [ "$after" -ge 5900 ]; then
	pass "settle: the day's quota gets back what was reserved and not used ($before, then $after of 6000)"
else
	fail "settle: the day's quota gets back what was reserved and not used ($before, then $after of 6000)"
fi
ailimit settle <settle.out >/dev/null
is "$(ailimit status -k settle | awk '$1 == "tpd" { print $5 }')" "$after" \
	'settle again: a stamp is settled once, nothing given back twice'
printf '{"prompt":"f"}\n' | ailimit -k unbilled --tpm 6000 --burst 1m |
	jq -c '. + {error: {code: "server"}}' >unbilled.jsonl
ailimit settle <unbilled.jsonl >/dev/null
after=$(ailimit status -k unbilled | awk '$1 == "tpm" { print $2 }')
if [ "$after" -ge 5990 ]; then pass "settle: a call that failed unbilled gives back all it drew ($after of 6000)"
else fail "settle: a call that failed unbilled gives back all it drew ($after of 6000)"; fi

# --- a day's quota in dollars: priced at the gate, trued up by settle.
# The table's model costs $1 a million input tokens and $2 output: a
# record of 8 input tokens and 10 reserved output may cost $0.000028.
printf '{"mock-model":{"input_cost_per_token":0.000001,"output_cost_per_token":0.000002}}\n' >prices.json
head -n 4 in.jsonl | jq -c '. + {model: "mock-model"}' >usd.jsonl
ailimit -k usd --usd-per-day 0.0001 --prices prices.json <usd.jsonl >usd.out 2>/dev/null
is "$?:$(jq -r '.error.code // .aitools.limit.usd_micro' usd.out | paste -sd' ')" \
	'1:28 28 28 quota_exceeded' '--usd-per-day: each record drawn at its price, the 4th over $0.0001 fails, exit 1'
is "$(sed -n 4p usd.out | jq -r .error.message)" \
	'the quota of $0.0001 a day (--usd-per-day) has not the $0.000028 this record may cost left: it is whole again at midnight, local time (--wait-quota waits)' \
	'  saying which quota, what the record may cost, and when it is whole again'
is "$(head -n1 usd.out | jq -c '.aitools.limit | [.model, .usd_micro]')" '["mock-model",28]' \
	'  the stamp names the model priced and the cost drawn'
is "$(ailimit status -k usd | sed -n 2p)" 'usd    $0.000084 drawn today, $0.000016 of $0.0001 left' \
	'status: the day'"'"'s spend'
head -n 3 usd.out | aiq -J 2>/dev/null | ailimit settle --prices prices.json >usd.settled
real=$(jq -s 'map(.response.body.usage | .prompt_tokens + 2 * .completion_tokens) | add' usd.settled)
is "$(ailimit status -k usd | sed -n 2p | awk '{ print $2 }')" "\$$(printf '0.%06d' "$real")" \
	"settle trues the spend up to what the calls cost ($real microdollars)"
printf '{"model":"unpriced-model","prompt":"x"}\n' | ailimit -k usd --usd-per-day 1 >unpriced.out 2>/dev/null
is "$?:$(jq -r .error.code unpriced.out)" '1:over_limit' 'a model without a price: over_limit, a dollar quota cannot count it'
printf '{"model":"mock-model","prompt":"x","max_tokens":100000}\n' |
	ailimit -k usd2 --usd-per-day 0.1 --prices prices.json 2>/dev/null | jq -r .error.message >dear.out
is "$(cat dear.out)" 'may cost $0.200008, more than the $0.10 a day of --usd-per-day allows' \
	'a record dearer than the whole day: over_limit, saying so'

# --- estimate: what a run will draw, cost and take, nothing sent
printf '{"prompt":"done","response":{}}\n' >>usd.jsonl
ailimit estimate --rpm 60 --prices prices.json <usd.jsonl >est.out
is "$?:$(awk '$1 == "mock-model" || $1 == "total" { print $1, $2, $3, $4, $5 }' est.out | paste -sd'|')" \
	'0:mock-model 4 32 40 $0.000112|total 4 32 40 $0.000112' \
	'estimate: per model and in all, the records, input, output reserved and cost'
is "$(grep -c 'without a call' est.out):$(grep -o 'time at the limits: [^,]*' est.out)" \
	'1:time at the limits: 3.0 s (rpm binds)' '  the records that pass, and the time the limits take (one at once, then 3 at 60 a minute)'
head -n 4 usd.jsonl | aiq -J --no-usage-log 2>/dev/null >est.run
real=$(aiusage --prices prices.json -f csv est.run 2>/dev/null | awk -F, '$1 == "TOTAL" { print $4, $7 }')
if [ "${real% *}" = 32 ] && awk -v c="${real#* }" 'BEGIN { exit !(c <= 0.000112) }'; then
	pass "the estimate against the run's real cost: the same input tokens, the cost an upper bound ($real)"
else
	fail "the estimate against the run's real cost: the same input tokens, the cost an upper bound ($real)"
fi
jq . usd.jsonl | ailimit estimate >estpretty.out
is "$?:$(grep -c 'jq -c' estpretty.out)" '1:1' '  pretty-printed JSON is no request: said, with the way out, exit 1'
ailimit estimate --tpd 50 --usd-per-day 0.0001 --prices prices.json <usd.jsonl >estq.out
is "$(grep -c 'days with --wait-quota' estq.out)" 2 '  a run that needs more than a day of a quota is told how many days'

# --- -R: records with an error are drawn for and stamped anew, as aiq -R sends them
ailimit -R -k resend --rpm 600 <unbilled.jsonl >resend.out
is "$(jq -c '[.error.code, .aitools.limit.key, .aitools.limit.settled]' resend.out)" '["server","resend",null]' \
	'-R: a record with an error draws, and gets a fresh stamp'

# --- settle follows a 429's Retry-After: the key pauses until then
stop_mock
start_mock --rpm 2
head -n 4 in.jsonl | ailimit -k told --rpm 6000 | aiq -J --max-attempts 1 2>/dev/null |
	ailimit settle >told.out
is "$(jq -r '.error.code // "ok"' told.out | sort | uniq -c | tr -s ' ' | paste -sd'|')" \
	' 2 ok| 2 rate_limited' 'aimock at 2 a minute refuses two of four'
like "$(ailimit status -k told | tail -n1)" '^paused [0-9]+ ms more, as the provider asked$' \
	'settle: the Retry-After of a 429 pauses the key'
printf '{"prompt":"late"}\n' | timeout 1 ailimit -k told --rpm 6000 >late.out 2>/dev/null
is "$?:$(jq -r .error.code late.out)" '124:interrupted' \
	'  and a gate on it waits: stopped, its record is interrupted, not sent'

# --- --auto: the limits the provider's headers say, learned by settle
stop_mock
start_mock --rpm 600 --tpm 100000
head -n 12 in.jsonl >auto.jsonl
t0=$(date +%s%N)
ailimit -k auto --auto <auto.jsonl | aiq -J 2>/dev/null | ailimit settle >auto.out 2>auto.err
ms=$(ms_since "$t0")
is "$(jq -r '.response.status_code // .error.code' auto.out | sort | uniq -c | tr -s ' ')" ' 12 200' \
	'--auto: every record answered, no 429'
if [ "$ms" -lt 6000 ]; then pass "  it starts at 50 a minute, then paces by the 600 aimock says ($ms ms, not 13 s)"
else fail "  it starts at 50 a minute, then paces by the 600 aimock says ($ms ms, not 13 s)"; fi
is "$(ailimit status -k auto | grep '^said')" "said   rpm 600, tpm 100000 (the provider's headers, for --auto)" \
	'  status shows the limits learned'
t0=$(date +%s%N)
ailimit -k auto --auto <auto.jsonl >auto2.out 2>/dev/null
ms=$(ms_since "$t0")
if [ "$ms" -lt 3000 ] && [ "$(ailimit status -k auto | awk '$1 == "rpm" { print $4 }')" = 10 ]; then
	pass "  the next run on the key starts at them: 600 a minute, a burst of 10 ($ms ms)"
else
	fail "  the next run on the key starts at them: 600 a minute, a burst of 10 ($ms ms)"
fi
ailimit reset -k auto
head -n 4 in.jsonl | ailimit -k autocap --auto --rpm 120 | aiq -J 2>/dev/null | ailimit settle >/dev/null
head -n 1 in.jsonl | ailimit -k autocap --auto --rpm 120 >/dev/null 2>&1
is "$(ailimit status -k autocap | awk '$1 == "rpm" { print $4 }')" 2 \
	'  a rate given with --auto is a ceiling: 120 a minute, not 600'
stop_mock
start_mock --rpm 60 --itpm 30000 --otpm 8000
printf '{"model":"claude-haiku-4-5","prompt":"a","max_tokens":10}\n' |
	ailimit -k autoa --auto | aiq -J 2>/dev/null | ailimit settle >/dev/null
is "$(ailimit status -k autoa | grep '^said')" "said   rpm 60, itpm 30000, otpm 8000 (the provider's headers, for --auto)" \
	"  Anthropic's input and output token limits, not its tighter 'tokens'"
printf '{"prompt":"x"}\n' | ailimit -k autonone --auto 2>autonone.err >/dev/null
is "$(cat autonone.err)" "ailimit: --auto: no limits had come from the provider's headers when the input ended (they come by 'ailimit settle' after aiq): paced at 50 requests and 20000 tokens a minute" \
	'  none learned: said at the end'

# --- from the trial: settle passes on what was paid for, whatever its state
stop_mock
start_mock
printf '{"prompt":"paid"}\n' | ailimit -k paid --rpm 600 | aiq -J 2>/dev/null >paid.jsonl
env -i PATH="$PATH" ailimit settle <paid.jsonl >paid.out 2>paid.err
is "$?:$(jq -r .response.status_code paid.out):$(cat paid.err)" \
	'0:200:ailimit: no state file (set AILIMIT_STATE, XDG_STATE_HOME or HOME, or give --state): records are passed on, nothing is trued up' \
	'settle in cron'"'"'s empty environment: the answer passed on, and said'
echo 'not a database' >corrupt.db
ailimit settle --state corrupt.db <paid.jsonl >paid2.out 2>/dev/null
is "$?:$(jq -r .response.status_code paid2.out)" '0:200' 'settle with a state file it cannot open: the answer passed on'
ailimit settle --prices nosuch.json <usd.settled >/dev/null 2>prices.err
is "$?:$(wc -l <prices.err | tr -d ' ')" '0:0' '  a settled record needs no prices'
printf '{"prompt":"late","model":"mock-model","max_tokens":50}\n' |
	ailimit -k late --usd-per-day 1 --prices prices.json | aiq -J 2>/dev/null >late.jsonl
ailimit settle --prices nosuch.json <late.jsonl 2>prices.err | jq -r .response.status_code >late.out
like "$(cat late.out):$(cat prices.err)" '^200:ailimit: nosuch.json: .*: dollars are not trued up$' \
	'  nor does a bad --prices stop it: the answer passed on, and said'

# --- settle gives back at once when its input waits, not at the next line
printf '{"prompt":"x","max_tokens":500}\n' | ailimit -k idle --otpm 600 | aiq -J 2>/dev/null >idle.jsonl
(cat idle.jsonl; sleep 2) | ailimit settle >/dev/null &
spid=$!
sleep 0.7
like "$(ailimit status -k idle | awk '$1 == "otpm"')" '^otpm   [0-9]+ of 10 now \(the burst\)$' \
	'settle: what was drawn and not used is given back while its input waits'
wait $spid

# --- a record waiting out a long draw goes as soon as settle gives back
# what the one before it reserved and did not use (500 of 600 a minute)
t0=$(date +%s%N)
printf '{"custom_id":"a","prompt":"x","max_tokens":500}\n{"custom_id":"b","prompt":"y","max_tokens":500}\n' |
	timeout 20 sh -c 'ailimit -k recheck --otpm 600 | aiq -J -j 2 2>/dev/null | ailimit settle' >recheck.out
ms=$(ms_since "$t0")
if [ "$(jq -r .response.status_code recheck.out | paste -sd' ')" = '200 200' ] && [ "$ms" -lt 6000 ]; then
	pass "  and a record waiting on a long draw goes once it is given back ($ms ms, not 50 s)"
else
	fail "  and a record waiting on a long draw goes once it is given back ($ms ms, not 50 s)"
fi

# --- -m, --max-tokens: what aiq will send is what the gate prices
printf '{"prompt":"hello"}\n' | ailimit -k mm -m mock-model --max-tokens 100 --usd-per-day 1 --prices prices.json >mm.out
is "$(jq -c '.aitools.limit | [.model, .output, .usd_micro]' mm.out)" '["mock-model",100,209]' \
	'-m and --max-tokens, as aiq'"'"'s: the model priced and the output reserved'

# --- the gate says what it did not send; a line too long keeps its custom_id
head -n 5 in.jsonl | ailimit -k said --rpd 3 2>said.err >/dev/null
is "$?:$(cat said.err)" '1:ailimit: 2 records not sent, written as errors: 2 quota_exceeded' \
	'records not sent: said at the end, by code'
head -n 5 in.jsonl | ailimit -k said2 --rpd 3 2>/dev/null | aiq -J 2>/dev/null |
	aiusage -f jsonl 2>/dev/null | jq -r 'select(.total) | "\(.requests) \(.not_sent)"' >said.usage
is "$(cat said.usage)" '3 2' '  and aiusage counts the calls made, not the records refused'
{ printf '{"custom_id":"h1","prompt":"'; head -c 67200000 /dev/zero | tr '\0' a; printf '"}\n'; } |
	ailimit -k long --rpm 600 2>/dev/null | jq -c '[.custom_id, .error.message]' >long.out
is "$(cat long.out)" '["h1","line 1: longer than 67108864 bytes: not read"]' \
	'a line too long: invalid_input, keeping its custom_id, saying the limit'

# --- usage errors
ailimit </dev/null >/dev/null 2>nolimit.err
is "$?:$(head -n1 nolimit.err)" '2:ailimit: no limit given: --auto, --rpm, --tpm, --itpm, --otpm, --rpd, --tpd or --usd-per-day' \
	'no limit: a usage error'
ailimit -k 'a b' --rpm 1 </dev/null >/dev/null 2>key.err
is "$?" 2 'a key with a blank: a usage error'
ailimit --rpm 0 </dev/null >/dev/null 2>zero.err
is "$?:$(head -n1 zero.err)" "2:ailimit: --rpm '0': not a whole number from 1 to 68719476736" \
	'a limit of 0: a usage error'
ailimit settle --rpm 5 </dev/null >/dev/null 2>settleopt.err
is "$?:$(head -n1 settleopt.err)" '2:ailimit: settle takes no limits, key nor profile: each record names its key, each bucket keeps the limit it was drawn with' \
	'settle with a limit: a usage error'
printf '{"prompt":"x"}\n' | env -i "$AI_BIN/ailimit" --rpm 60 >nohome.out 2>nohome.err
is "$?:$(grep -c . nohome.out):$(grep -c 'shared with no other process' nohome.err)" '0:1:1' \
	'no HOME (cron): paced all the same, alone, and said'
is "$(ailimit status -k never-seen)" "$(printf 'key    never-seen\nnothing drawn from this key yet')" \
	'status of a key never drawn from says so'

done_testing
