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
    from dashboard.server import registered_pages

    registered = set(registered_pages())
    assert "home" in registered  # the reading of app.py found the pages at all
    files = {p.stem for p in (REPO_ROOT / "dashboard" / "pages").glob("*.py")}
    assert files == registered
