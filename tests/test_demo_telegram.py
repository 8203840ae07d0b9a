"""`watcher demo --telegram`: the real bot on the package's local Bot API, talked to from stdin."""

from __future__ import annotations

import io
import os
import pty
import re
import select
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result
from rich.console import Console
from rich.text import Text

from tests.conftest import ROOT
from watcher.demo.botapi import SentMessage
from watcher.demo.chat import _beside, shown_text
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
    buffer = io.StringIO()
    console = Console(file=buffer, width=30, color_system="standard")
    console.print(_beside(console, Text("bot ▸ ", "bold green"), Text("one two three " * 4)))
    first, *wrapped = buffer.getvalue().splitlines()
    assert first.startswith("\x1b[1;32mbot ▸ \x1b[0m") and len(wrapped) >= 1
    assert all(line[:7].strip() == line[6] and "\x1b" not in line for line in wrapped)


def test_typed_commands_get_the_bots_replies_and_the_items_arrive_as_alerts(
    run_cli: Callable[..., Result], monkeypatch: pytest.MonkeyPatch
) -> None:
    # a real token and base URL in the environment are never used by the demo
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "999:real-token-not-for-the-demo")
    monkeypatch.setenv("TELEGRAM_API_BASE_URL", "http://127.0.0.1:9/bot")
    commands = (
        "/start\n/subscribe JP\n/subscribe JPN\n/digest_time 7:30\n/digest_time 25:00\n"
        '/subscribe "รถยนต์ไฟฟ้า" weekly\n/list\n'
    )
    commands += "/lang en\n/subscribe all\n"
    result = run_cli("demo", "--telegram", "--items", "3", "--publish-every", "0.3",
                     "--interval", "1", "--duration", "120", input=commands)  # fmt: skip
    assert result.exit_code == 0, result.output
    out = " ".join(result.output.split())  # the console wraps at 80 columns
    assert "รหัสแชตนี้: 5550001 (ผู้ดูแลเพิ่มได้ด้วย watcher subscribers add --telegram 5550001)" in out
    assert "you ▸ /subscribe JP bot ▸ รับข่าวแล้ว #1: JP ญี่ปุ่น" in out
    assert "you ▸ /subscribe JPN bot ▸ ไม่รู้จัก: JPN" in out
    assert "you ▸ /digest_time 7:30 bot ▸ ส่งสรุปรายวันเวลา 07:30 (เวลาประเทศไทย)" in out
    assert "you ▸ /digest_time 25:00 bot ▸ ใช้: /digest_time 07:30" in out
    assert "bot ▸ รับข่าวแล้ว #2: คำ: รถยนต์ไฟฟ้า (weekly)" in out
    assert "bot ▸ การรับข่าวของคุณ (โหมด instant, สรุปเวลา 07:30):" in out
    assert "สรุปรายสัปดาห์: ทุกวันจันทร์ เวลา 07:30 bot ▸ 1. JP ญี่ปุ่น (instant)" in out
    assert "2. คำ: รถยนต์ไฟฟ้า (weekly) [ทันที] [รายวัน] [• รายสัปดาห์] [⏸ หยุด] [✖ ลบ]" in out
    assert "you ▸ /subscribe all bot ▸ Subscribed #3: all" in out
    assert "<b>" not in result.output and "&amp;" not in result.output
    alerts = out.split("you ▸ /subscribe all", 1)[1]
    for item in load_sample(3):  # every item arrives as an alert: title, then its address
        title = " ".join(item.title.split())
        assert re.search(re.escape(title) + r" \(http://127\.0\.0\.1:\d+/news/contents/", alerts)
    assert "Matched:" in alerts
    assert "demo: 3 items published, 3 picked up" in out


def _read_until(fd: int, seen: bytearray, wanted: str, timeout: float = 60.0) -> bool:
    """Read the terminal until `wanted` appears (polled with a deadline, never a sleep)."""
    deadline = time.monotonic() + timeout
    while wanted.encode() not in seen and time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.1)
        if ready:
            try:
                seen += os.read(fd, 65536)
            except OSError:  # the demo ended and closed the terminal
                break
    return wanted.encode() in seen


def test_on_a_terminal_it_prompts_alerts_after_subscribing_and_ends_at_ctrl_d(
    tmp_path: Path,
) -> None:
    main, side = pty.openpty()
    env = {**os.environ, "WATCHER_DB": str(tmp_path / "unused.db"), "COLUMNS": "200"}
    process = subprocess.Popen(
        [sys.executable, "-m", "watcher", "demo", "--telegram", "--items", "2",
         "--publish-every", "0.3", "--interval", "1", "--duration", "120"],
        stdin=side, stdout=side, stderr=side, env=env, cwd=ROOT,
    )  # fmt: skip
    os.close(side)
    seen = bytearray()
    try:
        assert _read_until(main, seen, "you ▸"), seen.decode(errors="replace")
        assert "published id" not in seen.decode(errors="replace")  # waits for a subscription
        os.write(main, b"/subscribe all\n")
        assert _read_until(main, seen, "#1: all"), seen.decode(errors="replace")
        title = " ".join(load_sample(2)[1].title.split())
        assert _read_until(main, seen, title[:15]), seen.decode(errors="replace")
        assert _read_until(main, seen, "ตรงกับ"), seen.decode(errors="replace")
        os.write(main, b"\x04")  # Ctrl-D
        assert _read_until(main, seen, "demo: 2 items published"), seen.decode(errors="replace")
        assert process.wait(timeout=30) == 0
    finally:
        process.kill()
        process.wait()
        os.close(main)


def test_the_readmes_scripted_demo_command_runs_as_documented() -> None:
    """The README's `printf … | watcher demo --telegram …` line, run by a shell as printed."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    (line,) = [ln for ln in readme.splitlines() if "| watcher demo --telegram" in ln]
    command = line.split("  #")[0].strip()
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    done = subprocess.run(
        ["bash", "-c", command], capture_output=True, text=True, env=env, cwd=ROOT, timeout=300
    )
    assert done.returncode == 0, done.stderr
    out = " ".join(done.stdout.split())
    assert "you ▸ /start bot ▸ บอทนี้ติดตามข่าว" in out
    assert "รหัสแชตนี้: 5550001" in out
    assert "you ▸ /subscribe all bot ▸ รับข่าวแล้ว #1: all" in out
    assert "you ▸ /list bot ▸ การรับข่าวของคุณ (โหมด instant, สรุปเวลา 07:30): bot ▸ 1. all" in out
    for item in load_sample(3):
        assert re.search(re.escape(" ".join(item.title.split())) + r" \(http://127\.0\.0\.1:", out)
    assert "demo: 3 items published, 3 picked up" in out
    assert "until the script's alerts are out" in out
    assert "Traceback" not in done.stderr
