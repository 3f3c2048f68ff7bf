"""Merging two listings of one group: both histories on the kept listing, the merged one
retired and answered by its id, everything in one transaction, only by an admin."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import func, select

from assetmap.accounts.users import create_user
from assetmap.directory.edits import edit_listing, listing_history
from assetmap.directory.reports import report_problem
from assetmap.directory.staff_notes import add_note, notes_for
from assetmap.errors import Conflict, Forbidden, NotFound
from assetmap.interop.duplicates import find_duplicates
from assetmap.interop.merge import keep_apart, merge, merged_into
from assetmap.models import (
    DuplicatePair,
    DuplicateStatus,
    Group,
    GroupMerge,
    ListingSource,
    PendingChange,
    Role,
    User,
    Verification,
    VerificationMethod,
)
from assetmap.referrals.casework import case_summary
from assetmap.verification.records import record_verification
from tests.interop.dupes_data import NOW, load_all
from tests.referrals.builders import add_case, add_referral

LATER = NOW + dt.timedelta(hours=2)


@pytest.fixture
def loaded(database):
    ids = load_all(database)
    with database.session() as session:
        admin = create_user(session, "admin@example.org", Role.ADMIN, name="Ada")
        worker = create_user(session, "sam@example.org", Role.LINK_WORKER, name="Sam")
        worker.team = "North"
        session.flush()
        users = {"admin": admin.id, "worker": worker.id}
    return ids, users


def _pair(session, a: int, b: int) -> DuplicatePair | None:
    return session.scalar(
        select(DuplicatePair).where(
            DuplicatePair.first_id == min(a, b), DuplicatePair.second_id == max(a, b)
        )
    )


def _history(session, keep: int, gone: int, worker_id: int) -> int:
    """Give the listing to be merged a past: an edit, a check, a report, a note, a referral,
    a place in a plan. Returns the case's id."""
    version = session.get(Group, gone).version
    edit_listing(
        session,
        gone,
        {"description": "Now with a crochet corner."},
        based_on=version,
        user_id=None,
        via="test",
    )
    record_verification(
        session,
        session.get(Group, gone),
        NOW.date(),
        who="Jo (organiser)",
        method=VerificationMethod.PHONE,
        note="still running",
    )
    report_problem(session, gone, "times", "starts at 10:30 now", "hash", NOW)
    worker = session.get(User, worker_id)
    add_note(session, worker, gone, "Ask for Jo at the front desk.", NOW)
    case = add_case(session, team="North", last_activity=NOW)
    case.owner_id = worker_id
    case.shortlist = [gone, keep]
    add_referral(session, case, NOW, group_id=gone)
    session.flush()
    return case.id


def test_merging_keeps_both_histories_on_the_kept_listing(database, loaded):
    ids, users = loaded
    keep, gone = ids["knit-ktcc"], ids["knit-ktcc-renamed"]
    with database.session() as session:
        case_id = _history(session, keep, gone, users["worker"])
        before = {
            "history": len(listing_history(session, gone, offset=0, limit=100)),
            "kept_history": len(listing_history(session, keep, offset=0, limit=100)),
        }
        assert _pair(session, keep, gone).status is DuplicateStatus.OPEN
    with database.session() as session:
        admin = session.get(User, users["admin"])
        result = merge(session, keep, gone, admin, LATER)
        assert result.moved["referrals"] == 1 and result.moved["staff_notes"] == 1
    with database.session() as session:
        assert session.get(Group, gone) is None
        assert merged_into(session, gone) == keep
        record = session.scalar(select(GroupMerge).where(GroupMerge.merged_id == gone))
        assert (record.kept_id, record.merged_name) == (keep, "Knit and Natter Group")
        assert record.merged_by_id == users["admin"] and record.merged_at == LATER
        # what could not move stays readable: the merged listing's last document
        assert record.merged_listing["description"] == "Now with a crochet corner."
        assert record.merged_listing["venue"]["name"] == "Kentish Town Community Centre (side hall)"
        history = listing_history(session, keep, offset=0, limit=100)
        assert len(history) == before["history"] + before["kept_history"]
        assert any(h.revision.field == "description" for h in history)
        checks = session.scalars(select(Verification).where(Verification.group_id == keep)).all()
        assert [c.verified_by for c in checks] == ["Jo (organiser)"]
        worker = session.get(User, users["worker"])
        assert [n.body for n in notes_for(session, worker, keep)] == [
            "Ask for Jo at the front desk."
        ]
        # the link worker still sees their referral, under the kept listing
        summary = case_summary(session, worker, case_id, LATER)
        assert [(r.group_id, r.group_name) for r in summary.referrals] == [(keep, "Knit & Natter")]
        assert [g.id for g in summary.shortlist] == [keep]
        # both records' provenance is the kept listing's now
        sources = session.scalars(
            select(ListingSource.source).where(ListingSource.group_id == keep)
        ).all()
        assert sorted(sources) == ["camden-oruk", "camden-sheet"]


