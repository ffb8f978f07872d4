#!/bin/sh
# aicache on the command line: help, usage errors, option values, what
# reaches the terminal, write errors.
. "$(dirname "$0")/lib.sh"

TOP=$(cd "$TESTS/.." && pwd)

plan 24

# --- -h: the synopsis, then every option with a line on what it does
aicache get -h >get-h.txt
is "$?:$(head -n1 get-h.txt)" '0:usage: aicache get [-c file] [-f cache] [-m model] [-n namespace]' \
	'get -h begins with its synopsis'
like "$(grep -- '^  --ttl ' get-h.txt)" '^  --ttl duration +use only entries younger than duration' \
	'and says what each option does'
missing=
for c in get put key stats purge vacuum export import; do
	aicache $c -h >h.txt
	opts=$(sed '/^$/q' h.txt | grep -oE '\[-[-a-zA-Z]+' | tr -d '[')
	for o in $opts -h; do
		grep -Eq -- "^  (-[a-zA-Z], )?$o( |,|\$)" h.txt || missing="$missing $c:$o"
	done
	[ "$(sed -n '/^$/,$p' h.txt | grep -c '^  -')" -eq "$(printf '%s\n' $opts -h | sort -u | wc -l)" ] ||
		missing="$missing $c:extra"
done
is "$missing" '' 'every command: each option of its synopsis, and no other, has a line of help'
unlike "$(cat get-h.txt)" 'max-size|--all' "get -h leaves out other commands' options"
aicache -h >h.txt
like "$(sed -n '/^$/,$p' h.txt | grep -c '^  [a-z]')" '^8$' 'aicache -h: every command with a line'

# --- a usage error: the message in one shape, then the synopsis alone
aicache get --ttl 0 </dev/null >out.txt 2>err.txt
is "$?:$(head -n1 err.txt)" "2:aicache: --ttl '0': not a positive duration such as 500ms, 30s, 2m or 7d" \
	'a bad value: exit 2, OPTION '"'"'VALUE'"'"': why'
is "$(sed 1d err.txt)" "$(sed '/^$/,$d' get-h.txt)" 'then the synopsis of the command, and no more'
for a in "put --max-size 5X|--max-size '5X': not a size such as 4096, 64K, 500M or 2G" \
    "key -t 3|-t '3': not a temperature from 0 to 2" \
    "get --batch 0|--batch '0': not a whole number from 1 to 1000000" \
    "key --max-tokens 1.5|--max-tokens '1.5': not a whole number from 1 to 2147483647" \
    "purge --older-than soon|--older-than 'soon': not a positive duration such as 500ms, 30s, 2m or 7d"; do
	aicache ${a%%|*} </dev/null 2>err.txt
	printf '%s\n' "$(head -n1 err.txt)"
done >bad.txt
is "$(cat bad.txt)" "$(printf 'aicache: %s\n' "put --max-size 5X|--max-size '5X': not a size such as 4096, 64K, 500M or 2G" \
    "key -t 3|-t '3': not a temperature from 0 to 2" \
    "get --batch 0|--batch '0': not a whole number from 1 to 1000000" \
    "key --max-tokens 1.5|--max-tokens '1.5': not a whole number from 1 to 2147483647" \
    "purge --older-than soon|--older-than 'soon': not a positive duration such as 500ms, 30s, 2m or 7d" | sed 's/: [^|]*|/: /')" \
	'every option value is checked by the shared helpers, in one shape'
aicache purge </dev/null >out.txt 2>err.txt
is "$?:$(sed 1d err.txt)" "2:usage: aicache purge [-f cache] [-n namespace] [--all] [--expired]
           [--model model] [--older-than duration]" 'purge without a filter: the synopsis of purge'
aicache nope 2>err.txt
is "$?:$(sed -n 2p err.txt):$(tail -n1 err.txt)" '2:usage: aicache get [-c file] [-f cache] [-m model] [-n namespace]:       aicache -h | -V' \
	'an unknown command: the whole synopsis'

# --- write errors
aicache get -h >/dev/full 2>err.txt
is "$?:$(cat err.txt)" '1:aicache: write error: No space left on device' '-h to a full disk: exit 1, said'
aicache -V >/dev/full 2>err.txt
is "$?:$(cat err.txt)" '1:aicache: write error: No space left on device' '-V too'

# --- text of the input reaches the terminal escaped: ESC [ 2 J clears it
esc=$(printf '\033')
answer='{"status_code":200,"body":{"choices":[],"usage":{"prompt_tokens":1}}}'
printf '{"prompt":"x","response":%s,"aitools":{"v":1,"provider":"openai","model":"\\u001b[2Jevil"}}\n' "$answer" |
    aicache put -f esc.db >/dev/null 2>esc.err
