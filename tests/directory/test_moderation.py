"""Organisers' changes wait for an admin; admins approve or reject, restore earlier values."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import select

from assetmap.accounts.users import create_user
from assetmap.directory.edits import StaleEdit, current_listing, edit_listing
from assetmap.directory.moderation import (
    approve,
    ask_to_close,
    change_row,
    moderation_queue,
    pending_diff,
    pending_version,
    propose_group,
    reject,
    restore,
    review_change,
    submit_change,
    submit_edited_listing,
)
from assetmap.directory.my_groups import waiting_changes
from assetmap.errors import Conflict, Forbidden, NotFound, ValidationError
from assetmap.geo.geocoders import GazetteerGeocoder
from assetmap.models import (
    ChangeStatus,
    Group,
    Organisation,
    OutboxMessage,
    PendingChange,
    Revision,
    TaskOutcome,
    TaskReason,
    TaskStage,
    User,
    Verification,
    VerificationMethod,
    VerificationTask,
)
from tests.factories import TODAY, listing

OURS, THEIRS = "Kentish Town Community Centre", "Gospel Oak Trust"


@pytest.fixture
def world(database, add_groups) -> dict[str, Any]:
    ours, theirs = add_groups(
        listing("Men's Shed", at="NW5 2AA", organisation=OURS),
        listing("Knit and Natter", at="NW5 1AA", organisation=THEIRS),
    )
    with database.sessions() as session:
        create_user(session, "admin@example.org", "admin")
        create_user(session, "jo@example.org", "organiser", organisations=[OURS])
        create_user(session, "lw@example.org", "link_worker")
        session.commit()
    return {"ours": ours, "theirs": theirs}


def user(session, email: str) -> User:
    found = session.scalar(select(User).where(User.email == email))
    assert found is not None
    return found


def version_of(session, group_id: int) -> int:
    return session.scalar(select(Group.version).where(Group.id == group_id))


def submit(session, email: str, group_id: int, patch: dict[str, Any], **kw: Any):
    return submit_change(
        session,
        user(session, email),
        group_id,
        patch,
        based_on=kw.get("based_on", version_of(session, group_id)),
        geocoder=GazetteerGeocoder(session),
        public_url="http://assetmap.test",
    )


def outbox(session) -> list[tuple[str, str, str]]:
    return [
        (m.to_address, m.subject, m.body)
        for m in session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))
    ]


def test_an_organisers_change_waits_and_the_public_sees_the_old_listing(database, world) -> None:
    with database.sessions() as session:
        submitted = submit(session, "jo@example.org", world["ours"], {"name": "The Shed"})
        session.commit()
        assert submitted.applied is None and submitted.pending is not None
        assert current_listing(session, world["ours"])["name"] == "Men's Shed"
        diff = pending_diff(session, submitted.pending)
        assert [(d.field, d.old, d.new) for d in diff] == [("name", "Men's Shed", "The Shed")]
        assert outbox(session)[0][:2] == (
            "admin@example.org",
            "A change to Men's Shed waits for approval",
        )
        approve(
            session,
            user(session, "admin@example.org"),
            submitted.pending.id,
            GazetteerGeocoder(session),
        )
        session.commit()
        assert current_listing(session, world["ours"])["name"] == "The Shed"
        assert submitted.pending.status is ChangeStatus.APPROVED
        assert outbox(session)[-1][:2] == ("jo@example.org", "Approved: The Shed")
        # The revision is the organiser's, approved by the admin.
        proposer = session.scalar(
            select(Revision.user_id).where(Revision.group_id == world["ours"])
        )
        assert proposer == user(session, "jo@example.org").id


def test_a_rejection_gives_the_organiser_the_reason(database, world) -> None:
    with database.sessions() as session:
        pending = submit(session, "jo@example.org", world["ours"], {"name": "Shed!!"}).pending
        admin = user(session, "admin@example.org")
        with pytest.raises(ValidationError):
            reject(session, admin, pending.id, "  ")
        reject(session, admin, pending.id, "Please keep the name people know")
        session.commit()
        assert pending.status is ChangeStatus.REJECTED
        assert current_listing(session, world["ours"])["name"] == "Men's Shed"
        to, subject, body = outbox(session)[-1]
        assert (to, subject) == ("jo@example.org", "Not approved: Men's Shed")
        assert "Please keep the name people know" in body
        with pytest.raises(Conflict):
            approve(session, admin, pending.id, GazetteerGeocoder(session))


def test_trusted_organisations_change_minor_fields_at_once(database, world) -> None:
    with database.sessions() as session:
        session.scalar(select(Organisation).where(Organisation.name == OURS)).trusted = True
        minor = submit(session, "jo@example.org", world["ours"], {"status": "waiting_list"})
        assert minor.applied is not None
        major = submit(session, "jo@example.org", world["ours"], {"name": "Renamed"})
        assert major.pending is not None
        assert current_listing(session, world["ours"])["status"] == "waiting_list"


@pytest.mark.parametrize(
    ("email", "group", "error"),
    [
        ("jo@example.org", "theirs", Forbidden),  # another organisation's group
        ("lw@example.org", "ours", Forbidden),  # link workers do not edit listings
    ],
)
def test_only_the_groups_organisers_and_admins_may_change_it(
    database, world, email, group, error
) -> None:
    with database.sessions() as session, pytest.raises(error):
        submit(session, email, world[group], {"name": "Mine now"})


def test_a_bad_field_is_refused_before_it_reaches_the_queue(database, world) -> None:
    with database.sessions() as session:
        with pytest.raises(ValidationError) as refused:
            submit(session, "jo@example.org", world["ours"], {"capacity": {"total_places": -3}})
        assert refused.value.field == "capacity.total_places"


def test_a_change_based_on_an_old_version_is_stale_at_once_and_at_approval(database, world) -> None:
    with database.sessions() as session:
        old = version_of(session, world["ours"])
        pending = submit(session, "jo@example.org", world["ours"], {"name": "Shed"}).pending
        edit_listing(
            session,
            world["ours"],
            {"capacity": {"places_taken": 2}},
            based_on=old,
            user_id=None,
            geocoder=GazetteerGeocoder(session),
        )
        with pytest.raises(StaleEdit):
            submit(session, "jo@example.org", world["ours"], {"name": "Shed"}, based_on=old)
        with pytest.raises(StaleEdit) as stale:
            approve(
                session, user(session, "admin@example.org"), pending.id, GazetteerGeocoder(session)
            )
        assert "capacity.places_taken" in stale.value.changed


def test_new_groups_and_closures_are_approved_like_changes(database, world) -> None:
    with database.sessions() as session:
        jo, admin = user(session, "jo@example.org"), user(session, "admin@example.org")
        new = listing("Saturday Walk", at="NW1 7AA", organisation=OURS)
        with pytest.raises(ValidationError):
            propose_group(
                session,
                jo,
                {**new, "organisation": THEIRS},
                GazetteerGeocoder(session),
                public_url="http://assetmap.test",
            )
        proposed = propose_group(
            session, jo, new, GazetteerGeocoder(session), public_url="http://assetmap.test"
        ).pending
        assert session.scalar(select(Group).where(Group.name == "Saturday Walk")) is None
        approve(session, admin, proposed.id, GazetteerGeocoder(session))
        assert (
            session.scalar(select(Group.id).where(Group.name == "Saturday Walk"))
            == proposed.group_id
        )
        closing = ask_to_close(
            session, jo, world["ours"], "The hall is being sold", public_url="http://assetmap.test"
        ).pending
        assert json.loads(closing.patch) == {"status": "closed"}
        approve(session, admin, closing.id, GazetteerGeocoder(session))
        assert current_listing(session, world["ours"])["status"] == "closed"


def test_only_admins_approve_and_restore(database, world) -> None:
    with database.sessions() as session:
        pending = submit(session, "jo@example.org", world["ours"], {"name": "Shed"}).pending
        with pytest.raises(Forbidden):
            approve(
                session, user(session, "jo@example.org"), pending.id, GazetteerGeocoder(session)
            )


def test_an_admin_restores_an_earlier_value_as_a_new_recorded_edit(database, world) -> None:
    with database.sessions() as session:
        admin = user(session, "admin@example.org")
        submit(session, "admin@example.org", world["ours"], {"contact": {"phone": "020 1111 2222"}})
        revision = session.scalar(
            select(Revision).where(Revision.field == "contact.phone").order_by(Revision.id)
        )
        restore(session, admin, revision.id, GazetteerGeocoder(session))
        assert current_listing(session, world["ours"])["contact"]["phone"] == "020 7946 0000"
        phones = session.scalars(
            select(Revision.new_value)
            .where(Revision.field == "contact.phone")
            .order_by(Revision.id)
        ).all()
        assert [json.loads(p) for p in phones] == ["020 1111 2222", "020 7946 0000"]
        with pytest.raises(Forbidden):
            restore(
                session, user(session, "jo@example.org"), revision.id, GazetteerGeocoder(session)
            )


def _open_task(session, group_id: int) -> VerificationTask:
    task = VerificationTask(
        group_id=group_id,
        opened_on=TODAY,
        reason=TaskReason.DUE,
        stage=TaskStage.ORGANISER,
    )
    session.add(task)
    session.flush()
    return task


def test_an_organisers_change_once_live_verifies_the_listing_and_closes_its_task(
    database, world
) -> None:
    with database.sessions() as session:
        task = _open_task(session, world["ours"])
        pending = submit(session, "jo@example.org", world["ours"], {"contact": {"phone": "020 1"}})
        session.flush()
        # Waiting for an admin: the public listing is as it was, and so is its last check.
        assert session.get(Group, world["ours"]).last_verified_at != TODAY
        approve(
            session,
            user(session, "admin@example.org"),
            pending.pending.id,
            GazetteerGeocoder(session),
        )
        session.commit()
        group = session.get(Group, world["ours"])
        assert group.last_verified_at == TODAY
        checks = session.scalars(
            select(Verification).where(
                Verification.group_id == world["ours"], Verification.verified_on == TODAY
            )
        ).all()
        assert [(v.method, v.note) for v in checks] == [
            (VerificationMethod.ORGANISER, "Details updated by the organiser")
        ]
        session.refresh(task)
        assert (task.closed_on, task.outcome) == (TODAY, TaskOutcome.ORGANISER)


def test_an_admins_correction_verifies_nothing(database, world) -> None:
    with database.sessions() as session:
        task = _open_task(session, world["ours"])
        submit(session, "admin@example.org", world["ours"], {"contact": {"phone": "020 1"}})
        session.commit()
        assert session.get(Group, world["ours"]).last_verified_at != TODAY
        session.refresh(task)
        assert task.closed_on is None


# ---- the moderation queue's rows and a whole listing from the organiser's form ---------------


def test_the_queue_names_who_proposed_and_says_when_they_are_gone(database, world) -> None:
    with database.sessions() as session:
        submit(session, "jo@example.org", world["ours"], {"capacity": {"places_taken": 3}})
        propose_group(
            session,
            user(session, "jo@example.org"),
            listing("Tuesday Walks", at="NW5 1AA", organisation=OURS),
            GazetteerGeocoder(session),
            public_url="http://assetmap.test",
        )
        session.commit()
        queue = moderation_queue(session, offset=0, limit=10, recently_decided=5)
        assert queue.total == 2 and queue.recently_decided == []
        edit_row, new_row = queue.waiting
        assert (edit_row.group_name, edit_row.organisation) == ("Men's Shed", OURS)
        assert (new_row.group_id, new_row.group_name) == (None, "Tuesday Walks")
        assert edit_row.proposer == new_row.proposer == "jo@example.org"
        session.delete(user(session, "jo@example.org"))
        session.commit()
        assert change_row(session, edit_row.id).proposer is None
        with pytest.raises(NotFound):
            change_row(session, 9999)


def test_a_decided_change_is_reviewed_as_it_was_sent(database, world) -> None:
    with database.sessions() as session:
        pending = submit(session, "jo@example.org", world["ours"], {"name": "The Shed"}).pending
        review = review_change(session, pending.id)
        assert [(f.field, f.old, f.new) for f in review.fields] == [
            ("name", "Men's Shed", "The Shed")
        ]
        assert review.changed_since is None
        reject(session, user(session, "admin@example.org"), pending.id, "Keep the old name")
        session.commit()
        decided = review_change(session, pending.id)
        assert decided.row.decider == "admin@example.org"
        assert [(f.field, f.new) for f in decided.fields] == [("name", "The Shed")]


def test_a_whole_listing_from_the_form_submits_only_what_differs(database, world) -> None:
    with database.sessions() as session:
        jo = user(session, "jo@example.org")
        version = version_of(session, world["ours"])
        proposed = current_listing(session, world["ours"])
        same = submit_edited_listing(
            session,
            jo,
            world["ours"],
            dict(proposed),
            based_on=version,
            geocoder=GazetteerGeocoder(session),
            public_url="http://assetmap.test",
        )
        assert same is None
        proposed["contact"] = {**proposed["contact"], "phone": "020 7946 0001"}
        submitted = submit_edited_listing(
            session,
            jo,
            world["ours"],
            proposed,
            based_on=version,
            geocoder=GazetteerGeocoder(session),
            public_url="http://assetmap.test",
        )
        assert submitted is not None and submitted.pending is not None
        assert json.loads(submitted.pending.patch) == {"contact": {"phone": "020 7946 0001"}}


# ---- urgent fields live at once, per-field decisions, one waiting edit ------------------------

URL = "http://assetmap.test"


def changes_of(session, group_id: int) -> list[PendingChange]:
    return list(
        session.scalars(
            select(PendingChange)
            .where(PendingChange.group_id == group_id)
            .order_by(PendingChange.id)
        )
    )


def test_an_untrusted_organisers_places_go_live_at_once_and_the_rest_waits(database, world) -> None:
    with database.sessions() as session:
        submitted = submit(
            session,
            "jo@example.org",
            world["ours"],
            {"capacity": {"places_taken": 20}, "description": "Woodwork and a cuppa."},
        )
        session.commit()
        now = current_listing(session, world["ours"])
        # "We're full" is public at once; the description waits for an admin.
        assert now["capacity"]["spare_places"] == 0
        assert now["description"] == "Woodwork, repairs and a cuppa."
        assert submitted.applied is not None and submitted.waiting
        assert json.loads(submitted.pending.patch) == {"description": "Woodwork and a cuppa."}
        assert json.loads(submitted.pending.applied) == {"capacity": {"places_taken": 20}}
        # In the history as the organiser's edit, and on the change for review after.
        assert (
            session.scalar(
                select(Revision.user_id).where(Revision.field == "capacity.places_taken")
            )
            == user(session, "jo@example.org").id
        )
        review = review_change(session, submitted.pending.id)
        assert [(f.field, f.new) for f in review.applied] == [("capacity.places_taken", 20)]
        assert [f.field for f in review.fields] == ["description"]
        # Part of the listing still waits, so it is not checked by this.
        assert session.get(Group, world["ours"]).last_verified_at != TODAY


def test_status_alone_goes_live_and_waits_only_for_a_review(database, world) -> None:
    with database.sessions() as session:
        submitted = submit(session, "jo@example.org", world["ours"], {"status": "waiting_list"})
        session.commit()
        assert current_listing(session, world["ours"])["status"] == "waiting_list"
        assert submitted.pending is not None and not submitted.waiting
        assert waiting_changes(session, [world["ours"]]) == {}
        # Nothing waits, so the organiser's save counts as a check.
        assert session.get(Group, world["ours"]).last_verified_at == TODAY
        assert outbox(session)[0][1] == "Men's Shed: places or status changed, to review"
        reviewed = approve(
            session,
            user(session, "admin@example.org"),
            submitted.pending.id,
            GazetteerGeocoder(session),
        )
        assert reviewed.status is ChangeStatus.APPROVED
        assert current_listing(session, world["ours"])["status"] == "waiting_list"


def test_closing_for_good_still_waits_for_an_admin_unless_trusted(database, world) -> None:
    """Paused, full or waiting-list news is urgent; closing for good hides the group from
    everyone, so an untrusted organisation's "closed" waits, as the form says it will."""
    with database.sessions() as session:
        submitted = submit(
            session, "jo@example.org", world["ours"], {"status": "closed", "description": "x"}
        )
        session.commit()
        assert current_listing(session, world["ours"])["status"] == "open"
        assert submitted.waiting and submitted.pending is not None
        assert json.loads(submitted.pending.patch) == {"status": "closed", "description": "x"}
        session.scalar(select(Organisation).where(Organisation.name == OURS)).trusted = True
        submit(session, "jo@example.org", world["ours"], {"status": "closed"})
        assert current_listing(session, world["ours"])["status"] == "closed"


