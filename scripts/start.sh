#!/usr/bin/env bash
# Set up (first time only) and start 招商 CRM. Options go to main.py, e.g. --demo.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/python main.py "$@"
