#!/usr/bin/env bash
# A throw-away PostgreSQL primary and streaming hot standby, for tests.
#
#   scripts/pg-standby.sh start DIR PORT   primary on 127.0.0.1:PORT, standby on PORT+1
#   scripts/pg-standby.sh stop DIR         stops both and removes DIR
#
# `start` creates DIR (which must not exist or be empty), prints
#   primary: postgres://postgres@127.0.0.1:PORT/postgres
#   standby: postgres://postgres@127.0.0.1:PORT+1/postgres
# and returns once the standby accepts connections and is in recovery.
# Authentication is trust, on 127.0.0.1 only, with no Unix sockets. It uses
# the newest server programs under /usr/lib/postgresql/*/bin; run as root,
# it runs them as user postgres (PostgreSQL refuses to run as root).
# It never touches another server: it refuses ports that are in use. DIR on
# a tmpfs (/dev/shm) makes it several times faster on a busy disk.
#
# Only the first start runs initdb: it keeps the fresh cluster as a template
# in ${XDG_CACHE_HOME:-~/.cache}/strata-pg-standby (one per server version,
# about 25 MB; deleting it is always safe) and later starts copy it.
set -euo pipefail

MARKER=.strata-pg-standby
HOST=127.0.0.1
INITDB_OPTIONS=(-U postgres --auth=trust -E UTF8 --locale=C --wal-segsize=1)
CACHE=
if [[ -n ${XDG_CACHE_HOME:-} ]]; then
    CACHE=$XDG_CACHE_HOME/strata-pg-standby
elif [[ -n ${HOME:-} ]]; then
    CACHE=$HOME/.cache/strata-pg-standby
fi

die() {
    echo "pg-standby: $*" >&2
    exit 1
}

usage() {
    die "usage: $0 start DIR PORT | stop DIR"
}

