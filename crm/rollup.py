"""The figures' rollup: counts and sums of DESIGN §3 kept by month, so that a figure reads a few
hundred cells instead of every signed project (DESIGN §7 at 1,000,000 projects).

A cell is (dim, member, kind, month, at_month) → (n, amount):

- ``dim``/``member``: one filter dimension and its value (``all``/'' for everything; ``industry``,
  ``owner``, ``source``, ``ambassador``, ``event``, ``segment``, ``band``; '' where the project
  has none). A project is in exactly one member of each dimension, so one dimension's cells sum
  to the whole; the cells of two dimensions cannot be combined (a figure filtered on two
  dimensions reads the projects themselves, crm.services.metrics).
- ``kind``/``month``/``at_month``: what is counted, the month (``yyyymm``) of its date, and the
  month of the date that decides it later (0 for none):

  =========== ==================== ========================== =========================
  kind        counts               month of                   at_month of
  =========== ==================== ========================== =========================
  lead …      projects             reaching the stage         reaching the next stage
  signed      projects             signing                    the start (any year)
  exit        projects             signing                    the start or the drop,
                                                              whichever came first
  amount      agreement amounts    the project's signing      the agreement's date
  funds       receipts             the project's signing      the receipt's date
  receipts    receipts             the receipt's date         0
  =========== ==================== ========================== =========================

  A deleted project, its agreements and receipts are in no cell; a voided agreement neither.

The cells are kept by triggers in the database itself, in the same transaction as every write
that changes them, whatever writes (a service, an import, another process); a bulk load drops
the triggers and rebuilds the cells once (:func:`suspended`), as it does the search index. The
figures read whole months from the cells and the partial months at the edges of the period
and of the as-of date from the rows (crm.services.metrics); the direct queries stay the
definition, and tests compare the two on random histories.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from itertools import compress, repeat
from typing import Any

from crm.bands import BANDS

TABLE = "figure_cells"
DIMS = ("all", "industry", "owner", "source", "ambassador", "event", "segment", "band")
PROJECT_KINDS = ("lead", "negotiating", "signed", "started", "producing", "exit")
STAGE_KINDS = PROJECT_KINDS[:5]  # the funnel's stages, in order
# a project's columns a cell depends on (an update of any other column changes no cell)
PROJECT_COLUMNS = ("deleted_at", "industry_id", "owner_id", "source", "ambassador_id",
                   "signing_event_id", "segment_id", "planned_investment", "lead_on",
                   "negotiating_on", "signed_on", "started_on", "producing_on", "dropped_on")
AGREEMENT_COLUMNS = ("project_id", "signed_on", "amount", "voided_at")
FUNDING_COLUMNS = ("project_id", "received_on", "amount")
_SCALE = 10_000  # crm.money.Money stores 万元 × 10⁴
_PAIR = 1_000_000  # month × _PAIR + deciding month, both yyyymm
_OFF = "crm.rollup_off"  # PostgreSQL: 'on' in a bulk load's transaction (:func:`suspended`)


# --- SQL pieces ---------------------------------------------------------------------------------
def _month(dialect: str, date: str) -> str:
    """``yyyymm`` of a date expression (NULL stays NULL)."""
    if dialect == "sqlite":  # dates are ISO text
        return (f"(CAST(substr({date}, 1, 4) AS INTEGER) * 100 "
                f"+ CAST(substr({date}, 6, 2) AS INTEGER))")
    return (f"(CAST(EXTRACT(YEAR FROM {date}) AS INTEGER) * 100 "
            f"+ CAST(EXTRACT(MONTH FROM {date}) AS INTEGER))")


def _text(column: str) -> str:
    return f"coalesce(CAST({column} AS TEXT), '')"


def _member(dim: str, p: str) -> str:
    """The member of project row ``p`` in dimension ``dim`` (text; '' for none)."""
    if dim == "all":
        return "''"
    if dim == "source":
        return f"coalesce({p}.source, '')"
    if dim == "band":
        whens = " ".join(f"WHEN {p}.planned_investment >= {int(floor * _SCALE)} THEN '{code}'"
                         for code, _name, floor in reversed(BANDS))
        return f"CASE {whens} ELSE '' END"
    column = {"industry": "industry_id", "owner": "owner_id", "ambassador": "ambassador_id",
              "event": "signing_event_id", "segment": "segment_id"}[dim]
    return f"coalesce(CAST({p}.{column} AS TEXT), '')"


def _key(p: str) -> str:
    """The member of project row ``p`` in dimension ``d.dim``."""
    whens = " ".join(f"WHEN '{dim}' THEN {_member(dim, p)}" for dim in DIMS)
    return f"CASE d.dim {whens} END"


def _values(name: str, values: Sequence[str]) -> str:
    return "(" + " UNION ALL ".join(f"SELECT '{v}' AS {name}" for v in values) + ")"


_NEXT = dict(zip(STAGE_KINDS, [*STAGE_KINDS[1:], None], strict=True))
_ON = {"lead": "lead_on", "negotiating": "negotiating_on", "signed": "signed_on",
       "started": "started_on", "producing": "producing_on"}


def _anchor(p: str) -> str:
    whens = " ".join(f"WHEN '{k}' THEN {p}.{_ON[k]}" for k in STAGE_KINDS)
    return f"CASE k.kind {whens} ELSE {p}.signed_on END"


def _later(p: str) -> str:
    whens = " ".join(f"WHEN '{k}' THEN {p}.{_ON[n]}" for k, n in _NEXT.items() if n)
    return f"CASE k.kind {whens} WHEN 'exit' THEN {_exit(p)} ELSE NULL END"


def _upsert(dialect: str, select: str) -> str:
    """Add the grouped rows of ``select`` (dim, member, kind, month, at_month, n, amount) to the
    cells."""
    return (f"INSERT INTO {TABLE} (dim, member, kind, month, at_month, n, amount) "
            f"SELECT dim, member, kind, month, at_month, sum(n), sum(amount) FROM ({select}) x "
            f"WHERE true GROUP BY dim, member, kind, month, at_month "
            f"ON CONFLICT (dim, kind, month, member, at_month) DO UPDATE SET "
            f"n = {TABLE}.n + excluded.n, amount = {TABLE}.amount + excluded.amount")


def _project_cells(dialect: str, p: str, sign: str, source: str = "") -> str:
    """The project kinds' cells of project row ``p`` (a trigger's NEW or OLD, or the alias of
    ``source``), counted ``sign`` (1 or -1)."""
    anchor = _anchor(p)
    frm = f"{source + ', ' if source else ''}{_values('dim', DIMS)} d, " \
          f"{_values('kind', PROJECT_KINDS)} k"
    return (f"SELECT d.dim AS dim, {_key(p)} AS member, k.kind AS kind, "
            f"{_month(dialect, anchor)} AS month, "
            f"coalesce({_month(dialect, _later(p))}, 0) AS at_month, "
            f"{sign} AS n, 0 AS amount FROM {frm} "
            f"WHERE {p}.deleted_at IS NULL AND ({anchor}) IS NOT NULL")


def _agreement_cells(dialect: str, p: str, a: str, sign: str, source: str) -> str:
    return (f"SELECT d.dim AS dim, {_key(p)} AS member, 'amount' AS kind, "
            f"{_month(dialect, f'{p}.signed_on')} AS month, "
            f"{_month(dialect, f'{a}.signed_on')} AS at_month, 0 AS n, "
            f"{sign} * {a}.amount AS amount FROM {source}, {_values('dim', DIMS)} d "
            f"WHERE {p}.id = {a}.project_id AND {p}.deleted_at IS NULL "
            f"AND {p}.signed_on IS NOT NULL AND {a}.voided_at IS NULL")


def _funding_cells(dialect: str, p: str, f: str, sign: str, source: str) -> str:
    month = (f"CASE k.kind WHEN 'funds' THEN {_month(dialect, f'{p}.signed_on')} "
             f"ELSE {_month(dialect, f'{f}.received_on')} END")
    at = f"CASE k.kind WHEN 'funds' THEN {_month(dialect, f'{f}.received_on')} ELSE 0 END"
    return (f"SELECT d.dim AS dim, {_key(p)} AS member, k.kind AS kind, {month} AS month, "
            f"{at} AS at_month, 0 AS n, {sign} * {f}.amount AS amount "
            f"FROM {source}, {_values('dim', DIMS)} d, {_values('kind', ('funds', 'receipts'))} k "
            f"WHERE {p}.id = {f}.project_id AND {p}.deleted_at IS NULL "
            f"AND (k.kind = 'receipts' OR {p}.signed_on IS NOT NULL)")


def _project_statements(dialect: str, row: str, sign: str) -> list[str]:
    """What a project row adds (``sign`` 1) or takes away (-1): its own cells and those of its
    agreements and receipts, which carry its dimensions and signing month."""
    return [_upsert(dialect, _project_cells(dialect, row, sign)),
            _upsert(dialect, _agreement_cells(dialect, row, "a", sign, "agreements a")),
            _upsert(dialect, _funding_cells(dialect, row, "f", sign, "fundings f"))]


def _child_statements(dialect: str, table: str, row: str, sign: str) -> list[str]:
    if table == "agreements":
        return [_upsert(dialect, _agreement_cells(dialect, "p", row, sign, "projects p"))]
    return [_upsert(dialect, _funding_cells(dialect, "p", row, sign, "projects p"))]


def _statements(dialect: str, table: str, row: str, sign: str) -> list[str]:
    if table == "projects":
        return _project_statements(dialect, row, sign)
    return _child_statements(dialect, table, row, sign)


_COLUMNS = {"projects": PROJECT_COLUMNS, "agreements": AGREEMENT_COLUMNS,
            "fundings": FUNDING_COLUMNS}


def _changed(table: str) -> str:
    return " OR ".join(f"OLD.{c} IS DISTINCT FROM NEW.{c}" for c in _COLUMNS[table])


# --- triggers -----------------------------------------------------------------------------------
def _sqlite_triggers(table: str) -> dict[str, str]:
    changed = _changed(table).replace("IS DISTINCT FROM", "IS NOT")
    cols = ", ".join(_COLUMNS[table])
    plus = "; ".join(_statements("sqlite", table, "NEW", "1"))
    minus = "; ".join(_statements("sqlite", table, "OLD", "-1"))
    name = f"{table}_rollup"
    return {
        f"{name}_ai": f"CREATE TRIGGER {name}_ai AFTER INSERT ON {table} BEGIN {plus}; END",
        f"{name}_ad": f"CREATE TRIGGER {name}_ad AFTER DELETE ON {table} BEGIN {minus}; END",
        f"{name}_au": f"CREATE TRIGGER {name}_au AFTER UPDATE OF {cols} ON {table} "
                      f"WHEN {changed} BEGIN {minus}; {plus}; END",
    }


def _pg_function(table: str) -> list[str]:
    plus = "; ".join(_statements("postgresql", table, "NEW", "1"))
    minus = "; ".join(_statements("postgresql", table, "OLD", "-1"))
    name = f"{table}_rollup"
    return [
        f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        f"IF current_setting('{_OFF}', true) = 'on' THEN RETURN NULL; END IF; "
        f"IF TG_OP IN ('UPDATE', 'DELETE') THEN {minus}; END IF; "
        f"IF TG_OP IN ('UPDATE', 'INSERT') THEN {plus}; END IF; "
        f"RETURN NULL; END $$",
        f"DROP TRIGGER IF EXISTS {name}_aid ON {table}",
        f"CREATE TRIGGER {name}_aid AFTER INSERT OR DELETE ON {table} "
        f"FOR EACH ROW EXECUTE FUNCTION {name}()",
        f"DROP TRIGGER IF EXISTS {name}_au ON {table}",
        f"CREATE TRIGGER {name}_au AFTER UPDATE OF {', '.join(_COLUMNS[table])} ON {table} "
        f"FOR EACH ROW WHEN ({_changed(table)}) EXECUTE FUNCTION {name}()",
    ]


def _create_triggers(conn: Any) -> None:
    for table in _COLUMNS:
        if conn.dialect.name == "sqlite":
            for sql in _sqlite_triggers(table).values():
                conn.exec_driver_sql(sql)
        else:
            for sql in _pg_function(table):
                conn.exec_driver_sql(sql)


def _drop_triggers(conn: Any) -> None:
    for table in _COLUMNS:
        if conn.dialect.name == "sqlite":
            for name in _sqlite_triggers(table):
                conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name}")
        else:
            conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {table}_rollup_aid ON {table}")
            conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {table}_rollup_au ON {table}")


def _exit(p: str) -> str:
    return (f"CASE WHEN {p}.started_on IS NULL THEN {p}.dropped_on "
            f"WHEN {p}.dropped_on IS NULL THEN {p}.started_on "
            f"WHEN {p}.started_on < {p}.dropped_on THEN {p}.started_on ELSE {p}.dropped_on END")


def rebuild(conn: Any) -> None:
    """Every cell again from the rows (a migration, a bulk load, a repair).

    Counted here rather than by one grouped query: the cross product of every project with
    the dimensions and kinds is 48 rows a project, and SQLite sorts them all to group them
    (ten minutes at a million projects); one read of the rows and a count in memory takes
    seconds. It yields exactly the triggers' cells (tests compare the two)."""
    d = conn.dialect.name
    members = ", ".join(_member(dim, "p") for dim in DIMS)
    dates = [*(f"p.{_ON[k]}" for k in STAGE_KINDS), _exit("p")]
    months = ", ".join(_month(d, x) for x in dates)
    counts: dict[tuple[str, str, str, int, int], int] = {}
    amounts: dict[tuple[str, str, str, int, int], int] = {}
    nd = len(DIMS)
    # Column by column: each (kind, dimension) is one pass of zip over columns into the
    # Counter, which counts in C (a tuple a project at a time in Python took 40 s a million).
    cursor = conn.connection.dbapi_connection.cursor()  # plain tuples, no row objects

    def read(sql: str) -> list[tuple[Any, ...]]:
        cursor.execute(sql)
        return list(zip(*cursor.fetchall(), strict=False))

    cols = read(f"SELECT {members}, {months} FROM projects p WHERE p.deleted_at IS NULL")
    # a project's kinds: (kind, index of its month, index of the deciding month) in ``dates``
    kinds = [(k, i, i + 1 if _NEXT[k] else None) for i, k in enumerate(STAGE_KINDS)]
    kinds.append(("exit", 2, 5))
    for kind, i, j in kinds if cols else ():
        has = [m is not None for m in cols[nd + i]]
        # (month, deciding month) as one number: pairs (member, number) hash fastest
        pair = [m * _PAIR + (a or 0) for m, a in zip(
            compress(cols[nd + i], has),
            compress(cols[nd + j], has) if j is not None else repeat(0), strict=False)]
        for k, dim in enumerate(DIMS):
            counted = Counter(zip(compress(cols[k], has), pair, strict=False))
            for (member, both), n in counted.items():
                counts[(dim, member, kind, both // _PAIR, both % _PAIR)] = n
    del cols
    signed = _month(d, "p.signed_on")
    for sql, kind in (
            (f"SELECT {members}, {signed}, {_month(d, 'a.signed_on')}, a.amount "
             f"FROM projects p JOIN agreements a ON a.project_id = p.id "
             f"WHERE p.deleted_at IS NULL AND p.signed_on IS NOT NULL "
             f"AND a.voided_at IS NULL", "amount"),
            (f"SELECT {members}, {signed}, {_month(d, 'f.received_on')}, f.amount "
             f"FROM projects p JOIN fundings f ON f.project_id = p.id "
             f"WHERE p.deleted_at IS NULL", "funds")):
        got = read(sql)
        if not got:
            continue
        month, at, amount = got[nd], got[nd + 1], [int(x) for x in got[nd + 2]]
        get = amounts.get
        for k, dim in enumerate(DIMS):
            for key, value in zip(zip(repeat(dim), got[k], repeat(kind), month, at),
                                  amount, strict=True):
                if key[3] is not None:
                    amounts[key] = get(key, 0) + value
            if kind == "funds":
                for key, value in zip(zip(repeat(dim), got[k], repeat("receipts"), at,
                                          repeat(0)), amount, strict=False):
                    amounts[key] = get(key, 0) + value
    cells = {key: [n, 0] for key, n in counts.items()}
    for key, total in amounts.items():
        cells.setdefault(key, [0, 0])[1] += total
    conn.exec_driver_sql(f"DELETE FROM {TABLE}")
    rows_out = [(*k, v[0], v[1]) for k, v in cells.items()]
    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    sql = (f"INSERT INTO {TABLE} (dim, member, kind, month, at_month, n, amount) "
           f"VALUES ({', '.join([mark] * 7)})")
    for start in range(0, len(rows_out), 20_000):
        cursor.executemany(sql, rows_out[start:start + 20_000])


def install(conn: Any) -> None:
    """Triggers and cells (migration 0018; the table itself is the model FigureCell)."""
    _create_triggers(conn)
    rebuild(conn)


def uninstall(conn: Any) -> None:
    _drop_triggers(conn)
    if conn.dialect.name != "sqlite":
        for table in _COLUMNS:
            conn.exec_driver_sql(f"DROP FUNCTION IF EXISTS {table}_rollup()")


def repair(conn: Any) -> list[str]:
    """After a migration: a SQLite table rebuilt by a later migration (batch mode copies it)
    loses its triggers; put them back and rebuild the cells. Returns the tables repaired."""
    if conn.dialect.name != "sqlite":
        return []
    present = {str(n) for n in conn.exec_driver_sql(
        "SELECT name FROM sqlite_master WHERE type IN ('table', 'trigger')").scalars()}
    if TABLE not in present:
        return []
    missing = [t for t in _COLUMNS if not set(_sqlite_triggers(t)) <= present]
    if missing:
        _drop_triggers(conn)
        _create_triggers(conn)
        rebuild(conn)
    return missing


@contextmanager
def suspended(conn: Any, tables: Sequence[str], held: bool = True) -> Iterator[None]:
    """For a bulk load into ``tables`` inside one transaction: no trigger per row while the
    rows go in, then every cell rebuilt in one pass (a failed load rolls it all back).

    SQLite drops the triggers (one writer at a time: nobody else writes meanwhile).
    PostgreSQL switches them off for this transaction only (``SET LOCAL``, no lock taken), and
    only when the load holds the tables (``held``: crm.excel.bulk dropped their indexes, so no
    other session writes them until it commits); otherwise the triggers keep counting, row by
    row, and the cells stay exact whatever other sessions do."""
    if not set(tables) & set(_COLUMNS) or not installed(conn) or (
            conn.dialect.name != "sqlite" and not held):
        yield
        return
    if conn.dialect.name == "sqlite":
        _drop_triggers(conn)
    else:
        conn.exec_driver_sql(f"SET LOCAL {_OFF} = 'on'")
    yield
    rebuild(conn)
    if conn.dialect.name == "sqlite":
        _create_triggers(conn)
    else:
        conn.exec_driver_sql(f"SET LOCAL {_OFF} = 'off'")


def installed(conn: Any) -> bool:
    if conn.dialect.name == "sqlite":
        return bool(conn.exec_driver_sql(
            f"SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '{TABLE}'").scalar())
    return bool(conn.exec_driver_sql(f"SELECT to_regclass('{TABLE}')").scalar())
