"""The built bundle (dist/zhaoshang-crm, made by scripts/bundle.sh) works without Python.

Not part of the default run (pyproject: ``-m "not bundle"``): it needs a build. Run with
``.venv/bin/python -m pytest -m bundle tests/bundle`` (scripts/bundle.sh does, after building);
CRM_BUNDLE_DIR names another folder. Every program runs from a fresh temporary HOME (and XDG/
Windows profile folders), from a working folder of its own, with no Python on PATH.
"""

from __future__ import annotations

import os
import random
import shutil
import sqlite3
import struct
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.bundle

ROOT = Path(__file__).resolve().parents[2]
BUNDLE = Path(os.environ.get("CRM_BUNDLE_DIR") or ROOT / "dist" / "zhaoshang-crm")
EXE = ".exe" if sys.platform == "win32" else ""
WINDOW, CLI = BUNDLE / f"zhaoshang-crm{EXE}", BUNDLE / f"crm{EXE}"
H1 = ("--from", "2025-01-01", "--to", "2025-06-30", "--as-of", "2025-12-31")
ARTICLE = ("签约数    26", "开工数    15", "开工率    57.69%")
# The last version before the schema grew past 0010, as a bureau would have it installed
OLDER_VERSION, OLDER_REVISION = "d8c7297b58dd663e45814935b7a6bef2451d3caf", "0010"
ROWS = 4000  # of the large ledger


class Desk:
    """A fresh user profile: its HOME, data and config folders, and a working folder."""

    def __init__(self, base: Path):
        self.home = base / "home"
        self.cwd = base / "somewhere"
        self.cwd.mkdir(parents=True)
        keep = ("SYSTEMROOT", "WINDIR", "TEMP", "TMP", "LANG", "LC_ALL", "DISPLAY",
                "XAUTHORITY", "COMSPEC")
        self.env = {k: v for k, v in os.environ.items() if k.upper() in keep}
        # no Python, no virtual environment: only the system's own programs
        self.env["PATH"] = os.environ.get("SYSTEMROOT", "C:\\Windows") + "\\System32" \
            if sys.platform == "win32" else "/usr/bin:/bin"
        self.env.update(HOME=str(self.home), USERPROFILE=str(self.home),
                        XDG_DATA_HOME=str(self.home / ".local" / "share"),
                        XDG_CONFIG_HOME=str(self.home / ".config"),
                        XDG_CACHE_HOME=str(self.home / ".cache"),
                        APPDATA=str(self.home / "AppData" / "Roaming"),
                        LOCALAPPDATA=str(self.home / "AppData" / "Local"))
        if sys.platform == "win32":
            self.data = self.home / "AppData" / "Local" / "zhaoshang-crm"
            self.config = self.data
        else:
            self.data = self.home / ".local" / "share" / "zhaoshang-crm"
            self.config = self.home / ".config" / "zhaoshang-crm"

    def crm(self, *args: str, bundle: Path = BUNDLE) -> subprocess.CompletedProcess[str]:
        return subprocess.run([str(bundle / CLI.name), *args], cwd=self.cwd, env=self.env,
                              capture_output=True, text=True, encoding="utf-8", timeout=300,
                              check=False)

    def window(self, *args: str, bundle: Path = BUNDLE) -> subprocess.CompletedProcess[str]:
        prefix: list[str] = []
        env = dict(self.env)
        if sys.platform.startswith("linux"):
            if os.path.exists("/usr/bin/xvfb-run"):
                prefix = ["/usr/bin/xvfb-run", "-a", "-s", "-screen 0 1600x1000x24"]
                env["QT_QPA_PLATFORM"] = "xcb"
            else:
                env["QT_QPA_PLATFORM"] = "offscreen"
        return subprocess.run([*prefix, str(bundle / WINDOW.name), *args], cwd=self.cwd, env=env,
                              capture_output=True, text=True, encoding="utf-8", timeout=300,
                              check=False)


