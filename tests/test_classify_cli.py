"""`watcher classify` and `watcher eval` in-process, the gazetteer loader's errors and look-ups."""

from __future__ import annotations

import json
import lzma
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from watcher.classify import Classifier, default_gazetteer_dir, load_gazetteer
from watcher.cli.classify import classify_command, eval_command
from watcher.core.errors import ConfigError

HEADER = "รัฐบาลไทย-ข่าวทำเนียบรัฐบาล-"
GAZETTEERS = Path(__file__).resolve().parents[1] / "config" / "gazetteers"


def corpus_text(title: str, body: str, source_id: int | None = None) -> str:
    text = f"{HEADER}{title}\n\nวันจันทร์ที่ 3 กุมภาพันธ์ 2563\nพิมพ์\n{title}\n{body}\n"
    if source_id is not None:
        text += f"\nที่มา : https://www.thaigov.go.th/news/contents/details/{source_id}\n"
    return text


def run(command: object, args: list[str], stdin: str | None = None) -> object:
    runner = CliRunner()
    return runner.invoke(command, args, input=stdin, catch_exceptions=False)  # type: ignore[arg-type]


@pytest.fixture
def items_file(tmp_path: Path) -> Path:
    lines = [
        json.dumps({"id": 1, "text": corpus_text("ดีพร้อมเยือนญี่ปุ่น", "ดีพร้อมหารือกับญี่ปุ่น")}),
        "{not json",
        json.dumps({"id": 3}),
        json.dumps({"id": 4, "text": ""}),
    ]
    path = tmp_path / "items.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_classify_writes_one_line_per_good_item_and_reports_bad_lines(
    items_file: Path,
) -> None:
    result = run(classify_command, [str(items_file), "--gazetteers", str(GAZETTEERS)])
    assert result.exit_code == 1  # type: ignore[attr-defined]
    out = [json.loads(line) for line in result.stdout.splitlines()]  # type: ignore[attr-defined]
    assert [row["id"] for row in out] == [1, 4]
    assert out[0]["countries"] == ["JP"] and out[0]["ministries"] == ["industry"]
    assert set(out[0]) == {
        "id",
        "countries",
        "primary",
        "blocs",
        "ministries",
        "lead_ministry",
        "kind",
        "evidence",
    }
    errors = result.stderr.splitlines()  # type: ignore[attr-defined]
    assert len(errors) == 2
    assert errors[0].startswith("line 2:") and errors[1].startswith("line 3:")


@pytest.mark.parametrize("args", [["-"], []], ids=["dash", "no-argument"])
def test_classify_reads_stdin(args: list[str]) -> None:
    line = json.dumps({"id": "x", "text": corpus_text("กระทรวงการคลังแถลงข่าว", "กระทรวงการคลังแถลง")})
    result = run(classify_command, [*args, "--gazetteers", str(GAZETTEERS)], stdin=line + "\n")
    assert result.exit_code == 0  # type: ignore[attr-defined]
    assert json.loads(result.stdout)["lead_ministry"] == "finance"  # type: ignore[attr-defined]


def test_classify_bad_gazetteer_is_one_line(tmp_path: Path) -> None:
    result = run(classify_command, ["--gazetteers", str(tmp_path)], stdin="")
    assert result.exit_code == 1  # type: ignore[attr-defined]
    assert "countries.toml: file not found" in result.stderr  # type: ignore[attr-defined]


FIELDS = ("countries", "primary", "blocs", "ministries")


def label(item: object, lead: str | None = None, **fields: list[str]) -> dict[str, object]:
    return {"id": item, **{f: fields.get(f, []) for f in FIELDS}, "lead_ministry": lead}


def write_eval_set(tmp_path: Path) -> Path:
    records = [
        {
            "id": None,
            "url": None,
            "category": "x",
            "text": corpus_text("ดีพร้อมเยือนญี่ปุ่น", "ดีพร้อมหารือกับญี่ปุ่น", 41),
        },
        {
            "id": 42,
            "url": None,
            "category": "x",
            "text": corpus_text("กระทรวงการคลังแถลง", "กระทรวงการคลังแถลงผล"),
        },
    ]
    with lzma.open(tmp_path / "thaigov-corpus.jsonl.xz", "wt", encoding="utf-8") as handle:
        handle.writelines(json.dumps(r, ensure_ascii=False) + "\n" for r in records)
    (tmp_path / "seeds").mkdir()
    seed = corpus_text("อว. แถลงผลงาน", "กระทรวงการอุดมศึกษา วิทยาศาสตร์ วิจัยและนวัตกรรมแถลงผลงาน")
    (tmp_path / "seeds" / "000_0123456789abcdef.txt").write_text("\ufeff" + seed, encoding="utf-8")
    labels = [
        {
            "id": 41,
            "countries": ["JP"],
            "primary": ["JP"],
            "blocs": [],
            "ministries": ["industry"],
            "lead_ministry": "industry",
        },
        {
            "id": 42,
            "countries": ["US"],
            "primary": [],
            "blocs": [],
            "ministries": ["finance"],
            "lead_ministry": "finance",
        },
        {
            "id": "000_0123456789abcdef.txt",
            "countries": [],
            "primary": [],
            "blocs": [],
            "ministries": ["higher_ed"],
            "lead_ministry": "opm",
        },
    ]
    path = tmp_path / "labels.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in labels), encoding="utf-8")
    return path


