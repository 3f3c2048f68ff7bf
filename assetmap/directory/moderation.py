"""Organisers change their groups; admins approve. The public sees only approved listings.

An admin's change, or a trusted organisation's change to minor fields (sessions, capacity,
status), is applied at once. Anything else from an organiser waits as a ``PendingChange``:
an admin sees it field by field against the listing as it is now, and approves (applied as
an edit, with the usual check that nobody changed the listing meanwhile) or rejects it with a
reason. Either way the organiser is told by email through the outbox.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session, aliased

from assetmap.accounts.users import Permissions
from assetmap.directory.contract import parse_listing
from assetmap.directory.documents import refresh_documents
from assetmap.directory.edits import (
    READ_ONLY,
    EditResult,
    StaleEdit,
    changed_since,
    current_listing,
    edit_listing,
    flatten,
    merge_patch,
    patch_between,
    place_venue,
)
from assetmap.directory.importing import ImportRejected, save_listings, validate_records
from assetmap.directory.sessions import keep_anchors
from assetmap.errors import Conflict, Forbidden, NotFound, ValidationError
from assetmap.geo.interfaces import Geocoder
from assetmap.models import (
    ChangeKind,
    ChangeStatus,
    Group,
    Organisation,
    PendingChange,
    Revision,
    Role,
    TaskOutcome,
    User,
    VerificationMethod,
)
from assetmap.outbox.services import queue_email
from assetmap.verification.records import close_open_task, record_verification

#: What a trusted organisation's organisers may change without an admin's approval.
MINOR_FIELDS = frozenset({"schedule", "capacity", "status"})


@dataclass(frozen=True)
class Submitted:
    """Applied at once (``applied``) or waiting for an admin (``pending``)."""

    applied: EditResult | None = None
    pending: PendingChange | None = None


def _check_listing(listing: dict[str, Any]) -> None:
    """Raise ValidationError naming the first bad field of a whole listing."""
    parsed, problems = parse_listing(listing)
    if parsed is None:
        field, message = problems[0]
        raise ValidationError(f"{field}: {message}", field=field or None)


def _group(session: Session, group_id: int) -> Group:
    group = session.get(Group, group_id)
    if group is None:
        raise NotFound(f"no group has id {group_id}")
    return group


def may_skip_moderation(session: Session, user: User, group: Group, fields: set[str]) -> bool:
    if user.role is Role.ADMIN:
        return True
    organisation = (
        session.get(Organisation, group.organisation_id) if group.organisation_id else None
    )
    return bool(organisation and organisation.trusted and fields <= MINOR_FIELDS)


def submit_change(
    session: Session,
    user: User,
    group_id: int,
    patch: Mapping[str, Any],
    *,
    based_on: int,
    geocoder: Geocoder,
    note: str = "",
) -> Submitted:
    """An edit to a group, applied or queued. Checked now either way: the organiser hears
    of a bad field or a stale version at once, not when an admin gets to it."""
    group = _group(session, group_id)
    if not Permissions.of(session, user).may_edit(group):
        raise Forbidden("you may not change this group")
    if touched := sorted(READ_ONLY & set(patch)):
        raise ValidationError(f"{touched[0]}: cannot be changed", field=touched[0])
    if group.version != based_on:
        raise StaleEdit(based_on, group.version, changed_since(session, group_id, based_on))
    _check_listing(merge_patch(current_listing(session, group_id), dict(patch)))
    if may_skip_moderation(session, user, group, set(patch)):
        result = edit_listing(
            session, group_id, patch, based_on=based_on, user_id=user.id, geocoder=geocoder
        )
        _checked_by_organiser(session, group_id, user)
        return Submitted(applied=result)
    pending = PendingChange(
        kind=ChangeKind.EDIT,
        group_id=group_id,
        organisation_id=group.organisation_id,
        patch=json.dumps(dict(patch), ensure_ascii=False),
        based_on=based_on,
        note=note.strip(),
        proposed_by=user.id,
    )
    session.add(pending)
    session.flush()
    _tell_admins(session, f"A change to {group.name} waits for approval")
    return Submitted(pending=pending)


def ask_to_close(session: Session, user: User, group_id: int, reason: str) -> Submitted:
    group = _group(session, group_id)
    if not Permissions.of(session, user).may_edit(group):
        raise Forbidden("you may not change this group")
    if not reason.strip():
        raise ValidationError("say why the group is closing", field="reason")
    pending = PendingChange(
        kind=ChangeKind.CLOSE,
        group_id=group_id,
        organisation_id=group.organisation_id,
        patch=json.dumps({"status": "closed"}),
        based_on=group.version,
        note=reason.strip(),
        proposed_by=user.id,
    )
    session.add(pending)
    session.flush()
    _tell_admins(session, f"{group.name} asks to close")
    return Submitted(pending=pending)


def propose_group(
    session: Session, user: User, listing: Mapping[str, Any], geocoder: Geocoder
) -> Submitted:
    """A new group from an organiser (for one of their organisations), checked and queued."""
    permissions = Permissions.of(session, user)
    if user.role not in (Role.ORGANISER, Role.ADMIN):
        raise Forbidden("only organisers and admins add groups")
    data = {key: value for key, value in listing.items() if key not in READ_ONLY}
    if user.role is Role.ORGANISER:
        names = set(
            session.scalars(
                select(Organisation.name).where(Organisation.id.in_(permissions.organisation_ids))
            )
        )
        if data.get("organisation") not in names:
            raise ValidationError(
                "must be one of your organisations: " + ", ".join(sorted(names)),
                field="organisation",
            )
    try:
        validate_records([data], geocoder)
    except ImportRejected as rejected:
        problem = rejected.problems[0]
        raise ValidationError(f"{problem.field}: {problem.message}", field=problem.field) from None
    organisation_id = session.scalar(
        select(Organisation.id).where(Organisation.name == data.get("organisation"))
    )
    pending = PendingChange(
        kind=ChangeKind.NEW,
        organisation_id=organisation_id,
        patch=json.dumps(data, ensure_ascii=False),
        proposed_by=user.id,
    )
    session.add(pending)
    session.flush()
    _tell_admins(session, f"A new group, {data.get('name')}, waits for approval")
    return Submitted(pending=pending)


def submit_edited_listing(
    session: Session,
    user: User,
    group_id: int,
    proposed: dict[str, Any],
    *,
    based_on: int,
    geocoder: Geocoder,
) -> Submitted | None:
    """A whole listing from the organiser's form, as an edit of what is stored: only the
    fields that differ are submitted (``submit_change``). None if nothing differs.

    The venue is placed first (``place_venue``): ``proposed`` gets its coordinates."""
    stored = current_listing(session, group_id)
    place_venue(proposed, stored.get("venue"), geocoder)
    keep_anchors(proposed, stored)
    patch = patch_between(proposed, stored)
    if not patch:
        return None
    return submit_change(session, user, group_id, patch, based_on=based_on, geocoder=geocoder)


def propose_new_listing(
    session: Session, user: User, listing: dict[str, Any], geocoder: Geocoder
) -> Submitted:
    """A new group from the organiser's form: its venue placed, then ``propose_group``."""
    place_venue(listing, None, geocoder)
    return propose_group(session, user, listing, geocoder)


