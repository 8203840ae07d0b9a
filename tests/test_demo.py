"""`watcher demo`: offline replay from the packaged sample; ends by itself with --duration."""

from __future__ import annotations

import io
import itertools
import json
import lzma
from collections.abc import Callable

from click.testing import Result
from rich.console import Console

from watcher.core.corpus import parse_corpus_text
from watcher.demo.run import DemoOptions, demo_ids, load_sample, run_demo, sample_path


def test_the_sample_ships_in_the_package_small_and_varied() -> None:
    path = sample_path()
    assert path.stat().st_size < 500_000
    with lzma.open(path, "rt", encoding="utf-8") as lines:
        rows = [json.loads(line) for line in lines]
    assert 200 <= len(rows) <= 500
    texts = [row["text"] for row in rows]
    for word in ("ญี่ปุ่น", "เกาหลี", "จีน", "สหรัฐ", "อาเซียน"):
        assert sum(word in text for text in texts) >= 10, word
    assert all(parse_corpus_text(text).title for text in texts)


def test_demo_ids_leave_small_gaps_like_the_site() -> None:
    ids = demo_ids(20)
    gaps = [b - a for a, b in itertools.pairwise(ids)]
    assert len(ids) == 20 and set(gaps) == {1, 2}


def test_demo_publishes_over_time_and_the_daemon_picks_every_item_up() -> None:
    buffer = io.StringIO()
    console = Console(file=buffer, width=120, color_system=None)
    options = DemoOptions(duration=2.5, interval=1, items=6, publish_every=0.2, initial=2)
    summary = run_demo(options, None, console)
    assert summary.failed_cycles == 0 and summary.cycles >= 2
    assert len(summary.published) == 6
    assert set(summary.stored) <= set(summary.published)
    assert len(summary.stored) >= 2 and set(summary.stored.values()) == {"new"}
    output = buffer.getvalue()
    for title in [item.title for item in load_sample(6)][: len(summary.stored)]:
        assert " ".join(title.split())[:20] in output
    assert output.rstrip().splitlines()[-1].startswith("demo: 6 items published")


def test_demo_command_ends_by_itself_with_labels(run_cli: Callable[..., Result]) -> None:
    result = run_cli("demo", "--duration", "2", "--interval", "1", "--items", "3",
                     "--publish-every", "0.5")  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "countries" in result.output and "ministries" in result.output
    assert "demo: 3 items published" in result.output
