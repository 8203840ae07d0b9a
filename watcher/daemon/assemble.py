"""`watcher run` assembled in one place: the poller's jobs, then every channel's jobs and
services, on one APScheduler and one event loop (watcher.daemon.scheduler runs them).

Channels come from the registry: Telegram has a service of its own (the bot's polling and
commands share its connection pool), e-mail its daily digest job, and any other registered
channel (Apprise) the generic `ChannelJobs`. A channel whose environment is missing is off,
said once in the log; the rest of the daemon runs. A channel whose server cannot be reached
(at start or later) retries with backoff while the rest runs; one ChannelStatus, beside the
database, tells the log and `watcher health` which is down since when.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from watcher.channels.registry import CHANNELS
from watcher.channels.status import ChannelStatus
from watcher.classify import Classifies
from watcher.core.config import Config, Environment
from watcher.daemon.scheduler import ExtraJob, Service, run_daemon
from watcher.sources.cycle import CycleReport
from watcher.store import Store

__all__ = ["channel_hooks", "run_watcher"]

log = logging.getLogger(__name__)


def channel_hooks(
    store: Store,
    config: Config,
    env: Environment,
    classifier: Classifies | None = None,
    status: ChannelStatus | None = None,
) -> tuple[list[ExtraJob], list[Service]]:
    """(extra_jobs, services) of every registered channel, for the Daemon."""
    from watcher.channels.email.jobs import add_email_jobs
    from watcher.channels.jobs import ChannelJobs
    from watcher.channels.telegram.service import telegram_hooks

    jobs: list[ExtraJob] = []
    services: list[Service] = []
    for name in CHANNELS:
        if name == "telegram":
            telegram_jobs, telegram_services = telegram_hooks(
                store, config, env, classifier, status=status
            )
            jobs += telegram_jobs
            services += telegram_services
        elif name == "email":

            def email_jobs(scheduler: Any) -> Service | None:
                return add_email_jobs(scheduler, store, config, env, status=status)

            jobs.append(email_jobs)
        else:
            jobs.append(ChannelJobs(name, store, config, env).add_jobs)
    return jobs, services


async def run_watcher(
    config: Config,
    store: Store,
    env: Environment,
    classifier: Classifies | None,
    *,
    on_report: Callable[[CycleReport], None] | None = None,
) -> dict[str, CycleReport]:
    """Poll, alert, digest and answer the bot until SIGTERM/SIGINT."""
    status = ChannelStatus.beside(store.path)
    extra_jobs, services = channel_hooks(store, config, env, classifier, status)
    return await run_daemon(
        config, store, classifier, on_report=on_report, extra_jobs=extra_jobs, services=services
    )
