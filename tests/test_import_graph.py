"""metrics/ has no import circle and no import up a layer: each module can be read, and moved,
without the ones that use it.

Every import counts, at the top of a module or inside a function (a lazy import
hides a circle from Python, not from the reader who follows it).
"""

from __future__ import annotations

import ast
from pathlib import Path

from metrics.framework import REPO_ROOT


def import_graph(root: Path) -> dict[str, set[str]]:
    """Module -> the project modules it imports, for every module under ``root / "metrics"``."""
    files = {}
    for path in (root / "metrics").rglob("*.py"):
        parts = list(path.relative_to(root).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        files[".".join(parts)] = path
    graph: dict[str, set[str]] = {m: set() for m in files}
    for module, path in files.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                named = [f"{node.module}.{a.name}" for a in node.names]
                targets = [n if n in files else node.module for n in named]
            elif isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            else:
                continue
            graph[module] |= {t for t in targets if t in files and t != module}
    return graph


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_metrics_has_no_import_circle() -> None:
    assert circles(import_graph(REPO_ROOT)) == []


def test_a_circle_is_found(tmp_path: Path) -> None:
    (tmp_path / "metrics").mkdir()
    (tmp_path / "metrics" / "a.py").write_text("from metrics.b import x\n", encoding="utf-8")
    (tmp_path / "metrics" / "b.py").write_text("def f():\n    from metrics import a\n", encoding="utf-8")
    (tmp_path / "metrics" / "__init__.py").write_text("", encoding="utf-8")
    assert circles(import_graph(tmp_path)) == [["metrics.a", "metrics.b"]]


#: The layers of docs/ARCHITECTURE.md, lowest first. A module may import its own layer or
#: those below it, never one above: a reader does not call the engine, the engine does not
#: call a use case. Every module must be placed (a new one is placed when it is added).
LAYERS: list[tuple[str, set[str]]] = [
    ("vocabulary and statistics", {
        "stats", "labels", "display", "spreadsheet", "periods", "framework", "passwords", "throttle",
        "scorecard", "publish", "io.faults", "io.workbook"}),
    ("store", {"store", "derived", "shared", "lookups", "geo"}),
    ("readers", {"io", "neighbours", "ofsted"}),
    ("reads", {"results", "comparisons", "subgroups", "weak_areas", "summary", "changes"}),
    ("team", {"auth", "batches", "judgements", "watchlist", "shared_migrate"}),
    ("use cases", {"services", "fetch", "published", "demo", "pack", "cli", "__main__"}),
]


def layer_of(module: str) -> int | None:
    """The layer of ``metrics.x.y``: the most specific name listed (``io.faults`` before ``io``)."""
    name = module.removeprefix("metrics").removeprefix(".")
    if not name:
        return 0  # the package itself
    parts = name.split(".")
    for size in range(len(parts), 0, -1):
        prefix = ".".join(parts[:size])
        for i, (_, members) in enumerate(LAYERS):
            if prefix in members:
                return i
    return None


def test_every_module_has_a_layer() -> None:
    assert [m for m in import_graph(REPO_ROOT) if layer_of(m) is None] == []


def test_no_import_runs_up_a_layer() -> None:
    graph = import_graph(REPO_ROOT)
    upward = [f"{m} ({LAYERS[layer_of(m)][0]}) imports {d} ({LAYERS[layer_of(d)][0]})"  # type: ignore[index]
              for m, deps in sorted(graph.items()) for d in sorted(deps)
              if (layer_of(d) or 0) > (layer_of(m) or 0)]
    assert upward == []


def test_layers_name_the_most_specific_module() -> None:
    assert layer_of("metrics.io.faults") == 0 and layer_of("metrics.io.core") == 2
    assert layer_of("metrics.stats.trend") == 0 and layer_of("metrics.services") == len(LAYERS) - 1