# The newest /usr/lib/postgresql/<version>/bin holding every program we run.
find_bin() {
    local dir
    dir=$(printf '%s\n' /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
    for program in initdb pg_ctl pg_basebackup psql; do
        [[ -x $dir/$program ]] || die "no PostgreSQL server programs under /usr/lib/postgresql/*/bin" \
            "(looked for $program); run scripts/test-setup.sh as root to install them"
    done
    echo "$dir"
}

# Runs a server program as a user PostgreSQL accepts.
as_owner() {
    if [[ $(id -u) -eq 0 ]]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

port_in_use() {
    (exec 3<>"/dev/tcp/$HOST/$1") 2>/dev/null
}

check_port() {
    [[ $1 =~ ^[0-9]+$ ]] && ((10#$1 >= 1024 && 10#$1 <= 65534)) ||
        die "PORT must be a number from 1024 to 65534 (the standby takes PORT+1), not '$1'"
    ! port_in_use "$1" || die "port $1 on $HOST is in use; choose free ports"
    ! port_in_use "$(($1 + 1))" || die "port $(($1 + 1)) on $HOST is in use; choose free ports"
}

sql() { # PORT SQL
    PGCONNECT_TIMEOUT=2 "$BIN/psql" -X -A -t -q -h "$HOST" -p "$1" -U postgres -d postgres -c "$2"
}

configure_primary() {
    cat >>"$DIR/primary/postgresql.conf" <<EOF

# scripts/pg-standby.sh: a throw-away primary
listen_addresses = '$HOST'
port = $PORT
unix_socket_directories = ''
wal_level = replica
hot_standby = on
max_wal_senders = 4
fsync = off
shared_buffers = 16MB
EOF
}

wait_for_recovery() {
    local tries=0
    until [[ $(sql "$STANDBY_PORT" 'select pg_is_in_recovery()' 2>/dev/null) == t ]]; do
        ((++tries <= 100)) || die "the standby on port $STANDBY_PORT did not report pg_is_in_recovery() = true within 10 s"
        sleep 0.1
    done
}

# The cached template for this initdb and these options ('' without a cache).
template_path() {
    [[ -n $CACHE ]] || return 0
    local version options
    version=$("$BIN/initdb" --version | tr -cs 'A-Za-z0-9.' _)
    options=$(echo "${INITDB_OPTIONS[*]}" | cksum | cut -d ' ' -f 1)
    echo "$CACHE/${version}_$options"
}

# DIR/primary: a copy of the template, else initdb (then kept as the template).
make_primary() {
    local template
    template=$(template_path)
    if [[ -n $template && -f $template/PG_VERSION ]] && cp -a "$template" "$DIR/primary" 2>/dev/null; then
        return 0
    fi
    rm -rf "$DIR/primary"
    as_owner "$BIN/initdb" -D "$DIR/primary" "${INITDB_OPTIONS[@]}" --no-sync --no-instructions >"$DIR/initdb.log"
    if [[ -n $template ]]; then
        # Published by one rename, so a concurrent start sees all of it or none.
        local partial=$template.partial.$$
        { mkdir -p "$CACHE" && cp -a "$DIR/primary" "$partial" && mv -T "$partial" "$template"; } 2>/dev/null ||
            rm -rf "$partial"
    fi
}

# On a failed start: show the servers' logs, stop them, remove DIR.
fail_start() {
    for log in "$DIR"/primary.log "$DIR"/standby.log; do
        [[ -f $log ]] && { echo "--- $log" >&2; tail -n 20 "$log" >&2; }
    done
    stop_servers
    rm -rf "$DIR"
}

start() {
    check_port "$PORT"
    BIN=$(find_bin)
    STANDBY_PORT=$((PORT + 1))
    if [[ -e $DIR ]]; then
        [[ -d $DIR && -z $(ls -A "$DIR") ]] || die "$DIR exists and is not an empty folder"
    fi
    mkdir -p "$DIR"
    touch "$DIR/$MARKER"
    trap fail_start EXIT
    if [[ $(id -u) -eq 0 ]]; then
        id postgres >/dev/null 2>&1 || die "run as root, this runs the servers as user postgres, and there is none"
        chown postgres: "$DIR"
        runuser -u postgres -- test -w "$DIR" ||
            die "user postgres cannot write $DIR; put it where postgres can reach it (e.g. under /dev/shm or /tmp)"
    fi
    make_primary
    configure_primary
    as_owner "$BIN/pg_ctl" -D "$DIR/primary" -l "$DIR/primary.log" -w -t 20 start >/dev/null
    as_owner "$BIN/pg_basebackup" -h "$HOST" -p "$PORT" -U postgres -D "$DIR/standby" \
        -R --checkpoint=fast --no-sync
    echo "port = $STANDBY_PORT" >>"$DIR/standby/postgresql.conf"
    as_owner "$BIN/pg_ctl" -D "$DIR/standby" -l "$DIR/standby.log" -w -t 20 start >/dev/null
    wait_for_recovery
    trap - EXIT
    echo "primary: postgres://postgres@$HOST:$PORT/postgres"
    echo "standby: postgres://postgres@$HOST:$STANDBY_PORT/postgres"
}

stop_servers() {
    for node in standby primary; do
        if [[ -f $DIR/$node/postmaster.pid ]]; then
            as_owner "$BIN/pg_ctl" -D "$DIR/$node" -m immediate -w stop >/dev/null 2>&1 &
        fi
    done
    wait
}

stop() {
    [[ -e $DIR ]] || return 0
    [[ -f $DIR/$MARKER ]] || die "$DIR was not made by $0 start (no $MARKER in it); not touching it"
    BIN=$(find_bin)
    stop_servers
    rm -rf "$DIR"
}

case "${1:-}" in
start)
    [[ $# -eq 3 ]] || usage
    DIR=$(realpath -m -- "$2")
    PORT=$3
    cd /
    start
    ;;
stop)
    [[ $# -eq 2 ]] || usage
    DIR=$(realpath -m -- "$2")
    cd /
    stop
    ;;
*) usage ;;
esac
