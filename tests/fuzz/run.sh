#!/bin/sh
# run.sh DIR SECONDS NAME...: runs the libFuzzer harnesses DIR/fuzz/NAME,
# one at a time, SECONDS each, from the corpus tests/fuzz/corpus/NAME.
# What they find goes to DIR/corpus/NAME, crashes to DIR/crashes, logs to
# DIR/log.  Exits 1 when one crashed.
#
# run.sh -m DIR 0 NAME...: replaces each committed corpus by a minimal one
# (libFuzzer's -merge=1) covering what it and DIR/corpus/NAME cover; the
# reproducers, crash-*, are kept as they are.
set -u
merge=0
if [ "${1:-}" = -m ]; then
	merge=1
	shift
fi
dir=$1 secs=$2
shift 2
corpus=$(dirname "$0")/corpus
mkdir -p "$dir/corpus" "$dir/crashes" "$dir/log"
failed=

for n; do
	bin=$dir/fuzz/$n
	mkdir -p "$dir/corpus/$n" "$corpus/$n"
	if [ $merge -eq 1 ]; then
		rm -rf "$dir/merge"
		mkdir -p "$dir/merge/in" "$dir/merge/out"
		find "$corpus/$n" -type f ! -name 'crash-*' \
		    -exec cp {} "$dir/merge/in" \;
		if "$bin" -merge=1 "$dir/merge/out" "$dir/merge/in" \
		    "$dir/corpus/$n" >"$dir/log/$n.merge" 2>&1; then
			find "$corpus/$n" -type f ! -name 'crash-*' \
			    -exec rm {} +
			cp "$dir/merge/out"/* "$corpus/$n"/ 2>/dev/null
			echo "fuzz: $n: $(ls "$corpus/$n" | wc -l) inputs," \
			    "$(du -sk "$corpus/$n" | cut -f1) KiB"
		else
			failed="$failed $n"
			tail -n 20 "$dir/log/$n.merge"
		fi
		continue
	fi
	echo "fuzz: $n for ${secs}s"
	if "$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
	    -artifact_prefix="$dir/crashes/$n-" "$dir/corpus/$n" \
	    "$corpus/$n" >"$dir/log/$n" 2>&1; then
		grep -E '^#[0-9]+' "$dir/log/$n" | tail -n 1
	else
		failed="$failed $n"
		tail -n 40 "$dir/log/$n"
	fi
done
if [ -n "$failed" ]; then
	echo "fuzz: failed:$failed (see $dir/crashes and $dir/log)"
	exit 1
fi
