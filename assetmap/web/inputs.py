"""What a request sends, read safely: no RecursionError from JSON, no NUL on the APIs, no 500.

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
from typing import Any, NoReturn

from flask import request

from assetmap.errors import ValidationError

#: The deepest nesting of arrays and objects accepted (a listing is about four levels).
MAX_DEPTH = 32

TOO_DEEP = f"the JSON is nested too deeply (at most {MAX_DEPTH} levels of arrays and objects)"
HAS_NUL = "the request holds a NUL character (%00 or \\u0000), which no field may contain"

_FORMS = ("application/x-www-form-urlencoded", "multipart/form-data")
_JSON_BLUEPRINTS = ("api", "openreferral")


def refuse_nul() -> None:
    """Before every request to the JSON APIs: a NUL in a query parameter or a form field is
    a 400 in their error shape, naming the parameter. Pages say it beside the field
    themselves (the match page's "unusual characters"), so they are left to do so."""
    if request.blueprint not in _JSON_BLUEPRINTS:
        return
    for name, value in request.args.items(multi=True):
        if "\x00" in name or "\x00" in value:
            _refuse(name)
    if request.method in ("POST", "PUT", "PATCH") and request.mimetype in _FORMS:
        for name, value in request.form.items(multi=True):
            if "\x00" in name or "\x00" in value:
                _refuse(name)


def _refuse(field: str) -> NoReturn:
    raise ValidationError(HAS_NUL, field=field.replace("\x00", "") or None)


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
