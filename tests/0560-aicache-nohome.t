#!/bin/sh
# aicache in cron's empty environment: no HOME, no AICACHE_DB, no
# XDG_CACHE_HOME, so no cache file.  The records of calls already paid
# for still go through put, and get --fail-open passes every record on.
. "$(dirname "$0")/lib.sh"

plan 10

start_mock
printf '{"custom_id":"a","prompt":"alpha"}\n{"custom_id":"b","prompt":"beta"}\n' >in.jsonl

# bare CMD: CMD in an environment as empty as cron's, aimock for aiq
bare() {
	env -i PATH="$PATH" OPENAI_BASE_URL="$MOCK_URL" sh -c "$1"
}

bare '{ aiq -J --no-usage-log <in.jsonl; echo $? >aiq.rc; } | aicache put --fail-open >put.out 2>put.err; echo $? >put.rc'
is "$(jq -r .custom_id put.out 2>/dev/null | paste -sd' ')" 'a b' \
	'no cache file: put --fail-open passes every record on'
is "$(jq -r .response.body.choices[0].message.content put.out 2>/dev/null | paste -sd' ')" 'Echo: alpha Echo: beta' \
	'with the answers aiq paid for'
is "$(cat put.rc):$(cat aiq.rc)" '0:0' 'put exits 0 with --fail-open, and aiq is not cut off'
is "$(cat put.err)" 'aicache: no cache file: set AICACHE_DB or HOME, or use -f (passing records on without storing them)' \
	'one warning says that nothing is stored'

bare 'aiq -J --no-usage-log <in.jsonl 2>/dev/null | aicache put >put2.out 2>put2.err; echo $? >put2.rc'
is "$(cat put2.rc):$(jq -r .custom_id put2.out 2>/dev/null | paste -sd' ')" '1:a b' \
	'without --fail-open: every record still, and exit 1 for the cache that failed'

bare 'aicache get --fail-open <in.jsonl >get.out 2>get.err; echo $? >get.rc'
is "$(cat get.rc):$(cat get.out)" "0:$(cat in.jsonl)" \
	'get --fail-open passes every record through, as misses'
is "$(cat get.err)" 'aicache: no cache file: set AICACHE_DB or HOME, or use -f (passing records through)' \
	'saying why, once'

bare 'aicache get <in.jsonl >get2.out 2>get2.err; echo $? >get2.rc'
is "$(cat get2.rc):$(wc -c <get2.out | tr -d ' '):$(cat get2.err)" \
	'1:0:aicache: no cache file: set AICACHE_DB or HOME, or use -f' \
	'get without --fail-open fails, as on a cache it cannot open'

bare 'aicache put --show-config >sc.out 2>sc.err; echo $? >sc.rc'
like "$(cat sc.rc) $(grep '^cache ' sc.out)" '^0 cache +none +no AICACHE_DB, XDG_CACHE_HOME nor HOME$' \
	'--show-config shows no cache file'

bare 'aicache stats >st.out 2>st.err; echo $? >st.rc'
is "$(cat st.rc):$(cat st.err)" '1:aicache: no cache file: set AICACHE_DB or HOME, or use -f' \
	'stats still needs a cache file'

done_testing