def test_a_trusted_organisations_places_are_not_queued_for_review(database, world) -> None:
    with database.sessions() as session:
        session.scalar(select(Organisation).where(Organisation.name == OURS)).trusted = True
        submitted = submit(session, "jo@example.org", world["ours"], {"status": "paused"})
        assert submitted.applied is not None and submitted.pending is None


def test_an_admin_approves_some_fields_and_the_rest_keeps_waiting(database, world) -> None:
    with database.sessions() as session:
        pending = submit(
            session, "jo@example.org", world["ours"], {"name": "The Shed", "description": "New"}
        ).pending
        admin = user(session, "admin@example.org")
        with pytest.raises(ValidationError):
            approve(session, admin, pending.id, GazetteerGeocoder(session), ["online"])
        with pytest.raises(ValidationError):
            approve(session, admin, pending.id, GazetteerGeocoder(session), [])
        decided = approve(session, admin, pending.id, GazetteerGeocoder(session), ["description"])
        session.commit()
        now = current_listing(session, world["ours"])
        assert (now["name"], now["description"]) == ("Men's Shed", "New")
        assert decided.id != pending.id and decided.status is ChangeStatus.APPROVED
        assert json.loads(decided.patch) == {"description": "New"}
        assert pending.status is ChangeStatus.PENDING
        assert json.loads(pending.patch) == {"name": "The Shed"}
        to, subject, body = outbox(session)[-1]
        assert (to, subject) == ("jo@example.org", "Approved: Men's Shed")
        assert "part of it (description)" in body and "rest still waits" in body
        # The rest is still approvable: its version moved on with the approved part.
        rejected = reject(session, admin, pending.id, "Keep the name people know", ["name"])
        session.commit()
        assert rejected.id == pending.id and pending.status is ChangeStatus.REJECTED
        assert current_listing(session, world["ours"])["name"] == "Men's Shed"


