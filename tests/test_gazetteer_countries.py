"""Data checks for config/gazetteers/countries.toml and not_states.toml.

The classifier trusts these files blindly, so mistakes in them (a typo'd ISO code, an alias given to
two countries, a bare Thai word that is also a country name) would silently mislabel news items.
"""

from __future__ import annotations

import re
import tomllib
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest

GAZETTEERS = Path(__file__).resolve().parents[1] / "config" / "gazetteers"

# ISO 3166-1 alpha-2, officially assigned codes (249).
ISO_3166_1 = set(
    re.findall(
        "[A-Z]{2}",
        """
    AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR
    BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ
    EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW
    GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY
    KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV
    MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY
    QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG
    TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM
    ZW
    """,
    )
)
# Thailand is never a partner; Antarctica is a continent, not a state.
DELIBERATELY_ABSENT = {"TH", "AQ"}
ROLES = ("names", "places", "bodies", "leaders")
ALLOWED_KEYS = {"en", "th", *ROLES}
# Aliases deliberately shared by two codes: none so far. Add "alias": {"XX", "YY"} with a reason.
SHARED_ALIASES: dict[str, set[str]] = {}

# Bare strings that must never be aliases: common Thai words, Thai places, personal names,
# continents, international organisations, ambiguous English words (the corpus showed each misfire).
NEVER_ALIASES = {
    "มาลี",
    "ชาด",
    "เช็ก",
    "นาระ",
    "ลาวา",
    "ไทย",
    "ประเทศไทย",
    "เขมร",
    "ฝรั่ง",
    "แขก",
    "ญวน",
    "ลังกา",
    "เปอร์เซีย",
    "โรม",
    "ริกา",
    "ปราก",
    "ชวา",
    "ลาซา",
    "มาเล่",
    "ลุมพินี",
    "เว้",
    "พระวิหาร",
    "ไพลิน",
    "โพธิสัตว์",
    "ห้วยทราย",
    "ตะนาวศรี",
    "เจนีวา",
    "วิกตอเรีย",
    "ดาร์วิน",
    "เมกกะ",
    "อินโด",
    "ยุโรป",
    "เอเชีย",
    "แอฟริกา",
    "อเมริกาใต้",
    "อเมริกาเหนือ",
    "ลาตินอเมริกา",
    "โอเชียเนีย",
    "ตะวันออกกลาง",
    "อาเซียน",
    "สหประชาชาติ",
    "สหภาพยุโรป",
    "อียู",
    "UN",
    "WHO",
    "EU",
    "ASEAN",
    # "US" is an alias since the English pages: it names the United States far more often than
    # the pronoun, matches case-sensitively, and is ignored in all-caps lines (test_classify)
    "IN",
    "IT",
    "NO",
    "ME",
    "AS",
    "English",
    "Chad",
    "Mali",
    "Jordan",
    "Georgia",
    "Jersey",
    "CDC",
    "FDA",
    "CCTV",
    "MAS",
    "SAC",
}
# LABELING.md's country rules, written as alias → code.
LABELING_RULES = {
    "เกาหลี": "KR",
    "เกาหลีใต้": "KR",
    "สาธารณรัฐเกาหลี": "KR",
    "เกาหลีเหนือ": "KP",
    "จีน": "CN",
    "สาธารณรัฐประชาชนจีน": "CN",
    "ไต้หวัน": "TW",
    "ฮ่องกง": "HK",
    "มาเก๊า": "MO",
    "สหรัฐฯ": "US",
    "อเมริกา": "US",
    "อังกฤษ": "GB",
    "สหราชอาณาจักร": "GB",
    "เมียนมา": "MM",
    "พม่า": "MM",
    "ลาว": "LA",
    "สปป.ลาว": "LA",
    "ญี่ปุ่น": "JP",
    "วากายามะ": "JP",
    "ไซตามะ": "JP",
    "โตเกียว": "JP",
    "ปูซาน": "KR",
    "โซล": "KR",
    "คุนหมิง": "CN",
    "ยูนนาน": "CN",
    "MOTIE": "KR",
    "METI": "JP",
    "NEDO": "JP",
    "JICA": "JP",
}
THAI_DEPENDENT = re.compile("^[\u0e31\u0e34-\u0e3a\u0e47-\u0e4e\u0e30\u0e32\u0e33\u0e45]")


