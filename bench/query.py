"""Query speed and index cost on a database holding the whole shared corpus.

    python bench/query.py [--corpus PATH] [--db PATH] [--runs 7] [--searches 100]
                          [--sample 2000] [--skip-size] [--skip-compare] [--cold-only]
                          [--shapes-only] [--shape-runs 5] [--readme]

The database is built once with the real `watcher import` (classified) and cached at the path
printed first; delete it (or pass --rebuild) to build again. Printed, medians throughout:
  cold      wall and CPU time of fresh `watcher ...` processes, beside `python -c pass`
            (the interpreter's own start) measured in the same run, in turns
  shapes    `watcher search Q` cold (a fresh process, as a user runs it: 20 rows and the
            "N of M" count) for every shape of the query language (issue 24: two-letter Latin
            words, words, prefixes, phrases, Thai, Thai beside Latin, OR, exclusion, two-letter
            Thai, and with a date range or a country), and the
            search alone on a fresh connection in-process; beside the floor and, measured in
            the same run, what a two-letter term cost before (a LIKE scan of every body)
  warm      in-process p50/p95 of N searches over a fixed mix of analyst queries
  size      the database with and without the search index (both VACUUMed copies)
  compare   FTS5 trigram against FTS5 over pythainlp-segmented words on a sample:
            build time, index size, query p50, and recall of substring matches
`--readme` writes every figure this run printed into the marked block in docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import pty
import re
import resource
import shlex
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.readme_block import README, write_block  # noqa: E402
from watcher.core.errors import StoreError  # noqa: E402
from watcher.query import search as query  # noqa: E402
from watcher.store import ItemFilter, Store  # noqa: E402

_WHITESPACE = re.compile(r"\s+")

DEFAULT_CORPUS = ROOT.parent / "shared" / "data" / "thaigov-corpus.jsonl.xz"
DEFAULT_DB = Path(tempfile.gettempdir()) / "thaigov-watcher-bench" / "query.db"
QUERIES = {
    "partner": ["ญี่ปุ่น", "เกาหลีใต้", "จีน", "สหรัฐอเมริกา", "อินเดีย", "เวียดนาม",
                "สิงคโปร์", "ฝรั่งเศส", "สหภาพยุโรป", "อาเซียน"],
    "topic": ["ยานยนต์ไฟฟ้า", "การลงทุน", "เซมิคอนดักเตอร์", "การท่องเที่ยว", "ยางพารา",
              "ทุเรียน", "กระทรวงอุตสาหกรรม", "ความร่วมมือทางเศรษฐกิจ", "นายกรัฐมนตรี"],
    "in-word": ["ยนต์ไฟ", "ปุ่น", "ลงทุนจาก"],
    "latin": ["electric vehicle", "BOI", "Japan", "JETRO"],
    "combined": ["ญี่ปุ่น การลงทุน", "ญี่ปุ่น OR เกาหลี", "ข้าว -โควิด"],
    "short": ["EV", "AI"],
}  # fmt: skip
SHAPES = {
    "two-letter Latin": ["EV", "AI", "UN"],
    "Latin word": ["Japan", "BOI", "semiconductor"],
    "prefix": ["semicon*", "invest*", "ev*"],
    "phrase": ['"electric vehicle"', '"prime minister"', "COVID-19"],
    "Thai": ["ญี่ปุ่น", "ยานยนต์ไฟฟ้า", "เซมิคอนดักเตอร์"],
    "Thai+Latin": ["ยานยนต์ไฟฟ้า EV", '"รถยนต์ไฟฟ้า EV"', "ญี่ปุ่น JETRO"],
    "OR": ["semiconductor OR เซมิคอนดักเตอร์", "EV OR ยานยนต์ไฟฟ้า", "Japan OR ญี่ปุ่น"],
    "exclusion": ["EV -ไฟฟ้า", "ข้าว -โควิด", "Japan -China"],
    "two-letter Thai": ["ไฟ", "รถ", "ฤๅ"],
    "with filters": ["ญี่ปุ่น --since 2022-01-01 --until 2022-03-01", "ทาง --since 2022-01-01",
                     "EV --country CN"],
}  # fmt: skip
_FILTER_OPTIONS = {"--since": "since", "--until": "until", "--country": "countries"}


def shape_args(entry: str) -> list[str]:
    """A shape's query, then its filter options: `query --option value...`."""
    text, dashes, options = entry.partition(" --")
    return [text, *shlex.split(dashes.strip() + options)]


