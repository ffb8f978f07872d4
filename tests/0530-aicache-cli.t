#!/bin/sh
# aicache on the command line: help, usage errors, option values, what
# reaches the terminal, write errors.
. "$(dirname "$0")/lib.sh"

plan 12

# --- -h: the synopsis, then every option with a line on what it does
aicache get -h >get-h.txt
is "$?:$(head -n1 get-h.txt)" '0:usage: aicache get [-f cache] [-m model] [-n namespace] [-P provider]' \
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
is "$?:$(sed -n 2p err.txt):$(tail -n1 err.txt)" '2:usage: aicache get [-f cache] [-m model] [-n namespace] [-P provider]:       aicache -h | -V' \
	'an unknown command: the whole synopsis'

# --- write errors
aicache get -h >/dev/full 2>err.txt
is "$?:$(cat err.txt)" '1:aicache: write error: No space left on device' '-h to a full disk: exit 1, said'
aicache -V >/dev/full 2>err.txt
is "$?:$(cat err.txt)" '1:aicache: write error: No space left on device' '-V too'

done_testing
