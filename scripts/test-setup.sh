#!/usr/bin/env bash
# Installs what the tests need beyond Rust: PostgreSQL's server programs
# (initdb, pg_ctl, pg_basebackup under /usr/lib/postgresql/*/bin), which the
# hot-standby test runs through scripts/pg-standby.sh.
#
# Does nothing when they are there; else, as root, installs Debian's
# `postgresql` package (non-interactive). It never starts, stops or
# configures a server itself.
set -euo pipefail

if compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null; then
    exit 0
fi

missing="PostgreSQL's server programs are not installed (no /usr/lib/postgresql/*/bin/initdb)"
if [[ $(id -u) -ne 0 ]]; then
    if [[ -z ${STRATA_TEST_POSTGRES_URL+set} ]]; then
        echo "test-setup: $missing; the PostgreSQL tests will skip (STRATA_TEST_POSTGRES_URL is not set)" >&2
        exit 0
    fi
    echo "test-setup: $missing, and STRATA_TEST_POSTGRES_URL is set; run scripts/test-setup.sh as root," \
        "or: sudo apt-get install postgresql" >&2
    exit 1
fi
if ! command -v apt-get >/dev/null; then
    echo "test-setup: $missing, and there is no apt-get here; install PostgreSQL's server programs" \
        "so that /usr/lib/postgresql/<version>/bin/initdb exists" >&2
    exit 1
fi

echo "test-setup: installing PostgreSQL's server programs (apt-get install postgresql)" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >&2
apt-get install -y -q --no-install-recommends postgresql >&2