def fingerprint(folder: Path) -> dict[str, str]:
    """Every file of the folder with its size and modification time."""
    return {str(p.relative_to(folder)): f"{p.stat().st_size}:{p.stat().st_mtime_ns}"
            for p in folder.rglob("*") if p.is_file() or p.is_symlink()}


def png_size(path: Path) -> tuple[int, int]:
    head = path.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    width, height = struct.unpack(">II", head[16:24])
    return width, height


def colours(path: Path) -> int:
    """How many distinct colours a coarse grid over the picture meets (a blank window: 1 or 2)."""
    from PySide6.QtGui import QImage

    image = QImage(str(path))
    return len({image.pixel(x, y) for x in range(0, image.width(), 40)
                for y in range(0, image.height(), 40)})


def revision(path: Path) -> str:
    with sqlite3.connect(path) as conn:
        return str(conn.execute("select version_num from alembic_version").fetchone()[0])


def head() -> str:
    from crm.db import Database

    db = Database("sqlite://", upgrade=False)
    try:
        return db.schema_state()[1]
    finally:
        db.dispose()


@pytest.fixture(scope="module")
def demo_desk(tmp_path_factory: pytest.TempPathFactory) -> Desk:
    """A profile where the bundled window was opened once with --demo (it made demo.db)."""
    if not (WINDOW.exists() and CLI.exists()):
        pytest.fail(f"no bundle at {BUNDLE}: build it with bash scripts/bundle.sh")
    desk = Desk(tmp_path_factory.mktemp("desk"))
    before = fingerprint(BUNDLE)
    shot = desk.cwd / "demo.png"
    done = desk.window("--demo", "--screenshot", str(shot))
    assert done.returncode == 0, done.stderr
    desk.shot = shot  # type: ignore[attr-defined]
    desk.bundle_before = before  # type: ignore[attr-defined]
    return desk


def test_window_opens_the_demo_and_saves_a_picture(demo_desk: Desk) -> None:
    shot: Path = demo_desk.shot  # type: ignore[attr-defined]
    assert shot.exists()
    assert png_size(shot) == (1600, 1000)
    assert shot.stat().st_size > 50_000 and colours(shot) > 20  # a drawn dashboard, not a blank
    assert (demo_desk.data / "demo.db").exists()


def test_command_line_prints_the_articles_figures(demo_desk: Desk) -> None:
    done = demo_desk.crm("--db", str(demo_desk.data / "demo.db"), "stats", *H1)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "期间 2025-01-01 至 2025-06-30（截至 2025-12-31）"
    assert all(line in lines for line in ARTICLE), done.stdout


def test_every_page_opens(demo_desk: Desk) -> None:
    """Each page's modules are in the bundle (pages are imported by name when first shown)."""
    from ui.app import PAGE_KEYS  # the navigation rail of the source the bundle was built from

    for page in PAGE_KEYS:
        shot = demo_desk.cwd / f"{page}.png"
        done = demo_desk.window("--demo", "--page", page, "--screenshot", str(shot))
        assert done.returncode == 0, (page, done.stderr)
        assert shot.exists() and colours(shot) > 10, page
    log = demo_desk.data / "crm.log"
    errors = [line for line in log.read_text(encoding="utf-8").splitlines()
              if " ERROR " in line] if log.exists() else []
    assert errors == []


def test_writes_only_to_the_user_folders(demo_desk: Desk) -> None:
    demo_desk.crm("--db", str(demo_desk.data / "demo.db"), "stats")
    assert fingerprint(BUNDLE) == demo_desk.bundle_before  # type: ignore[attr-defined]
    made = {p.relative_to(demo_desk.home) for p in demo_desk.home.rglob("*") if p.is_file()}
    ours = {p for p in made if (demo_desk.home / p).is_relative_to(demo_desk.data)
            or (demo_desk.home / p).is_relative_to(demo_desk.config)}
    # Qt and fontconfig may keep caches (XDG_CACHE_HOME); the app writes nothing else
    others = {p for p in made - ours if p.parts[0] not in (".cache", "AppData")}
    assert others == set()
    assert {p.name for p in demo_desk.cwd.iterdir()} >= {"demo.png"}


