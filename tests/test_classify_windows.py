"""Ranking scans only parts of a body; what it finds there equals a scan of the whole body."""

from __future__ import annotations

import random

import pytest

from tests.test_classify import GAZETTEERS
from watcher.classify import Classifier
from watcher.classify.context import _WEB_ADDRESS, _addresses
from watcher.classify.ranking import FieldText, Mention, Ranker, _strongest_role, _Tally
from watcher.classify.textnorm import normalize
from watcher.classify.wordtables import build_automaton, ends_with_word, starts_with_word, word_hits

PIECES = ["หารือ", "ลงนาม", "เยือน", "ญี่ปุ่น", "โดยมี", "attended by", "เข้าร่วม", "ร่วมงาน", "\n"]
FILLER = "การพัฒนาคุณภาพชีวิต "


@pytest.fixture(scope="module")
def ranker() -> Ranker:
    return Classifier.from_dir(GAZETTEERS)._ranker


def _body(rng: random.Random) -> str:
    return "".join(rng.choice(PIECES) if rng.random() < 0.3 else FILLER for _ in range(120))


def _country_tally(body: str) -> _Tally:
    source = FieldText(body, normalize(body))
    tally = _Tally()
    position = body.find("ญี่ปุ่น")
    while position >= 0:
        tally.add_body(Mention("country", "JP", "names", "body", position, position + 7, source))
        position = body.find("ญี่ปุ่น", position + 1)
    return tally


@pytest.mark.parametrize("seed", range(40))
def test_role_windows_see_what_a_whole_body_scan_sees(ranker: Ranker, seed: int) -> None:
    rng = random.Random(seed)
    body = _body(rng)
    tally = _country_tally(body)
    for window in (0.0, 7.5, 80.0, 200.0):
        ranker.p["role_window"] = window
        whole = word_hits(ranker._country_roles, body)
        windowed = ranker._role_hits(body, [tally])
        assert set(windowed) <= set(whole)
        assert _strongest_role(tally.body, windowed, window) == _strongest_role(
            tally.body, whole, window
        )
    ranker.p["role_window"] = 80.0


@pytest.mark.parametrize("seed", range(40))
def test_attendance_lists_are_found_as_finditer_finds_them(ranker: Ranker, seed: int) -> None:
    rng = random.Random(seed)
    body = _body(rng)
    reader = ranker._passing
    assert reader._present is not None
    for start in (0, 37, 437, 700):
        expected = [m.span() for m in reader._present.finditer(body, start)]
        assert reader.attendance(body, start) == expected


@pytest.mark.parametrize("seed", range(40))
def test_web_addresses_are_found_as_finditer_finds_them(seed: int) -> None:
    rng = random.Random(seed)
    pieces = ["http://", "https://", "https", "www.", "WWW.", "ftp://", "x.go.th", " ", "\n", "ไทย"]
    text = "".join(rng.choice(pieces) for _ in range(60))
    assert _addresses(text) == [m.span() for m in _WEB_ADDRESS.finditer(text)]  # no e-mail


@pytest.mark.parametrize("table", ["ministry_actor_after", "ministry_owner_before"])
def test_word_tuples_answer_as_an_automaton_of_the_words_would(ranker: Ranker, table: str) -> None:
    words = ranker._actor_after if table == "ministry_actor_after" else ranker._owner_before
    automaton = build_automaton(dict.fromkeys(words, 1.0))
    assert automaton is not None
    rng = random.Random(table)
    for _ in range(2000):
        text = "".join(rng.choice([*words, "ที่", "และ", " ", "x"]) for _ in range(rng.randint(0, 4)))
        hits = [(end, length) for end, (length, _) in automaton.iter(text)]
        assert ends_with_word(words, text) == any(end == len(text) - 1 for end, _ in hits)
        head = [(end, length) for end, (length, _) in automaton.iter(text[:30])]
        assert starts_with_word(words, text) == any(end - length + 1 == 0 for end, length in head)


@pytest.mark.parametrize("seed", range(20))
def test_mail_addresses_are_the_same_found_in_bytes(seed: int) -> None:
    rng = random.Random(seed)
    pieces = ["info", "@", "เมล", "x.go.th", " ", "\n", "www.a.th", "เอ"]
    text = "".join(rng.choice(pieces) for _ in range(60))
    assert _addresses(text, text.encode("cp874")) == _addresses(text)


@pytest.mark.parametrize("seed", range(60))
def test_attendance_closers_are_found_as_the_pattern_finds_them(ranker: Ranker, seed: int) -> None:
    rng = random.Random(seed)
    reader = ranker._passing
    assert reader._present is not None
    words = [*reader._present_openers, *reader._present_closers, "ร่วม", "พิธี", "were", "\n"]
    body = "".join(rng.choice(words) if rng.random() < 0.2 else "ก" * 37 for _ in range(200))
    for position in range(len(body)):
        found = reader._present.match(body, position)
        assert reader._attendance_at(body, position) == (found.span() if found else None)
