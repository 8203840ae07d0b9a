"""What every command shares: environment, config and store, opened once and only when needed.

The database is `--db PATH`, else WATCHER_DB, else state/watcher.db in the working directory,
always shown resolved to an absolute path. Commands that only read (see NEEDS_EXISTING_DB in
watcher/cli/__init__.py) never create it: a missing database is an error that names the path,
because an empty new one would answer every question with a silent "nothing".
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import click

from watcher.core.environment import Environment, load_environment, secrets_of
from watcher.core.errors import StoreError

if TYPE_CHECKING:
    from watcher.classify import Classifier
    from watcher.core.config import Config
    from watcher.store import Store

__all__ = ["AppContext", "missing_database_message", "pass_app"]


def missing_database_message(path: Path) -> str:
    return (
        f"{path}: no database here; create it with `watcher import PATH…` (history) or"
        " `watcher run` (poll the site), or point --db / WATCHER_DB at an existing one"
    )


@dataclass
class AppContext:
    env: Environment = field(default_factory=lambda: load_environment(os.environ))
    db_override: Path | None = None
    log_level: str | None = None  # `watcher --log-level`: the one switch, over any default
    read_only: bool = False
    verify: bool = False  # quick_check at open (see ONLY_READ in watcher/cli/__init__.py)
    _config: Config | None = None
    _store: Store | None = None
    _classifier: Classifier | None = None
    _logging: bool = False  # set by setup_logging: messages then go through the log

    @property
    def config(self) -> Config:
        if self._config is None:
            from watcher.sources.settings import load_config

            self._config = load_config(self.env.config_path)
        return self._config

    @property
    def db_path(self) -> Path:
        """The database this command uses, absolute, so messages say which file it really is."""
        chosen = self.db_override or self.env.db_path
        return Path(os.path.abspath(chosen.expanduser()))

    @property
    def store(self) -> Store:
        if self._store is None:
            path = self.db_path
            if self.read_only and not path.is_file():
                raise StoreError(missing_database_message(path))
            from watcher.store import Store

            self._store = Store.open(
                path,
                create=not self.read_only,
                on_upgrade=self._upgrading,
                verify=self.verify,
                mapped=not self.verify,  # a command that only reads, once
            )
        return self._store

    @property
    def classifier(self) -> Classifier:
        if self._classifier is None:
            from watcher.classify import Classifier, default_gazetteer_dir

            self._classifier = Classifier.from_dir(default_gazetteer_dir())
        return self._classifier

    def __post_init__(self) -> None:
        """The environment's secrets are masked in every log line and error printed."""
        from watcher.core.redaction import add_secrets

        add_secrets(secrets_of(self.env))

    def setup_logging(self, level: str | None = None) -> None:
        """Logging as configured, with this environment's secrets redacted from every line."""
        from watcher.core.logs import configure_logging

        settings = self.config.watcher
        chosen = self.log_level or level or settings.log_level
        configure_logging(chosen, settings.log_format, secrets_of(self.env))
        self._logging = True

    def _upgrading(self, old: int, new: int) -> None:
        """Said before a migration runs: on stderr, or in the log of a command that keeps one
        (`watcher run` under JSON logging must not get a stray plain line)."""
        message = (
            f"{self.db_path}: upgrading the database from schema {old} to {new}, once;"
            " on a large history this takes a minute"
        )
        if self._logging:
            import logging

            logging.getLogger("watcher.store").warning(message)
        else:
            click.echo(message, err=True)

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None


pass_app = click.make_pass_decorator(AppContext, ensure=True)
