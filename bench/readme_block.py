"""A bench's figures written into its marked block of docs/benchmarks.md, never typed by hand.

Each bench owns one block, between `<!-- bench-NAME:start -->` and `<!-- bench-NAME:end -->`,
and rewrites it whole when run with `--readme`: the page then quotes what the code measured,
in the run's own words (medians, baselines, the machine's load).
"""

from __future__ import annotations

import contextlib
import io
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "docs" / "benchmarks.md"  # where the blocks live

__all__ = ["README", "recorded", "write_block"]


def write_block(name: str, lines: Sequence[str]) -> None:
    """Replace block `name`'s contents with `lines`, as a code block; exit if it is missing."""
    start, end = f"<!-- bench-{name}:start -->\n", f"<!-- bench-{name}:end -->"
    text = README.read_text(encoding="utf-8")
    head, mark, rest = text.partition(start)
    if not mark or end not in rest:
        sys.exit(f"{README}: no {start.strip()} ... {end} block to write into")
    body = "\n".join(lines).rstrip("\n")
    README.write_text(f"{head}{mark}```\n{body}\n```\n{rest[rest.index(end) :]}", "utf-8")


class _Tee(io.TextIOBase):
    def __init__(self, out: io.TextIOBase) -> None:
        self.out, self.seen = out, io.StringIO()

    def write(self, text: str) -> int:
        self.seen.write(text)
        return self.out.write(text)

    def flush(self) -> None:
        self.out.flush()


@contextlib.contextmanager
def recorded(name: str | None) -> Iterator[None]:
    """What the body prints still goes to stdout; with a `name`, it is also written into that
    block when the body finishes (a run that fails leaves the block as it was)."""
    if name is None:
        yield
        return
    tee = _Tee(sys.stdout)  # type: ignore[arg-type]
    with contextlib.redirect_stdout(tee):  # type: ignore[type-var]
        yield
    write_block(name, tee.seen.getvalue().splitlines())
