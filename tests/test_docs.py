"""Keep the docs honest: every CLI command and every page is named in the README or the app."""

from __future__ import annotations

import argparse

from metrics.cli import build_parser
from metrics.framework import REPO_ROOT


def test_every_cli_command_is_in_the_readme() -> None:
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    sub = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    missing = [name for name in sub.choices if f"jar {name}" not in readme]
    assert missing == []


def test_every_page_file_is_registered_in_the_app() -> None:
    from tests.support.server import registered_pages

    registered = set(registered_pages())
    assert "home" in registered  # the reading of app.py found the pages at all
    files = {p.stem for p in (REPO_ROOT / "dashboard" / "pages").glob("*.py")}
    assert files == registered


def test_the_architecture_page_names_only_what_exists() -> None:
    """docs/ARCHITECTURE.md walks a page view and an import through named functions and files:
    each dotted name must resolve and each file in its layer diagram must exist, so a move that
    forgets the page fails here."""
    import importlib
    import re

    text = (REPO_ROOT / "docs" / "ARCHITECTURE.md").read_text(encoding="utf-8")
    missing = []
    for dotted in sorted(set(re.findall(r"`((?:metrics\.|stats\.|auth\.)[\w.]+)`", text))):
        parts = dotted.split(".")
        if parts[0] != "metrics":
            parts = ["metrics", *parts]
        for cut in range(len(parts), 0, -1):
            try:
                obj = importlib.import_module(".".join(parts[:cut]))
            except ImportError:
                continue
            try:
                for name in parts[cut:]:
                    obj = getattr(obj, name)
            except AttributeError:
                missing.append(dotted)
            break
        else:
            missing.append(dotted)
    for rel in sorted(set(re.findall(r"`((?:metrics|dashboard|io)/[\w/]+\.py)`", text))):
        path = REPO_ROOT / (rel if not rel.startswith("io/") else f"metrics/{rel}")
        if not path.exists():
            missing.append(rel)
    tree = text.split("```")[1]
    for name in re.findall(r"\b([a-z_]+\.py)\b", tree):
        if not list(REPO_ROOT.glob(f"**/{name}")):
            missing.append(name)
    assert missing == []
