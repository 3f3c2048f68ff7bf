"""The organiser's listing form, as WTForms classes: one field for each box on the page.

Every field is text (or a choice): WTForms validates nothing here. The listing contract
checks the listing built from the form (``convert``) and its messages are put next to the
fields they are about (``errors``), so the rules live in one place and read the same on the
form and in the API.
"""

from __future__ import annotations

from collections.abc import Iterable

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice

from assetmap.models import Category, Status
from assetmap.web.wording import (
    CATEGORY_NAMES,
    DAY_NAMES,
    FREQUENCY_CHOICES,
    GENDER_NAMES,
    STATUS_NAMES,
    SUPPORT_LEVEL_NAMES,
)

#: Session and bus-stop rows the form offers beyond those already filled in (no JS needed).
SPARE_SESSIONS, MIN_SESSIONS = 2, 3
SPARE_STOPS, MIN_STOPS = 1, 2

YES_NO_UNKNOWN = [("yes", "Yes"), ("no", "No"), ("unknown", "Don't know")]
#: The support a group can give, as radio options ("" for not known).
SUPPORT_CHOICES = [*((str(level), name) for level, name in SUPPORT_LEVEL_NAMES.items())]
SUPPORT_CHOICES.append(("", "Don't know"))


def choices(pairs: Iterable[tuple[str, str]]) -> list[SelectChoice]:
    """(value, label) pairs as WTForms choices."""
    return [SelectChoice(value, label) for value, label in pairs]


def _radios(pairs: Iterable[tuple[str, str]]) -> RadioField:
    # Any value is kept as sent: the listing contract says what is wrong with it.
    return RadioField(choices=choices(pairs), validate_choice=False)


def _yes_no_unknown() -> RadioField:
    return _radios(YES_NO_UNKNOWN)


class SessionRow(Form):
    day = SelectField(
        "Day", choices=choices([("", "Choose a day"), *DAY_NAMES.items()]), validate_choice=False
    )
    start = StringField("Starts")
    end = StringField("Ends")
    frequency = SelectField(
        "How often", choices=choices(FREQUENCY_CHOICES.items()), validate_choice=False
    )


class BusStopRow(Form):
    name = StringField("Stop name")
    distance_m = StringField("Distance from the venue")
    routes = StringField("Bus routes")


class VenuePart(Form):
    name = StringField("Venue name")
    address = StringField("Address")
    postcode = StringField("Postcode")
    lat = HiddenField()
    lon = HiddenField()


class CapacityPart(Form):
    total_places = StringField("Total places")
    places_taken = StringField("Places taken")
    waiting_list = StringField("People on the waiting list")
    complex_needs_places = StringField("Places for people with complex needs")
    complexity_supported = _radios(SUPPORT_CHOICES)


class AudiencePart(Form):
    min_age = StringField("Youngest age")
    max_age = StringField("Oldest age")
    gender = _radios(GENDER_NAMES.items())
    languages = StringField("Languages spoken")


class CostPart(Form):
    free = _yes_no_unknown()
    amount_gbp = StringField("Cost per session")
    notes = StringField("Notes about cost")


class AccessibilityPart(Form):
    """One yes / no / don't know question for each of models.ACCESSIBILITY_FLAGS (a test
    checks they are the same), written out so each field can be found by name."""

    step_free = _yes_no_unknown()
    wheelchair_accessible = _yes_no_unknown()
    accessible_toilet = _yes_no_unknown()
    hearing_loop = _yes_no_unknown()
    blue_badge_parking = _yes_no_unknown()
    seating_available = _yes_no_unknown()
    dementia_friendly = _yes_no_unknown()
    quiet_space = _yes_no_unknown()
    notes = TextAreaField("Anything else about access")


class RailPart(Form):
    name = StringField("Nearest station")
    distance_m = StringField("Distance from the venue")


class DoorToDoorPart(Form):
    available = _yes_no_unknown()
    radius_km = StringField("How far it goes")
    notes = StringField("Notes about the transport")


class TransportPart(Form):
    bus_stops = FieldList(FormField(BusStopRow), min_entries=MIN_STOPS, max_entries=20)
    rail_station = FormField(RailPart)
    parking = _yes_no_unknown()
    door_to_door = FormField(DoorToDoorPart)


class ContactPart(Form):
    name = StringField("Name")
    phone = StringField("Phone number")
    email = StringField("Email address")
    website = StringField("Website")


class ReferralPart(Form):
    self_referral = _yes_no_unknown()
    link_worker_referral = _yes_no_unknown()
    notes = TextAreaField("Anything else about referrals")


class ListingForm(FlaskForm):
    """The whole listing. Fields are text: the listing contract checks them, in its words."""

    version = HiddenField()
    name = StringField("Name of the group")
    description = TextAreaField("Description")
    categories = SelectMultipleField(
        choices=choices((c.value, CATEGORY_NAMES[c]) for c in Category),
        validate_choice=False,
    )
    interests = StringField("Interests")
    status = _radios([(s.value, STATUS_NAMES[s]) for s in Status])
    online = BooleanField("The group meets online")
    venue = FormField(VenuePart)
    schedule = FieldList(FormField(SessionRow), min_entries=MIN_SESSIONS, max_entries=30)
    #: Sessions not happening: ISO dates, offered by the view (``manage.cancel``).
    cancelled_dates = SelectMultipleField(choices=[], validate_choice=False)
    capacity = FormField(CapacityPart)
    audience = FormField(AudiencePart)
    cost = FormField(CostPart)
    accessibility = FormField(AccessibilityPart)
    transport = FormField(TransportPart)
    contact = FormField(ContactPart)
    referral = FormField(ReferralPart)


class NewListingForm(ListingForm):
    organisation = SelectField("Organisation", choices=[], validate_choice=False)
