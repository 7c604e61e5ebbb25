#!/usr/bin/env bash
# Install everything and run the whole test suite, on SQLite and on a throwaway PostgreSQL.
#
#   bash scripts/test.sh [pytest arguments]
#
# Needs python3 (3.11) and, when PostgreSQL's server is missing, root for apt-get.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

log() { printf '\n== %s\n' "$*"; }

log "Python packages"
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/pip install --quiet --disable-pip-version-check -e '.[test]' 2>&1 | grep -v '^WARNING: Location' || true

log "Browser and fonts"
# The browser tests drive Debian's chromium; Chinese fonts make the screenshots (and PDFs) legible.
if ! command -v chromium >/dev/null || ! fc-list 2>/dev/null | grep -qi "noto sans cjk"; then
  echo "installing chromium and fonts-noto-cjk with apt-get"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null
fi

log "PostgreSQL server"
# shellcheck source=scripts/pg.sh
source scripts/pg.sh
pg_start
trap pg_stop EXIT

log "Lint"
.venv/bin/ruff check hotline tests
.venv/bin/mypy  # over hotline/, as pyproject.toml configures it
.venv/bin/hotline makemigrations --check --dry-run >/dev/null || { echo "models and migrations differ: run hotline makemigrations"; exit 1; }

log "Tests on SQLite and on PostgreSQL, and the demo city from scratch (in parallel)"
export HOTLINE_VAR_DIR="$PG_WORK/var"
mkdir -p "$HOTLINE_VAR_DIR"
.venv/bin/pytest -p no:cacheprovider "$@" >"$PG_WORK/sqlite.log" 2>&1 &
sqlite_pid=$!
DATABASE_URL="$PG_URL" .venv/bin/pytest -p no:cacheprovider "$@" >"$PG_WORK/postgres.log" 2>&1 &
postgres_pid=$!
# What the README promises: `hotline demo --no-serve` builds a year of history (>= 30,000 orders).
(
  export HOTLINE_VAR_DIR="$PG_WORK/demo"
  .venv/bin/hotline demo --no-serve | grep -v '^  [a-z]'
  .venv/bin/hotline status --json | tee "$PG_WORK/status.json"
  .venv/bin/python -c 'import json, sys; n = json.load(open(sys.argv[1]))["orders"]; sys.exit(0 if n >= 30000 else f"demo has {n} orders, fewer than 30000")' "$PG_WORK/status.json"
  # Its hard problems: at least five, one struck off after its watch and one come back, each with
  # its leader and linked orders, and every source of a problem among them.
  .venv/bin/hotline problems list --json >"$PG_WORK/problems.json"
  .venv/bin/python - "$PG_WORK/problems.json" <<'CHECK'
import json, sys
rows = json.load(open(sys.argv[1]))
statuses, sources = {r["status"] for r in rows}, {r["source"] for r in rows}
assert len(rows) >= 5 and {"verified", "recurred"} <= statuses, rows
assert all(r["leader"] and r["orders"] for r in rows), rows
assert sources == {"finding", "orders", "repeats", "manual"}, sources
print(f"demo problems: {len(rows)}, statuses {sorted(statuses)}")
CHECK
  # The last full month's rollup equals a recomputation from the events, and its analysis renders.
  month=$(date -d "$(date +%Y-%m-01) -1 day" +%Y-%m)
  mkdir -p "$root/artifacts"
  .venv/bin/hotline analytics verify --month "$month"
  .venv/bin/hotline report monthly --month "$month" --format pdf --out "$root/artifacts/monthly-$month.pdf"
) >"$PG_WORK/demo.log" 2>&1 &
demo_pid=$!
status=0
wait $sqlite_pid || status=1
wait $postgres_pid || status=1
wait $demo_pid || { echo "the demo city failed"; status=1; }

log "Demo city"
cat "$PG_WORK/demo.log"
log "SQLite"
cat "$PG_WORK/sqlite.log"
log "PostgreSQL"
cat "$PG_WORK/postgres.log"

log "Benchmark: hotline bench quick (our gunicorn and django-helpdesk on the same PostgreSQL)"
mkdir -p "$root/artifacts"
# Alone on the machine, after the suites: figures go to artifacts/; the command fails only when
# an acknowledged order is missing or written twice, or the peer could not be measured.
if DATABASE_URL="$PG_URL" HOTLINE_VAR_DIR="$PG_WORK/bench-var" .venv/bin/hotline bench quick \
    --workdir "$PG_WORK/bench" --out "$root/artifacts/bench-quick.json" 2>"$PG_WORK/bench.log" \
    | tail -n 1 | tee "$root/artifacts/bench-quick-headline.json"; then
  grep -E "c=|rate=|rows|peer " "$PG_WORK/bench.log" || true
else
  cat "$PG_WORK/bench.log"; echo "hotline bench quick failed"; status=1
fi
exit $status
