"""A digest (or one alert) as an e-mail: subject, plain-text and HTML parts from the Jinja2
templates in watcher/templates/email/, and the MIME message around them.

Everything that reaches a header goes through `header_text` first: a title is site data, and a
CR or LF in it must never start a header of its own. The HTML template autoescapes, so a title
with markup shows as text.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from email import policy
from email.headerregistry import BaseHeader, HeaderRegistry, UnstructuredHeader
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr
from typing import cast

import jinja2

from watcher.channels.digest import Digest, DigestSection
from watcher.channels.email.unsubscribe import ONE_CLICK
from watcher.channels.render import excerpt, flag
from watcher.core.errors import ConfigError
from watcher.core.thaidate import format_thai_date
from watcher.store import StoredItem

__all__ = [
    "EmailRenderer",
    "NameLookup",
    "RenderedEmail",
    "build_message",
    "code_names",
    "header_text",
]

# (kind "country" | "bloc" | "ministry", code, lang) → a name people read
NameLookup = Callable[[str, str, str], str]

_CONTROL = re.compile(r"[\x00-\x1f\x7f\u0085\u2028\u2029]+")
_SPACES = re.compile(r"\s+")
_MSGID_UNSAFE = re.compile(r"[^A-Za-z0-9.+_-]")
_WEB_LINK = re.compile(r"^https?://[^\s\"'<>]+$", re.IGNORECASE)
SUBJECT_FIELDS = ("count", "date", "date_th", "address")
LINK_LIMIT = 900  # a link is never shortened (cut, it would lead nowhere); lines stay < 998


class _LinksHeader(UnstructuredHeader):
    """List-Unsubscribe written as is, one target a line: the default folding would turn a
    long link into RFC 2047 encoded-words, which no mail client reads as a link."""

    def fold(self, *, policy: policy.Policy) -> str:
        targets = str(self).split(", ")
        name = getattr(self, "name")  # noqa: B009 - BaseHeader's, mixed in by the registry
        return f"{name}: " + f",{policy.linesep} ".join(targets) + policy.linesep


_HEADERS = HeaderRegistry()
_HEADERS.map_to_type("list-unsubscribe", cast("type[BaseHeader]", _LinksHeader))
_POLICY = policy.SMTP.clone(header_factory=_HEADERS)


def code_names(kind: str, code: str, lang: str) -> str:
    """The fallback lookup: codes as they are (JP, industry)."""
    return code


def header_text(text: str, limit: int = 200) -> str:
    """One line fit for a header: line breaks and control characters become single spaces."""
    line = _SPACES.sub(" ", _CONTROL.sub(" ", text)).strip()
    return line if len(line) <= limit else line[: limit - 1].rstrip() + "…"


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    text: str
    html: str


@dataclass(frozen=True)
class ItemView:
    title: str
    url: str | None
    published: str | None
    partners: tuple[str, ...]
    ministries: tuple[str, ...]
    opening: str


@dataclass(frozen=True)
class MinistryView:
    name: str | None
    items: tuple[ItemView, ...]


@dataclass(frozen=True)
class CountryView:
    code: str | None
    name: str | None
    flag: str
    ministries: tuple[MinistryView, ...]


class EmailRenderer:
    """Renders with the packaged templates; names come from an injectable lookup."""

    def __init__(
        self,
        *,
        subject: str,
        names: NameLookup = code_names,
        excerpt_chars: int = 300,
        loader: jinja2.BaseLoader | None = None,
    ) -> None:
        check_subject_template(subject)
        self.subject = subject
        self.names = names
        self.excerpt_chars = excerpt_chars
        self.env = jinja2.Environment(
            loader=loader or jinja2.PackageLoader("watcher", "templates/email"),
            autoescape=jinja2.select_autoescape(enabled_extensions=("html.j2",)),
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
        )
        self.env.filters["oneline"] = lambda text: header_text(str(text), limit=10_000)

    def digest(self, digest: Digest, *, unsubscribe: str) -> RenderedEmail:
        context = self._context(digest, "digest", unsubscribe)
        subject = self.subject.format(
            count=digest.count,
            date=context["date"],
            date_th=context["date_th"],
            address=digest.subscriber.address,
        )
        return self._render(header_text(subject), context)

    def alert(self, item: StoredItem, digest: Digest, *, unsubscribe: str) -> RenderedEmail:
        """One item, laid out like a one-item digest, with the item's title as subject."""
        return self._render(header_text(item.title), self._context(digest, "alert", unsubscribe))

    def _context(self, digest: Digest, kind: str, unsubscribe: str) -> dict[str, object]:
        lang = digest.subscriber.lang
        return {
            "kind": kind,
            "date": _period(digest, dt.date.isoformat),
            "date_th": _period(digest, format_thai_date),
            "weekly": digest.weekly,
            "count": digest.count,
            "countries": self._countries(digest.sections, lang),
            "address": digest.subscriber.address,
            "interests": self._interests(digest, lang),
            "unsubscribe": unsubscribe,
        }

    def _render(self, subject: str, context: dict[str, object]) -> RenderedEmail:
        text = self.env.get_template("digest.txt.j2").render(subject=subject, **context)
        html = self.env.get_template("digest.html.j2").render(subject=subject, **context)
        return RenderedEmail(subject, text, html)

    def _countries(self, sections: tuple[DigestSection, ...], lang: str) -> list[CountryView]:
        views: list[CountryView] = []
        for section in sections:  # already ordered by country, then ministry
            ministry = MinistryView(
                self._name("ministry", section.ministry, lang),
                tuple(self._item(item, lang) for item in section.items),
            )
            if views and views[-1].code == section.country:
                last = views.pop()
                views.append(
                    CountryView(**{**vars(last), "ministries": (*last.ministries, ministry)})
                )
            else:
                views.append(
                    CountryView(
                        section.country,
                        self._name("country", section.country, lang),
                        flag(section.country or ""),
                        (ministry,),
                    )
                )
        return views

    def _item(self, item: StoredItem, lang: str) -> ItemView:
        partners = tuple(self.names("country", code, lang) for code in item.countries) + tuple(
            self.names("bloc", code, lang) for code in item.blocs
        )
        return ItemView(
            title=item.title,
            url=item.url if item.url and _WEB_LINK.match(item.url) else None,
            published=item.published,
            partners=partners,
            ministries=tuple(self.names("ministry", code, lang) for code in item.ministries),
            opening=excerpt(item.body, self.excerpt_chars),
        )

    def _interests(self, digest: Digest, lang: str) -> list[str]:
        """What the digest's subscriptions ask for (the weekly ones in a weekly digest)."""
        described = []
        for subscription in digest.subscriber.at("weekly" if digest.weekly else "daily"):
            if subscription.everything:
                described.append("all / ทั้งหมด")
                continue
            names = [self.names("country", c, lang) for c in subscription.countries]
            names += [self.names("bloc", c, lang) for c in subscription.blocs]
            names += [self.names("ministry", m, lang) for m in subscription.ministries]
            if subscription.query:
                names.append(f"“{subscription.query}”")
            described.append(", ".join(names))
        return described

    def _name(self, kind: str, code: str | None, lang: str) -> str | None:
        return None if code is None else self.names(kind, code, lang)


