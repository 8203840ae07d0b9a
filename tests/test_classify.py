"""Data-driven classification cases (tests/data/classify_cases.toml) and the hard inputs."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import pytest

from watcher.classify import Classifier, Labels

REPO = Path(__file__).resolve().parents[1]
GAZETTEERS = REPO / "config" / "gazetteers"
CASES = tomllib.loads((REPO / "tests" / "data" / "classify_cases.toml").read_text("utf-8"))["case"]
FILLER = "ผู้เข้าร่วมงานได้รับความรู้เกี่ยวกับการพัฒนาคุณภาพชีวิตและการดูแลสุขภาพของตนเอง "


@pytest.fixture(scope="session")
def classifier() -> Classifier:
    return Classifier.from_dir(GAZETTEERS)


def _body(case: dict[str, Any]) -> str:
    return case["body"] + "\n" + FILLER * case.get("filler", 0) + "\n" + case.get("tail", "")


def assert_evidence_points_into_text(labels: Labels, title: str, body: str) -> None:
    fields = {"title": title, "body": body}
    for item in labels.evidence:
        text = fields[item.field]
        assert text[item.offset : item.offset + len(item.alias)] == item.alias, item
    labelled = set(labels.countries) | set(labels.blocs) | set(labels.ministries)
    assert {e.code for e in labels.evidence} == labelled


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_case(classifier: Classifier, case: dict[str, Any]) -> None:
    body = _body(case)
    labels = classifier.classify(case["title"], body)
    for field in ("countries", "primary", "blocs", "ministries"):
        if field in case:
            assert list(getattr(labels, field)) == sorted(case[field]), field
    if "lead" in case:
        assert labels.lead_ministry == (None if case["lead"] == "none" else case["lead"])
    assert set(labels.primary) <= set(labels.countries)
    assert labels.lead_ministry is None or labels.lead_ministry in labels.ministries
    assert "TH" not in labels.countries
    assert_evidence_points_into_text(labels, case["title"], body)


def test_megabyte_of_text_is_classified(classifier: Classifier) -> None:
    body = ("นายกรัฐมนตรีหารือกับญี่ปุ่น ๑๒๓ " + "ก" * 200 + "\u200b\u0e38\u0e48 ") * 4000
    assert len(body) > 900_000
    labels = classifier.classify("ข่าว", body)
    assert labels.countries == ("JP",)
    assert len([e for e in labels.evidence if e.code == "JP"]) <= 5


def test_lone_combining_marks_and_odd_characters(classifier: Classifier) -> None:
    text = "\u0e48\u0e38\u0e4d\u0e32\u200b\ufeff\u00ad" * 50 + "ญี่ปุ่น " + "\u0e4d"
    labels = classifier.classify(text, text)
    assert labels.countries == ("JP",)
    assert_evidence_points_into_text(labels, text, text)


def test_classify_is_pure(classifier: Classifier) -> None:
    first = classifier.classify("ดีพร้อมเยือนญี่ปุ่น", "ดีพร้อมหารือกับญี่ปุ่น")
    second = classifier.classify("ดีพร้อมเยือนญี่ปุ่น", "ดีพร้อมหารือกับญี่ปุ่น")
    assert first == second


def test_to_json_shape(classifier: Classifier) -> None:
    data = classifier.classify("ดีพร้อมเยือนญี่ปุ่น", "ดีพร้อมหารือกับญี่ปุ่น").to_json()
    assert set(data) == {
        "countries", "primary", "blocs", "ministries", "lead_ministry", "kind", "evidence"
    }  # fmt: skip
    assert data["kind"] == "news"
    assert data["countries"] == ["JP"]
    assert set(data["evidence"][0]) == {"kind", "code", "alias", "field", "offset"}


def test_lists_of_examples_end_with_their_clause(classifier: Classifier) -> None:
    reader = classifier._ranker._passing
    body = (
        "รัฐวิสาหกิจหลายแห่ง เช่น บริษัท ปตท. จำกัด (มหาชน) กฟผ. โดยมีโครงการ อาทิ สายสีส้ม ของ รฟม.\n"
        "ทำเช่นเดียวกัน ร่วมกับภาคีเครือข่าย อาทิ กฟภ.\nEnterprises such as PTT and EGAT. Next one"
    )
    found = [body[a:b] for a, b in reader.examples(body, 0)]
    assert found == [
        "เช่น บริษัท ปตท. จำกัด (มหาชน) กฟผ. ",
        "อาทิ สายสีส้ม ของ รฟม.",
        "such as PTT and EGAT",
    ]
