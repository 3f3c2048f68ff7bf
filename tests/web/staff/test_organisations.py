"""Trusted organisations."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import select

from assetmap.accounts.organisations import set_trusted, trust_history
from assetmap.errors import Forbidden
from assetmap.models import Organisation, TrustChange, User
from tests.web.staff.helpers import (
    EMAILS,
    _submit,
    client_for,
    html,
)


def test_an_admin_marks_organisations_as_trusted(app, database, world) -> None:
    admin = client_for(app, "admin")
    page = html(admin.get("/admin/organisations"))
    assert f'id="trusted-{world.ours_org}"' in page and f'id="trusted-{world.theirs_org}"' in page
    response = admin.post(
        "/admin/organisations",
        data={
            "csrf_token": admin.token,  # type: ignore[attr-defined]
            "shown": [world.ours_org, world.theirs_org],
            "trusted": [world.ours_org],
        },
        follow_redirects=True,
    )
    assert "Saved. 1 of 2 organisations are trusted." in html(response)
    assert re.search(rf'id="trusted-{world.ours_org}"[^>]*checked', html(response))
    # Trusted now: the organiser's capacity change goes live without waiting.
    with database.sessions() as session:
        submitted = _submit(session, "organiser", world.ours, {"capacity": {"places_taken": 3}})
        session.commit()
    assert submitted.applied is not None
    # Unticking saves as untrusted.
    admin.post(
        "/admin/organisations",
        data={"csrf_token": admin.token, "shown": [world.ours_org]},  # type: ignore[attr-defined]
    )
    with database.sessions() as session:
        assert session.get(Organisation, world.ours_org).trusted is False


def _trail(database, organisation_id: int) -> list[TrustChange]:
    with database.sessions() as session:
        return trust_history(session, organisation_id)


def _save_trusted(admin, shown: list[int], trusted: list[int]):
    return admin.post(
        "/admin/organisations",
        data={"csrf_token": admin.token, "shown": shown, "trusted": trusted},  # type: ignore[attr-defined]
    )


def test_each_change_of_trust_is_kept_with_who_and_when(app, database, world) -> None:
    admin = client_for(app, "admin")
    before = dt.datetime.now(dt.UTC)
    _save_trusted(admin, [world.ours_org, world.theirs_org], [world.ours_org])
    (trusted,) = _trail(database, world.ours_org)
    with database.sessions() as session:
        ada = session.scalar(select(User).where(User.email == EMAILS["admin"]))
    assert (trusted.trusted, trusted.user_id, trusted.user_name) == (True, ada.id, "Ada Admin")
    assert before <= trusted.changed_at <= dt.datetime.now(dt.UTC)
    # An organisation whose trust did not change gets no line.
    assert _trail(database, world.theirs_org) == []
    # Saving the same again changes nothing, so adds nothing.
    _save_trusted(admin, [world.ours_org, world.theirs_org], [world.ours_org])
    assert len(_trail(database, world.ours_org)) == 1
    # Unticking is kept too, newest first; the page says who did it last.
    _save_trusted(admin, [world.ours_org], [])
    untrusted, first = _trail(database, world.ours_org)
    assert (untrusted.trusted, first.trusted) == (False, True)
    assert untrusted.user_name == "Ada Admin"
    page = html(admin.get("/admin/organisations"))
    assert re.search(
        rf'id="trust-change-{world.ours_org}">No longer trusted since .*by Ada Admin', page
    )
    assert f'id="trust-change-{world.theirs_org}"' not in page


def test_the_trail_keeps_who_after_their_account_is_removed(app, database, world) -> None:
    _save_trusted(client_for(app, "admin"), [world.ours_org], [world.ours_org])
    with database.sessions() as session:
        session.delete(session.scalar(select(User).where(User.email == EMAILS["admin"])))
        session.commit()
    (change,) = _trail(database, world.ours_org)
    assert (change.user_id, change.user_name) == (None, "Ada Admin")


@pytest.mark.parametrize("role", ["organiser", "link_worker", "community_builder"])
def test_only_admins_change_trust(app, database, world, role) -> None:
    with database.sessions() as session:
        user = session.scalar(select(User).where(User.email == EMAILS[role]))
        with pytest.raises(Forbidden):
            set_trusted(session, user, considered=[world.ours_org], trusted=[world.ours_org])
        session.rollback()
    with database.sessions() as session:
        assert session.get(Organisation, world.ours_org).trusted is False
    assert _trail(database, world.ours_org) == []
