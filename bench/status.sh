#!/usr/bin/env bash
# Benchmark: `strata status` with many applied migrations, against the sqlite3
# shell reading the same history from the same database.
#
# Usage: bench/status.sh [COUNT] [PAD_KB]   (defaults 10000 and 10)
#   STRATA="bin1 bin2"     time these binaries (in turn, on the same databases)
#                          instead of building the release one: before/after in one go
#   RUNS=N                 timed runs per figure (default 21; the median is shown)
#
# Two sets of COUNT applied migrations are built and timed in one go:
#   small: two-statement files (~150 bytes each);
#   large: the same with a PAD_KB KiB comment in each up section.
# For each: the median wall time of `status` (with a warm cache in a private
# XDG_CACHE_HOME, and with no cache: HOME and XDG_CACHE_HOME unset), its peak
# RSS (`/usr/bin/time -f %M`),
# the median of `sqlite3 db "SELECT version, name, checksum, applied_at FROM
# migration_history ORDER BY version"` and the ratio of the two. Peak memory
# must not grow with the total size of the files: compare small and large.
set -euo pipefail
count=${1:-10000}
pad_kb=${2:-10}
runs=${RUNS:-21}
root=$(cd "$(dirname "$0")/.." && pwd)
if [[ -z ${STRATA:-} ]]; then
  cargo build --release --quiet --manifest-path "$root/Cargo.toml"
  STRATA="$root/target/release/strata"
fi
binaries=()
for binary in $STRATA; do binaries+=("$(realpath "$binary")"); done
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export NO_COLOR=1
export XDG_CACHE_HOME="$work/cache"

# write_set DIR PAD: COUNT migration files, each up section padded with PAD bytes of comment.
write_set() {
  local dir=$1 pad=$2
  mkdir "$dir"
  awk -v n="$count" -v pad="$pad" -v dir="$dir" 'BEGIN {
    line = "-- " sprintf("%76s", "") ; gsub(/ /, "x", line)
    for (i = 1; i <= n; i++) {
      file = sprintf("%s/%05d_create_t%d.sql", dir, i, i)
      printf "-- migrate:up\nCREATE TABLE t%d (id INTEGER PRIMARY KEY, name TEXT NOT NULL);\n", i > file
      for (b = 0; b < pad; b += 80) print line > file
      printf "INSERT INTO t%d (name) VALUES (%cx%c);\n-- migrate:down\nDROP TABLE t%d;\n", i, 39, 39, i > file
      close(file)
    }
  }'
}

# medians_ms CMD...: each CMD a shell command; runs them in turn RUNS times
# (interleaved, so that noise from other processes falls on all alike) and
# prints the median wall time of each, in ms, one a line.
medians_ms() {
  local cmd i start end
  for cmd in "$@"; do eval "$cmd" > /dev/null; done # warm the page cache (and make the cache)
  local -a times=()
  for _ in $(seq 1 "$runs"); do
    i=0
    for cmd in "$@"; do
      start=$(date +%s%N)
      eval "$cmd" > /dev/null
      end=$(date +%s%N)
      times[i]+="$(( end - start )) "
      i=$(( i + 1 ))
    done
  done
  for i in "${!times[@]}"; do
    tr ' ' '\n' <<< "${times[i]}" | grep . | sort -n | awk '{ t[NR] = $1 } END { printf "%.1f\n", t[int((NR + 1) / 2)] / 1e6 }'
  done
}

bench_set() {
  local label=$1 pad=$2
  cd "$work"
  write_set "$label" "$pad"
  local size start end
  size=$(du -sk --apparent-size "$label" | cut -f1)
  start=$(date +%s%N)
  "${binaries[0]}" --database "sqlite:$label.db" --dir "$label" up > /dev/null
  end=$(date +%s%N)
  echo "$label: $count files, $size KiB; up (${binaries[0]}) took $(( (end - start) / 1000000 )) ms"
  sleep 2.1 # files changed less than 2 s before the cache was made are read again
  local shell="sqlite3 $label.db 'SELECT version, name, checksum, applied_at FROM migration_history ORDER BY version'"
  local -a names=("sqlite3 shell") cmds=("$shell")
  local strata
  for strata in "${binaries[@]}"; do
    names+=("$strata status" "$strata status, no cache")
    cmds+=("$strata --database sqlite:$label.db --dir $label status" "env -u XDG_CACHE_HOME -u HOME $strata --database sqlite:$label.db --dir $label status")
  done
  local -a medians
  mapfile -t medians < <(medians_ms "${cmds[@]}")
  local i
  for i in "${!cmds[@]}"; do
    printf '  %-52s %8s ms, peak RSS %7s KiB, %s x the shell\n' "${names[i]}" "${medians[i]}" \
      "$(eval "/usr/bin/time -f %M ${cmds[i]}" 2>&1 > /dev/null | tail -1)" \
      "$(awk -v s="${medians[i]}" -v q="${medians[0]}" 'BEGIN { printf "%.2f", s / q }')"
  done
}

echo "$count applied migrations; median of $runs runs"
bench_set small 0
bench_set large $(( pad_kb * 1024 ))
