"""The project list model: the sorted ids of a :class:`ProjectQuery`, rows fetched in batches.

Filtering and sorting happen in SQL (``project_ids``); a header click re-queries with another
sort key. Rows come in blocks through ``project_rows`` off the GUI thread (see
:mod:`ui.models.id_list`).
"""

from __future__ import annotations

from PySide6.QtCore import QObject

from crm.money import format_yi
from crm.services.projects import ProjectQuery, ProjectRow, project_ids, project_rows
from ui.context import AppContext
from ui.models.id_list import QueryListModel
from ui.models.table import Column
from ui.widgets import format as fmt


class ProjectListModel(QueryListModel[ProjectQuery, ProjectRow]):
    """Projects of one :class:`ProjectQuery`; ``reload()`` re-reads ids and visible rows."""

    def __init__(self, ctx: AppContext, parent: QObject | None = None):
        tr = self.tr
        super().__init__(ctx, [
            Column(tr("项目名称"), lambda r: r.name, sort="name"),
            Column(tr("企业"), lambda r: r.company, sort="company"),
            Column(tr("阶段"), lambda r: r.stage_name, sort="stage"),
            Column(tr("产业"), lambda r: r.industry, sort="industry"),
            Column(tr("总投资(亿元)"),
                   lambda r: format_yi(r.planned_investment) if r.planned_investment is not None
                   else "", "number", sort="planned_investment"),
            Column(tr("签约金额(亿元)"),
                   lambda r: format_yi(r.signed_amount) if r.signed_on else "", "number"),
            Column(tr("签约日期"), lambda r: fmt.date(r.signed_on), "number", sort="signed_on"),
            Column(tr("开工日期"), lambda r: fmt.date(r.started_on), "number", sort="started_on"),
            Column(tr("负责人"), lambda r: r.owner, sort="owner"),
            Column(tr("来源"), lambda r: r.source_name),
        ], ProjectQuery(), project_ids, project_rows, parent)

    def project_at(self, row: int) -> ProjectRow | None:
        return self.row_at(row)

    def tooltip(self, column: int, text: str) -> str | None:
        return text if column <= 1 and len(text) > 12 else None
