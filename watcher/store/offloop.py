"""The one way async code calls the store: on the store's own worker thread, off the loop.

A store call may wait for SQLite's write lock for up to the busy timeout (an import, a backup
or another process writing). On the event loop that wait would freeze the bot's replies, the
outbox sender and the poller together; on a worker thread it delays only the store calls.

One thread, not a pool: the store is one connection, and a write must not start while another
thread's read statement is open on it. SQLite then answers "locked" at once instead of waiting
for the lock (a transaction that holds a read cannot wait for the write lock without risking a
deadlock), so a poll cycle would fail while the bot was reading. Calls run in the order made.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, ParamSpec, TypeVar

if TYPE_CHECKING:
    from concurrent.futures import ThreadPoolExecutor

__all__ = ["off_loop"]

P = ParamSpec("P")
T = TypeVar("T")

_store_thread: ThreadPoolExecutor | None = None
_creating = threading.Lock()


async def off_loop(call: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
    """`call(*args, **kwargs)` on the store thread; its result (or exception) comes back."""
    import asyncio  # here, not at the top: every command imports the store, few run a loop
    from concurrent.futures import ThreadPoolExecutor

    global _store_thread
    with _creating:
        if _store_thread is None:
            _store_thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="store")
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(_store_thread, functools.partial(call, *args, **kwargs))
