#!/usr/bin/env bash
# Installs everything the tests need and runs the whole suite: lint, types, tests.
# Extra arguments go to pytest (e.g. scripts/test.sh tests/supervisors -x).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-services.sh
bash scripts/setup.sh test
echo "== ruff";  .venv/bin/ruff check trt_actors tests scripts bench
echo "== mypy";  .venv/bin/mypy
echo "== imports"; .venv/bin/lint-imports --no-cache
echo "== pytest"; .venv/bin/pytest "$@"
