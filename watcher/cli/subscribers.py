"""`watcher subscribers add|list|remove` and `watcher digest`: the operator's side of alerts."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import click

from watcher.cli.context import AppContext, pass_app
from watcher.cli.options import output_options
from watcher.cli.output import print_rows
from watcher.digest import queue_daily_digests
from watcher.subscriptions import MODES, Subscriber, Subscription

__all__ = ["digest_command", "subscribers_group"]

_EMAIL = re.compile(r"^[^@\s<>,;]+@[^@\s<>,;]+\.[^@\s<>,;]+$")
_CHAT_ID = re.compile(r"^-?\d{1,20}$")


@click.group("subscribers")
def subscribers_group() -> None:
    """Add, list and remove the people alerts and digests go to."""


@subscribers_group.command("add")
@click.option("--telegram", "chat_id", help="Telegram chat id.")
@click.option("--email", "address", help="E-mail address.")
@click.option("--country", "countries", multiple=True, help="Country code, e.g. JP (repeatable).")
@click.option("--bloc", "blocs", multiple=True, help="Bloc code, e.g. ASEAN (repeatable).")
@click.option("--ministry", "ministries", multiple=True, help="Ministry id (repeatable).")
@click.option("--all", "everything", is_flag=True, help="Every item.")
@click.option(
    "--mode",
    type=click.Choice(MODES),
    default=None,
    help="instant alerts, a daily digest, or both [telegram: instant, email: daily].",
)
@pass_app
def add_command(
    app: AppContext,
    chat_id: str | None,
    address: str | None,
    countries: tuple[str, ...],
    blocs: tuple[str, ...],
    ministries: tuple[str, ...],
    everything: bool,
    mode: str | None,
) -> None:
    """Subscribe a chat or an address to items about some countries, blocs or ministries.

    Within --country/--bloc any one matches, within --ministry any one matches, and both kinds
    must match when both are given: `--country JP --ministry industry` = Japan AND industry.
    """
    channel, target = _channel_and_address(chat_id, address)
    subscription = _subscription(app, countries, blocs, ministries, everything)
    chosen_mode = mode or ("instant" if channel == "telegram" else "daily")
    subscriber = app.store.add_subscriber(
        channel, target, mode=chosen_mode, at=dt.datetime.now(dt.UTC)
    )
    app.store.add_subscription(subscriber.id, subscription)
    click.echo(
        f"subscriber {subscriber.id} ({channel} {target}, {chosen_mode}): "
        f"+ {subscription.describe()}"
    )


def _channel_and_address(chat_id: str | None, address: str | None) -> tuple[str, str]:
    if (chat_id is None) == (address is None):
        raise click.UsageError("give exactly one of --telegram CHAT_ID or --email ADDRESS")
    if chat_id is not None:
        if not _CHAT_ID.match(chat_id):
            raise click.BadParameter(
                f"{chat_id!r} is not a Telegram chat id", param_hint="--telegram"
            )
        return "telegram", chat_id
    assert address is not None
    if not _EMAIL.match(address):
        raise click.BadParameter(f"{address!r} is not an e-mail address", param_hint="--email")
    return "email", address


def _subscription(
    app: AppContext,
    countries: tuple[str, ...],
    blocs: tuple[str, ...],
    ministries: tuple[str, ...],
    everything: bool,
) -> Subscription:
    if everything:
        return Subscription(everything=True)
    if not (countries or blocs or ministries):
        raise click.UsageError("give at least one --country, --bloc or --ministry, or --all")
    gazetteer = app.classifier.gazetteer
    resolved: dict[str, list[str]] = {"country": [], "bloc": [], "ministry": []}
    for kind, terms in (("country", countries), ("bloc", blocs), ("ministry", ministries)):
        for term in terms:
            found = gazetteer.resolve_term(term)
            if found is None or found[0] != kind:
                raise click.BadParameter(f"unknown {kind} {term!r}", param_hint=f"--{kind}")
            resolved[kind].append(found[1])
    return Subscription(
        countries=tuple(sorted(set(resolved["country"]))),
        blocs=tuple(sorted(set(resolved["bloc"]))),
        ministries=tuple(sorted(set(resolved["ministry"]))),
    )


@subscribers_group.command("list")
@output_options
@pass_app
def list_command(app: AppContext, output_format: str) -> None:
    """List subscribers, their subscriptions, and why any is paused."""
    rows = [_subscriber_row(s) for s in app.store.subscribers()]
    columns = ("id", "channel", "address", "mode", "subscriptions", "paused")
    print_rows(rows, columns, output_format)


def _subscriber_row(subscriber: Subscriber) -> dict[str, object]:
    return {
        "id": subscriber.id,
        "channel": subscriber.channel,
        "address": subscriber.address,
        "mode": subscriber.mode,
        "subscriptions": "; ".join(f"{s.id}: {s.describe()}" for s in subscriber.subscriptions),
        "paused": subscriber.paused_reason or "",
    }


@subscribers_group.command("remove")
@click.argument("subscriber_id", type=int, required=False)
@click.option("--telegram", "chat_id", help="Telegram chat id.")
@click.option("--email", "address", help="E-mail address.")
@pass_app
def remove_command(
    app: AppContext, subscriber_id: int | None, chat_id: str | None, address: str | None
) -> None:
    """Remove a subscriber (by id, --telegram or --email) with its subscriptions and queue."""
    if subscriber_id is None:
        channel, target = _channel_and_address(chat_id, address)
        found = app.store.find_subscriber(channel, target)
        if found is None:
            raise click.ClickException(f"no subscriber {channel} {target}")
        subscriber_id = found.id
    if not app.store.remove_subscriber(subscriber_id):
        raise click.ClickException(f"no subscriber {subscriber_id}")
    click.echo(f"removed subscriber {subscriber_id}")


@click.command("digest")
@click.option(
    "--channel",
    type=click.Choice(["telegram", "email"]),
    required=True,
    help="Which subscribers' digest to send.",
)
@click.option(
    "--date",
    "day",
    type=click.DateTime(["%Y-%m-%d"]),
    default=None,
    help="The day (in the configured zone) [default: today].",
)
@click.option("--force", is_flag=True, help="Send again even if that day's digest was sent.")
@pass_app
def digest_command(app: AppContext, channel: str, day: dt.datetime | None, force: bool) -> None:
    """Build and send the daily digest now to every daily subscriber of a channel."""
    from watcher.notify.channels import open_channel
    from watcher.notify.outbox import OutboxSender

    zone = app.config.email.timezone if channel == "email" else ""
    tz = ZoneInfo(zone or app.config.watcher.timezone)
    now = dt.datetime.now(dt.UTC)
    the_day = day.date() if day else now.astimezone(tz).date()
    queued = queue_daily_digests(app.store, channel, the_day, now, force=force)
    settings = app.config.email if channel == "email" else app.config.telegram
    send_empty = getattr(settings, "send_empty", getattr(settings, "send_empty_digest", False))

    import asyncio

    async def send() -> str:
        async with open_channel(channel, app.config, app.env) as opened:
            sender = OutboxSender(app.store, opened, tz=tz, send_empty_digest=send_empty)
            return (await sender.drain(limit=10_000)).line()

    click.echo(f"{channel} digest for {the_day}: {queued} queued; {asyncio.run(send())}")
