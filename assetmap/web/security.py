"""Security headers on every response: a strict Content-Security-Policy with a per-request
nonce (no 'unsafe-inline' anywhere), framing denied, a referrer policy that keeps paths and
query strings (the match page's carry a person's postcode and needs) on our own origin, no
MIME sniffing, and no camera, microphone or geolocation.

Templates mark each inline ``<script>`` (and any ``<style>``) with
``nonce="{{ csp_nonce() }}"``; maps.py does the same for the parts of a folium map.

Answers that carry a person's data (the match page, whose address holds their postcode and
needs; the plan, its calendar and email page; cases and follow-ups) are never kept by a
browser's or a proxy's cache: a view marked with :func:`no_store`, or any view of a blueprint
passed to :func:`no_store_blueprint`, answers with ``Cache-Control: no-store``, its errors too.
"""

from __future__ import annotations

import functools
import secrets
from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import urlsplit

from flask import Blueprint, Flask, Response, current_app, g, request
from werkzeug.exceptions import HTTPException

from assetmap.config import Config
from assetmap.web.context import app_config

# Referrer-Policy: strict-origin-when-cross-origin, not same-origin. Both keep the path and the
# query string (a person's postcode, needs and age on the match page) on our own origin. But
# the OpenStreetMap tile servers' usage policy asks web pages for a valid Referer, and
# same-origin would send them none; this sends them the origin alone, and nothing over HTTP.
STATIC_HEADERS = {
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "X-Content-Type-Options": "nosniff",
    # No page asks for the person's location (the postcode is typed): deny it with the rest.
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}


#: What an answer carrying a person's data says to caches (Pragma for HTTP/1.0 ones).
PRIVATE_HEADERS = {"Cache-Control": "no-store", "Pragma": "no-cache"}
View = TypeVar("View", bound=Callable[..., Any])
#: The views (module.name) and blueprints (by name) whose answers are never cached.
_PRIVATE_VIEWS: set[str] = set()
_PRIVATE_BLUEPRINTS: set[str] = set()


def no_store(view: View) -> View:
    """Mark a view whose answers carry a person's data: never kept by a cache. Its name is
    what counts, so it may go above or below ``roles_required`` and the route."""
    _PRIVATE_VIEWS.add(f"{view.__module__}.{view.__name__}")
    return view


def no_store_blueprint(blueprint: Blueprint) -> Blueprint:
    """Every view of ``blueprint`` carries a person's data (cases, follow-ups, the match)."""
    _PRIVATE_BLUEPRINTS.add(blueprint.name)
    return blueprint


def _is_private() -> bool:
    if request.blueprint in _PRIVATE_BLUEPRINTS:
        return True
    view = current_app.view_functions.get(request.endpoint or "")
    return view is not None and f"{view.__module__}.{view.__name__}" in _PRIVATE_VIEWS


def init_security(app: Flask) -> None:
    """Expose ``csp_nonce()`` to templates and set the security headers on every response."""
    app.jinja_env.globals["csp_nonce"] = csp_nonce

    @app.after_request
    def _security_headers(response: Response) -> Response:
        response.headers.setdefault(
            "Content-Security-Policy", content_security_policy(csp_nonce(), app_config())
        )
        for name, value in STATIC_HEADERS.items():
            response.headers.setdefault(name, value)
        if _is_private() and "no-store" not in response.headers.get("Cache-Control", ""):
            response.headers.update(PRIVATE_HEADERS)
        return response


def keep_allow(response: Response, error: HTTPException) -> Response:
    """A 405's ``Allow`` header (werkzeug's ``MethodNotAllowed`` names the methods), kept on
    the answer an error handler builds in its own shape (RFC 9110 says a 405 must carry it)."""
    for name, value in error.get_headers():
        if name.lower() == "allow":
            response.headers["Allow"] = value
    return response


def csp_nonce() -> str:
    """This request's nonce for inline scripts and styles: new for every request."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(18)
    return g.csp_nonce


def content_security_policy(nonce: str, config: Config) -> str:
    return _policy_template(config.tile_url).replace(_NONCE, nonce)


_NONCE = "\x00nonce\x00"


@functools.lru_cache(maxsize=8)
def _policy_template(tile_url: str) -> str:
    """The policy with a placeholder for the nonce: built once, not at every response."""
    nonce = _NONCE
    images = ["'self'", "data:", *tile_sources(tile_url)]
    directives = {
        "default-src": ["'self'"],
        "script-src": ["'self'", f"'nonce-{nonce}'"],
        # Leaflet positions everything through element.style (the CSSOM), which CSP allows;
        # no template or map part has a style attribute, and any <style> carries the nonce.
        "style-src": ["'self'", f"'nonce-{nonce}'"],
        "img-src": images,
        "connect-src": ["'self'"],
        "font-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
    return "; ".join(f"{name} {' '.join(values)}" for name, values in directives.items())


def tile_sources(tile_url: str) -> list[str]:
    """The CSP source for a Leaflet tile URL template: its scheme and host, with a templated
    subdomain (``{s}.tile.example.org``) as a wildcard. Nothing for no tiles or for tiles on
    our own origin (a relative URL), which 'self' covers."""
    parts = urlsplit(tile_url)
    if not parts.scheme or not parts.netloc:
        return []
    host, _, port = parts.netloc.rpartition("@")[2].partition(":")
    labels = host.split(".")
    templated = [i for i, label in enumerate(labels) if "{" in label or "}" in label]
    if templated:
        # A CSP wildcard stands only for whole leading labels: {s}.tile.example.org and
        # a.{s}.example.org both become *.example.org's subdomains.
        rest = labels[templated[-1] + 1 :]
        if not rest:
            return [f"{parts.scheme}:"]  # the whole host is templated: the scheme is all
        labels = ["*", *rest]
    source = f"{parts.scheme}://{'.'.join(labels)}"
    if port:
        source += f":{port}" if port.isdigit() else ":*"
    return [source]
