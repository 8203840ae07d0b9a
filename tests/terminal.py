"""Run `python -m watcher ARGS` with one stream on a pseudo-terminal, as a person at a terminal
sees it (TTY-only output: progress bars, "N of M" footers); the other stream is a pipe."""

from __future__ import annotations

import os
import pty
import re
import subprocess
import sys
from pathlib import Path

__all__ = ["ANSI", "on_a_terminal"]

ROOT = Path(__file__).resolve().parents[1]
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def on_a_terminal(
    env: dict[str, str], *args: str, stream: str = "stdout", columns: int = 200
) -> tuple[str, str, int]:
    """(what the terminal received, with \\r\\n as \\n; the piped stream's text; exit status)."""
    main, child = pty.openpty()
    streams = {"stdout": subprocess.PIPE, "stderr": subprocess.PIPE} | {stream: child}
    process = subprocess.Popen(
        [sys.executable, "-m", "watcher", *args], **streams,
        env=env | {"COLUMNS": str(columns)}, cwd=ROOT,
    )  # fmt: skip
    os.close(child)
    seen = b""
    while True:
        try:
            chunk = os.read(main, 65536)
        except OSError:  # EIO: the child closed its end
            break
        if not chunk:
            break
        seen += chunk
    os.close(main)
    piped = process.stderr if stream == "stdout" else process.stdout
    assert piped is not None
    other = piped.read().decode()
    piped.close()
    return seen.decode().replace("\r\n", "\n"), other, process.wait(timeout=60)
