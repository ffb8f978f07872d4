#!/bin/sh
# aicache: the commands that look after the cache (stats, purge, vacuum,
# export), and the cache module as the one owner of its schema.
. "$(dirname "$0")/lib.sh"

plan 2

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

done_testing
