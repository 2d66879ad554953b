"""User text (names, evidence, file names, imported titles) is shown as typed, never as Markdown or HTML."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from metrics.auth import User
from metrics.display import plain
from metrics.framework import REPO_ROOT
from metrics.store import Store
from tests.support.accounts import add_account

HOSTILE = "![x](https://attacker.example/x.png) [click](javascript:alert(1)) <img src=x onerror=alert(1)> :red[hi]"


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("ada", "ada"),
        ("Ada Lovelace", "Ada Lovelace"),
        ("![x](http://e/x.png)", r"\!\[x\]\(http\:\/\/e\/x\.png\)"),
        ("**bold** _it_ `code`", r"\*\*bold\*\* \_it\_ \`code\`"),
        ("<b>x</b>", r"\<b\>x\<\/b\>"),
        (":red[alarm] :smile:", r"\:red\[alarm\] \:smile\:"),
        ("# heading\n- item", r"\# heading \- item"),  # one line: no block structure
        ("back\\slash", r"back\\slash"),
        (42, "42"),
    ],
)
def test_plain_escapes_every_markdown_character(text: object, shown: str) -> None:
    assert plain(text) == shown


def test_no_unescaped_punctuation_survives() -> None:
    out = plain(HOSTILE)
    assert not re.search(r"(?<!\\)[!\[\]()<>:`*_]", out.replace("\\\\", ""))
    assert "\n" not in plain("a\nb\r\nc")


@pytest.fixture()
def writable(demo_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    copy = tmp_path / "store.duckdb"
    shutil.copy(demo_db, copy)
    with Store(copy) as s, s.transaction() as cur:
        cur.execute("INSERT INTO app_user (username, display_name, role, source, created_by)"
                    " VALUES ('ian', ?, 'inspector', 'oidc', 'test')", [HOSTILE])
    monkeypatch.setenv("ECM_DB", str(copy))
    monkeypatch.setenv("ECM_WRITABLE", "1")
    st.cache_resource.clear()
    st.cache_data.clear()
    yield copy
    st.cache_resource.clear()
    st.cache_data.clear()


def test_a_hostile_display_name_is_shown_as_text(writable: Path) -> None:
    """An identity provider's "name" claim is the user's own text: the caption must not fetch its image."""
    at = AppTest.from_file(str(REPO_ROOT / "app.py"), default_timeout=60)
    at.switch_page("dashboard/pages/judgements.py")
    at.query_params["area"] = "E06000020"
    at.session_state["signed_in_user"] = User("ian", "inspector", HOSTILE, "oidc")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    captions = [c.value for c in at.caption if "Signed in as" in c.value]
    assert captions and plain(HOSTILE) in captions[0]
    assert not re.search(r"(?<!\\)\]\(|(?<!\\)<img", captions[0])  # no live link, image or tag


def test_a_hostile_recorder_name_and_evidence_are_text(writable: Path) -> None:
    from metrics.judgements import create_review, record_judgement

    with Store(writable) as s:
        add_account(s, "eve](https://attacker.example/x.png", "inspector")  # a legacy name the rules now refuse
        eve = User("eve](https://attacker.example/x.png", "inspector")
        review = create_review(s, eve, "E06000020", 2025)
        record_judgement(s, eve, review.review_id, "SS", 2, HOSTILE)
    at = AppTest.from_file(str(REPO_ROOT / "app.py"), default_timeout=60)
    at.switch_page("dashboard/pages/judgements.py")
    at.query_params["area"] = "E06000020"
    at.query_params["period"] = "2025"
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert any(t.value == HOSTILE for t in at.text)  # evidence: st.text, literally
    recorded = [c.value for c in at.caption if c.value.startswith("Recorded by")]
    assert recorded and not any(re.search(r"(?<!\\)\]\(", c) for c in recorded)
