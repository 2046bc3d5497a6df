"""考核: the score the bureau (or a person) gets under its own scheme, indicator by indicator,
for any year, quarter and as-of date, and what moves it; the 招商大使 / 引荐人 rewards.

Everything comes from one read model (crm.views.scorecard); the page reloads when projects,
receipts, targets or the scheme change.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from functools import partial

from PySide6.QtCore import QDate, QModelIndex, Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QHBoxLayout,
    QLabel,
    QMenu,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from crm import changes
from crm.services import reward_list
from crm.services.drill import Screen
from crm.services.reward_list import RewardSummary
from crm.services.rewards import ROLES, RewardLine
from crm.services.scorecard import QUARTERS, ScoreLine
from crm.views.drill import line_screen
from crm.views.scorecard import LINE_PROJECTS, read_scorecard_page
from crm.views.scorecard import ScorecardPage as PageData
from ui.context import AppContext, Latest, UnitOfWork, op
from ui.models.id_list import PagedListModel
from ui.pages.common import icon, scroll_page, title_label
from ui.widgets import format as fmt
from ui.widgets.kpi import KpiCard
from ui.widgets.panel import EmptyState, Panel
from ui.widgets.project_list import ProjectListDialog
from ui.widgets.table import Column, RowsModel, rows_view

# what a score reads: the figures, contact logs (接洽次数), investor tiers (500强 bonus), the
# scheme and the reward rules
TABLES = (*changes.FIGURES, "contact_logs", "tiers", "company_tiers", "scorecard_schemes",
          "scorecard_items", "reward_rules")


def points(value: Decimal | None) -> str:
    return "" if value is None else str(value.quantize(Decimal("0.01"), ROUND_HALF_UP))


def amount(value: Decimal | None, unit: str) -> str:
    """A figure in its unit: 万元 as 亿元, rates as 57.69%, counts whole."""
    if value is None:
        return "—"
    if unit == "%":
        return f"{points(value)}%"
    if unit in ("个", "次"):
        return f"{value.quantize(Decimal(1), ROUND_HALF_UP)} {unit}"
    if unit == "万元":
        return fmt.yi(value)
    return f"{points(value)} {unit}"


def _full(line: ScoreLine) -> str:
    if line.kind == "score":
        return points(line.weight)
    sign = "+" if line.kind == "bonus" else "-"
    top = f"，最高 {points(line.points_max)}" if line.points_max is not None else ""
    return f"{sign}{points(line.points_each)}/个{top}"


def _moves(line: ScoreLine) -> str:
    """What moves the line: how much more of the figure gives full points, or the room left."""
    if line.kind == "score":
        if line.to_full is None or not line.to_full:
            return "已满分" if line.target is not None else ""
        return f"再完成 {amount(line.to_full, line.unit)} 得满分"
    if line.kind == "bonus":
        if line.available is None:
            return ""
        return f"还可加 {points(line.available)} 分" if line.available else "已达加分上限"
    return f"已扣 {points(-line.points)} 分" if line.points else ""


def _reward_count(_uow: UnitOfWork, summary: RewardSummary) -> int:
    """The reward table's length: known from the page's read."""
    return summary.count


def _no_rows(_uow: UnitOfWork, _ids: list[int]) -> list[RewardLine]:
    """Never asked: the reward table's ids come with its pages (reward_list.reward_page)."""
    return []


