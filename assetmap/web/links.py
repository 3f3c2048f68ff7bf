"""Absolute links in API answers (``self``, ``next``, a merged listing's new home), built
without ``url_for``'s route lookup on every request.

They start with ``ASSETMAP_PUBLIC_URL`` when the operator has set it (the address people
reach the app at, behind any proxy), else with the request's own host (as ``url_for``
would, ``ProxyFix`` applied). One helper, so every absolute link comes from one place.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

from flask import request

from assetmap.config import Config
from assetmap.web.context import app_config

_DEFAULT_PUBLIC_URL = next(f.default for f in dataclasses.fields(Config) if f.name == "public_url")


def base_url(config: Config) -> str:
    """Where absolute links start, ending in ``/``."""
    if config.public_url != _DEFAULT_PUBLIC_URL:
        return config.public_url.rstrip("/") + "/"
    return request.host_url


def absolute(path: str, query: Mapping[str, Any] | None = None) -> str:
    """``path`` (from the site's root, no leading ``/``) as an absolute URL, with ``query``."""
    url = base_url(app_config()) + path.lstrip("/")
    if query:
        url += "?" + urlencode(query, safe=",:")
    return url
