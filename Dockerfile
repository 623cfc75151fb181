# One container: the production build (pages, Reflex's socket, REST API and /ws on :3000).
# Embedded SQLite by default; STOCKAPP_DATABASE_URL / STOCKAPP_REDIS_URL switch to
# PostgreSQL and Redis (several workers: GRANIAN_WORKERS).
FROM python:3.11-slim-bookworm

RUN apt-get update \
 && apt-get install -y --no-install-recommends npm make ca-certificates curl unzip \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY requirements.txt tools/js-package.json ./
RUN python -m venv .venv && .venv/bin/pip install --no-cache-dir -r requirements.txt \
 && mkdir -p .tools/js && cp js-package.json .tools/js/package.json \
 && (cd .tools/js && npm install --no-audit --no-fund --loglevel=error)

COPY . .
ENV PATH="/app/.tools/js/node_modules/.bin:/app/.venv/bin:${PATH}" \
    REFLEX_USE_SYSTEM_BUN=1 REFLEX_TELEMETRY_ENABLED=false \
    STOCKAPP_DATABASE_URL=sqlite:////data/stockapp.db \
    STOCKAPP_JWT_SECRET_FILE=/data/jwt_secret \
    PORT=3000
RUN reflex init >/dev/null && reflex export --frontend-only --no-zip >/dev/null
VOLUME ["/data"]
EXPOSE 3000
HEALTHCHECK CMD curl -fsS http://127.0.0.1:3000/api/v1/health || exit 1
# `docker stop` sends this to PID 1, the server's supervisor (the entrypoint execs it): each
# worker closes /ws with 1001, hands leadership over and stops within STOCKAPP_SHUTDOWN_TIMEOUT
# (10 s). Give the container more than that: `docker stop -t 15`, compose `stop_grace_period`.
STOPSIGNAL SIGTERM
ENTRYPOINT ["scripts/entrypoint.sh"]
