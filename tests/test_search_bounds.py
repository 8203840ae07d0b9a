"""Hostile search input: a NUL, thousands of terms, a 20-digit limit give one line, no traceback."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from click.testing import Result

from watcher.core.errors import InputError
from watcher.match.language import SEARCH_LIMITS, parse_query

MAX_QUERY_CHARS, MAX_TERMS = SEARCH_LIMITS.max_chars, SEARCH_LIMITS.max_terms

RunCli = Callable[..., Result]


@pytest.mark.parametrize(
    ("query", "reason"),
    [
        ("a\x00b", "control character"),
        ("ไทย\x1bญี่ปุ่น", "control character"),
        (" ".join(f"t{i}" for i in range(3_000)), f"at most {MAX_QUERY_CHARS:,}"),
        (" ".join("ab" for _ in range(MAX_TERMS + 1)), f"more than {MAX_TERMS} terms"),
    ],
    ids=["nul", "escape", "3000-terms", "too-many-short-terms"],
)
def test_search_refuses_hostile_queries_in_one_line(
    run_cli: RunCli, query: str, reason: str
) -> None:
    result = run_cli("search", "--", query)
    assert result.exit_code == 1
    assert result.output.startswith("Error: search ")
    assert reason in result.output
    assert result.output.count("\n") == 1
    assert "\x00" not in result.output and len(result.output) < 200


def test_as_many_terms_as_allowed_still_search() -> None:
    query = parse_query(" ".join("ab" for _ in range(MAX_TERMS)))
    assert sum(map(len, query.clauses)) == MAX_TERMS
    with pytest.raises(InputError):
        parse_query(" ".join("ab" for _ in range(MAX_TERMS + 1)))


@pytest.mark.parametrize("command", ["search", "seen"])
def test_twenty_digit_limit_is_a_usage_error_not_a_database_error(
    run_cli: RunCli, command: str
) -> None:
    args = [command, "--limit", "99999999999999999999"]
    if command == "search":
        args.append("ข่าว")
    else:
        args.insert(1, "list")
    result = run_cli(*args)
    assert result.exit_code == 2
    assert "Invalid value for '--limit'" in result.output
    assert "IntegrityError" not in result.output
