#!/usr/bin/env bash
# Run every live-path benchmark at sizes that finish in a few minutes on a 2-core machine.
# Each prints a table and writes bench/results/<name>.json. Larger runs: see docs/performance.md.
set -uo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/.tools/js/node_modules/.bin:$PWD/.venv/bin:$PATH"
export REFLEX_USE_SYSTEM_BUN=1 REFLEX_TELEMETRY_ENABLED=false
failed=0
run() {
  echo "== $*"
  python "$@" || { echo "FAILED: $*" >&2; failed=1; }
}
run bench/hub_fanout.py --subscribers 1,100,10000 --duration 3
run bench/upstream.py --duration 3
run bench/ws_fanout.py --connections 1000 --duration 15   # app and seed yardstick, uvicorn and Granian
run bench/send_queue_probe.py --connections 2000
run bench/ui_sessions.py --sessions 200 --tabs 2 --duration 20
run bench/tick_to_dom.py --duration 20 --loads 3
exit "$failed"