def test_an_admin_rejects_some_fields_with_a_reason(database, world) -> None:
    with database.sessions() as session:
        pending = submit(
            session, "jo@example.org", world["ours"], {"name": "Shed!!", "description": "New"}
        ).pending
        admin = user(session, "admin@example.org")
        decided = reject(session, admin, pending.id, "Keep the name", ["name"])
        session.commit()
        assert decided.status is ChangeStatus.REJECTED and decided.reason == "Keep the name"
        assert json.loads(decided.patch) == {"name": "Shed!!"}
        assert json.loads(pending.patch) == {"description": "New"}
        _, subject, body = outbox(session)[-1]
        assert subject == "Not approved: Men's Shed"
        assert "Keep the name" in body and "rest still waits" in body
        approve(session, admin, pending.id, GazetteerGeocoder(session))
        session.commit()
        assert current_listing(session, world["ours"])["description"] == "New"


def test_a_second_edit_updates_the_waiting_change_instead_of_stacking(database, world) -> None:
    with database.sessions() as session:
        jo = user(session, "jo@example.org")
        first = submit(session, "jo@example.org", world["ours"], {"name": "The Shed"}).pending
        shown, waiting = pending_version(session, world["ours"])
        assert waiting and shown["name"] == "The Shed"
        shown["description"] = "Now with a lathe."
        shown["capacity"] = {**shown["capacity"], "places_taken": 20}
        again = submit_edited_listing(
            session,
            jo,
            world["ours"],
            shown,
            based_on=version_of(session, world["ours"]),
            geocoder=GazetteerGeocoder(session),
            public_url=URL,
        )
        session.commit()
        assert again is not None and again.pending is not None and again.pending.id == first.id
        assert [c.id for c in changes_of(session, world["ours"])] == [first.id]
        assert json.loads(first.patch) == {"description": "Now with a lathe.", "name": "The Shed"}
        assert json.loads(first.applied) == {"capacity": {"places_taken": 20}}
        assert current_listing(session, world["ours"])["capacity"]["spare_places"] == 0
        # Approvable: it is based on the version after the places went live.
        approve(session, user(session, "admin@example.org"), first.id, GazetteerGeocoder(session))
        assert current_listing(session, world["ours"])["name"] == "The Shed"


