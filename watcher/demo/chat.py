"""`watcher demo --telegram`: the real bot, talked to from the terminal, on a local Bot API.

Only Telegram's servers are replaced (watcher/demo/botapi.py on 127.0.0.1, reached through
python-telegram-bot's base_url): the daemon's TelegramService runs as in `watcher run`, with
its command handlers, renderer, outbox sender and pacing. What the user types becomes a message
from one private chat; what the bot sends to it is printed as a chat shows it (bold as bold,
a link's text with its address beside it), not as the HTML source.

On a terminal each line is sent as typed, the replay site starts publishing once the chat has
subscribed (so its first items can be alerts), and Ctrl-D (or Ctrl-C) ends the demo. Otherwise
(`printf '/subscribe all\\n' | watcher demo --telegram`) the lines are sent one by one, each once
the bot has answered the one before; the replay site starts publishing at the end of the input,
so every alert the commands asked for arrives, and the demo ends when the replay is over.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from rich.console import Console
from rich.text import Text
from telegram import Update
from telegram.ext import ContextTypes, TypeHandler

from watcher.channels.telegram.render import Terms
from watcher.channels.telegram.service import TelegramService
from watcher.core.config import Config, Environment, TelegramSettings
from watcher.demo.botapi import BotApiServer, SentMessage, entities
from watcher.store import Store

__all__ = ["DEMO_CHAT_ID", "DEMO_TOKEN", "DemoChat", "shown_text"]

DEMO_TOKEN = "100200300:local-demo-token"  # only this process's stand-in ever sees it
DEMO_CHAT_ID = 5550001
ANSWER_TIMEOUT = 30.0  # seconds a command may take before the next line is sent anyway
PROMPT = "you ▸ "
BOT = "bot ▸ "

_STYLES = {
    "b": "bold", "strong": "bold", "i": "italic", "em": "italic", "u": "underline",
    "ins": "underline", "s": "strike", "strike": "strike", "del": "strike", "code": "cyan",
    "pre": "cyan", "a": "underline", "blockquote": "italic", "tg-spoiler": "reverse",
}  # fmt: skip


def shown_text(message: SentMessage) -> Text:
    """A sent message as a chat shows it: the visible text with its formatting; a link's
    address follows its text in brackets, since a terminal cannot tap it."""
    text, spans = entities(message.text, message.parse_mode)
    shown = Text(text)
    for span in spans:
        shown.stylize(_STYLES.get(span.tag, ""), span.offset, span.offset + span.length)
    links = sorted((s for s in spans if s.tag == "a" and s.url), key=lambda s: s.offset + s.length)
    for link in reversed(links):
        end = link.offset + link.length
        shown = Text.assemble(shown[:end], (f" ({link.url})", "dim"), shown[end:])
    return shown


class DemoChat:
    """The user's side of the chat; a Service for the daemon (start/stop) plus its jobs."""

    def __init__(
        self,
        console: Console,
        store: Store,
        config: Config,
        terms: Terms | None,
        lines: IO[str],
        *,
        interactive: bool,
    ) -> None:
        self.console, self.lines, self.interactive = console, lines, interactive
        self.api = BotApiServer(DEMO_TOKEN, username="thaigov_watcher_demo_bot", on_sent=self.show)
        env = Environment(
            config_path=Path(store.path), db_path=Path(store.path), telegram_token=DEMO_TOKEN,
            telegram_base_url=self.api.base_url,
        )  # fmt: skip
        self.service = TelegramService(store, config, env, terms=terms)
        self.service.application.add_handler(TypeHandler(Update, self._answered), group=1)
        self.script_done = threading.Event()  # the input ended
        self._answered_ids: set[int] = set()
        self._stop: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def __enter__(self) -> DemoChat:
        self.api.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self.api.__exit__(*exc)

    @staticmethod
    def settings(chat_id: int = DEMO_CHAT_ID) -> TelegramSettings:
        """The demo chat is an admin (so /stats answers); the outbox is drained often."""
        return TelegramSettings(admin_chat_ids=[chat_id], drain_interval=0.5, per_chat_interval=0.2)

    def may_publish(self, store: Store) -> bool:
        """On a terminal the site publishes once the chat has subscribed (so its first items
        can be alerts); from a script, after the script's last line was answered."""
        if not self.interactive:
            return self.script_done.is_set()
        subscriber = store.find_subscriber("telegram", str(DEMO_CHAT_ID))
        return subscriber is not None and bool(subscriber.subscriptions)

    def add_jobs(self, scheduler: Any) -> None:
        self.service.add_jobs(scheduler)

    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        await self.service.start()
        self.console.print(
            f"[bold]chat[/]: you are chat {DEMO_CHAT_ID} with @{self.service.bot.username} on a"
            f" local Bot API ({self.api.base_url.rsplit('/', 1)[0]}); try /start, /subscribe all,"
            ' /subscribe JP, /subscribe "รถยนต์ไฟฟ้า" weekly, /preview JP, /list, /latest all,'
            " /digest_time 7:30"
            + (
                "; the replay site starts publishing once you have subscribed"
                if self.interactive
                else ""
            )
        )
        threading.Thread(target=self._read, name="demo-chat", daemon=True).start()

    async def stop(self) -> None:
        await self.service.stop()

    def attach(self, stop: asyncio.Event) -> None:
        """The demo's stop event: end of input on a terminal ends the demo."""
        self._stop = stop

    def done(self, store: Store) -> bool:
        """From a script: its lines were answered and every alert queued has gone out."""
        return self.script_done.is_set() and store.outbox_counts().get("pending", 0) == 0

    def show(self, message: SentMessage) -> None:
        """Print what the bot sent to the demo chat (called from the stand-in's thread)."""
        if message.chat_id != DEMO_CHAT_ID:
            return
        shown = shown_text(message)
        if message.reply_markup:  # an inline keyboard: its buttons, which a terminal cannot tap
            rows = message.reply_markup.get("inline_keyboard") or []
            labels = " ".join(f"[{key.get('text', '')}]" for row in rows for key in row)
            shown = Text.assemble(shown, "\n", (labels, "dim"))
        self.console.print(_beside(self.console, Text(BOT, "bold green"), shown))

    # --- the reader thread ---------------------------------------------------------------

    def _read(self) -> None:
        try:
            for line in self._typed():
                if not line.strip():
                    continue
                if not self.interactive:
                    self.console.print(
                        _beside(self.console, Text(PROMPT, "bold"), Text(line.strip()))
                    )
                if not self.say(line.strip()):
                    self.console.print(f"[yellow]no answer to {line.strip()!r} yet[/]")
        finally:
            self.script_done.set()
            if self.interactive and self._stop is not None and self._loop is not None:
                self._loop.call_soon_threadsafe(self._stop.set)

    def say(self, text: str) -> bool:
        """Send what the user typed; True once the bot has answered it."""
        update_id = self.api.user_says(DEMO_CHAT_ID, text)
        return self.api.wait_for(lambda: update_id in self._answered_ids, ANSWER_TIMEOUT)

    def _typed(self) -> Iterator[str]:
        if not self.interactive:
            yield from self.lines
            return
        while True:
            try:
                yield self.console.input(Text(PROMPT, "bold"))
            except (EOFError, KeyboardInterrupt):
                return

    async def _answered(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Runs after the command handlers (group 1): the bot has answered this update."""
        if isinstance(update, Update):
            self._answered_ids.add(update.update_id)


def _beside(console: Console, prefix: Text, body: Text) -> Text:
    """`prefix` then `body`, whose wrapped lines stay indented under its first."""
    indent = " " * prefix.cell_len
    width = max(console.width - prefix.cell_len, 20)
    out = Text()
    out.append_text(prefix)  # a span, so the prefix's style stays on the prefix
    for number, line in enumerate(body.wrap(console, width, overflow="fold")):
        line.rstrip()
        out.append_text(line if number == 0 else Text("\n" + indent) + line)
    return out
