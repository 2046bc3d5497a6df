"""A ledger's company written another way than the stored one: reuse it, or ask.

After the USCC and the exact name (crm.excel.resolve), a row's company is looked up by its
normalised name (crm.companies_identity.name_key): the same key and no conflicting USCC is the
same company, reused with a 提示 that names it (the dry run and the wizard show it before
anything is written). Two different USCCs are never one company: the row makes a new one and
the 提示 says why. A name only *like* a stored one (the fuzzy check) is a question
(:attr:`Found.similar`): the import is refused until the user answers it — the same company
(use the stored one) or a new one (crm.excel.resolve). Within one file, two spellings of one
new company make one company.

The fuzzy check reads every stored company's key once, and only runs while the work stays
small (new names × stored companies ≤ :data:`FUZZY_BUDGET`): a first import into an empty
database, or a re-import where every company is found, costs nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select

from crm.companies_identity import THRESHOLD, NameParts, compare, name_key, name_parts
from crm.db import UnitOfWork
from crm.models import Company
from crm.services.company_check import live_keys

FUZZY_BUDGET = 20_000_000  # new names × stored companies compared (about 2 s)


@dataclass
class StoredNames:
    """The live companies by normalised name, loaded with the import's other lookups (their
    names and USCCs are read only for the few a row may be)."""

    by_key: dict[str, list[int]] = field(default_factory=dict)
    cores: dict[int, str] = field(default_factory=dict)
    keys: dict[int, str] = field(default_factory=dict)
    uow: UnitOfWork | None = None
    details: dict[int, tuple[str, str | None]] = field(default_factory=dict)
    # within the file: key → (token, uscc, the name as first written, its Excel row)
    new: dict[str, tuple[str, str | None, str, int]] = field(default_factory=dict)

    @classmethod
    def load(cls, uow: UnitOfWork) -> StoredNames:
        out = cls(uow=uow)
        out.keys = live_keys(uow)
        for cid, key in out.keys.items():
            out.by_key.setdefault(key, []).append(cid)
            out.cores[cid] = key.partition("|")[2]
        return out

    def of(self, ids: list[int]) -> dict[int, tuple[str, str | None]]:
        """(name, USCC) of these companies."""
        wanted = [i for i in ids if i not in self.details]
        if wanted and self.uow is not None:
            for cid, name, uscc in self.uow.session.execute(
                    select(Company.id, Company.name, Company.uscc).where(Company.id.in_(wanted))):
                self.details[cid] = (name, uscc)
        return {i: self.details[i] for i in ids if i in self.details}


@dataclass(frozen=True)
class Found:
    """What the normalised name says about a row's company."""

    company_id: int | None  # a stored company to reuse
    token: str | None  # a company this file creates already (another spelling of it)
    note: str  # the 提示, "" for none
    similar: tuple[int, str, str] | None = None  # (id, name, why) of a stored one it is like


def match(stored: StoredNames, company: str, uscc: str | None, row: int, new_count: int) -> Found:
    """The stored (or already new) company ``company`` is, by its normalised name."""
    key = name_key(company)
    conflicts = []
    same = stored.by_key.get(key, [])
    for cid, (name, their_uscc) in stored.of(same).items():
        if uscc and their_uscc and uscc != their_uscc:
            conflicts.append(f"“{name}”（{their_uscc}）")
            continue
        return Found(cid, None, f"企业“{company}”即系统中的“{name}”（名称写法不同），按该企业导入")
    earlier = stored.new.get(key)
    if earlier is not None:
        token, first_uscc, first_name, first_row = earlier
        if not (uscc and first_uscc and uscc != first_uscc):
            return Found(None, token, f"企业“{company}”与第 {first_row} 行的“{first_name}”是同一"
                                      "企业（名称写法不同），作为一家企业导入")
    if conflicts:
        return Found(None, None, f"企业“{company}”与系统中的{'、'.join(conflicts)}名称相同，"
                                 "但统一社会信用代码不同，作为另一家企业新建")
    return _guess(stored, company, uscc, new_count)


def remember_new(stored: StoredNames, company: str, uscc: str | None, token: str,
                 row: int) -> None:
    """A company this file creates, for the rows below that spell it another way."""
    stored.new.setdefault(name_key(company), (token, uscc, company, row))


def _guess(stored: StoredNames, company: str, uscc: str | None, new_count: int) -> Found:
    if not stored.cores or new_count * len(stored.cores) > FUZZY_BUDGET:
        return Found(None, None, "")
    from rapidfuzz import fuzz, process

    parts = name_parts(company)
    hits = []
    near = [cid for _, _, cid in process.extract(parts.core, stored.cores, scorer=fuzz.ratio,
                                                 score_cutoff=THRESHOLD, limit=5)]
    for cid, (name, their_uscc) in stored.of(near).items():
        if uscc and their_uscc and uscc != their_uscc:
            continue
        verdict = compare(parts, NameParts.of_key(stored.keys[cid]))
        if verdict is not None:
            hits.append((verdict.score, name, verdict.reason, cid))
    if not hits:
        return Found(None, None, "")
    _, name, reason, cid = max(hits)
    return Found(None, None, "", (cid, name, reason))
