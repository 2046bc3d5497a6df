"""新建 / 编辑企业 (with USCC checked as typed) and 添加联系人."""

from __future__ import annotations

from PySide6.QtWidgets import QLineEdit, QPlainTextEdit, QWidget

from crm.errors import ValidationError
from crm.services import companies, dictionaries
from crm.services.companies import CompanyInput, CompanyRow, ContactInput
from ui.context import AppContext, Op
from ui.forms import Choice, FormDialog, UsccEdit


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
        self.note = f.add("note", self.tr("备注"), QPlainTextEdit(self))
        self.note.setFixedHeight(60)
        self.live("uscc", self.uscc.value, self.uscc.textChanged)
        self.live("name", self._check_name, self.line_name.textChanged)
        if row is not None:
            self.line_name.setText(row.name)
            self.uscc.setText(row.uscc or "")
            self.city.setText(row.hq_city)
            self.industry.set_value(row.industry_id)
            self.note.setPlainText(row.note)

    def _check_name(self) -> None:
        if not self.line_name.text().strip():
            raise ValidationError(self.tr("请填写企业名称"), field="name")

    def collect(self) -> Op:
        actor = self.ctx.actor
        self._check_name()
        data = CompanyInput(name=self.line_name.text(), uscc=self.uscc.value(),
                            hq_city=self.city.text(), industry_id=self.industry.value(),
                            note=self.note.toPlainText())
        if self.row is None:
            return lambda uow: companies.create_company(uow, actor, data)
        company_id, version = self.row.id, self.row.version
        return lambda uow: companies.update_company(uow, actor, company_id, data,
                                                    expected_version=version)


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
