#!/usr/bin/env bash
# A throw-away three-node MariaDB Galera cluster on 127.0.0.1, for tests.
#
#   scripts/galera.sh start [--watch PID] DIR [PORT]   starts it, in DIR
#   scripts/galera.sh stop DIR                         ends every node, removes DIR
#
# `start` creates DIR (which must not exist or be empty), takes twelve free
# consecutive ports from PORT (default: a random free block in 20000-32767,
# below the kernel's ephemeral ports), four a node: client, Galera
# replication (gcomm), IST and SST, and writes them to DIR/cluster.env. It
# returns once all three nodes report wsrep_cluster_size = 3 and
# wsrep_local_state_comment = Synced, printing
#   node1: mysql://root@127.0.0.1:P1/
#   node2: mysql://root@127.0.0.1:P2/
#   node3: mysql://root@127.0.0.1:P3/
# (user root, no password, TCP on 127.0.0.1 only). Started again on a DIR whose
# three nodes run, it only waits for them and prints the same lines.
# With --watch PID, a watcher stops the cluster once process PID has ended,
# so a test killed outright leaves no server behind.
#
# Each node is one `mariadbd` with its own --defaults-file (DIR/nodeN/my.cnf),
# datadir, socket, pid file and log (DIR/nodeN.log: read it when a node fails).
# Node 1 is initialized with mariadb-install-db and bootstraps the cluster
# (--wsrep-new-cluster); nodes 2 and 3 join it and receive its data by rsync
# (state transfer), one after the other (about 15 s in all). Buffers are small
# (about 80 MB resident and 60 MB of files a node; DIR on a tmpfs such as
# /dev/shm is fastest), writes are not flushed: it is for tests only. It never
# reads /etc/mysql and never touches another server: ports in use are refused.
# Run as root, the servers run as root (--user=root) and the state transfer
# writes as user nobody, who must be able to reach DIR. `stop` kills the nodes
# (their data is thrown away) and removes DIR. Needs Debian's galera-4, rsync
# and mariadb-server (scripts/test-setup.sh installs the first two when
# STRATA_TEST_GALERA=1); its service need not run.
#
# A failed start prints the end of each node's log, ends the nodes and keeps
# their logs in DIR until `stop DIR`. GALERA_TIMEOUT (seconds, default 90)
# bounds the wait for the cluster.
set -euo pipefail

MARKER=.strata-galera
HOST=127.0.0.1
NODES=(1 2 3)
PROVIDER=/usr/lib/galera/libgalera_smm.so
TIMEOUT=${GALERA_TIMEOUT:-90}
SCRIPT=$(realpath -- "$0")

die() {
    echo "galera: $*" >&2
    exit 1
}

usage() {
    die "usage: $0 start [--watch PID] DIR [PORT] | stop DIR"
}

need() {
    [[ -e $PROVIDER ]] || die "no Galera provider at $PROVIDER; run scripts/test-setup.sh as root" \
        "with STRATA_TEST_GALERA=1, or: apt-get install galera-4 rsync"
    command -v rsync >/dev/null || die "rsync is not installed (state transfer needs it); apt-get install rsync"
    for program in mariadbd mariadb-install-db mariadb wsrep_sst_rsync; do
        command -v "$program" >/dev/null || [[ -x /usr/sbin/$program ]] ||
            die "$program is not installed; apt-get install mariadb-server (its service need not run)"
    done
    MARIADBD=$(command -v mariadbd || echo /usr/sbin/mariadbd)
}

# Local TCP ports in use (listening or connected), one a line.
used_ports() {
    if command -v ss >/dev/null; then
        ss -Htan | awk '{ n = split($4, a, ":"); print a[n] }'
    fi
}

port_in_use() { # PORT USED
    grep -qx "$1" <<<"$2" || (exec 3<>"/dev/tcp/$HOST/$1") 2>/dev/null
}

