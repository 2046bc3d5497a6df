#!/usr/bin/env bash
# Set up (first time only), then run every check: ruff, mypy, the import contract, pytest.
# PostgreSQL tests run when CRM_TEST_PG_URL is set or a server answers at 127.0.0.1:5432.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export QT_QPA_PLATFORM=${QT_QPA_PLATFORM:-offscreen}
.venv/bin/ruff check .
.venv/bin/mypy
.venv/bin/lint-imports
# Two workers: the suite is CPU-bound and these machines have two cores (CRM_TEST_WORKERS=0
# runs it in one process, e.g. to debug).
.venv/bin/python -m pytest -q -p no:cacheprovider -n "${CRM_TEST_WORKERS:-2}" "$@"
