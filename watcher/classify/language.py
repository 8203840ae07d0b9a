"""Tell the site's English pages from its Thai ones, so they can be matched and scored apart.

The site publishes English pages (category "Government News" and others) beside Thai ones, and
Thai pages often carry Latin abbreviations (EXIM BANK, BCG, EEC) or an English translation at
the bottom, and Thai titles quote English event names. So the title together with the opening
of the body decides: a page is English when they hold more Latin letters than Thai ones.
"""

from __future__ import annotations

import re

__all__ = ["page_language"]

_THAI = re.compile("[\u0e01-\u0e4e]")
_LATIN = re.compile("[A-Za-z]")
_BODY_OPENING = 600


def _latin_wins(text: str) -> bool | None:
    thai, latin = len(_THAI.findall(text)), len(_LATIN.findall(text))
    if not thai and not latin:
        return None
    return latin > thai


def page_language(title: str, body: str) -> str:
    """'en' or 'th' for a page of title and body (an empty page counts as Thai)."""
    return "en" if _latin_wins(title + "\n" + body[:_BODY_OPENING]) else "th"
