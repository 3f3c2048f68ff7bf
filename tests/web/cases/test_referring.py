"""Referring from the case page, a listing, the plan and a match card; moving referrals on."""

from __future__ import annotations

from urllib.parse import urlencode

from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

from assetmap.models import OutboxMessage, Referral, ReferralEvent
from assetmap.models import ReferralState as S
from tests.web.cases.conftest import token_from
from tests.web.manage.helpers import form_fields

PERSON = [("postcode", "NW5 1AA"), ("mode", "walk"), ("minutes", "30")]


def _referrals(database) -> list[Referral]:
    with database.session() as session:
        return list(session.scalars(select(Referral).order_by(Referral.id)))


def _emails(database) -> list[OutboxMessage]:
    with database.session() as session:
        return list(session.scalars(select(OutboxMessage)))


def _case_page(client, world) -> str:
    return client.get(f"/cases/{world.case_id}").get_data(as_text=True)


def test_refer_from_the_case_page_emails_the_organiser(worker, world, database) -> None:
    token = token_from(_case_page(worker, world))
    response = worker.post(
        f"/cases/{world.case_id}/refer", data={"csrf_token": token, "group_id": world.shed}
    )
    assert response.status_code == 302
    page = worker.get(response.headers["Location"]).get_data(as_text=True)
    assert "we emailed the organiser" in page
    (referral,) = _referrals(database)
    assert (referral.group_id, referral.state) == (world.shed, S.SENT)
    (email,) = _emails(database)
    assert email.to_address == "jo@example.org" and "J.S." not in email.body
    # Referred already: the button is disabled, with the reason, and a second try is refused.
    assert "Already referred" in page
    again = worker.post(
        f"/cases/{world.case_id}/refer", data={"csrf_token": token, "group_id": world.shed}
    )
    assert again.status_code == 409
    assert "already has a referral" in again.get_data(as_text=True)
    assert len(_referrals(database)) == 1


def test_a_group_with_no_email_gets_a_phone_call(worker, world, database) -> None:
    token = token_from(_case_page(worker, world))
    response = worker.post(
        f"/cases/{world.case_id}/refer", data={"csrf_token": token, "group_id": world.quiet}
    )
    page = worker.get(response.headers["Location"]).get_data(as_text=True)
    assert "Quiet Readers has no email address: phone them on 020 7946 0999" in page
    assert _emails(database) == []


def test_a_bad_or_missing_group_is_a_4xx_not_a_500(worker, world, database) -> None:
    token = token_from(_case_page(worker, world))
    for value, status in (("", 400), ("x", 400), ("99999", 404)):
        response = worker.post(
            f"/cases/{world.case_id}/refer", data={"csrf_token": token, "group_id": value}
        )
        assert response.status_code == status, value
    assert _referrals(database) == []


def test_refer_from_a_listing(worker, world, database) -> None:
    html = worker.get(f"/groups/{world.walkers}").get_data(as_text=True)
    fields = form_fields(html, f"refer-form-{world.walkers}")
    assert fields["case_id"] == str(world.case_id)
    response = worker.post("/cases/refer", data=fields)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/cases/{world.case_id}")
    assert [r.group_id for r in _referrals(database)] == [world.walkers]
    assert len(_emails(database)) == 1


def test_refer_from_a_match_card(worker, world, database) -> None:
    html = worker.get("/match?" + urlencode(PERSON)).get_data(as_text=True)
    action = f"/cases/refer?case_id={world.case_id}&amp;group_id={world.walkers}"
    assert f'formaction="{action}"' in html
    token = token_from(html)
    # The button submits the plan's form: its fields, and its own name and value.
    body = [*PERSON, ("choose", str(world.shed)), ("csrf_token", token)]
    response = worker.post(action.replace("&amp;", "&"), data=MultiDict(body))
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/cases/{world.case_id}")
    assert [r.group_id for r in _referrals(database)] == [world.walkers]
    assert len(_emails(database)) == 1


def test_the_partial_asks_for_a_case_first(client, world) -> None:
    from tests.web.manage.helpers import sign_in

    sign_in(client, world.other_team)
    html = client.get(f"/groups/{world.shed}").get_data(as_text=True)
    assert "open a case first" in html
    sign_in(client, world.organiser)
    assert 'id="refer-' not in client.get(f"/groups/{world.shed}").get_data(as_text=True)


def test_another_team_cannot_refer_the_case(client, world, database) -> None:
    from tests.web.manage.helpers import sign_in

    sign_in(client, world.other_team)
    token = token_from(client.get("/cases").get_data(as_text=True))
    response = client.post(
        "/cases/refer", data={"csrf_token": token, "case_id": world.case_id, "group_id": 1}
    )
    assert response.status_code == 404
    assert _referrals(database) == []


