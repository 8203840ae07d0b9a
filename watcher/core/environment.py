"""What comes from the environment: the config and database paths, and the secrets.

Apart from config.py because every command needs it, and a command that only reads the database
(`seen list`, `search`) should not pay for parsing and checking the config's tables at start.
"""

from __future__ import annotations

import os
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from watcher.core.errors import ConfigError

__all__ = [
    "DEFAULT_CONFIG",
    "DEFAULT_DB",
    "MIN_SECRET",
    "Environment",
    "default_config_path",
    "load_environment",
    "repo_config_dir",
    "secrets_of",
]

DEFAULT_CONFIG = Path("config/watcher.toml")
DEFAULT_DB = Path("state/watcher.db")
MIN_SECRET = 16  # WATCHER_SECRET signs unsubscribe links: too short is guessable


def repo_config_dir() -> Path:
    """config/ of the source checkout the package runs from (editable installs, the demo)."""
    return Path(__file__).resolve().parents[2] / "config"


def default_config_path(environ: Mapping[str, str] = os.environ) -> Path:
    if environ.get("WATCHER_CONFIG"):
        return Path(environ["WATCHER_CONFIG"])
    if DEFAULT_CONFIG.exists():
        return DEFAULT_CONFIG
    return repo_config_dir() / "watcher.toml"


@dataclass(frozen=True)
class Environment:
    """What comes from the environment: paths, and secrets that are never logged or stored."""

    config_path: Path
    db_path: Path
    telegram_token: str | None = field(default=None, repr=False)
    telegram_base_url: str | None = None
    smtp_host: str | None = None
    smtp_port: int | None = None
    smtp_user: str | None = None
    smtp_password: str | None = field(default=None, repr=False)
    smtp_from: str | None = None
    smtp_tls: str = "none"
    secret: str | None = field(default=None, repr=False)  # WATCHER_SECRET: signs links


def secrets_of(env: Environment) -> tuple[str | None, ...]:
    """The environment's secrets, for the redactor: never printed, never logged."""
    return (env.telegram_token, env.smtp_password, env.secret)


def load_environment(environ: Mapping[str, str] = os.environ) -> Environment:
    tls = environ.get("SMTP_TLS", "none") or "none"
    if tls not in ("none", "starttls", "ssl"):
        raise ConfigError(f"environment: SMTP_TLS: must be none, starttls or ssl, not {tls!r}")
    port_text = environ.get("SMTP_PORT") or None
    if port_text is not None and not port_text.isdigit():
        raise ConfigError(f"environment: SMTP_PORT: must be a port number, not {port_text!r}")
    secret = environ.get("WATCHER_SECRET") or None
    if secret is not None and len(secret) < MIN_SECRET:
        raise ConfigError(
            f"environment: WATCHER_SECRET: at least {MIN_SECRET} characters (make one with"
            " `python -c 'import secrets; print(secrets.token_urlsafe(32))'`)"
        )
    base_url = environ.get("TELEGRAM_API_BASE_URL") or None
    if base_url is not None:
        _check_base_url(base_url)
    return Environment(
        config_path=default_config_path(environ),
        db_path=Path(environ.get("WATCHER_DB") or DEFAULT_DB),
        telegram_token=environ.get("TELEGRAM_BOT_TOKEN") or None,
        telegram_base_url=base_url,
        smtp_host=environ.get("SMTP_HOST") or None,
        smtp_port=int(port_text) if port_text else None,
        smtp_user=environ.get("SMTP_USER") or None,
        smtp_password=environ.get("SMTP_PASSWORD") or None,
        smtp_from=environ.get("SMTP_FROM") or None,
        smtp_tls=tls,
        secret=secret,
    )


def _check_base_url(url: str) -> None:
    """TELEGRAM_API_BASE_URL must be an http(s) URL with a host (and a valid port, if any)."""
    problem = f"environment: TELEGRAM_API_BASE_URL: must be an http:// or https:// URL, not {url!r}"
    try:
        parts = urllib.parse.urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a port outside 0-65535 or not a number
    except ValueError:
        raise ConfigError(problem) from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(problem)