def test_runs_wherever_it_is_unpacked(demo_desk: Desk, tmp_path: Path) -> None:
    """A copy in a folder whose name has a space and Chinese characters (C:\\Users\\张三\\桌面\\…)
    finds its Qt plugins, style sheet, icons and migrations there."""
    moved = tmp_path / "用户 张三" / "招商 CRM"
    shutil.copytree(BUNDLE, moved, symlinks=True)
    shot = demo_desk.cwd / "moved.png"
    done = demo_desk.window("--demo", "--page", "projects", "--screenshot", str(shot), bundle=moved)
    assert done.returncode == 0, done.stderr
    assert png_size(shot) == (1600, 1000) and colours(shot) > 10
    done = demo_desk.crm("--db", str(demo_desk.data / "demo.db"), "stats", *H1, bundle=moved)
    assert done.returncode == 0 and all(line in done.stdout.splitlines() for line in ARTICLE)


def _older_database(tmp_path: Path, demo: bool) -> Path:
    """A database made by the older version's own code (run with this Python, as it was)."""
    if not (ROOT / ".git").exists():
        pytest.skip("needs the git history for the older version")
    old = tmp_path / "older"
    old.mkdir()
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", OLDER_VERSION, "crm"],
                             capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(old)], input=archive, check=True)
    path = tmp_path / "crm.db"
    env = {**os.environ, "PYTHONPATH": str(old), "CRM_DATA_DIR": str(tmp_path / "data")}
    done = subprocess.run([sys.executable, "-m", "crm", "--db", str(path), "demo" if demo else "init"],
                          cwd=old, env=env, capture_output=True, text=True, encoding="utf-8",
                          timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    assert revision(path) == OLDER_REVISION
    return path


def test_newer_bundle_upgrades_an_older_empty_database(tmp_path: Path) -> None:
    path = _older_database(tmp_path, demo=False)
    desk = Desk(tmp_path / "desk")
    done = desk.crm("--db", str(path), "stats", *H1)
    assert done.returncode == 0, done.stderr
    assert revision(path) == head()


def test_newer_bundle_upgrades_an_older_database_and_keeps_its_data(tmp_path: Path) -> None:
    path = _older_database(tmp_path, demo=True)
    desk = Desk(tmp_path / "desk")
    done = desk.crm("--db", str(path), "stats", *H1)
    assert done.returncode == 0, done.stderr
    assert revision(path) == head()
    assert all(line in done.stdout.splitlines() for line in ARTICLE), done.stdout


def test_a_large_ledger_is_imported_with_the_helper_process(tmp_path: Path) -> None:
    """crm.excel.keys starts a helper process for a ledger over 1 MB: the bundled crm must be
    able to start itself as that helper (multiprocessing.freeze_support in crm/__main__.py)."""
    import openpyxl

    from tests.unit.test_excel_import import HEADERS

    path = tmp_path / "台账.xlsx"
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append(HEADERS)
    rng = random.Random(17)
    for i in range(ROWS):  # a long remark of random characters: over 1 MB in few rows
        remark = "".join(chr(rng.randrange(0x4E00, 0x9FA5)) for _ in range(120))
        sheet.append([i + 1, f"测试项目{i}号产业园", f"湖北测试{i}号科技有限公司", None, "新材料",
                      "1.5", "在谈", None, None, None, None, "王芳", "自主", None, remark])
    book.save(path)
    assert path.stat().st_size > 1_000_000  # crm.excel.keys.HELPER_MIN_BYTES
    desk = Desk(tmp_path / "desk")
    db = str(tmp_path / "big.db")
    assert desk.crm("--db", db, "init").returncode == 0
    done = desk.crm("--db", db, "import", str(path))
    assert done.returncode == 0, done.stderr
    assert f"新建 {ROWS} 个项目" in done.stdout
    log = desk.data / "crm.log"
    assert not log.exists() or "helper" not in log.read_text(encoding="utf-8")
