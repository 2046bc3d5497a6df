#!/usr/bin/env bash
# Build 招商 CRM as one folder that runs without Python (dist/zhaoshang-crm: the window
# zhaoshang-crm and the command line crm), then prove it here: the demo's screenshot from a
# fresh HOME under Xvfb, `crm stats` with the article's figures, sizes, start time against
# .venv (scripts/bundle_check.py) and the tests marked bundle (tests/bundle).
#   bash scripts/bundle.sh               build, check, measure (5 timed starts each)
#   BUNDLE_RUNS=0 bash scripts/bundle.sh  build and check only (no timing)
#   BUNDLE_BUILD=0 bash scripts/bundle.sh check the bundle already in dist/
# The bundle runs on machines like this one or newer: build on the oldest Linux you ship to.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${BUNDLE_RUNS:-5}

bash scripts/setup.sh
if ! .venv/bin/python -c "import PyInstaller" 2>/dev/null; then
  # the `bundle` extra of pyproject.toml, without reinstalling the project itself
  mapfile -t reqs < <(.venv/bin/python -c 'import tomllib
print("\n".join(tomllib.load(open("pyproject.toml", "rb"))["project"]["optional-dependencies"]["bundle"]))')
  echo "installing ${reqs[*]} into .venv"
  .venv/bin/python -m pip install -q "${reqs[@]}"
fi

if [ "${BUNDLE_BUILD:-1}" != "0" ]; then
  start=$(date +%s)
  rm -rf dist/zhaoshang-crm
  .venv/bin/pyinstaller --noconfirm --log-level WARN --distpath dist --workpath build/pyinstaller \
    packaging/zhaoshang-crm.spec
  echo "build: $(( $(date +%s) - start )) s"
fi

status=0
.venv/bin/python scripts/bundle_check.py --runs "$runs" || status=1
start=$(date +%s)
QT_QPA_PLATFORM=offscreen .venv/bin/python -m pytest -q -p no:cacheprovider -m bundle tests/bundle \
  || status=1
echo "tests marked bundle: $(( $(date +%s) - start )) s"
exit $status
