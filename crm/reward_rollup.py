"""The reward table's receipts (reward_receipts): each 固定资产投资 receipt of a live project
with an introducer (招商大使 or 引荐人), with the project's signing date and introducers, kept
by triggers in the same transaction as every write that changes them.

The reward table's count and total (crm.services.reward_list) read the year's rows here, a few
thousand at a million projects, where they summed every 固投 receipt of the year per project
(27,000) and matched them against every project with an introducer (141,000 entries of an
index): the statement took 68 ms on PostgreSQL, 15 ms from here. The receipts and the
projects stay the definition (crm.services.rewards.rewards); tests compare the two on random
histories.

A bulk load keeps the triggers: they write a row for a few receipts in a hundred.
"""

from __future__ import annotations

from typing import Any

from crm import triggers

TABLE = "reward_receipts"
FIXED = "'固定资产投资'"  # crm.services.rewards.FIXED_ASSETS
PROJECT_COLUMNS = ("deleted_at", "signed_on", "ambassador_id", "referrer",
                   "referrer_registered_on")
FUNDING_COLUMNS = ("project_id", "received_on", "amount", "kind")
_COLUMNS = ("funding_id, project_id, received_on, amount, signed_on, ambassador_id, referrer, "
            "referrer_registered_on")


def _introduced(p: str) -> str:
    """Project row ``p`` counts: live, with an introducer."""
    return f"{p}.deleted_at IS NULL AND ({p}.ambassador_id IS NOT NULL OR {p}.referrer <> '')"


def _rows(f: str, p: str) -> str:
    """``INSERT … SELECT`` of the rows of receipt ``f`` with project ``p`` (FROM and WHERE
    follow)."""
    return (f"INSERT INTO {TABLE} ({_COLUMNS}) SELECT {f}.id, {f}.project_id, {f}.received_on, "
            f"{f}.amount, {p}.signed_on, {p}.ambassador_id, {p}.referrer, "
            f"{p}.referrer_registered_on")


def _from_project(f: str) -> str:
    """The row of receipt ``f`` (a fixed-asset one), if its project counts."""
    return (f"{_rows(f, 'p')} FROM projects p WHERE p.id = {f}.project_id "
            f"AND {_introduced('p')}")


def _from_receipts(p: str) -> str:
    """The rows of project row ``p``'s fixed-asset receipts, if it counts."""
    return (f"{_rows('f', p)} FROM fundings f "
            f"WHERE f.project_id = {p}.id AND f.kind = {FIXED} AND {_introduced(p)}")


def _changed(columns: tuple[str, ...], op: str) -> str:
    return " OR ".join(f"OLD.{c} {op} NEW.{c}" for c in columns)


def _sqlite_triggers() -> dict[str, str]:
    f_cols, p_cols = ", ".join(FUNDING_COLUMNS), ", ".join(PROJECT_COLUMNS)
    gone_f = f"DELETE FROM {TABLE} WHERE funding_id = OLD.id"
    gone_p = f"DELETE FROM {TABLE} WHERE project_id = OLD.id"
    return {
        "fundings_rewards_ai": f"CREATE TRIGGER fundings_rewards_ai AFTER INSERT ON fundings "
                               f"WHEN NEW.kind = {FIXED} BEGIN {_from_project('NEW')}; END",
        "fundings_rewards_ad": f"CREATE TRIGGER fundings_rewards_ad AFTER DELETE ON fundings "
                               f"WHEN OLD.kind = {FIXED} BEGIN {gone_f}; END",
        "fundings_rewards_au": f"CREATE TRIGGER fundings_rewards_au AFTER UPDATE OF {f_cols} "
                               f"ON fundings WHEN {_changed(FUNDING_COLUMNS, 'IS NOT')} BEGIN "
                               f"{gone_f}; {_from_project('NEW')} AND NEW.kind = {FIXED}; END",
        "projects_rewards_ad": f"CREATE TRIGGER projects_rewards_ad AFTER DELETE ON projects "
                               f"BEGIN {gone_p}; END",
        "projects_rewards_au": f"CREATE TRIGGER projects_rewards_au AFTER UPDATE OF {p_cols} "
                               f"ON projects WHEN {_changed(PROJECT_COLUMNS, 'IS NOT')} BEGIN "
                               f"{gone_p}; {_from_receipts('NEW')}; END",
    }


