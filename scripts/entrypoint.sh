#!/usr/bin/env bash
# Serve the production build (pages, Reflex's socket, REST API and /ws on one port) after
# migrating. `make run`, `make run-cluster` and the container all start here.
# Several workers start safely together: migrations take a PostgreSQL advisory lock.
# The server (stockapp/serve.py: `reflex run --env prod` with supervised Granian workers)
# replaces this shell, so signals reach it: SIGTERM stops gracefully, SIGHUP restarts the
# workers one at a time, and a worker that dies is respawned.
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
exec python -m stockapp.serve --env prod --frontend-port "$PORT" --backend-port "$PORT" "$@"
