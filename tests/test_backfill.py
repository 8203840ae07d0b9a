"""`watcher backfill`: history at the polite pace, resumable, never alerted."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from click.testing import CliRunner

from tests.site import LocalSite, local_site
from tests.test_sources import FAST, cycles, news_item, sequence_config
from watcher.cli import cli
from watcher.core.config import Config
from watcher.sources.backfill import run_backfill
from watcher.sources.cycle import open_poller
from watcher.store import ItemFilter, Store

__all__ = ["local_site"]


def write_config(root: Path, site: LocalSite) -> dict[str, str]:
    config = root / "watcher.toml"
    config.write_text(
        '[fetch]\nper_host_interval = 0.0\nretries = 0\n\n[[sources]]\nname = "news"\n'
        f'kind = "sequence"\nurl = "{site.item_url_template}"\nstart_id = 150\n'
    )
    return {"WATCHER_CONFIG": str(config), "WATCHER_DB": str(root / "w.db")}


def test_backfill_reads_the_ids_before_the_baseline_as_history(
    local_site: LocalSite, tmp_path: Path
) -> None:
    local_site.add_items([news_item(n) for n in range(60)], start_id=200)
    env = write_config(tmp_path, local_site)
    runner = CliRunner()
    assert runner.invoke(cli, ["poll", "--once"], env=env).exit_code == 0  # baseline 240–259
    result = runner.invoke(cli, ["backfill", "news", "--from", "195"], env=env)
    assert result.exit_code == 0, result.output
    assert "backfill 195–259: 40 new, 0 duplicate, 0 revision, 20 already stored" in result.output
    assert "5 empty" in result.output and "(history: no alerts)" in result.output
    store = Store.open(tmp_path / "w.db")
    items = store.list_items(ItemFilter())
    assert len(items) == 60 and store.outbox_counts() == {}
    assert {i.origin for i in items if i.source_id < 240} == {"backfill"}
    assert local_site.count("/news/contents/details/250") == 1  # stored ids are not re-read
    again = runner.invoke(cli, ["backfill", "news", "--from", "195"], env=env)
    assert "0 new" in again.output and "60 already stored" in again.output


def test_backfill_resumes_where_a_stopped_run_ended(local_site: LocalSite, store: Store) -> None:
    local_site.add_items([news_item(n) for n in range(30)], start_id=100)
    source = sequence_config(local_site, baseline_items=1)
    cycles(store, [source])
    config = Config(fetch=FAST, sources=(source,))

    async def backfill(stop_after: int | None) -> object:
        async with open_poller(config, store, None) as poller:

            def progress(done: int, total: int) -> None:
                if stop_after is not None and done >= stop_after:
                    poller.stop.set()

            return await run_backfill(poller, source, 100, 128, on_progress=progress)

    stopped = asyncio.run(backfill(10))
    assert stopped.stopped and "run the same command again" in stopped.line()  # type: ignore[attr-defined]
    saved = json.loads(store.source_state("news").backfill or "{}")
    assert saved == {"from": 100, "to": 128, "next": 110}
    first_half = store.count_items()
    resumed = asyncio.run(backfill(None))
    assert resumed.resumed_at == 110 and not resumed.stopped  # type: ignore[attr-defined]
    assert store.count_items() == first_half + 19 and store.count_items() == 30
    assert local_site.count("/news/contents/details/105") == 1
    assert store.source_state("news").backfill is None


def test_backfill_names_what_is_wrong_in_one_line(local_site: LocalSite, tmp_path: Path) -> None:
    env = write_config(tmp_path, local_site)
    runner = CliRunner()
    unknown = runner.invoke(cli, ["backfill", "nope", "--from", "1"], env=env)
    assert unknown.exit_code == 1 and "no source named 'nope'" in unknown.output
    never = runner.invoke(cli, ["backfill", "news", "--from", "1"], env=env)
    assert never.exit_code == 1
    assert "no newest id known yet; give --to or run `watcher poll`" in never.output
    backwards = runner.invoke(cli, ["backfill", "news", "--from", "9", "--to", "3"], env=env)
    assert "--to 3 is before --from 9" in backwards.output
