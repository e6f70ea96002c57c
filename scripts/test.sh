#!/usr/bin/env bash
# The README's test command: installs what is missing (scripts/install.sh; quick when all
# is there), then the test suite, with pytest's arguments passed through (`-m slow` for
# the slow tests).
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install.sh
exec python3 -m pytest "$@"
