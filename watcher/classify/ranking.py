"""Decide which matched names are labels, which countries are primary, which ministry leads.

A match is evidence, not yet a label: a government news item names many bodies in passing.
Every weight and word list lives in config/gazetteers/roles.toml ([ranking] and the word
tables); this docstring says what they mean. docs/classify.md has the same text for users.

Where a mention sits. The title counts once (field "title"). If the body still repeats the title
near its start (the page's print block), mentions inside the repeat are ignored, so the title
does not count twice. The *lead* is the first `lead_chars` characters of the body after it:
Thai government news names its actor there ("วันนี้ ... นาย ก รัฐมนตรีว่าการกระทรวง ข เป็นประธาน").
Before ranking, the classifier drops two kinds of ministry match: a Thai office name fused with a
country (นายกรัฐมนตรีญี่ปุ่น, กระทรวงการต่างประเทศจีน: a foreign office), and a deputy prime
minister's title joined to a ministry title (รองนายกรัฐมนตรีและรัฐมนตรีว่าการกระทรวงยุติธรรม:
the person acts for that ministry, [yielding_titles]); in an item whose title names a ministry
and not the head of government, the Prime Minister's title joined to that ministry's
(นายกรัฐมนตรีและรัฐมนตรีว่าการกระทรวงกลาโหม) counts for the ministry ([head_of_government_titles]).

Countries. Every country with a mention is a label (LABELING.md: countries are referred to).
Its counterpart score is
    title_weight                  if named in the title
  + body_weight * min(n, body_cap)  n = body mentions
  + lead_weight                   if first named in the lead
  + role_weight * w               w = the heaviest role word (หารือ, ลงนาม, เยือน, ต้อนรับ,
                                  ทวิภาคี… [country_roles]) within `role_window` chars of a mention
  + official_weight               if named through a leader, official or government body
                                  (นายกรัฐมนตรีญี่ปุ่น, METI): someone Thailand deals with
A country is primary when its score reaches `primary_min` and `primary_ratio` of the best
score: a counterpart needs something pointing at it, and a country far behind the main one is a
side mention. Nothing is primary in an item that only lists countries in passing; a mention in a
list of `list_members` countries or more gets neither the lead bonus nor the role words
([country_lists], lists.py), unless a counterpart word introduces the list.

Blocs. A bloc is a label when one mention shows it as a forum ([bloc_forum]), or when named in
the title or at least `bloc_min_mentions` times, not counting mentions that name a region, a
market, a programme or one place of a list of countries ([bloc_adjective]; blocs.py).

Ministries. A ministry is labelled when it acts, i.e. at least one of: named in the title; named
in the lead; named through a minister's or official's title ("titles" in ministries.toml) given
to a named person, not in passing ([named_person]); named `acts_min_mentions` times or more
(a name with its abbreviation in brackets right after it, `กระทรวงยุติธรรม (ยธ.)`, is one
naming: a contact line spells a name out once); a mention directly followed by an actor word
([ministry_actor_after]: เป็นประธาน, เปิดเผย, ลงนาม…) or preceded by an assignment word
([ministry_actor_before]: มอบหมายให้, โดย, ร่วมกับ, ได้แก่…); or enumerated right next to
another ministry (`กระทรวง ก กระทรวง ข และ กรม ค`: the parties of an agreement or a task).
A single passing mention deep in the body does not count; for the lead and count rules neither
does a source, a venue or a former official ([ministry_owner_before]), nor an office enumerated
right after a source (`ตามระเบียบสำนักนายกรัฐมนตรีและกระทรวงการคลัง`: no parties either,
lists.py); a state enterprise named as one example among others counts neither for the count
nor the enumeration rule ([ministry_examples], passing.py), nor does an office named in the
headline of a rumour a fake-news report debunks ([ministry_rumours]).

Lead ministry. Among labelled ministries, the highest
    m_title_weight (named in the title) + m_lead_weight * (1 - offset_in_lead / lead_chars)
  + m_titles_weight (through a minister's or official's title) + m_count_weight * min(n, body_cap)
ties broken by the earliest mention. None when no ministry is labelled. A spokesperson reporting
in the lead ([speakers]) makes it the OPM unless another ministry is named in the title; an OPM
lead that only relays the cabinet's approval of one ministry's proposal ([proposal]) goes to
that ministry, unless the Prime Minister is named in the title.
"""

from __future__ import annotations

