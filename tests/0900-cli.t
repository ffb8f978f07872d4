#!/bin/sh
# Every binary: -h, --version, usage errors; options, man pages and
# completions agree; man pages are clean under mandoc -Tlint.
. "$(dirname "$0")/lib.sh"

TOP=$(cd "$TESTS/.." && pwd)
TOOLS="aiq aimock aicache aiusage ailimit"

plan $((12 * 5 + 2))

# long_options TOOL: the long options of TOOL's getopt_long table.
long_options() {
	src=$TOP/cmd/$1.c
	[ -f "$src" ] || src=$TOP/cmd/$1/main.c
	sed -n '/struct option longopts/,/{ *NULL/p' "$src" |
	    sed -n 's/.*{ *"\([a-z-]*\)".*/\1/p'
}

for t in $TOOLS; do
	out=$($t -h 2>/dev/null)
	is "$?" 0 "$t -h exits 0"
	like "$out" "^usage: $t " "$t -h prints the usage on stdout"
	is "$($t --version)" "$t 0.1.0" "$t --version"
	$t --no-such-option </dev/null >/dev/null 2>err.txt
	is "$?" 2 "$t: an unknown option exits 2"
	like "$(head -n1 err.txt)" "^$t: " "$t: the error is prefixed by the name"
	like "$(cat err.txt)" "usage: $t " "$t: and followed by the usage"

	opts=$(long_options $t)
	like "$opts" 'version' "$t: the option table was found"
	missing=
	for o in $opts; do
		grep -Eq -- "(Fl|,) -$o\b" "$TOP/man/$t.1" || missing="$missing man:$o"
		grep -q -- "--$o\b" "$TOP/completions/$t.bash" || missing="$missing bash:$o"
		grep -q -- "--$o\b" "$TOP/completions/_$t" || missing="$missing zsh:$o"
		grep -q -- "-l $o\b" "$TOP/completions/$t.fish" || missing="$missing fish:$o"
	done
	is "$missing" '' "$t: every long option is in the man page and completions"

	# the SYNOPSIS shows what -h shows first (options may follow a blank)
	syn=$(MANWIDTH=200 mandoc -Tascii "$TOP/man/$t.1" 2>/dev/null | sed 's/.\x08//g' |
	    sed -n '/^SYNOPSIS/,/^DESCRIPTION/p' | sed '1d;$d' | tr -s ' \n\t' '   ' | sed 's/^ //; s/ $//')
	use=$(printf '%s\n' "$out" | sed '/^$/,$d; s/^usage: //' | tr -s ' \n\t' '   ' | sed 's/^ //; s/ $//')
	is "$syn" "$use" "$t: the man page SYNOPSIS equals the usage"

	check "$t: bash completion loads" bash -c ". '$TOP/completions/$t.bash'"
	if command -v fish >/dev/null; then
		check "$t: fish completion parses" fish -n "$TOP/completions/$t.fish"
	else
		pass "$t: fish completion (skipped: no fish)"
	fi
	if command -v zsh >/dev/null; then
		check "$t: zsh completion parses" zsh -n "$TOP/completions/_$t"
	else
		pass "$t: zsh completion (skipped: no zsh)"
	fi
done

got=$(bash -c ". '$TOP/completions/aiusage.bash'; COMP_WORDS=(aiusage -b model,ta); COMP_CWORD=2; _aiusage; echo \"\${COMPREPLY[*]}\"")
is "$got" 'model,tag:' 'bash completes a --by list after its comma'

lint=$(mandoc -Tlint -Wwarning "$TOP"/man/* 2>&1)
is "$lint" '' 'mandoc -Tlint is clean on every page'

done_testing
