#!/bin/sh
# aicache: the commands that look after the cache (stats, purge, vacuum,
# export), and the cache module as the one owner of its schema.
. "$(dirname "$0")/lib.sh"

plan 11

TOP=$(cd "$TESTS/.." && pwd)
export AICACHE_DB=$SCRATCH/cache.db

# --- the schema is lib/cache.c's alone
is "$(grep -lE 'sqlite3|"[^"]*\b(SELECT|INSERT|UPDATE|DELETE|ROLLBACK|VACUUM|PRAGMA|FROM)\b' "$TOP"/cmd/aicache/*.c)" '' \
	'no SQLite call and no SQL in cmd/aicache: lib/cache.c owns the schema'

# --- a cache of version 1, read as it is
sqlite3 old.db "CREATE TABLE entries (id INTEGER PRIMARY KEY, ns TEXT NOT NULL,
    key BLOB NOT NULL, provider TEXT, model TEXT, created INTEGER NOT NULL,
    expires INTEGER, used INTEGER NOT NULL, hits INTEGER NOT NULL DEFAULT 0,
    input_tokens INTEGER, output_tokens INTEGER, cached_tokens INTEGER,
    response TEXT NOT NULL, UNIQUE (ns, key));
  CREATE TABLE savings (ns TEXT NOT NULL, model TEXT NOT NULL,
    lookups INTEGER NOT NULL DEFAULT 0, hits INTEGER NOT NULL DEFAULT 0,
    input_tokens_saved INTEGER NOT NULL DEFAULT 0,
    output_tokens_saved INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (ns, model));
  CREATE TABLE size (bytes INTEGER NOT NULL, entries INTEGER NOT NULL);
  INSERT INTO size VALUES (0, 0);
  INSERT INTO savings VALUES ('', 'gpt-4o-mini', 3, 2, 10, 5);"
aicache stats -f old.db >old.txt 2>old.err
is "$?:$(grep '^hits' old.txt):$(cat old.err)" '0:hits          2 (66.7%):' \
	'stats reads a cache of version 1 (no dollars columns) as it is'

# --- purge says what went; purge --all and vacuum give the space back
# entries n to m of namespace ns, each with an answer of 4000 bytes and more
entries() {
	awk -v ns="$1" -v n="$2" -v m="$3" 'BEGIN {
		pad = sprintf("%4000s", ""); gsub(/ /, "x", pad)
		for (i = n; i <= m; i++)
			printf "{\"v\":1,\"namespace\":\"%s\",\"key\":\"%064d\",\"provider\":\"openai\",\"model\":\"m\",\"created_ms\":%d,\"expires_ms\":0,\"used_ms\":0,\"hits\":0,\"response\":{\"status_code\":200,\"body\":{\"choices\":[],\"usage\":{\"prompt_tokens\":1},\"pad\":\"%s\"}}}\n", ns, i, 1000 + i, pad
	}'
}
size() { stat -c %s "$1"; }
{ entries '' 1 3; entries big 4 300; } | aicache import
bytes=$(sqlite3 cache.db "SELECT sum(length(CAST(response AS BLOB))) FROM entries WHERE ns = 'big'")
before=$(size cache.db)
aicache purge -n big >purge.out 2>purge.err
is "$?:$(cat purge.out):$(cat purge.err)" "0:purged 297 entries, $bytes bytes of answers:" \
	'purge says on stdout how many entries and bytes of answers went'
is "$(sqlite3 cache.db 'SELECT count(*), bytes FROM entries, size' | tr '|' ' ')" "3 $(sqlite3 cache.db 'SELECT sum(length(CAST(response AS BLOB))) FROM entries')" \
	'and the counts of the cache follow'
is "$(size cache.db)" "$before" 'a purge with a filter leaves the space in the file, for new entries'
aicache vacuum >vac.out 2>vac.err
after=$(size cache.db)
if [ "$after" -lt $((before / 10)) ]; then pass "vacuum gives the space back ($before to $after bytes)"
else fail "vacuum gives the space back ($before to $after bytes)"; fi
like "$(cat vac.out):$(cat vac.err)" '^size on disk  [0-9.]+ KiB \(was 1\.[0-9] MiB\):$' 'and says the size on disk, and what it was'
entries big 4 300 | aicache import
aicache purge --all >all.out
if [ "$(size cache.db)" -lt 100000 ]; then pass "purge --all gives the space back ($(size cache.db) bytes)"
else fail "purge --all gives the space back ($(size cache.db) bytes)"; fi
like "$(cat all.out)" '^purged 300 entries, [0-9]+ bytes of answers
size on disk  [0-9.]+ KiB \(was 1\.[0-9] MiB\)$' 'and says both'
aicache vacuum -f "$SCRATCH/none.db" 2>none.err
is "$?:$(test -e none.db && echo made)" 1: 'vacuum of a missing cache fails, creating nothing'

# --- get and put of one pipeline make a new cache at once: both open it
# (SQLite refused one of them the switch to WAL, busy, now and then)
i=0
while [ $i -lt 200 ]; do
	rm -f new.db new.db-wal new.db-shm
	printf '{"prompt":"a"}\n' | aicache get -f new.db --no-usage-log 2>>new.err |
	    aicache put -f new.db >/dev/null 2>>new.err
	i=$((i + 1))
done
is "$(sort -u new.err)" '' 'a new cache opened by get and put at once, 200 times: never locked'

done_testing
