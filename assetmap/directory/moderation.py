"""Organisers change their groups; admins approve. The public sees only approved listings,
except for what cannot wait.

A change is split when it is sent. The urgent fields (``review.URGENT_FIELDS``: places,
waiting list, status) go live at once for every organiser, recorded in the history like any
edit and kept on the change (``PendingChange.applied``) for an admin to review after. The
rest goes live at once for an admin, and for a trusted organisation's organisers when it is
a minor field (sessions); anything else waits as a ``PendingChange``. There is at most one
waiting edit per group: a second edit updates it rather than stacking another on the public
version. An admin sees the change field by field against the listing as it is now, and
approves or rejects it whole or field by field (the part decided becomes a decided change of
its own; the rest keeps waiting). Either way the organiser is told by email, and admins are
told of each change with a link to the page where they decide it.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

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
from assetmap.directory.review import (
    URGENT_FIELDS,
    ChangeReview,
    ChangeRow,
    FieldChange,
    ModerationQueue,
    change_row,
    change_rows,
    closing_waits,
    live_words,
    loads_patch,
    moderation_queue,
    patch_parts,
    pending_diff,
    review_change,
    split_patch,
)
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
MINOR_FIELDS = frozenset({"schedule"}) | URGENT_FIELDS
#: Said on a waiting change an organiser's later edit emptied.
WITHDRAWN = "Withdrawn: the organiser's later edit put these fields back as they are."


@dataclass(frozen=True)
class Submitted:
    """What happened to a change: the part applied at once (``applied``) and the change
    that waits for an admin or records the applied part for review (``pending``)."""

    applied: EditResult | None = None
    pending: PendingChange | None = None

    @property
    def waiting(self) -> bool:
        """Whether part of it waits for an admin's approval."""
        return self.pending is not None and bool(loads_patch(self.pending.patch))


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


def _trusted(session: Session, group: Group) -> bool:
    organisation = (
        session.get(Organisation, group.organisation_id) if group.organisation_id else None
    )
    return bool(organisation and organisation.trusted)


def live_fields(session: Session, user: User, group: Group) -> frozenset[str] | None:
    """The top-level fields ``user``'s change to ``group`` applies at once; None for all."""
    if user.role is Role.ADMIN:
        return None
    return MINOR_FIELDS if _trusted(session, group) else URGENT_FIELDS


def may_skip_moderation(session: Session, user: User, group: Group, fields: set[str]) -> bool:
    """Whether a change to ``fields`` goes live whole, with nothing waiting."""
    live = live_fields(session, user, group)
    return live is None or fields <= live


def waiting_edit(session: Session, group_id: int) -> PendingChange | None:
    """The group's edit waiting for an admin (the newest, if older ones stacked up)."""
    return session.scalars(
        select(PendingChange)
        .where(
            PendingChange.group_id == group_id,
            PendingChange.kind == ChangeKind.EDIT,
            PendingChange.status == ChangeStatus.PENDING,
            PendingChange.patch != "{}",
        )
        .order_by(PendingChange.proposed_at.desc(), PendingChange.id.desc())
        .limit(1)
    ).first()


def pending_version(session: Session, group_id: int) -> tuple[dict[str, Any], bool]:
    """The listing as its organiser last left it: the public one with the waiting edit
    merged in, and whether there is one (the edit form starts from this)."""
    stored = current_listing(session, group_id)
    change = waiting_edit(session, group_id)
    if change is None:
        return stored, False
    return merge_patch(stored, loads_patch(change.patch)), True


