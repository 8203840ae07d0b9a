"""The tests' Bot API: the package's stand-in (watcher/demo/botapi.py) with programmed faults.

Tests inject user messages (`server.user_says(chat_id, "/subscribe JP")`), read what the bot
sent (`server.messages(chat)`), program faults per chat or globally (429 with retry_after, 403
blocked, 400 parse error, connection reset), and wait on "N messages received" with a deadline
instead of sleeping.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from watcher.demo.botapi import (
    Answer,
    BotApiServer,
    SentMessage,
    api_error,
    html_problem,
    utf16_length,
    visible_text,
)

__all__ = [
    "BOT_ID",
    "TOKEN",
    "FakeBotApi",
    "Fault",
    "SentMessage",
    "html_problem",
    "utf16_length",
    "visible_text",
]

TOKEN = "123456:TEST-token-never-logged"
BOT_ID = 123456


@dataclass
class Fault:
    kind: str  # "429" | "403" | "parse" | "reset" | "chat-not-found"
    chat_id: int | None  # None = any chat
    times: int
    retry_after: int = 1
    method: str = "sendMessage"
    after: int = 0  # let this many matching calls through first


class FakeBotApi(BotApiServer):
    """Start with `with FakeBotApi() as server:`; PTB uses `server.base_url`."""

    def __init__(self, token: str = TOKEN) -> None:
        super().__init__(token, bot_id=BOT_ID, username="thaigov_watcher_test_bot")
        self.faults: list[Fault] = []

    def fail(
        self,
        kind: str,
        *,
        chat_id: int | None = None,
        times: int = 1,
        retry_after: int = 1,
        method: str = "sendMessage",
        after: int = 0,
    ) -> None:
        """Answer the next `times` matching calls (after `after` that go through) with `kind`."""
        with self._changed:
            self.faults.append(Fault(kind, chat_id, times, retry_after, method, after))

    def intercept(self, method: str, params: dict[str, Any]) -> tuple[bool, Answer]:
        fault = self._take_fault(method, params)
        return (False, None) if fault is None else (True, _fault_answer(fault))

    def _take_fault(self, method: str, params: dict[str, Any]) -> Fault | None:
        chat_id = int(params["chat_id"]) if "chat_id" in params else None
        for fault in self.faults:
            if fault.times <= 0 or fault.method != method:
                continue
            if fault.chat_id is not None and fault.chat_id != chat_id:
                continue
            if fault.kind == "parse" and params.get("parse_mode") != "HTML":
                continue  # Telegram never fails to parse plain text
            if fault.after > 0:
                fault.after -= 1
                continue
            fault.times -= 1
            return fault
        return None


def _fault_answer(fault: Fault) -> Answer:
    if fault.kind == "429":
        return api_error(
            429,
            f"Too Many Requests: retry after {fault.retry_after}",
            retry_after=fault.retry_after,
        )
    if fault.kind == "403":
        return api_error(403, "Forbidden: bot was blocked by the user")
    if fault.kind == "chat-not-found":
        return api_error(400, "Bad Request: chat not found")
    if fault.kind == "parse":
        return api_error(400, "Bad Request: can't parse entities: unsupported start tag")
    return None  # "reset"
