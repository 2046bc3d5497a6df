"""考核: what the page shows for a year, a quarter and an as-of date, read in one unit of work."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select

from crm import permissions
from crm.db import UnitOfWork
from crm.models import ScorecardScheme
from crm.services import assessment, metrics, reward_list, rewards, scorecard, scorecard_schemes
from crm.services.common import Actor
from crm.services.indicators import Indicator, catalogue
from crm.services.metrics import Filters
from crm.services.reward_list import RewardSummary
from crm.services.rewards import RuleRow
from crm.services.scorecard import Scorecard
from crm.services.scorecard_schemes import SchemeRow, TargetValue


@dataclass(frozen=True)
class ScorecardPage:
    card: Scorecard  # the unit's, or the chosen person's
    people: list[Scorecard]  # every person's under the per-person scheme
    rewards: RewardSummary  # the reward table's count and total; its lines read a page at a time
    rules: list[RuleRow]
    persons: list[tuple[int, str]]  # who the picker offers (id, name)
    may_edit_scheme: bool
    may_edit_targets: bool
    may_edit_rewards: bool  # the reward rules (admin)
    may_register_referrer: bool  # a project's 引荐 registration (managers)


def read_scorecard_page(uow: UnitOfWork, actor: Actor, year: int | None, quarter: int | None,
                        as_of: dt.date | None, owner_id: int | None,
                        today: dt.date) -> ScorecardPage:
    """The page for ``year`` (None: the latest year with a scheme, up to today's) and
    ``as_of`` (None: today, or the period's end once it is over)."""
    if year is None:
        years = uow.session.scalars(select(ScorecardScheme.year)
                                    .where(ScorecardScheme.year <= today.year)
                                    .order_by(ScorecardScheme.year.desc()).limit(1))
        year = next(iter(years), today.year)
    if as_of is None:
        as_of = scorecard.default_as_of(year, quarter, today)
    card = scorecard.score(uow, year, quarter, as_of,
                           scope="person" if owner_id is not None else "unit", owner_id=owner_id)
    people = scorecard.people_scores(uow, year, quarter, as_of)
    persons = scorecard.assessed_people(uow)
    if owner_id is not None and owner_id not in {p for p, _ in persons}:
        persons.append((owner_id, card.owner))
    return ScorecardPage(card, people, reward_list.reward_summary(uow, year, as_of),
                         rewards.reward_rules(uow, year), persons,
                         permissions.allowed(uow, actor, "scorecard_schemes.save_scheme"),
                         permissions.allowed(uow, actor, "scorecard_schemes.set_targets"),
                         permissions.allowed(uow, actor, "rewards.save_reward_rule"),
                         permissions.allowed(uow, actor, "rewards.register_referrer"))


@dataclass(frozen=True)
class SchemeEditor:
    """What the scheme editor starts from: the scheme (or None), its targets, the catalogue."""

    year: int
    scope: str
    scheme: SchemeRow | None
    targets: list[TargetValue]
    catalogue: list[Indicator]


def read_scheme_editor(uow: UnitOfWork, year: int, scope: str) -> SchemeEditor:
    return SchemeEditor(year, scope, scorecard_schemes.scheme(uow, year, scope),
                        scorecard_schemes.scheme_targets(uow, year, scope), catalogue())


# The projects behind a line, where a list says what moves it: the signings, the starts, the
# signed projects still to start (开工率), the 超时限未开工 ones.
LINE_PROJECTS = {"signed_count": ("signed", "签约项目"), "signed_amount": ("signed", "签约项目"),
                 "started_count": ("started", "当年签约当年开工(开业)的项目"),
                 "start_rate": ("not_started", "已签约、尚未开工(开业)的项目"),
                 "overdue_starts": ("overdue", "超时限未开工的项目")}


def line_projects(uow: UnitOfWork, code: str, year: int, quarter: int | None, as_of: dt.date,
                  owner_id: int | None = None) -> list[int]:
    """The ids of the projects behind a scorecard line (``code`` of :data:`LINE_PROJECTS`)."""
    figure, _title = LINE_PROJECTS[code]
    period = scorecard.scorecard_period(year, quarter)
    filters = Filters(owner_ids=(owner_id,)) if owner_id is not None else Filters()
    if figure == "overdue":
        broken = assessment.broken_promises(uow, min(as_of, period.end), filters)
        return list(dict.fromkeys(b.project_id for b in broken if b.promise == "开工"))
    return metrics.figure_project_ids(uow, figure, period, as_of, filters)
