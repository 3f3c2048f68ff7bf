"""The organiser's referrals page and pausing referrals from the dashboard: organisers see and
move only their own groups' referrals, never the case notes; a pause needs a good date."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import select

from assetmap.models import DeclineReason, Group, OutboxMessage, Referral
from assetmap.models import ReferralState as S
from tests.web.manage.helpers import csrf_token, sign_in
from tests.web.referral_helpers import PERSONAL_NOT_FOR_ORGANISERS, SENT, make_referral

TODAY = SENT.date()


@pytest.fixture
def referred(database, app, add_groups):
    return make_referral(database, app, add_groups)


def _state(database, referral_id: int) -> S:
    with database.session() as session:
        return session.get(Referral, referral_id).state


def _version(database, referral_id: int) -> int:
    with database.session() as session:
        return session.get(Referral, referral_id).version


def _move(client, database, referred, to: str, **form: str):
    token = csrf_token(client, "/my/referrals")
    data = {
        "csrf_token": token,
        "to": to,
        "version": str(_version(database, referred.referral_id)),
        **form,
    }
    return client.post(f"/my/referrals/{referred.referral_id}", data=data)


def test_an_organiser_sees_their_groups_referrals_and_never_the_notes(client, referred) -> None:
    sign_in(client, referred.organiser)
    response = client.get("/my/referrals")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    for shown in ("J.S.", "phone after 2pm", "uses a walking frame", "1 December 2026"):
        assert shown in html
    assert "Sent, waiting for an answer" in html
    for hidden in PERSONAL_NOT_FOR_ORGANISERS:
        assert hidden not in html
    for button in ("Accept", "Put on the waiting list", "Decline"):
        assert button in html
    assert "They went along" not in html  # not until they have accepted
    assert 'id="referrals-link"' in client.get("/my/groups").get_data(as_text=True)


def test_another_organisations_organiser_sees_nothing_and_gets_404_on_a_move(
    client, database, referred
) -> None:
    sign_in(client, referred.other_organiser)
    html = client.get("/my/referrals").get_data(as_text=True)
    assert "J.S." not in html and "No one has been referred" in html
    response = _move(client, database, referred, "accepted")
    assert response.status_code == 404
    assert _state(database, referred.referral_id) is S.SENT


def test_link_workers_and_the_signed_out_do_not_get_the_page(client, referred) -> None:
    assert client.get("/my/referrals").status_code == 302
    sign_in(client, referred.link_worker)
    assert client.get("/my/referrals").status_code == 403


def test_accept_then_went_along_and_the_link_worker_is_told(client, database, referred) -> None:
    sign_in(client, referred.organiser)
    response = _move(client, database, referred, "accepted")
    assert response.status_code == 302
    assert _state(database, referred.referral_id) is S.ACCEPTED
    html = client.get("/my/referrals").get_data(as_text=True)
    assert "Thank you for accepting this referral." in html
    assert "They went along" in html and "They did not go" in html
    assert _move(client, database, referred, "attended").status_code == 302
    assert _state(database, referred.referral_id) is S.ATTENDED
    with database.session() as session:
        told = list(
            session.scalars(
                select(OutboxMessage.body).where(OutboxMessage.to_address == "sam@scheme.example")
            )
        )
    assert len(told) == 1 and "has accepted your referral" in told[0]


def test_declining_needs_a_reason_beside_the_field(client, database, referred) -> None:
    sign_in(client, referred.organiser)
    response = _move(client, database, referred, "declined", note="<script>x</script>")
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    prefix = f"referral-{referred.referral_id}-"
    assert f'id="{prefix}reason-error"' in html and "Choose why you cannot take them" in html
    assert "&lt;script&gt;x&lt;/script&gt;" in html and "<script>x</script>" not in html
    assert _state(database, referred.referral_id) is S.SENT
    assert _move(client, database, referred, "declined", reason="full").status_code == 302
    with database.session() as session:
        referral = session.get(Referral, referred.referral_id)
        assert (referral.state, referral.decline_reason) == (S.DECLINED, DeclineReason.FULL)


def test_moves_organisers_may_not_make_or_a_stale_version_are_refused(
    client, database, referred
) -> None:
    sign_in(client, referred.organiser)
    for to in ("withdrawn", "still_going", "nonsense"):
        response = _move(client, database, referred, to)
        assert response.status_code in (302, 400, 409), to
        assert _state(database, referred.referral_id) is S.SENT, to
    token = csrf_token(client, "/my/referrals")
    stale = client.post(
        f"/my/referrals/{referred.referral_id}",
        data={"csrf_token": token, "to": "accepted", "version": "0"},
    )
    assert stale.status_code == 409 and "Someone else changed" in stale.get_data(as_text=True)
    assert _state(database, referred.referral_id) is S.SENT


# ---- pausing referrals ----


def _pause(client, group_id: int, **form: str):
    token = csrf_token(client, "/my/groups")
    return client.post(f"/my/groups/{group_id}/pause-referrals", data={"csrf_token": token, **form})


def _paused(database, group_id: int) -> dt.date | None:
    with database.session() as session:
        return session.scalar(select(Group.referrals_paused_until).where(Group.id == group_id))


def test_the_dashboard_pauses_and_resumes_referrals(client, database, referred) -> None:
    sign_in(client, referred.organiser)
    html = client.get("/my/groups").get_data(as_text=True)
    assert f'id="pause-{referred.ours}"' in html
    assert "link workers won" in html.lower() and "not affected" in html
    until = TODAY + dt.timedelta(days=14)
    response = _pause(client, referred.ours, until=until.isoformat(), action="pause")
    assert response.status_code == 302
    assert _paused(database, referred.ours) == until
    html = client.get("/my/groups").get_data(as_text=True)
    assert "Referrals paused until 15 December 2026" in html
    assert "Take referrals again" in html
    assert _pause(client, referred.ours, action="resume").status_code == 302
    assert _paused(database, referred.ours) is None


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", "Enter the last day"),
        ("31/01/2027", "Enter a real date"),
        (TODAY.isoformat(), "after today"),
        ((TODAY + dt.timedelta(days=400)).isoformat(), "at most a year ahead"),
    ],
)
def test_a_bad_date_comes_back_beside_the_field(client, database, referred, typed, message) -> None:
    sign_in(client, referred.organiser)
    response = _pause(client, referred.ours, until=typed, action="pause")
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert message in html and f'id="until-{referred.ours}-error"' in html
    assert _paused(database, referred.ours) is None


def test_another_organisations_organiser_cannot_pause(client, database, referred) -> None:
    sign_in(client, referred.other_organiser)
    until = (TODAY + dt.timedelta(days=5)).isoformat()
    assert _pause(client, referred.ours, until=until).status_code == 403
    assert client.get(f"/my/groups/{referred.ours}/pause-referrals").status_code == 403
    assert _pause(client, 999_999, until=until).status_code == 404
    assert _paused(database, referred.ours) is None


def test_the_pause_page_names_the_group(client, referred) -> None:
    sign_in(client, referred.organiser)
    html = client.get(f"/my/groups/{referred.ours}/pause-referrals").get_data(as_text=True)
    assert re.search(r"Pause referrals to Men&#39;s Shed", html)


def test_the_dashboard_counts_referrals_on_top_of_the_organisers_own_places(
    client, database, referred
) -> None:
    """The Men's Shed has 20 places and 14 taken by the organiser's count: the referral not
    answered yet holds one, and once accepted it takes one, and the dashboard says which."""
    sign_in(client, referred.organiser)
    page = client.get("/my/groups").get_data(as_text=True)
    assert "5 places free (1 held for a referral not answered yet)" in page
    assert _move(client, database, referred, "accepted").status_code == 302
    page = client.get("/my/groups").get_data(as_text=True)
    assert "5 places free (1 taken by someone referred through assetmap)" in page
