"""The task page's "correct the details" part: the organiser's listing form, filled in from the
stored listing, read back into a listing, and the contract's problems put next to its fields.

The form is the organiser's (``web/manage``): the same fields, the same reading of what was
typed (``convert.listing_from_form``) and the same messages (``errors.form_errors``), with
its field names prefixed ``fix-`` so they cannot be mistaken for the task's own fields.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from werkzeug.datastructures import MultiDict

from assetmap.directory.edits import listing_problems, merge_patch, patch_between
from assetmap.errors import AssetmapError, ValidationError
from assetmap.models import Status
from assetmap.web.manage.convert import ListingFromForm, form_data, listing_from_form
from assetmap.web.manage.errors import FormErrors, FormState, form_errors
from assetmap.web.manage.forms import ListingForm, choices
from assetmap.web.wording import STATUS_NAMES

PREFIX = "fix"
#: Statuses a worker can set here; stopping for good is the outcome "The group has stopped".
EDITABLE_STATUSES = (Status.OPEN, Status.INVITATION_ONLY, Status.WAITING_LIST, Status.PAUSED)
#: Errors about the task itself rather than the listing's details.
TASK_FIELDS = frozenset({"result", "method", "note", "task", "version"})


def _offer_statuses(form: ListingForm, current: str | None) -> None:
    statuses = list(EDITABLE_STATUSES)
    if current == Status.CLOSED.value:
        statuses.append(Status.CLOSED)  # shown as it is: reopening is choosing another
    form.status.choices = choices((s.value, STATUS_NAMES[s]) for s in statuses)


def details_form(
    listing: Mapping[str, Any], formdata: MultiDict[str, str] | None = None
) -> ListingForm:
    """The listing form, from the stored listing or from what the worker sent."""
    if formdata is None:
        form = ListingForm(
            formdata=None, data=form_data(listing), prefix=PREFIX, meta={"csrf": False}
        )
    else:
        form = ListingForm(formdata=formdata, prefix=PREFIX, meta={"csrf": False})
    _offer_statuses(form, listing.get("status"))
    return form


def sent_details(formdata: MultiDict[str, str]) -> bool:
    """Whether the post carries the details form at all (a bare post corrects nothing)."""
    return any(key.startswith(f"{PREFIX}-") for key in formdata)


def read_details(form: ListingForm) -> ListingFromForm:
    return listing_from_form(form)


@dataclass(frozen=True)
class DetailsState:
    """The details form with what to show beside its fields."""

    form: ListingForm
    state: FormState
    errors: FormErrors


def details_state(
    form: ListingForm,
    stored: Mapping[str, Any],
    proposed: ListingFromForm | None = None,
    error: AssetmapError | None = None,
) -> DetailsState:
    """Every problem with the details as they would be, by the field it is about, when the
    error is about the listing; an empty state otherwise."""
    if proposed is None or error is None or not is_listing_error(error):
        return DetailsState(form, FormState(), FormErrors())
    whole = merge_patch(stored, patch_between(proposed.listing, stored))
    if isinstance(error, ValidationError) and error.field:
        found = listing_problems(error, whole)
    else:
        found = [(error.field or "", error.message)]
    errors = form_errors(form, found, proposed.rows)
    return DetailsState(form, FormState(errors.by_field), errors)


def is_listing_error(error: AssetmapError | None) -> bool:
    """Whether the error is about one of the listing's details (not the task's own fields)."""
    return error is not None and bool(error.field) and error.field not in TASK_FIELDS
