"""Shared rendering pieces: flags and cuts that never split a Thai grapheme cluster."""

from __future__ import annotations

import pytest

from watcher.channels.render import cut_at_boundary, excerpt, flag, is_cluster_boundary


def test_flag() -> None:
    assert flag("JP") == "🇯🇵"
    assert flag("kr") == "🇰🇷"
    assert flag("ASEAN") == ""


@pytest.mark.parametrize("limit", range(1, 12))
def test_cut_never_separates_marks_from_their_consonant(limit: int) -> None:
    text = "ที่น้ำญี่ปุ่น"
    head = cut_at_boundary(text, limit)
    assert len(head) <= limit
    assert is_cluster_boundary(text, len(head))
    assert text.startswith(head)


def test_excerpt_cuts_at_a_space_and_marks_the_cut() -> None:
    body = " ".join(["ความร่วมมือด้านอุตสาหกรรม"] * 40)
    short = excerpt(body, 100)
    assert len(short) <= 100
    assert short.endswith("…")
    assert body.startswith(short[:-1])
    assert excerpt("สั้น\n\nมาก", 400) == "สั้น มาก"
