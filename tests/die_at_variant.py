"""`watcher run` that SIGKILLs itself at the moment a variant is stored (tests/test_neardup_live).

    python -m tests.die_at_variant writing|stored

writing: inside the item's transaction, once the variant's row and band keys are written and
before the commit. stored: right after the commit, before the poller does anything else (its
frontier, the cycle's report, the sender). The kill is the kernel's: nothing runs after it.
"""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Sequence
from typing import Any

from watcher.cli import main
from watcher.store.items import ItemTables
from watcher.store.near import NearDuplicateTables
from watcher.store.watch_records import AddOutcome


def die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def die_while_writing() -> None:
    write_bands = NearDuplicateTables._write_bands

    def writing(self: Any, digest: str, story: str, day: str, bands: Sequence[int]) -> None:
        write_bands(self, digest, story, day, bands)
        if story != digest:  # a variant's keys point at its story
            die()

    NearDuplicateTables._write_bands = writing  # type: ignore[method-assign]


def die_once_stored() -> None:
    add_item = ItemTables.add_item

    def stored(self: Any, *args: Any, **kwargs: Any) -> AddOutcome:
        outcome = add_item(self, *args, **kwargs)
        if outcome.status == "variant":
            die()
        return outcome

    ItemTables.add_item = stored  # type: ignore[method-assign]


if __name__ == "__main__":
    {"writing": die_while_writing, "stored": die_once_stored}[sys.argv.pop(1)]()
    sys.argv[1:] = ["run"]
    main()
