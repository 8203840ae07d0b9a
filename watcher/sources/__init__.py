"""Source kinds, by name: `@register("sequence")` and `@register("listing")`.

A [[sources]] table's `kind` picks the class; each class declares the config keys it takes
(config.SOURCE_KINDS validates them at start-up, and a test keeps the two in step).
"""

from __future__ import annotations

from collections.abc import Callable

from watcher.config import SourceConfig
from watcher.errors import ConfigError
from watcher.sources.base import Found, SourceContext, SourceKind, SourceStats

__all__ = [
    "REGISTRY",
    "Found",
    "SourceContext",
    "SourceKind",
    "SourceStats",
    "make_source",
    "register",
]

REGISTRY: dict[str, type[SourceKind]] = {}


def register(kind: str) -> Callable[[type[SourceKind]], type[SourceKind]]:
    def add(cls: type[SourceKind]) -> type[SourceKind]:
        cls.kind = kind
        REGISTRY[kind] = cls
        return cls

    return add


def make_source(config: SourceConfig, context: SourceContext) -> SourceKind:
    try:
        cls = REGISTRY[config.kind]
    except KeyError:
        raise ConfigError(f"source {config.name}: unknown kind {config.kind!r}") from None
    return cls(config, context)


from watcher.sources import listing, sequence  # noqa: E402,F401  (they register themselves)
