#!/bin/sh
# aiq: a closed stdout pipe, a full disk, signals, endless input.
. "$(dirname "$0")/lib.sh"

plan 13

start_mock -d 5

i=0
while [ $i -lt 200 ]; do
	printf '{"prompt":"p%d"}\n' $i
	i=$((i + 1))
done >in.jsonl

# | head -n1: aiq stops quietly, killed by SIGPIPE like any filter
(aiq -J <in.jsonl 2>head.err; echo $? >head.st) | head -n1 >first.jsonl
is "$(jq -r .prompt first.jsonl)" p0 'head -n1 gets the first record'
is "$(cat head.st)" 141 'aiq ends by SIGPIPE when the reader goes away'
is "$(cat head.err)" '' 'and says nothing about it'

# >/dev/full: a write error is reported, exit 1
if [ -w /dev/full ]; then
	aiq -J <in.jsonl >/dev/full 2>full.err
	is "$?" 1 '>/dev/full exits 1'
	like "$(cat full.err)" '^aiq: write error' 'and reports a write error'
	aiq hi </dev/null >/dev/full 2>full.err
	is "$?" 1 'text mode >/dev/full exits 1'
else
	pass 'skip: no /dev/full'; pass 'skip'; pass 'skip'
fi

# until N FILE: waits (5 s at most) until FILE has N lines.
until_lines() {
	_i=0
	while [ "$(cat "$2" 2>/dev/null | wc -l)" -lt "$1" ] && [ $_i -lt 500 ]; do
		sleep 0.01
		_i=$((_i + 1))
	done
}

# SIGTERM: records in flight end as `interrupted`, nothing is lost
printf '{"prompt":"a"}\n{"prompt":"b [[mock latency=5000]]"}\n{"prompt":"c [[mock latency=5000]]"}\n' >slow.jsonl
AIQ_USAGE_LOG=$SCRATCH/term.db aiq -J <slow.jsonl >term.jsonl 2>term.err &
apid=$!
until_lines 1 term.jsonl	# the first answered, the others in flight
kill -TERM $apid
{ wait $apid; st=$?; } 2>/dev/null	# no "Terminated" from the shell
is "$st" 143 'SIGTERM: aiq dies by the signal'
is "$(jq -r '.error.code // "ok"' term.jsonl | paste -sd' ')" 'ok interrupted interrupted' \
	'each record in flight gets an interrupted error record'
is "$(wc -l <term.jsonl | tr -d ' ')" 3 'no record lost'
is "$(sqlite3 "$SCRATCH/term.db" "SELECT status, count(*) FROM calls GROUP BY 1 ORDER BY 1" | paste -sd' ')" \
	'interrupted|2 ok|1' 'interrupted calls are logged: the provider may bill them'

# stdin that stays open: records come out while it does; the writer
# holds the pipe open until the test has looked
mkfifo fifo
(for i in 1 2 3; do printf '{"prompt":"s%d"}\n' $i; done
    until_lines 1 looked) >fifo &
aiq -J <fifo >live.jsonl &
apid=$!
until_lines 3 live.jsonl
n=$(wc -l <live.jsonl | tr -d ' ')
if kill -0 $apid 2>/dev/null; then open=yes; else open=no; fi
echo >looked
is "$n:$open" '3:yes' 'records are written while stdin is still open'
wait $apid
is "$(wc -l <live.jsonl | tr -d ' ')" 3 'and all arrive'

# long input flows through the bounded window
awk 'BEGIN { for (i = 0; i < 5000; i++) printf "{\"prompt\":\"m%d\"}\n", i }' >long.jsonl
aiq -J -j 32 --no-usage-log <long.jsonl | jq -r 'select(.response.status_code == 200) | 1' | wc -l >long.n
is "$(tr -d " " <long.n)" 5000 "5,000 records through a small window, all answered"

done_testing
