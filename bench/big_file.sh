#!/usr/bin/env bash
# Benchmark: one migration holding a big file of one-line INSERTs (seed data).
# Usage: bench/big_file.sh [MEGABYTES] [RUNS]   (defaults: 50 and 3)
#   STRATA=path/to/strata bench/big_file.sh ...  times another build (e.g. an old one)
# Generates one migration of MEGABYTES of `INSERT INTO seed ... VALUES (...);`
# lines, then, RUNS times and alternating, times `strata up` on a fresh
# database and the sqlite3 shell running the same SQL (the up section) inside
# one transaction (BEGIN; ...; COMMIT;) on a fresh database. Prints each pair,
# then the medians and the median of the ratios strata/shell.
# The target (issue 6): at most 1.5x the shell.
set -euo pipefail
megabytes=${1:-50}
runs=${2:-3}
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
awk -v bytes=$((megabytes * 1000000)) 'BEGIN {
  print "-- migrate:up"
  print "CREATE TABLE seed (id INTEGER PRIMARY KEY, name TEXT NOT NULL, value INTEGER NOT NULL);"
  size = 0
  for (i = 1; size < bytes; i++) {
    line = sprintf("INSERT INTO seed (id, name, value) VALUES (%d, '\''name %d'\'', %d);", i, i, i * 7)
    print line
    size += length(line) + 1
  }
  print "-- migrate:down"
  print "DROP TABLE seed;"
}' > "$work/m/0001_seed.sql"
# The shell's script: the same up section inside one transaction.
{ echo "BEGIN;"; sed -n '2,/^-- migrate:down$/p' "$work/m/0001_seed.sql" | sed '$d'; echo "COMMIT;"; } > "$work/shell.sql"
statements=$(($(wc -l < "$work/shell.sql") - 2))
echo "one migration of $statements statements ($(wc -c < "$work/m/0001_seed.sql") bytes); $runs runs each"
cd "$work"
export NO_COLOR=1
source "$root/bench/lib.sh"
strata_ms=() shell_ms=() ratios=()
for run in $(seq 1 "$runs"); do
  rm -f strata.db shell.db
  start=$(now)
  "$STRATA" --database sqlite:strata.db --dir m up > /dev/null
  mid=$(now)
  "$sqlite" shell.db < shell.sql
  end=$(now)
  [ "$("$sqlite" strata.db 'SELECT count(*) FROM seed')" = "$("$sqlite" shell.db 'SELECT count(*) FROM seed')" ]
  strata_ms+=($(((mid - start) / 1000000))) shell_ms+=($(((end - mid) / 1000000)))
  ratios+=("$(awk -v a=$((mid - start)) -v b=$((end - mid)) 'BEGIN { printf "%.3f", a / b }')")
  echo "run $run: strata $(((mid - start) / 1000000)) ms, shell $(((end - mid) / 1000000)) ms, ratio ${ratios[-1]}"
done
echo "median: strata $(median "${strata_ms[@]}") ms, shell $(median "${shell_ms[@]}") ms, ratio strata/shell $(median "${ratios[@]}") (target <= 1.5)"
