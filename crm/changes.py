"""What a committed write changed: which tables, which rows (as Anki's ``OpChanges``).

A unit of work records every row its session inserts, updates or deletes (and every table a
bulk ``UPDATE``/``DELETE`` statement touches) and hands the result back from ``commit()``. The
window broadcasts it once, with the initiator, and each view reloads only when the change
concerns what it shows. A change made elsewhere (another window, another process) arrives as
:data:`EVERYTHING`: the revision counter says that something changed, not what.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

# Tables every write touches and no view shows as such.
BOOKKEEPING = frozenset({"audit_log", "revision", "presence"})


@dataclass(frozen=True)
class Changes:
    """Tables and row ids a commit changed. ``everything`` when the content is not known."""

    tables: frozenset[str] = frozenset()
    rows: Mapping[str, frozenset[int]] = field(default_factory=dict)
    everything: bool = False

    def touches(self, *tables: str) -> bool:
        """Whether any of ``tables`` (names as in crm.models, e.g. ``"projects"``) changed."""
        return self.everything or not self.tables.isdisjoint(tables)

    def ids(self, table: str) -> frozenset[int]:
        """The ids changed in ``table`` (empty when unknown or when none)."""
        return self.rows.get(table, frozenset())

    def touches_row(self, table: str, ident: int | None) -> bool:
        """Whether row ``ident`` of ``table`` may have changed (always, when unknown)."""
        if self.everything:
            return True
        if table not in self.tables:
            return False
        ids = self.rows.get(table)
        return ids is None or not ids or ident in ids

    def __bool__(self) -> bool:
        return self.everything or bool(self.tables)

    def __or__(self, other: Changes) -> Changes:
        if self.everything or other.everything:
            return EVERYTHING
        rows = {t: self.ids(t) | other.ids(t) for t in self.tables | other.tables}
        return Changes(self.tables | other.tables, rows)

    @classmethod
    def of(cls, touched: Mapping[str, Iterable[int]], bulk: Iterable[str] = ()) -> Changes:
        """From rows touched per table; ``bulk`` tables changed by statements (ids unknown)."""
        tables = (set(touched) | set(bulk)) - BOOKKEEPING
        rows = {t: frozenset(ids) for t, ids in touched.items()
                if t in tables and t not in set(bulk)}
        return cls(frozenset(tables), rows)


# What each kind of screen shows, as the tables whose changes concern it.
PROJECTS = ("projects", "companies", "agreements", "starts", "fundings", "stage_changes",
            "users", "industries", "ambassadors", "events", "carriers", "attachments",
            "carrier_placements")
FIGURES = (*PROJECTS, "targets", "settings", "tiers", "company_tiers")  # tiers: signings by tier
LOGS = ("contact_logs", "projects", "companies", "users")
COMPANIES = ("companies", "contacts", "projects", "industries", "company_tiers")
HISTORY = (*PROJECTS, "contacts", "contact_logs")
SETTINGS = ("settings", "users", "industries", "targets")

NOTHING = Changes()
EVERYTHING = Changes(everything=True)
