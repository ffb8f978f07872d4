#!/bin/sh
# The C unit tests of lib/: every tests/unit/NAME.c is built into
# $AI_BIN/tests/NAME, which emits TAP of its own.  Each binary is one test
# here, its TAP shown as an indented subtest (prove -v), and on failure
# everything but its passing lines goes to stderr.  AI_UNIT_WRAP runs each
# binary under a wrapper, e.g.
#   AI_UNIT_WRAP='valgrind -q --leak-check=full --error-exitcode=99' \
#   prove -v tests/0100-lib-unit.t
. "$(dirname "$0")/lib.sh"

names=
for src in "$TESTS"/unit/*.c; do
	[ -f "$src" ] || continue
	n=${src##*/}
	names="$names ${n%.c}"
done
set -- $names
if [ $# -eq 0 ]; then
	echo "1..0 # SKIP no unit tests in $TESTS/unit"
	exit 0
fi
plan $#

to=
command -v timeout >/dev/null && to="timeout 120"

for n in $names; do
	bin=$AI_BIN/tests/$n
	if [ ! -x "$bin" ]; then
		fail "$n: not built"
		diag "no executable $bin (run make)" >&2
		continue
	fi
	out=$($to ${AI_UNIT_WRAP:-} "$bin" 2>&1 </dev/null)
	rc=$?
	echo "# Subtest: $n"
	printf '%s\n' "$out" | sed 's/^/    /'
	planned=$(printf '%s\n' "$out" |
	    sed -n 's/^1\.\.\([0-9][0-9]*\).*/\1/p')
	ran=$(printf '%s\n' "$out" | grep -cE '^(not )?ok ')
	failed=$(printf '%s\n' "$out" | grep -c '^not ok ')
	if [ $rc -eq 0 ] && [ -n "$planned" ] && [ "$planned" -eq "$ran" ] &&
	    [ "$failed" -eq 0 ]; then
		pass "$n: $ran tests"
	else
		fail "$n: exit $rc, $failed of $ran failed, plan ${planned:-none}"
		printf '%s\n' "$out" | grep -v '^ok ' | sed "s/^/# $n: /" >&2
	fi
done

done_testing
