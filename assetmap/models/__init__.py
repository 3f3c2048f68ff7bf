"""The data model: the tables (``tables``), the values their columns take (``enums``) and the
declarative base with its shared column types (``base``); the gazetteer and the small
areas are in ``places``; staff notes on listings in ``notes``. Import from here:
``from assetmap.models import Group``.

Anything a query filters on is a real column or a child table with an index, never a JSON
blob. Unknown stays NULL: accessibility is never guessed, so its flags are nullable booleans.
"""

from assetmap.models.base import SRID, Base, UTCDateTime, table_of, utcnow
from assetmap.models.enums import (
    ACCESSIBILITY_FLAGS,
    Category,
    ChangeKind,
    ChangeStatus,
    Day,
    Frequency,
    Gender,
    ProblemKind,
    Role,
    Status,
    TaskOutcome,
    TaskReason,
    TaskStage,
    VerificationMethod,
)
from assetmap.models.notes import NoteAction, StaffNote, StaffNoteRevision
from assetmap.models.places import Area, Postcode
from assetmap.models.tables import (
    ApiToken,
    FreshnessReminder,
    FreshnessScan,
    Group,
    GroupCategory,
    GroupInterest,
    ListingActivity,
    Membership,
    Organisation,
    OutboxMessage,
    PendingChange,
    ProblemReport,
    Revision,
    ScheduleEntry,
    SchedulerLock,
    TrustChange,
    UnmetNeed,
    User,
    Venue,
    Verification,
    VerificationTask,
)

__all__ = [
    "ACCESSIBILITY_FLAGS",
    "SRID",
    "ApiToken",
    "Area",
    "Base",
    "Category",
    "ChangeKind",
    "ChangeStatus",
    "Day",
    "Frequency",
    "FreshnessReminder",
    "FreshnessScan",
    "Gender",
    "Group",
    "GroupCategory",
    "GroupInterest",
    "ListingActivity",
    "Membership",
    "NoteAction",
    "Organisation",
    "OutboxMessage",
    "PendingChange",
    "Postcode",
    "ProblemKind",
    "ProblemReport",
    "Revision",
    "Role",
    "ScheduleEntry",
    "SchedulerLock",
    "StaffNote",
    "StaffNoteRevision",
    "Status",
    "TaskOutcome",
    "TaskReason",
    "TaskStage",
    "TrustChange",
    "UTCDateTime",
    "UnmetNeed",
    "User",
    "Venue",
    "Verification",
    "VerificationMethod",
    "VerificationTask",
    "table_of",
    "utcnow",
]
