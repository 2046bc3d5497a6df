"""Screenshots of every page on a fresh demo database, into the folder you name.

    .venv/bin/python scripts/screenshots.py /tmp/shots            # Linux, macOS
    .venv\\Scripts\\python scripts\\screenshots.py shots           # Windows
    .venv/bin/python scripts/screenshots.py docs/screenshots      # refresh README's pictures

Each page is one run of ``main.py --demo --page NAME --screenshot FOLDER/NAME.png`` (the window
as a user starts it) with its own empty data and settings folders, so the pictures show the demo
as shipped — the article's 2025 上半年 — never this computer's demo or remembered period. On
Linux without a display the runs go through ``xvfb-run`` (package xvfb) at 1600×1000.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PAGES = ("dashboard", "sprint", "alerts", "promises", "projects", "chains", "companies", "contacts", "events",
         "carriers", "scorecard", "reports", "settings")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="为每个页面截图（演示数据），保存到指定文件夹")
    parser.add_argument("folder", type=Path, help="保存截图的文件夹（不存在则新建）")
    parser.add_argument("--page", action="append", choices=PAGES, help="只截这一页（可重复）")
    args = parser.parse_args(argv)
    folder: Path = args.folder.expanduser().absolute()
    folder.mkdir(parents=True, exist_ok=True)
    prefix: list[str] = []
    env = dict(os.environ)
    if sys.platform.startswith("linux") and not (env.get("DISPLAY") or env.get("WAYLAND_DISPLAY")):
        if shutil.which("xvfb-run") is None:
            print("没有显示器，也没有 xvfb-run：请安装 xvfb（apt-get install xvfb）", file=sys.stderr)
            return 2
        prefix = ["xvfb-run", "-a", "-s", "-screen 0 1600x1000x24"]
        env["QT_QPA_PLATFORM"] = "xcb"
    # a fixed name, so that the status bar's database path is the same in every picture
    scratch = Path(tempfile.gettempdir()) / "zhaoshang-crm-screenshots"
    shutil.rmtree(scratch, ignore_errors=True)
    env["CRM_DATA_DIR"] = str(scratch / "data")
    env["CRM_CONFIG_DIR"] = str(scratch / "config")
    env.pop("CRM_DATABASE_URL", None)
    try:
        for page in args.page or PAGES:
            target = folder / f"{page}.png"
            cmd = [*prefix, sys.executable, str(ROOT / "main.py"), "--demo", "--page", page,
                   "--screenshot", str(target)]
            done = subprocess.run(cmd, env=env, cwd=ROOT, check=False)
            if done.returncode != 0 or not target.exists():
                print(f"截图失败：{page}（退出码 {done.returncode}）", file=sys.stderr)
                return 1
            print(target)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
