"""The budgets of DESIGN §7, measured at 100,000 projects and 300,000 contact logs.

Run (not part of the default test run)::

    .venv/bin/python tests/benchmarks/bench.py [--db URL] [--projects 100000] [--logs 300000]
                                               [--companies 100000]

Without ``--db`` it builds a SQLite file in a temporary folder. With a PostgreSQL URL it works
in a new schema of that database and drops it afterwards (``--keep`` keeps it). The rows are
bulk-inserted but obey the services' invariants (sort key, search text, milestone dates in
order, one agreement per signing, one start per start), so the services see what real use
would give them. Each measurement is the median of several runs, each in its own unit of
work, as the window does it.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, text  # noqa: E402

from crm import clock, search  # noqa: E402
from crm.db import Database, normalize_url  # noqa: E402
from crm.services import companies as company_service  # noqa: E402
from crm.services import contacts, drill, follow_up_list, metrics, projects  # noqa: E402
from crm.services.companies import CompanyQuery  # noqa: E402
from crm.services.contacts import LOG_SORTS, LogQuery  # noqa: E402
from crm.services.metrics import Filters, Period  # noqa: E402
from crm.services.projects import ProjectQuery  # noqa: E402
from crm.text import initials  # noqa: E402
from crm.views.dashboard import read_dashboard, read_pending  # noqa: E402

# --- measuring ----------------------------------------------------------------------------------
from tests.benchmarks.bench_frame import measure_rail  # noqa: E402
from tests.benchmarks.bench_gui import measure_gui  # noqa: E402
from tests.benchmarks.benchdata import (  # noqa: E402
    D,
    Made,
    count_rows,
    generate,
    more_companies,
    samples,
)
from tests.benchmarks.measuring import Result, timed  # noqa: E402


def measure(db: Database, made: Made) -> list[Result]:
    out: list[Result] = []
    period, as_of = Period(D(2025, 1, 1), D(2025, 6, 30)), D(2025, 12, 31)
    with db.uow() as uow:
        def ids(**kw: str) -> Filters:
            return metrics.resolve_filters(uow, **kw)
        filters = {"no filter": Filters(), "industry": ids(industry="新材料"),
                   "owner": ids(owner="李晓明"), "source": ids(source="招商大使"),
                   "ambassador": ids(ambassador="大使03"), "event": ids(event="2025年06月"),
                   "band 10亿元以上": ids(band="10亿元以上"),
                   "two dimensions, owner and band (read from the rows)":
                       ids(owner="李晓明", band="10亿元以上")}

    def figure(fn: Callable[..., object], *args: object) -> Callable[[], object]:
        def run() -> object:
            with db.uow() as uow:
                return fn(uow, *args)
        return run

    for label, f in filters.items():
        out.append(Result(f"figures: 签约/开工/开工率/金额/到位率, {label}",
                          timed(figure(metrics.start_rate, period, as_of, f)), 50))
    for label, fn in (("funnel + conversion", metrics.funnel),
                      ("monthly", metrics.monthly)):
        out.append(Result(f"figures: {label}", timed(figure(fn, period, as_of, Filters())), 50))
    # The 工作台 as it opens: this year as of today (a cut month, read from the rollup less
    # the days after today), and a past as-of in the middle of its month (the rows read up to
    # half a month at each cut).
    year = Period(D(clock.today().year, 1, 1), D(clock.today().year, 12, 31))
    for label, (p, day) in (("全年 as of today", (year, clock.today())),
                            ("全年 2025 as of 2025-09-17",
                             (Period(D(2025, 1, 1), D(2025, 12, 31)), D(2025, 9, 17)))):
        out.append(Result(f"figures: 签约/开工/开工率/金额/到位率, {label}",
                          timed(figure(metrics.start_rate, p, day, Filters())), 50))
    out.append(Result("figures: breakdown by industry, filtered by owner (read from the rows)",
                      timed(figure(metrics.breakdown, "industry", period, as_of,
                                   filters["owner"])), 50))

    def pending() -> object:
        with db.uow() as uow:
            return (metrics.count_signed_not_started(uow, period, as_of),
                    metrics.signed_not_started(uow, period, as_of, limit=metrics.PENDING_SCREEN))

    with db.uow() as uow:
        n_pending = metrics.count_signed_not_started(uow, period, as_of)
    out.append(Result(f"签约未开工 list: the count ({n_pending:,}) and the first screen (200)",
                      timed(pending), 50))

    def pending_more() -> object:
        with db.uow() as uow:
            return read_pending(uow, period, as_of, n_pending // 2)

    out.append(Result("签约未开工 list: a screen further down (scrolling)", timed(pending_more),
                      50))

    def follow() -> object:
        with db.uow() as uow:
            return follow_up_list.follow_ups(uow, as_of, days_ahead=0, limit=follow_up_list.FOLLOW_SCREEN)

    with db.uow() as uow:
        n_due = follow_up_list.follow_ups(uow, as_of, days_ahead=0, limit=0)
    out.append(Result(f"follow-ups due (everyone's): the counts ({n_due.total:,}) and the first "
                      "screen", timed(follow), 50))

    def drill_down(fig: str, offset: int = 0) -> Callable[[], object]:
        def run() -> object:  # what the dialog reads: the count and the first screen, or more
            with db.uow() as uow:
                d = drill.Drill(fig, period, as_of)
                return drill.page(uow, d, offset) if offset else drill.first_screen(uow, d)
        return run

    for fig in ("signed", "not_started"):
        with db.uow() as uow:
            n = drill.count(uow, drill.Drill(fig, period, as_of))
        out.append(Result(f"drill-down {fig}: the count ({n:,}) and the first screen",
                          timed(drill_down(fig)), 50))
        out.append(Result(f"drill-down {fig}: a screen further down (row {n // 2 // 200 * 200:,})",
                          timed(drill_down(fig, n // 2 // 200 * 200)), 50))
    for by in metrics.BREAKDOWNS:
        out.append(Result(f"figures: breakdown by {by}",
                          timed(figure(metrics.breakdown, by, period, as_of)), 50))
    out.append(Result("figures: target completion",
                      timed(figure(metrics.target_completion, 2025, as_of)), 50))
    out.append(Result("whole 工作台 as the page reads it (figures, funnel, monthly, industries, "
                      "签约未开工 and follow-ups first screens, forecast)",
                      timed(figure(read_dashboard, period, as_of, None)), 300))

    def keystroke(needle: str) -> Callable[[], object]:
        def run() -> object:  # all the matches' ids, or (a short needle) the count and a page
            with db.uow() as uow:
                q = ProjectQuery(search=needle)
                found = projects.project_ids_or_count(uow, q)
                if isinstance(found, int):
                    return found, projects.project_page(uow, q, 0, 100)
                return projects.project_rows(uow, found[:100])
        return run

    for label, needle in (("project name", made.project_sample[2:6]),
                          ("company name", made.company_sample),
                          ("USCC", made.uscc_sample),
                          ("pinyin initials", initials(made.project_sample)[2:6]),
                          ("one character", made.project_sample[0]),
                          ("two characters", made.project_sample[:2]),
                          ("one pinyin initial", initials(made.project_sample)[0]),
                          ("two pinyin initials", initials(made.project_sample)[:2])):
        with db.uow() as uow:
            hits = projects.count_projects(uow, ProjectQuery(search=needle))
            starts = search.by_prefix(uow.session, needle, "projects")
        what = ", names starting so (pinyin)" if starts else ""
        out.append(Result(f"search keystroke: {label} “{needle}” ({hits:,} hits{what})",
                          timed(keystroke(needle)), 50))

    for sort, desc in (("name", False), ("company", False), ("signed_on", True),
                       ("stage", False), ("planned_investment", True), ("started_on", True),
                       ("owner", False), ("industry", False)):
        q = ProjectQuery(sort=sort, descending=desc)

        def first_screen(q: ProjectQuery = q) -> object:
            with db.uow() as uow:
                found = projects.project_ids_or_count(uow, q)
                if isinstance(found, int):
                    return found, projects.project_page(uow, q, 0, 200)
                return len(found), projects.project_rows(uow, found[:200])

        with db.uow() as uow:
            total = projects.count_projects(uow, q)
        row = min(50_000, total // 2) // 200 * 200

        # Up to 100,000 projects the list holds the sorted ids of its query (read once per sort
        # or search) and fetches the rows where the user jumps; beyond, it reads the count and
        # each screen, ids and rows in one read (projects.project_ids_or_count), and in the
        # background the list's marks, from which a jump starts (crm.services.paging).
        paged = total > projects.ALL_IDS
        how = "the count" if paged else "all ids"
        marks = None
        if paged:
            marks = measured_marks(out, db, f"sorted by {sort}",
                                   lambda uow, q=q: projects.project_marks(uow, q))

        def jump(q: ProjectQuery = q, row: int = row, marks: Any = marks) -> object:
            with db.uow() as uow:
                return projects.project_page(uow, q, row, 200, marks)

        out.append(Result(f"jump to row {row:,}, sorted by {sort}: the 200-row screen there",
                          timed(jump), 50))
        if total > 500_000:  # a province's: halfway down
            out.append(Result(f"jump to row 500,000, sorted by {sort}: the 200-row screen there",
                              timed(lambda q=q: jump(q, 500_000)), 50))
        out.append(Result(f"change the sort to {sort}: {how} ({total:,}) and the first screen",
                          timed(first_screen), 100))
    out += measure_logs(db, made)
    out += measure_companies(db, made)
    out += measure_rail(db)
    return out


def measured_marks(out: list[Result], db: Database, what: str,
                   read: Callable[[Any], Any]) -> Any:
    """A long list's marks (crm.services.paging), timed: read once per sort, in the
    background after the count and the first screen, before a jump can use them (the list
    is usable meanwhile; a jump before they arrive skips rows by OFFSET). None for a short
    list."""
    with db.uow() as uow:
        marks = read(uow)
    if marks is not None:

        def again() -> object:
            with db.uow() as uow:
                return read(uow)

        out.append(Result(f"marks of the list ({what}): read in the background once per sort",
                          timed(again, runs=3), 2000, "not a jump: the list is usable meanwhile"))
    return marks


def first_page(q: LogQuery, db: Database) -> Callable[[], object]:
    """What the log list does for a keystroke or a header click: the count (the true total)
    and the first page, or with a search all the matching ids (one scan) and the first rows."""
    def run() -> object:
        with db.uow() as uow:
            found = contacts.log_ids_or_count(uow, q)
            if isinstance(found, int):
                return found, contacts.log_page(uow, q, 0, 200)
            return len(found), contacts.log_rows(uow, found[:200])
    return run


def measure_logs(db: Database, made: Made) -> list[Result]:
    """The 接洽记录 list: the count and the 200-row page on screen (contacts.log_ids)."""
    out: list[Result] = []
    with db.uow() as uow:
        total = contacts.count_logs(uow)
        user = uow.session.execute(text("SELECT user_id FROM contact_logs WHERE user_id IS NOT "
                                        "NULL ORDER BY id LIMIT 1")).scalar()
    for label, q in (("project name", LogQuery(search=made.project_sample[2:6])),
                     ("company name", LogQuery(search=made.company_sample)),
                     ("one character", LogQuery(search=made.project_sample[0])),
                     ("two pinyin initials", LogQuery(search=initials(made.project_sample)[:2])),
                     ("只看我的", LogQuery(user_id=user))):
        with db.uow() as uow:
            hits = contacts.count_logs(uow, q)
        what = f"“{q.search}”" if q.search else "(one person's)"
        out.append(Result(f"contact log, search keystroke: {label} {what} ({hits:,} of "
                          f"{total:,} logs)",
                          timed(first_page(q, db)), 50))
    row = min(50_000, total // 2) // 200 * 200
    for sort in LOG_SORTS:
        q = LogQuery(sort=sort, descending=sort in ("logged_on", "follow_up_on"))
        marks = measured_marks(out, db, f"contact log sorted by {sort}",
                               lambda uow, q=q: contacts.log_marks(uow, q))

        def jump(q: LogQuery = q, marks: Any = marks) -> object:
            with db.uow() as uow:
                return contacts.log_page(uow, q, row, 200, marks)

        out.append(Result(f"contact log, jump to row {row:,}, sorted by {sort}: the 200-row "
                          "page there", timed(jump), 50))
        if total > 500_000:

            def far(q: LogQuery = q, marks: Any = marks) -> object:
                with db.uow() as uow:
                    return contacts.log_page(uow, q, 500_000, 200, marks)

            out.append(Result(f"contact log, jump to row 500,000, sorted by {sort}: the 200-row "
                              "page there", timed(far), 50))
        out.append(Result(f"contact log, change the sort to {sort}: the count and the first "
                          "page", timed(first_page(q, db)), 100))
    return out


def measure_companies(db: Database, made: Made) -> list[Result]:
    """The 企业 list: all ids in pinyin order (company_ids), rows 200 at a time."""
    out: list[Result] = []

    def keystroke(q: CompanyQuery) -> Callable[[], object]:
        def run() -> object:
            with db.uow() as uow:
                found = company_service.company_ids_or_count(uow, q)
                if isinstance(found, int):  # a short needle: the count and the first screen
                    return found, company_service.company_page(uow, q, 0, 200)
                return company_service.company_rows(uow, found[:200])
        return run

    for label, needle in (("name", made.company_sample), ("USCC", made.uscc_sample),
                          ("pinyin initials", initials(made.company_sample)),
                          ("one character", made.company_sample[0]),
                          ("two pinyin initials", initials(made.company_sample)[:2])):
        q = CompanyQuery(search=needle)
        with db.uow() as uow:
            found = company_service.company_ids_or_count(uow, q)
            hits = found if isinstance(found, int) else len(found)
        out.append(Result(f"companies, search keystroke: {label} “{needle}” ({hits} hits)",
                          timed(keystroke(q)), 50))
    with db.uow() as uow:
        found = company_service.company_ids_or_count(uow, CompanyQuery())
    total = found if isinstance(found, int) else len(found)
    row = min(50_000, total // 2) // 200 * 200
    marks = None
    if isinstance(found, int):
        marks = measured_marks(out, db, "companies",
                               lambda uow: company_service.company_marks(uow, CompanyQuery()))

    def jump() -> object:
        with db.uow() as uow:
            return company_service.company_page(uow, CompanyQuery(), row, 200, marks)

    def reload() -> object:
        with db.uow() as uow:
            found = company_service.company_ids_or_count(uow, CompanyQuery())
            if isinstance(found, int):
                return found, company_service.company_page(uow, CompanyQuery(), 0, 200)
            return len(found), company_service.company_rows(uow, found[:200])

    how = "the count" if isinstance(found, int) else "all ids in pinyin order"
    out.append(Result(f"companies, jump to row {row:,}: the 200-row screen there", timed(jump),
                      50))
    if total > 500_000:

        def far() -> object:
            with db.uow() as uow:
                return company_service.company_page(uow, CompanyQuery(), 500_000, 200, marks)

        out.append(Result("companies, jump to row 500,000: the 200-row screen there", timed(far),
                          50))
    out.append(Result(f"companies, open or reload the list: {how} ({total:,}) and the first "
                      "screen", timed(reload), 100))
    return out


# What "usable" means: the window shown with its rail working (``shown``, and ``gui_cpu`` the GUI
# thread's CPU until then, which the machine's load does not inflate as it does the wall time),
# the page's first content arrived (``content``: the 工作台's first figure, the project list's
# count), and the GUI thread never blocked long meanwhile (``block``: the longest gap between
# 10 ms heartbeats from the show until 3 s after it or the content, whichever is later).


# --- the run ------------------------------------------------------------------------------------
@contextmanager
def database(url: str | None, keep: bool) -> Iterator[str]:
    if url is None:
        with tempfile.TemporaryDirectory(prefix="crm-bench-") as folder:
            yield f"sqlite:///{Path(folder) / 'bench.db'}"
        return
    url = normalize_url(url)
    if url.startswith("sqlite") or "search_path" in url:  # a file, or a kept schema (--reuse)
        yield url
        return
    schema = f"bench_{uuid.uuid4().hex[:8]}"
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in url else "?"
    try:
        yield f"{url}{sep}options=-csearch_path%3D{schema}"
    finally:
        if not keep:
            with engine.begin() as conn:
                conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        engine.dispose()


def table(results: list[Result], title: str) -> str:
    lines = [f"**{title}**", "", "| what | measured | budget | ratio |", "| --- | ---: | ---: | ---: |"]
    for r in results:
        unit = "MB" if "MB" in r.note else "ms"
        note = r.note if unit == "ms" else r.note.replace("MB, not ms", "").strip(", ")
        measured = "—" if r.ms != r.ms else f"{r.ms:.1f} {unit}"
        ratio = "—" if r.ms != r.ms else f"{r.ratio:.2f}"
        what = f"{r.what} ({note})" if note else r.what
        lines.append(f"| {what} | {measured} | {r.budget_ms:g} {unit} | {ratio} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", help="database URL (default: a new SQLite file)")
    parser.add_argument("--projects", type=int, default=100_000)
    parser.add_argument("--logs", type=int, default=300_000)
    parser.add_argument("--companies", type=int, default=100_000,
                        help="companies in all (those without projects are added)")
    parser.add_argument("--keep", action="store_true", help="keep the PostgreSQL schema")
    parser.add_argument("--no-gui", action="store_true", help="skip the window measurements")
    parser.add_argument("--reuse", action="store_true",
                        help="measure the projects already in --db instead of generating")
    parser.add_argument("--build-only", action="store_true",
                        help="generate the database (keep it with --db or --keep) and stop")
    args = parser.parse_args(argv)
    with database(args.db, args.keep) as url:
        db = Database(url)
        backend = "SQLite" if db.is_sqlite else "PostgreSQL"
        existing = count_rows(db)
        if args.reuse and existing[0]:
            args.projects, args.logs = existing
            made = samples(db)
            print(f"{backend}: reusing {args.projects:,} projects and {args.logs:,} contact logs",
                  flush=True)
        else:
            t = time.perf_counter()
            made = generate(db, args.projects, args.logs)
            made_s = time.perf_counter() - t
            print(f"{backend}: generated {args.projects:,} projects and {args.logs:,} contact "
                  f"logs in {made_s:.1f} s", flush=True)
        n_companies = more_companies(db, args.companies)
        print(f"{backend}: {n_companies:,} companies", flush=True)
        if args.build_only:
            db.dispose()
            print(f"{backend}: kept for --reuse at {url}", flush=True)
            return 0
        results = measure(db, made)
        db.dispose()
        if not args.no_gui:
            results += measure_gui(url, made.manager_login)
    print(table(results, f"{backend}, {args.projects:,} projects, {args.logs:,} contact logs "
                         f"({os.cpu_count()} cores)"))
    over = [r for r in results if r.ms == r.ms and r.ratio > 1]
    if over:
        print(f"\nover budget: {', '.join(r.what for r in over)}")
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main())
