"""Merging two records of one company, and undoing a merge from the 变更记录.

:func:`merge_companies` moves everything of the merged company to the survivor: its projects
(their agreements, starts, funds and attachments hang off the projects and go with them), the
projects it is the local company of, its contacts, the contact logs about it, the 招商图谱
targets matched to it and the local companies it is the investor of. The merged company's
names become the survivor's 曾用名 (searchable in the 企业 list and the project search), its
USCC and the details the survivor lacks are taken over, and the merged company is kept, deleted,
so that the merge can be undone. Figures do not change (they count projects, which are neither
added nor removed); the company counts once.

The audit entry records every id moved. :func:`undo_merge` moves exactly those back, and
refuses, naming what, when a later change makes that unsafe: a moved record that has since
gone to another company, a survivor deleted or merged again, a detail taken over and edited
since, or the merged company's name or USCC taken by another company meanwhile.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select

from crm import models, permissions
from crm.companies_identity import name_key
from crm.db import UnitOfWork
from crm.errors import ValidationError
from crm.models import AuditEntry, Company, Contact, ContactLog, Project
from crm.services.common import Actor, audit, get_or_404
from crm.text import search_text

SEP = "；"
# the details a survivor without them takes from the merged company (the 招商图谱 segment too)
_TAKEN = ("uscc", "hq_city", "industry_id", "licence_on", "parent_id", "segment_id")


@dataclass(frozen=True)
class MergeResult:
    survivor_id: int
    survivor: str
    merged_id: int
    merged: str
    audit_id: int
    moved: dict[str, int]  # kind of record → how many moved

    @property
    def summary(self) -> str:
        labels = {"projects": "项目", "local_projects": "作为项目公司的项目", "contacts": "联系人",
                  "logs": "接洽记录", "targets": "目标企业", "children": "项目公司"}
        parts = [f"{labels[k]} {n} 个" for k, n in self.moved.items() if n]
        moved = "，移过 " + "、".join(parts) if parts else ""
        return f"已将“{self.merged}”并入“{self.survivor}”{moved}；原名称记为曾用名"


def _names(text: str) -> list[str]:
    return [n for n in (text or "").split(SEP) if n]


def _targets() -> Any:
    """The 招商图谱's target firms table, when that part of the schema is there."""
    model = getattr(models, "TargetFirm", None)
    return model if model is not None and hasattr(model, "company_id") else None


def _ids(uow: UnitOfWork, column: Any, company_id: int) -> list[int]:
    table = column.class_
    return list(uow.session.scalars(select(table.id).where(column == company_id)
                                    .order_by(table.id)))


def _moving(uow: UnitOfWork, company_id: int) -> dict[str, list[int]]:
    targets = _targets()
    return {"projects": _ids(uow, Project.company_id, company_id),
            "local_projects": _ids(uow, Project.local_company_id, company_id),
            "contacts": _ids(uow, Contact.company_id, company_id),
            "logs": _ids(uow, ContactLog.company_id, company_id),
            "targets": _ids(uow, targets.company_id, company_id) if targets else [],
            "children": _ids(uow, Company.parent_id, company_id)}


def _columns() -> dict[str, Any]:
    targets = _targets()
    out = {"projects": Project.company_id, "local_projects": Project.local_company_id,
           "contacts": Contact.company_id, "logs": ContactLog.company_id,
           "children": Company.parent_id}
    if targets is not None:
        out["targets"] = targets.company_id
    return out


def _move(uow: UnitOfWork, kind: str, ids: list[int], to: int) -> None:
    column = _columns()[kind]
    obj: Any
    for obj in uow.session.scalars(select(column.class_).where(column.class_.id.in_(ids))):
        setattr(obj, column.key, to)


def _refresh_search(uow: UnitOfWork, company: Company) -> None:
    for project in uow.session.scalars(select(Project).where(Project.company_id == company.id)):
        project.search_text = search_text(project.name, company.name, company.uscc,
                                          company.former_names)


