"""Prove and measure a built bundle (dist/zhaoshang-crm): run by scripts/bundle.sh and bundle.ps1.

1. From a fresh temporary HOME (and XDG / Windows profile folders) and a working folder of its
   own, with no Python on PATH: the window opens the demo and saves a screenshot (under Xvfb on
   Linux), the picture is checked, and the bundled ``crm stats`` prints the article's figures.
2. Sizes: unpacked, and the archive a bureau is handed (tar.gz on Linux, zip on Windows),
   written to dist/.
3. Start: the window's ``--demo --screenshot`` (start, sign-in, the dashboard's reads, the
   picture, exit) from the bundle and from .venv, alternately, ``--runs`` times each; medians.
   One Xvfb server serves every run, so its own start is not counted.

Exit 1 when a check fails or a size is over budget; the start ratio is reported against its
budget but does not fail the run (wall-clock on a shared machine is not a test).
Usage: ``.venv/bin/python scripts/bundle_check.py [--runs 5] [--no-archive]``.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import struct
import subprocess
import sys
import tarfile
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DIST = ROOT / "dist"
BUNDLE = DIST / "zhaoshang-crm"
WINDOWS = sys.platform == "win32"
EXE = ".exe" if WINDOWS else ""
WINDOW, CLI = BUNDLE / f"zhaoshang-crm{EXE}", BUNDLE / f"crm{EXE}"
VENV_PYTHON = ROOT / ".venv" / ("Scripts/python.exe" if WINDOWS else "bin/python")
H1 = ("--from", "2025-01-01", "--to", "2025-06-30", "--as-of", "2025-12-31")
ARTICLE = ("签约数    26", "开工数    15", "开工率    57.69%")
UNPACKED_BUDGET, PACKED_BUDGET, START_BUDGET = 250e6, 100e6, 1.2
MB = 1e6


def profile(base: Path) -> tuple[dict[str, str], Path]:
    """A fresh user's environment under ``base`` (no Python on PATH) and its data folder."""
    home = base / "home"
    keep = ("SYSTEMROOT", "WINDIR", "TEMP", "TMP", "LANG", "LC_ALL", "COMSPEC")
    env = {k: v for k, v in os.environ.items() if k.upper() in keep}
    env["PATH"] = (os.environ.get("SYSTEMROOT", r"C:\Windows") + r"\System32") if WINDOWS \
        else "/usr/bin:/bin"
    env.update(HOME=str(home), USERPROFILE=str(home),
               XDG_DATA_HOME=str(home / ".local" / "share"), XDG_CONFIG_HOME=str(home / ".config"),
               XDG_CACHE_HOME=str(home / ".cache"), APPDATA=str(home / "AppData" / "Roaming"),
               LOCALAPPDATA=str(home / "AppData" / "Local"))
    data = home / "AppData" / "Local" / "zhaoshang-crm" if WINDOWS \
        else home / ".local" / "share" / "zhaoshang-crm"
    return env, data


