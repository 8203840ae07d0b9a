"""A real SMTP server on 127.0.0.1 (aiosmtpd) that records what it accepts and can be told to
refuse: transient 4xx answers a number of times, permanent 5xx for chosen recipients, and AUTH
(LOGIN/PLAIN) without TLS, which is acceptable only because the traffic never leaves loopback.

Tests wait on `wait_for(n)`, a condition with a deadline, never on sleeps.
"""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

__all__ = ["Received", "SmtpServer", "free_port", "serve_smtp", "smtp_server"]


@dataclass(frozen=True)
class Received:
    mail_from: str
    rcpt_tos: tuple[str, ...]
    data: bytes
    login: str | None  # who authenticated for this message, if anyone

    @property
    def message(self) -> EmailMessage:
        parsed = BytesParser(policy=policy.default).parsebytes(self.data)
        assert isinstance(parsed, EmailMessage)
        return parsed


@dataclass
class _Program:
    """What the server answers; tests change it between sends."""

    transient_data: int = 0  # answer DATA with 451 this many times, then accept
    transient_rcpt: int = 0  # answer RCPT with 450 this many times, then accept
    rejected: dict[str, str] = field(default_factory=dict)  # address → 5xx reply
    require_auth: bool = False
    users: dict[str, str] = field(default_factory=dict)  # login → password
    hold: threading.Event | None = None  # when set: DATA waits for it (at most 10 s)
    refuse_over: int | None = None  # 552 after DATA for bigger messages (SIZE not advertised)


class _Handler:
    def __init__(self, program: _Program) -> None:
        self.program = program
        self.received: list[Received] = []
        self.refusals: list[str] = []
        self.logins: list[str] = []
        self.holding = threading.Event()
        self.changed = threading.Condition()

    def authenticate(
        self, server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any
    ) -> AuthResult:
        if not isinstance(auth_data, LoginPassword):
            return AuthResult(success=False, handled=False)
        login, password = auth_data.login.decode(), auth_data.password.decode()
        ok = self.program.users.get(login) == password
        with self.changed:
            self.logins.append(f"{mechanism} {login} {'ok' if ok else 'refused'}")
        return AuthResult(success=ok, handled=False, auth_data=login if ok else None)

    async def handle_MAIL(
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        if self.program.require_auth and not session.authenticated:
            return self._refuse("530 5.7.0 Authentication required")
        envelope.mail_from = address
        envelope.mail_options.extend(options)
        return "250 OK"

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        if address in self.program.rejected:
            return self._refuse(self.program.rejected[address])
        if self.program.transient_rcpt > 0:
            self.program.transient_rcpt -= 1
            return self._refuse("450 4.2.1 Mailbox busy, try again later")
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        hold = self.program.hold
        if hold is not None:
            self.holding.set()
            await asyncio.get_running_loop().run_in_executor(None, hold.wait, 10.0)
        content = bytes(envelope.original_content or b"")
        if self.program.refuse_over is not None and len(content) > self.program.refuse_over:
            return self._refuse("552 5.3.4 Message size exceeds fixed maximum message size")
        if self.program.transient_data > 0:
            self.program.transient_data -= 1
            return self._refuse("451 4.3.0 Temporary local problem, try again")
        received = Received(
            mail_from=envelope.mail_from,
            rcpt_tos=tuple(envelope.rcpt_tos),
            data=bytes(envelope.original_content or b""),
            login=session.auth_data if session.authenticated else None,
        )
        with self.changed:
            self.received.append(received)
            self.changed.notify_all()
        return "250 Message accepted"

    def _refuse(self, reply: str) -> str:
        with self.changed:
            self.refusals.append(reply)
            self.changed.notify_all()
        return reply


class SmtpServer:
    """A running server; `host`/`port` to connect, `messages` what it accepted."""

    def __init__(
        self, *, exclude_auth: tuple[str, ...] = (), data_size_limit: int | None = None
    ) -> None:
        self.program = _Program()
        self.handler = _Handler(self.program)
        self.host = "127.0.0.1"
        self.port = free_port(self.host)
        self._controller = Controller(
            self.handler,
            hostname=self.host,
            port=self.port,
            authenticator=self.handler.authenticate,
            auth_require_tls=False,  # loopback only
            auth_exclude_mechanism=list(exclude_auth),
            **({"data_size_limit": data_size_limit} if data_size_limit else {}),
        )

    def start(self) -> None:
        self._controller.start()

    def stop(self) -> None:
        self._controller.stop()

    # programming the answers
    def fail_transiently(self, times: int, *, at: str = "DATA") -> None:
        if at == "DATA":
            self.program.transient_data = times
        else:
            self.program.transient_rcpt = times

    def reject(self, address: str, reply: str = "550 5.1.1 No such user here") -> None:
        self.program.rejected[address] = reply

    def hold_data(self) -> threading.Event:
        """Keep the next DATA waiting until the returned event is set."""
        self.program.hold = threading.Event()
        return self.program.hold

    def wait_holding(self, timeout: float = 10.0) -> None:
        assert self.handler.holding.wait(timeout), "no DATA arrived to hold"

    def require_auth(self, login: str, password: str) -> None:
        self.program.require_auth = True
        self.program.users[login] = password

    # observing
    @property
    def messages(self) -> list[Received]:
        with self.handler.changed:
            return list(self.handler.received)

    @property
    def refusals(self) -> list[str]:
        with self.handler.changed:
            return list(self.handler.refusals)

    @property
    def logins(self) -> list[str]:
        with self.handler.changed:
            return list(self.handler.logins)

    def wait_for(self, count: int, timeout: float = 10.0) -> list[Received]:
        """At least `count` accepted messages, or AssertionError when the deadline passes."""
        with self.handler.changed:
            arrived = self.handler.changed.wait_for(
                lambda: len(self.handler.received) >= count, timeout
            )
            assert arrived, f"expected {count} message(s), got {len(self.handler.received)}"
            return list(self.handler.received)

    def env(self, **extra: str) -> dict[str, str]:
        """SMTP_* variables pointing at this server (plain SMTP, no TLS)."""
        return {
            "SMTP_HOST": self.host,
            "SMTP_PORT": str(self.port),
            "SMTP_TLS": "none",
            "SMTP_FROM": "watcher@example.org",
            **extra,
        }


def free_port(host: str) -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


def serve_smtp(**options: Any) -> Iterator[SmtpServer]:
    """A started server, stopped when the generator closes (the body of a fixture)."""
    server = SmtpServer(**options)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    yield from serve_smtp()