def shape_search(entry: str) -> tuple[str, ItemFilter]:
    """A shape's query and filter options as `watcher search` reads them, for the in-process
    search."""
    text, *options = shape_args(entry)
    values: dict[str, Any] = {}
    for option, value in zip(options[::2], options[1::2], strict=True):
        field = _FILTER_OPTIONS[option]
        values[field] = (value,) if field == "countries" else value
    return text, ItemFilter(limit=20, **values)


def build_db(db: Path, corpus: Path) -> None:
    part = db.with_suffix(".part")
    for stale in db.parent.glob(part.name + "*"):
        stale.unlink()
    env = dict(os.environ, WATCHER_DB=str(part), WATCHER_CONFIG=str(ROOT / "config/watcher.toml"))
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "watcher", "import", str(corpus)], env=env,
                          cwd=ROOT, capture_output=True, text=True)  # fmt: skip
    if done.returncode not in (0, 1):  # 1 = some inputs rejected, as the corpus has
        sys.exit(f"watcher import failed:\n{done.stderr[-2000:]}")
    print(f"  built in {time.perf_counter() - start:.0f} s: {done.stdout.strip()}")
    checkpoint(part)
    part.rename(db)


def checkpoint(db: Path) -> None:
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()


def cold(
    args: Sequence[str], db: Path, runs: int, *, terminal: bool = False
) -> tuple[float, float]:
    """Median wall and CPU (user + sys) seconds of a fresh process; with `terminal`, its output
    goes to a pseudo-terminal 100 columns wide, as a person sees it (the table at that width,
    and the "N of M" footer, which piped output never counts)."""
    env = dict(os.environ, WATCHER_DB=str(db), WATCHER_CONFIG=str(ROOT / "config/watcher.toml"))
    walls, cpus = [], []
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        if terminal:
            run_on_terminal([sys.executable, *args], dict(env, COLUMNS="100"))
        else:
            subprocess.run([sys.executable, *args], env=env, cwd=ROOT, check=True,
                           stdout=subprocess.DEVNULL)  # fmt: skip
        walls.append(time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return statistics.median(walls), statistics.median(cpus)


def run_on_terminal(command: list[str], env: dict[str, str]) -> None:
    """`command` with its standard output on a pseudo-terminal, read until the command closes it."""
    leader, follower = pty.openpty()
    try:
        child = subprocess.Popen(command, env=env, cwd=ROOT, stdout=follower)
        os.close(follower)
        follower = -1
        while True:
            try:
                if not os.read(leader, 1 << 16):
                    break
            except OSError:  # EIO: every end of the terminal's other side is closed
                break
        if child.wait() != 0:
            raise subprocess.CalledProcessError(child.returncode, command)
    finally:
        os.close(leader)
        if follower >= 0:
            os.close(follower)


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[max(0, round(0.95 * len(ordered)) - 1)]


def timed(call: Callable[[], object], times: int) -> list[float]:
    samples = []
    for _ in range(times):
        start = time.perf_counter()
        call()
        samples.append(time.perf_counter() - start)
    return samples


def report_cold(db: Path, runs: int) -> list[str]:
    """Each command's cold start beside the bare interpreter's, the rows taking turns."""
    rows = [
        ("python -c pass (floor)", ["-c", "pass"]),
        ("watcher --help", ["-m", "watcher", "--help"]),
        ("watcher seen list --country JP --limit 20",
         ["-m", "watcher", "seen", "list", "--country", "JP", "--limit", "20"]),
        ('watcher search "ญี่ปุ่น การลงทุน"', ["-m", "watcher", "search", "ญี่ปุ่น การลงทุน"]),
        ('watcher search "ญี่ปุ่น" --format json',
         ["-m", "watcher", "search", "ญี่ปุ่น", "--format", "json"]),
        ('watcher search "ญี่ปุ่น การลงทุน", terminal', ["-m", "watcher", "search", "ญี่ปุ่น การลงทุน"]),
        ("watcher search รถ, terminal", ["-m", "watcher", "search", "รถ"]),
    ]  # fmt: skip
    # One start of each first, not counted: the first start after an install writes the
    # gazetteer cache (watcher/classify/gazetteer_cache.py).
    compile_as_installed()
    for label, args in rows:
        cold(args, db, 1, terminal=label.endswith("terminal"))
    samples: dict[str, list[tuple[float, float]]] = {label: [] for label, _ in rows}
    for _ in range(runs):  # in turns: a change of the shared machine's load falls on all rows
        for label, args in rows:
            samples[label].append(cold(args, db, 1, terminal=label.endswith("terminal")))
    lines = [
        f"cold process, median of {runs}, rows in turns ({os.cpu_count()} cores, load average"
        f" {os.getloadavg()[0]:.1f}: other work was running); goal ≤ 0.30 s and ≤ 6× the floor:"
    ]
    floor = statistics.median(wall for wall, _ in samples[rows[0][0]])
    for label, _ in rows:
        wall = statistics.median(w for w, _ in samples[label])
        cpu = statistics.median(c for _, c in samples[label])
        lines.append(
            f"  {label:45} wall {wall:6.3f} s  cpu {cpu:6.3f} s  ({wall / floor:4.1f}x floor)"
        )
    for line in lines:
        say(line)
    return lines


REPORT: list[str] = []  # every figure line this run printed, for --readme


def compile_as_installed() -> None:
    """Bytecode as an install has it: pip compiles a package at install, while an editable
    checkout under PYTHONDONTWRITEBYTECODE (set on the build machines) never does, and each
    start would compile every module it imports (about 80 ms of a search)."""
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "watcher")], check=True)


