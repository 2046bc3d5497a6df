"""The seam between window and core (DESIGN §4), checked on the source: pages, dialogs and
widgets write only through ui/operations (or a form's collected operation) and never call the
database on the GUI thread."""

from __future__ import annotations

import re
from pathlib import Path

UI = Path(__file__).resolve().parents[2] / "ui"
VIEWS = [p for d in ("pages", "dialogs", "widgets", "models") for p in (UI / d).rglob("*.py")]


def test_views_write_only_through_operations() -> None:
    offenders = [f"{p.relative_to(UI)}:{n}" for p in VIEWS
                 for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
                 if re.search(r"\bctx\.write\(", line)]
    assert offenders == [], "write through a function of ui/operations instead"


def test_no_view_reads_the_database_on_the_gui_thread() -> None:
    offenders = [f"{p.relative_to(UI)}:{n}" for p in VIEWS
                 for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
                 if re.search(r"\.(call|quick|uow)\(|\.db\.(read|run)\(", line)]
    assert offenders == [], "read through ctx.read(op(...), done=...) instead"


def test_every_operation_names_its_initiator() -> None:
    for path in (UI / "operations").glob("*.py"):
        text = path.read_text(encoding="utf-8")
        for block in text.split("\ndef ")[1:]:
            assert "parent: object" in block and "initiator=parent" in block, \
                f"{path.name}: {block.splitlines()[0]}"
