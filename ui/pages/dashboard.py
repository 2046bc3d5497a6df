"""工作台: the figures of DESIGN §3 for a period, live, with what is due today.

Everything comes from one read (``metrics.dashboard`` plus the follow-ups), run off the GUI
thread; the page reloads on ``ctx.changed`` so a change anywhere shows within seconds.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Sequence
from decimal import Decimal
from functools import partial
from typing import Any

from PySide6.QtCore import QCoreApplication, QModelIndex, Signal
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from crm import changes
from crm.services import follow_up_list, metrics, settings
from crm.services.contacts import LogRow
from crm.services.drill import Screen
from crm.services.metrics import Dashboard, Period, StartRate
from crm.services.settings import PeriodChoice
from crm.views.dashboard import DashboardData, PendingScreen, read_dashboard, read_pending
from crm.views.drill import figure_screen
from ui.context import AppContext, op
from ui.models.more import MoreRowsModel
from ui.pages.common import scroll_page
from ui.widgets import format as fmt
from ui.widgets.charts import FunnelChart, MonthlyChart
from ui.widgets.kpi import KpiCard
from ui.widgets.panel import EmptyState, Panel
from ui.widgets.period import PeriodPicker
from ui.widgets.project_list import ProjectListDialog
from ui.widgets.table import Column, RowsModel, rows_view


def month_labels(months: Sequence[metrics.MonthRow]) -> list[str]:
    """The monthly chart's axis: ``1月`` … ``6月``; a whole year as ``1`` … ``12`` (twelve
    ``10月``-wide labels do not fit the chart and were cut to "1…", "2…")."""
    if len({m.year for m in months}) != 1:
        return [m.label for m in months]
    if len(months) > 6:
        return [str(m.month) for m in months]
    return [QCoreApplication.translate("DashboardPage", "{m}月").format(m=m.month) for m in months]


# What a figure counts, where two of them look alike (docs/figures.md has every definition):
# the 开工数 card follows the projects signed in the period, the funnel's 已开工 the starts dated
# in it, so the demo's 2025 上半年 shows 15 beside 9 and both are right.
STARTED_CAPTION = "本期签约、当年开工(开业)"
STARTED_TIP = ("开工数：本期签约的项目中，在签约当年开工（或开业）、且在截至日及以前的个数——"
               "“当年签约当年开工”。开工率 = 开工数 ÷ 签约数。\n"
               "与“项目漏斗”的“已开工”不同：漏斗数的是开工日期落在本期的项目，不论哪年签约。\n"
               "口径见 docs/figures.md；点击卡片列出这些项目。")
FUNNEL_CAPTION = "各阶段日期落在本期的项目数（已开工 = 本期内开工，不论何年签约；与“开工数”卡片口径不同）"
FUNNEL_TIP = ("项目漏斗：每个阶段数的是到达该阶段的日期落在本期的项目（含后来终止的）。\n"
              "“已开工”因此是本期内开工的项目，包括往年签约的；“开工数”卡片数的是本期签约、"
              "当年开工的项目，两者都对。\n转化率：上一阶段本期到达的项目中，截至日已到达下一阶段的比例。")

# The forecast cards (docs/figures.md): a click opens the 冲刺 page with the 冲刺清单.
FORECAST_CARDS = (("kpi-forecast", "按计划年底开工率"), ("kpi-target-gap", "距目标还需开工"))
FORECAST_TIP = ("按计划年底开工率：本期签约的项目中，已开工的加上计划在签约当年、今天及以后开工的，"
                "都如期开工时的开工率（已过计划日期未开工的不计）。\n"
                "距目标还需开工：达到年度开工率目标还需再开工的项目数。点击查看冲刺清单。")

# the key of the period this user last chose for this database, in the local settings
PERIOD_PREFERENCE = "dashboard_period"

# The cards: objectName, label, and which projects a click lists.
CARDS = (("kpi-signed", "签约数", "signed"), ("kpi-signed-amount", "签约金额", "signed"),
         ("kpi-started", "开工数", "started"), ("kpi-start-rate", "开工率", "signed"),
         ("kpi-funds-rate", "资金到位率", "signed"), ("kpi-target", "年度目标完成", "year"))


class DashboardPage(QWidget):
    """The 工作台. ``project_requested(id)`` asks the window to open a project."""

    project_requested = Signal(int)
    page_requested = Signal(str)  # the forecast cards open the 冲刺 page

    def __init__(self, ctx: AppContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("page-dashboard")
        self.ctx = ctx
        self.data: DashboardData | None = None
        self.period: PeriodChoice | None = None
        self._loading = False
        self._stale = False
        self._dialogs: list[ProjectListDialog] = []
        self._plans: dict[int, dt.date] = {}  # 签约未开工's planned starts

        self.picker = PeriodPicker(ctx.today(), self)
        self.picker.changed.connect(self._period_picked)
        title = QLabel(self.tr("工作台"), self)
        title.setProperty("class", "page-title")
        # what the figures are of, once read; until then (seconds at a million projects) that
        # they are on their way, not dashes that look like figures
        self.as_of = QLabel(self.tr("加载中…"), self)
        self.as_of.setObjectName("dashboard-as-of")
        self.as_of.setProperty("class", "muted")
        header = QHBoxLayout()
        header.addWidget(title)
        header.addSpacing(12)
        header.addWidget(self.as_of)
        header.addStretch(1)
        header.addWidget(self.picker)

        self.banner = QLabel(self.tr("还没有项目 — 在“项目”页新建（Ctrl+N），或在“报表”页从台账导入"), self)
        self.banner.setObjectName("empty-banner")
        self.banner.setVisible(False)

        self.cards: dict[str, KpiCard] = {}
        cards = QGridLayout()
        cards.setSpacing(12)
        for i, (name, label, figure) in enumerate(CARDS):
            card = KpiCard(name, self.tr(label), self)
            card.clicked.connect(lambda f=figure, c=card: self.show_projects(f, c.label.text()))
            self.cards[name] = card
            cards.addWidget(card, 0, i)
            cards.setColumnStretch(i, 1)
        for i, (name, label) in enumerate(FORECAST_CARDS, start=len(CARDS)):
            card = KpiCard(name, self.tr(label), self)
            card.setToolTip(self.tr(FORECAST_TIP))
            card.clicked.connect(lambda: self.page_requested.emit("sprint"))
            self.cards[name] = card
            cards.addWidget(card, 0, i)
            cards.setColumnStretch(i, 1)
        self.cards["kpi-started"].set_caption(self.tr(STARTED_CAPTION))
        self.cards["kpi-started"].setToolTip(self.tr(STARTED_TIP))

        self.funnel = FunnelChart(self)
        self.monthly = MonthlyChart(self)
        self.industry_model = RowsModel([
            Column(self.tr("产业"), lambda r: r.label),
            Column(self.tr("签约"), lambda r: str(r.signed), kind="number", width=56),
            Column(self.tr("开工"), lambda r: str(r.started), kind="number", width=56),
            Column(self.tr("开工率"), lambda r: r.rate_text, kind="number", width=80),
            Column(self.tr("金额(亿元)"), lambda r: fmt.yi_number(r.signed_amount), kind="number",
                   width=96),
        ], self)
        self.industry = EmptyState(rows_view(self.industry_model), self.tr("本期还没有签约项目"))
        self.pending_model = MoreRowsModel(ctx, [
            # the project's name is what a reader scans for: it takes the width left by the
            # fixed columns alone (its company shows on double-click, in the project's detail)
            Column(self.tr("项目名称"), lambda r: r.name),
            Column(self.tr("产业"), lambda r: r.industry, width=88),
            Column(self.tr("招商专员"), lambda r: r.owner, width=76),
            Column(self.tr("签约日期"), lambda r: fmt.date(r.signed_on), kind="number", width=96),
            Column(self.tr("签约天数"), lambda r: str(r.days_since_signing), kind="number", width=76,
                   alert=lambda r: r.days_since_signing > 180),
            Column(self.tr("计划开工"), self._planned_text, kind="number", width=96,
                   alert=self._overdue_plan),
            Column(self.tr("金额(亿元)"), lambda r: fmt.yi_number(r.signed_amount), kind="number",
                   width=88),
        ], self)
        pending_view = rows_view(self.pending_model)
        pending_view.setObjectName("pending-list")
        pending_view.doubleClicked.connect(self._open_pending)
        self.pending = EmptyState(pending_view, self.tr("本期签约的项目都已开工"))
        overdue = self._overdue
        self.follow_model = MoreRowsModel(ctx, [
            Column(self.tr("跟进日期"), lambda r: fmt.date(r.follow_up_on), width=100, alert=overdue),
            Column(self.tr("状态"), self._due_text, width=88, alert=overdue),
            Column(self.tr("项目 / 企业"), lambda r: r.project or r.company),
            Column(self.tr("下一步"), lambda r: r.next_step or r.content),
            *([Column(self.tr("专员"), lambda r: r.user, width=64)] if ctx.actor.is_manager else []),
        ], self)
        follow_view = rows_view(self.follow_model)
        follow_view.setObjectName("follow-up-list")
        follow_view.doubleClicked.connect(self._open_follow_up)
        self.follow = EmptyState(
            follow_view, self.tr("今天没有到期的跟进 — 记一笔接洽（Ctrl+L）时可约定下次跟进"))

        self.funnel_panel = Panel(self.tr("项目漏斗"))
        self.funnel_caption = QLabel(self.tr(FUNNEL_CAPTION), self.funnel_panel)
        self.funnel_caption.setObjectName("funnel-caption")
        self.funnel_caption.setProperty("class", "muted")
        self.funnel_caption.setWordWrap(True)
        self.funnel_panel.add(self.funnel_caption, 0)
        self.funnel_panel.setToolTip(self.tr(FUNNEL_TIP))
        self.funnel_panel.add(self.funnel)
        self.conversion = QLabel("", self.funnel_panel)
        self.conversion.setProperty("class", "muted")
        self.conversion.setWordWrap(True)
        self.funnel_panel.add(self.conversion, 0)
        monthly_panel = Panel(self.tr("按月签约与开工"))
        monthly_panel.add(self.monthly)
        industry_panel = Panel(self.tr("按产业"))
        industry_panel.add(self.industry)
        self.pending_panel = Panel(self.tr("签约未开工"))
        self.pending_panel.add(self.pending)
        self.follow_panel = Panel(self.tr("全员今日及逾期跟进") if ctx.actor.is_manager
                                  else self.tr("我的今日及逾期跟进"))
        self.follow_panel.add(self.follow)

        grid = QGridLayout()
        grid.setSpacing(12)
        grid.addWidget(self.funnel_panel, 0, 0)
        grid.addWidget(monthly_panel, 0, 1)
        grid.addWidget(industry_panel, 0, 2)
        for col in range(3):
            grid.setColumnStretch(col, 1)
        lists = QHBoxLayout()
        lists.setSpacing(12)
        lists.addWidget(self.pending_panel, 11)
        lists.addWidget(self.follow_panel, 9)

        content = QWidget(self)
        content.setObjectName("page-content")
        body = QVBoxLayout(content)
        body.setContentsMargins(24, 18, 24, 18)
        body.setSpacing(14)
        body.addLayout(header)
        body.addWidget(self.banner)
        body.addLayout(cards)
        body.addLayout(grid, 5)
        body.addLayout(lists, 6)
        content.setMinimumHeight(820)
        scroll_page(self, content)

        ctx.on_change((*changes.FIGURES, "contact_logs"), self.reload)
        mine = settings.period_from_json(ctx.preference(PERIOD_PREFERENCE))
        if mine is not None:
            self._restore_period(mine)
        else:  # never chosen on this computer: the database's default period
            ctx.read(settings.dashboard_period, done=self._restore_period)

    # --- loading --------------------------------------------------------------------------
    def _restore_period(self, saved: PeriodChoice | None) -> None:
        if saved is not None:
            self.picker.set_choice(saved)
        self.period = self.picker.choice()
        self.reload()

    def reload(self) -> None:
        """Read everything again (coalesced: at most one read in flight, one queued)."""
        if self.period is None:
            return  # the saved period is still being read; that read loads the page
        if self._loading:
            self._stale = True
            return
        self._loading = True
        today = self.ctx.today()
        actor = self.ctx.actor
        follow_user = None if actor.is_manager else actor.user_id
        period = Period(self.period.start, self.period.end)
        self.ctx.read(op(read_dashboard, period, today, follow_user), done=self._loaded, failed=self._failed)

    def _failed(self, exc: BaseException) -> None:
        self._loading = False
        self.as_of.setText(self._as_of_text(self.data) if self.data is not None else "")
        self.ctx.report(exc)

    def _loaded(self, data: DashboardData) -> None:
        self._loading = False
        if self._stale:
            self._stale = False
            self.reload()
            return
        self.data = data
        self._show(data)

    def _period_picked(self, choice: PeriodChoice) -> None:
        self.period = choice
        self.as_of.setText(self.tr("加载中…"))
        self.reload()
        # this user's preference on this computer: nothing others see, no database write
        self.ctx.set_preference(PERIOD_PREFERENCE, settings.period_to_json(choice))

    # --- showing --------------------------------------------------------------------------
    def _show(self, data: DashboardData) -> None:
        d = data.board
        f, prev = d.figures, d.previous
        self.as_of.setText(self._as_of_text(data))
        self.banner.setVisible(data.project_count == 0)
        goals = {t.metric: t for t in d.targets}
        vs = self.tr("上期")
        self.cards["kpi-signed"].set_figure(
            str(f.signed), self.tr("个"), f"{vs} {prev.signed} · {fmt.signed_delta(f.signed - prev.signed)}",
            _tone(f.signed - prev.signed))
        amount_delta = (f.signed_amount - prev.signed_amount) / 10000
        self.cards["kpi-signed-amount"].set_figure(
            fmt.yi_number(f.signed_amount), self.tr("亿元"),
            f"{vs} {fmt.yi(prev.signed_amount)} · {fmt.signed_delta(amount_delta, ' ' + self.tr('亿元'))}",
            _tone(amount_delta))
        self.cards["kpi-started"].set_figure(
            str(f.started), self.tr("个"),
            f"{vs} {prev.started} · {fmt.signed_delta(f.started - prev.started)}",
            _tone(f.started - prev.started))
        rate_detail = f"{vs} {prev.rate_text}"
        rate_tone = ""
        if f.rate is not None and prev.rate is not None:
            points = (f.rate - prev.rate) * 100
            rate_detail += f" · {fmt.signed_delta(points, self.tr(' 个百分点'))}"
            rate_tone = _tone(points)
        if "start_rate" in goals:
            rate_detail += self.tr(" · 目标 {v}%").format(v=_plain(goals["start_rate"].target))
        self.cards["kpi-start-rate"].set_figure(f.rate_text, "", rate_detail, rate_tone)
        self.cards["kpi-funds-rate"].set_figure(
            f.funds_rate_text, "", self.tr("到位 {a} / 签约 {b}").format(
                a=fmt.yi(f.funds_received), b=fmt.yi(f.signed_amount)))
        self._show_targets(d, f)
        self._show_forecast(data)

        steps = d.funnel
        self.funnel.set_steps([self.tr(s.name) for s in steps], [s.reached for s in steps])
        self.conversion.setText(self.tr("转化率：") + "　".join(
            f"{self.tr(a.name)}→{self.tr(b.name)} {b.conversion_text}"
            for a, b in itertools.pairwise(steps)))
        self.monthly.set_months(month_labels(d.monthly),
                                [m.signed for m in d.monthly], [m.started for m in d.monthly])
        self.industry_model.set_rows(d.by_industry)
        self.industry.set_empty(not d.by_industry)
        # the first screen and the count; more on scroll (a province has thousands)
        self.pending_model.set_first(d.pending, d.pending_count, partial(
            self._more_pending, f.period, f.as_of), self._unpack_pending)
        self.pending.set_empty(not d.pending, self.tr("本期还没有签约项目") if not f.signed else None)
        self.pending_panel.title.setText(self.tr("签约未开工（{n}）").format(n=d.pending_count))
        follow = data.follow_ups
        due = [*follow.overdue, *follow.today]
        user = None if self.ctx.actor.is_manager else self.ctx.actor.user_id
        self.follow_model.set_first(due, follow.overdue_count + follow.today_count, partial(
            self._more_follow_ups, f.as_of, user))
        self.follow.set_empty(not due)
        title = self.tr("全员今日及逾期跟进") if self.ctx.actor.is_manager else self.tr("我的今日及逾期跟进")
        self.follow_panel.title.setText(f"{title}（{follow.overdue_count + follow.today_count}）")

    def _as_of_text(self, data: DashboardData) -> str:
        f = data.board.figures
        return self.tr("{start} 至 {end}，截至 {today}").format(
            start=fmt.date(f.period.start), end=fmt.date(f.period.end), today=fmt.date(f.as_of))

    def _show_targets(self, d: Dashboard, f: StartRate) -> None:
        card = self.cards["kpi-target"]
        year = f.period.end.year
        card.label.setText(self.tr("{year} 年目标完成").format(year=year))
        if not d.targets:
            card.set_figure("—", "", self.tr("尚未设置 {year} 年目标 — 在“设置 → 年度目标”中填写")
                            .format(year=year))
            return
        main = d.targets[0]
        others = " · ".join(f"{self.tr(_SHORT.get(t.metric, t.label))} {t.completion_text}"
                            for t in d.targets[1:3])
        head = self.tr(_SHORT.get(main.metric, main.label))
        card.set_figure(main.completion_text, "", f"{head} {_plain(main.actual)}/{_plain(main.target)}"
                        + (f" · {others}" if others else ""))

    def _show_forecast(self, data: DashboardData) -> None:
        """按计划年底开工率 and 还需开工 (docs/figures.md); the 冲刺 page has the list."""
        fc = data.forecast
        self._plans = data.planned
        if fc is None:
            return
        self.cards["kpi-forecast"].set_figure(fc.rate_text, "", self.tr(
            "计划年内开工 {p} 个 · 逾期 {o} 个").format(p=fc.planned, o=fc.overdue))
        needed = fc.starts_needed
        if needed is None:
            self.cards["kpi-target-gap"].set_figure("—", "", self.tr(fc.gap_text()))
            return
        short = fc.short_if_plans_hold or 0
        if needed == 0:
            detail = self.tr("已达目标 {t}").format(t=fc.target_text)
        elif fc.as_of.year > fc.target_year:
            detail = self.tr("{y} 年已结束 · 目标 {t}").format(y=fc.target_year, t=fc.target_text)
        else:
            detail = self.tr("目标 {t} · 冲刺清单 {n} 个{rest}").format(
                t=fc.target_text, n=len(fc.sprint),
                rest=self.tr("，计划都如期仍差 {s} 个").format(s=short) if short else "")
        self.cards["kpi-target-gap"].set_figure(str(needed), self.tr("个"), detail,
                                                "down" if short or needed else "up")

    def _more_pending(self, period: Period, as_of: dt.date, offset: int) -> Any:
        return op(read_pending, period, as_of, offset)

    def _more_follow_ups(self, as_of: dt.date, user_id: int | None, offset: int) -> Any:
        return op(follow_up_list.follow_up_page, as_of, offset, user_id=user_id, days_ahead=0)

    def _unpack_pending(self, screen: PendingScreen) -> list[metrics.PendingRow]:
        self._plans.update(screen.planned)
        return screen.rows

    def _planned_text(self, row: metrics.PendingRow) -> str:
        return fmt.date(self._plans.get(row.project_id))

    def _overdue_plan(self, row: metrics.PendingRow) -> bool:
        """逾期未开工: the planned date is before the as-of date."""
        plan = self._plans.get(row.project_id)
        return bool(plan and self.data and plan < self.data.board.figures.as_of)

    def _overdue(self, row: LogRow) -> bool:
        return bool(row.follow_up_on and row.follow_up_on < self.ctx.today())

    def _due_text(self, row: LogRow) -> str:
        if row.follow_up_on is None:
            return ""
        days = (self.ctx.today() - row.follow_up_on).days
        return self.tr("今天") if days <= 0 else self.tr("逾期 {n} 天").format(n=days)

    # --- drill-down -----------------------------------------------------------------------
    def show_projects(self, figure: str, title: str) -> ProjectListDialog | None:
        """Open the list of projects behind a card (non-modal, so nothing blocks)."""
        if self.period is None:
            return None
        today = self.ctx.today()
        period = Period(self.period.start, self.period.end)
        if figure == "year":
            figure = "signed"
            period = Period(dt.date(period.end.year, 1, 1), dt.date(period.end.year, 12, 31))
        dialog_title = self.tr("{title} · {start} 至 {end}").format(
            title=title, start=fmt.date(period.start), end=fmt.date(period.end))

        def show(screen: Screen) -> None:
            dialog = ProjectListDialog(self.ctx, dialog_title, screen, self)
            dialog.project_requested.connect(self.project_requested)
            dialog.finished.connect(lambda _r, d=dialog: self._forget(d))
            self._dialogs.append(dialog)
            dialog.show()
        self.ctx.read(op(figure_screen, figure, period, today), done=show)
        return None

    def _forget(self, dialog: ProjectListDialog) -> None:
        if dialog in self._dialogs:
            self._dialogs.remove(dialog)
        dialog.deleteLater()

    def _open_pending(self, index: QModelIndex) -> None:
        if index.isValid():
            self.project_requested.emit(self.pending_model.row_at(index.row()).project_id)

    def _open_follow_up(self, index: QModelIndex) -> None:
        if index.isValid():
            row = self.follow_model.row_at(index.row())
            if row.project_id is not None:
                self.project_requested.emit(row.project_id)


_SHORT = {"signed_count": "签约", "signed_amount": "金额", "started_count": "开工",
          "start_rate": "开工率", "funds": "到位资金", "industrial_investment": "工业投资"}


def _tone(delta: int | Decimal) -> str:
    return "up" if delta > 0 else "down" if delta < 0 else ""


def _plain(value: Decimal) -> str:
    """A target or actual without trailing zeros: 50, 1500000, 57.5."""
    text = format(value.normalize(), "f")
    return text

