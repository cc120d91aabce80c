#!/usr/bin/env bash
# Benchmark: applying and reverting many small migrations, against the sqlite3 shell.
# Usage: bench/many.sh [COUNT] [RUNS]   (defaults: 1000 and 5)
#   STRATA=path/to/strata bench/many.sh ...  times another build (e.g. an old one)
#   FSYNC=1 bench/many.sh ...                 also counts fsyncs with strace (untimed)
# Generates COUNT migrations (a CREATE TABLE and an INSERT up, a DROP TABLE
# down). Each run, on fresh databases and in this order: `strata up`, the
# shell applying the same SQL (one transaction per migration, each with the
# history INSERT Strata makes), `strata down 0`, the shell reverting (one
# transaction per migration, each with the history DELETE). Prints each run
# and the median of the ratios strata/shell for both directions.
# The targets (issue 6): apply at most 0.95x the shell, revert at most 0.8x.
set -euo pipefail
count=${1:-1000}
runs=${2:-5}
root=$(cd "$(dirname "$0")/.." && pwd)
if [ -z "${STRATA:-}" ]; then
  cargo build --release --quiet --manifest-path "$root/Cargo.toml"
  STRATA="$root/target/release/strata"
fi
STRATA=$(realpath "$STRATA") # the runs happen in a temporary folder
sqlite=${SQLITE3:-/usr/bin/sqlite3}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir "$work/m"
cd "$work"

# The history table exactly as Strata creates it (crates/strata/src/driver/sqlite/history.rs).
cat > apply.sql <<'SQL'
CREATE TABLE IF NOT EXISTS migration_history (
  version INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  applied_at TEXT NOT NULL,
  execution_ms INTEGER NOT NULL,
  checksum TEXT NOT NULL,
  state TEXT NOT NULL DEFAULT 'applied',
  up_sql TEXT NOT NULL,
  down_sql TEXT,
  down_options TEXT NOT NULL DEFAULT ''
);
SQL
: > revert.lines
for i in $(seq 1 "$count"); do
  version=$(printf '%04d' "$i")
  up="CREATE TABLE t$i (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
INSERT INTO t$i (name) VALUES ('x');
"
  down="DROP TABLE t$i;
"
  printf -- '-- migrate:up\n%s-- migrate:down\n%s' "$up" "$down" > "m/${version}_create_t$i.sql"
  sum=$(printf '%s' "$up" | sha256sum | cut -d' ' -f1)
  printf "BEGIN;\n%sINSERT INTO migration_history (version, name, applied_at, execution_ms, checksum, state, up_sql, down_sql, down_options) VALUES (%d, 'create_t%d', '2026-11-25 06:00:00', 0, '%s', 'applied', '%s', '%s', '');\nCOMMIT;\n" \
    "$up" "$i" "$i" "$sum" "${up//\'/\'\'}" "$down" >> apply.sql
  # One line per migration, so that `tac` puts them newest first.
  printf "BEGIN; %s DELETE FROM migration_history WHERE version = %d; COMMIT;\n" "${down%$'\n'}" "$i" >> revert.lines
done
tac revert.lines > revert.sql
export NO_COLOR=1
source "$root/bench/lib.sh"
echo "$count migrations, $runs runs; times in ms"
up_ratios=() down_ratios=()
for run in $(seq 1 "$runs"); do
  rm -f strata.db* shell.db*
  t0=$(now)
  "$STRATA" --database sqlite:strata.db --dir m up > /dev/null
  t1=$(now)
  "$sqlite" shell.db < apply.sql
  t2=$(now)
  "$STRATA" --database sqlite:strata.db --dir m down 0 --yes > /dev/null
  t3=$(now)
  "$sqlite" shell.db < revert.sql
  t4=$(now)
  [ "$("$sqlite" strata.db 'SELECT count(*) FROM sqlite_master')" = 1 ]
  [ "$("$sqlite" shell.db 'SELECT count(*) FROM sqlite_master')" = 1 ]
  up_ratios+=("$(ratio $((t1 - t0)) $((t2 - t1)))") down_ratios+=("$(ratio $((t3 - t2)) $((t4 - t3)))")
  echo "run $run: apply strata $(((t1 - t0) / 1000000)) shell $(((t2 - t1) / 1000000)) ratio ${up_ratios[-1]};" \
    "revert strata $(((t3 - t2) / 1000000)) shell $(((t4 - t3) / 1000000)) ratio ${down_ratios[-1]}"
done
echo "median ratio strata/shell: apply $(median "${up_ratios[@]}") (target <= 0.95), revert $(median "${down_ratios[@]}") (target <= 0.8)"

if [ -n "${FSYNC:-}" ]; then
  # System calls per migration, from one untimed run of each under strace.
  calls() {
    strace -f -c -e trace=fsync,fdatasync,openat,unlink,ftruncate -o trace.txt "$@" > /dev/null 2>&1
    awk -v n="$count" '$NF ~ /^(fsync|fdatasync|openat|unlink|ftruncate)$/ { printf " %s %.2f", $NF, $4 / n }' trace.txt
  }
  rm -f strata.db* shell.db*
  echo "per migration, apply:  strata$(calls "$STRATA" --database sqlite:strata.db --dir m up);" \
    "shell$(calls "$sqlite" shell.db -init apply.sql .quit)"
  echo "per migration, revert: strata$(calls "$STRATA" --database sqlite:strata.db --dir m down 0 --yes);" \
    "shell$(calls "$sqlite" shell.db -init revert.sql .quit)"
fi
