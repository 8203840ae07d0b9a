"""SIGTERM or Ctrl-C stops `watcher run` promptly and says so: a `stopping` line at once, and the
process gone within 2 s, even while a fetch hangs on a server that never answers."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
STOP_SECONDS = 2.0


def write_config(path: Path, port: int) -> Path:
    path.write_text(
        "[fetch]\nper_host_interval = 0.0\nretries = 5\nbackoff_seconds = 3.0\n"
        "read_timeout = 30.0\n"
        f'[[sources]]\nname = "news"\nkind = "sequence"\nurl = "http://127.0.0.1:{port}/news/{{id}}"\n'
        "start_id = 100\ninterval_seconds = 60\njitter_seconds = 0\n",
        encoding="utf-8",
    )
    return path


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_run_says_stopping_and_exits_within_2_s_during_a_hung_fetch(
    tmp_path: Path, sig: signal.Signals
) -> None:
    with socket.socket() as silent:  # accepts connections, never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        silent.settimeout(60)
        env = dict(
            os.environ, PYTHONPATH=str(ROOT), WATCHER_DB=str(tmp_path / "w.db"),
            WATCHER_CONFIG=str(write_config(tmp_path / "w.toml", silent.getsockname()[1])),
        )  # fmt: skip
        env.pop("TELEGRAM_BOT_TOKEN", None)
        env.pop("SMTP_HOST", None)
        process = subprocess.Popen(
            [sys.executable, "-m", "watcher", "run"], env=env, cwd=ROOT,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )  # fmt: skip
        try:
            connection, _ = silent.accept()  # the cycle's first request is in flight, hanging
            started = time.monotonic()
            process.send_signal(sig)
            output, _ = process.communicate(timeout=30)
            elapsed = time.monotonic() - started
            connection.close()
        finally:
            if process.poll() is None:
                process.kill()
    assert process.returncode == 0, output
    assert elapsed < STOP_SECONDS, (elapsed, output)
    lines = output.splitlines()
    (stopping,) = [line for line in lines if " stopping: " in line]
    assert stopping.endswith(
        "WARNING watcher.daemon.scheduler: stopping: no new cycle or send; the item in hand is"
        " finished within 1 s or left for the next start"
    )
    assert lines[-2].endswith(
        "WARNING watcher.daemon.scheduler: source news: cycle cut short by the stop; read again"
        " at the next start"
    )  # the hung fetch was left safely: nothing stored, nothing half-written
    assert lines[-1] == "stopped"
    assert "Traceback" not in output
