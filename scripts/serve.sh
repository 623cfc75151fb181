#!/usr/bin/env bash
# Serve the production build (frontend, Reflex's event socket and the API on one port).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/.tools/js/node_modules/.bin:$PWD/.venv/bin:$PATH"
export REFLEX_USE_SYSTEM_BUN=1 REFLEX_TELEMETRY_ENABLED=false
if [ -n "${STOCKAPP_REDIS_URL:-}" ] && [ -z "${REFLEX_REDIS_URL:-}" ]; then
  export REFLEX_REDIS_URL="$STOCKAPP_REDIS_URL"
fi
python -m stockapp.db.migrate
[ -d .web ] || reflex init >/dev/null
PORT="${PORT:-3000}"
echo "stockapp: http://localhost:${PORT}  (API docs: http://localhost:${PORT}/api/docs)"
exec reflex run --env prod --frontend-port "$PORT" --backend-port "$PORT" "$@"