import bisect
import functools
import math
import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from .blocs import BlocReader
from .labels import Evidence, Labels, cap_evidence
from .lists import BRACKETED, enumerated, listed_spans
from .passing import Passing, PassingReader
from .textnorm import NormalText
from .wordtables import (
    build_automaton,
    ends_with_word,
    merge_spans,
    starts_with_word,
    word_hits,
    word_list,
    word_weights,
)

__all__ = ["FieldText", "Mention", "Ranker", "new_mention"]

_ABBREVIATION_GAP = re.compile(r"\s*\([^()]{0,12}")
_LIST_REACH = 24  # the most characters between two countries of one list
_PLACE_ROLES = ("names", "places")  # leaders and bodies named are someone met, not a list entry
_COUNTERPART_WEIGHT = 1.0  # a role word this heavy before a list introduces the counterparts
_NAME_REACH = 70  # a person's prefix, name and surname before a title
_ROLE_MENTIONS = 50  # a country's first body mentions whose surroundings are read for roles

_DEFAULTS: dict[str, float] = {
    "lead_chars": 400,
    "title_weight": 3.0,
    "body_weight": 0.5,
    "body_cap": 4,
    "lead_weight": 1.0,
    "role_weight": 1.0,
    "role_window": 80,
    "official_weight": 1.0,
    "primary_min": 3.0,
    "primary_ratio": 0.5,
    "acts_min_mentions": 2,
    "bloc_min_mentions": 2,
    "m_title_weight": 6.0,
    "m_lead_weight": 4.0,
    "m_titles_weight": 1.0,
    "m_count_weight": 0.3,
    "list_members": 3,
}


class FieldText(NamedTuple):
    """One field of the item as passed in and as matched: evidence points into `original`."""

    original: str
    normal: NormalText


_new_evidence = functools.partial(tuple.__new__, Evidence)  # Evidence(...) without its __new__


class Mention(NamedTuple):
    """A tuple, built for every match; its `Evidence` is built only if the output shows it."""

    kind: str
    code: str
    role: str
    field: str
    start: int  # in the normalised field text
    end: int
    source: FieldText

    def evidence(self) -> Evidence:
        kind, code, _, where, start, end, (original, normal) = self  # one unpacking, no lookups
        if normal.origin is not None or normal.dropped:  # most texts: offsets are the same
            start = normal.original_offset(start)
            end = normal.original_offset(end - 1) + 1
        return _new_evidence((kind, code, original[start:end], where, start))


new_mention = functools.partial(tuple.__new__, Mention)  # Mention(...) without its __new__


@dataclass
class _Tally:
    title: bool = False
    body: list[Mention] = field(default_factory=list)
    roles: set[str] = field(default_factory=set)
    first: int = 1 << 30  # the earliest body mention's start, kept as mentions are added

    def add_body(self, mention: Mention) -> None:
        self.body.append(mention)
        self.first = min(self.first, mention.start)

    def first_body(self) -> int:
        return self.first


