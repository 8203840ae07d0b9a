"""Source kinds, by name: one module each (sequence, listing, feed), registered with
`@register("kind")`. Each kind declares its config keys once, as its `Options` dataclass:
settings.py validates a [[sources]] table against it and the configuration reference is generated
from it. Adding a kind is one module here plus its tests.
"""

from __future__ import annotations

from watcher.core.config import SourceConfig
from watcher.core.errors import ConfigError
from watcher.sources.base import Found, SourceContext, SourceKind, SourceStats
from watcher.sources.registry import REGISTRY, register

__all__ = [
    "REGISTRY",
    "Found",
    "SourceContext",
    "SourceKind",
    "SourceStats",
    "kind_options",
    "make_source",
    "register",
]


def kind_options() -> dict[str, type]:
    """Each kind's Options dataclass, by kind name (what config validates against)."""
    return {kind: cls.Options for kind, cls in REGISTRY.items()}


def make_source(config: SourceConfig, context: SourceContext) -> SourceKind:
    try:
        cls = REGISTRY[config.kind]
    except KeyError:
        raise ConfigError(f"source {config.name}: unknown kind {config.kind!r}") from None
    return cls(config, context)


from watcher.sources import feed, listing, sequence  # noqa: E402,F401  (they register themselves)
