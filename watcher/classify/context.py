"""Decide from the text around a gazetteer match whether it names the state, bloc or ministry.

The matcher finds words; whether a word is a mention depends on what surrounds it:

- inside a web or e-mail address (www.mfa.go.th/japan, info@thaiembassy.jp) it is part of an
  address, not a mention; after `#` it is a hashtag (#ไทยคู่ฟ้า), a credit line;
- after a personal title (Ms. Mali, Mr. Chad...) a Latin country name is a person's name;
- an upper-case alias that is also a common English word (US, WHO, IT) says nothing in a line
  written all in capitals ("LET US WORK TOGETHER");
- an office name next to a foreign state is that state's office: `Japanese Foreign Minister`,
  `Ministry of Foreign Affairs of Japan` (the Thai form `กระทรวงการต่างประเทศจีน` is handled
  the same way), never a Thai ministry;
- one person holding two posts acts in one of them: the Prime Minister who is also defence or
  finance minister acts as Prime Minister (`Prime Minister and Minister of Finance`), a deputy
  prime minister who is also a minister acts for that ministry.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable

from .matcher import Match
from .wordtables import find_all

__all__ = ["MatchContext"]

_WEB_ADDRESS = re.compile(r"(?:https?://|www\.)\S+")
_WEB_HEADS = ("http", "www.")  # where a web address can start
_MAIL_LOCAL = re.compile(r"[\w.+-]+$", re.ASCII)
_MAIL_DOMAIN = re.compile(r"[\w-]+(?:\.[\w-]+)+", re.ASCII)
_PERSONAL_TITLE = re.compile(r"(?:\b(?:Mr|Ms|Mrs|Miss|Dr|Khun|Madam)\.?\s+)$")
_LOWER_LATIN = re.compile("[a-z]")
_LATIN_WORD = re.compile("[A-Za-z]{2,}")
_FOREIGN_GAP = frozenset(["", "แห่ง", "ของ", "of", "of the"])
_POSSESSIVE_GAP = frozenset(["", "'s", "\u2019s"])
_POSTED_ABROAD = ("ประจำ", " ณ", " to", " in")
_JOINED = frozenset(["", "และ", "and", "&"])


def _is_latin(text: str) -> bool:
    return text.isascii()


class MatchContext:
    """The surroundings of every match in one normalised field (`text` is its cased form)."""

    def __init__(
        self,
        text: str,
        common_words: Iterable[str] = (),
        yielding: Iterable[str] = (),
        heads: Iterable[str] = (),
        narrow: bytes | None = None,
    ) -> None:
        """`narrow`: the text in cp874 if it fits (NormalText.narrow), for byte-fast searches."""
        self.text = text
        self._addresses = _addresses(text, narrow)
        self._starts = [start for start, _ in self._addresses]
        self._common = frozenset(common_words)
        self._yielding = frozenset(yielding)
        self._heads = frozenset(heads)

    def is_mention(self, match: Match) -> bool:
        """False for a match in an address or hashtag, a person's name, a caps-line word."""
        if self._addresses and self._in_address(match.start):
            return False
        if match.start > 0 and self.text[match.start - 1] == "#":
            return False
        alias = match.alias
        if not alias.text.isascii():
            return True
        if (
            alias.kind == "country"
            and _is_latin(alias.text)
            and _PERSONAL_TITLE.search(self.text, max(0, match.start - 8), match.start)
        ):
            return False
        return not (alias.case_sensitive and alias.text in self._common and self._caps_line(match))

    def names_foreign_office(
        self, match: Match, previous: Match | None, following: Match | None
    ) -> bool:
        """`นายกรัฐมนตรีญี่ปุ่น`, `Ministry of Foreign Affairs of Japan`, `Japanese Foreign
        Minister`: a foreign office, not a Thai ministry."""
        text, alias = self.text, match.alias
        if following is not None and following.alias.kind == "country":
            raw_gap = text[match.end : following.start]
            gap = " ".join(raw_gap.split())
            posted = alias.text.endswith(_POSTED_ABROAD)
            spaced = gap != raw_gap and alias.role != "titles" and not _is_latin(alias.text)
            if not posted and not spaced and gap in _FOREIGN_GAP:
                return True
        if previous is not None and previous.alias.kind == "country" and _is_latin(alias.text):
            gap = text[previous.end : match.start].strip()
            return gap in _POSSESSIVE_GAP and previous.end <= match.start
        return False

    def other_post_speaks(
        self, match: Match, previous: Match | None, following: Match | None
    ) -> bool:
        """The same person's other post is the one acting, so this title does not count.

        `รองนายกรัฐมนตรีและรัฐมนตรีว่าการกระทรวงยุติธรรม`: the deputy prime minister's title
        yields to the ministry's. `นายกรัฐมนตรีและรัฐมนตรีว่าการกระทรวงการคลัง`, `Prime Minister
        and Defense Minister`: the ministry title yields to the Prime Minister's.
        """
        if match.alias.kind != "ministry":
            return False
        if match.alias.text in self._yielding and _is_title(following):
            assert following is not None
            return self._gap(match.end, following.start) in _JOINED
        if (
            match.alias.role == "titles"
            and previous is not None
            and previous.alias.text in self._heads
            and previous.alias.kind == "ministry"
        ):
            return self._gap(previous.end, match.start) in _JOINED
        return False

    def _gap(self, start: int, end: int) -> str:
        return " ".join(self.text[start:end].split()).removeprefix("ท่าน")

    def _in_address(self, position: int) -> bool:
        index = bisect.bisect_right(self._starts, position) - 1
        return index >= 0 and self._addresses[index][1] > position

    def _caps_line(self, match: Match) -> bool:
        start = self.text.rfind("\n", 0, match.start) + 1
        end = self.text.find("\n", match.end)
        line = self.text[start : end if end >= 0 else len(self.text)]
        return not _LOWER_LATIN.search(line) and len(_LATIN_WORD.findall(line)) >= 3


def _addresses(text: str, narrow: bytes | None = None) -> list[tuple[int, int]]:
    """Spans of web and e-mail addresses, sorted (found from their `http`, `www.` or `@`).

    A web address is tried only where `http` or `www.` stands, as `finditer` would find it
    (leftmost first, never overlapping): a regex search through the whole text cost more than
    the rest of the context."""
    spans: list[tuple[int, int]] = []
    end = 0
    for start in sorted(find_all(text, _WEB_HEADS, 0)):
        found = _WEB_ADDRESS.match(text, start) if start >= end else None
        if found is not None:
            spans.append(found.span())
            end = found.end()
    # an @ is looked for in the bytes when there are: a str search stops at every เ (U+0E40)
    at = narrow.find(b"@") if narrow is not None else text.find("@")
    while at > 0:
        local = _MAIL_LOCAL.search(text, max(0, at - 64), at)
        domain = _MAIL_DOMAIN.match(text, at + 1)
        if local and domain:
            spans.append((local.start(), domain.end()))
        at = narrow.find(b"@", at + 1) if narrow is not None else text.find("@", at + 1)
    return sorted(spans)


def _is_title(match: Match | None) -> bool:
    return match is not None and match.alias.kind == "ministry" and match.alias.role == "titles"
