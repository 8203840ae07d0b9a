"""Near-duplicates at the CLI: `seen show` lists a story's variants, `near_duplicate_of` in every
JSON the contract names, `seen list` and `search` one row per story unless --variants."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from tests.test_cli_items import corpus_line, write_jsonl
from tests.test_neardup import PARAGRAPHS

Run = Callable[..., Result]
TITLE = "นายกรัฐมนตรีหารือกับญี่ปุ่นเรื่องยานยนต์ไฟฟ้า"
ADDED = "ทั้งสองฝ่ายจะประชุมกันอีกครั้ง"
OTHER = "กระทรวงวัฒนธรรมจัดงานประเพณีลอยกระทง ณ จังหวัดสุโขทัย ประชาชนร่วมงานจำนวนมาก"


@pytest.fixture
def story(run_cli: Run, make_text: Callable[..., str], tmp_path: Path) -> dict[str, str]:
    """An imported story (item 101), its republication with a line added (102), another (103)."""
    lines = [
        corpus_line(make_text(TITLE, PARAGRAPHS, item_id=101)),
        corpus_line(make_text(TITLE, [*PARAGRAPHS, ADDED], item_id=102)),
        corpus_line(make_text("วัฒนธรรมจัดงานลอยกระทง", [OTHER], item_id=103), "ด้านสังคม"),
    ]
    result = run_cli("import", str(write_jsonl(tmp_path / "c.jsonl", lines)))
    assert result.exit_code == 0, result.output
    assert "2 new, 0 duplicate, 0 revision, 1 variant" in result.output
    every = json.loads(run_cli("seen", "list", "--variants", "--format", "json").output)
    by_id = {row["url"].rsplit("/", 1)[1]: row for row in every}
    return {"original": by_id["101"]["hash"], "variant": by_id["102"]["hash"]}


def test_seen_show_lists_the_storys_variants_with_their_similarity(
    run_cli: Run, story: dict[str, str]
) -> None:
    shown = run_cli("seen", "show", story["original"]).output
    assert "variants (same story, near-duplicates):" in shown
    [line] = [line for line in shown.splitlines() if story["variant"] in line]
    assert line.strip().startswith(story["variant"]) and TITLE in line
    similarity = float(line.split("similarity ")[1].split()[0])
    assert 0.85 <= similarity < 1.0
    of_variant = run_cli("seen", "show", story["variant"][:8]).output
    assert f"variant of:  {story['original']} (similarity {similarity:.2f})" in of_variant


def test_near_duplicate_of_in_seen_show_json(run_cli: Run, story: dict[str, str]) -> None:
    original = json.loads(run_cli("seen", "show", story["original"], "--format", "json").output)
    variant = json.loads(run_cli("seen", "show", story["variant"], "--format", "json").output)
    assert original["near_duplicate_of"] is None
    assert variant["near_duplicate_of"] == story["original"]
    assert [v["hash"] for v in original["variants"]] == [story["variant"]]
    assert original["variants"][0]["similarity"] == variant["near_similarity"] >= 0.85


def test_near_duplicate_of_in_every_exported_record(
    run_cli: Run, story: dict[str, str], tmp_path: Path
) -> None:
    out = tmp_path / "items.jsonl"
    assert run_cli("export", "--format", "jsonl", str(out)).exit_code == 0
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(records) == 3 and all("near_duplicate_of" in r for r in records)
    linked = {r["hash"]: r["near_duplicate_of"] for r in records if r["near_duplicate_of"]}
    assert linked == {story["variant"]: story["original"]}


def test_seen_list_is_one_row_per_story_unless_variants(
    run_cli: Run, story: dict[str, str]
) -> None:
    listed = json.loads(run_cli("seen", "list", "--format", "json").output)
    assert story["variant"] not in {row["hash"] for row in listed} and len(listed) == 2
    assert all("near_duplicate_of" not in row for row in listed)
    every = json.loads(run_cli("seen", "list", "--variants", "--format", "json").output)
    assert {row["hash"]: row["near_duplicate_of"] for row in every}[story["variant"]] == (
        story["original"]
    )
    table = run_cli("seen", "list", "--variants").output
    assert story["variant"] in table and story["variant"] not in run_cli("seen", "list").output


def test_search_hides_variants_unless_asked(run_cli: Run, story: dict[str, str]) -> None:
    found = json.loads(run_cli("search", "ยานยนต์ไฟฟ้า", "--format", "json").output)
    assert [row["hash"] for row in found] == [story["original"]]
    assert "near_duplicate_of" not in found[0]
    every = json.loads(run_cli("search", "ยานยนต์ไฟฟ้า", "--variants", "--format", "json").output)
    assert {row["hash"]: row["near_duplicate_of"] for row in every} == {
        story["original"]: None,
        story["variant"]: story["original"],
    }
    only_in_variant = json.loads(run_cli("search", ADDED, "--format", "json").output)
    assert only_in_variant == []  # its story is listed by a term both share
    assert len(json.loads(run_cli("search", ADDED, "--variants", "--format", "json").output)) == 1
    table = run_cli("search", "ยานยนต์ไฟฟ้า", "--variants").output
    assert story["variant"] in table
