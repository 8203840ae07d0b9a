"""A notify URL's short parts never reach the log, even at DEBUG (issue 27, #9): a real send to
a webhook receiver on 127.0.0.1, Apprise and urllib3 logging every request."""

from __future__ import annotations

import logging

import pytest

from tests.telegram_kit import store_item
from tests.test_apprise import Clock, drain, jobs, subscribe
from tests.webhook import WebhookReceiver, webhook
from watcher.core.logs import configure_logging
from watcher.store import Store

__all__ = ["webhook"]


def test_a_4_character_path_segment_is_masked_in_the_debug_log(
    store: Store, webhook: WebhookReceiver, capsys: pytest.CaptureFixture[str]
) -> None:
    address = webhook.url.split("://", 1)[1].split("/", 1)[0]  # 127.0.0.1:PORT
    url = f"json://user:pw9z@{address}/hook/ab1x"
    handler = configure_logging("DEBUG", "text", secrets=[])
    try:
        clock = Clock()
        subscribe(store, url, "JP")
        store_item(store, 1, "JP", at=clock.now)
        assert drain(jobs(store, clock)) == {"sent": 1}
    finally:
        logging.getLogger().removeHandler(handler)
    [message] = webhook.messages()
    assert message["path"] == "/hook/ab1x"  # the send itself went to the real path
    err = capsys.readouterr().err
    assert "JSON POST URL: http://*** " in err  # Apprise logged the request, masked
    assert "ab1x" not in err and "pw9z" not in err
