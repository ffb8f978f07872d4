#!/bin/sh
# Man pages: every page in man/ is clean under mandoc -Tlint, has no list
# item without a body (in its source or as rendered), and no quotes that
# mdoc swallowed or left astray.  A page with each defect, below, shows
# that every check can fail.
. "$(dirname "$0")/lib.sh"

TOP=$(cd "$TESTS/.." && pwd)
pages=$(ls "$TOP"/man/*.[1-9])
n=$(echo "$pages" | wc -l)

plan $((n * 4 + 5))

# lint PAGE: mandoc's warnings and errors about PAGE.
lint() {
	mandoc -Tlint -Wwarning "$1" 2>&1
}

# empty_items PAGE: the .It lines of PAGE's source followed by another
# .It or by the end of their list, with no body.  Items of -column lists
# hold their text on the .It line; an ".It ... Xo" head goes on to .Xc.
empty_items() {
	awk -v page="$(basename "$1")" '
	function report() {
		if (pending != "")
			print pending
		pending = ""
	}
	/^\.\\"/ { next }
	inhead { if ($1 == ".Xc") inhead = 0; next }
	$1 == ".Bl" { pending = ""; type[++depth] = $2; next }
	$1 == ".El" { report(); depth--; next }
	$1 == ".It" {
		report()
		if (type[depth] != "-column")
			pending = page ":" FNR ": " $0
		if ($NF == "Xo")
			inhead = 1
		next
	}
	{ pending = "" }
	' "$1"
}

# render PAGE: PAGE as text, 80 columns, without bold or underlines, and
# without its literal displays, whose lines are examples, not prose.
render() {
	sed '/^\.Bd -literal/,/^\.Ed/d' "$1" | MANWIDTH=80 mandoc -Tutf8 2>/dev/null |
	    sed 's/.\x08//g'
}

# empty_options PAGE: the rendered option tags of PAGE followed by nothing:
# a line starting with "-" that follows a blank line or a line indented
# less, holds no gap of two blanks (a tag with its text on the same line
# has one), and is followed by a blank line or one indented no more.
empty_options() {
	render "$1" | awk -v page="$(basename "$1")" '
	function indent(s) { match(s, /^ */); return RLENGTH }
	tag != "" && ($0 == "" || indent($0) <= indent(tag)) {
		print page ": " tag
	}
	{ tag = "" }
	/^ +-/ && !/[^ ]  +[^ ]/ && (prev == "" || indent(prev) < indent($0)) {
		tag = $0
	}
	{ prev = $0 }
	'
}

# stray_quotes PAGE: quotes mdoc swallowed or left astray: a quoted
# argument glued to more text (.Ql "total": true loses its quotes), and,
# in the page as rendered, "" or quotes that open twice (.Pq Ql a No or
# Ql b nests one quote in another).
stray_quotes() {
	grep -n '^\.[A-Z][a-z].*\(^\| \)"[^" ]\{1,\}"[^ ]' "$1" |
	    sed "s|^|$(basename "$1"):|"
	render "$1" | grep -n '""\|’’\|‘‘\|““\|””\|‘[^’]*‘\|“[^”]*“' |
	    sed "s|^|$(basename "$1") rendered:|"
}

for p in $pages; do
	name=$(basename "$p")
	is "$(lint "$p")" '' "$name: mandoc -Tlint -Wwarning is clean"
	is "$(empty_items "$p")" '' "$name: every list item has a body"
	is "$(empty_options "$p")" '' "$name: every option, as rendered, is described"
	is "$(stray_quotes "$p")" '' "$name: no stray or swallowed quotes"
done

# --- a page with each defect
cat >bad.1 <<'EOF'
.Dd November 23, 2026
.Dt BAD 1
.Os
.Sh NAME
.Nm bad
.Nd a page with defects
.Sh DESCRIPTION
.Bl -tag -width Ds
.It Fl s , -system Ar system
.It Fl t , -temperature Ar temperature
What both do.
.It Fl x
.El
A date
.Pq Ql -2024-08-06 No or Ql -20250929 ;
and
.Ql "total": true .
.Sh SEE ALSO
.Xr bad 1 ,
EOF
like "$(lint bad.1)" 'WARNING' 'a lint warning is found'
is "$(empty_items bad.1 | sed 's/.*: //' | tr '\n' '|')" \
	'.It Fl s , -system Ar system|.It Fl x|' 'items with no body are found'
is "$(empty_options bad.1 | sed 's/^[^:]*: *//' | tr '\n' '|')" \
	'-s, --system system|-x|' 'as rendered too'
like "$(stray_quotes bad.1)" '^bad.1:[0-9]+:\.Ql "total": true' 'a swallowed quote is found'
like "$(stray_quotes bad.1)" 'rendered:.*‘-2024-08-06 or ‘-20250929’’' 'a nested one too'

done_testing
