"""Label an item with partner countries, blocs and Thai ministries, each with its evidence.

Floor 2: imports nothing from watcher but watcher.core.errors.
"""

from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from .classifier import Classifier
    from .gazetteer import Gazetteer, default_gazetteer_dir, load_gazetteer
    from .labels import Evidence, Labels


class LabelsLike(Protocol):
    def to_json(self) -> dict[str, Any]: ...


class Classifies(Protocol):
    """What the way in needs of a classifier: the pipeline, its workers and the daemon take
    any object with this method (tests hand in small fakes)."""

    def classify(self, title: str, body: str, category: str | None = None) -> LabelsLike: ...


_HOME = {
    "Classifier": "classifier",
    "Evidence": "labels",
    "Gazetteer": "gazetteer",
    "Labels": "labels",
    "default_gazetteer_dir": "gazetteer",
    "load_gazetteer": "gazetteer",
}


def __getattr__(name: str) -> Any:
    """Names imported from their module on first use: a command that only reads the
    gazetteer (resolving `--country JP`) does not load the matcher and ranking (~70 ms)."""
    if name not in _HOME:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(f".{_HOME[name]}", __name__), name)
    globals()[name] = value
    return value


__all__ = [
    "Classifier",
    "Classifies",
    "Evidence",
    "Gazetteer",
    "Labels",
    "default_gazetteer_dir",
    "load_gazetteer",
]
