"""Telegram in `watcher run`: jobs on the daemon's one APScheduler, and the bot's polling.

Everything runs on one event loop: the outbox sender drains every `drain_interval` seconds,
a minute job queues each daily subscriber's digest once their digest time has passed (the
digest of the day before, in the configured zone), a health job tells the admin chats about
sources that keep failing or stay silent, and PTB's Updater long-polls for commands. One bot
(one paced connection pool) serves alerts, digests and command replies alike.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from telegram.error import InvalidToken, NetworkError, TelegramError

from watcher.channels.digest import queue_due_digests
from watcher.channels.digest_runs import paused_note
from watcher.channels.outbox import DrainReport, OutboxSender
from watcher.channels.status import ChannelStatus
from watcher.channels.telegram.commands import BotCommands, build_application
from watcher.channels.telegram.render import TelegramRenderer, Terms
from watcher.channels.telegram.send import ChatPacer, TelegramChannel, load_names, make_bot
from watcher.core.config import Config, Environment, TelegramSettings
from watcher.core.errors import ConfigError, DeliveryError
from watcher.core.logs import redact
from watcher.sources.state import WHAT_TO_DO, state_line
from watcher.store import SourceState, Store, off_loop

__all__ = ["HealthWatch", "TelegramService", "telegram_hooks"]

log = logging.getLogger(__name__)

DRAIN_BATCH = 300
STOP_GRACE_SECONDS = 10.0
FIRST_RETRY_SECONDS = 5.0  # an unreachable Bot API at start: tried again after 5 s, 10 s, …
MAX_RETRY_SECONDS = 300.0  # … up to every 5 minutes


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass
class HealthWatch:
    """Which source problems the admins were told about, so each is told once per episode."""

    settings: TelegramSettings
    told: set[tuple[str, str]] = field(default_factory=set)

    def problems(
        self, states: Iterable[SourceState], now: dt.datetime
    ) -> dict[tuple[str, str], str]:
        found: dict[tuple[str, str], str] = {}
        for state in states:
            error = state.last_error or ""
            if state.consecutive_failures >= self.settings.health_failures:
                found[(state.name, "failing")] = (
                    f"failed {state.consecutive_failures} cycles in a row: {error}"
                )
            if state.state in WHAT_TO_DO:  # refused, blocked, stale: told once per episode
                found[(state.name, state.state)] = (
                    f"{state_line(state)} — {WHAT_TO_DO[state.state]}"
                )
            since = state.last_new_at or state.last_success
            if state.cycles and since and _hours_since(since, now) >= self.settings.stale_hours:
                found[(state.name, "stale")] = (
                    f"no new item for {int(_hours_since(since, now))} hours"
                )
        return found

    def news(self, states: Iterable[SourceState], now: dt.datetime) -> list[tuple[str, str]]:
        """(source, problem) not told yet; problems that cleared may be told again later."""
        current = self.problems(states, now)
        fresh = [(key[0], text) for key, text in current.items() if key not in self.told]
        self.told = set(current)
        return fresh


def _hours_since(stamp: str, now: dt.datetime) -> float:
    moment = dt.datetime.fromisoformat(stamp)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return (now - moment).total_seconds() / 3600


class TelegramService:
    """`add_jobs(scheduler)` then `await start()`; `await stop()` ends polling and sending."""

    def __init__(
        self,
        store: Store,
        config: Config,
        env: Environment,
        *,
        terms: Terms | None = None,
        clock: Callable[[], dt.datetime] = _utc_now,
        status: ChannelStatus | None = None,
    ) -> None:
        if not env.telegram_token:
            raise ConfigError("environment: TELEGRAM_BOT_TOKEN: not set")
        self.store, self.settings, self.clock = store, config.telegram, clock
        self.tz = ZoneInfo(config.watcher.timezone)
        pacer = ChatPacer(self.settings.messages_per_second, self.settings.per_chat_interval)
        self.bot = make_bot(env.telegram_token, env.telegram_base_url, pacer)
        self.api_where = env.telegram_base_url or "api.telegram.org"  # never bot.base_url: token
        names = terms or load_names()
        self.channel = TelegramChannel(self.bot, TelegramRenderer(names), owns_bot=False)
        self.sender = OutboxSender(
            store,
            self.channel,
            tz=self.tz,
            send_empty_digest=self.settings.send_empty_digest,
            clock=clock,
            concurrency=self.channel.concurrency,
            status=status,
        )
        self.status = status or ChannelStatus()
        self.first_retry = FIRST_RETRY_SECONDS
        self._reconnect: asyncio.Task[None] | None = None
        commands = BotCommands(store, names, self.channel.renderer, self.settings, clock, self.tz)
        self.application = build_application(self.bot, commands, self.channel)
        self.health = HealthWatch(self.settings)
        self.stopping = asyncio.Event()
        self.ready = asyncio.Event()  # the bot is initialized: sending may begin
        self._idle = asyncio.Event()
        self._idle.set()
        self._job_ids: list[str] = []

    def add_jobs(self, scheduler: Any) -> None:
        """The outbox sender, the digest clock and the health check, on `scheduler`."""
        common = {"max_instances": 1, "coalesce": True, "replace_existing": True}
        jobs = [
            (self.drain, {"trigger": "interval", "seconds": self.settings.drain_interval}),
            (self.queue_digests, {"trigger": "cron", "second": 5}),
            (self.check_health, {"trigger": "interval", "minutes": 5}),
        ]
        for function, trigger in jobs:
            job = scheduler.add_job(
                function,
                id=f"telegram:{function.__name__}",
                next_run_time=self.clock(),
                misfire_grace_time=60,
                **trigger,
                **common,
            )
            self._job_ids.append(job.id)

    async def start(self) -> None:
        """Open the bot (getMe) and start long polling for commands.

        A refused token (401) is fatal: a ConfigError, one line. A Bot API that cannot be
        reached is not: the bot is tried again with backoff in the background while the rest
        of the daemon runs, and alerts wait in the outbox until it answers.
        """
        try:
            await self._open()
        except NetworkError as error:  # unreachable, refused, timed out: say where it went
            self.status.down("telegram", self._unreachable(error))
            self._reconnect = asyncio.create_task(self._keep_trying(), name="telegram reconnect")

    def _unreachable(self, error: TelegramError) -> str:
        return (
            f"cannot reach the Bot API at {self.api_where} (TELEGRAM_API_BASE_URL):"
            f" {redact(error.message)}"
        )

    async def _keep_trying(self) -> None:
        delay = self.first_retry
        while not self.stopping.is_set():
            log.info("telegram: next try to reach the Bot API in %.0f s", delay)
            try:
                await asyncio.wait_for(self.stopping.wait(), delay)
                return
            except TimeoutError:
                pass
            try:
                await self._open()
                return
            except NetworkError as error:
                log.warning("telegram: still %s", self._unreachable(error))
                delay = min(delay * 2, MAX_RETRY_SECONDS)
            except ConfigError as error:  # the token was refused once the API answered
                log.error("%s; the bot stays off until `watcher run` restarts", error)
                return

    async def _open(self) -> None:
        try:
            await self.application.initialize()
        except InvalidToken as error:  # 401: quotes the token, redacted
            raise ConfigError(f"Telegram: cannot start the bot: {redact(error.message)}") from error
        except NetworkError:
            raise
        except TelegramError as error:
            raise ConfigError(f"Telegram: cannot start the bot: {redact(error.message)}") from error
        self.status.up("telegram")
        await self.application.start()
        assert self.application.updater is not None
        await self.application.updater.start_polling(allowed_updates=["message", "callback_query"])
        self.ready.set()
        log.info("telegram bot @%s is polling", self.bot.username)

    async def stop(self) -> None:
        """No new sends; the pass under way finishes and marks its rows; polling ends."""
        self.stopping.set()
        if self._reconnect is not None:
            await self._reconnect
        try:
            await asyncio.wait_for(self._idle.wait(), STOP_GRACE_SECONDS)
        except TimeoutError:
            log.warning(
                "outbox pass still running after %.0f s; stopping anyway", STOP_GRACE_SECONDS
            )
        if self.application.updater is not None and self.application.updater.running:
            await self.application.updater.stop()
        if self.application.running:
            await self.application.stop()
        await self.application.shutdown()

    async def drain(self) -> DrainReport | None:
        if self.stopping.is_set() or not self.ready.is_set():
            return None
        self._idle.clear()
        try:
            per_chat = max(
                1, round(self.settings.drain_interval / max(self.settings.per_chat_interval, 1e-3))
            )
            report = await self.sender.drain(
                DRAIN_BATCH, per_subscriber=per_chat, stop=self.stopping
            )
        finally:
            self._idle.set()
        if report.counts:
            log.info("telegram outbox: %s", report.line())
        return report

    async def queue_digests(self) -> int:
        queued = await off_loop(
            queue_due_digests, self.store, "telegram", self.clock(), self.tz,
            self.settings.digest_time,
        )  # fmt: skip
        if queued:
            note = await off_loop(paused_note, self.store, "telegram")
            log.info("telegram: %d digest(s) queued%s", queued, note)
        return queued

    async def check_health(self) -> int:
        """Tell every admin chat about new source problems; returns how many were told."""
        if not self.ready.is_set():
            return 0
        states = await off_loop(self.store.all_source_states)
        news = self.health.news(states, self.clock())
        for source, problem in news:
            log.warning("source %s: %s", source, problem)
            text = self.channel.renderer.text("health.txt", source=source, problem=problem)
            for chat_id in self.settings.admin_chat_ids:
                try:
                    await self.channel.send_text(chat_id, text)
                except DeliveryError as error:
                    log.warning("health alert to admin chat %s failed: %s", chat_id, error)
        return len(news)


def telegram_hooks(
    store: Store,
    config: Config,
    env: Environment,
    classifier: object | None = None,
    *,
    status: ChannelStatus | None = None,
) -> tuple[list[Callable[[Any], None]], list[TelegramService]]:
    """What `watcher run` hands its Daemon: (extra_jobs, services); empty without a token."""
    if not env.telegram_token:
        log.warning("TELEGRAM_BOT_TOKEN is not set: no Telegram bot; alerts stay queued")
        return [], []
    terms: Terms | None = getattr(classifier, "gazetteer", None)
    service = TelegramService(store, config, env, terms=terms, status=status)
    return [service.add_jobs], [service]
