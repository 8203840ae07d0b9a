"""Thai Buddhist-era dates as the site prints them, to and from ISO C.E. dates.

The site writes `วันอังคารที่ 25 กรกฎาคม 2566` and, on newer pages, `25/07/2566`; the year is
B.E. (C.E. + 543). The unpublished-page marker is `1 มกราคม 2513`, the Unix epoch in B.E.
"""

from __future__ import annotations

import datetime as dt
import re

__all__ = [
    "EPOCH",
    "find_thai_date",
    "format_thai_date",
    "is_date_line",
    "parse_thai_date",
    "parse_user_date",
]

EPOCH = dt.date(1970, 1, 1)
BE_OFFSET = 543
BE_FROM_YEAR = 2400
"""A typed year from 2400 on is B.E. (2400 B.E. = 1857 C.E., before anything the site holds;
2400 C.E. is far beyond anything it will): `2563-01-01` is 1 January 2020."""
_USER_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")

MONTHS = (
    "มกราคม",
    "กุมภาพันธ์",
    "มีนาคม",
    "เมษายน",
    "พฤษภาคม",
    "มิถุนายน",
    "กรกฎาคม",
    "สิงหาคม",
    "กันยายน",
    "ตุลาคม",
    "พฤศจิกายน",
    "ธันวาคม",
)
SHORT_MONTHS = (
    "ม.ค.",
    "ก.พ.",
    "มี.ค.",
    "เม.ย.",
    "พ.ค.",
    "มิ.ย.",
    "ก.ค.",
    "ส.ค.",
    "ก.ย.",
    "ต.ค.",
    "พ.ย.",
    "ธ.ค.",
)
WEEKDAYS = ("จันทร์", "อังคาร", "พุธ", "พฤหัสบดี", "ศุกร์", "เสาร์", "อาทิตย์")

_MONTH_NUMBER = {name: i + 1 for i, name in enumerate(MONTHS)}
_MONTH_NUMBER.update({name: i + 1 for i, name in enumerate(SHORT_MONTHS)})
_THAI_DIGITS = str.maketrans("๐๑๒๓๔๕๖๗๘๙", "0123456789")
_MONTH_ALT = "|".join(re.escape(m) for m in sorted(_MONTH_NUMBER, key=len, reverse=True))
_WORDY = re.compile(rf"(\d{{1,2}})\s*({_MONTH_ALT})\s*(?:พ\.ศ\.\s*)?(\d{{4}})")
_SLASHED = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")
_LONGEST_DATE_LINE = 64
_DATE_LINE = re.compile(
    rf"^(?:วัน(?:{'|'.join(WEEKDAYS)})(?:ที่)?\s*)?"
    rf"(?:\d{{1,2}}\s*(?:{_MONTH_ALT})\s*(?:พ\.ศ\.\s*)?\d{{4}}|\d{{1,2}}/\d{{1,2}}/\d{{4}})$"
)


def _to_date(day: str, month: int, year: str) -> dt.date | None:
    be_year = int(year)
    ce_year = be_year - BE_OFFSET if be_year > 2400 else be_year
    try:
        return dt.date(ce_year, month, int(day))
    except ValueError:
        return None


def parse_thai_date(text: str) -> dt.date | None:
    """The date of a whole date line, or None when the line is not just a date."""
    if len(text) > _LONGEST_DATE_LINE:
        return None
    line = text.translate(_THAI_DIGITS).strip()
    if not _DATE_LINE.match(line):
        return None
    return find_thai_date(line)


def find_thai_date(text: str) -> dt.date | None:
    """The first Thai date anywhere in `text` (wordy or slashed B.E. form)."""
    text = text.translate(_THAI_DIGITS)
    wordy = _WORDY.search(text)
    slashed = _SLASHED.search(text)
    if wordy and (not slashed or wordy.start() <= slashed.start()):
        return _to_date(wordy.group(1), _MONTH_NUMBER[wordy.group(2)], wordy.group(3))
    if slashed:
        month = int(slashed.group(2))
        if 1 <= month <= 12:
            return _to_date(slashed.group(1), month, slashed.group(3))
    return None


def is_date_line(text: str) -> bool:
    return parse_thai_date(text) is not None


def format_thai_date(date: dt.date) -> str:
    """`วันอังคารที่ 25 กรกฎาคม 2566`, the banner form of the site."""
    weekday = WEEKDAYS[date.weekday()]
    return f"วัน{weekday}ที่ {date.day} {MONTHS[date.month - 1]} {date.year + BE_OFFSET}"


def parse_user_date(text: str) -> dt.date:
    """A date a person typed, YYYY-MM-DD in C.E. or B.E. (see BE_FROM_YEAR): the one parser
    behind every --since/--until/--date, so `2563-01-01` means what a Thai user meant."""
    match = _USER_DATE.fullmatch(text.strip())
    if match is None:
        raise ValueError(f"{text[:40]!r} is not a date (YYYY-MM-DD, C.E. or B.E.)")
    year, month, day = (int(part) for part in match.groups())
    if year >= BE_FROM_YEAR:
        year -= BE_OFFSET
    try:
        return dt.date(year, month, day)
    except ValueError:
        raise ValueError(f"{text[:40]!r} is not a date (YYYY-MM-DD, C.E. or B.E.)") from None
