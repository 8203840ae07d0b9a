"""On a terminal a list says how much it left out ("20 of 300 items"); piped, JSON or CSV
output stays exactly the rows (scripts parse it)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.terminal import on_a_terminal
from tests.test_closed_pipe import ROOT, env

__all__ = ["env"]


def _on_a_terminal(env: dict[str, str], *args: str) -> tuple[str, int, str]:
    output, stderr, code = on_a_terminal(env, *args)
    return output, code, stderr


@pytest.mark.parametrize(
    ("args", "footer"),
    [
        (("seen", "list", "--limit", "3"), "3 of 300 items (--limit to see more)"),
        (("seen", "list"), "50 of 300 items (--limit to see more)"),
        (("seen", "list", "--limit", "400"), "300 of 300 items"),
        (("search", "ไทย", "--limit", "2"), "2 of 239 items (--limit to see more)"),
    ],
)
def test_a_list_on_a_terminal_ends_with_n_of_m(
    env: dict[str, str], args: tuple[str, ...], footer: str
) -> None:
    output, code, stderr = _on_a_terminal(env, *args)
    assert code == 0 and stderr == ""
    assert output.rstrip("\n").splitlines()[-1] == footer


def test_search_footer_counts_what_the_query_matches(env: dict[str, str]) -> None:
    piped = subprocess.run(
        [sys.executable, "-m", "watcher", "search", "ไทย", "--limit", "1000", "--format", "json"],
        env=env, cwd=ROOT, capture_output=True, text=True,
    )  # fmt: skip
    matched = len(json.loads(piped.stdout))
    output, _, _ = _on_a_terminal(env, "search", "ไทย", "--limit", "1")
    assert output.rstrip("\n").splitlines()[-1].startswith(f"1 of {matched:,} items")


def test_json_csv_and_pipes_get_no_footer(env: dict[str, str]) -> None:
    output, code, _ = _on_a_terminal(env, "seen", "list", "--limit", "3", "--format", "json")
    assert code == 0 and len(json.loads(output)) == 3 and "of 300" not in output
    output, _, _ = _on_a_terminal(env, "seen", "list", "--limit", "3", "--format", "csv")
    assert len(output.strip().splitlines()) == 4
    piped = subprocess.run([sys.executable, "-m", "watcher", "seen", "list", "--limit", "3"],
                           env=env, cwd=ROOT, capture_output=True, text=True)  # fmt: skip
    assert piped.returncode == 0 and "of 300 items" not in piped.stdout and "hash" in piped.stdout
