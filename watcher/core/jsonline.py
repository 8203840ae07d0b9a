"""One JSONL line → one JSON value, or a ValueError whose text is the line's one rejection.

Everything a line can hold that makes a later step fail is refused here, where the line is
read, so one bad line is one rejection and never aborts an import or a classification: bytes
that are not UTF-8, text that is not JSON, nesting deeper than the parser's recursion limit,
an integer of more digits than Python converts, and a `\\ud800` escape that is not half of a
pair (a lone surrogate decodes into Python but cannot be encoded back, so hashing or storing
the item would raise).
"""

from __future__ import annotations

import json
import re
from typing import Any

__all__ = ["parse_json_line", "string_field"]

_SURROGATE = re.compile("[\ud800-\udfff]")


def parse_json_line(line: str | bytes) -> Any:
    """The JSON value of one line; ValueError with one line saying why not."""
    if isinstance(line, bytes):
        try:
            line = line.decode("utf-8")
        except UnicodeDecodeError as error:
            raise ValueError(f"not UTF-8 text (byte {error.start})") from None
    try:
        return json.loads(line)
    except json.JSONDecodeError as error:
        raise ValueError(f"not JSON: {error.msg}") from None
    except RecursionError:
        raise ValueError("not JSON this watcher reads: nested too deep") from None
    except ValueError as error:  # an integer of more than 4,300 digits
        first = str(error).split(":", 1)[0]
        raise ValueError(f"not JSON this watcher reads: {first}") from None


def string_field(record: dict[str, Any], name: str) -> str | None:
    """`record[name]` when it is a string (None when absent or not a string); ValueError when
    it holds a lone surrogate, which no UTF-8 text can."""
    value = record.get(name)
    if not isinstance(value, str):
        return None
    found = _SURROGATE.search(value)
    if found is not None:
        raise ValueError(
            f'"{name}" holds a lone surrogate \\u{ord(found[0]):04x} at character {found.start()}'
            " (an escape that is not half of a pair): not Unicode text"
        )
    return value
