"""`watcher serve` for real: a subprocess on 127.0.0.1, port 0, requests over HTTP, SIGTERM.

The feed it serves for a query is byte for byte what `watcher feed` writes for the same
filters (one filter parser, one feed builder); an unchanged answer is a 304 to a reader that
names its ETag, and a new item changes the ETag.
"""

from __future__ import annotations

import datetime as dt
import os
import queue
import re
import signal
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import feedparser
import httpx
import pytest
from click.testing import Result

from watcher.channels.atom.serve import MAX_LIMIT
from watcher.core.corpus import Item
from watcher.core.errors import StoreError
from watcher.store import Store

ROOT = Path(__file__).resolve().parents[1]
RunCli = Callable[..., Result]
URL = "https://www.thaigov.go.th/news/contents/details/{}"
START_SECONDS = 60.0  # a deadline for a loaded CI machine, not an expected duration


def labels(countries: list[str], ministries: list[str]) -> dict[str, Any]:
    return {"countries": countries, "primary": countries, "blocs": [], "ministries": ministries,
            "lead_ministry": ministries[0] if ministries else None, "evidence": []}  # fmt: skip


def fill(path: Path, now: dt.datetime, count: int, start: int = 0) -> None:
    store = Store.open(path)
    for n in range(start, start + count):
        countries, ministries = (["JP"], ["industry"]) if n % 2 else (["KR"], ["commerce"])
        item = Item(f"ข่าวที่ {n}", f"เนื้อหาข่าวที่ {n}", URL.format(n))  # undated: by first seen
        seen = now + dt.timedelta(seconds=n)
        store.add_item(item, origin="import", seen_at=seen, labels=labels(countries, ministries))
    store.close()


