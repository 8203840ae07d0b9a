"""Offsets survive the fast paths: the normaliser's (against its general per-cluster path) and
the matcher's UTF-16 scan (against texts with astral characters and lone surrogates)."""

from __future__ import annotations

import pytest

from watcher.classify.gazetteer import Alias
from watcher.classify.keyfinder import _FOLD
from watcher.classify.matcher import Matcher
from watcher.classify.textnorm import (
    _NIKHAHIT,
    _SPECIAL_CHARS,
    _narrow,
    _rebuild,
    fold_case,
    normalize,
)

SAMPLES = [
    "กระทรวงสาธารณสุข",
    "ก\u200bระทรวง\u00adการคลัง\ufeff",
    "นํ้าท่วม จํานวน กํา\u200bลัง",  # decomposed SARA AM, plain and with ZWSP before it
    "ก\u0e4d\u200b\u0e32ลัง \u200b\u0e4d\u0e32 \u0e4d",  # invisible inside the pair, lone NIKHAHIT
    "\u0e4d\u0e32\u0e4d\u0e32" * 3 + "\u200d" * 4 + "ญี่ปุ่น",
    "Cafe\u0301 \u200bne\u0301e กํา",  # not NFC: the general path
    "ทดสอบ " * 100 + "\u00ad" * 300 + "ค" * 300 + "\u0e4d\u0e32",  # chunks longer than 256
]


@pytest.mark.parametrize("text", SAMPLES)
def test_fast_paths_match_the_general_path(text: str) -> None:
    normal = normalize(text)
    cased, origin = _rebuild(text)
    assert normal.cased == cased
    assert [normal.original_offset(i) for i in range(len(cased))] == origin


def _alias(text: str, code: str) -> Alias:
    return Alias(text, "country", code, "names", False)


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("🇯🇵 ญี่ปุ่น 😀 ลาว", [("ญี่ปุ่น", 3), ("😀", 11), ("ลาว", 13)]),  # astral characters
        ("\ud83d ญี่ปุ่น", [("ญี่ปุ่น", 2)]),  # a lone surrogate
        ("ทีม 😀 เยือน", [("😀", 4)]),  # an alias that is an astral character itself
        ("ทีม \ud83d\ude00 เยือน", []),  # two lone surrogates are not that character
    ],
)
def test_matcher_offsets_are_code_points(text: str, found: list[tuple[str, int]]) -> None:
    matcher = Matcher([_alias("ญี่ปุ่น", "JP"), _alias("ลาว", "LA"), _alias("😀", "XX")])
    matches = matcher.scan(normalize(text))
    assert [(text[m.start : m.end], m.start) for m in matches] == found


def test_byte_folding_is_fold_case_on_every_cp874_character() -> None:
    for byte in range(256):
        try:
            character = bytes([byte]).decode("cp874")
        except UnicodeDecodeError:
            continue
        assert fold_case(character).encode("cp874") == bytes([byte]).translate(_FOLD), character


def test_texts_outside_cp874_are_matched_the_same() -> None:
    matcher = Matcher([_alias("Japan", "JP"), _alias("ญี่ปุ่น", "JP")])
    for text in ("JAPAN ๑ Japan ญี่ปุ่น", "JAPAN ๑ Japan ญี่ปุ่น é", "JAPAN ๑ Japan ญี่ปุ่น \u200b"):
        assert [m.start for m in matcher.scan(normalize(text))] == [0, 8, 14]


def test_no_special_character_fits_cp874_but_nikhahit() -> None:
    assert [ch for ch in _SPECIAL_CHARS if _narrow(ch) is not None] == [_NIKHAHIT]


@pytest.mark.parametrize("text", [*SAMPLES, "Japan é", "ญี่ปุ่น \U0001f600"])
def test_narrow_is_the_normal_text_in_cp874(text: str) -> None:
    normal = normalize(text)
    assert normal.narrow == _narrow(normal.cased)
    assert normal.narrow is None or normal.narrow.decode("cp874") == normal.cased
