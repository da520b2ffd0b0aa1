#!/usr/bin/env bash
# Everything the tests need, then the whole test suite (unit, sandbox, browser, llama.cpp integration,
# and tests/test_packaging.py: sdist + wheel built, the wheel alone installed in a fresh venv outside
# the checkout, `evalkit suites` and `evalkit demo` run there).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --dev
PY=${PYTHON:-python3}
exec "$PY" -m pytest -q -ra "$@"
