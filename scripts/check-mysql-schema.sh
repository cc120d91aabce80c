#!/usr/bin/env bash
# Checks WriteBot's MySQL/MariaDB migrations on a real server, with the
# mariadb (or mysql) client and without Strata (whose MySQL driver may not
# exist yet), in a scratch database of its own:
#   1. for each migration N in order: up N, then down N, which must give back
#      the schema from before up N (mariadb-dump --no-data, normalised), then
#      up N again, which must give the same schema as the first time;
#   2. at the newest version: the tables and their columns (in order), the
#      views and their columns, the triggers and the idx_ indexes are the ones
#      WriteBot's schema specification names (the list below), every table
#      InnoDB with a utf8mb4 collation;
#   3. down one migration at a time to 0, each giving the schema before that
#      up, leaving nothing but the history table;
#   4. up again to the newest: the same schema as in step 1.
# Each section goes to the client as a script of its own, so DELIMITER lines
# are read as the client reads them. A stand-in migration_history (version,
# name) gets a row per applied migration, as Strata's would: 014's
# system_statistics reads it.
#
# Usage: scripts/check-mysql-schema.sh [MIGRATIONS_DIR]   (default migrations/mysql)
# The server: STRATA_TEST_MYSQL_URL, default mysql://root@127.0.0.1:3306/
# (mysql:// or mariadb://, user, password, host, port; its database, if any,
# is not used). The password goes to the client in an option file readable
# only by this user, never on a command line. The scratch database,
# strata_schema_check_<pid>_<nanos>, is dropped on every exit path.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
dir=${1:-$root/migrations/mysql}
url=${STRATA_TEST_MYSQL_URL:-mysql://root@127.0.0.1:3306/}

fail() {
    echo "FAIL: $*" >&2
    exit 1
}

find_program() {
    local name
    for name in "$@"; do
        if command -v "$name" >/dev/null; then
            echo "$name"
            return
        fi
    done
    fail "none of $* is installed (Debian: apt-get install mariadb-client)"
}
client=$(find_program mariadb mysql)
dumper=$(find_program mariadb-dump mysqldump)

# %XX escapes of a URL's user or password, decoded.
decode() {
    local text=${1//\\/\\\\}
    printf '%b' "${text//%/\\x}"
}

# user[:password]@host[:port] of mysql://… or mariadb://…, into $user,
# $password, $host, $port.
parse_url() {
    local rest userinfo hostport
    case $1 in
        mysql://* | mariadb://*) rest=${1#*://} ;;
        *) fail "STRATA_TEST_MYSQL_URL must be a mysql:// or mariadb:// URL" ;;
    esac
    rest=${rest%%[/?#]*}
    if [[ $rest == *@* ]]; then
        userinfo=${rest%@*}
        hostport=${rest##*@}
    else
        userinfo=root
        hostport=$rest
    fi
    user=$(decode "${userinfo%%:*}")
    password=
    [[ $userinfo == *:* ]] && password=$(decode "${userinfo#*:}")
    host=${hostport%%:*}
    port=3306
    [[ $hostport == *:* ]] && port=${hostport##*:}
    [[ -n $host ]] || host=127.0.0.1
    [[ $port =~ ^[0-9]+$ ]] || fail "the port in STRATA_TEST_MYSQL_URL is not a number"
}
parse_url "$url"

db="strata_schema_check_$$_$(date +%s%N)"
work=$(mktemp -d)
created=false

cleanup() {
    local status=$?
    if $created; then
        sql_admin "DROP DATABASE IF EXISTS \`$db\`" ||
            echo "warning: could not drop the scratch database $db" >&2
    fi
    rm -rf "$work"
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Option values in double quotes, with \ and " escaped, as option files read them.
option() {
    local value=${2//\\/\\\\}
    printf '%s="%s"\n' "$1" "${value//\"/\\\"}"
}
(
    umask 077
    {
        echo "[client]"
        option host "$host"
        option port "$port"
        option user "$user"
        [[ -n $password ]] && option password "$password"
        echo "default-character-set=utf8mb4"
    } >"$work/client.cnf"
)

sql_admin() {
    "$client" --defaults-file="$work/client.cnf" --batch --skip-column-names -e "$1"
}

# Runs SQL from standard input, or from -e TEXT, in the scratch database.
sql() {
    "$client" --defaults-file="$work/client.cnf" --batch --skip-column-names --database="$db" "$@"
}

# The section after `-- migrate:$2` in file $1, up to the next marker. A marker
# with options is refused: this check runs sections as they are.
section() {
    awk -v want="$2" -v file="$1" '
        /^-- migrate:(up|down)([ \t]|$)/ {
            if (NF > 2) { print file ": marker with options: " $0 > "/dev/stderr"; exit 3 }
            current = substr($2, 9); next
        }
        current == want { print }
    ' "$1"
}

# The schema: tables, views, triggers, routines, events; not AUTO_INCREMENT
# counters (a seed's downgrade deletes its rows but not the counter).
dump() {
    "$dumper" --defaults-file="$work/client.cnf" --no-data --skip-comments --skip-dump-date \
        --triggers --routines --events "$db" | sed -E 's/ AUTO_INCREMENT=[0-9]+//'
}

# Runs section $2 of migration file $1, then records it in the history.
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
    sql <"$work/section.sql" || fail "$direction $base: $client failed (above)"
    sql -e "$history" || fail "$direction $base: could not write the history"
}

# Fails, showing the difference, unless files $1 and $2 are equal.
same() {
    diff -u --label "$3 (expected)" --label "$3 (got)" "$1" "$2" >&2 || fail "$3: differs (diff above)"
}

# What the spec names, one line each as the catalog queries below write it.
expected_schema() {
    cat <<'EOF'
BASE TABLE character_override_collections: id user_id name description is_active created_at updated_at
BASE TABLE character_overrides: id collection_id character svg_data baseline_offset x_advance created_at updated_at
BASE TABLE page_size_presets: id name width height unit is_system user_id created_at updated_at
BASE TABLE template_presets: id name description user_id page_size_preset_id orientation margin_top margin_right margin_bottom margin_left line_height handwriting_style legibility_bias ink_color is_public is_system created_at updated_at character_override_collection_id background_style text_alignment stroke_width paragraph_spacing
BASE TABLE usage_statistics: id user_id date generations pages_generated characters_generated processing_ms created_at updated_at
BASE TABLE user_activities: id user_id activity_type description ip_address user_agent metadata created_at
BASE TABLE users: id username email password_hash display_name role is_active email_verified created_at updated_at last_login_at
VIEW data_integrity_checks: check_name issue_count status
VIEW recent_activity: activity_id user_id username activity_type description ip_address created_at
VIEW system_statistics: total_users active_users admin_users total_activities activities_last_7_days total_generations total_pages total_characters total_templates system_templates total_page_sizes total_collections total_overrides schema_version
VIEW user_summary_stats: user_id username email role is_active created_at last_login_at activity_count last_activity_at total_generations total_pages total_characters template_count collection_count override_count
trigger character_override_collections BEFORE UPDATE trg_character_override_collections_updated_at
trigger character_overrides BEFORE UPDATE trg_character_overrides_updated_at
trigger page_size_presets BEFORE UPDATE trg_page_size_presets_updated_at
trigger template_presets BEFORE UPDATE trg_template_presets_updated_at
trigger usage_statistics BEFORE INSERT trg_usage_statistics_validate_counts_insert
trigger usage_statistics BEFORE UPDATE trg_usage_statistics_updated_at
trigger usage_statistics BEFORE UPDATE trg_usage_statistics_validate_counts_update
trigger users BEFORE INSERT trg_users_validate_email_insert
trigger users BEFORE UPDATE trg_users_updated_at
trigger users BEFORE UPDATE trg_users_validate_email_update
index character_override_collections idx_character_override_collections_user_id: user_id
index character_overrides idx_character_overrides_collection_id: collection_id
index page_size_presets idx_page_size_presets_user_id: user_id
index template_presets idx_template_presets_character_override_collection_id: character_override_collection_id
index template_presets idx_template_presets_page_size_preset_id: page_size_preset_id
index template_presets idx_template_presets_user_id: user_id
index usage_statistics idx_usage_statistics_date: date
index user_activities idx_user_activities_activity_type: activity_type
index user_activities idx_user_activities_user_id_created_at: user_id created_at
EOF
}

# The same lines read from the catalog (Strata's history table left out), and
# a line for each table that is not InnoDB with a utf8mb4 collation. Both
# lists are compared sorted, bytewise.
actual_schema() {
    sql <<'EOF'
SET SESSION group_concat_max_len = 65536;
SELECT CONCAT(t.table_type, ' ', t.table_name, ': ',
              GROUP_CONCAT(c.column_name ORDER BY c.ordinal_position SEPARATOR ' '))
FROM information_schema.tables t
JOIN information_schema.columns c
  ON c.table_schema = t.table_schema AND c.table_name = t.table_name
WHERE t.table_schema = DATABASE() AND t.table_name <> 'migration_history'
GROUP BY t.table_type, t.table_name
ORDER BY t.table_type, t.table_name;
SELECT CONCAT('trigger ', event_object_table, ' ', action_timing, ' ', event_manipulation, ' ', trigger_name)
FROM information_schema.triggers
WHERE trigger_schema = DATABASE()
ORDER BY event_object_table, action_timing, event_manipulation, trigger_name;
SELECT CONCAT('index ', table_name, ' ', index_name, ': ',
              GROUP_CONCAT(column_name ORDER BY seq_in_index SEPARATOR ' '))
FROM information_schema.statistics
WHERE table_schema = DATABASE() AND index_name LIKE 'idx\_%'
GROUP BY table_name, index_name
ORDER BY table_name, index_name;
SELECT CONCAT('not InnoDB with utf8mb4: ', table_name, ' ', engine, ' ', table_collation)
FROM information_schema.tables
WHERE table_schema = DATABASE() AND table_type = 'BASE TABLE'
  AND table_name <> 'migration_history'
  AND (engine <> 'InnoDB' OR table_collation NOT LIKE 'utf8mb4\_%')
ORDER BY table_name;
EOF
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

sql_admin "SELECT 1" >/dev/null ||
    fail "cannot connect to the server of STRATA_TEST_MYSQL_URL ($user@$host:$port)"
sql_admin "CREATE DATABASE \`$db\` CHARACTER SET utf8mb4"
created=true
sql -e "CREATE TABLE migration_history (version BIGINT NOT NULL PRIMARY KEY, name VARCHAR(255) NOT NULL) ENGINE=InnoDB"
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
dump >"$work/newest"

expected_schema | LC_ALL=C sort >"$work/expected"
actual_schema | LC_ALL=C sort >"$work/actual"
same "$work/expected" "$work/actual" "tables, columns, views, triggers and indexes against the spec"
echo "ok   the tables, columns, views, triggers and indexes are the spec's; every table InnoDB, utf8mb4"

for ((i = ${#files[@]} - 1; i >= 0; i--)); do
    file=${files[i]}
    base=$(basename "$file" .sql)
    run "$file" down
    dump >"$work/got"
    same "$work/before.$base" "$work/got" "down $base from the newest version"
done
same "$work/empty" "$work/got" "down to 0"
left=$(sql -e "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name <> 'migration_history'")
[[ $left == 0 ]] || fail "down to 0 left $left tables or views besides migration_history"
echo "ok   down from ${#files[@]} to 0, one step at a time: each gives the schema before that up; nothing but migration_history is left"

for file in "${files[@]}"; do
    run "$file" up
done
dump >"$work/got"
same "$work/newest" "$work/got" "up from 0 again"
echo "ok   up from 0 again gives the same schema as the first time"
echo "OK: ${#files[@]} migrations in $dir"
