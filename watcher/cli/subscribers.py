"""`watcher subscribers add|list|remove` and `watcher digest`: the operator's side of alerts."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import click

from watcher.channels.digest import queue_daily_digests
from watcher.channels.registry import CHANNELS, channel_class, channel_settings, digest_zone
from watcher.cli.context import AppContext, pass_app
from watcher.cli.options import DATE_HELP, iso_date, output_options
from watcher.cli.output import print_rows
from watcher.core.errors import InputError
from watcher.match.subscriptions import MODES, Subscriber, Subscription

__all__ = ["digest_command", "subscribers_group"]


@click.group("subscribers")
def subscribers_group() -> None:
    """Add, list and remove the people alerts and digests go to."""


class AddressError(click.UsageError):
    """A refused address: one line on stderr (no usage text), exit status 2; never the
    address itself when it is a secret (the channel's message leaves it out)."""

    def show(self, file: Any = None) -> None:
        click.echo(f"Error: {self.format_message()}", err=True)


def channel_options(function: Callable[..., None]) -> Callable[..., None]:
    """One address option per registered channel (--telegram, --email, --notify…)."""
    for info in reversed(CHANNELS.values()):
        function = click.option(
            info.option, f"to_{info.name}", metavar=info.metavar, help=info.help
        )(function)
    return function


def _channel_and_address(addresses: dict[str, str | None]) -> tuple[str, str]:
    """The one channel given, and its address as that channel validates it."""
    given = {key.removeprefix("to_"): value for key, value in addresses.items() if value}
    if len(given) != 1:
        options = " or ".join(f"{i.option} {i.metavar}" for i in CHANNELS.values())
        raise click.UsageError(f"give exactly one of {options}")
    [(name, text)] = given.items()
    try:
        return name, channel_class(name).validate_address(text)
    except InputError as error:
        raise AddressError(f"{CHANNELS[name].option}: {error}") from None


@subscribers_group.command("add")
@channel_options
@click.option("--country", "countries", multiple=True, help="Country code, e.g. JP (repeatable).")
@click.option("--bloc", "blocs", multiple=True, help="Bloc code, e.g. ASEAN (repeatable).")
@click.option("--ministry", "ministries", multiple=True, help="Ministry id (repeatable).")
@click.option("--all", "everything", is_flag=True, help="Every item.")
@click.option(
    "--mode",
    type=click.Choice(MODES),
    default=None,
    help="instant alerts, a daily digest, or both [email: daily, others: instant].",
)
@pass_app
def add_command(
    app: AppContext,
    countries: tuple[str, ...],
    blocs: tuple[str, ...],
    ministries: tuple[str, ...],
    everything: bool,
    mode: str | None,
    **addresses: str | None,
) -> None:
    """Subscribe a chat, an address or an Apprise URL to items about some countries, blocs
    or ministries.

    Within --country/--bloc any one matches, within --ministry any one matches, and both kinds
    must match when both are given: `--country JP --ministry industry` = Japan AND industry.
    """
    channel, target = _channel_and_address(addresses)
    subscription = _subscription(app, countries, blocs, ministries, everything)
    chosen_mode = mode or CHANNELS[channel].default_mode
    subscriber = app.store.add_subscriber(
        channel, target, mode=chosen_mode, at=dt.datetime.now(dt.UTC)
    )
    app.store.add_subscription(subscriber.id, subscription)
    shown = channel_class(channel).shown_address(target)
    click.echo(
        f"subscriber {subscriber.id} ({channel} {shown}, {chosen_mode}): "
        f"+ {subscription.describe()}"
    )


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
    from watcher.core.errors import InputError
    from watcher.query.codes import default_gazetteer, resolve_code

    gazetteer = default_gazetteer()
    resolved: dict[str, list[str]] = {"country": [], "bloc": [], "ministry": []}
    for kind, terms in (("country", countries), ("bloc", blocs), ("ministry", ministries)):
        for term in terms:
            try:
                resolved[kind].append(resolve_code(gazetteer, kind, term))
            except InputError as error:
                raise click.BadParameter(str(error), param_hint=f"--{kind}") from None
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
    shown = {name: channel_class(name).shown_address for name in CHANNELS}
    rows = [_subscriber_row(s, shown.get(s.channel, _masked)) for s in app.store.subscribers()]
    columns = ("id", "channel", "address", "mode", "subscriptions", "paused")
    print_rows(rows, columns, output_format)


def _masked(address: str) -> str:
    return "***"


def _subscriber_row(subscriber: Subscriber, shown: Callable[[str], str]) -> dict[str, object]:
    return {
        "id": subscriber.id,
        "channel": subscriber.channel,
        "address": shown(subscriber.address),
        "mode": subscriber.mode,
        "subscriptions": "; ".join(f"{s.id}: {s.describe()}" for s in subscriber.subscriptions),
        "paused": subscriber.paused_reason or "",
    }


@subscribers_group.command("remove")
@click.argument("subscriber_id", type=int, required=False)
@channel_options
@pass_app
def remove_command(app: AppContext, subscriber_id: int | None, **addresses: str | None) -> None:
    """Remove a subscriber (by id or address) with its subscriptions and queue."""
    if subscriber_id is None:
        channel, target = _channel_and_address(addresses)
        found = app.store.find_subscriber(channel, target)
        if found is None:
            shown = channel_class(channel).shown_address(target)
            raise click.ClickException(f"no subscriber {channel} {shown}")
        subscriber_id = found.id
    if not app.store.remove_subscriber(subscriber_id):
        raise click.ClickException(f"no subscriber {subscriber_id}")
    click.echo(f"removed subscriber {subscriber_id}")


@click.command("digest")
@click.option(
    "--channel",
    type=click.Choice(list(CHANNELS)),
    required=True,
    help="Which subscribers' digest to send.",
)
@click.option(
    "--date",
    "day",
    callback=iso_date,
    default=None,
    help=f"The day (in the configured zone), {DATE_HELP} [default: today].",
)
@click.option("--force", is_flag=True, help="Send again even if that day's digest was sent.")
@pass_app
def digest_command(app: AppContext, channel: str, day: str | None, force: bool) -> None:
    """Build and send the daily digest now to every daily subscriber of a channel."""
    from watcher.channels.outbox import OutboxSender
    from watcher.channels.registry import open_channel

    tz = digest_zone(app.config, channel)
    now = dt.datetime.now(dt.UTC)
    the_day = dt.date.fromisoformat(day) if day else now.astimezone(tz).date()
    queued = queue_daily_digests(app.store, channel, the_day, now, force=force)
    send_empty = channel_settings(app.config, channel).send_empty_digest

    import asyncio

    async def send() -> str:
        async with open_channel(channel, app.config, app.env) as opened:
            sender = OutboxSender(app.store, opened, tz=tz, send_empty_digest=send_empty)
            return (await sender.drain(limit=10_000)).line()

    click.echo(f"{channel} digest for {the_day}: {queued} queued; {asyncio.run(send())}")
