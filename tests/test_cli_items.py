"""`watcher import`, `seen list|show` and `export` end to end, in-process, on a temp database."""

from __future__ import annotations

import json
import lzma
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from tests.conftest import SEEDS, needs_seeds
from watcher.cli import cli
from watcher.store import ITEM_FIELDS

JP_BODY = [
    "นายกรัฐมนตรีหารือกับนายกรัฐมนตรีญี่ปุ่น ณ กรุงโตเกียว ประเทศญี่ปุ่น",
    "ทั้งสองฝ่ายเห็นพ้องกระชับความร่วมมือด้านอุตสาหกรรม",
]
DOMESTIC_BODY = ["กระทรวงวัฒนธรรมจัดงานประเพณีลอยกระทง ณ จังหวัดสุโขทัย", "ประชาชนร่วมงานจำนวนมาก"]

Run = Callable[..., Result]


def write_jsonl(path: Path, lines: list[str], *, compress: bool = False) -> Path:
    data = "".join(line + "\n" for line in lines).encode("utf-8")
    path.write_bytes(lzma.compress(data) if compress else data)
    return path


def corpus_line(text: str, category: str = "ด้านเศรษฐกิจ") -> str:
    return json.dumps(
        {"id": None, "url": None, "category": category, "text": text}, ensure_ascii=False
    )


def two_items(make_text: Callable[..., str]) -> list[str]:
    return [
        corpus_line(make_text("นายกฯ หารือนายกรัฐมนตรีญี่ปุ่น", JP_BODY, item_id=101)),
        corpus_line(make_text("วัฒนธรรมจัดงานลอยกระทง", DOMESTIC_BODY, item_id=102), "ด้านสังคม"),
    ]


def test_import_jsonl_xz_then_seen_list_json(
    run_cli: Run, make_text: Callable[..., str], tmp_path: Path
) -> None:
    source = write_jsonl(tmp_path / "c.jsonl.xz", two_items(make_text), compress=True)
    result = run_cli("import", str(source))
    assert result.exit_code == 0, result.output
    assert "2 new, 0 duplicate" in result.output
    listed = json.loads(run_cli("seen", "list", "--format", "json").output)
    assert {item["url"] for item in listed} == {
        "https://www.thaigov.go.th/news/contents/details/101",
        "https://www.thaigov.go.th/news/contents/details/102",
    }
    required = {
        "hash",
        "url",
        "title",
        "published",
        "category",
        "countries",
        "primary",
        "blocs",
        "ministries",
        "lead_ministry",
        "first_seen",
    }
    assert all(required <= set(item) for item in listed)
    japan = json.loads(run_cli("seen", "list", "--country", "JP", "--format", "json").output)
    assert [item["url"][-3:] for item in japan] == ["101"]
    assert "JP" in japan[0]["countries"]


def test_import_is_idempotent(run_cli: Run, make_text: Callable[..., str], tmp_path: Path) -> None:
    source = write_jsonl(tmp_path / "c.jsonl", two_items(make_text))
    run_cli("import", str(source))
    again = run_cli("import", str(source))
    assert again.exit_code == 0
    assert "0 new, 2 duplicate" in again.output


def test_bad_inputs_are_named_and_the_rest_goes_on(
    run_cli: Run, make_text: Callable[..., str], tmp_path: Path
) -> None:
    good = two_items(make_text)
    lines = [good[0], "{not json", json.dumps({"id": 3}), '"a string"', good[1]]
    source = write_jsonl(tmp_path / "mixed.jsonl", lines)
    folder = tmp_path / "txt"
    folder.mkdir()
    (folder / "binary.txt").write_bytes(b"\x00\x01\x02garbage")
    (folder / "latin1.txt").write_bytes("รัฐบาลไทย".encode("cp874"))
    (folder / "epoch.txt").write_text(
        "รัฐบาลไทย-\n\nวันพฤหัสบดีที่ 1 มกราคม 2513\n\nที่มา : https://www.thaigov.go.th/news/contents/details/3\n",
        encoding="utf-8",
    )
    truncated = tmp_path / "cut.jsonl.xz"
    truncated.write_bytes(lzma.compress("\n".join(good).encode())[:40])
    empty_dir = tmp_path / "empty"
    empty_dir.mkdir()
    result = run_cli("import", str(source), str(folder), str(truncated), str(empty_dir))
    assert result.exit_code == 1
    assert "2 new" in result.output
    assert "1 skipped" in result.output and "1 unpublished page" in result.output
    messages = result.stderr if hasattr(result, "stderr") else result.output
    for expected in (
        "mixed.jsonl:2: not JSON",
        'mixed.jsonl:3: no "text" string',
        "mixed.jsonl:4: not a JSON object",
        "binary.txt: binary file",
        "latin1.txt: not UTF-8",
        "cut.jsonl.xz:1: truncated or corrupt",
        "empty: directory holds no",
    ):
        assert expected in messages


