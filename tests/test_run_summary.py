"""`watcher run` as its operator sees it: a start summary, then one timestamped log line per
cycle fact, and a failed cycle that says FAILED and why, never '0 new … baseline'."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from click.testing import CliRunner

from tests.site import LocalSite, local_site
from tests.test_poll import write_config
from tests.test_sources import news_item
from watcher.cli import cli
from watcher.sources.cycle import CycleReport

__all__ = ["local_site"]

ROOT = Path(__file__).resolve().parents[1]
STAMP = r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} "


def _wait_for(lines: list[str], text: str, process: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 30
    while not any(text in line for line in lines):
        if time.monotonic() > deadline or process.poll() is not None:
            raise AssertionError(f"{text!r} never printed:\n" + "".join(lines))
        time.sleep(0.02)


def test_run_prints_a_start_summary_and_logs_cycles_with_timestamps(
    local_site: LocalSite, tmp_path: Path
) -> None:
    local_site.add_items([news_item(n) for n in range(2)], start_id=100)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "SMTP_"))}
    env |= {"WATCHER_CONFIG": str(write_config(tmp_path, local_site)),
            "WATCHER_DB": str(tmp_path / "w.db"), "SMTP_HOST": "127.0.0.1",
            "SMTP_FROM": "watcher@example.org"}  # fmt: skip
    added = CliRunner().invoke(
        cli, ["subscribers", "add", "--telegram", "12345", "--country", "JP"], env=env
    )
    assert added.exit_code == 0, added.output
    process = subprocess.Popen(
        [sys.executable, "-m", "watcher", "run"], cwd=ROOT, env=env,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(iter(process.stdout.readline, "")))  # type: ignore[union-attr]
    reader.start()
    try:
        _wait_for(lines, "listing: FAILED", process)
        _wait_for(lines, "news: 2 new", process)
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
        reader.join(timeout=30)
        process.stdout.close()  # type: ignore[union-attr]
    output = "".join(lines)
    assert process.returncode == 0, output
    assert "watcher run: 2 sources, database " in output
    assert re.search(
        r"news: sequence, parser thaigov, every 15 min ± 30 s; first poll now \(", output
    )
    assert "listing: listing, parser thaigov, every 15 min ± 30 s; first poll now" in output
    assert "telegram: off (TELEGRAM_BOT_TOKEN not set: alerts stay queued); 1 subscriber" in output
    assert "email: on (SMTP_HOST 127.0.0.1); 0 subscribers" in output
    assert "apprise: off (" in output
    assert output.index("channels:") < output.index("news: 2 new")  # before the first cycle
    assert re.search(STAMP + r"INFO watcher\.cli\.poll: news: 2 new, ", output), output
    assert re.search(
        STAMP + r"ERROR watcher\.cli\.poll: listing: FAILED: .*no link matching", output
    )
    assert not re.search(r"listing: \d+ new", output), output  # no success-looking line
    assert output.rstrip().endswith("stopped")


def test_a_failed_cycle_reads_as_failed_with_what_it_stored_before() -> None:
    import datetime as dt

    failed = CycleReport(
        "news", dt.datetime.now(dt.UTC), 0.1, baseline=True, error="HTTP 503\nretry"
    )
    assert failed.line() == "news: FAILED: HTTP 503 retry (recorded; the next cycle retries)"
    partial = CycleReport("news", dt.datetime.now(dt.UTC), 0.1, counts={"new": 3}, error="timeout")
    first, second = partial.line().splitlines()
    assert first.startswith("news: FAILED: timeout")
    assert second == (
        "news: stored before the failure: 3 new, 0 duplicate, 0 revision, 0 variant,"
        " 0 rejected, 0 empty"
    )
