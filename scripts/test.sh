#!/usr/bin/env bash
# The test command: installs what the tests need (scripts/test-setup.sh),
# then runs every test. Arguments go to `cargo test`.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/test-setup.sh
exec cargo test --workspace "$@"
