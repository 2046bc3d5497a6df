"""The ledger's 产业链 and 环节 columns (招商图谱, issue 13): the chain segment a project fills.

The 项目台账 export writes each project's chain and segment (a sub-segment by its own name);
the import reads them back (also under 所属产业链, and 产业链环节 / 链条环节) and puts the project
into that segment through crm.services.chains.link_project, so its permission and audit hold.

- A segment is looked up among the stored ones only, never created (a chain's segments and their
  order are the bureau's map, not something a ledger can say). A chain or segment this database
  does not have leaves the project out of the map with a 提示 naming the ones that exist: the
  project itself is imported (moving a ledger to a new database must not fail on its map), and
  importing again once the chain is drawn puts it in.
- Without a 产业链 cell the segment's name alone must name one segment; a name that several
  chains have is an error naming them (which one is meant cannot be guessed).
- An empty 环节 cell keeps what is stored (an import never removes), as for the other columns.
- A ledger without these columns is read as before.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from crm.db import UnitOfWork
from crm.errors import CrmError
from crm.excel import cells
from crm.excel.assessment_cols import _project_ids
from crm.excel.headers import HeaderGuess, header_label
from crm.excel.layout import is_placeholder
from crm.excel.rows import LedgerRow, Problem
from crm.excel.xlsx import Column
from crm.models import Chain, Project, Segment
from crm.services import chains
from crm.services.common import Actor
from crm.text import normalize

EXPORT_COLUMNS = (Column("产业链", "text", 12), Column("环节", "text", 16))
_SHOWN = 30  # names listed in an error at most


@dataclass
class Checked:
    segments: dict[tuple[str, int], int] = field(default_factory=dict)  # (sheet, row) → id
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)  # left out of the map, with why


def _text(raw: object) -> str:
    text = "" if raw is None else cells.text(raw)
    return "" if not text or is_placeholder(text) else text.strip()


def _listed(names: Iterable[str]) -> str:
    shown = list(dict.fromkeys(names))
    more = f" 等 {len(shown)} 个" if len(shown) > _SHOWN else ""
    return "、".join(shown[:_SHOWN]) + more if shown else "（尚无）"


def check(uow: UnitOfWork, rows: Iterable[LedgerRow],
          headers: dict[str, HeaderGuess]) -> Checked:
    """Every row's 产业链 and 环节, matched to a stored segment; bad cells are errors."""
    out = Checked()
    todo = [r for r in rows if r.chain]
    if not todo:
        return out
    chain_rows = list(uow.session.execute(select(Chain.id, Chain.name)
                                          .order_by(Chain.position, Chain.id)))
    chain_names = {cid: name for cid, name in chain_rows}
    by_chain_name = {normalize(name): cid for cid, name in chain_rows}
    segs: dict[int, list[Any]] = {}
    for seg in uow.session.execute(select(Segment.id, Segment.chain_id, Segment.name)
                                   .order_by(Segment.chain_id, Segment.position, Segment.id)):
        segs.setdefault(seg.chain_id, []).append(seg)
    for row in todo:
        header = headers.get(row.sheet)
        chain_text = _text(row.chain.get("chain"))
        seg_text = _text(row.chain.get("segment"))

        def bad(key: str, reason: str, row: LedgerRow = row,
                header: HeaderGuess | None = header) -> None:
            out.errors.append(Problem(row.row, header_label(header, key), reason, row.sheet))

        def unplaced(key: str, reason: str, row: LedgerRow = row,
                     header: HeaderGuess | None = header) -> None:
            out.warnings.append(Problem(row.row, header_label(header, key),
                                        f"{reason}；项目照常导入，未归入招商图谱", row.sheet))
        chain_id: int | None = None
        if chain_text:
            chain_id = by_chain_name.get(normalize(chain_text))
            if chain_id is None:
                unplaced("chain", f"本库没有产业链“{chain_text}”；已有产业链："
                         f"{_listed(chain_names.values())}（产业链在招商图谱中维护，导入不会新建）")
                continue
        if not seg_text:
            if chain_id is not None:
                names = _listed(s.name for s in segs.get(chain_id, []))
                unplaced("segment", f"已填产业链“{chain_text}”但没有填写环节（可填：{names}）")
            continue
        key = normalize(seg_text)
        pool = segs.get(chain_id, []) if chain_id is not None else [
            s for ss in segs.values() for s in ss]
        hits = [s for s in pool if normalize(s.name) == key]
        if not hits:
            if chain_id is not None:
                unplaced("segment", f"产业链“{chain_names[chain_id]}”中没有环节“{seg_text}”；已有"
                         f"环节：{_listed(s.name for s in segs.get(chain_id, []))}"
                         "（环节在招商图谱中维护，导入不会新建）")
            else:
                unplaced("segment", f"本库没有环节“{seg_text}”；已有环节：" + "；".join(
                    f"{chain_names[c]}：{_listed(s.name for s in ss)}"
                    for c, ss in segs.items()) + "（环节在招商图谱中维护，导入不会新建）")
            continue
        if len(hits) > 1:
            bad("segment", f"环节“{seg_text}”在多条产业链中都有（"
                f"{_listed(chain_names[s.chain_id] for s in hits)}），请填写产业链")
            continue
        out.segments[(row.sheet, row.row)] = hits[0].id
    return out


def write(uow: UnitOfWork, actor: Actor, rows: Iterable[LedgerRow], checked: Checked
          ) -> tuple[list[Problem], set[tuple[str, int]]]:
    """Put the rows' projects (already written) into their segments: (errors, the (sheet,
    Excel row) of the rows whose project moved)."""
    errors: list[Problem] = []
    changed: set[tuple[str, int]] = set()
    todo = [r for r in rows if (r.sheet, r.row) in checked.segments]
    if not todo:
        return errors, changed
    uow.session.flush()
    ids = _project_ids(uow, todo)
    for row in todo:
        hit = ids.get(row.key())
        if hit is None:
            continue
        segment_id = checked.segments[(row.sheet, row.row)]
        project = uow.session.get(Project, hit[0])
        if project is None or project.segment_id == segment_id:
            continue
        try:
            with uow.session.begin_nested():
                chains.link_project(uow, actor, hit[0], segment_id)
            changed.add((row.sheet, row.row))
        except CrmError as exc:
            errors.append(Problem(row.row, "环节", exc.message, row.sheet))
    return errors, changed


def export_names(uow: UnitOfWork) -> dict[int, tuple[str, str]]:
    """segment id → (its chain's name, its name), read once for the ledger: a few hundred
    segments, looked up per project instead of joined into the 100k-row query."""
    return {sid: (chain, name) for sid, chain, name in uow.session.execute(
        select(Segment.id, Chain.name, Segment.name).join(Chain, Chain.id == Segment.chain_id))}
