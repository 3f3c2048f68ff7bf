"""The one vocabulary: every field of a listing and every value of the enums pages show has
words, and the words read the same wherever they are used."""

from __future__ import annotations

import pytest

from assetmap.directory.edits import flatten
from assetmap.models import (
    ACCESSIBILITY_FLAGS,
    Category,
    ChangeKind,
    Day,
    Frequency,
    Gender,
    ProblemKind,
    Role,
    Status,
    TaskOutcome,
    TaskReason,
)
from assetmap.web import wording
from assetmap.web.wording import FIELD_LABELS, field_label, value_text
from tests.factories import listing

field_name = field_label


@pytest.mark.parametrize(
    ("table", "enum"),
    [
        (wording.DAY_NAMES, Day),
        (wording.CATEGORY_NAMES, Category),
        (wording.STATUS_NAMES, Status),
        (wording.FREQUENCY_CHOICES, Frequency),
        (wording.FREQUENCY_NAMES, Frequency),
        (wording.GENDER_NAMES, Gender),
        (wording.ROLE_NAMES, Role),
        (wording.CHANGE_KIND_NAMES, ChangeKind),
        (wording.PROBLEM_NAMES, ProblemKind),
        (wording.TASK_REASON_NAMES, TaskReason),
        (wording.TASK_OUTCOME_NAMES, TaskOutcome),
    ],
)
def test_every_value_of_an_enum_has_words_looked_up_by_member_or_value(table, enum) -> None:
    assert set(table) == set(enum)
    for member in enum:
        assert table[member.value] == table[member]


def test_every_access_question_has_words() -> None:
    assert list(wording.ACCESS_NAMES) == list(ACCESSIBILITY_FLAGS)


def test_every_field_of_a_listing_has_a_label() -> None:
    paths = flatten(listing("Men's Shed", at="NW5 2AA", organisation="A Trust"))
    unlabelled = sorted(path for path in paths if path not in FIELD_LABELS and path != "id")
    assert unlabelled == []


def test_field_names_and_values_in_plain_words() -> None:
    assert field_name("capacity.places_taken") == "Places taken"
    assert field_name("accessibility.step_free") == "Step-free access"
    assert field_name("transport.something_new") == "Transport: something new"
    assert field_name("brand_new") == "Brand new"
    assert value_text("accessibility.hearing_loop", None).missing == "not known"
    assert value_text("contact.website", None).missing == "not given"
    assert value_text("status", "waiting_list").lines == ["Waiting list"]
    assert value_text("categories", ["creative", "peer_support"]).lines == [
        "Creative, Peer support"
    ]
    assert value_text("cost.amount_gbp", 2).lines == ["£2.00"]
    assert value_text("online", False).lines == ["No"]
    assert value_text("transport.bus_stops", [{"name": "Stn", "routes": ["134"]}]).lines == [
        "Stn (routes 134)"
    ]


def test_a_row_of_a_list_reads_as_its_field() -> None:
    assert field_label("schedule[1].end") == "end time"
    assert field_label("capacity.complexity_supported") == "Support the group can give"


def test_support_levels_and_who_can_come_read_as_on_the_form() -> None:
    assert value_text("capacity.complexity_supported", 3).lines == [
        "Can support people with complex needs"
    ]
    assert value_text("audience.gender", "women").lines == ["Women only"]
    assert str(value_text("referral.self_referral", None)) == "not known"
