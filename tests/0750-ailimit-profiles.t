#!/bin/sh
# ailimit and the config file: a profile's rate_limit as the limits,
# SERVICE/PROFILE (its name alone without a service) as the key, its
# request defaults those of the estimates, each under its flag;
# --show-config; rates ailimit cannot keep, a bad file and a missing
# profile refused before anything is read; estimate's reasons.
. "$(dirname "$0")/lib.sh"

plan 44

CF=$SCRATCH/.aitools.yaml
cat >"$CF" <<'EOF'
ai_proxy:
  models:
    - name: batch
      model: gpt-4o
      max_tokens: 20
      system: Be brief.
      rate_limit: 100/min
    - name: burst5
      rate_limit: "5/s"
    - name: mixed
      rate_limit:
        - 1000 requests/day
        - 120000 tokens/h
        - 3000 input tokens/min
        - 9000 tokens/day
    - name: both
      rate_limit: ["5/s", 100/min]
    - name: bare
      model: gpt-4o
EOF
# show NAME [ARGS...]: the value and origin of the row NAME of --show-config
show() {
	_n=$1
	shift
	ailimit "$@" --show-config </dev/null | awk -v n="$_n" '
	    substr($0, 1, 18) ~ "^" n " *$" { v = substr($0, 20, 40); sub(/ +$/, "", v);
	    print v "|" substr($0, 61) }'
}
awk 'BEGIN { for (i = 1; i <= 10; i++) printf "{\"custom_id\":\"r%d\",\"prompt\":\"p%d\"}\n", i, i }' >in.jsonl

# --- precedence: flag > profile > default
is "$(show key --rpm 5):$(show key -p batch):$(show key -p batch -k other)" \
	"default|default:batch|$CF:3:other|flag -k" 'the key: -k, else the profile'"'"'s name, else default'
is "$(show rpm --rpm 5):$(show rpm -p batch):$(show rpm -p batch --rpm 7)" \
	"5/min|flag --rpm:100/min|$CF:7:7/min|flag --rpm" 'rpm: the flag, else the profile'"'"'s rate_limit'
is "$(show model):$(show model -p batch):$(show model -p batch -m gpt-4o-mini)" \
	"gpt-4o-mini|default:gpt-4o|$CF:4:gpt-4o-mini|flag -m" 'the model of the estimates'
is "$(show params.max_tokens -p batch):$(show params.max_tokens -p batch --max-tokens 30):$(show system estimate -p batch)" \
	"20|$CF:5:30|flag --max-tokens:Be brief.|$CF:6" 'max_tokens and the system prompt'
head -n 1 in.jsonl | ailimit -p batch >one.out
is "$(jq -c .aitools.limit one.out)" '{"key":"batch","input":15,"output":20,"waited_ms":0}' \
	'the gate draws under the profile'"'"'s name, with its max_tokens and system prompt'
head -n 1 in.jsonl | ailimit -p batch -k own --max-tokens 30 -s x >two.out
is "$(jq -c .aitools.limit two.out)" '{"key":"own","input":13,"output":30,"waited_ms":0}' \
	'each under its flag'
is "$(ailimit estimate -p batch <in.jsonl | awk 'NR == 2 { print $1, $2, $4 }')" 'gpt-4o 10 200' \
	'estimate counts with the profile'"'"'s model and max_tokens'
like "$(ailimit estimate -p batch <in.jsonl | tail -n1)" '^time at the limits: .*\(rpm binds\)' \
	'and its limits'
is "$(ailimit estimate -p batch -m gpt-4o-mini <in.jsonl | awk 'NR == 2 { print $1 }')" 'gpt-4o-mini' \
	'-m over it'

# --- the rates, bucket by bucket
is "$(show rpm -p burst5):$(show burst -p burst5)" "300/min (5/s)|$CF:9:1s|default" \
	'5/s is 300 a minute, with a burst of a second'
is "$(show rpd -p mixed):$(show tpm -p mixed):$(show itpm -p mixed):$(show tpd -p mixed)" \
	"1000/day|$CF:12:2000/min (120000 tokens/h)|$CF:13:3000/min|$CF:14:9000/day|$CF:15" \
	'requests and tokens a day are quotas, an hour'"'"'s rate a sixtieth a minute'
is "$(show rpm -p both)" "100/min|$CF:17" 'two rates of one bucket: the stricter'
is "$(show rpm -p mixed --rpm 9):$(show rpd -p mixed --rpd 5)" '9/min|flag --rpm:5/day|flag --rpd' \
	'a flag stands in for the profile'"'"'s rate'

