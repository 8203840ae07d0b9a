"""The README and docs/ stay true: their commands parse against the CLI, the README's queries
return rows on the shipped sample, the config reference is current, the layout map is the
package's, and the README stays a five-minute read."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import click
import pytest

from scripts.update_readme import render
from tests.conftest import ROOT
from watcher.cli import cli

README = (ROOT / "README.md").read_text(encoding="utf-8")
DOCS = {p.name: p.read_text(encoding="utf-8") for p in sorted((ROOT / "docs").glob("*.md"))}
MAX_README_LINES = 250
SAMPLE = ROOT / "watcher" / "data" / "demo-sample.jsonl.xz"


def readme_commands(text: str = README) -> list[str]:
    blocks = re.findall(r"```sh\n(.*?)```", text, re.S)
    commands = []
    for block in blocks:
        for line in block.splitlines():
            for part in line.split("#")[0].split("&&"):
                part = part.strip()
                if part.startswith("watcher "):
                    commands.append(part)
    return commands


def test_readme_shows_the_two_setup_commands() -> None:
    assert 'pip install -e ".[dev]" && watcher demo --duration 30' in README
    assert "python -m pytest" in README
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "python -m pytest" in ci and 'pip install -q -e ".[dev]"' in ci


def documented_commands() -> list[str]:
    """The README's commands, then docs/'s (each command once)."""
    commands = readme_commands()
    for text in DOCS.values():
        commands += [c for c in readme_commands(text) if c not in commands]
    return commands


def test_readme_is_a_five_minute_read_in_the_newcomers_order() -> None:
    assert len(README.splitlines()) <= MAX_README_LINES
    headings = re.findall(r"^## (.+)$", README, re.M)
    assert headings == ["Set up: two commands", "The first fifteen minutes", "Going live",
                        "Alerts on words", "Where to read more"]  # fmt: skip
    assert "20 September 2025" in README and "@BotFather" in README
    for link in re.findall(r"\]\((docs/[^)#]+)\)", README):
        assert (ROOT / link).exists(), link


@pytest.mark.parametrize("command", documented_commands())
def test_readme_command_parses(
    command: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every `watcher …` line names a real command whose options and arguments parse."""
    monkeypatch.chdir(ROOT)
    args = shlex.split(command)[1:]
    for index, arg in enumerate(args):
        if arg.endswith(".jsonl") and not (ROOT / arg).exists():  # ../shared: not everywhere
            stand_in = tmp_path / Path(arg).name
            stand_in.touch()
            args[index] = str(stand_in)
    group: click.Command = cli
    while args[:1] == ["--db"]:  # the global option before the command name
        del args[:2]
    if args == ["--version"]:
        return
    while isinstance(group, click.Group) and args and args[0] in group.commands:
        group = group.commands[args.pop(0)]
    assert not isinstance(group, click.Group), f"{command}: incomplete command"
    with group.make_context(group.name or "", list(args)):
        pass


def test_config_reference_is_current() -> None:
    text = DOCS["configuration.md"]
    assert "<!-- config-reference:start -->" in text
    assert render(text) == text, "run: python scripts/update_readme.py"


def test_the_layout_map_is_the_packages() -> None:
    """docs/architecture.md opens with watcher/__init__.py's map, one line a package."""
    import watcher

    mapped = [line[4:] for line in (watcher.__doc__ or "").splitlines() if line.startswith("    ")]
    block = re.search(r"## Layout\n.*?```text\n(.*?)```", DOCS["architecture.md"], re.S)
    assert block and block.group(1).splitlines() == mapped
    packages = sorted(p.parent.name + "/" for p in (ROOT / "watcher").glob("*/__init__.py"))
    assert sorted(line.split()[0] for line in mapped) == packages


def test_readme_queries_return_rows_on_the_shipped_sample(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first fifteen minutes' queries, on `watcher import` of the package's sample: each
    answers with rows (its hashes and dates are the sample's)."""
    from click.testing import CliRunner

    monkeypatch.setenv("WATCHER_DB", str(tmp_path / "sample.db"))
    monkeypatch.setenv("WATCHER_CONFIG", str(ROOT / "config" / "watcher.toml"))
    monkeypatch.chdir(ROOT)
    runner = CliRunner()
    imported = runner.invoke(cli, ["import", str(SAMPLE)], catch_exceptions=False)
    assert imported.stdout.startswith("imported: 300 new, 0 duplicate"), imported.output
    queries = [c for c in readme_commands() if re.match(r"watcher (seen|search|stats)\b", c)
               and "--plot" not in c]  # fmt: skip
    assert len(queries) == 5
    for command in queries:
        result = runner.invoke(cli, shlex.split(command)[1:], catch_exceptions=False)
        assert result.exit_code == 0, (command, result.output)
        assert len(result.stdout.strip().splitlines()) >= 3, (command, result.output)


def test_the_alerts_on_words_commands_run_on_the_shipped_sample(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The "Alerts on words" section, run as printed on the sample: the preview finds items,
    each subscription is added as it says, the edit and the digest preview answer."""
    from click.testing import CliRunner

    monkeypatch.setenv("WATCHER_DB", str(tmp_path / "sample.db"))
    monkeypatch.setenv("WATCHER_CONFIG", str(ROOT / "config" / "watcher.toml"))
    monkeypatch.chdir(ROOT)
    runner = CliRunner()
    runner.invoke(cli, ["import", str(SAMPLE)], catch_exceptions=False)
    section = README[README.index("## Alerts on words") : README.index("## Where to read more")]
    commands = readme_commands(section)
    assert len(commands) == 7
    outputs = []
    for command in commands:
        result = runner.invoke(cli, shlex.split(command)[1:], catch_exceptions=False)
        assert result.exit_code == 0, (command, result.output)
        outputs.append(result.stdout)
    preview, first, weekly, email, edited, listed, digest = outputs
    count = int(preview.split(": ")[1].split(" ")[0])
    assert count > 0 and "would have matched; the newest:" in preview
    assert first == "subscriber 1 (telegram 123456789, instant): + รถยนต์ไฟฟ้า OR EV\n"
    assert weekly.startswith("subscriber 1 (telegram 123456789, weekly): + JP semiconductor OR")
    assert email.startswith("subscriber 2 (email desk@example.org, daily): + industry -งบประมาณ")
    assert "weekly on fri; quiet 22:00–07:00 (silent)" in edited
    assert "รถยนต์ไฟฟ้า OR EV" in listed and "(weekly)" in listed
    assert "(preview: nothing sent)" in digest and "skipped" in digest
