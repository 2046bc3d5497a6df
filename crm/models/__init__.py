"""The schema: SQLAlchemy 2 typed models for every entity of DESIGN §2.

Split by area into the modules of this package; every model is imported here, so that
``from crm.models import Project`` works everywhere and every class is mapped (relationships
name their targets as strings) as soon as the package is imported.
"""

from crm.models.assessment import RewardRule, ScorecardItem, ScorecardScheme, Snapshot, Target
from crm.models.base import NAMING, Base, SortKey, Timestamps
from crm.models.carriers import Carrier, CarrierIndustry, CarrierPlacement
from crm.models.chains import Chain, Segment, TargetFirm
from crm.models.core import (
    Agreement,
    Attachment,
    ContactLog,
    Funding,
    Project,
    StageChange,
    Start,
)
from crm.models.duplicates import DuplicateCandidate, DuplicateDirty, DuplicateKey
from crm.models.figures import FigureCell, RewardReceipt
from crm.models.parties import (
    Ambassador,
    Company,
    CompanyTier,
    Contact,
    DuplicateDismissal,
    Event,
    Industry,
    Tier,
    User,
)
from crm.models.system import AuditEntry, Revision, Setting

__all__ = [
    "NAMING",
    "Agreement",
    "Ambassador",
    "Attachment",
    "AuditEntry",
    "Base",
    "Carrier",
    "CarrierIndustry",
    "CarrierPlacement",
    "Chain",
    "Company",
    "CompanyTier",
    "Contact",
    "ContactLog",
    "DuplicateCandidate",
    "DuplicateDirty",
    "DuplicateDismissal",
    "DuplicateKey",
    "Event",
    "FigureCell",
    "Funding",
    "Industry",
    "Project",
    "Revision",
    "RewardReceipt",
    "RewardRule",
    "ScorecardItem",
    "ScorecardScheme",
    "Segment",
    "Setting",
    "Snapshot",
    "SortKey",
    "StageChange",
    "Start",
    "Target",
    "TargetFirm",
    "Tier",
    "Timestamps",
    "User",
]
