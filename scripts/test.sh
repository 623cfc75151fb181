#!/usr/bin/env bash
# Run the whole suite. pytest's "no tests ran" (exit 5) counts as a failure.
set -uo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/.tools/js/node_modules/.bin:$PWD/.venv/bin:$PATH"
export REFLEX_USE_SYSTEM_BUN=1 REFLEX_TELEMETRY_ENABLED=false
python -m pytest -q -p no:cacheprovider "$@"
rc=$?
if [ "$rc" = 5 ]; then echo "no tests ran: failing" >&2; exit 1; fi
exit "$rc"
