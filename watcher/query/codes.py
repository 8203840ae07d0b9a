"""Filter codes: the one validator behind every --country/--bloc/--ministry, the bot's
/subscribe and `watcher codes`.

A code nobody has (`JPN`, `industri`) used to filter down to nothing and exit 0, which reads as
"no news". Every place that takes a code resolves it here, through the gazetteer
(config/gazetteers/: code, Thai and English names), and an unknown one is one line naming the
closest valid codes (difflib) and the command that lists them all.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from watcher.core.errors import InputError

if TYPE_CHECKING:
    from watcher.classify.gazetteer import Gazetteer

__all__ = [
    "LISTS",
    "code_rows",
    "default_gazetteer",
    "resolve_code",
    "resolve_codes",
    "unknown_code",
]

LISTS = {"countries": "country", "blocs": "bloc", "ministries": "ministry"}
"""`watcher codes LIST` → the gazetteer's kind."""
_LIST_OF = {kind: name for name, kind in LISTS.items()}


@functools.cache
def _load(directory: Path) -> Gazetteer:
    from watcher.classify.gazetteer import load_gazetteer

    return load_gazetteer(directory)


def default_gazetteer() -> Gazetteer:
    """The gazetteer the classifier uses (beside WATCHER_CONFIG), loaded once per process."""
    from watcher.classify.gazetteer import default_gazetteer_dir

    return _load(default_gazetteer_dir().resolve())


def _named(gazetteer: Gazetteer, kind: str, code: str) -> str:
    entry = gazetteer.entries[(kind, code)]
    return f"{code} ({entry.en}, {entry.th})"


def unknown_code(gazetteer: Gazetteer, kind: str, term: str) -> str:
    """The one line for a term that is not a `kind`: the nearest codes, and where all are."""
    from watcher.classify.gazetteer import MAX_TERM_CHARS

    shown = repr(term[:40])
    listing = f"`watcher codes {_LIST_OF[kind]}` lists them all"
    if len(term) > MAX_TERM_CHARS:
        return (
            f"unknown {kind} {term[:20]!r}… ({len(term)} characters; a code or name has at most"
            f" {MAX_TERM_CHARS}); {listing}"
        )
    found = gazetteer.resolve_term(term)
    if found is not None:  # a real code of another kind: ASEAN given as a country
        return f"{shown} is a {found[0]}, not a {kind}: use --{found[0]} {found[1]}"
    closest = gazetteer.closest(term, (kind,))
    if not closest:
        return f"unknown {kind} {shown}; {listing}"
    named = ", ".join(_named(gazetteer, kind, code) for code in closest)
    return f"unknown {kind} {shown}; closest: {named}; {listing}"


def resolve_code(gazetteer: Gazetteer, kind: str, term: str) -> str:
    """A user's code or name (JP, jp, Japan, ญี่ปุ่น) → the code; InputError when unknown."""
    found = gazetteer.resolve_term(term)
    if found is None or found[0] != kind:
        raise InputError(unknown_code(gazetteer, kind, term))
    return found[1]


def resolve_codes(gazetteer: Gazetteer, kind: str, terms: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(resolve_code(gazetteer, kind, term) for term in terms))


def code_rows(gazetteer: Gazetteer, kinds: Iterable[str], query: str = "") -> list[dict[str, str]]:
    """The codes of these kinds whose code, names or aliases contain `query` (any case)."""
    wanted = query.strip().casefold()
    rows = []
    for kind in kinds:
        for code in gazetteer.codes(kind):
            entry = gazetteer.entries[(kind, code)]
            texts = [code, entry.en, entry.th, *(alias.text for alias in entry.aliases)]
            if not wanted or any(wanted in text.casefold() for text in texts):
                rows.append({"kind": kind, "code": code, "en": entry.en, "th": entry.th})
    return rows
