"""The values a listing, an account or a task can take, stored by their string values."""

from __future__ import annotations

import enum
from collections.abc import Iterable


class Category(enum.StrEnum):
    CREATIVE = "creative"
    SOCIAL = "social"
    ACTIVE = "active"
    PRACTICAL = "practical"
    LEARNING = "learning"
    NATURE = "nature"
    VOLUNTEERING = "volunteering"
    PEER_SUPPORT = "peer_support"
    FAITH_CULTURE = "faith_culture"
    DIGITAL = "digital"


#: Each category's bit in ``groups.category_mask`` (migration 0032's triggers write it from
#: ``group_categories``): a new category takes the next bit.
CATEGORY_BITS: dict[Category, int] = {category: 1 << at for at, category in enumerate(Category)}


def category_mask(categories: Iterable[Category | str]) -> int:
    """The bits of ``categories`` in ``groups.category_mask``."""
    mask = 0
    for category in categories:
        mask |= CATEGORY_BITS[Category(category)]
    return mask


class Status(enum.StrEnum):
    OPEN = "open"
    INVITATION_ONLY = "invitation_only"
    WAITING_LIST = "waiting_list"
    PAUSED = "paused"
    CLOSED = "closed"


class Day(enum.StrEnum):
    MON = "mon"
    TUE = "tue"
    WED = "wed"
    THU = "thu"
    FRI = "fri"
    SAT = "sat"
    SUN = "sun"


class Frequency(enum.StrEnum):
    WEEKLY = "weekly"
    FORTNIGHTLY = "fortnightly"
    MONTHLY = "monthly"
    OTHER = "other"


class Gender(enum.StrEnum):
    ANY = "any"
    MEN = "men"
    WOMEN = "women"


class VerificationMethod(enum.StrEnum):
    PHONE = "phone"
    EMAIL = "email"
    VISIT = "visit"
    ORGANISER = "organiser"
    IMPORT = "import"


#: The accessibility questions of the listing contract, each yes / no / not known.
ACCESSIBILITY_FLAGS: tuple[str, ...] = (
    "step_free",
    "wheelchair_accessible",
    "accessible_toilet",
    "hearing_loop",
    "blue_badge_parking",
    "seating_available",
    "dementia_friendly",
    "quiet_space",
)


class ProblemKind(enum.StrEnum):
    PHONE = "phone"
    CLOSED = "closed"
    TIMES = "times"
    OTHER = "other"


class Role(enum.StrEnum):
    LINK_WORKER = "link_worker"
    ORGANISER = "organiser"
    COMMUNITY_BUILDER = "community_builder"
    ADMIN = "admin"


class ChangeKind(enum.StrEnum):
    EDIT = "edit"
    NEW = "new"
    CLOSE = "close"


class ChangeStatus(enum.StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


class TaskStage(enum.StrEnum):
    # Reminders are going to the listing's contact; link workers step in if nobody answers.
    ORGANISER = "organiser"
    # In the link workers' queue.
    LINK_WORKER = "link_worker"


class TaskReason(enum.StrEnum):
    DUE = "due"
    STALE = "stale"
    PROBLEM = "problem"  # someone reported a problem
    BOUNCED = "bounced"  # a reminder could not be delivered
    NO_REPLY = "no_reply"  # the organiser answered none of the reminders
    NO_CONTACT = "no_contact"  # no email address to remind
    CHANGES = "changes"  # the organiser wrote what has changed


class TaskOutcome(enum.StrEnum):
    CONFIRMED = "confirmed"  # checked: nothing changed
    UPDATED = "updated"  # checked and corrected
    CLOSED = "closed"  # the group has stopped
    PAUSED = "paused"  # unreachable too many times: paused and hidden from matching
    ORGANISER = "organiser"  # the organiser answered a reminder
    VERIFIED_ELSEWHERE = "verified_elsewhere"  # verified another way (import, organiser page)
