"""What a request sends, read safely: no RecursionError from JSON, no NUL anywhere, no 500.

Python's JSON parser recurses once per level of nesting, so ``[[[[…]]]]`` 100,000 deep
raises RecursionError (not ValueError, which is all ``request.get_json(silent=True)``
catches), and a document just under the interpreter's limit can raise it later, in whatever
walks it. Nothing assetmap takes is more than a few levels deep: past ``MAX_DEPTH`` the body
is refused with a 400 naming the limit.

PostgreSQL's text cannot hold the NUL character (``%00``, ``\\u0000``): one that reached a
query was a 500 there. No field has a use for it, so a request holding one in its path, query
string or form is refused before any view runs (``refuse_nul``), and a JSON body holding one
as it is read.
"""

from __future__ import annotations

import json
from typing import Any

from flask import request
from werkzeug.exceptions import BadRequest

from assetmap.errors import ValidationError

#: The deepest nesting of arrays and objects accepted (a listing is about four levels).
MAX_DEPTH = 32

TOO_DEEP = f"the JSON is nested too deeply (at most {MAX_DEPTH} levels of arrays and objects)"
HAS_NUL = "the request holds a NUL character (%00 or \\u0000), which no field may contain"

_FORMS = ("application/x-www-form-urlencoded", "multipart/form-data")


def refuse_nul() -> None:
    """Before every request: a NUL in the path, the query string or a form field is a 400."""
    query = request.query_string
    if "\x00" in request.path or b"%00" in query or b"\x00" in query:
        raise BadRequest(HAS_NUL)
    if not (request.method in ("POST", "PUT", "PATCH") and request.mimetype in _FORMS):
        return
    if any("\x00" in k or "\x00" in v for k, v in request.form.items(multi=True)):
        raise BadRequest(HAS_NUL)


def request_json() -> Any | None:
    """The request's JSON body, or None if it is not JSON (wrong type, not UTF-8, not JSON,
    or a number with more digits than Python reads); ValidationError if nested too deeply
    or holding a NUL."""
    if not request.is_json:
        return None
    return loads_or_none(request.get_data(cache=True))


def loads_or_none(data: bytes | str) -> Any | None:
    """``data`` parsed, or None if it is not JSON; ValidationError if nested too deeply or
    holding a NUL."""
    try:
        value = json.loads(data)
    except RecursionError:
        raise ValidationError(TOO_DEEP) from None
    except ValueError:  # not JSON, not UTF-8, or an integer of over 4,300 digits
        return None
    if depth_over(value, MAX_DEPTH):
        raise ValidationError(TOO_DEEP)
    if _has_nul(value):
        raise ValidationError(HAS_NUL)
    return value


def depth_over(value: Any, limit: int) -> bool:
    """Whether ``value`` nests arrays and objects more than ``limit`` deep (no recursion)."""
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth + 1 > limit:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False


def _has_nul(value: Any) -> bool:
    """Whether a string anywhere in ``value`` (a key or a value) holds a NUL; the value is
    already known to be shallow, so the walk is short."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if "\x00" in item:
                return True
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False