class Served:
    def __init__(self, db_path: Path) -> None:
        env = dict(os.environ, WATCHER_DB=str(db_path), PYTHONPATH=str(ROOT),
                   WATCHER_CONFIG=str(ROOT / "config" / "watcher.toml"))  # fmt: skip
        self.process = subprocess.Popen(
            [sys.executable, "-m", "watcher", "serve", "--port", "0"],
            env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        lines: queue.Queue[str] = queue.Queue()
        assert self.process.stdout is not None
        threading.Thread(target=lambda: lines.put(self.process.stdout.readline()),  # type: ignore[union-attr]
                         daemon=True).start()  # fmt: skip
        try:
            self.first_line = lines.get(timeout=START_SECONDS)
        except queue.Empty:
            self.process.kill()
            raise AssertionError("serve printed nothing before the deadline") from None
        found = re.fullmatch(r"serving http://127\.0\.0\.1:(\d+)/\n", self.first_line)
        assert found, (self.first_line, self.process.stderr)
        self.base = f"http://127.0.0.1:{found.group(1)}"

    def get(self, path: str, **headers: str) -> httpx.Response:
        return httpx.get(self.base + path, headers=headers, timeout=30)

    def stop(self) -> tuple[int, str]:
        self.process.send_signal(signal.SIGTERM)
        _out, err = self.process.communicate(timeout=30)
        return self.process.returncode, err


@pytest.fixture
def served(db_path: Path, now: dt.datetime) -> Iterator[Served]:
    fill(db_path, now, 6)
    server = Served(db_path)
    try:
        yield server
    finally:
        if server.process.poll() is None:
            server.process.kill()
            server.process.communicate()


def test_the_feed_is_the_cli_feed_and_json_the_same_items(served: Served, run_cli: RunCli) -> None:
    answer = served.get("/feed.atom?country=JP&ministry=industry")
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/atom+xml; charset=utf-8"
    assert (
        answer.content == run_cli("feed", "--country", "JP", "--ministry", "industry").stdout_bytes
    )
    feed = feedparser.parse(answer.content)
    assert [e.title for e in feed.entries] == ["ข่าวที่ 5", "ข่าวที่ 3", "ข่าวที่ 1"]
    items = served.get("/items.json?country=jp&ministry=industry&limit=2").json()
    assert (items["limit"], items["count"]) == (2, 2) and "capped" not in items
    assert [i["title"] for i in items["items"]] == ["ข่าวที่ 5", "ข่าวที่ 3"]
    assert items["items"][0]["countries"] == ["JP"] and items["items"][0]["evidence"] == []
    index = served.get("/")
    assert index.status_code == 200 and "/feed.atom?country=JP&ministry=industry" in index.text
    searched = served.get("/items.json?q=3%20OR%205&country=JP").json()  # numbers: whole words
    assert [i["title"] for i in searched["items"]] == ["ข่าวที่ 5", "ข่าวที่ 3"]
    assert served.get("/feed.atom?q=5").content == run_cli("feed", "--query", "5").stdout_bytes
    assert served.stop() == (0, "")


def test_etag_gives_304_until_an_item_arrives(
    served: Served, db_path: Path, now: dt.datetime
) -> None:
    first = served.get("/feed.atom?ministry=industry")
    etag = first.headers["etag"]
    again = served.get("/feed.atom?ministry=industry", **{"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b"" and again.headers["etag"] == etag
    weak = served.get("/feed.atom?ministry=industry", **{"If-None-Match": f'"x", W/{etag}'})
    assert weak.status_code == 304
    other = served.get("/feed.atom?ministry=commerce", **{"If-None-Match": etag})
    assert other.status_code == 200  # another filter, another body
    fill(db_path, now, 1, start=7)  # item 7: JP, industry, written while serving
    changed = served.get("/feed.atom?ministry=industry", **{"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["etag"] != etag
    assert feedparser.parse(changed.content).entries[0].title == "ข่าวที่ 7"
    assert served.stop()[0] == 0


BAD_REQUESTS = [
    ("/feed.atom?since=2024-13-01", 400,
     "Invalid value for 'since': '2024-13-01' is not a date (YYYY-MM-DD, C.E. or B.E.)"),
    ("/items.json?colour=red", 400,
     "unknown parameter 'colour'; the filters are country, bloc, ministry, lead-ministry,"
     " since, until, limit"),
    ("/items.json?limit=many", 400,
     "Invalid value for 'limit': 'many' is not a valid integer range."),
    ("/feed.atom?country=ZZ", 400,
     "Invalid value for 'country': unknown country 'ZZ'; `watcher codes countries` lists them all"),
    ("/feed.xml", 404, "no such page '/feed.xml'; try /feed.atom or /items.json"),
    ("/items.json?q=EV%20OR", 400, "search 'EV OR': OR needs a term on each side"),
]  # fmt: skip


def test_bad_requests_are_one_line(served: Served) -> None:
    for path, status, line in BAD_REQUESTS:
        answer = served.get(path)
        assert (answer.status_code, answer.text) == (status, line + "\n"), path
        assert "etag" not in answer.headers
    assert httpx.post(served.base + "/feed.atom", timeout=30).status_code == 501  # read-only
    assert served.stop() == (0, "")


def test_a_request_for_10000_items_gets_1000_and_says_so(db_path: Path, now: dt.datetime) -> None:
    fill(db_path, now, MAX_LIMIT + 3)
    server = Served(db_path)
    try:
        answer = server.get("/items.json?limit=10000")
        assert answer.headers["x-limit-capped"] == "asked 10000, at most 1000"
        record = answer.json()
        assert (record["limit"], record["count"]) == (1000, 1000)
        assert record["capped"] == "asked 10000, at most 1000"
        feed = server.get("/feed.atom?limit=10000")
        assert feed.headers["x-limit-capped"] == "asked 10000, at most 1000"
        assert len(feedparser.parse(feed.content).entries) == 1000
        assert server.stop()[0] == 0
    finally:
        if server.process.poll() is None:
            server.process.kill()


def test_the_database_is_opened_read_only(db_path: Path, now: dt.datetime) -> None:
    fill(db_path, now, 1)
    store = Store.open_read_only(db_path)
    try:
        assert store.count_items() == 1
        with pytest.raises(StoreError, match="read-only; nothing was written"):
            store.check_writable()
    finally:
        store.close()


def test_a_missing_database_or_a_busy_port_is_one_line(
    run_cli: RunCli, db_path: Path, now: dt.datetime
) -> None:
    missing = run_cli("serve", "--port", "0")
    assert missing.exit_code == 1 and missing.output.count("\n") == 1
    assert f"{db_path}: no database here" in missing.output and not db_path.exists()
    fill(db_path, now, 1)
    server = Served(db_path)
    try:
        port = server.base.rsplit(":", 1)[1]
        busy = run_cli("serve", "--port", port)
        assert busy.exit_code == 1
        assert busy.output == f"Error: cannot listen on 127.0.0.1:{port}: Address already in use\n"
        assert server.stop()[0] == 0
    finally:
        if server.process.poll() is None:
            server.process.kill()


def test_stopped_the_moment_it_announces_itself_it_still_stops_cleanly(
    db_path: Path, now: dt.datetime
) -> None:
    """The address is printed only once SIGTERM is handled: a supervisor may stop it at once."""
    fill(db_path, now, 1)
    for _ in range(3):
        code, err = Served(db_path).stop()
        assert code == 0, err


def _raw_get(served: Served, target: bytes) -> tuple[int, bytes]:
    """A GET written byte for byte, as curl sends a query typed in Thai (not percent-encoded)."""
    import socket

    host, port = served.base.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=30) as connection:
        connection.sendall(b"GET " + target + b" HTTP/1.0\r\nHost: x\r\n\r\n")
        answer = b""
        while chunk := connection.recv(65536):
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    return int(head.split()[1]), body


def test_a_raw_utf8_query_string_means_what_it_says(served: Served) -> None:
    status, body = _raw_get(served, "/items.json?country=ญี่ปุ่น".encode())
    encoded = served.get("/items.json?country=" + quote("ญี่ปุ่น"))
    assert (status, body) == (200, encoded.content)
    assert encoded.json()["count"] == 3
    inverted = served.get("/items.json?since=2025-01-01&until=2020-01-01")
    assert (inverted.status_code, inverted.text) == (
        400, "--since 2025-01-01 is after --until 2020-01-01: no date is in that range\n"
    )  # fmt: skip
    assert served.stop() == (0, "")


def test_a_stored_control_character_is_no_bad_request(db_path: Path, now: dt.datetime) -> None:
    fill(db_path, now, 2)
    with sqlite3.connect(db_path) as db:  # written before the store dropped such characters
        db.execute("UPDATE items SET title = ?", ["ข่าว\x08ที่ 1\x00"])
    server = Served(db_path)
    try:
        answer = server.get("/feed.atom")
        assert answer.status_code == 200, answer.text
        assert [e.title for e in feedparser.parse(answer.content).entries] == ["ข่าวที่ 1"] * 2
        assert server.get("/feed.atom?" + "&".join(["limit=1"] * 65)).status_code == 400
    finally:
        assert server.stop() == (0, "")
