"""Config and environment: every mistake is an error naming the file and the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import ROOT
from watcher.core.config import load_environment
from watcher.core.errors import ConfigError
from watcher.sources.settings import load_config, parse_config

GOOD_SOURCE = {"name": "news", "kind": "sequence", "url": "http://x/{id}"}


def test_shipped_config_is_valid() -> None:
    config = load_config(ROOT / "config" / "watcher.toml")
    assert [s.name for s in config.sources if s.enabled] == ["news", "ministry-news"]
    assert all(s.options.start_id is None for s in config.sources)  # the frontier is found
    assert config.selectors.body == "div.border-normal.clearfix"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"fetch": {"max_byte": 1}}, "fetch.max_byte: unknown key"),
        ({"fetch": {"max_bytes": "5MB"}}, "fetch.max_bytes: expected int"),
        ({"fetch": {"retries": True}}, "fetch.retries: expected int"),
        ({"telegram": {"admin_chat_ids": ["x"]}}, "telegram.admin_chat_ids: expected"),
        ({"watcher": {"timezone": "Mars/Base"}}, "watcher.timezone: unknown zone"),
        ({"watcher": {"log_format": "xml"}}, "watcher.log_format: must be text or json"),
        ({"nonsense": {}}, "unknown section [nonsense]"),
        ({"sources": {"name": "x"}}, "sources: must be an array"),
        ({"sources": [{**GOOD_SOURCE, "kind": "rss"}]}, "sources[0].kind: must be one of"),
        (
            {"sources": [{**GOOD_SOURCE, "link_pattern": "x"}]},
            "sources[0].link_pattern: unknown key",
        ),
        ({"sources": [{"kind": "sequence", "url": "http://x/{id}"}]}, "sources[0].name: required"),
        (
            {"sources": [{**GOOD_SOURCE, "url": "http://x/1"}]},
            "sources[0].url: a sequence url needs",
        ),
        (
            {"sources": [{**GOOD_SOURCE, "interval_seconds": 0}]},
            "interval_seconds: must be at least",
        ),
        ({"sources": [GOOD_SOURCE, GOOD_SOURCE]}, "name 'news' is used twice"),
        (
            {"sources": [{"name": "l", "kind": "listing", "url": "http://x", "link_pattern": "("}]},
            "sources[0].link_pattern: bad regex",
        ),
    ],
)
def test_mistakes_name_file_and_key(data: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError, match=r"^watcher\.toml: ") as caught:
        parse_config(data, Path("watcher.toml"))
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)


def test_bad_toml_and_missing_file(tmp_path: Path) -> None:
    broken = tmp_path / "w.toml"
    broken.write_text("[fetch\nmax_bytes = 1", encoding="utf-8")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(broken)
    with pytest.raises(ConfigError, match="config file not found"):
        load_config(tmp_path / "missing.toml")


def test_environment() -> None:
    env = load_environment({"WATCHER_DB": "/x/w.db", "TELEGRAM_BOT_TOKEN": "123:abc",
                            "SMTP_PORT": "2525", "SMTP_TLS": "starttls"})  # fmt: skip
    assert (str(env.db_path), env.smtp_port, env.smtp_tls) == ("/x/w.db", 2525, "starttls")
    assert "123:abc" not in repr(env)
    with pytest.raises(ConfigError, match="SMTP_TLS"):
        load_environment({"SMTP_TLS": "tls1.3"})
    with pytest.raises(ConfigError, match="SMTP_PORT"):
        load_environment({"SMTP_PORT": "smtp"})
