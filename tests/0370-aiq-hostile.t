#!/bin/sh
# aiq: what a broken or hostile provider, bad input and a failing output
# must not cost: no record lost, no call missing from the usage log, no
# machine's memory, no key on the screen.
. "$(dirname "$0")/lib.sh"

plan 64

start_mock -L "$SCRATCH/sent.log"
q() { sqlite3 -batch -noheader "$1" "$2"; }

# sent_ok DB WHAT: every request aimock received is a row of the usage log
# DB, and hardly more: a request on its way when aiq stopped (aimock logs
# one once it has read it whole).
sent_ok() {
	_rows=$(q "$SCRATCH/$1" 'SELECT count(*) FROM calls')
	_got=$(wc -l <sent2.log | tr -d ' ')
	if [ "$_rows" -ge "$_got" ] && [ "$_rows" -le $((_got + 2)) ]; then
		pass "$2: every request sent is in the usage log ($_got received, $_rows rows)"
	else
		fail "$2: every request sent is in the usage log ($_got received, $_rows rows)"
	fi
}
utf8() { iconv -f UTF-8 -t UTF-8 "$1" >/dev/null 2>&1; }

# --- bytes that are not UTF-8, from the provider and from the input
for f in bad_utf8 bad_utf8_error bad_utf8_header long_error stream_error; do
	printf '{"custom_id":"%s","prompt":"hi [[mock fault=%s]]"}\n' $f $f
	printf '{"custom_id":"%s-s","prompt":"hi [[mock fault=%s]]","stream":true}\n' $f $f
	printf '{"custom_id":"%s-a","prompt":"hi [[mock fault=%s]]","model":"claude-x"}\n' $f $f
done >bad.jsonl
printf '{"p\\\305\244"}\n' >>bad.jsonl
aiq -J --max-attempts 1 <bad.jsonl >bad.out 2>bad.err
is "$?" 1 'bad bytes from the provider: the run goes on, exit 1 for the failures'
is "$(wc -l <bad.out | tr -d ' ')" 16 'every one of 16 records yields a record'
check 'the output is valid UTF-8' utf8 bad.out
is "$(jq -r '.custom_id // "-"' bad.out | paste -sd' ')" \
	"$(jq -Rr 'fromjson? | .custom_id // "-"' bad.jsonl | paste -sd' ') -" \
	'in input order, the bad input line included'
like "$(jq -r 'select(.custom_id == "bad_utf8_header") | .response.request_id' bad.out)" \
	"^req_mock_$(printf '\357\277\275')[0-9]+\$" 'a request id with byte 0xff: the byte is U+FFFD'
msg=$(jq -r 'select(.custom_id == "long_error") | .error.message' bad.out)
is "$(printf '%s' "$msg" | wc -c | tr -d ' ')" 254 'a 600-byte message is cut to 255 bytes at most...'
is "$(printf '%s' "$msg" | tr -d 'é' | wc -c | tr -d ' ')" 0 '... on a character: no half of one'
like "$(jq -r 'select(.custom_id == "stream_error-s") | .error.message' bad.out)" '^(é)+$' \
	'a long streamed error event, cut the same way'
