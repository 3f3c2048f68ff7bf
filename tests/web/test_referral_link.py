"""The emailed link's page: an organiser, with no account, accepts, puts on the waiting list
or declines a referral; forged, expired and used links are refused; the notes never show and
the token is never logged."""

from __future__ import annotations

import datetime as dt
import logging
import re

import pytest
from sqlalchemy import func, select

from assetmap.models import DeclineReason, OutboxMessage, Referral, ReferralEvent
from assetmap.models import ReferralState as S
from assetmap.web.context import set_clock
from assetmap.web.referral_link import HideTokens
from tests.web.referral_helpers import PERSONAL_NOT_FOR_ORGANISERS, SENT, make_referral


@pytest.fixture
def referred(database, app, add_groups):
    return make_referral(database, app, add_groups)


def _csrf(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match
    return match.group(1)


def _post(client, token: str, **form: str):
    html = client.get(f"/referral/{token}").get_data(as_text=True)
    return client.post(f"/referral/{token}", data={"csrf_token": _csrf(html), **form})


def _referral(database, referral_id: int) -> Referral:
    with database.session() as session:
        referral = session.get(Referral, referral_id)
        session.expunge(referral)
        return referral


def _count(database, model) -> int:
    with database.session() as session:
        return session.scalar(select(func.count()).select_from(model))


def test_the_page_shows_what_the_organiser_needs_and_never_the_notes(client, referred) -> None:
    response = client.get(f"/referral/{referred.token}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    for shown in ("J.S.", "phone after 2pm", "uses a walking frame", "Sam (link worker)"):
        assert shown in html
    assert "Men&#39;s Shed" in html and "1 December 2026" in html
    for hidden in PERSONAL_NOT_FOR_ORGANISERS:
        assert hidden not in html
    for button in ("Accept", "Put on the waiting list", "Decline"):
        assert f">{button}</button>" in html
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize(
    ("answer", "form", "words"),
    [
        (S.ACCEPTED, {}, "Thank you for accepting this referral"),
        (S.WAITING_LIST, {}, "The person is on your waiting list"),
        (S.DECLINED, {"reason": "full", "note": "Full until March"}, "You have declined"),
    ],
)
def test_each_answer_is_saved_says_what_next_and_tells_the_link_worker(
    client, database, referred, answer, form, words
) -> None:
    response = _post(client, referred.token, answer=answer.value, **form)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert words in html and "What happens next" in html
    referral = _referral(database, referred.referral_id)
    assert referral.state is answer and referral.link_used_at is not None
    if answer is S.DECLINED:
        assert referral.decline_reason is DeclineReason.FULL
        assert referral.reason_text == "Full until March"
    with database.session() as session:
        told = session.scalars(
            select(OutboxMessage).where(OutboxMessage.to_address == "sam@scheme.example")
        ).one()
        assert f"/cases/{referred.case_id}" in told.body


def test_declining_without_a_reason_is_a_form_error_and_writes_nothing(
    client, database, referred
) -> None:
    events, emails = _count(database, ReferralEvent), _count(database, OutboxMessage)
    response = _post(client, referred.token, answer="declined", note="Sorry <b>no</b>")
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Choose why you cannot take them" in html
    assert 'id="reason-error"' in html and 'href="#reason"' in html
    assert "Sorry &lt;b&gt;no&lt;/b&gt;" in html  # kept, and escaped
    referral = _referral(database, referred.referral_id)
    assert referral.state is S.SENT and referral.link_used_at is None
    assert (_count(database, ReferralEvent), _count(database, OutboxMessage)) == (events, emails)
    assert _post(client, referred.token, answer="declined", reason="nonsense").status_code == 400
    assert _post(client, referred.token, answer="stopped").status_code == 400
    assert _referral(database, referred.referral_id).state is S.SENT


def test_a_used_link_is_refused(client, database, referred) -> None:
    csrf = _csrf(client.get(f"/referral/{referred.token}").get_data(as_text=True))
    path = f"/referral/{referred.token}"
    assert client.post(path, data={"csrf_token": csrf, "answer": "accepted"}).status_code == 200
    again = client.get(path)
    assert again.status_code == 410
    assert "used already" in again.get_data(as_text=True)
    late = client.post(path, data={"csrf_token": csrf, "answer": "declined", "reason": "full"})
    assert late.status_code == 410
    assert _referral(database, referred.referral_id).state is S.ACCEPTED


def test_a_forged_link_is_refused(client, referred) -> None:
    for bad in (referred.token[:-3] + "abc", "not-a-token"):
        response = client.get(f"/referral/{bad}")
        assert response.status_code == 400
        assert "This referral link does not work" in response.get_data(as_text=True)
        assert response.headers["Referrer-Policy"] == "no-referrer"


def test_an_expired_link_is_refused(app, client, database, referred) -> None:
    set_clock(app, lambda: SENT + dt.timedelta(days=22))
    response = client.get(f"/referral/{referred.token}")
    assert response.status_code == 410
    assert "expired" in response.get_data(as_text=True)
    set_clock(app, lambda: SENT + dt.timedelta(days=2))
    html = client.get(f"/referral/{referred.token}").get_data(as_text=True)
    set_clock(app, lambda: SENT + dt.timedelta(days=22))
    late = client.post(
        f"/referral/{referred.token}", data={"csrf_token": _csrf(html), "answer": "accepted"}
    )
    assert late.status_code == 410
    assert _referral(database, referred.referral_id).state is S.SENT


def test_a_referral_moved_on_by_the_link_worker_is_refused(client, database, referred) -> None:
    with database.session() as session:
        session.get(Referral, referred.referral_id).state = S.WITHDRAWN
    assert client.get(f"/referral/{referred.token}").status_code == 410


def test_the_token_is_in_no_log_record(client, referred, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    client.get(f"/referral/{referred.token}")
    _post(client, referred.token, answer="accepted")
    client.get(f"/referral/{referred.token}")
    assert any("answered through the emailed link" in r.getMessage() for r in caplog.records)
    for record in caplog.records:
        assert referred.token not in record.getMessage()


def test_the_servers_request_lines_have_the_token_hidden(referred) -> None:
    record = logging.LogRecord(
        "werkzeug",
        logging.INFO,
        __file__,
        1,
        '%s - - "%s" %s',
        ("127.0.0.1", f"GET /referral/{referred.token}?x=1 HTTP/1.1", "200"),
        None,
    )
    assert HideTokens().filter(record)
    assert referred.token not in record.getMessage()
    assert "GET /referral/[link]?x=1 HTTP/1.1" in record.getMessage()
    assert logging.getLogger("werkzeug").filters  # put there when the app was made
