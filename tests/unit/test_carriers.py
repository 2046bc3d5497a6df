"""载体 (issue 14): placement accounting, matching, the command line and migration 0015.

Figures here are worked out by hand from the small data each test makes.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from sqlalchemy import func, select

from crm import clock
from crm.cli import main
from crm.db import Database, alembic_config
from crm.errors import PermissionDenied, ValidationError
from crm.models import AuditEntry, CarrierPlacement
from crm.services import carriers, companies, dictionaries, matching, pipeline, projects, users
from crm.services.carriers import area_text, m2_to_mu, mu_to_m2
from crm.services.common import SYSTEM, Actor
from tests.unit.builders import D

TODAY = D(2025, 7, 1)


@pytest.fixture(autouse=True)
def _today(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(clock, "today", lambda: TODAY)


@dataclass
class Space:
    owner: Actor  # staff 王芳
    other: Actor  # staff 李晓明
    material: int  # industry 新材料
    service: int  # industry 现代服务业
    factory_a: int  # 6,000 ㎡ free, suits 新材料
    factory_b: int  # 20,000 ㎡, suits 新材料
    factory_c: int  # 5,000 ㎡, suits 新材料 (too small for 5,500)
    building: int  # 7,000 ㎡, no industries named
    land: int  # 100 亩 = 66,666.67 ㎡
    company: int


def make_space(db: Database) -> Space:
    with db.uow() as uow:
        owner = users.create_user(uow, SYSTEM, "wangf", "staff", display_name="王芳",
                                  password="secret12").actor()
        other = users.create_user(uow, SYSTEM, "lixm", "staff", display_name="李晓明",
                                  password="secret12").actor()
        material = dictionaries.add_industry(uow, SYSTEM, "新材料").id
        service = dictionaries.add_industry(uow, SYSTEM, "现代服务业").id

        def carrier(name: str, kind: str, total: str, suits: tuple[int, ...] = ()) -> int:
            return dictionaries.add_carrier(uow, SYSTEM, dictionaries.CarrierInput(
                name, kind, "北湖", Decimal(total), industry_ids=suits)).id
        space = Space(owner, other, material, service,
                      carrier("厂房A", "标准化厂房", "6000", (material,)),
                      carrier("厂房B", "标准化厂房", "20000", (material,)),
                      carrier("厂房C", "标准化厂房", "5000", (material,)),
                      carrier("楼宇D", "商务楼宇", "7000"),
                      carrier("化工用地", "土地", str(mu_to_m2(Decimal(100))), (material,)),
                      companies.create_company(uow, owner, companies.CompanyInput("武汉新材公司")).id)
        uow.commit()
    return space


def new_project(db: Database, s: Space, name: str, *, floor: str | None = None,
                land: str | None = None, industry: int | None = None) -> int:
    return db.run(projects.create_project, s.owner, projects.ProjectInput(
        name, s.company, industry_id=industry if industry is not None else s.material,
        floor_area=Decimal(floor) if floor else None, land_mu=Decimal(land) if land else None,
        lead_on=D(2025, 1, 5))).id


def figures(db: Database, carrier_id: int) -> carriers.CarrierFigures:
    return db.read(carriers.figures_of, carrier_id)


def test_place_sign_drop_release(db: Database) -> None:
    s = make_space(db)
    project = new_project(db, s, "新材料中试基地", floor="4000")
    row = db.run(carriers.place, s.owner, project, s.factory_b, Decimal(4000), D(2025, 2, 1))
    assert (row.status, row.area, row.placed_on) == ("拟落地", Decimal(4000), D(2025, 2, 1))
    f = figures(db, s.factory_b)
    assert (f.tentative, f.firm, f.free, f.projects) == (Decimal(4000), 0, Decimal(16000), 1)
    assert f.vacancy == Decimal("0.8")
    assert db.read(projects.get_project, project).carrier == "厂房B"  # its 拟落地载体

    db.run(pipeline.advance, s.owner, project, "signed", D(2025, 3, 1),
           agreement=pipeline.AgreementInput(D(2025, 3, 1), Decimal(8000)))
    f = figures(db, s.factory_b)
    assert (f.tentative, f.firm, f.free) == (0, Decimal(4000), Decimal(16000))
    assert db.read(carriers.placements, project_id=project)[0].status == "落位"

    db.run(pipeline.drop, s.owner, project, D(2025, 6, 1), "企业外迁")
    f = figures(db, s.factory_b)
    assert (f.placed, f.free, f.projects) == (0, Decimal(20000), 0)
    released = db.read(carriers.placements, project_id=project, include_released=True)
    assert [(p.status, p.released_on, p.release_reason) for p in released] == [
        ("已释放", D(2025, 6, 1), "项目终止")]
    with db.uow() as uow:
        actions = list(uow.session.scalars(select(AuditEntry.action).where(
            AuditEntry.entity == "project", AuditEntry.entity_id == project)
            .order_by(AuditEntry.id)))
    assert actions == ["create", "place", "stage", "release", "stage"]
    with pytest.raises(ValidationError) as err:  # a dropped project takes no space
        db.run(carriers.place, s.owner, project, s.factory_b, Decimal(10))
    assert err.value.code == "carrier.dropped"


def test_release_by_hand_and_other_occupancy(sqlite_db: Database) -> None:
    s = make_space(sqlite_db)
    project = new_project(sqlite_db, s, "仓储中心", floor="3000")
    row = sqlite_db.run(carriers.place, s.owner, project, s.factory_a, Decimal(3000))
    tenant = sqlite_db.run(carriers.occupy, SYSTEM, s.factory_a, Decimal(2000), D(2024, 1, 1),
                           "既有租户")
    f = figures(sqlite_db, s.factory_a)
    assert (f.tentative, f.other, f.free) == (Decimal(3000), Decimal(2000), Decimal(1000))
    assert tenant.status == "其他占用"
    sqlite_db.run(carriers.release, s.owner, row.id, TODAY, "改去厂房B")
    assert figures(sqlite_db, s.factory_a).free == Decimal(4000)
    with pytest.raises(ValidationError) as err:
        sqlite_db.run(carriers.release, s.owner, row.id)
    assert err.value.code == "carrier.released"
    with pytest.raises(PermissionDenied):  # 其他占用 is a manager's
        sqlite_db.run(carriers.release, s.owner, tenant.id)
    with pytest.raises(ValidationError) as err:  # the total cannot shrink below what is held
        sqlite_db.run(dictionaries.update_carrier, SYSTEM, s.factory_a, dictionaries.CarrierInput(
            "厂房A", "标准化厂房", total_area=Decimal(1500)))
    assert err.value.code == "carrier.area" and "2,000.00 ㎡" in err.value.message


def test_over_placement_refused_naming_both_figures(sqlite_db: Database) -> None:
    s = make_space(sqlite_db)
    first = new_project(sqlite_db, s, "一号项目", floor="5000")
    second = new_project(sqlite_db, s, "二号项目", floor="2000")
    sqlite_db.run(carriers.place, s.owner, first, s.factory_a, Decimal(5000))
    with sqlite_db.uow() as uow:
        before = uow.session.scalar(select(func.count()).select_from(CarrierPlacement))
    with pytest.raises(ValidationError) as err:
        sqlite_db.run(carriers.place, s.owner, second, s.factory_a, Decimal("1000.01"))
    assert err.value.message == ("落位面积 1,000.01 ㎡ 超过“厂房A”的可用面积 1,000.00 ㎡，未落位")
    with pytest.raises(ValidationError) as err:  # land: both figures in ㎡ and 亩
        sqlite_db.run(carriers.place, s.owner, second, s.land, mu_to_m2(Decimal(101)))
    assert "67,333.33 ㎡（101.00 亩）" in err.value.message
    assert "66,666.67 ㎡（100.00 亩）" in err.value.message
    with sqlite_db.uow() as uow:
        assert uow.session.scalar(select(func.count()).select_from(CarrierPlacement)) == before
    assert figures(sqlite_db, s.factory_a).free == Decimal(1000)
    # exactly the free area is taken
    assert sqlite_db.run(carriers.place, s.owner, second, s.factory_a, Decimal(1000)).area == 1000


def test_staff_place_their_own_projects_only(sqlite_db: Database) -> None:
    s = make_space(sqlite_db)
    project = new_project(sqlite_db, s, "王芳的项目", floor="100")
    with pytest.raises(PermissionDenied) as err:
        sqlite_db.run(carriers.place, s.other, project, s.factory_a, Decimal(100))
    assert "王芳" in err.value.message
    assert figures(sqlite_db, s.factory_a).placed == 0
    with pytest.raises(PermissionDenied):
        sqlite_db.run(carriers.occupy, s.owner, s.factory_a, Decimal(100))


def test_areas_in_mu_and_m2() -> None:
    assert mu_to_m2(Decimal(15)) == Decimal("10000.00")  # 15 亩 = 1 ha exactly
    assert mu_to_m2(Decimal(245)) == Decimal("163333.33")
    assert m2_to_mu(Decimal(13_000_000)) == Decimal("19500.00")  # 13 km²
    assert area_text(Decimal(10000), "土地") == "10,000.00 ㎡（15.00 亩）"
    assert area_text(Decimal(5000)) == "5,000.00 ㎡"
    assert carriers.parse_area("245亩") == Decimal("163333.33")
    assert carriers.parse_area("５，０００㎡") == Decimal(5000)
    with pytest.raises(ValidationError):
        carriers.parse_area("五千")


def test_matching_order_on_hand_made_data(sqlite_db: Database) -> None:
    s = make_space(sqlite_db)
    sqlite_db.run(carriers.occupy, SYSTEM, s.factory_b, Decimal(10000), D(2024, 1, 1))
    factory = new_project(sqlite_db, s, "碳纤维复合材料项目", floor="5500")
    got = sqlite_db.read(matching.match_project, factory)
    assert got.need.kinds == ("标准化厂房", "商务楼宇") and got.need.area == Decimal(5500)
    # kind 40 (the other kind 20) + 30 × need/free + industry 25 (none named 10) + ready 5:
    # A 40 + 27.5 + 25 + 5 = 97.5; B (10,000 free) 40 + 16.5 + 25 + 5 = 86.5; 楼宇D 20 + 23.57
    # + 10 + 5 = 58.57, half-up. C (5,000) is too small, the land the wrong kind.
    assert [(m.carrier, m.score) for m in got.matches] == [("厂房A", 98), ("厂房B", 87),
                                                           ("楼宇D", 59)]
    assert all(m.free >= Decimal(5500) for m in got.matches)
    assert got.matches[0].why == ("类型相符（厂房）；可用 6,000.00 ㎡，需 5,500.00 ㎡（占可用 92%）；"
                                  "园区适宜新材料；现可入驻")
    assert "可作楼宇（项目更宜厂房）" in got.matches[2].why

    office = new_project(sqlite_db, s, "供应链总部", floor="5500", industry=s.service)
    ranked = [m.carrier for m in sqlite_db.read(matching.match_project, office).matches]
    assert ranked[0] == "楼宇D"  # offices go to a building first
    assert "不含现代服务业" in sqlite_db.read(matching.match_project, office).matches[1].why

    land = new_project(sqlite_db, s, "新材料产业园", land="60")
    assert [m.carrier for m in sqlite_db.read(matching.match_project, land).matches] == ["化工用地"]
    none = new_project(sqlite_db, s, "未填面积")
    empty = sqlite_db.read(matching.match_project, none)
    assert empty.matches == [] and "未填写用地面积" in empty.empty_text

    fits = sqlite_db.read(matching.fitting_projects, s.factory_a)
    assert [f.project for f in fits] == ["碳纤维复合材料项目", "供应链总部"]
    sqlite_db.run(carriers.place, s.owner, factory, s.factory_a, Decimal(5500))
    assert [f.project for f in sqlite_db.read(matching.fitting_projects, s.factory_b)] == [
        "供应链总部"]  # placed projects look no more


def cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_command_line_contract(sqlite_db: Database, capsys: pytest.CaptureFixture[str]) -> None:
    s = make_space(sqlite_db)
    project = new_project(sqlite_db, s, "碳纤维复合材料项目", floor="5500")
    url = sqlite_db.url
    code, out, err = cli(capsys, "--db", url, "carriers", "--kind", "factory", "--json")
    assert code == 0, err
    rows = json.loads(out)
    assert [r["name"] for r in rows] == ["厂房A", "厂房B", "厂房C"]
    assert set(rows[0]) >= {"id", "name", "kind", "park", "total_m2", "placed_m2", "free_m2",
                            "projects"}
    assert rows[0] | {"id": 0} == {"id": 0, "name": "厂房A", "kind": "factory", "park": "北湖",
                                   "total_m2": "6000.00", "placed_m2": "0.00",
                                   "free_m2": "6000.00", "projects": 0}

    code, out, err = cli(capsys, "--db", url, "carriers", "match", str(project), "--json")
    assert code == 0, err
    matches = json.loads(out)
    assert [m["carrier"] for m in matches] == ["厂房A", "厂房B", "楼宇D"]
    assert all(set(m) >= {"carrier", "kind", "free_m2", "score", "why"} for m in matches)
    assert all(Decimal(m["free_m2"]) >= Decimal(5500) for m in matches)
    assert [m["score"] for m in matches] == sorted((m["score"] for m in matches), reverse=True)

    code, out, err = cli(capsys, "--db", url, "carriers", "place", "碳纤维复合材料项目", "厂房A",
                         "--area", "5500", "--date", "2025-06-01", "--user", "wangf")
    assert (code, err) == (0, "")
    assert out == ("项目“碳纤维复合材料项目”已拟落地“厂房A”5,500.00 ㎡（自 2025-06-01）；"
                   "该载体尚可用 500.00 ㎡\n")
    code, out, err = cli(capsys, "--db", url, "carriers", "place", str(project), "厂房C",
                         "--area", "5001")
    assert code == 2 and out == ""
    assert err == "错误：落位面积 5,001.00 ㎡ 超过“厂房C”的可用面积 5,000.00 ㎡，未落位\n"
    code, out, err = cli(capsys, "--db", url, "carriers", "place", str(project), "厂房C",
                         "--area", "100", "--user", "lixm")
    assert code == 2 and "由王芳负责" in err
    code, out, err = cli(capsys, "--db", url, "carriers", "--kind", "land")
    assert code == 0 and "化工用地" in out and "（100.00 亩）" in out and "厂房" not in out


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.pg)])
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database with no schema yet, to migrate step by step."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'old.db'}"
        return
    from tests.conftest import _PG, _drop_pg_schema, _pg_schema_url
    if _PG is None:
        pytest.skip("no PostgreSQL server")
    url, schema = _pg_schema_url(_PG)
    yield url
    _drop_pg_schema(_PG, schema)


def test_migration_keeps_typed_occupancy(empty_url: str) -> None:
    """What a typed 可用面积 said is kept: total − available becomes 其他占用, so the free area
    reads as before; downgrading types the computed free area back."""
    engine = sa.create_engine(empty_url)
    command.upgrade(alembic_config(engine), "0014")
    with engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO carriers (name, kind, park, total_area, available_area, "
                             "note) VALUES ('老楼', '商务楼宇', '', 1200000, 360000, ''), "
                             "('空地', '土地', '', 500000, 500000, '')"))
    command.upgrade(alembic_config(engine), "0015")
    engine.dispose()
    db = Database(empty_url, upgrade=False)
    try:
        rows = {r.name: r for r in db.read(carriers.carrier_figures)}
        assert (rows["老楼"].total, rows["老楼"].other, rows["老楼"].free) == (
            Decimal(12000), Decimal(8400), Decimal(3600))
        assert rows["空地"].placed == 0
        held = db.read(carriers.placements, carrier_id=rows["老楼"].id)
        assert held[0].status == "其他占用"
        assert "可用面积 3,600.00 ㎡" in held[0].note and "8,400.00 ㎡" in held[0].note
    finally:
        db.dispose()
    engine = sa.create_engine(empty_url)
    command.downgrade(alembic_config(engine), "0014")
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT name, available_area FROM carriers ORDER BY id")
                            ).all() == [("老楼", 360000), ("空地", 500000)]
    engine.dispose()


def test_what_a_project_holds_is_taken_off_its_need(sqlite_db: Database,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    """6,000 ㎡ held 拟落地: nothing more is offered, and a second 6,000 ㎡ is refused unless
    deliberately beyond the need."""
    s = make_space(sqlite_db)
    robot = new_project(sqlite_db, s, "工业机器人总装项目", floor="6000")
    sqlite_db.run(carriers.place, s.owner, robot, s.factory_b, Decimal(2000))
    part = sqlite_db.read(matching.match_project, robot)
    assert (part.need.area, part.need.held) == (Decimal(4000), Decimal(2000))
    assert part.need.text == "厂房 6,000.00 ㎡（已落位 2,000.00 ㎡，尚需 4,000.00 ㎡）"
    assert "厂房C" in [m.carrier for m in part.matches]  # 5,000 free fits the 4,000 left
    assert "需 4,000.00 ㎡" in part.matches[0].why
    sqlite_db.run(carriers.place, s.owner, robot, s.factory_c, Decimal(4000))
    full = sqlite_db.read(matching.match_project, robot)
    assert full.matches == [] and full.empty_text == "已落位 6,000.00 ㎡，需求已满足"

    with pytest.raises(ValidationError) as refused:
        sqlite_db.run(carriers.place, s.owner, robot, s.factory_a, Decimal(6000))
    assert refused.value.message == (
        "项目“工业机器人总装项目”需求 6,000.00 ㎡，已落位 6,000.00 ㎡，尚需 0.00 ㎡；本次 "
        "6,000.00 ㎡ 超出需求 6,000.00 ㎡，未落位")
    assert figures(sqlite_db, s.factory_a).placed == 0
    url = sqlite_db.url
    code, out, err = cli(capsys, "--db", url, "carriers", "match", str(robot), "--json")
    assert (code, json.loads(out)) == (0, [])
    code, out, err = cli(capsys, "--db", url, "carriers", "match", "工业机器人总装项目")
    assert code == 0 and out.splitlines()[-1] == "已落位 6,000.00 ㎡，需求已满足"
    code, out, err = cli(capsys, "--db", url, "carriers", "place", str(robot), "厂房A",
                         "--area", "500")
    assert code == 2 and out == ""
    assert err == ("错误：项目“工业机器人总装项目”需求 6,000.00 ㎡，已落位 6,000.00 ㎡，尚需 0.00 ㎡；"
                   "本次 500.00 ㎡ 超出需求 500.00 ㎡，未落位；确需超出请加 --beyond-need\n")
    code, out, err = cli(capsys, "--db", url, "carriers", "place", str(robot), "厂房A",
                         "--area", "500", "--beyond-need")
    assert (code, err) == (0, "") and "拟落地“厂房A”500.00 ㎡" in out