def _load(name: str) -> dict[str, Any]:
    with (GAZETTEERS / name).open("rb") as handle:
        return tomllib.load(handle)


@pytest.fixture(scope="module")
def countries() -> dict[str, Any]:
    return _load("countries.toml")


@pytest.fixture(scope="module")
def not_states() -> list[str]:
    phrases = _load("not_states.toml")["phrases"]
    assert isinstance(phrases, list)
    return phrases


@pytest.fixture(scope="module")
def alias_codes(countries: dict[str, Any]) -> dict[str, set[str]]:
    found: dict[str, set[str]] = defaultdict(set)
    for code, table in countries.items():
        for role in ROLES:
            for alias in table.get(role, []):
                found[alias].add(code)
    return found


def test_every_code_is_iso_3166_1_and_every_state_is_present(countries: dict[str, Any]) -> None:
    assert set(countries) - ISO_3166_1 == set()
    assert ISO_3166_1 - DELIBERATELY_ABSENT - set(countries) == set()
    assert not DELIBERATELY_ABSENT & set(countries)


def test_tables_have_display_names_and_only_known_keys(countries: dict[str, Any]) -> None:
    for code, table in countries.items():
        assert set(table) <= ALLOWED_KEYS, code
        assert {"en", "th", "names"} <= set(table), code
        assert isinstance(table["en"], str) and table["en"][:1].isupper(), code
        assert not re.search("[\u0e00-\u0e7f]", table["en"]), code
        assert isinstance(table["th"], str) and re.match("[\u0e01-\u0e4f]", table["th"]), code
        assert table["names"], f"{code}: no names"


def test_aliases_are_clean_strings(countries: dict[str, Any]) -> None:
    for code, table in countries.items():
        for role in ROLES:
            aliases = table.get(role, [])
            assert isinstance(aliases, list), f"{code}.{role}"
            assert len(aliases) == len(set(aliases)), f"{code}.{role}: duplicates"
            for alias in aliases:
                where = f"{code}.{role}: {alias!r}"
                assert isinstance(alias, str) and alias == alias.strip(), where
                assert "  " not in alias and "\n" not in alias, where
                assert not THAI_DEPENDENT.match(alias), f"{where} starts mid-syllable"
                thai = re.search("[\u0e00-\u0e7f]", alias) is not None
                assert len(alias) >= (3 if thai else 2), f"{where} too short to be safe"


def test_no_alias_is_repeated_across_roles_of_one_country(countries: dict[str, Any]) -> None:
    for code, table in countries.items():
        seen = [a for role in ROLES for a in table.get(role, [])]
        assert len(seen) == len(set(seen)), code


def test_no_alias_belongs_to_two_countries(alias_codes: dict[str, set[str]]) -> None:
    shared = {a: codes for a, codes in alias_codes.items() if len(codes) > 1}
    assert shared == SHARED_ALIASES


def test_known_traps_are_not_aliases(alias_codes: dict[str, set[str]]) -> None:
    assert NEVER_ALIASES & set(alias_codes) == set()


def test_labeling_rules_hold(alias_codes: dict[str, set[str]]) -> None:
    for alias, code in LABELING_RULES.items():
        assert alias_codes.get(alias) == {code}, alias


def test_not_states_are_clean_and_never_aliases(
    not_states: list[str], alias_codes: dict[str, set[str]]
) -> None:
    assert len(not_states) == len(set(not_states))
    for phrase in not_states:
        assert isinstance(phrase, str) and phrase == phrase.strip() and phrase, phrase
        assert phrase not in alias_codes, f"{phrase!r} is both an alias and a not-a-state phrase"


def test_each_not_state_phrase_swallows_some_country_alias(
    not_states: list[str], alias_codes: dict[str, set[str]]
) -> None:
    folded = {a.casefold() for a in alias_codes}
    dead = [p for p in not_states if not any(a in p.casefold() for a in folded)]
    assert dead == []
