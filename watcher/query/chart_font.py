"""Which font draws Thai on a chart: the one the package ships, else an installed one.

Matplotlib's default DejaVu Sans has no Thai glyphs: every label becomes a box and each missing
glyph is a warning. The package ships Sarabun Regular (SIL Open Font License 1.1, the licence
beside it in fonts/; scripts/fetch_thai_font.py says where it comes from), registered with
matplotlib's font manager on first use, so a chart draws Thai with no system package. Should it
be missing, we look among matplotlib's known fonts, then among the system's font files, because
matplotlib caches its font list once and never sees a font installed after that.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path
from typing import Any

__all__ = ["CANDIDATES", "SHIPPED", "has_thai", "no_thai_font_warning", "thai_font"]

# The shipped Sarabun first; then sans faces: chart labels are short and small. Loma, Garuda,
# Norasi, Waree and Umpush come with Debian's fonts-thai-tlwg; Noto Sans Thai with fonts-noto-core.
SHIPPED = Path(__file__).resolve().parent / "fonts" / "Sarabun-Regular.ttf"
CANDIDATES = ("Sarabun", "Loma", "Noto Sans Thai", "Garuda", "Waree", "Umpush", "Norasi")
_THAI = re.compile("[\u0e00-\u0e7f]")
_KO_KAI = 0x0E01  # ก, the first Thai letter: a font without it is no Thai font


def has_thai(text: str) -> bool:
    return _THAI.search(text) is not None


def no_thai_font_warning() -> str:
    """The one line a person reads when Thai labels have no font to be drawn in."""
    return (
        f"no Thai font found ({', '.join(CANDIDATES)}): Thai labels are drawn as boxes; install"
        " one (Debian/Ubuntu: apt-get install fonts-thai-tlwg; elsewhere Noto Sans Thai)"
    )


@functools.cache
def thai_font() -> str | None:
    """The family name of the first candidate (the shipped one first) with Thai letters, or None."""
    from matplotlib import font_manager

    manager = font_manager.fontManager
    if SHIPPED.is_file() and all(entry.fname != str(SHIPPED) for entry in manager.ttflist):
        manager.addfont(str(SHIPPED))
    found = _first_candidate(manager)
    if found is None:
        wanted = {_compact(name) for name in CANDIDATES}
        for path in font_manager.findSystemFonts():
            if _compact(Path(path).stem.split("-")[0]) in wanted:
                try:
                    manager.addfont(path)
                except (OSError, RuntimeError):  # unreadable or not a font after all
                    continue
        found = _first_candidate(manager)
    return found


def _first_candidate(manager: Any) -> str | None:
    from matplotlib import font_manager

    for name in CANDIDATES:
        for entry in manager.ttflist:
            if entry.name == name and _KO_KAI in font_manager.get_font(entry.fname).get_charmap():
                return name
    return None


def _compact(name: str) -> str:
    return re.sub(r"[\s_-]", "", name).lower()
