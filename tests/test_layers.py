"""The package's layers, read from its imports (function-level ones included).

From the bottom up: foundations (errors, settings, ...), the pipeline stages (media, face,
speech, motion), the engines, the jobs, the API, and the applications (CLI, web page, RunPod
worker). A module imports only from its own layer or those below, and no two modules import
each other, however indirectly. The README's "How it works" draws the same rings.
"""

from __future__ import annotations

import ast
from pathlib import Path

import talkinghead

PACKAGE = Path(talkinghead.__file__).parent
LAYERS = {  # top-level module or subpackage of talkinghead -> its ring, 0 innermost
    "errors": 0, "events": 0, "settings": 0, "version": 0, "processes": 0, "samples": 0,
    "filters": 0,
    "media": 1, "face": 1, "speech": 1, "motion": 1,
    "engines": 2,
    "jobs": 3,
    "api": 4,
    "cli": 5, "web": 5, "runpod_worker": 5, "doctor": 5, "models_command": 5, "__main__": 5,
}
PACKAGE_ROOT = "talkinghead"  # its __init__ offers `talkinghead.render`, loaded on first call


def module_names() -> dict[str, Path]:
    names = {}
    for path in PACKAGE.rglob("*.py"):
        parts = ["talkinghead", *path.relative_to(PACKAGE).with_suffix("").parts]
        if parts[-1] == "__init__":
            parts.pop()
        names[".".join(parts)] = path
    return names


def imports_of(name: str, path: Path, known: set[str]) -> set[str]:
    """The talkinghead modules `name` imports, anywhere in its body."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([node.module] if node.module else [])])
            targets = [f"{base}.{alias.name}" for alias in node.names] + [base]
        else:
            continue
        for target in targets:
            while target and target not in known:
                target = target.rpartition(".")[0]
            if target.startswith("talkinghead") and target != name:
                found.add(target)
    return found


def graph() -> dict[str, set[str]]:
    names = module_names()
    return {name: imports_of(name, path, set(names)) for name, path in names.items()}


def ring(name: str) -> int:
    if name == PACKAGE_ROOT:
        return LAYERS["api"]
    return LAYERS[name.split(".")[1]]


def test_every_module_has_a_ring():
    unplaced = {name.split(".")[1] for name in module_names() if name != PACKAGE_ROOT} - set(
        LAYERS)
    assert not unplaced, f"place these in LAYERS (and the README's rings): {sorted(unplaced)}"


def test_modules_import_only_from_their_ring_or_below():
    upward = [f"{name} (ring {ring(name)}) imports {target} (ring {ring(target)})"
              for name, targets in graph().items() for target in sorted(targets)
              if target != PACKAGE_ROOT and ring(target) > ring(name)]
    assert not upward, "\n".join(upward)


def test_no_import_cycles():
    edges = graph()
    cycles = []
    state: dict[str, int] = {}  # 1 on the current path, 2 finished

    def visit(name: str, path: list[str]) -> None:
        state[name] = 1
        for target in sorted(edges[name]):
            if target == PACKAGE_ROOT:
                continue
            if state.get(target) == 1:
                cycles.append(" -> ".join([*path[path.index(target):], target]))
            elif target not in state:
                visit(target, [*path, target])
        state[name] = 2

    for name in sorted(edges):
        if name not in state:
            visit(name, [name])
    assert not cycles, "\n".join(cycles)


def test_the_walk_sees_function_level_imports(tmp_path):
    module = tmp_path / "late.py"
    module.write_text("def f():\n    from .api import render\n    return render\n")
    assert imports_of("talkinghead.late", module, {"talkinghead.api"}) == {"talkinghead.api"}
