"""Notes are data: equal by code and values, unchangeable, and every code is one the engine
really emits."""

from __future__ import annotations

import ast
import inspect

import pytest

from assetmap.matching import explain
from assetmap.matching.notes import Note, ReasonCode, WarningCode


def test_notes_are_equal_by_code_and_values_whatever_the_order() -> None:
    first = Note(WarningCode.AGE_RANGE, min_age=18, max_age=65)
    assert first == Note(WarningCode.AGE_RANGE, max_age=65, min_age=18)
    assert first != Note(WarningCode.AGE_RANGE, min_age=18, max_age=None)
    assert first != Note(ReasonCode.FREE)
    assert first.values == {"min_age": 18, "max_age": 65} and first["max_age"] == 65
    # Repeats are dropped as repeated sentences once were, the first one kept in its place.
    notes = [Note(ReasonCode.FREE), first, Note(ReasonCode.FREE)]
    assert list(dict.fromkeys(notes)) == [Note(ReasonCode.FREE), first]
    assert repr(first) == "Note('age_range', max_age=65, min_age=18)"


def test_a_note_cannot_be_changed() -> None:
    note = Note(WarningCode.NOT_VERIFIED, months=9)
    with pytest.raises(AttributeError):
        note.code = WarningCode.FULL  # type: ignore[misc]
    note.values["months"] = 1
    assert note["months"] == 9


def _emitted() -> set[str]:
    """The codes ``explain`` builds notes with, read from its source (R.X, W.X)."""
    names = {"R": ReasonCode, "W": WarningCode}
    found = set()
    for node in ast.walk(ast.parse(inspect.getsource(explain))):
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id in names
        ):
            found.add(names[node.value.id][node.attr].value)
    return found


def test_every_code_is_one_the_engine_emits() -> None:
    """The enumerations are what the API documents: no code in them that nothing emits."""
    assert _emitted() == {code.value for code in (*ReasonCode, *WarningCode)}
