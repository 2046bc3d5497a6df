"""One company, one record: the check where companies enter, the 重复企业 list, the merge with
its effect on every linked record and on the figures, and undoing it (or being refused)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select

from crm.db import Database
from crm.errors import PermissionDenied, ValidationError
from crm.models import Attachment, Company, Contact, ContactLog, Project, StageChange
from crm.services import (
    attachments,
    audit,
    companies,
    contacts,
    duplicates,
    merge,
    metrics,
    pipeline,
    projects,
)
from crm.services.common import SYSTEM
from crm.services.companies import CompanyInput, ContactInput
from crm.services.company_check import DuplicateSuspected
from crm.services.metrics import Period
from crm.uscc import make_uscc
from tests.unit.builders import World, project, sign, start, world

D = dt.date
H1 = Period(D(2025, 1, 1), D(2025, 6, 30))
AS_OF = D(2025, 12, 31)


@pytest.fixture
def w(db: Database) -> World:
    return world(db)


def _twin(db: Database, name: str = "际数科技（上海）有限公司", **kw: object) -> int:
    """A second record of 上海际数科技有限公司, as a bulk import or an old version left it."""
    with db.uow() as uow:
        company = Company(name=name, sort_key=name, initials="", **kw)
        uow.session.add(company)
        uow.session.flush()
        uow.commit()
        return company.id


# --- where companies enter -------------------------------------------------------------------
def test_a_new_spelling_of_a_stored_company_is_refused_naming_it(db: Database, w: World) -> None:
    with pytest.raises(DuplicateSuspected) as caught:
        db.run(companies.create_company, w.staff, CompanyInput("际数科技 (上海)"))
    assert caught.value.message.startswith("已有企业“上海际数科技有限公司”（名称规范化后相同：")
    assert "请使用已有的上海际数科技有限公司" in caught.value.message
    assert [m.id for m in caught.value.matches] == [w.company]
    assert db.read(companies.list_companies, "际数")[0].id == w.company
    assert len(db.read(companies.list_companies)) == 1


def test_a_guess_is_offered_and_another_company_may_still_be_created(db: Database,
                                                                     w: World) -> None:
    bird = db.run(companies.create_company, w.staff, CompanyInput("上海翼鸟智能科技有限公司"))
    with pytest.raises(DuplicateSuspected) as caught:
        db.run(companies.create_company, w.staff, CompanyInput("上海翼鸟智能化科技有限公司"))
    assert [(m.id, m.reason, m.sure) for m in caught.value.matches] == [
        (bird.id, "名称相似，相似度 92%", False)]
    # 上海际数智能: a hard negative, not asked about at all
    other = db.run(companies.create_company, w.staff, CompanyInput("上海际数智能有限公司"))
    assert other.name == "上海际数智能有限公司"
    # the person says the guessed one is another company: created, and the pair remembered
    made = db.run(companies.create_company, w.staff, CompanyInput(
        "际数科技有限公司", distinct_from=(w.company,)))
    assert made.id != w.company
    assert db.read(duplicates.dismissed_pairs) == [(w.company, made.id)]
    assert db.read(duplicates.duplicate_pairs, w.manager) == []
    # a sure match cannot be said away: the same name once normalised is the same company
    with pytest.raises(DuplicateSuspected):
        db.run(companies.create_company, w.staff, CompanyInput(
            "际数科技（上海）有限公司", distinct_from=(w.company,)))


def test_the_same_uscc_is_never_another_company(db: Database, w: World) -> None:
    code = make_uscc("91310000MA1FL0000")
    with pytest.raises(ValidationError, match="已属于企业“上海际数科技有限公司”"):
        db.run(companies.create_company, w.staff, CompanyInput("完全不同的名字", code,
                                                               distinct_from=(w.company,)))


def test_ensure_company_reuses_a_spelling_but_never_another_uscc(db: Database, w: World) -> None:
    same = db.run(companies.ensure_company, w.staff, "际数科技（上海）有限公司")
    assert same.id == w.company
    other_code = make_uscc("91310000MA1FL0001")
    different = db.run(companies.ensure_company, w.staff, "际数科技（上海）有限公司", other_code)
    assert different.id != w.company and different.uscc == other_code


def test_renaming_to_another_spelling_of_itself_is_not_a_duplicate(db: Database,
                                                                    w: World) -> None:
    row = db.run(companies.update_company, w.manager, w.company,
                 CompanyInput("际数科技（上海）有限公司"))
    assert row.name == "际数科技（上海）有限公司"
    # one of a pair already stored is edited freely; renaming towards the other is asked about
    twin = _twin(db, "上海翼鸟智能化科技有限公司")
    bird = _twin(db, "上海翼鸟智能科技有限公司")
    edited = db.run(companies.update_company, w.manager, bird,
                    CompanyInput("上海翼鸟智能科技有限公司", note="改备注"))
    assert edited.note == "改备注"
    with pytest.raises(DuplicateSuspected, match="上海翼鸟智能化科技有限公司"):
        db.run(companies.update_company, w.manager, bird,
               CompanyInput("上海翼鸟智能化科技股份有限公司"))
    assert db.read(companies.get_company, twin).name == "上海翼鸟智能化科技有限公司"


# --- the 重复企业 list -----------------------------------------------------------------------
def test_the_list_names_pairs_with_why_and_remembers_dismissals(db: Database, w: World) -> None:
    twin = _twin(db)
    typo = _twin(db, "上海翼鸟智能化科技有限公司")
    bird = _twin(db, "上海翼鸟智能科技有限公司")
    _twin(db, "上海际数智能有限公司")  # hard negative
    _twin(db, "际数科技(武汉)有限公司")  # another city: the local company, not a duplicate
    pairs = db.read(duplicates.duplicate_pairs, w.manager)
    assert [(p.a_name, p.b_name, p.reason) for p in pairs] == [
        ("上海际数科技有限公司", "际数科技（上海）有限公司",
         "名称规范化后相同：括号、全半角、空格、城市写法或“有限公司”形式不同"),
        ("上海翼鸟智能化科技有限公司", "上海翼鸟智能科技有限公司", "名称相似，相似度 92%"),
    ]
    assert {pairs[0].a_id, pairs[0].b_id} == {w.company, twin}
    assert {pairs[1].a_id, pairs[1].b_id} == {bird, typo}
    db.run(duplicates.dismiss_pair, w.manager, typo, bird)
    assert [p.b_id for p in db.read(duplicates.duplicate_pairs, w.manager)] == [twin]
    history = db.read(audit.company_history, typo)
    assert history[0].action == "标记不是重复企业"
    assert history[0].summary == "不是重复企业：上海翼鸟智能科技有限公司"
    with pytest.raises(PermissionDenied, match="只有管理者"):
        db.read(duplicates.duplicate_pairs, w.staff)


# --- merge -----------------------------------------------------------------------------------
def _linked(db: Database, w: World) -> dict[str, int]:
    """The twin with one of everything that hangs off a company."""
    twin = _twin(db)
    pid = project(db, w, "际数科技数据标注基地", company=twin, invest=Decimal(20000))
    sign(db, pid, D(2025, 6, 12), "20000", event=w.event)
    start(db, pid, D(2025, 7, 21), "开业")
    kept = project(db, w, "际数科技华中总部", invest=Decimal(5000))
    sign(db, kept, D(2025, 3, 1), "5000")
    with db.uow() as uow:
        contact = companies.add_contact(uow, SYSTEM, twin, ContactInput("张总", "总经理")).id
        log = contacts.add_log(uow, SYSTEM, contacts.LogInput(
            D(2025, 5, 1), "走访", "谈选址", company_id=twin)).id
        file = attachments.add_attachment(uow, SYSTEM, pid, "协议.pdf", b"%PDF-1.4").id
        local = companies.create_company(uow, SYSTEM, CompanyInput("际数科技(武汉)有限公司")).id
        uow.session.get(Company, local).parent_id = twin  # type: ignore[union-attr]
        uow.commit()
    return {"twin": twin, "project": pid, "kept": kept, "contact": contact, "log": log,
            "file": file, "local": local}


def _figures(db: Database) -> tuple[object, ...]:
    r = db.read(metrics.start_rate, H1, AS_OF)
    by_event = db.read(metrics.breakdown, "event", H1, AS_OF)
    return (r.signed, r.started, r.signed_amount, r.funds_received,
            [(b.label, b.signed, b.signed_amount) for b in by_event])


def test_merge_moves_every_linked_record_and_keeps_the_figures(db: Database, w: World) -> None:
    ids = _linked(db, w)
    figures = _figures(db)
    companies_before = len(db.read(companies.list_companies))
    result = db.run(merge.merge_companies, w.manager, w.company, ids["twin"])
    assert result.moved == {"projects": 1, "local_projects": 0, "contacts": 1, "logs": 1,
                            "targets": 0, "children": 1}
    assert result.summary == ("已将“际数科技（上海）有限公司”并入“上海际数科技有限公司”，移过 项目 1 个、"
                              "联系人 1 个、接洽记录 1 个、项目公司 1 个；原名称记为曾用名")
    with db.uow() as uow:
        s = uow.session
        assert s.get(Project, ids["project"]).company_id == w.company  # type: ignore[union-attr]
        assert s.get(Contact, ids["contact"]).company_id == w.company  # type: ignore[union-attr]
        assert s.get(ContactLog, ids["log"]).company_id == w.company  # type: ignore[union-attr]
        assert s.get(Company, ids["local"]).parent_id == w.company  # type: ignore[union-attr]
        attachment = s.get(Attachment, ids["file"])
        assert attachment is not None and attachment.project_id == ids["project"]
        gone = s.get(Company, ids["twin"])
        assert gone is not None and gone.deleted_at is not None
    assert _figures(db) == figures
    assert len(db.read(companies.list_companies)) == companies_before - 1
    row = db.read(companies.get_company, w.company)
    assert row.former_names == "际数科技（上海）有限公司" and row.project_count == 2
    # the former name is searched: the 企业 list and the project search find the survivor
    assert [c.id for c in db.read(companies.list_companies, "际数科技（上海）")] == [w.company]
    found = db.read(projects.list_projects, projects.ProjectQuery(search="际数科技（上海）"))
    assert sorted(p.id for p in found) == sorted([ids["project"], ids["kept"]])
    entry = db.read(audit.company_history, w.company)[0]
    assert entry.action == "合并企业"
    assert entry.summary == ("曾用名：际数科技（上海）有限公司；并入的企业：际数科技（上海）有限公司"
                             f"（编号 {ids['twin']}）；移过的记录：项目 1、联系人 1、接洽记录 1、项目公司 1")
    assert db.read(duplicates.duplicate_pairs, w.manager) == []


def test_undo_puts_everything_back(db: Database, w: World) -> None:
    ids = _linked(db, w)
    figures = _figures(db)
    result = db.run(merge.merge_companies, w.manager, w.company, ids["twin"])
    db.run(merge.undo_merge, w.manager, result.audit_id)
    with db.uow() as uow:
        s = uow.session
        assert s.get(Project, ids["project"]).company_id == ids["twin"]  # type: ignore[union-attr]
        assert s.get(Contact, ids["contact"]).company_id == ids["twin"]  # type: ignore[union-attr]
        assert s.get(ContactLog, ids["log"]).company_id == ids["twin"]  # type: ignore[union-attr]
        assert s.get(Company, ids["local"]).parent_id == ids["twin"]  # type: ignore[union-attr]
        assert s.get(Company, ids["twin"]).deleted_at is None  # type: ignore[union-attr]
    assert db.read(companies.get_company, w.company).former_names == ""
    assert _figures(db) == figures
    assert [m.undone for m in db.read(merge.merges)] == [True]
    with pytest.raises(ValidationError, match="已撤销过"):
        db.run(merge.undo_merge, w.manager, result.audit_id)


def test_undo_is_refused_when_a_moved_record_went_elsewhere_since(db: Database,
                                                                   w: World) -> None:
    ids = _linked(db, w)
    third = db.run(companies.create_company, SYSTEM, CompanyInput("武汉光谷投资有限公司")).id
    result = db.run(merge.merge_companies, w.manager, w.company, ids["twin"])
    row = db.read(projects.get_project, ids["project"])
    db.run(projects.update_project, w.manager, row.id, row.to_input(company_id=third))
    with pytest.raises(ValidationError) as caught:
        db.run(merge.undo_merge, w.manager, result.audit_id)
    assert caught.value.message == ("不能撤销这次合并：项目“际数科技数据标注基地”此后已改到企业"
                                    "“武汉光谷投资有限公司”")
    assert db.read(companies.get_company, w.company).former_names == "际数科技（上海）有限公司"


def test_merge_takes_the_uscc_and_refuses_two_legal_persons(db: Database, w: World) -> None:
    code = make_uscc("91420107MA4K00001")
    coded = _twin(db, "际数科技(上海)有限公司", uscc=code)
    with pytest.raises(ValidationError, match="统一社会信用代码不同，是两个法人"):
        db.run(merge.merge_companies, w.manager, w.company, coded)
    bare = _twin(db, "上海市际数科技有限公司")
    result = db.run(merge.merge_companies, w.manager, coded, bare)
    assert db.read(companies.get_company, result.survivor_id).uscc == code
    # the other way round: the survivor without a USCC takes the merged one's, undo gives it back
    third = _twin(db, "际数科技 (上海)")
    again = db.run(merge.merge_companies, w.manager, third, coded)
    assert db.read(companies.get_company, third).uscc == code
    db.run(merge.undo_merge, w.manager, again.audit_id)
    assert db.read(companies.get_company, third).uscc is None
    assert db.read(companies.get_company, coded).uscc == code


def test_merge_refuses_a_project_both_hold_and_staff(db: Database, w: World) -> None:
    twin = _twin(db)
    project(db, w, "际数科技华中总部")
    project(db, w, "际数科技华中总部", company=twin)
    with pytest.raises(ValidationError, match="两家企业都有项目“际数科技华中总部”"):
        db.run(merge.merge_companies, w.manager, w.company, twin)
    with pytest.raises(PermissionDenied, match="只有管理者可以合并企业"):
        db.run(merge.merge_companies, w.staff, w.company, twin)
    with db.uow() as uow:
        assert uow.session.scalar(select(Company.deleted_at).where(Company.id == twin)) is None


def test_a_merged_company_s_stage_history_and_agreements_stay_with_its_projects(
        db: Database, w: World) -> None:
    ids = _linked(db, w)
    db.run(merge.merge_companies, w.manager, w.company, ids["twin"])
    moved = db.read(projects.get_project, ids["project"])
    assert (moved.company, moved.signed_amount, moved.started_on) == (
        "上海际数科技有限公司", Decimal("20000.0000"), D(2025, 7, 21))
    with db.uow() as uow:
        stages = list(uow.session.scalars(select(StageChange.to_stage).where(
            StageChange.project_id == ids["project"]).order_by(StageChange.id)))
    assert stages == ["lead", "signed", "started"]
    assert db.read(pipeline.agreements, ids["project"])[0].amount == Decimal("20000.0000")


def test_a_large_list_compares_neighbours_and_finds_the_same_pairs(
        db: Database, w: World, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("际数科技（上海）有限公司", "上海翼鸟智能化科技有限公司", "上海翼鸟智能科技有限公司",
                 "南京瀚海生物医药有限公司", "南京翰海生物医药有限公司", "上海际数智能有限公司"):
        _twin(db, name)
    everything = [(p.a_id, p.b_id, p.reason) for p in db.read(duplicates.duplicate_pairs,
                                                               w.manager)]
    assert len(everything) == 3
    monkeypatch.setattr(duplicates, "ALL_PAIRS_UP_TO", 0)  # as beyond 3,000 companies
    assert [(p.a_id, p.b_id, p.reason) for p in db.read(duplicates.duplicate_pairs,
                                                        w.manager)] == everything


def test_targets_and_tier_tags_follow_the_merge_and_its_undo(db: Database, w: World) -> None:
    from crm.models import Chain, CompanyTier, Segment, TargetFirm, Tier

    twin = _twin(db)
    with db.uow() as uow:
        chain = Chain(name="人工智能", note="")
        uow.session.add(chain)
        uow.session.flush()
        segment = Segment(chain_id=chain.id, name="空间智能数据服务", stage="中游", note="")
        uow.session.add(segment)
        uow.session.flush()
        tier = uow.session.scalars(select(Tier).where(Tier.name == "专精特新")).first()
        if tier is None:  # a test database emptied of the dictionary's rows
            tier = Tier(name="专精特新")
            uow.session.add(tier)
            uow.session.flush()
        target = TargetFirm(segment_id=segment.id, name="际数科技（上海）有限公司",
                            company_id=twin, sort_key="")
        uow.session.add_all([target, CompanyTier(company_id=twin, tier_id=tier.id)])
        uow.session.flush()
        ids = (target.id, tier.id)
        uow.commit()
    result = db.run(merge.merge_companies, w.manager, w.company, twin)
    assert result.moved["targets"] == 1

    def state() -> tuple[int | None, list[int]]:
        with db.uow() as uow:
            firm = uow.session.get(TargetFirm, ids[0])
            tags = list(uow.session.scalars(select(CompanyTier.tier_id).where(
                CompanyTier.company_id == w.company)))
            return (firm.company_id if firm else None), tags
    assert state() == (w.company, [ids[1]])
    db.run(merge.undo_merge, w.manager, result.audit_id)
    assert state() == (twin, [])


def test_upgrading_gives_stored_companies_their_keys_and_downgrading_removes_the_columns(
        tmp_path: Path) -> None:
    """Migration 0016 on a database that already has companies: each gets its normalised
    name, so a new spelling of it is caught at once; a downgrade takes the columns away."""
    import sqlalchemy as sa
    from alembic import command

    from crm.db import alembic_config

    engine = sa.create_engine(f"sqlite:///{tmp_path / 'old.db'}")
    command.upgrade(alembic_config(engine), "0015")
    with engine.begin() as conn:
        conn.execute(sa.text(
            "INSERT INTO companies (name, hq_city, note, sort_key, initials, version, created_at,"
            " updated_at) VALUES ('际数科技（上海）有限公司', '', '', '', '', 1, '2025-01-01',"
            " '2025-01-01')"))
    command.upgrade(alembic_config(engine), "0016")
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT name_key FROM companies")).scalar() == "上海|际数科技"
    command.downgrade(alembic_config(engine), "0015")
    with engine.connect() as conn:
        columns = {c["name"] for c in sa.inspect(conn).get_columns("companies")}
        assert "name_key" not in columns and "parent_id" not in columns
        assert "local_company_id" not in {c["name"] for c in sa.inspect(conn).get_columns(
            "projects")}
    engine.dispose()
