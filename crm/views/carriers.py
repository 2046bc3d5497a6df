"""What the 载体 page and a project's 推荐载体 show, each read in one unit of work."""

from __future__ import annotations

from dataclasses import dataclass

from crm import permissions
from crm.db import UnitOfWork
from crm.errors import NotFoundError
from crm.models import Project
from crm.services import carriers, dictionaries, matching
from crm.services.carriers import CarrierFigures, KindTotals, PlacementRow
from crm.services.common import Actor
from crm.services.matching import ProjectFit, ProjectMatches

MATCHES_SHOWN = 10  # a project's 推荐载体: the best ten (the command line lists all)


@dataclass(frozen=True)
class CarriersOverview:
    """Totals per kind (all carriers, whatever the filter) and the carriers listed."""

    totals: list[KindTotals]
    rows: list[CarrierFigures]


def carriers_overview(uow: UnitOfWork, kind: str | None = None) -> CarriersOverview:
    every = carriers.carrier_figures(uow)
    rows = [r for r in every if kind is None or r.kind == kind]
    return CarriersOverview(carriers.totals_by_kind(every), rows)


@dataclass(frozen=True)
class CarrierDetail:
    """The selected carrier: who holds its space, what was released, who would fit."""

    carrier: CarrierFigures
    placements: list[PlacementRow]  # held now
    released: list[PlacementRow]
    fits: list[ProjectFit]  # projects still looking for space that fit its free area
    row: dictionaries.CarrierRow  # for the 修改 dialog


def carrier_detail(uow: UnitOfWork, carrier_id: int) -> CarrierDetail | None:
    try:
        figures = carriers.figures_of(uow, carrier_id)
    except NotFoundError:
        return None
    every = carriers.placements(uow, carrier_id=carrier_id, include_released=True)
    return CarrierDetail(figures, [p for p in every if p.released_on is None],
                         [p for p in every if p.released_on is not None],
                         matching.fitting_projects(uow, carrier_id),
                         dictionaries.get_carrier(uow, carrier_id))


@dataclass(frozen=True)
class ProjectSpace:
    """A project's placements and the carriers recommended for its need."""

    placements: list[PlacementRow]
    matches: ProjectMatches
    may_place: bool  # the reader may place (and release) this project

    @property
    def shown(self) -> list[matching.CarrierMatch]:
        return self.matches.matches[:MATCHES_SHOWN]


def project_space(uow: UnitOfWork, project_id: int, actor: Actor | None = None
                  ) -> ProjectSpace | None:
    project = uow.session.get(Project, project_id)
    if project is None:
        return None
    may = actor is not None and permissions.allowed(uow, actor, "carriers.place",
                                                    project=project)
    return ProjectSpace(carriers.placements(uow, project_id=project_id, include_released=True),
                        matching.match_project(uow, project_id), may)