def report_shapes(db: Path, runs: int) -> None:
    """Every query shape cold, in turns with the floor; then in-process on a fresh connection,
    beside the LIKE scan a two-letter term was before issue 24."""
    compile_as_installed()
    commands = [("floor", ["-c", "pass"])] + [
        (text, ["-m", "watcher", "search", *shape_args(text)])
        for texts in SHAPES.values()
        for text in texts
    ]
    walls: dict[str, list[float]] = {label: [] for label, _ in commands}
    for _ in range(runs):
        for label, args in commands:
            walls[label].append(cold(args, db, 1)[0])
    fresh: dict[str, list[float]] = {text: [] for texts in SHAPES.values() for text in texts}
    scan: list[float] = []
    for _ in range(runs):
        for text in fresh:
            store = Store.open(db)
            words, where = shape_search(text)
            start = time.perf_counter()
            query.search(store, words, where)
            store.count_search(query.parse_query(words), dataclasses.replace(where, limit=None))
            fresh[text].append(time.perf_counter() - start)
            store.close()
        conn = sqlite3.connect(db)
        start = time.perf_counter()
        conn.execute("SELECT count(*) FROM items WHERE title LIKE '%ev%' OR body LIKE '%ev%'")
        scan.append(time.perf_counter() - start)
        conn.close()
    floor = statistics.median(walls["floor"])
    say(
        f"search by shape, median of {runs} each, in turns (load average"
        f" {os.getloadavg()[0]:.1f}); goal: watcher search cold ≤ 0.30 s for every shape:"
    )
    say(f"  {'shape':17} {'cold process':>13} {'worst query':>12} {'in-process':>11}"
        f"   (floor: python -c pass {floor:.3f} s)")  # fmt: skip
    for shape, texts in SHAPES.items():
        process = statistics.median(w for t in texts for w in walls[t])
        worst = max(statistics.median(walls[t]) for t in texts)
        inside = statistics.median(f for t in texts for f in fresh[t])
        say(f"  {shape:17} {process:11.3f} s {worst:10.3f} s {inside * 1000:8.0f} ms"
            f"   {', '.join(texts)}")  # fmt: skip
    say(f"  before: a two-letter term was a LIKE scan of every body, in-process"
        f" {statistics.median(scan) * 1000:.0f} ms (measured now, same database)")  # fmt: skip


def say(line: str) -> None:
    print(line, flush=True)
    REPORT.append(line)


