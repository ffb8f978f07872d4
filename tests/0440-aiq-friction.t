#!/bin/sh
# aiq: the right thing made easy: shell loops, xargs -P, progress,
# resuming a run cut short, a refused key, a pretty-printed file, help.
. "$(dirname "$0")/lib.sh"

plan 48

start_mock -L "$SCRATCH/sent.log"

# --- a while-read loop: -n leaves the loop's stdin alone
printf 'one\ntwo\nthree\n' >qs.txt
while read -r q; do aiq -n "$q"; done <qs.txt >loop.out
is "$(paste -sd' ' loop.out)" 'Echo: one Echo: two Echo: three' \
	'-n: a while-read loop asks every question'
while read -r q; do aiq "$q"; done <qs.txt >eaten.out 2>/dev/null
is "$(grep -c '^Echo:' eaten.out)" 1 'without it, the first aiq eats the loop (as ssh does)'

# --- xargs -P: each answer written whole
awk 'BEGIN { for (i = 0; i < 8; i++) printf "w%d w%d w%d w%d [[mock chunk_delay=20]]\n", i, i, i, i }' >x.txt
xargs -d '\n' -P 4 -n 1 aiq -n <x.txt >x.out
is "$(sort x.out | paste -sd'|')" "$(sed 's/^/Echo: /' x.txt | sort | paste -sd'|')" \
	'xargs -P 4: eight answers, each whole on its line'
# into a pipe, which keeps only writes of 4 KiB whole: answers of 200K
awk 'BEGIN { for (i = 0; i < 8; i++) printf "big%d [[mock fault=padded pad=200K]]\n", i }' >big.txt
xargs -d '\n' -P 8 -n 1 aiq -n <big.txt | cat >big.out
is "$(awk '{ print length($0) }' big.out | sort | uniq -c | tr -s ' ')" ' 8 204260' \
	'xargs -P 8 into a pipe: eight answers of 200K, none cut into another'

# --- progress: on stderr, redrawn in place, erased at the end
printf '{"prompt":"p1 [[mock latency=300]]"}\n{"prompt":"p2 [[mock status=500]]"}\n{"prompt":"p3 [[mock latency=600]]"}\n' >p.jsonl
aiq -J -j 1 --progress --max-attempts 1 <p.jsonl >p.out 2>p.err
like "$(tr '\r' '\n' <p.err | grep 'records,' | tail -n1)" '^aiq: [23]/3 records, [0-9.]+/s, 1 failed, [0-9]+ tokens in, [0-9]+ out, \$[0-9]+\.[0-9]{4}' \
	'--progress: records done of all, failures, tokens'
like "$(od -c p.err | tr -s ' ' | tr -d '\n')" '\\r 033 \[ K' 'the line is erased at the end'
printf '{"prompt":"u1"}\n{"prompt":"u2 [[mock latency=400]]"}\n' |
	aiq -J -j 1 -m no-such-model-1 --progress >/dev/null 2>u.err
like "$(tr '\r' '\n' <u.err | grep 'records,' | tail -n1)" ', cost unknown \([12] unpriced\)' \
	'--progress: calls of an unpriced model are counted apart, not as $0'
is "$(wc -l <p.out | tr -d ' ')" 3 'the records are written as ever'
aiq -J <p.jsonl >/dev/null 2>np.err
unlike "$(cat np.err)" 'records,' 'no progress line when stderr is not a terminal'

# --- a refused key: no more calls with it
stop_mock
AIMOCK_API_KEY=right start_mock -L "$SCRATCH/auth.log"
awk 'BEGIN { for (i = 0; i < 20; i++) printf "{\"prompt\":\"k%d\"}\n", i }' >k.jsonl
OPENAI_API_KEY=wrong aiq -J -j 1 <k.jsonl >k.out 2>/dev/null
is "$(wc -l <auth.log | tr -d ' ')" 1 'after a 401, no more requests with that key'
is "$(jq -r .error.code k.out | sort | uniq -c | tr -s ' ')" ' 20 auth' 'every record fails with auth'
like "$(sed -n 2p k.out | jq -r .error.message)" '^not sent: openai refused the key earlier in this run' \
	'saying why it was not sent'
is "$(sed -n 2p k.out | jq -r '.aitools | has("attempts")')" false 'with no attempt made'

# a 403 refuses a model (or region), not the key: only that model stops
n0=$(wc -l <auth.log)
printf '{"model":"gpt-x","prompt":"a [[mock status=403]]"}\n{"model":"gpt-x","prompt":"b"}\n{"model":"gpt-y","prompt":"c"}\n' |
	OPENAI_API_KEY=right aiq -J -j 1 >m.out 2>/dev/null
is "$(jq -r '.error.code // "ok"' m.out | paste -sd' '):$(($(wc -l <auth.log) - n0))" 'auth auth ok:2' \
	'after a 403, that model is not sent again; another model is'
like "$(sed -n 2p m.out | jq -r .error.message)" '^not sent: openai refused gpt-x to the key' \
	'saying so'

