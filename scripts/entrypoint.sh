#!/usr/bin/env bash
# Serve the production build (pages, Reflex's socket, REST API and /ws on one port) after
# migrating. `make run` and the container both start here.
# Several workers start safely together: migrations take a PostgreSQL advisory lock.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -d .venv ]; then export PATH="$PWD/.tools/js/node_modules/.bin:$PWD/.venv/bin:$PATH"; fi
export REFLEX_USE_SYSTEM_BUN=1 REFLEX_TELEMETRY_ENABLED=false
if [ -n "${STOCKAPP_REDIS_URL:-}" ] && [ -z "${REFLEX_REDIS_URL:-}" ]; then
  export REFLEX_REDIS_URL="$STOCKAPP_REDIS_URL"
fi
case "${STOCKAPP_DATABASE_URL:-}" in
  sqlite:////*) mkdir -p "$(dirname "${STOCKAPP_DATABASE_URL#sqlite:///}")" ;;
esac
python -m stockapp.db.migrate
[ -d .web ] || reflex init >/dev/null
export PORT="${PORT:-3000}"
echo "stockapp: http://localhost:${PORT}  (API docs: http://localhost:${PORT}/api/docs)"
exec reflex run --env prod --frontend-port "$PORT" --backend-port "$PORT" "$@"