def test_a_second_merge_of_the_same_pair_is_refused(database, loaded):
    ids, users = loaded
    keep, gone = ids["shed"], ids["shed-typo"]
    with database.session() as session:
        admin = session.get(User, users["admin"])
        merge(session, keep, gone, admin, LATER)
    with database.session() as session:
        admin = session.get(User, users["admin"])
        with pytest.raises(Conflict, match="already merged"):
            merge(session, keep, gone, admin, LATER)
        with pytest.raises(Conflict, match="merged into"):
            merge(session, gone, keep, admin, LATER)


def test_only_an_admin_merges_and_a_failed_merge_writes_nothing(database, loaded):
    ids, users = loaded
    keep, gone = ids["yoga-oruk"], ids["yoga-sheet"]
    with database.session() as session:
        worker = session.get(User, users["worker"])
        with pytest.raises(Forbidden):
            merge(session, keep, gone, worker, LATER)
        session.add(PendingChange(kind="edit", group_id=gone, patch="{}", based_on=1))
    with database.session() as session:
        admin = session.get(User, users["admin"])
        with pytest.raises(Conflict, match="waiting for approval"):
            merge(session, keep, gone, admin, LATER)
        session.rollback()
    with database.session() as session:
        assert session.get(Group, gone) is not None
        assert session.scalar(select(func.count()).select_from(GroupMerge)) == 0
        with pytest.raises(NotFound):
            merge(session, keep, 999_999, session.get(User, users["admin"]), LATER)


def test_a_pair_kept_apart_is_never_queued_again(database, loaded):
    ids, users = loaded
    a, b = ids["choir"], ids["choir-order"]
    with database.session() as session:
        pair = _pair(session, a, b)
        admin = session.get(User, users["admin"])
        keep_apart(session, pair.id, admin, LATER)
    with database.session() as session:
        run = find_duplicates(session, now=LATER + dt.timedelta(days=1))
        assert run.already_decided >= 1
        pair = _pair(session, a, b)
        assert pair.status is DuplicateStatus.KEPT_APART
        assert pair.decided_by_id == users["admin"] and pair.decided_at == LATER
        admin = session.get(User, users["admin"])
        with pytest.raises(Conflict, match="kept apart"):
            merge(session, a, b, admin, LATER)
        with pytest.raises(Conflict, match="already decided"):
            keep_apart(session, pair.id, admin, LATER)


def test_an_open_pair_found_again_is_refreshed_not_repeated(database, loaded):
    ids, _ = loaded
    a, b = ids["walk"], ids["walk-gate"]
    with database.session() as session:
        pair = _pair(session, a, b)
        pair.reasons, pair.score = ["stale"], 0.1
        count = session.scalar(select(func.count()).select_from(DuplicatePair))
    with database.session() as session:
        run = find_duplicates(session, now=LATER)
        assert run.queued == 0 and run.refreshed == count
        pair = _pair(session, a, b)
        assert pair.reasons == ["similar names (92)", "venues 150 m apart", "same email"]
        assert pair.score > 0.5 and pair.found_at == NOW


def test_the_merged_listings_other_pairs_move_to_the_kept_one(database, loaded):
    ids, users = loaded
    keep, gone, third = ids["knit-ktcc"], ids["knit-ktcc-renamed"], ids["chess"]
    with database.session() as session:
        session.add(
            DuplicatePair(
                first_id=min(gone, third),
                second_id=max(gone, third),
                score=0.4,
                reasons=["test"],
                status=DuplicateStatus.KEPT_APART,
                found_at=NOW,
            )
        )
    with database.session() as session:
        admin = session.get(User, users["admin"])
        merge(session, keep, gone, admin, LATER)
    with database.session() as session:
        assert _pair(session, keep, third).status is DuplicateStatus.KEPT_APART


def test_an_import_queues_the_new_listings_duplicates(database, loaded):
    ids, _ = loaded
    with database.session() as session:
        pairs = {(p.first_id, p.second_id) for p in session.scalars(select(DuplicatePair))}
    assert (
        min(ids["yoga-oruk"], ids["yoga-sheet"]),
        max(ids["yoga-oruk"], ids["yoga-sheet"]),
    ) in pairs
    # near-misses were not queued by the import either
    assert (min(ids["art-tue"], ids["art-thu"]), max(ids["art-tue"], ids["art-thu"])) not in pairs
    assert all(json.dumps(p) for p in pairs)
