"""`watcher demo --telegram`: the real bot on the package's local Bot API, talked to from stdin."""

from __future__ import annotations

import io
import re
from collections.abc import Callable

from click.testing import Result
from rich.console import Console

from watcher.demo.botapi import SentMessage
from watcher.demo.chat import shown_text
from watcher.demo.run import load_sample


def _shown(text: str, parse_mode: str | None = "HTML") -> str:
    buffer = io.StringIO()
    Console(file=buffer, width=200, color_system=None).print(
        shown_text(SentMessage(1, text, parse_mode, 0.0, 1))
    )
    return buffer.getvalue().rstrip("\n")


def test_a_message_is_shown_as_a_chat_shows_it_not_as_html() -> None:
    html = (
        '🇯🇵 <b>JP</b> · กระทรวงการต่างประเทศ\n\n<a href="https://example.test/1"><b>ไทย &amp; '
        "ญี่ปุ่น</b></a>\n\n<i>ตรงกับ: «ญี่ปุ่น»</i>"
    )
    assert _shown(html) == (
        "🇯🇵 JP · กระทรวงการต่างประเทศ\n\nไทย & ญี่ปุ่น (https://example.test/1)\n\nตรงกับ: «ญี่ปุ่น»"
    )
    assert _shown("plain <b> text", None) == "plain <b> text"  # only HTML messages are parsed


def test_bold_and_links_keep_their_look_in_colour() -> None:
    buffer = io.StringIO()
    message = SentMessage(1, 'a <b>bold</b> <a href="https://x.test">link</a>', "HTML", 0.0, 1)
    Console(file=buffer, width=80, color_system="standard").print(shown_text(message))
    out = buffer.getvalue()
    assert "\x1b[1mbold\x1b[0m" in out and "\x1b[4mlink\x1b[0m" in out


def test_typed_commands_get_the_bots_replies_and_the_items_arrive_as_alerts(
    run_cli: Callable[..., Result],
) -> None:
    commands = "/subscribe JP\n/subscribe JPN\n/digest_time 7:30\n/digest_time 25:00\n/list\n"
    commands += "/lang en\n/subscribe all\n"
    result = run_cli("demo", "--telegram", "--items", "3", "--publish-every", "0.3",
                     "--interval", "1", "--duration", "120", input=commands)  # fmt: skip
    assert result.exit_code == 0, result.output
    out = " ".join(result.output.split())  # the console wraps at 80 columns
    assert "you ▸ /subscribe JP bot ▸ รับข่าวแล้ว #1: JP ญี่ปุ่น" in out
    assert "you ▸ /subscribe JPN bot ▸ ไม่รู้จัก: JPN" in out
    assert "you ▸ /digest_time 7:30 bot ▸ ส่งสรุปรายวันเวลา 07:30 (เวลาประเทศไทย)" in out
    assert "you ▸ /digest_time 25:00 bot ▸ ใช้: /digest_time 07:30" in out
    assert "bot ▸ การรับข่าวของคุณ (โหมด instant, สรุปเวลา 07:30): 1. JP ญี่ปุ่น" in out
    assert "you ▸ /subscribe all bot ▸ Subscribed #2: all" in out
    assert "<b>" not in result.output and "&amp;" not in result.output
    alerts = out.split("you ▸ /subscribe all", 1)[1]
    for item in load_sample(3):  # every item arrives as an alert: title, then its address
        title = " ".join(item.title.split())
        assert re.search(re.escape(title) + r" \(http://127\.0\.0\.1:\d+/news/contents/", alerts)
    assert "Matched:" in alerts
    assert "demo: 3 items published, 3 picked up" in out
