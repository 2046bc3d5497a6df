"""The project list model: the sorted ids of a :class:`ProjectQuery`, rows fetched in batches.

Filtering and sorting happen in SQL (``project_ids_or_count``); a header click re-queries with
another sort key. Up to ``projects.ALL_IDS`` projects the list holds all their ids; beyond
(a province's million) it reads the count and each screen through ``project_page``, ids and
rows in one read (see :mod:`ui.models.id_list`).
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QObject

from crm.services.projects import (
    ProjectQuery,
    ProjectRow,
    project_ids_or_count,
    project_marks,
    project_page,
    project_rows,
)
from ui.context import AppContext
from ui.models.id_list import PagedListModel
from ui.models.table import Column


def _tr(text: str) -> str:
    return QCoreApplication.translate("ProjectColumns", text)


def project_columns(*keys: str) -> list[Column]:
    """The columns a list of projects shows, in the order of ``keys``: one spec for every
    list of :class:`ProjectRow` (the 项目 page, an event's or a carrier's projects, a
    company's, a figure's drill-down), so a column looks and sorts the same everywhere."""
    spec = {
        "name": Column(_tr("项目名称"), lambda r: r.name, sort="name"),
        "company": Column(_tr("企业"), lambda r: r.company, sort="company"),
        "stage": Column(_tr("阶段"), lambda r: r.stage_name, width=72, sort="stage"),
        "industry": Column(_tr("产业"), lambda r: r.industry, width=100, sort="industry"),
        "planned": Column(_tr("总投资(亿元)"), lambda r: r.planned_investment, "yi",
                          width=110, sort="planned_investment"),
        "signed_amount": Column(_tr("签约金额(亿元)"),
                                lambda r: r.signed_amount if r.signed_on else None, "yi",
                                width=120),
        "signed_on": Column(_tr("签约日期"), lambda r: r.signed_on, "date", width=100,
                            sort="signed_on"),
        "started_on": Column(_tr("开工日期"), lambda r: r.started_on, "date", width=100,
                             sort="started_on"),
        "owner": Column(_tr("负责人"), lambda r: r.owner, width=80, sort="owner"),
        "source": Column(_tr("来源"), lambda r: r.source_name, width=80),
    }
    return [spec[key] for key in keys]


class ProjectListModel(PagedListModel[ProjectQuery, ProjectRow]):
    """Projects of one :class:`ProjectQuery`; ``reload()`` re-reads ids and visible rows."""

    def __init__(self, ctx: AppContext, parent: QObject | None = None):
        super().__init__(ctx, project_columns(
            "name", "company", "stage", "industry", "planned", "signed_amount", "signed_on",
            "started_on", "owner", "source"), ProjectQuery(), project_ids_or_count,
            project_page, project_rows, parent, marks=project_marks)

    def project_at(self, row: int) -> ProjectRow | None:
        return self.row_at(row)

    def tooltip(self, column: int, text: str) -> str | None:
        return text if column <= 1 and len(text) > 12 else None
