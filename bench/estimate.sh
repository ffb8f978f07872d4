#!/bin/sh
# bench/estimate.sh BUILD: how far is ailimit's token estimate from the
# real count?  Run as `make bench-estimate`.
#
# The corpus, bench/data/corpus.jsonl, is about a hundred requests to
# gpt-4o-mini, each named CATEGORY-NN: English prose from README.md and
# the manual pages, C from lib/, JSON, shell, Markdown tables, chats of
# several turns with a system prompt, one-liners, and German, French,
# Russian, Chinese, Japanese, Arabic and emoji text, from a few tokens to
# eight thousand.
#
# The real count is that of o200k_base, the tokenizer of gpt-4o and
# gpt-4o-mini, with OpenAI's framing (bench/tokens.mjs); the tokenizer is
# the npm package gpt-tokenizer (BENCH_TOKENIZER, gpt-tokenizer@4.0.0),
# installed once under bench/out/tokenizer: this needs node, npm and the
# registry, which nothing else in the project does.  The estimate is the
# "input" that ailimit stamps on each record.
#
# For each category and in all: the mean, least and greatest ratio of
# the estimate to the real count, the ratio of their sums, and the
# records estimated below their real count (an underestimate lets a gate
# send more than the provider allows), with the worst of them in tokens
# and in percent of the real count.
#
# Exit status: 0 when no record is estimated more than BENCH_UNDER_PCT
# (10) percent and more than BENCH_UNDER_TOKENS (4) tokens below its real
# count (a one-liner of 14 tokens estimated at 12 is within a limit's
# noise; a prompt of 2,000 estimated at 1,700 is not), 1 otherwise, 2
# when it cannot run.

set -u
export LC_ALL=C		# sort and join alike
BUILD=$(cd "${1:-build}" && pwd) || exit 2
HERE=$(cd "$(dirname "$0")" && pwd)
CORPUS=${BENCH_CORPUS:-$HERE/data/corpus.jsonl}
PKG=${BENCH_TOKENIZER:-gpt-tokenizer@4.0.0}
UNDER=${BENCH_UNDER_PCT:-10}
UNDER_TOKENS=${BENCH_UNDER_TOKENS:-4}
TOK=$HERE/out/tokenizer

for t in node npm jq; do
	command -v $t >/dev/null 2>&1 ||
	    { echo "estimate.sh: $t is needed (and the npm registry)" >&2; exit 2; }
done
mkdir -p "$HERE/out"
WORK=$(mktemp -d "$HERE/out/estimate.XXXXXX") || exit 2
[ "${BENCH_KEEP:-0}" = 1 ] || trap 'rm -rf "$WORK"' EXIT
trap 'exit 130' INT

# The tokenizer, once: an install names the version it was asked for.
if [ "$(cat "$TOK/.pkg" 2>/dev/null)" != "$PKG" ]; then
	rm -rf "$TOK" && mkdir -p "$TOK" &&
	    npm install --prefix "$TOK" --no-save --no-audit --no-fund \
	    --loglevel=error "$PKG" >&2 &&
	    echo "$PKG" >"$TOK/.pkg" ||
	    { echo "estimate.sh: cannot install $PKG" >&2; exit 2; }
fi

node "$HERE/tokens.mjs" "$TOK" <"$CORPUS" | sort >"$WORK/real" || exit 2
AILIMIT_STATE=$WORK/limits.db "$BUILD/ailimit" -k bench --rpm 100000000 \
    <"$CORPUS" | jq -r '[.custom_id, .aitools.limit.input] | @tsv' |
    sort >"$WORK/est" || exit 2
n=$(wc -l <"$CORPUS")
join -t "$(printf '\t')" "$WORK/est" "$WORK/real" >"$WORK/both"
[ "$(wc -l <"$WORK/both")" -eq "$n" ] ||
    { echo "estimate.sh: not every record was counted" >&2; exit 2; }

printf '%d records of %s; real: o200k_base (%s)\n\n' "$n" \
    "${CORPUS#"$HERE"/}" "$PKG"
# Categories in the order of the corpus, then "all".
awk -F '\t' -v under="$UNDER" -v under_tokens="$UNDER_TOKENS" -v order="$(jq -r .custom_id "$CORPUS" |
    sed 's/-[0-9]*$//' | awk '!seen[$0]++' | paste -sd' ' -)" '
function add(c, e, r,   q) {
	q = e / r
	n[c]++; sq[c] += q; se[c] += e; sr[c] += r
	if (!(c in lo) || q < lo[c]) lo[c] = q
	if (!(c in hi) || q > hi[c]) hi[c] = q
	if (e < r) {
		nu[c]++
		if (r - e > wt[c]) wt[c] = r - e
		if ((r - e) / r > wp[c]) wp[c] = (r - e) / r
	}
}
function row(c) {
	printf "%-8s %4d %8d %8d  %5.2f %5.2f %5.2f  %5.2f  %5d %6d %5.0f%%\n",
	    c, n[c], se[c], sr[c], sq[c] / n[c], lo[c], hi[c], se[c] / sr[c],
	    nu[c], wt[c], 100 * wp[c]
}
{
	c = $1; sub(/-[0-9]+$/, "", c)
	add(c, $2, $3); add("all", $2, $3)
	if ($2 < $3 && ($3 - $2) / $3 > under / 100 &&
	    $3 - $2 > under_tokens) {
		bad++
		worst = worst sprintf("  %s: estimate %d, real %d\n", $1, $2, $3)
	}
}
END {
	printf "%-8s %4s %8s %8s  %5s %5s %5s  %5s  %5s %6s %6s\n", "", "",
	    "estimate", "real", "ratio", "", "", "sums", "under", "worst", ""
	printf "%-8s %4s %8s %8s  %5s %5s %5s  %5s  %5s %6s %6s\n", "category",
	    "n", "tokens", "tokens", "mean", "min", "max", "ratio", "n",
	    "tokens", "pct"
	k = split(order, cat, " ")
	for (i = 1; i <= k; i++)
		row(cat[i])
	row("all")
	if (bad > 0) {
		printf "\nFAIL %d records estimated more than %d%% and %d " \
		    "tokens below the real count:\n%s", bad, under,
		    under_tokens, worst
		exit 1
	}
	printf "\nPASS no record estimated more than %d%% and %d tokens " \
	    "below the real count\n", under, under_tokens
}' "$WORK/both"
