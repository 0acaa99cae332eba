#!/usr/bin/env bash
# Creates .venv (Python >= 3.11) and installs the project into it, editable.
#   scripts/setup.sh          runtime only
#   scripts/setup.sh test     with the test and lint tools
set -euo pipefail
cd "$(dirname "$0")/.."
extra=${1:-}
python=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$python" -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip
if [ -n "$extra" ]; then
  .venv/bin/python -m pip install -q -e ".[$extra]"
else
  .venv/bin/python -m pip install -q -e .
fi