is "$(cat esc.err)" 'aicache: line 1: answered by \x1b[2Jevil, not by the default model gpt-4o-mini: not stored (give aicache the -m of aiq)' \
	"a model name of the input is shown escaped"
printf '{"prompt":"x","response":%s,"aitools":{"v":1,"provider":"\\u001b[2J"}}\n' "$answer" |
    aicache put -f esc.db >/dev/null 2>esc2.err
is "$(cat esc2.err)" 'aicache: line 1: sent to \x1b[2J, not to openai: not stored (give aicache the -P or -p of aiq)' \
	"and a provider's"
printf '{"a":\033[2J}\n' | aicache key >esc.out
is "$(cat esc.out)" "-	line 1: invalid JSON: invalid token near '\\x1b'" \
	"key's reason quoting invalid JSON shows it escaped"
aicache get --ttl "${esc}[2J" 2>esc3.err
is "$(head -n1 esc3.err)" "aicache: --ttl '\\x1b[2J': not a positive duration such as 500ms, 30s, 2m or 7d" \
	'so does an option value'
is "$(cat esc.err esc2.err esc.out esc3.err | grep -c "$esc")" 0 'no ESC byte reaches the terminal'

# --- completion: the options of the command given, and no other's
bc() {
	bash -c ". '$TOP/completions/aicache.bash'; COMP_WORDS=($*); COMP_CWORD=\$((\${#COMP_WORDS[@]} - 1)); _aicache; echo \"\${COMPREPLY[*]}\""
}
is "$(bc aicache get --m):$(bc aicache put --m):$(bc aicache purge --m):$(bc aicache stats --)" \
	'--model --max-tokens:--model --max-tokens --max-size:--model:--help --cache --namespace' \
	'bash completes the options of the command given, and no other'
if command -v fish >/dev/null; then
	fc() { fish -c "source '$TOP/completions/aicache.fish'; complete -C '$*'" | cut -f1 | sort | paste -sd' ' -; }
	is "$(fc aicache get --m):$(fc aicache purge --m):$(fc aicache stats --)" \
		'--max-tokens --model:--model:--cache --help --namespace' 'so does fish'
else
	pass 'so does fish (skipped: no fish)'
fi
if command -v zsh >/dev/null; then
	# what _arguments is given after each command: its options alone
	bad=
	for c in get put key stats purge vacuum export import; do
		want=$(aicache $c -h | sed -n '/^$/,$p' | grep -oE -- '--[a-z-]+' | sort -u | paste -sd' ' -)
		got=$(zsh -f -c "words=(aicache $c ''); CURRENT=3; _arguments() { print -rl -- \"\$@\"; };
		    source '$TOP/completions/_aicache'" | grep -oE -- '--[a-z-]+' | sort -u | paste -sd' ' -)
		[ "$got" = "$want" ] || bad="$bad $c:[$got]!=[$want]"
	done
	is "$bad" '' 'so does zsh'
else
	pass 'so does zsh (skipped: no zsh)'
fi

# -P takes claude, an alias of anthropic, as aiq's -P does: each shell offers it
got=$(bc aicache get -P c)
if command -v fish >/dev/null; then
	got="$got:$(fc aicache put -P '')"
else
	got="$got:anthropic claude openai"
fi
if command -v zsh >/dev/null; then
	got="$got:$(zsh -f -c "words=(aicache key ''); CURRENT=3; _arguments() { print -rl -- \"\$@\"; };
	    source '$TOP/completions/_aicache'" | sed -n 's/^.*--provider=}*\[.*\]:provider:(\(.*\))$/\1/p' | head -n1)"
else
	got="$got:openai anthropic claude"
fi
is "$got" 'claude:anthropic claude openai:openai anthropic claude' \
	'-P completes claude too, in bash, fish and zsh'

# --- the man page: no option without a description
MANWIDTH=80 mandoc -Tascii "$TOP/man/aicache.1" | sed 's/.\x08//g' >man.txt
is "$(awk '/^$/ { next } /^     -/ { if (opt != "") print opt; opt = /[^ ]   +[^ ]/ ? "" : $0; next } { opt = "" }' man.txt)" '' \
	'every option of the man page has a description'
like "$(grep -A1 -- '^     -t, --temperature' man.txt | tail -n1)" '[a-z]' '-t among them'

aicache -f x.db import </dev/null 2>pre.err
is "$?:$(cat pre.err)" "2:aicache: the command comes first: aicache import -f x.db" \
	'an option before the command: the command line as it should be'

done_testing
