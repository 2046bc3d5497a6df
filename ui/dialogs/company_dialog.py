"""新建 / 编辑企业 (with USCC checked as typed) and 添加联系人.

A name that may be a stored company (another spelling, crm.services.duplicates) is answered as
it is typed, and again on save: the form offers "使用已有的 上海际数科技有限公司" (the dialog
then hands that company back instead of creating a second), and, where the match is only a
guess, "不是同一企业，仍然新建" (the pair is then remembered as two companies).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from crm.errors import CrmError, ValidationError
from crm.services import companies, company_check, dictionaries, local_companies, tiers
from crm.services.companies import CompanyInput, CompanyRow, ContactInput
from crm.services.company_check import DuplicateSuspected, Match
from crm.views.projects import company_choices, segment_options
from ui.context import AppContext, Op, op
from ui.forms import Choice, DateEdit, FormDialog, SearchPicker, UsccEdit
from ui.throttle import Throttle
from ui.widgets.tier_picker import TierPicker


def _save(actor: Any, company_id: int | None, version: int | None, data: CompanyInput,
          parent: tuple[int | None, Any] | None, tier_ids: list[int] | None = None) -> Op:
    """Create or update the company, then its investor and licence date and its tier tags
    when they changed, in one write."""
    def write(uow: Any) -> CompanyRow:
        if company_id is None:
            row = companies.create_company(uow, actor, data)
        else:
            row = companies.update_company(uow, actor, company_id, data,
                                           expected_version=version)
        if parent is not None:
            local_companies.set_parent(uow, actor, row.id, parent[0], parent[1])
            row = companies.get_company(uow, row.id)
        if tier_ids is not None:
            tiers.set_company_tiers(uow, actor, row.id, tier_ids)
        return row
    return write


class CompanyDialog(FormDialog):
    """Create (``row`` None) or edit a company; contacts are kept as they are."""

    aliases = {"company.name": "name", "company.uscc": "uscc"}

    def __init__(self, ctx: AppContext, row: CompanyRow | None = None, parent: QWidget | None = None):
        super().__init__(ctx, self.tr("编辑企业") if row else self.tr("新建企业"), parent)
        self.row = row
        self.setMinimumWidth(480)
        f = self.form
        self.line_name = f.add("name", self.tr("企业名称"), QLineEdit(self), required=True)
        self.uscc = f.add("uscc", self.tr("统一社会信用代码"), UsccEdit(self, "company.uscc"))
        self.city = f.add("hq_city", self.tr("总部城市"), QLineEdit(self))
        self.industry = f.add("industry_id", self.tr("产业"), Choice(
            self, blank=self.tr("（未分类）")))
        self.load(dictionaries.list_industries, lambda rows: self.industry.set_items(
            [(i.name, i.id) for i in rows]))
        # 招商图谱: the chain segment it is a local firm (本地企业) of
        self.segment = f.add("segment_id", self.tr("产业链环节"), Choice(
            self, blank=self.tr("（未归入产业链）")))
        self.segment.setObjectName("segment")
        self.segment.setToolTip(self.tr("本企业作为本地企业计入招商图谱中的哪个环节"))
        self.load(segment_options, lambda rows: self.segment.set_items(
            [(label, ident) for ident, label in rows]))
        self.note = f.add("note", self.tr("备注"), QPlainTextEdit(self))
        self.note.setFixedHeight(60)
        # 企业层级 (世界500强, 上市公司, 专精特新 …): counted per signing (crm.services.assessment)
        self.tiers = f.add("tiers", self.tr("企业层级"), TierPicker(self))
        self._tiers_before: list[int] = []
        self.load(tiers.list_tiers, self.tiers.set_items)
        if row is not None:
            self.load(op(tiers.company_tiers, row.id), self._show_tiers)
        # a local project company (项目公司): its investor and its licence date
        self.parent_company = f.add("parent_id", self.tr("投资方"), SearchPicker(
            ctx, company_choices, self, self.tr("本企业是项目公司时：投资方的名称或信用代码")))
        self.licence_on = f.add("licence_on", self.tr("营业执照取得日期"),
                                DateEdit(self, optional=True))
        # the stored companies this name may be, and what to do about them
        self.offer = QWidget(self)
        self.offer.setObjectName("duplicate-offer")
        box = QVBoxLayout(self.offer)
        box.setContentsMargins(0, 4, 0, 4)
        self.offer_text = QLabel(self.offer)
        self.offer_text.setObjectName("duplicate-offer-text")
        self.offer_text.setWordWrap(True)
        self.use_existing = QPushButton(self.offer)
        self.use_existing.setObjectName("use-existing")
        self.use_existing.setProperty("class", "primary")
        self.use_existing.clicked.connect(self._use_existing)
        self.create_anyway = QPushButton(self.tr("不是同一企业，仍然新建"), self.offer)
        self.create_anyway.setObjectName("create-anyway")
        self.create_anyway.clicked.connect(self._create_anyway)
        box.addWidget(self.offer_text)
        line = QHBoxLayout()
        line.addStretch(1)
        line.addWidget(self.use_existing)
        line.addWidget(self.create_anyway)
        box.addLayout(line)
        self.layout().insertWidget(1, self.offer)  # type: ignore[union-attr]
        self.offer.hide()
        self.matches: list[Match] = []
        self.distinct_from: tuple[int, ...] = ()  # matches the person said are other companies
        self._check_later = Throttle(self._look_up, 300, self)
        self.live("uscc", self.uscc.value, self.uscc.textChanged)
        self.live("name", self._check_name, self.line_name.textChanged)
        self._parent_before: tuple[int | None, Any] = (None, None)
        if row is not None:
            self.line_name.setText(row.name)
            self.uscc.setText(row.uscc or "")
            self.city.setText(row.hq_city)
            self.industry.set_value(row.industry_id)
            self.segment.set_value(row.segment_id)
            self.note.setPlainText(row.note)
            if row.parent_id is not None:
                self.parent_company.set_value(row.parent_id, row.parent)
            self.licence_on.set_value(row.licence_on)
            self._parent_before = (row.parent_id, row.licence_on)
        self.line_name.textChanged.connect(self._check_later)

    # --- the same company under another name ------------------------------------------------
    def _look_up(self) -> None:
        name = self.line_name.text()
        own = self.row.id if self.row is not None else None
        if not name.strip() or (self.row is not None and name.strip() == self.row.name):
            self._offer([])
            return
        self.ctx.read(op(company_check.similar_companies, name, None, exclude_id=own),
                      done=lambda found: self._offer(found) if self.line_name.text() == name
                      else None)

    def _offer(self, matches: list[Match]) -> None:
        self.matches = [m for m in matches if m.id not in self.distinct_from or m.sure]
        self.offer.setVisible(bool(self.matches))
        if not self.matches:
            return
        first = self.matches[0]
        others = "、".join(m.name for m in self.matches[1:])
        self.offer_text.setText(self.tr("已有企业“{name}”：{reason}").format(
            name=first.name, reason=first.reason) + (
            self.tr("（另有相似的：{others}）").format(others=others) if others else ""))
        self.use_existing.setText(self.tr("使用已有的 {name}").format(name=first.name))
        # the same name once normalised, or the same USCC, is that company: no way round it
        self.create_anyway.setVisible(not any(m.sure for m in self.matches))
        if self.row is not None:  # editing: two records of one company are merged, not swapped
            self.use_existing.setVisible(False)
            self.create_anyway.setText(self.tr("不是同一企业，仍然保存"))
            self.offer_text.setText(self.offer_text.text() + self.tr(
                "。如是同一企业，请由管理者在 企业→重复企业 中合并"))
        self.fit_height()

    def _use_existing(self) -> None:
        if not self.matches:
            return
        company_id = self.matches[0].id
        self.ctx.read(op(companies.get_company, company_id), done=self._chosen)

    def _chosen(self, existing: CompanyRow) -> None:
        self.saved = existing
        self.succeeded.emit(existing)
        self.done(1)

    def _create_anyway(self) -> None:
        self.distinct_from = tuple({*self.distinct_from, *(m.id for m in self.matches)})
        self.offer.hide()
        self.accept()

    def show_error(self, exc: CrmError) -> None:
        super().show_error(exc)
        if isinstance(exc, DuplicateSuspected):
            self._offer(exc.matches)

    def _show_tiers(self, rows: list[Any]) -> None:
        self.tiers.set_checked(rows)
        self._tiers_before = sorted(r.id for r in rows)

    def _check_name(self) -> None:
        if not self.line_name.text().strip():
            raise ValidationError(self.tr("请填写企业名称"), field="name")

    def collect(self) -> Op:
        actor = self.ctx.actor
        self._check_name()
        data = CompanyInput(name=self.line_name.text(), uscc=self.uscc.value(),
                            hq_city=self.city.text(), industry_id=self.industry.value(),
                            note=self.note.toPlainText(), distinct_from=self.distinct_from,
                            segment_id=self.segment.value())
        chosen = (self.parent_company.value(), self.licence_on.value())
        parent = chosen if chosen != self._parent_before else None
        company_id = self.row.id if self.row is not None else None
        version = self.row.version if self.row is not None else None
        chosen_tiers = self.tiers.value()
        tier_ids = chosen_tiers if sorted(chosen_tiers) != self._tiers_before else None
        return _save(actor, company_id, version, data, parent, tier_ids)


class ContactDialog(FormDialog):
    """添加联系人 to a company."""

    aliases = {"contact.name": "name", "contact.phone": "phone", "contact.email": "email"}

    def __init__(self, ctx: AppContext, company_id: int, parent: QWidget | None = None):
        super().__init__(ctx, self.tr("添加联系人"), parent)
        self.company_id = company_id
        f = self.form
        self.name = f.add("name", self.tr("姓名"), QLineEdit(self), required=True)
        self.title = f.add("title", self.tr("职务"), QLineEdit(self))
        self.phone = f.add("phone", self.tr("电话"), QLineEdit(self))
        self.email = f.add("email", self.tr("邮箱"), QLineEdit(self))

    def collect(self) -> Op:
        actor = self.ctx.actor
        data = ContactInput(self.name.text(), self.title.text(), self.phone.text(),
                            self.email.text())
        company_id = self.company_id
        return lambda uow: companies.add_contact(uow, actor, company_id, data)
