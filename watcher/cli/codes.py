"""`watcher codes`: the country, bloc and ministry codes every filter and subscription takes."""

from __future__ import annotations

import click

from watcher.cli.options import output_options
from watcher.cli.output import print_rows

__all__ = ["codes_command"]


@click.command("codes")
@click.argument("words", nargs=-1, metavar="[countries|blocs|ministries] [QUERY]")
@output_options
def codes_command(words: tuple[str, ...], output_format: str) -> None:
    """List the codes --country, --bloc, --ministry and /subscribe take, with Thai and English
    names; QUERY keeps those whose code or any name contains it (`watcher codes countries ญี่`).
    """
    from watcher.query.codes import LISTS, code_rows, default_gazetteer

    gazetteer = default_gazetteer()
    kinds: tuple[str, ...] = tuple(LISTS.values())
    if words and words[0].lower() in LISTS:
        kinds, words = (LISTS[words[0].lower()],), words[1:]
    query = " ".join(words)
    rows = code_rows(gazetteer, kinds, query)
    if not rows:
        closest = gazetteer.closest(query, kinds)
        hint = f"; closest: {', '.join(closest)}" if closest else ""
        raise click.ClickException(f"no code or name contains {query[:40]!r}{hint}")
    print_rows(rows, ("kind", "code", "en", "th"), output_format)