def _pg_statements() -> list[str]:
    """Functions and triggers. A receipt's trigger first takes a share lock on its project's
    row: a change of the project's introducers in another transaction then either waits for
    this one (and reads its receipt) or is waited for (and read after its commit)."""
    f_changed = _changed(FUNDING_COLUMNS, "IS DISTINCT FROM")
    p_changed = _changed(PROJECT_COLUMNS, "IS DISTINCT FROM")
    return [
        "CREATE OR REPLACE FUNCTION fundings_rewards() RETURNS trigger LANGUAGE plpgsql AS $$ "
        "BEGIN "
        f"IF TG_OP IN ('UPDATE', 'DELETE') THEN DELETE FROM {TABLE} WHERE funding_id = OLD.id; "
        "END IF; "
        f"IF TG_OP IN ('UPDATE', 'INSERT') AND NEW.kind = {FIXED} THEN "
        "PERFORM 1 FROM projects WHERE id = NEW.project_id FOR SHARE; "
        f"{_from_project('NEW')}; END IF; "
        "RETURN NULL; END $$",
        "CREATE OR REPLACE FUNCTION projects_rewards() RETURNS trigger LANGUAGE plpgsql AS $$ "
        f"BEGIN DELETE FROM {TABLE} WHERE project_id = OLD.id; "
        f"IF TG_OP = 'UPDATE' THEN {_from_receipts('NEW')}; END IF; "
        "RETURN NULL; END $$",
        "DROP TRIGGER IF EXISTS fundings_rewards_ai ON fundings",
        "CREATE TRIGGER fundings_rewards_ai AFTER INSERT ON fundings FOR EACH ROW "
        f"WHEN (NEW.kind = {FIXED}) EXECUTE FUNCTION fundings_rewards()",
        "DROP TRIGGER IF EXISTS fundings_rewards_ad ON fundings",
        "CREATE TRIGGER fundings_rewards_ad AFTER DELETE ON fundings FOR EACH ROW "
        f"WHEN (OLD.kind = {FIXED}) EXECUTE FUNCTION fundings_rewards()",
        "DROP TRIGGER IF EXISTS fundings_rewards_au ON fundings",
        f"CREATE TRIGGER fundings_rewards_au AFTER UPDATE OF {', '.join(FUNDING_COLUMNS)} "
        f"ON fundings FOR EACH ROW WHEN ({f_changed}) EXECUTE FUNCTION fundings_rewards()",
        "DROP TRIGGER IF EXISTS projects_rewards_ad ON projects",
        "CREATE TRIGGER projects_rewards_ad AFTER DELETE ON projects FOR EACH ROW "
        "EXECUTE FUNCTION projects_rewards()",
        "DROP TRIGGER IF EXISTS projects_rewards_au ON projects",
        f"CREATE TRIGGER projects_rewards_au AFTER UPDATE OF {', '.join(PROJECT_COLUMNS)} "
        f"ON projects FOR EACH ROW WHEN ({p_changed}) EXECUTE FUNCTION projects_rewards()",
    ]


def rebuild(conn: Any) -> None:
    """Every row again from the receipts and the projects."""
    conn.exec_driver_sql(f"DELETE FROM {TABLE}")
    conn.exec_driver_sql(f"{_rows('f', 'p')} FROM fundings f JOIN projects p ON p.id = "
                         f"f.project_id WHERE f.kind = {FIXED} AND {_introduced('p')}")


def install(conn: Any) -> None:
    """Triggers and rows (migration 0025; the table itself is the model RewardReceipt)."""
    triggers.create(conn, _sqlite_triggers().values(), _pg_statements())
    rebuild(conn)


def uninstall(conn: Any) -> None:
    if conn.dialect.name == "sqlite":
        for name in _sqlite_triggers():
            conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name}")
        return
    for name, table in (("fundings_rewards_ai", "fundings"), ("fundings_rewards_ad", "fundings"),
                        ("fundings_rewards_au", "fundings"), ("projects_rewards_ad", "projects"),
                        ("projects_rewards_au", "projects")):
        conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name} ON {table}")
    conn.exec_driver_sql("DROP FUNCTION IF EXISTS fundings_rewards()")
    conn.exec_driver_sql("DROP FUNCTION IF EXISTS projects_rewards()")


def repair(conn: Any) -> bool:
    """After a migration: a SQLite table rebuilt by a later migration (batch mode copies it)
    loses its triggers; put them back and rebuild the rows. Whether it had to."""
    if conn.dialect.name != "sqlite":
        return False
    present = {str(n) for n in conn.exec_driver_sql(
        "SELECT name FROM sqlite_master WHERE type IN ('table', 'trigger')").scalars()}
    if TABLE not in present or set(_sqlite_triggers()) <= present:
        return False
    uninstall(conn)
    install(conn)
    return True