def report_warm(store: Store, searches: int) -> None:
    mix = [q for group in QUERIES.values() for q in group]
    where = ItemFilter(limit=20)
    for text in mix:  # warm the page cache once; timings below are steady-state
        query.search(store, text, where)
    samples: dict[str, list[float]] = {group: [] for group in QUERIES}
    everything: list[float] = []
    for n in range(searches):
        text = mix[n % len(mix)]
        group = next(g for g, texts in QUERIES.items() if text in texts)
        start = time.perf_counter()
        query.search(store, text, where)
        elapsed = time.perf_counter() - start
        samples[group].append(elapsed)
        everything.append(elapsed)
    p50, p95 = percentiles(everything)
    say(f"warm in-process, {searches} searches (limit 20, with snippets):")
    say(f"  all      p50 {p50 * 1000:6.1f} ms  p95 {p95 * 1000:6.1f} ms")
    for group, values in samples.items():
        g50, g95 = percentiles(values)
        say(f"  {group:8} p50 {g50 * 1000:6.1f} ms  p95 {g95 * 1000:6.1f} ms  ({len(values)})")
    listing = timed(lambda: store.list_items(ItemFilter(countries=("JP",), limit=20)), 20)
    say(f"  baseline: seen list --country JP --limit 20 in-process p50"
          f" {statistics.median(listing) * 1000:.1f} ms")  # fmt: skip


def file_size(db: Path) -> int:
    return sum(p.stat().st_size for p in db.parent.glob(db.name + "*"))


def report_size(db: Path) -> None:
    work = Path(tempfile.mkdtemp(prefix="watcher-size-"))
    try:
        copy = work / "copy.db"
        shutil.copyfile(db, copy)
        store = Store.open(copy)
        start = time.perf_counter()
        indexed = store.rebuild_search_index()
        rebuild = time.perf_counter() - start
        store.close()
        conn = sqlite3.connect(copy)
        conn.execute("VACUUM")  # in WAL mode this copies the database into the -wal file
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        with_index = file_size(copy)
        conn.execute("DROP TABLE items_words")  # the word index alone (issue 24)
        conn.commit()
        conn.execute("VACUUM")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        trigram_only = file_size(copy)
        for statement in (
            "DROP TRIGGER items_search_insert", "DROP TRIGGER items_search_update",
            "DROP TRIGGER items_search_delete", "DROP TABLE items_fts", "DROP TABLE search_rows",
            "DROP INDEX items_search_cover",
        ):  # fmt: skip
            conn.execute(statement)
        conn.commit()
        conn.execute("VACUUM")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.close()
        without = file_size(copy)
    finally:
        shutil.rmtree(work)
    mb = 1024 * 1024
    say(f"size ({indexed} items indexed; `watcher reindex` took {rebuild:.0f} s):")
    say(f"  with the search index     {with_index / mb:7.1f} MiB")
    say(f"  of which the word index   {(with_index - trigram_only) / mb:7.1f} MiB")
    say(f"  without the search index  {without / mb:7.1f} MiB")
    say(f"  the index adds            {(with_index - without) / mb:7.1f} MiB"
          f" ({with_index / without:.2f}x)")  # fmt: skip


