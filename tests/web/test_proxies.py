"""Behind a trusted reverse proxy, the client is the one it forwards: each client has its own
sign-in limit. Without one, a forwarded address is ignored (anyone could claim any)."""

from __future__ import annotations

import pytest

from assetmap import create_app
from tests.web.test_auth import csrf_token


def _attempts(client, forwarded_for: str, count: int) -> list[int]:
    headers = {"X-Forwarded-For": forwarded_for}
    token = csrf_token(client)
    return [
        client.post(
            "/login",
            data={"email": f"person{n}@example.org", "password": "wrong", "csrf_token": token},
            headers=headers,
        ).status_code
        for n in range(count)
    ]


@pytest.mark.parametrize("trusted", [0, 1])
def test_the_forwarded_client_has_its_own_limit_only_behind_a_trusted_proxy(
    app, config, trusted: int
) -> None:
    proxied = create_app(config.with_overrides({"trusted_proxies": trusted}))
    client = proxied.test_client()
    assert _attempts(client, "203.0.113.7", 11) == [401] * 10 + [429]
    other_client = _attempts(client, "198.51.100.2", 1)
    assert other_client == ([401] if trusted else [429])
