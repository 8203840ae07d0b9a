"""`watcher subscribers add|list|edit|resume|preview|remove`: the operator's side of alerts
(`watcher digest` is watcher/cli/digest.py)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from typing import Any

import click

from watcher.channels.registry import CHANNELS, channel_class
from watcher.cli.context import AppContext, pass_app
from watcher.cli.options import DATE_HELP, iso_date, output_options
from watcher.cli.output import print_rows
from watcher.core.errors import InputError
from watcher.match.subscriptions import (
    MODES,
    QUIET_MODES,
    WEEKDAYS,
    QuietHours,
    Subscriber,
    Subscription,
    parse_quiet_hours,
    parse_words,
)

__all__ = ["subscribers_group"]


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


def label_options(function: Callable[..., None]) -> Callable[..., None]:
    """What a subscription asks for: codes and words (add, edit and preview share them)."""
    for option in reversed(
        (
            click.option(
                "--country", "countries", multiple=True, help="Country code, e.g. JP (repeatable)."
            ),
            click.option(
                "--bloc", "blocs", multiple=True, help="Bloc code, e.g. ASEAN (repeatable)."
            ),
            click.option(
                "--ministry", "ministries", multiple=True, help="Ministry id (repeatable)."
            ),
            click.option(
                "--query",
                default=None,
                metavar="WORDS",
                help='Words in the search language: "EV OR รถยนต์ไฟฟ้า", -excluded, prefix*.',
            ),
        )
    ):
        function = option(function)
    return function


def schedule_options(function: Callable[..., None]) -> Callable[..., None]:
    """When a subscriber hears: weekly digest day and time, quiet hours (add and edit)."""
    for option in reversed(
        (
            click.option(
                "--weekly-day",
                type=click.Choice(WEEKDAYS),
                default=None,
                help="The weekday of the weekly digest [default: mon].",
            ),
            click.option(
                "--weekly-time",
                default=None,
                metavar="HH:MM",
                help="The time of the weekly digest [default: the digest time].",
            ),
            click.option(
                "--quiet",
                default=None,
                metavar="HH:MM-HH:MM",
                help="Quiet hours for instant alerts, e.g. 22:00-07:00; 'off' removes them.",
            ),
            click.option(
                "--quiet-mode",
                type=click.Choice(QUIET_MODES),
                default=None,
                help="In quiet hours: hold alerts to the end, or send them silently [hold].",
            ),
        )
    ):
        function = option(function)
    return function


@subscribers_group.command("add")
@channel_options
@label_options
@click.option("--all", "everything", is_flag=True, help="Every item.")
@click.option(
    "--mode",
    type=click.Choice(MODES),
    default=None,
    help="How often: instant alerts, a daily or weekly digest, or both (instant and daily)"
    " [a new subscriber: email daily, others instant; an existing one: theirs].",
)
@schedule_options
@pass_app
def add_command(
    app: AppContext,
    countries: tuple[str, ...],
    blocs: tuple[str, ...],
    ministries: tuple[str, ...],
    query: str | None,
    everything: bool,
    mode: str | None,
    weekly_day: str | None,
    weekly_time: str | None,
    quiet: str | None,
    quiet_mode: str | None,
    **addresses: str | None,
) -> None:
    """Subscribe a chat, an address or an Apprise URL to items about some countries, blocs,
    ministries or words.

    Within --country/--bloc any one matches, within --ministry any one matches, and every kind
    given must match: `--country JP --ministry industry` = Japan AND industry, `--country JP
    --query semiconductor` = Japan AND the word. Adding to an existing subscriber adds a
    subscription; its --mode is that subscription's own ("JP instant, rice weekly").
    """
    channel, target = _channel_and_address(addresses)
    subscription = _subscription(app, countries, blocs, ministries, query, everything)
    existing = app.store.find_subscriber(channel, target)
    if existing is None:
        chosen_mode = mode or CHANNELS[channel].default_mode
        subscriber = app.store.add_subscriber(
            channel, target, mode=chosen_mode, at=dt.datetime.now(dt.UTC)
        )
    else:
        subscriber, chosen_mode = existing, mode or existing.mode
        if mode is not None and mode != existing.mode:
            subscription = dataclasses.replace(subscription, mode=mode)
    app.store.add_subscription(subscriber.id, subscription)
    _apply_schedule(app, subscriber.id, weekly_day, weekly_time, quiet, quiet_mode)
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
    query: str | None,
    everything: bool = False,
) -> Subscription:
    if everything:
        return Subscription(everything=True)
    if not (countries or blocs or ministries or query):
        raise click.UsageError(
            "give at least one --country, --bloc, --ministry or --query, or --all"
        )
    if query is not None:
        try:
            parse_words(query, with_labels=bool(countries or blocs or ministries))
        except InputError as error:
            raise click.BadParameter(str(error), param_hint="--query") from None
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
        query=query.strip() if query else None,
    )


def _apply_schedule(
    app: AppContext,
    subscriber_id: int,
    weekly_day: str | None,
    weekly_time: str | None,
    quiet: str | None,
    quiet_mode: str | None,
) -> None:
    from watcher.core.config import time_of_day

    changes: dict[str, object] = {}
    if weekly_day is not None:
        changes["weekly_day"] = WEEKDAYS.index(weekly_day)
    if weekly_time is not None:
        changes["weekly_time"] = _clock(weekly_time, "--weekly-time", time_of_day)
    if changes:
        app.store.update_subscriber(subscriber_id, **changes)
    if quiet is not None:
        app.store.set_quiet_hours(subscriber_id, _quiet_hours(quiet, quiet_mode or "hold"))
    elif quiet_mode is not None:
        current = app.store.get_subscriber(subscriber_id)
        if current is None or current.quiet is None:
            raise click.BadParameter("set --quiet HH:MM-HH:MM first", param_hint="--quiet-mode")
        app.store.set_quiet_hours(
            subscriber_id, dataclasses.replace(current.quiet, mode=quiet_mode)
        )


def _clock(text: str, option: str, parse: Callable[[str], str]) -> str:
    try:
        return parse(text)
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint=option) from None


def _quiet_hours(text: str, mode: str) -> QuietHours | None:
    try:
        return parse_quiet_hours(text, mode)
    except InputError as error:
        raise click.BadParameter(str(error), param_hint="--quiet") from None


@subscribers_group.command("list")
@output_options
@pass_app
def list_command(app: AppContext, output_format: str) -> None:
    """List subscribers, their subscriptions (each with how often it is sent), and why any
    is paused."""
    shown = {name: channel_class(name).shown_address for name in CHANNELS}
    rows = [_subscriber_row(s, shown.get(s.channel, _masked)) for s in app.store.subscribers()]
    columns = ("id", "channel", "address", "mode", "subscriptions", "quiet", "paused")
    print_rows(rows, columns, output_format)


def _masked(address: str) -> str:
    return "***"


def describe_subscription(subscription: Subscription) -> str:
    """`3: JP semiconductor (weekly, paused)`: what one line of a listing says of it."""
    notes = [subscription.mode] if subscription.mode else []
    if subscription.paused:
        notes.append("paused")
    suffix = f" ({', '.join(notes)})" if notes else ""
    return f"{subscription.id}: {subscription.describe()}{suffix}"


def _subscriber_row(subscriber: Subscriber, shown: Callable[[str], str]) -> dict[str, object]:
    return {
        "id": subscriber.id,
        "channel": subscriber.channel,
        "address": shown(subscriber.address),
        "mode": subscriber.mode,
        "subscriptions": "; ".join(describe_subscription(s) for s in subscriber.subscriptions),
        "quiet": subscriber.quiet.describe() if subscriber.quiet else "",
        "paused": subscriber.paused_reason or "",
    }


def _found(app: AppContext, subscriber_id: int) -> Subscriber:
    found = app.store.get_subscriber(subscriber_id)
    if found is None:
        raise click.ClickException(f"no subscriber {subscriber_id}")
    return found


@subscribers_group.command("edit")
@click.argument("subscriber_id", type=int)
@click.option(
    "--subscription",
    "subscription_id",
    type=int,
    default=None,
    help="The subscription to change (its id in `subscribers list`); the label, word and"
    " --mode/--pause options apply to it.",
)
@label_options
@click.option("--mode", type=click.Choice(MODES), default=None, help="How often it is sent.")
@click.option("--pause/--resume", "pause", default=None, help="Stop or restart that subscription.")
@schedule_options
@pass_app
def edit_command(
    app: AppContext,
    subscriber_id: int,
    subscription_id: int | None,
    countries: tuple[str, ...],
    blocs: tuple[str, ...],
    ministries: tuple[str, ...],
    query: str | None,
    mode: str | None,
    pause: bool | None,
    weekly_day: str | None,
    weekly_time: str | None,
    quiet: str | None,
    quiet_mode: str | None,
) -> None:
    """Change a subscriber's schedule (weekly day and time, quiet hours) or one of their
    subscriptions (its labels and words, how often, paused or not)."""
    subscriber = _found(app, subscriber_id)
    own = countries or blocs or ministries or query is not None or mode or pause is not None
    if own and subscription_id is None:
        if len(subscriber.subscriptions) != 1:
            raise click.UsageError(
                f"subscriber {subscriber_id} has {len(subscriber.subscriptions)} subscriptions:"
                " say which with --subscription ID"
            )
        subscription_id = subscriber.subscriptions[0].id
    if subscription_id is not None:
        current = next((s for s in subscriber.subscriptions if s.id == subscription_id), None)
        if current is None:
            raise click.ClickException(
                f"subscriber {subscriber_id} has no subscription {subscription_id}"
            )
        changed = current
        if countries or blocs or ministries or query is not None:
            labels = _subscription(app, countries, blocs, ministries, query or None)
            changed = dataclasses.replace(
                labels, id=current.id, mode=current.mode, paused=current.paused
            )
        if mode is not None:
            changed = dataclasses.replace(changed, mode=mode)
        if pause is not None:
            changed = dataclasses.replace(changed, paused=pause)
        app.store.replace_subscription(subscriber_id, changed)
    _apply_schedule(app, subscriber_id, weekly_day, weekly_time, quiet, quiet_mode)
    after = _found(app, subscriber_id)
    shown = channel_class(after.channel).shown_address(after.address)
    lines = [describe_subscription(s) for s in after.subscriptions]
    schedule = f"weekly on {WEEKDAYS[after.weekly_day]}"
    if after.weekly_time:
        schedule += f" at {after.weekly_time}"
    if after.quiet:
        schedule += f"; quiet {after.quiet.describe()}"
    click.echo(f"subscriber {after.id} ({after.channel} {shown}, {after.mode}; {schedule})")
    for line in lines:
        click.echo(f"  {line}")


@subscribers_group.command("resume")
@click.argument("subscriber_id", type=int)
@pass_app
def resume_command(app: AppContext, subscriber_id: int) -> None:
    """Resume a paused subscriber: what was queued for them while paused goes at the next
    delivery pass (`watcher run`, or `watcher digest` for digests)."""
    subscriber = _found(app, subscriber_id)
    if subscriber.paused_reason is None:
        click.echo(f"subscriber {subscriber_id} is not paused")
        return
    app.store.update_subscriber(subscriber_id, paused_reason=None)
    waiting = app.store.pending_count(subscriber_id)
    click.echo(
        f"resumed subscriber {subscriber_id} (was: {subscriber.paused_reason});"
        f" {waiting} message(s) waiting will be sent"
    )


@subscribers_group.command("preview")
@label_options
@click.option("--days", type=click.IntRange(1, 366), default=30, show_default=True,
              help="How many days back, ending on --until.")  # fmt: skip
@click.option(
    "--until",
    callback=iso_date,
    default=None,
    help=f"The last day, {DATE_HELP} [default: today].",
)
@output_options
@pass_app
def preview_command(
    app: AppContext,
    countries: tuple[str, ...],
    blocs: tuple[str, ...],
    ministries: tuple[str, ...],
    query: str | None,
    days: int,
    until: str | None,
    output_format: str,
) -> None:
    """How many items published in the last N days a subscription would have matched, and
    the five newest: tune the words before subscribing."""
    from watcher.cli.output import print_items
    from watcher.query.preview import preview

    subscription = _subscription(app, countries, blocs, ministries, query)
    last = dt.date.fromisoformat(until) if until else dt.date.today()
    found = preview(app.store, subscription, until=last, days=days)
    if output_format == "table":
        click.echo(
            f"{subscription.describe()}: {found.count} item(s) published {found.since} to"
            f" {found.until} would have matched" + ("; the newest:" if found.newest else ".")
        )
    if found.newest or output_format != "table":
        print_items(found.newest, output_format)


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