# --- 5/s: at most 5 at once, then 5 a second
t0=$(date +%s%N)
ailimit -p burst5 <in.jsonl >burst.out
st=$? ms=$(ms_since "$t0")
n=$(jq -r 'select(.aitools.limit.waited_ms == 0) | .custom_id' burst.out | wc -l)
is "$st:$(wc -l <burst.out | tr -d ' ')" '0:10' 'every record out'
if [ "$n" -ge 5 ] && [ "$n" -le 6 ]; then pass "5/s lets 5 go at once ($n)"
else fail "5/s lets 5 go at once ($n)"; fi
if [ "$ms" -ge 800 ] && [ "$ms" -lt 4000 ]; then pass "the other 5 at 5 a second ($ms ms)"
else fail "the other 5 at 5 a second ($ms ms)"; fi
is "$(jq -r .aitools.limit.key burst.out | sort -u)" burst5 'under the key of the profile'"'"'s name'

# --- status and reset under the profile
head -n 1 in.jsonl | ailimit -p batch >/dev/null
ailimit status -p batch >status.out
is "$(sed -n 1p status.out):$(awk '$1 == "rpm" { print $3, $4 }' status.out)" 'key    batch:of 1' \
	'status -p: the key and the limits of the profile (100 a minute: a burst of 1)'
is "$(awk '$1 == "rpm"' status.out | wc -l | tr -d ' '):$(awk '$1 == "tpm"' status.out | wc -l | tr -d ' ')" '1:0' \
	'only those limits'
is "$(show key reset -p batch):$(show rpm reset -p batch)" "batch|$CF:3:" 'reset -p: the key alone'
ailimit reset -p batch
is "$(ailimit status -p batch | awk '$1 == "rpm" { print $2 }')" 1 'reset -p fills the bucket of the profile'"'"'s key'

# --- two projects, each with a profile "summarize" for a service of its
# own: the key is SERVICE/PROFILE, so each draws from buckets of its own
# in the one default state file
for sv in svc-a svc-b; do
	mkdir "$sv"
	cat >"$sv/.aitools.yaml" <<EOF
service: $sv
ai_proxy:
  models:
    - name: summarize
      rate_limit: 60/min
    - name: own
      service: "Billing Dept/EU"
      rate_limit: 60/min
EOF
done
A=$SCRATCH/svc-a/.aitools.yaml
(cd svc-a && head -n 1 ../in.jsonl | ailimit -p summarize >../sa.out)
(cd svc-b && head -n 1 ../in.jsonl | ailimit -p summarize >../sb.out)
is "$(jq -c '[.aitools.limit.key, .aitools.limit.waited_ms]' sa.out sb.out | paste -sd' ')" \
	'["svc-a/summarize",0] ["svc-b/summarize",0]' \
	'the key is SERVICE/PROFILE: two services'"'"' profiles of one name share no bucket'
is "$(cd svc-a && show key -p summarize):$(cd svc-a && show key -p summarize -k other)" \
	"svc-a/summarize|service $A:1, name $A:4:other|flag -k" \
	'--show-config: the key and where its service and name come from; -k over it'
is "$(cd svc-a && show key -p own)" "Billing_Dept_EU/own|service $A:7, name $A:6" \
	'the profile'"'"'s own service over the file'"'"'s, other characters as _'
is "$(cd svc-a && ailimit status -p summarize | sed -n 1p):$(ailimit status -k svc-a/summarize --rpm 60 | awk '$1 == "rpm" { print $2 }')" \
	'key    svc-a/summarize:0' 'status -p shows that key, and -k names it too: its burst is drawn'
(cd svc-a && ailimit reset -p summarize)
is "$(ailimit status -k svc-a/summarize --rpm 60 | awk '$1 == "rpm" { print $2 }'):$(ailimit status -k svc-b/summarize --rpm 60 | awk '$1 == "rpm" { print $2 }')" \
	'1:0' 'reset -p fills the bucket of SERVICE/PROFILE, not the other service'"'"'s'
ailimit -k 'a b' --rpm 1 </dev/null 2>badkey.err
is "$?:$(head -n1 badkey.err)" "2:ailimit: -k 'a b': a key is 1 to 129 letters, digits, '.', '_', '-' or '/'" \
	'-k: what a key may be'

# --- rates no limit can keep: the file refused, naming the line, by
# every tool alike (aiq too), flags or not
printf 'ai_proxy:\n  models:\n    - name: perday\n      rate_limit: "7 input tokens/day"\n' >perday.yaml
ailimit -c perday.yaml -p perday <in.jsonl >perday.out 2>perday.err
is "$?:$(wc -c <perday.out | tr -d ' ')" '2:0' 'input tokens a day: exit 2, nothing out'
is "$(cat perday.err)" "ailimit: perday.yaml:4:7: ai_proxy.models.0.rate_limit: a day's quota is of requests or tokens, not of input or output tokens: write it per minute, or as tokens/day" \
	'the line of the rate, and why'
printf 'ai_proxy:\n  models:\n    - name: perhour\n      rate_limit: [1/s, "100/h"]\n' >perhour.yaml
ailimit -c perhour.yaml -p perhour --rpm 2 <in.jsonl >perhour.out 2>perhour.err
is "$?:$(wc -c <perhour.out | tr -d ' ')" '2:0' '100/h: exit 2, nothing out, even with --rpm'
like "$(cat perhour.err)" "^ailimit: perhour.yaml:4:25: ai_proxy.models.0.rate_limit.1: an hour's rate .*write it per minute or per day" \
	'the line, and how to write it'