class Display:
    """One Xvfb server for all runs on Linux (nothing to do elsewhere)."""

    def __init__(self) -> None:
        self.proc: subprocess.Popen[bytes] | None = None
        self.env: dict[str, str] = {}

    def __enter__(self) -> Display:
        if not sys.platform.startswith("linux"):
            return self
        if shutil.which("Xvfb") is None:
            self.env = {"QT_QPA_PLATFORM": "offscreen"}
            return self
        read, write = os.pipe()
        self.proc = subprocess.Popen(
            ["Xvfb", "-displayfd", str(write), "-screen", "0", "1600x1000x24", "-nolisten", "tcp"],
            pass_fds=(write,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(write)
        with os.fdopen(read) as f:
            number = f.readline().strip()
        self.env = {"DISPLAY": f":{number}", "QT_QPA_PLATFORM": "xcb"}
        return self

    def __exit__(self, *exc: object) -> None:
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait()


CPU: list[float] = []  # the CPU seconds (user + system) of each run, where the system tells


def children_cpu() -> float | None:
    try:
        import resource
    except ImportError:  # Windows
        return None
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run(cmd: list[str], env: dict[str, str], cwd: Path) -> tuple[float, subprocess.CompletedProcess[str]]:
    """Run ``cmd``; its wall-clock seconds (its CPU seconds are appended to CPU)."""
    cpu = children_cpu()
    started = time.perf_counter()
    done = subprocess.run(cmd, env=env, cwd=cwd, capture_output=True, text=True,
                          encoding="utf-8", errors="replace", timeout=300, check=False)
    seconds = time.perf_counter() - started
    after = children_cpu()
    if cpu is not None and after is not None:
        CPU.append(after - cpu)
    return seconds, done


def png_ok(path: Path) -> str | None:
    """Why the screenshot is not a drawn 1600×1000 window, or None."""
    if not path.exists():
        return "no picture was saved"
    data = path.read_bytes()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        return "not a PNG"
    width, height = struct.unpack(">II", data[16:24])
    if (width, height) != (1600, 1000):
        return f"{width}×{height}, not 1600×1000"
    if len(data) < 50_000:
        return f"only {len(data)} bytes: a blank window?"
    return None


def folder_bytes(folder: Path) -> int:
    return sum(p.lstat().st_size for p in folder.rglob("*") if p.is_file() or p.is_symlink())


def archive(version: str) -> Path:
    machine = platform.machine().lower().replace("amd64", "x86_64")
    name = f"zhaoshang-crm-{version}-{'windows' if WINDOWS else sys.platform}-{machine}"
    if WINDOWS:
        target = DIST / f"{name}.zip"
        with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as z:
            for p in sorted(BUNDLE.rglob("*")):
                z.write(p, Path("zhaoshang-crm") / p.relative_to(BUNDLE))
    else:
        target = DIST / f"{name}.tar.gz"
        with tarfile.open(target, "w:gz", compresslevel=6) as t:
            t.add(BUNDLE, arcname="zhaoshang-crm")  # symbolic links stay links
    return target


def version() -> str:
    import tomllib

    with open(ROOT / "pyproject.toml", "rb") as f:
        return str(tomllib.load(f)["project"]["version"])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="timed starts of each (default 5)")
    parser.add_argument("--no-archive", action="store_true", help="skip the compressed archive")
    args = parser.parse_args()
    failures: list[str] = []
    report: list[str] = []
    if not (WINDOW.exists() and CLI.exists()):
        print(f"没有找到打包结果 {BUNDLE}：先运行 scripts/bundle.sh", file=sys.stderr)
        return 1

    unpacked = folder_bytes(BUNDLE)
    report.append(f"unpacked size: {unpacked / MB:.1f} MB (budget {UNPACKED_BUDGET / MB:.0f} MB)")
    if unpacked > UNPACKED_BUDGET:
        failures.append("unpacked size over budget")
    if not args.no_archive:
        started = time.perf_counter()
        packed = archive(version())
        size = packed.stat().st_size
        report.append(f"compressed size: {size / MB:.1f} MB, {packed.name} "
                      f"({time.perf_counter() - started:.0f} s to pack; budget {PACKED_BUDGET / MB:.0f} MB)")
        if size > PACKED_BUDGET:
            failures.append("compressed size over budget")

    with tempfile.TemporaryDirectory(prefix="crm-bundle-") as tmp, Display() as display:
        env, data = profile(Path(tmp))
        env.update(display.env)
        cwd = Path(tmp) / "somewhere"
        cwd.mkdir()
        shot = cwd / "demo.png"
        first, done = run([str(WINDOW), "--demo", "--screenshot", str(shot)], env, cwd)
        why = png_ok(shot) if done.returncode == 0 else f"exit {done.returncode}: {done.stderr[-800:]}"
        report.append(f"window --demo --screenshot from a fresh HOME: {first:.1f} s (creates the demo), "
                      + ("picture OK" if why is None else f"FAILED: {why}"))
        if why is not None:
            failures.append(f"window: {why}")
        _, done = run([str(CLI), "--db", str(data / "demo.db"), "stats", *H1], env, cwd)
        lines = done.stdout.splitlines()
        ok = done.returncode == 0 and all(line in lines for line in ARTICLE)
        report.append("crm stats (2025 上半年): " + (" / ".join(ARTICLE) if ok else
                                                    f"FAILED: {done.stdout}{done.stderr}"))
        if not ok:
            failures.append("crm stats does not print the article's figures")

        if args.runs > 0 and VENV_PYTHON.exists():
            venv_env = dict(env, PATH=os.environ.get("PATH", ""))  # .venv's Python needs nothing else
            bundle_s, venv_s, bundle_cpu, venv_cpu = [], [], [], []
            for i in range(args.runs):
                out = cwd / f"b{i}.png"
                seconds, done = run([str(WINDOW), "--demo", "--screenshot", str(out)], env, cwd)
                if done.returncode == 0 and out.exists():
                    bundle_s.append(seconds)
                    bundle_cpu += CPU[-1:]
                out = cwd / f"v{i}.png"
                seconds, done = run([str(VENV_PYTHON), str(ROOT / "main.py"), "--demo",
                                     "--screenshot", str(out)], venv_env, cwd)
                if done.returncode == 0 and out.exists():
                    venv_s.append(seconds)
                    venv_cpu += CPU[-1:]
            if bundle_s and venv_s:
                b, v = statistics.median(bundle_s), statistics.median(venv_s)
                report.append(f"start to screenshot, median of {args.runs}: bundle {b:.2f} s, "
                              f".venv {v:.2f} s, ratio {b / v:.2f} (budget ≤ {START_BUDGET}); "
                              f"runs bundle {' '.join(f'{s:.2f}' for s in bundle_s)}, "
                              f".venv {' '.join(f'{s:.2f}' for s in venv_s)}")
                if bundle_cpu and venv_cpu:  # less shaken by other work on the machine
                    b, v = statistics.median(bundle_cpu), statistics.median(venv_cpu)
                    report.append(f"  CPU seconds of those runs (user + system), median: bundle "
                                  f"{b:.2f} s, .venv {v:.2f} s, ratio {b / v:.2f}")
                cli_b, cli_v, cpu_b, cpu_v = [], [], [], []
                for _ in range(args.runs):
                    cli_b.append(run([str(CLI), "--db", str(data / "demo.db"), "stats"], env, cwd)[0])
                    cpu_b += CPU[-1:]
                    cli_v.append(run([str(VENV_PYTHON), "-m", "crm", "--db", str(data / "demo.db"),
                                      "stats"], venv_env, cwd)[0])
                    cpu_v += CPU[-1:]
                cpu = (f"; CPU bundle {statistics.median(cpu_b):.2f} s, .venv "
                       f"{statistics.median(cpu_v):.2f} s") if cpu_b and cpu_v else ""
                report.append(f"crm stats, median of {args.runs}: bundle {statistics.median(cli_b):.2f} s, "
                              f".venv {statistics.median(cli_v):.2f} s{cpu}")
            else:
                failures.append("timed starts failed")

    text = "\n".join(report + [f"FAILED: {f}" for f in failures])
    print(text)
    (DIST / "bundle-report.txt").write_text(text + "\n", encoding="utf-8")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
