"""`assetmap serve` for real: gunicorn's worker processes on a free port over HTTP, the login
limit holding across processes, no scheduler started by the workers, a graceful stop."""

from __future__ import annotations

import gc
import http.cookiejar
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import text

from assetmap import PROJECT_ROOT
from assetmap.cli import cli
from assetmap.cli.serving import _worker_ready, serving_config
from assetmap.config import Config
from assetmap.db import Backend, Database
from assetmap.errors import ConfigError

START_WITHIN = 120  # seconds: a loaded two-core machine imports the app slowly
PID = re.compile(r"pid=<(\d+)>")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    url: str
    access_log: Path

    def pids(self, pattern: str = "") -> set[int]:
        """The worker processes that logged a request matching ``pattern``."""
        lines = self.access_log.read_text().splitlines() if self.access_log.exists() else []
        return {int(m.group(1)) for line in lines if pattern in line for m in PID.finditer(line)}

    def workers(self) -> set[int]:
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return {int(pid) for pid in children.read_text().split()}

    def stop(self) -> int:
        self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=90)
        except subprocess.TimeoutExpired:
            self.process.kill()
            raise


def start_server(config: Config, tmp: Path, *args: str) -> Server:
    """`assetmap serve` in its own process on a free port, answering once it is up."""
    port = _free_port()
    log = tmp / f"access-{port}.log"
    env = {
        **os.environ,
        "PYTHONPATH": str(PROJECT_ROOT),
        "ASSETMAP_DATABASE_URL": config.database_url,
        "ASSETMAP_SECRET_KEY": config.secret_key,
        "ASSETMAP_INSTANCE_PATH": config.instance_path,
        "ASSETMAP_TILE_URL": "",
    }
    command = [sys.executable, "-m", "assetmap.cli", "serve", "--port", str(port)]
    process = subprocess.Popen(
        [*command, "--access-log", str(log), *args],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=open(tmp / f"server-{port}.err", "wb"),  # noqa: SIM115 -- lives with the server
    )
    server = Server(process, f"http://127.0.0.1:{port}", log)
    deadline = time.monotonic() + START_WITHIN
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail((tmp / f"server-{port}.err").read_text())
        try:
            with urllib.request.urlopen(server.url + "/", timeout=10) as answer:
                if answer.status == 200:
                    return server
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.3)
    server.stop()
    pytest.fail(f"assetmap serve did not answer within {START_WITHIN} s")


@pytest.fixture
def served(migrated: Database, tmp_path: Path) -> Iterator[list[Server]]:
    """Servers started by a test, stopped (and their exit checked) at its end."""
    servers: list[Server] = []
    yield servers
    for server in servers:
        if server.process.poll() is None:
            server.stop()
    with migrated.engine.begin() as connection:
        connection.execute(text("DELETE FROM rate_limit_counters"))


def _get(url: str) -> int:
    request = urllib.request.Request(url, headers={"Connection": "close"})
    with urllib.request.urlopen(request, timeout=30) as answer:
        answer.read()
        return answer.status


def test_two_worker_processes_serve_pages_and_stop_gracefully(
    served: list[Server], migrated: Database, tmp_path: Path
) -> None:
    server = start_server(migrated.config, tmp_path, "--workers", "2", "--threads", "2")
    served.append(server)
    workers = server.workers()
    assert len(workers) == 2
    paths = ["/", "/api/v1/groups?limit=5", "/login"]
    deadline = time.monotonic() + 60
    with ThreadPoolExecutor(8) as pool:
        while server.pids() != workers and time.monotonic() < deadline:
            urls = [server.url + paths[i % len(paths)] for i in range(24)]
            assert set(pool.map(_get, urls)) == {200}
    assert server.pids() == workers, "both worker processes answered requests"

    # The workers start no scheduler: it is a process of its own (`assetmap scheduler`).
    with migrated.engine.connect() as connection:
        if migrated.backend is Backend.POSTGIS:
            held = connection.execute(
                text("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'")
            ).scalar()
        else:
            held = connection.execute(text("SELECT count(*) FROM scheduler_locks")).scalar()
    assert held == 0

    assert server.stop() == 0  # SIGTERM: a clean, graceful exit
    assert not any(Path(f"/proc/{pid}").exists() for pid in workers)