def test_putting_every_waiting_field_back_withdraws_the_change(database, world) -> None:
    with database.sessions() as session:
        jo = user(session, "jo@example.org")
        first = submit(session, "jo@example.org", world["ours"], {"name": "The Shed"}).pending
        shown, _ = pending_version(session, world["ours"])
        shown["name"] = "Men's Shed"
        submit_edited_listing(
            session,
            jo,
            world["ours"],
            shown,
            based_on=version_of(session, world["ours"]),
            geocoder=GazetteerGeocoder(session),
            public_url=URL,
        )
        assert first.status is ChangeStatus.REJECTED and "Withdrawn" in first.reason


def test_an_admins_edit_leaves_an_organisers_waiting_change_alone(database, world) -> None:
    with database.sessions() as session:
        first = submit(session, "jo@example.org", world["ours"], {"name": "The Shed"}).pending
        submit(session, "admin@example.org", world["ours"], {"description": "Fixed a typo"})
        assert json.loads(first.patch) == {"name": "The Shed"}
        assert first.proposed_by == user(session, "jo@example.org").id


def test_admins_emails_link_to_the_page_where_they_decide(database, world) -> None:
    with database.sessions() as session:
        jo = user(session, "jo@example.org")
        edit = submit(session, "jo@example.org", world["ours"], {"name": "The Shed"}).pending
        closing = ask_to_close(session, jo, world["ours"], "Hall sold", public_url=URL + "/")
        new = propose_group(
            session,
            jo,
            listing("Walks", at="NW5 1AA", organisation=OURS),
            GazetteerGeocoder(session),
            public_url=URL,
        ).pending
        bodies = [body for to, _, body in outbox(session) if to == "admin@example.org"]
        assert [
            f"{URL}/admin/changes/{c.id}" in b
            for c, b in zip([edit, closing.pending, new], bodies, strict=True)
        ] == [True] * 3


