"""Builders for the e-mail tests: labelled items first seen on a Bangkok day, subscribers, and
the environment that points the e-mail channel at a test SMTP server."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from tests.smtp import SmtpServer
from watcher.core.config import Environment
from watcher.core.corpus import Item
from watcher.match.subscriptions import Subscriber, Subscription
from watcher.store import Store, StoredItem

BANGKOK = ZoneInfo("Asia/Bangkok")
DAY = dt.date(2026, 11, 19)


def labels(
    countries: Sequence[str] = (),
    ministries: Sequence[str] = (),
    blocs: Sequence[str] = (),
) -> dict[str, Any]:
    """Labels as the classifier writes them; the first country/ministry leads."""
    return {
        "countries": list(countries),
        "primary": list(countries[:1]),
        "blocs": list(blocs),
        "ministries": list(ministries),
        "lead_ministry": ministries[0] if ministries else None,
        "evidence": [],
    }


def add_item(
    store: Store,
    title: str,
    *,
    countries: Sequence[str] = (),
    ministries: Sequence[str] = (),
    blocs: Sequence[str] = (),
    day: dt.date = DAY,
    hour: int = 9,
    body: str | None = None,
    origin: str = "poll",
    alert: bool = False,
) -> StoredItem:
    """Store an item first seen at `hour` o'clock Bangkok time on `day`."""
    source_id = 90000 + int(hashlib.sha256(title.encode()).hexdigest()[:6], 16) % 9999
    item = Item(
        title=title,
        body=body or f"{title} ประโยคแรกของข่าว ประโยคที่สองของข่าว ประโยคที่สามของข่าว",
        url=f"https://www.thaigov.go.th/news/contents/details/{source_id}",
        source_id=source_id,
        category="ข่าวทำเนียบรัฐบาล",
        published=day.isoformat(),
    )
    seen_at = dt.datetime.combine(day, dt.time(hour), tzinfo=BANGKOK)
    outcome = store.add_item(
        item,
        origin=origin,
        seen_at=seen_at,
        labels=labels(countries, ministries, blocs),
        alert=alert,
    )
    stored = store.get_item(outcome.hash)
    assert stored is not None
    return stored


def add_subscriber(
    store: Store,
    address: str,
    *,
    countries: Sequence[str] = (),
    ministries: Sequence[str] = (),
    everything: bool = False,
    mode: str = "daily",
) -> Subscriber:
    at = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
    subscriber = store.add_subscriber("email", address, mode=mode, at=at)
    subscription = Subscription(
        countries=tuple(countries), ministries=tuple(ministries), everything=everything
    )
    store.add_subscription(subscriber.id, subscription)
    found = store.get_subscriber(subscriber.id)
    assert found is not None
    return found


def environment(server: SmtpServer, **changes: Any) -> Environment:
    settings: dict[str, Any] = {
        "config_path": Path("config/watcher.toml"),
        "db_path": Path("unused.db"),
        "smtp_host": server.host,
        "smtp_port": server.port,
        "smtp_from": "watcher@example.org",
        "smtp_tls": "none",
    }
    return Environment(**{**settings, **changes})
