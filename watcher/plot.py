"""Draw `Counts` as a chart file; matplotlib is imported only here, only when asked."""

from __future__ import annotations

from pathlib import Path

from watcher.errors import ConfigError, InputError
from watcher.stats import NONE_KEY, Counts

__all__ = ["plot_counts"]

_FORMATS = (".png", ".svg", ".pdf")
_MAX_TIME_LABELS = 24


def plot_counts(counts: Counts, path: Path, title: str) -> None:
    """Bars per label (horizontal, largest on top) or per period (in time order)."""
    if path.suffix.lower() not in _FORMATS:
        raise InputError(f"{path}: a chart is written as {', '.join(_FORMATS)}")
    try:
        from matplotlib.figure import Figure
    except ImportError:
        raise ConfigError(
            "matplotlib is not installed; install it with: pip install 'thaigov-watcher[plot]'"
        ) from None
    shown = [(k, n) for k, n in counts.rows if not (counts.is_period and k == NONE_KEY)]
    keys = [key for key, _ in shown]
    values = [n for _, n in shown]
    figure = Figure(figsize=(10, max(4.0, 0.28 * len(keys) + 1.5)) if not counts.is_period
                    else (11, 4.5), layout="constrained")  # fmt: skip
    axes = figure.subplots()
    if counts.is_period:
        positions = range(len(keys))
        axes.bar(positions, values, color="#2b6cb0", width=0.85)
        step = max(1, len(keys) // _MAX_TIME_LABELS)
        axes.set_xticks(list(positions)[::step], keys[::step], rotation=60, ha="right")
        axes.set_ylabel("items")
        axes.set_xlabel(counts.by)
    else:
        axes.barh(keys[::-1], values[::-1], color="#2b6cb0")
        for y, value in enumerate(values[::-1]):
            axes.annotate(f" {value}", (value, y), va="center", fontsize=8)
        axes.set_xlabel("items")
        axes.set_ylabel(counts.by)
    axes.set_title(title)
    axes.spines[["top", "right"]].set_visible(False)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        figure.savefig(path, dpi=110)
    except OSError as error:
        raise InputError(f"{path}: cannot write the chart: {error.strerror}") from error
