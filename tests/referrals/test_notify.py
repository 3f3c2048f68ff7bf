"""The link worker hears the group's answer: one email, through the outbox, with no personal
data, for answers only, whether the organiser used the emailed link or their account."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from assetmap.errors import ValidationError
from assetmap.models import DeclineReason, OutboxMessage
from assetmap.models import ReferralState as S
from assetmap.referrals.notify import tell_link_worker
from assetmap.referrals.service import answer_by_link, move_as, refer
from tests.referrals.conftest import NOW

PERSONAL = ("J.S.", "walking frame", "husband", "2pm", "NS-0042", "We are full until spring")


def _sent(session, settings, people, case_id, group_id):
    referral = refer(session, people.link_worker, case_id, group_id, NOW, settings).referral
    emails = list(session.scalars(select(OutboxMessage)))
    token = emails[-1].body.split("/referral/")[1].split()[0] if emails else None
    return referral, token


def _to_link_worker(session) -> list[OutboxMessage]:
    return list(
        session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.to_address == "sam@scheme.example")
            .order_by(OutboxMessage.id)
        )
    )


@pytest.mark.parametrize(
    ("answer", "words"),
    [
        (S.ACCEPTED, "has accepted your referral"),
        (S.WAITING_LIST, "waiting list"),
        (S.DECLINED, "cannot take the person: the group is full"),
    ],
)
def test_an_answer_by_the_link_is_emailed_to_the_link_worker(
    session, people, case_id, two_groups, settings, answer, words
) -> None:
    referral, token = _sent(session, settings, people, case_id, two_groups[0])
    answer_by_link(
        session,
        token,
        answer,
        settings,
        NOW + dt.timedelta(hours=3),
        decline_reason=DeclineReason.FULL if answer is S.DECLINED else None,
        reason_text="We are full until spring" if answer is S.DECLINED else "",
    )
    (email,) = _to_link_worker(session)
    assert words in email.body
    assert "your referral to Tuesday Men's Shed made on 1 December 2026" in email.body
    assert f"{settings.public_url.rstrip('/')}/cases/{referral.case_id}" in email.body
    for personal in PERSONAL:
        assert personal not in email.body and personal not in email.subject


def test_an_organisers_answer_on_their_page_is_emailed_too(
    session, people, case_id, two_groups, settings
) -> None:
    referral, _ = _sent(session, settings, people, case_id, two_groups[0])
    move_as(
        session,
        people.organiser,
        referral.id,
        S.DECLINED,
        NOW,
        decline_reason=DeclineReason.NEEDS_NOT_MET,
        public_url=settings.public_url,
    )
    (email,) = _to_link_worker(session)
    assert "cannot support their needs" in email.body


def test_moves_that_are_not_answers_and_the_link_workers_own_send_nothing(
    session, people, case_id, two_groups, settings
) -> None:
    referral, _ = _sent(session, settings, people, case_id, two_groups[0])
    url = settings.public_url
    move_as(session, people.organiser, referral.id, S.ACCEPTED, NOW, public_url=url)
    move_as(session, people.organiser, referral.id, S.ATTENDED, NOW, public_url=url)
    move_as(session, people.link_worker, referral.id, S.STILL_GOING, NOW, public_url=url)
    assert len(_to_link_worker(session)) == 1  # the acceptance only
    other, _ = _sent(session, settings, people, case_id, two_groups[1])
    move_as(session, people.link_worker, other.id, S.WITHDRAWN, NOW, public_url=url)
    assert len(_to_link_worker(session)) == 1


def test_a_refused_answer_sends_nothing(session, people, case_id, two_groups, settings) -> None:
    _, token = _sent(session, settings, people, case_id, two_groups[0])
    with pytest.raises(ValidationError, match="Say why"):
        answer_by_link(session, token, S.DECLINED, settings, NOW)
    session.flush()
    assert _to_link_worker(session) == []


def test_the_case_owner_is_told_when_the_referrer_has_gone(
    session, people, case_id, two_groups, settings
) -> None:
    referral = refer(session, people.teammate, case_id, two_groups[0], NOW, settings).referral
    people.teammate.active = False
    referral.state = S.ACCEPTED
    email = tell_link_worker(session, referral, settings.public_url)
    assert email is not None and email.to_address == "sam@scheme.example"
    people.link_worker.active = False
    assert tell_link_worker(session, referral, settings.public_url) is None