class Ranker:
    def __init__(self, roles: dict[str, Any]) -> None:
        self.p = dict(_DEFAULTS)
        self.p.update({k: float(v) for k, v in roles.get("ranking", {}).items()})
        country_roles = word_weights(roles.get("country_roles"))
        self._country_roles = build_automaton(country_roles)
        self._role_reach = max(map(len, country_roles), default=0)
        self._actor_after = word_list(word_weights(roles.get("ministry_actor_after")))
        self._actor_before = word_list(word_weights(roles.get("ministry_actor_before")))
        owner = roles.get("ministry_owner_before", {})
        self._owner_before = word_list(word_weights(owner))
        self._places = frozenset(owner.get("places", []))
        present = roles.get("ministry_present", {})
        self._passing = PassingReader(roles)
        self._addressed = word_list(dict.fromkeys(present.get("addressed_before", []), 1.0))
        speakers = roles.get("speakers", {})
        self._speakers = frozenset(t.casefold() for t in speakers.get("titles", []))
        self._speaker_verbs = tuple(speakers.get("verbs", []))
        self._speaker_within = int(speakers.get("within", 160))
        self._blocs = BlocReader(roles, self.p["bloc_min_mentions"])
        self._list_joiners = tuple(roles.get("country_lists", {}).get("joiners", []))
        proposal = roles.get("proposal", {})
        self._proposal_after = tuple(proposal.get("after", []))
        self._proposal_before = tuple(proposal.get("before", []))
        self._heads = frozenset(roles.get("head_of_government_titles", {}).get("words", []))
        named = roles.get("named_person", {})
        self._named = _named_patterns(named)
        self._place_titles = frozenset(named.get("place_titles", []))
        self._in_passing = tuple(named.get("in_passing", []))
        not_one = "|".join(re.escape(w) for w in named.get("not_one_place", []))
        self._one_place = re.compile(
            rf" ?(?!{not_one})[\u0e01-\u0e2e]" if not_one else " ?[\u0e01-\u0e2e]"
        )

    def rank(
        self, mentions: list[Mention], title: str, body: str, repeats: list[tuple[int, int]]
    ) -> Labels:
        lead_start = max((end for _, end in repeats), default=0)
        tallies: dict[tuple[str, str], _Tally] = defaultdict(_Tally)
        for mention in mentions:
            tally = tallies[(mention.kind, mention.code)]
            tally.roles.add(mention.role)
            if mention.field == "title":
                tally.title = True
            else:
                tally.add_body(mention)
        countries = sorted(c for k, c in tallies if k == "country")
        country_mentions = [m for m in mentions if m.kind == "country"]
        blocs = sorted(
            c
            for k, c in tallies
            if k == "bloc"
            and self._blocs.acts(
                [m for m in mentions if m.kind == "bloc" and m.code == c],
                country_mentions,
                title,
                body,
            )
        )
        role_hits = self._role_hits(body, [tallies[("country", c)] for c in countries])
        in_lists = (
            listed_spans(
                [m for m in country_mentions if m.field == "body" and m.role in _PLACE_ROLES],
                body,
                self._list_joiners,
                int(self.p["list_members"]),
                _LIST_REACH,
                [position for position, weight in role_hits if weight >= _COUNTERPART_WEIGHT],
            )
            if len(countries) >= self.p["list_members"]
            else set()
        )
        scores = {
            c: self._country_score(tallies[("country", c)], lead_start, role_hits, in_lists)
            for c in countries
        }
        primary = self._primary(scores)
        in_body = [m for m in mentions if m.kind == "ministry" and m.field == "body"]
        present = self._passing.spans(body, lead_start, self.p["lead_chars"], in_body)
        listed, sources = enumerated(
            in_body,
            body,
            (lambda m: _inside(m, present)) if present else None,
            lambda m: self._owner_only(m, body),
        )
        ministries = {
            c: t
            for (k, c), t in tallies.items()
            if k == "ministry"
            and (c in listed or self._acts(t, body, lead_start, present, sources))
        }
        lead = self._lead(ministries, lead_start)
        titled = {c for c, t in ministries.items() if t.title and c != "opm"}
        if self._speaker_leads(mentions, body, lead_start) and "opm" in ministries and not titled:
            lead = "opm"
        if lead == "opm" and not self._head_in_title(mentions, title):
            lead = self._proposer(mentions, body, ministries) or lead
        kept = {("country", c) for c in countries} | {("bloc", b) for b in blocs}
        kept |= {("ministry", m) for m in ministries}
        return Labels(
            tuple(countries),
            tuple(sorted(primary)),
            tuple(blocs),
            tuple(sorted(ministries)),
            lead,
            cap_evidence(mentions, kept),
        )

    def _country_score(
        self,
        tally: _Tally,
        lead_start: int,
        role_hits: list[tuple[int, float]],
        in_lists: set[int],
    ) -> float:
        """A mention inside a list of countries counts as a mention, but neither its place in
        the lead nor the role words around it speak for this one country."""
        p = self.p
        score = p["title_weight"] if tally.title else 0.0
        score += p["body_weight"] * min(len(tally.body), p["body_cap"])
        alone = [m for m in tally.body if m.start not in in_lists] if in_lists else tally.body
        if alone and min(m.start for m in alone) < lead_start + p["lead_chars"]:
            score += p["lead_weight"]
        score += p["role_weight"] * _strongest_role(alone, role_hits, p["role_window"])
        if tally.roles & {"leaders", "bodies"}:
            score += p["official_weight"]
        return score

    def _primary(self, scores: dict[str, float]) -> list[str]:
        if not scores:
            return []
        best = max(scores.values())
        floor = max(self.p["primary_min"], self.p["primary_ratio"] * best)
        return [c for c, s in scores.items() if s >= floor]

    def _acts(
        self, tally: _Tally, body: str, lead_start: int, present: Passing, sources: set[int]
    ) -> bool:
        """`sources`: starts of the mentions enumerated after a source (`ระเบียบกระทรวง ก และ ข`)."""
        if tally.title:
            return True
        owner_only = self._owner_only
        lead_end = lead_start + self.p["lead_chars"]
        counted = present.counted(tally.body) if present else tally.body
        many = _namings(counted, body) >= self.p["acts_min_mentions"]
        if many or tally.first_body() < lead_end:  # only then can a source or venue matter
            active = [m for m in tally.body if m.start not in sources and not owner_only(m, body)]
            if any(m.start < lead_end for m in active):
                return True
            active = present.counted(active) if present else active
            if many and _namings(active, body) >= self.p["acts_min_mentions"]:
                return True
        for mention in tally.body:
            if (present and present.attending(mention.start)) or self._addressed_to(mention, body):
                continue
            if mention.role == "titles" and self._names_person(mention, body):
                return True
            after = body[mention.end : mention.end + 40]
            before = _before(body, mention.start)
            if starts_with_word(self._actor_after, after.lstrip()) or ends_with_word(
                self._actor_before, before
            ):
                return True
        return False

    def _role_hits(self, body: str, tallies: list[_Tally]) -> list[tuple[int, float]]:
        """The role words `_strongest_role` can see: only the windows around the country
        mentions it looks at are scanned, not the whole body."""
        window, reach = self.p["role_window"], self._role_reach
        starts = sorted(m.start for tally in tallies for m in tally.body[:_ROLE_MENTIONS])
        if self._country_roles is None or not starts:
            return []
        spans = ((max(0, math.floor(s - window)), math.floor(s + window) + reach) for s in starts)
        hits: list[tuple[int, float]] = []
        for low, high in merge_spans(spans):
            found = word_hits(self._country_roles, body[low:high])
            hits += [(low + position, weight) for position, weight in found]
        return sorted(hits)

    def _proposer(
        self, mentions: list[Mention], body: str, ministries: dict[str, _Tally]
    ) -> str | None:
        """The one ministry whose proposal the cabinet approved (`ตามที่กระทรวงแรงงาน (รง.) เสนอ`,
        `as proposed by Ministry of ...`): the OPM only relays its news."""
        found: set[str] = set()
        for mention in mentions:
            if mention.kind != "ministry" or mention.field != "body" or mention.code == "opm":
                continue
            after = BRACKETED.sub("", body[mention.end : mention.end + 30]).lstrip()
            before = _before(body, mention.start)
            if after.startswith(self._proposal_after) or before.endswith(self._proposal_before):
                found.add(mention.code)
        if len(found) == 1 and (code := found.pop()) in ministries:
            return code
        return None

    def _head_in_title(self, mentions: list[Mention], title: str) -> bool:
        """The Prime Minister is named in the title: the item is his, whoever proposed."""
        return any(
            m.field == "title" and m.kind == "ministry" and title[m.start : m.end] in self._heads
            for m in mentions
        )

    def _owner_only(self, mention: Mention, body: str) -> bool:
        """`ตามประกาศของกรมอุตุนิยมวิทยา`, `ข้อมูลจากกรม...`, `ตามมาตรการกระทรวงสาธารณสุข`: the
        office is the source of a notice, of figures or of rules others follow; `ณ ทำเนียบรัฐบาล`,
        `ที่ทำเนียบรัฐบาล`: the venue. No act of its own."""
        before = _before(body, mention.start)
        if ends_with_word(self._owner_before, before):
            return True
        return before.endswith("ที่") and body[mention.start : mention.end] in self._places

    def _names_person(self, mention: Mention, body: str) -> bool:
        """A title given to a named person (`นายสุริยะ จึงรุ่งเรืองกิจ รัฐมนตรีว่าการกระทรวงคมนาคม`,
        `Minister of Transport Suriya ...`, `Dr. Satit Pitutecha, Deputy Minister of ...`): that
        official is in the story. A bare title (`เป็นนายกรัฐมนตรี`, `at the commerce minister's
        level`, `นายอำเภอ`) names a post, not someone acting; nor does a named head of government
        or minister under whose leadership something happens (`รัฐบาลภายใต้การนำของ พล.อ. ...
        นายกรัฐมนตรี`): the item names him in passing."""
        if self._named is None:
            return False
        before, after = self._named
        window = body[max(0, mention.start - _NAME_REACH) : mention.start]
        named = before.search(window)
        if named is not None:
            ahead = window[: named.start()].rstrip().removesuffix("ท่าน").rstrip()
            return not ahead.endswith(self._in_passing)
        if after.match(body, mention.end):
            return True
        return body[mention.start : mention.end] in self._place_titles and bool(
            self._one_place.match(body, mention.end)
        )

    def _addressed_to(self, mention: Mention, body: str) -> bool:
        """`ส่งหนังสือถึงผู้ว่าราชการจังหวัด`: the ministry is written to, it does not act."""
        before = body[max(0, mention.start - 12) : mention.start].rstrip()
        return ends_with_word(self._addressed, before)

    def _speaker_leads(self, mentions: list[Mention], body: str, lead_start: int) -> bool:
        """A spokesperson named first in the lead and reporting (เปิดเผยว่า, disclosed)."""
        first = next((m for m in mentions if m.field == "body" and m.kind == "ministry"), None)
        if first is None or first.start >= lead_start + self.p["lead_chars"]:
            return False
        if body[first.start : first.end].casefold() not in self._speakers:
            return False
        window = body[first.end : first.end + self._speaker_within]
        return any(verb in window for verb in self._speaker_verbs)

    def _lead(self, ministries: dict[str, _Tally], lead_start: int) -> str | None:
        p = self.p
        ranked: list[tuple[float, int, str]] = []
        for code, tally in ministries.items():
            score = p["m_title_weight"] if tally.title else 0.0
            offset = tally.first_body() - lead_start
            if 0 <= offset < p["lead_chars"]:
                score += p["m_lead_weight"] * (1 - offset / p["lead_chars"])
            if "titles" in tally.roles:
                score += p["m_titles_weight"]
            score += p["m_count_weight"] * min(len(tally.body), p["body_cap"])
            ranked.append((-score, tally.first_body(), code))
        return min(ranked)[2] if ranked else None


