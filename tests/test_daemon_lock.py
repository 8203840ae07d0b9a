"""One daemon per database, enforced by the kernel: real processes, SIGKILL included."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from watcher.core.errors import AlreadyRunning
from watcher.daemon.lock import daemon_lock

ROOT = Path(__file__).resolve().parents[1]


def start(env: dict[str, str], *, capture: bool = False) -> subprocess.Popen[str]:
    out = subprocess.PIPE if capture else subprocess.DEVNULL
    return subprocess.Popen(
        [sys.executable, "-m", "watcher", "run"], env=env, cwd=ROOT, text=True,
        stdout=out, stderr=subprocess.STDOUT,
    )  # fmt: skip


def wait_for_lock(lock: Path, pid: int, deadline: float = 30.0) -> None:
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        if lock.exists() and lock.read_text().strip() == str(pid):
            return
        time.sleep(0.05)
    raise AssertionError(f"daemon {pid} never took {lock}")


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    config = tmp_path / "watcher.toml"
    config.write_text('[watcher]\nlog_level = "WARNING"\n')  # no sources, no channels
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "SMTP_"))}
    return {**environ, "WATCHER_CONFIG": str(config), "WATCHER_DB": str(tmp_path / "w.db"),
            "PYTHONPATH": str(ROOT)}  # fmt: skip


def test_a_second_daemon_refuses_in_one_line_and_a_killed_one_blocks_nothing(
    env: dict[str, str], tmp_path: Path
) -> None:
    lock = tmp_path / "w.db.lock"
    first = start(env)
    try:
        wait_for_lock(lock, first.pid)
        second = start(env, capture=True)
        output, _ = second.communicate(timeout=60)
        assert second.returncode == 1
        assert output.strip().splitlines() == [
            f"Error: {tmp_path / 'w.db'}: another `watcher run` (pid {first.pid}) is using this"
            " database; stop it first (one daemon per database)"
        ]
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
        third = start(env)
        try:
            wait_for_lock(lock, third.pid)  # the kernel released the killed daemon's lock
        finally:
            third.send_signal(signal.SIGTERM)
            third.wait(timeout=30)
    finally:
        if first.poll() is None:
            first.kill()


def test_the_lock_in_process(tmp_path: Path) -> None:
    db = tmp_path / "x.db"
    with daemon_lock(db):
        assert (tmp_path / "x.db.lock").read_text().strip() == str(os.getpid())
    with daemon_lock(db), daemon_lock(":memory:"):  # released on exit; memory DBs need none
        pass


def test_a_held_lock_refuses_another_holder(tmp_path: Path) -> None:
    db = tmp_path / "y.db"
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, time; from watcher.daemon.lock import daemon_lock\n"
         f"with daemon_lock({str(db)!r}):\n    print('held', flush=True); time.sleep(60)"],
        cwd=ROOT, stdout=subprocess.PIPE, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)},
    )  # fmt: skip
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        with pytest.raises(AlreadyRunning, match=f"pid {holder.pid}"), daemon_lock(db):
            pass
    finally:
        holder.kill()
        holder.wait()
        if holder.stdout is not None:
            holder.stdout.close()