def test_an_untrusted_organisers_cancelled_session_goes_live_at_once_and_the_rest_waits(
    database, world
) -> None:
    with database.sessions() as session:
        submitted = submit(
            session,
            "jo@example.org",
            world["ours"],
            {"cancelled_dates": ["2026-12-08"], "description": "Woodwork and a cuppa."},
        )
        session.commit()
        now = current_listing(session, world["ours"])
        # "Not meeting on Tuesday" is public at once; the description waits for an admin.
        assert now["cancelled_dates"] == ["2026-12-08"]
        assert now["description"] == "Woodwork, repairs and a cuppa."
        assert submitted.applied is not None and submitted.waiting
        assert json.loads(submitted.pending.applied) == {"cancelled_dates": ["2026-12-08"]}
        review = review_change(session, submitted.pending.id)
        assert [(f.field, f.new) for f in review.applied] == [("cancelled_dates", ["2026-12-08"])]
        assert [f.field for f in review.fields] == ["description"]


def test_a_cancelled_date_off_the_meeting_day_is_refused_and_nothing_is_written(
    database, world
) -> None:
    with database.sessions() as session:
        with pytest.raises(ValidationError) as raised:
            submit(session, "jo@example.org", world["ours"], {"cancelled_dates": ["2026-12-09"]})
        session.rollback()
        assert outbox(session) == []
        assert "cancelled_dates[0]" in str(raised.value)
        assert current_listing(session, world["ours"])["cancelled_dates"] == []


def test_a_cancellation_alone_is_live_and_the_admins_hear_of_it_to_review(database, world) -> None:
    with database.sessions() as session:
        submitted = submit(
            session, "jo@example.org", world["ours"], {"cancelled_dates": ["2026-12-08"]}
        )
        session.commit()
        assert submitted.pending is not None and not submitted.waiting
        assert waiting_changes(session, [world["ours"]]) == {}
        assert outbox(session)[0][1] == "Men's Shed: a session cancelled, to review"
