"""`watcher browse` page times on a database of the whole corpus, in-process (Datasette's client).

    python bench/browse.py [--db PATH] [--runs 5]

--db defaults to the database bench/query.py builds and caches (run that first, or give any
database made with `watcher import`). Printed, medians of --runs loads each:
  items     the items page with its facets by country, ministry and category, beside the same
            page with Datasette's own array facets (the baseline this replaces) and none at all
  search    the canned search page by page, beside `watcher.query.search.search` called directly
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.readme_block import recorded  # noqa: E402
from watcher.browse.app import BrowseSettings, make_datasette  # noqa: E402
from watcher.query import search as query  # noqa: E402
from watcher.store import ItemFilter, Store  # noqa: E402

DEFAULT_DB = Path(tempfile.gettempdir()) / "thaigov-watcher-bench" / "query.db"
SEARCHES = [("ญี่ปุ่น", "1"), ("ญี่ปุ่น การลงทุน", "1"), ("ญี่ปุ่น OR เกาหลี", "1"),
            ("ข้าว -โควิด", "1"), ("ญี่ปุ่น", "10"), ("นายกรัฐมนตรี", "1"), ("EV", "1")]  # fmt: skip


async def median_ms(datasette: Any, path: str, params: dict[str, str], runs: int) -> float:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        answer = await datasette.client.get(path, params=params)
        samples.append(time.perf_counter() - start)
        assert answer.status_code == 200, (path, answer.status_code)
    return 1000 * statistics.median(samples)


async def main(db: Path, runs: int) -> None:
    metadata = ROOT / "config" / "datasette" / "metadata.yaml"
    datasette = make_datasette(BrowseSettings(db, metadata))
    await datasette.invoke_startup()
    name = db.stem
    print(f"database: {db}; medians of {runs} loads")
    facets = await median_ms(datasette, f"/{name}/items", {}, runs)
    with tempfile.TemporaryDirectory() as scratch:  # the same metadata with Datasette's facets
        plain = Path(scratch) / "metadata.yaml"
        plain.write_text(metadata.read_text(encoding="utf-8").replace("- labels: ", "- array: "),
                         encoding="utf-8")  # fmt: skip
        baseline = make_datasette(BrowseSettings(db, plain))
        await baseline.invoke_startup()
        builtin = await median_ms(baseline, f"/{name}/items", {}, runs)
        shown = (await baseline.client.get(f"/{name}/items.json")).json()["facet_results"]
        dropped = sorted({"countries", "ministries", "category"} - set(shown))
    bare = await median_ms(datasette, f"/{name}/items", {"_nofacet": "1"}, runs)
    shown = (await datasette.client.get(f"/{name}/items.json")).json()["facet_results"]
    timed_out = sorted({"countries", "ministries", "category"} - set(shown))
    print(f"items page: {facets:.0f} ms with the label facets (dropped: {timed_out or 'none'});"
          f" Datasette's array facets {builtin:.0f} ms (dropped: {dropped or 'none'});"
          f" no facets {bare:.0f} ms")  # fmt: skip
    store = Store.open(db)
    for text, page in SEARCHES:
        canned = await median_ms(datasette, f"/{name}/search.json",
                                 {"q": text, "page": page, "_shape": "array"}, runs)  # fmt: skip
        limit = int(page) * 20
        direct = []
        for _ in range(runs):
            start = time.perf_counter()
            query.search(store, text, ItemFilter(limit=limit))
            direct.append(time.perf_counter() - start)
        print(
            f"search {text!r} page {page}: {canned:.0f} ms canned;"
            f" watcher.query.search.search {1000 * statistics.median(direct):.0f} ms"
        )
    store.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, default=DEFAULT_DB)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument(
        "--readme", action="store_true", help="write the figures into docs/benchmarks.md"
    )
    args = parser.parse_args()
    if not args.db.is_file():
        raise SystemExit(f"{args.db}: no database; run `python bench/query.py` or pass --db")
    with recorded("browse" if args.readme else None):
        asyncio.run(main(args.db, args.runs))