aiq -c perhour.yaml x </dev/null >/dev/null 2>perhour.err
like "$?:$(cat perhour.err)" "^2:aiq: perhour.yaml:4:25: ai_proxy.models.0.rate_limit.1: an hour's rate" \
	'aiq refuses the file alike'

# --- the profile gives no limits, the file is bad, the profile is missing
ailimit -p bare <in.jsonl >bare.out 2>bare.err
is "$?:$(wc -c <bare.out | tr -d ' '):$(head -n1 bare.err)" \
	'2:0:ailimit: no limit given: --auto, --rpm, --tpm, --itpm, --otpm, --rpd, --tpd or --usd-per-day (the profile has no rate_limit)' \
	'a profile without rate_limit and no flag: no limit'
cat >bad.yaml <<'EOF'
ai_proxy:
  models:
    - name: x
      rate_limit: 100 per minute
EOF
ailimit -c bad.yaml --rpm 5 <in.jsonl >bad.out 2>bad.err
is "$?:$(wc -c <bad.out | tr -d ' ')" '2:0' 'a bad config file: exit 2, nothing on stdout'
like "$(cat bad.err)" '^ailimit: bad.yaml:4:7: ai_proxy\.models\.0\.rate_limit: not a rate such as 100/min' \
	'the fault as FILE:LINE:COL'
ailimit estimate -p nope <in.jsonl >nope.out 2>nope.err
is "$?:$(wc -c <nope.out | tr -d ' '):$(cat nope.err)" \
	"2:0:ailimit: no profile nope in $CF; there are batch, burst5, mixed, both, bare" \
	'a missing profile: the profiles there are'
(ailimit -p batch --show-config >/dev/null; cat) <in.jsonl >rest.out
is "$?:$(cmp -s rest.out in.jsonl && echo same)" '0:same' '--show-config reads no input'

# --- estimate says why a line is no request, as aiq does: a template's
# field without a value is not "not JSON"
cat >tx.yaml <<'EOF'
ai_proxy:
  models:
    - name: tx
      template: "Classify {{kind}}: {{input}}"
      rate_limit: 100/min
EOF
printf '{"custom_id":"t1","input":"hello"}\n{"custom_id":"t2","input":"x","kind":"k"}\n' >tx.jsonl
ailimit estimate -c tx.yaml -p tx <tx.jsonl >tx.out 2>tx.err
st=$?
why=$(head -n1 tx.jsonl | aiq -c tx.yaml -p tx -J --no-usage-log 2>/dev/null | jq -r .error.message)
is "$st:$(sed -n '/no request/,/^[^ ]/p' tx.out | sed '$d')" "1:1 line is no request aiq would send:
  $why" 'estimate: the line that is no request, with the reason aiq gives; exit 1'
like "$why" "^line 1: the template's \{\{kind\}\} has no value" '  (the template'"'"'s field without a value)'
{ cat tx.jsonl; printf 'not json\n\n[{"input":"a"}]\n{"input":"y"}\n{"input":"z"}\n{"input":"w"}\n'; } |
    ailimit estimate -c tx.yaml -p tx >tx2.out
is "$?:$(sed -n '/no request/,/^time/p' tx2.out | sed '$d')" "1:7 lines are no request aiq would send:
  line 1: the template's {{kind}} has no value: the record has no \"kind\"
  line 3: invalid JSON: invalid token near 'not' (column 3)
  line 4: empty line
  line 5: record is not a JSON object: an array, whose records jq -c '.[]' puts one a line
  line 6: the template's {{kind}} has no value: the record has no \"kind\"
  and 2 more
  (records are JSON lines: jq -c . makes them of pretty-printed JSON)" \
	'  the first five, each with its reason, and the way out of JSON that is not one a line'

# --- settle: no profile, and no config file read
ailimit settle -p batch </dev/null 2>settle.err
is "$?:$(head -n1 settle.err)" '2:ailimit: settle takes no limits, key nor profile: each record names its key, each bucket keeps the limit it was drawn with' \
	'settle takes no profile'
mkdir broken
cp bad.yaml broken/.aitools.yaml
(cd broken && ailimit settle <../one.out >../settled.out 2>../settled.err)
is "$?:$(jq -r .aitools.limit.settled settled.out)" '0:true' \
	'settle reads no config file: a bad one does not stop it'
(cd broken && ailimit --rpm 5 <../in.jsonl >../broken.out 2>/dev/null)
is "$?:$(wc -c <broken.out | tr -d ' ')" '2:0' 'the gate does: the nearest .aitools.yaml'
is "$(cd / && AITOOLS_CONFIG=$CF ailimit -p batch --show-config | awk '$1 == "key" { print $2 }')" batch \
	'$AITOOLS_CONFIG'

done_testing
