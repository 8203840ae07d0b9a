"""Logs at INFO hold the watcher's own lines and libraries' warnings: no library's DEBUG line
(Apprise logs every JSON payload it posts), no message's text. `--log-level` is the one switch."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.telegram_kit import store_item
from tests.test_apprise import Clock, drain, jobs, subscribe
from tests.webhook import WebhookReceiver, webhook
from watcher.cli import cli
from watcher.core.logs import configure_logging
from watcher.store import Store

__all__ = ["webhook"]


@pytest.fixture
def restore_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


@pytest.mark.parametrize("level", ["INFO", "DEBUG"])
def test_an_apprise_send_at_info_logs_no_payload(
    store: Store, webhook: WebhookReceiver, capsys: pytest.CaptureFixture[str],
    restore_logging: None, level: str,
) -> None:  # fmt: skip
    configure_logging(level)
    clock = Clock()
    subscribe(store, webhook.url, "JP")
    store_item(store, 1, "JP", at=clock.now)
    logging.getLogger("watcher.test").info("the watcher's own line")
    logging.getLogger("telegram.ext").info("a library's INFO line")
    assert drain(jobs(store, clock)) == {"sent": 1}
    err = capsys.readouterr().err
    assert "INFO watcher.test: the watcher's own line" in err
    if level == "INFO":
        assert " DEBUG " not in err and "Payload" not in err and "a library's INFO" not in err
        assert "นายกรัฐมนตรี" not in err  # the alert's text never reaches the log
    else:  # asked for: everything, the library's lines included
        assert "DEBUG apprise" in err and "a library's INFO line" in err


def test_log_level_is_one_switch_over_every_command(tmp_path: Path, restore_logging: None) -> None:
    env = {"WATCHER_DB": str(tmp_path / "w.db")}
    result = CliRunner().invoke(cli, ["--log-level", "warning", "codes", "blocs"], env=env)
    assert result.exit_code == 0, result.output
    handler = [h for h in logging.getLogger().handlers if getattr(h, "_watcher", False)][-1]
    assert handler.level == logging.WARNING
    wrong = CliRunner().invoke(cli, ["--log-level", "loud", "codes"], env=env)
    assert wrong.exit_code == 2
    assert "Invalid value for '--log-level': 'loud' is not one of" in wrong.output
