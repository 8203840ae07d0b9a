"""Config is validated at load for every kind (issue 27, #9): URL schemes, CSS selectors,
numbers finite and in range, regexes that cannot hang. Each mistake is one line naming the file
and the key, from the real loader and from `watcher poll` (exit 2, the config contract)."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
import regex
from click.testing import CliRunner

from watcher.cli import cli
from watcher.core.errors import ConfigError, ParseError
from watcher.sources.settings import load_config
from watcher.sources.validate import MATCH_SECONDS, LinkPattern

SEQUENCE = '[[sources]]\nname = "s"\nkind = "sequence"\n'
LISTING = '[[sources]]\nname = "l"\nkind = "listing"\n'
LIST_URL = 'url = "http://127.0.0.1:9/news"\n'

CASES = [
    ("[fetch]\nper_host_interval = inf\n",
     "fetch.per_host_interval: must be a finite number, got inf"),
    ("[fetch]\nread_timeout = nan\n", "fetch.read_timeout: must be a finite number, got nan"),
    ("[fetch]\nper_host_interval = 1e9\n",
     "fetch.per_host_interval: must be between 0 and 3600, got 1000000000.0"),
    ("[telegram]\nmessages_per_second = 0\n",
     "telegram.messages_per_second: must be between 0.01 and 1000, got 0.0"),
    ("[watcher]\nstop_grace_seconds = -1\n",
     "watcher.stop_grace_seconds: must be between 0 and 300, got -1.0"),
    (SEQUENCE + 'url = "file:///etc/{id}"\n',
     "sources[0].url: must be an http(s) URL with a host, got 'file:///etc/{id}'"),
    (SEQUENCE + 'url = "javascript:alert({id})"\n',
     "sources[0].url: must be an http(s) URL with a host, got 'javascript:alert({id})'"),
    (LISTING + 'url = "javascript:void(0)"\nlink_pattern = "/news/"\n',
     "sources[0].url: must be an http(s) URL with a host, got 'javascript:void(0)'"),
    (SEQUENCE + 'url = "http://127.0.0.1:9/{id}"\nstart_id = 9223372036854775807\n',
     "sources[0].start_id: must be between 1 and 1000000000000, got 9223372036854775807"),
    (SEQUENCE + 'url = "http://127.0.0.1:9/{id}"\nmax_gap = 1000000000\n',
     "sources[0].max_gap: must be between 1 and 10000, got 1000000000"),
    (SEQUENCE + 'url = "http://127.0.0.1:9/{id}"\n[sources.selectors]\ntitle = "div[["\n',
     "sources[0].selectors.title: not a CSS selector (Malformed attribute selector at position"
     " 3): 'div[['"),
    ('[selectors]\nbody = "p:nth-child(x)"\n' + SEQUENCE + 'url = "http://127.0.0.1:9/{id}"\n',
     "sources[0].selectors.body: not a CSS selector (Invalid syntax for pseudo class"
     " ':nth-child'): 'p:nth-child(x)'"),
    (LISTING + LIST_URL + 'link_pattern = "/news/"\nlist_selector = "ul >> li"\n',
     "sources[0].list_selector: not a CSS selector"),
    (SEQUENCE + 'url = "http://127.0.0.1:9/{id}"\ninterval_seconds = 1000000000000000000\n',
     "sources[0].interval_seconds: must be between 1 and 604800, got 1000000000000000000"),
    (LISTING + LIST_URL + "link_pattern = '(a|aa)+$'\n",
     "sources[0].link_pattern: the regex backtracks catastrophically (over 0.1 s on a"
     " 41-character string): simplify it, e.g. no nested repeats like (a+)+: '(a|aa)+$'"),
    (LISTING + LIST_URL + "link_pattern = '^(/|\\w|/\\w)+$'\n",
     "sources[0].link_pattern: the regex backtracks catastrophically"),
]  # fmt: skip


@pytest.mark.parametrize(("text", "message"), CASES)
def test_each_mistake_is_one_line_at_load(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "watcher.toml"
    path.write_text(text, encoding="utf-8")
    tomllib.loads(text)  # the TOML itself is valid: the value is what is wrong
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert str(caught.value).startswith(f"{path}: {message}"), str(caught.value)
    assert "\n" not in str(caught.value)


def test_poll_refuses_a_hanging_config_with_exit_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "watcher.toml"
    config.write_text(
        "[fetch]\nper_host_interval = inf\n" + SEQUENCE + 'url = "http://127.0.0.1:9/{id}"\n'
    )
    monkeypatch.setenv("WATCHER_CONFIG", str(config))
    monkeypatch.setenv("WATCHER_DB", str(tmp_path / "w.db"))
    result = CliRunner().invoke(cli, ["poll", "--once"])
    assert result.exit_code == 2
    assert result.output == (
        f"Error: {config}: fetch.per_host_interval: must be a finite number, got inf\n"
    )


def test_sane_patterns_and_selectors_still_load(tmp_path: Path) -> None:
    path = tmp_path / "watcher.toml"
    path.write_text(
        LISTING + 'url = "https://www.thaigov.go.th/news/contents/{page}"\n'
        "link_pattern = '/news/contents/details/\\d+$'\nlist_selector = 'div.list a[href]'\n"
        + SEQUENCE + 'url = "https://www.thaigov.go.th/news/contents/details/{id}"\n'
        "start_id = 100\n",
        encoding="utf-8",
    )  # fmt: skip
    assert [s.name for s in load_config(path).sources] == ["l", "s"]


def test_a_match_over_budget_at_run_time_is_an_error_not_a_hang() -> None:
    """The backstop for a pattern the probes miss: matching takes a timeout."""
    slow = LinkPattern("(a|aa)+$", regex.compile(r"(a|aa)+$"), "link_pattern")  # as if probed
    url = "https://x.example/" + "a" * 60 + "!"
    with pytest.raises(ParseError) as caught:
        slow.search(url)
    assert str(caught.value) == (
        f"link_pattern: the regex took over {MATCH_SECONDS} s on one link ({url[:100]!r}…):"
        " simplify it"
    )
    sane = LinkPattern("x", regex.compile(r"/details/\d+$"), "link_pattern")
    assert sane.search("https://x.example/details/7") is not None
    assert sane.search("https://x.example/details/7" + "0" * 5000) is None  # too long a link
