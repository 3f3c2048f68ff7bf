"""Slow clients (a slow-loris: connections that start a request and never finish it) must not
stall everyone else: waitress on its own, gunicorn behind the documented nginx setup
(docs/deploy/nginx-assetmap.conf, run here as the docs show it)."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from assetmap import PROJECT_ROOT
from assetmap.db import Database
from tests.cli.test_serve import Server, _free_port, served, start_server

__all__ = ["served"]  # the fixture, used by name

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
NGINX_CONF = PROJECT_ROOT / "docs" / "deploy" / "nginx-assetmap.conf"
#: What the documented file says, replaced for the test: its port, and the app's address.
LISTEN, UPSTREAM = "listen 80;", "server 127.0.0.1:5000;"
HALF_OPEN = 150
#: A normal request among the half-open ones answers within this (seconds): generous, to
#: tell "answered" from "stalled until the slow clients are dropped".
ANSWERS_WITHIN_S = 10


def _half_open(port: int, count: int = HALF_OPEN) -> list[socket.socket]:
    """Connections that send the start of a request and then nothing."""
    sockets = []
    for _ in range(count):
        connection = socket.create_connection(("127.0.0.1", port), timeout=5)
        connection.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        sockets.append(connection)
    return sockets


def _answers_meanwhile(url: str) -> float:
    """Seconds a normal request took while the half-open connections are held."""
    started = time.monotonic()
    try:
        with urllib.request.urlopen(url, timeout=ANSWERS_WITHIN_S) as answer:
            assert answer.status == 200
    except (TimeoutError, urllib.error.URLError) as stalled:
        pytest.fail(f"{url} did not answer within {ANSWERS_WITHIN_S} s: {stalled}")
    return time.monotonic() - started


@pytest.mark.only_backend("spatialite")  # the server, not the database, is under test
def test_waitress_keeps_answering_with_150_half_open_connections(
    served: list[Server], migrated: Database, tmp_path: Path
) -> None:
    server = start_server(migrated.config, tmp_path, "--server", "waitress", "--threads", "4")
    served.append(server)
    port = int(server.url.rsplit(":", 1)[1])
    sockets = _half_open(port)
    try:
        time.sleep(0.5)  # every one of them accepted and waiting
        assert _answers_meanwhile(server.url + "/login") < ANSWERS_WITHIN_S
    finally:
        for connection in sockets:
            connection.close()


@pytest.fixture
def nginx(tmp_path: Path) -> Iterator[Callable[[int], int]]:
    """``start(upstream_port)``: nginx with the documented server block, its port and its
    upstream replaced; returns nginx's port."""
    if not Path(NGINX).exists():
        pytest.fail("nginx is not installed: `make test` installs it (TEST_DEBS)")
    documented = NGINX_CONF.read_text()
    assert LISTEN in documented and UPSTREAM in documented
    folder = tmp_path / "nginx"
    folder.mkdir()
    port = _free_port()
    processes: list[subprocess.Popen[bytes]] = []

    def start(upstream: int) -> int:
        server_block = documented.replace(LISTEN, f"listen 127.0.0.1:{port};").replace(
            UPSTREAM, f"server 127.0.0.1:{upstream};"
        )
        (folder / "assetmap.conf").write_text(server_block)
        temp = "\n".join(
            f"    {kind}_temp_path {folder / kind};"
            for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
        )
        (folder / "nginx.conf").write_text(
            f"daemon off;\nuser root;\nworker_processes 1;\npid {folder / 'nginx.pid'};\n"
            f"error_log {folder / 'error.log'};\nevents {{ worker_connections 1024; }}\n"
            f"http {{\n    access_log off;\n{temp}\n    include {folder / 'assetmap.conf'};\n}}\n"
        )
        command = [NGINX, "-p", str(folder), "-c", str(folder / "nginx.conf")]
        checked = subprocess.run([*command, "-t", "-e", str(folder / "error.log")], check=False)
        assert checked.returncode == 0, (folder / "error.log").read_text()
        processes.append(subprocess.Popen([*command, "-e", str(folder / "error.log")]))
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                return port
            except OSError:
                time.sleep(0.1)
        pytest.fail("nginx did not start: " + (folder / "error.log").read_text())

    yield start
    for process in processes:
        process.terminate()
        process.wait(timeout=10)


@pytest.mark.only_backend("spatialite")
def test_gunicorn_behind_the_documented_nginx_keeps_answering_with_150_half_open_connections(
    served: list[Server], migrated: Database, tmp_path: Path, nginx: Callable[[int], int]
) -> None:
    """gunicorn's gthread worker gives a thread to each connection as soon as it sends
    anything, and waits for the rest of its headers: 150 half-open connections take every
    thread. nginx holds them instead, closes them after client_header_timeout, and passes
    gunicorn whole requests only."""
    server = start_server(migrated.config, tmp_path, "--workers", "1", "--threads", "2")
    served.append(server)
    port = nginx(int(server.url.rsplit(":", 1)[1]))
    sockets = _half_open(port)
    try:
        time.sleep(0.5)
        assert _answers_meanwhile(f"http://127.0.0.1:{port}/login") < ANSWERS_WITHIN_S
        assert _answers_meanwhile(f"http://127.0.0.1:{port}/static/css/assetmap.css") < 10
        # nginx leaves room above the app's own limit: the API still answers its JSON 413.
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/api/v1/match",
            data=b'{"notes": "' + b"x" * (1536 * 1024) + b'"}',
            headers={"Content-Type": "application/json"},
        )
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(request, timeout=30)
        assert refused.value.code == 413
        assert b'"too_large"' in refused.value.read()
    finally:
        for connection in sockets:
            connection.close()


def test_the_deployment_guide_shows_the_nginx_setup_the_tests_run() -> None:
    guide = (PROJECT_ROOT / "docs" / "deploy.md").read_text()
    assert NGINX_CONF.read_text().strip() in guide
