"""The window's writes, one small function per user action (as Anki's ``aqt/operations``).

Each takes the :class:`~ui.context.AppContext`, what the user chose, and the view that asked
(``parent``: the initiator the change notice carries), runs the core's service off the GUI
thread and returns the :class:`~ui.ops.Task`; the change notice goes to every view once. Reads
are operations too: ``ctx.read(op(view_or_service, …), done=…)`` with a read model from
:mod:`crm.views`.

A new page needs one module here (its writes) and one view (its widgets); it never opens a
unit of work itself (an import-linter contract in pyproject.toml keeps crm.db out of views).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")
Done = Callable[[T], None] | None
