"""A stand-in for the publishers' APIs on loopback: recorded responses, scripted failures, no network."""

from __future__ import annotations

import threading
import time
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "fetch"


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


def key(path_and_query: str) -> tuple[str, tuple[tuple[str, str], ...]]:
    """A request as the server matches it: the path and the query's pairs in any order."""
    parts = urllib.parse.urlsplit(path_and_query)
    return parts.path, tuple(sorted(urllib.parse.parse_qsl(parts.query, keep_blank_values=True)))


class FakeApi:
    """Routes a path (and query) to replies; each request takes the next reply, the last one repeats."""

    def __init__(self) -> None:
        self.routes: dict[tuple[str, tuple[tuple[str, str], ...]], list[Reply]] = {}
        self.seen: list[str] = []
        self.port = 0

    def base(self, prefix: str) -> str:
        return f"http://127.0.0.1:{self.port}/{prefix.strip('/')}/"

    def add(self, path_and_query: str, *replies: Reply) -> None:
        self.routes[key(path_and_query)] = list(replies)

    def fixture(self, path_and_query: str, name: str) -> None:
        kind = "text/csv" if name.endswith(".csv") else "application/json"
        self.add(path_and_query, Reply(body=(FIXTURES / name).read_bytes(), content_type=kind))

    def count(self, path_and_query: str) -> int:
        return sum(1 for s in self.seen if key(s) == key(path_and_query))

    def reply(self, path_and_query: str) -> Reply:
        replies = self.routes.get(key(path_and_query))
        if not replies:
            return Reply(404, b'{"title": "Not Found"}')
        return replies.pop(0) if len(replies) > 1 else replies[0]


@contextmanager
def serve(api: FakeApi) -> Iterator[FakeApi]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - the standard library's name
            api.seen.append(self.path)
            r = api.reply(self.path)
            if r.delay:
                time.sleep(r.delay)
            try:
                self.send_response(r.status)
                self.send_header("Content-Type", r.content_type)
                self.send_header("Content-Length", str(len(r.body)))
                for name, value in r.headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(r.body)
            except (BrokenPipeError, ConnectionResetError):  # the client timed out and left
                pass

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    api.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield api
    finally:
        server.shutdown()
        server.server_close()
