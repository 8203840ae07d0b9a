"""Label an item with partner countries, blocs and Thai ministries, each with its evidence.

Floor 1: imports nothing from watcher but watcher.errors.
"""

from .classifier import Classifier
from .gazetteer import Gazetteer, default_gazetteer_dir, load_gazetteer
from .labels import Evidence, Labels

__all__ = [
    "Classifier",
    "Evidence",
    "Gazetteer",
    "Labels",
    "default_gazetteer_dir",
    "load_gazetteer",
]