def _refer(worker, world) -> None:
    token = token_from(_case_page(worker, world))
    worker.post(f"/cases/{world.case_id}/refer", data={"csrf_token": token, "group_id": world.shed})


def _move(worker, world, to: str, **extra: str):
    html = _case_page(worker, world)
    referral = _referrals_id(html)
    fields = form_fields(html, f"move-{referral}-{to}")
    for name, value in extra.items():
        fields.setlist(name, [value])
    return worker.post(f"/cases/{world.case_id}/referrals/{referral}/move", data=fields)


def _referrals_id(html: str) -> str:
    import re

    found = re.search(r'id="referral-(\d+)"', html)
    assert found
    return found.group(1)


def test_each_move_from_the_page(worker, world, database) -> None:
    _refer(worker, world)
    for to in ("accepted", "attended", "still_going"):
        assert _move(worker, world, to).status_code == 302, to
    stopped = _move(worker, world, "stopped", stop_reason="transport")
    assert stopped.status_code == 302
    (referral,) = _referrals(database)
    assert referral.state is S.STOPPED and referral.stop_reason.value == "transport"
    page = _case_page(worker, world)
    assert "Getting there" in page and "Sam (link worker)" in page
    assert 'id="move-' not in page  # nothing more to do


def test_decline_needs_its_reason(worker, world, database) -> None:
    _refer(worker, world)
    html = _case_page(worker, world)
    assert 'name="decline_reason"' in html and 'name="stop_reason"' not in html
    assert _move(worker, world, "declined", decline_reason="full").status_code == 302
    assert _referrals(database)[0].decline_reason.value == "full"


def test_accepting_a_withdrawn_referral_is_refused(worker, world, database) -> None:
    _refer(worker, world)
    html = _case_page(worker, world)
    accept = form_fields(html, f"move-{_referrals_id(html)}-accepted")
    assert _move(worker, world, "withdrawn").status_code == 302
    with database.session() as session:
        events = session.scalar(select(func.count()).select_from(ReferralEvent))
    accept["version"] = str(_referrals(database)[0].version)  # current: only the state refuses
    refused = worker.post(
        f"/cases/{world.case_id}/referrals/{_referrals_id(html)}/move", data=accept
    )
    assert refused.status_code == 409
    assert "This referral is withdrawn: nothing more can change" in refused.get_data(as_text=True)
    assert _referrals(database)[0].state is S.WITHDRAWN
    with database.session() as session:
        assert session.scalar(select(func.count()).select_from(ReferralEvent)) == events


def test_a_stale_version_is_refused(worker, world, database) -> None:
    _refer(worker, world)
    html = _case_page(worker, world)
    stale = form_fields(html, f"move-{_referrals_id(html)}-waiting_list")
    assert _move(worker, world, "accepted").status_code == 302
    response = worker.post(
        f"/cases/{world.case_id}/referrals/{_referrals_id(html)}/move", data=stale
    )
    assert response.status_code == 409
    assert "Someone else changed this referral first" in response.get_data(as_text=True)
    assert _referrals(database)[0].state is S.ACCEPTED


def test_nonsense_moves_are_4xx(worker, world) -> None:
    _refer(worker, world)
    html = _case_page(worker, world)
    rid = _referrals_id(html)
    token = token_from(html)
    base = f"/cases/{world.case_id}/referrals/{rid}/move"
    assert worker.post(base, data={"csrf_token": token, "to": "flying"}).status_code == 400
    assert (
        worker.post(base, data={"csrf_token": token, "to": "declined", "version": "1"}).status_code
        == 400
    )
    assert (
        worker.post(
            f"/cases/{world.case_id}/referrals/999/move",
            data={"csrf_token": token, "to": "accepted", "version": "1"},
        ).status_code
        == 404
    )


def test_a_closed_group_is_refused_with_why(worker, world, database) -> None:
    from assetmap.models import Group, Status

    with database.session() as session:
        session.get(Group, world.walkers).status = Status.CLOSED
    token = token_from(_case_page(worker, world))
    response = worker.post(
        f"/cases/{world.case_id}/refer", data={"csrf_token": token, "group_id": world.walkers}
    )
    assert response.status_code == 409
    assert "Gospel Oak Walkers is closed" in response.get_data(as_text=True)
    assert _referrals(database) == [] and _emails(database) == []


def test_only_the_team_moves_its_referrals(client, worker, world, database) -> None:
    from tests.web.manage.helpers import sign_in

    _refer(worker, world)
    html = _case_page(worker, world)
    fields = form_fields(html, f"move-{_referrals_id(html)}-accepted")
    path = f"/cases/{world.case_id}/referrals/{_referrals_id(html)}/move"
    sign_in(client, world.other_team)
    assert client.post(path, data=fields).status_code == 404
    sign_in(client, world.organiser)
    assert client.post(path, data=fields).status_code == 403
    assert _referrals(database)[0].state is S.SENT
