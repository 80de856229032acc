#!/usr/bin/env bash
# Waypoint's entry points, each setting up everything it needs first:
#   ./dev.sh start   create the virtualenv, install, start the app (demo data on first start)
#   ./dev.sh test    the same set-up plus Chromium and PostgreSQL, then lint, types and every test
#   ./dev.sh lock    regenerate requirements*.txt from pyproject.toml (maintainers)
# Works on Linux and macOS. Without root it runs what it can and says what it skipped and why;
# under CI=true nothing may be skipped.
set -euo pipefail
cd "$(dirname "$0")"

VENV=.venv
PY="$VENV/bin/python"
IN_CI=false
case "${CI:-}" in 1 | true | TRUE | yes) IN_CI=true ;; esac
SKIPPED=()

log() { printf '\033[1m==> %s\033[0m\n' "$*"; }
warn() { printf '\033[33m==> %s\033[0m\n' "$*" >&2; }
die() { printf '\033[31m==> %s\033[0m\n' "$*" >&2; exit 1; }

skip() {
  # Something the tests need is missing and cannot be installed here.
  if $IN_CI; then die "CI must not skip: $*"; fi
  warn "Skipping: $*"
  SKIPPED+=("$*")
}

have_root() { [ "$(id -u)" = 0 ] || { command -v sudo >/dev/null && sudo -n true 2>/dev/null; }; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; else sudo -n "$@"; fi
}

apt_install() {
  log "Installing with apt: $*"
  as_root apt-get update -q
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$@"
}

digest() {
  if command -v sha256sum >/dev/null; then sha256sum | cut -c1-16; else shasum -a 256 | cut -c1-16; fi
}

find_python() {
  # The first Python 3.11 or newer on PATH.
  local candidate
  for candidate in python3 python3.13 python3.12 python3.11 python; do
    if command -v "$candidate" >/dev/null &&
      "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
      echo "$candidate"
      return 0
    fi
  done
  die "Waypoint needs Python 3.11 or newer. Install it (Debian/Ubuntu: apt install python3; \
macOS: brew install python@3.12 or python.org) and run this again."
}

python_env() {
  local wanted=$1 stamp="$VENV/.installed"
  if [ ! -x "$PY" ] || ! "$PY" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
    local python
    python=$(find_python)
    log "Creating the virtualenv in $VENV with $("$python" --version)"
    rm -rf "$VENV"
    if ! "$python" -m venv "$VENV" 2>/dev/null; then
      if ! have_root || ! command -v apt-get >/dev/null; then
        die "$python cannot create a virtualenv: install its venv module (Debian: apt install python3-venv)."
      fi
      apt_install python3-venv && "$python" -m venv "$VENV"
    fi
  fi
  local want
  want="$wanted:$(digest <"$wanted")"
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
    log "Installing Python packages from $wanted"
    "$PY" -m pip install -q --upgrade pip
    "$PY" -m pip install -q -r "$wanted"
    echo "$want" >"$stamp"
  fi
}

chromium_ready() {
  if command -v chromium >/dev/null; then return 0; fi
  if have_root && command -v apt-get >/dev/null; then
    apt_install chromium
  else
    skip "browser tests: Debian's chromium is not installed and cannot be installed without root \
(install it with: sudo apt-get install chromium)"
  fi
}

# ------------------------------------------------------------------ the test database

pg_url_works() {
  "$PY" - "$1" <<'EOF' 2>/dev/null
import sys
from sqlalchemy import create_engine, text
engine = create_engine(sys.argv[1], connect_args={"connect_timeout": 3})
with engine.connect() as conn:
    conn.execute(text("select 1"))
EOF
}

pg_candidates() {
  # Derived on every run, so nothing has to be remembered: the URL a developer or CI set, this
  # machine's trust-authenticated server, then the local socket as the current OS user (peer
  # authentication: no password at all).
  [ -n "${WAYPOINT_TEST_PG_URL:-}" ] && echo "$WAYPOINT_TEST_PG_URL"
  echo "postgresql+psycopg://postgres@127.0.0.1:5432/test"
  local dir
  for dir in /var/run/postgresql /tmp; do
    [ -S "$dir/.s.PGSQL.5432" ] && echo "postgresql+psycopg:///postgres?host=$dir"
  done
  return 0
}

find_pg_url() {
  local url
  while read -r url; do
    if pg_url_works "$url"; then
      echo "$url"
      return 0
    fi
  done < <(pg_candidates)
  return 1
}

start_postgres() {
  command -v pg_ctlcluster >/dev/null || return 1
  local version
  version=$(ls /etc/postgresql | sort -V | tail -1)
  log "Starting PostgreSQL $version"
  as_root pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
  for _ in $(seq 1 20); do pg_isready -q && return 0; sleep 0.5; done
  return 1
}

peer_role_for_me() {
  # A superuser role named after the current OS user, for password-free socket access.
  local me
  me=$(id -un)
  as_root su postgres -c "psql -q -tc \"SELECT 1 FROM pg_roles WHERE rolname = '$me'\" | grep -q 1 \
    || createuser --superuser '$me'"
}

postgres_ready() {
  local url
  if url=$(find_pg_url); then
    export WAYPOINT_TEST_PG_URL="$url"
    return 0
  fi
  if ! have_root; then
    skip "PostgreSQL tests: no PostgreSQL answers (set WAYPOINT_TEST_PG_URL to an admin URL, or \
install and start PostgreSQL as root); the database tests run on SQLite only"
    return 0
  fi
  if ! command -v pg_ctlcluster >/dev/null; then
    command -v apt-get >/dev/null || { skip "PostgreSQL tests: install PostgreSQL and set \
WAYPOINT_TEST_PG_URL"; return 0; }
    apt_install postgresql
  fi
  start_postgres || true
  peer_role_for_me || true
  if url=$(find_pg_url); then
    export WAYPOINT_TEST_PG_URL="$url"
  else
    skip "PostgreSQL tests: PostgreSQL did not come up"
  fi
}

report_skipped() {
  [ ${#SKIPPED[@]} -eq 0 ] && return 0
  warn "Not run on this machine:"
  local item
  for item in "${SKIPPED[@]}"; do warn "  - $item"; done
}

run_tests() {
  log "Lint"
  "$VENV/bin/ruff" check .
  "$VENV/bin/ruff" format --check .
  log "Types"
  "$VENV/bin/mypy"
  log "Tests"
  local status=0
  local extra=()
  command -v chromium >/dev/null || extra+=(-m "not browser")
  # Two workers, one test file each at a time (a file's server or database is set up once);
  # WAYPOINT_TEST_WORKERS=0 runs everything in one process.
  "$VENV/bin/pytest" -n "${WAYPOINT_TEST_WORKERS:-2}" --dist loadfile \
    ${extra[@]+"${extra[@]}"} "$@" || status=$?
  report_skipped
  return "$status"
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
    run_tests "${@:2}"
    ;;
  lock)
    python_env requirements-dev.txt
    log "Locking requirements.txt and requirements-dev.txt from pyproject.toml"
    common=(--universal --python-version 3.11 --no-annotate --custom-compile-command "./dev.sh lock")
    "$VENV/bin/uv" pip compile -q pyproject.toml "${common[@]}" -o requirements.txt "${@:2}"
    "$VENV/bin/uv" pip compile -q pyproject.toml --extra dev -c requirements.txt "${common[@]}" \
      -o requirements-dev.txt "${@:2}"
    ;;
  *)
    echo "usage: ./dev.sh start | test [pytest args] | lock [uv args, e.g. --upgrade]" >&2
    exit 2
    ;;
esac