# a record waiting to retry when the key is refused: its attempt is logged
printf '{"prompt":"A [[mock fail_first=1 fail=429 retry_after=1]]"}\n{"prompt":"B [[mock status=401]]"}\n' |
	OPENAI_API_KEY=right AIQ_USAGE_LOG=$SCRATCH/wait.db aiq -J -j 2 >w.out 2>/dev/null
is "$(head -n1 w.out | jq -c '[.error.code, .aitools.failed_attempts[0].code]'):$(sqlite3 "$SCRATCH/wait.db" 'SELECT count(*) FROM calls')" \
	'["auth","rate_limited"]:2' 'a record refused while waiting to retry: its 429 kept, its call logged'

# --- a pretty-printed JSON file given to -J
stop_mock
start_mock -L "$SCRATCH/sent2.log"
printf '{"prompt":"a"}\n' | jq . >pretty.json
aiq -J <pretty.json >pretty.out 2>pretty.err
is "$?" 2 'a JSON document over many lines: exit 2'
like "$(cat pretty.err)" 'not one record a line: make it JSON lines with jq -c' \
	'pointing to jq -c'
is "$(cat pretty.out; cat sent2.log)" '' 'nothing written, nothing sent'

# --- resume: a run cut short is finished with one command
stop_mock
start_mock -L "$SCRATCH/r.log"
awk 'BEGIN { for (i = 1; i <= 12; i++) {
	lat = i > 4 ? " [[mock latency=3000]]" : ""
	if (i % 2) printf "{\"custom_id\":\"r%d\",\"prompt\":\"r%d%s\"}\n", i, i, lat
	else printf "{\"prompt\":\"n%d%s\"}\n", i, lat } }' >r.jsonl
: >'r1 out'
aiq -J -j 2 -H 'X-Team: s3cr3t' <r.jsonl >>'r1 out' 2>r1.err &
apid=$!
i=0
while [ "$(wc -l <'r1 out')" -lt 4 ] && [ $i -lt 500 ]; do sleep 0.01; i=$((i + 1)); done
kill -INT $apid
{ wait $apid; } 2>/dev/null
mv 'r1 out' r1.out
is "$(jq -r '.error.code // "ok"' r1.out | sort | uniq -c | tr -s ' ' | paste -sd,)" \
	' 2 interrupted, 4 ok' 'SIGINT: 4 answered, 2 in flight interrupted'
like "$(tail -n1 r1.err)" '6 records read, 6 records not started; to finish the run: aiq -J -j 2 -H '"'"'X-Team: \*\*\*'"'"' --resume '"'"'[^ ]*r1 out'"'"' < [^ ]*r.jsonl > NEW \(with the values of -H put back\)' \
	'the message counts what was not started and gives the command'
n0=$(wc -l <r.log)
aiq -J -j 4 --resume r1.out --summary <r.jsonl >r2.out 2>r2.err
is "$?" 0 '--resume finishes the run'
is "$(jq -r '.custom_id // .prompt' r2.out | sed 's/ .*//' | paste -sd' ')" \
	"$(jq -r '.custom_id // .prompt' r.jsonl | sed 's/ .*//' | paste -sd' ')" \
	'every record once, in input order'
is "$(jq -r '.error.code // "ok"' r2.out | sort -u)" ok 'all answered'
is "$(($(wc -l <r.log) - n0))" 8 'only the 8 not answered before were sent'
is "$(head -n4 r2.out | jq -r .aitools.trace_id)" "$(head -n4 r1.out | jq -r .aitools.trace_id)" \
	'the earlier answers are passed through as they were'
like "$(cat r2.err)" '4 passed through \(4 from --resume\)' 'the summary counts them'
# a custom_id used twice, lines that moved: never another record's answer
awk 'BEGIN { for (i = 1; i <= 6; i++) printf "{\"custom_id\":\"dup\",\"prompt\":\"d%d\"}\n", i }' >dup.jsonl
aiq -J <dup.jsonl >dup1.out
n0=$(wc -l <r.log)
aiq -J --resume dup1.out <dup.jsonl >dup2.out
is "$(jq -r '.response.body.choices[0].message.content' dup2.out | paste -sd' '):$(($(wc -l <r.log) - n0))" \
	'Echo: d1 Echo: d2 Echo: d3 Echo: d4 Echo: d5 Echo: d6:0' \
	'six records of one custom_id: each passed through with its own answer'
printf 'a\nb\nc\n' | aiq -l >lines1.out
printf 'new\na\nb\nc\n' | aiq -l --resume lines1.out >lines2.out 2>/dev/null
is "$(jq -r '.response.body.choices[0].message.content' lines2.out | paste -sd' ')" \
	'Echo: new Echo: a Echo: b Echo: c' 'lines that moved are sent again, not given the answer of their line'
