#!/bin/sh
# run.sh DIR SECONDS NAME...: runs the libFuzzer harnesses DIR/fuzz/NAME,
# one at a time, SECONDS each, from the corpus tests/fuzz/corpus/NAME.
# What they find goes to DIR/corpus/NAME, crashes to DIR/crashes, logs to
# DIR/log.  Exits 1 when one crashed.
#
# run.sh -m DIR 0 NAME...: adds to each committed corpus those inputs of
# DIR/corpus/NAME that cover more (libFuzzer's -merge=1), so that a
# corpus stays small and its history quiet.  With -M, minimizes it anew:
# only the seeds (seed-*) and the reproducers (crash-*) are kept as they
# are, and of the other inputs, committed or found, those that cover more.
set -u
merge=0
case ${1:-} in
-m)	merge=1; shift ;;
-M)	merge=2; shift ;;
esac
dir=$1 secs=$2
shift 2
corpus=$(dirname "$0")/corpus
mkdir -p "$dir/corpus" "$dir/crashes" "$dir/log"
failed=

for n; do
	bin=$dir/fuzz/$n
	mkdir -p "$dir/corpus/$n" "$corpus/$n"
	if [ $merge -gt 0 ]; then
		m=$dir/merge/$n
		rm -rf "$m"
		mkdir -p "$m/kept" "$m/found"
		for f in "$corpus/$n"/*; do
			[ -f "$f" ] || continue
			case $merge:${f##*/} in
			1:* | 2:seed-* | 2:crash-*) cp "$f" "$m/kept/" ;;
			*) cp "$f" "$m/found/" ;;
			esac
		done
		if "$bin" -merge=1 "$m/kept" "$m/found" "$dir/corpus/$n" \
		    >"$dir/log/$n.merge" 2>&1; then
			rm -f "$corpus/$n"/*
			cp "$m/kept"/* "$corpus/$n"/
			echo "fuzz: $n: $(ls "$corpus/$n" | wc -l) inputs," \
			    "$(cat "$corpus/$n"/* | wc -c) bytes"
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
