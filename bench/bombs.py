"""Peak memory of `watcher import` on the whole corpus beside the import bombs of issue 17.

    python bench/bombs.py [--corpus PATH] [--skip-corpus] [--only NAME]

Each import runs as its own `watcher import` process on a fresh database; its peak RSS is
the child's ru_maxrss (os.wait4), its wall time the process's. The bombs are generated on the
fly in a temporary folder and deleted right after their import:
  empty        an empty .jsonl: the floor, what the interpreter and imports cost
  corpus       the whole shared corpus (.jsonl.xz), what a real import costs
  long-line    one 500 MB JSONL line (then one good line): refused by line number, read past
  xz-no-eol    a .jsonl.xz expanding to 3 GB without a newline (a few hundred KB on disk)
  16M-braces   16 million `{}` lines: every one rejected, only counts and the first 100 kept
Memory should stay flat: every bomb near the floor, none near the corpus.

    python bench/bombs.py --parse [--repeat 3] [--scale 1.0] [--only-parse NAME]

Parse bombs of issue 27 (hostile text for the parsers the sources run, in this process; wall
time, median of `--repeat`). Each must be linear: doubling `--scale` about doubles its time.
  feed-br      a feed entry summary of 50,000 <br> (0.6 MB): the feed parser's text
  feed-big     an RSS feed of 45,000 entries, parsed as a feed source does (max_entries 100)
  div-flood    an item page in the site's layout with 49,000 <div/> in its body
  p-siblings   an item page whose body holds 49,000 sibling <p> paragraphs
A case that raises (a refusal by the page guards) prints what it raised.
"""

from __future__ import annotations

import argparse
import json
import lzma
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.readme_block import recorded  # noqa: E402

DEFAULT_CORPUS = ROOT.parent / "shared" / "data" / "thaigov-corpus.jsonl.xz"
MB = 1_000_000
GOOD_LINE = (
    json.dumps({"id": None, "url": None, "category": None, "text": "ข่าว\n\nย่อหน้าของข่าว"},
               ensure_ascii=False).encode() + b"\n"
)  # fmt: skip


def empty(folder: Path) -> Path:
    path = folder / "empty.jsonl"
    path.write_bytes(b"")
    return path


def long_line(folder: Path) -> Path:
    path = folder / "long-line.jsonl"
    with path.open("wb") as out:
        out.write(b'{"id": null, "url": null, "category": null, "text": "')
        block = b"a" * MB
        for _ in range(500):
            out.write(block)
        out.write(b'"}\n')
        out.write(GOOD_LINE)
    return path


def xz_no_eol(folder: Path) -> Path:
    path = folder / "no-eol.jsonl.xz"
    with lzma.open(path, "wb", preset=1) as out:
        block = b"a" * MB
        for _ in range(3000):
            out.write(block)
    return path


def braces(folder: Path) -> Path:
    path = folder / "braces.jsonl"
    with path.open("wb") as out:
        block = b"{}\n" * MB
        for _ in range(16):
            out.write(block)
    return path


def run_import(path: Path, folder: Path) -> dict[str, object]:
    """`watcher import PATH` in a child process: wall, peak RSS, exit status, last line."""
    env = dict(
        os.environ,
        WATCHER_DB=str(folder / "bench.db"),
        WATCHER_CONFIG=str(ROOT / "config" / "watcher.toml"),
        PYTHONPATH=str(ROOT),
    )
    log = folder / "output.txt"
    started = time.perf_counter()
    with log.open("wb") as output:
        child = subprocess.Popen(
            [sys.executable, "-m", "watcher", "import", str(path)],
            env=env, cwd=ROOT, stdout=output, stderr=subprocess.STDOUT,
        )  # fmt: skip
        _pid, status, usage = os.wait4(child.pid, 0)  # this child's own peak, not the sum
    child.returncode = os.waitstatus_to_exitcode(status)
    lines = log.read_text(encoding="utf-8", errors="replace").strip().splitlines()
    return {
        "wall": time.perf_counter() - started,
        "rss_mb": usage.ru_maxrss / 1024,
        "exit": child.returncode,
        "lines": len(lines),
        "summary": lines[-1] if lines else "",
    }


def run_case(name: str, make: Callable[[Path], Path] | None, corpus: Path) -> dict[str, object]:
    folder = Path(tempfile.mkdtemp(prefix=f"bombs-{name}-", dir="/tmp"))
    try:
        path = make(folder) if make is not None else corpus
        on_disk = path.stat().st_size
        result = run_import(path, folder)
        result["input_mb"] = on_disk / MB
        return result
    finally:
        shutil.rmtree(folder, ignore_errors=True)