def _clashes(uow: UnitOfWork, survivor: Company, merged: Company) -> list[str]:
    """Live project names both companies have: after a merge one company would hold two."""
    mine = set(uow.session.scalars(select(Project.name).where(
        Project.company_id == survivor.id, Project.deleted_at.is_(None))))
    return sorted(n for n in uow.session.scalars(select(Project.name).where(
        Project.company_id == merged.id, Project.deleted_at.is_(None))) if n in mine)


def merge_companies(uow: UnitOfWork, actor: Actor, survivor_id: int,
                    merged_id: int) -> MergeResult:
    """Merge company ``merged_id`` into ``survivor_id`` (managers); see the module docstring.

    Raises:
        ValidationError: the same company, a deleted one, two different USCCs (two legal
            persons: set the investor instead), an investor and its own local company, or a
            project name both hold (delete or rename one of the two projects first).
    """
    permissions.require(uow, actor, "merge.merge_companies")
    survivor = get_or_404(uow.session, Company, survivor_id, "企业")
    merged = get_or_404(uow.session, Company, merged_id, "企业")
    if survivor.id == merged.id:
        raise ValidationError("请选择两家不同的企业", code="merge.same")
    for c in (survivor, merged):
        if c.deleted_at is not None:
            raise ValidationError(f"企业“{c.name}”已删除（或已被合并），不能合并",
                                  code="merge.deleted")
    if survivor.uscc and merged.uscc and survivor.uscc != merged.uscc:
        raise ValidationError(
            f"“{survivor.name}”（{survivor.uscc}）与“{merged.name}”（{merged.uscc}）的统一社会信用"
            "代码不同，是两个法人，不能合并；如一家是另一家的项目公司，请设置其投资方",
            code="merge.uscc")
    if survivor.id in (merged.parent_id,) or merged.id == survivor.parent_id:
        raise ValidationError(f"“{survivor.name}”与“{merged.name}”是投资方与项目公司，不是重复",
                              code="merge.parent")
    clashes = _clashes(uow, survivor, merged)
    if clashes:
        raise ValidationError(
            f"两家企业都有项目“{'”“'.join(clashes)}”：合并后会成为同一企业的同名项目。请先核对，"
            "把重复的一个删除（回收站）或改名后再合并", code="merge.projects")
    moving = _moving(uow, merged.id)
    taken: dict[str, Any] = {}
    merged_uscc = merged.uscc
    for key in (k for k in _TAKEN if hasattr(Company, k)):
        mine, theirs = getattr(survivor, key), getattr(merged, key)
        if mine in (None, "") and theirs not in (None, "") and theirs != survivor.id:
            taken[key] = theirs
    if "uscc" in taken:
        merged.uscc = None  # unique: the survivor takes it
        uow.session.flush()
    for key, value in taken.items():
        setattr(survivor, key, value)
    before_former = survivor.former_names
    names = _names(survivor.former_names)
    for name in [merged.name, *_names(merged.former_names)]:
        if name not in names and name != survivor.name:
            names.append(name)
    survivor.former_names = SEP.join(names)
    for kind, ids in moving.items():
        _move(uow, kind, ids, survivor.id)
    tiers_added = _add_tiers(uow, survivor.id, merged.id)
    merged.deleted_at = dt.datetime.now()
    uow.session.flush()
    _refresh_search(uow, survivor)
    moved = {k: len(v) for k, v in moving.items()}
    detail: dict[str, Any] = {
        "merged_id": merged.id, "merged_name": merged.name, "merged_uscc": merged_uscc,
        "moved": moving, "taken": {k: _plain(v) for k, v in taken.items()},
        "tiers_added": tiers_added,
        "former_before": before_former, "former_after": survivor.former_names}
    changes = [["former_names", before_former, survivor.former_names],
               ["merged", "", f"{merged.name}（编号 {merged.id}）"]]
    changes += [["moved", "", _moved_text(moved)]] if any(moved.values()) else []
    audit(uow, actor, "merge", "company", survivor.id, name=survivor.name, changes=changes,
          **detail)
    audit(uow, actor, "merged_into", "company", merged.id, name=merged.name,
          survivor_id=survivor.id, changes=[["merged_into", "", survivor.name]])
    uow.session.flush()
    entry = uow.session.scalar(select(func.max(AuditEntry.id)).where(
        AuditEntry.action == "merge", AuditEntry.entity_id == survivor.id))
    return MergeResult(survivor.id, survivor.name, merged.id, merged.name, int(entry or 0), moved)


