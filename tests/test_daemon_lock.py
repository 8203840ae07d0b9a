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
    db.touch()  # the lock is the database file's: the store has made it by then
    with daemon_lock(db):
        assert (tmp_path / "x.db.lock").read_text().strip() == str(os.getpid())
    with daemon_lock(db), daemon_lock(":memory:"):  # released on exit; memory DBs need none
        pass


def hold(db: Path) -> subprocess.Popen[str]:
    """Another process holding the daemon lock of `db` until killed."""
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, time; from watcher.daemon.lock import daemon_lock\n"
         f"with daemon_lock({str(db)!r}):\n    print('held', flush=True); time.sleep(60)"],
        cwd=ROOT, stdout=subprocess.PIPE, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)},
    )  # fmt: skip
    assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
    return holder


def release(holder: subprocess.Popen[str]) -> None:
    holder.kill()
    holder.wait()
    if holder.stdout is not None:
        holder.stdout.close()


def test_the_lock_follows_the_file_not_its_name(tmp_path: Path) -> None:
    """A symlink or a hard link to a locked database meets the same lock (issue 27, item 5)."""
    db = tmp_path / "w.db"
    db.touch()
    (tmp_path / "elsewhere").mkdir()
    symlink, hardlink = tmp_path / "elsewhere" / "sym.db", tmp_path / "elsewhere" / "hard.db"
    symlink.symlink_to(db)
    os.link(db, hardlink)
    holder = hold(db)
    try:
        for other in (symlink, hardlink):
            with pytest.raises(AlreadyRunning) as refused, daemon_lock(other):
                pass
            assert str(refused.value) == (
                f"{other}: another `watcher run` (pid {holder.pid}) is using this database;"
                " stop it first (one daemon per database)"
            )
    finally:
        release(holder)
    with daemon_lock(hardlink):  # free again once the holder is gone
        pass


def test_an_unwritable_pid_note_does_not_stop_the_daemon(tmp_path: Path) -> None:
    """The pid note beside the database is only a note: immutable or a directory, the lock
    (on the database file) is still taken, and a second holder is still refused."""
    db = tmp_path / "w.db"
    db.touch()
    note = tmp_path / "w.db.lock"
    note.write_text("4242\n")
    immutable = subprocess.run(["chattr", "+i", str(note)], capture_output=True).returncode == 0
    if not immutable:  # no chattr here (not root, or a filesystem without attributes)
        note.unlink()
        note.mkdir()
    try:
        with daemon_lock(db) as taken:
            assert taken == note
            with pytest.raises(AlreadyRunning, match=f"pid {os.getpid()}"), daemon_lock(db):
                pass
    finally:
        if immutable:
            subprocess.run(["chattr", "-i", str(note)], check=True)


def test_a_held_lock_refuses_another_holder(tmp_path: Path) -> None:
    db = tmp_path / "y.db"
    db.touch()
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
