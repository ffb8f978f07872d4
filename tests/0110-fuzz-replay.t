#!/bin/sh
# The fuzzing corpora replayed (tests/fuzz): every input of
# tests/fuzz/corpus/NAME run once through harness NAME, built without
# libFuzzer into $AI_BIN/fuzz/NAME, so that a crash once found and fixed
# stays fixed, under the sanitizers too.
. "$(dirname "$0")/lib.sh"

names=
for d in "$TESTS"/fuzz/corpus/*/; do
	[ -d "$d" ] || continue
	d=${d%/}
	names="$names ${d##*/}"
done
set -- $names
if [ $# -eq 0 ]; then
	echo "1..0 # SKIP no corpora in $TESTS/fuzz/corpus"
	exit 0
fi
plan $#

to=
command -v timeout >/dev/null && to="timeout 120"

for n in $names; do
	bin=$AI_BIN/fuzz/$n
	if [ ! -x "$bin" ]; then
		fail "$n: not built"
		diag "no executable $bin (run make)"
		continue
	fi
	files=$(ls "$TESTS/fuzz/corpus/$n" | wc -l)
	if out=$($to "$bin" "$TESTS/fuzz/corpus/$n" 2>&1 </dev/null) &&
	    [ "$out" = "$files inputs" ]; then
		pass "$n: $files inputs"
	else
		fail "$n: replay failed"
		printf '%s\n' "$out" | tail -n 30 | sed 's/^/# /' >&2
		for f in "$TESTS/fuzz/corpus/$n"/*; do
			$to "$bin" "$f" >/dev/null 2>&1 </dev/null ||
			    diag "$n fails on $f" >&2
		done
	fi
done

done_testing
