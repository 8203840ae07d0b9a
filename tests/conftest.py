"""Shared fixtures: synthetic items, a temp database, and the CLI run in-process."""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from watcher.cli import cli
from watcher.store import Store

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = ROOT.parent / "shared" / "data"
CORPUS = SHARED_DATA / "thaigov-corpus.jsonl.xz"
SEEDS = SHARED_DATA / "seeds"
LABELS_DEV = SHARED_DATA / "labels-dev.jsonl"

# Cached gazetteer loads (watcher/classify/gazetteer_cache.py) go to a directory of this run,
# not the user's ~/.cache; subprocesses started by tests inherit it.
os.environ["WATCHER_CACHE_DIR"] = tempfile.mkdtemp(prefix="watcher-test-cache-")

needs_corpus = pytest.mark.skipif(not CORPUS.exists(), reason="../shared/data is absent")
needs_seeds = pytest.mark.skipif(not SEEDS.exists(), reason="../shared/data/seeds is absent")


def corpus_text(
    title: str,
    paragraphs: list[str],
    *,
    item_id: int | None = 1000,
    date_line: str | None = "วันอังคารที่ 25 กรกฎาคม 2566",
    prefix: bool = True,
    repeat_title: bool = True,
) -> str:
    """An item in the corpus format, written the way the site's scrape writes it."""
    lines = [("รัฐบาลไทย-ข่าวทำเนียบรัฐบาล-" if prefix else "") + title, ""]
    if date_line:
        lines.append(date_line)
    if repeat_title:
        lines += ["พิมพ์", title]
    lines += paragraphs
    if item_id is not None:
        lines += ["", f"ที่มา : https://www.thaigov.go.th/news/contents/details/{item_id}"]
    return "\n".join(lines) + "\n"


@pytest.fixture
def make_text() -> Callable[..., str]:
    return corpus_text


@pytest.fixture
def store() -> Iterator[Store]:
    handle = Store.memory()
    yield handle
    handle.close()


@pytest.fixture
def now() -> dt.datetime:
    return dt.datetime(2026, 11, 19, 3, 0, tzinfo=dt.UTC)


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "state" / "watcher.db"


@pytest.fixture
def run_cli(db_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[..., Result]:
    """Run `watcher ARGS` in-process against a temp database and the repo's config/."""
    monkeypatch.setenv("WATCHER_DB", str(db_path))
    monkeypatch.setenv("WATCHER_CONFIG", str(ROOT / "config" / "watcher.toml"))

    def run(*args: str, input: str | None = None) -> Result:
        return CliRunner().invoke(cli, list(args), input=input, catch_exceptions=False)

    return run
