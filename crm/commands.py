"""The command line's verbs, registered explicitly (DESIGN §5).

Each module that adds verbs (crm.backup_cli, crm.excel.cli, crm.cli_audit) declares its
:class:`Command` objects in a ``COMMANDS`` tuple and knows nothing of crm.cli; crm.cli imports
those modules by name and builds the parser from them. A module that cannot be imported (a
broken dependency) is an error at start, never two verbs silently missing.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from crm.db import Database

Handler = Callable[[Database, argparse.Namespace], int]


@dataclass(frozen=True)
class Command:
    """One verb: how it adds its arguments to the parser, and what it runs."""

    name: str
    add: Callable[[Any], None]  # add(subparsers): adds the verb's parser and its options
    run: Handler
    # the verb opens a database that does not exist yet (e.g. restore onto a new computer)
    creates: bool = False
    # the verb must see the database as it is, older schema included (restore replaces it)
    upgrades: bool = True