def _add_tiers(uow: UnitOfWork, survivor_id: int, merged_id: int) -> list[int]:
    """The merged company's tier tags (世界500强 …) the survivor lacks, added to it: its
    projects keep counting under them (crm.services.assessment)."""
    model = getattr(models, "CompanyTier", None)
    if model is None:
        return []
    def tags(company_id: int) -> set[int]:
        return set(uow.session.scalars(select(model.tier_id).where(
            model.company_id == company_id)))
    added = sorted(tags(merged_id) - tags(survivor_id))
    uow.session.add_all(model(company_id=survivor_id, tier_id=t) for t in added)
    return added


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date) else value


def _moved_text(moved: dict[str, int]) -> str:
    labels = {"projects": "项目", "local_projects": "作为项目公司的项目", "contacts": "联系人",
              "logs": "接洽记录", "targets": "目标企业", "children": "项目公司"}
    return "、".join(f"{labels[k]} {n}" for k, n in moved.items() if n)


@dataclass(frozen=True)
class MergeEntry:
    """A merge in the audit log, and whether it can still be undone."""

    audit_id: int
    at: dt.datetime
    actor: str
    survivor_id: int
    survivor: str
    merged_id: int
    merged: str
    undone: bool


def _entry(uow: UnitOfWork, audit_id: int) -> tuple[AuditEntry, dict[str, Any]]:
    entry = uow.session.get(AuditEntry, audit_id)
    if entry is None or entry.action != "merge" or entry.entity != "company":
        raise ValidationError(f"变更记录 {audit_id} 不是企业合并", code="merge.not_a_merge")
    return entry, json.loads(entry.detail or "{}")


def _undone(uow: UnitOfWork, audit_id: int) -> bool:
    return any(json.loads(d or "{}").get("merge_entry") == audit_id for d in uow.session.scalars(
        select(AuditEntry.detail).where(AuditEntry.action == "unmerge")))


def merges(uow: UnitOfWork, limit: int = 50) -> list[MergeEntry]:
    """The latest merges, newest first (the 重复企业 page's 合并记录)."""
    out = []
    undone = {json.loads(d or "{}").get("merge_entry") for d in uow.session.scalars(
        select(AuditEntry.detail).where(AuditEntry.action == "unmerge"))}
    for e in uow.session.scalars(select(AuditEntry).where(AuditEntry.action == "merge")
                                 .order_by(AuditEntry.id.desc()).limit(limit)):
        d = json.loads(e.detail or "{}")
        out.append(MergeEntry(e.id, e.at, e.actor_name, e.entity_id or 0, d.get("name", ""),
                              int(d.get("merged_id", 0)), d.get("merged_name", ""),
                              e.id in undone))
    return out