cp dup1.out same.out
aiq -J --resume same.out <dup.jsonl >same.out 2>same.err
is "$?" 2 '--resume of the output file itself: exit 2'
like "$(cat same.err)" 'is the output too, which the shell emptied before aiq started \(its answers are gone\)' \
	'saying why, and what the shell did'
# several files; not a pipe
head -n3 dup1.out >d1.out; tail -n3 dup1.out >d2.out
n0=$(wc -l <r.log)
aiq -J --resume d1.out --resume d2.out <dup.jsonl >d12.out 2>/dev/null
is "$(wc -l <d12.out | tr -d ' '):$(($(wc -l <r.log) - n0))" '6:0' \
	'--resume twice: the answers of both, nothing sent'
mkfifo rfifo
cat dup1.out >rfifo &
aiq -J --resume rfifo <dup.jsonl >/dev/null 2>rf.err
st=$?
like "$st:$(cat rf.err)" '^2:aiq: --resume rfifo: not a regular file: ' \
	'--resume of a pipe is refused'
aiq -J --resume nosuch.jsonl </dev/null 2>rs.err
is "$?:$(cat rs.err)" '2:aiq: --resume nosuch.jsonl: No such file or directory' \
	'a missing --resume file is an error'

# --- -h: every option with a line of its own
aiq -h >help.txt
missing=
for o in $(sed -n '/struct option longopts/,/{ *NULL/p' "$TESTS/../cmd/aiq/main.c" |
    sed -n 's/.*{ *"\([a-z-]*\)".*/\1/p'); do
	grep -q -- "--$o\b" help.txt || missing="$missing $o"
done
is "$missing" '' '-h describes every long option'

# --- input that is not lines of records: said, and nothing sent for it
n0=$(wc -l <r.log)
aiq -l <"$AI_BIN/aiq" >bin.out 2>bin.err
is "$?:$(wc -c <bin.out | tr -d ' '):$(($(wc -l <r.log) - n0))" '2:0:0' 'a binary file to -l: exit 2, nothing sent'
like "$(cat bin.err)" '^aiq: <stdin>:1: not text \(a control character at byte 0\): -l reads prompts' 'saying why'
printf '\211PNG\r\n\032\nabc\n' | aiq -l >/dev/null 2>png.err
is "$?:$(($(wc -l <r.log) - n0))" '2:0' 'a first line that is not UTF-8 (a PNG) to -l: exit 2, nothing sent'
aiq -J <"$AI_BIN/aiq" >/dev/null 2>binj.err
is "$?:$(grep -c . binj.err)" '2:1' 'and to -J: exit 2, one line said, not an error a line'
printf '   \n\001\002abc\nok\n' | aiq -l 2>/dev/null >ctl.out
is "$(jq -r '.error.message // .response.status_code' ctl.out | paste -sd'|'):$(($(wc -l <r.log) - n0))" \
	'line 1: empty line|line 2: not text (a control character at byte 0)|200:1' \
	'-l: a blank line and one of control characters are not sent'
echo '   ' | aiq >/dev/null 2>blank.err
is "$?:$(cat blank.err):$(($(wc -l <r.log) - n0))" '1:aiq: empty prompt:1' 'a prompt of blanks is empty, not sent'
echo '[{"prompt":"a"}]' | aiq -J 2>&1 >/dev/null | head -n1 >arr.err
like "$(cat arr.err)" "an array, whose records jq -c '.\[\]' puts one a line" 'a JSON array on one line: the jq hint'
printf '\357\273\277hello\n' | aiq >bomt.out
is "$(cat bomt.out)" 'Echo: hello' 'text mode: the byte order mark of stdin is not sent'
printf '\357\273\277{"prompt":"bom"}\n' | aiq -J 2>/dev/null >bom.out
is "$(jq -r .response.status_code bom.out)" 200 'a byte order mark before the first record is not part of it'
printf '{"custom_id":"u1","prompt":"bad \377"}\n' | aiq -J 2>/dev/null >cid.out
is "$(jq -c '[.custom_id, .error.code]' cid.out)" '["u1","invalid_input"]' \
	'a record that is not JSON keeps the custom_id it starts with'
ANTHROPIC_BASE_URL=$MOCK_URL aiq -m claude-3-5-haiku-latest hi 2>v1.err
like "$(cat v1.err)" 'the URL has /v1 twice: anthropic.s base URL must not end in /v1' \
	'a base URL whose /v1 the path adds again: said'
OPENAI_BASE_URL=http://127.0.0.1:$MOCK_PORT aiq hi 2>nov1.err
like "$(cat nov1.err)" "openai's base URL most often ends in /v1" 'and an OpenAI base URL without /v1'

# --- errors of an earlier run passed through: -R is said
printf '{"prompt":"a","error":{"code":"server"}}\n{"prompt":"b"}\n' | aiq -J 2>pe.err >/dev/null
is "$?:$(cat pe.err)" '0:aiq: 1 record passed through with the error it came with, from an earlier stage or run: -R sends them again' \
	'records that carry an error are passed through, and -R is named'

done_testing
