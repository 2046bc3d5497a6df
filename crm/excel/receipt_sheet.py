"""The ledger's second sheet, 到位资金明细: one row per receipt of money arrived on a project.

A ledger keeps one running amount per origin and one 资金到位时间 per project, which cannot
say when each receipt came, of what kind, in what currency. The export therefore writes every
receipt on a sheet of its own (:data:`COLUMNS`), and the import reads such a sheet — the
export's or one made by hand with the same kind of headers — as receipts, never as a second
ledger (:func:`find_header` is tried before the ledger's header).

When present, the sheet is authoritative for the projects it lists: their receipts become
exactly its rows (a receipt already stored with the same date, amount, origin, kind, currency,
amounts and evidence is kept, with its attachment; the others are removed, the missing ones
added), and the ledger's running totals of those projects only cross-check (a 提示 when they
disagree). Projects it does not list keep the ledger's running-total behaviour
(:mod:`crm.excel.assessment_cols`). Everything goes through :mod:`crm.services.funds`.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import Integer, select, type_coerce

from crm import clock
from crm.db import UnitOfWork
from crm.errors import CrmError
from crm.excel import cells
from crm.excel.cells import CellError
from crm.excel.headers import (
    FIELDS,
    HEADER_SCAN_ROWS,
    LABELS,
    ORIGIN_FIELDS,
    HeaderGuess,
    clean_header,
    display_header,
    guess_mapping,
    unit_row,
)
from crm.excel.layout import is_placeholder
from crm.excel.rows import LedgerRow, Problem, plain_text
from crm.excel.xlsx import Book, Column
from crm.models import Company, Funding, Project
from crm.services import funds
from crm.services.assessment import KINDS, ORIGINS
from crm.services.common import Actor

SHEET = "到位资金明细"

# field → (label, synonyms); the label is what the export writes
RECEIPT_FIELDS: dict[str, tuple[str, tuple[str, ...]]] = {
    "name": ("项目名称", FIELDS["name"][1]),
    "company": ("企业名称", FIELDS["company"][1]),
    "uscc": ("统一社会信用代码", FIELDS["uscc"][1]),
    "received_on": ("到位日期", ("到位日期", "到位时间", "资金到位日期", "资金到位时间", "到账日期",
                                "到账时间", "日期")),
    "amount": ("金额", ("金额", "到位金额", "到位资金", "实际到位资金", "到账金额", "到位资金金额")),
    "origin": ("资金来源地", ("资金来源地", "来源地", "资金来源")),
    "kind": ("资金类型", ("资金类型", "资金性质", "类型")),
    "currency": ("币种", ("币种", "货币", "币别")),
    "original_amount": ("原币金额", ("原币金额", "外币金额")),
    "usd_amount": ("折合美元", ("折合美元", "折合美元金额", "美元金额", "实际利用外资")),
    "evidence": ("凭证", ("凭证", "到位凭证", "凭证说明", "备注")),
}
_SYNONYMS = {clean_header(s).lower(): key for key, (_, names) in RECEIPT_FIELDS.items()
             for s in names}
# a row naming any of these is a ledger's header, not a receipts sheet's
_LEDGER_ONLY = {"signed_on", "planned", "stage", "amount", "started_on", "agreement_kind",
                *ORIGIN_FIELDS}
_REQUIRED = ("name", "received_on", "amount")

COLUMNS = (
    Column("项目名称", "text", 30), Column("企业名称", "text", 30),
    Column("统一社会信用代码", "text", 21), Column("到位日期", "date", 11),
    Column("金额(万元)", "money", 14), Column("资金来源地", "text", 10),
    Column("资金类型", "text", 12), Column("币种", "text", 6), Column("原币金额", "money", 12),
    Column("折合美元(万美元)", "money", 14), Column("凭证", "text", 30),
)


def _mapping(row: list[object]) -> dict[int, str]:
    out: dict[int, str] = {}
    for col, value in enumerate(row):
        key = _SYNONYMS.get(clean_header(value).lower())
        if key is not None and key not in out.values():
            out[col] = key
    return out


def find_header(rows: list[list[object]]) -> HeaderGuess | None:
    """The header of a receipts sheet (项目名称, a date and an amount of each receipt, and
    nothing only a ledger has: 签约时间, 计划总投资, 项目状态, 实际到位资金（省外）…), or None."""
    for index, row in enumerate(rows[:HEADER_SCAN_ROWS]):
        mapping = _mapping(row)
        if not set(_REQUIRED) <= set(mapping.values()):
            continue
        if _LEDGER_ONLY & set(guess_mapping(row).values()):
            return None
        headers = tuple(display_header(v) for v in row)
        units = {col: unit for col, key in mapping.items() if key == "amount"
                 and (unit := cells.header_unit(headers[col])) is not None}
        return HeaderGuess(index, headers, mapping, 1, units, unit_row(rows, index))
    return None


@dataclass(frozen=True)
class Line:
    """One receipt row, read and checked."""

    sheet: str
    row: int
    name: str
    company: str
    uscc: str | None
    data: funds.ReceiptInput

    def project_keys(self) -> tuple[tuple[str, str], ...]:
        out = [(f"name:{self.company}", self.name)] if self.company else []
        if self.uscc:
            out.insert(0, (self.uscc, self.name))
        return tuple(out)

    def fact(self) -> tuple[Any, ...]:
        d = self.data
        return _fact(d.received_on, d.amount, d.origin, d.kind, d.currency, d.original_amount,
                     d.usd_amount, d.evidence)


def _fact(day: dt.date, amount: Decimal, origin: str, kind: str, currency: str,
          original: Decimal | None, usd: Decimal | None, evidence: str) -> tuple[Any, ...]:
    currency = (currency or "CNY").upper()
    if currency == "CNY":
        original = None
    elif currency == "USD" and usd is None:
        usd = original
    return (day, Decimal(amount), origin, kind, currency,
            None if original is None else Decimal(original),
            None if usd is None else Decimal(usd), (evidence or "").strip())


@dataclass
class Checked:
    lines: list[Line] = field(default_factory=list)
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    sheets: list[tuple[str, int]] = field(default_factory=list)  # (sheet, receipt rows)


def _blank(v: object) -> bool:
    return cells.is_blank(v) or is_placeholder(v)


def _number(raw: object) -> Decimal:
    text = cells.text(raw).replace(",", "")
    for unit in ("万美元", "万"):
        text = text.removesuffix(unit)
    value = Decimal(repr(raw)) if isinstance(raw, float) else Decimal(text)
    if not value.is_finite():
        raise InvalidOperation
    return value.quantize(Decimal("0.0001"))


def check(sheets: Iterable[Any], unit: str | None = None) -> Checked:
    """Every receipts sheet's rows, read; a bad cell is an error on its sheet, row and column.
    ``sheets`` are :class:`crm.excel.reader.Sheet` whose header is a receipts header."""
    out = Checked()
    today = clock.today()
    for sheet in sheets:
        header: HeaderGuess = sheet.header
        col = {key: c for c, key in header.mapping.items()}
        stated = header.units.get(col["amount"]) or (
            header.unit_row[1] if header.unit_row else None) or unit
        count = 0
        for index in range(header.body, len(sheet.rows)):
            row = sheet.rows[index]
            cell = {key: row[c] if c < len(row) else None for key, c in col.items()}
            if all(_blank(v) for v in cell.values()):
                continue
            first = next((cells.text(v) for v in row if not _blank(v)), "")
            if first.startswith(("合计", "小计", "总计")):
                continue
            count += 1
            excel_row = index + 1
            problems: list[Problem] = []

            def bad(key: str, reason: str, excel_row: int = excel_row,
                    problems: list[Problem] = problems, col: dict[str, int] = col,
                    header: HeaderGuess = header, name: str = sheet.name) -> None:
                c = col.get(key)
                shown = header.headers[c] if c is not None and header.headers[c] else \
                    RECEIPT_FIELDS[key][0]
                problems.append(Problem(excel_row, shown, reason, name))

            name = plain_text(cell.get("name"))  # names keep their full-width brackets
            company = plain_text(cell.get("company"))
            uscc = cells.text(cell.get("uscc")).upper() or None
            if not name:
                bad("name", "请填写项目名称")
            if not company and not uscc:
                bad("company", "请填写企业名称或统一社会信用代码，以找到项目")
            day = None
            try:
                day = cells.parse_date(cell.get("received_on"))
            except CellError as exc:
                bad("received_on", exc.reason)
            else:
                if day is None:
                    bad("received_on", "请填写到位日期")
                elif day > today:
                    bad("received_on", f"到位日期 {day} 晚于今天（{today}），不能登记尚未到位的资金")
            amount = None
            raw = cell.get("amount")
            try:
                amount = cells.parse_money(raw, stated)
            except CellError as exc:
                bad("amount", exc.reason)
            else:
                if amount is None:
                    bad("amount", "请填写到位金额")
                elif stated is None and not (isinstance(raw, str) and any(u in raw for u in "亿万")):
                    bad("amount", "没有注明金额单位：请在表头写明（万元）或（亿元）")
                elif amount <= 0:
                    bad("amount", "到位金额应大于 0")
            # blank: a receipt recorded before origins and kinds were kept (it matches such a
            # stored one; a new one is refused by the service, on its row)
            origin = "" if _blank(cell.get("origin")) else cells.text(cell.get("origin"))
            if origin and origin not in ORIGINS:
                bad("origin", f"资金来源地应为{'、'.join(ORIGINS)}之一")
            kind = "" if _blank(cell.get("kind")) else cells.text(cell.get("kind"))
            if kind and kind not in KINDS:
                bad("kind", f"资金类型应为{'、'.join(KINDS)}之一")
            currency = cells.text(cell.get("currency")).upper() or "CNY"
            numbers: dict[str, Decimal | None] = {}
            for key in ("original_amount", "usd_amount"):
                raw = cell.get(key)
                numbers[key] = None
                if _blank(raw):
                    continue
                try:
                    numbers[key] = _number(raw)
                except (InvalidOperation, ValueError):
                    bad(key, f"“{cells.text(raw)}”不是金额")
            if problems:
                out.errors.extend(problems)
                continue
            assert day is not None and amount is not None
            out.lines.append(Line(sheet.name, excel_row, name, company, uscc, funds.ReceiptInput(
                day, amount, origin, kind, currency, numbers["original_amount"],
                numbers["usd_amount"], plain_text(cell.get("evidence")))))
        out.sheets.append((sheet.name, count))
    return out


def _project_ids(uow: UnitOfWork, names: set[str]) -> dict[tuple[str, str], int]:
    out: dict[tuple[str, str], int] = {}
    if not names:
        return out
    for pid, name, company, uscc in uow.session.execute(
            select(Project.id, Project.name, Company.name, Company.uscc)
            .join(Company, Company.id == Project.company_id)
            .where(Project.name.in_(names), Project.deleted_at.is_(None))):
        out[(f"name:{company}", name)] = pid
        if uscc:
            out[(uscc, name)] = pid
    return out


def _ledger_keys(row: LedgerRow) -> tuple[tuple[str, str], ...]:
    return (row.key(), (f"name:{row.company}", row.name))


def match(uow: UnitOfWork, checked: Checked, rows: Iterable[LedgerRow]) -> None:
    """Each receipt's project is in the ledger or stored; else an error on its row."""
    if not checked.lines:
        return
    known = {k for r in rows for k in _ledger_keys(r)}
    known |= set(_project_ids(uow, {line.name for line in checked.lines}))
    kept: list[Line] = []
    for line in checked.lines:
        if any(k in known for k in line.project_keys()):
            kept.append(line)
        else:
            who = line.company or line.uscc
            checked.errors.append(Problem(line.row, "项目名称", f"找不到项目“{line.name}”（{who}）："
                                          "台账和系统中都没有", line.sheet))
    checked.lines = kept


