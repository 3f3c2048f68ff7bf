"""Wellbeing scores: ONS4 0–10, UCLA 1–3, "not asked" as NULL, and the change since the start."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from assetmap.errors import NotFound, ValidationError
from assetmap.models import Case, Wellbeing, WellbeingStage
from assetmap.referrals.wellbeing import (
    Scores,
    change_for,
    parse_scores,
    record_start,
    start_scores,
    wellbeing_row,
)
from tests.referrals.conftest import NOW

ONS4 = {"life_satisfaction": "5", "worthwhile": "6", "happiness": "4", "anxiety": "8"}


def test_scores_parse_from_a_form_and_from_json() -> None:
    assert parse_scores(ONS4) == Scores(5, 6, 4, 8)
    assert parse_scores({"life_satisfaction": 0, "worthwhile": 10, "happiness": 3,
                         "anxiety": "not_asked", "ucla_companionship": 3,
                         "ucla_left_out": "1", "ucla_isolated": "not_asked"}) == Scores(
        0, 10, 3, None, 3, 1, None
    )  # fmt: skip


def test_the_ucla_items_left_blank_were_not_asked_but_ons4_must_be_answered() -> None:
    assert parse_scores({**ONS4, "ucla_left_out": ""}).ucla_left_out is None
    with pytest.raises(ValidationError, match="or Not asked") as raised:
        parse_scores({**ONS4, "anxiety": ""})
    assert raised.value.field == "anxiety"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("life_satisfaction", "-1"),
        ("worthwhile", "11"),
        ("happiness", "5.5"),
        ("anxiety", 2.5),
        ("anxiety", True),
        ("happiness", "lots"),
        ("ucla_companionship", "0"),
        ("ucla_isolated", "4"),
    ],
)
def test_a_score_out_of_range_names_its_question(field, value) -> None:
    with pytest.raises(ValidationError) as raised:
        parse_scores({**ONS4, field: value})
    assert raised.value.field == field


def test_start_scores_are_kept_once_per_case_and_seen_by_the_team_only(
    session, people, case_id
) -> None:
    record_start(session, people.link_worker, case_id, parse_scores(ONS4), NOW)
    record_start(
        session, people.teammate, case_id, parse_scores({**ONS4, "anxiety": "not_asked"}), NOW
    )
    rows = session.scalars(select(Wellbeing)).all()
    assert [(r.stage, r.anxiety, r.life_satisfaction) for r in rows] == [
        (WellbeingStage.START, None, 5)
    ]
    assert start_scores(session, people.admin, case_id, NOW) == Scores(5, 6, 4, None)
    for outsider in (people.other_team, people.organiser):
        with pytest.raises(NotFound):
            record_start(session, outsider, case_id, parse_scores(ONS4), NOW)
        with pytest.raises(NotFound):
            start_scores(session, outsider, case_id, NOW)


def test_the_change_since_the_start_question_by_question(session, people, case_id) -> None:
    case = session.get(Case, case_id)
    record_start(session, people.link_worker, case_id, Scores(5, 6, 4, 8, ucla_left_out=3), NOW)
    later = NOW + dt.timedelta(weeks=2)
    session.add(
        wellbeing_row(case_id, Scores(7, None, 4, 5, ucla_left_out=2), WellbeingStage.FOLLOW_UP,
                      later)
    )  # fmt: skip
    # A later follow-up where nothing was asked does not hide the one before.
    session.add(wellbeing_row(case_id, Scores(), WellbeingStage.FOLLOW_UP, later))
    session.flush()
    changes = {c.field: c for c in change_for(case)}
    assert (changes["life_satisfaction"].change, changes["life_satisfaction"].better) == (2, True)
    assert changes["worthwhile"].change is None  # not asked at follow-up
    assert changes["happiness"].change == 0 and changes["happiness"].better is None
    # Anxiety and loneliness: lower is better.
    assert (changes["anxiety"].change, changes["anxiety"].better) == (-3, True)
    assert (changes["ucla_left_out"].change, changes["ucla_left_out"].better) == (-1, True)
    assert changes["ucla_isolated"].change is None


def test_no_scores_no_change(session, case_id) -> None:
    assert all(c.change is None for c in change_for(session.get(Case, case_id)))
