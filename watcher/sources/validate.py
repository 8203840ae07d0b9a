"""What a source's config must be, checked when the config loads, for every kind: a value that
would fail later (a traceback in the first cycle) or hang (a regex that backtracks forever) is
an error naming its key instead (issue 27). The kinds' `Options.check` call these.

- URLs: http or https with a host (a `file:` or `javascript:` URL is refused).
- CSS selectors: compiled (soupsieve, what BeautifulSoup's `select` uses).
- Numbers: integers within stated bounds (an id past SQLite's 64 bits, a gap of a billion).
- Regexes: compiled with `regex`, whose matching takes a timeout, and tried on probe strings
  that make a backtracking pattern explode; one that exceeds the budget there is refused, and
  at run time a search over its budget is a ParseError for that page, never a hang.
"""

from __future__ import annotations

import functools
import importlib
import string
from typing import Any
from urllib.parse import urlsplit

from watcher.core.config import SelectorSettings, SourceConfig
from watcher.core.errors import ParseError

__all__ = [
    "CSS_SELECTOR_KEYS",
    "MATCH_SECONDS",
    "MAX_MATCHED_CHARS",
    "LinkPattern",
    "check_int",
    "check_listing",
    "check_selectors",
    "check_url",
    "compile_link_pattern",
    "css_selector",
]

MATCH_SECONDS = 0.1  # one link_pattern search on one URL; a sane pattern takes microseconds
MAX_MATCHED_CHARS = 4096  # a longer link is never a news item's: not matched at all
PROBE_CHARS = 40  # exponential backtracking shows well before 2^40 steps
CSS_SELECTOR_KEYS = ("category", "title", "body", "date", "next_page")
"""The [selectors] keys that are CSS selectors (the others are plain text)."""


def check_url(url: str, key: str = "url", *, placeholder: str | None = None) -> None:
    """An http(s) URL with a host; `placeholder` (as `{id}`) is filled in before the check."""
    concrete = url.replace(placeholder, "1") if placeholder else url
    try:
        parts = urlsplit(concrete)
    except ValueError as error:
        raise ValueError(f"{key}: not a URL ({error}): {url!r}") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"{key}: must be an http(s) URL with a host, got {url[:200]!r}")


def css_selector(selector: str, key: str) -> None:
    """ValueError naming the key when `selector` (non-empty) is not CSS soupsieve can use."""
    if not selector:
        return
    import soupsieve

    try:
        soupsieve.compile(selector)
    except (soupsieve.SelectorSyntaxError, ValueError, TypeError) as error:
        first = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise ValueError(f"{key}: not a CSS selector ({first}): {selector[:200]!r}") from None


def check_selectors(selectors: SelectorSettings) -> None:
    for name in CSS_SELECTOR_KEYS:
        css_selector(getattr(selectors, name), f"selectors.{name}")


def check_schedule(source: SourceConfig) -> None:
    """The keys every kind shares that a kind's check can see: at most a week between cycles,
    jitter from 0 to a day (a sleep of 10^18 s is an OverflowError in the scheduler)."""
    if source.interval_seconds > 7 * 86400:  # under 1: config.py says "at least 1"
        check_int(source, "interval_seconds", 1, 7 * 86400)
    check_int(source, "jitter_seconds", 0, 86400)


def check_int(options: Any, name: str, low: int, high: int) -> None:
    value = getattr(options, name)
    if value is not None and not low <= value <= high:
        raise ValueError(f"{name}: must be between {low} and {high}, got {value}")


class LinkPattern:
    """A link_pattern compiled by `regex`, with `re.Pattern`'s `search` for a URL: a link over
    MAX_MATCHED_CHARS never matches, and a search over MATCH_SECONDS is a ParseError naming
    the key (that page fails, reported; the cycle never hangs)."""

    def __init__(self, pattern: str, compiled: Any, key: str) -> None:  # a regex.Pattern
        self.pattern, self.compiled, self.key = pattern, compiled, key

    def search(self, url: str) -> Any:
        try:
            return (
                self.compiled.search(url, timeout=MATCH_SECONDS)
                if len(url) <= MAX_MATCHED_CHARS
                else None
            )
        except TimeoutError:
            raise ParseError(
                f"{self.key}: the regex took over {MATCH_SECONDS} s on one link ({url[:100]!r}…):"
                " simplify it"
            ) from None


def check_listing(options: Any, source: SourceConfig) -> None:
    """A listing source's keys: its URL (`{page}` may stand for the page number), its
    link_pattern, every selector (list_selector too) and its counts."""
    check_url(source.url, placeholder="{page}")
    compile_link_pattern(options.link_pattern)
    check_int(options, "max_pages", 1, 1000)
    check_int(options, "baseline_items", 0, 100_000)
    check_selectors(source.selectors)
    check_schedule(source)
    css_selector(options.list_selector, "list_selector")


@functools.lru_cache(maxsize=64)  # a listing compiles its pattern every cycle
def compile_link_pattern(pattern: str, key: str = "link_pattern") -> Any:
    """The pattern compiled by `regex` (Python's syntax) as a LinkPattern, refused when it does
    not compile or when a probe string makes it backtrack past MATCH_SECONDS. (Typed Any: it
    stands where an re.Pattern is taken, for its `search`.)"""
    regex: Any = importlib.import_module("regex")  # no type stubs; imported when used

    try:
        compiled = regex.compile(pattern)
    except (regex.error, ValueError, OverflowError) as error:
        raise ValueError(f"{key}: bad regex: {error}") from None
    for probe in _probes(pattern):
        try:
            compiled.search(probe, timeout=MATCH_SECONDS)
        except TimeoutError:
            raise ValueError(
                f"{key}: the regex backtracks catastrophically (over {MATCH_SECONDS} s on a"
                f" {len(probe)}-character string): simplify it, e.g. no nested repeats like"
                f" (a+)+: {pattern[:200]!r}"
            ) from None
    return LinkPattern(pattern, compiled, key)


def _probes(pattern: str) -> list[str]:
    """Runs of each character the pattern names (and of a URL's usual ones), alone and paired
    with a letter, each ended by one that breaks the run: the strings on which nested or
    overlapping repeats explode."""
    chars = dict.fromkeys(c for c in pattern if c in string.ascii_letters + string.digits + "/-._")
    chars.update(dict.fromkeys("a1/-._ "))
    runs = [c * PROBE_CHARS for c in chars] + [(c + "a") * (PROBE_CHARS // 2) for c in chars]
    return [run + end for run in runs for end in ("\x00", "!")]
