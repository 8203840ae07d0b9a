"""A local stand-in for Telegram's Bot API servers on 127.0.0.1, reached through PTB's base_url.

It is a real HTTP server (threads of the standard library), so python-telegram-bot's own request
code, error mapping and long polling run exactly as against api.telegram.org: only Telegram's
servers are replaced, never the bot. `watcher demo --telegram` types the user's messages into it
(`user_says(chat_id, "/subscribe JP")`) and prints what the bot sends; the tests (tests/botapi.py)
extend it with programmed faults and wait on "N messages received" with a deadline.

It checks what Telegram checks before accepting a message: the HTML subset of parse_mode=HTML
(balanced, known tags, escaped text), an empty visible text, the 4096-character limit.
"""

from __future__ import annotations

import asyncio
import json
import socket
import struct
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from html.parser import HTMLParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self
from urllib.parse import parse_qsl

__all__ = [
    "Answer",
    "BotApiServer",
    "Entity",
    "SentMessage",
    "api_error",
    "entities",
    "html_problem",
    "utf16_length",
    "visible_text",
]

Answer = tuple[int, dict[str, Any]] | None  # (HTTP status, body); None = drop the connection

_ALLOWED_TAGS = {
    "b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "span", "tg-spoiler", "a",
    "code", "pre", "blockquote", "tg-emoji",
}  # fmt: skip
_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_MAX_POLL_SECONDS = 2.0  # long polls answer at least this often, so shutdown is quick


@dataclass(frozen=True)
class SentMessage:
    chat_id: int
    text: str  # as sent (HTML source when parse_mode is HTML)
    parse_mode: str | None
    at: float  # time.monotonic() when accepted
    message_id: int
    disable_notification: bool = False  # sent without a sound
    reply_markup: dict[str, Any] | None = None  # an inline keyboard, as Telegram takes it


@dataclass(frozen=True)
class Entity:
    """A formatted span of a message's text, as Telegram turns HTML into text + entities."""

    tag: str  # b, i, a, code…
    offset: int  # in characters of the visible text
    length: int
    url: str | None = None  # of an <a href>


