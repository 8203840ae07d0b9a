"""The e-mail rendering: both parts from the templates, grouping, escaping, safe headers."""

from __future__ import annotations

import datetime as dt
import re
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser

import pytest

from tests.mailroom import BANGKOK, DAY, add_item, add_subscriber
from watcher.channels.digest import build_digest
from watcher.channels.email.render import EmailRenderer, build_message, header_text
from watcher.core.errors import ConfigError
from watcher.store import Store

SUBJECT = "ข่าวรัฐบาล {date}: {count} ข่าว"
UNSUBSCRIBE = "mailto:watcher@example.org?subject=unsubscribe"
NOW = dt.datetime(2026, 11, 20, 0, 5, tzinfo=dt.UTC)


def names(kind: str, code: str, lang: str) -> str:
    return {"JP": "ญี่ปุ่น", "KR": "เกาหลีใต้", "industry": "กระทรวงอุตสาหกรรม"}.get(code, code)


def parse(message: EmailMessage) -> EmailMessage:
    parsed = BytesParser(policy=policy.default).parsebytes(message.as_bytes())
    assert isinstance(parsed, EmailMessage)
    return parsed


def parts(message: EmailMessage) -> tuple[str, str]:
    text = message.get_body(("plain",))
    html = message.get_body(("html",))
    assert text is not None and html is not None
    return (
        str(text.get_content()).replace("\r\n", "\n"),
        str(html.get_content()).replace("\r\n", "\n"),
    )


def test_digest_groups_by_primary_country_then_ministry(store: Store) -> None:
    add_item(store, "ญี่ปุ่นลงทุนโรงงาน", countries=["JP"], ministries=["industry"], hour=10)
    add_item(store, "เกาหลีใต้เยือนไทย", countries=["KR"], ministries=["foreign"], hour=8)
    add_item(store, "ญี่ปุ่นหารือการทูต", countries=["JP"], ministries=["foreign"], hour=11)
    add_item(store, "ประชุม ครม.", ministries=["finance"], hour=7)
    subscriber = add_subscriber(store, "desk@example.org", everything=True)
    digest = build_digest(store, subscriber, DAY, BANGKOK)

    rendered = EmailRenderer(subject=SUBJECT, names=names).digest(digest, unsubscribe=UNSUBSCRIBE)

    order = ["ญี่ปุ่นหารือการทูต", "ญี่ปุ่นลงทุนโรงงาน", "เกาหลีใต้เยือนไทย", "ประชุม ครม."]
    for part in (rendered.text, rendered.html):
        positions = [part.index(title) for title in order]
        assert positions == sorted(positions)
        assert part.index("ญี่ปุ่น (JP)") < part.index("foreign") < part.index("กระทรวงอุตสาหกรรม")
        assert "No partner country" in part
    assert rendered.subject == "ข่าวรัฐบาล 2026-11-19: 4 ข่าว"


def test_each_item_has_link_date_labels_and_opening(store: Store) -> None:
    item = add_item(
        store,
        "ญี่ปุ่นลงทุนโรงงาน",
        countries=["JP", "KR"],
        ministries=["industry"],
        body="ประโยคแรกของข่าวนี้ ประโยคที่สอง " + "ยาวมาก " * 200,
    )
    subscriber = add_subscriber(store, "desk@example.org", countries=["JP"])
    digest = build_digest(store, subscriber, DAY, BANGKOK)

    rendered = EmailRenderer(subject=SUBJECT, names=names, excerpt_chars=120).digest(
        digest, unsubscribe=UNSUBSCRIBE
    )

    assert item.url is not None
    assert f'<a href="{item.url}">ญี่ปุ่นลงทุนโรงงาน</a>' in rendered.html
    for part in (rendered.text, rendered.html):
        assert item.url in part
        assert "2026-11-19 | ญี่ปุ่น, เกาหลีใต้ | กระทรวงอุตสาหกรรม" in part
        assert "ประโยคแรกของข่าวนี้ ประโยคที่สอง" in part
        assert "ยาวมาก " * 40 not in part  # only the opening
        assert f"To unsubscribe: {UNSUBSCRIBE}" in part or f">{UNSUBSCRIBE}</a>" in part
        assert "desk@example.org" in part