def check_subject_template(template: str) -> None:
    """A subject template that names an unknown field fails at start-up, not at 07:00."""
    sample = dict.fromkeys(SUBJECT_FIELDS, "x")
    try:
        template.format(**sample)
    except (KeyError, IndexError, ValueError) as error:
        raise ConfigError(
            f"email.subject: bad template {template!r} ({error!s});"
            f" fields: {', '.join('{' + f + '}' for f in SUBJECT_FIELDS)}"
        ) from error


def build_message(
    rendered: RenderedEmail,
    *,
    sender: str,
    recipient: str,
    unsubscribe: str | Sequence[str],
    message_key: str,
    now: dt.datetime,
    one_click: bool = False,
) -> EmailMessage:
    """multipart/alternative (text, then HTML) with RFC 2047 headers for Thai subjects.

    `message_key` goes into the Message-ID (which stays unique per send) so a message found in
    a mailbox can be traced to its outbox row. `unsubscribe` is the List-Unsubscribe target(s);
    `one_click` adds List-Unsubscribe-Post (RFC 8058: the first target is an https:// link that
    unsubscribes on a POST).
    """
    targets = [unsubscribe] if isinstance(unsubscribe, str) else list(unsubscribe)
    message = EmailMessage(policy=_POLICY)
    message["Subject"] = header_text(rendered.subject)
    message["From"] = sender
    message["To"] = recipient
    message["Date"] = format_datetime(now.astimezone(dt.UTC))
    domain = parseaddr(sender)[1].rpartition("@")[2] or "localhost"
    message["Message-ID"] = make_msgid(idstring=_MSGID_UNSAFE.sub("-", message_key), domain=domain)
    message["List-Unsubscribe"] = ", ".join(
        f"<{header_text(target, limit=LINK_LIMIT)}>" for target in targets
    )
    if one_click:
        message["List-Unsubscribe-Post"] = ONE_CLICK
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(rendered.text, subtype="plain", charset="utf-8", cte="quoted-printable")
    message.add_alternative(rendered.html, subtype="html", charset="utf-8", cte="quoted-printable")
    return message


def _period(digest: Digest, show: Callable[[dt.date], str]) -> str:
    """A digest's day, or a weekly digest's first and last day."""
    if digest.first_day is None:
        return show(digest.day)
    return f"{show(digest.first_day)} – {show(digest.day)}"
