"""The [[sources]] tables of the config file, read by the kinds that own their keys.

Each kind declares its keys once, as its `Options` dataclass (watcher/sources/sequence.py…): the
same declaration validates a table here and writes the configuration reference. The core's
config module reads the [sections] and knows nothing of kinds, so it imports nothing from here.
"""

from __future__ import annotations

import dataclasses
import typing
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from watcher.core.config import (
    PARSERS,
    SOURCE_COMMON,
    Config,
    SelectorSettings,
    SourceConfig,
    build_section,
    fits_type,
    parse_sections,
    read_toml,
    reference_markdown,
    type_name,
)
from watcher.core.errors import ConfigError
from watcher.sources import kind_options

__all__ = ["config_reference", "load_config", "parse_config", "source_from_table"]


def load_config(path: Path) -> Config:
    """The whole config file: its [sections] and its [[sources]], validated at once."""
    return parse_config(read_toml(path), path)


def parse_config(data: Mapping[str, Any], path: Path | None = None) -> Config:
    where = str(path or "<config>")
    config = parse_sections(data, path)
    raw_sources = data.get("sources", [])
    if not isinstance(raw_sources, list):
        raise ConfigError(f"{where}: sources: must be an array of tables ([[sources]])")
    selectors = config.selectors
    sources = tuple(
        source_from_table(raw, where, i, selectors) for i, raw in enumerate(raw_sources)
    )
    names = [s.name for s in sources]
    for name in names:
        if names.count(name) > 1:
            raise ConfigError(f"{where}: sources: name {name!r} is used twice")
    return dataclasses.replace(config, sources=sources)


def source_from_table(
    raw: Any, where: str = "<config>", index: int = 0,
    selectors: SelectorSettings | None = None,
) -> SourceConfig:  # fmt: skip
    """A [[sources]] table → SourceConfig; the kind's keys are checked against its Options."""
    key = f"sources[{index}]"
    if not isinstance(raw, dict):
        raise ConfigError(f"{where}: {key}: must be a table")
    kinds = kind_options()
    kind = raw.get("kind")
    if kind not in kinds:
        raise ConfigError(f"{where}: {key}.kind: must be one of {', '.join(kinds)}")
    for name in ("name", "url"):
        if name not in raw:
            raise ConfigError(f"{where}: {key}.{name}: required for a {kind} source")
    own = {name: value for name, value in raw.items() if name not in SOURCE_COMMON}
    option_fields = {f.name for f in dataclasses.fields(kinds[kind])}
    for name in own:
        if name not in option_fields:
            raise ConfigError(f"{where}: {key}.{name}: unknown key for a {kind} source")
    for f in dataclasses.fields(kinds[kind]):
        required = f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
        if required and f.name not in own:
            raise ConfigError(f"{where}: {key}.{f.name}: required for a {kind} source")
    common = {name: value for name, value in raw.items() if name in SOURCE_COMMON}
    base = selectors or SelectorSettings()
    overrides = common.pop("selectors", {})
    merged = build_section(SelectorSettings, overrides, where, f"{key}.selectors")
    common["selectors"] = dataclasses.replace(
        base, **{name: getattr(merged, name) for name in overrides}
    )
    hints = typing.get_type_hints(SourceConfig)
    for name, value in common.items():
        if name != "selectors" and not fits_type(value, hints[name]):
            raise ConfigError(
                f"{where}: {key}.{name}: expected {type_name(hints[name])},"
                f" got {type(value).__name__} {value!r}"
            )
    common.setdefault("parser", getattr(kinds[kind], "DEFAULT_PARSER", "thaigov"))
    if common["parser"] not in PARSERS:
        raise ConfigError(f"{where}: {key}.parser: must be one of {', '.join(PARSERS)}")
    options = build_section(kinds[kind], own, where, key)
    source = SourceConfig(**common, options=options)
    check = getattr(options, "check", None)
    if check is not None:
        try:
            check(source)
        except ValueError as error:
            raise ConfigError(f"{where}: {key}.{error}") from None
    if source.interval_seconds < 1:
        raise ConfigError(f"{where}: {key}.interval_seconds: must be at least 1")
    return source


def config_reference() -> str:
    """The configuration reference, generated from the sections' and the kinds' declarations."""
    lines = [reference_markdown()]
    lines += [
        "**[[sources]]** (every kind): `name`, `kind`, `url`, `parser` (`thaigov` | `article`,"
        " default `thaigov`), `selectors` (a table of [selectors] keys for this source),"
        " `interval_seconds` (900), `jitter_seconds` (30), `enabled` (true), `ignore_robots`"
        " (false: see Sources).",
        "",
    ]
    for kind, cls in kind_options().items():
        lines += [f'**kind = "{kind}"**', "", "| key | default | meaning |", "|---|---|---|"]
        hints = typing.get_type_hints(cls)
        for f in dataclasses.fields(cls):
            if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
                default = "required"
            else:
                default = f"`{f.default!r}`"
            kind_name = type_name(hints[f.name]).replace(" | ", " or ")
            lines.append(f"| `{f.name}` ({kind_name}) | {default} | {f.metadata['help']} |")
        lines.append("")
    return "\n".join(lines)
