#!/usr/bin/env bash
# Install hotline into ./.venv and run the demo city on http://127.0.0.1:8000
#
#   bash scripts/demo.sh [hotline demo options, e.g. --no-serve]
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/pip install --quiet --disable-pip-version-check -e . 2>&1 | grep -v '^WARNING: Location' || true
exec .venv/bin/hotline demo "$@"