class Browser:
    """A client with its own cookies, as one person's browser."""

    def __init__(self) -> None:
        jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))

    def sign_in(self, base: str, email: str) -> int:
        with self.opener.open(base + "/login", timeout=30) as answer:
            token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', answer.read().decode())
        assert token, "the sign-in form carries a CSRF token"
        form = {"email": email, "password": "not the password", "csrf_token": token.group(1)}
        data = urllib.parse.urlencode(form).encode()
        try:
            with self.opener.open(base + "/login", data=data, timeout=30) as answer:
                return int(answer.status)
        except urllib.error.HTTPError as refused:
            return int(refused.code)


def test_the_sign_in_limit_holds_across_processes(
    served: list[Server], migrated: Database, tmp_path: Path
) -> None:
    """Two servers on one database, attempts alternating between them: five a minute for one
    address in all, where counting in each process would let ten through."""
    first = start_server(migrated.config, tmp_path, "--workers", "2", "--threads", "2")
    served.append(first)
    second = start_server(migrated.config, tmp_path, "--workers", "1", "--threads", "2")
    served.append(second)
    browser = Browser()
    answers = [browser.sign_in((first, second)[i % 2].url, "jo@example.org") for i in range(8)]
    assert answers == [401] * 5 + [429] * 3
    assert first.pids("POST /login") and second.pids("POST /login")
    # Another address still has its own five.
    assert browser.sign_in(second.url, "sam@example.org") == 401


def test_memory_counts_are_refused_with_several_workers() -> None:
    result = CliRunner().invoke(
        cli,
        ["serve", "--workers", "2"],
        obj=None,
        env={"ASSETMAP_RATELIMIT_STORAGE_URL": "memory://"},
    )
    assert result.exit_code != 0
    assert "memory:// counts in each process" in result.output


def test_waitress_is_one_process() -> None:
    result = CliRunner().invoke(cli, ["serve", "--server", "waitress", "--workers", "2"])
    assert result.exit_code != 0
    assert "waitress runs one process" in result.output


def test_pools_are_sized_for_each_workers_threads() -> None:
    derived = serving_config(Config(), workers=4, threads=6)
    assert derived.pool_sizes() == (6, 3)
    chosen = Config(database_pool_size=3, database_max_overflow=0)
    assert serving_config(chosen, workers=4, threads=6).pool_sizes() == (3, 0)
    with pytest.raises(ConfigError, match="memory://"):
        serving_config(Config(ratelimit_storage_url="memory://"), workers=2, threads=4)
    assert serving_config(Config(ratelimit_storage_url="memory://"), 1, 4).pool_sizes()[0] == 4


def test_a_ready_worker_leaves_its_loaded_app_out_of_full_collections() -> None:
    """What a worker built to serve is frozen once its app is loaded (``gc.freeze``), and
    Ctrl+C stops it as gracefully as SIGTERM."""

    class Worker:
        def handle_exit(self, *_: object) -> None:
            pass

    worker = Worker()
    before = signal.getsignal(signal.SIGINT)
    built = [object() for _ in range(1000)]
    gc.unfreeze()
    try:
        _worker_ready(worker)
        assert gc.get_freeze_count() >= len(built)
        assert signal.getsignal(signal.SIGINT) == worker.handle_exit
    finally:
        gc.unfreeze()
        signal.signal(signal.SIGINT, before)


def test_serve_logs_each_request_as_json_without_the_query(
    served: list[Server], migrated: Database, tmp_path: Path
) -> None:
    server = start_server(migrated.config, tmp_path, "--workers", "1", "--threads", "1")
    served.append(server)
    with pytest.raises(urllib.error.HTTPError) as answer:  # a postcode the test data lacks
        _get(server.url + "/match?postcode=NW5+2AA&interests=knitting")
    assert answer.value.code == 400
    assert server.stop() == 0
    port = urllib.parse.urlsplit(server.url).port
    logged = (tmp_path / f"server-{port}.err").read_text()
    lines = [json.loads(line) for line in logged.splitlines() if line.startswith("{")]
    match = [line for line in lines if line["path"] == "/match"]
    assert len(match) == 1 and match[0]["status"] == 400 and match[0]["request_id"]
    for text_logged in (logged, server.access_log.read_text()):
        assert "NW5" not in text_logged and "knitting" not in text_logged
