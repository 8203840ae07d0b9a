"""The normaliser's fast paths agree with its general per-cluster path, offset for offset."""

from __future__ import annotations

import pytest

from watcher.classify.textnorm import _rebuild, normalize

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
