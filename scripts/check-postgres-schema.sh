#!/usr/bin/env bash
# Checks that WriteBot's PostgreSQL migrations go up and come back down
# exactly, on a real server, without Strata (whose PostgreSQL driver may not
# exist yet): in a scratch database of its own, for each migration N in order,
# it applies N's up section, then its down section, and fails unless the
# schema (pg_dump --schema-only, normalised) is again the one before up N;
# then applies up N again and checks it gives the same schema as the first
# time. At the end it goes down one migration at a time, checking each step,
# to a database with nothing but the history table. Each section runs in one
# transaction, as Strata runs it.
#
# Usage: scripts/check-postgres-schema.sh [MIGRATIONS_DIR]   (default migrations/postgres)
# The server comes from libpq's variables: PGHOST (127.0.0.1), PGPORT (5432),
# PGUSER (postgres), PGPASSWORD; PGDATABASE (postgres) is the database it
# connects to in order to create and drop its scratch database, which is
# dropped on every exit path.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
dir=${1:-$root/migrations/postgres}
export PGHOST=${PGHOST:-127.0.0.1} PGPORT=${PGPORT:-5432} PGUSER=${PGUSER:-postgres}
admin_db=${PGDATABASE:-postgres}
unset PGDATABASE

db="strata_schema_check_$$_$(date +%s%N)"
work=$(mktemp -d)
created=false

cleanup() {
    local status=$?
    if $created; then
        psql -X -q -d "$admin_db" -v ON_ERROR_STOP=1 \
            -c "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)" >/dev/null ||
            echo "warning: could not drop the scratch database $db" >&2
    fi
    rm -rf "$work"
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

fail() {
    echo "FAIL: $*" >&2
    exit 1
}

# The section after `-- migrate:$2` in file $1, up to the next marker. A marker
# with options is refused: this check runs every section in one transaction.
section() {
    awk -v want="$2" -v file="$1" '
        /^-- migrate:(up|down)([ \t]|$)/ {
            if (NF > 2) { print file ": marker with options: " $0 > "/dev/stderr"; exit 3 }
            current = substr($2, 9); next
        }
        current == want { print }
    ' "$1"
}

dump() {
    pg_dump --schema-only --no-owner --no-privileges -d "$db" |
        sed -e '/^--/d' -e '/^$/d' -e '/^SET /d' -e '/^SELECT pg_catalog.set_config/d' \
            -e '/^\\restrict /d' -e '/^\\unrestrict /d'
}

# Runs section $2 of migration file $1 and its history change in one transaction.
run() {
    local file=$1 direction=$2 base version name history
    base=$(basename "$file" .sql)
    version=$((10#${base%%_*}))
    name=${base#*_}
    section "$file" "$direction" >"$work/section.sql"
    if [[ $direction == up ]]; then
        history="INSERT INTO migration_history (version, name) VALUES ($version, '$name')"
    else
        history="DELETE FROM migration_history WHERE version = $version"
    fi
    psql -X -q -d "$db" -v ON_ERROR_STOP=1 --single-transaction \
        -f "$work/section.sql" -c "$history" >/dev/null ||
        fail "$direction $base: psql failed (above)"
}

# Fails, showing the difference, unless dumps $1 and $2 are equal.
same() {
    diff -u --label "$3 (expected)" --label "$3 (got)" "$1" "$2" >&2 || fail "$3: the schema differs (diff above)"
}

shopt -s nullglob
files=("$dir"/[0-9]*_*.sql)
((${#files[@]} > 0)) || fail "no migration files in $dir"
for file in "${files[@]}"; do
    for marker in up down; do
        count=$(grep -c -E "^-- migrate:$marker([[:space:]]|\$)" "$file" || true)
        [[ $count == 1 ]] || fail "$file has $count '-- migrate:$marker' markers; expected 1"
    done
done

psql -X -q -d "$admin_db" -v ON_ERROR_STOP=1 -c "CREATE DATABASE \"$db\"" >/dev/null
created=true
# A stand-in for Strata's history table: 014's system_statistics reads it.
psql -X -q -d "$db" -v ON_ERROR_STOP=1 \
    -c "CREATE TABLE migration_history (version bigint PRIMARY KEY, name text NOT NULL)" >/dev/null
dump >"$work/empty"

for file in "${files[@]}"; do
    base=$(basename "$file" .sql)
    dump >"$work/before.$base"
    run "$file" up
    dump >"$work/after.$base"
    run "$file" down
    dump >"$work/got"
    same "$work/before.$base" "$work/got" "down $base right after up $base"
    run "$file" up
    dump >"$work/got"
    same "$work/after.$base" "$work/got" "up $base again after its down"
    echo "ok   $base: down restores the schema before it, up again gives the same schema"
done

for ((i = ${#files[@]} - 1; i >= 0; i--)); do
    file=${files[i]}
    base=$(basename "$file" .sql)
    run "$file" down
    dump >"$work/got"
    same "$work/before.$base" "$work/got" "down $base from the newest version"
done
same "$work/empty" "$work/got" "down to 0"
echo "ok   down from ${#files[@]} to 0, one step at a time: each gives the schema before that up; nothing but migration_history is left"
echo "OK: ${#files[@]} migrations in $dir"
