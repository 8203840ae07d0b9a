"""The tests' Bot API: the package's stand-in (watcher/demo/botapi.py) with programmed faults.

Tests inject user messages (`server.user_says(chat_id, "/subscribe JP")`) and presses of inline
buttons (`server.user_presses(message, "sub:3:weekly")`), read what the bot sent
(`server.messages(chat)`, each with its keyboard and disable_notification), what it answered to
presses (`server.answers`) and how it edited its messages (`server.edits`), program faults per
chat or globally (429 with retry_after, 403 blocked, 400 parse error, connection reset), and
wait on "N messages received" with a deadline instead of sleeping.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, replace
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

_EDITS = ("editMessageText", "editMessageReplyMarkup")

__all__ = [
    "BOT_ID",
    "TOKEN",
    "Edit",
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


@dataclass(frozen=True)
class Edit:
    """One editMessageText or editMessageReplyMarkup the bot made."""

    method: str
    chat_id: int
    message_id: int
    text: str | None  # the new text (as sent), None for a keyboard-only edit
    reply_markup: dict[str, Any] | None


class FakeBotApi(BotApiServer):
    """Start with `with FakeBotApi() as server:`; PTB uses `server.base_url`."""

    def __init__(self, token: str = TOKEN) -> None:
        super().__init__(token, bot_id=BOT_ID, username="thaigov_watcher_test_bot")
        self.faults: list[Fault] = []
        self.answers: list[dict[str, Any]] = []  # answerCallbackQuery parameters
        self.edits: list[Edit] = []

    # --- inline keyboards: the user presses, the bot answers and edits ---------------------

    def user_presses(self, message: SentMessage, data: str, *, user_id: int | None = None) -> str:
        """Queue a callback_query for a button (its callback data) under `message`, as it
        stands now (edits included); returns the query's id."""
        with self._changed:
            update_id = self._next_update
            self._next_update += 1
            query_id = f"cq{update_id}"
            current = self.current(message)
            chat = {"id": message.chat_id, "type": "private" if message.chat_id > 0 else "group"}
            shown = {
                "message_id": message.message_id,
                "date": int(time.time()),
                "chat": chat,
                "from": {"id": BOT_ID, "is_bot": True, "first_name": "Watcher"},
                "text": visible_text(current.text, current.parse_mode),
            }
            if current.reply_markup:
                shown["reply_markup"] = current.reply_markup
            query = {
                "id": query_id,
                "from": {"id": user_id or message.chat_id, "is_bot": False, "first_name": "U"},
                "message": shown,
                "chat_instance": str(message.chat_id),
                "data": data,
            }
            self._updates.append({"update_id": update_id, "callback_query": query})
            self._changed.notify_all()
        return query_id

    def current(self, message: SentMessage) -> SentMessage:
        """`message` with the bot's later edits applied."""
        for edit in self.edits:
            if (edit.chat_id, edit.message_id) == (message.chat_id, message.message_id):
                text = message.text if edit.text is None else edit.text
                message = replace(message, text=text, reply_markup=edit.reply_markup)
        return message

    def handle(self, method: str, params: dict[str, Any]) -> Answer:
        if method == "answerCallbackQuery" or method in _EDITS:
            with self._changed:
                fault = self._take_fault(method, params)
                if fault is not None:
                    self.calls[method] += 1
                    self._changed.notify_all()
                    return _fault_answer(fault)
        if method == "answerCallbackQuery":
            with self._changed:
                self.calls[method] += 1
                self.answers.append(params)
                self._changed.notify_all()
            return 200, {"ok": True, "result": True}
        if method in _EDITS:
            return self._edit(method, params)
        return super().handle(method, params)

    def _edit(self, method: str, params: dict[str, Any]) -> Answer:
        chat_id, message_id = int(params["chat_id"]), int(params["message_id"])
        markup = params.get("reply_markup")
        markup = json.loads(markup) if isinstance(markup, str) and markup else markup or None
        text = params.get("text") if method == "editMessageText" else None
        with self._changed:
            self.calls[method] += 1
            found = [m for m in self.sent if (m.chat_id, m.message_id) == (chat_id, message_id)]
            if not found:
                return api_error(400, "Bad Request: message to edit not found")
            before = self.current(found[0])
            problem = html_problem(text) if text and params.get("parse_mode") == "HTML" else None
            if problem:
                return api_error(400, f"Bad Request: can't parse entities: {problem}")
            if (text or before.text, markup) == (before.text, before.reply_markup):
                return api_error(400, "Bad Request: message is not modified")
            self.edits.append(Edit(method, chat_id, message_id, text, markup))
            self._changed.notify_all()
        result = {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private" if chat_id > 0 else "group"},
            "text": visible_text(text or before.text, params.get("parse_mode")),
        }
        return 200, {"ok": True, "result": result}

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