def test_eval_prints_figures_and_errors(tmp_path: Path) -> None:
    labels = write_eval_set(tmp_path)
    result = run(eval_command, [str(labels), "--gazetteers", str(GAZETTEERS)])
    out = result.stdout  # type: ignore[attr-defined]
    assert "countries   P=1.000 R=0.500" in out
    assert "42 countries: missing US" in out
    assert "lead_ministry accuracy=0.667 (2/3)" in out
    assert "000_0123456789abcdef.txt lead_ministry: missing opm extra higher_ed" in out


def test_eval_json(tmp_path: Path) -> None:
    labels = write_eval_set(tmp_path)
    result = run(eval_command, [str(labels), "--json", "--gazetteers", str(GAZETTEERS)])
    figures = json.loads(result.stdout)["figures"]  # type: ignore[attr-defined]
    assert figures["ministries"]["f1"] == 1.0
    assert figures["countries"]["fn"] == 1


def test_eval_splits_figures_by_page_language_only_when_both_are_there(tmp_path: Path) -> None:
    labels = write_eval_set(tmp_path)
    thai_only = run(eval_command, [str(labels), "--gazetteers", str(GAZETTEERS)])
    assert "Thai pages" not in thai_only.stdout  # type: ignore[attr-defined]
    english = corpus_text(
        "Japanese investors tour Bangkok",
        "A delegation of investors from Japan toured Bangkok.",
        43,
    )
    with lzma.open(tmp_path / "thaigov-corpus.jsonl.xz", "at", encoding="utf-8") as handle:
        handle.write(json.dumps({"id": 43, "category": "x", "text": english}) + "\n")
    row = {"id": 43, "countries": ["JP"], "primary": ["JP"], "blocs": [],
           "ministries": [], "lead_ministry": None}  # fmt: skip
    with labels.open("a", encoding="utf-8") as handle:
        handle.write(json.dumps(row) + "\n")
    result = run(eval_command, [str(labels), "--gazetteers", str(GAZETTEERS)])
    out = result.stdout  # type: ignore[attr-defined]
    assert "items: 4" in out
    assert "Thai pages: 3\n  countries   P=1.000 R=0.500" in out
    assert "English pages: 1\n  countries   P=1.000 R=1.000 F1=1.000" in out
    assert "  lead_ministry accuracy=1.000 (1/1)" in out
    data = json.loads(
        run(eval_command, [str(labels), "--json", "--gazetteers", str(GAZETTEERS)]).stdout  # type: ignore[attr-defined]
    )
    assert data["by_language"]["en"]["items"] == 1
    assert data["by_language"]["th"]["figures"]["countries"]["fn"] == 1


def test_eval_missing_text_is_one_line(tmp_path: Path) -> None:
    labels = write_eval_set(tmp_path)
    labels.write_text(json.dumps({"id": 99, "countries": []}) + "\n", encoding="utf-8")
    result = run(eval_command, [str(labels), "--gazetteers", str(GAZETTEERS)])
    assert result.exit_code == 1  # type: ignore[attr-defined]
    assert "label 99: text not found" in result.stderr  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("[JP\n", "not valid TOML"),
        ('[JP]\nen = "Japan"\n', "JP.th: missing"),
        ('[JP]\nen = "Japan"\nth = "ญี่ปุ่น"\ncolour = "red"\n', "JP.colour: unknown key"),
        ('[JP]\nen = "Japan"\nth = "ญี่ปุ่น"\nnames = [1]\n', "JP.names: expected a list of strings"),
    ],
    ids=["syntax", "missing-key", "unknown-key", "wrong-type"],
)
def test_bad_gazetteer_file(tmp_path: Path, content: str, message: str) -> None:
    for source in GAZETTEERS.glob("*.toml"):
        shutil.copy(source, tmp_path / source.name)
    (tmp_path / "countries.toml").write_text(content, encoding="utf-8")
    with pytest.raises(ConfigError, match=message) as error:
        load_gazetteer(tmp_path)
    assert str(error.value).startswith("countries.toml") or "countries.toml" in str(error.value)


def test_display_names_and_user_terms() -> None:
    gazetteer = Classifier.from_dir(GAZETTEERS).gazetteer
    assert gazetteer.country_name("jp", "en") == "Japan"
    assert gazetteer.ministry_name("industry") == "กระทรวงอุตสาหกรรม"
    assert gazetteer.bloc_name("ASEAN", "th") == "อาเซียน"
    assert gazetteer.resolve_term("ญี่ปุ่น") == ("country", "JP")
    assert gazetteer.resolve_term("jp") == ("country", "JP")
    assert gazetteer.resolve_term("Japan") == ("country", "JP")
    assert gazetteer.resolve_term("อุตสาหกรรม") == ("ministry", "industry")
    assert gazetteer.resolve_term("Industry") == ("ministry", "industry")
    assert gazetteer.resolve_term("industry") == ("ministry", "industry")
    assert gazetteer.resolve_term("อาเซียน") == ("bloc", "ASEAN")
    assert gazetteer.resolve_term("ดีพร้อม") == ("ministry", "industry")
    assert gazetteer.resolve_term("ไม่มีคำนี้") is None


def test_default_gazetteer_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WATCHER_GAZETTEERS", str(tmp_path / "g"))
    assert default_gazetteer_dir() == tmp_path / "g"
    monkeypatch.delenv("WATCHER_GAZETTEERS")
    (tmp_path / "conf" / "gazetteers").mkdir(parents=True)
    monkeypatch.setenv("WATCHER_CONFIG", str(tmp_path / "conf" / "watcher.toml"))
    assert default_gazetteer_dir() == tmp_path / "conf" / "gazetteers"
    monkeypatch.setenv("WATCHER_CONFIG", str(tmp_path / "elsewhere" / "watcher.toml"))
    assert default_gazetteer_dir() == Path(__file__).resolve().parents[1] / "config" / "gazetteers"
