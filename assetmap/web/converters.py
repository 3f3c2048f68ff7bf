"""The ``id`` URL converter: a row's id in a path, 1 to 2³¹ − 1, or the route does not match.

Werkzeug's ``int`` converter takes any run of digits: past 2³¹ − 1 PostgreSQL refuses it
for an ``integer`` column, past 2⁶³ − 1 SQLite's driver cannot bind it (each a 500), and
5,000 digits trip Python's own limit on turning text into a number. An id no row can have
is a 404 before a view or the database sees it. The same bounds for numbers in query
strings and forms: ``parse_whole`` and ``lenient_whole``.
"""

from __future__ import annotations

from typing import Any

from werkzeug.routing import BaseConverter

#: The largest id a row can have: every id column is an ``integer`` (32 bits on PostgreSQL).
ID_MAX = 2**31 - 1


def _at_most(limit: int) -> str:
    """A regular expression for the whole numbers 1 to ``limit`` with no leading zero.

    In the pattern rather than in ``to_python``: Werkzeug answers 405, not 404, when one
    method's rule refuses a value that another method's rule for the path would match."""
    top = str(limit)
    shorter = f"[1-9][0-9]{{0,{len(top) - 2}}}"
    same_length = [
        f"{top[:i]}[{'1' if i == 0 else '0'}-{int(digit) - 1}][0-9]{{{len(top) - i - 1}}}"
        for i, digit in enumerate(top)
        if int(digit) > (1 if i == 0 else 0)
    ]
    return "|".join([shorter, *same_length, top])


class IdConverter(BaseConverter):
    """A positive whole number no larger than ``ID_MAX``, written without a sign or leading
    zeros (so each id has one URL)."""

    regex = f"(?:{_at_most(ID_MAX)})"
    weight = 50

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: Any) -> str:
        return str(int(value))


def parse_whole(raw: str | None, *, low: int = 1, high: int = ID_MAX) -> int | None:
    """``raw`` as a whole number from ``low`` to ``high``, or None if it is not one.

    Only ASCII digits are read (``str.isdigit`` also takes "²", which ``int`` refuses) and at
    most 19 of them, so a 5,000-digit value is refused, never a ValueError or an overflow."""
    if raw is None:
        return None
    text = raw.strip()
    digits = text.removeprefix("-")
    if not digits or len(digits) > 19 or not digits.isascii() or not digits.isdigit():
        return None
    number = -int(digits) if text.startswith("-") else int(digits)
    return number if low <= number <= high else None


def lenient_whole(raw: str | None, default: int, *, low: int, high: int) -> int:
    """A page's ``page=`` or ``offset=``: not a number gives ``default``; one out of range
    the nearest end of it (page 10⁹⁹ is the last page there can be, and shows nothing)."""
    text = (raw or "").strip()
    digits = text.removeprefix("-")
    if not digits or not digits.isascii() or not digits.isdigit():
        return default
    if text.startswith("-"):
        return low
    if len(digits) > 19:
        return high
    return max(low, min(int(digits), high))


#: The furthest page= or offset= a list page goes (past it, there is nothing to show).
PAGE_MAX = 1_000_000
OFFSET_MAX = 1_000_000_000
