"""Requests for a host the app does not serve are refused with a 400, before any view runs.

A request's ``Host`` (or, behind ``ASSETMAP_TRUSTED_PROXIES``, the ``X-Forwarded-Host``
``ProxyFix`` puts in its place) must be one of ``Config.allowed_hosts``: the public URL's host,
and ``ASSETMAP_TRUSTED_HOSTS`` (by default ``localhost`` and ``127.0.0.1``). Links never come
from the Host anyway (``web/links.py``); refusing the rest keeps a poisoned Host from reaching
anything that might still read it, a cache keyed on it included.

Not Flask's own ``TRUSTED_HOSTS``: Flask 3.1 checks it while building the request's URL
adapter, so a refused request has none, its error page (which builds links with
``url_for``) fails with a 500, and the CSRF check runs first. Checked here, in the first
``before_request`` function, the refusal is a clean 400 in the usual shapes: JSON under
/api/ and /openreferral/, the site's error page elsewhere.
"""

from __future__ import annotations

from flask import Flask, abort, request
from werkzeug.sansio.utils import host_is_trusted

from assetmap.config import Config

#: Answered whatever the Host: a load balancer's health probe asks by the machine's address,
#: and these answers hold no links.
PROBES = frozenset({"/healthz", "/readyz"})
REFUSED = "This site does not answer for that host name."


def init_hosts(app: Flask, config: Config) -> None:
    """Refuse requests for other hosts. Call before anything else adds a ``before_request``
    function, so that no other one runs first."""
    allowed = config.allowed_hosts

    def refuse_unknown_hosts() -> None:
        # request.host is "" for a Host with characters no host name has: refused too.
        if request.path in PROBES:
            return
        if not host_is_trusted(request.host.lower(), allowed):
            abort(400, description=REFUSED)

    app.before_request_funcs.setdefault(None, []).insert(0, refuse_unknown_hosts)
