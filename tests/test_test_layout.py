"""tests/ mirrors metrics/: each public module has a test file of its own, where a reader looks first.

``metrics/a.py`` is tested in ``tests/test_a.py`` and ``metrics/pkg/b.py`` in
``tests/pkg/test_b.py``. Private modules (``_name.py``) are tested through the
public module that uses them; ``__init__`` and ``__main__`` hold no logic of their own.
Other test files (a feature across modules, the browser tests) sit beside these.
"""

from __future__ import annotations

from pathlib import Path

from metrics.framework import REPO_ROOT


def expected_test_files(root: Path) -> dict[str, Path]:
    """Module path (relative to ``root``) -> the test file it should have."""
    expected = {}
    for path in sorted((root / "metrics").rglob("*.py")):
        if path.stem.startswith("_"):
            continue
        package = path.parent.relative_to(root / "metrics")
        expected[str(path.relative_to(root))] = root / "tests" / package / f"test_{path.stem}.py"
    return expected


def test_every_module_has_its_test_file() -> None:
    missing = [f"{module} -> {test.relative_to(REPO_ROOT)}"
               for module, test in expected_test_files(REPO_ROOT).items() if not test.exists()]
    assert not missing, "modules without their test file:\n" + "\n".join(missing)


def test_the_rule_maps_packages_to_folders(tmp_path: Path) -> None:
    for name in ("metrics/a.py", "metrics/io/b.py", "metrics/_c.py", "metrics/io/__init__.py"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("", encoding="utf-8")
    assert expected_test_files(tmp_path) == {
        "metrics/a.py": tmp_path / "tests" / "test_a.py",
        "metrics/io/b.py": tmp_path / "tests" / "io" / "test_b.py",
    }