def test_seen_show_by_hash_prefix_and_url(
    run_cli: Run, make_text: Callable[..., str], tmp_path: Path
) -> None:
    run_cli("import", str(write_jsonl(tmp_path / "c.jsonl", two_items(make_text))))
    listed = json.loads(run_cli("seen", "list", "--format", "json").output)
    first = listed[0]
    by_prefix = run_cli("seen", "show", first["hash"][:8])
    assert by_prefix.exit_code == 0 and first["url"] in by_prefix.output
    shown = json.loads(run_cli("seen", "show", first["url"], "--format", "json").output)
    assert shown["hash"] == first["hash"]
    assert [u["url"] for u in shown["urls"]] == [first["url"]]
    result = run_cli_safe(run_cli, "seen", "show", "0000000000000000")
    assert result.exit_code != 0 and "no item" in result.output


def run_cli_safe(run_cli: Run, *args: str) -> Result:
    """Like run_cli, but an error exit is returned rather than raised."""
    return CliRunner().invoke(cli, list(args))


def test_export_formats_reimport_as_duplicates(
    run_cli: Run, make_text: Callable[..., str], tmp_path: Path
) -> None:
    run_cli("import", str(write_jsonl(tmp_path / "c.jsonl", two_items(make_text))))
    out = tmp_path / "out"
    assert run_cli("export", "--format", "corpus", str(out)).exit_code == 0
    names = sorted(p.name for p in out.iterdir())
    assert len(names) == 2 and all(
        n[:4] in ("000_", "001_") and len(n) == 4 + 16 + 4 for n in names
    )
    assert (
        run_cli("import", str(out))
        .output.strip()
        .endswith("0 new, 2 duplicate, 0 revision, 0 variant, 0 skipped, 0 rejected")
    )
    jsonl = tmp_path / "e.jsonl"
    run_cli("export", "--format", "jsonl", str(jsonl))
    assert "0 new, 2 duplicate" in run_cli("import", str(jsonl)).output
    csv_path = tmp_path / "e.csv"
    run_cli("export", "--format", "csv", "--country", "JP", str(csv_path))
    rows = csv_path.read_text(encoding="utf-8").splitlines()
    assert len(rows) == 2 and "ญี่ปุ่น" in rows[1]
    listed = run_cli("seen", "list", "--country", "JP", "--format", "csv").output.splitlines()
    assert rows[0] == listed[0] == ",".join(ITEM_FIELDS)


def test_not_a_database_gives_one_line(run_cli: Run, db_path: Path) -> None:
    db_path.parent.mkdir(parents=True, exist_ok=True)
    db_path.write_bytes(b"garbage" * 1000)
    result = run_cli_safe(run_cli, "seen", "list")
    assert result.exit_code == 1
    assert "not a valid SQLite database" in result.output
    assert "Traceback" not in result.output
    assert db_path.read_bytes() == b"garbage" * 1000


def test_locked_database_gives_one_line(
    run_cli: Run,
    make_text: Callable[..., str],
    tmp_path: Path,
    db_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    run_cli("import", str(write_jsonl(tmp_path / "none.jsonl", [])))
    blocker = sqlite3.connect(db_path)
    blocker.execute("BEGIN EXCLUSIVE")
    try:
        monkeypatch.setattr("watcher.store.base.BUSY_TIMEOUT_SECONDS", 0.2)
        source = write_jsonl(tmp_path / "c.jsonl", two_items(make_text))
        result = run_cli_safe(run_cli, "import", str(source))
    finally:
        blocker.rollback()
        blocker.close()
    assert result.exit_code == 2  # a database failure, as in `poll --once`
    assert "locked by another process" in result.output
    assert "import stopped after 0 inputs, committed: 0 new" in result.output


@needs_seeds
def test_import_seed_directory(run_cli: Run) -> None:
    result = run_cli("import", str(SEEDS))
    assert result.exit_code == 0
    assert "5 new" in result.output


def test_reclassify_after_gazetteer_change(
    run_cli: Run, make_text: Callable[..., str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run_cli("import", str(write_jsonl(tmp_path / "c.jsonl", two_items(make_text))))
    unchanged = run_cli("reclassify")
    assert "reclassified 2 items: 0 changed" in unchanged.output
    import shutil

    from watcher.classify import default_gazetteer_dir

    edited = tmp_path / "gazetteers"
    shutil.copytree(default_gazetteer_dir(), edited)
    countries = edited / "countries.toml"
    text = countries.read_text(encoding="utf-8")
    for name in ("ญี่ปุ่น", "โตเกียว"):
        text = text.replace(name, name + "xx")
    countries.write_text(text, encoding="utf-8")
    monkeypatch.setenv("WATCHER_GAZETTEERS", str(edited))
    changed = run_cli("reclassify", "--country", "JP")
    assert "reclassified 1 items: 1 changed" in changed.output
    still = json.loads(run_cli("seen", "list", "--country", "JP", "--format", "json").output)
    assert still == []


def test_table_cuts_a_long_title_json_keeps_it(
    run_cli: Run, make_text: Callable[..., str], tmp_path: Path
) -> None:
    long_title = "นายกรัฐมนตรีหารือความร่วมมือ " * 20
    text = make_text(long_title.strip(), JP_BODY, item_id=303)
    run_cli("import", str(write_jsonl(tmp_path / "c.jsonl", [corpus_line(text)])))
    table = run_cli("seen", "list").output
    assert "…" in table and table.count("นายกรัฐมนตรีหารือ") < 20
    [item] = json.loads(run_cli("seen", "list", "--format", "json").output)
    assert item["title"] == long_title.strip()
