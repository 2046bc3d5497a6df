"""冲刺: how the year will end if plans hold, how many starts short of the target, the projects
and people to push (冲刺清单), the 开工率 month by month, the signing-to-start lag, and the
monthly snapshots (月报快照) a manager freezes and exports. Definitions: docs/figures.md."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path

from PySide6.QtCore import QModelIndex, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from crm import changes
from crm.excel.reports import ExportResult, export_snapshot
from crm.services.forecast import Forecast, SprintRow
from crm.services.metrics import Period
from crm.services.settings import PeriodChoice
from crm.services.snapshots import SnapshotRow
from crm.services.trend import LAG_GROUPS
from crm.views.steering import SteeringData, read_steering
from ui.context import AppContext, Latest, op
from ui.operations import steering as steering_ops
from ui.ops import Task
from ui.pages.common import scroll_page
from ui.widgets import format as fmt
from ui.widgets.kpi import KpiCard
from ui.widgets.panel import EmptyState, Panel
from ui.widgets.period import PeriodPicker
from ui.widgets.table import Column, RowsModel, rows_view
from ui.widgets.trend_chart import TrendChart


def last_month(today: dt.date) -> str:
    first = today.replace(day=1) - dt.timedelta(days=1)
    return f"{first.year}-{first.month:02d}"


class SprintPage(QWidget):
    """The 冲刺 view. ``project_requested(id)`` asks the window to open a project."""

    project_requested = Signal(int)

    def __init__(self, ctx: AppContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("page-sprint")
        self.ctx = ctx
        self.data: SteeringData | None = None
        self.period: PeriodChoice | None = None
        self.latest = Latest(ctx)
        self.task: Task | None = None
        self.last_export: ExportResult | None = None

        title = QLabel(self.tr("冲刺"), self)
        title.setProperty("class", "page-title")
        self.as_of = QLabel("", self)
        self.as_of.setProperty("class", "muted")
        self.picker = PeriodPicker(ctx.today(), self)
        self.picker.changed.connect(self._period_picked)
        header = QHBoxLayout()
        header.addWidget(title)
        header.addSpacing(12)
        header.addWidget(self.as_of)
        header.addStretch(1)
        header.addWidget(self.picker)

        self.cards = {name: KpiCard(name, self.tr(label), self) for name, label in (
            ("kpi-forecast", "按计划年底开工率"), ("kpi-gap", "距年度目标"),
            ("kpi-sprint", "冲刺清单"), ("kpi-no-plan", "未填计划开工日期"))}
        cards = QGridLayout()
        cards.setSpacing(12)
        for i, card in enumerate(self.cards.values()):
            cards.addWidget(card, 0, i)
            cards.setColumnStretch(i, 1)

        self.gap = QLabel("", self)
        self.gap.setObjectName("sprint-gap")
        self.gap.setWordWrap(True)
        self.sprint_model = RowsModel([
            Column(self.tr("计划开工(开业)"), lambda r: fmt.date(r.planned_start_on), "date", 116,
                   alert=lambda r: r.overdue),
            Column(self.tr("类型"), lambda r: r.planned_start_kind, width=48),
            Column(self.tr("状态"), self._state, width=96, alert=lambda r: r.overdue),
            Column(self.tr("项目名称"), lambda r: r.name),
            Column(self.tr("企业"), lambda r: r.company),
            Column(self.tr("招商专员"), lambda r: r.owner, width=84),
            Column(self.tr("已签约天数"), lambda r: str(r.days_since_signing), "number", 96),
            Column(self.tr("金额(亿元)"), lambda r: fmt.yi_number(r.signed_amount), "number", 96),
        ], self)
        sprint_view = rows_view(self.sprint_model)
        sprint_view.setObjectName("sprint-list")
        sprint_view.doubleClicked.connect(self._open_sprint)
        self.sprint = EmptyState(sprint_view, self.tr(
            "没有计划年内开工的签约未开工项目 — 在项目中填写“计划开工(开业)日期”"))
        self.sprint_panel = Panel(self.tr("冲刺清单"))
        self.sprint_panel.add(self.gap, 0)
        self.sprint_panel.add(self.sprint)

        self.trend = TrendChart(self)
        self.trend.setObjectName("trend-chart")
        self.trend_note = QLabel("", self)
        self.trend_note.setObjectName("trend-note")
        self.trend_note.setProperty("class", "muted")
        self.trend_note.setWordWrap(True)
        trend_panel = Panel(self.tr("开工率走势（每月末累计）"))
        trend_panel.add(self.trend)
        trend_panel.add(self.trend_note, 0)

        self.lag_by = QComboBox(self)
        self.lag_by.setObjectName("lag-by")
        for by, label in LAG_GROUPS.items():
            self.lag_by.addItem(self.tr(label), by)
        self.lag_by.currentIndexChanged.connect(self._show_lag)
        self.lag_overall = QLabel("", self)
        self.lag_overall.setObjectName("lag-overall")
        self.lag_overall.setProperty("class", "muted")
        self.lag_overall.setWordWrap(True)
        self.lag_model = RowsModel([
            Column(self.tr("名称"), lambda r: r.label),
            Column(self.tr("已开工"), lambda r: str(r.started), "number", 60),
            Column(self.tr("中位数(天)"), lambda r: r.median_text, "number", 84),
            Column(self.tr("四分位(天)"), lambda r: f"{r.q1_text}–{r.q3_text}"
                   if r.started else "—", "number", 96),
            Column(self.tr("最快"), lambda r: _num(r.fastest), "number", 52),
            Column(self.tr("最慢"), lambda r: _num(r.slowest), "number", 52),
            Column(self.tr("未开工"), lambda r: str(r.waiting), "number", 60),
        ], self)
        lag_view = rows_view(self.lag_model)
        lag_view.setObjectName("lag-table")
        self.lag = EmptyState(lag_view, self.tr("本期签约的项目还没有开工"))
        lag_panel = Panel(self.tr("签约到开工天数"))
        lag_panel.header.addWidget(self.lag_by)
        lag_panel.add(self.lag_overall, 0)
        lag_panel.add(self.lag)

        self.snap_model = RowsModel([
            Column(self.tr("月份"), lambda r: r.month, width=72),
            Column(self.tr("截至"), lambda r: fmt.date(r.as_of), "date", 100),
            Column(self.tr("签约"), lambda r: str(r.signed), "number", 56),
            Column(self.tr("开工"), lambda r: str(r.started), "number", 56),
            Column(self.tr("开工率"), lambda r: r.rate_text, "number", 72),
            Column(self.tr("按计划年底"), lambda r: r.forecast_rate_text, "number", 84),
            Column(self.tr("冻结"), lambda r: f"{r.taken_by} {r.taken_at:%Y-%m-%d %H:%M}"),
        ], self)
        self.snap_view = rows_view(self.snap_model)
        self.snap_view.setObjectName("snapshot-list")
        self.snaps = EmptyState(self.snap_view, self.tr(
            "还没有月报快照 — 月末后由管理者“冻结上月月报”，之后的数据修改不影响它"))
        self.take_button = QPushButton(self.tr("冻结上月月报"), self)
        self.take_button.setObjectName("take-snapshot")
        self.take_button.setVisible(ctx.actor.is_manager)
        self.take_button.clicked.connect(lambda: self.take_snapshot(last_month(ctx.today())))
        self.export_button = QPushButton(self.tr("从快照导出…"), self)
        self.export_button.setObjectName("export-snapshot")
        self.export_button.clicked.connect(self._export_chosen)
        self.snap_status = QLabel("", self)
        self.snap_status.setObjectName("snapshot-status")
        self.snap_status.setProperty("class", "muted")
        snap_panel = Panel(self.tr("月报快照"))
        snap_panel.header.addWidget(self.export_button)
        snap_panel.header.addWidget(self.take_button)
        snap_panel.add(self.snaps)
        snap_panel.add(self.snap_status, 0)

        middle = QHBoxLayout()
        middle.setSpacing(12)
        middle.addWidget(trend_panel, 6)
        middle.addWidget(lag_panel, 5)
        content = QWidget(self)
        content.setObjectName("page-content")
        body = QVBoxLayout(content)
        body.setContentsMargins(24, 18, 24, 18)
        body.setSpacing(14)
        body.addLayout(header)
        body.addLayout(cards)
        body.addWidget(self.sprint_panel, 5)
        body.addLayout(middle, 5)
        body.addWidget(snap_panel, 3)
        content.setMinimumHeight(1180)
        scroll_page(self, content)

        ctx.on_change((*changes.FIGURES, "snapshots"), self.reload)
        # steering is about this year's December 31: the page opens on this whole year
        self.period = self.picker.choice()
        self.reload()

    # --- loading --------------------------------------------------------------------------
    def set_period(self, choice: PeriodChoice) -> None:
        self.picker.set_choice(choice)
        self._period_picked(self.picker.choice())

    def _period_picked(self, choice: PeriodChoice) -> None:
        self.period = choice
        self.reload()

    def reload(self) -> None:
        if self.period is None:
            return
        period = Period(self.period.start, self.period.end)
        self.latest.read(op(read_steering, period, self.ctx.today()), self._show)

    # --- showing --------------------------------------------------------------------------
    def _show(self, data: SteeringData) -> None:
        self.data = data
        f = data.forecast
        self.as_of.setText(self.tr("{start} 至 {end}，截至 {today}").format(
            start=fmt.date(f.period.start), end=fmt.date(f.period.end), today=fmt.date(f.as_of)))
        self._show_cards(f)
        self.sprint_model.set_rows(f.sprint)
        self.sprint.set_empty(not f.sprint)
        self.sprint_panel.title.setText(self.tr("冲刺清单（{n}）").format(n=len(f.sprint)))
        self.trend.set_points(data.trend, f.target)
        frozen = [p.label for p in data.trend if p.source == "snapshot"]
        self.trend_note.setText(self.tr(
            "{year} 年 1 月 1 日起签约的项目在各月末的开工率；绿点为月报快照（冻结时的数字），"
            "其余为按各月末重新计算{now}。").format(
            year=f.period.end.year,
            now=self.tr("，本月截至今日") if data.trend and data.trend[-1].partial else "")
            + (self.tr(" 快照：{m}").format(m="、".join(frozen)) if frozen else ""))
        self._show_lag()
        self.snap_model.set_rows(data.snapshots)
        self.snaps.set_empty(not data.snapshots)
        self.export_button.setEnabled(bool(data.snapshots))

    def _show_cards(self, f: Forecast) -> None:
        c = self.cards
        c["kpi-forecast"].set_figure(f.rate_text, "", self.tr(
            "现 {s}/{n} · 计划年内开工 {p} 个 · 逾期 {o} 个").format(
            s=f.started, n=f.signed, p=f.planned, o=f.overdue))
        needed = f.starts_needed
        if needed is None:
            c["kpi-gap"].set_figure("—", "", self.tr(f.gap_text()))
        else:
            short = f.short_if_plans_hold or 0
            detail = (self.tr("{y} 年已结束").format(y=f.target_year)
                      if f.as_of.year > f.target_year and needed else
                      self.tr("计划都如期也还差 {n} 个").format(n=short) if short
                      else self.tr("计划如期即可达标") if needed else self.tr("已达标"))
            c["kpi-gap"].set_figure(str(needed), self.tr("个"),
                                    self.tr("目标 {t} · {d}").format(t=f.target_text, d=detail),
                                    "down" if short else "up")
        c["kpi-sprint"].set_figure(str(len(f.sprint)), self.tr("个"),
                                   self.tr("其中逾期未开工 {o} 个").format(o=f.overdue),
                                   "down" if f.overdue else "")
        c["kpi-no-plan"].set_figure(str(f.no_plan), self.tr("个"), self.tr(
            "另有 {n} 个计划在签约次年及以后").format(n=f.planned_later))
        owners = Counter(r.owner or self.tr("（未指定）") for r in f.sprint)
        people = "、".join(f"{name} {n}" for name, n in
                          sorted(owners.items(), key=lambda kv: (-kv[1], kv[0])))
        self.gap.setText(self.tr(f.gap_text()) + (
            self.tr("；按计划年底开工率 {r}").format(r=f.rate_text) if f.signed else "")
            + (self.tr("；按招商专员：{p}").format(p=people) if people else ""))
        self.gap.setProperty("tone", "down" if (f.short_if_plans_hold or 0) else "up")
        self.gap.style().unpolish(self.gap)
        self.gap.style().polish(self.gap)

    def _show_lag(self, *_args: object) -> None:
        if self.data is None:
            return
        lag = self.data.lag
        o = lag.overall
        self.lag_overall.setText(self.tr(
            "全部：{n} 个已开工，中位数 {m} 天（四分位 {a}–{b} 天），{w} 个仍未开工").format(
            n=o.started, m=o.median_text, a=o.q1_text, b=o.q3_text, w=o.waiting))
        rows = lag.groups.get(str(self.lag_by.currentData()), [])
        self.lag_model.set_rows(rows)
        self.lag.set_empty(not rows)

    def _state(self, row: SprintRow) -> str:
        if row.overdue:
            days = (self.ctx.today() - row.planned_start_on).days
            return self.tr("逾期 {n} 天").format(n=days)
        return self.tr("计划中")

    def _open_sprint(self, index: QModelIndex) -> None:
        if index.isValid():
            self.project_requested.emit(self.sprint_model.row_at(index.row()).project_id)

    # --- snapshots ------------------------------------------------------------------------
    def take_snapshot(self, month: str) -> Task:
        def done(row: SnapshotRow) -> None:
            self.snap_status.setText(self.tr("已冻结 {m} 月报：签约 {s} 个，开工 {t} 个，开工率 {r}")
                                     .format(m=row.month, s=row.signed, t=row.started,
                                             r=row.rate_text))
        return steering_ops.take_snapshot(self.ctx, month, parent=self, done=done)

    def selected_snapshot(self) -> SnapshotRow | None:
        rows = self.snap_view.selectionModel().selectedRows() if self.snap_view.selectionModel() \
            else []
        if rows:
            row: SnapshotRow = self.snap_model.row_at(rows[0].row())
            return row
        return self.data.snapshots[0] if self.data and self.data.snapshots else None

    def _export_chosen(self) -> None:
        chosen = self.selected_snapshot()
        if chosen is None:
            return
        path, _ = QFileDialog.getSaveFileName(
            self, self.tr("从月报快照导出"), str(Path.home() / f"签约与开工_{chosen.month}_月报.xlsx"),
            self.tr("Excel 工作簿 (*.xlsx)"))
        if path:
            self.export_snapshot_to(chosen.month, path if path.endswith(".xlsx") else path + ".xlsx")

    def export_snapshot_to(self, month: str, path: str | Path) -> Task:
        """Write the 签约与开工 report of ``month``'s snapshot to ``path`` (off the GUI thread)."""
        db, target = self.ctx.db, Path(path)

        def job(_task: Task) -> ExportResult:
            return export_snapshot(db, month, target)

        def done(result: ExportResult) -> None:
            self.last_export = result
            self.snap_status.setText(self.tr("已从 {m} 月报快照导出到 {p}").format(
                m=month, p=result.path))
        self.task = self.ctx.long(job, done=done)
        return self.task


def _num(value: int | None) -> str:
    return "—" if value is None else str(value)

