"""Regenerate docs/configuration.md's reference from watcher/core/config.py's declarations."""

from __future__ import annotations

import re
from pathlib import Path

from watcher.sources.settings import config_reference

DOC = Path(__file__).resolve().parents[1] / "docs" / "configuration.md"
BLOCK = re.compile(r"(<!-- config-reference:start -->\n).*?(<!-- config-reference:end -->)", re.S)


def render(text: str) -> str:
    return BLOCK.sub(lambda m: m.group(1) + config_reference() + "\n" + m.group(2), text)


if __name__ == "__main__":
    DOC.write_text(render(DOC.read_text(encoding="utf-8")), encoding="utf-8")
