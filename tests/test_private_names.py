"""No module reaches into another's private names (the design principle, checked on every file).

A leading underscore says "this may change without notice": a module that imports
another's ``_name``, or the product's code calling ``module._name``, breaks the moment
the owner tidies up. Tests may still patch a library module's internals to watch which
path runs (``monkeypatch.setattr(core, "_stage_fast", spy)``), but never import them,
and shared test helpers are public.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from metrics.framework import REPO_ROOT

PROJECT = ("metrics", "dashboard", "tests", "tools", "benchmarks")
PRODUCT = ("metrics", "dashboard", "tools", "benchmarks", "app.py")


def _files() -> list[Path]:
    out = [REPO_ROOT / "app.py"]
    for top in PROJECT:
        out += sorted((REPO_ROOT / top).rglob("*.py"))
    return [p for p in out if ".venv" not in p.parts]


def _module_of(path: Path) -> str:
    rel = path.relative_to(REPO_ROOT).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def _ours(module: str) -> bool:
    return module.split(".")[0] in PROJECT


def reach_ins(path: Path) -> list[str]:
    """Each private name ``path`` imports from another project module, and (for product code)
    each ``module._name`` it reads from a project module it imported."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    me = _module_of(path)
    product = path.relative_to(REPO_ROOT).parts[0] in PRODUCT
    modules: dict[str, str] = {}  # local name -> project module
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and _ours(node.module) and node.level == 0:
            for alias in node.names:
                if _private(alias.name) and node.module != me:
                    found.append(f"{path.name}:{node.lineno} imports {node.module}.{alias.name}")
                else:
                    modules[alias.asname or alias.name] = f"{node.module}.{alias.name}"
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if _ours(alias.name):
                    modules[alias.asname or alias.name.split(".")[0]] = alias.name
    if product:
        for node in ast.walk(tree):
            if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                    and node.value.id in modules and _private(node.attr) and modules[node.value.id] != me):
                found.append(f"{path.name}:{node.lineno} reads {modules[node.value.id]}.{node.attr}")
    return found


@pytest.mark.parametrize("path", _files(), ids=lambda p: str(p.relative_to(REPO_ROOT)))
def test_no_module_reaches_into_another_modules_private_names(path: Path) -> None:
    assert reach_ins(path) == []


def test_the_check_sees_a_reach_in(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The scan must be able to fail: a file importing and reading private names is caught."""
    import tests.test_private_names as me

    fake_root = tmp_path
    (fake_root / "metrics").mkdir()
    bad = fake_root / "metrics" / "bad.py"
    bad.write_text("from metrics.results import _frame\nfrom metrics import geo\ngeo._load.cache_clear()\n",
                   encoding="utf-8")
    monkeypatch.setattr(me, "REPO_ROOT", fake_root)
    assert reach_ins(bad) == ["bad.py:1 imports metrics.results._frame", "bad.py:3 reads metrics.geo._load"]
