"""新建 / 编辑项目: one form, one write; a stale edit gets the core's conflict message."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QWidget,
)

from crm.errors import ValidationError
from crm.services.common import SOURCE_NAMES
from crm.services.companies import get_company
from crm.services.local_companies import set_local_company, start_from_licence
from crm.services.projects import ProjectInput, ProjectRow, create_project, update_project
from crm.views.projects import Lookups, company_choices, load_lookups
from ui.context import AppContext, Op, op
from ui.forms import AmountEdit, Choice, DateEdit, FormDialog, SearchPicker


class ProjectDialog(FormDialog):
    """Create (``row`` None) or edit a project."""

    aliases = {"company.name": "company_id"}

    def __init__(self, ctx: AppContext, row: ProjectRow | None = None, parent: QWidget | None = None,
                 company: tuple[int, str] | None = None):
        super().__init__(ctx, self.tr("编辑项目") if row else self.tr("新建项目"), parent)
        self.row = row
        self.setMinimumWidth(560)
        f = self.form
        self.name = f.add("name", self.tr("项目名称"), QLineEdit(self), required=True)
        company_box = QWidget(self)
        line = QHBoxLayout(company_box)
        line.setContentsMargins(0, 0, 0, 0)
        self.company = SearchPicker(ctx, company_choices, company_box,
                                    self.tr("输入企业名称、信用代码或拼音首字母"))
        self.new_company = QPushButton(self.tr("新建企业…"), company_box)
        self.new_company.setObjectName("link-button")
        self.new_company.clicked.connect(self._create_company)
        line.addWidget(self.company, 1)
        line.addWidget(self.new_company)
        f.add("company_id", self.tr("企业"), company_box, required=True)
        # the investor signs (企业 above); the local project company lands (项目公司)
        local_box = QWidget(self)
        local_line = QHBoxLayout(local_box)
        local_line.setContentsMargins(0, 0, 0, 0)
        self.local_company = SearchPicker(ctx, company_choices, local_box,
                                          self.tr("在本区注册的项目公司（可不填）"))
        self.open_by_licence = QCheckBox(self.tr("以其营业执照取得日期为开业日期"), local_box)
        self.open_by_licence.setObjectName("open-by-licence")
        self.open_by_licence.setEnabled(False)  # a signed project not started yet (_fill)
        self.open_by_licence.setToolTip(self.tr("项目已签约、尚未开工时：按项目公司的营业执照取得日期"
                                                "登记开业（与推进阶段相同，计入开工数）"))
        local_line.addWidget(self.local_company, 1)
        local_line.addWidget(self.open_by_licence)
        f.add("local_company_id", self.tr("项目公司"), local_box)
        self._local_before: int | None = None
        self.industry = f.add("industry_id", self.tr("产业"), Choice(
            self, blank=self.tr("（未分类）")))
        # 招商图谱: the chain segment it fills (产业链 / 上游 / 环节), counted on the map
        self.segment = f.add("segment_id", self.tr("产业链环节"), Choice(
            self, blank=self.tr("（未归入产业链）")))
        self.segment.setObjectName("segment")
        self.planned = f.add("planned_investment", self.tr("计划总投资"),
                             AmountEdit(self, unit="亿元", field="planned_investment"))
        self.source = f.add("source", self.tr("招商来源"), Choice(
            self, [(name, code) for code, name in SOURCE_NAMES.items()]))
        self.ambassador = f.add("ambassador_id", self.tr("招商大使"), Choice(
            self, blank=self.tr("（无）")))
        self.referrer = f.add("referrer", self.tr("引荐人"), QLineEdit(self))
        self.owner = f.add("owner_id", self.tr("负责人"), Choice(self, blank=self.tr("（无）")))
        self.carrier = f.add("carrier_id", self.tr("拟落地载体"), Choice(
            self, blank=self.tr("（未定）")))
        self.land = f.add("land_mu", self.tr("用地面积(亩)"),
                          AmountEdit(self, unit="亩", units=("亩",), field="land_mu"))
        self.floor = f.add("floor_area", self.tr("需求面积(㎡)"),
                           AmountEdit(self, unit="㎡", units=("㎡",), field="floor_area"))
        self.output = f.add("expected_output", self.tr("预计年产值"),
                            AmountEdit(self, unit="亿元", field="expected_output"))
        self.tax = f.add("expected_tax", self.tr("预计年税收"),
                         AmountEdit(self, unit="万元", field="expected_tax"))
        self.jobs = f.add("expected_jobs", self.tr("预计就业(人)"), QSpinBox(self))
        self.jobs.setRange(0, 1_000_000)
        self.lead_on = f.add("lead_on", self.tr("立项日期"), DateEdit(self))
        plan_box = QWidget(self)
        plan_line = QHBoxLayout(plan_box)
        plan_line.setContentsMargins(0, 0, 0, 0)
        self.planned_start = DateEdit(plan_box, optional=True)
        self.planned_start.setObjectName("planned-start-on")
        self.planned_kind = Choice(plan_box, [(self.tr("开工"), "开工"), (self.tr("开业"), "开业")])
        self.planned_kind.setObjectName("planned-start-kind")
        plan_line.addWidget(self.planned_start, 1)
        plan_line.addWidget(self.planned_kind)
        f.add("planned_start_on", self.tr("计划开工(开业)日期"), plan_box)
        self.note = f.add("note", self.tr("备注"), QPlainTextEdit(self))
        self.note.setFixedHeight(60)

        for amount in (self.planned, self.land, self.floor, self.output, self.tax):
            self.live(amount.field, amount.value, amount.edited)
        self.live("name", self._check_name, self.name.textChanged)
        self.live("ambassador_id", self._check_ambassador, self.source.currentIndexChanged,
                  self.ambassador.currentIndexChanged)
        self.company.picked.connect(lambda _id: self.form.clear_error("company_id"))
        self.source.currentIndexChanged.connect(self._source_changed)

        if not ctx.actor.is_manager:
            self.owner.setEnabled(False)
        if row is not None:
            self._fill(row)
        else:
            self.owner.set_value(ctx.actor.user_id)
            self.source.set_value("self")
            if company is not None:
                self.company.set_value(*company)
        self._source_changed()
        self.load(load_lookups, self._lookups)

    def _lookups(self, look: Lookups) -> None:
        """The lists the form offers, read off the GUI thread after it opened."""
        self.industry.set_items([(i.name, i.id) for i in look.industries])
        self.ambassador.set_items([(a.name + (f"（{a.organisation}）" if a.organisation else ""),
                                    a.id) for a in look.ambassadors])
        self.owner.set_items([(u.display_name, u.id) for u in look.users])
        self.carrier.set_items([(f"{c.name}（{c.kind}）", c.id) for c in look.carriers])
        self.segment.set_items([(label, ident) for ident, label in look.segments])
        self.form.clear_error("ambassador_id")

    def _fill(self, r: ProjectRow) -> None:
        self.name.setText(r.name)
        self.company.set_value(r.company_id, r.company)
        self.industry.set_value(r.industry_id)
        self.segment.set_value(r.segment_id)
        self.planned.set_value(r.planned_investment)
        self.source.set_value(r.source)
        self.ambassador.set_value(r.ambassador_id)
        self.referrer.setText(r.referrer)
        self.owner.set_value(r.owner_id)
        self.carrier.set_value(r.carrier_id)
        self.land.set_value(r.land_mu)
        self.floor.set_value(r.floor_area)
        self.output.set_value(r.expected_output)
        self.tax.set_value(r.expected_tax)
        self.jobs.setValue(r.expected_jobs or 0)
        self.lead_on.set_value(r.lead_on)
        self._local_before = r.local_company_id
        if r.local_company_id is not None:
            self.load(op(get_company, r.local_company_id),
                      lambda c: self.local_company.set_value(c.id, c.name))
        self.open_by_licence.setEnabled(r.signed_on is not None and r.started_on is None)
        self.planned_start.set_value(r.planned_start_on)
        self.planned_kind.set_value(r.planned_start_kind or "开工")
        self.note.setPlainText(r.note)

    def _source_changed(self, *_args: object) -> None:
        self.ambassador.setEnabled(self.source.value() == "ambassador")

    def _check_name(self) -> None:
        if not self.name.text().strip():
            raise ValidationError(self.tr("请填写项目名称"), field="name")

    def _check_ambassador(self) -> None:
        if self.source.value() == "ambassador" and self.ambassador.value() is None:
            raise ValidationError(self.tr("招商来源为招商大使时，请选择是哪位大使"),
                                  field="ambassador_id")

    def _create_company(self) -> None:
        from ui.dialogs.company_dialog import CompanyDialog

        dialog = CompanyDialog(self.ctx, None, self)
        dialog.line_name.setText(self.company.line.text())
        dialog.succeeded.connect(lambda c: self.company.set_value(c.id, c.name))
        dialog.open()

    def values(self) -> ProjectInput:
        self._check_name()
        company_id = self.company.value()
        if company_id is None:
            raise ValidationError(self.tr("请从列表中选择企业（没有时点“新建企业…”）"),
                                  field="company_id")
        return ProjectInput(
            name=self.name.text(), company_id=company_id, industry_id=self.industry.value(),
            planned_investment=self.planned.value(), source=self.source.value(),
            ambassador_id=self.ambassador.value(), referrer=self.referrer.text(),
            owner_id=self.owner.value(), carrier_id=self.carrier.value(),
            land_mu=self.land.value(), floor_area=self.floor.value(),
            expected_output=self.output.value(), expected_tax=self.tax.value(),
            expected_jobs=self.jobs.value() or None,
            note=self.note.toPlainText(), lead_on=self.lead_on.value(),
            planned_start_on=self.planned_start.value(),
            planned_start_kind=self.planned_kind.value(), segment_id=self.segment.value())

    def collect(self) -> Op:
        actor = self.ctx.actor
        data = self.values()
        local = self.local_company.value()
        change_local = local != self._local_before
        by_licence = self.open_by_licence.isEnabled() and self.open_by_licence.isChecked()
        project_id = self.row.id if self.row is not None else None
        version = self.row.version if self.row is not None else None

        def write(uow: Any) -> ProjectRow:
            if project_id is None:
                row = create_project(uow, actor, data)
            else:
                row = update_project(uow, actor, project_id, data, expected_version=version)
            if change_local:
                row = set_local_company(uow, actor, row.id, local)
            if by_licence:
                row = start_from_licence(uow, actor, row.id)
            return row
        return write


def new_project(ctx: AppContext, parent: QWidget | None = None,
                company: tuple[int, str] | None = None) -> None:
    """Open the 新建项目 dialog (Ctrl+N); it saves on its own and closes."""
    dialog = ProjectDialog(ctx, None, parent, company=company)
    dialog.open()

