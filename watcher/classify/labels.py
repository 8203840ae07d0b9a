"""The classifier's output: labels plus the evidence that makes each one explainable."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, NamedTuple, Protocol

__all__ = ["KINDS", "Evidence", "EvidenceSource", "Labels", "cap_evidence"]

# What sort of page an item is: a cabinet round-up lists 10-20 ministries' resolutions, so its
# ministries say little about who the news is from; everything else is ordinary news.
KINDS = ("news", "cabinet_summary")

_EVIDENCE_PER_CODE = 5


class Evidence(NamedTuple):
    """A NamedTuple, not a frozen dataclass: an item builds a dozen, and a frozen dataclass's
    `__init__` (one `object.__setattr__` per field) cost 2.5 times as much."""

    kind: str  # "country" | "bloc" | "ministry"
    code: str  # "JP", "ASEAN", "industry"
    alias: str  # the matched text as it stands in the item
    field: str  # "title" | "body"
    offset: int  # character offset of the match in that field (of the text passed in)

    def to_json(self) -> dict[str, Any]:
        """The fields in their declared order (what dataclasses.asdict gave, at a tenth of its
        cost: asdict deep-copies each field, a fifth of reclassifying)."""
        return {
            "kind": self.kind,
            "code": self.code,
            "alias": self.alias,
            "field": self.field,
            "offset": self.offset,
        }


@dataclass(frozen=True)
class Labels:
    countries: tuple[str, ...]
    primary: tuple[str, ...]
    blocs: tuple[str, ...]
    ministries: tuple[str, ...]
    lead_ministry: str | None
    evidence: tuple[Evidence, ...]
    kind: str = "news"  # one of KINDS

    def to_json(self) -> dict[str, Any]:
        return {
            "countries": list(self.countries),
            "primary": list(self.primary),
            "blocs": list(self.blocs),
            "ministries": list(self.ministries),
            "lead_ministry": self.lead_ministry,
            "kind": self.kind,
            "evidence": [e.to_json() for e in self.evidence],
        }


class EvidenceSource(Protocol):
    """A match that can say what code it names and build its `Evidence` on demand."""

    @property
    def kind(self) -> str: ...

    @property
    def code(self) -> str: ...

    def evidence(self) -> Evidence: ...


def cap_evidence(
    sources: Iterable[EvidenceSource], codes: Iterable[tuple[str, str]]
) -> tuple[Evidence, ...]:
    """Keep the first few distinct matches per labelled (kind, code) of `codes` so output stays
    short but explanatory.

    A source of another code, or of a code past its cap, is skipped before its evidence is
    built: an item names a ministry dozens of times and shows five.
    """
    kept: list[Evidence] = []
    counts = dict.fromkeys(codes, 0)
    seen: set[tuple[str, str, str, int]] = set()
    for source in sources:
        key = (source.kind, source.code)
        count = counts.get(key, _EVIDENCE_PER_CODE)  # not labelled: as good as full
        if count >= _EVIDENCE_PER_CODE:
            continue
        item = source.evidence()
        ident = (item.kind, item.code, item.field, item.offset)
        if ident in seen:
            continue
        seen.add(ident)
        counts[key] = count + 1
        kept.append(item)
    return tuple(kept)
