"""Build watcher/data/demo-sample.jsonl.xz, the corpus sample `watcher demo` replays.

    python scripts/make_demo_sample.py [CORPUS] [OUT]

Reads the public-domain corpus (default ../shared/data/thaigov-corpus.jsonl.xz) and keeps a few
hundred items, varied on purpose: items naming Japan, Korea, China, the United States and ASEAN,
a few for other partners, and domestic items about ministries with no foreign country. The
choice is deterministic (items ranked by a hash of their content hash within each group), so
running it again writes the same file. Lines keep the corpus format: {"id","url","category",
"text"}, with the reliable URL taken from the text's source line.
"""

from __future__ import annotations

import hashlib
import json
import lzma
import sys
from pathlib import Path

from watcher.core.corpus import parse_corpus_text, rejection_reason

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "data" / "thaigov-corpus.jsonl.xz"
OUT = ROOT / "watcher" / "data" / "demo-sample.jsonl.xz"

# (group, words any of which puts an item in it, how many items to keep)
GROUPS: tuple[tuple[str, tuple[str, ...], int], ...] = (
    ("JP", ("ญี่ปุ่น",), 30),
    ("KR", ("เกาหลี",), 30),
    ("CN", ("จีน",), 30),
    ("US", ("สหรัฐ",), 30),
    ("ASEAN", ("อาเซียน",), 30),
    ("IN", ("อินเดีย",), 8),
    ("VN", ("เวียดนาม",), 8),
    ("AU", ("ออสเตรเลีย",), 8),
    ("EU", ("สหภาพยุโรป",), 8),
    ("FR", ("ฝรั่งเศส",), 6),
    ("DE", ("เยอรมนี",), 6),
    ("SG", ("สิงคโปร์",), 6),
    ("MY", ("มาเลเซีย",), 6),
    ("LA", ("สปป.ลาว", "ลาว "), 6),
    ("KH", ("กัมพูชา",), 6),
    ("MM", ("เมียนมา",), 6),
    ("RU", ("รัสเซีย",), 6),
)
FOREIGN = (
    *(word for _group, words, _n in GROUPS for word in words),
    *("ต่างประเทศ", "สหราชอาณาจักร", "อังกฤษ", "แคนาดา", "อิสราเอล", "ไต้หวัน"),
)
DOMESTIC = ("กระทรวง", 70)
MIN_CHARS, MAX_CHARS = 500, 4000


def rank(text: str) -> str:
    return hashlib.sha256(("demo-sample:" + text).encode("utf-8")).hexdigest()


def candidates(corpus: Path) -> list[dict[str, object]]:
    rows = []
    with lzma.open(corpus, "rt", encoding="utf-8") as lines:
        for line in lines:
            record = json.loads(line)
            text = record["text"]
            if not MIN_CHARS <= len(text) <= MAX_CHARS:
                continue
            item = parse_corpus_text(text, category=record.get("category"))
            if rejection_reason(item) is not None or item.source_id is None:
                continue
            rows.append(
                {
                    "id": item.source_id,
                    "url": item.url,
                    "category": record.get("category"),
                    "text": text.lstrip("\ufeff"),
                }
            )
    return rows


def choose(rows: list[dict[str, object]]) -> list[dict[str, object]]:
    chosen: dict[object, dict[str, object]] = {}
    ranked = sorted(rows, key=lambda row: rank(str(row["text"])))
    for _group, words, count in GROUPS:
        taken = 0
        for row in ranked:
            if taken == count:
                break
            if row["id"] not in chosen and any(word in str(row["text"]) for word in words):
                chosen[row["id"]] = row
                taken += 1
    word, count = DOMESTIC
    domestic = [
        row for row in ranked
        if row["id"] not in chosen and word in str(row["text"])
        and not any(foreign in str(row["text"]) for foreign in FOREIGN)
    ][:count]  # fmt: skip
    for row in domestic:
        chosen[row["id"]] = row
    return sorted(chosen.values(), key=lambda row: int(str(row["id"])))


def main(argv: list[str]) -> None:
    corpus = Path(argv[0]) if argv else CORPUS
    out = Path(argv[1]) if len(argv) > 1 else OUT
    if not corpus.exists():
        sys.exit(f"{corpus}: corpus not found (it lives in ../shared/data)")
    sample = choose(candidates(corpus))
    out.parent.mkdir(parents=True, exist_ok=True)
    payload = "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in sample)
    out.write_bytes(lzma.compress(payload.encode("utf-8"), preset=9 | lzma.PRESET_EXTREME))
    print(f"{out}: {len(sample)} items, {out.stat().st_size:,} bytes")


if __name__ == "__main__":
    main(sys.argv[1:])