def report_compare(store: Store, sample: int) -> None:
    """Trigram against segmented words, on the same sample, both contentless FTS5 tables."""
    from pythainlp.tokenize import word_tokenize

    total = store.count_items()
    step = max(1, total // sample)
    texts = [
        _WHITESPACE.sub(" ", f"{row[0]} {row[1]}")
        for row in store.db.execute("SELECT title, body FROM items ORDER BY hash").fetchall()[
            ::step
        ]
    ][:sample]
    segment = lambda text: " ".join(t for t in word_tokenize(text, engine="newmm") if t.strip())  # noqa: E731
    work = Path(tempfile.mkdtemp(prefix="watcher-compare-"))
    try:
        say(f"compare on {len(texts)} items (every {step}th):")
        results = {}
        for name, tokenizer, prepare, phrase in (
            ("trigram", "trigram", lambda t: t, lambda q: q),
            ("segmented", "unicode61", segment, segment),
        ):
            results[name] = compare_one(work / f"{name}.db", tokenizer, texts, prepare, phrase)
        say(f"  {'':10} {'build s':>8} {'index MiB':>10} {'query p50 ms':>13} {'recall':>7}")
        for name, (build, size, p50, recall, _) in results.items():
            say(f"  {name:10} {build:8.1f} {size / 1024 / 1024:10.1f} {p50 * 1000:13.2f}"
                  f" {recall:7.3f}")  # fmt: skip
        missed = results["segmented"][4]
        say(f"  segmented misses (term: found/true): {', '.join(missed) or 'none'}")
    finally:
        shutil.rmtree(work)


def compare_one(
    path: Path, tokenizer: str, texts: list[str],
    prepare: Callable[[str], str], phrase: Callable[[str], str],
) -> tuple[float, int, float, float, list[str]]:  # fmt: skip
    conn = sqlite3.connect(path)
    conn.execute(f"CREATE VIRTUAL TABLE f USING fts5(t, content='', tokenize='{tokenizer}')")
    start = time.perf_counter()
    conn.executemany("INSERT INTO f (rowid, t) VALUES (?, ?)",
                     ((n, prepare(text)) for n, text in enumerate(texts)))  # fmt: skip
    conn.commit()
    build = time.perf_counter() - start
    conn.execute("VACUUM")
    size = path.stat().st_size
    terms = [q for group in ("partner", "topic", "in-word", "latin") for q in QUERIES[group]]
    latencies, hits, truths, missed = [], 0, 0, []
    for term in terms:
        for _ in range(5):
            started = time.perf_counter()  # a segmented search must segment its query too
            match = '"' + phrase(term).replace('"', '""') + '"'
            found = {row[0] for row in conn.execute("SELECT rowid FROM f WHERE f MATCH ?", [match])}
            latencies.append(time.perf_counter() - started)
        truth = {n for n, text in enumerate(texts) if term.lower() in text.lower()}
        hits, truths = hits + len(found & truth), truths + len(truth)
        if len(found & truth) < len(truth):
            missed.append(f"{term}: {len(found & truth)}/{len(truth)}")
    conn.close()
    return build, size, statistics.median(latencies), hits / max(truths, 1), missed


def write_report(lines: list[str]) -> None:
    """Into README.md's bench-query block while it has one, else docs/benchmarks.md's (where
    the bench blocks move); with neither, the figures stay as printed above."""
    start = "<!-- bench-query:start -->"
    benchmarks = ROOT / "docs" / "benchmarks.md"
    if start in README.read_text("utf-8"):
        write_block("query", lines)
    elif benchmarks.exists() and start in (text := benchmarks.read_text("utf-8")):
        head, _, rest = text.partition(start + "\n")
        tail = rest[rest.index("<!-- bench-query:end -->") :]
        body = "\n".join(lines).rstrip("\n")
        benchmarks.write_text(f"{head}{start}\n```\n{body}\n```\n{tail}", "utf-8")
    else:
        print(f"no {start} block in README.md or {benchmarks}: figures printed above only")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--db", type=Path, default=DEFAULT_DB)
    parser.add_argument("--rebuild", action="store_true", help="import the corpus again")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--searches", type=int, default=100)
    parser.add_argument("--sample", type=int, default=2000)
    parser.add_argument("--skip-size", action="store_true")
    parser.add_argument("--skip-compare", action="store_true")
    parser.add_argument("--cold-only", action="store_true", help="only the cold-start figures")
    parser.add_argument("--shapes-only", action="store_true", help="only the query shapes")
    parser.add_argument("--shape-runs", type=int, default=5)
    parser.add_argument("--readme", action="store_true", help="write them into docs/benchmarks.md")
    args = parser.parse_args()
    print(f"database: {args.db}")
    if args.rebuild or not args.db.exists():
        if not args.corpus.exists():
            sys.exit(f"{args.corpus}: corpus not found")
        args.db.parent.mkdir(parents=True, exist_ok=True)
        build_db(args.db, args.corpus)
    try:
        store = Store.open(args.db)  # applies any newer migration (and indexes) once
    except StoreError as error:  # a cache built by an older branch's schema order
        print(f"  cached database unusable ({error}); importing again")
        build_db(args.db, args.corpus)
        store = Store.open(args.db)
    labelled = store.count_matching(ItemFilter(countries=("JP",)))
    print(f"  {store.count_items()} items, {labelled} labelled JP")
    store.close()
    checkpoint(args.db)
    if not args.shapes_only:
        report_cold(args.db, args.runs)
    if not args.cold_only:
        report_shapes(args.db, args.shape_runs)
    if not args.cold_only and not args.shapes_only:
        store = Store.open(args.db)
        report_warm(store, args.searches)
        if not args.skip_compare:
            report_compare(store, args.sample)
        store.close()
        if not args.skip_size:
            report_size(args.db)
    if args.readme:
        write_report(REPORT)


if __name__ == "__main__":
    main()
