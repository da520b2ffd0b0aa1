#!/usr/bin/env bash
# Everything the tests need, then the whole test suite (unit, sandbox, browser, llama.cpp integration).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --dev
PY=${PYTHON:-python3}
exec "$PY" -m pytest -q -ra "$@"