class ScorecardPage(QWidget):
    """Signals:
        project_requested(project_id): open this project (from a line's list of projects).
    """

    project_requested = Signal(int)

    def __init__(self, ctx: AppContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("page-scorecard")
        self.ctx = ctx
        self.latest = Latest(ctx)
        self.data: PageData | None = None
        self.line_dialog: ProjectListDialog | None = None  # the last list opened from a line
        self._quiet = False
        content = QWidget(self)
        column = QVBoxLayout(content)
        column.setContentsMargins(24, 20, 24, 20)
        column.setSpacing(14)

        self.year = QSpinBox(content)
        self.year.setObjectName("scorecard-year")
        self.year.setRange(2000, 2100)
        self.year.setSuffix(self.tr(" 年"))
        self.quarter = QComboBox(content)
        self.quarter.setObjectName("scorecard-quarter")
        self.quarter.addItem(self.tr("全年"), 0)
        for q, name in QUARTERS.items():
            self.quarter.addItem(self.tr(name) + self.tr("（时序目标）"), q)
        self.as_of = QDateEdit(content)
        self.as_of.setObjectName("scorecard-as-of")
        self.as_of.setCalendarPopup(True)
        self.as_of.setDisplayFormat("yyyy-MM-dd")
        self.who = QComboBox(content)
        self.who.setObjectName("scorecard-who")
        self.who.addItem(self.tr("本单位"), None)
        self.edit_button = QPushButton(icon("fa5s.edit"), self.tr("编辑考核方案…"), content)
        self.edit_button.setObjectName("scorecard-edit")
        self.edit_button.setVisible(False)
        self.edit_button.clicked.connect(self.edit_scheme)
        header = QHBoxLayout()
        header.addWidget(title_label(self.tr("考核"), content))
        header.addStretch(1)
        for label, widget in ((self.tr("年度"), self.year), (self.tr("期间"), self.quarter),
                              (self.tr("截至"), self.as_of), (self.tr("考核对象"), self.who)):
            header.addWidget(QLabel(label, content))
            header.addWidget(widget)
        header.addWidget(self.edit_button)
        column.addLayout(header)

        self.scheme_label = QLabel("", content)
        self.scheme_label.setObjectName("scorecard-scheme")
        self.scheme_label.setProperty("class", "muted")
        self.scheme_label.setWordWrap(True)
        column.addWidget(self.scheme_label)
        cards = QHBoxLayout()
        self.total_card = KpiCard("kpi-score", self.tr("考核得分"), content)
        self.available_card = KpiCard("kpi-score-available", self.tr("尚可得分"), content)
        self.bonus_card = KpiCard("kpi-score-bonus", self.tr("加分 / 扣分"), content)
        for card in (self.total_card, self.available_card, self.bonus_card):
            cards.addWidget(card)
        column.addLayout(cards)

        self.lines = RowsModel([
            Column(self.tr("类别"), lambda r: r.kind_name, width=72),
            Column(self.tr("指标"), lambda r: r.label, width=200),
            Column(self.tr("实际"), lambda r: amount(r.actual, r.unit), "number", 120),
            Column(self.tr("目标"), lambda r: amount(r.target, r.unit)
                   if r.target is not None else "", "number", 120),
            Column(self.tr("完成率"), lambda r: r.ratio_text if r.kind == "score" else "",
                   "number", 84),
            Column(self.tr("分值"), _full, "number", 170),
            Column(self.tr("得分"), lambda r: points(r.points), "number", 70,
                   alert=lambda r: r.points < 0),
            Column(self.tr("尚可得分"), lambda r: points(r.available), "number", 80),
            Column(self.tr("还差多少"), _moves, width=0),
            Column(self.tr("目标口径 / 说明"), lambda r: r.note or r.basis, width=200,
                   alert=lambda r: bool(r.note)),
        ])
        self.lines_view = rows_view(self.lines)
        self.lines_view.setObjectName("scorecard-lines")
        self.lines_view.setMinimumHeight(34 * 11 + 4)
        self.lines_view.doubleClicked.connect(self._line_chosen)
        self.lines_view.setToolTip(self.tr("双击签约、开工、开工率或超时限未开工一行，列出其中的项目"))
        self.lines_state = EmptyState(self.lines_view, "")
        lines_panel = Panel(self.tr("指标得分"))
        lines_panel.add(self.lines_state)
        column.addWidget(lines_panel)

        self.people = RowsModel([
            Column(self.tr("排名"), lambda r: r[0], "number", 56),
            Column(self.tr("人员"), lambda r: r[1].owner, width=110),
            Column(self.tr("得分"), lambda r: points(r[1].total), "number", 80),
            Column(self.tr("尚可得分"), lambda r: points(r[1].available), "number", 90),
        ])
        people_view = rows_view(self.people)
        people_view.setObjectName("scorecard-people")
        people_view.setMinimumHeight(34 * 6)
        people_view.doubleClicked.connect(self._person_chosen)
        self.people_state = EmptyState(people_view, self.tr(
            "还没有个人考核方案 — 选择某位人员后，由管理员“编辑考核方案…”"))
        people_panel = Panel(self.tr("个人得分排名（双击查看某人）"))
        people_panel.add(self.people_state)

        # the year's lines can be tens of thousands (a province): the count and the total come
        # with the page, the lines a screen at a time as the table scrolls
        self.rewards: PagedListModel[RewardSummary, RewardLine] = PagedListModel(ctx, [
            Column(self.tr("奖励对象"), lambda r: r.role_name, width=80),
            Column(self.tr("姓名"), lambda r: r.person, width=120),
            Column(self.tr("项目"), lambda r: r.project, width=0),
            Column(self.tr("签约日期"), lambda r: r.signed_on, "date", 96),
            Column(self.tr("登记日期"), lambda r: r.registered_on, "date", 96),
            Column(self.tr("当年到位固投"), lambda r: fmt.yi(r.fixed_assets), "number", 100),
            Column(self.tr("奖励(万元)"), lambda r: r.reward.normalize() if r.eligible else "—",
                   "number", 90),
            Column(self.tr("说明"), lambda r: r.reason, width=150, alert=lambda r: not r.eligible),
        ], RewardSummary(0, dt.date.min, 0, Decimal(0), ()), _reward_count,
            reward_list.reward_page, _no_rows, self)
        rewards_view = rows_view(self.rewards)
        rewards_view.setObjectName("scorecard-rewards")
        rewards_view.setMinimumHeight(34 * 6)
        self.rewards_state = EmptyState(rewards_view, self.tr(
            "没有招商大使或引荐人引荐的签约项目"))
        self.rules_label = QLabel("", content)
        self.rules_label.setProperty("class", "muted")
        self.rules_label.setWordWrap(True)
        rewards_panel = Panel(self.tr("招商大使与引荐人奖励"))
        self.rules_button = QPushButton(self.tr("奖励规则…"), content)
        self.rules_button.setObjectName("scorecard-reward-rules")
        rules_menu = QMenu(self.rules_button)
        for role, name in ROLES.items():
            action = rules_menu.addAction(self.tr(name) + self.tr("奖励规则…"))
            action.triggered.connect(partial(self.edit_rule, role))
        self.rules_button.setMenu(rules_menu)
        self.referrer_button = QPushButton(self.tr("登记引荐人…"), content)
        self.referrer_button.setObjectName("scorecard-register-referrer")
        self.referrer_button.clicked.connect(self.register_referrer)
        for button in (self.rules_button, self.referrer_button):
            button.setVisible(False)
            rewards_panel.header.addWidget(button)
        rewards_panel.add(self.rules_label, 0)
        rewards_panel.add(self.rewards_state)
        lower = QHBoxLayout()
        lower.addWidget(people_panel, 2)
        lower.addWidget(rewards_panel, 5)
        column.addLayout(lower)
        column.addStretch(1)
        scroll_page(self, content)

        self.year.valueChanged.connect(lambda _v: self._changed(keep_as_of=False))
        self.quarter.currentIndexChanged.connect(lambda _i: self._changed(keep_as_of=False))
        self.as_of.dateChanged.connect(lambda _d: self._changed(keep_as_of=True))
        self.who.currentIndexChanged.connect(lambda _i: self._changed(keep_as_of=True))
        ctx.on_change(TABLES, self.reload)
        self._load(None, None, None, None)

    # --- reading --------------------------------------------------------------------------
    def _chosen(self) -> tuple[int, int | None, dt.date, int | None]:
        q = self.quarter.currentData() or None
        d = self.as_of.date()
        return self.year.value(), q, dt.date(d.year(), d.month(), d.day()), self.who.currentData()

    def _changed(self, *, keep_as_of: bool) -> None:
        if self._quiet:
            return
        year, quarter, as_of, owner = self._chosen()
        self._load(year, quarter, as_of if keep_as_of else None, owner)

    def reload(self) -> None:
        if self.data is None:
            self._load(None, None, None, None)
        else:
            self._load(*self._chosen())

    def _load(self, year: int | None, quarter: int | None, as_of: dt.date | None,
              owner: int | None) -> None:
        self.latest.read(op(read_scorecard_page, self.ctx.actor, year, quarter, as_of, owner,
                            self.ctx.today()), done=self.show_data)

    # --- showing --------------------------------------------------------------------------
    def show_data(self, data: PageData) -> None:
        self.data = data
        card = data.card
        self._quiet = True
        try:
            self.year.setValue(card.year)
            self.quarter.setCurrentIndex(max(0, self.quarter.findData(card.quarter or 0)))
            self.as_of.setDate(QDate(card.as_of.year, card.as_of.month, card.as_of.day))
            self.who.clear()
            self.who.addItem(self.tr("本单位"), None)
            for pid, name in data.persons:
                self.who.addItem(name, pid)
            self.who.setCurrentIndex(max(0, self.who.findData(card.owner_id))
                                     if card.owner_id is not None else 0)
        finally:
            self._quiet = False
        self.edit_button.setVisible(data.may_edit_scheme or data.may_edit_targets)
        self.rules_button.setVisible(data.may_edit_rewards)
        self.referrer_button.setVisible(data.may_register_referrer)
        scheme = card.scheme
        if scheme is None:
            who = self.tr("个人") if card.owner_id else self.tr("本单位")
            self.scheme_label.setText(self.tr("{year} 年还没有{who}考核方案").format(
                year=card.year, who=who))
            self.lines_state.set_empty(True, self.tr(
                "{year} 年还没有{who}考核方案 — 管理员点“编辑考核方案…”按本地考核办法定义指标、"
                "目标、分值与加减分").format(year=card.year, who=who))
        else:
            owner = f"{card.owner} · " if card.owner else ""
            basis = f"\n{scheme.basis}" if scheme.basis else ""
            self.scheme_label.setText(f"{owner}{scheme.name} · {card.period_text}{basis}")
            self.lines_state.set_empty(not card.lines, self.tr("考核方案还没有指标"))
        self.lines.set_rows(card.lines)
        score = [li for li in card.lines if li.kind == "score"]
        extra = sum((li.points for li in card.lines if li.kind != "score"), Decimal(0))
        self.total_card.set_figure(points(card.total), self.tr("分"), self.tr(
            "满分 {full}（加分另计）").format(full=points(card.full_marks)))
        self.available_card.set_figure(points(card.available), self.tr("分"), self.tr(
            "{n} 项指标未满分").format(n=sum(1 for li in score if li.available)))
        self.bonus_card.set_figure(("+" if extra > 0 else "") + points(extra), self.tr("分"),
                                   self.tr("加分 {b}，扣分 {d}").format(
                                       b=points(sum((li.points for li in card.lines
                                                     if li.kind == "bonus"), Decimal(0))),
                                       d=points(-sum((li.points for li in card.lines
                                                      if li.kind == "deduction"), Decimal(0)))),
                                   "down" if extra < 0 else "")
        self.people.set_rows(list(enumerate(data.people, start=1)))
        self.people_state.set_empty(not data.people)
        self._show_rewards(data.rewards)

    def _show_rewards(self, summary: RewardSummary) -> None:
        assert self.data is not None
        rules = "；".join(r.text for r in self.data.rules)
        self.rules_label.setText(self.tr(
            "{rules}。{count} 条，奖励合计 {total} 万元；只计签约前登记的引荐人").format(
            rules=rules or self.tr("本年度未设奖励规则"), count=summary.count,
            total=summary.total.normalize()))
        self.rewards.set_query(summary)
        self.rewards_state.set_empty(not summary.count)

    def _person_chosen(self, index: QModelIndex) -> None:
        row = self.people.row_at(index.row())
        if row is not None:
            self.who.setCurrentIndex(max(0, self.who.findData(row[1].owner_id)))

    def _line_chosen(self, index: QModelIndex) -> None:
        """The projects behind a line (签约, 开工, the ones still to start, the overdue)."""
        line = self.lines.row_at(index.row())
        if line is None or line.code not in LINE_PROJECTS or self.data is None:
            return
        card = self.data.card
        title = f"{line.label} — {self.tr(LINE_PROJECTS[line.code][1])}"

        def show(screen: Screen) -> None:
            dialog = ProjectListDialog(self.ctx, title, screen, self)
            dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            dialog.project_requested.connect(self.project_requested)
            dialog.show()
            self.line_dialog = dialog
        self.ctx.read(op(line_screen, line.code, card.year, card.quarter, card.as_of,
                         card.owner_id), done=show)

    # --- editing --------------------------------------------------------------------------
    def edit_scheme(self) -> None:
        from ui.dialogs.scheme_dialog import SchemeDialog

        year, _q, _d, owner = self._chosen()
        assert self.data is not None
        dialog = SchemeDialog(self.ctx, year, "person" if owner is not None else "unit",
                              may_edit_scheme=self.data.may_edit_scheme, parent=self)
        dialog.open()

    def edit_rule(self, role: str) -> None:
        from ui.dialogs.reward_dialogs import RewardRuleDialog

        assert self.data is not None
        current = next((r for r in self.data.rules if r.role == role), None)
        RewardRuleDialog(self.ctx, self.data.card.year, role, current, self).open()

    def register_referrer(self) -> None:
        from ui.dialogs.reward_dialogs import ReferrerDialog

        ReferrerDialog(self.ctx, self).open()
