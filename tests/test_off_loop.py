"""Async code reaches the store only through `off_loop`: checked on the source, so a new
coroutine that calls the store on the event loop fails here, not under a held lock.

The check sees `store.method(...)`, `function(store, ...)` and `to_thread(store.method, ...)`
inside coroutines; a call through an object that holds the store (`pipeline.process`) it cannot
see, which is why test_outbox_loop also holds the lock while the daemon runs."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1] / "watcher"


def _is_store(node: ast.expr) -> bool:
    """`store` or `self.store` (or any `….store`)."""
    return (isinstance(node, ast.Name) and node.id == "store") or (
        isinstance(node, ast.Attribute) and node.attr == "store"
    )


HANDS_OVER = {  # coroutines or assemblers that pass the store on and call it only off the loop
    "open_poller", "run_daemon", "channel_hooks", "run_digests",
}  # fmt: skip
THREADS = {"to_thread", "run_in_executor"}  # a store call belongs on the store thread


def _callee(call: ast.Call) -> str:
    func = call.func
    return func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")


def _calls_the_store(call: ast.Call) -> bool:
    name = _callee(call)
    if name == "off_loop" or name in HANDS_OVER or name[:1].isupper():  # constructors keep it
        return False
    if isinstance(call.func, ast.Attribute) and _is_store(call.func.value):
        return True  # store.method(...)
    if name in THREADS:
        return any(isinstance(a, ast.Attribute) and _is_store(a.value) for a in call.args)
    return any(_is_store(arg) for arg in call.args)  # build_digest(store, ...)


def store_calls_on_the_loop(tree: ast.AST) -> list[int]:
    """Lines of store calls made directly inside coroutines (nested sync defs excluded)."""
    found: list[int] = []

    def visit(node: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.Lambda | ast.AsyncFunctionDef):
                continue  # a sync helper runs where it is called; a coroutine is checked alone
            if isinstance(child, ast.Call) and _calls_the_store(child):
                found.append(child.lineno)
            visit(child)

    for node in ast.walk(tree):
        if isinstance(node, ast.AsyncFunctionDef):
            visit(node)
    return found


def test_no_coroutine_calls_the_store_on_the_loop() -> None:
    offenders = [
        f"{path.relative_to(ROOT.parent)}:{line}"
        for path in sorted(ROOT.rglob("*.py"))
        for line in store_calls_on_the_loop(ast.parse(path.read_text(encoding="utf-8")))
    ]
    assert offenders == []


def test_the_check_finds_a_store_call_on_the_loop() -> None:
    source = (
        "async def bad(self):\n"
        "    self.store.mark_sent(1)\n"
        "    build_digest(self.store, 2)\n"
        "    await off_loop(self.store.mark_sent, 1)\n"
        "    await asyncio.to_thread(store.set_backfill, 4)\n"
        "    OutboxSender(self.store)\n"
        "    def helper():\n"
        "        self.store.mark_sent(3)\n"
    )
    assert store_calls_on_the_loop(ast.parse(source)) == [2, 3, 5]
