"""`watcher run` whose thaigov parser never finishes a page (tests/test_parse_budget.py).

    python -m tests.stuck_parse MARKER

The first page it is handed makes it create MARKER, then wait for ever: a parse no budget
ends in time for a stop. What SIGTERM must not wait for.
"""

from __future__ import annotations

import sys
import threading
from pathlib import Path
from typing import Any

from watcher.cli import main
from watcher.sources import pages


def stuck(marker: Path) -> None:
    def parser(html: str, url: str, selectors: Any) -> Any:
        marker.touch()
        threading.Event().wait()  # never set

    pages.PARSERS["thaigov"] = parser


if __name__ == "__main__":
    stuck(Path(sys.argv.pop(1)))
    sys.argv[1:] = ["run"]
    main()
