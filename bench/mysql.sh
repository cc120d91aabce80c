#!/usr/bin/env bash
# Benchmark: 1,000 migrations applied to and reverted from MySQL/MariaDB,
# against the `mariadb` client running the same SQL; then `status` and a
# no-op `up` with all of them applied.
#
# Usage: bench/mysql.sh [COUNT] [RUNS]   (defaults: 1000 and 3)
#   STRATA_BENCH_MYSQL_URL   the server (default mysql://root@127.0.0.1:3306/);
#                            two databases are created on it and dropped at the end
#   STRATA=path/to/strata    times another build
#
# The migrations cycle through five kinds: a table with an AUTO_INCREMENT key
# and an index; ALTER TABLE … ADD COLUMN; 50-row INSERTs; a view; a trigger.
# DDL commits at once on MySQL/MariaDB, so Strata runs a migration with DDL
# statement by statement, its history row written `applying` before and
# `applied` after; a migration of data changes only (the INSERTs) runs in one
# transaction with its history row. The client runs each migration as
# `BEGIN; …; INSERT INTO migration_history …; COMMIT;` (the `BEGIN` does
# nothing for the DDL, which commits at once), reverting the same way with
# `DELETE`. Each run, on fresh databases and in this order: `strata up`, the
# client applying, `strata down 0`, the client reverting. Prints each run and
# the median ratios strata/client.
# Target (issue 8): apply at most 1.0x the client.
set -euo pipefail
count=${1:-1000}
runs=${2:-3}
server=${STRATA_BENCH_MYSQL_URL:-mysql://root@127.0.0.1:3306/}
root=$(cd "$(dirname "$0")/.." && pwd)
if [ -z "${STRATA:-}" ]; then
  cargo build --release --quiet --manifest-path "$root/Cargo.toml"
  STRATA="$root/target/release/strata"
fi
STRATA=$(realpath "$STRATA")
# The client's connection from the URL: mysql://user[:password]@host[:port]/
hostport=${server#*://}
hostport=${hostport%%/*}
creds=${hostport%@*}
[ "$creds" = "$hostport" ] && creds=root
hostport=${hostport#*@}
user=${creds%%:*}
password=
[ "$creds" != "$user" ] && password=${creds#*:}
host=${hostport%%:*}
port=3306
[ "$hostport" != "$host" ] && port=${hostport#*:}
base=${server%/}
work=$(mktemp -d)
s_db="strata_bench_$$_s"
c_db="strata_bench_$$_c"
client() { MYSQL_PWD="$password" mariadb --protocol=tcp -h "$host" -P "$port" -u "$user" "$@"; }
drop_all() {
  client -e "DROP DATABASE IF EXISTS $s_db; DROP DATABASE IF EXISTS $c_db" || true
  rm -rf "$work"
}
trap drop_all EXIT
mkdir "$work/m"
cd "$work"
export NO_COLOR=1 XDG_CACHE_HOME="$work/cache"

# up_sql N / down_sql N: migration N's sections.
up_sql() {
  local n=$1 k=$(($1 % 5))
  case $k in
    1) printf 'CREATE TABLE t%d (id BIGINT AUTO_INCREMENT PRIMARY KEY, name VARCHAR(100) NOT NULL, created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP) ENGINE=InnoDB;\nCREATE INDEX t%d_name ON t%d (name);\n' "$n" "$n" "$n" ;;
    2) printf 'ALTER TABLE t%d ADD COLUMN extra_%d INT NOT NULL DEFAULT 0;\n' $((n - 1)) "$n" ;;
    3) printf 'INSERT INTO t%d (name) VALUES\n' $((n - 2))
       for i in $(seq 1 49); do printf "  ('row %d %d'),\n" "$n" "$i"; done
       printf "  ('row %d 50');\n" "$n" ;;
    4) printf 'CREATE VIEW v%d AS SELECT id, name FROM t%d WHERE id > 10;\n' "$n" $((n - 3)) ;;
    0) printf 'CREATE TRIGGER tr%d BEFORE INSERT ON t%d FOR EACH ROW SET NEW.name = LOWER(NEW.name);\n' "$n" $((n - 4)) ;;
  esac
}
down_sql() {
  local n=$1 k=$(($1 % 5))
  case $k in
    1) printf 'DROP TABLE t%d;\n' "$n" ;;
    2) printf 'ALTER TABLE t%d DROP COLUMN extra_%d;\n' $((n - 1)) "$n" ;;
    3) printf "DELETE FROM t%d WHERE name LIKE 'row %d %%';\n" $((n - 2)) "$n" ;;
    4) printf 'DROP VIEW v%d;\n' "$n" ;;
    0) printf 'DROP TRIGGER tr%d;\n' "$n" ;;
  esac
}
# A string literal for the client (backslashes and quotes escaped).
quote() { local s=${1//\\/\\\\}; printf "'%s'" "${s//\'/\'\'}"; }

# The history table, as Strata's MySQL driver creates it.
cat > apply.sql <<'SQL'
CREATE TABLE migration_history (
  version BIGINT NOT NULL,
  name VARCHAR(1024) NOT NULL,
  applied_at VARCHAR(32) NOT NULL,
  execution_ms BIGINT NOT NULL,
  checksum VARCHAR(128) NOT NULL,
  state VARCHAR(16) NOT NULL DEFAULT 'applied',
  up_sql LONGTEXT NOT NULL,
  down_sql LONGTEXT,
  down_options VARCHAR(1024) NOT NULL DEFAULT '',
  failure TEXT,
  PRIMARY KEY (version)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
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
fresh() { client -e "DROP DATABASE IF EXISTS $1; CREATE DATABASE $1 CHARACTER SET utf8mb4"; }
client_run() { client "$1" < "$2" > /dev/null; }

echo "$count migrations, $runs runs; times in ms"
up_ratios=() down_ratios=()
for run in $(seq 1 "$runs"); do
  fresh "$s_db"
  fresh "$c_db"
  t0=$(now)
  "$STRATA" --database "$base/$s_db" --dir m up > /dev/null
  t1=$(now)
  client_run "$c_db" apply.sql
  t2=$(now)
  "$STRATA" --database "$base/$s_db" --dir m down 0 --yes > /dev/null
  t3=$(now)
  client_run "$c_db" revert.sql
  t4=$(now)
  up_ratios+=("$(ratio $((t1 - t0)) $((t2 - t1)))") down_ratios+=("$(ratio $((t3 - t2)) $((t4 - t3)))")
  echo "run $run: apply strata $(ms "$t0" "$t1") client $(ms "$t1" "$t2") ratio ${up_ratios[-1]};" \
    "revert strata $(ms "$t2" "$t3") client $(ms "$t3" "$t4") ratio ${down_ratios[-1]}"
done
echo "median ratio strata/client: apply $(median "${up_ratios[@]}") (target <= 1.0), revert $(median "${down_ratios[@]}")"

# status and a no-op up with everything applied: the median of 11 runs each.
noop_commands "$base/$s_db" "$count" ""
