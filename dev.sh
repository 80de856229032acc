#!/usr/bin/env bash
# Waypoint's two entry points, each setting up everything it needs first:
#   ./dev.sh start   create the virtualenv, install, start the app (demo data on first start)
#   ./dev.sh test    the same set-up plus Chromium and PostgreSQL, then lint and every test
set -euo pipefail
cd "$(dirname "$0")"

VENV=.venv
PY="$VENV/bin/python"

log() { printf '\033[1m==> %s\033[0m\n' "$*"; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    echo "need root (or sudo) for: $*" >&2; return 1
  fi
}

apt_install() {
  log "Installing with apt: $*"
  as_root apt-get update -q
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$@"
}

python_env() {
  local wanted=$1 stamp="$VENV/.installed-$1"
  if [ ! -x "$PY" ]; then
    log "Creating the virtualenv in $VENV"
    python3 -m venv "$VENV" 2>/dev/null || { apt_install python3-venv && python3 -m venv "$VENV"; }
  fi
  local digest
  digest=$(cat requirements.txt "$wanted" | sha256sum | cut -c1-16)
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$digest" ]; then
    log "Installing Python packages from $wanted"
    "$PY" -m pip install -q --upgrade pip
    "$PY" -m pip install -q -r "$wanted"
    echo "$digest" >"$stamp"
  fi
}

chromium_ready() {
  command -v chromium >/dev/null || apt_install chromium
}

postgres_ready() {
  # Tests run on PostgreSQL whenever it is reachable; CI must reach it, so start or install it.
  if [ -n "${WAYPOINT_TEST_PG_URL:-}" ]; then return 0; fi
  if pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then return 0; fi
  if ! command -v pg_ctlcluster >/dev/null; then
    apt_install postgresql
    local version
    version=$(ls /etc/postgresql | sort -V | tail -1)
    as_root pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
    as_root su postgres -c "psql -q -c \"ALTER USER postgres PASSWORD 'waypoint'\"" || true
    export WAYPOINT_TEST_PG_URL="postgresql+psycopg://postgres:waypoint@127.0.0.1:5432/postgres"
  else
    log "Starting PostgreSQL"
    as_root pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | sort -V | tail -1)" main start || true
  fi
  for _ in $(seq 1 20); do pg_isready -q -h 127.0.0.1 -p 5432 && return 0; sleep 0.5; done
  echo "PostgreSQL did not come up on 127.0.0.1:5432" >&2
}

case "${1:-}" in
  start)
    python_env requirements.txt
    log "Starting Waypoint on http://localhost:${PORT:-8501}"
    exec "$PY" -m streamlit run app.py --server.port "${PORT:-8501}" "${@:2}"
    ;;
  test)
    python_env requirements-dev.txt
    chromium_ready
    postgres_ready
    log "Lint"
    "$VENV/bin/ruff" check .
    "$VENV/bin/ruff" format --check .
    log "Tests"
    exec "$VENV/bin/pytest" "${@:2}"
    ;;
  *)
    echo "usage: ./dev.sh start | test [pytest args]" >&2
    exit 2
    ;;
esac