class _HtmlCheck(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.stack: list[str] = []
        self.text: list[str] = []
        self.problem: str | None = None
        self.entities: list[Entity] = []
        self._opened: list[tuple[int, str | None]] = []  # (offset, href) beside self.stack
        self._length = 0

    def _fail(self, problem: str) -> None:
        self.problem = self.problem or problem

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in _ALLOWED_TAGS:
            self._fail(f'unsupported start tag "{tag}"')
        self.stack.append(tag)
        self._opened.append((self._length, dict(attrs).get("href")))

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self._fail(f'unexpected end tag "{tag}"')
        else:
            self.stack.pop()
            offset, href = self._opened.pop()
            self.entities.append(Entity(tag, offset, self._length - offset, href))

    def _add(self, text: str) -> None:
        self.text.append(text)
        self._length += len(text)

    def handle_data(self, data: str) -> None:
        if "<" in data or "&" in data:
            self._fail("unescaped < or & in text")
        self._add(data)

    def handle_entityref(self, name: str) -> None:
        if name not in _NAMED_ENTITIES:
            self._fail(f"unsupported entity &{name};")
        self._add(_NAMED_ENTITIES.get(name, ""))

    def handle_charref(self, name: str) -> None:
        code = int(name[1:], 16) if name[:1] in "xX" else int(name)
        self._add(chr(code))


def html_problem(source: str) -> str | None:
    """Why Telegram would refuse this HTML (roughly), or None."""
    check = _HtmlCheck()
    check.feed(source)
    check.close()
    if check.problem:
        return check.problem
    if check.stack:
        return f'can\'t find end tag corresponding to start tag "{check.stack[-1]}"'
    return None


def visible_text(source: str, parse_mode: str | None) -> str:
    """The characters a chat shows (tags gone, entities decoded): what Telegram counts."""
    if parse_mode != "HTML":
        return source
    check = _HtmlCheck()
    check.feed(source)
    check.close()
    return "".join(check.text)


def entities(source: str, parse_mode: str | None) -> tuple[str, list[Entity]]:
    """The visible text and its formatted spans (bold, links…), innermost first."""
    if parse_mode != "HTML":
        return source, []
    check = _HtmlCheck()
    check.feed(source)
    check.close()
    return "".join(check.text), check.entities


def utf16_length(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def api_error(code: int, description: str, **parameters: Any) -> tuple[int, dict[str, Any]]:
    body: dict[str, Any] = {"ok": False, "error_code": code, "description": description}
    if parameters:
        body["parameters"] = parameters
    return code, body


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that went away (a cancelled long poll) is normal, not worth a traceback."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class BotApiServer:
    """Start with `with BotApiServer(token) as server:`; PTB uses `server.base_url`.

    `on_sent` is called (from a server thread) with each message the bot got accepted.
    """

    def __init__(
        self,
        token: str,
        *,
        bot_id: int = 123456,
        username: str = "thaigov_watcher_bot",
        on_sent: Callable[[SentMessage], None] | None = None,
    ) -> None:
        self.token = token
        self.on_sent = on_sent
        self.calls: Counter[str] = Counter()
        self.sent: list[SentMessage] = []
        self.rejected: list[tuple[int, str]] = []  # (chat_id, description) of refused sends
        self._me = {
            "id": bot_id, "is_bot": True, "first_name": "Watcher", "username": username,
            "can_join_groups": True, "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }  # fmt: skip
        self._updates: list[dict[str, Any]] = []
        self._next_update = 1
        self._next_message = 1
        self._changed = threading.Condition()
        self._closing = False
        self._server = _Server(("127.0.0.1", 0), _handler_for(self))
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/bot"

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        with self._changed:
            self._closing = True
            self._changed.notify_all()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    # --- the user's side ------------------------------------------------------------------

    def user_says(self, chat_id: int, text: str, *, user_id: int | None = None) -> int:
        """Queue a private-chat message from a user; returns its update_id."""
        entities = []
        if text.startswith("/"):
            command = text.split()[0]
            entities.append({"type": "bot_command", "offset": 0, "length": len(command)})
        with self._changed:
            update_id = self._next_update
            self._next_update += 1
            message = {
                "message_id": 10_000 + update_id,
                "date": int(time.time()),
                "chat": {"id": chat_id, "type": "private", "first_name": "User"},
                "from": {"id": user_id or chat_id, "is_bot": False, "first_name": "User"},
                "text": text,
                "entities": entities,
            }
            self._updates.append({"update_id": update_id, "message": message})
            self._changed.notify_all()
        return update_id

    def messages(self, chat_id: int | None = None) -> list[SentMessage]:
        with self._changed:
            return [m for m in self.sent if chat_id is None or m.chat_id == chat_id]

    def texts(self, chat_id: int) -> list[str]:
        return [visible_text(m.text, m.parse_mode) for m in self.messages(chat_id)]

    def wait_for(self, condition: Callable[[], bool], timeout: float = 10.0) -> bool:
        """Block until condition() holds or the deadline passes. It is checked on every change
        of the server and every 50 ms, so it may also watch state outside the server."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while not condition():
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._changed.wait(min(left, 0.05))
            return True

    def wait_messages(self, count: int, chat_id: int | None = None, timeout: float = 10.0) -> bool:
        return self.wait_for(lambda: len(self._matching(chat_id)) >= count, timeout)

    async def until(self, condition: Callable[[], bool], timeout: float = 10.0) -> bool:
        """wait_for from a coroutine, without blocking the caller's event loop."""
        return await asyncio.to_thread(self.wait_for, condition, timeout)

    async def until_messages(
        self, count: int, chat_id: int | None = None, timeout: float = 10.0
    ) -> bool:
        return await asyncio.to_thread(self.wait_messages, count, chat_id, timeout)

    def _matching(self, chat_id: int | None) -> list[SentMessage]:
        return [m for m in self.sent if chat_id is None or m.chat_id == chat_id]

    # --- Telegram's side (the handler calls these) ----------------------------------------

    def intercept(self, method: str, params: dict[str, Any]) -> tuple[bool, Answer]:
        """(True, answer) to answer a call otherwise than Telegram would (tests program faults
        here); called under the server's lock. Telegram itself never does: (False, None)."""
        return False, None

    def handle(self, method: str, params: dict[str, Any]) -> Answer:
        """(status, result-or-error) for one call; None = drop the connection."""
        chat_id = int(params["chat_id"]) if "chat_id" in params else None
        with self._changed:
            self.calls[method] += 1
            intercepted, answer = self.intercept(method, params)
            if intercepted:
                if answer is not None and chat_id is not None:
                    self.rejected.append((chat_id, answer[1]["description"]))
                self._changed.notify_all()
                return answer
        if method == "getUpdates":
            return 200, {"ok": True, "result": self._get_updates(params)}
        with self._changed:
            if method != "sendMessage":
                result = self._me if method == "getMe" else _SIMPLE_RESULTS.get(method, True)
                return 200, {"ok": True, "result": result}
            status, body, accepted = self._send_message(params)
            if accepted is None:
                self.rejected.append((int(params["chat_id"]), body["description"]))
            self._changed.notify_all()
        if accepted is not None and self.on_sent is not None:
            self.on_sent(accepted)
        return status, body

    def _get_updates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        offset = int(params.get("offset") or 0)
        wait = min(float(params.get("timeout") or 0), _MAX_POLL_SECONDS)
        deadline = time.monotonic() + wait
        with self._changed:
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
            while not self._updates and not self._closing:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                self._changed.wait(left)
            return list(self._updates)

    def _send_message(
        self, params: dict[str, Any]
    ) -> tuple[int, dict[str, Any], SentMessage | None]:
        """(status, body, the message accepted or None); called under the server's lock."""
        chat_id = int(params["chat_id"])
        text = str(params.get("text") or "")
        parse_mode = params.get("parse_mode")
        problem = html_problem(text) if parse_mode == "HTML" else None
        shown = visible_text(text, parse_mode)
        refusal = (
            f"can't parse entities: {problem}" if problem
            else "message text is empty" if not shown.strip()
            else "message is too long" if utf16_length(shown) > 4096
            else None
        )  # fmt: skip
        if refusal is not None:
            return (*api_error(400, f"Bad Request: {refusal}"), None)
        message = SentMessage(
            chat_id, text, parse_mode, time.monotonic(), self._next_message,
            disable_notification=_flag(params.get("disable_notification")),
            reply_markup=_json_field(params.get("reply_markup")),
        )  # fmt: skip
        self._next_message += 1
        self.sent.append(message)
        result = {
            "message_id": message.message_id,
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private" if chat_id > 0 else "group"},
            "text": shown,
        }
        return 200, {"ok": True, "result": result}, message


_SIMPLE_RESULTS: dict[str, Any] = {
    "getMyCommands": [],
    "deleteWebhook": True,
    "setMyCommands": True,
    "close": True,
    "logOut": True,
}


def _flag(value: Any) -> bool:
    """A boolean parameter, sent as JSON (true) or as form text ("true", "True")."""
    return value is True or str(value).lower() == "true"


def _json_field(value: Any) -> dict[str, Any] | None:
    """An object parameter (reply_markup), sent as JSON or as JSON text inside a form."""
    if isinstance(value, str) and value:
        value = json.loads(value)
    return value if isinstance(value, dict) else None


def _handler_for(api: BotApiServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet: access logs are not what the demo or the tests show."""

        def do_GET(self) -> None:
            self.do_POST()

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            prefix = f"/bot{api.token}/"
            if not self.path.startswith(prefix):
                self._reply(*api_error(401, "Unauthorized"))
                return
            method = self.path[len(prefix) :].split("?")[0]
            answer = api.handle(method, _params(self.headers.get("Content-Type", ""), body))
            if answer is None:
                self._reset()
                return
            self._reply(*answer)

        def _reply(self, status: int, payload: dict[str, Any]) -> None:
            data = json.dumps(payload, ensure_ascii=False).encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _reset(self) -> None:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.close_connection = True
            self.connection.close()

    return Handler


def _params(content_type: str, body: bytes) -> dict[str, Any]:
    if not body:
        return {}
    if content_type.startswith("application/json"):
        loaded = json.loads(body)
        return dict(loaded) if isinstance(loaded, dict) else {}
    return dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