def _before(body: str, start: int) -> str:
    """The 24 characters before a mention, trailing spaces and an English `the` dropped
    (`assigned the provincial governor`: the word before `the` is the one that counts)."""
    before = body[max(0, start - 24) : start].rstrip()
    return before[:-4].rstrip() if before.endswith(" the") else before


def _namings(mentions: list[Mention], body: str) -> int:
    """Mentions, counting a name and its bracketed abbreviation (สกอ. in `... (สกอ.)`) once."""
    count, previous_end = 0, -1
    for mention in sorted(mentions, key=lambda m: m.start):
        if previous_end < 0 or not _ABBREVIATION_GAP.fullmatch(body, previous_end, mention.start):
            count += 1
        previous_end = mention.end
    return count


def _strongest_role(
    mentions: list[Mention], role_hits: list[tuple[int, float]], window: float
) -> float:
    """The heaviest role word within `window` characters of any of the mentions."""
    positions = [position for position, _ in role_hits]
    strongest = 0.0
    for mention in mentions[:_ROLE_MENTIONS]:
        low = bisect.bisect_left(positions, mention.start - window)
        high = bisect.bisect_right(positions, mention.start + window)
        for _, weight in role_hits[low:high]:
            strongest = max(strongest, weight)
    return strongest


def _inside(mention: Mention, present: Passing) -> bool:
    return mention.field == "body" and present.holds(mention.start, mention.role)


