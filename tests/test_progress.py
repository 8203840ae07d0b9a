"""`reindex` and `backfill` show a progress bar when stderr is a terminal, nothing otherwise."""

from __future__ import annotations

import os
import re
import subprocess
import sys

from click.testing import CliRunner

from tests.site import LocalSite, local_site
from tests.terminal import ANSI, on_a_terminal
from tests.test_backfill import write_config
from tests.test_closed_pipe import ROOT, env
from tests.test_sources import news_item
from watcher.cli import cli

__all__ = ["env", "local_site"]


def _stderr_on_a_terminal(env: dict[str, str], *args: str) -> tuple[str, str, int]:
    """(stderr as the terminal received it, ANSI codes removed; stdout; exit status)."""
    seen, stdout, code = on_a_terminal(env, *args, stream="stderr", columns=100)
    return ANSI.sub("", seen), stdout, code


def test_reindex_shows_progress_on_a_terminal_and_nothing_in_a_pipe(env: dict[str, str]) -> None:
    stderr, stdout, code = _stderr_on_a_terminal(env, "reindex")
    assert code == 0 and stdout == "search index rebuilt: 300 items\n"
    assert re.search(r"reindex .*300/300", stderr), stderr
    piped = subprocess.run([sys.executable, "-m", "watcher", "reindex"], env=env, cwd=ROOT,
                           capture_output=True, text=True)  # fmt: skip
    assert piped.returncode == 0 and piped.stderr == ""
    assert piped.stdout == "search index rebuilt: 300 items\n"


def test_backfill_shows_progress_on_a_terminal(local_site: LocalSite, tmp_path: object) -> None:
    from pathlib import Path

    local_site.add_items([news_item(n) for n in range(30)], start_id=200)
    env = os.environ | write_config(Path(str(tmp_path)), local_site)
    assert CliRunner().invoke(cli, ["poll", "--once"], env=env).exit_code == 0
    stderr, stdout, code = _stderr_on_a_terminal(env, "backfill", "news", "--from", "195")
    assert code == 0 and "backfill 195–229:" in stdout
    assert re.search(r"backfill .*\d+/\d+", stderr), stderr


def test_reindex_in_batches_reports_each_and_indexes_everything(env: dict[str, str]) -> None:
    from pathlib import Path

    from watcher.match.language import parse_query
    from watcher.store import ItemFilter, Store

    store = Store.open(Path(env["WATCHER_DB"]))
    try:
        calls: list[tuple[int, int]] = []
        assert store.rebuild_search_index(on_progress=lambda *a: calls.append(a), batch=128) == 300
        assert calls == [(128, 300), (256, 300), (300, 300)]
        assert store.search_index_rows() == 300
        assert store.count_search(parse_query("ไทย"), ItemFilter()) == 239  # as search says
    finally:
        store.close()
