"""Telegram messages from templates: alerts, digests split to fit, item lists, bot phrases.

Every message exists twice, as HTML (parse mode HTML, every text from a page escaped by the
template engine) and as plain text, the fallback when Telegram refuses the markup. A digest is
cut into messages of at most 4096 characters at item boundaries only, so a cut never falls
inside a Thai grapheme cluster nor leaves a tag open; each piece is a closed HTML fragment.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Any, Protocol

import jinja2

from watcher.channels.digest import Digest
from watcher.channels.render import cut_at_boundary, excerpt, flag
from watcher.core.thaidate import format_thai_date
from watcher.match.language import fold_item, term_occurs
from watcher.match.subscriptions import Subscriber
from watcher.store import StoredItem

__all__ = [
    "MESSAGE_LIMIT",
    "Buttons",
    "CodeNames",
    "Message",
    "Names",
    "TelegramRenderer",
    "Terms",
    "default_templates_dir",
    "telegram_length",
]

MESSAGE_LIMIT = 4096  # Telegram's limit, in UTF-16 code units after entity parsing
TITLE_LIMIT = 300
EVIDENCE_SHOWN = 4
_EN_MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


class Names(Protocol):
    """Display names of codes; the classifier's Gazetteer is one."""

    def country_name(self, code: str, lang: str = "th") -> str: ...

    def bloc_name(self, code: str, lang: str = "th") -> str: ...

    def ministry_name(self, ministry_id: str, lang: str = "th") -> str: ...


class Terms(Names, Protocol):
    """Names plus the resolution of a user's word ("ญี่ปุ่น" → country JP); a Gazetteer."""

    def resolve_term(self, text: str) -> tuple[str, str] | None: ...

    def closest(self, text: str) -> list[str]: ...


class CodeNames:
    """Names when no gazetteer is at hand: the codes themselves."""

    def country_name(self, code: str, lang: str = "th") -> str:
        return code

    def bloc_name(self, code: str, lang: str = "th") -> str:
        return code

    def ministry_name(self, ministry_id: str, lang: str = "th") -> str:
        return ministry_id


Buttons = tuple[tuple[tuple[str, str], ...], ...]  # rows of (label, callback data)


@dataclass(frozen=True)
class Message:
    html: str
    plain: str
    buttons: Buttons = ()  # an inline keyboard under the message


def default_templates_dir() -> Path:
    return Path(__file__).resolve().parents[2] / "templates" / "telegram"


def telegram_length(text: str) -> int:
    """Length as Telegram counts it (UTF-16 code units); a flag emoji counts 4."""
    return len(text.encode("utf-16-le")) // 2


