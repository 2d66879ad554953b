"""Pages lay out only: no SQL, no statistics, no formatting rules of their own.

A page that formats a figure itself prints it differently from the pack and the
downloads sooner or later ("c %" beside "c"); a page that queries or computes
holds logic no test of ``metrics`` sees. The pages and charts are read as text,
so the rule holds for code a test never runs.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from metrics.framework import REPO_ROOT

PAGE_FILES = sorted([*(REPO_ROOT / "dashboard").rglob("*.py"), REPO_ROOT / "app.py"])
RULES = {
    "SQL": re.compile(r"""\b(SELECT\s[^"']*\bFROM|INSERT\s+INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM"""
                      r"""|WITH\s+\w+\s+AS\s*\()"""),  # the product writes SQL in capitals
    "a database driver": re.compile(r"^\s*(import|from)\s+(duckdb|psycopg)", re.M),
    "the statistics package": re.compile(r"^\s*(from\s+metrics\.stats\b|from\s+metrics\s+import\s+.*\bstats\b)", re.M),
    "rounding": re.compile(r"\bround\(|:\.\d+f\}|%\.\d+f"),
    "its own suppression mark": re.compile(r"""["']c["']\s+if\b"""),
}


def code_of(path: Path) -> str:
    """The file's text with its docstrings and comments blanked: they may describe a rule."""
    source = path.read_text(encoding="utf-8")
    lines = source.splitlines()
    for node in ast.walk(ast.parse(source)):
        body = getattr(node, "body", None)
        if isinstance(body, list) and body and isinstance(body[0], ast.Expr) \
                and isinstance(body[0].value, ast.Constant) and isinstance(body[0].value.value, str):
            for i in range(body[0].lineno - 1, body[0].end_lineno or body[0].lineno):
                lines[i] = ""
    return "\n".join(re.sub(r"(^|\s)#.*$", "", line) for line in lines)


@pytest.mark.parametrize("path", PAGE_FILES, ids=lambda p: str(p.relative_to(REPO_ROOT)))
def test_a_page_holds_no_sql_statistics_or_formatting_rule(path: Path) -> None:
    text = code_of(path)
    found = [f"{what}: {m.group(0)!r}" for what, rule in RULES.items() for m in rule.finditer(text)]
    assert not found, f"{path.relative_to(REPO_ROOT)} holds " + "; ".join(found)


def test_the_rules_catch_what_they_name() -> None:
    assert RULES["SQL"].search('store.df("SELECT * FROM x")')
    assert RULES["rounding"].search('f"{x:.1f}"') and RULES["rounding"].search("round(x, 1)")
    assert RULES["its own suppression mark"].search('"c" if s else v')
    assert RULES["the statistics package"].search("from metrics.stats.trend import TREND_POINTS")
    assert RULES["the statistics package"].search("from metrics import lookups, stats")
    assert not RULES["SQL"].search('st.selectbox("Select an area from the list")')
    assert RULES["SQL"].search("WITH c AS (SELECT 1)") and RULES["SQL"].search("INSERT INTO t")
    assert not RULES["SQL"].search('st.caption("with the indicator")')
