"""The listing form's classes and reading them into a listing and back."""

from __future__ import annotations

from werkzeug.datastructures import MultiDict

from assetmap.models import ACCESSIBILITY_FLAGS
from assetmap.web.manage.convert import form_data, listing_from_form
from assetmap.web.manage.errors import field_for_path, form_errors
from assetmap.web.manage.forms import AccessibilityPart, ListingForm
from tests.factories import listing


def test_the_access_part_asks_each_access_question_of_the_contract() -> None:
    questions = [name for name in AccessibilityPart.__dict__ if name in ACCESSIBILITY_FLAGS]
    assert questions == list(ACCESSIBILITY_FLAGS)


def test_a_listing_read_back_from_its_form_is_the_same_listing(app) -> None:
    stored = listing("Men's Shed", at="NW5 2AA")
    with app.test_request_context():
        form = ListingForm(formdata=None, data=form_data(stored, 3))
        read = listing_from_form(form)
    assert form.version.data == "3"
    for part in ("name", "schedule", "capacity", "accessibility", "contact"):
        expected = stored[part]
        if part == "capacity":
            expected = {k: v for k, v in expected.items() if k != "spare_places"}
        assert read.listing[part] == expected, part
    assert read.rows == {
        "schedule": list(range(len(stored["schedule"]))),
        "transport.bus_stops": list(range(len(stored["transport"]["bus_stops"]))),
    }


def test_a_problem_with_a_filled_in_row_is_put_next_to_that_row(app) -> None:
    with app.test_request_context(method="POST"):
        form = ListingForm(
            formdata=MultiDict(
                {f"schedule-{row}-{name}": "" for row in (0, 1) for name in ("day", "start")}
                | {"schedule-2-day": "mon", "schedule-2-start": "noon"}
            ),
            meta={"csrf": False},
        )
        read = listing_from_form(form)
        assert read.rows["schedule"] == [2]  # the first session is on the form's third row
        errors = form_errors(form, [("schedule[0].start", "must be a time")], read.rows)
        assert field_for_path(form, "schedule[0].start", read.rows).id == "schedule-2-start"
    assert errors.summary == [("schedule-2-start", "Session 3: start time must be a time")]
