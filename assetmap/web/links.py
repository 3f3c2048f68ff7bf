"""Absolute links: in emails (invitations, password resets, plans), the API's answers
(``self``, ``next``, a merged listing's ``Location``), the OpenAPI document's server and the
printed plan's listing addresses.

Every one starts with ``ASSETMAP_PUBLIC_URL``, never with the request's ``Host`` header: a
link built from the Host is the attacker's to choose (``POST /account/reset`` with
``Host: evil.example`` would mail a reset link to evil.example, token and all). One module,
so every absolute link comes from one place; ``web/hosts.py`` refuses unknown hosts besides.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

from flask import request, url_for

from assetmap.config import Config
from assetmap.web.context import app_config


def base_url(config: Config) -> str:
    """Where absolute links start, ending in ``/``: the configured public URL, always."""
    return config.public_url.rstrip("/") + "/"


def absolute(path: str, query: Mapping[str, Any] | None = None) -> str:
    """``path`` (from the site's root, no leading ``/``) as an absolute URL, with ``query``."""
    url = base_url(app_config()) + path.lstrip("/")
    if query:
        url += "?" + urlencode(query, safe=",:")
    return url


def absolute_for(endpoint: str, **values: Any) -> str:
    """``url_for(endpoint, **values)`` on the public URL. The public URL already holds any
    prefix the app is mounted under, so the request's own script root is left off."""
    path = url_for(endpoint, **values)
    return absolute(path.removeprefix(request.script_root))