# ---- the admin's side ------------------------------------------------------------------------


@dataclass(frozen=True)
class ChangeRow:
    """One proposed change with the names around it, as the moderation pages list it.

    Names are None where what they name has gone: a removed group or account."""

    id: int
    kind: ChangeKind
    status: ChangeStatus
    group_id: int | None
    #: The group's name; for a new group not yet approved, the name it proposes.
    group_name: str | None
    organisation: str | None
    proposer: str | None
    proposed_at: dt.datetime
    note: str
    decider: str | None
    decided_at: dt.datetime | None
    reason: str
    based_on: int | None
    patch: dict[str, Any]


@dataclass(frozen=True)
class ModerationQueue:
    waiting: list[ChangeRow]
    #: How many changes wait in all (``waiting`` is one page of them).
    total: int
    recently_decided: list[ChangeRow]


def moderation_queue(
    session: Session, *, offset: int, limit: int, recently_decided: int
) -> ModerationQueue:
    """The changes waiting, oldest first (a page of them), and the latest decided."""
    waiting = PendingChange.status == ChangeStatus.PENDING
    return ModerationQueue(
        waiting=change_rows(
            session,
            waiting,
            order=(PendingChange.proposed_at, PendingChange.id),
            limit=limit,
            offset=offset,
        ),
        total=session.scalar(select(func.count()).select_from(PendingChange).where(waiting)) or 0,
        recently_decided=change_rows(
            session,
            PendingChange.status != ChangeStatus.PENDING,
            order=(PendingChange.decided_at.desc(), PendingChange.id.desc()),
            limit=recently_decided,
        ),
    )


