"""A webhook receiver on 127.0.0.1 that records what Apprise's json:// plugin posts to it.

Tests program its answers (`fail(500, times=2)`, `hang(times=1)`) and wait on "N received"
with a deadline, never on sleeps.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

__all__ = ["WebhookReceiver", "webhook"]


class WebhookReceiver:
    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []  # (path, payload) of each accepted POST
        self.answers: list[int] = []  # programmed statuses, used first
        self.hangs = 0  # this many requests get no answer until `release`, then a 503
        self.holds = 0  # this many requests wait for `release`, then are answered as usual
        self.release = threading.Event()
        self.requests = 0
        self._changed = threading.Condition()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"json://{host}:{port}/hook/s3cret-path-token"

    def __enter__(self) -> WebhookReceiver:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release.set()
        self._server.shutdown()
        self._server.server_close()

    def fail(self, status: int, times: int = 1) -> None:
        self.answers += [status] * times

    def hang(self, times: int = 1) -> None:
        self.hangs += times

    def hold(self, times: int = 1) -> None:
        self.holds += times

    def messages(self) -> list[dict[str, Any]]:
        with self._changed:
            return list(self.received)

    def wait_requests(self, count: int, timeout: float = 20.0) -> bool:
        with self._changed:
            return self._changed.wait_for(lambda: self.requests >= count, timeout)

    def answer(self, payload: dict[str, Any]) -> int:
        with self._changed:
            self.requests += 1
            self._changed.notify_all()
            hang, hold = self.hangs > 0, not self.hangs and self.holds > 0
            self.hangs -= hang
            self.holds -= hold
        if hang or hold:
            self.release.wait(30)
        if hang:
            return 503
        with self._changed:
            status = self.answers.pop(0) if self.answers else 200
            if status == 200:
                self.received.append(payload)
            return status


def _handler(receiver: WebhookReceiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            """Quiet."""

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            payload = json.loads(self.rfile.read(length) or b"{}")
            status = receiver.answer({"path": self.path, **payload})
            body = b'{"ok": true}' if status == 200 else b'{"ok": false}'
            try:
                self.send_response(status)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            except OSError:  # the client gave up waiting (a hang)
                pass

    return Handler


@pytest.fixture
def webhook() -> Iterator[WebhookReceiver]:
    with WebhookReceiver() as receiver:
        yield receiver
