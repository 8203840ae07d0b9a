"""Load the TOML gazetteers of config/gazetteers into one immutable `Gazetteer`.

Names live in config so the operator can add an alias without a release; every problem is a
`ConfigError("file: key: problem")` raised at load time, never a surprise while classifying.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from watcher.core.errors import ConfigError

from .textnorm import normalize_alias

__all__ = [
    "MAX_TERM_CHARS", "Alias", "Entry", "Gazetteer", "default_gazetteer_dir", "load_gazetteer",
]  # fmt: skip

MAX_TERM_CHARS = 200
"""The longest term a user's code or name can be (the longest alias has 78 characters): a longer
one resolves to nothing and gets no suggestion, before any costly step (issue 27)."""

KINDS = ("country", "bloc", "ministry")
_FILES = {"country": "countries.toml", "bloc": "blocs.toml", "ministry": "ministries.toml"}
_ROLES = {
    "country": ("names", "places", "bodies", "leaders"),
    "bloc": ("names",),
    "ministry": ("names", "titles", "bodies", "enterprises"),
}
_OPTIONAL_KEYS = {"note", "notes", "comment"}
# countries.toml lists every alias explicitly (a bare `th` such as มาลี is a common word)
_NAMES_ARE_ALIASES = ("bloc", "ministry")
NOT_STATES_FILE = "not_states.toml"
ROLES_FILE = "roles.toml"


@dataclass(frozen=True)
class Alias:
    text: str  # normalised (NFC, no zero-width); case kept
    kind: str  # "country" | "bloc" | "ministry" | "not_state"
    code: str
    role: str  # the entry's key: names, places, bodies, leaders, titles, enterprises
    case_sensitive: bool


@dataclass(frozen=True)
class Entry:
    kind: str
    code: str
    en: str
    th: str
    aliases: tuple[Alias, ...]


@dataclass(frozen=True)
class Gazetteer:
    entries: dict[tuple[str, str], Entry]
    not_states: tuple[str, ...]
    roles: dict[str, Any] = field(default_factory=dict)

    def aliases(self) -> list[Alias]:
        found = [a for e in self.entries.values() for a in e.aliases]
        found += [Alias(t, "not_state", "-", "names", False) for t in self.not_states]
        return found

    def codes(self, kind: str) -> list[str]:
        return sorted(code for k, code in self.entries if k == kind)

    def _name(self, kind: str, code: str, lang: str) -> str:
        entry = self.entries.get((kind, code))
        if entry is None:
            return code
        return entry.th if lang == "th" else entry.en

    def country_name(self, code: str, lang: str = "th") -> str:
        return self._name("country", code.upper(), lang)

    def bloc_name(self, code: str, lang: str = "th") -> str:
        return self._name("bloc", code.upper(), lang)

    def ministry_name(self, ministry_id: str, lang: str = "th") -> str:
        return self._name("ministry", ministry_id.lower(), lang)

    def resolve_term(self, text: str) -> tuple[str, str] | None:
        """A user's term (code, id, Thai or English name or alias) → (kind, code)."""
        if len(text) > MAX_TERM_CHARS:
            return None
        term = normalize_alias(text)
        if not term:
            return None
        folded = term.casefold()
        for kind in KINDS:
            for (k, code), entry in self.entries.items():
                if k == kind and folded in _short_names(code, entry):
                    return kind, code
        for kind in KINDS:
            for (k, code), entry in self.entries.items():
                if k == kind and any(a.text.casefold() == folded for a in entry.aliases):
                    return kind, code
        return None

    def closest(self, text: str, kinds: tuple[str, ...] = KINDS, n: int = 3) -> list[str]:
        """The codes whose code or names are nearest to a term nothing resolved (difflib), so a
        typo ("JPN", "industri") is answered with what was probably meant."""
        import difflib

        if len(text) > MAX_TERM_CHARS:  # difflib is quadratic: 60 KB cost 16 s (issue 27)
            return []
        term = normalize_alias(text).casefold()
        keys: dict[str, str] = {}
        for (kind, code), entry in self.entries.items():
            if kind in kinds:
                for key in _short_names(code, entry):
                    keys.setdefault(key, code)
        scored = []
        matcher = difflib.SequenceMatcher(None, term)
        for key in keys:
            matcher.set_seq2(key)
            # the cheap upper bounds first, as get_close_matches does; the ratio is the same
            if matcher.real_quick_ratio() < 0.6 or matcher.quick_ratio() < 0.6:
                continue
            ratio = matcher.ratio()
            if ratio >= 0.6:  # difflib.get_close_matches' cutoff; same first letter ranks first
                scored.append((-ratio - 0.1 * (key[:1] == term[:1]), key))
        near = [key for _, key in sorted(scored)]
        return list(dict.fromkeys(keys[key] for key in near))[:n]