is "$(jq -r 'select(.custom_id == "bad_utf8" or .custom_id == "bad_utf8-s" or .custom_id == "bad_utf8-a") | .response.body.choices[0].message.content | endswith("\ufffd\ufffd \ufffd( \ufffd")' bad.out | paste -sd' ')" 'true true true' \
	'an answer with bytes not UTF-8, plain or streamed, either provider: answered, each byte U+FFFD'
printf '{"prompt":"[[mock fault=bad_utf8_error status=429 code=insufficient_quota]]"}\n' |
	aiq -J >q.out 2>/dev/null
is "$(jq -c '[.error.code, .aitools.attempts, (.error.message | startswith("Bad bytes: "))]' q.out)" \
	'["quota_exceeded",1,true]' 'an error body with bytes not UTF-8 keeps its code and message (no retry of a spent quota)'
check 'stderr is valid UTF-8 too' utf8 bad.err

# --- control characters from the input are escaped on stderr
printf '{"prompt":"ok"}\n{"prompt":1}\033[2J\n' | aiq -J >/dev/null 2>esc.err
unlike "$(cat esc.err)" "$(printf '\033')" 'an ESC from the input never reaches the terminal'
like "$(cat esc.err)" "near '\\\\x1b'" 'it is shown escaped'

# --- token counts that are not counts
printf '{"prompt":"a [[mock prompt_tokens=-5000]]"}\n{"prompt":"b [[mock prompt_tokens=9223372036854775807]]","model":"claude-x"}\n{"prompt":"c"}\n' |
	AIQ_USAGE_LOG=$SCRATCH/tok.db aiq -J --summary >tok.out 2>tok.err
is "$?" 0 'counts that are not counts: the calls still succeed'
is "$(q "$SCRATCH/tok.db" "SELECT count(*), count(input_tokens), sum(input_tokens) >= 0 FROM calls")" \
	'3|1|1' 'they are logged with unknown (NULL) tokens, never -5000 or 2^63-1'
like "$(cat tok.err)" '; 2 calls of unknown tokens$' 'the summary says so'
AIQ_USAGE_LOG=$SCRATCH/tok.db aiusage --by model >rep.txt 2>rep.err
is "$(awk '$1 == "TOTAL" { print $4 }' rep.txt)" "$(q "$SCRATCH/tok.db" 'SELECT sum(input_tokens) FROM calls')" 'and aiusage sums only the known counts'

# --- memory: a limit for one answer and for all of them
printf '{"prompt":"big [[mock fault=padded pad=3M]]"}\n{"prompt":"small"}\n' |
	aiq -J --max-response 1M >big.out 2>/dev/null
is "$(jq -r '.error.code // "ok"' big.out | paste -sd' ')" 'bad_response ok' \
	'an answer over --max-response fails its record alone'
like "$(head -n1 big.out | jq -r .error.message)" 'larger than --max-response \(1048576 bytes\)' \
	'saying which limit'
is "$(jq -r '.aitools.attempts' big.out | head -n1)" 1 'and is not tried again'
awk 'BEGIN { for (i = 0; i < 12; i++) printf "{\"prompt\":\"e%d [[mock fault=endless]]\",\"stream\":true}\n", i }' >endless.jsonl
# peak RSS is measured where it means something: GNU time, no sanitizer
rss_ok() { [ -x /usr/bin/time ] && /usr/bin/time -f %M true 2>/dev/null &&
    [ "${AI_BIN##*/}" != build-san ]; }
if rss_ok; then
	/usr/bin/time -f %M -o rss.txt aiq -J -j 12 --max-response 4M --max-buffer 16M \
	    <endless.jsonl >endless.out 2>/dev/null
	rss=$(tail -n1 rss.txt)
	if [ "$rss" -lt 80000 ]; then pass "12 endless SSE lines at -j 12: peak RSS $rss KiB"
	else fail "12 endless SSE lines at -j 12: peak RSS $rss KiB"; fi
else
	aiq -J -j 12 --max-response 4M --max-buffer 16M <endless.jsonl >endless.out 2>/dev/null
	pass 'skip: no GNU time, or a sanitized build'
fi
is "$(jq -r .error.code endless.out | sort | uniq -c | tr -s ' ')" ' 12 bad_response' \
	'every endless answer fails as bad_response'
like "$(jq -r .error.message endless.out | sort -u | paste -sd'|')" '--max-(response|buffer)' \
	'naming the limit it met'

# a slow first record holds its answered followers: they wait, paused,
# under --max-buffer, and none fails for it
{ echo '{"prompt":"slow [[mock latency=1500]]"}'
  i=0; while [ $i -lt 20 ]; do echo "{\"prompt\":\"p$i [[mock fault=padded pad=2M]]\"}"; i=$((i + 1)); done
} >hold.jsonl
if rss_ok; then
	/usr/bin/time -f %M -o rss2.txt aiq -J -j 8 --max-buffer 8M <hold.jsonl >hold.out 2>/dev/null
	rss=$(tail -n1 rss2.txt)
	if [ "$rss" -lt 60000 ]; then pass "20 answers of 2M behind a slow one, --max-buffer 8M: peak RSS $rss KiB"
	else fail "20 answers of 2M behind a slow one, --max-buffer 8M: peak RSS $rss KiB"; fi
else
	aiq -J -j 8 --max-buffer 8M <hold.jsonl >hold.out 2>/dev/null
	pass 'skip: no GNU time, or a sanitized build'
fi
is "$(jq -r '.error.code // "ok"' hold.out | sort | uniq -c | tr -s ' ')" ' 21 ok' \
	'every record answered, in order, none failed for the others'

# waiting for room costs no CPU, and no time against -T or --deadline
printf '{"prompt":"h [[mock fail_first=1 fail=500 retry_after=2]]"}\n{"prompt":"p [[mock fault=padded pad=1M]]"}\n' >spin.jsonl
if rss_ok; then
	/usr/bin/time -f '%U %S' -o cpu.txt aiq -J -j 3 --max-buffer 64K <spin.jsonl >spin.out 2>/dev/null
	cpu=$(tail -n1 cpu.txt | awk '{ printf "%d", ($1 + $2) * 100 }')
	if [ "$cpu" -lt 30 ]; then pass "a paused transfer waits without a spin ($cpu cs of CPU in 2 s)"
	else fail "a paused transfer waits without a spin ($cpu cs of CPU in 2 s)"; fi
else
	aiq -J -j 3 --max-buffer 64K <spin.jsonl >spin.out 2>/dev/null
	pass 'skip: no GNU time, or a sanitized build'
fi
{ echo '{"prompt":"slow [[mock latency=1500]]"}'
  i=0; while [ $i -lt 100 ]; do echo "{\"prompt\":\"p$i [[mock fault=padded pad=1M]]\"}"; i=$((i + 1)); done
} >paused.jsonl
n0=$(wc -l <sent.log)
aiq -J -j 32 --max-buffer 8M -T 2s --deadline 2s --max-attempts 3 <paused.jsonl >paused.out 2>/dev/null
is "$(jq -r '.error.code // "ok"' paused.out | sort | uniq -c | tr -s ' '):$(($(wc -l <sent.log) - n0))" ' 101 ok:101' \
	'records waiting for room do not time out, nor are sent again'

# --- text mode: NUL bytes and binary files are refused whole
n0=$(wc -l <sent.log)
printf 'abc\000def ghi' | aiq x >/dev/null 2>nul.err
is "$?" 2 'stdin with a NUL byte: exit 2'
like "$(cat nul.err)" 'stdin: not text \(a NUL byte at byte 3\)' 'saying where'
printf 'caf\351\n' | aiq x >/dev/null 2>/dev/null
is "$?" 2 'stdin that is not UTF-8: exit 2'
is "$(wc -l <sent.log)" "$n0" 'and nothing was sent'

printf 'good\nbad\000line\nalso good\n' | aiq -l >l.out 2>/dev/null
is "$(jq -r '.error.code // "ok"' l.out | paste -sd' ')" 'ok invalid_input ok' \
	'-l: a line with a NUL byte is invalid input, not sent; the others go'

# --- options that mean something only with -J or -l
for o in -R -u '-j 4' '--resume x' --summary --progress; do
	aiq $o hello </dev/null >/dev/null 2>opt.err
	r=$?
	[ $r -eq 2 ] && grep -q "needs -J or -l" opt.err || break
done
is "$r:$o" '2:--progress' '-R, -u, -j, --resume, --summary, --progress in text mode: exit 2'
aiq -J -n </dev/null 2>n.err
is "$?:$(head -n1 n.err)" '2:aiq: -n is for text mode: -J and -l read their records from stdin' \
	'and -n with -J'
printf '{"prompt":"x"}\n{"prompt":"y"}\n' | aiq Explain: >/dev/null 2>hint.err
like "$(cat hint.err)" 'looks like JSON records' 'JSON records on stdin in text mode get a hint'
n=$(wc -l <"$SCRATCH/sent.log" 2>/dev/null || echo 0)
printf '{"prompt":"x"}\n{"prompt":"y"}\n' | aiq >out 2>hint.err
is "$?:$(cat out):$(cat hint.err)" "2::aiq: stdin holds JSON records: -J sends each as a request; to send it whole as one prompt, say what to do with it (aiq 'Explain:' < file)" \
	'as the whole prompt they are refused'
is "$(wc -l <"$SCRATCH/sent.log" 2>/dev/null || echo 0)" "$n" '  nothing sent'

# --- -j past the open-file limit is said, not failed as network errors
(ulimit -n 100; aiq -J -j 500 </dev/null >/dev/null 2>nofile.err)
is "$?" 2 '-j past the open-file limit: exit 2'
like "$(cat nofile.err)" '^aiq: -j 500 needs 5[6-9][0-9] open files, and the limit is 100 \(ulimit -n\)' \
	'saying what it needs'
(ulimit -n 100; exec 3</dev/null 4</dev/null 5</dev/null 6</dev/null 7</dev/null \
	8</dev/null 9</dev/null; aiq -J -j 28 </dev/null >/dev/null 2>nofile2.err)
is "$?:$(grep -c 'needs 1[0-9][0-9] open files' nofile2.err)" '2:1' \
	'the files open already count against the limit'

# --- headers cannot be injected
aiq -H "$(printf 'X-A: 1\r\nX-B: 2')" hi </dev/null >/dev/null 2>h.err
is "$?" 2 '-H with CR LF: exit 2'
like "$(cat h.err)" 'control characters' 'saying why'

# --- secrets stay secret
aiq --base-url 'http://user:SeCrEt123@example.com/v1' hi </dev/null 2>url.err
unlike "$(cat url.err)" 'SeCrEt123' 'a password in --base-url is not shown'
like "$(cat url.err)" 'http://\*\*\*@example.com' 'it is shown as ***'

# --- help and version to a full disk
if [ -w /dev/full ]; then
	aiq -h >/dev/full 2>/dev/null; a=$?
	aiq -V >/dev/full 2>/dev/null; b=$?
	is "$a:$b" '1:1' '-h and -V to a full disk exit 1'
else
	pass 'skip: no /dev/full'
fi

# --- a line too long keeps its custom_id
{ printf '{"custom_id":"huge","prompt":"'; head -c 67108900 /dev/zero | tr '\0' x; printf '"}\n{"prompt":"after"}\n'; } |
	aiq -J --no-usage-log >long.out 2>long.err
is "$(jq -c '[.custom_id, .error.code]' long.out | head -n1)" '["huge","invalid_input"]' \
	'a line over 64 MiB: an error record with its custom_id'
like "$(head -n1 long.out | jq -r .error.message)" 'longer than 67108864 bytes' 'stating the limit'
is "$(sed -n 2p long.out | jq -r .response.status_code)" 200 'and the next line is answered'

# --- every call that went out is logged, whatever happens to stdout
stop_mock
start_mock -L "$SCRATCH/sent2.log" -d 100
awk 'BEGIN { for (i = 0; i < 100; i++) printf "{\"prompt\":\"h%d\"}\n", i }' >h.jsonl
(AIQ_USAGE_LOG=$SCRATCH/head.db aiq -J -j 16 <h.jsonl 2>head.err; echo $? >head.st) | head -n1 >/dev/null
is "$(cat head.st)" 141 '| head -1: aiq ends by SIGPIPE'
sent_ok head.db '| head -1'
is "$(cat head.err)" '' 'quietly'
if [ -w /dev/full ]; then
	: >sent2.log
	AIQ_USAGE_LOG=$SCRATCH/full.db aiq -J -j 16 <h.jsonl >/dev/full 2>full.err
	is "$?" 1 '>/dev/full: exit 1'
	sent_ok full.db '>/dev/full'
	AIQ_USAGE_LOG=$SCRATCH/textfull.db aiq hi </dev/null >/dev/full 2>tf.err
	is "$?" 1 'text mode >/dev/full: exit 1'
	like "$(cat tf.err)" '^aiq: write error: No space left on device$' \
		'a local write error, said as such'
	is "$(q "$SCRATCH/textfull.db" 'SELECT status, http_status, input_tokens > 0 FROM calls')" 'ok|200|1' \
		'the call is logged as it went, with its tokens'
else
	pass 'skip'; pass 'skip'; pass 'skip'; pass 'skip'; pass 'skip'
fi
AIQ_USAGE_LOG=$SCRATCH/hc.db aiq 'a b c d e f' </dev/null 2>/dev/null | head -c 3 >/dev/null
is "$(q "$SCRATCH/hc.db" 'SELECT count(*), sum(input_tokens > 0) FROM calls')" '1|1' \
	'text mode | head -c 3: the call is logged with its tokens'

# --- a signal writes what is final, large records too, and timeout(1)'s
# two signals (to the child, then to its group) are one stop
: >sent2.log
{ echo '{"custom_id":"slow","prompt":"slow [[mock latency=4000]]"}'
  i=0; while [ $i -lt 10 ]; do echo "{\"custom_id\":\"p$i\",\"prompt\":\"p$i [[mock fault=padded pad=100K]]\"}"; i=$((i + 1)); done
} >big10.jsonl
AIQ_USAGE_LOG=$SCRATCH/sig.db aiq -J -j 11 <big10.jsonl >big10.out 2>/dev/null &
apid=$!
i=0; while [ "$(wc -l <sent2.log)" -lt 11 ] && [ $i -lt 500 ]; do sleep 0.01; i=$((i + 1)); done
sleep 0.5
kill -INT $apid
{ wait $apid; } 2>/dev/null
is "$(jq -r '.error.code // "ok"' big10.out | sort | uniq -c | tr -s ' ' | paste -sd,)" \
	' 1 interrupted, 10 ok' 'SIGINT: the answers of 100K done behind the one in flight are written'
: >sent2.log
awk 'BEGIN { for (i = 0; i < 600; i++) printf "{\"prompt\":\"t%d [[mock latency=0-400]]\"}\n", i }' >t.jsonl
AIQ_USAGE_LOG=$SCRATCH/to.db timeout 1.5 aiq -J -j 32 --stream <t.jsonl >t.out 2>t.err
st=$?
is "$st:$(grep -c 'interrupted: ' t.err)" '124:1' 'timeout(1): one orderly stop, said once'
is "$(q "$SCRATCH/to.db" 'SELECT count(*) FROM calls')" "$(wc -l <sent2.log | tr -d ' ')" \
	'every request sent is in the usage log'
is "$(wc -l <t.out | tr -d ' ')" "$(sed -n 's/.*interrupted: \([0-9]*\) records read.*/\1/p' t.err)" \
	'every record read is in the output'

# --- a usage log that fills the disk: every lost row counted
stop_mock
start_mock
awk 'BEGIN { for (i = 0; i < 2000; i++) printf "{\"prompt\":\"f%d\"}\n", i }' >f.jsonl
sh -c "trap '' XFSZ; ulimit -f 160; AIQ_USAGE_LOG=$SCRATCH/small.db exec aiq -J -j 32" \
	<f.jsonl 2>small.err | wc -l >small.n
st=$(sed -n 's/.*usage log: \([0-9]*\) calls made were not logged.*/\1/p' small.err)
rows=$(q "$SCRATCH/small.db" 'SELECT count(*) FROM calls')
is "$(tr -d ' ' <small.n)" 2000 'a full disk under the log: every record still written'
is "$((${st:-0} + rows))" 2000 "the rows logged ($rows) and those said lost (${st:-none}) add up"
sh -c "trap '' XFSZ; ulimit -f 160; AIQ_USAGE_LOG=$SCRATCH/small2.db exec aiq -J -j 32" \
	<f.jsonl >/dev/null 2>/dev/null
is "$?" 1 'and the run exits 1'

done_testing