def test_html_part_escapes_titles_and_links_only_web_urls(store: Store) -> None:
    add_item(store, 'ข่าว <script>alert("x")</script> & "quotes"', countries=["JP"])
    subscriber = add_subscriber(store, "desk@example.org", countries=["JP"])
    digest = build_digest(store, subscriber, DAY, BANGKOK)
    item = digest.items[0]
    tampered = type(digest)(
        digest.day,
        subscriber,
        (type(digest.sections[0])("JP", None, (_with_url(item, "javascript:alert(1)"),)),),
    )

    html = EmailRenderer(subject=SUBJECT).digest(tampered, unsubscribe=UNSUBSCRIBE).html

    assert "<script>" not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; &#34;quotes&#34;" in html
    assert "javascript:" not in html


def _with_url(item: object, url: str) -> object:
    from dataclasses import replace

    return replace(item, url=url)  # type: ignore[type-var]


def test_thai_subject_is_encoded_and_decodes_back_equal(store: Store) -> None:
    add_item(store, "ญี่ปุ่นลงทุนโรงงาน", countries=["JP"])
    subscriber = add_subscriber(store, "desk@example.org", countries=["JP"])
    rendered = EmailRenderer(subject=SUBJECT).digest(
        build_digest(store, subscriber, DAY, BANGKOK), unsubscribe=UNSUBSCRIBE
    )
    message = build_message(
        rendered,
        sender="Watcher <watcher@example.org>",
        recipient=subscriber.address,
        unsubscribe=UNSUBSCRIBE,
        message_key="digest.2026-11-19.s1.r1",
        now=NOW,
    )

    raw = message.as_bytes()
    raw.decode("ascii")  # every header and part is 7-bit: RFC 2047 and quoted-printable
    assert b"=?utf-8?" in raw.split(b"\r\n\r\n", 1)[0]
    parsed = parse(message)
    assert parsed["Subject"] == "ข่าวรัฐบาล 2026-11-19: 1 ข่าว"
    assert parsed.get_content_type() == "multipart/alternative"
    assert parsed["List-Unsubscribe"] == f"<{UNSUBSCRIBE}>"
    message_id = parsed["Message-ID"].strip()
    assert re.fullmatch(r"<[\w.]+\.digest\.2026-11-19\.s1\.r1@example\.org>", message_id)
    text, html = parts(parsed)
    assert "ญี่ปุ่นลงทุนโรงงาน" in text and "ญี่ปุ่นลงทุนโรงงาน" in html


def test_a_title_with_crlf_never_makes_a_header(store: Store) -> None:
    title = "ข่าวด่วน\r\nBcc: evil@example.org\r\nX-Evil: 1"
    item = add_item(store, title, countries=["JP"])
    subscriber = add_subscriber(store, "desk@example.org", countries=["JP"])
    digest = build_digest(store, subscriber, DAY, BANGKOK)
    rendered = EmailRenderer(subject=SUBJECT).alert(item, digest, unsubscribe=UNSUBSCRIBE)

    parsed = parse(
        build_message(
            rendered,
            sender="watcher@example.org",
            recipient=subscriber.address,
            unsubscribe=UNSUBSCRIBE,
            message_key="alert.x",
            now=NOW,
        )
    )

    assert parsed["Bcc"] is None and parsed["X-Evil"] is None
    assert parsed["Subject"] == "ข่าวด่วน Bcc: evil@example.org X-Evil: 1"
    text, _ = parts(parsed)
    assert "* ข่าวด่วน Bcc: evil@example.org X-Evil: 1\n" in text


@pytest.mark.parametrize(
    ("raw", "line"),
    [
        ("a\r\nb", "a b"),
        ("a\nb\rc", "a b c"),
        ("tab\there\x00\x1b[31m", "tab here [31m"),
        ("line\u2028sep\u0085x", "line sep x"),
        ("  spaced   out  ", "spaced out"),
    ],
)
def test_header_text_collapses_breaks_and_controls(raw: str, line: str) -> None:
    assert header_text(raw) == line


def test_header_text_caps_length() -> None:
    assert len(header_text("ก" * 500, limit=50)) == 50


def test_empty_digest_says_so(store: Store) -> None:
    subscriber = add_subscriber(store, "desk@example.org", countries=["JP"])
    rendered = EmailRenderer(subject=SUBJECT).digest(
        build_digest(store, subscriber, DAY, BANGKOK), unsubscribe=UNSUBSCRIBE
    )
    assert "No item matched your subscriptions" in rendered.text
    assert "No item matched your subscriptions" in rendered.html
    assert rendered.subject.endswith(": 0 ข่าว")


@pytest.mark.parametrize("template", ["{unknown}", "{0}", "{count"])
def test_bad_subject_template_is_a_config_error(template: str) -> None:
    with pytest.raises(ConfigError, match=r"email\.subject"):
        EmailRenderer(subject=template)
