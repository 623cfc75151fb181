#!/usr/bin/env bash
# Idempotent set-up used by `make run` and `make test`: everything the project needs is
# installed from its own files into project-local, git-ignored folders. Each step is skipped
# when what it installs is already there and up to date.
#   scripts/bootstrap.sh runtime   -> .venv with requirements.txt, .tools/js, DB migrated+seeded
#   scripts/bootstrap.sh dev       -> the same plus requirements-dev.txt and (if possible) Chromium
set -euo pipefail
cd "$(dirname "$0")/.."
MODE="${1:-runtime}"
VENV=.venv
JS=.tools/js

say() { printf '\033[1;34m==>\033[0m %s\n' "$*"; }

pick_python() {
  for c in "${PYTHON:-}" python3.13 python3.12 python3.11 python3; do
    [ -n "$c" ] || continue
    if command -v "$c" >/dev/null 2>&1 &&
      "$c" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' 2>/dev/null; then
      echo "$c"; return 0
    fi
  done
  echo "Python 3.11 or newer is required" >&2; exit 1
}

hash_of() { cat "$@" | sha256sum | cut -d' ' -f1; }

install_python() {
  if [ ! -x "$VENV/bin/python" ]; then
    say "creating $VENV"
    "$(pick_python)" -m venv "$VENV"
    "$VENV/bin/python" -m pip install -q --upgrade pip
  fi
  local files=(requirements.txt) stamp="$VENV/.stamp-runtime"
  if [ "$MODE" = dev ]; then files=(requirements.txt requirements-dev.txt); stamp="$VENV/.stamp-dev"; fi
  local want; want=$(hash_of "${files[@]}")
  if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    say "installing Python requirements (${files[*]})"
    "$VENV/bin/python" -m pip install -q --disable-pip-version-check -r "${files[-1]}"
    echo "$want" > "$stamp"
  fi
}

install_js() {
  # Reflex 0.10 needs Node >= 22.22 and bun >= 1.4.4; both come from the npm registry.
  local want; want=$(hash_of tools/js-package.json)
  if [ ! -x "$JS/node_modules/.bin/node" ] || [ ! -x "$JS/node_modules/.bin/bun" ] ||
     [ "$(cat "$JS/.stamp" 2>/dev/null)" != "$want" ]; then
    command -v npm >/dev/null 2>&1 || { echo "npm is required to install Node 22 and bun" >&2; exit 1; }
    say "installing Node.js 22, bun and wscat into $JS"
    mkdir -p "$JS"
    cp tools/js-package.json "$JS/package.json"
    (cd "$JS" && npm install --no-audit --no-fund --loglevel=error >/dev/null)
    echo "$want" > "$JS/.stamp"
  fi
}

install_chromium() {
  [ -x /usr/bin/chromium ] && return 0
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    say "installing Debian's chromium for the browser tests"
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) ||
      echo "warning: could not install chromium; browser tests will skip" >&2
  else
    echo "note: /usr/bin/chromium not found and cannot install it here; browser tests will skip" >&2
  fi
}

migrate_and_seed() {
  say "migrating the database and seeding reference data"
  "$VENV/bin/python" -m stockapp.db.migrate
}

install_python
install_js
if [ "$MODE" = dev ]; then install_chromium; fi
migrate_and_seed
