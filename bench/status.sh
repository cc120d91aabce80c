#!/usr/bin/env bash
# Benchmark: `strata status` and `strata up` with many migrations.
# Usage: bench/status.sh [COUNT]   (default 1000)
# Prints the mean wall time of `status` over 20 runs on a database with COUNT
# applied migrations, and the time of one `up` that applies them all.
# The target (issue 2): status with 1,000 applied migrations in a few ms.
set -euo pipefail
count=${1:-1000}
root=$(cd "$(dirname "$0")/.." && pwd)
cargo build --release --quiet --manifest-path "$root/Cargo.toml"
strata="$root/target/release/strata"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir "$work/m"
for i in $(seq 1 "$count"); do
  printf -- '-- migrate:up\nCREATE TABLE t%d (id INTEGER PRIMARY KEY, name TEXT NOT NULL);\nINSERT INTO t%d (name) VALUES ('"'"'x'"'"');\n-- migrate:down\nDROP TABLE t%d;\n' \
    "$i" "$i" "$i" > "$work/m/$(printf '%04d' "$i")_create_t$i.sql"
done
cd "$work"
export NO_COLOR=1
ms() { echo $(( ($2 - $1) / 1000000 )); }
start=$(date +%s%N)
"$strata" --database sqlite:db.sqlite --dir m up > /dev/null
end=$(date +%s%N)
echo "up:     $count migrations applied in $(ms "$start" "$end") ms"
runs=20
"$strata" --database sqlite:db.sqlite --dir m status > /dev/null # warm the page cache
start=$(date +%s%N)
for _ in $(seq 1 $runs); do "$strata" --database sqlite:db.sqlite --dir m status > /dev/null; done
end=$(date +%s%N)
echo "status: $count applied migrations, mean $(awk -v t=$(( end - start )) -v n=$runs 'BEGIN { printf "%.2f", t / n / 1e6 }') ms over $runs runs"
start=$(date +%s%N)
for _ in $(seq 1 $runs); do "$strata" --version > /dev/null; done
end=$(date +%s%N)
echo "baseline: starting the process (strata --version), mean $(awk -v t=$(( end - start )) -v n=$runs 'BEGIN { printf "%.2f", t / n / 1e6 }') ms"
