"""A reader that stops early (`watcher export --format jsonl - | head -1`) is not an error.

The reader closing its end of the pipe is the normal end of the output: the command stops
quietly with exit 0. Python would otherwise print a traceback, or at exit "Exception ignored
… BrokenPipeError" while flushing stdout, so stdout is pointed at devnull before leaving.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator

import click

__all__ = ["closed_pipe_ends_quietly"]


@contextlib.contextmanager
def closed_pipe_ends_quietly() -> Iterator[None]:
    """Run a command; a closed stdout (while writing or at the final flush) exits 0."""
    try:
        yield
        sys.stdout.flush()
    except BrokenPipeError:
        _stdout_to_devnull()
        raise click.exceptions.Exit(0) from None


def _stdout_to_devnull() -> None:
    """Later writes and the interpreter's last flush go nowhere instead of raising again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):  # no real file descriptor (a test runner's buffer)
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - lives until the process exits
