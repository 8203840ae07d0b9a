"""Imports point down the floors of watcher/__init__.py's map, and no module imports itself
back through another: a newcomer can read the tree top to bottom and trust the direction.

Every import counts, including those inside functions and under TYPE_CHECKING: a lazy import
keeps a start fast, it does not make an upward dependency right.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.conftest import ROOT

PACKAGE = ROOT / "watcher"
FLOORS: dict[str, int] = {
    "watcher.core": 1,
    "watcher.fetch": 2,
    "watcher.classify": 2,
    "watcher.match": 2,
    "watcher.store": 3,
    "watcher.ingest": 4,
    "watcher.query": 4,
    "watcher.sources": 5,
    "watcher.channels": 5,
    "watcher.daemon": 6,
    "watcher.cli": 7,
    "watcher.demo": 7,
    "watcher.browse": 7,
    "watcher.__main__": 7,
}


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def floor(module: str) -> int | None:
    for prefix, number in sorted(FLOORS.items(), key=lambda kv: -len(kv[0])):
        if module == prefix or module.startswith(prefix + "."):
            return number
    return None


def imports_of(path: Path, module: str) -> set[str]:
    """The watcher modules `path` imports, resolved to module names (relative ones too)."""
    found: set[str] = set()
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("watcher.")}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            if base == "watcher" or base.startswith("watcher."):
                for alias in node.names:
                    candidate = f"{base}.{alias.name}"
                    found.add(candidate if _is_module(candidate) else base)
    return {name for name in found if name != module}


def _is_module(name: str) -> bool:
    path = ROOT.joinpath(*name.split("."))
    return path.with_suffix(".py").exists() or (path / "__init__.py").exists()


def graph() -> dict[str, set[str]]:
    modules = {module_name(p): p for p in PACKAGE.rglob("*.py")}
    return {name: imports_of(path, name) for name, path in modules.items()}


def test_every_module_has_a_floor() -> None:
    homeless = sorted(m for m in graph() if m != "watcher" and floor(m) is None)
    assert not homeless, f"modules outside the map (add them to FLOORS): {homeless}"


def test_imports_only_point_down() -> None:
    upward = [
        f"{module} (floor {floor(module)}) imports {target} (floor {floor(target)})"
        for module, targets in graph().items()
        for target in sorted(targets)
        if module != "watcher" and (floor(target) or 0) > (floor(module) or 0)
    ]
    assert not upward, "\n".join(upward)


def test_no_import_circles() -> None:
    edges = graph()
    circles: list[list[str]] = []
    state: dict[str, int] = {}  # 1 on the stack, 2 done

    def visit(module: str, stack: list[str]) -> None:
        state[module] = 1
        for target in sorted(edges.get(module, ())):
            if state.get(target) == 1:
                circles.append([*stack[stack.index(target) :], target])
            elif target in edges and target not in state:
                visit(target, [*stack, target])
        state[module] = 2

    for module in sorted(edges):
        if module not in state:
            visit(module, [module])
    # a package's __init__ that re-exports its own modules is not a circle of design
    real = [c for c in circles if not _own_reexport(c)]
    assert not real, "\n".join(" → ".join(c) for c in real)


def _own_reexport(circle: list[str]) -> bool:
    packages = {m for m in circle if (ROOT.joinpath(*m.split(".")) / "__init__.py").exists()}
    return any(all(m == p or m.startswith(p + ".") for m in circle) for p in packages)


@pytest.mark.parametrize("folder", sorted(p.name for p in PACKAGE.iterdir() if p.is_dir()
                                          and (p / "__init__.py").exists()))  # fmt: skip
def test_the_map_names_every_folder(folder: str) -> None:
    import watcher

    assert f"{folder}/" in (watcher.__doc__ or ""), f"watcher/__init__.py's map lacks {folder}/"
