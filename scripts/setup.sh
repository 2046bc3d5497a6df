#!/usr/bin/env bash
# Prepare this checkout: system libraries Qt needs (Debian/Ubuntu, when run as root), a virtual
# environment in .venv and the project with its pinned dependencies. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

PY=${PYTHON:-python3}
# The libraries Qt needs, CJK fonts, Xvfb (screenshots), the PostgreSQL tools (backups of a
# server) and LibreOffice Calc (reports saved as PDF). README lists them for non-root users.
if command -v dpkg >/dev/null 2>&1; then
  need=()
  for pkg in libgl1 libegl1 libxkbcommon0 libxkbcommon-x11-0 libfontconfig1 libdbus-1-3 \
             libglib2.0-0 fonts-noto-cjk xvfb libxcb-icccm4 libxcb-keysyms1 libxcb-cursor0 \
             libxcb-image0 libxcb-render-util0 libxcb-shape0 libxcb-xinerama0 postgresql-client \
             libreoffice-calc-nogui; do
    dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg")
  done
  if [ ${#need[@]} -gt 0 ] && [ "$(id -u)" = "0" ]; then
    echo "installing system packages: ${need[*]}"
    apt-get update -qq >/dev/null 2>&1 || true
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null 2>&1 \
      || echo "warning: could not install ${need[*]}; the window may not start" >&2
  elif [ ${#need[@]} -gt 0 ]; then
    echo "缺少系统软件包（窗口、截图或 PDF 可能无法使用），请管理员安装：" >&2
    echo "  sudo apt-get install ${need[*]}" >&2
  fi
fi

if [ ! -x .venv/bin/python ]; then
  if ! "$PY" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
    echo "需要 Python 3.11 或更新版本（$PY 不是）：安装后用 PYTHON=python3.12 bash scripts/setup.sh 指定" >&2
    exit 2
  fi
  "$PY" -m venv .venv || { echo "无法创建 .venv：Debian/Ubuntu 请先安装 python3-venv" >&2; exit 2; }
fi
stamp=.venv/.installed
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  .venv/bin/python -m pip install -q --upgrade pip >/dev/null
  .venv/bin/python -m pip install -q -e '.[dev]'
  touch "$stamp"
fi