class TelegramRenderer:
    def __init__(self, names: Names | None = None, templates: Path | None = None) -> None:
        self.names: Names = names or CodeNames()
        directory = templates or default_templates_dir()
        self.env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(directory),
            autoescape=jinja2.select_autoescape(["html"], default=False),
            trim_blocks=True,
            keep_trailing_newline=False,
            undefined=jinja2.StrictUndefined,
        )
        with (directory / "phrases.toml").open("rb") as handle:
            self.phrases: dict[str, dict[str, str]] = tomllib.load(handle)
        # Templates read phrases as `t.name`; on a dict, Jinja resolves `t.items` to the dict
        # method before the key, so templates get a namespace that has only the phrases.
        self._template_phrases = {
            lang: SimpleNamespace(**table) for lang, table in self.phrases.items()
        }

    # --- pieces ---------------------------------------------------------------------------

    def phrase(self, key: str, lang: str, **fields: Any) -> str:
        table = self.phrases.get(lang) or self.phrases["th"]
        return table[key].format(**fields)

    def _render(self, name: str, lang: str, **fields: Any) -> str:
        t = self._template_phrases.get(lang) or self._template_phrases["th"]
        return self.env.get_template(name).render(t=t, **fields).strip("\n")

    def _both(self, stem: str, lang: str, **fields: Any) -> Message:
        return Message(
            self._render(f"{stem}.html", lang, **fields),
            self._render(f"{stem}.txt", lang, **fields),
        )

    def help_text(self, lang: str) -> str:
        return self._render(f"help_{'en' if lang == 'en' else 'th'}.txt", lang)

    def text(self, template: str, **fields: Any) -> str:
        """A plain-text template (stats, health alerts) rendered with `fields`."""
        return self._render(template, "en", **fields)

    # --- alerts ---------------------------------------------------------------------------

    def alert(self, item: StoredItem, subscriber: Subscriber) -> Message:
        lang = subscriber.lang
        codes = list(item.countries) + list(item.blocs)
        ministry = item.lead_ministry or (item.ministries[0] if item.ministries else None)
        return self._both(
            "alert",
            lang,
            flags="".join(flag(code) for code in item.countries) or "📰",
            codes=" ".join(codes) or self.phrase("no_partner", lang),
            ministry=self.names.ministry_name(ministry, lang) if ministry else "",
            title=_short_title(item.title),
            url=_safe_url(item.url),
            date=_date_text(item.published, lang),
            excerpt=excerpt(item.body, 400),
            why=self.evidence(item, subscriber),
        )

    def evidence(self, item: StoredItem, subscriber: Subscriber) -> str:
        """Why the item matched: the subscriber's words found in it, then the matched words
        behind the codes the subscriber follows."""
        folded = (
            fold_item(item.title, item.body)
            if any(s.query for s in subscriber.subscriptions)
            else None
        )
        wanted: set[str] = set()
        shown: list[str] = []
        for subscription in subscriber.subscriptions:
            if subscription.everything or not subscription.matches(
                item.countries, item.blocs, item.ministries, item.lead_ministry, folded
            ):
                continue
            wanted |= {*subscription.countries, *subscription.blocs, *subscription.ministries}
            if subscription.words is not None and folded is not None:
                shown += [
                    f"«{term.text}»"
                    for term in subscription.words.terms
                    if f"«{term.text}»" not in shown and term_occurs(term, folded)
                ]
        seen: set[tuple[str, str]] = set()
        for evidence in item.evidence:
            if len(shown) >= EVIDENCE_SHOWN:
                break
            code, kind = str(evidence.get("code", "")), str(evidence.get("kind", ""))
            if (wanted and code not in wanted) or (kind, code) in seen:
                continue
            seen.add((kind, code))
            shown.append(f"«{evidence.get('alias', '')}» → {self._name(kind, code, subscriber)}")
        return ", ".join(shown[:EVIDENCE_SHOWN])

    def _name(self, kind: str, code: str, subscriber: Subscriber) -> str:
        if kind == "ministry":
            return self.names.ministry_name(code, subscriber.lang)
        if kind == "bloc":
            return self.names.bloc_name(code, subscriber.lang)
        return f"{code} {self.names.country_name(code, subscriber.lang)}"

    # --- digests and lists ----------------------------------------------------------------

    def digest(self, digest: Digest) -> list[Message]:
        lang = digest.subscriber.lang

        def header(part: int) -> Message:
            return self._both(
                "digest_header",
                lang,
                date=_period_text(digest, lang),
                weekly=digest.weekly,
                count=digest.count,
                part=part,
            )

        blocks: list[_Block] = []
        number = 0
        for section in digest.sections:
            heading = self._section(section.country, section.ministry, lang, continued=False)
            continued = self._section(section.country, section.ministry, lang, continued=True)
            for index, item in enumerate(section.items):
                number += 1
                line = self._item_line(number, item, lang)
                blocks.append(_Block(line, heading if index == 0 else None, continued))
        return _pack(header, blocks)

    def _section(
        self, country: str | None, ministry: str | None, lang: str, *, continued: bool
    ) -> Message:
        return self._both(
            "digest_section",
            lang,
            flag=flag(country) if country else "🌐",
            country=(
                f"{self.names.country_name(country, lang)} ({country})"
                if country
                else self.phrase("no_partner", lang)
            ),
            ministry=self.names.ministry_name(ministry, lang) if ministry else "",
            continued=continued,
        )

    def _item_line(self, number: int, item: StoredItem, lang: str) -> Message:
        return self._both(
            "item_line",
            lang,
            number=number,
            title=_short_title(item.title),
            url=_safe_url(item.url),
            date=_date_text(item.published, lang),
        )

    def item_list(self, heading: str, items: Sequence[StoredItem], lang: str) -> list[Message]:
        """/latest and /search answers: a heading, then numbered items, split to fit."""
        first = self._both("list_header", lang, heading=heading)
        blocks = [_Block(self._item_line(n, item, lang)) for n, item in enumerate(items, 1)]
        return _pack(lambda part: first, blocks)


@dataclass(frozen=True)
class _Block:
    line: Message
    heading: Message | None = None  # shown before the line when it opens its section
    continued: Message | None = None  # shown instead when it opens a message mid-section


def _pack(header: Callable[[int], Message], blocks: Iterable[_Block]) -> list[Message]:
    """Fill messages block by block; a block that does not fit starts the next message, with
    its section heading repeated (marked as continued) so every message reads on its own."""
    messages: list[Message] = []
    part = 1
    html, plain = [header(part).html], [header(part).plain]
    for block in blocks:
        pieces = [m for m in (block.heading, block.line) if m is not None]
        if not _fits(html, plain, pieces):
            messages.append(Message("\n".join(html), "\n".join(plain)))
            part += 1
            html, plain = [header(part).html], [header(part).plain]
            pieces = [m for m in (block.heading or block.continued, block.line) if m is not None]
        html += [m.html for m in pieces]
        plain += [m.plain for m in pieces]
    messages.append(Message("\n".join(html), "\n".join(plain)))
    return messages


def _fits(html: list[str], plain: list[str], block: list[Message]) -> bool:
    return all(
        telegram_length("\n".join([*lines, *(getattr(m, kind) for m in block)])) <= MESSAGE_LIMIT
        for lines, kind in ((html, "html"), (plain, "plain"))
    )


def _short_title(title: str) -> str:
    title = " ".join(title.split())
    if len(title) <= TITLE_LIMIT:
        return title
    return cut_at_boundary(title, TITLE_LIMIT - 1).rstrip() + "…"


def _safe_url(url: str | None) -> str | None:
    """Only http(s) links become links: a page cannot smuggle a javascript: or tg: URL in."""
    if url and url.startswith(("http://", "https://")) and len(url) <= 2000:
        return url
    return None


def _period_text(digest: Digest, lang: str) -> str:
    """A digest's day, or a weekly digest's first and last day."""
    last = _date_text(digest.day.isoformat(), lang)
    if digest.first_day is None:
        return last
    return f"{_date_text(digest.first_day.isoformat(), lang)} – {last}"


def _date_text(iso: str | None, lang: str) -> str:
    if not iso:
        return ""
    try:
        day = dt.date.fromisoformat(iso[:10])
    except ValueError:
        return iso
    if lang == "en":
        return f"{day.day} {_EN_MONTHS[day.month - 1]} {day.year}"
    return format_thai_date(day)
