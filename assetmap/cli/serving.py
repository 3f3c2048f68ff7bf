"""`assetmap serve`: the web app under gunicorn with several worker processes, or waitress.

gunicorn (the default) runs a master process that only watches and N worker processes,
each with its own threads (gthread). Each worker builds its own app with the app factory
after the fork, so no database engine or connection is ever shared between processes (if an
operator preloads the app in the master anyway, every engine is disposed in each child after
the fork, as SQLAlchemy asks). What the workers share lives in the database: the login limit's
counts (``accounts.throttle``). The scheduler is never started here: it is its own process
(`assetmap scheduler`), so N workers never mean N schedulers.

Ctrl+C and SIGTERM both stop gracefully: the master stops accepting, each worker finishes
the requests it holds (up to ``--graceful-timeout``), then all exit. Any other gunicorn
setting can be given in ``GUNICORN_CMD_ARGS``, as with gunicorn itself.

waitress (``--server waitress``) stays for machines without ``fork`` (Windows): one
process, threads only.
"""

from __future__ import annotations

import gc
import logging
import os
import signal
import sys
from typing import Any
from urllib.parse import urlsplit

import click
from sqlalchemy import Engine

from assetmap.cli.common import user_errors
from assetmap.config import Config
from assetmap.errors import ConfigError

#: Each access-log line: client, time, method and path (never the query string: on /match it
#: holds a person's postcode and needs), status, bytes, milliseconds, worker pid.
ACCESS_LOG_FORMAT = (
    '%(h)s %(t)s "%(m)s %(U)s" %(s)s %(b)s %(M)sms pid=%(p)s port=%({remote_port}e)s'
)


def default_workers() -> int:
    """One worker process per core: Python runs one thread at a time per process."""
    return max(os.cpu_count() or 1, 1)


#: Threads per worker: enough to overlap waits on the database within one process; more only
#: queue for the interpreter lock. 2 cores x 4 = waitress's 8 threads before.
DEFAULT_THREADS = 4


def serving_config(config: Config, workers: int, threads: int) -> Config:
    """The settings each worker runs with: pools sized for its threads, and a login limit that
    holds across the workers."""
    if workers > 1 and urlsplit(config.ratelimit_storage_url).scheme == "memory":
        raise ConfigError(
            f"ASSETMAP_RATELIMIT_STORAGE_URL=memory:// counts in each process: with {workers} "
            "workers a client could try the sign-in limit that many times over. Use "
            "database:// (the default) or another shared store."
        )
    size, overflow = config.pool_sizes(threads)
    return config.with_overrides({"database_pool_size": size, "database_max_overflow": overflow})


def log_requests(stream: Any = None) -> None:
    """Send the ``assetmap.requests`` lines (JSON, one per request) to ``stream`` (stderr),
    unless the operator's logging configuration routes them already."""
    requests = logging.getLogger("assetmap.requests")
    if requests.handlers:
        return
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(logging.Formatter("%(message)s"))
    requests.addHandler(handler)
    requests.setLevel(logging.INFO)
    requests.propagate = False


def _engines(app: Any) -> list[Engine]:
    from assetmap.web.context import database_of

    database = database_of(app)
    engines = [value for value in vars(database).values() if isinstance(value, Engine)]
    if database.replica is not None:
        engines.append(database.replica.engine)
    return engines


def _graceful_on_interrupt(worker: Any) -> None:
    """Ctrl+C reaches every process of the terminal's group: let a worker finish its requests
    as on SIGTERM instead of dropping them."""
    signal.signal(signal.SIGINT, worker.handle_exit)


def settle_heap() -> None:
    """Hand what the process built to serve (modules, models, templates, the app: about
    280,000 objects) to ``gc.freeze``, once the app is loaded: the garbage collector no
    longer walks them in each full collection. A full collection then cost 90 ms, about
    one match request in twenty, and 4.6 ms a match request on average at 100,000
    listings; frozen, 0.5 ms. They live as long as the process anyway."""
    gc.freeze()


def _worker_ready(worker: Any) -> None:
    """A gunicorn worker that has loaded its app: graceful on Ctrl+C, its heap settled."""
    _graceful_on_interrupt(worker)
    settle_heap()


