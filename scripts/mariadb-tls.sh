#!/usr/bin/env bash
# A throw-away MariaDB server offering TLS, for tests.
#
#   scripts/mariadb-tls.sh start DIR PORT CERT KEY   server on 127.0.0.1:PORT
#   scripts/mariadb-tls.sh stop DIR                  stops it and removes DIR
#
# `start` creates DIR (which must not exist or be empty), a fresh data folder
# in it (mariadb-install-db, about 5 s) with a database `strata`, starts
# mariadbd with the certificate CERT and its key KEY, prints
#   server: mysql://root@127.0.0.1:PORT/strata
# and returns once it accepts connections. User root has no password; the
# server listens on 127.0.0.1 only, and on a socket inside DIR. Run as root,
# it runs the server as root (`--user=root`). It never touches another
# server: it refuses a port in use, and reads no option file (--no-defaults).
set -euo pipefail

MARKER=.strata-mariadb-tls

die() {
    echo "mariadb-tls: $*" >&2
    exit 1
}

usage() {
    die "usage: $0 start DIR PORT CERT KEY | stop DIR"
}

port_in_use() {
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

user_option() {
    if [[ $(id -u) == 0 ]]; then
        echo --user=root
    fi
}

start() {
    local dir=$1 port=$2 cert=$3 key=$4
    [[ $port =~ ^[0-9]+$ ]] || usage
    if [[ -e $dir && -n $(ls -A "$dir") ]]; then
        die "$dir is not empty"
    fi
    if port_in_use "$port"; then
        die "port $port is in use"
    fi
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd)
    touch "$dir/$MARKER"
    mariadb-install-db --no-defaults --datadir="$dir/data" --auth-root-authentication-method=normal \
        --skip-test-db $(user_option) >"$dir/install.log" 2>&1 || die "mariadb-install-db failed: $(cat "$dir/install.log")"
    mariadbd --no-defaults --datadir="$dir/data" --port="$port" --bind-address=127.0.0.1 \
        --socket="$dir/sock" --pid-file="$dir/pid" --log-error="$dir/error.log" $(user_option) \
        --ssl-cert="$cert" --ssl-key="$key" --skip-log-bin --innodb-buffer-pool-size=32M \
        --innodb-log-file-size=8M </dev/null >/dev/null 2>&1 &
    for _ in $(seq 300); do
        if mariadb-admin --no-defaults --socket="$dir/sock" -uroot ping >/dev/null 2>&1; then
            mariadb --no-defaults --socket="$dir/sock" -uroot -e "CREATE DATABASE strata"
            echo "server: mysql://root@127.0.0.1:$port/strata"
            return
        fi
        if grep -q "Do you already have another server running" "$dir/error.log" 2>/dev/null; then
            die "port $port is in use"
        fi
        sleep 0.1
    done
    die "the server did not start within 30 s: $(tail -20 "$dir/error.log" 2>/dev/null)"
}

stop() {
    local dir=$1
    [[ -e $dir/$MARKER ]] || die "$dir was not made by $0"
    if [[ -s $dir/pid ]]; then
        local pid
        pid=$(cat "$dir/pid")
        kill "$pid" 2>/dev/null || true
        for _ in $(seq 300); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        kill -9 "$pid" 2>/dev/null || true
    fi
    rm -rf "$dir"
}

case ${1:-} in
    start) [[ $# == 5 ]] || usage; start "$2" "$3" "$4" "$5" ;;
    stop) [[ $# == 2 ]] || usage; stop "$2" ;;
    *) usage ;;
esac