CASES: dict[str, Callable[[Path], Path] | None] = {
    "empty": empty,
    "corpus": None,
    "long-line": long_line,
    "xz-no-eol": xz_no_eol,
    "16M-braces": braces,
}


def _feed_br(scale: float) -> Callable[[], object]:
    from watcher.sources.feed import parse_feed

    summary = "ข่าว" + "&lt;br&gt;" * int(50_000 * scale) + "จบ"
    body = (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>t</title>'
        f"<item><title>x</title><link>https://x.test/1</link><description>{summary}"
        "</description></item></channel></rss>"
    ).encode()
    return lambda: parse_feed(body, "https://x.test/rss")


def _feed_big(scale: float) -> Callable[[], object]:
    from watcher.sources.feed import parse_feed

    entries = "".join(
        f"<item><title>ข่าวที่ {n} เรื่องความร่วมมือ</title><link>https://x.test/{n}</link>"
        f"<description>&lt;p&gt;สรุปข่าวที่ {n} ความร่วมมือด้านการค้า&lt;/p&gt;</description>"
        "<pubDate>Tue, 25 Jul 2023 10:00:00 +0700</pubDate></item>"
        for n in range(int(45_000 * scale))
    )
    body = (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>t</title>'
        + entries + "</channel></rss>"
    ).encode()  # fmt: skip
    return lambda: parse_feed(body, "https://x.test/rss", 100)


def _item_page(filler: str) -> Callable[[], object]:
    from watcher.core.config import SelectorSettings
    from watcher.core.corpus import Item
    from watcher.demo.site import render_item_page
    from watcher.sources.pages import parse_page

    page = render_item_page(Item("ข่าวทดสอบ", "ย่อหน้าแรก\nย่อหน้าที่สอง", published="2023-07-25"))
    html = page.replace("<p>", filler + "<p>", 1)
    return lambda: parse_page(html, "https://x.test/1", "thaigov", SelectorSettings())


PARSE_CASES: dict[str, Callable[[float], Callable[[], object]]] = {
    "feed-br": _feed_br,
    "feed-big": _feed_big,
    "div-flood": lambda scale: _item_page("<div/>" * int(49_000 * scale)),
    "p-siblings": lambda scale: _item_page("<p>ย่อหน้า</p>" * int(49_000 * scale)),
}


def run_parse_cases(names: list[str], repeat: int, scale: float) -> None:
    import statistics

    print(f"{'case':<12} {'scale':>6} {'median s':>9} {'runs':>5}  outcome")
    for name in names:
        work = PARSE_CASES[name](scale)
        times, outcome = [], "ok"
        for _ in range(repeat):
            started = time.perf_counter()
            try:
                work()
            except Exception as error:  # a refusal is an outcome, not a failure of the bench
                outcome = f"{type(error).__name__}: {str(error)[:70]}"
            times.append(time.perf_counter() - started)
        print(f"{name:<12} {scale:>6g} {statistics.median(times):>9.3f} {repeat:>5}  {outcome}",
              flush=True)  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parse", action="store_true", help="the parse bombs (issue 27)")
    parser.add_argument("--only-parse", choices=list(PARSE_CASES), action="append")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--skip-corpus", action="store_true")
    parser.add_argument("--only", choices=list(CASES), action="append")
    parser.add_argument(
        "--readme", action="store_true", help="write the figures into docs/benchmarks.md"
    )
    args = parser.parse_args()
    if args.parse:
        run_parse_cases(args.only_parse or list(PARSE_CASES), args.repeat, args.scale)
        return
    with recorded("bombs" if args.readme else None):
        names = args.only or [n for n in CASES if not (n == "corpus" and args.skip_corpus)]
        print(f"{'case':<12} {'input MB':>9} {'wall s':>8} {'peak RSS MB':>12} {'exit':>4}"
              f" {'lines':>5}  last line")  # fmt: skip
        for name in names:
            result = run_case(name, CASES[name], args.corpus)
            print(
                f"{name:<12} {result['input_mb']:>9.1f} {result['wall']:>8.1f}"
                f" {result['rss_mb']:>12.0f} {result['exit']:>4} {result['lines']:>5}"
                f"  {str(result['summary'])[:110]}",
                flush=True,
            )


if __name__ == "__main__":
    main()
