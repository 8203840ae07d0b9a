"""What a source remembers between cycles, as a small port handed in (not the whole Store).

A source kind needs only a handful of facts: how far it got, which ids were empty, the HTTP
validators of its pages, which links it already has, which ids or links it could not read.
`SourceMemory` is that port; `StoreMemory` keeps it in the state database (each call off the
event loop), and a test can hand a kind a dict-backed fake instead of a database.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Protocol

from watcher.store import SourceSkip, Store, off_loop

__all__ = ["SKIP_LIMIT", "SourceMemory", "StoreMemory"]

SKIP_LIMIT = 3  # the default of [limits] give_up_after: tries before an id or link is given up


class SourceMemory(Protocol):
    async def highest_id(self) -> int | None:
        """The highest id that held an item (progress, or items stored under the URL prefix)."""

    async def cycles(self) -> int: ...

    async def empty_ids(self, above: int) -> dict[int, int]: ...

    async def mark_empty(self, source_id: int) -> None: ...

    async def clear_empty(self, source_id: int, url: str) -> None: ...

    async def validators(self, url: str) -> tuple[str | None, str | None]: ...

    async def save_validators(self, url: str, etag: str | None, last_modified: str | None
                              ) -> None: ...  # fmt: skip

    async def known(self, url: str) -> bool:
        """An item was stored from `url`, or `url` was given up: not new."""

    async def record_skip(self, key: str, reason: str, *, give_up: bool = False) -> SourceSkip:
        """One failed try at an id or link; given up after `give_up_after` (or at once)."""

    async def pending_skips(self) -> list[SourceSkip]: ...

    async def clear_skip(self, key: str) -> None: ...


class StoreMemory:
    """SourceMemory in the state database, for the source `name` whose URLs start `prefix`."""

    def __init__(
        self, store: Store, name: str, prefix: str, clock: Callable[[], dt.datetime],
        *, give_up_after: int = SKIP_LIMIT,
    ) -> None:  # fmt: skip
        self.store, self.name, self.prefix, self.clock = store, name, prefix, clock
        self.give_up_after = give_up_after

    async def highest_id(self) -> int | None:
        state = await off_loop(self.store.source_state, self.name)
        stored = await off_loop(self.store.max_source_id, self.prefix)
        return max(state.last_id or 0, stored or 0) or None

    async def cycles(self) -> int:
        return (await off_loop(self.store.source_state, self.name)).cycles

    async def empty_ids(self, above: int) -> dict[int, int]:
        return await off_loop(self.store.empty_ids, self.name, above)

    async def mark_empty(self, source_id: int) -> None:
        await off_loop(self.store.mark_empty, self.name, source_id, self.clock())

    async def clear_empty(self, source_id: int, url: str) -> None:
        await off_loop(self.store.clear_empty, self.name, source_id, url)

    async def validators(self, url: str) -> tuple[str | None, str | None]:
        return await off_loop(self.store.http_validators, url)

    async def save_validators(self, url: str, etag: str | None, last_modified: str | None) -> None:
        await off_loop(self.store.set_http_validators, url, etag, last_modified, self.clock())

    async def known(self, url: str) -> bool:
        if await off_loop(self.store.url_seen, url):
            return True
        skips = await off_loop(self.store.source_skips, self.name, key=url)
        return bool(skips and skips[0].given_up)

    async def record_skip(self, key: str, reason: str, *, give_up: bool = False) -> SourceSkip:
        return await off_loop(
            self.store.record_skip, self.name, key, reason, self.clock(),
            limit=self.give_up_after, give_up=give_up,
        )  # fmt: skip

    async def pending_skips(self) -> list[SourceSkip]:
        return await off_loop(self.store.source_skips, self.name, pending=True)

    async def clear_skip(self, key: str) -> None:
        await off_loop(self.store.clear_skip, self.name, key)
