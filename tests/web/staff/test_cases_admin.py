"""/admin/cases: an admin finds a case by reference, sees its audit, downloads or deletes the
person's data; /admin/cases/retention says when retention runs and what it would delete."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import select

from assetmap.accounts.users import create_user
from assetmap.models import Case, CaseAccess, CaseAction, Referral, ReferralState, Role
from assetmap.web.context import set_clock
from tests.factories import listing
from tests.referrals.builders import add_case, add_referral
from tests.web.manage.helpers import csrf_token, sign_in

NOW = dt.datetime(2026, 12, 1, 10, tzinfo=dt.UTC)


@pytest.fixture
def world(app, database, add_groups) -> dict[str, int]:
    add_groups(listing())
    set_clock(app, lambda: NOW)
    with database.session() as session:
        case = add_case(session, last_activity=NOW, reference="NS-0042")
        add_referral(session, case, NOW)
        add_case(session, last_activity=NOW - dt.timedelta(days=800))
        ids = {
            "case": case.id,
            "admin": create_user(session, "admin@example.org", Role.ADMIN, name="Ada").id,
            "link_worker": create_user(session, "lw@example.org", Role.LINK_WORKER).id,
            "builder": create_user(session, "cb@example.org", Role.COMMUNITY_BUILDER).id,
        }
    return ids


def _find(client, reference: str, team: str = ""):
    token = csrf_token(client, "/admin/cases")
    return client.post(
        "/admin/cases", data={"csrf_token": token, "reference": reference, "team": team}
    )


@pytest.mark.parametrize("who", ["link_worker", "builder"])
def test_only_admins(client, world, who) -> None:
    sign_in(client, world[who])
    case = world["case"]
    for path in ("/admin/cases", f"/admin/cases/{case}", "/admin/cases/retention"):
        assert client.get(path).status_code == 403
    for path in (f"/admin/cases/{case}/export", f"/admin/cases/{case}/erase"):
        assert client.post(path, data={"confirm": "yes"}).status_code in (400, 403)


def test_find_by_reference_then_see_the_audit(client, world) -> None:
    sign_in(client, world["admin"])
    response = _find(client, "NS-0042")
    assert response.status_code == 303
    assert response.location.endswith(f"/admin/cases/{world['case']}")
    assert "NS-0042" not in response.location
    page = client.get(response.location).get_data(as_text=True)
    assert "Download their data (JSON)" in page and "Delete their data" in page


def test_an_unknown_reference_is_an_error_beside_the_field(client, world) -> None:
    sign_in(client, world["admin"])
    response = _find(client, "NOPE-1")
    assert response.status_code == 404
    assert 'id="reference-error"' in response.get_data(as_text=True)
    assert _find(client, "").status_code == 400


def test_a_form_without_its_csrf_token_is_refused(client, world) -> None:
    sign_in(client, world["admin"])
    assert client.post("/admin/cases", data={"reference": "NS-0042"}).status_code == 400


def test_download_their_data(client, world, database) -> None:
    sign_in(client, world["admin"])
    case = world["case"]
    token = csrf_token(client, f"/admin/cases/{case}")
    response = client.post(f"/admin/cases/{case}/export", data={"csrf_token": token})
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    data = json.loads(response.get_data(as_text=True))
    assert data["case"]["reference"] == "NS-0042" and len(data["referrals"]) == 1
    with database.sessions() as session:
        entry = session.scalars(select(CaseAccess).where(CaseAccess.case_id == case)).one()
    assert (entry.action, entry.user_name) == (CaseAction.EXPORTED, "Ada")
    page = client.get(f"/admin/cases/{case}").get_data(as_text=True)
    assert "Downloaded their data" in page and "Ada" in page


def test_delete_asks_first_then_deletes(client, world, database) -> None:
    sign_in(client, world["admin"])
    case = world["case"]
    token = csrf_token(client, f"/admin/cases/{case}")
    asked = client.post(f"/admin/cases/{case}/erase", data={"csrf_token": token})
    assert asked.status_code == 200
    assert "Yes, delete their data" in asked.get_data(as_text=True)
    with database.sessions() as session:
        assert session.get(Case, case).reference == "NS-0042"
    done = client.post(f"/admin/cases/{case}/erase", data={"csrf_token": token, "confirm": "yes"})
    assert done.status_code == 303
    with database.sessions() as session:
        erased = session.get(Case, case)
        assert erased.reference is None and erased.erased_why == "request"
        referral = session.scalars(select(Referral).where(Referral.case_id == case)).one()
        assert referral.state is ReferralState.WITHDRAWN
    page = client.get(done.location).get_data(as_text=True)
    assert "Their data is deleted" in page and "the person asked" in page
    assert 'id="erase-case"' not in page


def test_the_retention_page(client, world) -> None:
    sign_in(client, world["admin"])
    response = client.get("/admin/cases/retention")
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert "24 months" in text and "<strong>1</strong> case " in text
