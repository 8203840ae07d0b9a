"""What every command shares: environment, config and store, opened once and only when needed."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import click

from watcher.config import Config, Environment, load_config, load_environment
from watcher.store import Store

if TYPE_CHECKING:
    from watcher.classify import Classifier

__all__ = ["AppContext", "pass_app"]


@dataclass
class AppContext:
    env: Environment = field(default_factory=lambda: load_environment(os.environ))
    _config: Config | None = None
    _store: Store | None = None
    _classifier: Classifier | None = None

    @property
    def config(self) -> Config:
        if self._config is None:
            self._config = load_config(self.env.config_path)
        return self._config

    @property
    def store(self) -> Store:
        if self._store is None:
            self._store = Store.open(self.env.db_path)
        return self._store

    @property
    def classifier(self) -> Classifier:
        if self._classifier is None:
            from watcher.classify import Classifier, default_gazetteer_dir

            self._classifier = Classifier.from_dir(default_gazetteer_dir())
        return self._classifier

    def __post_init__(self) -> None:
        """The environment's secrets are masked in every log line and error printed."""
        from watcher.logs import add_secrets

        add_secrets((self.env.telegram_token, self.env.smtp_password))

    def setup_logging(self, level: str | None = None) -> None:
        """Logging as configured, with this environment's secrets redacted from every line."""
        from watcher.logs import configure_logging

        settings = self.config.watcher
        secrets = (self.env.telegram_token, self.env.smtp_password)
        configure_logging(level or settings.log_level, settings.log_format, secrets)

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None


pass_app = click.make_pass_decorator(AppContext, ensure=True)
