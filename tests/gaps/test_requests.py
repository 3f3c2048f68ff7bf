"""A gap question from a query string: a ready-made start, each part given replacing its own."""

from __future__ import annotations

import pytest

from assetmap.errors import ValidationError
from assetmap.gaps.profile import READY_MADE, WEEKDAYS, Target
from assetmap.gaps.requests import DEFAULT_QUESTION, parse_gap_question, when_of
from assetmap.geo.journeys import Mode
from assetmap.models import Category, Gender


def test_no_parameters_is_the_ready_made_step_free_question() -> None:
    asked = parse_gap_question({})
    assert asked.question == DEFAULT_QUESTION
    assert asked.profile == READY_MADE[DEFAULT_QUESTION]
    assert when_of(asked.profile) == "weekdays"


def test_parts_given_replace_the_ready_made_ones() -> None:
    args = {
        "question": ["mens-groups"],
        "minutes": ["20"],
        "modes": ["walk"],
        "target": ["age_65_plus"],
        "when": ["evenings_and_weekends"],
        "category": ["social", "active", "social"],
        "interests": ["Walking, chess,, walking"],
        "needs": ["step_free"],
        "support": ["3"],
    }
    asked = parse_gap_question(args)
    profile = asked.profile
    assert profile.audience is Gender.MEN  # kept from the ready-made question
    assert profile.mobility.max_travel_minutes == 20 and profile.mobility.modes == (Mode.WALK,)
    assert profile.target is Target.AGE_65_PLUS
    assert profile.categories == (Category.SOCIAL, Category.ACTIVE)
    assert profile.interests == ("walking", "chess")
    assert profile.needs == ("step_free",) and profile.support == 3
    assert when_of(profile) == "evenings_and_weekends"
    assert profile.times[0].days == WEEKDAYS
    # The same question asked twice has the same key; another question another.
    assert asked.key == parse_gap_question(dict(args, category=["social", "active"])).key
    assert asked.key != parse_gap_question({}).key


@pytest.mark.parametrize(
    ("args", "field"),
    [
        ({"question": ["everything"]}, "question"),
        ({"minutes": ["0"]}, "minutes"),
        ({"minutes": ["121"]}, "minutes"),
        ({"minutes": ["ten"]}, "minutes"),
        ({"modes": ["rocket"]}, "modes"),
        ({"modes": ["door_to_door"]}, "modes"),
        ({"needs": ["lift"]}, "needs"),
        ({"when": ["sometimes"]}, "when"),
        ({"support": ["4"]}, "support"),
        ({"audience": ["children"]}, "audience"),
        ({"target": ["everyone"]}, "target"),
        ({"category": ["sport"]}, "category"),
    ],
)
def test_a_bad_part_names_its_parameter(args, field) -> None:
    with pytest.raises(ValidationError) as refused:
        parse_gap_question(args)
    assert refused.value.field == field


def test_the_ready_made_answers_sent_back_whole_keep_their_name() -> None:
    """The page's form sends every field; unchanged, it is still the ready-made question."""
    ready = READY_MADE["step-free-social-weekday-bus"]
    sent = {
        "question": ["step-free-social-weekday-bus"],
        "target": ["disabled"],
        "category": ["social"],
        "needs": ["step_free"],
        "modes": ["wheelchair", "bus"],
        "minutes": ["20"],
        "when": ["weekdays"],
        "support": ["1"],
    }
    assert parse_gap_question(sent).profile == ready
    assert parse_gap_question(dict(sent, minutes=["25"])).profile.name == "Your question"
