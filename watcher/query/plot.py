"""Draw `Counts` as a chart file; matplotlib is imported only here, only when asked.

Labels are Thai as often as not (categories, ministries' names), so the chart is drawn in a
Thai font when one is installed (see watcher.query.chart_font); without one the chart is still
written, with one warning line for the person instead of a warning per missing glyph.
"""

from __future__ import annotations

import warnings
from pathlib import Path

from watcher.core.errors import ConfigError, InputError
from watcher.query.chart_font import has_thai, no_thai_font_warning, thai_font
from watcher.query.stats import NONE_KEY, Counts

__all__ = ["plot_counts"]

_FORMATS = (".png", ".svg", ".pdf")
_MAX_TIME_LABELS = 24


def plot_counts(counts: Counts, path: Path, title: str) -> list[str]:
    """Bars per label (horizontal, largest on top) or per period (in time order).

    Returns the warnings a person should read (no Thai font for Thai labels), one line each.
    """
    if path.suffix.lower() not in _FORMATS:
        raise InputError(f"{path}: a chart is written as {', '.join(_FORMATS)}")
    try:
        import matplotlib
    except ImportError:
        raise ConfigError(
            "matplotlib is not installed; install it with: pip install 'thaigov-watcher[plot]'"
        ) from None
    thai = any(map(has_thai, [title, *(key for key, _ in counts.rows)]))
    font = thai_font() if thai else None
    notes = [no_thai_font_warning()] if thai and font is None else []
    families = [font, "DejaVu Sans"] if font else ["DejaVu Sans"]
    with matplotlib.rc_context({"font.family": families}), warnings.catch_warnings():
        if notes:  # the one line says it; a warning per missing glyph would bury it
            warnings.filterwarnings("ignore", message=r"Glyph \d+ .* missing from font")
        _draw(counts, path, title)
    return notes


def _draw(counts: Counts, path: Path, title: str) -> None:
    from matplotlib.figure import Figure

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