def change_row(session: Session, change_id: int) -> ChangeRow:
    """One change as ``change_rows`` gives it; NotFound if there is none."""
    rows = change_rows(session, PendingChange.id == change_id, order=(PendingChange.id,))
    if not rows:
        raise NotFound(f"no change has id {change_id}")
    return rows[0]


def change_rows(
    session: Session,
    *where: ColumnElement[bool],
    order: Sequence[Any],
    limit: int | None = None,
    offset: int = 0,
) -> list[ChangeRow]:
    """Proposed changes with their group, organisation, proposer and decider, in one query
    (outer joins: any of those may have been removed since)."""
    proposer, decider = aliased(User), aliased(User)
    query = (
        select(
            PendingChange,
            Group.name,
            Organisation.name,
            func.coalesce(func.nullif(proposer.name, ""), proposer.email),
            func.coalesce(func.nullif(decider.name, ""), decider.email),
        )
        .outerjoin(Group, Group.id == PendingChange.group_id)
        .outerjoin(Organisation, Organisation.id == PendingChange.organisation_id)
        .outerjoin(proposer, proposer.id == PendingChange.proposed_by)
        .outerjoin(decider, decider.id == PendingChange.decided_by)
        .where(*where)
        .order_by(*order)
        .offset(offset)
        .limit(limit)
    )
    rows = []
    for change, group_name, organisation, proposed_by, decided_by in session.execute(query):
        patch = json.loads(change.patch)
        patch = patch if isinstance(patch, dict) else {}
        if change.kind is ChangeKind.NEW:
            group_name = group_name or patch.get("name") or None
        rows.append(
            ChangeRow(
                id=change.id,
                kind=change.kind,
                status=change.status,
                group_id=change.group_id,
                group_name=group_name,
                organisation=organisation or patch.get("organisation") or None,
                proposer=proposed_by,
                proposed_at=change.proposed_at,
                note=change.note,
                decider=decided_by,
                decided_at=change.decided_at,
                reason=change.reason,
                based_on=change.based_on,
                patch=patch,
            )
        )
    return rows


@dataclass(frozen=True)
class ChangeReview:
    """What an admin reviews a change by: for one still waiting, its fields against the
    listing now, and (when the listing moved on since it was proposed) the fields changed
    in between; for one decided, what it proposed as sent."""

    row: ChangeRow
    fields: list[FieldChange]
    changed_since: list[str] | None


def review_change(session: Session, change_id: int) -> ChangeReview:
    """NotFound if there is no such change."""
    row = change_row(session, change_id)
    if row.status is not ChangeStatus.PENDING:
        # Decided: what was proposed, as sent (the listing has moved on since).
        sent = [
            FieldChange(path, None, value) for path, value in sorted(flatten(row.patch).items())
        ]
        return ChangeReview(row, [f for f in sent if not _derived(f.field)], None)
    change = session.get(PendingChange, change_id)
    assert change is not None
    fields = [f for f in pending_diff(session, change) if not _derived(f.field)]
    moved_on = None
    if row.group_id is not None and row.based_on is not None:
        current = session.scalar(select(Group.version).where(Group.id == row.group_id))
        if current is not None and current != row.based_on:
            moved_on = changed_since(session, row.group_id, row.based_on)
    return ChangeReview(row, fields, moved_on)


def _derived(path: str) -> bool:
    """Derived values (spare places, freshness) follow from the others: not changes."""
    return path.split(".")[-1] in READ_ONLY


@dataclass(frozen=True)
class FieldChange:
    field: str
    old: Any
    new: Any


def pending_diff(session: Session, change: PendingChange) -> list[FieldChange]:
    """The change field by field, against the listing as it is now."""
    patch = json.loads(change.patch)
    before = current_listing(session, change.group_id) if change.group_id else {}
    after = merge_patch(before, patch) if change.group_id else patch
    old, new = flatten(before), flatten(after)
    return [
        FieldChange(path, old.get(path), new.get(path))
        for path in sorted(old.keys() | new.keys())
        if old.get(path) != new.get(path) and path not in READ_ONLY
    ]


def _pending(session: Session, admin: User, change_id: int) -> PendingChange:
    if admin.role is not Role.ADMIN:
        raise Forbidden("only admins approve changes")
    change = session.get(PendingChange, change_id)
    if change is None:
        raise NotFound(f"no change has id {change_id}")
    if change.status is not ChangeStatus.PENDING:
        raise Conflict(f"this change was already {change.status.value}")
    return change


