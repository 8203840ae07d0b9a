"""Text that XML can carry: what an Atom document (or any XML) accepts, decided once.

XML 1.0 allows tab, newline, carriage return and every code point from U+0020 except the
surrogates and U+FFFE/U+FFFF. A page or an import line can hold anything else (a U+0008 pasted
from a word processor, a NUL, a U+FFFE from a bad conversion); one such character makes lxml
refuse the whole document. They carry no text, so they are dropped: on the way in (the store)
and again on the way out (the Atom builder), for databases written before the first.
"""

from __future__ import annotations

import re

__all__ = ["XML_ILLEGAL", "xml_safe"]

XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_safe(text: str) -> str:
    """`text` without the characters XML 1.0 cannot carry (linear: one regex pass)."""
    return XML_ILLEGAL.sub("", text)