def submit_change(
    session: Session,
    user: User,
    group_id: int,
    patch: Mapping[str, Any],
    *,
    based_on: int,
    geocoder: Geocoder,
    public_url: str,
    note: str = "",
    replaces_waiting: bool = False,
) -> Submitted:
    """An edit to a group: its live part applied, the rest waiting. Checked now either way:
    the organiser hears of a bad field or a stale version at once, not when an admin gets
    to it.

    If an edit of the group waits already, the rest goes into it: merged with what it asked
    for (``replaces_waiting``: in its place, as when the form that started from the waiting
    version is saved). ``public_url`` makes the admins' email's link absolute."""
    group = _group(session, group_id)
    if not Permissions.of(session, user).may_edit(group):
        raise Forbidden("you may not change this group")
    if touched := sorted(READ_ONLY & set(patch)):
        raise ValidationError(f"{touched[0]}: cannot be changed", field=touched[0])
    if group.version != based_on:
        raise StaleEdit(based_on, group.version, changed_since(session, group_id, based_on))
    stored = current_listing(session, group_id)
    live_keys = live_fields(session, user, group)
    # An admin's correction is their own: it leaves an organiser's waiting edit alone.
    earlier = waiting_edit(session, group_id) if live_keys is not None else None
    waiting_before = loads_patch(earlier.patch) if earlier is not None else {}
    rest_before = {} if replaces_waiting else waiting_before
    everything = set(patch) if live_keys is None else live_keys
    live, rest = closing_waits(*split_patch(dict(patch), everything), live_keys)
    rest = patch_between(merge_patch(merge_patch(stored, rest_before), rest), stored)
    _check_listing(merge_patch(stored, merge_patch(dict(live), rest)))
    applied = None
    if live:
        applied = edit_listing(
            session, group_id, live, based_on=based_on, user_id=user.id, geocoder=geocoder
        )
    version = applied.version if applied else based_on
    review_after = bool(applied and applied.changed) and user.role is Role.ORGANISER
    review_after = review_after and not _trusted(session, group)
    if earlier is not None:
        if rest == waiting_before and not review_after:
            earlier.based_on = version  # what it asks for was reconsidered at this version
            return Submitted(applied=applied, pending=earlier)
        return _update_waiting(
            session, user, earlier, rest, live if review_after else {}, version, public_url
        )
    if not rest and not review_after:
        if applied is not None and applied.changed:  # a change that changes nothing checks not
            _checked_by_organiser(session, group_id, user)
        return Submitted(applied=applied)
    pending = PendingChange(
        kind=ChangeKind.EDIT,
        group_id=group_id,
        organisation_id=group.organisation_id,
        patch=json.dumps(rest, ensure_ascii=False),
        applied=json.dumps(live if review_after else {}, ensure_ascii=False),
        based_on=version,
        note=note.strip(),
        proposed_by=user.id,
    )
    session.add(pending)
    session.flush()
    if not rest:
        _checked_by_organiser(session, group_id, user)
        subject = f"{group.name}: {live_words(live)}, to review"
    else:
        subject = f"A change to {group.name} waits for approval"
    _tell_admins(session, subject, _change_link(public_url, pending))
    return Submitted(applied=applied, pending=pending)


def _update_waiting(
    session: Session,
    user: User,
    change: PendingChange,
    rest: dict[str, Any],
    live: dict[str, Any],
    version: int,
    public_url: str,
) -> Submitted:
    """The organiser edited again while their change waits: the change becomes this one."""
    change.applied = json.dumps(merge_patch(loads_patch(change.applied), live), ensure_ascii=False)
    change.patch = json.dumps(rest, ensure_ascii=False)
    change.based_on = version
    change.proposed_by = user.id
    if not rest and change.applied == "{}":
        _decide(change, user, ChangeStatus.REJECTED, WITHDRAWN)
    session.flush()
    name = _group(session, change.group_id).name if change.group_id else "a group"
    _tell_admins(session, f"The change to {name} was updated", _change_link(public_url, change))
    return Submitted(pending=change)


def ask_to_close(
    session: Session, user: User, group_id: int, reason: str, *, public_url: str
) -> Submitted:
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
    _tell_admins(session, f"{group.name} asks to close", _change_link(public_url, pending))
    return Submitted(pending=pending)


