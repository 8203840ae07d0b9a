"""Source kinds by name: `@register("sequence")` on a SourceKind subclass with its `Options`."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from watcher.sources.base import SourceKind

__all__ = ["REGISTRY", "register"]

REGISTRY: dict[str, type[SourceKind]] = {}


def register(kind: str) -> Callable[[type[SourceKind]], type[SourceKind]]:
    def add(cls: type[SourceKind]) -> type[SourceKind]:
        cls.kind = kind
        REGISTRY[kind] = cls
        return cls

    return add