def approve(session: Session, admin: User, change_id: int, geocoder: Geocoder) -> PendingChange:
    """Apply a pending change. If the listing moved on since it was proposed, StaleEdit: the
    admin sees what changed and the change stays pending (reject it, or ask for a new one)."""
    change = _pending(session, admin, change_id)
    patch = json.loads(change.patch)
    if change.kind is ChangeKind.NEW:
        (listing,) = validate_records([patch], geocoder)
        result = save_listings(session, [listing])
        change.group_id = result.group_ids[0]
        what = patch.get("name", "your new group")
    else:
        assert change.group_id is not None and change.based_on is not None
        edit_listing(
            session,
            change.group_id,
            patch,
            based_on=change.based_on,
            user_id=change.proposed_by,
            geocoder=geocoder,
        )
        proposer = session.get(User, change.proposed_by) if change.proposed_by else None
        if proposer is not None:
            _checked_by_organiser(session, change.group_id, proposer)
        what = _group(session, change.group_id).name
    _decide(change, admin, ChangeStatus.APPROVED, "")
    _tell_proposer(session, change, f"Approved: {what}", "An admin approved it; it is live now.")
    return change


def _checked_by_organiser(session: Session, group_id: int, user: User) -> None:
    """An organiser's change that goes live verifies the listing: they have just been through
    all of it on the edit form. Its re-verification task (a reminder may have sent them there)
    is done. Admins' corrections verify nothing by themselves."""
    if user.role is not Role.ORGANISER:
        return
    today = dt.date.today()
    who = (user.name or user.email)[:200]
    note = "Details updated by the organiser"
    record_verification(
        session,
        _group(session, group_id),
        today,
        who=who,
        method=VerificationMethod.ORGANISER,
        note=note,
    )
    close_open_task(session, group_id, TaskOutcome.ORGANISER, today, who, note)
    refresh_documents(session, [group_id])


def reject(session: Session, admin: User, change_id: int, reason: str) -> PendingChange:
    change = _pending(session, admin, change_id)
    if not reason.strip():
        raise ValidationError("say why, so the organiser can put it right", field="reason")
    _decide(change, admin, ChangeStatus.REJECTED, reason.strip())
    name = json.loads(change.patch).get("name") if change.kind is ChangeKind.NEW else None
    what = name or (_group(session, change.group_id).name if change.group_id else "your change")
    _tell_proposer(session, change, f"Not approved: {what}", f"The admin said: {reason.strip()}")
    return change


def _decide(change: PendingChange, admin: User, status: ChangeStatus, reason: str) -> None:
    change.status = status
    change.decided_by = admin.id
    change.decided_at = dt.datetime.now(dt.UTC)
    change.reason = reason


def restore(session: Session, admin: User, revision_id: int, geocoder: Geocoder) -> EditResult:
    """Put one field back to its value before a revision, as a new (recorded) edit."""
    if admin.role is not Role.ADMIN:
        raise Forbidden("only admins restore earlier values")
    revision = session.get(Revision, revision_id)
    if revision is None:
        raise NotFound(f"no revision has id {revision_id}")
    patch: dict[str, Any] = {}
    *parents, leaf = revision.field.split(".")
    level = patch
    for part in parents:
        level = level.setdefault(part, {})
    level[leaf] = json.loads(revision.old_value)
    group = _group(session, revision.group_id)
    return edit_listing(
        session, group.id, patch, based_on=group.version, user_id=admin.id, geocoder=geocoder
    )


# ---- telling people --------------------------------------------------------------------------


def _tell_admins(session: Session, subject: str) -> None:
    for address in session.scalars(
        select(User.email).where(User.role == Role.ADMIN, User.active.is_(True))
    ):
        queue_email(session, address, subject, f"{subject}.\n\nSee the moderation queue.\n")


def _tell_proposer(session: Session, change: PendingChange, subject: str, body: str) -> None:
    proposer = session.get(User, change.proposed_by) if change.proposed_by else None
    if proposer is not None and proposer.active:
        queue_email(session, proposer.email, subject, body + "\n")


__all__ = [
    "MINOR_FIELDS",
    "ChangeReview",
    "ChangeRow",
    "FieldChange",
    "ModerationQueue",
    "StaleEdit",
    "Submitted",
    "approve",
    "ask_to_close",
    "change_row",
    "change_rows",
    "moderation_queue",
    "pending_diff",
    "propose_group",
    "propose_new_listing",
    "reject",
    "restore",
    "review_change",
    "submit_change",
    "submit_edited_listing",
]