def propose_group(
    session: Session,
    user: User,
    listing: Mapping[str, Any],
    geocoder: Geocoder,
    *,
    public_url: str,
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
    subject = f"A new group, {data.get('name')}, waits for approval"
    _tell_admins(session, subject, _change_link(public_url, pending))
    return Submitted(pending=pending)


def submit_edited_listing(
    session: Session,
    user: User,
    group_id: int,
    proposed: dict[str, Any],
    *,
    based_on: int,
    geocoder: Geocoder,
    public_url: str,
) -> Submitted | None:
    """A whole listing from the organiser's form, as an edit of what is stored: only the
    fields that differ are submitted (``submit_change``). None if nothing differs from the
    listing as the form showed it (the public one with any waiting edit merged in).

    The form started from the waiting version, so what it sends replaces the waiting edit.
    The venue is placed first (``place_venue``): ``proposed`` gets its coordinates."""
    stored = current_listing(session, group_id)
    shown, _ = pending_version(session, group_id)
    place_venue(proposed, stored.get("venue"), geocoder)
    keep_anchors(proposed, shown)
    if not patch_between(proposed, shown):
        return None
    return submit_change(
        session,
        user,
        group_id,
        patch_between(proposed, stored),
        based_on=based_on,
        geocoder=geocoder,
        public_url=public_url,
        replaces_waiting=True,
    )


def propose_new_listing(
    session: Session, user: User, listing: dict[str, Any], geocoder: Geocoder, *, public_url: str
) -> Submitted:
    """A new group from the organiser's form: its venue placed, then ``propose_group``."""
    place_venue(listing, None, geocoder)
    return propose_group(session, user, listing, geocoder, public_url=public_url)


# ---- the admin's decisions -------------------------------------------------------------------


def _pending(session: Session, admin: User, change_id: int) -> PendingChange:
    if admin.role is not Role.ADMIN:
        raise Forbidden("only admins approve changes")
    change = session.get(PendingChange, change_id)
    if change is None:
        raise NotFound(f"no change has id {change_id}")
    if change.status is not ChangeStatus.PENDING:
        raise Conflict(f"this change was already {change.status.value}")
    return change


def _chosen(change: PendingChange, fields: Collection[str] | None) -> list[str]:
    """The parts of the waiting patch an admin decides now (all when ``fields`` is None)."""
    parts = patch_parts(loads_patch(change.patch))
    if fields is None:
        return parts
    unknown = sorted(set(fields) - set(parts))
    if unknown:
        raise ValidationError(f"{unknown[0]}: this change does not set it", field="fields")
    if not fields:
        raise ValidationError("choose at least one field", field="fields")
    return [part for part in parts if part in fields]


def _split_off(change: PendingChange, parts: list[str]) -> PendingChange:
    """The ``parts`` of a waiting change as a change of their own (to be decided now); the
    original keeps the rest, still waiting. The whole change if ``parts`` is all of it."""
    chosen, rest = split_patch(loads_patch(change.patch), parts)
    if not rest:
        return change
    decided = PendingChange(
        kind=change.kind,
        group_id=change.group_id,
        organisation_id=change.organisation_id,
        patch=json.dumps(chosen, ensure_ascii=False),
        applied=change.applied,
        based_on=change.based_on,
        note=change.note,
        proposed_by=change.proposed_by,
        proposed_at=change.proposed_at,
    )
    change.patch = json.dumps(rest, ensure_ascii=False)
    change.applied = "{}"  # reviewed with the part decided now
    return decided


def approve(
    session: Session,
    admin: User,
    change_id: int,
    geocoder: Geocoder,
    fields: Collection[str] | None = None,
) -> PendingChange:
    """Apply a pending change, or only its ``fields`` (the rest keeps waiting). If the
    listing moved on since it was proposed, StaleEdit: the admin sees what changed and the
    change stays pending (reject it, or ask for a new one). A change whose waiting part is
    empty (only places or status went live) is marked reviewed. Returns the change decided."""
    change = _pending(session, admin, change_id)
    parts = _chosen(change, fields) if change.patch != "{}" else []
    if change.kind is ChangeKind.NEW:
        patch = loads_patch(change.patch)
        (listing,) = validate_records([patch], geocoder)
        change.group_id = save_listings(session, [listing]).group_ids[0]
        decided, what = change, patch.get("name", "your new group")
    else:
        assert change.group_id is not None and change.based_on is not None
        decided = _split_off(change, parts)
        patch = loads_patch(decided.patch)
        if patch:
            change.based_on = edit_listing(
                session,
                change.group_id,
                patch,
                based_on=change.based_on,
                user_id=change.proposed_by,
                geocoder=geocoder,
            ).version
        what = _group(session, change.group_id).name
    if decided is not change:
        session.add(decided)
    _decide(decided, admin, ChangeStatus.APPROVED, "")
    session.flush()
    proposer = session.get(User, change.proposed_by) if change.proposed_by else None
    if change.kind is not ChangeKind.NEW and proposer is not None and loads_patch(decided.patch):
        assert change.group_id is not None
        _checked_by_organiser(session, change.group_id, proposer)
    if loads_patch(decided.patch):
        _tell_proposer(session, decided, f"Approved: {what}", _approved_words(decided, change))
    return decided


def _approved_words(decided: PendingChange, change: PendingChange) -> str:
    if decided is change:
        return "An admin approved it; it is live now."
    return (
        f"An admin approved part of it ({_parts_words(decided)}); that part is live now. The "
        "rest still waits for approval."
    )


def _parts_words(change: PendingChange) -> str:
    return ", ".join(patch_parts(loads_patch(change.patch))).replace("_", " ")


def _checked_by_organiser(session: Session, group_id: int, user: User) -> None:
    """An organiser's change that goes live whole verifies the listing: they have just been
    through all of it on the edit form. Its re-verification task (a reminder may have sent
    them there) is done. Admins' corrections verify nothing by themselves, nor does a change
    while part of the organiser's listing still waits (the public one is not theirs yet)."""
    if user.role is not Role.ORGANISER or waiting_edit(session, group_id) is not None:
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


def reject(
    session: Session,
    admin: User,
    change_id: int,
    reason: str,
    fields: Collection[str] | None = None,
) -> PendingChange:
    """Turn down a change, or only its ``fields`` (the rest keeps waiting), with a reason
    the organiser is sent. What went live at once stays live (the history can restore it).
    Returns the change decided."""
    change = _pending(session, admin, change_id)
    if not reason.strip():
        raise ValidationError("say why, so the organiser can put it right", field="reason")
    parts = _chosen(change, fields) if change.patch != "{}" else []
    decided = change if change.kind is not ChangeKind.EDIT else _split_off(change, parts)
    if decided is not change:
        session.add(decided)
    _decide(decided, admin, ChangeStatus.REJECTED, reason.strip())
    session.flush()
    name = loads_patch(change.patch).get("name") if change.kind is ChangeKind.NEW else None
    what = name or (_group(session, change.group_id).name if change.group_id else "your change")
    body = f"The admin said: {reason.strip()}"
    if decided is not change:
        body = f"Not approved: {_parts_words(decided)}. {body}\nThe rest still waits for approval."
    _tell_proposer(session, decided, f"Not approved: {what}", body)
    return decided


def _decide(change: PendingChange, who: User, status: ChangeStatus, reason: str) -> None:
    change.status = status
    change.decided_by = who.id
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


def _change_link(public_url: str, change: PendingChange) -> str:
    """The absolute address of the page where an admin decides ``change``."""
    return f"{public_url.rstrip('/')}/admin/changes/{change.id}"


def _tell_admins(session: Session, subject: str, link: str) -> None:
    body = f"{subject}.\n\nReview it and decide here:\n{link}\n"
    for address in session.scalars(
        select(User.email).where(User.role == Role.ADMIN, User.active.is_(True))
    ):
        queue_email(session, address, subject, body)


def _tell_proposer(session: Session, change: PendingChange, subject: str, body: str) -> None:
    proposer = session.get(User, change.proposed_by) if change.proposed_by else None
    if proposer is not None and proposer.active:
        queue_email(session, proposer.email, subject, body + "\n")


__all__ = [
    "MINOR_FIELDS",
    "URGENT_FIELDS",
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
    "flatten",
    "live_fields",
    "may_skip_moderation",
    "moderation_queue",
    "pending_diff",
    "pending_version",
    "propose_group",
    "propose_new_listing",
    "reject",
    "restore",
    "review_change",
    "submit_change",
    "submit_edited_listing",
    "waiting_edit",
]