def _named_patterns(table: dict[str, Any]) -> tuple[re.Pattern[str], re.Pattern[str]] | None:
    """Before a title: a personal prefix and a name of one or two words (`นายเศรษฐา ทวีสิน `,
    `Gen. Prayut Chan-o-cha, `); after it: a Latin honorific or a capitalised name."""
    thai, latin = table.get("thai_prefixes", []), table.get("latin_honorifics", [])
    if not thai and not latin:
        return None
    prefixes = "|".join(re.escape(p) for p in sorted([*thai, *latin], key=len, reverse=True))
    honorifics = "|".join(re.escape(h) for h in sorted(latin, key=len, reverse=True))
    name = r"[^\s,;:()|\"“”]{2,30}"
    space = r"[ \xa0]{1,3}"
    joined = r"(?:[^\s,;:()|]{2,40}(?:และ| and ))?"  # `... รองนายกรัฐมนตรีและ` + this title
    person = rf"(?:{prefixes})[ \xa0]?{name}(?:{space}{name})?"
    before = re.compile(rf"{person},?[ \xa0]*(?:the )?{joined}$")
    after = re.compile(
        rf"{space}(?:(?:{honorifics}) ?)?[A-Z][a-z]+[ \xa0-]+[A-Z][a-z]|\s?\((?:{prefixes})"
    )
    return before, after
