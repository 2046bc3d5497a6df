"""Creating or upgrading a database prints nothing but the command's own line."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_init_prints_no_library_warning(tmp_path: Path) -> None:
    """`crm init` on a new SQLite file says it is ready and nothing else: no SAWarning
    about the users' lower(login) index from the batch migrations' reflection."""
    url = f"sqlite:///{(tmp_path / 'new.db').as_posix()}"
    done = subprocess.run([sys.executable, "-m", "crm", "--db", url, "init"], cwd=ROOT,
                          capture_output=True, text=True, encoding="utf-8", timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert "数据库已就绪" in done.stdout
    assert done.stderr.strip() == ""
