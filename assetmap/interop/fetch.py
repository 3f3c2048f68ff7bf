"""Fetching a feed's URL: http and https only, with a time limit, a size limit and few
redirects, and every failure as one short sentence that is safe to show on the admin page.

The opener is built by hand from the HTTP handlers alone, so a ``file://``, ``ftp://`` or
``data:`` URL cannot be opened even by a redirect. The body is read in chunks and refused as
soon as it passes :data:`~assetmap.interop.formats.MAX_SOURCE_BYTES`; a server's error page is
never kept (only its status), since it may say anything.
"""

from __future__ import annotations

import http.client
import socket
import ssl
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from http import HTTPStatus
from typing import IO, Any
from urllib.parse import urljoin, urlsplit

from assetmap.errors import ValidationError
from assetmap.interop.formats import MAX_SOURCE_BYTES

#: Seconds to wait for the server to connect and for each read.
TIMEOUT_S = 30
#: Redirects followed before giving up (a loop, or a feed that has moved too often).
MAX_REDIRECTS = 5
#: The longest a whole pull may take, however steadily a slow server trickles.
TOTAL_S = 300
#: Read this much at a time, so a body over the limit is refused before it is all in memory.
CHUNK = 64 * 1024
USER_AGENT = "assetmap-feeds/1 (community asset map; pulls directory feeds on a schedule)"
SCHEMES = ("http", "https")
MAX_URL = 2000

#: What pulls a feed: its URL to its body, or FetchError. Tests and callers may pass their own.
Fetch = Callable[[str], bytes]


class FetchError(ValidationError):
    """The feed could not be fetched; the message is short and shows nothing the server sent
    beyond its status."""


def check_url(url: str) -> str:
    """The URL, trimmed, if assetmap may pull it: http or https, with a host and no user name
    or password in it (the URL is shown on the admin page); else ValidationError on ``url``."""
    url = (url or "").strip()
    if not url:
        raise ValidationError("give the feed's URL (http:// or https://)", field="url")
    if len(url) > MAX_URL:
        raise ValidationError(f"the URL is longer than {MAX_URL} characters", field="url")
    try:
        parts = urlsplit(url)
        host = parts.hostname
        parts.port  # noqa: B018 - a port that is not a number raises here
    except ValueError:
        raise ValidationError("the URL is not a web address", field="url") from None
    if parts.scheme.lower() not in SCHEMES:
        scheme = f"{parts.scheme}:" if parts.scheme else "no scheme"
        raise ValidationError(
            f"the URL must start http:// or https:// (it has {scheme}); assetmap pulls feeds "
            "from the web only",
            field="url",
        )
    if not host:
        raise ValidationError("the URL has no host name", field="url")
    if parts.username is not None or parts.password is not None:
        raise ValidationError(
            "the URL must not hold a user name or password (it is shown on the admin page)",
            field="url",
        )
    if any(c.isspace() for c in url):
        raise ValidationError("the URL must not contain spaces", field="url")
    return url


class _Redirects(urllib.request.HTTPRedirectHandler):
    """Follows at most MAX_REDIRECTS redirects, and only to http or https."""

    max_redirections = MAX_REDIRECTS

    def http_error_302(  # type: ignore[override]
        self, req: urllib.request.Request, fp: IO[bytes], code: int, msg: str, headers: Any
    ) -> Any:
        target = headers.get("location") or headers.get("uri") or ""
        scheme = urlsplit(urljoin(req.full_url, target)).scheme.lower()
        if scheme not in SCHEMES:
            raise FetchError(f"the server redirected to a {scheme or 'bad'} URL", field="url")
        return super().http_error_302(req, fp, code, msg, headers)

    http_error_301 = http_error_303 = http_error_307 = http_error_308 = http_error_302  # type: ignore[assignment]


def _opener() -> urllib.request.OpenerDirector:
    opener = urllib.request.OpenerDirector()
    for handler in (
        urllib.request.ProxyHandler(),  # a deployment's http(s)_proxy settings
        urllib.request.HTTPHandler(),
        urllib.request.HTTPSHandler(context=ssl.create_default_context()),
        _Redirects(),
        urllib.request.HTTPDefaultErrorHandler(),
        urllib.request.HTTPErrorProcessor(),
    ):
        opener.add_handler(handler)
    return opener


def _status(code: int) -> str:
    try:
        return f"{code} {HTTPStatus(code).phrase}"
    except ValueError:
        return str(code)


def _too_large(limit: int) -> FetchError:
    return FetchError(
        f"the feed is larger than {limit // (1024 * 1024)} MB, the most assetmap reads"
    )


def _read_limited(response: Any, limit: int, deadline: float, total: float) -> bytes:
    length = response.headers.get("Content-Length")
    if length and length.isdigit() and int(length) > limit:
        raise _too_large(limit)
    body = bytearray()
    while chunk := response.read(CHUNK):
        body += chunk
        if len(body) > limit:
            raise _too_large(limit)
        if time.monotonic() > deadline:
            raise FetchError(f"the feed took longer than {total:g} seconds to arrive", field="url")
    return bytes(body)


def fetch_url(
    url: str,
    *,
    timeout: float = TIMEOUT_S,
    limit: int = MAX_SOURCE_BYTES,
    total: float = TOTAL_S,
) -> bytes:
    """The body at ``url``, or FetchError saying why not in one sentence (the HTTP status, no
    answer in time, the host not found, too large)."""
    url = check_url(url)
    host = urlsplit(url).hostname
    request = urllib.request.Request(
        url, headers={"User-Agent": USER_AGENT, "Accept": "*/*", "Accept-Encoding": "identity"}
    )
    deadline = time.monotonic() + total
    try:
        with _opener().open(request, timeout=timeout) as response:
            return _read_limited(response, limit, deadline, total)
    except urllib.error.HTTPError as error:
        error.close()  # its body (an error page) is never read
        if 300 <= error.code < 400:
            return _raise(f"the server redirected too often (more than {MAX_REDIRECTS} times)")
        return _raise(f"the server answered {_status(error.code)}")
    except FetchError:
        raise
    except TimeoutError:
        return _raise(f"{host} did not answer within {timeout:g} seconds")
    except urllib.error.URLError as error:
        reason = error.reason
        if isinstance(reason, TimeoutError):
            return _raise(f"{host} did not answer within {timeout:g} seconds")
        if isinstance(reason, socket.gaierror):
            return _raise(f"the host {host} was not found")
        if isinstance(reason, ssl.SSLError):
            return _raise(f"the secure connection to {host} failed ({type(reason).__name__})")
        if isinstance(reason, ConnectionRefusedError):
            return _raise(f"{host} refused the connection")
        return _raise(f"could not reach {host} ({type(reason).__name__})")
    except (http.client.HTTPException, ConnectionError, OSError) as error:
        return _raise(f"the connection to {host} failed ({type(error).__name__})")


def _raise(message: str) -> bytes:
    raise FetchError(message, field="url")


__all__ = [
    "MAX_REDIRECTS",
    "TIMEOUT_S",
    "USER_AGENT",
    "Fetch",
    "FetchError",
    "check_url",
    "fetch_url",
]
