"""Request bodies over the limit are refused with a 413 before they are read whole: JSON on the
API, a page in the site's layout elsewhere, chunked bodies (no Content-Length) too."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from assetmap import create_app
from assetmap.config import Config
from assetmap.web.context import database_of

LIMIT = 1024 * 1024  # the default ASSETMAP_MAX_REQUEST_BYTES


def _match_body(size: int) -> bytes:
    """A match request that is valid JSON, padded to about ``size`` bytes."""
    body = {"postcode": "NW5 2AA", "interests": ["woodwork"], "notes": "x" * size}
    return json.dumps(body).encode()


class CountingStream:
    """A body sent in chunks with no Content-Length, counting what the server read of it."""

    def __init__(self, total: int, chunk: int = 64 * 1024) -> None:
        self.left = total
        self.chunk = chunk
        self.read_bytes = 0

    def read(self, size: int = -1) -> bytes:
        if self.left <= 0:
            return b""
        wanted = self.chunk if size is None or size < 0 else min(size, self.chunk)
        piece = min(wanted, self.left)
        self.left -= piece
        self.read_bytes += piece
        return b"x" * piece

    def readline(self, size: int = -1) -> bytes:
        return self.read(size)

    def __iter__(self) -> Iterator[bytes]:
        while piece := self.read():
            yield piece


def test_the_default_fits_every_ordinary_request() -> None:
    assert Config().max_request_bytes == LIMIT


def test_an_over_limit_json_post_to_the_match_api_is_a_413_in_the_apis_shape(client) -> None:
    response = client.post(
        "/api/v1/match", data=_match_body(LIMIT + 1000), content_type="application/json"
    )
    assert response.status_code == 413
    error = response.get_json()["error"]
    assert error["code"] == "too_large"
    assert "at most 1 MB" in error["message"]


def test_a_match_under_the_limit_is_read(client) -> None:
    response = client.post(
        "/api/v1/match", data=_match_body(LIMIT // 2), content_type="application/json"
    )
    assert response.status_code != 413


def test_a_chunked_body_over_the_limit_is_refused_without_reading_it_all(client) -> None:
    """No Content-Length to refuse up front (a chunked upload, which gunicorn and waitress
    mark as terminated by them): the read stops at the limit, not after 64 MB."""
    body = CountingStream(64 * 1024 * 1024)
    response = client.post(
        "/api/v1/match",
        content_type="application/json",
        environ_overrides={
            "wsgi.input": body,
            "wsgi.input_terminated": True,
            "HTTP_TRANSFER_ENCODING": "chunked",
        },
    )
    assert response.status_code == 413
    assert response.get_json()["error"]["code"] == "too_large"
    assert body.read_bytes <= LIMIT + 2 * body.chunk


def test_an_over_limit_form_on_a_page_is_a_413_page(client) -> None:
    """Fields each under werkzeug's per-field limit, 2 MB together."""
    fields = {f"field{n}": "x" * 400_000 for n in range(5)}
    response = client.post("/login", data={"email": "jo@example.org", **fields})
    html = response.get_data(as_text=True)
    assert response.status_code == 413
    assert "That was too much to send at once" in html and 'class="am-header' in html
    assert "At most 1 MB" in html


def test_the_limit_comes_from_the_setting(config: Config) -> None:
    app = create_app(config.with_overrides({"ASSETMAP_MAX_REQUEST_BYTES": "65536"}))
    try:
        client = app.test_client()
        small = client.post(
            "/api/v1/match", data=_match_body(70_000), content_type="application/json"
        )
        assert small.status_code == 413
        assert "at most 64 KB" in small.get_json()["error"]["message"]
    finally:
        database_of(app).dispose()


@pytest.mark.parametrize("value", ["100", str(2 * 1024**3)])
def test_a_limit_out_of_bounds_is_refused_at_start_up(value: str) -> None:
    from assetmap.errors import ConfigError

    with pytest.raises(ConfigError, match="ASSETMAP_MAX_REQUEST_BYTES"):
        Config.from_env({"ASSETMAP_MAX_REQUEST_BYTES": value})