def _origin_order(origin: str) -> int:
    return ORIGINS.index(origin) if origin in ORIGINS else len(ORIGINS)


def take_over(assessed: Any, rows: Iterable[LedgerRow], checked: Checked) -> list[Problem]:
    """The ledger rows of the projects the receipts sheet lists lose their running-total
    到位资金 (the sheet decides); a 提示 where the totals disagree with the sheet's."""
    warnings: list[Problem] = []
    if not checked.lines:
        return warnings
    totals: dict[tuple[str, str], dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for line in checked.lines:
        for k in line.project_keys():
            totals[k][line.data.origin] += line.data.amount
    for row in rows:
        key = next((k for k in _ledger_keys(row) if k in totals), None)
        extra = assessed.extras.get((row.sheet, row.row))
        if key is None or extra is None:
            continue
        listed = totals[key]
        for origin in sorted(set(extra.funds) | set(listed), key=_origin_order):
            given, summed = extra.funds.get(origin), listed.get(origin, Decimal(0))
            if given is not None and given != summed:
                field_key = next(k for k, o in ORIGIN_FIELDS.items() if o == origin)
                warnings.append(Problem(row.row, LABELS[field_key],
                                        f"台账的{origin}到位资金 {given} 万元与{SHEET}的合计 "
                                        f"{summed} 万元不一致，按{SHEET}导入", row.sheet))
        extra.funds = {}
        extra.usd = None
    return warnings


_COLUMN_OF = {"received_on": "到位日期", "amount": "金额(万元)", "origin": "资金来源地",
              "kind": "资金类型", "currency": "币种", "original_amount": "原币金额",
              "usd_amount": "折合美元(万美元)", "attachment_id": "凭证"}


def write(uow: UnitOfWork, actor: Actor, checked: Checked, rows: Iterable[LedgerRow]
          ) -> tuple[list[Problem], set[tuple[str, int]], bool]:
    """Make each listed project's receipts those of the sheet: (errors, the ledger rows of
    the projects changed, whether anything changed)."""
    errors: list[Problem] = []
    if not checked.lines:
        return errors, set(), False
    uow.session.flush()
    ids = _project_ids(uow, {line.name for line in checked.lines})
    wanted: dict[int, list[Line]] = defaultdict(list)
    for line in checked.lines:
        pid = next((ids[k] for k in line.project_keys() if k in ids), None)
        if pid is None:  # its ledger row was not written (skipped as invalid)
            errors.append(Problem(line.row, "项目名称", f"项目“{line.name}”未导入，其到位资金未登记",
                                  line.sheet))
            continue
        wanted[pid].append(line)
    changed: set[int] = set()
    held: dict[int, list[Funding]] = defaultdict(list)  # the listed projects' stored receipts
    listed = list(wanted)
    for start in range(0, len(listed), 1000):  # one query per thousand projects, not per row
        for f in uow.session.scalars(select(Funding).where(
                Funding.project_id.in_(listed[start:start + 1000]))
                .order_by(Funding.received_on, Funding.id)):
            held[f.project_id].append(f)
    for pid, lines in wanted.items():
        stored = held[pid]
        left = Counter(line.fact() for line in lines)
        drop = []
        for f in stored:
            fact = _fact(f.received_on, f.amount, f.origin or "", f.kind or "", f.currency,
                         f.original_amount, f.usd_amount, f.evidence)
            if left[fact] > 0:
                left[fact] -= 1
            else:
                drop.append(f.id)
        add = []
        for line in lines:
            if left[line.fact()] > 0:
                left[line.fact()] -= 1
                add.append(line)
        if not drop and not add:
            continue
        current = lines[0]
        try:
            with uow.session.begin_nested():
                for receipt_id in drop:
                    funds.delete_receipt(uow, actor, receipt_id)
                for line in add:
                    current = line
                    funds.add_receipt(uow, actor, pid, line.data)
            changed.add(pid)
        except CrmError as exc:
            errors.append(Problem(current.row, _COLUMN_OF.get(exc.field or "", ""), exc.message,
                                  current.sheet))
    touched = set()
    if changed:
        for row in rows:
            keys = _ledger_keys(row)
            if any(ids.get(k) in changed for k in keys):
                touched.add((row.sheet, row.row))
    return errors, touched, bool(changed)


# --- export ----------------------------------------------------------------------------------
# a live project as the ledger lists it: (its row among the ledger's projects, 项目名称, 企业名称,
# 统一社会信用代码)
Place = tuple[int, str, str, str | None]


def funded_projects(uow: UnitOfWork) -> dict[int, Place | None]:
    """Every project with a receipt, its place not known yet: the ledger's rows fill it in as
    they are written (:func:`crm.excel.ledger.ledger_rows`), so the sheet needs no second pass
    over the projects."""
    return dict.fromkeys(uow.session.scalars(select(Funding.project_id).distinct()))


def export_rows(uow: UnitOfWork, places: dict[int, Place | None] | None = None
                ) -> list[list[Any]]:
    """Every receipt of a live project, by project (as the ledger sorts them) then date.

    ``places`` are the projects' places in the ledger just written (see
    :func:`funded_projects`); without them they are read here. The receipts are read alone
    and ordered here: joined to the projects and sorted by the database, each of a 10k-project
    ledger's projects was looked up for its receipts, with or without any (6,600 receipts:
    0.08 s of the database's time, against 0.02 s).
    """
    raw = type_coerce  # money read as the stored integer count of 元, as the ledger does
    receipts: Any = uow.session.execute(
        select(Funding.project_id, Funding.received_on, Funding.id, raw(Funding.amount, Integer),
               Funding.origin, Funding.kind, Funding.currency,
               raw(Funding.original_amount, Integer), raw(Funding.usd_amount, Integer),
               Funding.evidence)).all()
    if places is None:
        places = _places(uow, {r[0] for r in receipts})
    ordered = []
    for r in receipts:
        place = places.get(r[0])
        if place is not None:  # a receipt of a deleted project is not exported
            ordered.append((place, r))
    ordered.sort(key=lambda pr: (pr[0][0], pr[1][1], pr[1][2]))
    out: list[list[Any]] = []
    for (_n, name, company, uscc), (_pid, day, _id, amount, origin, kind, currency, original,
                                    usd, evidence) in ordered:
        foreign = (currency or "CNY") != "CNY"
        out.append([name, company, uscc, day, amount / 10000, origin, kind, currency or "CNY",
                    original / 10000 if foreign and original is not None else None,
                    usd / 10000 if usd is not None else None, evidence or None])
    return out


def _places(uow: UnitOfWork, pids: set[int]) -> dict[int, Place | None]:
    """The places of ``pids`` among the live projects in the ledger's order."""
    if not pids:
        return {}
    out: dict[int, Place | None] = {}
    rows: Any = uow.session.execute(
        select(Project.id, Project.name, Company.name, Company.uscc)
        .join(Company, Company.id == Project.company_id)
        .where(Project.deleted_at.is_(None)).order_by(Project.sort_key, Project.id))
    for n, (pid, name, company, uscc) in enumerate(rows, start=1):
        if pid in pids:
            out[pid] = (n, name, company, uscc)
    return out


def write_sheet(uow: UnitOfWork, book: Book, org: str, as_of: dt.date,
                places: dict[int, Place | None] | None = None) -> int:
    """The 到位资金明细 sheet beside the ledger; returns its rows. ``places``: see
    :func:`export_rows`."""
    table = book.sheet(SHEET, f"{org}到位资金明细",
                       f"截至 {as_of.isoformat()}，每笔到位资金一行（导入时，所列项目的到位资金以本表为准）",
                       COLUMNS)
    rows = export_rows(uow, places)
    table.add_all(rows)
    table.finish()
    return len(rows)
