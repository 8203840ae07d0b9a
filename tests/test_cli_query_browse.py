"""`watcher browse` for real: Datasette on 127.0.0.1, a canned query fetched over HTTP."""

from __future__ import annotations

import datetime as dt
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from watcher.corpus import Item
from watcher.store import Store

pytest.importorskip("datasette")

ROOT = Path(__file__).resolve().parents[1]
LABELS = {"countries": ["JP"], "primary": ["JP"], "blocs": [], "ministries": ["industry"],
          "lead_ministry": "industry", "evidence": []}  # fmt: skip


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_until_up(base: str, server: subprocess.Popen[str], deadline: float) -> None:
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise AssertionError(f"browse exited: {server.communicate()}")
        try:
            httpx.get(f"{base}/-/versions.json", timeout=1.0)
            return
        except httpx.TransportError:
            time.sleep(0.1)  # polling a condition with a deadline, not waiting blind
    raise AssertionError("datasette did not start within the deadline")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """One server for the module: starting Datasette takes a few seconds."""
    now = dt.datetime(2026, 11, 19, 3, 0, tzinfo=dt.UTC)
    db_path = tmp_path_factory.mktemp("browse") / "history.db"
    store = Store.open(db_path)
    for url_id, title, labels in ((1, "ไทย-ญี่ปุ่น ยานยนต์ไฟฟ้า", LABELS), (2, "ข่าวในประเทศ", None)):
        item = Item(title=title, body=f"เนื้อหา {title}", url=f"https://x/{url_id}",
                    published=f"2024-06-0{url_id}")  # fmt: skip
        store.add_item(item, origin="import", seen_at=now, labels=labels)
    store.close()
    port = free_port()
    env = dict(os.environ, WATCHER_DB=str(db_path), PYTHONPATH=str(ROOT),
               WATCHER_CONFIG=str(ROOT / "config" / "watcher.toml"))  # fmt: skip
    process = subprocess.Popen(
        [sys.executable, "-m", "watcher", "browse", "--port", str(port)],
        env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(base, process, time.monotonic() + 30)
        yield base, db_path
    finally:
        process.terminate()
        process.communicate(timeout=30)


def test_canned_queries_and_labels(server: tuple[str, Path]) -> None:
    base, db_path = server
    db = db_path.stem
    by_country = httpx.get(f"{base}/{db}/items_by_country.json",
                           params={"country": "jp", "_shape": "array"})  # fmt: skip
    assert by_country.status_code == 200
    assert [row["title"] for row in by_country.json()] == ["ไทย-ญี่ปุ่น ยานยนต์ไฟฟ้า"]
    by_ministry = httpx.get(f"{base}/{db}/items_by_ministry.json",
                            params={"ministry": "industry", "_shape": "array"})  # fmt: skip
    assert len(by_ministry.json()) == 1
    latest = httpx.get(f"{base}/{db}/latest.json", params={"_shape": "array"}).json()
    assert [row["published"] for row in latest] == ["2024-06-02", "2024-06-01"]
    found = httpx.get(f"{base}/{db}/search.json", params={"q": "ยนต์ไฟ", "_shape": "array"})
    assert [row["title"] for row in found.json()] == ["ไทย-ญี่ปุ่น ยานยนต์ไฟฟ้า"]
    metadata = httpx.get(f"{base}/-/metadata.json").json()
    assert metadata["databases"][db]["tables"]["items"]["columns"]["hash"].startswith("First 16")


def test_sql_cannot_write(server: tuple[str, Path]) -> None:
    base, db_path = server
    sql = "insert into sources (name) values ('x')"
    refused = httpx.get(f"{base}/{db_path.stem}.json", params={"sql": sql})
    assert refused.status_code == 400
    store = Store.open(db_path)
    try:
        assert store.all_source_states() == []
    finally:
        store.close()
