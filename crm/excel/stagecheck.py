"""A ledger row's stage: the status word and the milestone dates, and what each needs.

Where status and dates disagree the dates decide (a 提示 says so); a stage needs the dates the
figures count (签约, 开工), and 已投产 without its date is kept with the date unknown (DESIGN §6).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from crm import stages

if TYPE_CHECKING:
    from crm.excel.rows import LedgerRow, Problem


class RowChecks(Protocol):
    """What checking a row's stage needs of the row reader (:class:`crm.excel.row_cells.RowReader`)."""

    columns: dict[str, int]
    errors: list[Problem]

    def stage(self, status: str) -> tuple[str, str | None, bool]: ...

    def header(self, key: str) -> str: ...

    def error(self, key: str, reason: str) -> None: ...

    def warn(self, key: str | None, reason: str) -> None: ...


def read_stage(r: RowChecks, row: LedgerRow, status: str, kind: str) -> None:
    given: str | None = None
    if status:
        status, given, known = r.stage(status)
        if not known:
            r.error("stage", f"项目状态“{status}”无法识别，可用："
                             f"{'、'.join(stages.NAMES.values())}（或已开业）")
    if kind and kind not in stages.START_KINDS:
        r.error("start_kind", "开工类型应为 开工 或 开业")
    row.start_kind = kind if kind in stages.START_KINDS else (stages.start_kind_of(status) or "开工")
    by_dates = (stages.PRODUCING if row.producing_on else stages.STARTED if row.started_on
                else stages.SIGNED if row.signed_on else None)
    row.stage_given = given is not None
    if given == stages.DROPPED:
        row.stage = stages.DROPPED
    elif given is None:
        row.stage = by_dates or stages.LEAD
    elif by_dates is not None and _RANK[by_dates] > _RANK[given]:
        row.stage = by_dates
        r.warn("stage", f"项目状态为“{status}”，但已填{_date_label(by_dates)}：按日期导入为"
                        f"“{stages.NAMES[by_dates]}”")
    else:
        row.stage = given
    _check_milestones(r, row, status)


def _date_label(stage: str) -> str:
    return {stages.SIGNED: "签约时间", stages.STARTED: "开工时间",
            stages.PRODUCING: "投产时间"}[stage]


_RANK = {stage: stages.rank(stage) for stage in stages.ALL}


# The milestone dates a project at each stage must have (a dropped one may stop anywhere).
_NEEDED = {stage: () if stage == stages.DROPPED else tuple(
    key for at, key in ((stages.SIGNED, "signed_on"), (stages.STARTED, "started_on"),
                        (stages.PRODUCING, "producing_on")) if _RANK[stage] >= _RANK[at])
    for stage in stages.ALL}


def _check_milestones(r: RowChecks, row: LedgerRow, status: str) -> None:
    reached = row.stage
    for key in _NEEDED[reached]:
        if getattr(row, key) is None and not _already_reported(r, key):
            if key == "producing_on":  # no figure needs it: kept, with the date unknown
                r.warn("stage", f"项目状态为“{status or stages.NAMES[reached]}”，未填投产时间："
                                "按已投产导入，投产日期暂缺")
                continue
            r.error(key, f"项目状态为“{status or stages.NAMES[reached]}”，请填写{r.header(key)}")
    if row.started_on and row.signed_on and row.started_on < row.signed_on:
        r.error("started_on", f"开工(开业)日期 {row.started_on} 不能早于签约日期 {row.signed_on}")
    if row.started_on and not row.signed_on:
        r.error("signed_on", "已填开工时间，请同时填写签约时间")
    if row.producing_on and row.started_on and row.producing_on < row.started_on:
        r.error("producing_on", f"投产日期 {row.producing_on} 不能早于开工日期 {row.started_on}")
    first = min((d for d in (row.signed_on, row.started_on, row.producing_on, row.dropped_on)
                 if d is not None), default=None)
    if row.lead_on and first is not None and row.lead_on > first:
        # which of the two is wrong only the ledger's keeper knows: never moved silently
        r.error("lead_on", f"立项日期 {row.lead_on} 晚于后面阶段的日期 {first}，请核对其一")
    if row.signed_on and row.amount is None and row.planned is None:
        key = "amount" if "amount" in r.columns else "planned"
        if not any(_already_reported(r, k) for k in ("amount", "planned")):  # e.g. zero
            r.error(key, "已签约项目需要签约金额（或计划总投资）")


def _already_reported(r: RowChecks, key: str) -> bool:
    header = r.header(key)
    return any(p.column == header for p in r.errors)
