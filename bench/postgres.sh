#!/usr/bin/env bash
# Benchmark: 1,000 migrations applied to and reverted from PostgreSQL, against
# psql running the same SQL with one transaction per migration; then `status`
# and a no-op `up` with all of them applied.
#
# Usage: bench/postgres.sh [COUNT] [RUNS]   (defaults: 1000 and 3)
#   STRATA_BENCH_POSTGRES_URL   the server (default postgres://postgres@127.0.0.1:5432/postgres);
#                               two databases are created on it and dropped at the end
#   STRATA=path/to/strata       times another build
#
# The migrations cycle through five kinds: a table with an identity key and an
# index; ALTER TABLE … ADD COLUMN; 50-row INSERTs; a view; a PL/pgSQL trigger
# function with its trigger. Each run, on fresh databases and in this order:
# `strata up`, psql applying the same SQL (each migration `BEGIN; …; INSERT
# INTO migration_history …; COMMIT;`, the history row Strata writes), `strata
# down 0`, psql reverting (each `BEGIN; …; DELETE FROM migration_history …;
# COMMIT;`). Prints each run and the median ratios strata/psql.
# Targets (issue 7): apply at most 0.65x psql, revert at most 1.0x; `status`
# and a no-op `up` with 1,000 applied under 30 ms.
set -euo pipefail
count=${1:-1000}
runs=${2:-3}
server=${STRATA_BENCH_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}
root=$(cd "$(dirname "$0")/.." && pwd)
if [ -z "${STRATA:-}" ]; then
  cargo build --release --quiet --manifest-path "$root/Cargo.toml"
  STRATA="$root/target/release/strata"
fi
STRATA=$(realpath "$STRATA")
work=$(mktemp -d)
base=${server%/*}
s_db="strata_bench_$$_s"
p_db="strata_bench_$$_p"
drop_all() {
  psql -X -q "$server" -c "DROP DATABASE IF EXISTS $s_db WITH (FORCE)" -c "DROP DATABASE IF EXISTS $p_db WITH (FORCE)" || true
  rm -rf "$work"
}
trap drop_all EXIT
mkdir "$work/m"
cd "$work"
export NO_COLOR=1 XDG_CACHE_HOME="$work/cache" PGOPTIONS="-c client_min_messages=warning"

# up_sql N / down_sql N: migration N's sections.
up_sql() {
  local n=$1 k=$(($1 % 5))
  case $k in
    1) printf 'CREATE TABLE t%d (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, name text NOT NULL, created_at timestamptz NOT NULL DEFAULT now());\nCREATE INDEX t%d_name ON t%d (name);\n' "$n" "$n" "$n" ;;
    2) printf 'ALTER TABLE t%d ADD COLUMN extra_%d integer NOT NULL DEFAULT 0;\n' $((n - 1)) "$n" ;;
    3) printf 'INSERT INTO t%d (name) VALUES\n' $((n - 2))
       for i in $(seq 1 49); do printf "  ('row %d %d'),\n" "$n" "$i"; done
       printf "  ('row %d 50');\n" "$n" ;;
    4) printf 'CREATE VIEW v%d AS SELECT id, name FROM t%d WHERE id > 10;\n' "$n" $((n - 3)) ;;
    0) printf 'CREATE FUNCTION f%d() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\n  NEW.name := lower(NEW.name);\n  RETURN NEW;\nEND;\n$$;\nCREATE TRIGGER tr%d BEFORE INSERT ON t%d FOR EACH ROW EXECUTE FUNCTION f%d();\n' "$n" "$n" $((n - 4)) "$n" ;;
  esac
}
down_sql() {
  local n=$1 k=$(($1 % 5))
  case $k in
    1) printf 'DROP TABLE t%d;\n' "$n" ;;
    2) printf 'ALTER TABLE t%d DROP COLUMN extra_%d;\n' $((n - 1)) "$n" ;;
    3) printf "DELETE FROM t%d WHERE name LIKE 'row %d %%';\n" $((n - 2)) "$n" ;;
    4) printf 'DROP VIEW v%d;\n' "$n" ;;
    0) printf 'DROP TRIGGER tr%d ON t%d;\nDROP FUNCTION f%d();\n' "$n" $((n - 4)) "$n" ;;
  esac
}
quote() { printf "'%s'" "${1//\'/\'\'}"; }

# The history table as Strata's PostgreSQL driver creates it.
cat > apply.sql <<'SQL'
CREATE TABLE migration_history (
  version BIGINT PRIMARY KEY,
  name TEXT NOT NULL,
  applied_at TEXT NOT NULL,
  execution_ms BIGINT NOT NULL,
  checksum TEXT NOT NULL,
  state TEXT NOT NULL DEFAULT 'applied',
  up_sql TEXT NOT NULL,
  down_sql TEXT,
  down_options TEXT NOT NULL DEFAULT ''
);
SQL
: > revert.parts
for n in $(seq 1 "$count"); do
  version=$(printf '%04d' "$n")
  up=$(up_sql "$n")$'\n'
  down=$(down_sql "$n")$'\n'
  printf -- '-- migrate:up\n%s-- migrate:down\n%s' "$up" "$down" > "m/${version}_step_$n.sql"
  sum=$(printf '%s' "$up" | sha256sum | cut -d' ' -f1)
  printf "BEGIN;\n%sINSERT INTO migration_history (version, name, applied_at, execution_ms, checksum, state, up_sql, down_sql, down_options) VALUES (%d, 'step_%d', '2026-11-25 06:00:00', 0, '%s', 'applied', %s, %s, '');\nCOMMIT;\n" \
    "$up" "$n" "$n" "$sum" "$(quote "$up")" "$(quote "$down")" >> apply.sql
  # One NUL-terminated part per migration, so that they can be put newest first.
  printf "BEGIN;\n%sDELETE FROM migration_history WHERE version = %d;\nCOMMIT;\n\0" "$down" "$n" >> revert.parts
done
tr '\0\n' '\n\1' < revert.parts | tac | tr '\1' '\n' > revert.sql

source "$root/bench/lib.sh"
fresh() { psql -X -q "$server" -c "DROP DATABASE IF EXISTS $1 WITH (FORCE)" -c "CREATE DATABASE $1"; }
psql_run() { psql -X -q -v ON_ERROR_STOP=1 "$base/$1" -f "$2" > /dev/null; }

echo "$count migrations, $runs runs; times in ms"
up_ratios=() down_ratios=()
for run in $(seq 1 "$runs"); do
  fresh "$s_db"
  fresh "$p_db"
  t0=$(now)
  "$STRATA" --database "$base/$s_db" --dir m up > /dev/null
  t1=$(now)
  psql_run "$p_db" apply.sql
  t2=$(now)
  "$STRATA" --database "$base/$s_db" --dir m down 0 --yes > /dev/null
  t3=$(now)
  psql_run "$p_db" revert.sql
  t4=$(now)
  up_ratios+=("$(ratio $((t1 - t0)) $((t2 - t1)))") down_ratios+=("$(ratio $((t3 - t2)) $((t4 - t3)))")
  echo "run $run: apply strata $(ms "$t0" "$t1") psql $(ms "$t1" "$t2") ratio ${up_ratios[-1]};" \
    "revert strata $(ms "$t2" "$t3") psql $(ms "$t3" "$t4") ratio ${down_ratios[-1]}"
done
echo "median ratio strata/psql: apply $(median "${up_ratios[@]}") (target <= 0.65), revert $(median "${down_ratios[@]}") (target <= 1.0)"

# status and a no-op up with everything applied: the median of 11 runs each.
noop_commands "$base/$s_db" "$count" " (target < 30)"
