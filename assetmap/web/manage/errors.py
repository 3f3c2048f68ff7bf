"""The listing contract's problems as messages next to the form fields they are about.

The contract names a problem by its path in the listing ("capacity.total_places",
"schedule[1].end"). A path is followed through the form to its field, counting only the
rows the person filled in, and the message is put in the form's words ("Session 2: end
time must be after the start time").
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from wtforms import Field, FieldList, FormField, RadioField, SelectMultipleField

from assetmap.web.manage.forms import ListingForm
from assetmap.web.wording import field_label

#: Rows of the form that stand for an item of a list in the listing: "Session 2: …".
ROW_LISTS = {"schedule": "Session", "transport.bus_stops": "Bus stop"}


@dataclass
class FormErrors:
    """Messages by form-field id, and the error summary's (anchor, message) list."""

    by_field: dict[str, str] = field(default_factory=dict)
    summary: list[tuple[str, str]] = field(default_factory=list)

    def add(self, anchor: str, field_id: str, message: str) -> None:
        if field_id in self.by_field:
            return
        self.by_field[field_id] = message
        self.summary.append((anchor, message))

    def __bool__(self) -> bool:
        return bool(self.summary)


def _row_number(rows: Mapping[str, list[int]], row_list: str, index: int) -> int:
    """The form row (from 0) the ``index``-th filled-in item of ``row_list`` came from."""
    used = rows.get(row_list, [])
    return used[index] if index < len(used) else index


def field_for_path(form: ListingForm, path: str, rows: Mapping[str, list[int]]) -> Field | None:
    """The form field a listing path ("capacity.total_places", "schedule[1].end") came from."""
    if path in ("venue.lat", "venue.lon"):
        path = "venue.postcode"  # the pin is hidden: the postcode is what a person can fix
    node: Any = form
    plain = ""
    for token in re.findall(r"[^.\[\]]+|\[\d+\]", path):
        if token.startswith("["):
            if not isinstance(node, FieldList):
                break  # an item of a list typed in one box ("interests[2]"): the box
            real = _row_number(rows, plain, int(token[1:-1]))
            if real >= len(node.entries):
                break
            node = node.entries[real]
            continue
        container = node.form if isinstance(node, FormField) else node
        child = container._fields.get(token) if hasattr(container, "_fields") else None
        if child is None:
            break
        node = child
        plain = f"{plain}.{token}" if plain else token
    while isinstance(node, FormField | FieldList):
        if isinstance(node, FieldList):
            if not node.entries:
                return None
            node = node.entries[0]
        else:
            node = next(iter(node.form))
    return node if isinstance(node, Field) and node is not form else None


def anchor_of(field_obj: Field) -> str:
    """Where the summary links to: the first option of a set of radios or boxes."""
    if isinstance(field_obj, RadioField | SelectMultipleField):
        return f"{field_obj.id}-0"
    return field_obj.id


def plain_message(path: str, message: str, rows: Mapping[str, list[int]]) -> str:
    """A contract message about ``path`` as a sentence about the form."""
    prefix = f"{path}: "
    if message.startswith(prefix):
        message = message[len(prefix) :]
    for other in sorted(re.findall(r"[a-z_]+(?:\.[a-z_]+)+", message), key=len, reverse=True):
        message = message.replace(other, field_label(other).lower())
    message = re.sub(r"≥ (\d+)", r"of \1 or more", message)
    plain = re.sub(r"\[\d+\]", "", path)
    if plain.endswith(".day") and message.startswith("must be one of"):
        message = "choose a day"
    elif message.startswith("must be one of") and plain in ("status", "audience.gender"):
        message = "choose one of the options"
    if plain == "categories" and message == "must not be empty":
        return "Choose at least one kind of group"
    if plain == "venue" and "required" in message:
        return "Give the venue's name and postcode, or say the group meets online"
    label = field_label(path)
    for row_list, row_name in ROW_LISTS.items():
        if found := re.match(rf"{re.escape(row_list)}\[(\d+)\]", path):
            number = _row_number(rows, row_list, int(found.group(1))) + 1
            return f"{row_name} {number}: {label} {message}"
    return f"{label} {message}"


def form_errors(
    form: ListingForm, problems: list[tuple[str, str]], rows: Mapping[str, list[int]]
) -> FormErrors:
    """The contract's (path, message) problems as messages by the form fields they are about."""
    errors = FormErrors()
    for path, message in problems:
        text = plain_message(path, message, rows)
        target = field_for_path(form, path, rows) if path else None
        if target is None:
            errors.add("listing-form", f"path:{path}", text)
        else:
            errors.add(anchor_of(target), target.id, text)
    return errors


def notes_by_field(form: ListingForm, notes: Mapping[str, str]) -> dict[str, str]:
    """Notes by listing path (what someone else saved) as notes by form-field id."""
    found: dict[str, str] = {}
    for path, note in notes.items():
        target = field_for_path(form, path, {})
        if target is not None:
            found[target.id] = note
    return found


@dataclass(frozen=True)
class FormState:
    """What the field macros (templates/_macros/fields.html) show beside each field, by
    form-field id: its error, and what someone else saved there meanwhile."""

    errors: Mapping[str, str] = field(default_factory=dict)
    notes: Mapping[str, str] = field(default_factory=dict)

    def error_for(self, field_id: str) -> str | None:
        return self.errors.get(field_id)

    def note_for(self, field_id: str) -> str | None:
        return self.notes.get(field_id)
