"""A real HTTP server on a loopback port, in a thread, serving whatever a test puts at a path:
the council's feed a pull fetches, its failures (a 500, a 404, a redirect loop) and its size."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Answer:
    body: bytes = b""
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    #: Seconds to wait after the headers before the body, and between its halves.
    delay: float = 0.0


@dataclass
class FeedServer:
    base: str
    answers: dict[str, Answer] = field(default_factory=dict)
    #: Every request's path and User-Agent, in order.
    requests: list[tuple[str, str]] = field(default_factory=list)

    def url(self, path: str) -> str:
        return f"{self.base}{path}"

    def serve(
        self, path: str, body: bytes | str, status: int = 200, delay: float = 0.0, **headers: str
    ) -> str:
        data = body.encode() if isinstance(body, str) else body
        self.answers[path] = Answer(data, status, headers, delay)
        return self.url(path)

    def serve_json(self, path: str, value: Any, status: int = 200) -> str:
        return self.serve(path, json.dumps(value), status, **{"Content-Type": "application/json"})


@contextmanager
def feed_server() -> Iterator[FeedServer]:
    state: dict[str, FeedServer] = {}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            server = state["server"]
            server.requests.append((self.path, self.headers.get("User-Agent", "")))
            answer = server.answers.get(self.path, Answer(b"<h1>Not here</h1>", 404))
            self.send_response(answer.status)
            for name, value in answer.headers.items():
                if value:  # an empty value leaves the header out
                    self.send_header(name, value)
            if "Content-Length" not in answer.headers:
                self.send_header("Content-Length", str(len(answer.body)))
            self.end_headers()
            half = len(answer.body) // 2
            for part in (answer.body[:half], answer.body[half:]):
                if answer.delay:
                    self.wfile.flush()
                    time.sleep(answer.delay)
                self.wfile.write(part)

        def log_message(self, *_args: Any) -> None:  # quiet
            return

    http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state["server"] = FeedServer(f"http://127.0.0.1:{http.server_port}")
    thread = threading.Thread(target=http.serve_forever, daemon=True)
    thread.start()
    try:
        yield state["server"]
    finally:
        http.shutdown()
        http.server_close()