def _unsafe(uow: UnitOfWork, survivor: Company, merged: Company, d: dict[str, Any]) -> list[str]:
    """What changed since the merge that an undo would overwrite or tear apart."""
    why: list[str] = []
    if survivor.deleted_at is not None:
        why.append(f"企业“{survivor.name}”此后已删除或已并入另一家企业")
    if merged.deleted_at is None:
        why.append(f"企业“{merged.name}”此后已恢复")
    labels = {"projects": ("项目", Project), "local_projects": ("项目", Project),
              "contacts": ("联系人", Contact), "logs": ("接洽记录", ContactLog),
              "children": ("项目公司", Company)}
    columns = _columns()
    for kind, ids in (d.get("moved") or {}).items():
        if not ids or kind not in columns:
            continue
        column = columns[kind]
        label = labels.get(kind, ("目标企业", None))[0]
        obj: Any
        for obj in uow.session.scalars(select(column.class_).where(column.class_.id.in_(ids))):
            now = getattr(obj, column.key)
            if now != survivor.id:
                name = getattr(obj, "name", None) or getattr(obj, "content", "")[:20]
                where = uow.session.get(Company, now) if now else None
                why.append(f"{label}“{name}”此后已改到"
                           + (f"企业“{where.name}”" if where else "别处"))
    for key, value in (d.get("taken") or {}).items():
        if _plain(getattr(survivor, key)) != value:
            why.append(f"“{survivor.name}”合并时取得的{_LABELS.get(key, key)}此后已修改")
    if d.get("merged_uscc"):
        holder = uow.session.scalar(select(Company).where(Company.uscc == d["merged_uscc"],
                                                          Company.id != survivor.id))
        if holder is not None:
            why.append(f"统一社会信用代码 {d['merged_uscc']} 此后已属于企业“{holder.name}”")
    return why


_LABELS = {"uscc": "统一社会信用代码", "hq_city": "总部城市", "industry_id": "产业",
           "licence_on": "营业执照取得日期", "parent_id": "投资方"}


def undo_merge(uow: UnitOfWork, actor: Actor, audit_id: int) -> MergeResult:
    """Undo the merge recorded as audit entry ``audit_id`` (managers): everything it moved
    goes back, the merged company returns, the survivor's 曾用名 and details are as before.

    Raises:
        ValidationError: not a merge, already undone, or unsafe since (saying what changed).
    """
    permissions.require(uow, actor, "merge.undo_merge")
    entry, d = _entry(uow, audit_id)
    if _undone(uow, audit_id):
        raise ValidationError("该合并已撤销过", code="merge.undone")
    survivor = get_or_404(uow.session, Company, entry.entity_id, "企业")
    merged = get_or_404(uow.session, Company, int(d.get("merged_id", 0)), "企业")
    why = _unsafe(uow, survivor, merged, d)
    if why:
        raise ValidationError("不能撤销这次合并：" + "；".join(why), code="merge.unsafe")
    for kind, ids in (d.get("moved") or {}).items():
        if ids and kind in _columns():
            _move(uow, kind, ids, merged.id)
    taken = d.get("taken") or {}
    for key in taken:
        setattr(survivor, key, None)
    tiers = getattr(models, "CompanyTier", None)
    if tiers is not None and d.get("tiers_added"):
        tag: Any
        for tag in uow.session.scalars(select(tiers).where(
                tiers.company_id == survivor.id, tiers.tier_id.in_(d["tiers_added"]))):
            uow.session.delete(tag)
    uow.session.flush()
    merged.uscc = d.get("merged_uscc") or merged.uscc
    added = set(_names(d.get("former_after", ""))) - set(_names(d.get("former_before", "")))
    survivor.former_names = SEP.join(n for n in _names(survivor.former_names) if n not in added)
    merged.deleted_at = None
    merged.name_key = name_key(merged.name)
    uow.session.flush()
    _refresh_search(uow, survivor)
    _refresh_search(uow, merged)
    moved = {k: len(v) for k, v in (d.get("moved") or {}).items()}
    audit(uow, actor, "unmerge", "company", survivor.id, name=survivor.name, merge_entry=audit_id,
          changes=[["unmerged", "", f"{merged.name}（编号 {merged.id}）"]])
    audit(uow, actor, "unmerge", "company", merged.id, name=merged.name, merge_entry=audit_id,
          changes=[["unmerged", "", f"从“{survivor.name}”分出"]])
    return MergeResult(survivor.id, survivor.name, merged.id, merged.name, audit_id, moved)
