"""Turn a title and body into `Labels`: scan both with the gazetteer matcher, then rank.

The item's kind comes from its title (or the site's category): a cabinet round-up
([cabinet_summary] in roles.toml) lists many ministries' resolutions, so its lead ministry is
the cabinet's own office rather than whichever ministry the first resolution names.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from threading import Lock

from .context import MatchContext
from .gazetteer import Gazetteer, load_gazetteer
from .labels import Labels
from .matcher import Matcher
from .ranking import FieldText, Mention, Ranker, new_mention
from .textnorm import NormalText, normalize

__all__ = ["Classifier"]

_TITLE_REPEAT_ZONE = 1500
_ONE_PERSON = frozenset(["และ", " and "])  # `นายกรัฐมนตรีและรัฐมนตรีว่าการ…`: one person's titles
_CACHE: dict[Path, Classifier] = {}
_CACHE_LOCK = Lock()


class Classifier:
    def __init__(self, gazetteer: Gazetteer) -> None:
        self.gazetteer = gazetteer
        affixes = gazetteer.roles.get("country_affixes", {}).get("words", [])
        roles = gazetteer.roles
        self._yielding = frozenset(roles.get("yielding_titles", {}).get("words", []))
        heads = roles.get("head_of_government_titles", {})
        self._heads = frozenset(heads.get("words", []))
        self._joined: dict[str, str] = dict(heads.get("joined", {}))
        self._common_words = frozenset(roles.get("caps_common_words", {}).get("words", []))
        aliases = gazetteer.aliases()
        self._matcher = Matcher(aliases, affixes)
        codes: dict[str, set[str]] = {}
        for alias in aliases:
            codes.setdefault(alias.text, set()).add(alias.code)
        self._shared = frozenset(text for text, found in codes.items() if len(found) > 1)
        self._ranker = Ranker(gazetteer.roles)
        cabinet = gazetteer.roles.get("cabinet_summary", {})
        self._cabinet_prefixes = tuple(p.casefold() for p in cabinet.get("title_prefixes", []))
        initials = frozenset(p[:1] for p in self._cabinet_prefixes)
        self._cabinet_initials = None if "" in initials else initials
        self._cabinet_categories = frozenset(c.strip() for c in cabinet.get("categories", []))
        self._cabinet_lead: str | None = cabinet.get("lead")

    @classmethod
    def from_dir(cls, gazetteer_dir: Path) -> Classifier:
        """One classifier per directory and process: building the automaton is the costly part."""
        key = Path(gazetteer_dir).resolve()
        with _CACHE_LOCK:
            if key not in _CACHE:
                _CACHE[key] = cls(load_gazetteer(key))
            return _CACHE[key]

    def classify(self, title: str, body: str, category: str | None = None) -> Labels:
        mentions: list[Mention] = []
        norm_title, norm_body = normalize(title), normalize(body)
        yields: set[str] = set()
        held: dict[int, str] = {}
        title_mentions, title_shared = self._mentions(title, norm_title, "title", [], set(), {})
        repeats = _title_repeats(norm_title.cased, norm_body.cased)
        body_mentions, body_shared = self._mentions(body, norm_body, "body", repeats, yields, held)
        if len(yields) == 1:
            code = yields.pop()
            title_mentions = _deputy_as_minister(title_mentions, self._yielding, code)
            body_mentions = _deputy_as_minister(body_mentions, self._yielding, code)
        if held:
            body_mentions = _head_as_minister(title_mentions, body_mentions, held)
        mentions += title_mentions + body_mentions
        if title_shared or body_shared:
            mentions = _resolve_shared(mentions)
        labels = self._ranker.rank(mentions, norm_title.cased, norm_body.cased, repeats)
        if not self.is_cabinet_summary(norm_title.cased, category):
            return labels
        lead = self._cabinet_lead or labels.lead_ministry
        ministries = tuple(sorted({*labels.ministries, *([lead] if lead else [])}))
        return dataclasses.replace(
            labels, kind="cabinet_summary", ministries=ministries, lead_ministry=lead
        )

    def is_cabinet_summary(self, title: str, category: str | None = None) -> bool:
        """A cabinet round-up, told by its title's opening words or the site's category."""
        if category is not None and category.strip() in self._cabinet_categories:
            return True
        initials = self._cabinet_initials  # most titles are ruled out without folding them whole
        if initials is not None and title.lstrip()[:1].casefold()[:1] not in initials:
            return False
        return " ".join(title.split()).casefold().startswith(self._cabinet_prefixes)

    def _mentions(
        self,
        original: str,
        text: NormalText,
        field: str,
        skip: list[tuple[int, int]],
        yields: set[str],
        held: dict[int, str],
    ) -> tuple[list[Mention], bool]:
        """The field's mentions, and whether one of them is an alias several codes share.

        `yields` collects the ministries a deputy prime minister's title yielded to; `held`, the
        ministry whose title a head of government's joined title holds, by the head's start."""
        matches = self._matcher.scan(text)
        shared = False
        context = MatchContext(
            text.cased, self._common_words, self._yielding, self._heads, text.narrow
        )
        out: list[Mention] = []
        source = FieldText(original, text)
        last = len(matches) - 1
        for index, match in enumerate(matches):
            if (skip and any(a <= match.start < b for a, b in skip)) or not context.is_mention(
                match
            ):
                continue
            alias = match.alias
            kind = alias.kind
            if kind == "ministry":
                previous = matches[index - 1] if index > 0 else None
                following = matches[index + 1] if index < last else None
                if context.names_foreign_office(match, previous, following):
                    continue
                if context.other_post_speaks(match, previous, following):
                    if (
                        alias.text in self._yielding
                        and following is not None
                        and following.alias.kind == "ministry"
                        and following.alias.role == "titles"
                    ):
                        yields.add(following.alias.code)
                    elif (
                        previous is not None
                        and previous.alias.text in self._heads
                        and text.cased[previous.end : match.start] in _ONE_PERSON
                    ):
                        held[previous.start] = alias.code
                    continue
                if alias.text in self._joined:
                    held[match.start] = self._joined[alias.text]
            shared = shared or alias.text in self._shared
            out.append(
                new_mention((kind, alias.code, alias.role, field, match.start, match.end, source))
            )
        return out, shared


def _deputy_as_minister(
    mentions: list[Mention], yielding: frozenset[str], code: str
) -> list[Mention]:
    """`รองนายกฯ “อนุทิน” ...` in the title (or alone later in the body) is the deputy prime
    minister whom the body names as minister of one ministry (`รองนายกรัฐมนตรีและรัฐมนตรีว่าการ
    กระทรวงสาธารณสุข`): that ministry. Only when the body joins the title to a single ministry."""
    out: list[Mention] = []
    for mention in mentions:
        source = mention.source
        if (
            mention.kind == "ministry"
            and source.normal.cased[mention.start : mention.end] in yielding
        ):
            mention = mention._replace(code=code)
        out.append(mention)
    return out


def _head_as_minister(
    title: list[Mention], body: list[Mention], held: dict[int, str]
) -> list[Mention]:
    """`นายกรัฐมนตรีและรัฐมนตรีว่าการกระทรวงกลาโหม` in an item whose title names the defence
    ministry and not the head of government (its own news: `ผลการหารือ... ระหว่าง กระทรวงกลาโหม -
    ...`) acts as defence minister, not as head of government (LABELING.md: a minister counts for
    the ministry when acting in that role)."""
    titled = {m.code for m in title if m.kind == "ministry"}
    if "opm" in titled:  # the head of government in the title: the item is his
        return body
    return [m._replace(code=held[m.start]) if held.get(m.start) in titled else m for m in body]


def _resolve_shared(mentions: list[Mention]) -> list[Mention]:
    """An abbreviation two ministries share (ทช., กพร.) names the one the item names otherwise.

    Kept for each code that has a mention of its own elsewhere in the item; dropped when none or
    several have (the item does not say which office it means).
    """
    spans: dict[tuple[str, int, int], set[str]] = {}
    for mention in mentions:
        spans.setdefault((mention.field, mention.start, mention.end), set()).add(mention.code)
    shared = {span for span, codes in spans.items() if len(codes) > 1}
    if not shared:
        return mentions
    named = {m.code for m in mentions if (m.field, m.start, m.end) not in shared}
    kept: list[Mention] = []
    for mention in mentions:
        span = (mention.field, mention.start, mention.end)
        if span in shared and (mention.code not in named or len(spans[span] & named) != 1):
            continue
        kept.append(mention)
    return kept


def _title_repeats(title: str, body: str) -> list[tuple[int, int]]:
    """Where the body repeats the title near its start (the page's print block)."""
    probe = title.strip()[:60]
    spans: list[tuple[int, int]] = []
    if len(probe) < 8:
        return spans
    position = body.find(probe)
    while 0 <= position < _TITLE_REPEAT_ZONE:
        spans.append((position, position + len(title.strip())))
        position = body.find(probe, position + 1)
    return spans
