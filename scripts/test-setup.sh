#!/usr/bin/env bash
# Installs what the tests need beyond Rust:
# - PostgreSQL's server programs (initdb, pg_ctl, pg_basebackup under
#   /usr/lib/postgresql/*/bin), which the hot-standby test runs through
#   scripts/pg-standby.sh;
# - with STRATA_TEST_GALERA=1 only, Galera (Debian's galera-4) and rsync,
#   which the cluster tests run through scripts/galera.sh (with the
#   mariadbd of the mariadb-server package, which must be there already).
#
# Does nothing for what is there; else, as root, installs Debian's packages
# (non-interactive). It never starts, stops or configures a server itself.
set -euo pipefail

INSTALL=()

# What is missing: installed as root, else a skip note or an error (exit 1)
# when the tests that need it are asked for. Args: what, packages, asked, why.
need() {
    local what=$1 packages=$2 asked=$3 why=$4
    if [[ $(id -u) -ne 0 ]]; then
        if [[ -z $asked ]]; then
            echo "test-setup: $what; $why" >&2
            return 0
        fi
        echo "test-setup: $what; run scripts/test-setup.sh as root, or: sudo apt-get install $packages" >&2
        exit 1
    fi
    if ! command -v apt-get >/dev/null; then
        echo "test-setup: $what, and there is no apt-get here; install $packages" >&2
        exit 1
    fi
    local list
    read -ra list <<<"$packages"
    INSTALL+=("${list[@]}")
}

if ! compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null; then
    need "PostgreSQL's server programs are not installed (no /usr/lib/postgresql/*/bin/initdb)" postgresql \
        "${STRATA_TEST_POSTGRES_URL+set}" "the PostgreSQL tests will skip (STRATA_TEST_POSTGRES_URL is not set)"
fi

# Only when asked for: the package is of no use to any other test.
if [[ ${STRATA_TEST_GALERA:-} == 1 ]]; then
    if [[ ! -e /usr/lib/galera/libgalera_smm.so ]] || ! command -v rsync >/dev/null; then
        need "Galera or rsync is not installed (no /usr/lib/galera/libgalera_smm.so, or no rsync)" \
            "galera-4 rsync" set ""
    fi
    if ! command -v wsrep_sst_rsync >/dev/null || [[ ! -x /usr/sbin/mariadbd ]]; then
        echo "test-setup: the Galera tests need MariaDB's server programs (mariadbd, wsrep_sst_rsync);" \
            "install mariadb-server (scripts/galera.sh runs its own servers, not the system's)" >&2
        exit 1
    fi
fi

if ((${#INSTALL[@]})); then
    echo "test-setup: installing ${INSTALL[*]} (apt-get install)" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q >&2
    apt-get install -y -q --no-install-recommends "${INSTALL[@]}" >&2
fi