def run_gunicorn(config: Config, options: dict[str, Any]) -> None:
    """Serve ``create_app(config)`` with gunicorn until stopped; ``options`` are gunicorn
    settings by name (bind, workers, threads, timeout …)."""
    from gunicorn.app.base import BaseApplication
    from gunicorn.arbiter import Arbiter

    from assetmap import create_app

    class _Arbiter(Arbiter):  # type: ignore[misc]
        # Ctrl+C stops as gracefully as SIGTERM (gunicorn's own SIGINT is a quick stop).
        def handle_int(self) -> None:
            self.handle_term()

    class Application(BaseApplication):  # type: ignore[misc]
        def __init__(self) -> None:
            self.master = os.getpid()
            self.preloaded: Any = None
            super().__init__()

        def load_config(self) -> None:
            for name, value in options.items():
                self.cfg.set(name, value)
            # GUNICORN_CMD_ARGS last: an operator's explicit setting wins.
            parser = self.cfg.parser()
            given = parser.parse_args(self.cfg.get_cmd_args_from_env())
            for name, value in vars(given).items():
                if value is not None and name != "args":
                    self.cfg.set(name.lower(), value)
            self.cfg.set("post_fork", self.post_fork)
            self.cfg.set("post_worker_init", _worker_ready)

        def load(self) -> Any:
            app = create_app(config)
            if os.getpid() == self.master:
                self.preloaded = app  # --preload: built in the master, before any fork
            return app

        def post_fork(self, _server: Any, _worker: Any) -> None:
            if self.preloaded is not None:
                for engine in _engines(self.preloaded):
                    engine.dispose(close=False)  # the master's connections stay the master's

        def run(self) -> None:
            _Arbiter(self).run()

    Application().run()


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=click.IntRange(1, 65535))
@click.option(
    "--server",
    type=click.Choice(["gunicorn", "waitress"]),
    default="gunicorn",
    show_default=True,
    help="gunicorn: worker processes; waitress: one process (for machines without fork).",
)
@click.option(
    "--workers",
    type=click.IntRange(1, 64),
    help="Worker processes (gunicorn). Default: one per core.",
)
@click.option(
    "--threads",
    type=click.IntRange(1, 64),
    help=f"Threads per worker. Default: {DEFAULT_THREADS} (gunicorn), 8 (waitress).",
)
@click.option(
    "--timeout",
    default=30,
    show_default=True,
    type=click.IntRange(1, 3600),
    help="A worker silent this long (seconds) is restarted; also the graceful stop's wait.",
)
@click.option(
    "--max-requests",
    default=0,
    show_default=True,
    type=click.IntRange(0),
    help="Restart each worker after this many requests, ±10% (0: never).",
)
@click.option(
    "--access-log", metavar="FILE", help="gunicorn's own line per request to FILE ('-': stdout)."
)
@click.option(
    "--request-log/--no-request-log",
    default=True,
    show_default=True,
    help="One JSON line per request on stderr (the assetmap.requests logger).",
)
@click.pass_context
@user_errors
def serve(
    ctx: click.Context,
    host: str,
    port: int,
    server: str,
    workers: int | None,
    threads: int | None,
    timeout: int,
    max_requests: int,
    access_log: str | None,
    request_log: bool,
) -> None:
    """Serve the web app: gunicorn with worker processes (default), or waitress."""
    if request_log:
        log_requests()
    if server == "waitress":
        if workers not in (None, 1):
            raise click.UsageError("waitress runs one process: --workers is for gunicorn")
        _serve_waitress(ctx.obj, host, port, threads or 8)
        return
    workers = workers or default_workers()
    threads = threads or DEFAULT_THREADS
    config = serving_config(ctx.obj, workers, threads)
    click.echo(
        f"assetmap on http://{host}:{port}/ with {workers} worker(s) × {threads} thread(s)"
        " (Ctrl+C to stop)"
    )
    run_gunicorn(
        config,
        {
            "bind": [f"[{host}]:{port}" if ":" in host else f"{host}:{port}"],
            "workers": workers,
            "threads": threads,
            "worker_class": "gthread",
            "timeout": timeout,
            "graceful_timeout": timeout,
            "max_requests": max_requests,
            "max_requests_jitter": max_requests // 10,
            "accesslog": access_log,
            "access_log_format": ACCESS_LOG_FORMAT,
            # Several servers on one machine (tests, benches) must not share one socket.
            "control_socket_disable": True,
            "proc_name": "assetmap",
        },
    )


def waitress_limits(config: Config) -> dict[str, Any]:
    """waitress reads each request whole before a thread takes it, so slow clients hold no
    thread, only a connection: allow a few hundred (waitress's 100 let 101 half-open ones
    stall everyone), close one idle for 20 s, and refuse a body over the largest any view
    takes before it is buffered (the import upload's file, or ASSETMAP_MAX_REQUEST_BYTES)."""
    from assetmap.interop.formats import MAX_SOURCE_BYTES

    return {
        "connection_limit": WAITRESS_CONNECTIONS,
        "channel_timeout": 20,
        "cleanup_interval": 5,
        "max_request_body_size": max(config.max_request_bytes, MAX_SOURCE_BYTES + 1024 * 1024),
    }


#: Connections waitress keeps open at once: each takes up to three file descriptors, and its
#: select() loop handles fewer than 1,024.
WAITRESS_CONNECTIONS = 300


def _serve_waitress(config: Config, host: str, port: int, threads: int) -> None:
    from waitress import serve as waitress_serve

    from assetmap import create_app

    size, overflow = config.pool_sizes(threads)
    config = config.with_overrides({"database_pool_size": size, "database_max_overflow": overflow})
    app = create_app(config)
    settle_heap()
    click.echo(f"assetmap on http://{host}:{port}/ with waitress, {threads} threads (Ctrl+C)")
    waitress_serve(app, host=host, port=port, threads=threads, **waitress_limits(config))


COMMANDS = [serve]