# Sets BASE to the first of twelve free consecutive ports: PORT, or a random block.
pick_ports() {
    local used tries base port
    used=$(used_ports)
    if [[ -n ${PORT:-} ]]; then
        [[ $PORT =~ ^[0-9]+$ ]] && ((10#$PORT >= 1024 && 10#$PORT + 11 <= 65535)) ||
            die "PORT must be a number from 1024 to 65524 (the cluster takes PORT to PORT+11), not '$PORT'"
        for ((port = 10#$PORT; port < 10#$PORT + 12; port++)); do
            ! port_in_use "$port" "$used" || die "port $port on $HOST is in use; choose free ports"
        done
        BASE=$((10#$PORT))
        return
    fi
    for ((tries = 0; tries < 50; tries++)); do
        base=$((20000 + RANDOM % 1063 * 12))
        for ((port = base; port < base + 12; port++)); do
            port_in_use "$port" "$used" && continue 2
        done
        BASE=$base
        return
    done
    die "found no 12 free consecutive ports on $HOST in 20000-32767"
}

# The ports of node N: client, gcomm, IST, SST.
client_port() { echo $((BASE + ($1 - 1) * 4)); }
gcomm_port() { echo $((BASE + ($1 - 1) * 4 + 1)); }
ist_port() { echo $((BASE + ($1 - 1) * 4 + 2)); }
sst_port() { echo $((BASE + ($1 - 1) * 4 + 3)); }

write_config() { # NODE
    local n=$1 addresses=() node
    for node in "${NODES[@]}"; do addresses+=("$HOST:$(gcomm_port "$node")"); done
    mkdir -p "$DIR/node$n/data"
    cat >"$DIR/node$n/my.cnf" <<EOF
# scripts/galera.sh: node $n of a throw-away test cluster
[mariadbd]
datadir = $DIR/node$n/data
socket = $DIR/node$n/mariadbd.sock
pid-file = $DIR/node$n/mariadbd.pid
log-error = $DIR/node$n.log
bind-address = $HOST
port = $(client_port "$n")
skip-name-resolve
performance_schema = OFF
innodb_buffer_pool_size = 16M
innodb_log_file_size = 16M
innodb_log_buffer_size = 2M
innodb_flush_log_at_trx_commit = 0
innodb_doublewrite = 0
key_buffer_size = 1M
aria_pagecache_buffer_size = 4M
max_connections = 200
binlog_format = ROW
default_storage_engine = InnoDB
innodb_autoinc_lock_mode = 2
wsrep_on = ON
wsrep_provider = $PROVIDER
wsrep_cluster_name = $CLUSTER_NAME
wsrep_cluster_address = gcomm://$(IFS=,; echo "${addresses[*]}")
wsrep_node_name = node$n
wsrep_node_address = $HOST:$(gcomm_port "$n")
wsrep_node_incoming_address = $HOST:$(client_port "$n")
wsrep_sst_receive_address = $HOST:$(sst_port "$n")
wsrep_sst_method = rsync
wsrep_provider_options = "base_port=$(gcomm_port "$n");gmcast.listen_addr=tcp://$HOST:$(gcomm_port "$n");ist.recv_addr=$HOST:$(ist_port "$n");gcache.size=16M;gcache.page_size=16M"
EOF
}

write_env() {
    {
        echo "CLUSTER_NAME=$CLUSTER_NAME"
        echo "BASE=$BASE"
        for n in "${NODES[@]}"; do
            echo "NODE${n}_PORT=$(client_port "$n") NODE${n}_GCOMM=$(gcomm_port "$n")" \
                "NODE${n}_IST=$(ist_port "$n") NODE${n}_SST=$(sst_port "$n")"
        done
    } >"$DIR/cluster.env"
}

# The pid of node N's mariadbd, if it runs (as started from this DIR).
node_pid() {
    local pid
    pid=$(cat "$DIR/node$1/server.pid" 2>/dev/null) || return 1
    [[ $pid =~ ^[0-9]+$ ]] && [[ -r /proc/$pid/cmdline ]] || return 1
    tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline" | grep -qF -- "--defaults-file=$DIR/node$1/my.cnf" || return 1
    echo "$pid"
}

# Starts node N in a session of its own (so stop can end it and anything it
# spawned, e.g. a state transfer's rsync daemon). Its stdio goes to its log:
# nothing keeps the caller's pipes open.
start_node() { # NODE [--wsrep-new-cluster]
    local n=$1 user=()
    shift
    [[ $(id -u) -ne 0 ]] || user=(--user=root)
    setsid "$MARIADBD" --defaults-file="$DIR/node$n/my.cnf" "${user[@]}" "$@" \
        </dev/null >>"$DIR/node$n.log" 2>&1 &
    echo $! >"$DIR/node$n/server.pid"
}

# `name value` lines of node N's wsrep status; fails when it does not answer.
status() { # NODE
    mariadb --no-defaults -uroot -S "$DIR/node$1/mariadbd.sock" --connect-timeout=2 -N -B -e \
        "SHOW GLOBAL STATUS WHERE Variable_name IN ('wsrep_cluster_size', 'wsrep_local_state_comment', 'wsrep_ready')" \
        2>/dev/null
}

node_ready() { # NODE SIZE
    local text
    text=$(status "$1") || return 1
    grep -qx $'wsrep_cluster_size\t'"$2" <<<"$text" &&
        grep -qx $'wsrep_local_state_comment\tSynced' <<<"$text" &&
        grep -qx $'wsrep_ready\tON' <<<"$text"
}

# Waits until the nodes given are Synced in a cluster of SIZE, while every
# node started so far runs.
wait_for() { # SIZE NODE...
    local size=$1 n m
    shift
    for n in "$@"; do
        until node_ready "$n" "$size"; do
            for m in "${NODES[@]}"; do
                [[ ! -f $DIR/node$m/server.pid ]] || node_pid "$m" >/dev/null ||
                    die "node$m stopped while the cluster was starting; read $DIR/node$m.log"
            done
            ((SECONDS < DEADLINE)) ||
                die "node$n did not report wsrep_cluster_size=$size and Synced within $TIMEOUT s" \
                    "(GALERA_TIMEOUT); read $DIR/node$n.log"
            sleep 0.2
        done
    done
}

print_urls() {
    for n in "${NODES[@]}"; do echo "node$n: mysql://root@$HOST:$(client_port "$n")/"; done
}

# Stops process PID when the watched process has ended.
start_watcher() {
    [[ -n $WATCH ]] || return 0
    [[ $WATCH =~ ^[0-9]+$ ]] && kill -0 "$WATCH" 2>/dev/null || die "--watch $WATCH: no such process"
    setsid bash -c 'while kill -0 "$1" 2>/dev/null; do sleep 1; done; exec bash "$2" stop "$3"' \
        galera-watch "$WATCH" "$SCRIPT" "$DIR" </dev/null >/dev/null 2>&1 &
    echo $! >"$DIR/watch.pid"
}

# On a failed start: show the ends of the nodes' logs, stop the nodes and
# remove their data, keeping the logs (`stop DIR` removes them).
fail_start() {
    local status=$?
    for n in "${NODES[@]}"; do
        [[ -f $DIR/node$n.log ]] && { echo "--- $DIR/node$n.log (last lines)" >&2; tail -n 15 "$DIR/node$n.log" >&2; }
    done
    if grep -qs "Address already in use" "$DIR"/node*.log; then
        echo "galera: a port of $BASE-$((BASE + 11)) on $HOST is in use; start again to pick other ports" >&2
    fi
    stop_nodes
    rm -rf "$DIR"/node*/data
    echo "galera: start failed; the nodes' logs stay in $DIR until '$0 stop $DIR'" >&2
    exit "$status"
}

# Start on a DIR made by an earlier start: fine when its three nodes run.
resume() {
    # shellcheck source=/dev/null
    source "$DIR/cluster.env"
    for n in "${NODES[@]}"; do
        node_pid "$n" >/dev/null ||
            die "$DIR holds a cluster whose node$n is not running; run '$0 stop $DIR' first"
    done
    DEADLINE=$((SECONDS + TIMEOUT))
    wait_for 3 "${NODES[@]}"
    print_urls
}

start() {
    need
    if [[ -f $DIR/$MARKER && -f $DIR/cluster.env ]]; then
        resume
        return
    fi
    if [[ -e $DIR ]]; then
        [[ -d $DIR && -z $(ls -A "$DIR") ]] || die "$DIR exists and is not an empty folder"
    fi
    pick_ports
    mkdir -p "$DIR"
    touch "$DIR/$MARKER"
    trap fail_start EXIT
    start_watcher
    CLUSTER_NAME=strata-test-$BASE-$$
    for n in "${NODES[@]}"; do write_config "$n"; done
    write_env
    # Run by root, the state transfer's rsync daemon writes as user nobody.
    if [[ $(id -u) -eq 0 ]]; then
        chmod a+x "$DIR"
        chown nobody "$DIR/node2/data" "$DIR/node3/data"
        runuser -u nobody -- test -w "$DIR/node2/data" ||
            die "user nobody (as whom state transfer writes when run by root) cannot reach $DIR;" \
                "put it where everyone may pass (e.g. under /dev/shm or /tmp)"
    fi
    local user=()
    [[ $(id -u) -ne 0 ]] || user=(--user=root)
    mariadb-install-db --defaults-file="$DIR/node1/my.cnf" "${user[@]}" --auth-root-authentication-method=normal \
        --skip-test-db --wsrep-on=OFF >"$DIR/install.log" 2>&1 ||
        die "mariadb-install-db failed; read $DIR/install.log"
    DEADLINE=$((SECONDS + TIMEOUT))
    start_node 1 --wsrep-new-cluster
    wait_for 1 1
    # Root may connect over TCP too (skip-name-resolve: as root@127.0.0.1);
    # the joiners receive this with the rest of node 1's data.
    mariadb --no-defaults -uroot -S "$DIR/node1/mariadbd.sock" -e \
        "CREATE USER IF NOT EXISTS root@'127.0.0.1'; GRANT ALL ON *.* TO root@'127.0.0.1' WITH GRANT OPTION" ||
        die "cannot let root connect from $HOST; read $DIR/node1.log"
    # One joiner at a time: two at once make the group re-form for seconds.
    start_node 2
    wait_for 2 1 2
    start_node 3
    wait_for 3 "${NODES[@]}"
    trap - EXIT
    print_urls
}

# Whether process PID has not ended (a zombie has: only its parent, here
# init, has yet to reap it, which may take seconds).
running() {
    local state
    state=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null) && [[ ${state%% *} != Z ]]
}

# Ends every node and whatever it spawned (a state transfer's rsync daemon):
# its process group, which setsid made it lead. Killed outright, since its
# data is thrown away (a clean shutdown takes 2 to 7 s, a kill none), then
# waited for (at most 10 s).
stop_nodes() {
    local pids=() n pid tries alive
    for n in "${NODES[@]}"; do
        pid=$(node_pid "$n") && pids+=("$pid") || true
        pid=$(cat "$DIR/node$n/server.pid" 2>/dev/null) || continue
        [[ $pid =~ ^[0-9]+$ ]] && kill -KILL -- "-$pid" 2>/dev/null || true
    done
    for ((tries = 0; tries < 100; tries++)); do
        alive=0
        for pid in "${pids[@]}"; do running "$pid" && alive=1; done
        ((alive)) || return 0
        sleep 0.1
    done
    echo "galera: a node of $DIR did not end within 10 s of SIGKILL (pids ${pids[*]})" >&2
    return 1
}

stop() {
    [[ -e $DIR ]] || return 0
    [[ -f $DIR/$MARKER ]] || die "$DIR was not made by $0 start (no $MARKER in it); not touching it"
    local watcher
    watcher=$(cat "$DIR/watch.pid" 2>/dev/null) || true
    # Not the watcher itself (it runs this after exec).
    if [[ $watcher =~ ^[0-9]+$ && $watcher != "$$" ]]; then
        kill "$watcher" 2>/dev/null || true
    fi
    stop_nodes
    rm -rf "$DIR"
}

WATCH=
case "${1:-}" in
start)
    shift
    if [[ ${1:-} == --watch ]]; then
        [[ $# -ge 2 ]] || usage
        WATCH=$2
        shift 2
    fi
    [[ $# -eq 1 || $# -eq 2 ]] || usage
    DIR=$(realpath -m -- "$1")
    PORT=${2:-}
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
