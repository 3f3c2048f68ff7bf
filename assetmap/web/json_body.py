"""JSON read from a request or a form field, safely: never a RecursionError, never a 500.

Python's JSON parser recurses once per level of nesting, so ``[[[[…]]]]`` 100,000 deep
raises RecursionError (not ValueError, which is all ``request.get_json(silent=True)``
catches), and a document just under the interpreter's limit can raise it later, in whatever
walks it. Nothing assetmap takes is more than a few levels deep: past ``MAX_DEPTH`` the body
is refused with a 400 naming the limit.
"""

from __future__ import annotations

import json
from typing import Any

from flask import request

from assetmap.errors import ValidationError

#: The deepest nesting of arrays and objects accepted (a listing is about four levels).
MAX_DEPTH = 32

TOO_DEEP = f"the JSON is nested too deeply (at most {MAX_DEPTH} levels of arrays and objects)"


def request_json() -> Any | None:
    """The request's JSON body, or None if it is not JSON (wrong type, not UTF-8, not JSON,
    or a number with more digits than Python reads); ValidationError if nested too deeply."""
    if not request.is_json:
        return None
    return loads_or_none(request.get_data(cache=True))


def loads_or_none(data: bytes | str) -> Any | None:
    """``data`` parsed, or None if it is not JSON; ValidationError if nested too deeply."""
    try:
        value = json.loads(data)
    except RecursionError:
        raise ValidationError(TOO_DEEP) from None
    except ValueError:  # not JSON, not UTF-8, or an integer of over 4,300 digits
        return None
    if depth_over(value, MAX_DEPTH):
        raise ValidationError(TOO_DEEP)
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
