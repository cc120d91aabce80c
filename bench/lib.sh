# Helpers the benchmark scripts share: `source "$root/bench/lib.sh"`.

# The time now, in nanoseconds; milliseconds between two such times.
now() { date +%s%N; }
ms() { echo $((($2 - $1) / 1000000)); }
# a / b to three decimals.
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a / b }'; }
# The median of the arguments, to three decimals.
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { printf "%.3f", (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# noop_commands DATABASE COUNT SUFFIX: `status` and a no-op `up` of $STRATA
# on DATABASE with the folder m/ all applied, the median of 11 runs each,
# one line each ending in SUFFIX.
noop_commands() {
  local database=$1 count=$2 suffix=$3 command times t0 t1
  "$STRATA" --database "$database" --dir m up > /dev/null
  for command in status up; do
    times=()
    for _ in $(seq 1 11); do
      t0=$(now)
      "$STRATA" --database "$database" --dir m "$command" > /dev/null
      t1=$(now)
      times+=("$(ms "$t0" "$t1")")
    done
    echo "$command with $count applied: median $(median "${times[@]}") ms$suffix"
  done
}
