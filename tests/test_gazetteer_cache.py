"""The gazetteer cache: used while the files are unchanged, never after an edit, never fatal."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from watcher.classify import gazetteer
from watcher.classify.gazetteer import default_gazetteer_dir, load_gazetteer


@pytest.fixture
def gazetteers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    copy = tmp_path / "gazetteers"
    shutil.copytree(default_gazetteer_dir(), copy)
    monkeypatch.setenv("WATCHER_CACHE_DIR", str(tmp_path / "cache"))
    return copy


def _parses(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    calls: list[Path] = []
    parse = gazetteer._parse_gazetteer

    def counting(directory: Path) -> gazetteer.Gazetteer:
        calls.append(directory)
        return parse(directory)

    monkeypatch.setattr(gazetteer, "_parse_gazetteer", counting)
    return calls


def test_unchanged_files_load_from_the_cache(
    gazetteers: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = _parses(monkeypatch)
    first = load_gazetteer(gazetteers)
    second = load_gazetteer(gazetteers)
    assert len(calls) == 1
    assert second == first
    assert second.resolve_term("ญี่ปุ่น") == ("country", "JP")
    assert len(list((gazetteers.parent / "cache").glob("gazetteer-*.pickle"))) == 1


def test_an_edited_file_is_parsed_again(gazetteers: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = _parses(monkeypatch)
    assert load_gazetteer(gazetteers).resolve_term("Nippon-koku") is None
    countries = gazetteers / "countries.toml"
    text = countries.read_text(encoding="utf-8")
    edited = text.replace('"Japan", "ชาวญี่ปุ่น"', '"Japan", "Nippon-koku", "ชาวญี่ปุ่น"', 1)
    assert edited != text
    countries.write_text(edited, encoding="utf-8")
    assert load_gazetteer(gazetteers).resolve_term("Nippon-koku") == ("country", "JP")
    assert len(calls) == 2
    assert len(list((gazetteers.parent / "cache").glob("gazetteer-*.pickle"))) == 1  # old gone


def test_a_corrupt_or_unwritable_cache_only_costs_time(
    gazetteers: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    load_gazetteer(gazetteers)
    for cached in (tmp_path / "cache").glob("*.pickle"):
        cached.write_bytes(b"not a pickle")
    assert load_gazetteer(gazetteers).resolve_term("Japan") == ("country", "JP")
    blocked = tmp_path / "file"
    blocked.write_text("a file where the cache directory should be")
    monkeypatch.setenv("WATCHER_CACHE_DIR", str(blocked / "cache"))
    assert load_gazetteer(gazetteers).resolve_term("Japan") == ("country", "JP")


def test_off_turns_it_off(gazetteers: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WATCHER_CACHE_DIR", "off")
    calls = _parses(monkeypatch)
    load_gazetteer(gazetteers)
    load_gazetteer(gazetteers)
    assert len(calls) == 2


def test_empty_means_the_default_place(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """docker-compose passes WATCHER_CACHE_DIR empty when the host does not set it."""
    from watcher.classify.gazetteer_cache import cache_dir

    monkeypatch.setenv("WATCHER_CACHE_DIR", "")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache_dir() == tmp_path / "xdg" / "thaigov-watcher"


def test_a_failed_write_leaves_no_partial_copy(
    gazetteers: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    def full_disk(*args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", full_disk)
    assert load_gazetteer(gazetteers).resolve_term("Japan") == ("country", "JP")
    assert list((tmp_path / "cache").iterdir()) == []
