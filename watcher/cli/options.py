"""Option bundles shared by every listing command, so filters and formats read the same."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

import click

from watcher.core.errors import InputError
from watcher.store import ItemFilter

__all__ = [
    "DATE_HELP",
    "FILTER_PARAMETERS",
    "filter_from_options",
    "filter_from_query",
    "filter_options",
    "iso_date",
    "output_options",
    "variants_option",
]

F = TypeVar("F", bound=Callable[..., Any])
DATE_HELP = "YYYY-MM-DD (a year from 2400 is B.E.: 2563 = 2020)"
MAX_LIMIT = 1_000_000  # more than any history holds; SQLite cannot take 20-digit numbers


def iso_date(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """YYYY-MM-DD, C.E. or B.E. (watcher.core.thaidate.parse_user_date), as an ISO C.E. date.
    The Thai date module (its month-name patterns) loads only when a date is given."""
    if value is None:
        return None
    from watcher.core.thaidate import parse_user_date

    try:
        return parse_user_date(value).isoformat()
    except ValueError as error:
        raise click.BadParameter(str(error)) from None


def _codes(kind: str) -> Callable[[click.Context, click.Parameter, tuple[str, ...]], Any]:
    """A callback resolving codes or names of `kind` (see watcher.query.codes): a typo is an error
    naming the closest codes, never a filter that silently matches nothing."""

    def resolve(ctx: click.Context, param: click.Parameter, value: tuple[str, ...]) -> Any:
        if not value:
            return ()
        from watcher.query.codes import default_gazetteer, resolve_codes

        try:
            return resolve_codes(default_gazetteer(), kind, value)
        except InputError as error:
            raise click.BadParameter(str(error)) from None

    return resolve


def filter_options(func: F) -> F:
    """--country/--bloc/--ministry/--lead-ministry/--since/--until/--limit on every listing."""
    options = [
        click.option(
            "--country",
            "countries",
            multiple=True,
            callback=_codes("country"),
            help="ISO country code or name (repeatable; any matches; see `watcher codes`).",
        ),
        click.option(
            "--bloc",
            "blocs",
            multiple=True,
            callback=_codes("bloc"),
            help="Bloc code such as ASEAN or EU (repeatable; see `watcher codes blocs`).",
        ),
        click.option(
            "--ministry",
            "ministries",
            multiple=True,
            callback=_codes("ministry"),
            help="Ministry id such as industry (repeatable; any matches; see `watcher codes`).",
        ),
        click.option(
            "--lead-ministry",
            "lead_ministries",
            multiple=True,
            callback=_codes("ministry"),
            help="Only items this ministry leads (repeatable): leaves cabinet round-ups out.",
        ),
        click.option("--since", callback=iso_date, help=f"Published on or after {DATE_HELP}."),
        click.option("--until", callback=iso_date, help=f"Published on or before {DATE_HELP}."),
        click.option(
            "--limit",
            type=click.IntRange(min=0, max=MAX_LIMIT),
            default=None,
            help="At most this many items.",
        ),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def filter_from_options(options: dict[str, Any], *, default_limit: int | None = None) -> ItemFilter:
    """The filter the options ask for; an inverted date range is an error, never an empty answer."""
    limit = options.get("limit")
    since, until = options.get("since"), options.get("until")
    if since and until and since > until:
        raise InputError(f"--since {since} is after --until {until}: no date is in that range")
    return ItemFilter(
        countries=options.get("countries", ()),
        blocs=options.get("blocs", ()),
        ministries=options.get("ministries", ()),
        lead_ministries=options.get("lead_ministries", ()),
        since=options.get("since"),
        until=options.get("until"),
        limit=default_limit if limit is None else limit,
    )


def output_options(func: F) -> F:
    return click.option(
        "--format",
        "output_format",
        type=click.Choice(["table", "json", "csv"]),
        default="table",
        show_default=True,
        help="Output format.",
    )(func)


def variants_option(func: F) -> F:
    """`--variants`: one row per story unless asked (near-duplicates are hidden by default)."""
    return click.option(
        "--variants",
        is_flag=True,
        help="Also list near-duplicates of earlier stories (near_duplicate_of says which).",
    )(func)


@click.command("filter")
@filter_options
def _filter_command(**options: Any) -> None:
    """Parses filters given as URL query parameters, with the options above."""


FILTER_PARAMETERS = tuple(
    option.opts[0].removeprefix("--")
    for option in _filter_command.params
    if isinstance(option, click.Option)
)


def filter_from_query(
    params: Mapping[str, Sequence[str]], *, default_limit: int | None = None
) -> ItemFilter:
    """The same filters from URL query parameters (`country=JP&ministry=industry`), for
    `watcher serve`: each parameter is an option's name and goes through that very option, so a
    value the CLI refuses is refused here with the same line (an InputError)."""
    args: list[str] = []
    for key, values in params.items():
        name = key.replace("_", "-")
        if name not in FILTER_PARAMETERS:
            known = ", ".join(FILTER_PARAMETERS)
            raise InputError(f"unknown parameter {key[:40]!r}; the filters are {known}")
        for value in values:
            args.append(f"--{name}={value}")  # never read as an option of its own
    try:
        context = _filter_command.make_context("filter", args)
    except click.UsageError as error:
        raise InputError(error.format_message().replace("'--", "'")) from None
    return filter_from_options(context.params, default_limit=default_limit)
