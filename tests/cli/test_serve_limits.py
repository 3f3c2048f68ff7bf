"""`assetmap serve` (gunicorn) refuses a chunked body over the limit while it is still coming:
the 413 answers after about the limit's worth, not after the whole body was taken in."""

from __future__ import annotations

import select
import socket
from pathlib import Path

import pytest

from assetmap.db import Database
from tests.cli.test_serve import Server, served, start_server

__all__ = ["served"]  # the fixture, used by name

CHUNK = 64 * 1024
#: What the client would send if nobody stopped it; the app's limit is 1 MB.
WHOLE_BODY = 64 * 1024 * 1024
#: Refused in time: well before the whole body, a few chunks past the limit.
REFUSED_BY = 16 * 1024 * 1024


def _send_chunked(port: int, path: str) -> tuple[int, bytes]:
    """POST an endless-looking chunked JSON body; return how much was sent before the server
    answered or closed, and what it answered (empty if it only closed)."""
    connection = socket.create_connection(("127.0.0.1", port), timeout=30)
    head = (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        "Transfer-Encoding: chunked\r\n\r\n"
    )
    chunk = b"%x\r\n%s\r\n" % (CHUNK, b"x" * CHUNK)
    sent, answer = 0, b""
    try:
        connection.sendall(head.encode() + b"1\r\n[\r\n")
        while sent < WHOLE_BODY:
            readable, _, _ = select.select([connection], [], [], 0)
            if readable:
                break
            connection.sendall(chunk)
            sent += CHUNK
        else:
            connection.sendall(b"1\r\n]\r\n0\r\n\r\n")
        connection.settimeout(30)
        answer = connection.recv(4096)
    except (BrokenPipeError, ConnectionResetError):
        pass  # the server closed the connection on a body it would not take
    finally:
        connection.close()
    return sent, answer


@pytest.mark.only_backend("spatialite")  # the server, not the database, is under test
def test_gunicorn_refuses_a_chunked_body_over_the_limit_as_it_arrives(
    served: list[Server], migrated: Database, tmp_path: Path
) -> None:
    server = start_server(migrated.config, tmp_path, "--workers", "1", "--threads", "2")
    served.append(server)
    sent, answer = _send_chunked(int(server.url.rsplit(":", 1)[1]), "/api/v1/match")
    assert sent < REFUSED_BY, f"the server took {sent} bytes before refusing"
    if answer:  # (a reset may beat the answer to the client: refused in time either way)
        assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
        assert b'"too_large"' in answer