def _short_names(code: str, entry: Entry) -> tuple[str, ...]:
    """What a user types for an entry: its code, names, and a ministry's name without กระทรวง."""
    en, th = entry.en.casefold(), entry.th
    return (
        code.casefold(),
        en,
        th,
        en.removeprefix("ministry of ").removeprefix("the "),
        th.removeprefix("กระทรวง"),
    )


def default_gazetteer_dir() -> Path:
    explicit = os.environ.get("WATCHER_GAZETTEERS")
    if explicit:
        return Path(explicit)
    config = os.environ.get("WATCHER_CONFIG")
    config_file = Path(config) if config else Path("config") / "watcher.toml"
    beside = config_file.parent / "gazetteers"
    if beside.is_dir():
        return beside
    import watcher

    return Path(watcher.__file__).resolve().parents[1] / "config" / "gazetteers"


def _read_toml(path: Path) -> dict[str, Any]:
    import tomllib  # here, not at the top: a cached load never parses

    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        raise ConfigError(f"{path}: file not found") from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: not valid TOML: {error}") from None
    except OSError as error:
        raise ConfigError(f"{path}: cannot read: {error.strerror}") from None


def _strings(path: Path, key: str, value: Any) -> list[str]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{path.name}: {key}: expected a list of strings")
    return [v for v in value if v.strip()]


def _is_case_sensitive(alias: str) -> bool:
    letters = [c for c in alias if c.isascii() and c.isalpha()]
    return bool(letters) and all(c.isupper() for c in letters) and len(letters) > 1


def _entry(path: Path, kind: str, code: str, table: Any) -> Entry:
    if not isinstance(table, dict):
        raise ConfigError(f"{path.name}: {code}: expected a table")
    unknown = set(table) - set(_ROLES[kind]) - {"en", "th"} - _OPTIONAL_KEYS
    if unknown:
        raise ConfigError(f"{path.name}: {code}.{sorted(unknown)[0]}: unknown key")
    for key in ("en", "th"):
        if not isinstance(table.get(key), str) or not table[key].strip():
            raise ConfigError(f"{path.name}: {code}.{key}: missing or not a string")
    aliases: list[Alias] = []
    seen: set[str] = set()
    for role in _ROLES[kind]:
        names = _strings(path, f"{code}.{role}", table.get(role, []))
        if role == "names" and kind in _NAMES_ARE_ALIASES:
            names = [table["th"], table["en"], *names]
        for name in names:
            text = normalize_alias(name)
            if text in seen:
                continue
            seen.add(text)
            aliases.append(Alias(text, kind, code, role, _is_case_sensitive(text)))
    return Entry(kind, code, table["en"].strip(), normalize_alias(table["th"]), tuple(aliases))


def _not_states(path: Path, data: dict[str, Any]) -> tuple[str, ...]:
    phrases: list[str] = []
    for key, value in data.items():
        if isinstance(value, dict):
            for sub, inner in value.items():
                phrases += _strings(path, f"{key}.{sub}", inner)
        else:
            phrases += _strings(path, key, value)
    return tuple(normalize_alias(p) for p in phrases)


def load_gazetteer(directory: Path) -> Gazetteer:
    """The gazetteer in `directory`, from the cache when its files have not changed."""
    from .gazetteer_cache import cached_load

    files = [directory / name for name in (*_FILES.values(), NOT_STATES_FILE, ROLES_FILE)]
    return cached_load("gazetteer", files, lambda: _parse_gazetteer(directory))


def _parse_gazetteer(directory: Path) -> Gazetteer:
    entries: dict[tuple[str, str], Entry] = {}
    for kind in KINDS:
        path = directory / _FILES[kind]
        for code, table in _read_toml(path).items():
            entries[(kind, code)] = _entry(path, kind, code, table)
    not_states_path = directory / NOT_STATES_FILE
    not_states = _not_states(not_states_path, _read_toml(not_states_path))
    roles_path = directory / ROLES_FILE
    roles = _read_toml(roles_path) if roles_path.exists() else {}
    return Gazetteer(entries, not_states, roles)
